// SPDX-License-Identifier: GPL-2.0
/*
 * fsslower from system calls, for kernels where no kernel function can be
 * probed (no kprobes, fentry refused): reads, writes, opens and fsyncs
 * timed from sys_enter to sys_exit, kept only when the file is a regular
 * file on the wanted file system (its super block's magic, found from the
 * descriptor through task->files, CO-RE) and the call took at least
 * min_ns. What this cannot see, unlike bcc's ext4slower: I/O that does
 * not come from these system calls (io_uring, sendfile, mmap, the kernel).
 */
#include "kernel_min.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "fsslower.h"

#define S_IFMT	00170000
#define S_IFREG	0100000

/* Set by user space before load. */
const volatile bool use_ringbuf = true;
const volatile __u32 target_magic = 0;	/* 0: any file system */
const volatile __u64 min_ns = 0;
const volatile __u32 target_tgid = 0;	/* 0: every process */
const volatile __u32 self_tgid = 0;	/* sonde */

/* A call in progress, by thread. */
struct start {
	__u64 ts;
	__s64 offset;
	struct file *file;	/* NULL for opens: known at the exit */
	__u32 op;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, struct start);
} starts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct fss_rec);
} scratch SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} dropped SEC(".maps");

static __always_inline void count_drop(void)
{
	__u32 zero = 0;
	__u64 *n = bpf_map_lookup_elem(&dropped, &zero);

	if (n)
		(*n)++;
}

/* The open file behind descriptor fd of the current task, or NULL. */
static __always_inline struct file *fd_file(long fd)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
	struct file **fds, *f = NULL;

	if (fd < 0 || !fdt || fd >= BPF_CORE_READ(fdt, max_fds))
		return NULL;
	fds = BPF_CORE_READ(fdt, fd);
	bpf_probe_read_kernel(&f, sizeof(f), &fds[fd & 0xfffff]);
	return f;
}

/* A regular file on the wanted file system? */
static __always_inline bool wanted(struct file *f, __u32 *magic)
{
	struct inode *inode;

	if (!f)
		return false;
	inode = BPF_CORE_READ(f, f_inode);
	if (!inode || (BPF_CORE_READ(inode, i_mode) & S_IFMT) != S_IFREG)
		return false;
	*magic = BPF_CORE_READ(inode, i_sb, s_magic);
	return !target_magic || *magic == target_magic;
}

static __always_inline bool traced(void)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;

	return tgid != self_tgid && (!target_tgid || tgid == target_tgid);
}

static __always_inline int enter(long fd, __u32 op, __s64 offset)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid(), magic;
	struct start st = { .op = op, .offset = offset };

	if (!traced())
		return 0;
	if (op != FSS_OPEN) {
		struct file *f = fd_file(fd);

		if (!wanted(f, &magic))
			return 0;
		st.file = f;
		if (offset == -2)	/* read/write: where the file is */
			st.offset = BPF_CORE_READ(f, f_pos);
	}
	st.ts = bpf_ktime_get_ns();
	if (bpf_map_update_elem(&starts, &tid, &st, BPF_ANY))
		count_drop();
	return 0;
}

static __always_inline int leave(void *ctx, long ret)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid(), zero = 0, magic = 0;
	struct start *st = bpf_map_lookup_elem(&starts, &tid);
	struct fss_rec *r;
	struct file *f;
	__u64 now, delta;
	long err;

	if (!st)
		return 0;
	now = bpf_ktime_get_ns();
	delta = now - st->ts;
	f = st->op == FSS_OPEN ? fd_file(ret) : st->file;
	if (delta < min_ns || !wanted(f, &magic))
		goto out;
	r = bpf_map_lookup_elem(&scratch, &zero);
	if (!r)
		goto out;
	r->ts = now;
	r->delta_ns = delta;
	r->offset = st->offset;
	r->ret = ret;
	r->pid = bpf_get_current_pid_tgid() >> 32;
	r->tid = tid;
	r->op = st->op;
	r->magic = magic;
	bpf_get_current_comm(&r->comm, sizeof(r->comm));
	r->name[0] = '\0';
	bpf_probe_read_kernel_str(&r->name, sizeof(r->name),
				  BPF_CORE_READ(f, f_path.dentry, d_name.name));
	if (use_ringbuf)
		err = bpf_ringbuf_output(&events, r, sizeof(*r), 0);
	else
		err = bpf_perf_event_output(ctx, &events, BPF_F_CURRENT_CPU, r, sizeof(*r));
	if (err)
		count_drop();
out:
	bpf_map_delete_elem(&starts, &tid);
	return 0;
}

/* -2: the file's position at entry; -1: none */
#define ENTER(name, op, offset)						\
	SEC("?tracepoint/syscalls/sys_enter_" #name)			\
	int enter_##name(struct syscall_enter_ctx *ctx)			\
	{								\
		enter(ctx->args[0], op, offset);			\
		return TP_KEEP;						\
	}								\
	SEC("?tracepoint/syscalls/sys_exit_" #name)			\
	int exit_##name(struct syscall_exit_ctx *ctx)			\
	{								\
		leave(ctx, ctx->ret);					\
		return TP_KEEP;						\
	}

ENTER(read, FSS_READ, -2)
ENTER(write, FSS_WRITE, -2)
ENTER(readv, FSS_READ, -2)
ENTER(writev, FSS_WRITE, -2)
ENTER(pread64, FSS_READ, (__s64)ctx->args[3])
ENTER(pwrite64, FSS_WRITE, (__s64)ctx->args[3])
ENTER(preadv, FSS_READ, (__s64)ctx->args[3])
ENTER(pwritev, FSS_WRITE, (__s64)ctx->args[3])
ENTER(open, FSS_OPEN, -1)
ENTER(openat, FSS_OPEN, -1)
ENTER(openat2, FSS_OPEN, -1)
ENTER(fsync, FSS_FSYNC, -1)
ENTER(fdatasync, FSS_FSYNC, -1)

char LICENSE[] SEC("license") = "GPL";
