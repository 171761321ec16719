// SPDX-License-Identifier: GPL-2.0
/* Syscalls from BPF programs on raw_syscalls (bpf/syscalls.bpf.c). */
#include <errno.h>
#include <signal.h>
#include <linux/perf_event.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "bufsize.h"
#include "bpf_util.h"
#include "kernel_facts.h"
#include "parallel_close.h"
#include "privilege.h"
#include "syscalls.h"
#include "tpformat.h"
#include "util.h"
#include "../bpf/syscalls.h"
#include "syscalls.skel.h"

/* Wake the reader when this much waits in the ring (else it polls). */
#define WAKEUP_BYTES	(256 * 1024)
/* The poll that finds what came without a wakeup: the longest a lone
 * event waits to be printed. */
#define POLL_CAP_MS	20

struct sc_bpf {
	struct sc_source src;
	struct syscalls_bpf *skel;
	struct ring_buffer *rb;
	struct perf_buffer *pb;
	uint64_t lost;		/* perf buffer losses */
	uint64_t next_prune_ns;
	int ncpus;
};

static void deliver(struct sc_bpf *b, const struct scb_rec *r, size_t size)
{
	struct sc_event e = { 0 };
	size_t off = 0, data_len;

	if (size < SCB_REC_HDR_SIZE)
		return;
	data_len = size - SCB_REC_HDR_SIZE;
	if (data_len > r->data_len)
		data_len = r->data_len;
	e.ts = r->ts;
	e.duration_ns = r->duration;
	e.pid = r->pid;
	e.tid = r->tid;
	e.nr = r->nr;
	e.compat = r->flags & SCB_COMPAT;
	e.noreturn = r->flags & SCB_NORETURN;
	e.sc = e.compat ? NULL : sc_table_nr(b->src.table, r->nr);
	e.ret = r->ret;
	memcpy(e.args, r->args, sizeof(e.args));
	memcpy(e.comm, r->comm, sizeof(e.comm));
	e.comm[sizeof(e.comm) - 1] = '\0';
	for (int k = 0; k < SCB_NSTR; k++) {
		int len = r->str_len[k], a = r->str_arg[k];

		if (len <= 0 || a >= SC_MAX_ARGS)
			continue;
		if (off + len > data_len || r->data[off + len - 1] != '\0')
			break;
		e.str[a] = r->data + off;
		e.str_trunc[a] = len == SCB_STR_SLOT;
		off += len;
	}
	if (r->buf_len && r->buf_off + r->buf_len <= data_len) {
		e.buf = (const unsigned char *)r->data + r->buf_off;
		e.buf_len = r->buf_len < SC_BUF_SHOW ? r->buf_len : SC_BUF_SHOW;
		e.buf_trunc = r->buf_total > e.buf_len;
	}
	b->src.cb(b->src.cb_ctx, &e);
}

static int on_ring(void *ctx, void *data, size_t size)
{
	deliver(ctx, data, size);
	return 0;
}

/* perf_buffer__new_raw: samples carry {u32 size; data}, losses {id, n}. */
static enum bpf_perf_event_ret on_perf(void *ctx, int cpu,
				       struct perf_event_header *h)
{
	struct sc_bpf *b = ctx;
	const char *p = (const char *)(h + 1);
	uint32_t size;
	uint64_t n;

	if (h->type == PERF_RECORD_SAMPLE && h->size >= sizeof(*h) + 4) {
		memcpy(&size, p, 4);
		if (sizeof(*h) + 4 + size <= h->size)
			deliver(b, (const void *)(p + 4), size);
	} else if (h->type == PERF_RECORD_LOST && h->size >= sizeof(*h) + 16) {
		memcpy(&n, p + 8, 8);
		b->lost += n;
	}
	return LIBBPF_PERF_EVENT_CONT;
}

/* Forget processes that are gone, so that a reused pid is not traced. */
static void prune_traced(struct sc_bpf *b)
{
	int fd = bpf_map__fd(b->skel->maps.traced);
	uint32_t key, next, gone[256];
	int n = 0;
	bool first = true;

	while (n < (int)ARRAY_SIZE(gone) &&
	       !bpf_map_get_next_key(fd, first ? NULL : &key, &next)) {
		first = false;
		key = next;
		if (kill(key, 0) && errno == ESRCH)
			gone[n++] = key;
	}
	for (int i = 0; i < n; i++)
		bpf_map_delete_elem(fd, &gone[i]);
}

static int bpf_poll(struct sc_source *s, int timeout_ms)
{
	struct sc_bpf *b = (struct sc_bpf *)s;
	int n;

	if (timeout_ms < 0 || timeout_ms > POLL_CAP_MS)
		timeout_ms = POLL_CAP_MS;
	n = b->rb ? ring_buffer__poll(b->rb, timeout_ms)
		      : perf_buffer__poll(b->pb, timeout_ms);
	/* records written without a wakeup leave epoll silent: read them */
	if (b->rb && n >= 0) {
		int more = ring_buffer__consume(b->rb);

		n = more < 0 ? more : n + more;
	}
	uint64_t now = now_mono_ns();

	if (b->src.filter.pid > 0 && now > b->next_prune_ns) {
		prune_traced(b);
		b->next_prune_ns = now + 1000000000ull;
	}
	return n == -EINTR ? 0 : n;
}

static void bpf_finish(struct sc_source *s)
{
	struct sc_bpf *b = (struct sc_bpf *)s;

	if (b->rb)
		ring_buffer__consume(b->rb);
	else
		perf_buffer__consume(b->pb);
}

static uint64_t bpf_lost(struct sc_source *s)
{
	struct sc_bpf *b = (struct sc_bpf *)s;
	int fd = bpf_map__fd(b->skel->maps.dropped);

	return b->lost + bpf_util_sum_percpu_u64(fd, SCB_DROP_RING) +
	       bpf_util_sum_percpu_u64(fd, SCB_DROP_STATE);
}

static void bpf_stats(struct sc_source *s, struct sc_summary *sum)
{
	struct sc_bpf *b = (struct sc_bpf *)s;
	int fd = bpf_map__fd(b->skel->maps.stats);
	struct scb_stat *st = calloc(b->ncpus, sizeof(*st));

	if (!st)
		return;
	for (uint32_t nr = 0; nr < SC_MAX_NR; nr++) {
		if (bpf_map_lookup_elem(fd, &nr, st))
			continue;
		for (int c = 0; c < b->ncpus; c++)
			sc_summary_merge(sum, nr, (const struct sc_stat *)&st[c]);
	}
	free(st);
}

static void bpf_close(struct sc_source *s)
{
	struct sc_bpf *b = (struct sc_bpf *)s;

	ring_buffer__free(b->rb);
	perf_buffer__free(b->pb);
	if (b->skel)
		destroy_skeleton_links(b->skel->skeleton);
	syscalls_bpf__destroy(b->skel);
	free(b);
}

static const struct sc_source_ops sc_bpf_ops = {
	.poll = bpf_poll,
	.finish = bpf_finish,
	.lost = bpf_lost,
	.stats = bpf_stats,
	.close = bpf_close,
};

/* What to do at each syscall number, from the table. */
static int fill_conf(struct sc_bpf *b, const struct sc_table *t,
		     const struct sc_filter *f)
{
	int fd = bpf_map__fd(b->skel->maps.conf);

	for (uint32_t nr = 0; nr < SC_MAX_NR; nr++) {
		const struct sc_info *si = sc_table_nr(t, nr);
		struct scb_conf c = { .buf_arg = -1, .buf_len_arg = -1 };

		c.trace = f->select ? f->select[nr] : 1;
		if (si && si->nargs >= 0) {
			c.str_mask = si->str_mask & 0x3f;
			c.buf_arg = si->buf_arg;
			c.buf_len_arg = si->buf_len_arg;
			c.buf_out = si->buf_arg >= 0 &&
				    si->args[si->buf_arg].kind == SCA_BUF_OUT;
		}
		c.noreturn = si && si->ret == SCR_NONE;
		c.exec = si && !strncmp(si->name, "execve", 6);
		if (!c.trace && !c.noreturn)
			continue;	/* zero-filled already */
		if (bpf_map_update_elem(fd, &nr, &c, BPF_ANY))
			return -errno;
	}
	return 0;
}

/* task_struct.pid's byte offset from kernel BTF, or -1. */
static int btf_task_pid_offset(void)
{
	struct btf *btf = btf__load_vmlinux_btf();
	const struct btf_member *m;
	const struct btf_type *t;
	int id, off = -1;

	if (!btf)
		return -1;
	id = btf__find_by_name_kind(btf, "task_struct", BTF_KIND_STRUCT);
	t = id > 0 ? btf__type_by_id(btf, id) : NULL;
	m = t ? btf_members(t) : NULL;
	for (int i = 0; m && i < btf_vlen(t); i++, m++) {
		if (!strcmp(btf__name_by_offset(btf, m->name_off), "pid")) {
			if (!btf_member_bitfield_size(t, i))
				off = btf_member_bit_offset(t, i) / 8;
			break;
		}
	}
	btf__free(btf);
	return off;
}

struct sc_source *sc_bpf_open(const struct sc_table *t,
			      const struct sc_filter *f, bool raw_tp,
			      bool ringbuf, char *err, size_t errsz)
{
	struct sc_bpf *b = calloc(1, sizeof(*b));
	struct syscalls_bpf *sk;
	int ret, child_off = -1, task_pid_off = -1;
	bool raw_sched;

	if (!b) {
		snprintf(err, errsz, "out of memory");
		return NULL;
	}
	b->ncpus = libbpf_num_possible_cpus();
	b->src.table = t;
	sk = b->skel = syscalls_bpf__open();
	if (!sk) {
		snprintf(err, errsz, "opening the BPF object failed: %s", strerror(errno));
		goto fail;
	}
	if (raw_tp)
		task_pid_off = btf_task_pid_offset();
	if (f->pid > 0 && task_pid_off < 0) {
		child_off = tpformat_field_offset("sched/sched_process_fork", "child_pid");
		if (child_off < 0) {
			char why[400];

			if (privilege_tracefs_denied(why, sizeof(why)))
				snprintf(err, errsz, "cannot follow forks: %s", why);
			else
				snprintf(err, errsz, "cannot read sched_process_fork's format to follow forks");
			goto fail;
		}
	}
	sk->rodata->use_ringbuf = ringbuf;
	sk->rodata->filter_pid = f->pid > 0;
	sk->rodata->self_tgid = getpid();
	sk->rodata->emit_events = f->events;
	sk->rodata->collect_stats = f->stats;
	sk->rodata->failed_only = f->failed_only;
	sk->rodata->min_duration_ns = f->min_duration_ns;
	sk->rodata->wakeup_bytes = WAKEUP_BYTES;
	sk->rodata->fork_child_off = child_off;
	sk->rodata->task_pid_off = task_pid_off;
	/* with raw syscall tracepoints, raw sched ones too: no tracefs id */
	raw_sched = raw_tp && task_pid_off >= 0;
	bpf_program__set_autoload(raw_tp ? sk->progs.raw_enter : sk->progs.tp_enter, true);
	bpf_program__set_autoload(raw_tp ? sk->progs.raw_exit : sk->progs.tp_exit, true);
	bpf_program__set_autoload(raw_sched ? sk->progs.on_fork_raw : sk->progs.on_fork,
				  f->pid > 0);
	bpf_program__set_autoload(raw_sched ? sk->progs.on_task_exit_raw :
				  sk->progs.on_task_exit, true);
	if (!ringbuf) {
		bpf_map__set_type(sk->maps.events, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
		bpf_map__set_key_size(sk->maps.events, 4);
		bpf_map__set_value_size(sk->maps.events, 4);
		bpf_map__set_max_entries(sk->maps.events, 0);
	}
	if (f->pid > 0) {
		long long pid_max = 4194304;

		read_int_file("/proc/sys/kernel/pid_max", &pid_max);
		bpf_map__set_max_entries(sk->maps.pidbits, pid_max / 64 + 1);
	}
	if (!f->events)	/* --summary-only: the ring stays empty */
		bpf_map__set_max_entries(sk->maps.events, ringbuf ? 4096 : 0);
	else if (ringbuf)
		bpf_map__set_max_entries(sk->maps.events, bufsize_bytes(BUF_BPF_RING, true));
	ret = syscalls_bpf__load(sk);
	if (ret) {
		snprintf(err, errsz, "loading the BPF programs failed: %s (-vv shows libbpf's log)",
			 strerror(-ret));
		goto fail;
	}
	if ((ret = fill_conf(b, t, f))) {
		snprintf(err, errsz, "filling the syscall map failed: %s", strerror(-ret));
		goto fail;
	}
	if (f->pid > 0) {
		uint32_t pid = f->pid, word = pid / 64;
		uint64_t bits = 1ull << (pid % 64);
		uint8_t one = 1;

		if (bpf_map_update_elem(bpf_map__fd(sk->maps.traced), &pid, &one, BPF_ANY) ||
		    bpf_map_update_elem(bpf_map__fd(sk->maps.pidbits), &word, &bits, BPF_ANY)) {
			snprintf(err, errsz, "filling the pid maps failed: %s", strerror(errno));
			goto fail;
		}
	}
	if (ringbuf) {
		b->rb = ring_buffer__new(bpf_map__fd(sk->maps.events), on_ring, b, NULL);
	} else {
		struct perf_event_attr attr = {
			.type = PERF_TYPE_SOFTWARE,
			.size = sizeof(attr),
			.config = PERF_COUNT_SW_BPF_OUTPUT,
			.sample_type = PERF_SAMPLE_RAW,
			.sample_period = 1,
			/* a wakeup per sample would cost the traced thread
			 * an irq_work each: wake at a watermark */
			.watermark = 1,
			.wakeup_watermark = 64 * 1024,
		};

		b->pb = perf_buffer__new_raw(bpf_map__fd(sk->maps.events),
					     bufsize_pages(BUF_BPF_PERF, true),
					     &attr, on_perf, b, NULL);
	}
	if (!b->rb && !b->pb) {
		snprintf(err, errsz, "cannot set up the %s: %s",
			 ringbuf ? "BPF ring buffer" : "perf buffer", strerror(errno));
		goto fail;
	}
	ret = syscalls_bpf__attach(sk);
	if (ret) {
		snprintf(err, errsz, "attaching the BPF programs failed: %s", strerror(-ret));
		goto fail;
	}
	b->src.ops = &sc_bpf_ops;
	b->src.mech = MECH_BPF;
	b->src.has_strings = true;
	snprintf(b->src.strings, sizeof(b->src.strings), "read in the kernel at entry");
	snprintf(b->src.what, sizeof(b->src.what),
		 "BPF %s raw_syscalls:sys_{enter,exit}, %s",
		 raw_tp ? "raw tracepoints" : "tracepoints",
		 ringbuf ? "ring buffer" : "perf buffer");
	return &b->src;
fail:
	bpf_close(&b->src);
	return NULL;
}
