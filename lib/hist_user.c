// SPDX-License-Identifier: GPL-2.0
/*
 * The last rung of sonde hist: the probes' events stream out of the
 * kernel through the trace backends (BPF ring buffer, tracefs buffers or
 * perf_event_open, lib/trace_session.c) and are counted here; entries and
 * returns, --from and --to events are paired by key in a small map of
 * start times.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hist.h"
#include "sonde.h"
#include "trace_backend.h"
#include "util.h"

#define PAIR_MAX	(1u << 20)	/* pending starts */

/* Start times by pairing key (a thread id, or the --key value hashed). */
struct pairmap {
	uint64_t *keys, *ts;	/* ts 0: free */
	size_t cap, n;
};

struct user_hist {
	struct session s;
	struct trace_opts o;
	struct tprobe *probes;	/* copies of the request's, in order */
	struct expr *nodes;	/* their own filter nodes */
	struct hist_table *acc;
	struct pairmap starts;
	uint64_t missed, dropped;
	bool stopped;
	char what[300];
};

static uint64_t hash64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	return x;
}

static int pairmap_grow(struct pairmap *m)
{
	struct pairmap n = { .cap = m->cap ? m->cap * 2 : 1024 };

	n.keys = calloc(n.cap, sizeof(*n.keys));
	n.ts = calloc(n.cap, sizeof(*n.ts));
	if (!n.keys || !n.ts) {
		free(n.keys);
		free(n.ts);
		return -ENOMEM;
	}
	for (size_t i = 0; i < m->cap; i++) {
		size_t h;

		if (!m->ts[i])
			continue;
		for (h = hash64(m->keys[i]) & (n.cap - 1); n.ts[h]; h = (h + 1) & (n.cap - 1))
			;
		n.keys[h] = m->keys[i];
		n.ts[h] = m->ts[i];
		n.n++;
	}
	free(m->keys);
	free(m->ts);
	*m = n;
	return 0;
}

static size_t pairmap_slot(const struct pairmap *m, uint64_t key)
{
	size_t h = hash64(key) & (m->cap - 1);

	while (m->ts[h] && m->keys[h] != key)
		h = (h + 1) & (m->cap - 1);
	return h;
}

static int pairmap_put(struct pairmap *m, uint64_t key, uint64_t ts)
{
	size_t h;

	if (2 * (m->n + 1) > m->cap && (m->n >= PAIR_MAX || pairmap_grow(m)))
		return -ENOSPC;
	h = pairmap_slot(m, key);
	m->n += !m->ts[h];
	m->keys[h] = key;
	m->ts[h] = ts ? ts : 1;
	return 0;
}

/* Take the start time of key out of the map (backward-shift delete). */
static uint64_t pairmap_take(struct pairmap *m, uint64_t key)
{
	size_t h, next;
	uint64_t ts;

	if (!m->cap || !m->ts[h = pairmap_slot(m, key)])
		return 0;
	ts = m->ts[h];
	m->ts[h] = 0;
	m->n--;
	for (next = (h + 1) & (m->cap - 1); m->ts[next]; next = (next + 1) & (m->cap - 1)) {
		size_t home = hash64(m->keys[next]) & (m->cap - 1);

		/* move it back when its home is not in (h, next] */
		if ((next > h && (home <= h || home > next)) ||
		    (next < h && home <= h && home > next)) {
			m->keys[h] = m->keys[next];
			m->ts[h] = m->ts[next];
			m->ts[next] = 0;
			h = next;
		}
	}
	return ts;
}

/* ---- events ---- */

static uint64_t pair_key(const struct hist_probe *hp, const struct tprobe_event *e)
{
	struct value v;
	uint64_t h = 1469598103934665603ull;

	if (!hp->pair || tprobe_eval(e, hp->pair, &v))
		return (uint64_t)e->tid;
	if (!v.is_str)
		return (uint64_t)v.i;
	for (const char *c = v.s; *c; c++)
		h = (h ^ (unsigned char)*c) * 1099511628211ull;
	return h;
}

static void event_key(const struct hist_request *req, const struct hist_probe *hp,
		      const struct tprobe_event *e, const char *func,
		      struct hist_kval *key)
{
	struct value v;

	for (int i = 0; i < req->nkeys; i++) {
		struct hist_kval *k = &key[i];

		switch (req->keys[i].kind) {
		case HKEY_FUNC: k->s = func; break;
		case HKEY_COMM: k->s = e->comm; break;
		case HKEY_PID: k->i = e->pid; break;
		case HKEY_TID: k->i = e->tid; break;
		case HKEY_CPU: k->i = e->cpu; break;
		case HKEY_KSTACK:
			k->ips = e->kstack;
			k->nips = e->nkstack;
			break;
		case HKEY_USTACK:
			k->ips = e->ustack;
			k->nips = e->nustack;
			k->pid = e->pid;
			break;
		case HKEY_EXPR:
			if (tprobe_eval(e, hp->key[i], &v))
				k->s = "?";
			else if (v.is_str)
				k->s = v.s;
			else
				k->i = v.i;
			break;
		}
	}
}

/* The value of an end event (a latency in the unit, or --value); false
 * when there is none to count. */
static bool event_value(struct user_hist *u, const struct hist_request *req,
			const struct hist_probe *hp, const struct tprobe_event *e,
			int64_t *out)
{
	uint64_t start;
	struct value v;

	switch (hp->role) {
	case HROLE_VALUE:
		if (tprobe_eval(e, hp->value, &v) || v.is_str)
			return false;
		*out = v.i;
		return true;
	case HROLE_RETURN:
	case HROLE_TO:
		start = pairmap_take(&u->starts, pair_key(hp, e));
		if (!start || start > e->ts) {
			u->missed++;
			return false;
		}
		*out = hist_latency_scale(req, e->ts - start);
		return true;
	default:
		*out = 0;
		return true;
	}
}

static void on_event(void *ctx, const struct tprobe_event *e, const char *func)
{
	struct hist_rung *r = ctx;
	struct user_hist *u = r->priv;
	const struct hist_request *req = r->req;
	const struct hist_probe *hp = &req->probes[e->probe - u->probes];
	struct hist_kval key[HIST_MAX_KEYS] = { 0 };
	struct hist_entry *he;
	int64_t v;

	if (hp->role == HROLE_ENTRY || hp->role == HROLE_FROM) {
		if (pairmap_put(&u->starts, pair_key(hp, e), e->ts))
			u->dropped++;
		return;
	}
	if (!event_value(u, req, hp, e, &v))
		return;
	event_key(req, hp, e, func, key);
	if (!(he = hist_table_entry(u->acc, key))) {
		u->dropped++;
		return;
	}
	if (hp->role == HROLE_COUNT)
		hist_entry_add_agg(u->acc, he, 1, 0, 0, 0, NULL);
	else
		hist_entry_add(u->acc, he, v, 1);
}

/* ---- the rung ---- */

static bool wants_key(const struct hist_request *req, enum hist_key_kind kind)
{
	for (int i = 0; i < req->nkeys; i++)
		if (req->keys[i].kind == kind)
			return true;
	return false;
}

#define OWN_NODES 8	/* filter nodes added to each probe copy */

static struct expr *node(struct expr **pool, enum expr_kind kind, enum expr_op op,
			 struct expr *l, struct expr *r)
{
	struct expr *e = (*pool)++;

	*e = (struct expr){ .kind = kind, .op = op, .left = l, .right = r };
	return e;
}

static struct expr *and(struct expr **pool, struct expr *a, struct expr *b)
{
	return b ? node(pool, EXPR_BINARY, EOP_LAND, a, b) : a;
}

/*
 * Each copy's filter gets "tid != sonde's own" (reading tracefs buffers
 * makes read(2) calls, which a probe on them would count, and read, and
 * count) and --comm, so that the kernel drops what it can before the
 * buffers. The nodes come from pool (OWN_NODES); the rest is shared.
 */
static void kernel_side_filters(const struct hist_request *req,
				const struct hist_probe *hp, struct tprobe *p,
				struct expr *pool)
{
	struct expr *tid = node(&pool, EXPR_BUILTIN, EOP_NONE, NULL, NULL);
	struct expr *me = node(&pool, EXPR_INT, EOP_NONE, NULL, NULL);
	struct expr *f = node(&pool, EXPR_BINARY, EOP_NE, tid, me);

	tid->builtin = EB_TID;
	me->value = gettid();
	if (req->comm && hist_probe_filtered(req, hp)) {
		struct expr *c = node(&pool, EXPR_BUILTIN, EOP_NONE, NULL, NULL);
		struct expr *name = node(&pool, EXPR_STR, EOP_NONE, NULL, NULL);

		c->builtin = EB_COMM;
		name->name = (char *)req->comm;
		f = and(&pool, f, node(&pool, EXPR_BINARY, EOP_EQ, c, name));
	}
	p->spec.filter = and(&pool, f, p->spec.filter);
}

static int user_start(struct hist_rung *r, char *err, size_t errsz)
{
	const struct hist_request *req = r->req;
	struct user_hist *u = calloc(1, sizeof(*u));

	r->priv = u;
	if (!u || !(u->probes = calloc(req->nprobes, sizeof(*u->probes))) ||
	    !(u->acc = hist_table_new(req)))
		return -ENOMEM;
	/* shallow copies: the trace backends want an array of probes */
	if (!(u->nodes = calloc(req->nprobes * OWN_NODES, sizeof(*u->nodes))))
		return -ENOMEM;
	for (int i = 0; i < req->nprobes; i++) {
		u->probes[i] = req->probes[i].tp;
		kernel_side_filters(req, &req->probes[i], &u->probes[i],
				    u->nodes + i * OWN_NODES);
	}
	u->o = (struct trace_opts){
		.pid = req->pid, .launch = req->launch,
		.kstack = wants_key(req, HKEY_KSTACK),
		.ustack = wants_key(req, HKEY_USTACK),
		.on_event = on_event, .ctx = r, .resolved = true,
	};
	if (trace_session_start(&u->s, u->probes, req->nprobes, &u->o, err, errsz))
		return -EOPNOTSUPP;
	snprintf(u->what, sizeof(u->what), "user-space aggregation of events from %s",
		 u->s.be->what(&u->s));
	return 0;
}

static int user_poll(struct hist_rung *r, int timeout_ms)
{
	struct user_hist *u = r->priv;

	return u->stopped ? 0 : u->s.be->poll(&u->s, timeout_ms);
}

static void user_stop(struct hist_rung *r)
{
	struct user_hist *u = r->priv;

	if (!u->stopped)
		u->s.be->finish(&u->s);
	u->stopped = true;
}

static int user_collect(struct hist_rung *r, struct hist_table *t, bool reset)
{
	struct user_hist *u = r->priv;

	hist_table_merge(t, u->acc);
	if (reset)
		hist_table_clear(u->acc);
	return 0;
}

static void user_stats(struct hist_rung *r, struct hist_stats *st)
{
	struct user_hist *u = r->priv;

	st->lost = u->s.be->lost(&u->s);
	/* a value's event is one record; a latency is two, paired here: a
	 * lost record costs at most one (include/loss.h) */
	st->lost_exact = !st->lost || r->req->mode == HIST_VALUE;
	st->missed = u->missed;
	st->dropped = u->dropped;
}

static const char *user_describe(struct hist_rung *r)
{
	return ((struct user_hist *)r->priv)->what;
}

static void user_free(struct hist_rung *r)
{
	struct user_hist *u = r->priv;

	if (!u)
		return;
	if (u->s.be)
		u->s.be->free(&u->s);
	hist_table_free(u->acc);
	free(u->starts.keys);
	free(u->starts.ts);
	free(u->nodes);
	free(u->probes);
	free(u);
	r->priv = NULL;
}

const struct hist_rung_ops hist_user_rung = {
	.rung = RUNG_USER_AGGREGATION,
	.start = user_start,
	.poll = user_poll,
	.stop = user_stop,
	.collect = user_collect,
	.stats = user_stats,
	.describe = user_describe,
	.free = user_free,
};
