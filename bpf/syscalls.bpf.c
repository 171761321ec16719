// SPDX-License-Identifier: GPL-2.0
/*
 * sonde trace --syscalls: raw_syscalls:sys_enter/sys_exit, one record per
 * completed syscall of the traced processes.
 *
 * Entry stashes the arguments (and the strings user space marked as
 * strings, read now, before the call can change or free them) in a
 * per-thread slot; exit adds the result, the duration and, for read-like
 * calls, the first bytes read, and emits the slot. The summary is kept
 * here too, per CPU, so --summary-only emits nothing at all.
 *
 * No CO-RE: the raw tracepoint reads the x86-64 struct pt_regs, whose
 * layout is ABI, and the fork tracepoint's fields come at offsets user
 * space read from its format file. One object serves kernels with and
 * without BTF.
 */
#include "kernel_min.h"
#include <bpf/bpf_helpers.h>
#include "syscalls.h"

typedef __s64 s64;
typedef __u8 u8;

/* Set by user space before load; the verifier prunes dead branches. */
const volatile bool use_ringbuf = true;
const volatile bool filter_pid = true;	/* only tgids in `traced` */
const volatile __u32 self_tgid = 0;	/* never traced (system-wide) */
const volatile bool emit_events = true;
const volatile bool collect_stats = true;
const volatile bool failed_only = false;
const volatile __u64 min_duration_ns = 0;
const volatile __u64 wakeup_bytes = 0;	/* ring buffer: wake the reader at */
const volatile int fork_child_off = 44;	/* sched_process_fork child_pid */
/* task_struct.pid, from kernel BTF by user space: the raw fork tracepoint
 * gets the child's task_struct, and CO-RE here would make BTF a need of
 * the classic programs too. */
const volatile int task_pid_off = -1;

/*
 * Traced processes: `traced` is the truth; user space removes the ones that
 * are gone (a leader's exit is no proof: a thread that execs makes it exit
 * first). `pidbits` has a bit per pid that is set with it and never
 * cleared: an array lookup the verifier inlines, so the syscalls of every
 * other process cost a few instructions, not a hash lookup. A stale bit
 * only costs that lookup.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, u32);
	__type(value, u8);
} traced SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 65537);	/* pid_max / 64 + 1, set before load */
	__type(key, u32);
	__type(value, u64);
} pidbits SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, SCB_MAX_NR);
	__type(key, u32);
	__type(value, struct scb_conf);
} conf SEC(".maps");

/* Per thread; allocated on a thread's first syscall, freed at its exit. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, u32);
	__type(value, struct scb_rec);
} state SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, struct scb_rec);
} scratch SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SCB_MAX_NR);
	__type(key, u32);
	__type(value, struct scb_stat);
} stats SEC(".maps");

/* Ring buffer, or switched to a perf event array before load. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 8 << 20);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SCB_DROP__COUNT);
	__type(key, u32);
	__type(value, u64);
} dropped SEC(".maps");

/* raw_syscalls:sys_enter/sys_exit records (their format files). */
struct raw_enter_ctx {
	struct trace_entry ent;
	long id;
	unsigned long args[6];
};

struct raw_exit_ctx {
	struct trace_entry ent;
	long id;
	long ret;
};

static __always_inline void count_drop(u32 why)
{
	u64 *n = bpf_map_lookup_elem(&dropped, &why);

	if (n)
		__sync_fetch_and_add(n, 1);
}

static __always_inline void emit(void *ctx, struct scb_rec *r)
{
	u64 size = SCB_REC_HDR_SIZE + r->data_len;
	long err;

	if (size > sizeof(*r))
		size = sizeof(*r);
	if (use_ringbuf) {
		u64 flags = 0;

		/* A wakeup per record costs the traced thread an irq_work:
		 * wake the reader only when a batch is waiting; it polls
		 * with a short timeout for the rest. */
		if (wakeup_bytes)
			flags = bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) >= wakeup_bytes ?
				BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP;
		err = bpf_ringbuf_output(&events, r, size, flags);
	} else {
		err = bpf_perf_event_output(ctx, &events, BPF_F_CURRENT_CPU, r, size);
	}
	if (err)
		count_drop(SCB_DROP_RING);
}

static __always_inline void add_stat(u32 nr, s64 ret, bool timed, u64 dur)
{
	struct scb_stat *s = bpf_map_lookup_elem(&stats, &nr);

	if (!s)
		return;
	s->calls++;
	if (ret < 0 && ret >= -4095)
		s->errors++;
	if (!timed)
		return;
	if (!s->timed || dur < s->min_ns)
		s->min_ns = dur;
	if (dur > s->max_ns)
		s->max_ns = dur;
	s->timed++;
	s->total_ns += dur;
}

/* Might tgid be traced? False is sure; true needs `traced` to confirm. */
static __always_inline bool maybe_traced(u32 tgid)
{
	u32 word = tgid >> 6;
	u64 *bits;

	if (!filter_pid)
		return tgid != self_tgid;
	bits = bpf_map_lookup_elem(&pidbits, &word);
	return bits && (*bits & (1ull << (tgid & 63)));
}

static __always_inline void mark_traced(u32 tgid)
{
	u32 word = tgid >> 6;
	u64 *bits = bpf_map_lookup_elem(&pidbits, &word);
	u8 one = 1;

	if (bpf_map_update_elem(&traced, &tgid, &one, BPF_ANY))
		count_drop(SCB_DROP_STATE);
	if (bits)
		__sync_fetch_and_or(bits, 1ull << (tgid & 63));
}

/* The thread's slot. Having one proves the thread is traced (slots go
 * with their threads), so `traced` is asked only for a thread's first
 * syscall. */
static __always_inline struct scb_rec *slot_of(u32 tgid, u32 tid)
{
	struct scb_rec *r = bpf_map_lookup_elem(&state, &tid);
	u32 zero = 0;

	if (r)
		return r;
	if (filter_pid && !bpf_map_lookup_elem(&traced, &tgid))
		return NULL;
	r = bpf_map_lookup_elem(&scratch, &zero);
	if (!r)
		return NULL;
	r->active = 0;
	if (bpf_map_update_elem(&state, &tid, r, BPF_NOEXIST) &&
	    !bpf_map_lookup_elem(&state, &tid)) {
		count_drop(SCB_DROP_STATE);
		return NULL;
	}
	return bpf_map_lookup_elem(&state, &tid);
}

static __always_inline void read_strings(struct scb_rec *r, u8 mask)
{
	u64 off = 0;
	int k = 0;

	r->str_len[0] = r->str_len[1] = r->str_len[2] = 0;
	r->str_failed = 0;
#pragma unroll
	for (int i = 0; i < 6; i++) {
		long n;

		if (!(mask & (1 << i)))
			continue;
		if (k >= SCB_NSTR || off > SCB_DATA_SIZE - SCB_BUF_CAP - SCB_STR_SLOT)
			break;
		n = bpf_probe_read_user_str(&r->data[off], SCB_STR_SLOT,
					    (const void *)r->args[i]);
		r->str_arg[k & 3] = i;
		r->str_len[k & 3] = n;
		if (n > 0)
			off += n;
		else
			r->str_failed |= 1 << i;
		k++;
	}
	r->data_len = off;
}

/* The first bytes of a user buffer of total bytes, after the strings. */
static __always_inline void read_buf(struct scb_rec *r, const void *ptr, s64 total)
{
	u64 off = r->data_len;
	u64 len;

	if (total <= 0 || off > SCB_DATA_SIZE - 2 * SCB_BUF_CAP)
		return;
	r->buf_total = total;
	len = total > SCB_BUF_CAP ? SCB_BUF_CAP : total;
	/* Hide len's range from the compiler so that it keeps the mask:
	 * 6.1's verifier loses the bound of the clamp above. */
	asm volatile("" : "+r"(len));
	len &= SCB_BUF_CAP * 2 - 1;
	if (!len || bpf_probe_read_user(&r->data[off], len, ptr))
		return;
	r->buf_off = off;
	r->buf_len = len;
	r->data_len = off + len;
}

/* The caller checked that the thread is traced. */
static __always_inline int on_enter(void *ctx, u64 pid_tgid, long id,
				    const u64 *args, bool compat)
{
	u32 tgid = pid_tgid >> 32, tid = (u32)pid_tgid, nr;
	struct scb_conf *c;
	struct scb_rec *r;
	u32 a, k;

	if (id < 0 || id >= SCB_MAX_NR)
		return 0;
	nr = id;
	c = bpf_map_lookup_elem(&conf, &nr);
	if (!c || (!c->trace && !compat))
		return 0;
	r = slot_of(tgid, tid);
	if (!r)
		return 0;
	r->ts = bpf_ktime_get_ns();
	r->nr = nr;
	r->flags = compat ? SCB_COMPAT : 0;
	r->data_len = 0;
	r->buf_len = 0;
	r->buf_arg = -1;
	r->str_len[0] = r->str_len[1] = r->str_len[2] = 0;
	r->active = 1;
	if (emit_events) {
		r->pid = tgid;
		r->tid = tid;
#pragma unroll
		for (int i = 0; i < 6; i++)
			r->args[i] = args[i];
		if (!compat) {
			r->str_mask = c->str_mask;
			r->str_failed = 0;
			r->exec = c->exec;
			if (c->str_mask)
				read_strings(r, c->str_mask);
			r->buf_arg = c->buf_arg;
			r->buf_out = c->buf_out;
			a = (u8)c->buf_arg;
			k = (u8)c->buf_len_arg;
			if (a < 6 && k < 6 && !c->buf_out)
				read_buf(r, (const void *)r->args[a], r->args[k]);
		}
	}
	if (c->noreturn && !compat) {
		/* exit, exit_group: no sys_exit will come */
		r->active = 0;
		if (collect_stats)
			add_stat(nr, 0, false, 0);
		if (emit_events && !failed_only && !min_duration_ns) {
			r->flags |= SCB_NORETURN;
			r->duration = 0;
			r->ret = 0;
			bpf_get_current_comm(&r->comm, sizeof(r->comm));
			emit(ctx, r);
		}
	}
	return 0;
}

static __always_inline int on_exit(void *ctx, s64 ret)
{
	u64 pid_tgid = bpf_get_current_pid_tgid();
	u32 tid = (u32)pid_tgid;
	struct scb_rec *r;
	u64 dur;
	u32 a;

	if (!maybe_traced(pid_tgid >> 32))
		return 0;
	r = bpf_map_lookup_elem(&state, &tid);
	if (!r || !r->active)
		return 0;
	r->active = 0;
	dur = bpf_ktime_get_ns() - r->ts;
	if (collect_stats && !(r->flags & SCB_COMPAT))
		add_stat(r->nr & (SCB_MAX_NR - 1), ret, true, dur);
	if (!emit_events)
		return 0;
	if (failed_only && !(ret < 0 && ret >= -4095))
		return 0;
	if (dur < min_duration_ns)
		return 0;
	r->ret = ret;
	r->duration = dur;
	/* A string in a page the program had not touched yet cannot be
	 * read at entry (BPF cannot fault it in); the call has touched it
	 * by now. Not after a successful exec: that is a new address space. */
	if (r->str_failed && !(r->exec && ret == 0))
		read_strings(r, r->str_mask);
	a = (u8)r->buf_arg;
	if (r->buf_out && a < 6 && ret > 0)
		read_buf(r, (const void *)r->args[a], ret);
	bpf_get_current_comm(&r->comm, sizeof(r->comm));
	emit(ctx, r);
	return 0;
}

/* x86-64 struct pt_regs from r10 (offset 56) to cs (offset 136). */
enum { R10, R9, R8, RAX, RCX, RDX, RSI, RDI, ORIG_RAX, RIP, CS, NREGS };
#define PT_REGS_R10_OFF	56
#define USER_CS		0x33	/* __USER_CS; ia32 calls come with 0x23 */

SEC("?raw_tp/sys_enter")
int raw_enter(struct bpf_raw_tracepoint_args *ctx)
{
	u64 pid_tgid = bpf_get_current_pid_tgid();
	u64 regs[NREGS] = {}, args[6];

	if (!maybe_traced(pid_tgid >> 32))
		return 0;
	/* The summary needs no arguments (nor can it tell ia32 calls) */
	if (!emit_events)
		return on_enter(ctx, pid_tgid, ctx->args[1], args, false);
	if (bpf_probe_read_kernel(regs, sizeof(regs),
				  (char *)ctx->args[0] + PT_REGS_R10_OFF))
		return 0;
	args[0] = regs[RDI];
	args[1] = regs[RSI];
	args[2] = regs[RDX];
	args[3] = regs[R10];
	args[4] = regs[R8];
	args[5] = regs[R9];
	return on_enter(ctx, pid_tgid, ctx->args[1], args, regs[CS] != USER_CS);
}

SEC("?raw_tp/sys_exit")
int raw_exit(struct bpf_raw_tracepoint_args *ctx)
{
	return on_exit(ctx, ctx->args[1]);
}

SEC("?tracepoint/raw_syscalls/sys_enter")
int tp_enter(struct raw_enter_ctx *ctx)
{
	u64 pid_tgid = bpf_get_current_pid_tgid();
	u64 args[6];

	if (!maybe_traced(pid_tgid >> 32))
		return TP_KEEP;
#pragma unroll
	for (int i = 0; i < 6; i++)
		args[i] = ctx->args[i];
	on_enter(ctx, pid_tgid, ctx->id, args, false);
	return TP_KEEP;
}

SEC("?tracepoint/raw_syscalls/sys_exit")
int tp_exit(struct raw_exit_ctx *ctx)
{
	on_exit(ctx, ctx->ret);
	return TP_KEEP;
}

static __always_inline void fork_child(u32 child)
{
	u32 tgid = bpf_get_current_pid_tgid() >> 32;

	if (!maybe_traced(tgid) || !bpf_map_lookup_elem(&traced, &tgid))
		return;
	if (child)
		mark_traced(child);
}

/* A traced process's children are traced from their first instruction:
 * the fork tracepoint runs in the parent before the child can run. */
SEC("?tracepoint/sched/sched_process_fork")
int on_fork(void *ctx)
{
	u32 child = 0;

	bpf_probe_read_kernel(&child, sizeof(child),
			      (char *)ctx + (fork_child_off & 0xff));
	fork_child(child);
	return TP_KEEP;
}

/* The same attached by name (no tracefs id): TP_PROTO(parent, child). */
SEC("?raw_tp/sched_process_fork")
int on_fork_raw(struct bpf_raw_tracepoint_args *ctx)
{
	u32 child = 0;

	if (task_pid_off >= 0)
		bpf_probe_read_kernel(&child, sizeof(child),
				      (char *)ctx->args[1] + (task_pid_off & 0xffff));
	fork_child(child);
	return 0;
}

/* A thread's slot goes with it; a thread added by on_fork (its tid is no
 * tgid) too. */
static __always_inline void task_exit(void)
{
	u64 pid_tgid = bpf_get_current_pid_tgid();
	u32 tid = (u32)pid_tgid, tgid = pid_tgid >> 32;

	if (!maybe_traced(tgid))
		return;
	bpf_map_delete_elem(&state, &tid);
	if (filter_pid && tid != tgid)
		bpf_map_delete_elem(&traced, &tid);
}

SEC("?tracepoint/sched/sched_process_exit")
int on_task_exit(void *ctx)
{
	task_exit();
	return TP_KEEP;
}

/* Runs in the exiting thread, as the classic one. */
SEC("?raw_tp/sched_process_exit")
int on_task_exit_raw(struct bpf_raw_tracepoint_args *ctx)
{
	task_exit();
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
