/* SPDX-License-Identifier: GPL-2.0 */
/* Running trace probes: choose the mechanism, attach, print events. */
#ifndef SONDE_TRACE_SESSION_H
#define SONDE_TRACE_SESSION_H

#include <stdbool.h>

#include "launch.h"
#include "trace_probe.h"

struct trace_opts {
	int pid;		/* only this process (tgid); 0: all */
	int tid;		/* only this thread; 0: all */
	const char *comm;	/* only this comm */
	long max_events;	/* stop after this many; 0: no limit */
	double duration;	/* seconds; 0: until Ctrl-C */
	bool time_wall;		/* -T: HH:MM:SS.us column */
	bool time_rel;		/* -t: seconds since start column */
	bool kstack, ustack;	/* -K, -U: stacks under each event */
	struct launch *launch;	/* -- CMD: trace only it, stop when it exits */
};

/* Trace n probes until done; returns the exit status. */
int trace_session_run(struct tprobe *probes, int n, const struct trace_opts *o);

#endif
