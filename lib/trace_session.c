// SPDX-License-Identifier: GPL-2.0
/*
 * trace over tracefs or perf_event_open: each probe becomes tracefs
 * dynamic events in sonde's group (kprobes, uprobes, event probes on
 * tracepoints whose pointer fields are read as strings) or a tracepoint
 * read as it is; the events stream through lib/evstream.c and each is
 * filtered and formatted in user space (lib/trace_format.c).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <traceevent/event-parse.h>

#include "evstream.h"
#include "exec_source.h"
#include "kernel_facts.h"
#include "ksyms.h"
#include "runloop.h"
#include "sonde.h"
#include "tfs.h"
#include "trace_session.h"
#include "util.h"

#define MAX_EVENTS 4096

struct bound_event {
	char sys[64], name[64];
	struct tep_event *ev;
	struct tprobe *probe;
	const char *func;	/* function hit, for wildcards */
	bool plain;		/* a tracepoint read as it is: slots are fields */
};

struct session {
	const struct trace_opts *o;
	struct tprobe *probes;
	int nprobes;
	struct evstream *stream;
	struct bound_event *bound;
	int nbound;
	long printed;
	uint64_t start_ns;
	bool done;
};

/* Rungs trace implements (BPF: see the BPF probe engine, lib/bpfprobe). */
static const enum rung implemented[] = {
	RUNG_TRACEFS_KPROBE, RUNG_TRACEFS_KRETPROBE, RUNG_TRACEFS_EVENT,
	RUNG_TRACEFS_UPROBE, RUNG_PERF_TRACEPOINT, RUNG_NONE,
};

/* One line naming every rung tried and why it was refused, and for a
 * kernel function the nearest tracepoint. */
static int refuse(const struct tprobe *p, const struct plan *pl)
{
	char why[900], sugg[4][96], tail[256] = "";
	int n = 0;

	plan_select(p->pkind, features_get(), g_opts.via, (struct plan *)pl);
	plan_reason_line(pl, why, sizeof(why));
	if (p->spec.type == PROBE_KFUNC && p->spec.func &&
	    !(p->spec.flags & PS_WILDCARD))
		n = ksyms_suggest_tracepoints_live(p->spec.func,
						   p->spec.flags & PS_RETURN, sugg, 4);
	if (n)
		snprintf(tail, sizeof(tail), "; try the tracepoint %s", sugg[0]);
	return error("cannot probe %s '%s' on this kernel: %s%s",
		     probe_kind_name(p->pkind), p->spec.func ? p->spec.func : p->label,
		     why, tail);
}

static int add_event(struct session *s, struct tprobe *p, const char *sys,
		     const char *name, const char *func, bool plain, char *err,
		     size_t errsz)
{
	struct bound_event *b;

	if (s->nbound == MAX_EVENTS) {
		snprintf(err, errsz, "more than %d events", MAX_EVENTS);
		return -E2BIG;
	}
	b = &s->bound[s->nbound++];
	snprintf(b->sys, sizeof(b->sys), "%s", sys);
	snprintf(b->name, sizeof(b->name), "%s", name);
	b->probe = p;
	b->func = func;
	b->plain = plain;
	/* two probes on one tracepoint share its records */
	for (int i = 0; i < s->nbound - 1; i++)
		if (!strcmp(s->bound[i].sys, sys) && !strcmp(s->bound[i].name, name))
			return 0;
	return evstream_add(s->stream, sys, name, NULL, err, errsz);
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

static int define_probe(struct session *s, struct tfs *tfs, int idx, char *err,
			size_t errsz)
{
	struct tprobe *p = &s->probes[idx];
	const char *group = tfs_group(tfs);
	bool ret = p->kind == TPK_KRETPROBE || p->kind == TPK_URETPROBE;
	size_t size = 256 + TPROBE_MAX_SLOTS * 800;
	char *def = malloc(size), args[TPROBE_MAX_SLOTS * 800 + 32], name[64];
	int rc = 0;

	fetch_args(p, p->kind != TPK_TRACEPOINT, args, sizeof(args));
	switch (p->kind) {
	case TPK_TRACEPOINT:
		if (!p->needs_eprobe) {
			rc = add_event(s, p, p->tp_sys, p->tp_name, NULL, true, err, errsz);
			break;
		}
		if (features_get()->eprobes.state != FACT_YES) {
			warning("'%s': reading a tracepoint's pointer field as a string needs BPF or event probes; printing the address",
				p->text);
			for (int i = 0; i < p->nslots; i++)
				p->slots[i].string = false;
			rc = add_event(s, p, p->tp_sys, p->tp_name, NULL, true, err, errsz);
			break;
		}
		snprintf(name, sizeof(name), "t%d", idx);
		snprintf(def, size, "e:%s/%s %s.%s%s", group, name, p->tp_sys,
			 p->tp_name, args);
		rc = tfs_dynevent_add(tfs, def, err, errsz);
		if (!rc)
			rc = add_event(s, p, group, name, NULL, false, err, errsz);
		break;
	case TPK_KPROBE:
	case TPK_KRETPROBE:
		for (size_t i = 0; i < p->nfuncs && !rc; i++) {
			snprintf(name, sizeof(name), "t%d_%zu", idx, i);
			if (p->spec.offset)
				snprintf(def, size, "p:%s/%s %s+%llu%s", group, name,
					 p->funcs[i], (unsigned long long)p->spec.offset, args);
			else
				snprintf(def, size, "%c:%s/%s %s%s", ret ? 'r' : 'p',
					 group, name, p->funcs[i], args);
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
			char ref[32] = "";

			if (p->kind == TPK_USDT && p->ref_ctr)
				snprintf(ref, sizeof(ref), "(0x%llx)",
					 (unsigned long long)p->ref_ctr);
			snprintf(name, sizeof(name), "t%d_%d", idx, i);
			snprintf(def, size, "%c:%s/%s %s:0x%llx%s%s", ret ? 'r' : 'p',
				 group, name, p->binary,
				 (unsigned long long)p->uoffsets[i], ref, args);
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

static void print_event(struct session *s, const struct tprobe_event *e,
			const char *func, const char *msg)
{
	const struct trace_opts *o = s->o;

	if (g_opts.json) {
		printf("{\"time_ns\":%llu,\"pid\":%d,\"tid\":%d,\"cpu\":%d,\"comm\":",
		       (unsigned long long)mono_to_real_ns(e->ts), e->pid, e->tid, e->cpu);
		json_print_string(stdout, e->comm);
		printf(",\"probe\":");
		json_print_string(stdout, e->probe->text);
		printf(",\"func\":");
		json_print_string(stdout, func);
		printf(",\"message\":");
		json_print_string(stdout, msg);
		printf(",\"values\":[");
		for (int i = 0; i < e->probe->nslots; i++) {
			if (i)
				putchar(',');
			if (e->vals[i].is_str)
				json_print_string(stdout, e->vals[i].s);
			else
				printf("%lld", (long long)e->vals[i].i);
		}
		printf("]}\n");
		return;
	}
	if (o->time_wall) {
		uint64_t real = mono_to_real_ns(e->ts);
		time_t t = real / 1000000000ull;
		struct tm tm;
		char buf[16];

		localtime_r(&t, &tm);
		strftime(buf, sizeof(buf), "%H:%M:%S", &tm);
		printf("%s.%06llu ", buf, (unsigned long long)(real / 1000 % 1000000));
	} else if (o->time_rel) {
		printf("%-12.6f ", (double)(e->ts - s->start_ns) / 1e9);
	}
	printf("%-7d %-7d %-15.15s %-16s %s\n", e->pid, e->tid, e->comm, func, msg);
}

static void deliver(struct session *s, struct bound_event *b,
		    struct tep_event *ev, struct tep_record *rec, int cpu)
{
	struct tprobe_event e = { 0 };
	char strs[TPROBE_MAX_SLOTS][512], comm[32] = "", msg[4096], name[16];

	e.probe = b->probe;
	e.tid = ev_record_pid(ev, rec);
	e.pid = tgid_of(e.tid);
	e.cpu = cpu;
	e.ts = ev_record_ts(rec);
	e.uid = (uint32_t)-1;
	if (s->o->pid && e.pid != s->o->pid && !s->o->launch)
		return;
	if (s->o->tid && e.tid != s->o->tid)
		return;
	/* dynamic events fetch $comm; tracepoint records have none */
	if (!ev_field_str(ev, rec, "comm", comm, sizeof(comm)) &&
	    !ppid_comm(e.tid, comm, sizeof(comm)))
		snprintf(comm, sizeof(comm), "?");
	e.comm = comm;
	if (s->o->comm && strcmp(comm, s->o->comm))
		return;
	for (int i = 0; i < b->probe->nslots; i++) {
		const struct tslot *sl = &b->probe->slots[i];
		const char *field = sl->field;
		uint64_t v = 0;

		if (!b->plain) {
			snprintf(name, sizeof(name), "f%d", i);
			field = name;
		}
		if (sl->string && ev_field_str(ev, rec, field, strs[i], sizeof(strs[i]))) {
			e.vals[i] = (struct value){ .is_str = true, .s = strs[i] };
		} else {
			ev_field_u64(ev, rec, field, &v);
			e.vals[i] = (struct value){ .i = (int64_t)v };
		}
	}
	if (!tprobe_filter(&e))
		return;
	tprobe_message(&e, msg, sizeof(msg));
	print_event(s, &e, b->func ? b->func : b->probe->label, msg);
	if (s->o->max_events && ++s->printed >= s->o->max_events)
		s->done = true;
}

static void on_record(void *ctx, struct tep_event *ev, struct tep_record *rec, int cpu)
{
	struct session *s = ctx;

	for (int i = 0; i < s->nbound && !s->done; i++)
		if (s->bound[i].ev == ev)
			deliver(s, &s->bound[i], ev, rec, cpu);
}

static int poll_session(void *ctx, int timeout_ms)
{
	struct session *s = ctx;
	int n = evstream_poll(s->stream, timeout_ms, on_record, s);

	if (s->done || (s->o->launch && launch_exited(s->o->launch)))
		signals_request_stop();
	return n;
}

static int start(struct session *s, enum mechanism mech, char *err, size_t errsz)
{
	struct evstream_opts so = { .pid = s->o->launch ? s->o->launch->pid : 0 };
	struct tfs *tfs = tfs_get();

	if (!tfs) {
		snprintf(err, errsz, "tracefs is not available: %s", strerror(errno));
		return -1;
	}
	s->stream = evstream_new(mech == MECH_PERF ? EVT_PERF : EVT_TRACEFS, &so);
	if (!s->stream) {
		snprintf(err, errsz, "cannot set up the event stream: %s", strerror(errno));
		return -1;
	}
	for (int i = 0; i < s->nprobes; i++)
		if (define_probe(s, tfs, i, err, errsz))
			return -1;
	if (evstream_start(s->stream, err, errsz))
		return -1;
	for (int i = 0; i < s->nbound; i++)
		s->bound[i].ev = tep_find_event_by_name(evstream_tep(s->stream),
							s->bound[i].sys, s->bound[i].name);
	return 0;
}

int trace_session_run(struct tprobe *probes, int n, const struct trace_opts *o)
{
	const struct kernel_facts *kf = features_get();
	struct session s = { .o = o, .probes = probes, .nprobes = n };
	enum mechanism mech = MECH_TRACEFS;
	char err[1024];
	int ret, status;

	/* --via perf reads tracefs-defined events through perf_event_open,
	 * as perf probe does, so the choice of probe is tracefs's. */
	enum mechanism via = g_opts.via == MECH_PERF ? MECH_TRACEFS : g_opts.via;

	if (g_opts.via == MECH_PERF)
		mech = MECH_PERF;
	for (int i = 0; i < n; i++) {
		struct plan pl;

		if (plan_select_among(probes[i].pkind, kf, via, implemented, &pl))
			return refuse(&probes[i], &pl);
		vinfo("%s: %s", probes[i].text, rung_name(pl.rung));
		if (pl.mech == MECH_PERF)
			mech = MECH_PERF;
		if ((ret = tprobe_resolve(&probes[i], err, sizeof(err))))
			return ret == EXIT_USAGE ? usage_error("%s", err) : error("%s", err);
	}
	s.bound = calloc(MAX_EVENTS, sizeof(*s.bound));
	signals_install();
	tfs_sweep_stale(NULL);
	if (start(&s, mech, err, sizeof(err))) {
		status = error("%s", err);
		goto out;
	}
	if (o->launch && launch_release(o->launch, err, sizeof(err))) {
		status = error("%s", err);
		goto out;
	}
	s.start_ns = now_mono_ns();
	fprintf(stderr, "Tracing %d probe%s via %s. Ctrl-C to end.\n", n, n > 1 ? "s" : "",
		mech == MECH_PERF ? "perf_event_open on tracefs events" : "tracefs");
	if (!g_opts.json) {
		if (o->time_wall)
			printf("%-15s ", "TIME");
		else if (o->time_rel)
			printf("%-12s ", "TIME");
		printf("%-7s %-7s %-15s %-16s %s\n", "PID", "TID", "COMM", "FUNC", "-");
	}
	ret = runloop_run(poll_session, &s, o->duration);
	evstream_stop(s.stream);
	evstream_flush(s.stream, on_record, &s);
	fflush(stdout);
	uint64_t lost = evstream_lost(s.stream);
	if (g_opts.json)
		printf("{\"type\":\"summary\",\"lost\":%llu}\n", (unsigned long long)lost);
	else if (lost)
		warning("%llu events lost", (unsigned long long)lost);
	fflush(stdout);
	status = ret ? error("reading events failed: %s", strerror(-ret)) : 0;
out:
	if (s.stream)
		evstream_free(s.stream);
	tfs_teardown();
	if (o->launch)
		launch_abort(o->launch);
	free(s.bound);
	return status;
}
