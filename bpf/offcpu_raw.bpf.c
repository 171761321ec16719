// SPDX-License-Identifier: GPL-2.0
/*
 * offcputime on the raw sched_switch tracepoint, for when the classic one
 * cannot be attached: its id is in tracefs, which only root reads by
 * default, while a raw tracepoint is attached by name with CAP_BPF and
 * CAP_PERFMON. The arguments are TP_PROTO(preempt, prev, next[,
 * prev_state]); next->pid is read with CO-RE, so this needs kernel BTF.
 */
#include "kernel_min.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "profile.h"
#include "offcpu.bpf.h"

SEC("raw_tp/sched_switch")
int on_switch_raw(struct bpf_raw_tracepoint_args *ctx)
{
	struct task_struct *next = (struct task_struct *)ctx->args[2];
	u32 tid = BPF_CORE_READ(next, pid);

	switch_out(ctx);
	switch_in(tid);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
