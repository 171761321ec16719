// SPDX-License-Identifier: GPL-2.0
/*
 * offcputime: at sched:sched_switch the task leaving the CPU (the current
 * one) has its stacks and the time kept; when a task comes back, the time
 * it was away is added to the stacks it left with (bcc offcputime's
 * design). The classic tracepoint and bpf_get_current_*: no kernel struct,
 * so no CO-RE and no BTF needed; next_pid's offset comes from the format
 * file.
 */
#include "kernel_min.h"
#include <bpf/bpf_helpers.h>
#include "profile.h"

/* Set by user space before load. */
const volatile int next_pid_off = 56;	/* sched_switch's next_pid */

#include "offcpu.bpf.h"

SEC("tracepoint/sched/sched_switch")
int on_switch(void *ctx)
{
	u32 tid = 0;

	bpf_probe_read_kernel(&tid, sizeof(tid), (char *)ctx + (next_pid_off & 0xff));
	switch_out(ctx);
	switch_in(tid);
	return TP_KEEP;
}

char LICENSE[] SEC("license") = "GPL";
