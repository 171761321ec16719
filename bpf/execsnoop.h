/* SPDX-License-Identifier: GPL-2.0 */
/* Records shared by bpf/execsnoop.bpf.c and lib/exec_bpf.c. */
#ifndef SONDE_EXECSNOOP_H
#define SONDE_EXECSNOOP_H

#define EXEC_ARG_SIZE		128	/* bytes read per argument */
#define EXEC_MAX_ARGS		60	/* arguments read at most */
#define EXEC_ARGS_BUF		(EXEC_ARG_SIZE * EXEC_MAX_ARGS)
#define EXEC_COMM_LEN		16

enum exec_rec_type {
	EXEC_REC_EXEC = 1,	/* a completed execve/execveat */
	EXEC_REC_FORK = 2,	/* parent/child, for PPID without BTF */
};

/* Slots of the program's drop counter. */
enum exec_drop_kind {
	EXEC_DROP_EXEC,		/* an exec event (its record, or its entry) */
	EXEC_DROP_FORK,		/* a fork notice: a PPID unknown, no event */
	EXEC_DROP_KINDS,
};

struct exec_rec {
	__u32 type;
	__u32 pid;		/* tgid */
	__u32 tid;
	__u32 ppid;		/* 0 when the program cannot read it */
	__u32 uid;
	__s32 retval;
	__u64 ts;		/* bpf_ktime_get_ns: CLOCK_MONOTONIC */
	__s32 args_count;	/* arguments read */
	__u32 args_size;	/* bytes used in args */
	__u32 args_truncated;	/* more arguments than were read */
	char comm[EXEC_COMM_LEN];
	char args[EXEC_ARGS_BUF];	/* NUL-separated, argv[0] first */
};

#define EXEC_REC_HDR_SIZE	((unsigned long)&((struct exec_rec *)0)->args)

#endif
