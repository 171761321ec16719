/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Perf events, each with its own mmap'd ring buffer, and the records read
 * from them: the sampling profiler's transport, and the side-band records
 * (mmaps, forks, execs, exits) include/proctrack.h follows. An event is
 * either CPU-wide (one per online CPU) or follows one thread (cpu -1).
 * The events live as long as their file descriptors.
 *
 * Records are handed over ring by ring, in ring order; a record that
 * wraps the ring's end is copied whole first.
 */
#ifndef SONDE_PERF_RING_H
#define SONDE_PERF_RING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct perf_event_attr;
struct pollfd;

struct perf_ring {
	int fd;
	int cpu;		/* -1: follows a thread */
	int tid;		/* -1: every process */
	void *map;		/* control page + data pages */
};

struct perf_rings {
	struct perf_ring *v;
	int n, cap;
	size_t ring_kb;		/* asked for (0: 256) */
	size_t ring_size;	/* bytes of data in each ring */
	uint64_t lost;		/* PERF_RECORD_LOST totals */
	unsigned char *wrap;	/* a record copied out of the ring's end */
	struct pollfd *pfds;
};

/* Return non-zero to stop draining (that value is returned). */
typedef int (*perf_record_fn)(void *ctx, int cpu, const void *rec, size_t size);

/*
 * Keep an open event fd (tid, cpu: what it was opened for) and map its
 * ring of ring_kb (rounded up to a power-of-two page count; halved while
 * the mlock limit refuses, the first ring's size kept for all). The fd is
 * the set's from then on, even on failure. 0, or -errno with err.
 */
int perf_rings__add(struct perf_rings *r, int fd, int tid, int cpu, char *err,
		    size_t errsz);
/* attr (disabled forced) on every online CPU for every process, each
 * with its ring (through perf_event_open_compat). 0, or -errno with one
 * line in err naming what refused. */
int perf_rings__open_cpus(struct perf_rings *r, struct perf_event_attr *attr,
			  char *err, size_t errsz);
int perf_rings__enable(struct perf_rings *r);
int perf_rings__disable(struct perf_rings *r);
/* Wait up to timeout_ms for data, then drain every ring. Returns the
 * records handed over, or -errno (-EINTR on a signal). */
int perf_rings__poll(struct perf_rings *r, int timeout_ms, perf_record_fn fn,
		     void *ctx);
int perf_rings__drain(struct perf_rings *r, perf_record_fn fn, void *ctx);
void perf_rings__close(struct perf_rings *r);

/* The threads of a process (/proc/PID/task); count or -errno. */
int perf_task_tids(int pid, int **tids);
/* perf_event_open(2) with FD_CLOEXEC; the fd or -errno. */
int sys_perf_event_open(struct perf_event_attr *attr, int pid, int cpu,
			int group, unsigned long flags);
/* sys_perf_event_open, dropping what older kernels refuse with EINVAL
 * (sample_max_stack: 4.8; mmap2, comm_exec: 3.16); attr keeps what
 * worked, for the next opens. */
int perf_event_open_compat(struct perf_event_attr *attr, int tid, int cpu);
/* "perf_event_open on cpu 1: Permission denied (needs root or CAP_PERFMON)" */
void perf_open_error(char *err, size_t errsz, int ret, int tid, int cpu);

#endif
