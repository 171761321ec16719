// SPDX-License-Identifier: GPL-2.0
/*
 * Syscall arguments and results as people read them: flags by name, AT_FDCWD
 * as CWD, signals, errno names, strings and buffers escaped like strace.
 * Which decoder applies is decided by the syscall's name and the argument's
 * name in its format file, never by its position, so a kernel that reorders
 * or renames arguments is still decoded right or shown plainly.
 * Flag names drop their common prefix, as perf trace does (O_RDONLY ->
 * RDONLY).
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "kernel_facts.h"
#include "syscalls.h"
#include "util.h"

struct flag {
	uint64_t bit;
	const char *name;
};

struct value {
	int64_t v;
	const char *name;
};

/* Appends "A|B" for the set bits, then what is left in hex. */
static const char *flags_str(uint64_t v, const struct flag *f, size_t nf,
			     const char *zero, char *buf, size_t size,
			     size_t n)
{
	uint64_t left = v;

	for (size_t i = 0; i < nf; i++) {
		if (!f[i].bit || (v & f[i].bit) != f[i].bit || !(left & f[i].bit))
			continue;
		n += snprintf(buf + n, n < size ? size - n : 0, "%s%s",
			      n ? "|" : "", f[i].name);
		left &= ~f[i].bit;
	}
	if (left)
		n += snprintf(buf + n, n < size ? size - n : 0, "%s%#" PRIx64,
			      n ? "|" : "", left);
	if (!n)
		snprintf(buf, size, "%s", zero);
	return buf;
}

static const char *value_name(int64_t v, const struct value *t, size_t nt)
{
	for (size_t i = 0; i < nt; i++)
		if (t[i].v == v)
			return t[i].name;
	return NULL;
}

/* A value's name, else the number. */
static const char *value_str(int64_t v, const struct value *t, size_t nt,
			     char *buf, size_t size)
{
	const char *s = value_name(v, t, nt);

	if (s)
		snprintf(buf, size, "%s", s);
	else
		snprintf(buf, size, "%" PRId64, v);
	return buf;
}

/* ---- errno and signals ---- */

const char *sc_errno_name(int err, char *buf, size_t size)
{
	/* Kernel-internal codes a traced call can end with (linux/errno.h):
	 * the signal interrupted it and it is restarted. */
	static const struct value internal[] = {
		{ 512, "ERESTARTSYS" }, { 513, "ERESTARTNOINTR" },
		{ 514, "ERESTARTNOHAND" }, { 515, "ENOIOCTLCMD" },
		{ 516, "ERESTART_RESTARTBLOCK" }, { 517, "EPROBE_DEFER" },
		{ 518, "EOPENSTALE" }, { 519, "ENOPARAM" },
		{ 521, "EBADHANDLE" }, { 524, "ENOTSUPP" },
	};
	const char *s = value_name(err, internal, ARRAY_SIZE(internal));

	snprintf(buf, size, "%s", s ? s : errno_name(err));
	return buf;
}

const char *sc_errno_text(int err)
{
	switch (err) {
	case 512: return "To be restarted if SA_RESTART is set";
	case 513: return "To be restarted";
	case 514: return "To be restarted if no handler";
	case 515: return "Inappropriate ioctl for device";
	case 516: return "Interrupted by signal";
	}
	return strerror(err);
}

static const char *const signames[32] = {
	NULL, "HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE",
	"KILL", "USR1", "SEGV", "USR2", "PIPE", "ALRM", "TERM", "STKFLT",
	"CHLD", "CONT", "STOP", "TSTP", "TTIN", "TTOU", "URG", "XCPU", "XFSZ",
	"VTALRM", "PROF", "WINCH", "IO", "PWR", "SYS",
};

const char *sc_signal_name(int sig, char *buf, size_t size)
{
	if (sig > 0 && sig < 32)
		snprintf(buf, size, "SIG%s", signames[sig]);
	else if (sig >= 32 && sig <= 64)
		snprintf(buf, size, "SIGRT_%d", sig - 32);
	else
		snprintf(buf, size, "%d", sig);
	return buf;
}

/* ---- flags ---- */

#define X_O_ACCMODE	03
#define X_O_CREAT	0100
#define X_O_DSYNC	010000
#define X_O_DIRECTORY	0200000
#define X_O_SYNC	04000000
#define X_O_TMPFILE	020000000

/* Status flags of open and fcntl(F_SETFL): x86-64 values. */
static const struct flag open_flags[] = {
	{ 0100, "CREAT" }, { 0200, "EXCL" }, { 0400, "NOCTTY" },
	{ 01000, "TRUNC" }, { 02000, "APPEND" }, { 04000, "NONBLOCK" },
	{ X_O_SYNC | X_O_DSYNC, "SYNC" }, { X_O_DSYNC, "DSYNC" },
	{ 020000, "ASYNC" }, { 040000, "DIRECT" }, { 0100000, "LARGEFILE" },
	{ X_O_TMPFILE | X_O_DIRECTORY, "TMPFILE" },
	{ X_O_DIRECTORY, "DIRECTORY" }, { 0400000, "NOFOLLOW" },
	{ 01000000, "NOATIME" }, { 02000000, "CLOEXEC" },
	{ 010000000, "PATH" },
};

const char *sc_open_flags(uint64_t v, char *buf, size_t size)
{
	static const char *const acc[] = { "RDONLY", "WRONLY", "RDWR", "ACCMODE" };
	size_t n;

	v &= 0xffffffff;
	n = snprintf(buf, size, "%s", acc[v & X_O_ACCMODE]);
	return flags_str(v & ~(uint64_t)X_O_ACCMODE, open_flags,
			 ARRAY_SIZE(open_flags), "", buf, size, n < size ? n : size);
}

static const char *status_flags(uint64_t v, char *buf, size_t size)
{
	return flags_str(v & 0xffffffff, open_flags, ARRAY_SIZE(open_flags),
			 "0", buf, size, 0);
}

static const struct flag at_flags[] = {
	{ 0x100, "SYMLINK_NOFOLLOW" }, { 0x200, "REMOVEDIR" },
	{ 0x400, "SYMLINK_FOLLOW" }, { 0x800, "NO_AUTOMOUNT" },
	{ 0x1000, "EMPTY_PATH" }, { 0x2000, "STATX_FORCE_SYNC" },
	{ 0x4000, "STATX_DONT_SYNC" }, { 0x8000, "RECURSIVE" },
};

const char *sc_at_flags(uint64_t v, char *buf, size_t size)
{
	return flags_str(v & 0xffffffff, at_flags, ARRAY_SIZE(at_flags), "0",
			 buf, size, 0);
}

/* faccessat(2)'s 0x200 is AT_EACCESS, not AT_REMOVEDIR. */
static const char *access_at_flags(uint64_t v, char *buf, size_t size)
{
	static const struct flag f[] = {
		{ 0x100, "SYMLINK_NOFOLLOW" }, { 0x200, "EACCESS" },
		{ 0x1000, "EMPTY_PATH" },
	};

	return flags_str(v & 0xffffffff, f, ARRAY_SIZE(f), "0", buf, size, 0);
}

const char *sc_mmap_prot(uint64_t v, char *buf, size_t size)
{
	static const struct flag f[] = {
		{ 1, "READ" }, { 2, "WRITE" }, { 4, "EXEC" }, { 8, "SEM" },
		{ 0x01000000, "GROWSDOWN" }, { 0x02000000, "GROWSUP" },
	};

	return flags_str(v, f, ARRAY_SIZE(f), "NONE", buf, size, 0);
}

const char *sc_mmap_flags(uint64_t v, char *buf, size_t size)
{
	static const char *const type[] = {
		NULL, "SHARED", "PRIVATE", "SHARED_VALIDATE",
	};
	static const struct flag f[] = {
		{ 0x10, "FIXED" }, { 0x20, "ANONYMOUS" }, { 0x40, "32BIT" },
		{ 0x100, "GROWSDOWN" }, { 0x800, "DENYWRITE" },
		{ 0x1000, "EXECUTABLE" }, { 0x2000, "LOCKED" },
		{ 0x4000, "NORESERVE" }, { 0x8000, "POPULATE" },
		{ 0x10000, "NONBLOCK" }, { 0x20000, "STACK" },
		{ 0x40000, "HUGETLB" }, { 0x80000, "SYNC" },
		{ 0x100000, "FIXED_NOREPLACE" }, { 0x4000000, "UNINITIALIZED" },
	};
	size_t n = 0;

	if (type[v & 3])
		n = snprintf(buf, size, "%s", type[v & 3]);
	return flags_str(v & ~3ull, f, ARRAY_SIZE(f), "0", buf, size,
			 n < size ? n : size);
}

const char *sc_access_mode(uint64_t v, char *buf, size_t size)
{
	static const struct flag f[] = { { 4, "R" }, { 2, "W" }, { 1, "X" } };

	return flags_str(v & 0xffffffff, f, ARRAY_SIZE(f), "F", buf, size, 0);
}

const char *sc_clone_flags(uint64_t v, char *buf, size_t size)
{
	static const struct flag f[] = {
		{ 0x100, "VM" }, { 0x200, "FS" }, { 0x400, "FILES" },
		{ 0x800, "SIGHAND" }, { 0x1000, "PIDFD" }, { 0x2000, "PTRACE" },
		{ 0x4000, "VFORK" }, { 0x8000, "PARENT" }, { 0x10000, "THREAD" },
		{ 0x20000, "NEWNS" }, { 0x40000, "SYSVSEM" },
		{ 0x80000, "SETTLS" }, { 0x100000, "PARENT_SETTID" },
		{ 0x200000, "CHILD_CLEARTID" }, { 0x400000, "DETACHED" },
		{ 0x800000, "UNTRACED" }, { 0x1000000, "CHILD_SETTID" },
		{ 0x2000000, "NEWCGROUP" }, { 0x4000000, "NEWUTS" },
		{ 0x8000000, "NEWIPC" }, { 0x10000000, "NEWUSER" },
		{ 0x20000000, "NEWPID" }, { 0x40000000, "NEWNET" },
		{ 0x80000000ull, "IO" },
	};
	char sig[16];
	size_t n;

	flags_str(v & ~0xffull, f, ARRAY_SIZE(f), "", buf, size, 0);
	if (v & 0xff) {
		n = strlen(buf);
		snprintf(buf + n, size - n, "%s%s", n ? "|" : "",
			 sc_signal_name(v & 0xff, sig, sizeof(sig)));
	} else if (!buf[0]) {
		snprintf(buf, size, "0");
	}
	return buf;
}

static const struct value fcntl_cmds[] = {
	{ 0, "DUPFD" }, { 1, "GETFD" }, { 2, "SETFD" }, { 3, "GETFL" },
	{ 4, "SETFL" }, { 5, "GETLK" }, { 6, "SETLK" }, { 7, "SETLKW" },
	{ 8, "SETOWN" }, { 9, "GETOWN" }, { 10, "SETSIG" }, { 11, "GETSIG" },
	{ 15, "SETOWN_EX" }, { 16, "GETOWN_EX" }, { 17, "GETOWNER_UIDS" },
	{ 36, "OFD_GETLK" }, { 37, "OFD_SETLK" }, { 38, "OFD_SETLKW" },
	{ 1024, "SETLEASE" }, { 1025, "GETLEASE" }, { 1026, "NOTIFY" },
	{ 1030, "DUPFD_CLOEXEC" }, { 1031, "SETPIPE_SZ" },
	{ 1032, "GETPIPE_SZ" }, { 1033, "ADD_SEALS" }, { 1034, "GET_SEALS" },
	{ 1035, "GET_RW_HINT" }, { 1036, "SET_RW_HINT" },
	{ 1037, "GET_FILE_RW_HINT" }, { 1038, "SET_FILE_RW_HINT" },
};

const char *sc_fcntl_cmd(uint64_t v, char *buf, size_t size)
{
	return value_str((int32_t)v, fcntl_cmds, ARRAY_SIZE(fcntl_cmds), buf, size);
}

const char *sc_socket_family(uint64_t v, char *buf, size_t size)
{
	static const struct value t[] = {
		{ 0, "UNSPEC" }, { 1, "UNIX" }, { 2, "INET" }, { 3, "AX25" },
		{ 4, "IPX" }, { 5, "APPLETALK" }, { 7, "BRIDGE" }, { 9, "X25" },
		{ 10, "INET6" }, { 16, "NETLINK" }, { 17, "PACKET" },
		{ 29, "CAN" }, { 31, "BLUETOOTH" }, { 38, "ALG" },
		{ 40, "VSOCK" }, { 44, "XDP" }, { 45, "MCTP" },
	};

	return value_str((int32_t)v, t, ARRAY_SIZE(t), buf, size);
}

const char *sc_socket_type(uint64_t v, char *buf, size_t size)
{
	static const struct value t[] = {
		{ 1, "STREAM" }, { 2, "DGRAM" }, { 3, "RAW" }, { 4, "RDM" },
		{ 5, "SEQPACKET" }, { 6, "DCCP" }, { 10, "PACKET" },
	};
	static const struct flag f[] = {
		{ 04000, "NONBLOCK" }, { 02000000, "CLOEXEC" },
	};
	size_t n;

	value_str(v & 0xf, t, ARRAY_SIZE(t), buf, size);
	n = strlen(buf);
	return flags_str(v & 0xfffffff0, f, ARRAY_SIZE(f), "", buf, size, n);
}

const char *sc_ioctl_cmd(uint64_t v, char *buf, size_t size)
{
	static const struct value t[] = {
		{ 0x5401, "TCGETS" }, { 0x5402, "TCSETS" }, { 0x5403, "TCSETSW" },
		{ 0x5404, "TCSETSF" }, { 0x540e, "TIOCSCTTY" },
		{ 0x540f, "TIOCGPGRP" }, { 0x5410, "TIOCSPGRP" },
		{ 0x5413, "TIOCGWINSZ" }, { 0x5414, "TIOCSWINSZ" },
		{ 0x541b, "FIONREAD" }, { 0x5421, "FIONBIO" },
		{ 0x5422, "TIOCNOTTY" }, { 0x5450, "FIONCLEX" },
		{ 0x5451, "FIOCLEX" }, { 0x5452, "FIOASYNC" },
		{ 0x5460, "FIOQSIZE" }, { 0x80045430, "TIOCGPTN" },
		{ 0x40045431, "TIOCSPTLCK" },
	};
	const char *s = value_name(v & 0xffffffff, t, ARRAY_SIZE(t));

	if (s)
		snprintf(buf, size, "%s", s);
	else
		snprintf(buf, size, "%#" PRIx64, v & 0xffffffff);
	return buf;
}

/* ---- strings and buffers ---- */

size_t sc_escape(const void *data, size_t len, bool trunc, char *out,
		 size_t size)
{
	const unsigned char *p = data;
	size_t n = 0;

#define PUT(...) (n += snprintf(out + n, n < size ? size - n : 0, __VA_ARGS__))
	if (!size)
		return 0;
	PUT("\"");
	for (size_t i = 0; i < len; i++) {
		unsigned char c = p[i];
		bool digit_next = i + 1 < len && p[i + 1] >= '0' && p[i + 1] <= '7';

		if (n + 9 > size) {	/* room for \ooo and "... only */
			trunc = true;
			break;
		}

		switch (c) {
		case '"': PUT("\\\""); break;
		case '\\': PUT("\\\\"); break;
		case '\n': PUT("\\n"); break;
		case '\t': PUT("\\t"); break;
		case '\r': PUT("\\r"); break;
		case '\v': PUT("\\v"); break;
		case '\f': PUT("\\f"); break;
		default:
			if (c >= 0x20 && c < 0x7f)
				PUT("%c", c);
			else
				PUT(digit_next ? "\\%03o" : "\\%o", c);
		}
	}
	PUT("\"%s", trunc ? "..." : "");
#undef PUT
	if (n >= size)
		n = size - 1;
	return n;
}

/* ---- arguments ---- */

static bool is_open_like(const char *name)
{
	return !strcmp(name, "open") || !strcmp(name, "openat") ||
	       !strcmp(name, "creat") || !strcmp(name, "openat2") ||
	       !strcmp(name, "open_by_handle_at");
}

/* Index of the argument called name, or -1. */
static int arg_index(const struct sc_info *si, const char *name)
{
	for (int i = 0; i < si->nargs; i++)
		if (!strcmp(si->args[i].name, name))
			return i;
	return -1;
}

int64_t sc_arg_value(const struct sc_event *e, int i)
{
	uint64_t v = e->args[i];

	if (!e->sc || i >= e->sc->nargs)
		return (int64_t)v;
	switch (e->sc->args[i].kind) {
	case SCA_INT:
		return (int32_t)v;
	case SCA_UINT:
		return (uint32_t)v;
	default:
		return (int64_t)v;
	}
}

static const char *pointer(uint64_t v, char *out, size_t size)
{
	if (v)
		snprintf(out, size, "%#" PRIx64, v);
	else
		snprintf(out, size, "NULL");
	return out;
}

static const struct value whences[] = {
	{ 0, "SET" }, { 1, "CUR" }, { 2, "END" }, { 3, "DATA" }, { 4, "HOLE" },
};
static const struct value sigprocmask_hows[] = {
	{ 0, "BLOCK" }, { 1, "UNBLOCK" }, { 2, "SETMASK" },
};
static const struct value clocks[] = {
	{ 0, "REALTIME" }, { 1, "MONOTONIC" }, { 2, "PROCESS_CPUTIME_ID" },
	{ 3, "THREAD_CPUTIME_ID" }, { 4, "MONOTONIC_RAW" },
	{ 5, "REALTIME_COARSE" }, { 6, "MONOTONIC_COARSE" }, { 7, "BOOTTIME" },
	{ 8, "REALTIME_ALARM" }, { 9, "BOOTTIME_ALARM" }, { 11, "TAI" },
};
static const struct value arch_prctl_codes[] = {
	{ 0x1001, "SET_GS" }, { 0x1002, "SET_FS" }, { 0x1003, "GET_FS" },
	{ 0x1004, "GET_GS" }, { 0x1011, "GET_CPUID" }, { 0x1012, "SET_CPUID" },
	{ 0x1021, "GET_XCOMP_SUPP" }, { 0x1022, "GET_XCOMP_PERM" },
	{ 0x1023, "REQ_XCOMP_PERM" },
};
static const struct value madvise_behaviors[] = {
	{ 0, "NORMAL" }, { 1, "RANDOM" }, { 2, "SEQUENTIAL" },
	{ 3, "WILLNEED" }, { 4, "DONTNEED" }, { 8, "FREE" }, { 9, "REMOVE" },
	{ 10, "DONTFORK" }, { 11, "DOFORK" }, { 12, "MERGEABLE" },
	{ 13, "UNMERGEABLE" }, { 14, "HUGEPAGE" }, { 15, "NOHUGEPAGE" },
	{ 16, "DONTDUMP" }, { 17, "DODUMP" }, { 18, "WIPEONFORK" },
	{ 19, "KEEPONFORK" }, { 20, "COLD" }, { 21, "PAGEOUT" },
	{ 22, "POPULATE_READ" }, { 23, "POPULATE_WRITE" },
	{ 24, "DONTNEED_LOCKED" }, { 25, "COLLAPSE" }, { 100, "HWPOISON" },
};
static const struct value prctl_options[] = {
	{ 1, "SET_PDEATHSIG" }, { 2, "GET_PDEATHSIG" }, { 3, "GET_DUMPABLE" },
	{ 4, "SET_DUMPABLE" }, { 8, "SET_KEEPCAPS" }, { 15, "SET_NAME" },
	{ 16, "GET_NAME" }, { 22, "SET_SECCOMP" }, { 23, "CAPBSET_READ" },
	{ 24, "CAPBSET_DROP" }, { 36, "SET_CHILD_SUBREAPER" },
	{ 38, "SET_NO_NEW_PRIVS" }, { 39, "GET_NO_NEW_PRIVS" },
	{ 47, "CAP_AMBIENT" }, { 0x59616d61, "SET_PTRACER" },
	{ 0x53564d41, "SET_VMA" },
};

static const char *futex_op(uint64_t v, char *buf, size_t size)
{
	static const struct value cmds[] = {
		{ 0, "WAIT" }, { 1, "WAKE" }, { 2, "FD" }, { 3, "REQUEUE" },
		{ 4, "CMP_REQUEUE" }, { 5, "WAKE_OP" }, { 6, "LOCK_PI" },
		{ 7, "UNLOCK_PI" }, { 8, "TRYLOCK_PI" }, { 9, "WAIT_BITSET" },
		{ 10, "WAKE_BITSET" }, { 11, "WAIT_REQUEUE_PI" },
		{ 12, "CMP_REQUEUE_PI" }, { 13, "LOCK_PI2" },
	};
	static const struct flag f[] = {
		{ 128, "PRIVATE_FLAG" }, { 256, "CLOCK_REALTIME" },
	};
	size_t n;

	value_str(v & 0x7f, cmds, ARRAY_SIZE(cmds), buf, size);
	n = strlen(buf);
	return flags_str(v & 0xffffff80, f, ARRAY_SIZE(f), "", buf, size, n);
}

static const char *wait_options(uint64_t v, char *buf, size_t size)
{
	static const struct flag f[] = {
		{ 1, "NOHANG" }, { 2, "UNTRACED" }, { 4, "EXITED" },
		{ 8, "CONTINUED" }, { 0x01000000, "NOWAIT" },
		{ 0x20000000, "NOTHREAD" }, { 0x40000000, "ALL" },
		{ 0x80000000ull, "CLONE" },
	};

	return flags_str(v & 0xffffffff, f, ARRAY_SIZE(f), "0", buf, size, 0);
}

/* fcntl's third argument, by its command (the second). */
static enum sc_shown fcntl_arg(const struct sc_event *e, int i, char *out,
			       size_t size)
{
	int c = arg_index(e->sc, "cmd");
	int64_t cmd = c >= 0 ? (int32_t)e->args[c] : -1;

	switch (cmd) {
	case 1: case 3: case 9: case 11: case 1025: case 1032: case 1034:
		return SC_HIDDEN;	/* the get commands take none */
	case 2:
		snprintf(out, size, "%s", e->args[i] & 1 ? "CLOEXEC" : "0");
		return SC_TEXT;
	case 4:
		status_flags(e->args[i], out, size);
		return SC_TEXT;
	case 0: case 1030: case 8: case 10: case 1024: case 1031:
		snprintf(out, size, "%d", (int32_t)e->args[i]);
		return SC_NUMBER;
	}
	pointer(e->args[i], out, size);
	return SC_TEXT;
}

typedef const char *(*flags_fn)(uint64_t v, char *buf, size_t size);

/* (syscall, argument) -> decoder; NULL syscall: any. */
static const struct {
	const char *sc, *arg;
	flags_fn fn;
} decoders[] = {
	{ "open", "flags", sc_open_flags },
	{ "openat", "flags", sc_open_flags },
	{ "open_by_handle_at", "flags", sc_open_flags },
	{ "mmap", "prot", sc_mmap_prot },
	{ "mprotect", "prot", sc_mmap_prot },
	{ "pkey_mprotect", "prot", sc_mmap_prot },
	{ "mmap", "flags", sc_mmap_flags },
	{ "access", "mode", sc_access_mode },
	{ "faccessat", "mode", sc_access_mode },
	{ "faccessat2", "mode", sc_access_mode },
	{ "faccessat", "flags", access_at_flags },
	{ "faccessat2", "flags", access_at_flags },
	{ "clone", "clone_flags", sc_clone_flags },
	{ "unshare", "unshare_flags", sc_clone_flags },
	{ "setns", "flags", sc_clone_flags },
	{ "fcntl", "cmd", sc_fcntl_cmd },
	{ "socket", "family", sc_socket_family },
	{ "socketpair", "family", sc_socket_family },
	{ "socket", "type", sc_socket_type },
	{ "socketpair", "type", sc_socket_type },
	{ "ioctl", "cmd", sc_ioctl_cmd },
	{ "futex", "op", futex_op },
	{ "wait4", "options", wait_options },
	{ "waitid", "options", wait_options },
	{ "accept4", "flags", sc_socket_type },
	{ "dup3", "flags", status_flags },
	{ "pipe2", "flags", status_flags },
	{ "eventfd2", "flags", status_flags },
	{ "signalfd4", "flags", status_flags },
	{ "inotify_init1", "flags", status_flags },
	{ "epoll_create1", "flags", status_flags },
	{ "memfd_create", "flags", NULL },	/* MFD_*: plain */
};

/* (syscall, argument) -> one of a set of values. */
static const struct {
	const char *sc, *arg;
	const struct value *t;
	size_t n;
} enums[] = {
	{ "lseek", "whence", whences, ARRAY_SIZE(whences) },
	{ "rt_sigprocmask", "how", sigprocmask_hows, ARRAY_SIZE(sigprocmask_hows) },
	{ NULL, "which_clock", clocks, ARRAY_SIZE(clocks) },
	{ NULL, "clockid", clocks, ARRAY_SIZE(clocks) },
	{ "arch_prctl", "option", arch_prctl_codes, ARRAY_SIZE(arch_prctl_codes) },
	{ "arch_prctl", "code", arch_prctl_codes, ARRAY_SIZE(arch_prctl_codes) },
	{ "madvise", "behavior", madvise_behaviors, ARRAY_SIZE(madvise_behaviors) },
	{ "prctl", "option", prctl_options, ARRAY_SIZE(prctl_options) },
};

static bool ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && !strcmp(s + a - b, suffix);
}

/* A *at syscall's flags: AT_* */
static bool is_at_flags(const char *sc, const char *arg)
{
	static const char *const scs[] = {
		"newfstatat", "unlinkat", "linkat", "fchownat", "utimensat",
		"statx", "execveat", "name_to_handle_at", "fchmodat2",
		"open_tree", "mount_setattr", "fspick", "open_tree_attr",
		"getxattrat", "setxattrat", "listxattrat", "removexattrat",
		"file_getattr", "file_setattr", NULL,
	};

	if (strcmp(arg, "flag") && strcmp(arg, "flags") && strcmp(arg, "at_flags"))
		return false;
	for (int i = 0; scs[i]; i++)
		if (!strcmp(sc, scs[i]))
			return true;
	return false;
}

static bool looks_like_size(const char *arg)
{
	static const char *const parts[] = {
		"len", "size", "count", "nr", "num", "pages", "off", "pos",
		"cnt", "max", "min", "timeout", NULL,
	};

	for (int i = 0; parts[i]; i++)
		if (strstr(arg, parts[i]))
			return true;
	return false;
}

static bool is_signal_arg(const char *sc, const char *arg)
{
	return !strcmp(arg, "sig") ||
	       (!strcmp(arg, "signum") && strcmp(sc, "rt_sigtimedwait"));
}

enum sc_shown sc_decode_arg(const struct sc_event *e, int i, char *out,
			    size_t size)
{
	const struct sc_info *si = e->sc;
	const struct sc_arg *a;
	uint64_t v = e->args[i];
	int64_t sv;

	if (!si || si->nargs < 0 || i >= si->nargs) {
		snprintf(out, size, "%#" PRIx64, v);
		return SC_TEXT;
	}
	a = &si->args[i];
	switch (a->kind) {
	case SCA_STR:
		if (!e->str[i])
			break;
		sc_escape(e->str[i], strlen(e->str[i]), e->str_trunc[i], out, size);
		return SC_STRING;
	case SCA_BUF_IN:
	case SCA_BUF_OUT:
		if (!e->buf || i != si->buf_arg)
			break;
		sc_escape(e->buf, e->buf_len, e->buf_trunc, out, size);
		return SC_STRING;
	case SCA_PTR:
		break;
	default:
		goto integer;
	}
	pointer(v, out, size);
	return SC_TEXT;

integer:
	sv = sc_arg_value(e, i);
	if (ends_with(a->name, "dfd") && (int32_t)v == -100) {
		snprintf(out, size, "CWD");
		return SC_TEXT;
	}
	/* mmap's fd is an unsigned long in its SYSCALL_DEFINE */
	if (ends_with(a->name, "fd")) {
		snprintf(out, size, "%d", (int32_t)v);
		return SC_NUMBER;
	}
	if (a->kind == SCA_ULONG && (!strcmp(a->name, "addr") ||
				     !strcmp(a->name, "start") ||
				     !strcmp(a->name, "brk"))) {
		pointer(v, out, size);
		return SC_TEXT;
	}
	if (is_open_like(si->name) && !strcmp(a->name, "mode")) {
		int f = arg_index(si, "flags");

		if (strcmp(si->name, "creat") &&
		    (f < 0 || !(e->args[f] & (X_O_CREAT | X_O_TMPFILE))))
			return SC_HIDDEN;
		snprintf(out, size, "%#" PRIo64, v & 07777);
		return SC_TEXT;
	}
	if (!strcmp(a->name, "mode") || !strcmp(a->name, "umask")) {
		if (!strncmp(si->name, "mkdir", 5) || !strncmp(si->name, "chmod", 5) ||
		    !strncmp(si->name, "fchmod", 6) || !strncmp(si->name, "mknod", 5) ||
		    !strcmp(si->name, "umask")) {
			snprintf(out, size, "%#" PRIo64, (v & 0177777));
			return SC_TEXT;
		}
	}
	if (!strcmp(si->name, "fcntl") && !strcmp(a->name, "arg"))
		return fcntl_arg(e, i, out, size);
	if (is_at_flags(si->name, a->name)) {
		sc_at_flags(v, out, size);
		return SC_TEXT;
	}
	if (is_signal_arg(si->name, a->name)) {
		sc_signal_name((int)sv, out, size);
		return SC_TEXT;
	}
	for (size_t k = 0; k < ARRAY_SIZE(decoders); k++)
		if (!strcmp(decoders[k].sc, si->name) &&
		    !strcmp(decoders[k].arg, a->name) && decoders[k].fn) {
			decoders[k].fn(v, out, size);
			return SC_TEXT;
		}
	for (size_t k = 0; k < ARRAY_SIZE(enums); k++)
		if ((!enums[k].sc || !strcmp(enums[k].sc, si->name)) &&
		    !strcmp(enums[k].arg, a->name)) {
			const char *s = value_name(sv, enums[k].t, enums[k].n);

			if (s) {
				snprintf(out, size, "%s", s);
				return SC_TEXT;
			}
		}
	/* unsigned long is as often an address as a size: big values of
	 * anything not named like a size read better in hex */
	if (a->kind == SCA_ULONG && v > 0xffff && !looks_like_size(a->name)) {
		snprintf(out, size, "%#" PRIx64, v);
		return SC_TEXT;
	}
	snprintf(out, size, a->kind == SCA_ULONG ? "%" PRIu64 : "%" PRId64,
		 a->kind == SCA_ULONG ? v : (uint64_t)sv);
	return SC_NUMBER;
}

const char *sc_event_name(const struct sc_event *e, char *buf, size_t size)
{
	if (e->compat)
		snprintf(buf, size, "compat_syscall_%d", e->nr);
	else if (e->sc)
		snprintf(buf, size, "%s", e->sc->name);
	else
		snprintf(buf, size, "syscall_%d", e->nr);
	return buf;
}

size_t sc_format_call(const struct sc_event *e, char *out, size_t size)
{
	char name[64], val[1200];
	int nargs = e->sc && e->sc->nargs >= 0 && !e->compat ? e->sc->nargs : 6;
	size_t n;
	bool first = true;

	n = snprintf(out, size, "%s(", sc_event_name(e, name, sizeof(name)));
	for (int i = 0; i < nargs && n < size; i++) {
		struct sc_event raw;
		const struct sc_event *ep = e;

		if (e->compat) {
			raw = *e;
			raw.sc = NULL;
			ep = &raw;
		}
		if (sc_decode_arg(ep, i, val, sizeof(val)) == SC_HIDDEN)
			continue;
		if (ep->sc && i < ep->sc->nargs)	/* names from the format file */
			n += snprintf(out + n, size - n, "%s%s: %s", first ? "" : ", ",
				      ep->sc->args[i].name, val);
		else
			n += snprintf(out + n, size - n, "%s%s", first ? "" : ", ", val);
		first = false;
	}
	if (n < size)
		n += snprintf(out + n, size - n, ")");
	return n < size ? n : size - 1;
}

bool sc_is_error(const struct sc_event *e)
{
	return !e->noreturn && e->ret < 0 && e->ret >= -4095;
}

size_t sc_format_ret(const struct sc_event *e, char *out, size_t size)
{
	char name[32];
	int n;

	if (e->noreturn)
		n = snprintf(out, size, "?");
	else if (sc_is_error(e))
		n = snprintf(out, size, "-1 %s (%s)",
			     sc_errno_name(-e->ret, name, sizeof(name)),
			     sc_errno_text(-e->ret));
	else if (e->sc && e->sc->ret == SCR_PTR && !e->compat)
		n = snprintf(out, size, "%#" PRIx64, (uint64_t)e->ret);
	else
		n = snprintf(out, size, "%" PRId64, e->ret);
	return n < (int)size ? (size_t)n : size - 1;
}
