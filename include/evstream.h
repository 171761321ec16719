/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A stream of trace events (tracepoints and tracefs-defined dynamic
 * events) delivered to a callback in timestamp order, over one of two
 * transports:
 *  - EVT_TRACEFS: the private instance's per-CPU trace_pipe_raw buffers
 *  - EVT_PERF:    perf_event_open(PERF_TYPE_TRACEPOINT) per CPU, mmap'd
 *                 ring buffers (fds vanish with the process)
 * Records are decoded with libtraceevent from the events' format files.
 * Timestamps are CLOCK_MONOTONIC ns on both transports.
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
	size_t buffer_kb_per_cpu;	/* 0: a default sized for bursts */
	int pid;			/* >0: only this process (perf: per task) */
};

/* Create a stream; then add events; then start. err gets one line. */
struct evstream *evstream_new(enum ev_transport tr,
			      const struct evstream_opts *opts);
/* Add "system/event" (e.g. "syscalls/sys_enter_execve",
 * "sonde_123/exec_args"), with an optional tracefs filter expression
 * (applied in the kernel on both transports). */
int evstream_add(struct evstream *s, const char *system, const char *event,
		 const char *filter, char *err, size_t errsz);
int evstream_start(struct evstream *s, char *err, size_t errsz);

/* Wait up to timeout_ms for events and deliver every available one in
 * timestamp order. Returns number delivered, or -errno (-EINTR when a
 * signal arrived). */
int evstream_poll(struct evstream *s, int timeout_ms, evstream_cb cb,
		  void *ctx);

struct tep_handle *evstream_tep(struct evstream *s);

/* Events the kernel dropped (overruns / PERF_RECORD_LOST), read from the
 * kernel's own counters. */
uint64_t evstream_lost(struct evstream *s);

/* Stop, unmap and close. The tracefs instance is undone by tfs_teardown. */
void evstream_free(struct evstream *s);

/* Helpers to read fields of a record. */
bool ev_field_u64(struct tep_event *ev, struct tep_record *rec,
		  const char *name, uint64_t *out);
/* Copies a string field (char[] or __data_loc char[] or string fetch arg);
 * returns false when absent. */
bool ev_field_str(struct tep_event *ev, struct tep_record *rec,
		  const char *name, char *buf, size_t size);
uint64_t ev_record_ts(struct tep_record *rec);
int ev_record_pid(struct tep_event *ev, struct tep_record *rec);

#endif
