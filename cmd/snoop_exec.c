// SPDX-License-Identifier: GPL-2.0
/*
 * sonde snoop exec (execsnoop): every exec, short-lived processes too,
 * in bcc execsnoop's columns: PCOMM PID PPID RET ARGS.
 */
#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "exec_source.h"
#include "loss.h"
#include "options.h"
#include "runloop.h"
#include "snoop.h"
#include "sonde.h"
#include "tfs.h"
#include "util.h"

struct exec_opts {
	bool failed_only, timestamp, time, quote, print_uid;
	const char *name, *line;
	int uid, ppid, pid, max_args;
	double duration;
	regex_t name_re, line_re;
	uint64_t start_ns;
	struct exec_source *src;
};

static const char *const exec_usage[] = {
	"sonde snoop exec [-x] [-t | -T] [-U] [-u UID] [-p PID] [-P PPID] [-n NAME] [-l LINE] [-q] [--max-args N] [-d SECONDS]",
	"execsnoop [<options>]",
	NULL,
};

/* Joins the NUL-separated args with spaces, optionally quoted. */
static void format_args(const struct exec_opts *o, const struct exec_event *e,
			char *buf, size_t size)
{
	const char *a = e->args, *end = e->args + e->args_len;
	size_t n = 0;

	buf[0] = '\0';
	for (int i = 0; i < e->args_count && a < end && n + 4 < size; i++) {
		size_t len = strnlen(a, end - a);

		n += snprintf(buf + n, size - n, "%s%s%.*s%s", i ? " " : "",
			      o->quote ? "\"" : "", (int)len, a,
			      o->quote ? "\"" : "");
		a += len + 1;
	}
	if (e->args_truncated && n + 4 < size)
		snprintf(buf + n, size - n, " ...");
	if (n >= size)
		buf[size - 1] = '\0';
}

static void print_json(const struct exec_opts *o, const struct exec_event *e)
{
	const char *a = e->args, *end = e->args + e->args_len;

	printf("{\"time_ns\":%llu,\"pcomm\":", (unsigned long long)mono_to_real_ns(e->ts));
	json_print_string(stdout, e->comm);
	printf(",\"pid\":%d,\"ppid\":%d,\"uid\":", e->pid, e->ppid);
	if (e->uid == (uid_t)-1)
		printf("null");
	else
		printf("%u", e->uid);
	printf(",\"ret\":%d,\"args\":[", e->retval);
	for (int i = 0; i < e->args_count && a < end; i++) {
		size_t len = strnlen(a, end - a);

		if (i)
			putchar(',');
		json_print_mem(stdout, a, len);
		a += len + 1;
	}
	printf("],\"args_truncated\":%s", e->args_truncated ? "true" : "false");
	if (e->args_unavailable)
		printf(",\"args_unavailable\":true");
	printf("}\n");
}

static void on_exec(void *ctx, const struct exec_event *e)
{
	struct exec_opts *o = ctx;
	char args[8192];

	if (o->failed_only && e->retval >= 0)
		return;
	if (o->uid >= 0 && e->uid != (uid_t)o->uid)
		return;
	if (o->pid > 0 && e->pid != o->pid)
		return;
	if (o->ppid > 0 && e->ppid != o->ppid)
		return;
	format_args(o, e, args, sizeof(args));
	if (o->name && regexec(&o->name_re, e->comm, 0, NULL, 0) &&
	    regexec(&o->name_re, args, 0, NULL, 0))
		return;
	if (o->line && regexec(&o->line_re, args, 0, NULL, 0))
		return;
	if (g_opts.json) {
		print_json(o, e);
		return;
	}
	if (o->time) {
		time_t t = mono_to_real_ns(e->ts) / 1000000000ull;
		struct tm tm;
		char buf[16];

		localtime_r(&t, &tm);
		strftime(buf, sizeof(buf), "%H:%M:%S", &tm);
		printf("%-9s", buf);
	}
	if (o->timestamp)
		printf("%-8.3f ", (double)(e->ts - o->start_ns) / 1e9);
	if (o->print_uid && e->uid == (uid_t)-1)
		printf("%-6s ", "-");
	else if (o->print_uid)
		printf("%-6u ", e->uid);
	printf("%-16s %-7d %-7d %3d %s\n", e->comm, e->pid, e->ppid,
	       e->retval, e->args_unavailable ? "[args unavailable]" : args);
}

static int poll_source(void *ctx, int timeout_ms)
{
	return exec_source_poll(ctx, timeout_ms);
}

static int compile(regex_t *re, const char *pattern, const char *opt)
{
	if (regcomp(re, pattern, REG_EXTENDED | REG_NOSUB))
		return usage_error("bad regular expression '%s' for %s", pattern, opt);
	return 0;
}

int snoop_exec(int argc, char **argv)
{
	struct exec_opts o = { .uid = -1, .max_args = 20 };
	const struct option opts[] = {
		{ OPT_BOOL, 'x', "fails", &o.failed_only, NULL, "only failed execs" },
		{ OPT_BOOL, 't', "timestamp", &o.timestamp, NULL, "print seconds since tracing started" },
		{ OPT_BOOL, 'T', "time", &o.time, NULL, "print the wall-clock time (HH:MM:SS)" },
		{ OPT_BOOL, 'U', "print-uid", &o.print_uid, NULL, "print a UID column" },
		{ OPT_INT, 'u', "uid", &o.uid, "UID", "only this user ID" },
		{ OPT_INT, 'p', "pid", &o.pid, "PID", "only execs by this process (it keeps its PID across exec)" },
		{ OPT_INT, 'P', "ppid", &o.ppid, "PPID", "only children of this parent PID" },
		{ OPT_STRING, 'n', "name", &o.name, "NAME", "only commands whose name or arguments match this regex" },
		{ OPT_STRING, 'l', "line", &o.line, "LINE", "only commands whose arguments match this regex" },
		{ OPT_BOOL, 'q', "quote", &o.quote, NULL, "put quotes around each argument" },
		{ OPT_INT, 0, "max-args", &o.max_args, "N", "read at most N arguments (default 20)" },
		{ OPT_DOUBLE, 'd', "duration", &o.duration, "SECONDS", "stop after SECONDS" },
		OPT_END_MARK(),
	};
	struct exec_filter f;
	char err[512];
	int status, ret;

	argc = parse_options(argc, argv, opts, exec_usage, 0);
	if (argc > 0)
		return usage_error("unexpected argument '%s'", argv[0]);
	if (o.max_args < 1 || o.max_args > 60)
		return usage_error("--max-args must be between 1 and 60, not %d", o.max_args);
	if (o.time && o.timestamp)
		return usage_error("-t and -T cannot be used together");
	if (check_pid_exists(o.pid))
		return EXIT_USAGE;
	if ((o.name && compile(&o.name_re, o.name, "-n")) ||
	    (o.line && compile(&o.line_re, o.line, "-l")))
		return EXIT_USAGE;

	f = (struct exec_filter){ .failed_only = o.failed_only, .uid = o.uid,
				  .max_args = o.max_args };
	signals_install();
	tfs_sweep_stale(NULL);
	o.src = exec_source_open(&f, g_opts.via, on_exec, &o, err, sizeof(err), &status);
	if (!o.src) {
		error("%s", err);
		tfs_teardown();
		return status;
	}
	o.start_ns = now_mono_ns();
	fprintf(stderr, "Tracing exec via %s. Ctrl-C to end.\n", o.src->what);
	if (!g_opts.json) {
		if (o.time)
			printf("%-9s", "TIME");
		if (o.timestamp)
			printf("%-8s ", "TIME(s)");
		if (o.print_uid)
			printf("%-6s ", "UID");
		printf("%-16s %-7s %-7s %3s %s\n", "PCOMM", "PID", "PPID", "RET", "ARGS");
	}
	ret = runloop_run(poll_source, o.src, o.duration);
	/* Deliver what is already buffered so nothing seen is dropped. */
	exec_source_finish(o.src);
	fflush(stdout);
	struct loss lost = exec_source_loss(o.src);

	/* filters applied here may have declined what was lost: a bound */
	if (lost.lost && (o.pid > 0 || o.ppid > 0 || o.name || o.line))
		lost.exact = false;
	loss_report(lost);
	fflush(stdout);
	exec_source_close(o.src);
	tfs_teardown();
	if (ret)
		return error("reading events failed: %s", strerror(-ret));
	return 0;
}
