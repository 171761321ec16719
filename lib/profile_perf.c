// SPDX-License-Identifier: GPL-2.0
/*
 * profile without BPF: cpu-clock events sample callchains into their
 * rings (perf record's mechanism, no perf.data); each sample is summed
 * in user space as it is read. Every process: one event per CPU, which
 * also carries the side-band records. -p: one event per thread that
 * follows it across CPUs (one clock phase on its CPU time; inherited
 * events could do without sonde's help but cannot be mmap'd unless per
 * CPU, and per-CPU copies jump between phases as the thread migrates),
 * threads started later added as their FORK records arrive, side-band
 * from dummy events (as perf record --per-thread).
 */
#include <errno.h>
#include <linux/perf_event.h>
#include <stdlib.h>
#include <string.h>

#include "perf_ring.h"
#include "proctrack.h"
#include "profile.h"
#include "sonde.h"
#include "util.h"

struct prof_perf {
	struct perf_rings rings;	/* samples */
	struct perf_rings side;		/* -p: side-band records */
	struct perf_event_attr attr;	/* what worked, for later threads */
	bool warned;
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

/* Sample thread tid too (once), from now on. */
static int add_thread(struct prof_perf *pp, int tid, char *err, size_t errsz)
{
	int fd;

	for (int i = 0; i < pp->rings.n; i++)
		if (pp->rings.v[i].tid == tid)
			return 0;
	fd = perf_event_open_compat(&pp->attr, tid, -1);
	if (fd == -ESRCH)
		return 0;	/* it ended before we came */
	if (fd < 0) {
		perf_open_error(err, errsz, fd, tid, -1);
		return fd;
	}
	return perf_rings__add(&pp->rings, fd, tid, -1, err, errsz);
}

static int on_side_band(void *ctx, int cpu, const void *rec, size_t size)
{
	struct profiler *p = ctx;
	struct prof_perf *pp = p->priv;
	char err[256];
	int tid = proctrack_new_thread(rec, size, p->o->pid);

	proctrack_record(rec, size);
	if (tid && add_thread(pp, tid, err, sizeof(err)) && !pp->warned) {
		warning("a new thread of %d is not sampled: %s", p->o->pid, err);
		pp->warned = true;
	}
	return 0;
}

static int open_threads(struct prof_perf *pp, const struct profile_opts *o,
			char *err, size_t errsz)
{
	int *tids, n, ret;

	/* side-band first: a thread born from now on is reported */
	if ((ret = proctrack_open(&pp->side, err, errsz)))
		return ret;
	if ((n = perf_task_tids(o->pid, &tids)) < 0) {
		errf(err, errsz, "cannot list the threads of %d: %s", o->pid,
		     strerror(-n));
		return n;
	}
	proctrack_attr_none(&pp->attr);
	pp->attr.disabled = 0;
	for (int i = 0; i < n && !ret; i++)
		ret = add_thread(pp, tids[i], err, errsz);
	free(tids);
	return ret ? ret : pp->rings.n ? 0 : -ESRCH;
}

static int open_events(struct prof_perf *pp, const struct profile_opts *o,
		       char *err, size_t errsz)
{
	struct perf_event_attr *attr = &pp->attr;

	profile_attr(o, attr);
	attr->sample_type = PERF_SAMPLE_TID | PERF_SAMPLE_CALLCHAIN;
	attr->exclude_callchain_kernel = !o->kernel;
	attr->exclude_callchain_user = !o->user;
	attr->sample_max_stack = STACK_MAX_FRAMES;
	pp->rings.ring_kb = 1024;
	if (o->pid)
		return open_threads(pp, o, err, errsz);
	return perf_rings__open_cpus(&pp->rings, attr, err, errsz);
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

	perf_rings__drain(&pp->side, on_side_band, p);
	return perf_rings__poll(&pp->rings, timeout_ms, on_record, p);
}

/* The samples were summed as they came: only the rest to read. */
static int pp_collect(struct profiler *p)
{
	struct prof_perf *pp = p->priv;
	int ret;

	perf_rings__disable(&pp->rings);
	ret = perf_rings__drain(&pp->rings, on_record, p);
	perf_rings__drain(&pp->side, on_side_band, p);
	p->st.lost = pp->rings.lost;
	return ret < 0 ? ret : 0;
}

static void pp_free(struct profiler *p)
{
	struct prof_perf *pp = p->priv;

	if (!pp)
		return;
	perf_rings__close(&pp->rings);
	perf_rings__close(&pp->side);
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
