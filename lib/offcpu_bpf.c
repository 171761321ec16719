// SPDX-License-Identifier: GPL-2.0
/*
 * Off-CPU time summed in the kernel by bpf/offcpu.bpf.c on the classic
 * sched:sched_switch tracepoint. A compiled skeleton, as for profile: a
 * fixed program whose few switches are read-only data, reading no kernel
 * struct (so no BTF needed).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/libbpf.h>

#include "bpf_util.h"
#include "offcpu.h"
#include "profile.h"
#include "tpformat.h"
#include "../bpf/profile.h"
#include "offcpu.skel.h"

struct ob {
	struct offcpu_bpf *skel;
	struct bpf_link *link;
};

static int ob_start(struct offcpu *c, char *err, size_t errsz)
{
	const struct stack_opts *o = c->o;
	struct ob *b = calloc(1, sizeof(*b));
	int off = tpformat_field_offset("sched/sched_switch", "next_pid"), ret;

	if (!(c->priv = b))
		return -ENOMEM;
	if (off < 0) {
		snprintf(err, errsz, "cannot read the format of sched:sched_switch");
		return -ENOENT;
	}
	if (!(b->skel = offcpu_bpf__open())) {
		snprintf(err, errsz, "opening the BPF object: %s", strerror(errno));
		return -errno;
	}
	b->skel->rodata->target_pid = o->pid;
	b->skel->rodata->min_ns = o->min_block_us * 1000;
	b->skel->rodata->max_ns = o->max_block_us == UINT64_MAX ? UINT64_MAX :
				  o->max_block_us * 1000 + 999;
	b->skel->rodata->kernel_stacks = o->kernel;
	b->skel->rodata->user_stacks = o->user;
	b->skel->rodata->next_pid_off = off;
	if ((ret = offcpu_bpf__load(b->skel))) {
		snprintf(err, errsz, "loading the BPF tracepoint program: %s", strerror(-ret));
		return ret;
	}
	b->link = bpf_program__attach_tracepoint(b->skel->progs.on_switch, "sched",
						 "sched_switch");
	if (!b->link) {
		ret = -errno;
		snprintf(err, errsz, "attaching to sched:sched_switch: %s", strerror(-ret));
		return ret;
	}
	return 0;
}

static int ob_poll(struct offcpu *c, int timeout_ms)
{
	struct timespec ts = { timeout_ms / 1000, (timeout_ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);	/* the kernel does the work */
	return 0;
}

static int ob_collect(struct offcpu *c)
{
	struct ob *b = c->priv;
	int fd = bpf_map__fd(b->skel->maps.counters);

	bpf_link__destroy(b->link);
	b->link = NULL;
	c->t.events = bpf_util_sum_percpu_u64(fd, SC_SAMPLES);
	c->t.dropped = bpf_util_sum_percpu_u64(fd, SC_DROPPED);
	c->t.kmissed = bpf_util_sum_percpu_u64(fd, SC_KMISSED);
	c->t.umissed = bpf_util_sum_percpu_u64(fd, SC_UMISSED);
	return profile_bpf_read_stacks(bpf_map__fd(b->skel->maps.counts),
				       bpf_map__fd(b->skel->maps.stacks),
				       c->o->kernel, c->o->user, c->agg);
}

static void ob_free(struct offcpu *c)
{
	struct ob *b = c->priv;

	if (!b)
		return;
	bpf_link__destroy(b->link);
	offcpu_bpf__destroy(b->skel);
	free(b);
	c->priv = NULL;
}

const struct offcpu_ops offcpu_bpf_ops = {
	.what = "BPF tracepoint sched:sched_switch (summed in the kernel)",
	.start = ob_start,
	.poll = ob_poll,
	.collect = ob_collect,
	.free = ob_free,
};
