// SPDX-License-Identifier: GPL-2.0
/*
 * Syscalls without BPF: trace events in sonde's private tracefs instance,
 * read from its raw buffers, or through perf_event_open (lib/evstream.c).
 *
 *   tracefs   syscalls:sys_enter_<name> and sys_exit_<name> for every
 *             syscall traced: the records name the syscall and carry its
 *             arguments as the format file describes them
 *   perf      raw_syscalls:sys_enter and sys_exit: two events instead of
 *             some 700, each opened per CPU (and per thread for -p);
 *             numbers from the syscall table
 *   strings   an event probe on syscalls:sys_enter_<name> fetching the
 *             string arguments from user memory (tracefs, kernels with
 *             event probes); else a kprobe on the syscall's entry function
 *             doing the same (kernels with kprobe_events; event probes have
 *             no perf support); else the pointers, and -v says why
 *   comm      sched:sched_process_fork and sched_process_exec, else /proc
 *
 * Processes are selected in the kernel: set_event_pid plus event-fork
 * (tracefs) or per-thread inherited events (perf). Entry and exit are
 * paired per thread here; the strings record of a call comes right after
 * its entry.
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <traceevent/event-parse.h>

#include "evstream.h"
#include "exec_source.h"
#include "kernel_facts.h"
#include "loss.h"
#include "syscalls.h"
#include "tfs.h"
#include "util.h"

#define SLOTS		8192	/* threads in flight; power of two */
#define NSTR		3	/* string arguments kept per call */
#define MAX_EVENT_ID	65536	/* common_type is 16 bits */

enum role {
	ROLE_NONE,
	ROLE_ENTER,		/* syscalls:sys_enter_<name> */
	ROLE_EXIT,		/* syscalls:sys_exit_<name> */
	ROLE_RAW_ENTER,		/* raw_syscalls:sys_enter */
	ROLE_RAW_EXIT,		/* raw_syscalls:sys_exit */
	ROLE_STRINGS,		/* sonde_<pid>:sc_<name> (eprobe or kprobe) */
	ROLE_FORK,
	ROLE_EXEC,
};

enum strings_from { STR_NONE, STR_EPROBE, STR_KPROBE };

struct evrole {
	enum role role;
	const struct sc_info *sc;
	struct tep_format_field *nr;		/* __syscall_nr or id */
	struct tep_format_field *args[SC_MAX_ARGS];	/* or args[6] (raw) */
	struct tep_format_field *ret;
};

struct slot {
	pid_t tid, tgid;
	char comm[16];
	bool active;
	int nr;
	const struct sc_info *sc;
	uint64_t ts;
	uint64_t args[SC_MAX_ARGS];
	bool made_at_entry;	/* a call that does not return (exit) */
	int nstr;
	int8_t str_arg[NSTR];
	bool str_trunc[NSTR];
	char str[NSTR][SC_STR_MAX];
};

struct sc_trace {
	struct sc_source src;
	struct evstream *stream;
	bool perf;
	enum strings_from strings_from;
	struct evrole **roles;		/* by event id */
	struct slot *slots;
	bool nr_mismatch_said;
	/* the exit events, whose hits are the calls made (include/loss.h) */
	char (*exits)[80];
	int nexits;
	bool uncounted;		/* some exit's hits are not known */
	uint64_t made;		/* calls completed at their exit */
};

/* ---- per-thread slots ---- */

static pid_t proc_tgid(pid_t tid)
{
	char path[64], buf[1024], *p;

	snprintf(path, sizeof(path), "/proc/%d/status", tid);
	if (read_text_file(path, buf, sizeof(buf)) < 0 || !(p = strstr(buf, "\nTgid:")))
		return 0;
	return (pid_t)strtol(p + 6, NULL, 10);
}

static struct slot *slot_of(struct sc_trace *t, pid_t tid)
{
	struct slot *s = &t->slots[(unsigned int)tid & (SLOTS - 1)];

	if (s->tid == tid)
		return s;
	memset(s, 0, offsetof(struct slot, str));
	s->tid = tid;
	s->tgid = proc_tgid(tid);
	if (!ppid_comm(tid, s->comm, sizeof(s->comm)))
		snprintf(s->comm, sizeof(s->comm), "?");
	return s;
}

static struct slot *slot_find(struct sc_trace *t, pid_t tid)
{
	struct slot *s = &t->slots[(unsigned int)tid & (SLOTS - 1)];

	return s->tid == tid ? s : NULL;
}

/* ---- records ---- */

static bool field_u64(struct tep_format_field *f, struct tep_record *rec,
		      uint64_t *out)
{
	unsigned long long v;

	if (!f || f->offset + f->size > rec->size ||
	    tep_read_number_field(f, rec->data, &v))
		return false;
	if ((f->flags & TEP_FIELD_IS_SIGNED) && f->size < 8 &&
	    (v & (1ull << (f->size * 8 - 1))))
		v |= ~0ull << (f->size * 8);
	*out = v;
	return true;
}

static void complete(struct sc_trace *t, struct slot *s, uint64_t ts,
		     int64_t ret, bool noreturn)
{
	struct sc_event e = { 0 };

	s->active = false;
	s->made_at_entry = noreturn;
	if (!noreturn)
		t->made++;
	e.ts = s->ts;
	e.duration_ns = ts > s->ts ? ts - s->ts : 0;
	e.pid = s->tgid ? s->tgid : s->tid;
	e.tid = s->tid;
	e.nr = s->nr;
	e.sc = s->sc;
	memcpy(e.args, s->args, sizeof(e.args));
	e.ret = ret;
	e.noreturn = noreturn;
	memcpy(e.comm, s->comm, sizeof(e.comm));
	for (int k = 0; k < s->nstr; k++) {
		e.str[s->str_arg[k]] = s->str[k];
		e.str_trunc[s->str_arg[k]] = s->str_trunc[k];
	}
	/* --failed and --duration are applied by the caller, which counts
	 * every call for the summary. */
	t->src.cb(t->src.cb_ctx, &e);
}

static void on_sys_enter(struct sc_trace *t, struct evrole *r,
		     struct tep_record *rec, pid_t tid)
{
	const struct sc_info *sc = r->sc;
	uint64_t v = 0;
	struct slot *s;
	int nr;

	if (r->role == ROLE_RAW_ENTER) {
		if (!field_u64(r->nr, rec, &v))
			return;
		nr = (int)(int64_t)v;
		sc = sc_table_nr(t->src.table, nr);
	} else {
		nr = field_u64(r->nr, rec, &v) ? (int)(int64_t)v : sc->nr;
		if (sc->nr >= 0 && nr != sc->nr && !t->nr_mismatch_said) {
			vinfo("syscalls:sys_enter_%s says nr %d, the table %d",
			      sc->event, nr, sc->nr);
			t->nr_mismatch_said = true;
		}
	}
	s = slot_of(t, tid);
	s->active = true;
	s->nr = nr;
	s->sc = sc;
	s->ts = rec->ts;
	s->nstr = 0;
	memset(s->args, 0, sizeof(s->args));
	if (r->role == ROLE_RAW_ENTER) {
		struct tep_format_field *f = r->args[0];

		if (f && f->offset + 48 <= rec->size)
			memcpy(s->args, (char *)rec->data + f->offset, 48);
	} else {
		for (int i = 0; i < SC_MAX_ARGS; i++)
			field_u64(r->args[i], rec, &s->args[i]);
	}
	if (sc && sc->ret == SCR_NONE)
		complete(t, s, rec->ts, 0, true);
}

static void on_sys_exit(struct sc_trace *t, struct evrole *r,
		    struct tep_record *rec, pid_t tid)
{
	struct slot *s = slot_find(t, tid);
	uint64_t ret = 0, v;
	int nr = r->sc ? r->sc->nr : -1;

	if (!s)
		return;		/* entered before tracing began */
	if (field_u64(r->nr, rec, &v))
		nr = (int)(int64_t)v;
	if (!s->active) {
		/* made at its entry already (rt_sigreturn, say) */
		if (s->made_at_entry && nr == s->nr)
			t->made++;
		s->made_at_entry = false;
		return;
	}
	if (nr != s->nr) {
		s->active = false;	/* its entry was lost */
		return;
	}
	field_u64(r->ret, rec, &ret);
	complete(t, s, rec->ts, (int64_t)ret, false);
}

/* Did the probe store string field name? A __data_loc of length 0 is a
 * failed fetch; "" is stored with its NUL. */
static bool string_fetched(struct tep_event *ev, struct tep_record *rec,
			   const char *name)
{
	struct tep_format_field *f = tep_find_field(ev, name);
	uint32_t loc;

	if (!f || f->size != 4 || f->offset + 4 > rec->size)
		return false;
	memcpy(&loc, (char *)rec->data + f->offset, 4);
	return (loc >> 16) > 0;
}

static void on_strings(struct sc_trace *t, struct evrole *r,
		       struct tep_event *ev, struct tep_record *rec, pid_t tid)
{
	struct slot *s = slot_find(t, tid);
	char name[16];

	if (!s || !s->active || s->sc != r->sc)
		return;
	s->nstr = 0;
	for (int i = 0; i < r->sc->nargs && s->nstr < NSTR; i++) {
		char *buf = s->str[s->nstr];

		if (!(r->sc->str_mask & (1u << i)))
			continue;
		snprintf(name, sizeof(name), "s%d", i);
		/* A fetch that faulted (a page the program had not touched
		 * yet, a bad pointer) stores nothing: show the pointer. */
		if (!string_fetched(ev, rec, name) ||
		    !ev_field_str(ev, rec, name, buf, SC_STR_MAX))
			continue;
		s->str_arg[s->nstr] = i;
		s->str_trunc[s->nstr] = strlen(buf) >= SC_STR_MAX - 1;
		s->nstr++;
	}
}

static void on_record(void *ctx, struct tep_event *ev, struct tep_record *rec,
		      int cpu)
{
	struct sc_trace *t = ctx;
	struct evrole *r = ev->id >= 0 && ev->id < MAX_EVENT_ID ? t->roles[ev->id] : NULL;
	pid_t tid = ev_record_pid(ev, rec);
	char comm[16], file[256];
	uint64_t parent, child;
	struct slot *s;

	if (!r)
		return;
	switch (r->role) {
	case ROLE_ENTER:
	case ROLE_RAW_ENTER:
		on_sys_enter(t, r, rec, tid);
		break;
	case ROLE_EXIT:
	case ROLE_RAW_EXIT:
		on_sys_exit(t, r, rec, tid);
		break;
	case ROLE_STRINGS:
		on_strings(t, r, ev, rec, tid);
		break;
	case ROLE_FORK:
		if (!ev_field_u64(ev, rec, "parent_pid", &parent) ||
		    !ev_field_u64(ev, rec, "child_pid", &child))
			break;
		comm[0] = '\0';
		ev_field_str(ev, rec, "child_comm", comm, sizeof(comm));
		ppid_note_fork(parent, child, comm);
		s = slot_of(t, child);
		if (comm[0])
			snprintf(s->comm, sizeof(s->comm), "%s", comm);
		break;
	case ROLE_EXEC:
		if (!ev_field_str(ev, rec, "filename", file, sizeof(file)))
			break;
		s = slot_of(t, tid);
		snprintf(s->comm, sizeof(s->comm), "%.15s",
			 strrchr(file, '/') ? strrchr(file, '/') + 1 : file);
		s->tgid = tid;	/* an exec makes the thread the leader */
		ppid_note_comm(tid, s->comm);
		break;
	default:
		break;
	}
}

/* ---- set-up ---- */

static struct evrole *add_role(struct sc_trace *t, const char *system,
			       const char *event, enum role role,
			       const struct sc_info *sc)
{
	struct tep_event *ev = tep_find_event_by_name(evstream_tep(t->stream),
						      system, event);
	struct evrole *r;

	if (!ev || ev->id < 0 || ev->id >= MAX_EVENT_ID)
		return NULL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	r->role = role;
	r->sc = sc;
	switch (role) {
	case ROLE_ENTER:
		r->nr = tep_find_field(ev, "__syscall_nr");
		for (int i = 0; sc && i < sc->nargs; i++)
			r->args[i] = tep_find_field(ev, sc->args[i].name);
		break;
	case ROLE_EXIT:
		r->nr = tep_find_field(ev, "__syscall_nr");
		r->ret = tep_find_field(ev, "ret");
		break;
	case ROLE_RAW_ENTER:
		r->nr = tep_find_field(ev, "id");
		r->args[0] = tep_find_field(ev, "args");
		break;
	case ROLE_RAW_EXIT:
		r->nr = tep_find_field(ev, "id");
		r->ret = tep_find_field(ev, "ret");
		break;
	default:
		break;
	}
	free(t->roles[ev->id]);
	t->roles[ev->id] = r;
	return r;
}

static bool selected(const struct sc_filter *f, const struct sc_info *si)
{
	if (!f->select)
		return true;
	return si->nr >= 0 && si->nr < SC_MAX_NR && f->select[si->nr];
}

/* x86-64: where syscall argument i sits in struct pt_regs (a kprobe on
 * __x64_sys_<name> gets it in %di, since 4.17), and in which register
 * sys_<name> took it before. */
static const char *const regs_off[SC_MAX_ARGS] = {
	"+112(%di)", "+104(%di)", "+96(%di)", "+56(%di)", "+72(%di)", "+64(%di)",
};
static const char *const regs_direct[SC_MAX_ARGS] = {
	"%di", "%si", "%dx", "%r10", "%r8", "%r9",
};

/* The probe reading si's string arguments, as event <group>/sc_<event>. */
static int add_strings_probe(struct sc_trace *t, struct tfs *tfs,
			     const struct sc_info *si)
{
	char def[1024], why[256];
	size_t n;

	if (t->strings_from == STR_EPROBE) {
		n = snprintf(def, sizeof(def), "e:%s/sc_%s syscalls.sys_enter_%s",
			     tfs_group(tfs), si->event, si->event);
		for (int i = 0; i < si->nargs; i++)
			if (si->str_mask & (1u << i))
				n += snprintf(def + n, sizeof(def) - n,
					      " s%d=+0($%s):ustring", i, si->args[i].name);
		if (!tfs_dynevent_add(tfs, def, why, sizeof(why)))
			return 0;
		vinfo("no event probe for %s's strings: %s", si->event, why);
		return -1;
	}
	for (int k = 0; k < 2; k++) {
		n = snprintf(def, sizeof(def), "p:%s/sc_%s %ssys_%s", tfs_group(tfs),
			     si->event, k ? "" : "__x64_", si->event);
		for (int i = 0; i < si->nargs; i++)
			if (si->str_mask & (1u << i))
				n += snprintf(def + n, sizeof(def) - n,
					      " s%d=+0(%s):ustring", i,
					      k ? regs_direct[i] : regs_off[i]);
		if (!tfs_dynevent_add(tfs, def, why, sizeof(why)))
			return 0;
	}
	vinfo("no kprobe for %s's strings: %s", si->event, why);
	return -1;
}

/* The hits of an exit event: one call made each (tracefs: a counter,
 * where perf_event_open is allowed and file descriptors last). */
static void count_exit(struct sc_trace *t, const char *system, const char *event)
{
	char err[256], (*e)[80];

	if (t->uncounted)
		return;
	if (evstream_count(t->stream, system, event, err, sizeof(err)) ||
	    !(e = realloc(t->exits, (t->nexits + 1) * sizeof(*e)))) {
		vinfo("%s: the loss count will be a bound (a lost entry or exit record costs at most one call)",
		      err);
		t->uncounted = true;
		return;
	}
	t->exits = e;
	snprintf(t->exits[t->nexits++], sizeof(*e), "%s/%s", system, event);
}

static int add_events(struct sc_trace *t, struct tfs *tfs,
		      const struct sc_filter *f, char *err, size_t errsz)
{
	const struct sc_table *tab = t->src.table;
	const char *group = tfs_group(tfs);
	char filter[4096] = "", name[80];
	int nstr_probes = 0, ret;

	if (f->pid <= 0)
		snprintf(filter, sizeof(filter), "common_pid != %d", getpid());
	/* Probes first: evstream_add wants them to exist, and set_event_pid
	 * must see their files to filter them. */
	for (int i = 0; t->strings_from != STR_NONE && i < tab->count; i++) {
		const struct sc_info *si = &tab->all[i];

		if (si->str_mask && selected(f, si) && !add_strings_probe(t, tfs, si))
			nstr_probes++;
	}
	if (t->strings_from != STR_NONE && !nstr_probes)
		t->strings_from = STR_NONE;
	if (t->perf) {
		char rawf[sizeof(filter)];
		size_t n = snprintf(rawf, sizeof(rawf), "%s", filter);
		bool first = true;

		if (f->select) {
			n += snprintf(rawf + n, sizeof(rawf) - n, "%s(", n ? " && " : "");
			for (int nr = 0; nr < SC_MAX_NR && n < sizeof(rawf) - 32; nr++)
				if (f->select[nr]) {
					n += snprintf(rawf + n, sizeof(rawf) - n,
						      "%sid == %d", first ? "" : " || ", nr);
					first = false;
				}
			snprintf(rawf + n, sizeof(rawf) - n, ")");
		}
		if ((ret = evstream_add(t->stream, "raw_syscalls", "sys_enter", rawf, err, errsz)) ||
		    (ret = evstream_add(t->stream, "raw_syscalls", "sys_exit", rawf, err, errsz)))
			return ret;
		count_exit(t, "raw_syscalls", "sys_exit");
	} else {
		for (int i = 0; i < tab->count; i++) {
			const struct sc_info *si = &tab->all[i];
			char ev[80];

			if (!selected(f, si))
				continue;
			snprintf(ev, sizeof(ev), "sys_enter_%s", si->event);
			if ((ret = evstream_add(t->stream, "syscalls", ev, filter, err, errsz)))
				return ret;
			snprintf(ev, sizeof(ev), "sys_exit_%s", si->event);
			if (!tfs_event_exists(tfs, "syscalls", ev))
				continue;
			if ((ret = evstream_add(t->stream, "syscalls", ev, filter, err, errsz)))
				return ret;
			count_exit(t, "syscalls", ev);
		}
	}
	for (int i = 0; nstr_probes && i < tab->count; i++) {
		const struct sc_info *si = &tab->all[i];

		snprintf(name, sizeof(name), "sc_%s", si->event);
		if (si->str_mask && selected(f, si) && tfs_event_exists(tfs, group, name) &&
		    (ret = evstream_add(t->stream, group, name, filter, err, errsz)))
			return ret;
	}
	if ((ret = evstream_add(t->stream, "sched", "sched_process_fork", filter, err, errsz)) ||
	    (ret = evstream_add(t->stream, "sched", "sched_process_exec", filter, err, errsz)))
		return ret;
	return 0;
}

static void find_roles(struct sc_trace *t, struct tfs *tfs)
{
	const struct sc_table *tab = t->src.table;
	char ev[80];

	if (t->perf) {
		add_role(t, "raw_syscalls", "sys_enter", ROLE_RAW_ENTER, NULL);
		add_role(t, "raw_syscalls", "sys_exit", ROLE_RAW_EXIT, NULL);
	}
	for (int i = 0; i < tab->count; i++) {
		const struct sc_info *si = &tab->all[i];

		if (!t->perf) {
			snprintf(ev, sizeof(ev), "sys_enter_%s", si->event);
			add_role(t, "syscalls", ev, ROLE_ENTER, si);
			snprintf(ev, sizeof(ev), "sys_exit_%s", si->event);
			add_role(t, "syscalls", ev, ROLE_EXIT, si);
		}
		if (si->str_mask && t->strings_from != STR_NONE) {
			snprintf(ev, sizeof(ev), "sc_%s", si->event);
			add_role(t, tfs_group(tfs), ev, ROLE_STRINGS, si);
		}
	}
	add_role(t, "sched", "sched_process_fork", ROLE_FORK, NULL);
	add_role(t, "sched", "sched_process_exec", ROLE_EXEC, NULL);
}

/* Names of the threads already there, while they are: a short-lived
 * process may be gone when its records are read. */
static void seed_slots(struct sc_trace *t, pid_t pid)
{
	char dir[64];
	struct dirent *de;
	DIR *d;

	snprintf(dir, sizeof(dir), "/proc/%d/task", pid);
	d = opendir(dir);
	while (d && (de = readdir(d)))
		if (de->d_name[0] != '.')
			slot_of(t, atoi(de->d_name));
	if (d)
		closedir(d);
}

/* ---- the source ---- */

static int trace_poll(struct sc_source *s, int timeout_ms)
{
	struct sc_trace *t = (struct sc_trace *)s;

	return evstream_poll(t->stream, timeout_ms, on_record, t);
}

static void trace_finish(struct sc_source *s)
{
	struct sc_trace *t = (struct sc_trace *)s;

	evstream_stop(t->stream);
	evstream_flush(t->stream, on_record, t);
}

static uint64_t trace_lost(struct sc_source *s)
{
	return evstream_lost(((struct sc_trace *)s)->stream);
}

/* Calls lost: the exits' hits minus the calls made (include/loss.h);
 * a call that does not return is made at its entry and not counted. */
static struct loss trace_loss(struct sc_source *s)
{
	struct sc_trace *t = (struct sc_trace *)s;
	uint64_t records = evstream_lost(t->stream), hits = 0, h;
	bool known = !t->uncounted && t->nexits;

	for (int i = 0; known && i < t->nexits; i++) {
		char *slash = strchr(t->exits[i], '/');

		*slash = '\0';
		known = !evstream_hits(t->stream, t->exits[i], slash + 1, &h);
		*slash = '/';
		hits += h;
	}
	return loss_of(records, known, hits, t->made);
}

static void trace_close(struct sc_source *s)
{
	struct sc_trace *t = (struct sc_trace *)s;

	if (t->stream)
		evstream_free(t->stream);
	for (int i = 0; t->roles && i < MAX_EVENT_ID; i++)
		free(t->roles[i]);
	free(t->roles);
	free(t->slots);
	free(t->exits);
	free(t);
}

static const struct sc_source_ops sc_trace_ops = {
	.poll = trace_poll,
	.finish = trace_finish,
	.lost = trace_lost,
	.loss = trace_loss,
	.close = trace_close,
};

static void choose_strings(struct sc_trace *t, const struct kernel_facts *kf)
{
	/* Event probes have no perf support (their perf registration is a
	 * stub), so perf needs kprobes. */
	if (!t->perf && kf->eprobes.state == FACT_YES)
		t->strings_from = STR_EPROBE;
	else if (kf->kprobe_events.state == FACT_YES)
		t->strings_from = STR_KPROBE;
	else
		t->strings_from = STR_NONE;
}

struct sc_source *sc_trace_open(const struct sc_table *tab,
				const struct sc_filter *f, bool perf,
				char *err, size_t errsz)
{
	const struct kernel_facts *kf = features_get();
	struct evstream_opts so = { .pid = f->pid > 0 ? f->pid : 0 };
	struct sc_trace *t = calloc(1, sizeof(*t));
	struct tfs *tfs = tfs_get();
	static const char *const how[] = {
		[STR_NONE] = "not read: strings need BPF, event probes or kprobes; pointers shown",
		[STR_EPROBE] = "read by event probes on syscalls:sys_enter_*",
		[STR_KPROBE] = "read by kprobes on the syscall functions",
	};

	if (!t) {
		snprintf(err, errsz, "out of memory");
		return NULL;
	}
	t->perf = perf;
	t->src.table = tab;
	t->src.filter = *f;
	t->slots = calloc(SLOTS, sizeof(*t->slots));
	t->roles = calloc(MAX_EVENT_ID, sizeof(*t->roles));
	if (!t->slots || !t->roles) {
		snprintf(err, errsz, "out of memory");
		goto fail;
	}
	if (!tfs) {
		snprintf(err, errsz, "tracefs is not available: %s", strerror(errno));
		goto fail;
	}
	if (!tab->count) {
		snprintf(err, errsz, "the kernel has no syscall trace events (CONFIG_FTRACE_SYSCALLS)");
		goto fail;
	}
	t->stream = evstream_new(perf ? EVT_PERF : EVT_TRACEFS, &so);
	if (!t->stream) {
		if (errno == ESRCH)
			snprintf(err, errsz, "no such process %d", f->pid);
		else
			snprintf(err, errsz, "cannot set up the event stream: %s",
				 strerror(errno));
		goto fail;
	}
	choose_strings(t, kf);
	if (add_events(t, tfs, f, err, errsz) || evstream_start(t->stream, err, errsz))
		goto fail;
	find_roles(t, tfs);
	if (f->pid > 0)
		seed_slots(t, f->pid);
	t->src.ops = &sc_trace_ops;
	t->src.mech = perf ? MECH_PERF : MECH_TRACEFS;
	t->src.has_strings = t->strings_from != STR_NONE;
	snprintf(t->src.strings, sizeof(t->src.strings), "%s", how[t->strings_from]);
	snprintf(t->src.what, sizeof(t->src.what), "%s",
		 perf ? "perf_event_open on raw_syscalls:sys_{enter,exit}" :
		 "tracefs instance raw buffers, syscalls:sys_{enter,exit}_*");
	return &t->src;
fail:
	trace_close(&t->src);
	return NULL;
}
