// SPDX-License-Identifier: GPL-2.0
/*
 * Stacks: /proc/PID/maps lines, perf-PID.map text, the address index,
 * naming this test program's own functions through its live mappings
 * (and after its "exit", from what was captured), debug files found by
 * .gnu_debuglink and by build-id under SONDE_DEBUG_DIR (built with objcopy
 * at test time, skipped without it),
 * stack aggregation and the folded, text and JSON printers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "flamegraph.h"
#include "stackagg.h"
#include "symbolize.h"
#include "symfile.h"
#include "syminline.h"
#include "unit.h"

TEST(stacks_maps_line)
{
	struct sym_mapping m;

	CHECK(sym_parse_maps_line("00400000-00401000 r-xp 00001000 fd:01 1234   "
				  "/usr/bin/true\n", &m));
	CHECK_INT(m.start, 0x400000);
	CHECK_INT(m.end, 0x401000);
	CHECK_INT(m.pgoff, 0x1000);
	CHECK_INT(m.ino, 1234);
	CHECK_STR(m.path, "/usr/bin/true");
	CHECK(sym_parse_maps_line("7f00-8f00 r-xp 00000000 00:00 0 \n", &m));
	CHECK_STR(m.path, "");
	CHECK(sym_parse_maps_line("7f00-8f00 r-xp 00000000 00:00 0 [vdso]\n", &m));
	CHECK_STR(m.path, "[vdso]");
	CHECK(!sym_parse_maps_line("00400000-00401000 r--p 00000000 fd:01 1 /x\n", &m));
	CHECK(!sym_parse_maps_line("garbage\n", &m));
}

TEST(stacks_perfmap)
{
	struct perfmap pm;
	const struct symfile_func *f;

	CHECK_INT(perfmap_parse("7f0000001000 40 LazyCompile:*foo bar.js:1\n"
				"7f0000000000 100 Stub:a\n"
				"junk\n"
				"7f0000002000 0 zero size", &pm), 0);
	CHECK_INT(pm.n, 3);
	f = perfmap_lookup(&pm, 0x7f0000001010);
	CHECK(f && !strcmp(f->name, "LazyCompile:*foo bar.js:1"));
	f = perfmap_lookup(&pm, 0x7f00000000ff);
	CHECK(f && !strcmp(f->name, "Stub:a"));
	CHECK(!perfmap_lookup(&pm, 0x7f0000000100));	/* a gap */
	CHECK(!perfmap_lookup(&pm, 0x7effffffffff));
	f = perfmap_lookup(&pm, 0x7f0000002000);
	CHECK(f && !strcmp(f->name, "zero size"));
	perfmap_free(&pm);
}

TEST(stacks_func_index)
{
	struct symfile_func f[] = {
		{ 0x1000, 0x10, "a" }, { 0x1010, 0, "b" }, { 0x2000, 0x8, "c" },
	};

	CHECK_INT(symfunc_find(f, 3, 0xfff), -1);
	CHECK_INT(symfunc_find(f, 3, 0x1000), 0);
	CHECK_INT(symfunc_find(f, 3, 0x100f), 0);
	CHECK_INT(symfunc_find(f, 3, 0x1fff), 1);	/* no size: up to c */
	CHECK_INT(symfunc_find(f, 3, 0x2007), 2);
	CHECK_INT(symfunc_find(f, 3, 0x2008), -1);	/* past c's end */
}

__attribute__((noinline)) int stacks_test_marker(int x)
{
	return x * 3 + 1;
}

TEST(stacks_name_own_functions)
{
	uint64_t ip = (uint64_t)(uintptr_t)&stacks_test_marker + 2;
	char buf[256];

	CHECK(sym_user_frame(getpid(), ip, 0, buf, sizeof(buf)));
	CHECK_STR(buf, "stacks_test_marker");
	CHECK(sym_user_frame(getpid(), ip, SYM_OFFSET | SYM_MODULE, buf, sizeof(buf)));
	CHECK_STR(buf, "stacks_test_marker+0x2 (unit-tests)");
	/* not mapped at all */
	CHECK(!sym_user_frame(getpid(), 0x10, 0, buf, sizeof(buf)));
	CHECK_STR(buf, "0x10 [unknown]");
}

/* A child maps nothing new and exits; its frames are named from what was
 * captured while it lived. */
TEST(stacks_after_exit)
{
	uint64_t ip = (uint64_t)(uintptr_t)&stacks_test_marker;
	int fds[2], st;
	char buf[256], c;
	pid_t pid;

	CHECK(!pipe(fds));
	pid = fork();
	if (!pid) {
		close(fds[1]);
		read(fds[0], &c, 1);	/* until the parent has looked */
		_exit(0);
	}
	close(fds[0]);
	CHECK(sym_proc_capture(pid));
	close(fds[1]);
	waitpid(pid, &st, 0);
	sym_note_exit(pid);
	CHECK(sym_user_frame(pid, ip, 0, buf, sizeof(buf)));
	CHECK_STR(buf, "stacks_test_marker");
	/* and a process that mapped its program from perf records only */
	sym_note_fork(pid + 100000, pid);
	CHECK(sym_user_frame(pid + 100000, ip, 0, buf, sizeof(buf)));
	CHECK_STR(buf, "stacks_test_marker");
	sym_note_exec(pid + 100000);
	CHECK(!sym_user_frame(pid + 100000, ip, 0, buf, sizeof(buf)));
}

static int run(const char *cmd)
{
	int st = system(cmd);

	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* A stripped copy of this program plus its debug file next to it,
 * linked by .gnu_debuglink: names come from the debug file; without it,
 * address and module. */
#ifdef __has_feature
#define SONDE_HAS_ASAN __has_feature(address_sanitizer)
#else
#define SONDE_HAS_ASAN 0
#endif

TEST(stacks_debuglink)
{
	char dir[] = "/tmp/sonde-unit-dbg.XXXXXX", cmd[1024], path[512];
	const struct symfile_func *f;
	struct symfile *sf;
	uint64_t vaddr, ip = (uint64_t)(uintptr_t)&stacks_test_marker;

#if defined(__SANITIZE_ADDRESS__) || SONDE_HAS_ASAN
	fprintf(stderr, "  SKIP stacks_debuglink: the sanitizer build is a PIE; the test needs the shipped non-PIE static layout\n");
	return;
#endif
	if (run("command -v objcopy >/dev/null") || !mkdtemp(dir)) {
		fprintf(stderr, "  SKIP stacks_debuglink: no objcopy\n");
		return;
	}
	snprintf(cmd, sizeof(cmd),
		 "cd %s && objcopy --only-keep-debug /proc/%d/exe prog.debug && "
		 "objcopy --strip-all --add-gnu-debuglink=prog.debug /proc/%d/exe prog && "
		 "objcopy --strip-all /proc/%d/exe bare", dir, getpid(), getpid(), getpid());
	CHECK_INT(run(cmd), 0);
	snprintf(path, sizeof(path), "%s/prog", dir);
	sf = symfile_get(path, "", 0, 0);
	CHECK(sf && symfile_debug_path(sf));
	/* non-PIE static: the file offset is the address minus the segment's
	 * start; take it from our own mapping through the symbolizer */
	f = symfile_lookup(sf, ip - 0x400000, &vaddr);
	CHECK(f && !strcmp(f->name, "stacks_test_marker"));
	snprintf(path, sizeof(path), "%s/bare", dir);
	sf = symfile_get(path, "", 0, 0);
	CHECK(sf && !symfile_debug_path(sf) && !symfile_lookup(sf, ip - 0x400000, &vaddr));
	CHECK_INT(vaddr, ip);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	run(cmd);
}

/* A stripped copy whose debug file is under SONDE_DEBUG_DIR by build-id. */
TEST(stacks_debug_buildid)
{
	char dir[] = "/tmp/sonde-unit-bid.XXXXXX", cmd[1024], path[512], dbg[512];
	const struct symfile_func *f;
	struct symfile *sf;
	uint64_t vaddr, ip = (uint64_t)(uintptr_t)&stacks_test_marker;

#if defined(__SANITIZE_ADDRESS__) || SONDE_HAS_ASAN
	fprintf(stderr, "  SKIP stacks_debug_buildid: the sanitizer build is a PIE\n");
	return;
#endif
	if (run("command -v objcopy >/dev/null && command -v readelf >/dev/null") ||
	    !mkdtemp(dir)) {
		fprintf(stderr, "  SKIP stacks_debug_buildid: no objcopy or readelf\n");
		return;
	}
	snprintf(cmd, sizeof(cmd),
		 "cd %s && objcopy --strip-all /proc/%d/exe prog && "
		 "id=$(readelf -n prog | sed -n 's/.*Build ID: *//p') && [ -n \"$id\" ] && "
		 "mkdir -p dbg/.build-id/${id%%${id#??}} && "
		 "objcopy --only-keep-debug /proc/%d/exe dbg/.build-id/${id%%${id#??}}/${id#??}.debug",
		 dir, getpid(), getpid());
	CHECK_INT(run(cmd), 0);
	snprintf(dbg, sizeof(dbg), "%s/dbg", dir);
	setenv("SONDE_DEBUG_DIR", dbg, 1);
	CHECK_STR(symfile_debug_root(), dbg);
	snprintf(path, sizeof(path), "%s/prog", dir);
	sf = symfile_get(path, "", 0, 0);
	unsetenv("SONDE_DEBUG_DIR");
	CHECK_STR(symfile_debug_root(), "/usr/lib/debug");
	CHECK(sf && symfile_debug_path(sf) &&
	      !strncmp(symfile_debug_path(sf), dbg, strlen(dbg)));
	f = symfile_lookup(sf, ip - 0x400000, &vaddr);
	CHECK(f && !strcmp(f->name, "stacks_test_marker"));
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	run(cmd);
}

/* --inline: two functions inlined one into the other into a caller of
 * this program; looked up through our own mappings (built -g). */
static inline __attribute__((always_inline)) void unit_inl_inner(volatile unsigned long *x)
{
	for (unsigned long i = 0; i < *x; i++)
		*x = *x * 3 + 1;
}

static inline __attribute__((always_inline)) void unit_inl_outer(volatile unsigned long *x)
{
	*x += 7;
	unit_inl_inner(x);
	*x ^= 5;
}

__attribute__((noinline, used)) unsigned long unit_inl_caller(unsigned long n)
{
	volatile unsigned long x = n;

	unit_inl_outer(&x);
	return x;
}

TEST(stacks_inlined)
{
	uint64_t ip = (uint64_t)(uintptr_t)&unit_inl_caller;
	const char *names[SYMINLINE_MAX];
	bool both = false;
	char buf[256];
	int n;

	CHECK(unit_inl_caller(0) != 0);
	CHECK(!syminline_open("/nonexistent"));
	CHECK(!syminline_open("/proc/self/status"));	/* not ELF */
	/* the entry is the caller's own code; its name as ever */
	CHECK_INT(sym_user_inlined(getpid(), ip, names, SYMINLINE_MAX), 0);
	CHECK(sym_user_frame(getpid(), ip, 0, buf, sizeof(buf)));
	CHECK_STR(buf, "unit_inl_caller");
#if defined(__SANITIZE_ADDRESS__) || SONDE_HAS_ASAN
	fprintf(stderr, "  SKIP stacks_inlined: the sanitizer build (clang -O1) records no inlined scopes for the caller\n");
	return;
#endif
	/* every byte of the caller */
	for (uint64_t off = 1; off < 4096 && !both; off++) {
		sym_user_frame(getpid(), ip + off, 0, buf, sizeof(buf));
		if (strcmp(buf, "unit_inl_caller"))
			break;
		n = sym_user_inlined(getpid(), ip + off, names, SYMINLINE_MAX);
		both = n == 2 && !strcmp(names[0], "unit_inl_inner") &&
		       !strcmp(names[1], "unit_inl_outer");
		/* again: from the cache, the same */
		if (both)
			CHECK_INT(sym_user_inlined(getpid(), ip + off, names, 1), 1);
		if (both)
			CHECK_STR(names[0], "unit_inl_inner");
	}
	CHECK(both);
}

/* addresses nothing maps, in the kernel or in user space */
static const uint64_t k1[] = { 0x30 }, u1[] = { 0x10, 0x20 };

TEST(stacks_aggregate_and_print)
{
	struct stackagg *a = stackagg_new();
	struct stack_print_opts po = { .unit = "samples", .kernel = true, .user = true };
	struct stack_sample s = {
		.pid = 42, .comm = "burn", .kips = k1, .nk = 1, .uips = u1,
		.nu = 2, .value = 3,
	};
	struct named_stack *const *ns;
	char *text = NULL;
	size_t len = 0;
	FILE *fp;

	CHECK_INT(stackagg_add(a, &s), 0);
	CHECK_INT(stackagg_add(a, &s), 0);	/* the same stack: summed */
	s.pid = 43;				/* another process, same names */
	s.value = 1;
	CHECK_INT(stackagg_add(a, &s), 0);
	s.nk = 0;
	s.flags = STACK_KMISSED;
	CHECK_INT(stackagg_add(a, &s), 0);
	CHECK_INT(stackagg_count(a), 3);
	CHECK_INT(stackagg_total(a), 8);
	stackagg_resolve(a);
	CHECK_INT(stackagg_named(a, &ns), 3);
	CHECK_INT(ns[2]->value, 6);		/* largest last */
	CHECK_INT(ns[2]->pid, 42);

	fp = open_memstream(&text, &len);
	stackagg_print_folded(a, fp, &po);
	fclose(fp);
	/* pids of one comm merge; user frames outermost first, then kernel */
	CHECK(strstr(text, "burn;0x20 [unknown];0x10 [unknown];0x30 [kernel] 7\n"));
	CHECK(strstr(text, "burn;0x20 [unknown];0x10 [unknown];[Missed Kernel Stack] 1\n"));
	free(text);

	fp = open_memstream(&text, &len);
	stackagg_print_text(a, fp, &po);
	fclose(fp);
	CHECK(strstr(text, "    0x30 [kernel]\n    --\n    0x10 [unknown]\n    0x20 [unknown]\n"
			   "    -                burn (42)\n        6\n\n"));
	free(text);

	fp = open_memstream(&text, &len);
	stackagg_print_json(a, fp, &po);
	fclose(fp);
	CHECK(!strncmp(text, "{\"type\":\"stack\",\"comm\":\"burn\",\"pid\":42,\"samples\":6,"
			     "\"kstack\":[", 60));
	free(text);
	stackagg_free(a);
}

TEST(stacks_flamegraph_svg)
{
	static const uint64_t u[] = { 0x10 };
	struct stack_print_opts po = { .unit = "samples", .kernel = true, .user = true };
	struct flamegraph_opts fo = { .title = "t<&>", .unit = "samples" };
	struct stack_sample s = { .pid = 1, .comm = "a&b", .uips = u, .nu = 1, .value = 3 };
	struct stackagg *a = stackagg_new();
	char *text = NULL;
	size_t len = 0;
	FILE *fp;

	stackagg_add(a, &s);
	s.comm = "c";
	s.value = 1;
	stackagg_add(a, &s);
	stackagg_resolve(a);
	fp = open_memstream(&text, &len);
	CHECK_INT(flamegraph_write(fp, a, &po, &fo), 0);
	fclose(fp);
	CHECK(!strncmp(text, "<?xml ", 6));
	CHECK(strstr(text, ">t&lt;&amp;&gt;</text>"));
	CHECK(strstr(text, "<title>all (4 samples, 100.00%)</title>"));
	CHECK(strstr(text, "<title>a&amp;b (3 samples, 75.00%)</title>"));
	CHECK(strstr(text, "<title>c (1 samples, 25.00%)</title>"));
	CHECK(strstr(text, "<title>0x10 [unknown] (3 samples, 75.00%)</title>"));
	CHECK(strstr(text, "]]></script>"));
	CHECK(len > 7 && !strcmp(text + len - 7, "</svg>\n"));
	free(text);
	stackagg_free(a);

	fp = open_memstream(&text, &len);
	flamegraph_xml_text(fp, "a\"'\x01\xff\xc3\xa9z");
	fclose(fp);
	CHECK_STR(text, "a&quot;&apos;??\xc3\xa9z");
	free(text);
}

/* Frames the kernel named itself (hist triggers), and the tracing
 * machinery left out of kernel stacks. */
TEST(stacks_text_frames_and_machinery)
{
	struct stack_print_opts po = { .unit = "count", .kernel = true, .user = false };
	struct stack_sample s = {
		.pid = 7, .comm = "x", .value = 2,
		.ktext = "         trace_event_raw_event_sched_switch+0x1/0x2\n"
			 "         __traceiter_sched_switch+0x40/0x60\n"
			 "         __schedule+0x3a0/0xa80\n"
			 "         schedule+0x5a/0xd0\n",
	};
	struct stackagg *a = stackagg_new();
	char *text = NULL;
	size_t len = 0;
	FILE *fp;

	stackagg_add(a, &s);
	s.ktext = "  __traceiter_sched_switch+0x40/0x60\n  __schedule+0x3a0/0xa80\n"
		  "  schedule+0x5a/0xd0\n";
	stackagg_add(a, &s);		/* another raw stack, the same names */
	CHECK_INT(stackagg_count(a), 2);
	stackagg_resolve(a);
	fp = open_memstream(&text, &len);
	stackagg_print_folded(a, fp, &po);
	fclose(fp);
	CHECK_STR(text, "x;schedule;__schedule 4\n");
	free(text);
	stackagg_free(a);
}
