/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Inside trace sessions: the state lib/trace_session.c shares with its
 * backends, lib/trace_tracefs.c (tracefs or perf_event_open) and
 * lib/trace_bpf.c (the BPF probe engine).
 */
#ifndef SONDE_TRACE_BACKEND_H
#define SONDE_TRACE_BACKEND_H

#include "trace_session.h"

struct session;

struct trace_backend {
	const char *name;
	int (*start)(struct session *s, char *err, size_t errsz);
	int (*poll)(struct session *s, int timeout_ms);
	/* stop recording and deliver what is buffered */
	void (*finish)(struct session *s);
	uint64_t (*lost)(struct session *s);
	/* the hits the kernel counted of probes[i] with its whole filter
	 * (o->defines); non-zero or NULL: not known */
	int (*hits)(struct session *s, int i, uint64_t *hits);
	void (*free)(struct session *s);
	const char *(*what)(struct session *s);	/* for "Tracing ... via" */
};

struct session {
	const struct trace_opts *o;
	struct tprobe *probes;
	int nprobes;
	enum mechanism mech;
	/* kernel function entries go to the ftrace function tracer (a
	 * kernel without kprobes): entry, pid, comm and time only */
	bool function_tracer;
	const struct trace_backend *be;
	void *priv;		/* the backend's */
	long printed;
	uint64_t rejected;	/* o->defines' events the filters dropped */
	uint64_t start_ns;
	bool done;
};

extern const struct trace_backend trace_tracefs_backend;
extern const struct trace_backend trace_bpf_backend;

/* Filter, format and print one event of probe p (func: the function hit,
 * NULL for the probe's label); counts towards -M. */
void trace_emit(struct session *s, const struct tprobe_event *e, const char *func);

#endif
