/* SPDX-License-Identifier: GPL-2.0 */
/*
 * bpfprobe: probes with arbitrary arguments, dereferences, strings and
 * filters served in the kernel by BPF, with no compiler at run time.
 *
 * A spec compiler turns a parsed probe (include/probe_spec.h) plus what it
 * resolved (symbols, BTF/DWARF offsets, tracepoint formats, USDT argument
 * locations) into a struct bpfprobe_spec: where to attach, what to fetch,
 * which events to keep, what to do with them. lib/bpfprobe.c generates the
 * BPF instructions for each spec, chooses the program type from the kernel
 * facts, loads, attaches and decodes the events (see its top comment for
 * why the code is generated rather than interpreted).
 *
 * Every string in a spec is copied by bpfprobe_session__add(); the caller
 * may free its spec afterwards.
 *
 * Implemented in lib/bpfprobe_gen.c (IR -> instructions, layout, decode,
 * user-space filter) and lib/bpfprobe_load.c (sessions). Not implemented
 * yet, refused with a message: attaching through tracefs kprobe_events/
 * uprobe_events on kernels without the kprobe/uprobe PMU (before 4.17).
 *
 * In-kernel aggregation (actions BPA_COUNT, BPA_HIST_LOG2, BPA_HIST_LINEAR,
 * spec.agg): the program builds a key from chosen values and updates a
 * per-CPU hash; user space reads it with bpfprobe_session__agg_read().
 * Latency: BPS_ENTRY_DELTA in a return probe (an entry program stores
 * the entry time by thread).
 *
 * Example, a tracepoint with a field filter and a string:
 *
 *	struct bpfprobe_point pt = { .name = "syscalls:sys_enter_openat" };
 *	struct bpfprobe_spec sp;
 *	bpfprobe_spec_init(&sp, BPK_TRACEPOINT);
 *	sp.points = &pt; sp.npoints = 1;
 *	sp.fetch[0] = (struct bpfprobe_fetch){ .src = BPS_FIELD, .imm = 24,
 *		.src_size = 8, .type = BPV_STR, .maxlen = 256 };	// filename
 *	sp.fetch[1] = (struct bpfprobe_fetch){ .src = BPS_FIELD, .imm = 32,
 *		.src_size = 8, .type = BPV_INT, .size = 4 };		// flags
 *	sp.nfetch = 2;
 *	sp.expr[0] = (struct bpfprobe_expr){ .op = BPO_VALUE, .a = 1 };
 *	sp.expr[1] = (struct bpfprobe_expr){ .op = BPO_CONST, .imm = O_CREAT };
 *	sp.expr[2] = (struct bpfprobe_expr){ .op = BPO_BAND, .a = 0, .b = 1 };
 *	sp.nexpr = 3; sp.filter = 2;			// flags & O_CREAT
 *	s = bpfprobe_session__new(&(struct bpfprobe_opts){ .on_event = fn });
 *	bpfprobe_session__add(s, &sp, err, sizeof(err));
 *	bpfprobe_session__start(s, err, sizeof(err));
 *	while (!done) bpfprobe_session__poll(s, 100);	// fn(ctx, ev) per event
 *	bpfprobe_session__free(s);
 *
 * Aggregation, `hist -i 1 'u:/bin/x:func' arg1 by comm` (log2 histogram of
 * the first argument per comm, printed and reset every second):
 *
 *	bpfprobe_spec_init(&sp, BPK_UFUNC);	// points as for a uprobe
 *	sp.action = BPA_HIST_LOG2;
 *	sp.fetch[0] = (struct bpfprobe_fetch){ .src = BPS_ARG, .idx = 0,
 *		.type = BPV_INT, .size = 8 };
 *	sp.fetch[1] = (struct bpfprobe_fetch){ .src = BPS_COMM,
 *		.type = BPV_STR, .maxlen = 16 };
 *	sp.nfetch = 2;
 *	sp.agg = (struct bpfprobe_agg){ .value = 0, .nkeys = 1, .keys = { 1 } };
 *	... add, start;
 *	every second: bpfprobe_session__agg_read(s, 0, true, print, ctx);
 *	// print(ctx, e): e->key[0].str, e->count, e->buckets[0..64),
 *	// bucket ranges from bpfprobe_agg_bucket_range()
 *
 * Latency of a function (`hist FUNC`): kind BPK_URETFUNC/BPK_KRETFUNC on
 * the function, fetch { .src = BPS_ENTRY_DELTA, .type = BPV_INT, .size = 8 }
 * as agg.value; the session adds the entry program (uprobe, kprobe,
 * kprobe_multi or fentry) and counts returns without an entry in
 * bpfprobe_stats.entry_missed. Counting (`funccount`): BPA_COUNT,
 * agg.value -1, keys as wanted (none: one total).
 *
 * Two probes paired (`hist --from A --to B [--key EXPR]`): the "from"
 * spec's action BPA_PAIR_START stores the time under a pairing key in a
 * map the session shares between specs of the same pair.id; the "to"
 * spec fetches BPS_PAIR_DELTA (ns since that start; the start is
 * consumed; none: the event is dropped and counted in
 * bpfprobe_stats.pair_missed) and aggregates or emits it as usual. Key:
 * the thread (pair.nkeys 0), or INT values each side fetches itself, the
 * same number on both sides in the same order. Latency of nanosleep per
 * comm, from the syscall's entry to its exit:
 *
 *	bpfprobe_spec_init(&from, BPK_TRACEPOINT);	// sys_enter_nanosleep
 *	from.action = BPA_PAIR_START;
 *	from.pair = (struct bpfprobe_pair){ .id = 1 };	// key: thread
 *	bpfprobe_spec_init(&to, BPK_TRACEPOINT);	// sys_exit_nanosleep
 *	to.action = BPA_HIST_LOG2;
 *	to.fetch[0] = (struct bpfprobe_fetch){ .src = BPS_PAIR_DELTA,
 *		.type = BPV_INT, .size = 8 };
 *	to.fetch[1] = (struct bpfprobe_fetch){ .src = BPS_COMM,
 *		.type = BPV_STR, .maxlen = 16 };
 *	to.nfetch = 2;
 *	to.pair = (struct bpfprobe_pair){ .id = 1 };
 *	to.agg = (struct bpfprobe_agg){ .value = 0, .nkeys = 1, .keys = { 1 } };
 *	add both (any order), start; bpfprobe_session__agg_read(s, to_index..)
 *
 * Keyed by a request pointer instead (`--key arg1`, e.g. block_rq_issue
 * to block_rq_complete): each side fetches its pointer as value k (an
 * INT, before the BPS_PAIR_DELTA value on the "to" side) and sets
 * pair = { .id = 1, .nkeys = 1, .keys = { k } }.
 *
 * A uprobe: kind BPK_UFUNC, point { .path, .offset = file offset }, fetch
 * { .src = BPS_ARG, .idx = 0 } (first argument, from pt_regs), strings
 * with .user = true. A kprobe with a string argument: kind BPK_KFUNC,
 * point { .name = "do_sys_openat2" }, fetch { BPS_ARG, .idx = 1, BPV_STR }
 * (the loader picks fentry, kprobe_multi or kprobe from the facts).
 */
#ifndef SONDE_BPFPROBE_H
#define SONDE_BPFPROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BPFPROBE_MAX_VALUES	16	/* fetched values per event */
#define BPFPROBE_MAX_DEREF	8	/* dereferences in one fetch */
#define BPFPROBE_MAX_EXPR	64	/* expression nodes per spec */
#define BPFPROBE_MAX_STR	1024	/* STR/BYTES buffer size */
#define BPFPROBE_MAX_CONSTSTR	64	/* string constants in filters */
#define BPFPROBE_MAX_ARGS	6	/* x86-64 register arguments */
#define BPFPROBE_MAX_SCRATCH	32768	/* per-CPU scratch (the per-CPU
					 * allocator's unit limit) */

/* ---- where ---- */

enum bpfprobe_kind {
	BPK_KFUNC,		/* kernel function entry: fentry or kprobe */
	BPK_KRETFUNC,		/* kernel function return: fexit or kretprobe */
	BPK_UFUNC,		/* user function entry: uprobe */
	BPK_URETFUNC,		/* user function return: uretprobe */
	BPK_USDT,		/* USDT location: uprobe + semaphore */
	BPK_TRACEPOINT,		/* tracepoint: format fields, or raw args */
	BPK__COUNT,
};

/*
 * Program type. A spec says BPP_AUTO and the loader chooses from the
 * facts (session__start); anything else forces that one. For kernel
 * functions BPP_FENTRY means fexit on returns and BPP_KPROBE kretprobe.
 */
enum bpfprobe_prog {
	BPP_AUTO,
	BPP_FENTRY,		/* fentry/fexit: one program per function */
	BPP_KPROBE,		/* kprobe/kretprobe: one link per point */
	BPP_KPROBE_MULTI,	/* one kprobe_multi link for every point */
	BPP_UPROBE,		/* uprobe/uretprobe (USDT too) */
	BPP_TRACEPOINT,		/* classic tracepoint: the format-file record */
	BPP_RAW_TP,		/* raw tracepoint: u64 args */
	BPP_TP_BTF,		/* BTF-typed raw tracepoint: u64 args */
	BPP__COUNT,
};

/*
 * One attach point. Several points share one spec (wildcards): the event
 * says which fired (bpfprobe_event.point = index in points[]).
 */
struct bpfprobe_point {
	/* kernel function: symbol (NULL: offset is an address);
	 * tracepoint: "category:name" (raw_tp, tp_btf: the name after ':');
	 * user function, USDT: a name for messages only */
	const char *name;
	/* kprobe: offset into the symbol, or address; uprobe/USDT: file
	 * offset of the instruction in path */
	uint64_t offset;
	const char *path;	/* user: binary or library */
	uint64_t sem_offset;	/* USDT: file offset of the semaphore, 0 none */
	int pid;		/* user: only this process; 0 or -1: all */
};

/* ---- what: fetches ---- */

enum bpfprobe_src {
	BPS_NONE,
	BPS_ARG,	/* argument idx (0 = first): pt_regs per the x86-64
			 * ABI (di si dx cx r8 r9) for kprobe/uprobe, the u64
			 * args for fentry/fexit/raw_tp/tp_btf. In return
			 * probes: the value at entry (fexit has it, kretprobe
			 * and uretprobe get the 6 registers saved by an entry
			 * program; a return without one: no event,
			 * stats.entry_missed) */
	BPS_RETVAL,	/* return value (return probes) */
	BPS_REG,	/* pt_regs register idx (enum bpfprobe_reg) */
	BPS_STACK,	/* u64 at stack pointer + imm (user memory in uprobes) */
	BPS_FIELD,	/* tracepoint record field at imm, src_size bytes,
			 * src_signed: the field's value */
	BPS_FIELD_ADDR,	/* address of the field at imm (inline char arrays:
			 * read it as STR/BYTES) */
	BPS_DATALOC,	/* __data_loc field at imm: address of its data */
	BPS_PID,	/* thread group id */
	BPS_TID,
	BPS_UID,
	BPS_GID,
	BPS_CPU,
	BPS_KTIME,	/* bpf_ktime_get_ns(): CLOCK_MONOTONIC ns */
	BPS_COMM,	/* current comm: type must be STR (16 bytes) */
	BPS_TASK,	/* current task_struct pointer (deref in kernel) */
	BPS_CONST,	/* imm */
	BPS_EXPR,	/* value of expression node imm (values < this one) */
	BPS_ENTRY_DELTA, /* return probes: ns since this call's entry */
	BPS_KSTACK,	/* kernel stack id (bpfprobe_session__stack) */
	BPS_USTACK,	/* user stack id */
	BPS_PAIR_DELTA,	/* ns since the start with this event's pairing key
			 * (spec.pair; BPA_PAIR_START in another spec); the
			 * start is consumed. Fetched after the filter (which
			 * cannot use it): an end filtered out leaves its
			 * start, a later start with its key replaces it. No
			 * start: no event, stats.pair_missed */
	BPS_POINT,	/* index of the attach point hit in spec.points (a
			 * key for counts per function of a glob) */
	BPS__COUNT,
};

/* pt_regs registers, in x86-64 struct pt_regs order. */
enum bpfprobe_reg {
	BPR_R15, BPR_R14, BPR_R13, BPR_R12, BPR_BP, BPR_BX, BPR_R11, BPR_R10,
	BPR_R9, BPR_R8, BPR_AX, BPR_CX, BPR_DX, BPR_SI, BPR_DI, BPR_ORIG_AX,
	BPR_IP, BPR_CS, BPR_FLAGS, BPR_SP, BPR_SS,
	BPR__COUNT,
};

enum bpfprobe_vtype {
	BPV_NONE,	/* (decoded events: a hidden value) */
	BPV_INT,	/* size 1/2/4/8 bytes, is_signed */
	BPV_STR,	/* NUL-terminated, buffer of maxlen bytes (with NUL) */
	BPV_BYTES,	/* exactly maxlen bytes */
};

/* One dereference: v = *(v + off). user: user memory; !user: decided
 * at run time, addresses below 0x800000000000 are read as user memory,
 * the rest as kernel memory (so a `__user` pointer met in a tracepoint or
 * kprobe reads right either way). */
struct bpfprobe_deref {
	int32_t off;
	bool user;
};

/* bpfprobe_fetch.flags */
#define BPF_FETCH_HIDDEN	(1u << 0) /* for the filter/expressions only:
					   * fetched, never sent */

/*
 * One value: v = source; then for each deref, v = read(v + off) (8 bytes,
 * the last one `size` bytes for an INT); then v += add; then
 *   INT:   truncated to size bytes, sign-extended if is_signed;
 *   STR:   the string at address v (user memory when .user, else
 *          decided at run time as for derefs), at most maxlen bytes with
 *          its NUL;
 *   BYTES: maxlen bytes at address v.
 * ftrace's "+8(+0(%di)):string" is src ARG 0, deref {0}, add 8, STR;
 * "arg1->name" with name a char * at offset 16: ARG 0, deref {16}, STR.
 * A read that faults gives 0 (or "") and sets bpfprobe_value.failed.
 */
struct bpfprobe_fetch {
	uint8_t src;		/* enum bpfprobe_src */
	uint8_t idx;		/* ARG number, REG register */
	uint8_t src_size;	/* FIELD: 1 2 4 8 */
	bool src_signed;	/* FIELD */
	uint8_t type;		/* enum bpfprobe_vtype */
	uint8_t size;		/* INT: 1 2 4 8 */
	bool is_signed;		/* INT */
	bool user;		/* STR/BYTES: read from user memory */
	uint16_t maxlen;	/* STR/BYTES */
	uint8_t flags;		/* BPF_FETCH_* */
	uint8_t nderef;
	struct bpfprobe_deref deref[BPFPROBE_MAX_DEREF];
	int64_t imm;		/* FIELD*, DATALOC, STACK: offset; CONST: value;
				 * EXPR: node */
	int64_t add;
	const char *name;	/* for messages and output; may be NULL */
};

/* ---- filters and computed values ---- */

enum bpfprobe_op {
	BPO_VALUE,	/* integer value number a */
	BPO_CONST,	/* imm */
	/* integer operators on nodes a, b (NEG, BITNOT: a only) */
	BPO_ADD, BPO_SUB, BPO_MUL, BPO_DIV, BPO_MOD,	/* DIV, MOD unsigned */
	BPO_BAND, BPO_BOR, BPO_BXOR, BPO_SHL, BPO_SHR,	/* SHR: arithmetic
							 * when is_signed */
	BPO_NEG, BPO_BITNOT,
	/* comparisons of nodes a, b: 1 or 0; is_signed picks the order */
	BPO_EQ, BPO_NE, BPO_LT, BPO_LE, BPO_GT, BPO_GE,
	/* logic on nodes (an integer node is true when non-zero) */
	BPO_LAND, BPO_LOR, BPO_LNOT,
	/* string value number a against the constant str */
	BPO_STREQ, BPO_STRPREFIX,
	BPO__COUNT,
};

/*
 * A node of an expression DAG: operands are nodes with smaller indices, so
 * the array is in evaluation order. Used by the filter (spec.filter: the
 * root node, -1 none) and by BPS_EXPR values.
 */
struct bpfprobe_expr {
	uint8_t op;		/* enum bpfprobe_op */
	bool is_signed;
	int16_t a, b;
	int64_t imm;		/* CONST */
	const char *str;	/* STREQ, STRPREFIX: at most MAX_CONSTSTR */
};

/* ---- what to do with an event that passes the filter ---- */

enum bpfprobe_action {
	BPA_EMIT,	/* send the values to user space */
	/* in-kernel aggregation keyed by values (spec.agg) */
	BPA_COUNT,	/* count (and sum/min/max of agg.value if >= 0) */
	BPA_HIST_LOG2,	/* + 64 buckets: b = floor(log2(v)), [0, 2) in 0 */
	BPA_HIST_LINEAR,/* + buckets: [min - inf), then [min + k*step, +step)
			 * up to max, then [max, inf) */
	BPA_PAIR_START,	/* store bpf_ktime_get_ns() under the pairing key
			 * (spec.pair; a later start with the same key
			 * replaces it); nothing sent */
	BPA__COUNT,
};

#define BPFPROBE_MAX_KEYS	4	/* values in an aggregation key */
#define BPFPROBE_MAX_KEYSZ	256	/* key bytes (INT 8, STR maxlen
					 * rounded up to 8) */
#define BPFPROBE_LOG2_BUCKETS	64
#define BPFPROBE_MAX_BUCKETS	1024	/* linear, both ends included */

/*
 * Aggregation: per key (the values keys[0..nkeys), none: one key), in a
 * per-CPU hash of max_entries keys (0: 10240; a full map counts
 * bpfprobe_stats.agg_dropped). Keys are INT or STR/BYTES values (STR
 * compared on all maxlen bytes, zero padded: keep maxlen small, comm is
 * 16). value: the INT value histogrammed / summed (-1: none, COUNT only).
 * Every value is fetched, hidden or not; nothing is sent.
 */
struct bpfprobe_agg {
	int nkeys;
	int8_t keys[BPFPROBE_MAX_KEYS];
	int8_t value;
	int64_t min, max, step;	/* HIST_LINEAR */
	uint32_t max_entries;
};

/*
 * Pairing of two specs (BPA_PAIR_START in one, BPS_PAIR_DELTA in the
 * other). Specs with the same id share one hash of starts, created by the
 * session with the largest max_entries of them (0: 16384; a full map
 * counts stats.pair_dropped). The key: pid_tgid when nkeys is 0, else the
 * INT values keys[0..nkeys) (8 bytes each); every spec of an id needs the
 * same nkeys, and the session refuses an id without a start or an end.
 */
struct bpfprobe_pair {
	uint32_t id;		/* 0: no pairing */
	int nkeys;
	int8_t keys[BPFPROBE_MAX_KEYS];
	uint32_t max_entries;
};

struct bpfprobe_spec {
	uint8_t kind;		/* enum bpfprobe_kind */
	uint8_t prog;		/* enum bpfprobe_prog: BPP_AUTO or forced */
	uint8_t action;		/* enum bpfprobe_action */
	const char *name;	/* for messages: "do_sys_openat2" */
	const struct bpfprobe_point *points;
	int npoints;
	/*
	 * USDT locations of one probe may keep their arguments in different
	 * places: one spec per distinct argument layout.
	 */
	int nfetch;
	struct bpfprobe_fetch fetch[BPFPROBE_MAX_VALUES];
	int nexpr;
	struct bpfprobe_expr expr[BPFPROBE_MAX_EXPR];
	int filter;		/* root node of the filter, -1: none */
	uint32_t entry_max;	/* entry->return map entries, 0: 16384 */
	struct bpfprobe_agg agg;	/* actions COUNT, HIST_* */
	struct bpfprobe_pair pair;	/* PAIR_START, or BPS_PAIR_DELTA */
};

void bpfprobe_spec_init(struct bpfprobe_spec *spec, enum bpfprobe_kind kind);
/* Append a value / an expression node; its index, or -1 when full. */
int bpfprobe_spec_add_fetch(struct bpfprobe_spec *spec, struct bpfprobe_fetch f);
int bpfprobe_spec_add_expr(struct bpfprobe_spec *spec, struct bpfprobe_expr n);

/* Check a spec on its own (no kernel needed); 0 or -EINVAL with err. */
int bpfprobe_spec_check(const struct bpfprobe_spec *spec, char *err,
			size_t errsz);

const char *bpfprobe_kind_name(enum bpfprobe_kind k);	/* "kprobe-like" */
const char *bpfprobe_prog_name(enum bpfprobe_prog p);	/* "kprobe_multi" */

/* ---- events ---- */

struct bpfprobe_value {
	uint8_t type;		/* enum bpfprobe_vtype; BPV_NONE: hidden */
	bool is_signed;
	bool failed;		/* a read faulted: 0 or "" */
	uint32_t len;		/* STR: bytes before the NUL; BYTES: bytes */
	union {
		uint64_t u;
		int64_t s;
	};
	const char *str;	/* STR, BYTES: NUL-terminated copy, valid
				 * during the callback */
};

struct bpfprobe_event {
	int probe;		/* spec index in the session */
	int point;		/* index in the spec's points[] */
	uint64_t ts;		/* CLOCK_MONOTONIC ns */
	uint32_t pid, tid;
	int cpu;
	int nvalues;
	struct bpfprobe_value v[BPFPROBE_MAX_VALUES];
};

/* Return non-zero to stop the current poll (poll returns it). */
typedef int (*bpfprobe_event_fn)(void *ctx, const struct bpfprobe_event *ev);

/* ---- sessions ---- */

enum bpfprobe_transport {
	BPT_AUTO,	/* ring buffer when the kernel has one */
	BPT_RINGBUF,
	BPT_PERFBUF,
};

struct bpfprobe_opts {
	bpfprobe_event_fn on_event;
	void *ctx;
	uint8_t transport;	/* enum bpfprobe_transport */
	uint32_t ringbuf_bytes;	/* 0: include/bufsize.h decides */
	uint32_t perfbuf_pages;	/* per CPU, 0: the same */
	uint32_t stack_entries;	/* stack map size, 0: 16384 */
	/*
	 * Only events of this process and of the processes it forks after
	 * the start, and theirs (`trace -- CMD`); 0: every process. The
	 * session seeds a map of followed tgids with it (typically a child
	 * held before its exec), adds the children a followed process forks
	 * (sched_process_fork) and drops tasks when they are freed
	 * (sched_process_free: after the reaping, so a reused pid is not
	 * followed). Every program looks its tgid up before fetching
	 * anything. User probe points should then have pid 0.
	 */
	int follow_pid;
};

/* One attach point that failed: "attach kprobe to 'foo': ENOENT". */
struct bpfprobe_failure {
	int probe, point;
	int err;		/* errno */
	char msg[256];
};

struct bpfprobe_stats {
	uint64_t lost;		/* events the transport dropped (ring full,
				 * perf buffer overwritten) */
	uint64_t entry_dropped;	/* entry records the map had no room for */
	uint64_t entry_missed;	/* returns without a recorded entry */
	uint64_t agg_dropped;	/* events whose new key found the
				 * aggregation map full */
	uint64_t pair_dropped;	/* starts the pairing map had no room for */
	uint64_t pair_missed;	/* ends without a recorded start */
	uint64_t follow_dropped; /* children of followed processes the map
				  * had no room for (not followed) */
};

struct bpfprobe_session;

struct bpfprobe_session *bpfprobe_session__new(const struct bpfprobe_opts *opts);
/* Add a spec; returns its probe index, or -1 with err. */
int bpfprobe_session__add(struct bpfprobe_session *s,
			  const struct bpfprobe_spec *spec,
			  char *err, size_t errsz);
/*
 * Choose programs, load and attach everything. Returns 0 when every spec
 * attached at least one point (failures of other points are listed by
 * session__failures), else -errno with the reason in err.
 */
int bpfprobe_session__start(struct bpfprobe_session *s, char *err, size_t errsz);
/* Deliver events; returns how many, or -errno (-EINTR on a signal). */
int bpfprobe_session__poll(struct bpfprobe_session *s, int timeout_ms);
/* Deliver everything buffered now, without waiting. */
int bpfprobe_session__consume(struct bpfprobe_session *s);
int bpfprobe_session__epoll_fd(const struct bpfprobe_session *s);
/* Bytes a record of probe pi takes: the mean of those delivered, or the
 * layout's most before any. */
size_t bpfprobe_session__record_bytes(const struct bpfprobe_session *s, int pi);
/* The hits of probe pi that were written or failed to be: its records
 * delivered plus its outputs that failed (include/loss.h). 0, or
 * -ENOENT where not known: the perf buffer (its lost records name no
 * probe), or after stop. */
int bpfprobe_session__hits(const struct bpfprobe_session *s, int pi,
			   uint64_t *hits);
void bpfprobe_session__stats(const struct bpfprobe_session *s,
			     struct bpfprobe_stats *st);
int bpfprobe_session__failures(const struct bpfprobe_session *s,
			       const struct bpfprobe_failure **f);
/* "BPF kprobe_multi (3 functions), ring buffer" */
const char *bpfprobe_session__describe(const struct bpfprobe_session *s,
				       int probe);
/* The program type a started spec uses. */
enum bpfprobe_prog bpfprobe_session__prog(const struct bpfprobe_session *s,
					  int probe);
/* Frames of a stack id from a KSTACK/USTACK value; count or -errno. */
int bpfprobe_session__stack(const struct bpfprobe_session *s, int64_t id,
			    uint64_t *ips, int max);
/*
 * Aggregations. One entry per key, per-CPU values summed; key[i] decodes
 * spec.agg.keys[i] (INT: .u/.s; STR: .str, valid during the callback).
 * buckets: nbuckets counts (0 for COUNT); min/max as signed when the
 * value is signed. Return non-zero from fn to stop (agg_read returns it).
 */
struct bpfprobe_agg_entry {
	int nkeys;
	struct bpfprobe_value key[BPFPROBE_MAX_KEYS];
	uint64_t count;
	uint64_t sum;
	int64_t min, max;	/* meaningful when count and agg.value >= 0 */
	int nbuckets;
	const uint64_t *buckets;
};

typedef int (*bpfprobe_agg_fn)(void *ctx, const struct bpfprobe_agg_entry *e);

/*
 * Read the aggregation of probe; with reset, atomically start a new
 * interval first (the programs switch to the spare map, the kernel waits
 * for programs still running on the old one, which is then read and
 * emptied: no count is lost or counted twice). Returns the number of
 * keys, or -errno. Also after session__stop() (the aggregation maps
 * live until session__free), for the final print.
 */
int bpfprobe_session__agg_read(struct bpfprobe_session *s, int probe,
			       bool reset, bpfprobe_agg_fn fn, void *ctx);
/* Bucket b's range [*lo, *hi) (hi: INT64_MAX/UINT64_MAX for the last);
 * buckets of a spec: bpfprobe_agg_nbuckets(). */
int bpfprobe_agg_nbuckets(const struct bpfprobe_spec *spec);
void bpfprobe_agg_bucket_range(const struct bpfprobe_spec *spec, int b,
			       int64_t *lo, int64_t *hi);

/* Detach and close everything; idempotent. */
void bpfprobe_session__stop(struct bpfprobe_session *s);
void bpfprobe_session__free(struct bpfprobe_session *s);

/* ---- internals, exposed for the unit tests ---- */

/* The record a program sends: this header, an 8-byte slot per sent
 * value (INT: the value; STR/BYTES: u16 offset, u16 length — for STR the
 * bytes written with the NUL), then the string bytes: first those at
 * fixed places (BYTES, comm, strings a filter compares), from `tail` the
 * other strings packed one after the other. */
struct bpfprobe_rec {
	uint64_t ts;
	uint32_t tid;		/* bpf_get_current_pid_tgid(), little-endian */
	uint32_t pid;
	uint32_t point;
	uint16_t probe;
	uint16_t cpu;
	uint32_t failed;	/* bit i: value i faulted */
	uint32_t reserved;
};

struct bpfprobe_layout {
	uint16_t slot[BPFPROBE_MAX_VALUES];	/* offset of value i's slot */
	uint16_t fixed[BPFPROBE_MAX_VALUES];	/* STR/BYTES at a fixed place */
	uint32_t tail;		/* packed strings start here */
	uint32_t out_max;	/* largest record sent */
	uint32_t expr;		/* expression node values, 8 bytes each */
	uint32_t ctx_slot;	/* where the program launders its ctx (and,
				 * at ctx_slot + 8, typed pointers) */
	uint32_t key, keysz;	/* aggregation key in the scratch */
	uint32_t entry_ts;	/* return probes: the entry time */
	uint32_t pair_key;	/* pairing key built from its values */
	uint32_t size;		/* per-CPU scratch bytes */
};

int bpfprobe_layout(const struct bpfprobe_spec *spec,
		    struct bpfprobe_layout *lay);

/* Decode one record; strings are copied into buf. 0 or -EINVAL. */
int bpfprobe_decode(const struct bpfprobe_spec *spec,
		    const struct bpfprobe_layout *lay, const void *rec,
		    size_t size, struct bpfprobe_event *ev, char *buf,
		    size_t bufsz);

/* The filter evaluated in user space on decoded values (hidden ones
 * included): for mechanisms that cannot filter in the kernel. */
bool bpfprobe_filter_eval(const struct bpfprobe_spec *spec,
			  const struct bpfprobe_value *v);

/* Counters in the per-CPU counter map. */
enum bpfprobe_counter {
	BPC_LOST,
	BPC_ENTRY_DROPPED,
	BPC_ENTRY_MISSED,
	BPC_AGG_DROPPED,
	BPC_PAIR_DROPPED,
	BPC_PAIR_MISSED,
	BPC_FOLLOW_DROPPED,
	BPC__COUNT,
	/* then one per probe (spec index): its records whose output failed */
};

/* What code generation needs to know beyond the spec. */
struct bpfprobe_gen_env {
	uint8_t prog;		/* enum bpfprobe_prog, chosen */
	bool ringbuf;		/* else perf buffer */
	bool cookie;		/* point from bpf_get_attach_cookie() */
	bool legacy_read;	/* bpf_probe_read(_str) only (before 5.5) */
	bool entry_role;	/* the entry program of a return spec */
	int nargs;		/* fentry/fexit/tp_btf: the function's args */
	uint32_t probe, point;	/* point: when !cookie */
	int events_fd, scratch_fd, counters_fd, stacks_fd, entry_fd;
	int agg_fd;		/* ARRAY_OF_MAPS[1]: the current aggregation
				 * hash */
	int zero_fd;		/* ARRAY[1] of zeros: a new key's value */
	int pair_fd;		/* HASH: pairing key -> start time */
	bool follow;		/* only tgids in follow_fd (opts.follow_pid) */
	int follow_fd;		/* HASH: u32 tgid -> u32 1 */
};

/* Does the action aggregate (COUNT, HIST_*)? */
bool bpfprobe_action_aggregates(enum bpfprobe_action a);

/* Bytes of one aggregation value: count, sum, min, max, buckets (u64). */
uint32_t bpfprobe_agg_value_size(const struct bpfprobe_spec *spec);

struct bpf_insn;

/* Generate a program; *insns is malloc'ed. 0 or -EINVAL with err. */
int bpfprobe_gen(const struct bpfprobe_spec *spec,
		 const struct bpfprobe_gen_env *env, struct bpf_insn **insns,
		 int *cnt, char *err, size_t errsz);

/*
 * The programs that keep the followed-process map (classic tracepoints):
 * on sched_process_fork, follow[child_pid] = 1 when the current tgid is
 * followed (a full map: counters[BPC_FOLLOW_DROPPED]++); on
 * sched_process_free, delete follow[pid]. field_off: that field's offset
 * in the record (format file). env: follow_fd, counters_fd.
 */
enum bpfprobe_follow_prog { BPF_FOLLOW_FORK, BPF_FOLLOW_FREE };
int bpfprobe_gen_follow(enum bpfprobe_follow_prog which, int field_off,
			const struct bpfprobe_gen_env *env,
			struct bpf_insn **insns, int *cnt);

/* Does a return spec need an entry program (saved args, timestamps)? */
bool bpfprobe_needs_entry(const struct bpfprobe_spec *spec,
			  enum bpfprobe_prog prog);
/* Bytes of its entry record: the time, then the 6 argument registers
 * when the return reads arguments without fexit. */
uint32_t bpfprobe_entry_size(const struct bpfprobe_spec *spec,
			     enum bpfprobe_prog prog);

#endif
