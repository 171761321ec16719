// SPDX-License-Identifier: GPL-2.0
/*
 * exec events without BPF: tracefs events in sonde's private instance,
 * read from its raw buffers or through perf_event_open (lib/evstream.c).
 *
 *   result     syscalls:sys_{enter,exit}_execve(at)
 *   arguments  an event probe on sys_enter_execve(at) reading argv[i]
 *              (kernels with event probes, 5.15+, tracefs only); else a
 *              kprobe on the syscall doing the same; else a uprobe on the
 *              dynamic loader's entry point reading argv from the new
 *              process's stack (every dynamically linked program starts
 *              there); else /proc/PID/cmdline, which a short-lived process
 *              may have left already: ARGS then says so
 *   new comm   sched:sched_process_exec (the file's basename, as the
 *              kernel names the task)
 *   PPID       sched:sched_process_fork, else /proc
 *
 * The records of one exec can arrive out of order when the task migrated
 * between CPUs (sched_exec) and the per-CPU buffers were read in between,
 * so each exec is assembled in a small per-pid table and completed when
 * its entry, its exit and (for a successful exec) its arguments are in,
 * or when the arguments cannot come any more (a static program never runs
 * the loader).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <traceevent/event-parse.h>

#include "elf_util.h"
#include "evstream.h"
#include "exec_source.h"
#include "kernel_facts.h"
#include "tfs.h"
#include "util.h"

#define PENDING_SLOTS	4096
#define ARGS_MAX_BYTES	8192
#define ARGS_WAIT_NS	300000000ull	/* wait for the loader's uprobe */

enum args_source { ARGS_EPROBE, ARGS_KPROBE, ARGS_LOADER, ARGS_PROC };

static const char *const syscalls_[2] = { "execve", "execveat" };

struct pending_exec {
	pid_t pid;		/* 0: free slot */
	bool entered, exited, have_args;
	uint64_t seen_ns;	/* when the exit was read */
	struct exec_event e;
	char comm_before[16];	/* the caller's comm, for failed execs */
	char comm_after[16];	/* from sched_process_exec */
	char args[ARGS_MAX_BYTES];
};

struct exec_trace {
	struct exec_source src;
	struct evstream *stream;
	enum args_source args_from;
	bool has_args_event[2];	/* execve, execveat have an argv probe */
	int nargs;		/* argument slots in the probe */
	struct tep_event *ev_args[2], *ev_enter[2], *ev_exit[2];
	struct tep_event *ev_exec, *ev_fork, *ev_loader;
	struct pending_exec *slots;
};

static struct pending_exec *slot_for(struct exec_trace *t, pid_t pid)
{
	struct pending_exec *p = &t->slots[(unsigned int)pid % PENDING_SLOTS];

	if (p->pid != pid) {
		memset(p, 0, offsetof(struct pending_exec, args));
		p->pid = pid;
	}
	return p;
}

/* Strings a0..a(count-1) of a probe record into p->args. */
static void args_from_record(struct tep_event *ev, struct tep_record *rec,
			     struct pending_exec *p, int count)
{
	size_t n = 0;
	char name[16];

	p->e.args_count = 0;
	for (int i = 0; i < count; i++) {
		snprintf(name, sizeof(name), "a%d", i);
		if (n + 1 >= sizeof(p->args) ||
		    !ev_field_str(ev, rec, name, p->args + n, sizeof(p->args) - n))
			break;
		n += strlen(p->args + n) + 1;
		p->e.args_count++;
	}
	p->e.args_len = n;
	p->have_args = true;
}

/* Event probe or kprobe: p0..pN are argv's pointers (it ends at NULL). */
static void args_from_probe(struct exec_trace *t, struct tep_event *ev,
			     struct tep_record *rec, struct pending_exec *p)
{
	char name[16];
	uint64_t ptr;
	int count = 0;

	while (count < t->nargs) {
		snprintf(name, sizeof(name), "p%d", count);
		if (!ev_field_u64(ev, rec, name, &ptr) || !ptr)
			break;
		count++;
	}
	args_from_record(ev, rec, p, count);
	snprintf(name, sizeof(name), "p%d", t->nargs);
	p->e.args_truncated = count == t->nargs && ev_field_u64(ev, rec, name, &ptr) && ptr;
	ev_field_str(ev, rec, "comm", p->comm_before, sizeof(p->comm_before));
}

/* Loader uprobe: argc, then a0..aN from the initial stack. */
static void args_from_loader(struct exec_trace *t, struct tep_event *ev,
			     struct tep_record *rec, struct pending_exec *p)
{
	uint64_t argc = 0;

	ev_field_u64(ev, rec, "argc", &argc);
	args_from_record(ev, rec, p, argc < (uint64_t)t->nargs ? (int)argc : t->nargs);
	p->e.args_truncated = argc > (uint64_t)t->nargs;
}

/* argv of a live process, after its exec. */
static bool args_from_proc(pid_t pid, struct pending_exec *p, int max_args)
{
	char path[64];
	int len;

	snprintf(path, sizeof(path), "/proc/%d/cmdline", pid);
	len = read_text_file(path, p->args, sizeof(p->args));
	if (len <= 0)
		return false;
	p->e.args_count = 0;
	p->e.args_len = 0;
	for (int off = 0; off < len && p->e.args_count < max_args; ) {
		off += strnlen(p->args + off, len - off) + 1;
		p->e.args_count++;
		p->e.args_len = off;
	}
	p->e.args_truncated = (int)p->e.args_len < len;
	return true;
}

static uid_t proc_read_uid(pid_t pid)
{
	char path[64], buf[2048], *p;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	if (read_text_file(path, buf, sizeof(buf)) < 0 ||
	    !(p = strstr(buf, "\nUid:")))
		return (uid_t)-1;
	return (uid_t)strtoul(p + 5, NULL, 10);
}

static void complete(struct exec_trace *t, struct pending_exec *p)
{
	struct exec_event *e = &p->e;

	e->pid = p->pid;
	e->ppid = ppid_lookup(p->pid);
	memcpy(e->comm, e->retval == 0 && p->comm_after[0] ? p->comm_after
							     : p->comm_before,
	       sizeof(e->comm));
	if (!e->comm[0] && !ppid_comm(p->pid, e->comm, sizeof(e->comm)))
		snprintf(e->comm, sizeof(e->comm), "?");
	ppid_note_comm(p->pid, e->comm);
	if (!p->have_args && !(e->retval == 0 &&
			       args_from_proc(p->pid, p, t->nargs)))
		e->args_unavailable = true;
	e->args = p->args;
	/* Trace records carry no uid; the process may still be there. */
	e->uid = proc_read_uid(p->pid);
	p->pid = 0;
	if (t->src.filter.failed_only && e->retval >= 0)
		return;
	if (t->src.filter.uid >= 0 && e->uid != (uid_t)t->src.filter.uid)
		return;
	t->src.cb(t->src.cb_ctx, e);
}

static void try_complete(struct exec_trace *t, struct pending_exec *p)
{
	if (p->entered && p->exited && (p->have_args || p->e.retval < 0 ||
					t->args_from != ARGS_LOADER))
		complete(t, p);
}

static bool is_one_of(struct tep_event *ev, struct tep_event *const set[2])
{
	return ev && (ev == set[0] || ev == set[1]);
}

static void on_record(void *ctx, struct tep_event *ev, struct tep_record *rec,
		      int cpu)
{
	struct exec_trace *t = ctx;
	pid_t pid = ev_record_pid(ev, rec);
	struct pending_exec *p;
	uint64_t v, child;
	char file[256];

	if (ev == t->ev_fork) {
		char comm[16] = "";

		ev_field_str(ev, rec, "child_comm", comm, sizeof(comm));
		if (ev_field_u64(ev, rec, "parent_pid", &v) &&
		    ev_field_u64(ev, rec, "child_pid", &child))
			ppid_note_fork(v, child, comm);
		return;
	}
	p = slot_for(t, pid);
	if (ev == t->ev_exec) {
		if (ev_field_str(ev, rec, "filename", file, sizeof(file))) {
			const char *base = strrchr(file, '/');

			snprintf(p->comm_after, sizeof(p->comm_after), "%.15s",
				 base ? base + 1 : file);
		}
	} else if (is_one_of(ev, t->ev_args) || is_one_of(ev, t->ev_enter)) {
		p->entered = true;
		if (is_one_of(ev, t->ev_args))
			args_from_probe(t, ev, rec, p);
		if (!p->comm_before[0])
			ppid_comm(pid, p->comm_before, sizeof(p->comm_before));
	} else if (ev == t->ev_loader) {
		args_from_loader(t, ev, rec, p);
	} else if (is_one_of(ev, t->ev_exit)) {
		p->exited = true;
		p->seen_ns = now_mono_ns();
		p->e.ts = ev_record_ts(rec);
		p->e.retval = ev_field_u64(ev, rec, "ret", &v) ? (int)(int64_t)v : 0;
	} else {
		return;
	}
	try_complete(t, p);
}

/* Execs whose loader never ran (static programs) complete without args;
 * exits whose entry predates tracing are dropped. */
static void expire(struct exec_trace *t, bool all)
{
	uint64_t now = now_mono_ns();

	for (int i = 0; i < PENDING_SLOTS; i++) {
		struct pending_exec *p = &t->slots[i];

		if (!p->pid || !p->exited || (!all && now - p->seen_ns < ARGS_WAIT_NS))
			continue;
		if (p->entered)
			complete(t, p);
		else
			p->pid = 0;
	}
}

static int trace_poll(struct exec_source *s, int timeout_ms)
{
	struct exec_trace *t = (struct exec_trace *)s;
	int n = evstream_poll(t->stream, timeout_ms, on_record, t);

	expire(t, false);
	return n;
}

static void trace_finish(struct exec_source *s)
{
	struct exec_trace *t = (struct exec_trace *)s;

	evstream_stop(t->stream);
	evstream_flush(t->stream, on_record, t);
	expire(t, true);
}

/* Records lost: an exec is an entry and an exit, a lost record costs at
 * most one, so a bound. */
static struct loss trace_loss(struct exec_source *s)
{
	return loss_of(evstream_lost(((struct exec_trace *)s)->stream),
		       false, 0, 0);
}

static void trace_close(struct exec_source *s)
{
	struct exec_trace *t = (struct exec_trace *)s;

	if (t->stream)
		evstream_free(t->stream);
	free(t->slots);
	free(t);
}

static const struct exec_source_ops exec_trace_ops = {
	.poll = trace_poll,
	.finish = trace_finish,
	.loss = trace_loss,
	.close = trace_close,
};

/* Appends " a0=+0(<deref><off>(<base>)):ustring ..." for nargs arguments,
 * argv[i] being at byte offset first + 8 * i from base. */
static size_t append_string_args(char *def, size_t n, size_t size,
				 const char *deref, const char *base,
				 int first, int nargs)
{
	for (int i = 0; i < nargs; i++)
		n += snprintf(def + n, size - n, " a%d=+0(%s%d(%s)):ustring",
			      i, deref, first + i * 8, base);
	return n;
}

/*
 * "<head> comm=$comm:string p0=+u0(ARGV):x64 ... a0=+0(+u0(ARGV)):ustring ..."
 * where ARGV fetches the user pointer argv: the pointers tell where argv
 * ends (the first NULL), the strings are the arguments.
 */
static int add_argv_probe(struct tfs *tfs, const char *head, const char *argv,
			  int nargs, char *err, size_t errsz)
{
	size_t size = 256 + nargs * 128, n;
	char *def = malloc(size);
	int ret;

	n = snprintf(def, size, "%s comm=$comm:string", head);
	for (int i = 0; i <= nargs; i++)
		n += snprintf(def + n, size - n, " p%d=+u%d(%s):x64", i, i * 8, argv);
	append_string_args(def, n, size, "+u", argv, 0, nargs);
	ret = tfs_dynevent_add(tfs, def, err, errsz);
	free(def);
	return ret;
}

/*
 * Where a syscall's argv is at a kprobe on its entry function: since 4.17
 * x86-64 syscalls take a struct pt_regs * (%di) and argv sits in its si
 * (execve) or dx (execveat) slot; before, they took it in the register.
 */
static const struct {
	const char *func, *argv;
} kprobe_argv[2][2] = {
	{ { "__x64_sys_execve", "+104(%di)" }, { "sys_execve", "%si" } },
	{ { "__x64_sys_execveat", "+96(%di)" }, { "sys_execveat", "%dx" } },
};

/* The argv probe of syscall i ("execve" or "execveat") as event NAME. */
static int add_args_event(struct exec_trace *t, struct tfs *tfs, int i,
			  const char *name, char *err, size_t errsz)
{
	char head[160];

	if (t->args_from == ARGS_EPROBE) {
		snprintf(head, sizeof(head), "e:%s/%s syscalls.sys_enter_%s",
			 tfs_group(tfs), name, syscalls_[i]);
		return add_argv_probe(tfs, head, "$argv", t->nargs, err, errsz);
	}
	for (int k = 0; k < 2; k++) {
		snprintf(head, sizeof(head), "p:%s/%s %s", tfs_group(tfs), name,
			 kprobe_argv[i][k].func);
		if (!add_argv_probe(tfs, head, kprobe_argv[i][k].argv, t->nargs,
				    err, errsz))
			return 0;
	}
	return -1;
}

/* p:GROUP/exec_loader LDSO:ENTRY argc=+0($stack):u64 a0=+0(+8($stack)):ustring ...
 * At a program's first instruction the stack holds argc, argv[]. */
static int add_loader_uprobe(struct tfs *tfs, int nargs, char *err, size_t errsz)
{
	const char *ldso = elf_system_interpreter();
	size_t size = 512 + nargs * 64, n;
	uint64_t off;
	char *def;
	int ret;

	if (!ldso || elf_entry_offset(ldso, &off)) {
		snprintf(err, errsz, "no dynamic loader found");
		return -ENOENT;
	}
	def = malloc(size);
	n = snprintf(def, size, "p:%s/exec_loader %s:0x%llx argc=+0($stack):u64",
		     tfs_group(tfs), ldso, (unsigned long long)off);
	append_string_args(def, n, size, "+", "$stack", 8, nargs);
	ret = tfs_dynevent_add(tfs, def, err, errsz);
	free(def);
	return ret;
}

static struct tep_event *find_event(struct exec_trace *t, const char *sys,
				    const char *name)
{
	return tep_find_event_by_name(evstream_tep(t->stream), sys, name);
}

static int add_events(struct exec_trace *t, struct tfs *tfs, char *err, size_t errsz)
{
	const char *group = tfs_group(tfs);
	char enter[32], leave[32], args[32];

	for (int i = 0; i < 2; i++) {
		snprintf(enter, sizeof(enter), "sys_enter_%s", syscalls_[i]);
		snprintf(leave, sizeof(leave), "sys_exit_%s", syscalls_[i]);
		snprintf(args, sizeof(args), "%s_args", syscalls_[i]);
		if (!tfs_event_exists(tfs, "syscalls", enter)) {
			if (i > 0)
				continue;	/* execveat is 3.19+ */
			snprintf(err, errsz, "the kernel has no syscalls:sys_enter_execve tracepoint (CONFIG_FTRACE_SYSCALLS)");
			return -ENOENT;
		}
		t->has_args_event[i] = false;
		if (t->args_from == ARGS_EPROBE || t->args_from == ARGS_KPROBE) {
			char why[256];

			if (add_args_event(t, tfs, i, args, why, sizeof(why))) {
				vinfo("no argument probe for %s: %s", syscalls_[i], why);
				if (i == 0)
					t->args_from = ARGS_PROC;
			} else {
				if (evstream_add(t->stream, group, args, NULL, err, errsz))
					return -1;
				t->has_args_event[i] = true;
			}
		}
		if (!t->has_args_event[i] &&
		    evstream_add(t->stream, "syscalls", enter, NULL, err, errsz))
			return -1;
		if (evstream_add(t->stream, "syscalls", leave, NULL, err, errsz))
			return -1;
	}
	if (t->args_from == ARGS_LOADER &&
	    evstream_add(t->stream, group, "exec_loader", NULL, err, errsz))
		return -1;
	if (evstream_add(t->stream, "sched", "sched_process_exec", NULL, err, errsz) ||
	    evstream_add(t->stream, "sched", "sched_process_fork", NULL, err, errsz))
		return -1;
	return 0;
}

static void find_events(struct exec_trace *t, const char *group)
{
	char name[32];

	for (int i = 0; i < 2; i++) {
		snprintf(name, sizeof(name), "%s_args", syscalls_[i]);
		t->ev_args[i] = t->has_args_event[i] ? find_event(t, group, name) : NULL;
		snprintf(name, sizeof(name), "sys_enter_%s", syscalls_[i]);
		t->ev_enter[i] = t->has_args_event[i] ? NULL : find_event(t, "syscalls", name);
		snprintf(name, sizeof(name), "sys_exit_%s", syscalls_[i]);
		t->ev_exit[i] = find_event(t, "syscalls", name);
	}
	t->ev_loader = t->args_from == ARGS_LOADER ? find_event(t, group, "exec_loader") : NULL;
	t->ev_exec = find_event(t, "sched", "sched_process_exec");
	t->ev_fork = find_event(t, "sched", "sched_process_fork");
}

/*
 * Best argv source first. Event probes have no perf support in the kernel
 * (their perf registration is a stub), so perf skips them.
 */
static void choose_args_source(struct exec_trace *t, struct tfs *tfs,
			       const struct kernel_facts *kf, bool perf)
{
	char why[256];

	if (!perf && kf->eprobes.state == FACT_YES)
		t->args_from = ARGS_EPROBE;
	else if (kf->kprobe_events.state == FACT_YES)
		t->args_from = ARGS_KPROBE;
	else if (kf->uprobe_events.state == FACT_YES &&
		 !add_loader_uprobe(tfs, t->nargs, why, sizeof(why)))
		t->args_from = ARGS_LOADER;
	else
		t->args_from = ARGS_PROC;
	if (kf->uprobe_events.state == FACT_YES && t->args_from == ARGS_PROC)
		vinfo("no loader uprobe for arguments: %s", why);
}

static const char *const args_what[] = {
	[ARGS_EPROBE] = "argv by event probes",
	[ARGS_KPROBE] = "argv by kprobes on the syscalls",
	[ARGS_LOADER] = "argv by a uprobe on the dynamic loader (no event probes; static programs show none)",
	[ARGS_PROC] = "argv from /proc (no event probes or uprobes: short-lived processes show none)",
};

struct exec_source *exec_trace_open(const struct exec_filter *f, bool perf,
				    char *err, size_t errsz)
{
	const struct kernel_facts *kf = features_get();
	struct evstream_opts so = { 0 };
	struct exec_trace *t = calloc(1, sizeof(*t));
	struct tfs *tfs = tfs_get();

	t->slots = calloc(PENDING_SLOTS, sizeof(*t->slots));
	t->nargs = f->max_args;
	t->src.filter = *f;
	if (!tfs) {
		snprintf(err, errsz, "tracefs is not available: %s", strerror(errno));
		goto fail;
	}
	t->stream = evstream_new(perf ? EVT_PERF : EVT_TRACEFS, &so);
	if (!t->stream) {
		snprintf(err, errsz, "cannot set up the event stream: %s", strerror(errno));
		goto fail;
	}
	choose_args_source(t, tfs, kf, perf);
	if (add_events(t, tfs, err, errsz) || evstream_start(t->stream, err, errsz))
		goto fail;
	find_events(t, tfs_group(tfs));
	t->src.ops = &exec_trace_ops;
	t->src.mech = perf ? MECH_PERF : MECH_TRACEFS;
	snprintf(t->src.what, sizeof(t->src.what),
		 "%s: syscalls:sys_{enter,exit}_execve{,at}, sched:sched_process_{exec,fork}, %s",
		 perf ? "perf_event_open on tracefs events" : "tracefs instance raw buffers",
		 args_what[t->args_from]);
	return &t->src;
fail:
	trace_close(&t->src);
	return NULL;
}
