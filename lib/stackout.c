// SPDX-License-Identifier: GPL-2.0
/* The report of the stack commands: stacks, then what was lost. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "flamegraph.h"

#include "safefile.h"
#include "sonde.h"
#include "stackout.h"
#include "symbolize.h"

int stack_output_check(const struct stack_output *o)
{
	if (o->folded + !!o->svg + g_opts.json > 1)
		return usage_error("--folded, --svg and --json cannot be used together");
	if (o->svg && !*o->svg)
		return usage_error("--svg needs a file name");
	return 0;
}

/* Written to a new FILE.XXXXXX, renamed at the end: no half graph left
 * behind. */
static int write_svg(const struct stack_output *o, struct stackagg *agg,
		     const struct stack_print_opts *po)
{
	struct flamegraph_opts fo = { .title = o->title, .unit = o->unit };
	char tmp[PATH_MAX];
	FILE *fp;
	int ret;

	/* FILE.XXXXXX made with O_EXCL: nothing planted there is followed */
	if (!(fp = safefile_create(o->svg, 0666, tmp, sizeof(tmp))))
		return error("cannot write '%s': %s", o->svg, strerror(errno));
	ret = flamegraph_write(fp, agg, po, &fo);
	if (ret) {
		fclose(fp);
		unlink(tmp);
	} else {
		ret = safefile_commit(fp, tmp, o->svg);
	}
	if (ret)
		return error("cannot write '%s': %s", o->svg, strerror(-ret));
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
		warning("%llu %s lost (the kernel dropped or did not report events)",
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
	int status = 0;
	size_t n;

	stackagg_set_inline(agg, o->inline_frames);
	stackagg_resolve(agg);
	n = stackagg_named(agg, &stacks);
	if (o->svg)
		status = write_svg(o, agg, &po);
	else if (o->folded)
		stackagg_print_folded(agg, stdout, &po);
	else if (g_opts.json)
		stackagg_print_json(agg, stdout, &po);
	else
		stackagg_print_text(agg, stdout, &po);
	if (g_opts.json)
		print_summary_json(o, n, t);
	fflush(stdout);		/* the stacks before the summary on a tty */
	if (!g_opts.json)
		fprintf(stderr, "%s: %llu %s in %zu stacks%s%s\n", g_cmd_name,
			(unsigned long long)t->events, o->events, n,
			o->svg && !status ? ", flame graph in " : "",
			o->svg && !status ? o->svg : "");
	fflush(stdout);
	warn_losses(o, t);
	return status;
}
