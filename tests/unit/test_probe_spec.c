// SPDX-License-Identifier: GPL-2.0
/*
 * The probe-specification parser: a table of valid specs checked through
 * their canonical form, a table of invalid ones with the exact message
 * each gets, and expression precedence, format and walker tests.
 */
#include <errno.h>
#include <stdlib.h>

#include "probe_spec.h"
#include "unit.h"
#include "util.h"

struct spec_case {
	const char *text;
	const char *want;		/* canonical form, or error message */
};

static const struct spec_case valid[] = {
	{ "do_sys_openat2",
	  "kprobe func=do_sys_openat2" },
	{ "p:do_sys_openat2",
	  "kprobe func=do_sys_openat2" },
	{ "kprobe:do_sys_openat2",
	  "kprobe func=do_sys_openat2 arg0-first" },
	{ "do_sys_openat2+0x10",
	  "kprobe func=do_sys_openat2 off=0x10" },
	{ "r:do_sys_openat2",
	  "kretprobe func=do_sys_openat2" },
	{ "kretprobe:do_sys_openat2",
	  "kretprobe func=do_sys_openat2 arg0-first" },
	{ "do_sys_openat2%return",
	  "kretprobe func=do_sys_openat2" },
	{ "fentry:vfs_read",
	  "kprobe func=vfs_read fentry arg0-first" },
	{ "fexit:vfs_read",
	  "kretprobe func=vfs_read fexit arg0-first" },
	{ "tcp_*",
	  "kprobe func=tcp_* wildcard" },
	{ "SyS_*",
	  "kprobe func=SyS_* wildcard" },
	{ "t:syscalls:sys_enter_openat",
	  "tracepoint group=syscalls event=sys_enter_openat" },
	{ "tracepoint:syscalls:sys_enter_openat",
	  "tracepoint group=syscalls event=sys_enter_openat arg0-first" },
	{ "syscalls:sys_enter_openat",
	  "tracepoint group=syscalls event=sys_enter_openat" },
	{ "syscalls/sys_enter_openat",
	  "tracepoint group=syscalls event=sys_enter_openat" },
	{ "syscalls:sys_enter_*",
	  "tracepoint group=syscalls event=sys_enter_* wildcard" },
	{ "sonde:myprobe",
	  "tracepoint group=sonde event=myprobe" },
	{ "u:/usr/lib/x86_64-linux-gnu/libc.so.6:malloc",
	  "uprobe bin=/usr/lib/x86_64-linux-gnu/libc.so.6 func=malloc" },
	{ "u:libc:malloc",
	  "uprobe bin=libc func=malloc libname" },
	{ "uprobe:/bin/bash:readline",
	  "uprobe bin=/bin/bash func=readline arg0-first" },
	{ "ur:/bin/bash:readline",
	  "uretprobe bin=/bin/bash func=readline" },
	{ "uretprobe:/bin/bash:readline",
	  "uretprobe bin=/bin/bash func=readline arg0-first" },
	{ "u:/bin/x:func+0x10",
	  "uprobe bin=/bin/x func=func off=0x10" },
	{ "u:/bin/x:0x1234",
	  "uprobe bin=/bin/x addr=0x1234" },
	{ "U:/usr/lib/libpq.so:postgresql:query__start",
	  "usdt bin=/usr/lib/libpq.so provider=postgresql name=query__start" },
	{ "usdt:/path:provider:name",
	  "usdt bin=/path provider=provider name=name arg0-first" },
	{ "usdt:/path:name",
	  "usdt bin=/path name=name arg0-first" },
	{ "U:libc:libc:setjmp",
	  "usdt bin=libc provider=libc name=setjmp libname" },
	{ "p:grp/name func arg=+0(%si):string",
	  "kprobe group=grp event=name func=func raw args=[arg=+0(%si):string]" },
	{ "r:grp/name func $retval",
	  "kretprobe group=grp event=name func=func raw args=[retval]" },
	{ "p:func",
	  "kprobe func=func" },
	{ "-:grp/name",
	  "delete group=grp event=name raw" },
	{ "-:myev",
	  "delete event=myev raw" },
	{ "p:myev do_sys_open",
	  "kprobe event=myev func=do_sys_open raw" },
	{ "r10:grp/ev do_sys_open",
	  "kretprobe group=grp event=ev func=do_sys_open maxactive=10 raw" },
	{ "p:grp/ev /bin/bash:0x4245c0",
	  "uprobe group=grp event=ev bin=/bin/bash addr=0x4245c0 raw" },
	{ "p:grp/ev /bin/bash:0x4245c0(0x10) +0(%di):string",
	  "uprobe group=grp event=ev bin=/bin/bash addr=0x4245c0 refctr=0x10 raw args=[+0(%di):string]" },
	{ "p:grp/ev ext4:ext4_file_open+8 %di",
	  "kprobe group=grp event=ev mod=ext4 func=ext4_file_open off=0x8 raw args=[%di]" },
	{ "p:grp/ev 0xffffffff81000000",
	  "kprobe group=grp event=ev addr=0xffffffff81000000 raw" },
	{ "p do_sys_open %di",
	  "kprobe func=do_sys_open raw args=[%di]" },
	{ "do_sys_open filename:string",
	  "kprobe func=do_sys_open args=[filename:string]" },
	{ "do_sys_open dfd=%di flags:x32",
	  "kprobe func=do_sys_open args=[dfd=%di, flags:x32]" },
	{ "vfs_read file->f_path.dentry->d_name.name:string",
	  "kprobe func=vfs_read args=[file->f_path.dentry->d_name.name:string]" },
	{ "do_sys_openat2 (arg1 == -100) \"%s\", arg2",
	  "kprobe func=do_sys_openat2 filter=(arg1 == -100) fmt=\"%s\" print=[arg2]" },
	{ "r::do_sys_open (retval < 0) \"failed %d\", retval",
	  "kretprobe func=do_sys_open filter=(retval < 0) fmt=\"failed %d\" print=[retval]" },
	{ "p::do_sys_open \"%d\", arg1",
	  "kprobe func=do_sys_open fmt=\"%d\" print=[arg1]" },
	{ "p:c:malloc \"%d\", arg1",
	  "uprobe bin=c func=malloc libname fmt=\"%d\" print=[arg1]" },
	{ "r:c:malloc \"%p\", retval",
	  "uretprobe bin=c func=malloc libname fmt=\"%p\" print=[retval]" },
	{ "t:syscalls:sys_enter_openat (args->flags & 1) \"%s\", args->filename",
	  "tracepoint group=syscalls event=sys_enter_openat filter=(args->flags & 1) fmt=\"%s\" print=[args->filename]" },
	{ "u:libc:malloc \"size=%d\", arg1",
	  "uprobe bin=libc func=malloc libname fmt=\"size=%d\" print=[arg1]" },
	{ "kprobe:vfs_read /pid == 123/",
	  "kprobe func=vfs_read arg0-first filter=(pid == 123)" },
	{ "kprobe:vfs_read /arg0 == 3/ \"%d\", arg1",
	  "kprobe func=vfs_read arg0-first filter=(arg1 == 3) fmt=\"%d\" print=[arg2]" },
	{ "fentry:vfs_read /args->count > 4096 / 2/ \"%d\", args.count",
	  "kprobe func=vfs_read fentry arg0-first filter=(args->count > (4096 / 2)) fmt=\"%d\" print=[args->count]" },
	{ "p:c:open(char *filename, int flags) \"%s\", filename",
	  "uprobe bin=c func=open libname sig=(char *filename, int flags) fmt=\"%s\" print=[filename]" },
	{ "do_sys_open(arg1 == 1)",
	  "kprobe func=do_sys_open filter=(arg1 == 1)" },
	{ "do_sys_open (comm == \"bash\") \"%s %d %d\", comm, pid, tid",
	  "kprobe func=do_sys_open filter=(comm == \"bash\") fmt=\"%s %d %d\" print=[comm, pid, tid]" },
	{ "do_sys_open \"%-8lx %llu %ld %c %% %5.2i %hhu %zu %K\", arg1, arg2, arg3, arg4, arg5, arg6, arg7, arg8",
	  "kprobe func=do_sys_open fmt=\"%-8lx %llu %ld %c %% %5.2i %hhu %zu %K\" print=[arg1, arg2, arg3, arg4, arg5, arg6, arg7, arg8]" },
	{ "do_sys_open (str(arg2) == \"/etc/passwd\")",
	  "kprobe func=do_sys_open filter=(str(arg2) == \"/etc/passwd\")" },
	{ "do_sys_open (+8(arg1) == 0 && -8(%bp) != +u0(%si))",
	  "kprobe func=do_sys_open filter=((+8(arg1) == 0) && (-8(%bp) != +u0(%si)))" },
	{ "do_sys_open ($arg1 == 1 || $stack2 > $stack)",
	  "kprobe func=do_sys_open filter=((arg1 == 1) || ($stack2 > $stack))" },
	{ "do_sys_open (arg2[0] == 47)",
	  "kprobe func=do_sys_open filter=(arg2[0] == 47)" },
	{ "myopen=do_sys_open filename:string",
	  "kprobe event=myopen func=do_sys_open args=[filename:string]" },
	{ "sonde:myopen=do_sys_open%return $retval:s32",
	  "kretprobe group=sonde event=myopen func=do_sys_open args=[retval:s32]" },
	{ "kprobe:ext4:ext4_file_open",
	  "kprobe mod=ext4 func=ext4_file_open arg0-first" },
	{ "do_sys_open (uid == 0 && gid != 0 && cpu == 1 && ts > 0 && nsecs > 0)",
	  "kprobe func=do_sys_open filter=(((((uid == 0) && (gid != 0)) && (cpu == 1)) && (ts > 0)) && (ts > 0))" },
	{ "do_sys_open (!arg1 && ~arg2 && -arg3 && *arg4)",
	  "kprobe func=do_sys_open filter=(((!arg1 && ~arg2) && -arg3) && *arg4)" },
	{ "t:sched:sched_process_exec (args->pid == pid)",
	  "tracepoint group=sched event=sched_process_exec filter=(args->pid == pid)" },
	{ "t:sched:sched_process_exec (args.pid == 1) \"%s\", str(args->filename)",
	  "tracepoint group=sched event=sched_process_exec filter=(args->pid == 1) fmt=\"%s\" print=[str(args->filename)]" },
	{ "do_sys_open (arg1 & 0x40) \"%x\", arg1",
	  "kprobe func=do_sys_open filter=(arg1 & 64) fmt=\"%x\" print=[arg1]" },
	{ "do_sys_open (arg1 == 0100)",
	  "kprobe func=do_sys_open filter=(arg1 == 64)" },
	{ "do_sys_open (@jiffies > 0 && @sym+8 && @0xffff)",
	  "kprobe func=do_sys_open filter=(((@jiffies > 0) && @sym+8) && @0xffff)" },
	{ "do_sys_open \\\"str\" \\5 \\-3",
	  "kprobe func=do_sys_open args=[\"str\", 5, -3]" },
	{ "do_sys_open %rdi %rip %r8",
	  "kprobe func=do_sys_open args=[%di, %ip, %r8]" },
	{ "do_sys_open \"a\\\"b\\n\"",
	  "kprobe func=do_sys_open fmt=\"a\\\"b\\n\"" },
	{ "   do_sys_open   ",
	  "kprobe func=do_sys_open" },
	{ "ext4_*+0",
	  "kprobe func=ext4_* wildcard" },
	{ "do_sys_open (filename == \"x\")",
	  "kprobe func=do_sys_open filter=(filename == \"x\")" },
	{ "do_sys_open (arg1 == 1) \"%s\", ksym(arg1)",
	  "kprobe func=do_sys_open filter=(arg1 == 1) fmt=\"%s\" print=[ksym(arg1)]" },
	{ "k:vfs_read",
	  "kprobe func=vfs_read arg0-first" },
	{ "kr:vfs_read",
	  "kretprobe func=vfs_read arg0-first" },
	{ "f:vfs_read",
	  "kprobe func=vfs_read fentry arg0-first" },
	{ "fr:vfs_read",
	  "kretprobe func=vfs_read fexit arg0-first" },
	{ "kfunc:vfs_read",
	  "kprobe func=vfs_read fentry arg0-first" },
	{ "t:syscalls/sys_enter_open",
	  "tracepoint group=syscalls event=sys_enter_open" },
	{ "u:./a.out:main",
	  "uprobe bin=./a.out func=main" },
	{ "do_sys_open (x < 1 << 2 + 3)",
	  "kprobe func=do_sys_open filter=(x < (1 << (2 + 3)))" },
	{ "do_sys_open \"%d\", arg1 + 2 * 3",
	  "kprobe func=do_sys_open fmt=\"%d\" print=[(arg1 + (2 * 3))]" },
	{ "do_sys_open arr=x:u8[4] bf=y:b4@3/32",
	  "kprobe func=do_sys_open args=[arr=x:u8[4], bf=y:b4@3/32]" },
	{ "r:do_sys_open $retval",
	  "kretprobe func=do_sys_open args=[retval]" },
	{ "p:do_sys_open filename:string",
	  "kprobe func=do_sys_open args=[filename:string]" },
	{ "do_sys_open (((struct file *)arg1)->f_path.dentry == 0)",
	  "kprobe func=do_sys_open filter=(((struct file *)arg1)->f_path.dentry == 0)" },
	{ "do_sys_open ((char * const *)arg2)",
	  "kprobe func=do_sys_open filter=((char * const *)arg2)" },
	{ "do_sys_open ((pid_t)arg1 == 3)",
	  "kprobe func=do_sys_open filter=(((pid_t)arg1) == 3)" },
	{ "do_sys_open (- -1 == 1)",
	  "kprobe func=do_sys_open filter=(1 == 1)" },
	{ "tcp_[sr]*",
	  "kprobe func=tcp_[sr]* wildcard" },
	{ "syscalls:sys_enter_open[a-z]",
	  "tracepoint group=syscalls event=sys_enter_open[a-z] wildcard" },
};

static const struct spec_case invalid[] = {
	{ "[tcp_*",
	  "unmatched '[' in function name at column 1" },
	{ "tcp_[ab]]",
	  "unmatched ']' in function name at column 9" },
	{ "",
	  "empty probe" },
	{ "   ",
	  "empty probe" },
	{ "x:foo",
	  "unknown probe type 'x:' (use p:, r:, t:, u:, ur:, U:)" },
	{ "profile:hz:99",
	  "unsupported probe type 'profile:' (use p:, r:, t:, u:, ur:, U:)" },
	{ "p:",
	  "empty function name" },
	{ "r:",
	  "empty function name" },
	{ "kprobe:",
	  "empty function name" },
	{ "do_sys_open+",
	  "expected offset at column 13" },
	{ "do_sys_open+zz",
	  "invalid offset 'zz' at column 13" },
	{ "do_sys_open+0x10%return",
	  "offset not allowed on a return probe" },
	{ "r:do_sys_open+8",
	  "offset not allowed on a return probe" },
	{ "tcp_*+8",
	  "offset not allowed with a wildcard" },
	{ "fentry:vfs_read+8",
	  "fentry and fexit take no offset" },
	{ "fentry:0xffff",
	  "fentry and fexit need a function name" },
	{ "do_sys_open%ret",
	  "unknown suffix '%ret' at column 12 (use %return)" },
	{ "t:syscalls",
	  "tracepoint needs CATEGORY:EVENT" },
	{ "t:syscalls:",
	  "empty tracepoint name" },
	{ "t::sys_enter_open",
	  "empty tracepoint category" },
	{ "syscalls:sys_enter_openat:extra",
	  "unknown probe type 'syscalls:' (use p:, r:, t:, u:, ur:, U:)" },
	{ "U:libc",
	  "USDT probe needs BINARY:PROVIDER:NAME" },
	{ "U:/bin/x:prov:",
	  "empty USDT probe name" },
	{ "U:/bin/x::name",
	  "empty USDT provider" },
	{ "U::prov:name",
	  "empty binary name" },
	{ "U:a:b:c:d",
	  "USDT probe needs BINARY:PROVIDER:NAME" },
	{ "u:libc",
	  "uprobe needs BINARY:FUNCTION" },
	{ "u::malloc",
	  "empty binary name" },
	{ "u:libc:",
	  "empty function name" },
	{ "u:/bin/x:0xzz",
	  "invalid address '0xzz' at column 10" },
	{ "sys&call",
	  "invalid character '&' in function name at column 4" },
	{ "p:a:b:c",
	  "unexpected ':' at column 6" },
	{ "do_sys_open (arg1 == 1",
	  "expected ')' at column 23" },
	{ "do_sys_open \"%s",
	  "unterminated string at column 13" },
	{ "do_sys_open \"%s %d\", arg1",
	  "format has 2 conversions but 1 argument" },
	{ "do_sys_open \"hi\", arg1",
	  "format has 0 conversions but 1 argument" },
	{ "do_sys_open \"%q\", arg1",
	  "unknown conversion '%q' at column 14" },
	{ "do_sys_open \"abc %\", arg1",
	  "incomplete conversion '%' at column 18" },
	{ "do_sys_open \"%d\" arg1",
	  "expected ',' after the format at column 18" },
	{ "do_sys_open \"%d\",",
	  "expected expression at column 18" },
	{ "do_sys_open \"%d\", arg1 junk",
	  "unexpected 'junk' at column 24" },
	{ "do_sys_open (arg1 ==)",
	  "expected expression at column 21" },
	{ "do_sys_open (arg0 == 1)",
	  "no arg0 at column 14 (arguments count from arg1)" },
	{ "do_sys_open (arg40)",
	  "no arg40 at column 14 (at most 32 arguments)" },
	{ "do_sys_open (foo(1))",
	  "unknown function 'foo' at column 14" },
	{ "do_sys_open (%zz == 1)",
	  "unknown register '%zz' at column 14" },
	{ "do_sys_open ($foo == 1)",
	  "unknown variable '$foo' at column 14" },
	{ "do_sys_open (retval == 1)",
	  "retval needs a return probe at column 14 (use r: or %return)" },
	{ "u:/bin/x:f (retval == 1)",
	  "retval needs a return probe at column 13 (use ur: or %return)" },
	{ "t:syscalls:sys_enter_openat (arg1 == 1)",
	  "arguments are not available on a tracepoint at column 30 (use args->FIELD)" },
	{ "t:syscalls:sys_enter_openat \"%d\", %di",
	  "registers are not available on a tracepoint at column 35 (use args->FIELD)" },
	{ "do_sys_open (a == 1) junk",
	  "unexpected 'junk' at column 22" },
	{ "do_sys_open (a = 1)",
	  "unexpected '=' at column 16 (use '==' to compare)" },
	{ "do_sys_open dfd=",
	  "expected expression at column 17" },
	{ "do_sys_open flags:y32",
	  "unknown type 'y32' at column 19" },
	{ "do_sys_open flags:",
	  "missing type after ':' at column 19" },
	{ "do_sys_open =%di",
	  "empty argument name at column 13" },
	{ "do_sys_open +8(%di",
	  "expected ')' at column 19" },
	{ "do_sys_open (0x == 1)",
	  "invalid number '0x' at column 14" },
	{ "do_sys_open (08 == 1)",
	  "invalid number '08' at column 14" },
	{ "do_sys_open (args-> == 1)",
	  "expected field name at column 21" },
	{ "do_sys_open (args == 1)",
	  "expected '->' or '.' after 'args' at column 14" },
	{ "do_sys_open (arg1[1 == 2)",
	  "expected ']' at column 25" },
	{ "do_sys_open (\"abc)",
	  "unterminated string at column 14" },
	{ "do_sys_open (x.)",
	  "expected field name at column 16" },
	{ "do_sys_open (str())",
	  "expected expression at column 18" },
	{ "do_sys_open (str(arg1, 2, 3))",
	  "expected ')' at column 25" },
	{ "do_sys_open ((struct file *arg1)",
	  "expected ')' at column 28" },
	{ "do_sys_open (@)",
	  "expected symbol or address after '@' at column 14" },
	{ "do_sys_open (pid == 1) (comm == \"x\")",
	  "unexpected '(comm' at column 24" },
	{ "-:",
	  "empty event name" },
	{ "p:grp/ func",
	  "empty event name" },
	{ "p:grp/ev",
	  "expected function or address at column 9" },
	{ "-:grp/ev extra",
	  "unexpected 'extra' at column 10" },
	{ "kprobe:vfs_read /pid == 1",
	  "expected '/' at column 26" },
	{ "(arg1 == 1)",
	  "expected a probe at column 1" },
	{ "do_sys_open ($arg0)",
	  "no arg0 at column 14 (arguments count from arg1)" },
	{ "do_sys_open \"%s\", arg1 \"x\"",
	  "unexpected '\"x\"' at column 24" },
	{ "p:grp/ev /bin/bash:0x12(0x4",
	  "expected ')' at column 28" },
	{ "do_sys_open dfd=%di junk)",
	  "unexpected ')' at column 25" },
	{ "do_sys_open (\\)",
	  "expected number or string after '\\' at column 14" },
	{ "u:x:a-b",
	  "invalid character '-' in function name at column 6" },
	{ "sonde:my-ev=do_sys_open",
	  "invalid character '-' in event name at column 9" },
	{ "do_sys_open (arg40)",
	  "no arg40 at column 14 (at most 32 arguments)" },
	{ "do_sys_open ((struct file *arg1)",
	  "expected ')' at column 28" },
};

/* perf probe -x BINARY: the text and the binary it is given. */
static const struct {
	const char *text, *binary, *want;
} with_binary[] = {
	{ "readline%return +0($retval):string", "/bin/bash",
	  "uretprobe bin=/bin/bash func=readline args=[+0(retval):string]" },
	{ "readline", "/bin/bash", "uprobe bin=/bin/bash func=readline" },
	{ "readline+8", "/bin/bash", "uprobe bin=/bin/bash func=readline off=0x8" },
	{ "0x4245c0", "/bin/bash", "uprobe bin=/bin/bash addr=0x4245c0" },
	{ "u:readline", "/bin/bash", "uprobe bin=/bin/bash func=readline" },
	{ "malloc", "libc", "uprobe bin=libc func=malloc libname" },
	{ "t:sched:sched_switch", "/bin/bash",
	  "tracepoint group=sched event=sched_switch" },
	{ "readline", "", "kprobe func=readline" },
};

static void check_valid(const char *text, const char *binary,
			const char *want)
{
	struct probe_spec sp;
	char err[256];
	int rc = probe_spec_parse_ex(text, binary, &sp, err, sizeof(err));
	char *got = rc ? NULL : probe_spec_str(&sp);

	if (rc) {
		fprintf(stderr, "  '%s': %s\n", text, err);
		unit_failures++;
	} else {
		CHECK_STR(got, want);
	}
	free(got);
	probe_spec_free(&sp);
}

TEST(probe_spec_valid_table)
{
	CHECK(ARRAY_SIZE(valid) >= 60);
	for (size_t i = 0; i < ARRAY_SIZE(valid); i++)
		check_valid(valid[i].text, NULL, valid[i].want);
	for (size_t i = 0; i < ARRAY_SIZE(with_binary); i++)
		check_valid(with_binary[i].text, with_binary[i].binary,
			    with_binary[i].want);
}

TEST(probe_spec_invalid_table)
{
	CHECK(ARRAY_SIZE(invalid) >= 40);
	for (size_t i = 0; i < ARRAY_SIZE(invalid); i++) {
		struct probe_spec sp;
		char err[256] = "";
		int rc = probe_spec_parse(invalid[i].text, &sp, err, sizeof(err));

		if (rc != -EINVAL)
			fprintf(stderr, "  '%s': accepted\n", invalid[i].text);
		CHECK_INT(rc, -EINVAL);
		CHECK_STR(err, invalid[i].want);
		probe_spec_free(&sp);
	}
}

TEST(probe_spec_fields)
{
	struct probe_spec sp;
	char err[128];

	CHECK_INT(probe_spec_parse("u:libc:malloc+0x10", &sp, err, sizeof(err)), 0);
	CHECK_INT(sp.type, PROBE_UFUNC);
	CHECK_STR(sp.binary, "libc");
	CHECK_STR(sp.func, "malloc");
	CHECK_INT(sp.offset, 0x10);
	CHECK(sp.flags & PS_LIBNAME);
	CHECK(!(sp.flags & (PS_RETURN | PS_WILDCARD | PS_RAW)));
	probe_spec_free(&sp);

	CHECK_INT(probe_spec_parse(" r:grp/ev do_sys_open $retval ", &sp, err,
				   sizeof(err)), 0);
	CHECK_STR(sp.raw, "r:grp/ev do_sys_open $retval");
	CHECK_INT(sp.nargs, 1);
	CHECK_INT(sp.args[0].expr->kind, EXPR_RETVAL);
	CHECK(!sp.args[0].name && !sp.args[0].type);
	probe_spec_free(&sp);
	CHECK(!sp.raw && !sp.args);
}

TEST(probe_spec_format_conversions)
{
	struct probe_spec sp;
	char err[128];
	const char *text = "do_sys_open \"%-8lx|%hhu|%s|%c|%5d|%p|%%|%U\", "
			   "arg1, arg2, arg3, arg4, arg5, arg6, arg7";
	static const struct { char conv; int size; const char *text; } want[] = {
		{ 'x', 8, "%-8lx" }, { 'u', 1, "%hhu" }, { 's', 0, "%s" },
		{ 'c', 1, "%c" }, { 'd', 4, "%5d" }, { 'p', 8, "%p" },
		{ 'U', 8, "%U" },
	};

	CHECK_INT(probe_spec_parse(text, &sp, err, sizeof(err)), 0);
	CHECK_INT(sp.nconv, ARRAY_SIZE(want));
	CHECK_INT(sp.nprint, sp.nconv);
	for (int i = 0; i < sp.nconv && i < (int)ARRAY_SIZE(want); i++) {
		CHECK_INT(sp.convs[i].conv, want[i].conv);
		CHECK_INT(sp.convs[i].size, want[i].size);
		CHECK_STR(sp.convs[i].text, want[i].text);
	}
	CHECK_INT(sp.convs[0].pos, 13);
	CHECK_STR(sp.format, "%-8lx|%hhu|%s|%c|%5d|%p|%%|%U");
	probe_spec_free(&sp);
}

static const struct spec_case precedence[] = {
	{ "1 + 2 * 3", "(1 + (2 * 3))" },
	{ "1 * 2 + 3", "((1 * 2) + 3)" },
	{ "a - b - c", "((a - b) - c)" },
	{ "a / b % c * d", "(((a / b) % c) * d)" },
	{ "1 << 2 + 3", "(1 << (2 + 3))" },
	{ "a < b == c > d", "((a < b) == (c > d))" },
	{ "a <= b != c >= d", "((a <= b) != (c >= d))" },
	{ "a & b == c", "(a & (b == c))" },
	{ "a | b ^ c & d", "(a | (b ^ (c & d)))" },
	{ "a && b || c && d", "((a && b) || (c && d))" },
	{ "a || b && c | d", "(a || (b && (c | d)))" },
	{ "x >> 1 >= y << 2", "((x >> 1) >= (y << 2))" },
	{ "(a + b) * c", "((a + b) * c)" },
	{ "!a && ~b == -c", "(!a && (~b == -c))" },
	{ "(pid_t)arg1 - (x) - 1", "((((pid_t)arg1) - x) - 1)" },
	{ "-1", "-1" },
	{ "- 0x10", "-16" },
	{ "*arg1 + 1", "(*arg1 + 1)" },
	{ "-arg1 * 2", "(-arg1 * 2)" },
	{ "arg1->f_path.dentry->d_name.name", "arg1->f_path.dentry->d_name.name" },
	{ "arg2[0] + arg2[1 + 1]", "(arg2[0] + arg2[(1 + 1)])" },
	{ "(struct file *)arg1->f_mode", "((struct file *)arg1->f_mode)" },
	{ "((struct file *)arg1)->f_mode & 1", "(((struct file *)arg1)->f_mode & 1)" },
	{ "+8(arg1) + -8(%bp)", "(+8(arg1) + -8(%bp))" },
	{ "+u0(+8(%si))", "+u0(+8(%si))" },
	{ "comm == \"bash\" && pid != 1", "((comm == \"bash\") && (pid != 1))" },
	{ "str(arg2, 16) == \"x\"", "(str(arg2, 16) == \"x\")" },
	{ "args->flags & 0100", "(args->flags & 64)" },
	{ "$arg1 + $retval + $comm + $stack + $stack3",
	  "((((arg1 + retval) + comm) + $stack) + $stack3)" },
	{ "%rax + %r15 + @jiffies-4", "((%ax + %r15) + @jiffies-4)" },
};

TEST(probe_expr_precedence)
{
	for (size_t i = 0; i < ARRAY_SIZE(precedence); i++) {
		struct expr *e = NULL;
		char err[128] = "", *got;

		if (expr_parse(precedence[i].text, 0, &e, err, sizeof(err))) {
			fprintf(stderr, "  '%s': %s\n", precedence[i].text, err);
			unit_failures++;
			continue;
		}
		got = expr_str(e);
		CHECK_STR(got, precedence[i].want);
		free(got);
		expr_free(e);
	}
}

TEST(probe_expr_numbering_and_errors)
{
	struct expr *e = NULL;
	char err[128];

	CHECK_INT(expr_parse("arg0 + arg5", EXPR_ARG0_FIRST, &e, err, sizeof(err)), 0);
	CHECK_INT(e->left->value, 1);
	CHECK_INT(e->right->value, 6);
	expr_free(e);
	CHECK_INT(expr_parse("$arg1", EXPR_ARG0_FIRST, &e, err, sizeof(err)), 0);
	CHECK_INT(e->value, 1);		/* $argN counts from 1 always */
	expr_free(e);
	CHECK_INT(expr_parse("arg1 == 1 )", 0, &e, err, sizeof(err)), -EINVAL);
	CHECK_STR(err, "unexpected ')' at column 11");
	CHECK(!e);
	CHECK_INT(expr_parse("pid == \"abc", 0, &e, err, sizeof(err)), -EINVAL);
	CHECK_STR(err, "unterminated string at column 8");
	CHECK_INT(expr_parse("", 0, &e, err, sizeof(err)), -EINVAL);
	CHECK_STR(err, "expected expression at column 1");
}

static int count_kinds(struct expr *e, void *ctx)
{
	int *counts = ctx;

	counts[e->kind]++;
	return e->kind == EXPR_CALL ? 7 : 0;
}

TEST(probe_expr_visit)
{
	int counts[EXPR_BINARY + 1] = { 0 };
	struct expr *e = NULL;
	char err[128];

	CHECK_INT(expr_parse("arg1 == 1 && args->x > pid || comm == \"sh\"",
			     0, &e, err, sizeof(err)), 0);
	CHECK_INT(expr_visit(e, count_kinds, counts), 0);
	CHECK_INT(counts[EXPR_BINARY], 5);
	CHECK_INT(counts[EXPR_ARG], 1);
	CHECK_INT(counts[EXPR_FIELD], 1);
	CHECK_INT(counts[EXPR_BUILTIN], 2);
	CHECK_INT(counts[EXPR_STR], 1);
	CHECK(expr_is_string(e->right->right));
	expr_free(e);

	CHECK_INT(expr_parse("1 + str(arg1)", 0, &e, err, sizeof(err)), 0);
	CHECK_INT(expr_visit(e, count_kinds, counts), 7);	/* stops early */
	expr_free(e);
}
