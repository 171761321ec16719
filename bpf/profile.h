/* SPDX-License-Identifier: GPL-2.0 */
/* Keys shared by bpf/profile.bpf.c, bpf/offcpu.bpf.c and their loaders. */
#ifndef SONDE_PROFILE_BPF_H
#define SONDE_PROFILE_BPF_H

#define PROFILE_COMM_LEN	16
#define PROFILE_MAX_FRAMES	127	/* perf_event_max_stack's default */

/* One stack of one process: counted (samples) or summed (ns off CPU). */
struct stack_key {
	__u32 pid;		/* tgid */
	__s32 kstack;		/* stack map ids; -EFAULT: none (user mode), */
	__s32 ustack;		/* other < 0: lost, -1: not asked for */
	char comm[PROFILE_COMM_LEN];
};

/* Counters in the per-CPU "counters" array. */
enum stack_counter {
	SC_SAMPLES,		/* events that passed the filters */
	SC_DROPPED,		/* a new key found the map full */
	SC_KMISSED,		/* kernel stack not stored (collision, full) */
	SC_UMISSED,
	SC__COUNT,
};

#endif
