/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SONDE_BPF_UTIL_H
#define SONDE_BPF_UTIL_H

#include <stdint.h>
#include <bpf/bpf.h>

/* Sum a per-CPU array slot of u64 counters. */
uint64_t bpf_util_sum_percpu_u64(int map_fd, uint32_t key);

#endif
