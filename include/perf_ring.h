/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One perf event per online CPU, each with its mmap'd ring buffer, and
 * the records read from them: the sampling profiler's transport, and the
 * side-band records (mmaps, forks, execs, exits) include/proctrack.h
 * follows. The events live as long as their file descriptors.
 *
 * Records are handed over per CPU in ring order; a record that wraps the
 * ring's end is copied whole first.
 */
#ifndef SONDE_PERF_RING_H
#define SONDE_PERF_RING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct perf_event_attr;

struct perf_rings {
	int n;			/* rings: one per online CPU */
	int *cpus;		/* their CPU numbers */
	int *fds;		/* events: nfds = n * (threads or 1); the
				 * first n own the rings, the others write
				 * into their CPU's */
	int nfds;
	void **rings;		/* control page + data pages */
	size_t ring_size;	/* bytes of data */
	size_t ring_kb;		/* asked for */
	uint64_t lost;		/* PERF_RECORD_LOST totals */
	unsigned char *wrap;	/* a record copied out of the ring's end */
	struct pollfd *pfds;
};

/* Return non-zero to stop draining (that value is returned). */
typedef int (*perf_record_fn)(void *ctx, int cpu, const void *rec, size_t size);

/*
 * Open attr (disabled is forced) on every online CPU — for all processes
 * when tids is NULL, else for each of the ntids threads (with
 * attr->inherit, also for the tasks they create later) — and map one
 * ring per CPU of ring_kb (rounded up to a power-of-two page count;
 * halved while the mlock limit refuses). 0, or -errno with one line in
 * err naming the CPU and what refused (-ESRCH: a thread is gone).
 */
int perf_rings__open(struct perf_rings *r, struct perf_event_attr *attr,
		     const int *tids, int ntids, size_t ring_kb, char *err,
		     size_t errsz);
int perf_rings__enable(struct perf_rings *r);
int perf_rings__disable(struct perf_rings *r);
/* Wait up to timeout_ms for data, then drain every ring. Returns the
 * records handed over, or -errno (-EINTR on a signal). */
int perf_rings__poll(struct perf_rings *r, int timeout_ms, perf_record_fn fn,
		     void *ctx);
int perf_rings__drain(struct perf_rings *r, perf_record_fn fn, void *ctx);
void perf_rings__close(struct perf_rings *r);

/* Online CPUs ("/sys/devices/system/cpu/online"); count or -errno. */
int perf_online_cpus(int **cpus);
/* The threads of a process (/proc/PID/task); count or -errno. */
int perf_task_tids(int pid, int **tids);

int sys_perf_event_open(struct perf_event_attr *attr, int pid, int cpu,
			int group, unsigned long flags);

#endif
