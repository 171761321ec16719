// SPDX-License-Identifier: GPL-2.0
/*
 * sonde snoop kill (killsnoop): signals sent with kill(2), tkill(2) and
 * tgkill(2), in bcc killsnoop's columns TIME PID COMM SIG TPID RESULT,
 * from the syscall tracepoints paired by thread.
 */
#include <stdlib.h>
#include <string.h>

#include "snoop.h"
#include "sonde.h"
#include "util.h"

enum {
	KILL_ENTER, TKILL_ENTER, TGKILL_ENTER,
	KILL_EXIT, TKILL_EXIT, TGKILL_EXIT,
	KILL__COUNT,
};

static const char *const syscall_names[] = { "kill", "tkill", "tgkill" };

/* Values: target, signal (tgkill: thread group first). */
static const struct snoop_probe kill_probes[KILL__COUNT] = {
	[KILL_ENTER] = { "t:syscalls:sys_enter_kill", "%d %d", "args->pid, args->sig" },
	[TKILL_ENTER] = { "t:syscalls:sys_enter_tkill", "%d %d", "args->pid, args->sig",
			  NULL, SNOOP_OPTIONAL },
	[TGKILL_ENTER] = { "t:syscalls:sys_enter_tgkill", "%d %d %d",
			   "args->pid, args->sig, args->tgid", NULL, SNOOP_OPTIONAL },
	/* an exit the kernel counts is one signal sent (include/loss.h) */
	[KILL_EXIT] = { "t:syscalls:sys_exit_kill", "%d", "args->ret", NULL, SNOOP_DEFINES },
	[TKILL_EXIT] = { "t:syscalls:sys_exit_tkill", "%d", "args->ret", NULL,
			 SNOOP_OPTIONAL | SNOOP_DEFINES },
	[TGKILL_EXIT] = { "t:syscalls:sys_exit_tgkill", "%d", "args->ret", NULL,
			  SNOOP_OPTIONAL | SNOOP_DEFINES },
};

struct kill_opts {
	bool failed_only;
	const char *signal;
	int sig;		/* -s's number, or -1 */
};

static void header(struct snoop *s)
{
	snoop_print_clock_header(s, 8, false);
	printf("%-7s %-16s %-4s %-7s %s\n", "PID", "COMM", "SIG", "TPID", "RESULT");
}

static void print_kill(struct snoop *s, const struct snoop_saved *in, long ret)
{
	/* pid_t arguments are recorded as unsigned longs: kill(-1, ...) */
	int tpid = (int)in->v[0], sig = (int)in->v[1];
	const char *name = snoop_signal_name(sig);

	if (g_opts.json) {
		snoop_json_begin(in->ts, in->pid, in->tid, in->comm);
		printf(",\"syscall\":\"%s\",\"signal\":%d,\"signal_name\":",
		       syscall_names[in->idx], sig);
		if (name)
			printf("\"SIG%s\"", name);
		else
			printf("null");
		printf(",\"tpid\":%d", tpid);
		if (in->idx == TGKILL_ENTER)
			printf(",\"tgid\":%d", (int)in->v[2]);
		printf(",\"result\":%ld}\n", ret);
		return;
	}
	snoop_print_clock(s, in->ts, 8, false);
	printf("%-7d %-16s %-4d %-7d %ld\n", in->pid, in->comm, sig, tpid, ret);
}

static void on_event(struct snoop *s, int idx, const struct tprobe_event *e)
{
	struct snoop_saved in;

	if (idx < KILL_EXIT) {
		struct kill_opts *o = s->ctx;

		/* -s here, not in the kernel: the exit of a signal declined
		 * pairs with its entry and is not lost */
		if (o->sig >= 0 && snoop_int(e, 1) != o->sig)
			snoop_stash_skip(s, idx, e);
		else
			snoop_stash_put(s, idx, e);
		return;
	}
	if (!snoop_stash_take_from(s, e->tid, idx - KILL_EXIT, &in))
		return;
	print_kill(s, &in, (long)snoop_int(e, 0));
	snoop_saved_free(&in);
}

static const char *const kill_usage[] = {
	"sonde snoop kill [-x] [-s SIGNAL] [-p PID] [-t | -T] [-d SECONDS]",
	"killsnoop [<options>]",
	NULL,
};

int snoop_kill(int argc, char **argv)
{
	struct kill_opts o = { .sig = -1 };
	struct snoop s = { .name = "kill", .event = on_event, .header = header, .ctx = &o };
	const struct option opts[] = {
		{ OPT_BOOL, 'x', "failed", &o.failed_only, NULL, "only failed signals" },
		{ OPT_STRING, 's', "signal", &o.signal, "SIGNAL",
		  "only this signal (number or name: 9, KILL, SIGKILL)" },
		SNOOP_OPTIONS(&s),
		OPT_END_MARK(),
	};
	struct snoop_probe probes[KILL__COUNT];

	argc = parse_options(argc, argv, opts, kill_usage, 0);
	if (argc > 0)
		return usage_error("unexpected argument '%s'", argv[0]);
	memcpy(probes, kill_probes, sizeof(probes));
	if (o.signal && (o.sig = snoop_signal_parse(o.signal)) < 0)
		return usage_error("'%s' is not a signal (a number, or a name such as TERM)", o.signal);
	if (o.failed_only)
		for (int i = KILL_EXIT; i < KILL__COUNT; i++)
			probes[i].filter = "args->ret < 0";
	s.probes = probes;
	s.nprobes = KILL__COUNT;
	return snoop_run(&s);
}
