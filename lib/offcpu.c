// SPDX-License-Identifier: GPL-2.0
/*
 * sonde stack --offcpu: choose the rung, run it, print. Without BPF the
 * sched:sched_switch events come with their stacks from tracefs or perf
 * (lib/evstream.c), in time order across CPUs, and are paired here: a
 * task's switch-out keeps its stacks and time, its next switch-in adds
 * the time away to them.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <event-parse.h>

#include "evstream.h"
#include "kernel_facts.h"
#include "offcpu.h"
#include "plan.h"
#include "privilege.h"
#include "proctrack.h"
#include "runloop.h"
#include "sonde.h"
#include "symbolize.h"
#include "tfs.h"
#include "util.h"

/* ---- the streamed rungs ---- */

/* A task switched out, waiting to come back. */
struct away {
	int tid;		/* 0: free slot */
	int tgid;
	uint64_t ts;
	char comm[16];
	uint64_t *kips, *uips;
	int nk, nu;
};

struct stream {
	struct evstream *es;
	struct tep_event *ev;
	struct away *slots;	/* open addressing by tid */
	size_t cap, n;
	int *tids;		/* -p: the process's threads at the start */
	int ntids;
	int (*groups)[2];	/* tid -> process, open addressing */
	size_t ngroups, capgroups;
};

static struct away *away_slot(struct stream *s, int tid, bool create)
{
	size_t i;

	if (create && s->n * 2 >= s->cap) {
		struct stream grown = { .cap = s->cap ? s->cap * 2 : 1024 };

		if (!(grown.slots = calloc(grown.cap, sizeof(*grown.slots))))
			return NULL;
		for (size_t j = 0; j < s->cap; j++) {
			if (!s->slots[j].tid)
				continue;
			i = (unsigned)s->slots[j].tid & (grown.cap - 1);
			while (grown.slots[i].tid)
				i = (i + 1) & (grown.cap - 1);
			grown.slots[i] = s->slots[j];
		}
		free(s->slots);
		s->slots = grown.slots;
		s->cap = grown.cap;
	}
	if (!s->cap)
		return NULL;
	for (i = (unsigned)tid & (s->cap - 1); s->slots[i].tid; i = (i + 1) & (s->cap - 1))
		if (s->slots[i].tid == tid)
			return &s->slots[i];
	if (!create)
		return NULL;
	s->n++;
	s->slots[i].tid = tid;
	return &s->slots[i];
}

/* Remove a slot, re-placing the run after it (linear probing). */
static void away_remove(struct stream *s, struct away *a)
{
	size_t i = a - s->slots, j = i;

	free(a->kips);
	free(a->uips);
	*a = (struct away){ 0 };
	s->n--;
	for (;;) {
		struct away moved;

		j = (j + 1) & (s->cap - 1);
		if (!s->slots[j].tid)
			return;
		moved = s->slots[j];
		s->slots[j] = (struct away){ 0 };
		s->n--;
		*away_slot(s, moved.tid, true) = moved;
	}
}

/* The process a thread belongs to (/proc/TID/status), or the tid. */
static int tgid_of(int tid)
{
	char path[64], buf[1024], *p;

	snprintf(path, sizeof(path), "/proc/%d/status", tid);
	if (read_text_file(path, buf, sizeof(buf)) < 0 || !(p = strstr(buf, "\nTgid:")))
		return tid;
	return atoi(p + 6);
}

/* -p: the process's threads at the start (later ones are not followed) */
static bool ours(const struct offcpu *c, const struct stream *s, int tid)
{
	if (!c->o->pid)
		return true;
	for (int i = 0; i < s->ntids; i++)
		if (s->tids[i] == tid)
			return true;
	return false;
}

/* The process of a thread, asked of /proc once per thread. */
static int process_of(struct stream *s, int tid)
{
	size_t i;

	if (s->ngroups * 2 >= s->capgroups) {
		size_t cap = s->capgroups ? s->capgroups * 2 : 1024;
		int (*g)[2] = calloc(cap, sizeof(*g));

		if (!g)
			return tgid_of(tid);
		for (size_t j = 0; j < s->capgroups; j++) {
			if (!s->groups[j][0])
				continue;
			for (i = (unsigned)s->groups[j][0] & (cap - 1); g[i][0]; i = (i + 1) & (cap - 1))
				;
			g[i][0] = s->groups[j][0];
			g[i][1] = s->groups[j][1];
		}
		free(s->groups);
		s->groups = g;
		s->capgroups = cap;
	}
	for (i = (unsigned)tid & (s->capgroups - 1); s->groups[i][0];
	     i = (i + 1) & (s->capgroups - 1))
		if (s->groups[i][0] == tid)
			return s->groups[i][1];
	s->groups[i][0] = tid;
	s->groups[i][1] = tgid_of(tid);
	s->ngroups++;
	return s->groups[i][1];
}

static uint64_t *copy_ips(const uint64_t *ips, int n)
{
	uint64_t *c = n ? malloc(n * sizeof(*c)) : NULL;

	if (c)
		memcpy(c, ips, n * sizeof(*c));
	return c;
}

static void switch_out(struct offcpu *c, struct stream *s, struct tep_record *rec,
		       int tid)
{
	const uint64_t *ips;
	struct away *a;

	if (!tid || !ours(c, s, tid) || !(a = away_slot(s, tid, true)))
		return;
	/* Away already: its return was not reported. perf leaves out some
	 * switches made by the idle task (seen on 6.18, ~1 in 5 under
	 * load; perf record too), so that block is lost: say so. */
	if (a->ts)
		c->t.lost++;
	free(a->kips);
	free(a->uips);
	a->tgid = c->o->pid ? c->o->pid : process_of(s, tid);
	a->ts = ev_record_ts(rec);
	if (!ev_field_str(s->ev, rec, "prev_comm", a->comm, sizeof(a->comm)))
		a->comm[0] = '\0';
	a->nk = c->o->kernel ? ev_record_stack(rec, false, &ips) : 0;
	a->kips = copy_ips(ips, a->nk);
	a->nu = c->o->user ? ev_record_stack(rec, true, &ips) : 0;
	a->uips = copy_ips(ips, a->nu);
}

static void switch_in(struct offcpu *c, struct stream *s, struct tep_record *rec,
		      int tid)
{
	struct away *a = tid ? away_slot(s, tid, false) : NULL;
	uint64_t ts = ev_record_ts(rec), us;

	if (!a)
		return;
	us = ts > a->ts ? (ts - a->ts) / 1000 : 0;
	if (us >= c->o->min_block_us && us <= c->o->max_block_us) {
		struct stack_sample smp = {
			.pid = a->tgid, .comm = a->comm, .kips = a->kips,
			.nk = a->kips ? a->nk : 0, .uips = a->uips,
			.nu = a->uips ? a->nu : 0, .value = us,
		};

		stackagg_add(c->agg, &smp);
		c->t.events++;
	}
	away_remove(s, a);
}

static void on_record(void *ctx, struct tep_event *ev, struct tep_record *rec,
		      int cpu)
{
	struct offcpu *c = ctx;
	struct stream *s = c->priv;
	uint64_t prev, next;

	if (ev != s->ev || !ev_field_u64(ev, rec, "prev_pid", &prev) ||
	    !ev_field_u64(ev, rec, "next_pid", &next))
		return;
	switch_out(c, s, rec, prev);
	switch_in(c, s, rec, next);
}

static int st_start(struct offcpu *c, char *err, size_t errsz)
{
	/* every switch of the system, each with its stacks: a busy source */
	struct evstream_opts so = {
		.kstack = c->o->kernel, .ustack = c->o->user, .busy = true,
	};
	struct stream *s = calloc(1, sizeof(*s));
	int ret;

	if (!(c->priv = s))
		return -ENOMEM;
	if (c->o->pid && (s->ntids = perf_task_tids(c->o->pid, &s->tids)) < 0) {
		snprintf(err, errsz, "cannot list the threads of %d: %s", c->o->pid,
			 strerror(-s->ntids));
		return s->ntids;
	}
	if (!tfs_get()) {
		snprintf(err, errsz, "tracefs is not available: %s", strerror(errno));
		return -ENOENT;
	}
	tfs_sweep_stale(NULL);
	s->es = evstream_new(c->mech == MECH_PERF ? EVT_PERF : EVT_TRACEFS, &so);
	if (!s->es) {
		snprintf(err, errsz, "cannot set up the event stream: %s", strerror(errno));
		return -errno;
	}
	/* No kernel filter for -p: under one ('prev_pid == T || next_pid ==
	 * T') the switches made by the idle task are lost, on tracefs and
	 * perf alike (seen on 6.1 and 6.18), and with them T's returns to an
	 * idle CPU. Every switch comes; ours() picks. */
	ret = evstream_add(s->es, "sched", "sched_switch", NULL, err, errsz);
	if (ret || (ret = evstream_start(s->es, err, errsz)))
		return ret;
	s->ev = tep_find_event_by_name(evstream_tep(s->es), "sched", "sched_switch");
	return s->ev ? 0 : -ENOENT;
}

static int st_poll(struct offcpu *c, int timeout_ms)
{
	struct stream *s = c->priv;

	return evstream_poll(s->es, timeout_ms, on_record, c);
}

static int st_collect(struct offcpu *c)
{
	struct stream *s = c->priv;

	evstream_stop(s->es);
	evstream_flush(s->es, on_record, c);
	c->t.lost += evstream_lost(s->es);
	return 0;
}

static void st_free(struct offcpu *c)
{
	struct stream *s = c->priv;

	if (!s)
		return;
	if (s->es)
		evstream_free(s->es);
	tfs_teardown();
	for (size_t i = 0; i < s->cap; i++) {
		free(s->slots[i].kips);
		free(s->slots[i].uips);
	}
	free(s->slots);
	free(s->tids);
	free(s->groups);
	free(s);
	c->priv = NULL;
}

static const struct offcpu_ops stream_ops = {
	.what = "sched:sched_switch events with their stacks, paired in user space",
	.start = st_start,
	.poll = st_poll,
	.collect = st_collect,
	.free = st_free,
};

/* ---- choosing and running ---- */

static const enum rung implemented[] = {
	RUNG_BPF_TRACEPOINT, RUNG_TRACEFS_EVENT, RUNG_PERF_TRACEPOINT, RUNG_NONE,
};

/* Only when the classic tracepoint cannot be used: it needs no BTF. */
static const enum rung raw_implemented[] = { RUNG_BPF_RAW_TP, RUNG_NONE };

/*
 * The classic rungs first; if none is usable (tracefs unreadable with only
 * CAP_BPF and CAP_PERFMON), the raw tracepoint, attached by name.
 */
static int choose(const struct kernel_facts *kf, enum mechanism via,
		  struct plan *pl, char *err, size_t errsz)
{
	struct plan raw;
	char why[900];

	if (!plan_select_among(PK_TRACEPOINT, kf, via, implemented, pl)) {
		plan_explain(pl, "sched:sched_switch");
		return 0;
	}
	if (!plan_select_among(PK_TRACEPOINT, kf, via, raw_implemented, &raw)) {
		plan_explain(pl, "sched:sched_switch (classic tracepoint)");
		vinfo("sched:sched_switch: %s instead (attached by name, needs no tracefs)",
		      rung_name(raw.rung));
		*pl = raw;
		return 0;
	}
	if (!privilege_tracefs_denied(why, sizeof(why)))
		plan_reason_line(pl, why, sizeof(why));
	snprintf(err, errsz, "cannot trace sched:sched_switch%s%s on this kernel: %s",
		 via ? " via " : "", via ? mechanism_name(via) : "", why);
	return -1;
}

static const struct offcpu_ops *ops_for(const struct plan *pl)
{
	if (pl->rung == RUNG_BPF_RAW_TP)
		return &offcpu_raw_ops;
	return pl->mech == MECH_BPF ? &offcpu_bpf_ops : &stream_ops;
}

static int start(struct offcpu *c, char *err, size_t errsz)
{
	const struct kernel_facts *kf = features_get();
	enum mechanism via = g_opts.via;
	struct plan pl;

	for (;;) {
		if (choose(kf, via, &pl, err, errsz))
			return -1;
		c->mech = pl.mech;
		c->ops = ops_for(&pl);
		if (!c->ops->start(c, err, errsz))
			return 0;
		c->ops->free(c);
		if (pl.mech != MECH_BPF || g_opts.via == MECH_BPF)
			return -1;
		warning("%s failed (%s); falling back", rung_name(pl.rung), err);
		via = MECH_TRACEFS;
	}
}

static int poll_offcpu(void *ctx, int timeout_ms)
{
	struct offcpu *c = ctx;

	proctrack_drain(&c->side);
	return c->ops->poll(c, timeout_ms);
}

int offcpu_run(struct stack_opts *o)
{
	struct offcpu c = { .o = o };
	char err[1024];
	int ret, status;

	if (o->pid && kill(o->pid, 0) && errno == ESRCH)
		return error("no process %d", o->pid);
	if (!(c.agg = stackagg_new()))
		return error("out of memory");
	signals_install();
	if (o->user && proctrack_open(&c.side, err, sizeof(err)))
		vinfo("processes that exit before the end may not be named: %s", err);
	if (start(&c, err, sizeof(err))) {
		status = error("%s", err);
		goto out;
	}
	if (o->user)
		o->pid ? (void)sym_proc_capture(o->pid) : sym_proc_capture_all();
	fprintf(stderr, "Tracing off-CPU time of %s via %s. Ctrl-C to end.\n",
		o->pid ? "one process" : "all processes", c.ops->what);
	ret = runloop_run(poll_offcpu, &c, o->duration);
	if (!ret)
		ret = c.ops->collect(&c);
	proctrack_drain(&c.side);
	if (ret)
		status = error("reading events failed: %s", strerror(-ret));
	else
		status = stack_output_write(&o->out, c.agg, &c.t);
out:
	if (c.ops)
		c.ops->free(&c);
	perf_rings__close(&c.side);
	stackagg_free(c.agg);
	return status;
}
