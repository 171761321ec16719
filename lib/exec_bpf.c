// SPDX-License-Identifier: GPL-2.0
/* exec events from BPF tracepoint programs (bpf/execsnoop.bpf.c). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/libbpf.h>

#include "bufsize.h"
#include "bpf_util.h"
#include "exec_source.h"
#include "kernel_facts.h"
#include "parallel_close.h"
#include "tpformat.h"
#include "util.h"
#include "../bpf/execsnoop.h"
#include "execsnoop.skel.h"
#include "execsnoop_nocore.skel.h"

struct exec_bpf {
	struct exec_source src;
	bool core;
	struct execsnoop_bpf *skel;		/* with BTF */
	struct execsnoop_nocore_bpf *skel_nc;	/* without */
	struct bpf_map *events, *dropped;
	struct ring_buffer *rb;
	struct perf_buffer *pb;
};

static void deliver(struct exec_bpf *b, const struct exec_rec *r, size_t size)
{
	struct exec_event e = { 0 };

	if (size < EXEC_REC_HDR_SIZE)
		return;
	if (r->type == EXEC_REC_FORK) {
		ppid_note_fork(r->ppid, r->pid, NULL);
		return;
	}
	e.ts = r->ts;
	e.pid = r->pid;
	e.ppid = b->core ? (pid_t)r->ppid : ppid_lookup(r->pid);
	e.uid = r->uid;
	e.retval = r->retval;
	memcpy(e.comm, r->comm, sizeof(e.comm));
	e.comm[sizeof(e.comm) - 1] = '\0';
	e.args_count = r->args_count;
	e.args_truncated = r->args_truncated;
	e.args_len = r->args_size;
	if (e.args_len > size - EXEC_REC_HDR_SIZE)
		e.args_len = size - EXEC_REC_HDR_SIZE;
	e.args = r->args;
	b->src.cb(b->src.cb_ctx, &e);
}

static int on_ring(void *ctx, void *data, size_t size)
{
	deliver(ctx, data, size);
	return 0;
}

static void on_perf(void *ctx, int cpu, void *data, __u32 size)
{
	deliver(ctx, data, size);
}

static int bpf_poll(struct exec_source *s, int timeout_ms)
{
	struct exec_bpf *b = (struct exec_bpf *)s;

	return b->rb ? ring_buffer__poll(b->rb, timeout_ms)
		     : perf_buffer__poll(b->pb, timeout_ms);
}

static void bpf_finish(struct exec_source *s)
{
	struct exec_bpf *b = (struct exec_bpf *)s;

	if (b->rb)
		ring_buffer__consume(b->rb);
	else
		perf_buffer__consume(b->pb);
}

/* The program counts every exec record it failed to hand over (the
 * ring's or perf buffer's lost records are those, and fork notices). */
static struct loss bpf_loss(struct exec_source *s)
{
	struct exec_bpf *b = (struct exec_bpf *)s;

	return loss_records(bpf_util_sum_percpu_u64(bpf_map__fd(b->dropped),
						    EXEC_DROP_EXEC));
}

static void bpf_close(struct exec_source *s)
{
	struct exec_bpf *b = (struct exec_bpf *)s;

	ring_buffer__free(b->rb);
	perf_buffer__free(b->pb);
	if (b->skel)
		destroy_skeleton_links(b->skel->skeleton);
	if (b->skel_nc)
		destroy_skeleton_links(b->skel_nc->skeleton);
	execsnoop_bpf__destroy(b->skel);
	execsnoop_nocore_bpf__destroy(b->skel_nc);
	free(b);
}

static const struct exec_source_ops exec_bpf_ops = {
	.poll = bpf_poll,
	.finish = bpf_finish,
	.loss = bpf_loss,
	.close = bpf_close,
};

/*
 * The two skeletons have the same programs and maps; this macro sets up
 * whichever one is in use, so the logic is written once.
 */
#define SETUP_SKEL(skel, f, ringbuf, core)				\
	do {								\
		(skel)->rodata->use_ringbuf = (ringbuf);		\
		(skel)->rodata->failed_only = (f)->failed_only;		\
		(skel)->rodata->target_uid = (f)->uid;			\
		(skel)->rodata->max_args = (f)->max_args;		\
		if (!(core)) {						\
			(skel)->rodata->fork_parent_off =		\
				tpformat_field_offset("sched/sched_process_fork", "parent_pid"); \
			(skel)->rodata->fork_child_off =		\
				tpformat_field_offset("sched/sched_process_fork", "child_pid"); \
			bpf_program__set_autoload((skel)->progs.fork_notice, true); \
		}							\
		b->events = (skel)->maps.events;			\
		b->dropped = (skel)->maps.dropped;			\
	} while (0)

/* Raw sys_enter/sys_exit instead of the classic exec tracepoints. */
static void use_raw_tp(struct execsnoop_bpf *sk)
{
	bpf_program__set_autoload(sk->progs.enter_execve, false);
	bpf_program__set_autoload(sk->progs.enter_execveat, false);
	bpf_program__set_autoload(sk->progs.exit_execve, false);
	bpf_program__set_autoload(sk->progs.exit_execveat, false);
	bpf_program__set_autoload(sk->progs.raw_enter_exec, true);
	bpf_program__set_autoload(sk->progs.raw_exit_exec, true);
}

struct exec_source *exec_bpf_open(const struct exec_filter *f, bool core,
				  bool raw_tp, bool ringbuf, char *err, size_t errsz)
{
	struct exec_bpf *b = calloc(1, sizeof(*b));
	int ret;

	b->core = core;
	if (core) {
		b->skel = execsnoop_bpf__open();
		if (!b->skel)
			goto open_fail;
		SETUP_SKEL(b->skel, f, ringbuf, true);
		if (raw_tp)
			use_raw_tp(b->skel);
	} else {
		b->skel_nc = execsnoop_nocore_bpf__open();
		if (!b->skel_nc)
			goto open_fail;
		SETUP_SKEL(b->skel_nc, f, ringbuf, false);
		if (b->skel_nc->rodata->fork_parent_off < 0 ||
		    b->skel_nc->rodata->fork_child_off < 0) {
			snprintf(err, errsz, "cannot read sched_process_fork's format for PPIDs");
			goto fail;
		}
	}
	if (ringbuf)
		bpf_map__set_max_entries(b->events, bufsize_bytes(BUF_BPF_RING, false));
	else {
		bpf_map__set_type(b->events, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
		bpf_map__set_key_size(b->events, 4);
		bpf_map__set_value_size(b->events, 4);
		bpf_map__set_max_entries(b->events, 0);
	}
	ret = core ? execsnoop_bpf__load(b->skel) : execsnoop_nocore_bpf__load(b->skel_nc);
	if (ret) {
		snprintf(err, errsz, "loading the BPF programs failed: %s (-v shows libbpf's log)",
			 strerror(-ret));
		goto fail;
	}
	ret = core ? execsnoop_bpf__attach(b->skel) : execsnoop_nocore_bpf__attach(b->skel_nc);
	if (ret) {
		snprintf(err, errsz, "attaching the BPF programs failed: %s", strerror(-ret));
		goto fail;
	}
	if (ringbuf)
		b->rb = ring_buffer__new(bpf_map__fd(b->events), on_ring, b, NULL);
	else
		b->pb = perf_buffer__new(bpf_map__fd(b->events),
					 bufsize_pages(BUF_BPF_PERF, false), on_perf,
					 NULL, b, NULL);
	if (!b->rb && !b->pb) {
		snprintf(err, errsz, "cannot set up the %s: %s",
			 ringbuf ? "BPF ring buffer" : "perf buffer", strerror(errno));
		goto fail;
	}
	b->src.ops = &exec_bpf_ops;
	b->src.mech = MECH_BPF;
	if (raw_tp)
		snprintf(b->src.what, sizeof(b->src.what),
			 "BPF raw tracepoints sys_{enter,exit} filtered to execve{,at} (CO-RE), %s",
			 ringbuf ? "ring buffer" : "perf buffer");
	else
		snprintf(b->src.what, sizeof(b->src.what),
			 "BPF tracepoints syscalls:sys_{enter,exit}_execve{,at}%s, %s",
			 core ? " (CO-RE)" : " (no BTF: without CO-RE, PPID from sched_process_fork)",
			 ringbuf ? "ring buffer" : "perf buffer");
	return &b->src;

open_fail:
	snprintf(err, errsz, "opening the BPF object failed: %s", strerror(errno));
fail:
	bpf_close(&b->src);
	return NULL;
}
