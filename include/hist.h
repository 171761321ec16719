/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sonde hist: histograms and keyed counts aggregated in the kernel.
 *
 * cmd/hist.c parses the command line into a struct hist_request; lib/hist.c
 * builds its probes, picks a rung of the aggregation ladder (SPEC.md §3:
 * BPF maps -> ftrace hist triggers -> user space, lib/plan.c), runs it and
 * prints the table it fills (lib/hist_table.c). Each rung is a struct
 * hist_rung_ops:
 *
 *	RUNG_BPF_MAPS		lib/hist_bpf.c	   per-CPU BPF hashes
 *	RUNG_TRACEFS_HIST	lib/hist_trigger.c ftrace hist triggers and
 *						   synthetic events
 *	RUNG_USER_AGGREGATION	lib/hist_user.c	   streamed events (trace
 *						   backends), counted here
 *
 * Every rung sees the same probes: each struct hist_probe is a resolved
 * trace probe (include/trace_probe.h) whose slots hold the values the
 * request needs at that probe - the histogrammed value, the EXPR keys, the
 * pairing key - in addition to what its own filter reads. The expressions
 * live in the probe's spec; tprobe_slot_of(&hp->tp, hp->value) gives the
 * slot of a value that is one fetched value (a tracepoint field, an
 * argument, a dereference chain). A value computed from several slots
 * (`-v 'arg1 + arg2'`) has no slot: evaluate it with expr_eval() over the
 * slots in user space, or refuse (-EOPNOTSUPP).
 *
 * Values in the table are in display units: latencies are divided by the
 * unit (hist_latency_scale) before they are bucketed, as bcc does.
 */
#ifndef SONDE_HIST_H
#define SONDE_HIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "launch.h"
#include "plan.h"
#include "trace_probe.h"

#define HIST_MAX_KEYS		4	/* --by keys (BPFPROBE_MAX_KEYS) */
#define HIST_LOG2_BUCKETS	64	/* as BPFPROBE_LOG2_BUCKETS */
#define HIST_MAX_BUCKETS	1024	/* linear, both ends included */

struct hist_table;
struct hist_stats;

/* ---- the request ---- */

enum hist_mode {
	HIST_LATENCY,	/* hist FUNC: entry to return of a function, per
			 * thread; probes: [0] entry, [1] return */
	HIST_PAIR,	/* --from P --to Q: probes [0] from, [1] to, paired
			 * by the pairing key (default: thread id); presets
			 * may give several starts: [0..n-2] from, [n-1] to */
	HIST_VALUE,	/* -v EXPR PROBE: distribution of EXPR; probes [0] */
	HIST_COUNT,	/* --count PROBE...: events per key; one probe per
			 * argument (a tracepoint glob: one per tracepoint;
			 * a kernel function glob: one probe, nfuncs) */
};

enum hist_key_kind {
	HKEY_FUNC,	/* the function or event hit: "vfs_read",
			 * "syscalls:sys_enter_read" (first in HIST_COUNT) */
	HKEY_COMM,	/* task comm (string) */
	HKEY_PID,	/* thread group id */
	HKEY_TID,
	HKEY_CPU,
	HKEY_EXPR,	/* an expression of the probe (hist_probe.key[i]) */
	HKEY_KSTACK,	/* kernel stack */
	HKEY_USTACK,	/* user stack (symbolized in its process) */
};

struct hist_key {
	enum hist_key_kind kind;
	const char *text;	/* as given ("comm", "args->dev"): the column */
};

enum hist_buckets {
	HIST_BUCKETS_NONE,	/* counts (and sum/min/max) only */
	HIST_BUCKETS_LOG2,	/* b = floor(log2 v), 0 and 1 in b 0; the
				 * value taken unsigned (negative: b 63) */
	HIST_BUCKETS_LINEAR,	/* b 0: (-inf, min); b k: [min + (k-1)*step,
				 * +step) up to max; last: [max, inf) */
};

enum hist_unit { HIST_NSEC, HIST_USEC, HIST_MSEC, HIST_SEC };

enum hist_role {
	HROLE_ENTRY,	/* HIST_LATENCY: function entry (probe 0) */
	HROLE_RETURN,	/* HIST_LATENCY: function return (probe 1) */
	HROLE_FROM,	/* HIST_PAIR: start (probe 0) */
	HROLE_TO,	/* HIST_PAIR: end (probe 1) */
	HROLE_VALUE,	/* HIST_VALUE */
	HROLE_COUNT,	/* HIST_COUNT */
};

/*
 * One probe of the request, resolved (tprobe_resolve done) before a rung
 * starts. The expressions point into tp.spec; NULL when not used at this
 * probe. Keys of other kinds than HKEY_EXPR have no expression: comm, pid,
 * tid, cpu, stacks and the function hit come with every event.
 */
struct hist_probe {
	struct tprobe tp;
	enum hist_role role;
	const struct expr *value;		/* HROLE_VALUE */
	const struct expr *key[HIST_MAX_KEYS];	/* HKEY_EXPR keys, indexed as
						 * hist_request.keys; set on
						 * the probe the keys are
						 * read at (TO, RETURN,
						 * VALUE, COUNT) */
	const struct expr *pair;		/* FROM, TO: --key EXPR;
						 * NULL: the thread id */
};

struct hist_request {
	enum hist_mode mode;
	struct hist_probe *probes;
	int nprobes;
	int nkeys;				/* --by, in output order */
	struct hist_key keys[HIST_MAX_KEYS];
	enum hist_buckets buckets;
	int64_t lin_min, lin_max, lin_step;	/* HIST_BUCKETS_LINEAR */
	enum hist_unit unit;			/* latency modes */
	const char *value_text;			/* -v EXPR as typed */
	const char *pair_text;			/* --key EXPR, or NULL */
	const char *pair_to_text;		/* the key at --to where it is
						 * another field (runqlat:
						 * args->next_pid), or NULL */
	double interval;			/* -i SECONDS, 0: none */
	double duration;			/* -d SECONDS, 0: until Ctrl-C */
	int top;				/* --top N, 0: all keys */
	/* filters besides each probe's own (tp.spec.filter), where
	 * hist_probe_filtered() says; a rung applies them where it can, the
	 * core checks nothing after it */
	int pid;				/* -p: thread group, 0: all */
	const char *comm;			/* --comm, NULL: all */
	struct launch *launch;			/* -- CMD: its pid, as -p */
	bool user_agg;				/* --user-agg: force the last rung */
	/* For commands built on hist (stack): instead of printing, hand
	 * each collected table over; and work to do every poll round (may
	 * be NULL). The banner is theirs too (banner_what: "stacks at"). */
	void (*consume)(void *ctx, const struct hist_table *t,
			const struct hist_stats *st);
	void (*tick)(void *ctx);
	void *hook_ctx;
	const char *banner_what;
};

/*
 * Make the probes of req->mode from the probe texts the user gave
 * (LATENCY: FUNC; PAIR: FROM..., TO; VALUE: PROBE; COUNT: PROBE...), with
 * the value, keys and pairing key added as slots (after tprobe_resolve).
 * binary: -x BINARY for bare user function names, or NULL. Returns 0 or
 * the exit status with one line in err. hist_request_free() frees the
 * probes (also after a failure).
 */
int hist_request_add_probes(struct hist_request *req, char **texts, int n,
			    const char *binary, char *err, size_t errsz);
void hist_request_free(struct hist_request *req);

/* ns -> the request's unit (integer division, as bcc). */
int64_t hist_latency_scale(const struct hist_request *req, uint64_t ns);
/* "nsecs", "usecs", "msecs", "secs" */
const char *hist_unit_name(enum hist_unit u);
/* The function or event of probe hp hit at point (kernel function globs:
 * index into tp.funcs; else 0): the HKEY_FUNC key. */
const char *hist_probe_func(const struct hist_probe *hp, int point);
/*
 * Do -p and --comm apply at this probe? Everywhere but at --to with
 * --key: the end of a request keyed by, say, its pointer may come from
 * any task (an interrupt), its start tells whose it is.
 */
bool hist_probe_filtered(const struct hist_request *req,
			 const struct hist_probe *hp);
/* The pid every event must have (-p, or -- CMD's child), 0: any. */
int hist_request_pid(const struct hist_request *req);

/* ---- the table every rung fills ---- */

/*
 * One part of a key, by hist_request.keys[i].kind: FUNC, COMM: s;
 * PID, TID, CPU: i; EXPR: s when a string, else i; KSTACK, USTACK: ips
 * (innermost first, nips of them; user stacks symbolized in process pid)
 * or, when a rung gets them as text (hist triggers), s with one frame per
 * line. The table copies what it keeps.
 */
struct hist_kval {
	int64_t i;
	const char *s;
	const uint64_t *ips;
	int nips;
	int pid;
};

struct hist_entry {
	struct hist_kval key[HIST_MAX_KEYS];	/* owned copies */
	uint64_t count;
	int64_t sum;
	int64_t min, max;		/* meaningful when count > 0 */
	uint64_t *buckets;		/* hist_nbuckets() of them, or NULL */
};

struct hist_table;

struct hist_table *hist_table_new(const struct hist_request *req);
void hist_table_free(struct hist_table *t);
/* Forget every key (a new interval). */
void hist_table_clear(struct hist_table *t);
/* The entry of key (req->nkeys parts), added empty when new; NULL
 * without memory. */
struct hist_entry *hist_table_entry(struct hist_table *t,
				    const struct hist_kval *key);
/* n events of value v (in display units): count, sum, min, max, bucket. */
void hist_entry_add(struct hist_table *t, struct hist_entry *e, int64_t v,
		    uint64_t n);
/*
 * An aggregate read from the kernel: count events with this sum, min and
 * max, and buckets in the table's own layout (NULL: none, e.g. counts).
 * A rung whose kernel buckets differ from hist_bucket_range() must not
 * use this: it adds each distinct value with hist_entry_add() instead.
 */
void hist_entry_add_agg(struct hist_table *t, struct hist_entry *e,
			uint64_t count, int64_t sum, int64_t min, int64_t max,
			const uint64_t *buckets);
/* The min and max of an aggregate that has none (hist triggers sum and
 * bucket, no more): entries without them print neither. */
#define HIST_MIN_UNKNOWN	INT64_MAX
#define HIST_MAX_UNKNOWN	INT64_MIN

/* Add every entry of src to dst (same request). */
void hist_table_merge(struct hist_table *dst, const struct hist_table *src);
size_t hist_table_size(const struct hist_table *t);
/* The entries in the order they were added (valid until the next add). */
const struct hist_entry *hist_table_entries(const struct hist_table *t,
					    size_t *n);
const struct hist_request *hist_table_request(const struct hist_table *t);

/* Buckets of the request's layout (0 for HIST_BUCKETS_NONE). */
int hist_nbuckets(const struct hist_request *req);
int hist_bucket_of(const struct hist_request *req, int64_t v);
/* Bucket b is [*lo, *hi); the last log2 bucket ends at UINT64_MAX, the
 * linear ends at INT64_MIN / INT64_MAX. */
void hist_bucket_range(const struct hist_request *req, int b, int64_t *lo,
		       int64_t *hi);

/* What the rung could not count. */
struct hist_stats {
	uint64_t lost;		/* events dropped before aggregation */
	bool lost_exact;	/* lost counts events, not records of
				 * which two (start, end) make one */
	uint64_t missed;	/* ends without a start (returns without an
				 * entry, --to without --from) */
	uint64_t dropped;	/* events whose new key found the table full */
};

/*
 * Print the table: text (bcc's layout: one histogram per key, or a
 * count table sorted by count for HIST_BUCKETS_NONE, --top keys) or
 * with g_opts.json one object per bucket / key. interval_ts: wall-clock
 * ns of an interval's end for its header, 0 for the final print.
 */
void hist_table_print(const struct hist_table *t, uint64_t interval_ts,
		      const struct hist_stats *st, FILE *fp);

/* ---- rungs ---- */

struct hist_rung {
	const struct hist_rung_ops *ops;
	const struct hist_request *req;	/* probes resolved */
	void *priv;			/* the rung's */
};

/*
 * A rung of the ladder. The core calls start; then, until the end, poll
 * (and collect at each interval); stop, collect at the end; stats; free.
 * lib/hist.c lists the rungs it tries, best first. free
 * is called after a failed start too and must undo everything (tracefs
 * through lib/tfs.c's undo log).
 */
struct hist_rung_ops {
	enum rung rung;
	/*
	 * Attach and begin aggregating. 0; -EOPNOTSUPP when this rung cannot
	 * express the request (err says what, e.g. "hist triggers cannot
	 * key by user stack"): the core tries the next rung and -v shows
	 * err; another -errno: a failure (err: one line).
	 */
	int (*start)(struct hist_rung *r, char *err, size_t errsz);
	/* Wait up to timeout_ms for work (events to count, a child that
	 * exits): >= 0, or -errno. In-kernel rungs may just sleep. */
	int (*poll)(struct hist_rung *r, int timeout_ms);
	/* Optional: stop recording and take in what is still buffered;
	 * called once, before the last collect. */
	void (*stop)(struct hist_rung *r);
	/*
	 * Add to t everything aggregated since start or the last collect
	 * with reset; with reset, begin a new interval (nothing counted
	 * twice or lost across it, where the mechanism allows). 0 or -errno.
	 */
	int (*collect)(struct hist_rung *r, struct hist_table *t, bool reset);
	void (*stats)(struct hist_rung *r, struct hist_stats *st);
	/* "BPF maps (tracepoint syscalls:sys_exit_read)": for the banner */
	const char *(*describe)(struct hist_rung *r);
	void (*free)(struct hist_rung *r);
};

extern const struct hist_rung_ops hist_bpf_rung;
extern const struct hist_rung_ops hist_trigger_rung;
extern const struct hist_rung_ops hist_user_rung;

/* Build, resolve and run the request; prints; returns the exit status. */
int hist_run(struct hist_request *req);

#endif
