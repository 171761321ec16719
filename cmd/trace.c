// SPDX-License-Identifier: GPL-2.0
/*
 * sonde trace PROBE...: one line per event (bcc trace, perf probe +
 * perf script); sonde trace --syscalls: the strace view (cmd/trace_syscalls.c).
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "cmds.h"
#include "launch.h"
#include "options.h"
#include "sonde.h"
#include "syscalls.h"
#include "trace_session.h"

static const char *const trace_usage[] = {
	"sonde trace [-T | -t] [-K] [-U] [-p PID] [--tid TID] [--comm NAME] [-M MAX] [-d SECONDS] [-x BINARY] PROBE... [-- CMD [ARGS]]",
	"sonde trace --syscalls [-s] [-p PID] [-- CMD [ARGS]]   (see --syscalls -h)",
	NULL,
};

static bool wants_syscalls(int argc, char **argv)
{
	for (int i = 1; i < argc && strcmp(argv[i], "--"); i++)
		if (!strcmp(argv[i], "--syscalls"))
			return true;
	return false;
}

int cmd_trace(int argc, char **argv)
{
	struct trace_opts o = { 0 };
	const char *binary = NULL;
	bool syscalls = false;
	int max = 0, nprobes = 0, dashdash = -1, status;
	const struct option opts[] = {
		{ OPT_BOOL, 'T', "time", &o.time_wall, NULL, "print the wall-clock time (HH:MM:SS.us)" },
		{ OPT_BOOL, 't', "timestamp", &o.time_rel, NULL, "print seconds since tracing started" },
		{ OPT_INT, 'p', "pid", &o.pid, "PID", "only this process" },
		{ OPT_INT, 0, "tid", &o.tid, "TID", "only this thread" },
		{ OPT_STRING, 0, "comm", &o.comm, "NAME", "only tasks with this name" },
		{ OPT_INT, 'M', "max-events", &max, "MAX", "stop after MAX events" },
		{ OPT_DOUBLE, 'd', "duration", &o.duration, "SECONDS", "stop after SECONDS" },
		{ OPT_BOOL, 'K', "kernel-stack", &o.kstack, NULL, "print the kernel stack of each event" },
		{ OPT_BOOL, 'U', "user-stack", &o.ustack, NULL, "print the user stack of each event" },
		{ OPT_STRING, 'x', "exec", &binary, "BINARY", "user functions are in BINARY (perf probe -x)" },
		{ OPT_BOOL, 0, "syscalls", &syscalls, NULL, "trace system calls like strace (see --syscalls -h)" },
		OPT_END_MARK(),
	};
	struct launch launch;
	struct tprobe *probes;
	char err[1024];

	if (wants_syscalls(argc, argv))
		return trace_syscalls(argc, argv);
	argc = parse_options(argc, argv, opts, trace_usage, PARSE_OPT_KEEP_DASHDASH);
	for (int i = 0; i < argc; i++)
		if (!strcmp(argv[i], "--")) {
			dashdash = i;
			break;
		}
	nprobes = dashdash >= 0 ? dashdash : argc;
	if (!nprobes)
		return usage_error("no probe given; e.g. sonde trace 'do_sys_openat2 \"%%s\", arg2'");
	if (dashdash >= 0 && dashdash + 1 >= argc)
		return usage_error("no command after '--'");
	if (dashdash >= 0 && o.pid)
		return usage_error("-p and '-- CMD' cannot be used together");
	if (o.time_wall && o.time_rel)
		return usage_error("-T and -t cannot be used together");
	if (max < 0)
		return usage_error("-M must not be negative");
	if (o.comm && strlen(o.comm) > 15)
		return usage_error("--comm '%.20s...' can never match: the kernel keeps 15 characters of a task's name",
				   o.comm);
	if (check_pid_exists(o.pid))
		return EXIT_USAGE;
	o.max_events = max;

	probes = calloc(nprobes, sizeof(*probes));
	for (int i = 0; i < nprobes; i++) {
		status = tprobe_init(&probes[i], argv[i], binary, err, sizeof(err));
		if (status) {
			status == EXIT_USAGE ? usage_error("%s", err) : error("%s", err);
			goto out;
		}
	}
	if (dashdash >= 0) {
		if ((status = launch_start(&launch, argv + dashdash + 1)))
			goto out;
		o.launch = &launch;
	}
	status = trace_session_run(probes, nprobes, &o);
out:
	for (int i = 0; i < nprobes; i++)
		tprobe_free(&probes[i]);
	free(probes);
	return status;
}
