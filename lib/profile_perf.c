// SPDX-License-Identifier: GPL-2.0
/*
 * profile without BPF: cpu-clock events sample callchains into per-CPU
 * rings (perf record's mechanism, no perf.data); each sample is summed
 * in user space as it is read.
 */
#include <errno.h>
#include <linux/perf_event.h>
#include <stdlib.h>
#include <string.h>

#include "perf_ring.h"
#include "proctrack.h"
#include "profile.h"
#include "sonde.h"

struct prof_perf {
	struct perf_rings rings;
	uint64_t kips[STACK_MAX_FRAMES], uips[STACK_MAX_FRAMES];
};

/* PERF_SAMPLE_TID | PERF_SAMPLE_CALLCHAIN */
struct sample {
	uint32_t pid, tid;
	uint64_t nr;
	uint64_t ips[];
};

static void add_sample(struct profiler *p, const struct sample *s, uint64_t nr)
{
	struct prof_perf *pp = p->priv;
	struct stack_sample ss = {
		.pid = s->pid, .tid = s->tid, .kips = pp->kips, .uips = pp->uips, .value = 1,
	};
	uint64_t ctx = 0;

	if (!s->tid && !p->o->include_idle)
		return;
	if (p->o->pid && (int)s->pid != p->o->pid)
		return;
	/* context markers (PERF_CONTEXT_KERNEL, _USER) split the chain */
	for (uint64_t i = 0; i < nr; i++) {
		uint64_t ip = s->ips[i];

		if (ip >= (uint64_t)PERF_CONTEXT_MAX)
			ctx = ip;
		else if (!ip)
			continue;	/* the end of a frame chain */
		else if (ctx == (uint64_t)PERF_CONTEXT_KERNEL && ss.nk < STACK_MAX_FRAMES)
			pp->kips[ss.nk++] = ip;
		else if (ctx == (uint64_t)PERF_CONTEXT_USER && ss.nu < STACK_MAX_FRAMES)
			pp->uips[ss.nu++] = ip;
	}
	if (!p->o->kernel)
		ss.nk = 0;
	if (!p->o->user)
		ss.nu = 0;
	/* The name is taken at the end: records of other CPUs (an exec
	 * renaming the thread) may not have been read yet. Ask now all the
	 * same, so that a thread seen first here is read from /proc while
	 * it lives. */
	proctrack_comm(s->pid, s->tid);
	p->st.samples++;
	stackagg_add(p->agg, &ss);
}

static int on_record(void *ctx, int cpu, const void *rec, size_t size)
{
	const struct perf_event_header *h = rec;
	const struct sample *s = (const void *)(h + 1);
	struct profiler *p = ctx;

	if (proctrack_record(rec, size) || h->type != PERF_RECORD_SAMPLE)
		return 0;
	if (size < sizeof(*h) + sizeof(*s) ||
	    s->nr > (size - sizeof(*h) - sizeof(*s)) / sizeof(s->ips[0]))
		return 0;
	add_sample(p, s, s->nr);
	return 0;
}

static int open_events(struct prof_perf *pp, const struct profile_opts *o,
		       char *err, size_t errsz)
{
	struct perf_event_attr attr;

	profile_attr(o, &attr);
	attr.sample_type = PERF_SAMPLE_TID | PERF_SAMPLE_CALLCHAIN;
	attr.exclude_callchain_kernel = !o->kernel;
	attr.exclude_callchain_user = !o->user;
	attr.sample_max_stack = STACK_MAX_FRAMES;
	return profile_open(o, &attr, &pp->rings, 1024, err, errsz);
}

static int pp_start(struct profiler *p, char *err, size_t errsz)
{
	struct prof_perf *pp = calloc(1, sizeof(*pp));
	int ret;

	if (!pp)
		return -ENOMEM;
	p->priv = pp;
	stackagg_set_comm_fn(p->agg, proctrack_comm);
	if ((ret = open_events(pp, p->o, err, errsz)))
		return ret;
	return perf_rings__enable(&pp->rings);
}

static int pp_poll(struct profiler *p, int timeout_ms)
{
	struct prof_perf *pp = p->priv;

	return perf_rings__poll(&pp->rings, timeout_ms, on_record, p);
}

/* The samples were summed as they came: only the rest to read. */
static int pp_collect(struct profiler *p)
{
	struct prof_perf *pp = p->priv;
	int ret;

	perf_rings__disable(&pp->rings);
	ret = perf_rings__drain(&pp->rings, on_record, p);
	p->st.lost = pp->rings.lost;
	return ret < 0 ? ret : 0;
}

static void pp_free(struct profiler *p)
{
	struct prof_perf *pp = p->priv;

	if (!pp)
		return;
	perf_rings__close(&pp->rings);
	free(pp);
	p->priv = NULL;
}

const struct profile_backend profile_perf_backend = {
	.what = "perf_event_open sampling (callchains read from the ring buffers)",
	.start = pp_start,
	.poll = pp_poll,
	.collect = pp_collect,
	.free = pp_free,
};
