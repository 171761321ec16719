/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The maps and helpers profile.bpf.c and offcpu.bpf.c share: stacks
 * counted in a hash keyed by struct stack_key (profile.h), the stacks
 * themselves in a stack-trace map, and per-CPU counters of what could not
 * be recorded. User space resizes counts and stacks before load.
 */
#ifndef SONDE_STACK_MAPS_BPF_H
#define SONDE_STACK_MAPS_BPF_H

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);		/* resized before load */
	__type(key, struct stack_key);
	__type(value, u64);			/* samples, or microseconds */
} counts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(max_entries, 16384);		/* resized before load */
	__uint(key_size, sizeof(u32));
	__uint(value_size, PROFILE_MAX_FRAMES * sizeof(u64));
} stacks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SC__COUNT);
	__type(key, u32);
	__type(value, u64);
} counters SEC(".maps");

static __always_inline void count(u32 which)
{
	u64 *n = bpf_map_lookup_elem(&counters, &which);

	if (n)
		(*n)++;
}

/* A stack id; errors other than "no stack here" are counted. */
static __always_inline int stack_id(void *ctx, u64 flags, u32 missed)
{
	long id = bpf_get_stackid(ctx, &stacks, flags);

	if (id < 0 && id != -14 /* EFAULT: none in that mode */)
		count(missed);
	return id;
}

#endif
