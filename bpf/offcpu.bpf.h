/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What offcpu.bpf.c (classic tracepoint) and offcpu_raw.bpf.c (raw
 * tracepoint, CO-RE) share: the switch-out and switch-in halves of
 * sched_switch, given the tid of the task coming back.
 */
#ifndef SONDE_OFFCPU_BPF_H
#define SONDE_OFFCPU_BPF_H

/* Set by user space before load. */
const volatile __u32 target_pid = 0;	/* tgid; 0: every process */
const volatile __u64 min_ns = 1;
const volatile __u64 max_ns = ~0ull;
const volatile bool kernel_stacks = true;
const volatile bool user_stacks = true;

struct offcpu_start {
	u64 ts;
	struct stack_key key;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 32768);
	__type(key, u32);			/* tid */
	__type(value, struct offcpu_start);
} starts SEC(".maps");

#include "stack_maps.bpf.h"

/* The task leaving: its stacks now, its time when it comes back. */
static __always_inline void switch_out(void *ctx)
{
	u64 id = bpf_get_current_pid_tgid();
	struct offcpu_start s = {};
	u32 tid = id;

	s.key.pid = id >> 32;
	if (!tid || (target_pid && s.key.pid != target_pid))
		return;
	s.ts = bpf_ktime_get_ns();
	bpf_get_current_comm(s.key.comm, sizeof(s.key.comm));
	s.key.kstack = kernel_stacks ? stack_id(ctx, 0, SC_KMISSED) : -1;
	s.key.ustack = user_stacks ? stack_id(ctx, BPF_F_USER_STACK, SC_UMISSED) : -1;
	if (bpf_map_update_elem(&starts, &tid, &s, BPF_ANY))
		count(SC_DROPPED);
}

/* The task coming back: add the time it was away. */
static __always_inline void switch_in(u32 tid)
{
	struct offcpu_start *s;
	u64 delta, us, *total;

	s = bpf_map_lookup_elem(&starts, &tid);
	if (!s)
		return;
	delta = bpf_ktime_get_ns() - s->ts;
	if (delta >= min_ns && delta <= max_ns) {
		us = delta / 1000;
		count(SC_SAMPLES);
		total = bpf_map_lookup_elem(&counts, &s->key);
		if (total) {
			__sync_fetch_and_add(total, us);
		} else if (bpf_map_update_elem(&counts, &s->key, &us, BPF_NOEXIST)) {
			total = bpf_map_lookup_elem(&counts, &s->key);
			if (total)
				__sync_fetch_and_add(total, us);
			else
				count(SC_DROPPED);
		}
	}
	bpf_map_delete_elem(&starts, &tid);
}

#endif
