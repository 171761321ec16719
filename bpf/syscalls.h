/* SPDX-License-Identifier: GPL-2.0 */
/* Records shared by bpf/syscalls.bpf.c and lib/syscall_bpf.c. */
#ifndef SONDE_SYSCALLS_BPF_H
#define SONDE_SYSCALLS_BPF_H

#define SCB_MAX_NR	1024		/* = SC_MAX_NR */
#define SCB_NSTR	3		/* string arguments read per call */
#define SCB_STR_SLOT	256		/* bytes read per string */
#define SCB_BUF_CAP	64		/* bytes of a read/write buffer */
#define SCB_DATA_SIZE	1024		/* >= SCB_NSTR * SCB_STR_SLOT + SCB_BUF_CAP */
#define SCB_COMM_LEN	16

/* Per syscall number, set by user space from the format files. */
struct scb_conf {
	__u8 trace;		/* traced (-e) */
	__u8 str_mask;		/* bit i: args[i] is a string */
	__s8 buf_arg;		/* read/write buffer argument, or -1 */
	__s8 buf_len_arg;	/* its length argument (buffers read at entry) */
	__u8 buf_out;		/* filled by the call: read at exit, ret bytes */
	__u8 noreturn;		/* exit, exit_group */
	__u8 exec;		/* execve, execveat: a new address space at exit */
	__u8 pad;
};

enum scb_flags {
	SCB_NORETURN = 1,	/* emitted at entry: the call does not return */
	SCB_COMPAT = 2,		/* an ia32 syscall: nr is not x86-64's */
};

/* One syscall: kept per thread from entry to exit, then emitted with
 * data_len bytes of data (strings, then the buffer). */
struct scb_rec {
	__u64 ts;		/* entry, bpf_ktime_get_ns: CLOCK_MONOTONIC */
	__u64 duration;
	__s64 ret;
	__u64 args[6];
	__u64 buf_total;	/* bytes the call moved (for "...") */
	__u32 pid;		/* tgid */
	__u32 tid;
	__s32 nr;
	__u16 flags;
	__u16 data_len;
	__s16 str_len[SCB_NSTR];	/* bytes with the NUL; <= 0: unread */
	__u8 str_arg[SCB_NSTR];
	__s8 buf_arg;
	__u16 buf_len;		/* bytes of the buffer in data */
	__u16 buf_off;
	__u8 active;		/* entered, not yet exited */
	__u8 buf_out;
	__u8 str_mask;		/* the strings to read */
	__u8 str_failed;	/* the ones that faulted at entry */
	__u8 exec;
	__u8 pad[3];
	char comm[SCB_COMM_LEN];
	char data[SCB_DATA_SIZE];
};

#define SCB_REC_HDR_SIZE	((unsigned long)&((struct scb_rec *)0)->data)

/* Per syscall number and CPU (= struct sc_stat). */
struct scb_stat {
	__u64 calls, errors, timed, total_ns, min_ns, max_ns;
};

enum scb_drop {
	SCB_DROP_RING = 0,	/* ring or perf buffer full */
	SCB_DROP_STATE = 1,	/* per-thread state map full */
	SCB_DROP__COUNT,
};

#endif
