/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Timed stack sampling for `sonde profile`: a cpu-clock perf event on
 * every CPU — with -p, one per thread of the process, following it
 * across CPUs — (software: no hardware PMU needed) fires HZ times a
 * second of CPU time, and the stacks under it are counted, over one of
 * two rungs (plan.h PK_SAMPLING):
 *
 *  - BPF: a perf_event program (bpf/profile.bpf.c) counts stack ids per
 *    process in a hash; user space reads the hash once, at the end.
 *  - perf: the events sample callchains into their mmap'd rings (perf
 *    record's mechanism, without perf.data); every sample is read and
 *    summed in user space.
 *
 * The CPU-wide events also report mmaps, forks, execs and exits
 * (include/proctrack.h; dummy events do it for -p), so processes that
 * come and go are symbolized.
 */
#ifndef SONDE_PROFILE_H
#define SONDE_PROFILE_H

#include <stdbool.h>
#include <stdint.h>

#include "stackagg.h"

struct profile_opts {
	unsigned freq;		/* samples per second of CPU time */
	int pid;		/* only this process; 0: all */
	bool kernel, user;	/* stacks to take */
	bool include_idle;	/* the idle task's stacks too */
	double duration;	/* seconds; 0: until a signal */
};

struct profile_stats {
	uint64_t samples;	/* taken (for -p: of that process) */
	uint64_t lost;		/* samples the transport dropped */
	uint64_t dropped;	/* new stacks the BPF hash had no room for */
	uint64_t kmissed, umissed; /* stacks the BPF stack map lost */
};

/*
 * Sample until the duration passes or a signal comes, with every stack
 * summed into agg (not yet resolved). Says "Tracing ..." on stderr when
 * sampling has begun. Returns the exit status (an error printed).
 */
int profile_run(const struct profile_opts *o, struct stackagg *agg,
		struct profile_stats *st);

/* ---- the rungs (lib/profile_bpf.c, lib/profile_perf.c) ---- */

struct profiler;

struct profile_backend {
	const char *what;	/* "BPF perf_event + stack maps" */
	int (*start)(struct profiler *p, char *err, size_t errsz);
	int (*poll)(struct profiler *p, int timeout_ms);
	/* stop sampling; every stack is in p->agg after it */
	int (*collect)(struct profiler *p);
	void (*free)(struct profiler *p);
};

struct profiler {
	const struct profile_opts *o;
	const struct profile_backend *be;
	struct stackagg *agg;
	struct profile_stats st;
	void *priv;
};

/* Sum the stacks of a BPF hash of struct stack_key (bpf/profile.h) into
 * agg; kernel/user: which stacks were asked for (a missing one is then
 * lost, not absent). 0 or -errno. */
int profile_bpf_read_stacks(int counts_fd, int stacks_fd, bool kernel,
			    bool user, struct stackagg *agg);

extern const struct profile_backend profile_bpf_backend;
extern const struct profile_backend profile_perf_backend;

/* The cpu-clock sampling event both rungs open on every CPU, with the
 * side-band records for the symbolizer. */
struct perf_event_attr;
void profile_attr(const struct profile_opts *o, struct perf_event_attr *attr);

#endif
