/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sonde stack: stacks counted at any probe (bcc stackcount) and time off
 * CPU by stack (bcc offcputime).
 *
 * Counting runs on the hist engine (include/hist.h) with the keys pid,
 * comm, kernel stack, user stack, so it gets hist's whole ladder: BPF
 * maps with stack ids, ftrace hist triggers keyed by stacktrace, or
 * events with their stacks streamed from tracefs or perf and counted here.
 *
 * Off-CPU time (lib/offcpu*.c) comes from sched:sched_switch: when a
 * thread is switched out its stacks and the time are kept, when it is
 * switched back in the time in between is added to those stacks —
 * in a BPF program (bpf/offcpu.bpf.c) or, without BPF, in user space
 * from the events streamed with their stacks in time order.
 */
#ifndef SONDE_STACK_H
#define SONDE_STACK_H

#include <stdbool.h>
#include <stdint.h>

#include "launch.h"
#include "stackout.h"

struct stack_opts {
	char **probes;		/* stackcount: the probes */
	int nprobes;
	const char *binary;	/* -x BINARY */
	int pid;		/* only this process; 0: all */
	bool kernel, user;	/* stacks to take */
	double duration;	/* seconds; 0: until a signal */
	struct launch *launch;	/* -- CMD */
	/* --offcpu: blocks shorter or longer than these are left out */
	uint64_t min_block_us, max_block_us;
	struct stack_output out;
};

/* Count stacks at o->probes; prints; returns the exit status. */
int stackcount_run(struct stack_opts *o);
/* Off-CPU time by stack; prints; returns the exit status. */
int offcpu_run(struct stack_opts *o);

#endif
