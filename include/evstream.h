/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A stream of trace events (tracepoints and tracefs-defined dynamic
 * events) delivered to a callback in timestamp order, over one of two
 * transports:
 *  - EVT_TRACEFS: the private instance's per-CPU trace_pipe_raw buffers
 *  - EVT_PERF:    perf_event_open(PERF_TYPE_TRACEPOINT) per CPU, mmap'd
 *                 ring buffers (fds vanish with the process)
 * Records are decoded with libtraceevent from the events' format files.
 * Timestamps are CLOCK_MONOTONIC ns on both transports. Kernel and user
 * stacks can come with each record (tracefs: the instance options
 * stacktrace / userstacktrace, whose ftrace kernel_stack / user_stack
 * records follow the event on its CPU; perf: PERF_SAMPLE_CALLCHAIN).
 */
#ifndef SONDE_EVSTREAM_H
#define SONDE_EVSTREAM_H

#include <stdbool.h>
#include <stdint.h>

struct tep_handle;
struct tep_event;
struct tep_record;

enum ev_transport {
	EVT_TRACEFS,
	EVT_PERF,
};

struct evstream;

/* ts: CLOCK_MONOTONIC ns; pid: the thread id the kernel recorded. */
typedef void (*evstream_cb)(void *ctx, struct tep_event *ev,
			    struct tep_record *rec, int cpu);

struct evstream_opts {
	size_t buffer_kb_per_cpu;	/* 0: include/bufsize.h decides */
	bool busy;			/* a busy source: a bigger default */
	/* >0: only this process's threads and the tasks they create later
	 * (perf: per-thread events with inherit; tracefs: set_event_pid +
	 * options/event-fork). evstream_new() fails with ESRCH when gone. */
	int pid;
	/* a kernel / user stack with every record (ev_record_stack); tracefs
	 * records at most 8 user frames (FTRACE_STACK_ENTRIES), none for
	 * function tracer records */
	bool kstack, ustack;
};

/* Create a stream; then add events; then start. err gets one line. */
struct evstream *evstream_new(enum ev_transport tr,
			      const struct evstream_opts *opts);
/* Add "system/event" (e.g. "syscalls/sys_enter_execve",
 * "sonde_123/exec_args"), with an optional tracefs filter expression
 * (applied in the kernel on both transports). */
int evstream_add(struct evstream *s, const char *system, const char *event,
		 const char *filter, char *err, size_t errsz);

/*
 * The ftrace function tracer in the instance, limited to the functions
 * named (tracefs only; never without a filter): entries arrive as
 * "ftrace/function" records (ip, parent_ip), with opts.pid as
 * set_ftrace_pid + options/function-fork, and opts.kstack as
 * options/func_stack_trace. All undone at teardown, tracer first.
 */
int evstream_add_functions(struct evstream *s, char *const *funcs, size_t n,
			   char *err, size_t errsz);
int evstream_start(struct evstream *s, char *err, size_t errsz);

/*
 * Wait up to timeout_ms (-1: until events or a signal) for events and
 * deliver the available ones in timestamp order across CPUs. To keep that
 * order, an event is held back until ~2 ms after its timestamp (a later
 * call delivers it; evstream_flush() at the end). Returns number
 * delivered, or -errno (-EINTR when a stop signal arrived, see
 * signals_stop_requested(); evstream_flush() then delivers the rest).
 */
int evstream_poll(struct evstream *s, int timeout_ms, evstream_cb cb,
		  void *ctx);

/* Deliver every event still buffered, without holding any back (at the
 * end, after the traced work is done). Returns number delivered. */
int evstream_flush(struct evstream *s, evstream_cb cb, void *ctx);

struct tep_handle *evstream_tep(struct evstream *s);

/* Stop recording (tracefs: the instance's tracing_on; perf: disable the
 * events); what is buffered can still be flushed. At the end: stop,
 * flush, then lost is exact. */
void evstream_stop(struct evstream *s);

/* Events the kernel dropped, from its own counters: tracefs
 * per_cpu/cpuN/stats of the instance (overrun + commit overrun + dropped
 * events; the kbuffer "missed" page marks only as a floor); perf the
 * events' hit counters minus the samples read (PERF_RECORD_LOST totals
 * as a floor: the kernel writes that record only when a later sample
 * fits). Read it before tfs_teardown() removes the instance (the last
 * value is kept). */
uint64_t evstream_lost(struct evstream *s);

/*
 * The kernel's count of an event's hits (its filter applied), to know how
 * many tool events a paired stream should have made. perf: the sampling
 * events count them already. tracefs: evstream_count() (after
 * evstream_add, before the start) opens a counting-only perf event per
 * CPU (and thread) on the same tracepoint with the same filter, on while
 * tracing_on is; it fails where perf_event_open is refused (then only the
 * record count is known). evstream_hits gives -ENOENT for an event not
 * counted; read after evstream_stop, it is final.
 */
int evstream_count(struct evstream *s, const char *system, const char *event,
		   char *err, size_t errsz);
int evstream_hits(struct evstream *s, const char *system, const char *event,
		  uint64_t *hits);

/* Stop, unmap and close. The tracefs instance is undone by tfs_teardown.
 * Only one EVT_TRACEFS stream per process (it owns the instance). */
void evstream_free(struct evstream *s);

/* Helpers to read fields of a record. */
bool ev_field_u64(struct tep_event *ev, struct tep_record *rec,
		  const char *name, uint64_t *out);
/* Copies a string field (char[] or __data_loc char[] or string fetch arg);
 * returns false when absent. */
bool ev_field_str(struct tep_event *ev, struct tep_record *rec,
		  const char *name, char *buf, size_t size);
/* An array field's bytes as hex text (hex_text); false when absent. */
bool ev_field_hex(struct tep_event *ev, struct tep_record *rec,
		  const char *name, char *buf, size_t size);
uint64_t ev_record_ts(struct tep_record *rec);
/* The kernel or user stack that came with a delivered record, innermost
 * frame first; returns the number of frames (0: none). */
int ev_record_stack(const struct tep_record *rec, bool user,
		    const uint64_t **ips);
int ev_record_pid(struct tep_event *ev, struct tep_record *rec);

/* Internals exposed for unit tests. */
struct ev_item {
	uint64_t ts;
	uint64_t seq;		/* arrival order: ties keep it */
	int cpu;
	uint32_t size;
	uint64_t *kstack, *ustack;	/* malloc'd, freed with the item */
	int nkstack, nustack;
	uint64_t data[];	/* the record, 8-byte aligned */
};

struct ev_merge {
	struct ev_item **items;
	size_t n, cap;
	uint64_t seq;
};

int ev_merge_push(struct ev_merge *m, uint64_t ts, int cpu, const void *data,
		  uint32_t size);
/* Sort, then hand every item with ts <= cutoff to fn in order (fn must
 * not keep it); the rest stay. Returns how many were handed over. */
size_t ev_merge_take(struct ev_merge *m, uint64_t cutoff,
		     void (*fn)(void *ctx, struct ev_item *it), void *ctx);
uint64_t ev_merge_oldest(const struct ev_merge *m);	/* UINT64_MAX: none */
void ev_merge_clear(struct ev_merge *m);

/* "0-3,8,10-11" -> cpu numbers; returns count or -EINVAL. */
int ev_parse_cpu_list(const char *s, int *cpus, int max);
/* Events lost according to a per_cpu/cpuN/stats text. */
uint64_t ev_parse_stats_lost(const char *text);
/* The number after "KEY:" in a stats file; 0 when absent. */
uint64_t ev_parse_stats_field(const char *text, const char *key);

/* A PERF_RECORD_SAMPLE of our sample_type (IDENTIFIER | TID | TIME | CPU
 * [| CALLCHAIN] | RAW), header included. */
struct ev_sample {
	uint64_t id, time;
	uint32_t pid, tid, cpu, raw_size;
	const void *raw;
	const void *chain;	/* u64s, maybe unaligned: memcpy them */
	uint64_t nchain;
};
int ev_perf_parse_sample(const void *rec, size_t size, bool callchain,
			 struct ev_sample *out);
/* A callchain's kernel and user frames, without the context markers;
 * each array gets at most max frames. */
void ev_split_callchain(const void *chain, uint64_t n, uint64_t *k, int *nk,
			uint64_t *u, int *nu, int max);
/* The frames of an ftrace kernel_stack (count_off >= 0: its "size" field
 * counts them; the array may run past the 8 its format shows) or
 * user_stack record (count_off < 0: up to the array's end or the first
 * 0 / ULONG_MAX). Returns the number of frames put into out. */
int ev_stack_frames(const void *data, uint32_t size, int count_off,
		    int caller_off, int caller_size, uint64_t *out, int max);

#endif
