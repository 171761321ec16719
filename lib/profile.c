// SPDX-License-Identifier: GPL-2.0
/* `sonde profile`'s engine: choose the rung, sample, collect. */
#include <errno.h>
#include <linux/perf_event.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel_facts.h"
#include "plan.h"
#include "privilege.h"
#include "profile.h"
#include "proctrack.h"
#include "runloop.h"
#include "sonde.h"
#include "symbolize.h"
#include "util.h"

void profile_attr(const struct profile_opts *o, struct perf_event_attr *attr)
{
	*attr = (struct perf_event_attr){
		.type = PERF_TYPE_SOFTWARE,
		.size = sizeof(*attr),
		.config = PERF_COUNT_SW_CPU_CLOCK,
		.freq = 1,
		.sample_freq = o->freq,
		/* wake the reader at a quarter of the ring, not per record */
		.watermark = 1,
		.wakeup_watermark = 64 * 1024,
	};
	proctrack_attr(attr);
}

/* Alive and not a zombie (whose parent has not waited for it yet). */
static bool proc_running(int pid)
{
	char path[64], stat[512], *paren;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if (read_text_file(path, stat, sizeof(stat)) < 0)
		return !(kill(pid, 0) && errno == ESRCH);
	paren = strrchr(stat, ')');	/* the comm may hold anything */
	return !paren || (paren[1] && paren[2] != 'Z' && paren[2] != 'X');
}

static int poll_profiler(void *ctx, int timeout_ms)
{
	struct profiler *p = ctx;
	int n = p->be->poll(p, timeout_ms);

	/* like perf record -p: the end of the process ends the profile */
	if (p->o->pid && !proc_running(p->o->pid))
		signals_request_stop();
	return n;
}

static const enum rung implemented[] = {
	RUNG_BPF_PERF_EVENT, RUNG_PERF_SAMPLING, RUNG_NONE,
};

static int start(struct profiler *p, char *err, size_t errsz)
{
	const struct kernel_facts *kf = features_get();
	enum mechanism via = g_opts.via;
	struct plan pl;
	char why[900];

	for (;;) {
		if (plan_select_among(PK_SAMPLING, kf, via, implemented, &pl)) {
			if (kf->perf_sw.state != FACT_NO ||
			    !privilege_perf_denied(kf->perf_sw.err, why, sizeof(why)))
				plan_reason_line(&pl, why, sizeof(why));
			snprintf(err, errsz, "cannot sample stacks%s%s on this kernel: %s",
				 via ? " via " : "", via ? mechanism_name(via) : "", why);
			return -1;
		}
		plan_explain(&pl, NULL);
		p->be = pl.mech == MECH_BPF ? &profile_bpf_backend : &profile_perf_backend;
		if (!p->be->start(p, err, errsz))
			return 0;
		p->be->free(p);
		if (pl.mech != MECH_BPF || g_opts.via == MECH_BPF)
			return -1;
		/* offered, but failed to load or attach: the next rung */
		warning("%s failed (%s); falling back", rung_name(pl.rung), err);
		via = MECH_PERF;
	}
}

int profile_run(const struct profile_opts *o, struct stackagg *agg,
		struct profile_stats *st)
{
	struct profiler p = { .o = o, .agg = agg };
	char err[1024];
	int ret;

	if (o->pid && kill(o->pid, 0) && errno == ESRCH)
		return error("no process %d", o->pid);
	signals_install();
	if (start(&p, err, sizeof(err)))
		return error("%s", err);
	/* What runs now is read now: it may be gone at the end. The events
	 * are open already, so whatever it maps from here on is recorded. */
	if (!o->pid)
		sym_proc_capture_all();
	else if (!sym_proc_capture(o->pid))
		warning("cannot read /proc/%d/maps: %s; its user frames will be addresses",
			o->pid, strerror(errno));
	fprintf(stderr, "Tracing on-CPU stacks of %s at %u Hz via %s%s. Ctrl-C to end.\n",
		o->pid ? "one process" : "all processes", o->freq, p.be->what,
		o->kernel && o->user ? "" : o->kernel ? " (kernel stacks only)" :
		" (user stacks only)");
	ret = runloop_run(poll_profiler, &p, o->duration);
	if (!ret)
		ret = p.be->collect(&p);
	*st = p.st;
	p.be->free(&p);
	if (ret)
		return error("reading samples failed: %s", strerror(-ret));
	return 0;
}
