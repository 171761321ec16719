/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Stacks with a value each (samples, calls, microseconds off CPU), shared
 * by profile and stack. Collectors add raw stacks — addresses, innermost
 * first — as often as they like; identical ones are summed at once. At
 * the end stackagg_resolve() names every frame (include/symbolize.h) and
 * merges stacks that name the same frames, and the printers write them:
 *
 *   text     bcc's layout: kernel frames, "--", user frames, then
 *            "-                comm (pid)" and the value; smallest first
 *   folded   "comm;user outermost;...;kernel innermost value" per comm
 *            (FlameGraph, speedscope, inferno)
 *   json     {"type":"stack","comm":..,"pid":..,"value":..,
 *             "kstack":[innermost first],"ustack":[..]} per stack
 *   svg      a flame graph (include/flamegraph.h)
 *
 * With stackagg_set_inline() a user frame in code the compiler inlined
 * becomes several: "inner [inlined]", "outer [inlined]", then the
 * function that holds them (innermost first, as everywhere here).
 */
#ifndef SONDE_STACKAGG_H
#define SONDE_STACKAGG_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define STACK_MAX_FRAMES 127	/* the kernel's default perf_event_max_stack */
#define STACK_MAX_NAMED (3 * STACK_MAX_FRAMES) /* user frames with inlined ones */

enum stack_flags {
	STACK_KMISSED = 1 << 0,	/* the kernel stack was lost (map full,
				 * hash collision) */
	STACK_UMISSED = 1 << 1,
};

struct stack_sample {
	int pid;
	const char *comm;		/* NULL: asked of the comm function at
					 * the end, for tid */
	int tid;
	const uint64_t *kips, *uips;	/* innermost first */
	int nk, nu;
	const char *ktext;		/* instead of kips: frames already
					 * named by the kernel, one a line
					 * ("vfs_read+0x1a/0x1c0"; ftrace hist
					 * triggers), innermost first */
	unsigned flags;			/* STACK_* */
	uint64_t value;
};

/* A named, merged stack (after stackagg_resolve). */
struct named_stack {
	int pid;
	char comm[16];
	int nk, nu;
	const char **kframes, **uframes; /* innermost first */
	uint64_t value;
};

struct stackagg;

struct stackagg *stackagg_new(void);
/* Name the functions inlined at user frames too (DWARF), as
 * "name [inlined]" before the function they are in. */
void stackagg_set_inline(struct stackagg *a, bool on);
/* Where the names of samples without a comm come from (a thread's
 * latest name: include/proctrack.h's proctrack_comm). */
void stackagg_set_comm_fn(struct stackagg *a,
			  const char *(*comm_of)(int pid, int tid));
void stackagg_free(struct stackagg *a);
/* Sum in one stack; -ENOMEM when it could not be kept. */
int stackagg_add(struct stackagg *a, const struct stack_sample *s);
/* Raw stacks kept, and the sum of all values added. */
size_t stackagg_count(const struct stackagg *a);
uint64_t stackagg_total(const struct stackagg *a);

/* Name the frames and merge; sorted by value, smallest first. Call once,
 * after the last add. */
void stackagg_resolve(struct stackagg *a);
size_t stackagg_named(const struct stackagg *a, struct named_stack *const **out);

struct stack_print_opts {
	const char *unit;	/* json: the value's name ("samples", "us") */
	bool kernel, user;	/* which stacks were asked for */
};

void stackagg_print_text(const struct stackagg *a, FILE *fp,
			 const struct stack_print_opts *o);
void stackagg_print_folded(const struct stackagg *a, FILE *fp,
			   const struct stack_print_opts *o);
void stackagg_print_json(const struct stackagg *a, FILE *fp,
			 const struct stack_print_opts *o);

/* One folded line's frames, outermost first (comm first): calls fn with
 * each stack's frames in that order. For the flame graph. */
typedef void (*stack_walk_fn)(void *ctx, const char *const *frames,
			      const bool *kernel, int n, uint64_t value);
void stackagg_walk_folded(const struct stackagg *a,
			  const struct stack_print_opts *o, stack_walk_fn fn,
			  void *ctx);

#endif
