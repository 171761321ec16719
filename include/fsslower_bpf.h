/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fsslower's own BPF programs (bpf/fsslower.bpf.c): slow reads, writes,
 * opens and fsyncs from system call tracepoints, the file system checked
 * in the kernel. For kernels where no kernel function can be probed; the
 * tool uses the probe engine on the file system's functions elsewhere.
 */
#ifndef SONDE_FSSLOWER_BPF_H
#define SONDE_FSSLOWER_BPF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/types.h>

#include "../bpf/fsslower.h"

struct fss_bpf_opts {
	uint32_t magic;		/* file system (s_magic), 0: any */
	uint64_t min_ns;
	int pid;		/* 0: every process */
	bool ringbuf;		/* else perf buffer */
	void (*cb)(void *ctx, const struct fss_rec *r);
	void *ctx;
};

struct fss_bpf;

/* Load and attach; NULL with one line in err. */
struct fss_bpf *fss_bpf_open(const struct fss_bpf_opts *o, char *err, size_t errsz);
int fss_bpf_poll(struct fss_bpf *b, int timeout_ms);
void fss_bpf_finish(struct fss_bpf *b);
uint64_t fss_bpf_lost(struct fss_bpf *b);
const char *fss_bpf_what(const struct fss_bpf *b);
void fss_bpf_close(struct fss_bpf *b);

#endif
