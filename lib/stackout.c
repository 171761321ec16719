// SPDX-License-Identifier: GPL-2.0
/* The report of the stack commands: stacks, then what was lost. */
#include <stdio.h>

#include "sonde.h"
#include "stackout.h"
#include "symbolize.h"

int stack_output_check(const struct stack_output *o)
{
	if (o->folded && g_opts.json)
		return usage_error("--folded and --json cannot be used together");
	return 0;
}

static void print_summary_json(const struct stack_output *o, size_t nstacks,
			       const struct stack_totals *t)
{
	printf("{\"type\":\"summary\",\"%s\":%llu,\"stacks\":%zu,\"lost\":%llu,"
	       "\"dropped\":%llu,\"kernel_stacks_missed\":%llu,"
	       "\"user_stacks_missed\":%llu}\n", o->events,
	       (unsigned long long)t->events, nstacks,
	       (unsigned long long)t->lost, (unsigned long long)t->dropped,
	       (unsigned long long)t->kmissed, (unsigned long long)t->umissed);
}

static void warn_losses(const struct stack_output *o, const struct stack_totals *t)
{
	const char *note = o->kernel ? sym_kernel_note() : NULL;

	if (t->lost)
		warning("%llu %s lost (the ring buffer was full)",
			(unsigned long long)t->lost, o->events);
	if (t->dropped)
		warning("%llu %s not counted: the stack table was full",
			(unsigned long long)t->dropped, o->events);
	if (t->kmissed || t->umissed)
		warning("stacks lost by the stack map: %llu kernel, %llu user",
			(unsigned long long)t->kmissed, (unsigned long long)t->umissed);
	if (note)
		warning("%s", note);
}

int stack_output_write(const struct stack_output *o, struct stackagg *agg,
		       const struct stack_totals *t)
{
	struct stack_print_opts po = {
		.unit = o->unit, .kernel = o->kernel, .user = o->user,
	};
	struct named_stack *const *stacks;
	size_t n;

	stackagg_resolve(agg);
	n = stackagg_named(agg, &stacks);
	if (o->folded)
		stackagg_print_folded(agg, stdout, &po);
	else if (g_opts.json)
		stackagg_print_json(agg, stdout, &po);
	else
		stackagg_print_text(agg, stdout, &po);
	if (g_opts.json)
		print_summary_json(o, n, t);
	else
		fprintf(stderr, "%s: %llu %s in %zu stacks\n", g_cmd_name,
			(unsigned long long)t->events, o->events, n);
	fflush(stdout);
	warn_losses(o, t);
	return 0;
}
