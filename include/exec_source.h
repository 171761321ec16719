/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Where exec events come from. One interface, three mechanisms:
 *   lib/exec_bpf.c    BPF tracepoint programs (CO-RE, or no-BTF variant)
 *   lib/exec_trace.c  tracefs events in a private instance, read from its
 *                     raw buffers or through perf_event_open
 * lib/exec_source.c picks one from the kernel facts and says why.
 */
#ifndef SONDE_EXEC_SOURCE_H
#define SONDE_EXEC_SOURCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "loss.h"
#include "sonde.h"

struct exec_event {
	uint64_t ts;		/* CLOCK_MONOTONIC ns */
	pid_t pid;
	pid_t ppid;		/* 0 when unknown */
	uid_t uid;
	int retval;
	char comm[16];
	int args_count;
	bool args_truncated;	/* the command had more arguments */
	bool args_unavailable;	/* this mechanism could not read them */
	size_t args_len;
	const char *args;	/* args_count NUL-terminated strings */
};

struct exec_filter {
	bool failed_only;
	int uid;		/* -1: any */
	int max_args;
};

typedef void (*exec_cb)(void *ctx, const struct exec_event *e);

struct exec_source;

struct exec_source_ops {
	/* Deliver available events; -EINTR on signal. */
	int (*poll)(struct exec_source *s, int timeout_ms);
	/* Stop recording and deliver everything still buffered. */
	void (*finish)(struct exec_source *s);
	struct loss (*loss)(struct exec_source *s);
	void (*close)(struct exec_source *s);
};

struct exec_source {
	const struct exec_source_ops *ops;
	enum mechanism mech;
	char what[320];		/* "BPF tracepoints syscalls:sys_*_execve*, ring buffer" */
	exec_cb cb;
	void *cb_ctx;
	struct exec_filter filter;
};

/* Choose and open the best mechanism (or via). On failure returns NULL
 * with one line in err and *status set to the exit status to use. */
struct exec_source *exec_source_open(const struct exec_filter *f,
				     enum mechanism via, exec_cb cb,
				     void *ctx, char *err, size_t errsz,
				     int *status);
int exec_source_poll(struct exec_source *s, int timeout_ms);
void exec_source_finish(struct exec_source *s);
/* Exec events lost (after finish): exact over BPF, whose program counts
 * the exec records it could not hand over; a bound on tracefs and perf,
 * where an exec is two records (entry and exit). */
struct loss exec_source_loss(struct exec_source *s);
void exec_source_close(struct exec_source *s);

/* Mechanism constructors, used by exec_source_open. */
struct exec_source *exec_bpf_open(const struct exec_filter *f, bool core, bool raw_tp,
				  bool ringbuf, char *err, size_t errsz);
struct exec_source *exec_trace_open(const struct exec_filter *f, bool perf,
				    char *err, size_t errsz);

/* PPID and comm bookkeeping for mechanisms that see forks, not task
 * structs (lib/ppid.c). comm may be NULL. */
void ppid_note_fork(pid_t parent, pid_t child, const char *comm);
void ppid_note_comm(pid_t pid, const char *comm);
pid_t ppid_lookup(pid_t pid);
/* The comm a pid had when last seen, else /proc's; false if unknown. */
bool ppid_comm(pid_t pid, char *buf, size_t size);

#endif
