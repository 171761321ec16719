/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Detaching a BPF program from a tracepoint and closing the tracepoint's
 * last perf event each wait for the tracepoint's callers to finish (RCU
 * grace periods, ~70 ms each on a quiet machine): one after another, a
 * tool with N probes waits N times to exit after Ctrl-C.
 * From threads at once, the BPF detach waits overlap; the perf events'
 * own release runs under one kernel mutex (event_mutex) and stays serial,
 * which is why the perf transport does not use this.
 * Measured on the 6.18 host: snoop exec via bpf exits 304 -> 193 ms after
 * SIGINT (via perf 320 ms either way).
 */
#ifndef SONDE_PARALLEL_CLOSE_H
#define SONDE_PARALLEL_CLOSE_H

#include <stddef.h>

struct bpf_link;
struct bpf_object_skeleton;

/* close() each fd >= 0 and set it to -1. */
void close_fds_parallel(int *fds, size_t n);
/* bpf_link__destroy() each link and set it to NULL. */
void destroy_links_parallel(struct bpf_link **links, size_t n);
/* The attached links of a skeleton (before its __destroy()). */
void destroy_skeleton_links(struct bpf_object_skeleton *skel);

#endif
