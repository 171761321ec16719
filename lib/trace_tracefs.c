// SPDX-License-Identifier: GPL-2.0
/*
 * trace over tracefs or perf_event_open: each probe becomes tracefs
 * dynamic events in sonde's group (kprobes, uprobes, event probes on
 * tracepoints whose pointer fields are read as strings) or a tracepoint
 * read as it is; on a kernel without kprobes, kernel function entries go
 * to the ftrace function tracer of the private instance instead. The
 * events, with their stacks for -K/-U, stream through lib/evstream.c.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <traceevent/event-parse.h>

#include "evstream.h"
#include "exec_source.h"
#include "kernel_facts.h"
#include "ksyms.h"
#include "sonde.h"
#include "symbolize.h"
#include "tfs.h"
#include "trace_backend.h"
#include "util.h"

#define MAX_EVENTS 4096

struct bound_event {
	char sys[64], name[64];
	struct tep_event *ev;
	struct tprobe *probe;
	const char *func;	/* function hit, for wildcards */
	bool plain;		/* a tracepoint read as it is: slots are fields */
	char **functions;	/* function tracer: the probe's, sorted */
	bool kernel_filtered;	/* the kernel applies the probe's filter */
};

struct tracefs_state {
	struct evstream *stream;
	struct bound_event *bound;
	int nbound;
	/* tracepoint records carry no comm: learn it from forks and execs */
	struct tep_event *fork_ev, *exec_ev, *rename_ev;
};

#define STATE(s) ((struct tracefs_state *)(s)->priv)

static bool has_comm_field(const struct tprobe *p)
{
	const char *root = features_tracefs_path();
	char path[512], *text;
	bool has;

	snprintf(path, sizeof(path), "%s/events/%s/%s/format", root ? root : "",
		 p->tp_sys, p->tp_name);
	if (!(text = ksyms_read_file(path)))
		return true;
	has = strstr(text, " comm[") || strstr(text, " comm;");
	free(text);
	return has;
}

/*
 * The probe's filter as a tracefs filter over the event's fields, so the
 * kernel drops what fails it before it reaches the buffer; only when the
 * whole expression translates (user space checks it again either way).
 */
bool tprobe_tracefs_filter(const struct tprobe *p, const struct expr *e,
			   bool plain, char *buf, size_t size)
{
	static const char *const ops[] = {
		[EOP_LT] = "<", [EOP_LE] = "<=", [EOP_GT] = ">", [EOP_GE] = ">=",
		[EOP_EQ] = "==", [EOP_NE] = "!=", [EOP_AND] = "&",
		[EOP_LAND] = "&&", [EOP_LOR] = "||",
	};
	char l[512], r[512];
	int slot;

	switch (e->kind) {
	case EXPR_INT:
		return snprintf(buf, size, "%lld", (long long)e->value) < (int)size;
	case EXPR_STR:
		if (strchr(e->name, '"'))
			return false;
		return snprintf(buf, size, "\"%s\"", e->name) < (int)size;
	case EXPR_BUILTIN:
		/* every event records the thread as common_pid */
		if (e->builtin == EB_TID)
			return snprintf(buf, size, "common_pid") < (int)size;
		if (e->builtin == EB_CPU)
			return snprintf(buf, size, "cpu") < (int)size;
		/* "comm" is the task's unless the event has a field of
		 * that name (sched_wakeup) */
		if (e->builtin != EB_COMM || (plain && has_comm_field(p)))
			return false;
		return snprintf(buf, size, "comm") < (int)size;
	case EXPR_UNARY:
		if (e->op != EOP_NOT || !tprobe_tracefs_filter(p, e->left, plain, l, sizeof(l)))
			return false;
		return snprintf(buf, size, "!(%s)", l) < (int)size;
	case EXPR_BINARY:
		if ((size_t)e->op >= sizeof(ops) / sizeof(ops[0]) || !ops[e->op] ||
		    !tprobe_tracefs_filter(p, e->left, plain, l, sizeof(l)) ||
		    !tprobe_tracefs_filter(p, e->right, plain, r, sizeof(r)))
			return false;
		return snprintf(buf, size, "(%s %s %s)", l, ops[e->op], r) < (int)size;
	default:
		if ((slot = tprobe_slot_of(p, e)) < 0 || p->slots[slot].unknown)
			return false;
		if (plain)
			return snprintf(buf, size, "%s", p->slots[slot].field) < (int)size;
		return snprintf(buf, size, "f%d", slot) < (int)size;
	}
}

/* The conjuncts of a top-level && chain the kernel can check: a weaker
 * filter is still right, user space checks the whole one again. */
static bool kernel_conjuncts(const struct tprobe *p, const struct expr *e,
			     bool plain, char *buf, size_t size)
{
	char l[512], r[512];
	bool lk, rk;

	if (e->kind != EXPR_BINARY || e->op != EOP_LAND)
		return tprobe_tracefs_filter(p, e, plain, buf, size);
	lk = kernel_conjuncts(p, e->left, plain, l, sizeof(l));
	rk = kernel_conjuncts(p, e->right, plain, r, sizeof(r));
	if (lk && rk)
		return snprintf(buf, size, "(%s && %s)", l, r) < (int)size;
	if (lk || rk)
		return snprintf(buf, size, "%s", lk ? l : r) < (int)size;
	return false;
}

/* Records of sys/name go to probe p. */
static int add_bound(struct session *s, struct tprobe *p, const char *sys,
		     const char *name, const char *func, bool plain, char *err,
		     size_t errsz)
{
	struct tracefs_state *t = STATE(s);
	struct bound_event *b;

	if (t->nbound == MAX_EVENTS) {
		snprintf(err, errsz, "more than %d events", MAX_EVENTS);
		return -E2BIG;
	}
	b = &t->bound[t->nbound++];
	snprintf(b->sys, sizeof(b->sys), "%s", sys);
	snprintf(b->name, sizeof(b->name), "%s", name);
	b->probe = p;
	b->func = func;
	b->plain = plain;
	return 0;
}

static int add_event(struct session *s, struct tprobe *p, const char *sys,
		     const char *name, const char *func, bool plain, char *err,
		     size_t errsz)
{
	struct tracefs_state *t = STATE(s);
	struct bound_event *b;
	int ret = add_bound(s, p, sys, name, func, plain, err, errsz);

	if (ret)
		return ret;
	b = &t->bound[t->nbound - 1];
	/* two probes on one tracepoint share its records */
	for (int i = 0; i < t->nbound - 1; i++)
		if (!strcmp(t->bound[i].sys, sys) && !strcmp(t->bound[i].name, name))
			return 0;
	char filter[1024];
	bool shared = false;

	/* a tracepoint two probes share keeps every record */
	for (int i = 0; i < s->nprobes; i++)
		shared |= &s->probes[i] != p && s->probes[i].kind == TPK_TRACEPOINT &&
			  !strcmp(s->probes[i].tp_sys, sys) && !strcmp(s->probes[i].tp_name, name);
	if (shared || !p->spec.filter || !kernel_conjuncts(p, p->spec.filter, plain, filter, sizeof(filter)))
		return evstream_add(t->stream, sys, name, NULL, err, errsz);
	if (!(ret = evstream_add(t->stream, sys, name, filter, err, errsz))) {
		vinfo("kernel filter for %s/%s: %s", sys, name, filter);
		b->kernel_filtered = true;
		return 0;
	}
	if (ret != -EINVAL)	/* not the filter: the instance, the event */
		return ret;
	/* e.g. a negative number for a field the format calls unsigned */
	vinfo("the kernel refused the filter '%s' (%s); filtering in sonde", filter, err);
	return evstream_add(t->stream, sys, name, NULL, err, errsz);
}

/* " comm=$comm:string f0=FETCH f1=FETCH ..." */
static void fetch_args(const struct tprobe *p, bool with_comm, char *buf, size_t size)
{
	size_t n = 0;

	buf[0] = '\0';
	if (with_comm)
		n += snprintf(buf + n, size - n, " comm=$comm:string");
	for (int i = 0; i < p->nslots && n < size; i++)
		n += snprintf(buf + n, size - n, " f%d=%s", i, p->slots[i].fetch);
}

int tprobe_tracefs_nevents(const struct tprobe *p)
{
	switch (p->kind) {
	case TPK_TRACEPOINT:
		return 1;
	case TPK_KPROBE:
	case TPK_KRETPROBE:
		return p->nfuncs;
	default:
		return p->nsites;
	}
}

int tprobe_tracefs_def(const struct tprobe *p, int i, const char *group,
		       const char *name, bool with_comm, char *def, size_t size)
{
	bool ret = p->kind == TPK_KRETPROBE || p->kind == TPK_URETPROBE;
	char args[TPROBE_MAX_SLOTS * 800 + 32], ref[32] = "";
	int n;

	fetch_args(p, with_comm, args, sizeof(args));
	switch (p->kind) {
	case TPK_TRACEPOINT:
		n = snprintf(def, size, "e:%s/%s %s.%s%s", group, name, p->tp_sys,
			     p->tp_name, args);
		break;
	case TPK_KPROBE:
	case TPK_KRETPROBE:
		if (p->spec.offset)
			n = snprintf(def, size, "p:%s/%s %s+%llu%s", group, name,
				     p->funcs[i], (unsigned long long)p->spec.offset,
				     args);
		else
			n = snprintf(def, size, "%c:%s/%s %s%s", ret ? 'r' : 'p',
				     group, name, p->funcs[i], args);
		break;
	default:	/* uprobes and USDT sites */
		if (p->kind == TPK_USDT && p->ref_ctr)
			snprintf(ref, sizeof(ref), "(0x%llx)",
				 (unsigned long long)p->ref_ctr);
		n = snprintf(def, size, "%c:%s/%s %s:0x%llx%s%s", ret ? 'r' : 'p',
			     group, name, p->binary,
			     (unsigned long long)p->uoffsets[i], ref, args);
	}
	return n < 0 || (size_t)n >= size ? -ENOSPC : 0;
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every function-tracer probe's functions go into one set_ftrace_filter;
 * each probe keeps its own sorted list to claim the records it owns. */
static int define_functions(struct session *s, char *err, size_t errsz)
{
	struct tracefs_state *t = STATE(s);
	size_t n = 0, k = 0;
	char **all;
	int ret = 0;

	for (int i = 0; i < s->nprobes; i++)
		if (s->probes[i].kind == TPK_KPROBE)
			n += s->probes[i].nfuncs;
	if (!n)
		return 0;
	all = malloc(n * sizeof(*all));
	if (!all)
		return -ENOMEM;
	for (int i = 0; i < s->nprobes && !ret; i++) {
		struct tprobe *p = &s->probes[i];
		struct bound_event *b;

		if (p->kind != TPK_KPROBE)
			continue;
		memcpy(all + k, p->funcs, p->nfuncs * sizeof(*all));
		k += p->nfuncs;
		if ((ret = add_bound(s, p, "ftrace", "function", NULL, false, err, errsz)))
			break;
		b = &t->bound[t->nbound - 1];
		b->functions = malloc(p->nfuncs * sizeof(*b->functions));
		if (!b->functions) {
			ret = -ENOMEM;
			break;
		}
		memcpy(b->functions, p->funcs, p->nfuncs * sizeof(*b->functions));
		qsort(b->functions, p->nfuncs, sizeof(*b->functions), cmp_name);
	}
	if (!ret)
		ret = evstream_add_functions(t->stream, all, n, err, errsz);
	free(all);
	return ret;
}

/* A tracepoint whose slots need an event probe, read as it is instead:
 * a pointer field's string is its address; memory behind it
 * (+u0(args->how)) is unknown, never the address taken for the value. */
static void plain_fallback(struct session *s, struct tprobe *p)
{
	const char *why = s->mech == MECH_PERF ? " (which perf cannot read)" : "";
	bool deref = false, string = false;

	for (int i = 0; i < p->nslots; i++) {
		struct tslot *sl = &p->slots[i];

		if (sl->field_deref) {
			sl->unknown = deref = true;
		} else if (sl->string && sl->field_pointer) {
			string = true;
		}
		if (sl->field_pointer || sl->field_deref)
			sl->string = false;
	}
	if (s->o->title)	/* a tool (snoop) says it in its own terms */
		return;
	if (string)
		warning("'%s': reading a tracepoint's pointer field as a string needs BPF or event probes%s; printing the address",
			p->text, why);
	if (deref)
		warning("'%s': reading memory behind a tracepoint's pointer field (+u0(args->NAME)) needs BPF or event probes%s; the value is unknown: shown as ?, and a filter on it matches nothing",
			p->text, why);
}

static int define_probe(struct session *s, struct tfs *tfs, int idx, char *err,
			size_t errsz)
{
	struct tprobe *p = &s->probes[idx];
	const char *group = tfs_group(tfs);
	size_t size = 256 + PATH_MAX + TPROBE_MAX_SLOTS * 800;
	char *def = malloc(size), name[64];
	int rc = 0;

	if (!def)
		return -ENOMEM;
	switch (p->kind) {
	case TPK_TRACEPOINT:
		if (!p->needs_eprobe) {
			rc = add_event(s, p, p->tp_sys, p->tp_name, NULL, true, err, errsz);
			break;
		}
		/* event probes cannot feed perf_event_open */
		if (features_get()->eprobes.state != FACT_YES || s->mech == MECH_PERF) {
			plain_fallback(s, p);
			rc = add_event(s, p, p->tp_sys, p->tp_name, NULL, true, err, errsz);
			break;
		}
		snprintf(name, sizeof(name), "t%d", idx);
		rc = tprobe_tracefs_def(p, 0, group, name, false, def, size);
		if (!rc)
			rc = tfs_dynevent_add(tfs, def, err, errsz);
		if (!rc)
			rc = add_event(s, p, group, name, NULL, false, err, errsz);
		break;
	case TPK_KPROBE:
		if (s->function_tracer)
			break;	/* define_functions() */
		/* fall through */
	case TPK_KRETPROBE:
		for (size_t i = 0; i < p->nfuncs && !rc; i++) {
			snprintf(name, sizeof(name), "t%d_%zu", idx, i);
			rc = tprobe_tracefs_def(p, i, group, name, true, def, size);
			if (!rc)
				rc = tfs_dynevent_add(tfs, def, err, errsz);
			if (rc && p->nfuncs > 1) {
				vinfo("skipping %s: %s", p->funcs[i], err);
				rc = 0;
				continue;
			}
			if (!rc)
				rc = add_event(s, p, group, name, p->funcs[i], false, err, errsz);
		}
		break;
	default:	/* uprobes and USDT sites */
		for (int i = 0; i < p->nsites && !rc; i++) {
			snprintf(name, sizeof(name), "t%d_%d", idx, i);
			rc = tprobe_tracefs_def(p, i, group, name, true, def, size);
			if (!rc)
				rc = tfs_dynevent_add(tfs, def, err, errsz);
			if (!rc)
				rc = add_event(s, p, group, name, NULL, false, err, errsz);
		}
	}
	free(def);
	return rc;
}

/* The thread group of a thread (tracefs records carry only the tid). */
static int tgid_of(int tid)
{
	static int last_tid, last_tgid;
	char path[64], buf[512], *p;

	if (tid == last_tid)
		return last_tgid;
	snprintf(path, sizeof(path), "/proc/%d/status", tid);
	if (read_text_file(path, buf, sizeof(buf)) < 0 || !(p = strstr(buf, "\nTgid:")))
		return tid;
	last_tid = tid;
	last_tgid = atoi(p + 6);
	return last_tgid;
}

/* A function tracer record: is it one of b's functions? Which one? */
static const char *function_hit(struct bound_event *b, struct tep_event *ev,
				struct tep_record *rec, uint64_t *ip)
{
	char name[512], *key = name, **hit;

	if (!ev_field_u64(ev, rec, "ip", ip))
		return NULL;
	sym_kernel(*ip, name, sizeof(name));
	name[strcspn(name, "+")] = '\0';	/* "f+0x4" past an endbr64 */
	hit = bsearch(&key, b->functions, b->probe->nfuncs, sizeof(*hit), cmp_name);
	return hit ? *hit : NULL;
}

/* func_stack_trace starts in ftrace's trampoline (6.12+ writes a marker
 * instead): begin at the return address into the function itself. */
static void stack_from_function(struct tprobe_event *e, uint64_t ip)
{
	for (int i = 0; i < e->nkstack; i++)
		if (e->kstack[i] - ip < 32) {
			e->kstack += i;
			e->nkstack -= i;
			return;
		}
}

static void deliver(struct session *s, struct bound_event *b,
		    struct tep_event *ev, struct tep_record *rec, int cpu)
{
	struct tprobe_event e = { 0 };
	char strs[TPROBE_MAX_SLOTS][512], comm[32] = "", name[16], path[64];
	const char *func = b->func;
	uint64_t ip = 0;

	if (b->functions && !(func = function_hit(b, ev, rec, &ip)))
		return;
	e.probe = b->probe;
	e.filtered = b->kernel_filtered;
	e.tid = ev_record_pid(ev, rec);
	e.pid = tgid_of(e.tid);
	e.cpu = cpu;
	e.ts = ev_record_ts(rec);
	e.uid = (uint32_t)-1;
	/* dynamic events fetch $comm; tracepoint and function tracer
	 * records have none: the live task's (a thread may have renamed
	 * itself since its fork was seen), else what was learned of it */
	snprintf(path, sizeof(path), "/proc/%d/comm", e.tid);
	if (!ev_field_str(ev, rec, "comm", comm, sizeof(comm)) &&
	    read_text_file(path, comm, sizeof(comm)) <= 0 &&
	    !ppid_comm(e.tid, comm, sizeof(comm)))
		snprintf(comm, sizeof(comm), "?");
	e.comm = comm;
	if (s->o->kstack)
		e.nkstack = ev_record_stack(rec, false, &e.kstack);
	if (b->functions)
		stack_from_function(&e, ip);
	if (s->o->ustack)
		e.nustack = ev_record_stack(rec, true, &e.ustack);
	for (int i = 0; i < b->probe->nslots; i++) {
		const struct tslot *sl = &b->probe->slots[i];
		const char *field = sl->field;
		uint64_t v = 0;

		if (!b->plain) {
			snprintf(name, sizeof(name), "f%d", i);
			field = name;
		}
		if (sl->unknown) {
			e.vals[i] = (struct value){ 0 };
		} else if (sl->field_bytes && b->plain &&
		    ev_field_hex(ev, rec, field, strs[i], sizeof(strs[i]))) {
			e.vals[i] = (struct value){ .is_str = true, .s = strs[i] };
		} else if (sl->string && ev_field_str(ev, rec, field, strs[i], sizeof(strs[i]))) {
			e.vals[i] = (struct value){ .is_str = true, .s = strs[i] };
		} else {
			ev_field_u64(ev, rec, field, &v);
			if (b->plain && sl->field_signed && sl->field_size == 4)
				v = (int64_t)(int32_t)v;
			e.vals[i] = (struct value){ .i = (int64_t)v };
		}
	}
	trace_emit(s, &e, func);
}

/* The comm a short-lived process had, for records read after it left. */
static void note_comm(struct tracefs_state *t, struct tep_event *ev,
		      struct tep_record *rec)
{
	char comm[16] = "", file[256];
	uint64_t parent, child;
	const char *base;

	if (ev == t->fork_ev && ev_field_u64(ev, rec, "parent_pid", &parent) &&
	    ev_field_u64(ev, rec, "child_pid", &child)) {
		ev_field_str(ev, rec, "child_comm", comm, sizeof(comm));
		ppid_note_fork(parent, child, comm);
	} else if (ev == t->rename_ev &&
		   ev_field_str(ev, rec, "newcomm", comm, sizeof(comm))) {
		ppid_note_comm(ev_record_pid(ev, rec), comm);
	} else if (ev == t->exec_ev && !t->rename_ev &&
		   ev_field_str(ev, rec, "filename", file, sizeof(file))) {
		base = strrchr(file, '/');
		snprintf(comm, sizeof(comm), "%.15s", base ? base + 1 : file);
		ppid_note_comm(ev_record_pid(ev, rec), comm);
	}
}

static void on_record(void *ctx, struct tep_event *ev, struct tep_record *rec, int cpu)
{
	struct session *s = ctx;
	struct tracefs_state *t = STATE(s);

	if (ev == t->fork_ev || ev == t->exec_ev || ev == t->rename_ev)
		note_comm(t, ev, rec);

	for (int i = 0; i < t->nbound && !s->done; i++)
		if (t->bound[i].ev == ev)
			deliver(s, &t->bound[i], ev, rec, cpu);
}

static int tracefs_poll(struct session *s, int timeout_ms)
{
	return evstream_poll(STATE(s)->stream, timeout_ms, on_record, s);
}

static bool bound(const struct tracefs_state *t, const char *sys, const char *name)
{
	for (int i = 0; i < t->nbound; i++)
		if (!strcmp(t->bound[i].sys, sys) && !strcmp(t->bound[i].name, name))
			return true;
	return false;
}

/* Plain tracepoints and function tracer records (not dynamic events,
 * which fetch $comm) get the comm of their task from forks and renames
 * seen (task_rename fires at exec and at prctl(PR_SET_NAME), as busybox
 * applets do; without it the exec'd file's name); false when not needed
 * or the kernel refused (then /proc alone answers). */
static bool add_comm_events(struct tracefs_state *t)
{
	char err[256];
	bool plain = false;

	for (int i = 0; i < t->nbound; i++)
		plain |= t->bound[i].plain || t->bound[i].functions;
	if (!plain || bound(t, "sched", "sched_process_fork") ||
	    bound(t, "sched", "sched_process_exec"))
		return false;
	if (evstream_add(t->stream, "sched", "sched_process_fork", NULL, err, sizeof(err)) ||
	    evstream_add(t->stream, "sched", "sched_process_exec", NULL, err, sizeof(err))) {
		vinfo("comm of short-lived tasks from /proc only: %s", err);
		return false;
	}
	if (!bound(t, "task", "task_rename") &&
	    evstream_add(t->stream, "task", "task_rename", NULL, err, sizeof(err)))
		vinfo("comm of short-lived tasks from their exec only: %s", err);
	return true;
}

static bool defining(const struct session *s, const struct bound_event *b)
{
	return s->o->defines && s->o->defines[b->probe - s->probes];
}

/* The hits of the events that define a paired tool's events (perf counts
 * them already; tracefs: counting-only perf events). */
static void count_defining(struct session *s)
{
	struct tracefs_state *t = STATE(s);
	char err[256];

	for (int i = 0; i < t->nbound; i++)
		if (defining(s, &t->bound[i]) && !t->bound[i].functions &&
		    evstream_count(t->stream, t->bound[i].sys, t->bound[i].name, err,
				   sizeof(err))) {
			vinfo("%s: the loss count will be a bound", err);
			return;
		}
}

static int tracefs_start(struct session *s, char *err, size_t errsz)
{
	/* -p and -- CMD: the kernel records only that process's tasks */
	struct evstream_opts so = {
		.pid = s->o->launch ? s->o->launch->pid : s->o->pid,
		.kstack = s->o->kstack,
		.ustack = s->o->ustack,
	};
	struct tracefs_state *t = calloc(1, sizeof(*t));
	struct tfs *tfs = tfs_get();

	s->priv = t;
	t->bound = calloc(MAX_EVENTS, sizeof(*t->bound));
	if (!tfs) {
		snprintf(err, errsz, "tracefs is not available: %s", strerror(errno));
		return -1;
	}
	tfs_sweep_stale(NULL);
	t->stream = evstream_new(s->mech == MECH_PERF ? EVT_PERF : EVT_TRACEFS, &so);
	if (!t->stream) {
		snprintf(err, errsz, "cannot set up the event stream: %s", strerror(errno));
		return -1;
	}
	for (int i = 0; i < s->nprobes; i++)
		if (define_probe(s, tfs, i, err, errsz))
			return -1;
	if (s->function_tracer && define_functions(s, err, errsz))
		return -1;
	bool comm_events = add_comm_events(t);

	count_defining(s);
	if (evstream_start(t->stream, err, errsz))
		return -1;
	for (int i = 0; i < t->nbound; i++)
		t->bound[i].ev = tep_find_event_by_name(evstream_tep(t->stream),
							t->bound[i].sys, t->bound[i].name);
	if (comm_events) {
		t->fork_ev = tep_find_event_by_name(evstream_tep(t->stream), "sched",
						    "sched_process_fork");
		t->exec_ev = tep_find_event_by_name(evstream_tep(t->stream), "sched",
						    "sched_process_exec");
		t->rename_ev = tep_find_event_by_name(evstream_tep(t->stream), "task",
						      "task_rename");
	}
	return 0;
}

static void tracefs_finish(struct session *s)
{
	evstream_stop(STATE(s)->stream);
	evstream_flush(STATE(s)->stream, on_record, s);
}

static uint64_t tracefs_lost(struct session *s)
{
	return evstream_lost(STATE(s)->stream);
}

static int tracefs_hits(struct session *s, int i, uint64_t *hits)
{
	struct tracefs_state *t = STATE(s);
	uint64_t h;
	int ret;

	*hits = 0;
	for (int k = 0; k < t->nbound; k++) {
		if (t->bound[k].probe != &s->probes[i])
			continue;
		if (t->bound[k].functions ||
		    (ret = evstream_hits(t->stream, t->bound[k].sys, t->bound[k].name, &h)))
			return -ENOENT;
		*hits += h;
	}
	return 0;
}

static void tracefs_free(struct session *s)
{
	struct tracefs_state *t = STATE(s);

	if (!t)
		return;
	if (t->stream)
		evstream_free(t->stream);
	tfs_teardown();
	for (int i = 0; i < t->nbound; i++)
		free(t->bound[i].functions);
	free(t->bound);
	free(t);
	s->priv = NULL;
}

static const char *tracefs_what(struct session *s)
{
	if (s->function_tracer)
		return "tracefs (kernel functions: the ftrace function tracer, entry only, no arguments)";
	return s->mech == MECH_PERF ? "perf_event_open on tracefs events" : "tracefs";
}

const struct trace_backend trace_tracefs_backend = {
	.name = "tracefs",
	.start = tracefs_start,
	.poll = tracefs_poll,
	.finish = tracefs_finish,
	.lost = tracefs_lost,
	.hits = tracefs_hits,
	.free = tracefs_free,
	.what = tracefs_what,
};
