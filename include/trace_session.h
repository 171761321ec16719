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
	/* hist: each event that passes the filters goes here instead of
	 * being printed (func: the function hit, or the probe's label) */
	void (*on_event)(void *ctx, const struct tprobe_event *e, const char *func);
	void *ctx;
	bool resolved;		/* tprobe_resolve() done by the caller */
	bool tool_probes;	/* the probes are a tool's, not the user's: one
				 * that does not resolve is a fact about this
				 * kernel (exit 1), not a usage error */
	/* Tools built on the engine (snoop) also name themselves ("Tracing
	 * TITLE via ..."), print their own header once tracing has started
	 * (started, told the mechanism chosen), and get a tick after every
	 * poll round and finish after the last events. */
	const char *title;
	void (*started)(void *ctx, enum mechanism mech);
	void (*tick)(void *ctx);
	void (*finish)(void *ctx);
	/* Tools that pair records into one event (include/loss.h): which
	 * probes' hits define one event each ([nprobes]; NULL: every record
	 * is one), and how many events the tool made from them (printed or
	 * filtered out after pairing). Then the loss is exact where the
	 * backend knows those hits, else the record count as a bound. */
	const bool *defines;
	uint64_t (*made)(void *ctx);
	/* true when the tool paired records without defines: a bound */
	bool (*paired)(void *ctx);
};

struct session;		/* include/trace_backend.h */

/*
 * The start of trace_session_run, for callers that consume the events
 * themselves (on_event) and drive s->be (poll, finish, lost, free):
 * choose the mechanism, resolve, start the backend (BPF, else tracefs).
 * 0, or the exit status with one line in err; free s->be even then
 * (when set).
 */
int trace_session_start(struct session *s, struct tprobe *probes, int n,
			const struct trace_opts *o, char *err, size_t errsz);

/* Trace n probes until done; returns the exit status. */
int trace_session_run(struct tprobe *probes, int n, const struct trace_opts *o);

#endif
