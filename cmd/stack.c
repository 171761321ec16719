// SPDX-License-Identifier: GPL-2.0
/*
 * sonde stack PROBE...: stacks counted at probes (bcc stackcount);
 * sonde stack --offcpu: blocked time by stack (bcc offcputime).
 */
#include <stdlib.h>
#include <string.h>

#include "cmds.h"
#include "launch.h"
#include "options.h"
#include "sonde.h"
#include "stack.h"

static const char *const stack_usage[] = {
	"sonde stack [-p PID] [-U | -K] [-d SECONDS] [-x BINARY] [--inline] [--folded | --svg FILE | --json] PROBE... [-- CMD [ARGS]]",
	"sonde stack --offcpu [-p PID] [-U | -K] [--min-block US] [--max-block US] [-d SECONDS] [--inline] [--folded | --svg FILE | --json]",
	NULL,
};

static int find_dashdash(int argc, char **argv)
{
	for (int i = 0; i < argc; i++)
		if (!strcmp(argv[i], "--"))
			return i;
	return -1;
}

static int check(struct stack_opts *o, bool offcpu, bool user_only,
		 bool kernel_only, int min_us, int max_us)
{
	if (user_only && kernel_only)
		return usage_error("-U and -K cannot be used together");
	if (o->pid < 0)
		return usage_error("-p must be a process id");
	if (check_pid_exists(o->pid))
		return EXIT_USAGE;
	if (o->duration < 0)
		return usage_error("-d must not be negative");
	if (min_us < 0 || max_us < 0)
		return usage_error("--min-block and --max-block must not be negative");
	if (!offcpu && (min_us || max_us))
		return usage_error("--min-block and --max-block go with --offcpu");
	if (max_us && max_us < min_us)
		return usage_error("--max-block %d is below --min-block %d", max_us, min_us);
	if (offcpu && o->nprobes)
		return usage_error("--offcpu takes no probe (it is sched:sched_switch); got '%s'",
				   o->probes[0]);
	if (!offcpu && !o->nprobes)
		return usage_error("no probe given; e.g. sonde stack t:sched:sched_switch, or sonde stack --offcpu");
	o->kernel = !user_only;
	o->user = !kernel_only;
	o->out.kernel = o->kernel;
	o->out.user = o->user;
	o->min_block_us = min_us;
	o->max_block_us = max_us ? (uint64_t)max_us : UINT64_MAX;
	return stack_output_check(&o->out);
}

int cmd_stack(int argc, char **argv)
{
	struct stack_opts o = { .out = { .unit = "count", .events = "events",
					 .title = "Stacks" } };
	bool offcpu = false, user_only = false, kernel_only = false;
	int min_us = 0, max_us = 0;
	const struct option opts[] = {
		{ OPT_BOOL, 0, "offcpu", &offcpu, NULL, "time blocked off CPU, by stack (from sched_switch)" },
		{ OPT_INT, 'p', "pid", &o.pid, "PID", "only this process" },
		{ OPT_BOOL, 'U', "user-stacks-only", &user_only, NULL, "only user stacks" },
		{ OPT_BOOL, 'K', "kernel-stacks-only", &kernel_only, NULL, "only kernel stacks" },
		{ OPT_DOUBLE, 'd', "duration", &o.duration, "SECONDS", "stop after SECONDS" },
		{ OPT_DOUBLE, 'D', NULL, &o.duration, "SECONDS", "the same (bcc stackcount's -D)" },
		{ OPT_STRING, 'x', "exec", &o.binary, "BINARY", "user functions are in BINARY" },
		{ OPT_INT, 'm', "min-block", &min_us, "US", "--offcpu: leave out blocks shorter than US microseconds" },
		{ OPT_INT, 'M', "max-block", &max_us, "US", "--offcpu: leave out blocks longer than US microseconds" },
		STACK_OUTPUT_OPTIONS(o.out),
		OPT_END_MARK(),
	};
	struct launch launch;
	int status, dashdash;

	argc = parse_options(argc, argv, opts, stack_usage, PARSE_OPT_KEEP_DASHDASH);
	dashdash = find_dashdash(argc, argv);
	o.probes = argv;
	o.nprobes = dashdash >= 0 ? dashdash : argc;
	/* offcputime 5: bcc's duration argument */
	if (offcpu && o.nprobes == 1 && !o.duration && !parse_seconds(argv[0], &o.duration))
		o.nprobes = 0;
	if ((status = check(&o, offcpu, user_only, kernel_only, min_us, max_us)))
		return status;
	if (dashdash >= 0 && (offcpu || dashdash + 1 >= argc))
		return usage_error(offcpu ? "--offcpu takes -p, not '-- CMD'" :
				   "no command after '--'");
	if (dashdash >= 0 && o.pid)
		return usage_error("-p and '-- CMD' cannot be used together");
	if (dashdash >= 0) {
		if ((status = launch_start(&launch, argv + dashdash + 1)))
			return status;
		o.launch = &launch;
	}
	if (offcpu) {
		o.out.unit = "us";
		o.out.events = "blocks";
		o.out.title = "Off-CPU time (us)";
		return offcpu_run(&o);
	}
	return stackcount_run(&o);
}
