// SPDX-License-Identifier: GPL-2.0
/*
 * Off-CPU time summed in the kernel by bpf/offcpu.bpf.c on the classic
 * sched:sched_switch tracepoint. A compiled skeleton, as for profile: a
 * fixed program whose few switches are read-only data, reading no kernel
 * struct (so no BTF needed). Where the classic tracepoint's id and format
 * cannot be read (tracefs is root's alone; CAP_BPF and CAP_PERFMON do not
 * open it), bpf/offcpu_raw.bpf.c does the same on the raw tracepoint,
 * attached by name, reading next->pid with CO-RE (kernel BTF).
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
#include "offcpu_raw.skel.h"

struct ob {
	struct offcpu_bpf *skel;
	struct offcpu_raw_bpf *raw;
	struct bpf_link *link;
	int counters_fd, counts_fd, stacks_fd;
};

/* The switches both objects share, in their read-only data. */
#define SET_RODATA(rodata, o) do {					\
	(rodata)->target_pid = (o)->pid;				\
	(rodata)->min_ns = (o)->min_block_us * 1000;			\
	(rodata)->max_ns = (o)->max_block_us == UINT64_MAX ? UINT64_MAX : \
			   (o)->max_block_us * 1000 + 999;		\
	(rodata)->kernel_stacks = (o)->kernel;				\
	(rodata)->user_stacks = (o)->user;				\
} while (0)

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
	SET_RODATA(b->skel->rodata, o);
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
	b->counters_fd = bpf_map__fd(b->skel->maps.counters);
	b->counts_fd = bpf_map__fd(b->skel->maps.counts);
	b->stacks_fd = bpf_map__fd(b->skel->maps.stacks);
	return 0;
}

static int ob_start_raw(struct offcpu *c, char *err, size_t errsz)
{
	struct ob *b = calloc(1, sizeof(*b));
	int ret;

	if (!(c->priv = b))
		return -ENOMEM;
	if (!(b->raw = offcpu_raw_bpf__open())) {
		snprintf(err, errsz, "opening the BPF object: %s", strerror(errno));
		return -errno;
	}
	SET_RODATA(b->raw->rodata, c->o);
	if ((ret = offcpu_raw_bpf__load(b->raw))) {
		snprintf(err, errsz, "loading the BPF raw tracepoint program: %s",
			 strerror(-ret));
		return ret;
	}
	b->link = bpf_program__attach_raw_tracepoint(b->raw->progs.on_switch_raw,
						     "sched_switch");
	if (!b->link) {
		ret = -errno;
		snprintf(err, errsz, "attaching to raw tracepoint sched_switch: %s",
			 strerror(-ret));
		return ret;
	}
	b->counters_fd = bpf_map__fd(b->raw->maps.counters);
	b->counts_fd = bpf_map__fd(b->raw->maps.counts);
	b->stacks_fd = bpf_map__fd(b->raw->maps.stacks);
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
	int fd = b->counters_fd;

	bpf_link__destroy(b->link);
	b->link = NULL;
	c->t.events = bpf_util_sum_percpu_u64(fd, SC_SAMPLES);
	c->t.dropped = bpf_util_sum_percpu_u64(fd, SC_DROPPED);
	c->t.kmissed = bpf_util_sum_percpu_u64(fd, SC_KMISSED);
	c->t.umissed = bpf_util_sum_percpu_u64(fd, SC_UMISSED);
	return profile_bpf_read_stacks(b->counts_fd, b->stacks_fd, c->o->kernel, c->o->user, c->agg);
}

static void ob_free(struct offcpu *c)
{
	struct ob *b = c->priv;

	if (!b)
		return;
	bpf_link__destroy(b->link);
	offcpu_bpf__destroy(b->skel);
	offcpu_raw_bpf__destroy(b->raw);
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

const struct offcpu_ops offcpu_raw_ops = {
	.what = "BPF raw tracepoint sched_switch (summed in the kernel)",
	.start = ob_start_raw,
	.poll = ob_poll,
	.collect = ob_collect,
	.free = ob_free,
};
