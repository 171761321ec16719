/*
 * bpfcheck - can this process use bpf(2)?
 *
 * Loads the smallest possible program (socket filter "r0 = 0; exit") and
 * prints "ok", or the errno name of the failure (ENOSYS, EPERM, ...).
 * Exit status: 0 if the load worked, 1 if not.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <linux/bpf.h>

int main(void)
{
	struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	union bpf_attr attr;
	const char *name;
	long fd;

	memset(&attr, 0, sizeof(attr));
	attr.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
	attr.insns = (unsigned long)insns;
	attr.insn_cnt = sizeof(insns) / sizeof(insns[0]);
	attr.license = (unsigned long)"GPL";

	fd = syscall(SYS_bpf, BPF_PROG_LOAD, &attr, sizeof(attr));
	if (fd >= 0) {
		puts("ok");
		return 0;
	}
	name = strerrorname_np(errno);
	if (name)
		puts(name);
	else
		printf("errno %d\n", errno);
	return 1;
}
