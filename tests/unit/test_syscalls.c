// SPDX-License-Identifier: GPL-2.0
/*
 * sonde trace --syscalls: the format-file parser and the table built from
 * fixture format files (as 6.x kernels print them), the decoders (flags,
 * errno and signal names, strings), whole lines, and the summary.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "syscalls.h"
#include "unit.h"
#include "util.h"

#define COMMON \
	"format:\n" \
	"\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n" \
	"\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;\n" \
	"\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;\n" \
	"\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n" \
	"\n" \
	"\tfield:int __syscall_nr;\toffset:8;\tsize:4;\tsigned:1;\n"

static const char fmt_openat[] =
	"name: sys_enter_openat\nID: 782\n" COMMON
	"\tfield:int dfd;\toffset:16;\tsize:8;\tsigned:0;\n"
	"\tfield:const char * filename;\toffset:24;\tsize:8;\tsigned:0;\n"
	"\tfield:int flags;\toffset:32;\tsize:8;\tsigned:0;\n"
	"\tfield:umode_t mode;\toffset:40;\tsize:8;\tsigned:0;\n"
	"\nprint fmt: \"dfd: 0x%08lx, filename: 0x%08lx, flags: 0x%08lx, mode: 0x%08lx\", "
	"((unsigned long)(REC->dfd)), ((unsigned long)(REC->filename)), "
	"((unsigned long)(REC->flags)), ((unsigned long)(REC->mode))\n";

static const char fmt_read[] =
	"name: sys_enter_read\nID: 700\n" COMMON
	"\tfield:unsigned int fd;\toffset:16;\tsize:8;\tsigned:0;\n"
	"\tfield:char * buf;\toffset:24;\tsize:8;\tsigned:0;\n"
	"\tfield:size_t count;\toffset:32;\tsize:8;\tsigned:0;\n"
	"\nprint fmt: \"fd: 0x%08lx, buf: 0x%08lx, count: 0x%08lx\"\n";

static const char fmt_write[] =
	"name: sys_enter_write\nID: 698\n" COMMON
	"\tfield:unsigned int fd;\toffset:16;\tsize:8;\tsigned:0;\n"
	"\tfield:const char * buf;\toffset:24;\tsize:8;\tsigned:0;\n"
	"\tfield:size_t count;\toffset:32;\tsize:8;\tsigned:0;\n"
	"\nprint fmt: \"fd: 0x%08lx, buf: 0x%08lx, count: 0x%08lx\"\n";

static const char fmt_newstat[] =
	"name: sys_enter_newstat\nID: 640\n" COMMON
	"\tfield:const char * filename;\toffset:16;\tsize:8;\tsigned:0;\n"
	"\tfield:struct stat * statbuf;\toffset:24;\tsize:8;\tsigned:0;\n"
	"\nprint fmt: \"filename: 0x%08lx, statbuf: 0x%08lx\"\n";

static const char fmt_execve[] =
	"name: sys_enter_execve\nID: 120\n" COMMON
	"\tfield:const char * filename;\toffset:16;\tsize:8;\tsigned:0;\n"
	"\tfield:const char *const * argv;\toffset:24;\tsize:8;\tsigned:0;\n"
	"\tfield:const char *const * envp;\toffset:32;\tsize:8;\tsigned:0;\n"
	"\nprint fmt: \"filename: 0x%08lx, argv: 0x%08lx, envp: 0x%08lx\"\n";

static const char fmt_getppid[] =
	"name: sys_enter_getppid\nID: 400\n" COMMON
	"\nprint fmt: \"\", \n";

static const char fmt_umount[] =
	"name: sys_enter_umount\nID: 500\n" COMMON
	"\tfield:char * name;\toffset:16;\tsize:8;\tsigned:0;\n"
	"\tfield:int flags;\toffset:24;\tsize:8;\tsigned:0;\n"
	"\nprint fmt: \"name: 0x%08lx, flags: 0x%08lx\"\n";

static const char fmt_mmap[] =
	"name: sys_enter_mmap\nID: 510\n" COMMON
	"\tfield:unsigned long addr;\toffset:16;\tsize:8;\tsigned:0;\n"
	"\tfield:unsigned long len;\toffset:24;\tsize:8;\tsigned:0;\n"
	"\tfield:unsigned long prot;\toffset:32;\tsize:8;\tsigned:0;\n"
	"\tfield:unsigned long flags;\toffset:40;\tsize:8;\tsigned:0;\n"
	"\tfield:unsigned long fd;\toffset:48;\tsize:8;\tsigned:0;\n"
	"\tfield:unsigned long off;\toffset:56;\tsize:8;\tsigned:0;\n"
	"\nprint fmt: \"addr: 0x%08lx, len: 0x%08lx, prot: 0x%08lx, flags: 0x%08lx, fd: 0x%08lx, off: 0x%08lx\"\n";

static const char fmt_kill[] =
	"name: sys_enter_kill\nID: 520\n" COMMON
	"\tfield:pid_t pid;\toffset:16;\tsize:8;\tsigned:0;\n"
	"\tfield:int sig;\toffset:24;\tsize:8;\tsigned:0;\n"
	"\nprint fmt: \"pid: 0x%08lx, sig: 0x%08lx\"\n";

static struct sc_info parsed(const char *text, const char *name)
{
	struct sc_info si = { .nr = sc_abi_nr(name) };

	snprintf(si.name, sizeof(si.name), "%s", name);
	snprintf(si.event, sizeof(si.event), "%s", name);
	CHECK_INT(sc_parse_format(text, &si), 0);
	sc_classify(&si);
	return si;
}

TEST(syscalls_parse_format)
{
	struct sc_info si = parsed(fmt_openat, "openat");

	CHECK_INT(si.nargs, 4);
	CHECK_STR(si.args[0].name, "dfd");
	CHECK_STR(si.args[0].type, "int");
	CHECK_STR(si.args[1].name, "filename");
	CHECK_STR(si.args[1].type, "const char *");
	CHECK_STR(si.args[3].name, "mode");
	CHECK_STR(si.args[3].type, "umode_t");
	CHECK_INT(si.args[0].kind, SCA_INT);
	CHECK_INT(si.args[1].kind, SCA_STR);
	CHECK_INT(si.args[3].kind, SCA_UINT);
	CHECK_INT(si.str_mask, 1u << 1);
	CHECK_INT(si.buf_arg, -1);
	CHECK_INT(si.ret, SCR_INT);

	si = parsed(fmt_getppid, "getppid");
	CHECK_INT(si.nargs, 0);
	CHECK_INT(si.str_mask, 0);

	si = parsed(fmt_execve, "execve");
	CHECK_INT(si.nargs, 3);
	CHECK_STR(si.args[1].type, "const char *const *");
	CHECK_STR(si.args[1].name, "argv");
	CHECK_INT(si.args[1].kind, SCA_PTR);
	CHECK_INT(si.str_mask, 1u << 0);

	si = parsed(fmt_umount, "umount2");
	CHECK_INT(si.str_mask, 0);	/* "char * name": not a known string */

	/* not a format file */
	CHECK_INT(sc_parse_format("name: x\nID: 1\n", &si), -EINVAL);
}

TEST(syscalls_classify_buffers)
{
	struct sc_info r = parsed(fmt_read, "read"), w = parsed(fmt_write, "write");
	struct sc_info m = parsed(fmt_mmap, "mmap");

	CHECK_INT(r.buf_arg, 1);
	CHECK_INT(r.args[1].kind, SCA_BUF_OUT);
	CHECK_INT(r.buf_len_arg, -1);		/* the result says how much */
	CHECK_INT(r.args[0].kind, SCA_UINT);
	CHECK_INT(r.args[2].kind, SCA_ULONG);
	CHECK_INT(w.buf_arg, 1);
	CHECK_INT(w.args[1].kind, SCA_BUF_IN);
	CHECK_INT(w.buf_len_arg, 2);
	CHECK_INT(w.str_mask, 0);		/* write's buf is no string */
	CHECK_INT(m.ret, SCR_PTR);
}

TEST(syscalls_abi_names)
{
	char ev[4][48];
	int n;

	CHECK_INT(sc_abi_nr("read"), 0);
	CHECK_INT(sc_abi_nr("openat"), 257);
	CHECK_INT(sc_abi_nr("getppid"), 110);
	CHECK_INT(sc_abi_nr("exit_group"), 231);
	CHECK_INT(sc_abi_nr("no_such_call"), -1);
	CHECK_STR(sc_abi_name(4), "stat");
	CHECK_STR(sc_abi_name(451), "cachestat");
	CHECK(sc_abi_name(-1) == NULL);
	CHECK(sc_abi_name(SC_MAX_NR) == NULL);
	n = sc_event_candidates("umount2", ev, 4);
	CHECK_INT(n, 4);
	CHECK_STR(ev[0], "umount2");
	CHECK_STR(ev[1], "newumount2");
	CHECK_STR(ev[3], "umount");
}

static void write_fixture(const char *dir, const char *event, const char *text)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/sys_enter_%s", dir, event);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/sys_enter_%s/format", dir, event);
	FILE *fp = fopen(path, "w");

	if (!fp) {
		CHECK(fp != NULL);
		return;
	}
	fputs(text, fp);
	fclose(fp);
}

/* A kernel's events/syscalls with a few events: numbers come from the ABI,
 * names from the events, with the kernel's own names mapped back. */
TEST(syscalls_table_from_formats)
{
	char dir[] = "/tmp/sonde-unit-sc.XXXXXX", cmd[600];
	const struct sc_info *si;
	struct sc_table t;

	if (!mkdtemp(dir)) {
		CHECK(0);
		return;
	}
	write_fixture(dir, "openat", fmt_openat);
	write_fixture(dir, "read", fmt_read);
	write_fixture(dir, "newstat", fmt_newstat);
	write_fixture(dir, "umount", fmt_umount);
	write_fixture(dir, "getppid", fmt_getppid);
	write_fixture(dir, "future_call", fmt_getppid);
	CHECK_INT(sc_table_load_dir(&t, dir), 0);
	CHECK_INT(t.count, 6);

	si = sc_table_nr(&t, 257);
	CHECK(si && !strcmp(si->name, "openat") && si->nargs == 4);
	si = sc_table_nr(&t, 4);
	CHECK(si && !strcmp(si->name, "stat") && !strcmp(si->event, "newstat"));
	CHECK(si && si->str_mask == 1);
	si = sc_table_find(&t, "newstat");
	CHECK(si && si->nr == 4);
	si = sc_table_find(&t, "umount2");
	CHECK(si && !strcmp(si->event, "umount") && si->nr == 166);
	si = sc_table_find(&t, "future_call");	/* no number known */
	CHECK(si && si->nr == -1 && !strcmp(si->name, "future_call"));
	/* ABI numbers without an event: a name, arguments unknown */
	si = sc_table_nr(&t, 1);
	CHECK(si && !strcmp(si->name, "write") && si->nargs == -1);
	si = sc_table_nr(&t, 231);
	CHECK(si && si->ret == SCR_NONE);
	CHECK(sc_table_find(&t, "no_such_call") == NULL);
	sc_table_free(&t);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	CHECK_INT(system(cmd), 0);
}

TEST(syscalls_flags)
{
	char b[256];

	CHECK_STR(sc_open_flags(O_RDONLY | O_CLOEXEC, b, sizeof(b)), "RDONLY|CLOEXEC");
	CHECK_STR(sc_open_flags(O_WRONLY | O_CREAT | O_TRUNC, b, sizeof(b)), "WRONLY|CREAT|TRUNC");
	CHECK_STR(sc_open_flags(O_RDWR | O_TMPFILE, b, sizeof(b)), "RDWR|TMPFILE");
	CHECK_STR(sc_open_flags(O_WRONLY | O_SYNC, b, sizeof(b)), "WRONLY|SYNC");
	CHECK_STR(sc_open_flags(O_WRONLY | O_DSYNC, b, sizeof(b)), "WRONLY|DSYNC");
	CHECK_STR(sc_open_flags(O_RDONLY | O_DIRECTORY | O_NONBLOCK, b, sizeof(b)),
		  "RDONLY|NONBLOCK|DIRECTORY");
	CHECK_STR(sc_open_flags(O_RDONLY | 0x40000000, b, sizeof(b)), "RDONLY|0x40000000");
	CHECK_STR(sc_at_flags(0x1000 | 0x100, b, sizeof(b)), "SYMLINK_NOFOLLOW|EMPTY_PATH");
	CHECK_STR(sc_at_flags(0, b, sizeof(b)), "0");
	CHECK_STR(sc_mmap_prot(0, b, sizeof(b)), "NONE");
	CHECK_STR(sc_mmap_prot(3, b, sizeof(b)), "READ|WRITE");
	CHECK_STR(sc_mmap_flags(0x22, b, sizeof(b)), "PRIVATE|ANONYMOUS");
	CHECK_STR(sc_mmap_flags(0x812, b, sizeof(b)), "PRIVATE|FIXED|DENYWRITE");
	CHECK_STR(sc_access_mode(0, b, sizeof(b)), "F");
	CHECK_STR(sc_access_mode(5, b, sizeof(b)), "R|X");
	CHECK_STR(sc_clone_flags(0x01200000 | 17, b, sizeof(b)),
		  "CHILD_CLEARTID|CHILD_SETTID|SIGCHLD");
	CHECK_STR(sc_clone_flags(0x100 | 0x200 | 0x400 | 0x800 | 0x10000, b, sizeof(b)),
		  "VM|FS|FILES|SIGHAND|THREAD");
	CHECK_STR(sc_fcntl_cmd(1030, b, sizeof(b)), "DUPFD_CLOEXEC");
	CHECK_STR(sc_fcntl_cmd(2, b, sizeof(b)), "SETFD");
	CHECK_STR(sc_fcntl_cmd(9999, b, sizeof(b)), "9999");
	CHECK_STR(sc_socket_family(10, b, sizeof(b)), "INET6");
	CHECK_STR(sc_socket_family(1, b, sizeof(b)), "UNIX");
	CHECK_STR(sc_socket_type(1 | O_NONBLOCK | O_CLOEXEC, b, sizeof(b)),
		  "STREAM|NONBLOCK|CLOEXEC");
	CHECK_STR(sc_socket_type(2, b, sizeof(b)), "DGRAM");
	CHECK_STR(sc_ioctl_cmd(0x5413, b, sizeof(b)), "TIOCGWINSZ");
	CHECK_STR(sc_ioctl_cmd(0xc0186201, b, sizeof(b)), "0xc0186201");
}

TEST(syscalls_errno_and_signals)
{
	char b[64];

	CHECK_STR(sc_errno_name(ENOENT, b, sizeof(b)), "ENOENT");
	CHECK_STR(sc_errno_name(EACCES, b, sizeof(b)), "EACCES");
	CHECK_STR(sc_errno_name(512, b, sizeof(b)), "ERESTARTSYS");
	CHECK_STR(sc_errno_name(516, b, sizeof(b)), "ERESTART_RESTARTBLOCK");
	CHECK_STR(sc_errno_text(ENOENT), "No such file or directory");
	CHECK_STR(sc_signal_name(15, b, sizeof(b)), "SIGTERM");
	CHECK_STR(sc_signal_name(9, b, sizeof(b)), "SIGKILL");
	CHECK_STR(sc_signal_name(34, b, sizeof(b)), "SIGRT_2");
	CHECK_STR(sc_signal_name(0, b, sizeof(b)), "0");
}

TEST(syscalls_escape)
{
	char b[128];
	static const char bin[] = { 'a', '"', '\\', '\n', 0, '1', 0x7f, 'z' };

	sc_escape("hello\n", 6, false, b, sizeof(b));
	CHECK_STR(b, "\"hello\\n\"");
	sc_escape(bin, sizeof(bin), true, b, sizeof(b));
	/* \0 before a digit is written in three digits */
	CHECK_STR(b, "\"a\\\"\\\\\\n\\0001\\177z\"...");
	sc_escape("abcdef", 6, false, b, 12);	/* output too small: cut */
	CHECK_STR(b, "\"abc\"...");
}

static struct sc_event event_of(const struct sc_info *si)
{
	struct sc_event e = { .nr = si->nr, .sc = si, .tid = 1234, .pid = 1234 };

	snprintf(e.comm, sizeof(e.comm), "ls");
	return e;
}

TEST(syscalls_lines)
{
	struct sc_info o = parsed(fmt_openat, "openat"), w = parsed(fmt_write, "write");
	struct sc_info m = parsed(fmt_mmap, "mmap"), k = parsed(fmt_kill, "kill");
	struct sc_info r = parsed(fmt_read, "read");
	struct sc_event e = event_of(&o);
	char b[512];

	/* AT_FDCWD as an int in a 64-bit register: upper half zero */
	e.args[0] = 0xffffff9c;
	e.args[1] = 0x7ffd1000;
	e.args[2] = O_RDONLY | O_CLOEXEC;
	e.args[3] = 0;
	e.str[1] = "/etc/ld.so.cache";
	e.ret = 3;
	sc_format_call(&e, b, sizeof(b));
	CHECK_STR(b, "openat(dfd: CWD, filename: \"/etc/ld.so.cache\", flags: RDONLY|CLOEXEC)");
	sc_format_ret(&e, b, sizeof(b));
	CHECK_STR(b, "3");
	CHECK_INT(sc_arg_value(&e, 0), -100);
	e.ret = -ENOENT;
	CHECK(sc_is_error(&e));
	sc_format_ret(&e, b, sizeof(b));
	CHECK_STR(b, "-1 ENOENT (No such file or directory)");
	/* no string read: the pointer; O_CREAT: the mode */
	e.str[1] = NULL;
	e.args[2] = O_WRONLY | O_CREAT;
	e.args[3] = 0644;
	sc_format_call(&e, b, sizeof(b));
	CHECK_STR(b, "openat(dfd: CWD, filename: 0x7ffd1000, flags: WRONLY|CREAT, mode: 0644)");

	e = event_of(&w);
	e.args[0] = 1;
	e.args[1] = 0x1000;
	e.args[2] = 40;
	e.buf = (const unsigned char *)"0123456789012345678901234567890123456789";
	e.buf_len = SC_BUF_SHOW;
	e.buf_trunc = true;
	sc_format_call(&e, b, sizeof(b));
	CHECK_STR(b, "write(fd: 1, buf: \"01234567890123456789012345678901\"..., count: 40)");

	e = event_of(&r);
	e.args[0] = 3;
	e.args[1] = 0x1000;
	e.args[2] = 100;
	sc_format_call(&e, b, sizeof(b));
	CHECK_STR(b, "read(fd: 3, buf: 0x1000, count: 100)");

	e = event_of(&m);
	e.args[0] = 0;
	e.args[1] = 8192;
	e.args[2] = 3;
	e.args[3] = 0x22;
	e.args[4] = 0xffffffff;
	e.args[5] = 0;
	e.ret = 0x7f0000001000;
	sc_format_call(&e, b, sizeof(b));
	CHECK_STR(b, "mmap(addr: NULL, len: 8192, prot: READ|WRITE, flags: PRIVATE|ANONYMOUS, fd: -1, off: 0)");
	sc_format_ret(&e, b, sizeof(b));
	CHECK_STR(b, "0x7f0000001000");

	e = event_of(&k);
	e.args[0] = 4321;
	e.args[1] = 15;
	sc_format_call(&e, b, sizeof(b));
	CHECK_STR(b, "kill(pid: 4321, sig: SIGTERM)");

	/* an unknown number: its raw arguments */
	e = (struct sc_event){ .nr = 999, .args = { 1, 2 } };
	sc_format_call(&e, b, sizeof(b));
	CHECK_STR(b, "syscall_999(0x1, 0x2, 0, 0, 0, 0)");
	e.noreturn = true;
	sc_format_ret(&e, b, sizeof(b));
	CHECK_STR(b, "?");
	CHECK(!sc_is_error(&e));
}

TEST(syscalls_summary)
{
	struct sc_summary *s = calloc(1, sizeof(*s));
	struct sc_stat cpu = { .calls = 2, .errors = 1, .timed = 2, .total_ns = 30,
			       .min_ns = 10, .max_ns = 20 };

	if (!s)
		return;
	sc_summary_add(s, 0, false, true, 500);
	sc_summary_add(s, 0, true, true, 100);
	sc_summary_add(s, 0, false, true, 300);
	CHECK_INT(s->st[0].calls, 3);
	CHECK_INT(s->st[0].errors, 1);
	CHECK_INT(s->st[0].min_ns, 100);
	CHECK_INT(s->st[0].max_ns, 500);
	CHECK_INT(s->st[0].total_ns, 900);
	sc_summary_add(s, 231, false, false, 0);	/* exit_group: untimed */
	CHECK_INT(s->st[231].calls, 1);
	CHECK_INT(s->st[231].timed, 0);
	sc_summary_merge(s, 0, &cpu);
	CHECK_INT(s->st[0].calls, 5);
	CHECK_INT(s->st[0].min_ns, 10);
	CHECK_INT(s->st[0].errors, 2);
	sc_summary_add(s, -1, false, true, 7);
	CHECK_INT(s->other.calls, 1);
	free(s);
}
