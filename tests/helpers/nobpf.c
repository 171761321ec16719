/*
 * nobpf - run a command on a kernel that seems to have no bpf(2)
 *
 *   nobpf PROG [ARGS...]
 *
 * Installs a seccomp filter that answers every bpf(2) call with ENOSYS, which
 * is what a kernel built without CONFIG_BPF_SYSCALL answers, then execs PROG.
 * The filter is inherited across fork and exec, so PROG's whole process tree
 * sees the same kernel. Everything else is allowed.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#define NR_BPF_X86_64	321
#define NR_BPF_X32	(0x40000000 | 321)	/* __X32_SYSCALL_BIT | 321 */
#define NR_BPF_I386	357

#define LOAD(field) \
	BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, field))
#define IF_EQ(k, skip_true, skip_false) \
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (k), (skip_true), (skip_false))
#define RET(v) BPF_STMT(BPF_RET | BPF_K, (v))

int main(int argc, char **argv)
{
	struct sock_filter insns[] = {
		LOAD(arch),
		IF_EQ(AUDIT_ARCH_X86_64, 0, 3),
		LOAD(nr),
		IF_EQ(NR_BPF_X86_64, 5, 0),
		IF_EQ(NR_BPF_X32, 4, 3),
		/* 32-bit processes (int 0x80) get the i386 numbering */
		IF_EQ(AUDIT_ARCH_I386, 0, 2),
		LOAD(nr),
		IF_EQ(NR_BPF_I386, 1, 0),
		RET(SECCOMP_RET_ALLOW),
		RET(SECCOMP_RET_ERRNO | (ENOSYS & SECCOMP_RET_DATA)),
	};
	struct sock_fprog prog = {
		.len = sizeof(insns) / sizeof(insns[0]),
		.filter = insns,
	};

	if (argc < 2) {
		fprintf(stderr, "usage: nobpf PROG [ARGS...]\n");
		return 2;
	}
	/* required unless we hold CAP_SYS_ADMIN; harmless for root */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog)) {
		fprintf(stderr, "nobpf: cannot install seccomp filter: %s\n",
			strerror(errno));
		return 126;
	}
	execvp(argv[1], argv + 1);
	fprintf(stderr, "nobpf: cannot run '%s': %s\n", argv[1], strerror(errno));
	return errno == ENOENT ? 127 : 126;
}
