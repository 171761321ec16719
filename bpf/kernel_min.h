/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The few kernel types sonde's BPF programs use, written by hand instead
 * of a vmlinux.h dumped from some kernel: the build must not depend on the
 * build machine's kernel. Structs marked preserve_access_index are
 * relocated by libbpf (CO-RE) against the running kernel's BTF; the
 * tracepoint context layouts below are ABI and need no relocation.
 */
#ifndef SONDE_KERNEL_MIN_H
#define SONDE_KERNEL_MIN_H

#include <linux/types.h>
#include <linux/bpf.h>
#include <stdbool.h>

typedef __u32 u32;
typedef __u64 u64;
typedef int pid_t;

/* Common header of every trace event record. */
struct trace_entry {
	unsigned short type;
	unsigned char flags;
	unsigned char preempt_count;
	int pid;
};

/* syscalls:sys_enter_* and sys_exit_* records. */
struct syscall_enter_ctx {
	struct trace_entry ent;
	int nr;
	unsigned long args[6];
};

struct syscall_exit_ctx {
	struct trace_entry ent;
	int nr;
	long ret;
};

#ifndef SONDE_NO_CORE
struct files_struct;

struct task_struct {
	int pid;
	int tgid;
	struct task_struct *real_parent;
	struct files_struct *files;
} __attribute__((preserve_access_index));

/* From a file descriptor to its file system and name (fsslower). */
struct qstr {
	const unsigned char *name;
} __attribute__((preserve_access_index));

struct dentry {
	struct qstr d_name;
} __attribute__((preserve_access_index));

struct path {
	struct dentry *dentry;
} __attribute__((preserve_access_index));

struct super_block {
	unsigned long s_magic;
} __attribute__((preserve_access_index));

struct inode {
	unsigned short i_mode;
	struct super_block *i_sb;
} __attribute__((preserve_access_index));

struct file {
	struct path f_path;
	struct inode *f_inode;
	long long f_pos;
} __attribute__((preserve_access_index));

struct fdtable {
	unsigned int max_fds;
	struct file **fd;
} __attribute__((preserve_access_index));

struct files_struct {
	struct fdtable *fdt;
} __attribute__((preserve_access_index));
#endif

/* What a classic tracepoint program returns: 0 would drop the record for
 * every perf user of that tracepoint on the system while sonde runs
 * (perf_trace_run_bpf_submit(), perf_syscall_enter/exit()). */
#define TP_KEEP 1

#endif
