/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Inside `sonde stack --offcpu` (lib/offcpu.c): the rungs, each a struct
 * offcpu_ops. Rungs (plan.h PK_TRACEPOINT, for sched:sched_switch):
 *
 *	RUNG_BPF_TRACEPOINT	lib/offcpu_bpf.c  times summed in the kernel
 *	RUNG_BPF_RAW_TP		lib/offcpu_bpf.c  the same, when the classic
 *						  tracepoint's id is unreadable
 *	RUNG_TRACEFS_EVENT	lib/offcpu.c	  the events with their stacks
 *	RUNG_PERF_TRACEPOINT			  streamed in time order, paired
 *						  and summed here
 */
#ifndef SONDE_OFFCPU_H
#define SONDE_OFFCPU_H

#include "perf_ring.h"
#include "sonde.h"
#include "stack.h"

struct offcpu;

struct offcpu_ops {
	const char *what;
	int (*start)(struct offcpu *c, char *err, size_t errsz);
	int (*poll)(struct offcpu *c, int timeout_ms);
	/* stop; every block is in c->agg after it */
	int (*collect)(struct offcpu *c);
	void (*free)(struct offcpu *c);
};

struct offcpu {
	const struct stack_opts *o;
	const struct offcpu_ops *ops;
	enum mechanism mech;
	struct stackagg *agg;
	struct stack_totals t;
	struct perf_rings side;	/* mmaps, for processes that come and go */
	void *priv;
};

extern const struct offcpu_ops offcpu_bpf_ops;
extern const struct offcpu_ops offcpu_raw_ops;

#endif
