// SPDX-License-Identifier: GPL-2.0
/*
 * The syscalls of the running kernel. Names, argument names and types come
 * from the syscall tracepoints' format files
 * (events/syscalls/sys_enter_<name>/format), so nothing here describes a
 * syscall's arguments by hand: a kernel that adds, drops or changes one is
 * read as it is.
 *
 * The format files carry no syscall numbers (a record does, in
 * __syscall_nr), and the raw_syscalls events BPF and perf attach to carry
 * only numbers. Numbers are the x86-64 ABI's: fixed forever once given,
 * taken from the build's <asm/unistd_64.h>, plus those newer than it. The
 * tracefs mechanism checks them against the records it sees.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <asm/unistd_64.h>

#include "kernel_facts.h"
#include "syscalls.h"
#include "util.h"

/* Given after the build headers (linux-libc-dev 6.1) were made. */
#ifndef __NR_cachestat
#define __NR_cachestat		451
#endif
#ifndef __NR_fchmodat2
#define __NR_fchmodat2		452
#endif
#ifndef __NR_map_shadow_stack
#define __NR_map_shadow_stack	453
#endif
#ifndef __NR_futex_wake
#define __NR_futex_wake		454
#define __NR_futex_wait		455
#define __NR_futex_requeue	456
#endif
#ifndef __NR_statmount
#define __NR_statmount		457
#define __NR_listmount		458
#define __NR_lsm_get_self_attr	459
#define __NR_lsm_set_self_attr	460
#define __NR_lsm_list_modules	461
#endif
#ifndef __NR_mseal
#define __NR_mseal		462
#endif
#ifndef __NR_setxattrat
#define __NR_setxattrat		463
#define __NR_getxattrat		464
#define __NR_listxattrat	465
#define __NR_removexattrat	466
#endif
#ifndef __NR_open_tree_attr
#define __NR_open_tree_attr	467
#endif
#ifndef __NR_file_getattr
#define __NR_file_getattr	468
#define __NR_file_setattr	469
#endif
#ifndef __NR_uretprobe
#define __NR_uretprobe		335
#endif
#ifndef __NR_uprobe
#define __NR_uprobe		336
#endif

#define SC(n) [__NR_##n] = #n,
static const char *const abi_names[SC_MAX_NR] = {
	SC(read) SC(write) SC(open) SC(close) SC(stat) SC(fstat) SC(lstat)
	SC(poll) SC(lseek) SC(mmap) SC(mprotect) SC(munmap) SC(brk)
	SC(rt_sigaction) SC(rt_sigprocmask) SC(rt_sigreturn) SC(ioctl)
	SC(pread64) SC(pwrite64) SC(readv) SC(writev) SC(access) SC(pipe)
	SC(select) SC(sched_yield) SC(mremap) SC(msync) SC(mincore)
	SC(madvise) SC(shmget) SC(shmat) SC(shmctl) SC(dup) SC(dup2)
	SC(pause) SC(nanosleep) SC(getitimer) SC(alarm) SC(setitimer)
	SC(getpid) SC(sendfile) SC(socket) SC(connect) SC(accept) SC(sendto)
	SC(recvfrom) SC(sendmsg) SC(recvmsg) SC(shutdown) SC(bind)
	SC(listen) SC(getsockname) SC(getpeername) SC(socketpair)
	SC(setsockopt) SC(getsockopt) SC(clone) SC(fork) SC(vfork)
	SC(execve) SC(exit) SC(wait4) SC(kill) SC(uname) SC(semget)
	SC(semop) SC(semctl) SC(shmdt) SC(msgget) SC(msgsnd) SC(msgrcv)
	SC(msgctl) SC(fcntl) SC(flock) SC(fsync) SC(fdatasync) SC(truncate)
	SC(ftruncate) SC(getdents) SC(getcwd) SC(chdir) SC(fchdir)
	SC(rename) SC(mkdir) SC(rmdir) SC(creat) SC(link) SC(unlink)
	SC(symlink) SC(readlink) SC(chmod) SC(fchmod) SC(chown) SC(fchown)
	SC(lchown) SC(umask) SC(gettimeofday) SC(getrlimit) SC(getrusage)
	SC(sysinfo) SC(times) SC(ptrace) SC(getuid) SC(syslog) SC(getgid)
	SC(setuid) SC(setgid) SC(geteuid) SC(getegid) SC(setpgid)
	SC(getppid) SC(getpgrp) SC(setsid) SC(setreuid) SC(setregid)
	SC(getgroups) SC(setgroups) SC(setresuid) SC(getresuid)
	SC(setresgid) SC(getresgid) SC(getpgid) SC(setfsuid) SC(setfsgid)
	SC(getsid) SC(capget) SC(capset) SC(rt_sigpending)
	SC(rt_sigtimedwait) SC(rt_sigqueueinfo) SC(rt_sigsuspend)
	SC(sigaltstack) SC(utime) SC(mknod) SC(uselib) SC(personality)
	SC(ustat) SC(statfs) SC(fstatfs) SC(sysfs) SC(getpriority)
	SC(setpriority) SC(sched_setparam) SC(sched_getparam)
	SC(sched_setscheduler) SC(sched_getscheduler)
	SC(sched_get_priority_max) SC(sched_get_priority_min)
	SC(sched_rr_get_interval) SC(mlock) SC(munlock) SC(mlockall)
	SC(munlockall) SC(vhangup) SC(modify_ldt) SC(pivot_root)
	SC(_sysctl) SC(prctl) SC(arch_prctl) SC(adjtimex) SC(setrlimit)
	SC(chroot) SC(sync) SC(acct) SC(settimeofday) SC(mount) SC(umount2)
	SC(swapon) SC(swapoff) SC(reboot) SC(sethostname) SC(setdomainname)
	SC(iopl) SC(ioperm) SC(create_module) SC(init_module)
	SC(delete_module) SC(get_kernel_syms) SC(query_module) SC(quotactl)
	SC(nfsservctl) SC(getpmsg) SC(putpmsg) SC(afs_syscall) SC(tuxcall)
	SC(security) SC(gettid) SC(readahead) SC(setxattr) SC(lsetxattr)
	SC(fsetxattr) SC(getxattr) SC(lgetxattr) SC(fgetxattr)
	SC(listxattr) SC(llistxattr) SC(flistxattr) SC(removexattr)
	SC(lremovexattr) SC(fremovexattr) SC(tkill) SC(time) SC(futex)
	SC(sched_setaffinity) SC(sched_getaffinity) SC(set_thread_area)
	SC(io_setup) SC(io_destroy) SC(io_getevents) SC(io_submit)
	SC(io_cancel) SC(get_thread_area) SC(lookup_dcookie)
	SC(epoll_create) SC(epoll_ctl_old) SC(epoll_wait_old)
	SC(remap_file_pages) SC(getdents64) SC(set_tid_address)
	SC(restart_syscall) SC(semtimedop) SC(fadvise64) SC(timer_create)
	SC(timer_settime) SC(timer_gettime) SC(timer_getoverrun)
	SC(timer_delete) SC(clock_settime) SC(clock_gettime)
	SC(clock_getres) SC(clock_nanosleep) SC(exit_group) SC(epoll_wait)
	SC(epoll_ctl) SC(tgkill) SC(utimes) SC(vserver) SC(mbind)
	SC(set_mempolicy) SC(get_mempolicy) SC(mq_open) SC(mq_unlink)
	SC(mq_timedsend) SC(mq_timedreceive) SC(mq_notify)
	SC(mq_getsetattr) SC(kexec_load) SC(waitid) SC(add_key)
	SC(request_key) SC(keyctl) SC(ioprio_set) SC(ioprio_get)
	SC(inotify_init) SC(inotify_add_watch) SC(inotify_rm_watch)
	SC(migrate_pages) SC(openat) SC(mkdirat) SC(mknodat) SC(fchownat)
	SC(futimesat) SC(newfstatat) SC(unlinkat) SC(renameat) SC(linkat)
	SC(symlinkat) SC(readlinkat) SC(fchmodat) SC(faccessat)
	SC(pselect6) SC(ppoll) SC(unshare) SC(set_robust_list)
	SC(get_robust_list) SC(splice) SC(tee) SC(sync_file_range)
	SC(vmsplice) SC(move_pages) SC(utimensat) SC(epoll_pwait)
	SC(signalfd) SC(timerfd_create) SC(eventfd) SC(fallocate)
	SC(timerfd_settime) SC(timerfd_gettime) SC(accept4) SC(signalfd4)
	SC(eventfd2) SC(epoll_create1) SC(dup3) SC(pipe2) SC(inotify_init1)
	SC(preadv) SC(pwritev) SC(rt_tgsigqueueinfo) SC(perf_event_open)
	SC(recvmmsg) SC(fanotify_init) SC(fanotify_mark) SC(prlimit64)
	SC(name_to_handle_at) SC(open_by_handle_at) SC(clock_adjtime)
	SC(syncfs) SC(sendmmsg) SC(setns) SC(getcpu) SC(process_vm_readv)
	SC(process_vm_writev) SC(kcmp) SC(finit_module) SC(sched_setattr)
	SC(sched_getattr) SC(renameat2) SC(seccomp) SC(getrandom)
	SC(memfd_create) SC(kexec_file_load) SC(bpf) SC(execveat)
	SC(userfaultfd) SC(membarrier) SC(mlock2) SC(copy_file_range)
	SC(preadv2) SC(pwritev2) SC(pkey_mprotect) SC(pkey_alloc)
	SC(pkey_free) SC(statx) SC(io_pgetevents) SC(rseq) SC(uretprobe)
	SC(uprobe) SC(pidfd_send_signal) SC(io_uring_setup)
	SC(io_uring_enter) SC(io_uring_register) SC(open_tree)
	SC(move_mount) SC(fsopen) SC(fsconfig) SC(fsmount) SC(fspick)
	SC(pidfd_open) SC(clone3) SC(close_range) SC(openat2)
	SC(pidfd_getfd) SC(faccessat2) SC(process_madvise) SC(epoll_pwait2)
	SC(mount_setattr) SC(quotactl_fd) SC(landlock_create_ruleset)
	SC(landlock_add_rule) SC(landlock_restrict_self) SC(memfd_secret)
	SC(process_mrelease) SC(futex_waitv) SC(set_mempolicy_home_node)
	SC(cachestat) SC(fchmodat2) SC(map_shadow_stack) SC(futex_wake)
	SC(futex_wait) SC(futex_requeue) SC(statmount) SC(listmount)
	SC(lsm_get_self_attr) SC(lsm_set_self_attr) SC(lsm_list_modules)
	SC(mseal) SC(setxattrat) SC(getxattrat) SC(listxattrat)
	SC(removexattrat) SC(open_tree_attr) SC(file_getattr)
	SC(file_setattr)
};
#undef SC

const char *sc_abi_name(int nr)
{
	return nr >= 0 && nr < SC_MAX_NR ? abi_names[nr] : NULL;
}

int sc_abi_nr(const char *name)
{
	for (int i = 0; i < SC_MAX_NR; i++)
		if (abi_names[i] && !strcmp(abi_names[i], name))
			return i;
	return -1;
}

/*
 * The event of an ABI name. The kernel names events after its
 * SYSCALL_DEFINE, which differs for a few old calls: stat is
 * SYSCALL_DEFINE(newstat), uname newuname, sendfile sendfile64,
 * umount2 umount.
 */
int sc_event_candidates(const char *name, char out[][48], int max)
{
	size_t len = strlen(name);
	int n = 0;

	if (n < max)
		snprintf(out[n++], 48, "%s", name);
	if (n < max)
		snprintf(out[n++], 48, "new%s", name);
	if (n < max)
		snprintf(out[n++], 48, "%s64", name);
	if (n < max && len > 1 && name[len - 1] >= '0' && name[len - 1] <= '9')
		snprintf(out[n++], 48, "%.*s", (int)len - 1, name);
	return n;
}

int sc_event_nr(const char *event)
{
	size_t len = strlen(event);
	char name[64];
	int nr = sc_abi_nr(event);

	if (nr >= 0)
		return nr;
	if (!strncmp(event, "new", 3) && (nr = sc_abi_nr(event + 3)) >= 0)
		return nr;
	if (len > 2 && !strcmp(event + len - 2, "64")) {
		snprintf(name, sizeof(name), "%.*s", (int)len - 2, event);
		if ((nr = sc_abi_nr(name)) >= 0)
			return nr;
	}
	snprintf(name, sizeof(name), "%s2", event);
	return sc_abi_nr(name);
}

/* "\tfield:const char * filename;\toffset:24;..." -> type, name */
static int parse_field(const char *line, char *type, size_t tsz, char *name,
		       size_t nsz)
{
	const char *p = strstr(line, "field:"), *semi, *sp;

	if (!p)
		return -EINVAL;
	p += 6;
	semi = strchr(p, ';');
	if (!semi)
		return -EINVAL;
	for (sp = semi; sp > p && sp[-1] != ' ' && sp[-1] != '*'; sp--)
		;
	if (sp == p || sp == semi)
		return -EINVAL;
	snprintf(name, nsz, "%.*s", (int)(semi - sp), sp);
	while (sp > p && sp[-1] == ' ')
		sp--;
	snprintf(type, tsz, "%.*s", (int)(sp - p), p);
	return 0;
}

int sc_parse_format(const char *text, struct sc_info *info)
{
	bool after_nr = false;
	char type[64], name[64];

	info->nargs = 0;
	for (const char *l = text; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL) {
		if (strncmp(l + strspn(l, " \t"), "field:", 6))
			continue;
		if (parse_field(l, type, sizeof(type), name, sizeof(name)))
			return -EINVAL;
		if (!after_nr) {
			after_nr = !strcmp(name, "__syscall_nr") || !strcmp(name, "nr");
			continue;
		}
		if (info->nargs == SC_MAX_ARGS)
			return -EINVAL;
		snprintf(info->args[info->nargs].name, sizeof(info->args[0].name), "%s", name);
		snprintf(info->args[info->nargs].type, sizeof(info->args[0].type), "%s", type);
		info->nargs++;
	}
	return after_nr ? 0 : -EINVAL;
}

static bool is_one_of(const char *s, const char *const *set)
{
	for (; *set; set++)
		if (!strcmp(s, *set))
			return true;
	return false;
}

/* Integer types by their C name; anything else with a '*' is a pointer,
 * and an unknown name is taken as a signed int (as syscall args mostly are). */
static enum sc_argkind int_kind(const char *type)
{
	static const char *const longs[] = {
		"long", "long long", "loff_t", "off_t", "ssize_t", "__s64",
		"s64", "time_t", "__kernel_old_time_t", NULL,
	};
	static const char *const ulongs[] = {
		"unsigned long", "unsigned long long", "size_t", "u64",
		"__u64", "aio_context_t", "cap_user_header_t",
		"cap_user_data_t", "key_serial_t *", NULL,
	};
	static const char *const uints[] = {
		"unsigned int", "unsigned", "u32", "__u32", "umode_t", "uid_t",
		"gid_t", "old_uid_t", "old_gid_t", "qid_t", "unsigned short",
		"u16", "__u16", "rwf_t", NULL,
	};

	if (is_one_of(type, longs))
		return SCA_LONG;
	if (is_one_of(type, ulongs))
		return SCA_ULONG;
	if (is_one_of(type, uints))
		return SCA_UINT;
	return SCA_INT;
}

void sc_classify(struct sc_info *info)
{
	static const char *const char_strings[] = {
		"filename", "pathname", "path", "dev_name", "dir_name", "type",
		NULL,
	};
	static const char *const not_strings[] = { "buf", "u_msg_ptr", NULL };
	static const char *const ptr_rets[] = {
		"mmap", "mremap", "brk", "shmat", NULL,
	};
	static const char *const no_rets[] = { "exit", "exit_group", NULL };

	info->str_mask = 0;
	info->buf_arg = -1;
	info->buf_len_arg = -1;
	for (int i = 0; i < info->nargs; i++) {
		struct sc_arg *a = &info->args[i];
		const char *t = a->type;

		if (!strchr(t, '*')) {
			a->kind = int_kind(t);
			continue;
		}
		a->kind = SCA_PTR;
		if ((!strcmp(t, "const char *") && !is_one_of(a->name, not_strings)) ||
		    (!strcmp(t, "char *") && is_one_of(a->name, char_strings))) {
			a->kind = SCA_STR;
			info->str_mask |= 1u << i;
			continue;
		}
		if (info->buf_arg < 0 && (!strcmp(a->name, "buf") ||
					  !strcmp(a->name, "ubuf") ||
					  !strcmp(a->name, "buff")) &&
		    (strstr(t, "char") || strstr(t, "void"))) {
			bool in = !strncmp(t, "const", 5) ||
				  !strncmp(info->name, "send", 4);

			a->kind = in ? SCA_BUF_IN : SCA_BUF_OUT;
			info->buf_arg = i;
			if (in && i + 1 < info->nargs)
				info->buf_len_arg = i + 1;
		}
	}
	info->ret = is_one_of(info->name, ptr_rets) ? SCR_PTR :
		    is_one_of(info->name, no_rets) ? SCR_NONE : SCR_INT;
}

/* Reads a format file of any size. */
static char *read_format(const char *path)
{
	size_t cap = 4096;
	char *buf = NULL;
	int n;

	for (;;) {
		char *b = realloc(buf, cap);

		if (!b) {
			free(buf);
			return NULL;
		}
		buf = b;
		n = read_text_file(path, buf, cap);
		if (n < 0) {
			free(buf);
			return NULL;
		}
		if ((size_t)n < cap - 1)
			return buf;
		cap *= 2;
	}
}

static int cmp_event(const void *a, const void *b)
{
	return strcmp(((const struct sc_info *)a)->event,
		      ((const struct sc_info *)b)->event);
}

/* Every ABI number gets an entry; those without an event keep nargs -1. */
static int fill_abi_only(struct sc_table *t)
{
	for (int nr = 0; nr < SC_MAX_NR; nr++) {
		struct sc_info *si;

		if (!abi_names[nr] || t->by_nr[nr])
			continue;
		si = calloc(1, sizeof(*si));
		if (!si)
			return -ENOMEM;
		si->nr = nr;
		si->nargs = -1;
		si->buf_arg = si->buf_len_arg = -1;
		snprintf(si->name, sizeof(si->name), "%s", abi_names[nr]);
		si->ret = !strcmp(si->name, "exit") || !strcmp(si->name, "exit_group") ?
			  SCR_NONE : SCR_INT;
		t->by_nr[nr] = si;
		if (nr > t->max_nr)
			t->max_nr = nr;
	}
	return 0;
}

int sc_table_load_dir(struct sc_table *t, const char *dir)
{
	struct dirent *de;
	size_t cap = 512;
	DIR *d;

	memset(t, 0, sizeof(*t));
	t->all = calloc(cap, sizeof(*t->all));
	if (!t->all)
		return -ENOMEM;
	d = opendir(dir);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		char path[PATH_MAX];
		struct sc_info *si;
		char *text;

		if (strncmp(de->d_name, "sys_enter_", 10))
			continue;
		if ((size_t)t->count == cap) {
			struct sc_info *all = realloc(t->all, 2 * cap * sizeof(*all));

			if (!all)
				break;
			t->all = all;
			cap *= 2;
		}
		si = &t->all[t->count];
		memset(si, 0, sizeof(*si));
		snprintf(si->event, sizeof(si->event), "%s", de->d_name + 10);
		snprintf(path, sizeof(path), "%s/%s/format", dir, de->d_name);
		text = read_format(path);
		if (!text)
			continue;
		if (sc_parse_format(text, si)) {
			free(text);
			continue;
		}
		free(text);
		si->nr = sc_event_nr(si->event);
		snprintf(si->name, sizeof(si->name), "%s",
			 si->nr >= 0 ? abi_names[si->nr] : si->event);
		sc_classify(si);
		t->count++;
	}
	closedir(d);
	qsort(t->all, t->count, sizeof(*t->all), cmp_event);
	for (int i = 0; i < t->count; i++) {
		struct sc_info *si = &t->all[i];

		if (si->nr < 0 || si->nr >= SC_MAX_NR)
			continue;
		t->by_nr[si->nr] = si;
		if (si->nr > t->max_nr)
			t->max_nr = si->nr;
	}
	return fill_abi_only(t);
}

int sc_table_load(struct sc_table *t, const char *root, char *err,
		  size_t errsz)
{
	char dir[PATH_MAX];
	int ret;

	if (!root)
		root = features_tracefs_path();
	if (root) {
		snprintf(dir, sizeof(dir), "%s/events/syscalls", root);
		ret = sc_table_load_dir(t, dir);
		if (!ret && t->count)
			return 0;
		sc_table_free(t);
	}
	/* No syscall events (CONFIG_FTRACE_SYSCALLS=n) or no tracefs:
	 * names only. */
	memset(t, 0, sizeof(*t));
	ret = fill_abi_only(t);
	if (ret)
		snprintf(err, errsz, "out of memory");
	return ret;
}

void sc_table_free(struct sc_table *t)
{
	for (int nr = 0; nr < SC_MAX_NR; nr++) {
		struct sc_info *si = t->by_nr[nr];

		if (si && !(t->all && si >= t->all && si < t->all + t->count))
			free(si);
	}
	free(t->all);
	memset(t, 0, sizeof(*t));
}

const struct sc_info *sc_table_nr(const struct sc_table *t, int nr)
{
	return nr >= 0 && nr < SC_MAX_NR ? t->by_nr[nr] : NULL;
}

const struct sc_info *sc_table_find(const struct sc_table *t,
				    const char *name)
{
	int nr = sc_abi_nr(name);

	if (nr >= 0 && t->by_nr[nr])
		return t->by_nr[nr];
	for (int i = 0; i < t->count; i++)
		if (!strcmp(t->all[i].event, name) || !strcmp(t->all[i].name, name))
			return &t->all[i];
	return NULL;
}
