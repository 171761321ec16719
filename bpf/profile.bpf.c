// SPDX-License-Identifier: GPL-2.0
/*
 * profile: on every tick of a cpu-clock perf event, count the current
 * process's kernel and user stacks in a hash (bcc profile's design).
 * Needs no kernel struct, so no CO-RE and no BTF: it loads wherever
 * perf_event programs do. Returns 0 so perf writes no sample record.
 */
#include "kernel_min.h"
#include <bpf/bpf_helpers.h>
#include "profile.h"

/* Set by user space before load. */
const volatile __u32 target_pid = 0;	/* 0: every process */
const volatile bool include_idle = false;
const volatile bool kernel_stacks = true;
const volatile bool user_stacks = true;

#include "stack_maps.bpf.h"

SEC("perf_event")
int sample(void *ctx)
{
	u64 id = bpf_get_current_pid_tgid();
	struct stack_key key = {};
	u64 one = 1, *n;

	if (!(u32)id && !include_idle)
		return 0;
	key.pid = id >> 32;
	if (target_pid && key.pid != target_pid)
		return 0;
	bpf_get_current_comm(key.comm, sizeof(key.comm));
	key.kstack = kernel_stacks ? stack_id(ctx, 0, SC_KMISSED) : -1;
	key.ustack = user_stacks ? stack_id(ctx, BPF_F_USER_STACK, SC_UMISSED) : -1;
	count(SC_SAMPLES);
	n = bpf_map_lookup_elem(&counts, &key);
	if (n) {
		__sync_fetch_and_add(n, 1);
	} else if (bpf_map_update_elem(&counts, &key, &one, BPF_NOEXIST)) {
		n = bpf_map_lookup_elem(&counts, &key);	/* raced: another CPU */
		if (n)
			__sync_fetch_and_add(n, 1);
		else
			count(SC_DROPPED);
	}
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
