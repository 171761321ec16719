// SPDX-License-Identifier: GPL-2.0
/*
 * sonde profile: on-CPU stacks sampled at a fixed rate, counted and
 * symbolized (bcc profile, perf record -g + perf report, FlameGraph).
 */
#include <stdio.h>
#include <string.h>

#include "cmds.h"
#include "options.h"
#include "profile.h"
#include "sonde.h"
#include "stackagg.h"
#include "stackout.h"

static const char *const profile_usage[] = {
	"sonde profile [-F HZ] [-p PID] [-U | -K] [-I] [-d SECONDS] [--inline] [--folded | --svg FILE | --json]",
	NULL,
};

int cmd_profile(int argc, char **argv)
{
	struct profile_opts o = { .freq = 49 };
	struct stack_output out = {
		.unit = "samples", .events = "samples", .title = "On-CPU stacks",
	};
	bool user_only = false, kernel_only = false;
	struct profile_stats st = { 0 };
	const struct option opts[] = {
		{ OPT_UINT, 'F', "frequency", &o.freq, "HZ", "samples per second of CPU time (default 49)" },
		{ OPT_INT, 'p', "pid", &o.pid, "PID", "only this process (ends when it does)" },
		{ OPT_BOOL, 'U', "user-stacks-only", &user_only, NULL, "only user stacks" },
		{ OPT_BOOL, 'K', "kernel-stacks-only", &kernel_only, NULL, "only kernel stacks" },
		{ OPT_BOOL, 'I', "include-idle", &o.include_idle, NULL, "include the idle task's stacks" },
		{ OPT_DOUBLE, 'd', "duration", &o.duration, "SECONDS", "stop after SECONDS" },
		STACK_OUTPUT_OPTIONS(out),
		OPT_END_MARK(),
	};
	struct stackagg *agg;
	int status;

	argc = parse_options(argc, argv, opts, profile_usage, 0);
	if (argc > 0 && (argc > 1 || o.duration || parse_seconds(argv[0], &o.duration)))
		return usage_error("unexpected argument '%s'; the duration is -d SECONDS", argv[0]);
	if (user_only && kernel_only)
		return usage_error("-U and -K cannot be used together");
	if (!o.freq || o.freq > 100000)
		return usage_error("-F must be between 1 and 100000 Hz");
	if (o.pid < 0)
		return usage_error("-p must be a process id");
	if (o.duration < 0)
		return usage_error("-d must not be negative");
	if ((status = stack_output_check(&out)))
		return status;
	o.kernel = !user_only;
	o.user = !kernel_only;
	out.kernel = o.kernel;
	out.user = o.user;
	if (!(agg = stackagg_new()))
		return error("out of memory");
	status = profile_run(&o, agg, &st);
	if (!status) {
		struct stack_totals t = {
			.events = st.samples, .lost = st.lost, .dropped = st.dropped,
			.kmissed = st.kmissed, .umissed = st.umissed,
		};

		status = stack_output_write(&out, agg, &t);
	}
	stackagg_free(agg);
	return status;
}
