// SPDX-License-Identifier: GPL-2.0
/*
 * trace sessions: choose the mechanism for the probes (one for all of
 * them), run a backend (lib/trace_bpf.c or lib/trace_tracefs.c) until
 * done, and print each event after its filter (lib/trace_format.c).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kernel_facts.h"
#include "ksyms.h"
#include "loss.h"
#include "privilege.h"
#include "runloop.h"
#include "sonde.h"
#include "tfs.h"
#include "symbolize.h"
#include "trace_backend.h"
#include "util.h"

/* Rungs trace implements. */
static const enum rung implemented[] = {
	RUNG_BPF_FENTRY, RUNG_BPF_FEXIT, RUNG_BPF_KPROBE, RUNG_BPF_KPROBE_MULTI,
	RUNG_BPF_KRETPROBE, RUNG_BPF_TRACEPOINT, RUNG_BPF_UPROBE, RUNG_BPF_USDT,
	RUNG_TRACEFS_KPROBE, RUNG_TRACEFS_KRETPROBE, RUNG_TRACEFS_FUNCTION,
	RUNG_TRACEFS_EVENT, RUNG_TRACEFS_UPROBE, RUNG_PERF_TRACEPOINT, RUNG_NONE,
};

/* One line naming every rung tried and why it was refused, and for a
 * kernel function the nearest tracepoint. */
static int refuse(const struct tprobe *p, const struct plan *pl, char *err,
		  size_t errsz)
{
	char why[900], sugg[4][96], tail[256] = "";
	struct plan all;
	int n = 0;

	/* every rung's reason when none works at all; else why the ones
	 * trace implements do not (a rung it lacks may work) */
	if (plan_select(p->pkind, features_get(), g_opts.via, &all))
		pl = &all;
	else
		snprintf(tail, sizeof(tail), " (%s would work, but trace does not use it)",
			 rung_name(all.rung));
	plan_reason_line(pl, why, sizeof(why));
	if (p->spec.type == PROBE_KFUNC && p->spec.func &&
	    !(p->spec.flags & PS_WILDCARD))
		n = ksyms_suggest_tracepoints_live(p->spec.func,
						   p->spec.flags & PS_RETURN, sugg, 4);
	if (n)
		snprintf(tail, sizeof(tail), "; try the tracepoint %s", sugg[0]);
	snprintf(err, errsz, "cannot probe %s '%s' on this kernel: %s%s",
		 probe_kind_name(p->pkind), p->spec.func ? p->spec.func : p->text,
		 why, tail);
	return EXIT_FAIL;
}

static void frame_name(uint64_t ip, int pid, bool kernel, char *buf, size_t size)
{
	if (kernel)
		sym_kernel(ip, buf, size);
	else
		sym_user(pid, ip, buf, size);
}

static void print_stack_text(const uint64_t *ips, int n, int pid, bool kernel)
{
	char name[512];

	for (int i = 0; i < n; i++) {
		frame_name(ips[i], pid, kernel, name, sizeof(name));
		printf("        %s\n", name);
	}
	if (n)
		printf("\n");
}

static void print_stack_json(const char *key, const uint64_t *ips, int n, int pid,
			     bool kernel)
{
	char name[512];

	if (!ips)
		return;
	printf(",\"%s\":[", key);
	for (int i = 0; i < n; i++) {
		frame_name(ips[i], pid, kernel, name, sizeof(name));
		if (i)
			putchar(',');
		json_print_string(stdout, name);
	}
	printf("]");
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
			if (e->probe->slots[i].unknown)
				printf("null");	/* not readable here */
			else if (e->vals[i].is_str)
				json_print_string(stdout, e->vals[i].s);
			else
				printf("%lld", (long long)e->vals[i].i);
		}
		printf("]");
		print_stack_json("kstack", e->kstack, e->nkstack, e->pid, true);
		print_stack_json("ustack", e->ustack, e->nustack, e->pid, false);
		printf("}\n");
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
	print_stack_text(e->kstack, e->nkstack, e->pid, true);
	print_stack_text(e->ustack, e->nustack, e->pid, false);
}

void trace_emit(struct session *s, const struct tprobe_event *e, const char *func)
{
	const struct trace_opts *o = s->o;
	char msg[4096];

	if (s->done)
		return;
	/* -p, --tid, --comm; every backend follows -- CMD's process tree in
	 * the kernel */
	if ((o->pid && e->pid != o->pid) || (o->tid && e->tid != o->tid) ||
	    (o->comm && strcmp(e->comm, o->comm)) ||
	    (!e->filtered && !tprobe_filter(e))) {
		if (o->defines && o->defines[e->probe - s->probes])
			s->rejected++;	/* counted by the kernel, not lost */
		return;
	}
	if (o->on_event) {
		o->on_event(o->ctx, e, func ? func : e->probe->label);
		return;
	}
	tprobe_message(e, msg, sizeof(msg));
	print_event(s, e, func ? func : e->probe->label, msg);
	if (s->o->max_events && ++s->printed >= s->o->max_events)
		s->done = true;
}

static int poll_session(void *ctx, int timeout_ms)
{
	struct session *s = ctx;
	int n = s->be->poll(s, timeout_ms);

	if (s->o->tick)
		s->o->tick(s->o->ctx);

	if (s->done || (s->o->launch && launch_exited(s->o->launch)))
		signals_request_stop();
	return n;
}

/* --via as the planner sees it: perf reads tracefs-defined events. */
static enum mechanism planned_via(void)
{
	return g_opts.via == MECH_PERF ? MECH_TRACEFS : g_opts.via;
}

/* Every probe through tracefs: refuse what cannot go there, and note
 * whether kernel functions go to the function tracer. */
static int choose_tracefs(struct session *s, char *err, size_t errsz)
{
	struct plan pl;

	s->function_tracer = false;
	for (int i = 0; i < s->nprobes; i++) {
		if (plan_select_among(s->probes[i].pkind, features_get(),
				      MECH_TRACEFS, implemented, &pl))
			return refuse(&s->probes[i], &pl, err, errsz);
		s->function_tracer |= pl.rung == RUNG_TRACEFS_FUNCTION;
	}
	return 0;
}

/*
 * One mechanism for every probe: BPF when each probe's best rung is BPF,
 * else tracefs (or perf, which reads tracefs-defined events through
 * perf_event_open, as perf probe does). Returns the exit status on refusal.
 */
static int choose(struct session *s, char *err, size_t errsz)
{
	const struct kernel_facts *kf = features_get();
	enum mechanism via = planned_via();
	bool all_bpf = true;
	struct plan pl;

	for (int i = 0; i < s->nprobes; i++) {
		if (plan_select_among(s->probes[i].pkind, kf, via, implemented, &pl))
			return refuse(&s->probes[i], &pl, err, errsz);
		plan_explain(&pl, s->probes[i].text);
		all_bpf = all_bpf && pl.mech == MECH_BPF;
		s->function_tracer |= pl.rung == RUNG_TRACEFS_FUNCTION;
	}
	if (all_bpf) {
		s->mech = MECH_BPF;
		return 0;
	}
	s->mech = g_opts.via == MECH_PERF ? MECH_PERF : MECH_TRACEFS;
	if (via != MECH_AUTO)
		return 0;
	vinfo("not every probe can use BPF here: all go through %s",
	      mechanism_name(s->mech));
	return choose_tracefs(s, err, errsz);
}

/*
 * The function tracer records a function's entry with pid, comm and
 * time: refuse at once what it cannot serve, saying why kprobes are not
 * there (the rungs the planner passed over).
 */
static int function_tracer_check(const struct session *s, char *err, size_t errsz)
{
	char why[900];
	struct plan pl;

	for (int i = 0; i < s->nprobes; i++) {
		const struct tprobe *p = &s->probes[i];
		const char *what = g_opts.via == MECH_PERF ? "records into tracefs buffers, not perf" :
				   p->nslots ? "records no arguments or return values" :
				   p->spec.offset ? "records function entries, not offsets" :
				   s->o->ustack ? "records no user stacks (-U)" : NULL;

		if (p->pkind != PK_KFUNC_ENTRY || !what)
			continue;
		plan_select_among(p->pkind, features_get(), planned_via(), implemented, &pl);
		plan_reason_line(&pl, why, sizeof(why));
		snprintf(err, errsz, "cannot trace '%s' on this kernel: only the ftrace function tracer can probe kernel functions here, and it %s (%s)",
			 p->text, what, why);
		return EXIT_FAIL;
	}
	return 0;
}

static void print_header(const struct trace_opts *o, enum mechanism mech)
{
	if (o->started) {
		o->started(o->ctx, mech);
		return;
	}
	if (g_opts.json)
		return;
	if (o->time_wall)
		printf("%-15s ", "TIME");
	else if (o->time_rel)
		printf("%-12s ", "TIME");
	printf("%-7s %-7s %-15s %-16s %s\n", "PID", "TID", "COMM", "FUNC", "-");
}

int trace_session_start(struct session *s, struct tprobe *probes, int n,
			const struct trace_opts *o, char *err, size_t errsz)
{
	int ret, status;

	*s = (struct session){ .o = o, .probes = probes, .nprobes = n };
	if ((status = choose(s, err, errsz)))
		return status;
	for (int i = 0; i < n && !o->resolved; i++) {
		probes[i].entry_args = s->mech == MECH_BPF;
		if ((ret = tprobe_resolve(&probes[i], err, errsz)))
			return o->tool_probes ? EXIT_FAIL : ret;
	}
	if (s->function_tracer && (status = function_tracer_check(s, err, errsz)))
		return status;
	signals_install();
	s->be = s->mech == MECH_BPF ? &trace_bpf_backend : &trace_tracefs_backend;
	if (!s->be->start(s, err, errsz))
		return 0;
	if (s->mech != MECH_BPF || g_opts.via == MECH_BPF)
		return EXIT_FAIL;
	/* BPF was offered but failed to load or attach: next rung */
	warning("BPF failed (%s); falling back to tracefs", err);
	s->be->free(s);
	s->mech = MECH_TRACEFS;
	s->be = &trace_tracefs_backend;
	if (privilege_tracefs_denied(err, errsz))
		return EXIT_FAIL;	/* not "BPF would work": it just failed */
	if ((status = choose_tracefs(s, err, errsz)) ||
	    (s->function_tracer && (status = function_tracer_check(s, err, errsz))))
		return status;
	return s->be->start(s, err, errsz) ? EXIT_FAIL : 0;
}

/* Paired tools: exact where the backend knows every defining probe's
 * hits (include/loss.h). */
static struct loss session_loss(struct session *s)
{
	uint64_t records = s->be->lost(s), hits = 0, h = 0;
	bool known = s->be->hits != NULL && s->o->defines;

	if (!s->o->defines && !(s->o->paired && s->o->paired(s->o->ctx)))
		return loss_records(records);
	for (int i = 0; i < s->nprobes && known; i++)
		if (s->o->defines[i]) {
			known = !s->be->hits(s, i, &h);
			hits += h;
		}
	if (!known && records)
		vinfo("the loss count is a bound (a lost entry or exit record costs at most one event): the kernel's count of hits is not known here");
	if (!s->o->defines)
		return loss_of(records, false, 0, 0);
	return loss_of(records, known, hits, s->o->made(s->o->ctx) + s->rejected);
}

int trace_session_run(struct tprobe *probes, int n, const struct trace_opts *o)
{
	struct session s;
	char err[1024];
	int ret, status;

	if ((status = trace_session_start(&s, probes, n, o, err, sizeof(err)))) {
		status = status == EXIT_USAGE ? usage_error("%s", err) : error("%s", err);
		goto out;
	}
	if (o->launch && launch_release(o->launch, err, sizeof(err))) {
		status = error("%s", err);
		goto out;
	}
	s.start_ns = now_mono_ns();
	if (o->title)
		fprintf(stderr, "Tracing %s via %s. Ctrl-C to end.\n", o->title,
			s.be->what(&s));
	else
		fprintf(stderr, "Tracing %d probe%s via %s. Ctrl-C to end.\n", n,
			n > 1 ? "s" : "", s.be->what(&s));
	print_header(o, s.mech);
	ret = runloop_run(poll_session, &s, o->duration);
	s.be->finish(&s);
	if (o->finish)
		o->finish(o->ctx);
	fflush(stdout);
	struct loss lost = session_loss(&s);
	loss_report(lost);
	fflush(stdout);
	status = ret ? error("reading events failed: %s", strerror(-ret)) : 0;
out:
	if (s.be)
		s.be->free(&s);
	if (o->launch)
		launch_abort(o->launch);
	return status;
}
