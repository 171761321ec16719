// SPDX-License-Identifier: GPL-2.0
/*
 * execsnoop: the arguments are read at sys_enter_execve(at), the result at
 * sys_exit_execve(at). Built twice: with CO-RE (PPID from
 * task->real_parent) and, for kernels without BTF, as execsnoop_nocore
 * where user space learns PPIDs from sched_process_fork records.
 */
#include "kernel_min.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "execsnoop.h"

/* Set by user space before load; the verifier prunes dead branches. */
const volatile bool use_ringbuf = true;
const volatile bool failed_only = false;
const volatile int target_uid = -1;
const volatile int max_args = EXEC_MAX_ARGS;
/* Offsets of parent_pid/child_pid in sched_process_fork (format file). */
const volatile int fork_parent_off = 24;
const volatile int fork_child_off = 44;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, u32);
	__type(value, struct exec_rec);
} pending SEC(".maps");

/* Ring buffer, or switched to a perf event array before load. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 << 20);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, struct exec_rec);
} scratch SEC(".maps");

/* Records the program could not hand over (ring full, map full), by
 * kind (EXEC_DROP_*): a lost exec is a lost event, a lost fork notice
 * only a PPID unknown. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, EXEC_DROP_KINDS);
	__type(key, u32);
	__type(value, u64);
} dropped SEC(".maps");

static __always_inline void count_drop(u32 kind)
{
	u64 *n = bpf_map_lookup_elem(&dropped, &kind);

	if (n)
		(*n)++;
}

static __always_inline void emit(void *ctx, struct exec_rec *r, u64 size,
				 u32 kind)
{
	long err;

	if (size > sizeof(*r))
		size = sizeof(*r);
	if (use_ringbuf)
		err = bpf_ringbuf_output(&events, r, size, 0);
	else
		err = bpf_perf_event_output(ctx, &events, BPF_F_CURRENT_CPU, r, size);
	if (err)
		count_drop(kind);
}

static __always_inline int enter(struct syscall_enter_ctx *ctx, const char **argv)
{
	u64 id = bpf_get_current_pid_tgid();
	u32 tid = (u32)id, zero = 0;
	u32 uid = (u32)bpf_get_current_uid_gid();
	struct exec_rec *r;

	if (target_uid >= 0 && uid != (u32)target_uid)
		return 0;
	r = bpf_map_lookup_elem(&scratch, &zero);
	if (!r)
		return 0;
	r->type = EXEC_REC_EXEC;
	r->pid = id >> 32;
	r->tid = tid;
	r->uid = uid;
	r->ppid = 0;
#ifndef SONDE_NO_CORE
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	r->ppid = BPF_CORE_READ(task, real_parent, tgid);
#endif
	r->args_count = 0;
	r->args_size = 0;
	r->args_truncated = 0;

	for (int i = 0; i < EXEC_MAX_ARGS; i++) {
		const char *arg = NULL;
		long n;

		if (i >= max_args) {
			r->args_truncated = 1;
			break;
		}
		bpf_probe_read_user(&arg, sizeof(arg), &argv[i]);
		if (!arg)
			break;
		if (r->args_size > EXEC_ARGS_BUF - EXEC_ARG_SIZE)
			break;
		n = bpf_probe_read_user_str(&r->args[r->args_size],
					    EXEC_ARG_SIZE, arg);
		if (n <= 0)
			break;
		r->args_size += n;
		r->args_count++;
	}
	/* Count what we did not read, so "..." can be shown. */
	if (r->args_count == EXEC_MAX_ARGS) {
		const char *arg = NULL;

		bpf_probe_read_user(&arg, sizeof(arg), &argv[EXEC_MAX_ARGS]);
		if (arg)
			r->args_truncated = 1;
	}
	if (bpf_map_update_elem(&pending, &tid, r, BPF_ANY))
		count_drop(EXEC_DROP_EXEC);
	return 0;
}

/* ctx: the program's context, for emit(); ret: the exec's result */
static __always_inline int leave(void *ctx, long ret)
{
	u32 tid = (u32)bpf_get_current_pid_tgid();
	struct exec_rec *r = bpf_map_lookup_elem(&pending, &tid);

	if (!r)
		return 0;
	r->retval = ret;
	if (!failed_only || ret < 0) {
		r->ts = bpf_ktime_get_ns();
		bpf_get_current_comm(&r->comm, sizeof(r->comm));
		emit(ctx, r, EXEC_REC_HDR_SIZE + r->args_size, EXEC_DROP_EXEC);
	}
	bpf_map_delete_elem(&pending, &tid);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_execve")
int enter_execve(struct syscall_enter_ctx *ctx)
{
	enter(ctx, (const char **)ctx->args[1]);
	return TP_KEEP;
}

SEC("tracepoint/syscalls/sys_enter_execveat")
int enter_execveat(struct syscall_enter_ctx *ctx)
{
	enter(ctx, (const char **)ctx->args[2]);
	return TP_KEEP;
}

SEC("tracepoint/syscalls/sys_exit_execve")
int exit_execve(struct syscall_exit_ctx *ctx)
{
	leave(ctx, ctx->ret);
	return TP_KEEP;
}

SEC("tracepoint/syscalls/sys_exit_execveat")
int exit_execveat(struct syscall_exit_ctx *ctx)
{
	leave(ctx, ctx->ret);
	return TP_KEEP;
}

/* Only loaded by the no-BTF variant: tells user space who forked whom. */
SEC("?tracepoint/sched/sched_process_fork")
int fork_notice(void *ctx)
{
	struct exec_rec *r;
	u32 zero = 0;
	int off;

	r = bpf_map_lookup_elem(&scratch, &zero);
	if (!r)
		return TP_KEEP;
	r->type = EXEC_REC_FORK;
	off = fork_parent_off & 0xff;
	bpf_probe_read_kernel(&r->ppid, sizeof(r->ppid), (char *)ctx + off);
	off = fork_child_off & 0xff;
	bpf_probe_read_kernel(&r->pid, sizeof(r->pid), (char *)ctx + off);
	r->ts = bpf_ktime_get_ns();
	emit(ctx, r, EXEC_REC_HDR_SIZE, EXEC_DROP_FORK);
	return TP_KEEP;
}

/*
 * Raw sys_enter/sys_exit, for when the syscalls tracepoints' ids cannot be
 * read (tracefs is root's alone; CAP_BPF and CAP_PERFMON attach raw
 * tracepoints by name). Only the exec numbers of x86-64, the build arch,
 * pass; the arguments come from the struct pt_regs the raw tracepoint
 * gets (ABI on x86-64: rsi at 104, rdx at 96). Every syscall exit looks
 * up the thread in pending, so this costs more than the classic pair.
 */
#define EXEC_NR_EXECVE		59
#define EXEC_NR_EXECVEAT	322
#define PT_REGS_RDX_OFF		96
#define PT_REGS_RSI_OFF		104

SEC("?raw_tp/sys_enter")
int raw_enter_exec(struct bpf_raw_tracepoint_args *ctx)
{
	long nr = ctx->args[1];
	const char **argv = NULL;
	int off;

	if (nr != EXEC_NR_EXECVE && nr != EXEC_NR_EXECVEAT)
		return 0;
	off = nr == EXEC_NR_EXECVE ? PT_REGS_RSI_OFF : PT_REGS_RDX_OFF;
	bpf_probe_read_kernel(&argv, sizeof(argv), (char *)ctx->args[0] + off);
	enter((struct syscall_enter_ctx *)ctx, argv);
	return 0;
}

SEC("?raw_tp/sys_exit")
int raw_exit_exec(struct bpf_raw_tracepoint_args *ctx)
{
	return leave(ctx, ctx->args[1]);
}

char LICENSE[] SEC("license") = "GPL";
