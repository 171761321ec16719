// SPDX-License-Identifier: GPL-2.0
/* Messages, global options and signal flags shared by every command. */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <string.h>

#include "plan.h"
#include "sonde.h"

struct global_opts g_opts;
const char *g_cmd_name = "sonde";

static const char *const mech_names[] = {
	[MECH_AUTO] = "auto",
	[MECH_BPF] = "bpf",
	[MECH_TRACEFS] = "tracefs",
	[MECH_PERF] = "perf",
};

const char *mechanism_name(enum mechanism m)
{
	return mech_names[m];
}

int mechanism_parse(const char *s, enum mechanism *out)
{
	for (size_t i = 0; i < sizeof(mech_names) / sizeof(mech_names[0]); i++)
		if (!strcmp(s, mech_names[i])) {
			*out = i;
			return 0;
		}
	return -1;
}

static void vmsg(const char *prefix, const char *fmt, va_list ap)
{
	fflush(stdout);
	fprintf(stderr, "%s: %s", g_cmd_name, prefix);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void vinfo(const char *fmt, ...)
{
	va_list ap;

	if (!g_opts.verbose)
		return;
	va_start(ap, fmt);
	vmsg("", fmt, ap);
	va_end(ap);
}

void warning(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg("warning: ", fmt, ap);
	va_end(ap);
}

int error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg("error: ", fmt, ap);
	va_end(ap);
	return EXIT_FAIL;
}

int usage_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg("", fmt, ap);
	va_end(ap);
	return EXIT_USAGE;
}

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
}

int check_pid_exists(int pid)
{
	if (pid < 0)
		return usage_error("-p needs a process ID, not %d", pid);
	if (pid > 0 && kill(pid, 0) && errno == ESRCH)
		return usage_error("no such process %d", pid);
	return 0;
}

void signals_install(void)
{
	/* Installed unconditionally: a non-interactive shell starts
	 * background jobs with SIGINT ignored, and `kill -INT` must still
	 * stop sonde cleanly. No SA_RESTART so blocking calls return. */
	struct sigaction sa = { .sa_handler = on_signal };
	int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGPIPE };

	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
}

static void stop_set(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGHUP);
	sigaddset(set, SIGPIPE);
}

void signals_hold(sigset_t *old)
{
	sigset_t set;

	stop_set(&set);
	sigprocmask(SIG_BLOCK, &set, old);
}

void signals_release(const sigset_t *old)
{
	sigprocmask(SIG_SETMASK, old, NULL);
}

void signals_request_stop(void)
{
	if (!stop_signal)
		stop_signal = -1;	/* no signal: the work is done */
}

bool signals_stop_requested(void)
{
	return stop_signal != 0;
}

int signals_last(void)
{
	return stop_signal;
}

void plan_explain(const struct plan *p, const char *what)
{
	if (!g_opts.verbose)
		return;
	vinfo("%s: %s", what ? what : probe_kind_name(p->kind), rung_name(p->rung));
	for (const char *l = p->reason; *l; ) {
		const char *nl = strchr(l, '\n');
		int len = nl ? (int)(nl - l) : (int)strlen(l);

		if (len)
			vinfo("  rejected %.*s", len, l);
		l += len + (nl ? 1 : 0);
	}
}
