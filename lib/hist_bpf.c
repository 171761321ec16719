// SPDX-License-Identifier: GPL-2.0
/*
 * The BPF maps rung of sonde hist: each probe becomes a bpfprobe spec
 * (lib/trace_bpf.c) whose action aggregates in a per-CPU hash in the
 * kernel (count, log2 or linear histogram) keyed by the request's keys;
 * function latency through the engine's entry-to-return time. Nothing
 * per event reaches user space; intervals swap the maps.
 */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hist.h"
#include "kernel_facts.h"
#include "sonde.h"
#include "trace_bpf.h"

#define KEY_STRLEN	64	/* bytes of a string key (comm: 16) */
#define MAX_FRAMES	127

/* Where key i of the request comes from in a spec: an aggregation key,
 * the probe itself, or the point hit (an aggregation key) of a glob. */
enum key_src { KS_NONE, KS_AGG, KS_FUNC, KS_POINT };

struct hspec {
	int hp;				/* index in req->probes */
	int probe;			/* index in the session */
	enum key_src src[HIST_MAX_KEYS];
	int agg[HIST_MAX_KEYS];		/* KS_AGG: index in agg.keys */
	int pid_agg;			/* agg.keys index of the pid (user
					 * stacks), -1: none */
	bool collect;			/* aggregates (not a --from) */
};

struct bpf_hist {
	struct bpfprobe_session *bs;
	struct bpfprobe_point *points;
	struct hspec *specs;
	int nspecs;
	char what[300];
};

/* The probe kinds' BPF rungs (what the engine can attach). */
static const enum rung bpf_rungs[] = {
	RUNG_BPF_FENTRY, RUNG_BPF_FEXIT, RUNG_BPF_KPROBE, RUNG_BPF_KPROBE_MULTI,
	RUNG_BPF_KRETPROBE, RUNG_BPF_TRACEPOINT, RUNG_BPF_UPROBE, RUNG_BPF_USDT,
	RUNG_NONE,
};

static int refuse(char *err, size_t errsz, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int refuse(char *err, size_t errsz, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errsz, fmt, ap);
	va_end(ap);
	return -EOPNOTSUPP;
}

static int int_fetch(struct bpfprobe_spec *spec, enum bpfprobe_src src)
{
	return bpfprobe_spec_add_fetch(spec, (struct bpfprobe_fetch){ .src = src, .type = BPV_INT,
							.size = 8, .is_signed = true });
}

/* The value number of expression e: its slot, or a computed value. */
static int expr_value(const struct hist_probe *hp, const struct expr *e,
		      struct bpfprobe_spec *spec, int comm, bool key)
{
	int slot = tprobe_slot_of(&hp->tp, e), node;
	int nexpr = spec->nexpr, nfetch = spec->nfetch;

	if (slot >= 0) {
		if (key && spec->fetch[slot].type == BPV_STR &&
		    spec->fetch[slot].maxlen > KEY_STRLEN)
			spec->fetch[slot].maxlen = KEY_STRLEN;
		return slot;
	}
	node = trace_bpf_node(&hp->tp, e, spec, comm);
	if (node >= 0)
		return bpfprobe_spec_add_fetch(spec, (struct bpfprobe_fetch){
			.src = BPS_EXPR, .imm = node, .type = BPV_INT, .size = 8,
			.is_signed = true });
	spec->nexpr = nexpr;
	spec->nfetch = nfetch;
	return -1;
}

/* A latency in the unit: src (ENTRY_DELTA, PAIR_DELTA) / divisor. */
static int delta_value(const struct hist_request *req, struct bpfprobe_spec *spec,
		       enum bpfprobe_src src)
{
	int d = int_fetch(spec, src), a, b, q;
	int64_t div = 1;

	if (d < 0 || req->unit == HIST_NSEC)
		return d;
	for (int i = 0; i < (int)req->unit; i++)
		div *= 1000;
	spec->fetch[d].flags = BPF_FETCH_HIDDEN;
	a = bpfprobe_spec_add_expr(spec, (struct bpfprobe_expr){ .op = BPO_VALUE, .a = d });
	b = bpfprobe_spec_add_expr(spec, (struct bpfprobe_expr){ .op = BPO_CONST, .imm = div });
	q = bpfprobe_spec_add_expr(spec, (struct bpfprobe_expr){ .op = BPO_DIV, .a = a, .b = b });
	if (a < 0 || b < 0 || q < 0)
		return -1;
	return bpfprobe_spec_add_fetch(spec, (struct bpfprobe_fetch){ .src = BPS_EXPR, .imm = q,
							.type = BPV_INT, .size = 8 });
}

/* --from/--to: both sides share pairing map 1, keyed by the thread or by
 * the --key value (fetched before the delta). */
static int pair_spec(const struct hist_probe *hp, struct bpfprobe_spec *spec, int comm,
		     char *err, size_t errsz)
{
	int k;

	spec->pair = (struct bpfprobe_pair){ .id = 1 };
	if (!hp->pair)
		return 0;
	k = expr_value(hp, hp->pair, spec, comm, false);
	if (k < 0 || spec->fetch[k].type != BPV_INT)
		return refuse(err, errsz, "BPF maps: --key %s must be a number computed in the kernel",
			      hp->tp.text);
	spec->pair.nkeys = 1;
	spec->pair.keys[0] = k;
	return 0;
}

/* spec->filter &&= node */
static int and_filter(struct bpfprobe_spec *spec, int node)
{
	if (node < 0)
		return -1;
	if (spec->filter < 0) {
		spec->filter = node;
		return 0;
	}
	spec->filter = bpfprobe_spec_add_expr(spec, (struct bpfprobe_expr){ .op = BPO_LAND,
							      .a = spec->filter, .b = node });
	return spec->filter < 0 ? -1 : 0;
}

/* -p and --comm in the kernel. */
static int request_filters(const struct hist_request *req, struct bpfprobe_spec *spec,
			   int comm)
{
	int pid = hist_request_pid(req), v, c;

	if (pid > 0) {
		v = int_fetch(spec, BPS_PID);
		if (v < 0)
			return -1;
		spec->fetch[v].flags = BPF_FETCH_HIDDEN;
		v = bpfprobe_spec_add_expr(spec, (struct bpfprobe_expr){ .op = BPO_VALUE, .a = v });
		c = bpfprobe_spec_add_expr(spec, (struct bpfprobe_expr){ .op = BPO_CONST, .imm = pid });
		if (v < 0 || c < 0 || and_filter(spec, bpfprobe_spec_add_expr(spec,
				(struct bpfprobe_expr){ .op = BPO_EQ, .a = v, .b = c })))
			return -1;
	}
	if (req->comm)
		return and_filter(spec, bpfprobe_spec_add_expr(spec, (struct bpfprobe_expr){
			.op = BPO_STREQ, .a = comm, .str = req->comm }));
	return 0;
}

static int add_key(struct bpfprobe_spec *spec, struct hspec *hs, int i, int value)
{
	if (value < 0 || spec->agg.nkeys == BPFPROBE_MAX_KEYS)
		return -1;
	hs->src[i] = KS_AGG;
	hs->agg[i] = spec->agg.nkeys;
	spec->agg.keys[spec->agg.nkeys++] = value;
	return 0;
}

static int one_key(const struct hist_request *req, const struct hist_probe *hp,
		   struct bpfprobe_spec *spec, struct hspec *hs, int i, int comm)
{
	static const uint8_t src[] = {
		[HKEY_PID] = BPS_PID, [HKEY_TID] = BPS_TID, [HKEY_CPU] = BPS_CPU,
		[HKEY_KSTACK] = BPS_KSTACK, [HKEY_USTACK] = BPS_USTACK,
	};

	switch (req->keys[i].kind) {
	case HKEY_FUNC:
		if (hp->tp.nfuncs <= 1) {
			hs->src[i] = KS_FUNC;
			return 0;
		}
		if (add_key(spec, hs, i, int_fetch(spec, BPS_POINT)))
			return -1;
		hs->src[i] = KS_POINT;
		return 0;
	case HKEY_COMM:
		spec->fetch[comm].maxlen = 16;
		return add_key(spec, hs, i, comm);
	case HKEY_EXPR:
		return add_key(spec, hs, i, expr_value(hp, hp->key[i], spec, comm, true));
	default:
		return add_key(spec, hs, i, int_fetch(spec, src[req->keys[i].kind]));
	}
}

static int keys(const struct hist_request *req, const struct hist_probe *hp,
		struct bpfprobe_spec *spec, struct hspec *hs, int comm,
		char *err, size_t errsz)
{
	hs->pid_agg = -1;
	for (int i = 0; i < req->nkeys; i++) {
		int r = one_key(req, hp, spec, hs, i, comm);

		if (r)
			return refuse(err, errsz, "BPF maps: key '%s' cannot be computed in the kernel (or more than %d key values)",
				      req->keys[i].text, BPFPROBE_MAX_KEYS);
		/* a pid key serves the user stacks too */
		if (req->keys[i].kind == HKEY_PID)
			hs->pid_agg = hs->agg[i];
		if (req->keys[i].kind == HKEY_USTACK && hs->pid_agg < 0) {
			/* user stacks are symbolized in their process */
			int v = int_fetch(spec, BPS_PID);

			if (v < 0 || spec->agg.nkeys == BPFPROBE_MAX_KEYS)
				return refuse(err, errsz, "BPF maps: too many keys with ustack");
			hs->pid_agg = spec->agg.nkeys;
			spec->agg.keys[spec->agg.nkeys++] = v;
		}
	}
	return 0;
}

static void set_action(const struct hist_request *req, struct bpfprobe_spec *spec,
		       int value)
{
	static const uint8_t action[] = {
		[HIST_BUCKETS_NONE] = BPA_COUNT, [HIST_BUCKETS_LOG2] = BPA_HIST_LOG2,
		[HIST_BUCKETS_LINEAR] = BPA_HIST_LINEAR,
	};

	spec->action = action[req->buckets];
	spec->agg.value = value;
	spec->agg.min = req->lin_min;
	spec->agg.max = req->lin_max;
	spec->agg.step = req->lin_step;
}

static int the_value(const struct hist_request *req, const struct hist_probe *hp,
		     struct bpfprobe_spec *spec, int comm, char *err, size_t errsz)
{
	int v = -1;

	switch (hp->role) {
	case HROLE_RETURN:
		v = delta_value(req, spec, BPS_ENTRY_DELTA);
		break;
	case HROLE_TO:
		v = delta_value(req, spec, BPS_PAIR_DELTA);
		break;
	case HROLE_VALUE:
		v = expr_value(hp, hp->value, spec, comm, false);
		if (v >= 0 && spec->fetch[v].type != BPV_INT)
			return refuse(err, errsz, "--value %s is a string: histograms need numbers (try --count --by %s)",
				      req->value_text, req->value_text);
		break;
	default:
		return -1;
	}
	if (v < 0)
		return refuse(err, errsz, "BPF maps: '%s' cannot be computed in the kernel",
			      hp->role == HROLE_VALUE ? req->value_text : "latency");
	return v;
}

static int build_spec(struct hist_rung *r, const struct hist_probe *hp,
		      struct bpfprobe_spec *spec, struct hspec *hs,
		      struct bpfprobe_point *points, char *err, size_t errsz)
{
	const struct hist_request *req = r->req;
	int comm = hp->tp.nslots, value = -1, ret;

	if (trace_bpf_spec(&hp->tp, hist_request_pid(req), false, false, spec, points,
			   err, errsz))
		return -EINVAL;
	if (hp->tp.spec.filter && spec->filter < 0)
		return refuse(err, errsz, "BPF maps: the filter of '%s' cannot run in the kernel",
			      hp->tp.text);
	if ((hp->role == HROLE_FROM || hp->role == HROLE_TO) &&
	    (ret = pair_spec(hp, spec, comm, err, errsz)))
		return ret;
	if (hist_probe_filtered(req, hp) && request_filters(req, spec, comm))
		return refuse(err, errsz, "BPF maps: too many values or expression nodes for '%s'",
			      hp->tp.text);
	if (hp->role == HROLE_FROM) {
		spec->action = BPA_PAIR_START;
		return bpfprobe_spec_check(spec, err, errsz) ? -EINVAL : 0;
	}
	hs->collect = true;
	if (hp->role != HROLE_COUNT &&
	    (value = the_value(req, hp, spec, comm, err, errsz)) < 0)
		return value;
	if ((ret = keys(req, hp, spec, hs, comm, err, errsz)))
		return ret;
	set_action(req, spec, value);
	return bpfprobe_spec_check(spec, err, errsz) ? -EINVAL : 0;
}

/* Probes the kernel can attach BPF to; -EOPNOTSUPP with the reasons. */
static int check_attach(const struct hist_request *req, char *err, size_t errsz)
{
	const struct kernel_facts *kf = features_get();
	char why[900];
	struct plan pl;

	for (int i = 0; i < req->nprobes; i++) {
		const struct tprobe *p = &req->probes[i].tp;

		if (!plan_select_among(p->pkind, kf, MECH_BPF, bpf_rungs, &pl))
			continue;
		return refuse(err, errsz, "cannot probe %s '%s' with BPF: %s",
			      probe_kind_name(p->pkind), p->spec.func ? p->spec.func : p->label,
			      plan_reason_line(&pl, why, sizeof(why)));
	}
	return 0;
}

/* Does this probe get a spec of its own? (The entry of a latency is the
 * engine's entry program.) */
static bool has_spec(const struct hist_probe *hp)
{
	return hp->role != HROLE_ENTRY;
}

static int bpf_start(struct hist_rung *r, char *err, size_t errsz)
{
	const struct hist_request *req = r->req;
	struct bpfprobe_opts opts = { 0 };
	struct bpf_hist *b = calloc(1, sizeof(*b));
	size_t npoints = 0;
	int ret;

	r->priv = b;
	if (!b)
		return -ENOMEM;
	if ((ret = check_attach(req, err, errsz)))
		return ret;
	for (int i = 0; i < req->nprobes; i++)
		npoints += req->probes[i].tp.nfuncs + TPROBE_MAX_SITES + 1;
	b->points = calloc(npoints, sizeof(*b->points));
	b->specs = calloc(req->nprobes, sizeof(*b->specs));
	if (!b->points || !b->specs || !(b->bs = bpfprobe_session__new(&opts)))
		return refuse(err, errsz, "cannot set up BPF: %s", strerror(errno));
	npoints = 0;
	for (int i = 0; i < req->nprobes; i++) {
		struct hspec *hs = &b->specs[b->nspecs];
		struct bpfprobe_spec spec;

		if (!has_spec(&req->probes[i]))
			continue;
		hs->hp = i;
		if ((ret = build_spec(r, &req->probes[i], &spec, hs, b->points + npoints,
				      err, errsz)))
			return ret;
		if ((hs->probe = bpfprobe_session__add(b->bs, &spec, err, errsz)) < 0)
			return -EINVAL;
		npoints += spec.npoints;
		b->nspecs++;
	}
	if ((ret = bpfprobe_session__start(b->bs, err, errsz)))
		return ret;
	snprintf(b->what, sizeof(b->what), "BPF maps (%s", bpfprobe_session__describe(b->bs, 0));
	/* the engine names its transport, which aggregation does not use */
	char *tail = strstr(b->what, ", ring buffer");

	if (!tail)
		tail = strstr(b->what, ", perf buffer");
	snprintf(tail ? tail : b->what + strlen(b->what), 16, "%s)",
		 b->nspecs > 1 ? ", ..." : "");
	return 0;
}

static int bpf_poll(struct hist_rung *r, int timeout_ms)
{
	int n = poll(NULL, 0, timeout_ms);

	return n < 0 ? -errno : 0;
}

struct collect_ctx {
	struct hist_rung *r;
	struct bpf_hist *b;
	const struct hspec *hs;
	struct hist_table *t;
};

static void stack_key(const struct collect_ctx *c, const struct bpfprobe_agg_entry *e,
		      int i, struct hist_kval *k, uint64_t *ips)
{
	int n = bpfprobe_session__stack(c->b->bs, e->key[c->hs->agg[i]].s, ips, MAX_FRAMES);

	k->ips = ips;
	k->nips = n > 0 ? n : 0;
	if (c->hs->pid_agg >= 0)
		k->pid = e->key[c->hs->pid_agg].s;
}

static int on_agg(void *ctx, const struct bpfprobe_agg_entry *e)
{
	const struct collect_ctx *c = ctx;
	const struct hist_request *req = c->r->req;
	const struct hist_probe *hp = &req->probes[c->hs->hp];
	uint64_t ips[HIST_MAX_KEYS][MAX_FRAMES];
	struct hist_kval key[HIST_MAX_KEYS] = { 0 };
	struct hist_entry *he;

	for (int i = 0; i < req->nkeys; i++) {
		const struct bpfprobe_value *v;

		if (c->hs->src[i] == KS_FUNC) {
			key[i].s = hist_probe_func(hp, 0);
			continue;
		}
		v = &e->key[c->hs->agg[i]];
		if (c->hs->src[i] == KS_POINT)
			key[i].s = hist_probe_func(hp, v->s);
		else if (req->keys[i].kind == HKEY_KSTACK || req->keys[i].kind == HKEY_USTACK)
			stack_key(c, e, i, &key[i], ips[i]);
		else if (v->type == BPV_STR)
			key[i].s = v->str ? v->str : "";
		else
			key[i].i = v->s;
	}
	if (!(he = hist_table_entry(c->t, key)))
		return -ENOMEM;
	if (req->mode == HIST_COUNT)
		hist_entry_add_agg(c->t, he, e->count, 0, 0, 0, NULL);
	else
		hist_entry_add_agg(c->t, he, e->count, (int64_t)e->sum, e->min, e->max,
				   e->buckets);
	return 0;
}

static int bpf_collect(struct hist_rung *r, struct hist_table *t, bool reset)
{
	struct bpf_hist *b = r->priv;

	for (int i = 0; i < b->nspecs; i++) {
		struct collect_ctx c = { r, b, &b->specs[i], t };
		int ret;

		if (!b->specs[i].collect)
			continue;
		ret = bpfprobe_session__agg_read(b->bs, b->specs[i].probe, reset, on_agg, &c);
		if (ret < 0)
			return ret;
	}
	return 0;
}

static void bpf_stats(struct hist_rung *r, struct hist_stats *st)
{
	struct bpf_hist *b = r->priv;
	struct bpfprobe_stats bst;

	bpfprobe_session__stats(b->bs, &bst);
	st->lost = bst.lost;
	st->lost_exact = !st->lost || r->req->mode == HIST_VALUE;
	st->missed = bst.entry_missed + bst.pair_missed;
	st->dropped = bst.agg_dropped + bst.entry_dropped + bst.pair_dropped;
}

static const char *bpf_describe(struct hist_rung *r)
{
	return ((struct bpf_hist *)r->priv)->what;
}

static void bpf_free(struct hist_rung *r)
{
	struct bpf_hist *b = r->priv;

	if (!b)
		return;
	if (b->bs) {
		bpfprobe_session__stop(b->bs);
		bpfprobe_session__free(b->bs);
	}
	free(b->points);
	free(b->specs);
	free(b);
	r->priv = NULL;
}

const struct hist_rung_ops hist_bpf_rung = {
	.rung = RUNG_BPF_MAPS,
	.start = bpf_start,
	.poll = bpf_poll,
	.collect = bpf_collect,
	.stats = bpf_stats,
	.describe = bpf_describe,
	.free = bpf_free,
};
