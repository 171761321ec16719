/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The output options of the stack commands (profile, stack) and the
 * final report: stacks as text, folded or JSON, then the totals — lost
 * events and stacks are never silent (stderr for text, a summary object
 * for JSON).
 */
#ifndef SONDE_STACKOUT_H
#define SONDE_STACKOUT_H

#include <stdbool.h>
#include <stdint.h>

#include "stackagg.h"

struct stack_output {
	bool folded;
	const char *svg;	/* --svg FILE */
	const char *title;	/* the flame graph's */
	const char *unit;	/* what a stack's value counts: "samples" */
	const char *events;	/* what the summary counts: "samples" */
	bool kernel, user;	/* stacks asked for */
	bool inline_frames;	/* --inline */
};

#define STACK_OUTPUT_OPTIONS(out)					\
	{ OPT_BOOL, 'f', "folded", &(out).folded, NULL,			\
	  "one line per stack: comm;frame;... count (FlameGraph, speedscope, inferno)" }, \
	{ OPT_STRING, 0, "svg", &(out).svg, "FILE",			\
	  "write a flame graph (self-contained SVG) to FILE" },		\
	{ OPT_BOOL, 0, "inline", &(out).inline_frames, NULL,		\
	  "user frames in inlined code: the inlined functions too, \"name [inlined]\" (DWARF)" }

struct stack_totals {
	uint64_t events;	/* counted (samples, calls, blocks) */
	uint64_t lost;		/* events the transport dropped */
	uint64_t dropped;	/* new stacks a full map refused */
	uint64_t kmissed, umissed; /* stacks the stack map lost */
};

/* Conflicting output options: the exit status (message printed), or 0. */
int stack_output_check(const struct stack_output *o);

/* Name the frames, print every stack and the totals. Exit status. */
int stack_output_write(const struct stack_output *o, struct stackagg *agg,
		       const struct stack_totals *t);

#endif
