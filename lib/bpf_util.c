// SPDX-License-Identifier: GPL-2.0
/* libbpf glue shared by every BPF-backed source. */
#include <stdio.h>
#include <bpf/libbpf.h>

#include "bpf_util.h"

uint64_t bpf_util_sum_percpu_u64(int map_fd, uint32_t key)
{
	int n = libbpf_num_possible_cpus();
	uint64_t vals[n > 0 ? n : 1], sum = 0;

	if (n <= 0 || bpf_map_lookup_elem(map_fd, &key, vals))
		return 0;
	for (int i = 0; i < n; i++)
		sum += vals[i];
	return sum;
}
