/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ftrace hist triggers: aggregation in the kernel without BPF
 * (Documentation/trace/histogram.rst). This module writes trigger texts,
 * installs them in sonde's tracefs instance (lib/tfs.c undoes them) and
 * parses the `hist` files back; lib/hist_trigger.c maps sonde hist
 * requests onto it.
 *
 * What the kernels do (checked on 6.1 and 6.12):
 *  - at most 3 keys per trigger, tables of up to 2^17 entries; entries are
 *    never freed, a full table counts new keys as "Dropped";
 *  - `.log2` prints "~ 2^k" for values in (2^(k-1), 2^k], 0 and 1 in 2^0:
 *    exact powers of two share the bucket below them, unlike bcc's;
 *  - `.buckets=N` prints "~ lo-hi"; keys may be expressions ("lat/1000"),
 *    printed under that name, but modifiers do not apply to them;
 *  - variables are read once: the first trigger that reads `$ts` consumes
 *    it; expressions are evaluated left to right, without parentheses;
 *  - onmatch(SYS.EVENT).trace(SYNTH, $lat, field...) fires a synthetic
 *    event in the same instance; params must match the fields' types;
 *  - removing a trigger takes its exact text (filter included) after '!';
 *    opening a trigger file with O_TRUNC removes all its triggers unless
 *    another trigger reads one of their variables; an instance with
 *    triggers cannot be removed (EBUSY), nor a synthetic event in use;
 *  - the stack key is `stacktrace` (6.5+ also `common_stacktrace`).
 */
#ifndef SONDE_FTRACE_HIST_H
#define SONDE_FTRACE_HIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FHIST_MAX_KEYS		3	/* TRACING_MAP_KEYS_MAX */
#define FHIST_MAX_VALS		2
#define FHIST_MAX_SIZE		131072	/* 1 << TRACING_MAP_BITS_MAX */
#define FHIST_FILTER_MAX	3072	/* a trigger is less than a page */

enum fhist_kmod {
	FHK_RAW,	/* the number, "%10llu" */
	FHK_LOG2,	/* .log2: "~ 2^k" */
	FHK_BUCKETS,	/* .buckets=N: "~ lo-hi" */
	FHK_EXECNAME,	/* common_pid.execname: "comm [pid]" */
	FHK_STACK,	/* stacktrace: one frame a line */
	FHK_STRING,	/* a string field */
};

struct fhist_key {
	char expr[96];		/* "count", "common_pid", "lat/1000000" */
	enum fhist_kmod mod;
	uint64_t step;		/* FHK_BUCKETS */
};

/* One aggregating trigger. */
struct fhist_agg {
	char name[64];		/* name=: finds its table in the hist file */
	struct fhist_key keys[FHIST_MAX_KEYS];
	int nkeys;
	char vals[FHIST_MAX_VALS][64];	/* summed besides hitcount */
	int nvals;
	char filter[FHIST_FILTER_MAX];	/* "" for none */
	unsigned int size;		/* entries, 0: the kernel's 2048 */
};

/* "hist:name=N:keys=K,..:vals=hitcount,..[:size=S][ if FILTER]";
 * -ENOSPC when it does not fit. */
int fhist_agg_text(const struct fhist_agg *a, char *buf, size_t size);

/*
 * Latency between events paired by a key: each start event saves its
 * timestamp (ns) per key in variable SYNTH_t<i>; the end event has one
 * trigger per start that computes the difference in SYNTH_d<i> and fires
 * the synthetic event SYNTH with it as "lat" and with params p0.. taken
 * from the end event (several starts: runqlat's wakeup and wakeup_new).
 * A key may be several fields ("dev,sector"), the same number at both
 * ends.
 *
 * With div, a second stage converts units exactly: a trigger on SYNTH
 * fires SYNTH_u with lat = SYNTH's lat / div (the kernel refuses
 * constants next to common_timestamp.usecs, and its .usecs would round
 * both ends). plus_one adds 1 to the last stage's lat, so that the
 * kernel's log2 key k of it means floor(log2(lat)) = k - 1, bcc's
 * bucket. Aggregate on fhist_pair_event().
 *
 * The variables are named after the synthetic event because 6.1 finds
 * a "$name" in other instances too.
 */
#define FHIST_MAX_STARTS	4
#define FHIST_TS_VAR		"_t"
#define FHIST_LAT_VAR		"_d"

struct fhist_end {
	char sys[64], event[128];
	char key[192];				/* "common_pid", "dev,sector" */
	char filter[FHIST_FILTER_MAX];
};

struct fhist_pair {
	struct fhist_end from[FHIST_MAX_STARTS], to;
	int nfrom;
	char synth[64];
	unsigned int size;		/* pending keys, 0: the kernel's 2048 */
	uint64_t div;			/* 0: one stage */
	bool plus_one;
	int nparams;
	char params[FHIST_MAX_KEYS][96];	/* fields of the end event */
	char param_types[FHIST_MAX_KEYS][32];	/* their types ("u64") */
};

/* The synthetic event to aggregate on: SYNTH, or SYNTH_u with div. */
void fhist_pair_event(const struct fhist_pair *p, char *buf, size_t size);
/* Stage's synthetic event: "NAME u64 lat; TYPE p0; ..." */
int fhist_pair_synth_def(const struct fhist_pair *p, int stage, char *buf,
			 size_t size);
/* Start i's trigger */
int fhist_pair_from_text(const struct fhist_pair *p, int i, char *buf,
			 size_t size);
/* The end event's trigger for start i */
int fhist_pair_to_text(const struct fhist_pair *p, int i, char *buf,
		       size_t size);
/* The second stage's trigger, on SYNTH */
int fhist_pair_stage2_text(const struct fhist_pair *p, char *buf, size_t size);

/* ---- reading tables back ---- */

struct fhist_kv {
	uint64_t v;	/* RAW: the value; LOG2: k of 2^k; BUCKETS: low end;
			 * EXECNAME: the pid */
	char *s;	/* EXECNAME: comm; STRING: the string; STACK: the
			 * frames, innermost first, one a line */
};

struct fhist_row {
	char *id;			/* the key as printed: same key,
					 * same id across reads */
	struct fhist_kv key[FHIST_MAX_KEYS];
	uint64_t hitcount;
	uint64_t vals[FHIST_MAX_VALS];
};

struct fhist_table {
	struct fhist_row *rows;
	size_t nrows;
	uint64_t hits, entries, dropped;	/* "Totals:" */
};

/*
 * Parse the table of trigger a (by its name=; the first table when it
 * has none) from the text of a hist file. 0; -ENOENT when it is not
 * there; -EINVAL when a row does not parse; -ENOMEM.
 */
int fhist_parse(const char *text, const struct fhist_agg *a,
		struct fhist_table *t);
/* Only the Totals of the table whose "# trigger info:" line holds
 * marker (e.g. SYNTH FHIST_TS_VAR "="): how many keys it dropped. */
int fhist_totals(const char *text, const char *marker, struct fhist_table *t);
void fhist_table_free(struct fhist_table *t);

/* ---- in the kernel (sonde's instance) ---- */

struct tfs;

/* Add the trigger agg to SYS/EVENT of the instance (undone at exit). */
int fhist_add(struct tfs *t, const char *sys, const char *event,
	      const struct fhist_agg *a, char *err, size_t errsz);
/* Set up a pair: the synthetic events, then the triggers. */
int fhist_pair_add(struct tfs *t, const struct fhist_pair *p, char *err,
		   size_t errsz);
/* The hist file of SYS/EVENT in the instance, malloc'd; NULL with errno. */
char *fhist_read(struct tfs *t, const char *sys, const char *event);

#endif
