// SPDX-License-Identifier: GPL-2.0
/*
 * sonde trace --syscalls: one line per syscall with decoded arguments,
 * result and duration, as perf trace and strace show them, at a fraction
 * of strace's cost; -s adds the per-syscall table.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "launch.h"
#include "options.h"
#include "runloop.h"
#include "sonde.h"
#include "syscalls.h"
#include "tfs.h"
#include "util.h"

struct sc_opts {
	bool syscalls, summary, summary_only, failed, wall;
	int pid;
	const char *expr;
	double min_ms, seconds;
	unsigned char *select;
	uint64_t start_ns;
	struct sc_table table;
	struct sc_summary *sum;
	struct sc_source *src;
	struct launch launch;
	bool launched;
	pid_t target;		/* the process traced (or 0: all) */
	bool target_gone;
	uint64_t next_check_ns;
};

static const char *const sc_usage[] = {
	"sonde trace --syscalls [-s | --summary-only] [-e NAME,...] [--failed] [--duration MS] [-T] [-d SECONDS] [-p PID | -- CMD [ARGS]]",
	NULL,
};

/* ---- output ---- */

static void print_time(const struct sc_opts *o, uint64_t ts)
{
	if (o->wall) {
		uint64_t real = mono_to_real_ns(ts);
		time_t t = real / 1000000000ull;
		struct tm tm;
		char buf[16];

		localtime_r(&t, &tm);
		strftime(buf, sizeof(buf), "%H:%M:%S", &tm);
		printf("%s.%06llu ", buf, (unsigned long long)(real % 1000000000ull) / 1000);
		return;
	}
	printf("%10.3f ", ((double)ts - (double)o->start_ns) / 1e6);
}

static void print_text(const struct sc_opts *o, const struct sc_event *e)
{
	char call[8192], ret[128];

	sc_format_call(e, call, sizeof(call));
	sc_format_ret(e, ret, sizeof(ret));
	print_time(o, e->ts);
	if (e->noreturn)
		printf("(%9s): ", "");
	else
		printf("(%6.3f ms): ", e->duration_ns / 1e6);
	printf("%s/%d %s = %s\n", e->comm, e->tid, call, ret);
}

/* A decoded value as JSON: numbers stay numbers, strings unescaped. */
static void json_value(const struct sc_event *e, int i)
{
	char val[2048];
	enum sc_shown how = sc_decode_arg(e, i, val, sizeof(val));
	const struct sc_arg *a = e->sc && !e->compat && i < e->sc->nargs ?
				 &e->sc->args[i] : NULL;

	if (how == SC_NUMBER) {
		fputs(val, stdout);
	} else if (how == SC_STRING && a && a->kind == SCA_STR && e->str[i]) {
		json_print_string(stdout, e->str[i]);
	} else if (how == SC_STRING && e->buf) {
		json_print_mem(stdout, (const char *)e->buf, e->buf_len);
	} else {
		json_print_string(stdout, val);
	}
}

static void print_json(const struct sc_opts *o, const struct sc_event *e)
{
	bool known = e->sc && !e->compat && e->sc->nargs >= 0;
	int nargs = known ? e->sc->nargs : SC_MAX_ARGS;
	char name[64], val[64];

	printf("{\"type\":\"syscall\",\"time_ms\":%.6f,\"ts_ns\":%llu,\"pid\":%d,\"tid\":%d,\"comm\":",
	       ((double)e->ts - (double)o->start_ns) / 1e6,
	       (unsigned long long)mono_to_real_ns(e->ts), e->pid, e->tid);
	json_print_string(stdout, e->comm);
	printf(",\"name\":");
	json_print_string(stdout, sc_event_name(e, name, sizeof(name)));
	printf(",\"nr\":%d,\"args\":{", e->nr);
	for (int i = 0, first = 1; i < nargs; i++) {
		if (sc_decode_arg(e, i, val, sizeof(val)) == SC_HIDDEN)
			continue;
		printf("%s", first ? "" : ",");
		first = 0;
		if (known)
			json_print_string(stdout, e->sc->args[i].name);
		else
			printf("\"arg%d\"", i);
		putchar(':');
		json_value(e, i);
	}
	printf("},\"raw\":{");
	for (int i = 0; i < nargs; i++) {
		printf("%s", i ? "," : "");
		if (known)
			json_print_string(stdout, e->sc->args[i].name);
		else
			printf("\"arg%d\"", i);
		printf(":%lld", (long long)(known ? sc_arg_value(e, i) : (int64_t)e->args[i]));
	}
	printf("}");
	if (e->noreturn) {
		printf(",\"ret\":null,\"errno\":null,\"duration_ns\":null}\n");
		return;
	}
	printf(",\"ret\":%lld,\"errno\":", (long long)e->ret);
	if (sc_is_error(e))
		printf("\"%s\"", sc_errno_name(-e->ret, val, sizeof(val)));
	else
		printf("null");
	printf(",\"duration_ns\":%llu}\n", (unsigned long long)e->duration_ns);
}

static void on_syscall(void *ctx, const struct sc_event *e)
{
	struct sc_opts *o = ctx;

	if (!sc_source_has_stats(o->src) && o->sum)
		sc_summary_add(o->sum, e->compat ? -1 : e->nr, sc_is_error(e),
			       !e->noreturn, e->duration_ns);
	if (o->summary_only)
		return;
	if (o->failed && !sc_is_error(e))
		return;
	if (o->min_ms > 0 && (e->noreturn || e->duration_ns < o->min_ms * 1e6))
		return;
	if (g_opts.json)
		print_json(o, e);
	else
		print_text(o, e);
}

/* ---- the traced process ---- */

static bool process_gone(pid_t pid)
{
	char path[64], buf[512], *p;

	if (kill(pid, 0) && errno == ESRCH)
		return true;
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if (read_text_file(path, buf, sizeof(buf)) < 0)
		return true;
	p = strrchr(buf, ')');
	return p && (p[2] == 'Z' || p[2] == 'X');
}

static int poll_source(void *ctx, int timeout_ms)
{
	struct sc_opts *o = ctx;
	int n = sc_source_poll(o->src, timeout_ms);
	uint64_t now = now_mono_ns();

	if (n < 0 && n != -EINTR)
		return n;
	if (now < o->next_check_ns)
		return n;
	o->next_check_ns = now + 50000000ull;
	if (o->launched ? launch_exited(&o->launch) :
	    o->target > 0 && process_gone(o->target)) {
		o->target_gone = true;
		return -ECHILD;		/* ends the run loop */
	}
	return n;
}

/* The thread group of pid (which may name a thread), or -errno. */
static int resolve_pid(int pid)
{
	char path[64], buf[2048], *p;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	if (read_text_file(path, buf, sizeof(buf)) < 0)
		return -ESRCH;
	p = strstr(buf, "\nTgid:");
	return p ? atoi(p + 6) : pid;
}

/* -e NAME,NAME / -e '!NAME,...' */
static int parse_expr(struct sc_opts *o)
{
	char *list = strdup(o->expr), *save = NULL;
	bool negate = o->expr[0] == '!';

	if (!o->expr[negate] || strspn(o->expr + negate, ",") == strlen(o->expr + negate))
		return usage_error("-e needs syscall names, e.g. -e openat,close or -e '!read'");
	o->select = calloc(SC_MAX_NR, 1);
	if (!list || !o->select)
		return error("out of memory");
	if (negate)
		memset(o->select, 1, SC_MAX_NR);
	for (char *tok = strtok_r(list + negate, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		const struct sc_info *si = sc_table_find(&o->table, tok);

		if (*tok == '!')
			si = sc_table_find(&o->table, ++tok);
		if (!si) {
			const char *best = NULL;
			int best_d = 3;

			for (int nr = 0; nr < SC_MAX_NR; nr++) {
				const struct sc_info *c = o->table.by_nr[nr];
				int d = c ? edit_distance(tok, c->name) : 99;

				if (d < best_d) {
					best_d = d;
					best = c->name;
				}
			}
			if (best)
				usage_error("unknown syscall '%s'; did you mean '%s'?", tok, best);
			else
				usage_error("unknown syscall '%s'", tok);
			free(list);
			return EXIT_USAGE;
		}
		if (si->nr < 0) {
			usage_error("no syscall number is known for '%s'", tok);
			free(list);
			return EXIT_USAGE;
		}
		o->select[si->nr] = !negate;
	}
	free(list);
	return 0;
}

static void print_summary(struct sc_opts *o, struct loss lost)
{
	if (o->sum && sc_source_has_stats(o->src))
		sc_source_stats(o->src, o->sum);
	if (g_opts.json) {
		printf("{\"type\":\"summary\",");
		loss_json(stdout, lost);
		if (o->sum) {
			putchar(',');
			sc_summary_json(stdout, o->sum, &o->table);
		}
		printf("}\n");
	} else if (o->sum) {
		sc_summary_print(stdout, o->sum, &o->table);
	}
	fflush(stdout);
	loss_warn(lost);
}

/* After a stop signal: the command got it too when it came from the
 * terminal; give it a moment to end so its status can be passed on. */
static void wait_briefly(struct sc_opts *o)
{
	struct timespec ts = { 0, 30000000 };

	/* the source returns at once now that a stop was asked for */
	for (int i = 0; i < 10 && !launch_exited(&o->launch); i++) {
		sc_source_poll(o->src, 0);
		nanosleep(&ts, NULL);
	}
}

int trace_syscalls(int argc, char **argv)
{
	struct sc_opts o = { 0 };
	const struct option opts[] = {
		{ OPT_BOOL, 0, "syscalls", &o.syscalls, NULL, "trace system calls (perf trace, strace)" },
		{ OPT_INT, 'p', "pid", &o.pid, "PID", "trace this process (all its threads, and the processes it starts)" },
		{ OPT_BOOL, 's', "summary", &o.summary, NULL, "print a per-syscall summary at the end" },
		{ OPT_BOOL, 0, "summary-only", &o.summary_only, NULL, "print only the summary" },
		{ OPT_STRING, 'e', "expr", &o.expr, "NAME,...", "only these syscalls ('!NAME,...': all but these)" },
		{ OPT_BOOL, 0, "failed", &o.failed, NULL, "only calls that failed" },
		{ OPT_DOUBLE, 0, "duration", &o.min_ms, "MS", "only calls that took at least MS milliseconds" },
		{ OPT_BOOL, 'T', "time", &o.wall, NULL, "print the wall-clock time instead of ms since the start" },
		{ OPT_DOUBLE, 'd', "seconds", &o.seconds, "SECONDS", "stop after SECONDS" },
		OPT_END_MARK(),
	};
	struct sc_filter f = { 0 };
	char **cmd = NULL, err[512], desc[300];
	int status, ret = 0, e;

	argc = parse_options(argc, argv, opts, sc_usage, PARSE_OPT_KEEP_DASHDASH);
	if (argc > 0 && !strcmp(argv[0], "--")) {
		if (argc < 2)
			return usage_error("'--' needs a command to run");
		cmd = argv + 1;
		argv[argc] = NULL;
	} else if (argc > 0) {
		return usage_error("unexpected argument '%s' (a command to trace goes after '--')",
				   argv[0]);
	}
	if (o.pid && cmd)
		return usage_error("-p and a command cannot be used together");
	if (o.pid < 0)
		return usage_error("bad pid %d", o.pid);
	if (o.min_ms < 0 || o.seconds < 0)
		return usage_error("--duration and -d take positive numbers");
	if (o.summary_only && (o.failed || o.min_ms > 0))
		return usage_error("--failed and --duration select lines; --summary-only prints none");
	if (o.pid > 0) {
		int tgid = resolve_pid(o.pid);

		if (tgid < 0)
			return usage_error("no such process %d", o.pid);
		o.target = tgid;
	}
	/* before the tables load: a missing command is 127 at once */
	if (cmd && (ret = launch_check_command(cmd[0])))
		return ret;
	if (sc_table_load(&o.table, NULL, err, sizeof(err)))
		return error("%s", err);
	if (o.expr && (ret = parse_expr(&o)))
		return ret;
	if (o.summary || o.summary_only) {
		o.sum = calloc(1, sizeof(*o.sum));
		if (!o.sum)
			return error("out of memory");
	}

	signals_install();
	tfs_sweep_stale(NULL);
	if (cmd) {
		if (launch_prepare(&o.launch, cmd, err, sizeof(err)) < 0)
			return error("%s", err);
		o.launched = true;
		o.target = o.launch.pid;
	}
	f = (struct sc_filter){
		.pid = o.target, .select = o.select, .events = !o.summary_only,
		.stats = o.sum != NULL, .failed_only = o.failed,
		.min_duration_ns = (uint64_t)(o.min_ms * 1e6),
	};
	o.start_ns = now_mono_ns();
	o.src = sc_source_open(&o.table, &f, g_opts.via, on_syscall, &o, err,
			       sizeof(err), &status);
	if (!o.src) {
		if (o.launched)
			launch_abort(&o.launch);
		tfs_teardown();
		if (strstr(err, "no such process"))
			return usage_error("%s", err);
		error("%s", err);
		return status;
	}
	if (cmd)
		snprintf(desc, sizeof(desc), "PID %d (%s)", o.target, cmd[0]);
	else if (o.target)
		snprintf(desc, sizeof(desc), "PID %d", o.target);
	else
		snprintf(desc, sizeof(desc), "all processes");
	fprintf(stderr, "Tracing syscalls of %s via %s. Ctrl-C to end.\n", desc,
		o.src->what);
	vinfo("strings: %s", o.src->strings);
	if (o.launched) {
		o.start_ns = now_mono_ns();
		if ((e = launch_release(&o.launch, err, sizeof(err)))) {
			sc_source_close(o.src);
			tfs_teardown();
			error("%s: %s", cmd[0], err);
			return e == -ENOENT ? 127 : 126;
		}
	}
	ret = runloop_run(poll_source, &o, o.seconds);
	if (signals_stop_requested() && o.launched)
		wait_briefly(&o);
	sc_source_finish(o.src);
	fflush(stdout);
	print_summary(&o, sc_source_loss(o.src));
	sc_source_close(o.src);
	tfs_teardown();
	if (ret && ret != -ECHILD)
		return error("reading events failed: %s", strerror(-ret));
	if (!o.launched)
		return EXIT_OK;
	if (!launch_exited(&o.launch)) {
		if (signals_stop_requested())
			return 128 + signals_last();
		/* -d ended the tracing; the command runs on: wait for it */
		while (waitpid(o.launch.pid, &o.launch.status, 0) < 0 && errno == EINTR)
			;
		o.launch.exited = true;
	}
	return launch_exit_code(&o.launch);
}
