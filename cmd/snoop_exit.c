// SPDX-License-Identifier: GPL-2.0
/*
 * sonde snoop exit (exitsnoop): every process exit, in bcc exitsnoop's
 * columns PCOMM PID PPID TID AGE(s) EXIT_CODE.
 *
 * sched:sched_process_exit says who exits but not why, and tracefs cannot
 * read the task struct, so the reason is put together from the events
 * that cause an exit, the same way on every mechanism: exit_group(2) and
 * exit(2) give the status; signal:signal_deliver of a signal whose action
 * is the default and whose default kills gives the signal. The kernel
 * turns such a signal into SIGKILL for every thread when it is queued
 * (complete_signal()), so a delivered SIGKILL stands for the last killing
 * signal signal:signal_generate queued for the process. A process's
 * parent and start time come from task:task_newtask, or from /proc for
 * what ran before tracing started. Whether a core was dumped is in no
 * exit event either, but the SIGCHLD the dying process sends its parent
 * says it (si_code CLD_DUMPED, signal:signal_generate in the child's
 * context, fired even when the parent ignores SIGCHLD by default); it
 * comes after sched_process_exit, so the exit of a process killed by a
 * signal that dumps core waits for it (at most CORE_WAIT_NS).
 */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "snoop.h"
#include "sonde.h"
#include "util.h"

#define CLONE_PARENT_FLAG	0x00008000
#define CLONE_THREAD_FLAG	0x00010000
#define SIGKILL_NR		9
#define TASK_SLOTS		65536	/* power of two; overwritten on collision */
#define SIGCHLD_NR		17
#define CLD_DUMPED_CODE		3
#define PENDING_SLOTS		64
#define CORE_WAIT_NS		(500 * 1000000ull)

enum {
	EXIT_EXIT, EXIT_GROUP, EXIT_THREAD, EXIT_SIGNAL, EXIT_SENT, EXIT_NEWTASK,
	EXIT_CHILD, EXIT__COUNT,
};

static const struct snoop_probe exit_probes[EXIT__COUNT] = {
	[EXIT_EXIT] = { "t:sched:sched_process_exit", "%d", "args->pid" },
	[EXIT_GROUP] = { "t:syscalls:sys_enter_exit_group", "%d", "args->error_code",
			 NULL, SNOOP_OPTIONAL },
	[EXIT_THREAD] = { "t:syscalls:sys_enter_exit", "%d", "args->error_code",
			  NULL, SNOOP_OPTIONAL },
	/* a handler of 0 is SIG_DFL */
	[EXIT_SIGNAL] = { "t:signal:signal_deliver", "%d", "args->sig",
			  "args->sa_handler == 0", SNOOP_OPTIONAL },
	/* sent and queued (result 0): sent from any process, -p is the target */
	[EXIT_SENT] = { "t:signal:signal_generate", "%d %d", "args->sig, args->pid",
			"args->result == 0", SNOOP_OPTIONAL | SNOOP_ANY_PID },
	[EXIT_NEWTASK] = { "t:task:task_newtask", "%d %d", "args->pid, args->clone_flags",
			   NULL, SNOOP_OPTIONAL },
	/* the exiting task's SIGCHLD to its parent: si_code says core or not */
	[EXIT_CHILD] = { "t:signal:signal_generate", "%d %d", "args->code, args->pid",
			 "args->sig == 17", SNOOP_OPTIONAL },
};

struct task_info {
	int tid, tgid, ppid;
	uint64_t start_ns;	/* CLOCK_MONOTONIC, 0 unknown */
	/* the thread group's exit cause, kept in the leader's entry */
	int status, sig, sent;
	bool has_status, has_sig;
	/* exit(2) of this thread */
	int thread_status;
	bool has_thread_status;
};

/* An exit, as printed; held while its core flag is not known. */
struct exit_rec {
	bool used;
	uint64_t ts, arrival;
	int tgid, tid;
	char comm[16];
	struct task_info t, g;
	bool has_t, has_g, core;
};

struct exit_opts {
	bool failed_only, per_thread;
	struct task_info *tasks;
	struct exit_rec pending[PENDING_SLOTS];
};

static struct task_info *task(struct exit_opts *o, int tid, bool create)
{
	struct task_info *t = &o->tasks[(unsigned int)tid & (TASK_SLOTS - 1)];

	if (t->tid == tid)
		return t;
	if (!create)
		return NULL;
	*t = (struct task_info){ .tid = tid, .tgid = tid };
	return t;
}

/* ---- what ran before tracing: /proc ---- */

/* CLOCK_BOOTTIME minus CLOCK_MONOTONIC: /proc start times are boot time */
static uint64_t boot_offset_ns(void)
{
	struct timespec b;

	clock_gettime(CLOCK_BOOTTIME, &b);
	return (uint64_t)b.tv_sec * 1000000000ull + b.tv_nsec - now_mono_ns();
}

static void note_proc_task(struct exit_opts *o, int tgid, int tid, uint64_t off,
			   long hz)
{
	char path[96], buf[1024], *p;
	unsigned long long start = 0;
	int ppid = 0;
	struct task_info *t;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", tgid, tid);
	if (read_text_file(path, buf, sizeof(buf)) < 0 || !(p = strrchr(buf, ')')))
		return;
	/* after "(comm)": state ppid ... field 22 starttime */
	if (sscanf(p + 2, "%*c %d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %*d %*d %llu",
		   &ppid, &start) != 2)
		return;
	t = task(o, tid, true);
	t->tgid = tgid;
	t->ppid = ppid;
	t->start_ns = start * (1000000000ull / hz) > off ? start * (1000000000ull / hz) - off : 0;
}

static void snapshot_proc(struct exit_opts *o)
{
	long hz = sysconf(_SC_CLK_TCK);
	uint64_t off = boot_offset_ns();
	DIR *d = opendir("/proc"), *td;
	struct dirent *de, *te;
	char path[64];

	if (!d)
		return;
	if (hz <= 0)
		hz = 100;
	while ((de = readdir(d))) {
		int tgid = atoi(de->d_name);

		if (tgid <= 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task", tgid);
		if (!(td = opendir(path)))
			continue;
		while ((te = readdir(td)))
			if (atoi(te->d_name) > 0)
				note_proc_task(o, tgid, atoi(te->d_name), off, hz);
		closedir(td);
	}
	closedir(d);
}

/* ---- events ---- */

/* Does the default action of sig end the process? */
static bool kills_by_default(int sig)
{
	switch (sig) {
	case 17: case 18: case 19: case 20: case 21: case 22: case 23: case 28:
		return false;	/* CHLD CONT STOP TSTP TTIN TTOU URG WINCH */
	default:
		return sig > 0;
	}
}

static void new_task(struct exit_opts *o, const struct tprobe_event *e)
{
	int child = (int)snoop_int(e, 0);
	uint64_t flags = (uint64_t)snoop_int(e, 1);
	struct task_info *parent = task(o, e->tid, false), *t;
	int parent_ppid = parent ? parent->ppid : 0;

	t = task(o, child, true);
	*t = (struct task_info){ .tid = child, .start_ns = e->ts };
	t->tgid = flags & CLONE_THREAD_FLAG ? e->pid : child;
	t->ppid = flags & (CLONE_THREAD_FLAG | CLONE_PARENT_FLAG) ? parent_ppid : e->pid;
}

static void exit_code_text(const struct exit_rec *r, char *buf, size_t size)
{
	const struct task_info *g = r->has_g ? &r->g : NULL;
	const struct task_info *t = r->has_t ? &r->t : NULL;

	if (g && g->has_status)
		snprintf(buf, size, g->status ? "code %d" : "0", g->status);
	else if (t && t->has_thread_status)
		snprintf(buf, size, t->thread_status ? "code %d" : "0", t->thread_status);
	else if (g && g->has_sig)
		snprintf(buf, size, "signal %d (%s)%s", g->sig,
			 snoop_signal_name(g->sig) ? snoop_signal_name(g->sig) : "?",
			 r->core ? ", core dumped" : "");
	else
		snprintf(buf, size, "?");
}

static bool by_status(const struct exit_rec *r, int *status)
{
	if (r->has_g && r->g.has_status)
		*status = r->g.status;
	else if (r->has_t && r->t.has_thread_status)
		*status = r->t.thread_status;
	else
		return false;
	return true;
}

static void print_json(const struct exit_rec *r, bool by_st, int status,
		       bool by_sig, const char *code)
{
	snoop_json_begin(r->ts, r->tgid, r->tid, r->comm);
	printf(",\"ppid\":%d,\"age_ns\":", r->has_t ? r->t.ppid : 0);
	if (r->has_t && r->t.start_ns && r->ts > r->t.start_ns)
		printf("%llu", (unsigned long long)(r->ts - r->t.start_ns));
	else
		printf("null");
	if (by_st)
		printf(",\"exit_status\":%d,\"signal\":null", status);
	else if (by_sig)
		printf(",\"exit_status\":null,\"signal\":%d", r->g.sig);
	else
		printf(",\"exit_status\":null,\"signal\":null");
	printf(",\"core\":%s,\"exit_code\":", r->core ? "true" : "false");
	json_print_string(stdout, code);
	printf("}\n");
}

static void print_exit(struct snoop *s, const struct exit_rec *r)
{
	struct exit_opts *o = s->ctx;
	int status = 0;
	bool by_st = by_status(r, &status);
	bool by_sig = !by_st && r->has_g && r->g.has_sig;
	char code[64];

	if (o->failed_only && !by_sig && (!by_st || !status))
		return;
	exit_code_text(r, code, sizeof(code));
	if (g_opts.json) {
		print_json(r, by_st, status, by_sig, code);
		return;
	}
	snoop_print_time(s, r->ts);
	printf("%-16s %-7d %-7d %-7d ", r->comm, r->tgid, r->has_t ? r->t.ppid : 0, r->tid);
	if (r->has_t && r->t.start_ns && r->ts > r->t.start_ns)
		printf("%-7.2f ", (r->ts - r->t.start_ns) / 1e9);
	else
		printf("%-7s ", "-");
	printf("%s\n", code);
}

/* tracefs learns the thread group from /proc, which a finished thread
 * has left by the time its event is read: what task_newtask or /proc told
 * us before wins */
static int tgid_of(struct exit_opts *o, const struct tprobe_event *e)
{
	struct task_info *t = task(o, e->tid, false);

	return t ? t->tgid : e->pid;
}

/* Default action "terminate and dump core" (signal(7)). */
static bool dumps_core(int sig)
{
	switch (sig) {
	case 3: case 4: case 5: case 6: case 7: case 8: case 11:
	case 24: case 25: case 31:
		return true;	/* QUIT ILL TRAP ABRT BUS FPE SEGV XCPU XFSZ SYS */
	default:
		return false;
	}
}

/* Print the held exits of process tgid (or pid2: tracefs may not know the
 * sender's thread group any more), with core and the parent its SIGCHLD
 * went to (ppid, 0: none), and those waited for long enough (all: every
 * one). */
static void flush_pending(struct snoop *s, int tgid, int pid2, bool core,
			  int ppid, bool all)
{
	struct exit_opts *o = s->ctx;
	uint64_t now = now_mono_ns();

	for (int i = 0; i < PENDING_SLOTS; i++) {
		struct exit_rec *r = &o->pending[i];

		bool mine = tgid && (r->tgid == tgid || r->tgid == pid2);

		if (!r->used || (!mine && !all && r->arrival + CORE_WAIT_NS > now))
			continue;
		r->core = mine && core;
		/* the parent at exit time, even when the task's creation
		 * was not seen (or it was reparented since) */
		if (mine && ppid > 0) {
			if (!r->has_t)
				r->t = (struct task_info){ .tid = r->tid, .tgid = r->tgid };
			r->t.ppid = ppid;
			r->has_t = true;
		}
		print_exit(s, r);
		r->used = false;
	}
}

/* Keep r until its SIGCHLD tells whether it dumped core. */
static void hold_exit(struct snoop *s, const struct exit_rec *r)
{
	struct exit_opts *o = s->ctx;
	int oldest = 0;

	for (int i = 0; i < PENDING_SLOTS; i++) {
		if (!o->pending[i].used) {
			o->pending[i] = *r;
			return;
		}
		if (o->pending[i].ts < o->pending[oldest].ts)
			oldest = i;
	}
	print_exit(s, &o->pending[oldest]);
	o->pending[oldest] = *r;
}

static void on_exit_event(struct snoop *s, const struct tprobe_event *e)
{
	struct exit_opts *o = s->ctx;
	struct task_info *t = task(o, e->tid, false), *g;
	int tgid = tgid_of(o, e), status;
	struct exit_rec r = { .used = true, .ts = e->ts, .arrival = now_mono_ns(),
			      .tgid = tgid, .tid = e->tid };

	g = task(o, tgid, false);
	snprintf(r.comm, sizeof(r.comm), "%s", e->comm ? e->comm : "?");
	if (t) {
		r.t = *t;
		r.has_t = true;
	}
	if (g) {
		r.g = *g;
		r.has_g = true;
	}
	if (o->per_thread || e->tid == tgid) {
		if (e->tid == tgid && !by_status(&r, &status) && r.has_g &&
		    r.g.has_sig && dumps_core(r.g.sig))
			hold_exit(s, &r);
		else
			print_exit(s, &r);
	}
	if (t)
		t->tid = 0;
	if (g && e->tid == tgid)
		g->tid = 0;
}

static void on_event(struct snoop *s, int idx, const struct tprobe_event *e)
{
	struct exit_opts *o = s->ctx;
	struct task_info *t;
	int sig;

	switch (idx) {
	case EXIT_NEWTASK:
		new_task(o, e);
		break;
	case EXIT_GROUP:
		t = task(o, tgid_of(o, e), true);
		t->status = (int)snoop_int(e, 0) & 0xff;
		t->has_status = true;
		break;
	case EXIT_THREAD:
		t = task(o, e->tid, true);
		t->thread_status = (int)snoop_int(e, 0) & 0xff;
		t->has_thread_status = true;
		break;
	case EXIT_SENT:
		if (!kills_by_default((int)snoop_int(e, 0)))
			break;
		t = task(o, (int)snoop_int(e, 1), false);
		t = task(o, t ? t->tgid : (int)snoop_int(e, 1), true);
		t->sent = (int)snoop_int(e, 0);
		break;
	case EXIT_SIGNAL:
		sig = (int)snoop_int(e, 0);
		if (!kills_by_default(sig))
			break;
		t = task(o, tgid_of(o, e), true);
		if (sig == SIGKILL_NR && t->sent)
			sig = t->sent;
		if (!t->has_sig) {	/* the first one; the others are its echo */
			t->sig = sig;
			t->has_sig = true;
		}
		break;
	case EXIT_EXIT:
		on_exit_event(s, e);
		break;
	case EXIT_CHILD:	/* sent to the parent's thread: its group is the PPID */
		t = task(o, (int)snoop_int(e, 1), false);
		flush_pending(s, tgid_of(o, e), e->tid,
			      snoop_int(e, 0) == CLD_DUMPED_CODE,
			      t ? t->tgid : (int)snoop_int(e, 1), false);
		break;
	}
}

static void started(struct snoop *s)
{
	snapshot_proc(s->ctx);
}

/* exits whose SIGCHLD did not come (the parent ignores SIGCHLD) */
static void tick(struct snoop *s, bool last)
{
	flush_pending(s, 0, 0, false, 0, last);
}

static void header(struct snoop *s)
{
	snoop_print_time_header(s);
	printf("%-16s %-7s %-7s %-7s %-7s %s\n", "PCOMM", "PID", "PPID", "TID", "AGE(s)",
	       "EXIT_CODE");
}

static const char *const exit_usage[] = {
	"sonde snoop exit [-x] [--per-thread] [-p PID] [-t | -T] [-d SECONDS]",
	"exitsnoop [<options>]",
	NULL,
};

int snoop_exit(int argc, char **argv)
{
	struct exit_opts o = { 0 };
	struct snoop s = { .name = "exit", .event = on_event, .header = header,
			   .started = started, .tick = tick, .ctx = &o,
			   .probes = exit_probes, .nprobes = EXIT__COUNT };
	const struct option opts[] = {
		{ OPT_BOOL, 'x', "failed", &o.failed_only, NULL,
		  "only exits with a non-zero status or by a signal" },
		{ OPT_BOOL, 0, "per-thread", &o.per_thread, NULL,
		  "every thread's exit, not only processes'" },
		SNOOP_OPTIONS(&s),
		OPT_END_MARK(),
	};
	int status;

	argc = parse_options(argc, argv, opts, exit_usage, 0);
	if (argc > 0)
		return usage_error("unexpected argument '%s'", argv[0]);
	o.tasks = calloc(TASK_SLOTS, sizeof(*o.tasks));
	if (!o.tasks)
		return error("out of memory");
	status = snoop_run(&s);
	free(o.tasks);
	return status;
}
