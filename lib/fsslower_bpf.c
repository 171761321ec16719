// SPDX-License-Identifier: GPL-2.0
/* Loading and reading bpf/fsslower.bpf.c (see include/fsslower_bpf.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>

#include "bufsize.h"
#include "bpf_util.h"
#include "fsslower_bpf.h"
#include "parallel_close.h"
#include "sonde.h"
#include "tpformat.h"
#include "fsslower.skel.h"

struct fss_bpf {
	struct fss_bpf_opts o;
	struct fsslower_bpf *skel;
	struct ring_buffer *rb;
	struct perf_buffer *pb;
	uint64_t lost;
	char what[256];
};

static int on_ring(void *ctx, void *data, size_t size)
{
	struct fss_bpf *b = ctx;

	if (size >= sizeof(struct fss_rec))
		b->o.cb(b->o.ctx, data);
	return 0;
}

static void on_perf(void *ctx, int cpu, void *data, __u32 size)
{
	on_ring(ctx, data, size);
}

static void on_perf_lost(void *ctx, int cpu, __u64 n)
{
	((struct fss_bpf *)ctx)->lost += n;
}

/* Load the pair of programs of each system call this kernel has. */
static int choose_programs(struct fss_bpf *b)
{
	struct bpf_program *p;
	int n = 0;

	bpf_object__for_each_program(p, b->skel->obj) {
		const char *sec = bpf_program__section_name(p);
		char event[128];

		/* "?tracepoint/syscalls/sys_enter_read" -> "syscalls/sys_enter_read" */
		if (!(sec = strchr(sec, '/')))
			continue;
		snprintf(event, sizeof(event), "%s", sec + 1);
		if (tpformat_field_offset(event, "__syscall_nr") < 0) {
			vinfo("fsslower: no tracepoint %s here", event);
			continue;
		}
		bpf_program__set_autoload(p, true);
		n++;
	}
	return n;
}

struct fss_bpf *fss_bpf_open(const struct fss_bpf_opts *o, char *err, size_t errsz)
{
	struct fss_bpf *b = calloc(1, sizeof(*b));
	struct bpf_map *events;
	int ret;

	b->o = *o;
	b->skel = fsslower_bpf__open();
	if (!b->skel) {
		snprintf(err, errsz, "opening the BPF object failed: %s", strerror(errno));
		goto fail;
	}
	b->skel->rodata->use_ringbuf = o->ringbuf;
	b->skel->rodata->target_magic = o->magic;
	b->skel->rodata->min_ns = o->min_ns;
	b->skel->rodata->target_tgid = o->pid;
	b->skel->rodata->self_tgid = getpid();
	if (!choose_programs(b)) {
		snprintf(err, errsz, "no system call tracepoints to attach to");
		goto fail;
	}
	events = b->skel->maps.events;
	if (o->ringbuf)
		bpf_map__set_max_entries(events, bufsize_bytes(BUF_BPF_RING, false));
	else {
		bpf_map__set_type(events, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
		bpf_map__set_key_size(events, 4);
		bpf_map__set_value_size(events, 4);
		bpf_map__set_max_entries(events, 0);
	}
	if ((ret = fsslower_bpf__load(b->skel))) {
		snprintf(err, errsz, "loading the BPF programs failed: %s (-v shows libbpf's log)",
			 strerror(-ret));
		goto fail;
	}
	if ((ret = fsslower_bpf__attach(b->skel))) {
		snprintf(err, errsz, "attaching the BPF programs failed: %s", strerror(-ret));
		goto fail;
	}
	if (o->ringbuf)
		b->rb = ring_buffer__new(bpf_map__fd(events), on_ring, b, NULL);
	else
		b->pb = perf_buffer__new(bpf_map__fd(events), bufsize_pages(BUF_BPF_PERF, false),
					 on_perf, on_perf_lost, b, NULL);
	if (!b->rb && !b->pb) {
		snprintf(err, errsz, "cannot set up the %s: %s",
			 o->ringbuf ? "BPF ring buffer" : "perf buffer", strerror(errno));
		goto fail;
	}
	snprintf(b->what, sizeof(b->what),
		 "BPF tracepoints on the read, write, open and fsync system calls, the file system checked in the kernel (CO-RE), %s",
		 o->ringbuf ? "ring buffer" : "perf buffer");
	return b;
fail:
	fss_bpf_close(b);
	return NULL;
}

int fss_bpf_poll(struct fss_bpf *b, int timeout_ms)
{
	return b->rb ? ring_buffer__poll(b->rb, timeout_ms) : perf_buffer__poll(b->pb, timeout_ms);
}

void fss_bpf_finish(struct fss_bpf *b)
{
	if (b->rb)
		ring_buffer__consume(b->rb);
	else if (b->pb)
		perf_buffer__consume(b->pb);
}

uint64_t fss_bpf_lost(struct fss_bpf *b)
{
	return b->lost + bpf_util_sum_percpu_u64(bpf_map__fd(b->skel->maps.dropped), 0);
}

const char *fss_bpf_what(const struct fss_bpf *b)
{
	return b->what;
}

void fss_bpf_close(struct fss_bpf *b)
{
	if (!b)
		return;
	ring_buffer__free(b->rb);
	perf_buffer__free(b->pb);
	if (b->skel)
		destroy_skeleton_links(b->skel->skeleton);
	fsslower_bpf__destroy(b->skel);
	free(b);
}
