// SPDX-License-Identifier: GPL-2.0
/*
 * The middle rung of sonde hist: ftrace hist triggers aggregate in the
 * kernel, without BPF (lib/ftrace_hist.c writes and reads them).
 *
 *  - --count: a trigger per event, keyed by the --by keys;
 *  - -V EXPR: a trigger keyed by the keys and EXPR.log2 (or
 *    .buckets=STEP), summing EXPR; the kernel's log2 puts exact powers of
 *    two (and negative values) one bucket off bcc's, so a second trigger
 *    counts just those exactly and they are moved to their bucket;
 *  - latency (FUNC, --from/--to): the start event saves its time by
 *    pairing key, the end event fires a synthetic event with the
 *    difference in ns, and a trigger on that aggregates it (usecs: a
 *    second synthetic event divides first; msecs and secs: the key is
 *    lat/1000000 itself, whole msecs being few).
 * Tables are cumulative: each collect subtracts the counts of the last
 * reset, so intervals neither lose nor double-count events.
 * What the triggers cannot express (user stacks, values computed from
 * several fields, more than three keys, filters tracefs cannot
 * evaluate, ...) is refused with -EOPNOTSUPP and the reason, and the
 * user-space rung takes over.
 */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "ftrace_hist.h"
#include "hist.h"
#include "kernel_facts.h"
#include "perf_ring.h"
#include "sonde.h"
#include "syscalls.h"
#include "tfs.h"
#include "tpformat.h"
#include "util.h"

/*
 * Table sizes: the kernel allocates every entry of a table up front
 * (some 300 bytes each), so many events (a syscall glob) share a budget;
 * a table without keys has one entry and takes the smallest size.
 */
#define HT_TABLE_SIZE	8192	/* entries of an aggregating trigger */
#define HT_TABLE_MIN	128	/* the kernel's smallest */
#define HT_BUDGET	131072	/* entries of all of --count's tables */
#define HT_PAIR_SIZE	16384	/* start times pending, by pairing key */
#define HT_SYSCALLS	512	/* syscall numbers, and then some */
/* --count of more syscall events than this: one trigger on raw_syscalls */
#define HT_SYSCALL_GLOB	16

/* What the value key of a table holds. */
enum ht_value {
	HV_NONE,	/* counts only */
	HV_LOG2,	/* FIELD.log2, powers of two counted aside */
	HV_LOG2_PLUS1,	/* (lat + 1).log2: key k is bucket k - 1 */
	HV_LINEAR,	/* .buckets=STEP aligned with the request's */
	HV_EXACT,	/* the value itself */
	HV_SUM,		/* no buckets: counts and the value's sum */
};

/* Where a request key comes from in a table's row. */
enum ht_src { HS_FUNC, HS_COMM, HS_TID, HS_PID, HS_NUM, HS_STRING, HS_STACK };

struct snap_row {
	char *id;
	uint64_t hits, sum;
};

/* Counts of a kernel table at the last reset, sorted by id. */
struct snap {
	struct snap_row *rows;
	size_t n;
};

struct ht_table {
	char sys[64], event[128];	/* the event it is attached to */
	const char *func;		/* HKEY_FUNC */
	struct fhist_agg agg;
	const char **nr_func;		/* raw_syscalls: HKEY_FUNC by number */
	int nr_key;			/* its agg key of the number */
	enum ht_value vmode;
	int vkey;			/* agg key of the value */
	enum ht_src src[HIST_MAX_KEYS];	/* per request key */
	int kidx[HIST_MAX_KEYS];	/* its agg key */
	bool pow2;			/* HV_LOG2: agg2 counts powers */
	struct fhist_agg agg2;
	struct snap prev, prev2;
};

struct trig_hist {
	struct ht_table *tabs;
	int ntabs;
	struct fhist_pair *pair;	/* latency */
	char pid_filter[512];	/* -p with --key, at the start */
	int nnames;
	char what[300];
	uint64_t dropped;
};

/* A tracefs event of a probe: a tracepoint, or a dynamic event of ours. */
struct ht_event {
	char sys[64], name[128];
	const char *func;
	bool plain;		/* a tracepoint: slots are its fields */
};

static int refuse(char *err, size_t errsz, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int refuse(char *err, size_t errsz, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	/* the arguments may be err itself (the kernel's explanation) */
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	snprintf(err, errsz, "%s", buf);
	return -EOPNOTSUPP;
}

/* ---- probes as tracefs events ---- */

/* The events of probe idx (a kernel function glob: one per function;
 * USDT: one per site), into evs (room for tprobe_tracefs_nevents()). Of
 * a glob, functions the kernel refuses are skipped, as trace does. */
static int define_events(struct tfs *tfs, const struct tprobe *p, int idx,
			 struct ht_event *evs, int *n, char *err, size_t errsz)
{
	int count = tprobe_tracefs_nevents(p), rc = 0;
	size_t size = 256 + PATH_MAX + TPROBE_MAX_SLOTS * 800;
	char *def;

	*n = 0;
	if (p->kind == TPK_TRACEPOINT && !p->needs_eprobe) {
		struct ht_event *ev = &evs[(*n)++];

		snprintf(ev->sys, sizeof(ev->sys), "%s", p->tp_sys);
		snprintf(ev->name, sizeof(ev->name), "%s", p->tp_name);
		ev->plain = true;
		return 0;
	}
	if (!(def = malloc(size)))
		return -ENOMEM;
	for (int i = 0; i < count && !rc; i++) {
		struct ht_event *ev = &evs[*n];

		memset(ev, 0, sizeof(*ev));
		snprintf(ev->sys, sizeof(ev->sys), "%s", tfs_group(tfs));
		snprintf(ev->name, sizeof(ev->name), "h%d_%d", idx, i);
		if (p->kind == TPK_KPROBE || p->kind == TPK_KRETPROBE)
			ev->func = p->funcs[i];
		rc = tprobe_tracefs_def(p, i, ev->sys, ev->name, false, def, size);
		if (!rc)
			rc = tfs_dynevent_add(tfs, def, err, errsz);
		if (rc && count > 1 && ev->func) {
			vinfo("skipping %s: %s", ev->func, err);
			rc = 0;
			continue;
		}
		if (!rc)
			(*n)++;
	}
	free(def);
	if (!rc && !*n)
		rc = refuse(err, errsz, "no function of '%s' could be probed", p->text);
	return rc;
}

/* The field an expression of probe p is on its event: a tracepoint
 * field, a fetch argument fN, or a builtin every event has. */
static bool expr_field(const struct tprobe *p, const struct ht_event *ev,
		       const struct expr *e, char *buf, size_t size, bool *string)
{
	int slot;

	*string = false;
	if (e->kind == EXPR_BUILTIN) {
		if (e->builtin == EB_TID)
			return snprintf(buf, size, "common_pid") < (int)size;
		if (e->builtin == EB_CPU)
			return snprintf(buf, size, "cpu") < (int)size;
		return false;
	}
	if ((slot = tprobe_slot_of(p, e)) < 0)
		return false;
	*string = p->slots[slot].string;
	if (ev->plain)
		return snprintf(buf, size, "%s", p->slots[slot].field) < (int)size;
	return snprintf(buf, size, "f%d", slot) < (int)size;
}

/* "A && B" of the non-empty ones. */
static void and_filter(char *buf, size_t size, const char *more)
{
	size_t len = strlen(buf);

	if (!more[0])
		return;
	if (!len)
		snprintf(buf, size, "%s", more);
	else
		snprintf(buf + len, size - len, " && %s", more);
}

/* The probe's own filter, and -p and --comm where they apply. */
static int event_filter(const struct hist_request *req, const struct trig_hist *h,
			const struct hist_probe *hp, const struct ht_event *ev,
			char *buf, size_t size, char *err, size_t errsz)
{
	const struct tprobe *p = &hp->tp;
	char f[FHIST_FILTER_MAX];

	buf[0] = '\0';
	/* all of it or nothing: no one checks what the kernel aggregates */
	if (p->spec.filter &&
	    !tprobe_tracefs_filter(p, p->spec.filter, ev->plain, buf, size))
		return refuse(err, errsz, "the filter of '%s' cannot be evaluated by a tracefs filter",
			      p->text);
	if (!hist_probe_filtered(req, hp))
		return 0;
	if (req->comm) {
		if (strchr(req->comm, '"'))
			return refuse(err, errsz, "--comm with a quote");
		snprintf(f, sizeof(f), "comm == \"%s\"", req->comm);
		and_filter(buf, size, f);
	}
	and_filter(buf, size, h->pid_filter);
	return 0;
}

/* ---- keys ---- */

static int add_key(struct fhist_agg *a, const char *expr, enum fhist_kmod mod,
		   uint64_t step)
{
	struct fhist_key *k;

	for (int i = 0; i < a->nkeys; i++)
		if (!strcmp(a->keys[i].expr, expr) && a->keys[i].mod == mod)
			return i;
	if (a->nkeys == FHIST_MAX_KEYS)
		return -1;
	k = &a->keys[a->nkeys];
	snprintf(k->expr, sizeof(k->expr), "%s", expr);
	k->mod = mod;
	k->step = step;
	return a->nkeys++;
}

/*
 * The request's --by keys as keys of table tb at the event the keys are
 * read at (params: the synthetic event's p0.. for latencies).
 */
static int map_keys(const struct hist_request *req, const struct hist_probe *hp,
		    const struct ht_event *ev, bool latency, struct ht_table *tb,
		    char *err, size_t errsz)
{
	char field[96];
	bool string;
	int np = 0;

	for (int i = 0; i < req->nkeys; i++) {
		const struct hist_key *k = &req->keys[i];
		int idx = 0;

		switch (k->kind) {
		case HKEY_FUNC:
			tb->src[i] = HS_FUNC;
			continue;
		case HKEY_COMM:
		case HKEY_TID:
		case HKEY_PID:
			/* one key gives all three: the thread and its comm */
			tb->src[i] = k->kind == HKEY_COMM ? HS_COMM :
				     k->kind == HKEY_TID ? HS_TID : HS_PID;
			idx = add_key(&tb->agg, "common_pid", FHK_EXECNAME, 0);
			break;
		case HKEY_CPU:
			tb->src[i] = HS_NUM;
			idx = add_key(&tb->agg, "cpu", FHK_RAW, 0);
			break;
		case HKEY_KSTACK:
			if (latency)
				return refuse(err, errsz, "hist triggers cannot key a latency by kernel stack (the synthetic event's stack is ftrace's own)");
			tb->src[i] = HS_STACK;
			idx = add_key(&tb->agg, "stacktrace", FHK_STACK, 0);
			break;
		case HKEY_USTACK:
			return refuse(err, errsz, "hist triggers cannot key by user stack");
		case HKEY_EXPR:
			if (!hp->key[i] || !expr_field(&hp->tp, ev, hp->key[i], field,
						       sizeof(field), &string))
				return refuse(err, errsz, "key '%s' is not one field of the event",
					      k->text);
			if (latency && string)
				return refuse(err, errsz, "hist triggers cannot carry the string key '%s' to the latency",
					      k->text);
			if (latency)
				snprintf(field, sizeof(field), "p%d", np++);
			tb->src[i] = string ? HS_STRING : HS_NUM;
			idx = add_key(&tb->agg, field, string ? FHK_STRING : FHK_RAW, 0);
			break;
		}
		if (idx < 0)
			return refuse(err, errsz, "hist triggers take at most %d keys",
				      FHIST_MAX_KEYS);
		tb->kidx[i] = idx;
	}
	return 0;
}

/* ---- the value ---- */

static bool linear_aligned(const struct hist_request *req)
{
	return req->buckets == HIST_BUCKETS_LINEAR && req->lin_min >= 0 &&
	       req->lin_min % req->lin_step == 0 &&
	       (req->lin_max - req->lin_min) % req->lin_step == 0;
}

/* Filter terms that catch the values the kernel's log2 puts one bucket
 * off: exact powers of two 2..2^(bits-1), and negative ones. */
static void pow2_filter(const char *field, const struct tpformat_field *f,
			char *buf, size_t size)
{
	int bits = f->size > 0 && f->size < 8 ? f->size * 8 : 64;
	int top = f->is_signed ? bits - 2 : bits - 1;
	size_t n = snprintf(buf, size, "(");

	for (int k = 1; k <= top && n < size; k++)
		n += snprintf(buf + n, size - n, "%s == %llu || ", field,
			      (unsigned long long)1 << k);
	if (f->is_signed)
		snprintf(buf + n, size - n, "%s < 0)", field);
	else if (bits == 64)
		snprintf(buf + n, size - n, "%s > %llu)", field,
			 (unsigned long long)1 << 63);
	else
		snprintf(buf + n - 4, size - n + 4, ")");
}

static int value_keys(const struct hist_request *req, const struct hist_probe *hp,
		      const struct ht_event *ev, struct ht_table *tb, char *err,
		      size_t errsz)
{
	struct tpformat_field f = { .size = 8 };
	char field[96], path[256], terms[FHIST_FILTER_MAX];
	bool string;
	int idx;

	if (!expr_field(&hp->tp, ev, hp->value, field, sizeof(field), &string))
		return refuse(err, errsz, "value '%s' is not one field of the event (hist triggers aggregate a field)",
			      req->value_text);
	if (string)
		return refuse(err, errsz, "value '%s' is a string", req->value_text);
	snprintf(path, sizeof(path), "%s/%s", ev->sys, ev->name);
	if (strcmp(field, "common_pid") && strcmp(field, "cpu"))
		tpformat_field(path, field, &f);
	snprintf(tb->agg.vals[tb->agg.nvals++], sizeof(tb->agg.vals[0]), "%s", field);
	if (req->buckets == HIST_BUCKETS_NONE) {
		tb->vmode = HV_SUM;
		return 0;
	}
	if (req->buckets == HIST_BUCKETS_LOG2) {
		tb->vmode = HV_LOG2;
		idx = add_key(&tb->agg, field, FHK_LOG2, 0);
	} else if (linear_aligned(req) && !f.is_signed) {
		tb->vmode = HV_LINEAR;
		idx = add_key(&tb->agg, field, FHK_BUCKETS, req->lin_step);
	} else {
		tb->vmode = HV_EXACT;
		idx = add_key(&tb->agg, field, FHK_RAW, 0);
	}
	if (idx < 0)
		return refuse(err, errsz, "hist triggers take at most %d keys with the value",
			      FHIST_MAX_KEYS);
	tb->vkey = idx;
	if (tb->vmode != HV_LOG2)
		return 0;
	/* the same keys with the value itself, only for the odd ones */
	tb->pow2 = true;
	tb->agg2 = tb->agg;
	tb->agg2.nvals = 0;
	tb->agg2.keys[idx].mod = FHK_RAW;
	pow2_filter(field, &f, terms, sizeof(terms));
	if (tb->agg2.filter[0])
		snprintf(tb->agg2.filter, sizeof(tb->agg2.filter), "(%s) && %s",
			 tb->agg.filter, terms);
	else
		snprintf(tb->agg2.filter, sizeof(tb->agg2.filter), "%s", terms);
	return 0;
}

/*
 * The latency key on the synthetic event, per unit and buckets: log2 of
 * lat + 1 in the unit (microseconds through a second stage that
 * divides), .buckets=STEP where aligned, else the values themselves
 * (whole msecs and secs are few); without buckets only the sum, of
 * values divided one by one as the other rungs do. False: no room for
 * the key.
 */
static bool latency_keys(const struct hist_request *req, struct ht_table *tb,
			 struct fhist_pair *pr)
{
	static const uint64_t div[] = { 1, 1000, 1000000, 1000000000 };
	bool small = req->unit <= HIST_USEC;
	char key[96];

	pr->size = HT_PAIR_SIZE;
	snprintf(tb->agg.vals[tb->agg.nvals++], sizeof(tb->agg.vals[0]), "lat");
	if (req->buckets == HIST_BUCKETS_NONE) {
		pr->div = req->unit == HIST_NSEC ? 0 : div[req->unit];
		tb->vmode = HV_SUM;
	} else if (small && req->buckets == HIST_BUCKETS_LOG2) {
		pr->div = req->unit == HIST_USEC ? 1000 : 0;
		pr->plus_one = true;
		tb->vmode = HV_LOG2_PLUS1;
		tb->vkey = add_key(&tb->agg, "lat", FHK_LOG2, 0);
	} else if (small && linear_aligned(req)) {
		pr->div = req->unit == HIST_USEC ? 1000 : 0;
		tb->vmode = HV_LINEAR;
		tb->vkey = add_key(&tb->agg, "lat", FHK_BUCKETS, req->lin_step);
	} else {
		tb->vmode = HV_EXACT;
		if (req->unit == HIST_NSEC)
			snprintf(key, sizeof(key), "lat");
		else
			snprintf(key, sizeof(key), "lat/%llu",
				 (unsigned long long)div[req->unit]);
		tb->vkey = add_key(&tb->agg, key, FHK_RAW, 0);
	}
	fhist_pair_event(pr, tb->event, sizeof(tb->event));
	return tb->vmode == HV_SUM || tb->vkey >= 0;
}

/* ---- setting up ---- */

static struct ht_table *new_table(struct trig_hist *h, const char *sys,
				  const char *event, const char *func)
{
	struct ht_table *tb = realloc(h->tabs, (h->ntabs + 1) * sizeof(*tb));

	if (!tb)
		return NULL;
	h->tabs = tb;
	tb = &h->tabs[h->ntabs++];
	memset(tb, 0, sizeof(*tb));
	snprintf(tb->sys, sizeof(tb->sys), "%s", sys);
	snprintf(tb->event, sizeof(tb->event), "%s", event);
	tb->func = func;
	tb->vkey = -1;
	tb->agg.size = HT_TABLE_SIZE;
	snprintf(tb->agg.name, sizeof(tb->agg.name), "%s_%d", tfs_group(tfs_get()),
		 h->nnames++);
	return tb;
}

/* Install a table's triggers; a refusal means the request cannot be
 * expressed on this kernel. */
static int install(struct trig_hist *h, struct ht_table *tb, char *err,
		   size_t errsz)
{
	char text[FHIST_FILTER_MAX + 1024];
	struct tfs *tfs = tfs_get();
	int ret;

	if (!tb->agg.nkeys)
		add_key(&tb->agg, "common_type", FHK_RAW, 0);	/* one row */
	if (g_opts.verbose && !fhist_agg_text(&tb->agg, text, sizeof(text)))
		vinfo("hist trigger on %s:%s: %s", tb->sys, tb->event, text);
	ret = fhist_add(tfs, tb->sys, tb->event, &tb->agg, err, errsz);
	if (!ret && tb->pow2) {
		snprintf(tb->agg2.name, sizeof(tb->agg2.name), "%s_%d",
			 tfs_group(tfs), h->nnames++);
		ret = fhist_add(tfs, tb->sys, tb->event, &tb->agg2, err, errsz);
	}
	if (ret == -EINVAL || ret == -ENOENT || ret == -EEXIST || ret == -ENOSPC ||
	    ret == -ENOMEM)
		return refuse(err, errsz, "the kernel refused a hist trigger on %s:%s: %.200s",
			      tb->sys, tb->event, err);
	return ret;
}

/* The size of each of nevents tables, a power of two. */
static unsigned int table_size(const struct hist_request *req, int nevents)
{
	unsigned int size = HT_TABLE_SIZE;
	bool keyed = req->mode == HIST_VALUE;

	for (int i = 0; i < req->nkeys; i++)
		keyed |= req->keys[i].kind != HKEY_FUNC;
	if (!keyed)
		return HT_TABLE_MIN;
	while (size > HT_TABLE_MIN && (uint64_t)size * nevents > HT_BUDGET)
		size /= 2;
	return size;
}

static int start_counts(struct trig_hist *h, const struct hist_request *req,
			char *err, size_t errsz)
{
	struct ht_event *evs = NULL;
	unsigned int size;
	int n, ret = 0, nevents = 0, most = 1;

	for (int i = 0; i < req->nprobes; i++) {
		n = tprobe_tracefs_nevents(&req->probes[i].tp);
		nevents += n;
		most = n > most ? n : most;
	}
	size = table_size(req, nevents);
	if (!(evs = calloc(most, sizeof(*evs))))
		return -ENOMEM;
	for (int i = 0; i < req->nprobes && !ret; i++) {
		const struct hist_probe *hp = &req->probes[i];

		ret = define_events(tfs_get(), &hp->tp, i, evs, &n, err, errsz);
		for (int e = 0; e < n && !ret; e++) {
			/* a glob's functions: the one this event is */
			const char *func = hp->tp.nfuncs > 1 && evs[e].func ?
					   evs[e].func : hist_probe_func(hp, 0);
			struct ht_table *tb = new_table(h, evs[e].sys, evs[e].name, func);

			if (!tb) {
				ret = -ENOMEM;
				break;
			}
			tb->agg.size = size;
			if ((ret = event_filter(req, h, hp, &evs[e], tb->agg.filter,
						sizeof(tb->agg.filter), err, errsz)) ||
			    (ret = map_keys(req, hp, &evs[e], false, tb, err, errsz)) ||
			    (req->mode == HIST_VALUE &&
			     (ret = value_keys(req, hp, &evs[e], tb, err, errsz))))
				break;
			ret = install(h, tb, err, errsz);
		}
	}
	free(evs);
	return ret;
}

/*
 * --count of many syscall tracepoints (a glob): one trigger on
 * raw_syscalls keyed by the syscall's number rather than one per event,
 * because removing a trigger waits for an RCU grace period (every
 * syscall: 20 s in a guest). When each probe is a syscall's entry (or
 * each its exit) with no filter or key of its own.
 */
static const char *syscall_dir(const struct hist_request *req)
{
	const char *dir = NULL;

	if (req->mode != HIST_COUNT || req->nprobes <= HT_SYSCALL_GLOB)
		return NULL;
	for (int i = 0; i < req->nkeys; i++)
		if (req->keys[i].kind == HKEY_EXPR)
			return NULL;
	for (int i = 0; i < req->nprobes; i++) {
		const struct tprobe *p = &req->probes[i].tp;
		const char *d = !strncmp(p->tp_name, "sys_enter_", 10) ? "sys_enter" :
				!strncmp(p->tp_name, "sys_exit_", 9) ? "sys_exit" : NULL;

		if (p->kind != TPK_TRACEPOINT || p->needs_eprobe || p->spec.filter ||
		    strcmp(p->tp_sys, "syscalls") || !d || (dir && strcmp(d, dir)) ||
		    sc_event_nr(p->tp_name + strlen(d) + 1) < 0)
			return NULL;
		dir = d;
	}
	return dir;
}

static int start_syscalls(struct trig_hist *h, const struct hist_request *req,
			  const char *dir, char *err, size_t errsz)
{
	struct ht_event ev = { .sys = "raw_syscalls", .plain = true };
	struct ht_table *tb;
	bool keyed = false;
	int ret;

	snprintf(ev.name, sizeof(ev.name), "%s", dir);
	if (!(tb = new_table(h, ev.sys, ev.name, NULL)) ||
	    !(tb->nr_func = calloc(HT_SYSCALLS, sizeof(*tb->nr_func))))
		return -ENOMEM;
	for (int i = 0; i < req->nprobes; i++) {
		const struct tprobe *p = &req->probes[i].tp;
		int nr = sc_event_nr(p->tp_name + strlen(dir) + 1);

		if (nr < HT_SYSCALLS)
			tb->nr_func[nr] = p->label;
	}
	for (int i = 0; i < req->nkeys; i++)
		keyed |= req->keys[i].kind != HKEY_FUNC;
	tb->agg.size = keyed ? HT_TABLE_SIZE : HT_SYSCALLS;
	tb->nr_key = add_key(&tb->agg, "id", FHK_RAW, 0);
	vinfo("%d syscall events: one hist trigger on raw_syscalls:%s, by syscall number",
	      req->nprobes, dir);
	if ((ret = event_filter(req, h, &req->probes[0], &ev, tb->agg.filter,
				sizeof(tb->agg.filter), err, errsz)) ||
	    (ret = map_keys(req, &req->probes[0], &ev, false, tb, err, errsz)))
		return ret;
	return install(h, tb, err, errsz);
}

/* The fields an expression combines ("(dev << 40) ^ sector": "dev,sector"),
 * as a key: equal fields make equal values. */
static bool key_fields(const struct tprobe *p, const struct ht_event *ev,
		       const struct expr *e, char *buf, size_t size, int *n)
{
	size_t len = strlen(buf);
	bool string;

	if (e->kind == EXPR_INT)
		return true;
	if (e->kind == EXPR_BINARY && (e->op == EOP_SHL || e->op == EOP_SHR ||
				       e->op == EOP_XOR || e->op == EOP_OR ||
				       e->op == EOP_AND || e->op == EOP_ADD ||
				       e->op == EOP_MUL))
		return key_fields(p, ev, e->left, buf, size, n) &&
		       key_fields(p, ev, e->right, buf, size, n);
	if (*n == FHIST_MAX_KEYS || len + 2 >= size)
		return false;
	if (len)
		buf[len++] = ',';
	if (!expr_field(p, ev, e, buf + len, size - len, &string))
		return false;
	(*n)++;
	return true;
}

/* The pairing key of an end of a latency at its event: the thread, or
 * the fields of --key. */
static int pair_key(const struct hist_request *req, const struct hist_probe *hp,
		    const struct ht_event *ev, char *buf, size_t size, int *n,
		    char *err, size_t errsz)
{
	buf[0] = '\0';
	*n = 0;
	if (!hp->pair) {
		*n = 1;
		return snprintf(buf, size, "common_pid") < (int)size ? 0 : -ENOSPC;
	}
	if (!key_fields(&hp->tp, ev, hp->pair, buf, size, n) || !*n)
		return refuse(err, errsz, "the pairing key of '%s' is not up to %d fields of the event",
			      hp->tp.text, FHIST_MAX_KEYS);
	return 0;
}

/* The synthetic event's params: the numeric --by EXPR keys of the end
 * event, with their types from its format. */
static int pair_params(const struct hist_request *req, const struct hist_probe *end,
		       const struct ht_event *ev, struct fhist_pair *pr, char *err,
		       size_t errsz)
{
	struct tpformat_field f;
	char path[256];
	bool string;

	snprintf(path, sizeof(path), "%s/%s", ev->sys, ev->name);
	for (int i = 0; i < req->nkeys; i++) {
		if (req->keys[i].kind != HKEY_EXPR)
			continue;
		if (!end->key[i] || !expr_field(&end->tp, ev, end->key[i], pr->params[pr->nparams],
						sizeof(pr->params[0]), &string) || string)
			return refuse(err, errsz, "key '%s' is not one numeric field of '%s'",
				      req->keys[i].text, end->tp.text);
		if (tpformat_field(path, pr->params[pr->nparams], &f))
			snprintf(f.type, sizeof(f.type), "u64");
		snprintf(pr->param_types[pr->nparams], sizeof(pr->param_types[0]), "%s", f.type);
		pr->nparams++;
	}
	return 0;
}

static void show_pair(const struct fhist_pair *pr)
{
	char text[FHIST_FILTER_MAX + 1024];

	if (!g_opts.verbose)
		return;
	for (int i = 0; i < pr->nfrom; i++)
		if (!fhist_pair_from_text(pr, i, text, sizeof(text)))
			vinfo("hist trigger on %s:%s: %s", pr->from[i].sys,
			      pr->from[i].event, text);
	for (int i = 0; i < pr->nfrom; i++)
		if (!fhist_pair_to_text(pr, i, text, sizeof(text)))
			vinfo("hist trigger on %s:%s: %s", pr->to.sys, pr->to.event, text);
	if (pr->div && !fhist_pair_stage2_text(pr, text, sizeof(text)))
		vinfo("hist trigger on synthetic:%s: %s", pr->synth, text);
}

/* Probe p as the one event of a pair's end. */
static int pair_end(const struct hist_request *req, struct trig_hist *h,
		    const struct hist_probe *hp, int idx, struct ht_event *ev,
		    struct fhist_end *end, int *nkey, char *err, size_t errsz)
{
	int n, ret;

	if (tprobe_tracefs_nevents(&hp->tp) != 1)
		return refuse(err, errsz, "hist triggers pair single events; '%s' is %d",
			      hp->tp.text, tprobe_tracefs_nevents(&hp->tp));
	if ((ret = define_events(tfs_get(), &hp->tp, idx, ev, &n, err, errsz)) ||
	    (ret = pair_key(req, hp, ev, end->key, sizeof(end->key), nkey, err, errsz)) ||
	    (ret = event_filter(req, h, hp, ev, end->filter, sizeof(end->filter),
				err, errsz)))
		return ret;
	snprintf(end->sys, sizeof(end->sys), "%s", ev->sys);
	snprintf(end->event, sizeof(end->event), "%s", ev->name);
	return 0;
}

static int start_latency(struct trig_hist *h, const struct hist_request *req,
			 char *err, size_t errsz)
{
	const struct hist_probe *to = &req->probes[req->nprobes - 1];
	struct fhist_pair *pr = calloc(1, sizeof(*pr));
	struct tfs *tfs = tfs_get();
	struct ht_event ev;
	struct ht_table *tb;
	int nkey, nto, ret;

	if (!(h->pair = pr))
		return -ENOMEM;
	if (features_get()->synth_events.state != FACT_YES)
		return refuse(err, errsz, "latencies need synthetic events, which this kernel lacks (%s)",
			      features_get()->synth_events.evidence);
	if (req->nprobes - 1 > FHIST_MAX_STARTS)
		return refuse(err, errsz, "hist triggers here pair at most %d start events",
			      FHIST_MAX_STARTS);
	snprintf(pr->synth, sizeof(pr->synth), "%s_lat", tfs_group(tfs));
	if ((ret = pair_end(req, h, to, req->nprobes - 1, &ev, &pr->to, &nto, err, errsz)) ||
	    (ret = pair_params(req, to, &ev, pr, err, errsz)))
		return ret;
	if (!(tb = new_table(h, "synthetic", pr->synth, req->probes[0].tp.label)))
		return -ENOMEM;
	if ((ret = map_keys(req, to, &ev, true, tb, err, errsz)))
		return ret;
	for (int i = 0; i < req->nprobes - 1; i++, pr->nfrom++) {
		if ((ret = pair_end(req, h, &req->probes[i], i, &ev, &pr->from[i],
				    &nkey, err, errsz)))
			return ret;
		if (nkey != nto)
			return refuse(err, errsz, "the pairing keys of '%s' and '%s' differ in their number of fields",
				      req->probes[i].tp.text, to->tp.text);
	}
	if (!latency_keys(req, tb, pr))
		return refuse(err, errsz, "hist triggers take at most %d keys with the latency",
			      FHIST_MAX_KEYS);
	show_pair(pr);
	if ((ret = fhist_pair_add(tfs, pr, err, errsz)))
		return ret == -EINVAL || ret == -ENOENT ?
		       refuse(err, errsz, "the kernel refused the latency triggers: %.200s", err) : ret;
	return install(h, tb, err, errsz);
}

/*
 * -p and -- CMD: the instance's set_event_pid, which holds back every
 * event of other tasks before triggers see it; event-fork adds the
 * threads and children the process starts later. Pairs keyed by --key
 * may end in any task (an interrupt): there the start event alone is
 * filtered, by the threads the process has now.
 */
static int limit_pid(const struct hist_request *req, struct trig_hist *h,
		     char *err, size_t errsz)
{
	int pid = hist_request_pid(req), one[1] = { pid }, *tids = one, n, ret;
	size_t len = 0, size = sizeof(h->pid_filter);

	if (!pid)
		return 0;
	if ((n = perf_task_tids(pid, &tids)) <= 0) {
		tids = one;
		n = 1;
	}
	if (req->pair_text) {
		for (int i = 0; i < n && len < size; i++)
			len += snprintf(h->pid_filter + len, size - len, "%scommon_pid == %d",
					i ? " || " : "(", tids[i]);
		if (len < size)
			snprintf(h->pid_filter + len, size - len, ")");
		vinfo("-p with --key: the start events of process %d's present threads", pid);
		ret = 0;
	} else if ((ret = tfs_follow_tids(tfs_get(), tids, n))) {
		snprintf(err, errsz, "cannot limit events to process %d: %s", pid,
			 strerror(-ret));
	}
	if (tids != one)
		free(tids);
	return ret;
}

static int trig_start(struct hist_rung *r, char *err, size_t errsz)
{
	const struct hist_request *req = r->req;
	struct trig_hist *h = calloc(1, sizeof(*h));
	struct tfs *tfs = tfs_get();
	int ret;

	r->priv = h;
	if (!h)
		return -ENOMEM;
	if (!tfs) {
		snprintf(err, errsz, "tracefs is not available: %s", strerror(errno));
		return -EOPNOTSUPP;
	}
	tfs_sweep_stale(NULL);
	if ((ret = limit_pid(req, h, err, errsz)))
		return ret;
	if (req->mode == HIST_LATENCY || req->mode == HIST_PAIR)
		ret = start_latency(h, req, err, errsz);
	else if (syscall_dir(req))
		ret = start_syscalls(h, req, syscall_dir(req), err, errsz);
	else
		ret = start_counts(h, req, err, errsz);
	if (ret)
		return ret;
	snprintf(h->what, sizeof(h->what), "ftrace hist triggers%s",
		 h->pair ? " and synthetic events" : "");
	return 0;
}

/* ---- reading ---- */

static int snap_cmp(const void *a, const void *b)
{
	return strcmp(((const struct snap_row *)a)->id,
		      ((const struct snap_row *)b)->id);
}

static const struct snap_row *snap_find(const struct snap *s, const char *id)
{
	struct snap_row key = { .id = (char *)id };

	return s->n ? bsearch(&key, s->rows, s->n, sizeof(key), snap_cmp) : NULL;
}

static void snap_free(struct snap *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->rows[i].id);
	free(s->rows);
	memset(s, 0, sizeof(*s));
}

/* The table's counts as the new baseline. */
static int snap_take(struct snap *s, const struct fhist_table *t, int sumval)
{
	snap_free(s);
	if (!t->nrows)
		return 0;
	if (!(s->rows = calloc(t->nrows, sizeof(*s->rows))))
		return -ENOMEM;
	for (size_t i = 0; i < t->nrows; i++) {
		if (!(s->rows[i].id = strdup(t->rows[i].id))) {
			s->n = i;
			return -ENOMEM;
		}
		s->rows[i].hits = t->rows[i].hitcount;
		s->rows[i].sum = sumval >= 0 ? t->rows[i].vals[sumval] : 0;
	}
	s->n = t->nrows;
	qsort(s->rows, s->n, sizeof(*s->rows), snap_cmp);
	return 0;
}

/* Rows minus the baseline, in place; rows that did not change get 0. */
static void snap_subtract(const struct snap *s, struct fhist_table *t, int sumval)
{
	for (size_t i = 0; i < t->nrows; i++) {
		const struct snap_row *p = snap_find(s, t->rows[i].id);

		if (!p)
			continue;
		t->rows[i].hitcount -= p->hits < t->rows[i].hitcount ?
				       p->hits : t->rows[i].hitcount;
		if (sumval >= 0)
			t->rows[i].vals[sumval] -= p->sum;
	}
}

/* The thread group of a thread, while it lives. */
static int tgid_of(int tid)
{
	char path[64], buf[512], *p;

	snprintf(path, sizeof(path), "/proc/%d/status", tid);
	if (read_text_file(path, buf, sizeof(buf)) < 0 || !(p = strstr(buf, "\nTgid:")))
		return tid;
	return atoi(p + 6);
}

static void row_key(const struct hist_request *req, const struct ht_table *tb,
		    const struct fhist_row *row, struct hist_kval *key)
{
	memset(key, 0, HIST_MAX_KEYS * sizeof(*key));
	for (int i = 0; i < req->nkeys; i++) {
		const struct fhist_kv *kv = &row->key[tb->kidx[i]];

		switch (tb->src[i]) {
		case HS_FUNC:
			/* add_row() checked the number */
			key[i].s = tb->nr_func ? tb->nr_func[row->key[tb->nr_key].v] :
				   tb->func;
			break;
		case HS_COMM: key[i].s = kv->s; break;
		case HS_TID: key[i].i = (int64_t)kv->v; break;
		case HS_PID: key[i].i = tgid_of((int)kv->v); break;
		case HS_NUM: key[i].i = (int64_t)kv->v; break;
		case HS_STRING:
		case HS_STACK: key[i].s = kv->s; break;
		}
	}
}

/* The table bucket of a value the kernel's log2 put in its bucket k:
 * (2^(k-1), 2^k] for k > 0, {0, 1} for k = 0. */
static int log2_bucket(uint64_t k)
{
	return k ? (int)(k - 1 > 63 ? 63 : k - 1) : 0;
}

/* Where the kernel's log2 put an exact value (roundup_pow_of_two, which
 * wraps to 1 above 2^63). */
static int kernel_log2_bucket(uint64_t v)
{
	int k = 0;

	if (v <= 1 || v > (1ull << 63))
		return 0;
	for (v--; v; v >>= 1)
		k++;
	return log2_bucket(k);
}

static int add_row(const struct hist_request *req, struct ht_table *tb,
		   struct hist_table *t, const struct fhist_row *row,
		   uint64_t *buckets, int nb)
{
	struct hist_kval key[HIST_MAX_KEYS];
	const struct fhist_kv *v = tb->vkey >= 0 ? &row->key[tb->vkey] : NULL;
	struct hist_entry *e;
	int64_t sum = row->vals[0];
	int b = 0;

	if (tb->nr_func && (row->key[tb->nr_key].v >= HT_SYSCALLS ||
			    !tb->nr_func[row->key[tb->nr_key].v]))
		return 0;	/* a syscall not asked for */
	row_key(req, tb, row, key);
	if (!(e = hist_table_entry(t, key)))
		return -ENOMEM;
	switch (tb->vmode) {
	case HV_NONE:
		hist_entry_add_agg(t, e, row->hitcount, 0, 0, 0, NULL);
		return 0;
	case HV_EXACT:
		hist_entry_add(t, e, (int64_t)v->v, row->hitcount);
		return 0;
	case HV_SUM:
		hist_entry_add_agg(t, e, row->hitcount, sum, HIST_MIN_UNKNOWN,
				   HIST_MAX_UNKNOWN, NULL);
		return 0;
	case HV_LOG2:
		b = log2_bucket(v->v);
		break;
	case HV_LOG2_PLUS1:
		b = log2_bucket(v->v);
		sum -= row->hitcount;	/* each carried lat + 1 */
		break;
	case HV_LINEAR:
		b = hist_bucket_of(req, (int64_t)v->v);
		break;
	}
	memset(buckets, 0, nb * sizeof(*buckets));
	if (b < nb)
		buckets[b] = row->hitcount;
	hist_entry_add_agg(t, e, row->hitcount, sum, HIST_MIN_UNKNOWN,
			   HIST_MAX_UNKNOWN, buckets);
	return 0;
}

/* Move exact powers of two (and negatives) to their true bucket. */
static int add_pow2_row(const struct hist_request *req, struct ht_table *tb,
			struct hist_table *t, const struct fhist_row *row)
{
	struct hist_kval key[HIST_MAX_KEYS];
	uint64_t v = row->key[tb->vkey].v, n = row->hitcount;
	int from = kernel_log2_bucket(v), to = hist_bucket_of(req, (int64_t)v);
	struct hist_entry *e;

	row_key(req, tb, row, key);
	if (!(e = hist_table_entry(t, key)) || !e->buckets)
		return -ENOMEM;
	/* the two tables are read one after the other: never below 0 */
	if (n > e->buckets[from])
		n = e->buckets[from];
	e->buckets[from] -= n;
	e->buckets[to] += n;
	return 0;
}

/* Read one kernel table, minus its baseline; new baseline on reset. */
static int read_table(const char *text, const struct fhist_agg *a, struct snap *prev,
		      bool reset, int sumval, struct fhist_table *out)
{
	struct snap now = { 0 };
	int ret = fhist_parse(text, a, out);

	if (ret || (reset && (ret = snap_take(&now, out, sumval)))) {
		snap_free(&now);
		return ret;
	}
	snap_subtract(prev, out, sumval);
	if (reset) {
		snap_free(prev);
		*prev = now;
	}
	return 0;
}

static int collect_table(struct trig_hist *h, const struct hist_request *req,
			 struct ht_table *tb, struct hist_table *t, bool reset)
{
	int nb = hist_nbuckets(req), sumval = tb->agg.nvals ? 0 : -1, ret;
	char *text = fhist_read(tfs_get(), tb->sys, tb->event);
	struct fhist_table cur = { 0 }, pw = { 0 };
	uint64_t *buckets = calloc(nb + 1, sizeof(*buckets));

	if (!text || !buckets) {
		ret = -errno;
		goto out;
	}
	if ((ret = read_table(text, &tb->agg, &tb->prev, reset, sumval, &cur)) ||
	    (tb->pow2 && (ret = read_table(text, &tb->agg2, &tb->prev2, reset, -1, &pw))))
		goto out;
	h->dropped += cur.dropped + pw.dropped;
	for (size_t i = 0; i < cur.nrows && !ret; i++)
		if (cur.rows[i].hitcount)
			ret = add_row(req, tb, t, &cur.rows[i], buckets, nb);
	for (size_t i = 0; i < pw.nrows && !ret; i++)
		if (pw.rows[i].hitcount)
			ret = add_pow2_row(req, tb, t, &pw.rows[i]);
out:
	fhist_table_free(&cur);
	fhist_table_free(&pw);
	free(buckets);
	free(text);
	return ret;
}

/* Starts and ends the pair tables had no room for. */
static void pair_dropped(struct trig_hist *h)
{
	const struct fhist_pair *p = h->pair;
	struct fhist_table t;
	char marker[96];

	for (int i = 0; p && i < 2 * p->nfrom; i++) {
		const struct fhist_end *e = i < p->nfrom ? &p->from[i] : &p->to;
		char *text = fhist_read(tfs_get(), e->sys, e->event);

		snprintf(marker, sizeof(marker), "%s%s%d=", p->synth, i < p->nfrom ?
			 FHIST_TS_VAR : FHIST_LAT_VAR, i % p->nfrom);
		if (text && !fhist_totals(text, marker, &t))
			h->dropped += t.dropped;
		free(text);
	}
}

static int trig_collect(struct hist_rung *r, struct hist_table *t, bool reset)
{
	struct trig_hist *h = r->priv;
	int ret = 0;

	h->dropped = 0;
	for (int i = 0; i < h->ntabs && !ret; i++)
		ret = collect_table(h, r->req, &h->tabs[i], t, reset);
	pair_dropped(h);
	return ret;
}

static int trig_poll(struct hist_rung *r, int timeout_ms)
{
	/* the kernel does the work; wake for signals */
	return poll(NULL, 0, timeout_ms) < 0 && errno != EINTR ? -errno : 0;
}

static void trig_stats(struct hist_rung *r, struct hist_stats *st)
{
	struct trig_hist *h = r->priv;

	st->dropped = h->dropped;
}

static const char *trig_describe(struct hist_rung *r)
{
	return ((struct trig_hist *)r->priv)->what;
}

static void trig_free(struct hist_rung *r)
{
	struct trig_hist *h = r->priv;

	/* triggers first, then the instance, then synthetic events and
	 * probes (lib/tfs.c keeps that order) */
	tfs_teardown();
	if (!h)
		return;
	for (int i = 0; i < h->ntabs; i++) {
		snap_free(&h->tabs[i].prev);
		snap_free(&h->tabs[i].prev2);
		free(h->tabs[i].nr_func);
	}
	free(h->tabs);
	free(h->pair);
	free(h);
	r->priv = NULL;
}

const struct hist_rung_ops hist_trigger_rung = {
	.rung = RUNG_TRACEFS_HIST,
	.start = trig_start,
	.poll = trig_poll,
	.collect = trig_collect,
	.stats = trig_stats,
	.describe = trig_describe,
	.free = trig_free,
};
