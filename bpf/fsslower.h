/* SPDX-License-Identifier: GPL-2.0 */
/* Records shared by bpf/fsslower.bpf.c and lib/fsslower_bpf.c. */
#ifndef SONDE_FSSLOWER_H
#define SONDE_FSSLOWER_H

#define FSS_NAME_LEN	128	/* bytes of the file's name (its dentry) */
#define FSS_COMM_LEN	16

enum fss_op {
	FSS_READ = 'R',
	FSS_WRITE = 'W',
	FSS_OPEN = 'O',
	FSS_FSYNC = 'S',
};

struct fss_rec {
	__u64 ts;		/* when the call returned, CLOCK_MONOTONIC */
	__u64 delta_ns;		/* its latency */
	__s64 offset;		/* file position of a read or write, -1 none */
	__s64 ret;		/* bytes, fd, or -errno */
	__u32 pid, tid;
	__u32 op;		/* enum fss_op */
	__u32 magic;		/* the file system's s_magic */
	char comm[FSS_COMM_LEN];
	char name[FSS_NAME_LEN];
};

#endif
