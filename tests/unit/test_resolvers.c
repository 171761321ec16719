// SPDX-License-Identifier: GPL-2.0
/*
 * The name resolvers: kernel functions (fixtures from tests/fixtures/ksyms
 * and the live kallsyms), user ELF symbols checked against nm/readelf
 * computed independently, library resolution through ld.so.cache, USDT
 * notes, BTF arguments (live kernel) and DWARF arguments of probetarget
 * built at test time as non-PIE and PIE at -O0 and -O2.
 *
 * Tests that need cc, nm, readelf or kernel BTF say SKIP on stderr and
 * return when those are missing (the harness knows only ok and FAIL).
 */
#include <elf.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bpf/btf.h>

#include "btf_args.h"
#include "dwarf_args.h"
#include "elf_util.h"
#include "ksyms.h"
#include "unit.h"
#include "usdt.h"
#include "usym.h"
#include "util.h"

#define FIXTURES "tests/fixtures/ksyms/"

static void skip(const char *test, const char *why)
{
	fprintf(stderr, "  SKIP %s: %s\n", test, why);
}

/* ---- kernel functions ---- */

static struct ksyms *fixture_ksyms(bool with_aff)
{
	char *aff = with_aff ? ksyms_read_file(FIXTURES "available_filter_functions") : NULL;
	char *kall = ksyms_read_file(FIXTURES "kallsyms");
	char *bl = ksyms_read_file(FIXTURES "blacklist");
	struct ksyms *ks;

	if (!kall || !bl || (with_aff && !aff)) {
		fprintf(stderr, "  cannot read fixtures under " FIXTURES ": %s\n",
			strerror(errno));
		free(aff);
		free(kall);
		free(bl);
		return NULL;
	}
	ks = ksyms__parse(aff, kall, bl);
	free(aff);
	free(kall);
	free(bl);
	return ks;
}

static int collect_names(const struct ksym *s, void *ctx)
{
	char *buf = ctx;

	strcat(buf, s->name);
	strcat(buf, " ");
	return 0;
}

TEST(ksyms_parse_fixture)
{
	struct ksyms *ks = fixture_ksyms(true);
	const struct ksym *s;

	CHECK(ks);
	if (!ks)
		return;
	CHECK_INT(ks->source, KSYMS_FROM_FILTER_FUNCTIONS);
	/* sorted, unique */
	for (size_t i = 1; i < ks->nsyms; i++)
		CHECK(strcmp(ks->syms[i - 1].name, ks->syms[i].name) < 0);
	CHECK(!ksyms__find(ks, "__pfx_do_sys_openat2"));
	CHECK(!ksyms__find(ks, "some_data_object"));
	CHECK(!ksyms__find(ks, "ftrace_trampoline"));
	CHECK(!ksyms__find(ks, "__ftrace_invalid_address___64"));
	CHECK(!ksyms__find(ks, "bpf_prog_6deef7357e7b4530_sd_fw_egress"));
	s = ksyms__find(ks, "do_sys_openat2");
	CHECK(s && s->addr == 0xffffffff816b49b0ULL &&
	      (s->flags & (KSYM_IN_KALLSYMS | KSYM_TRACEABLE)) ==
	      (KSYM_IN_KALLSYMS | KSYM_TRACEABLE));
	s = ksyms__find(ks, "ext4_file_read_iter");
	CHECK(s && s->module && !strcmp(s->module, "ext4") && ksym_attachable(ks, s));
	s = ksyms__find(ks, "jhash");
	CHECK(s && (s->flags & KSYM_DUPLICATE));
	s = ksyms__find(ks, "set_ptes.isra.0");
	CHECK(s && (s->flags & KSYM_SUFFIXED) && s->base_len == 8);
	s = ksyms__find(ks, "tcp_fastopen_add_skb.part.0.cold");
	CHECK(s && (s->flags & KSYM_COLD) && !ksym_attachable(ks, s));
	s = ksyms__find(ks, "notify_die");
	CHECK(s && (s->flags & KSYM_BLACKLISTED) && !ksym_attachable(ks, s));
	s = ksyms__find(ks, "abort");
	CHECK(s && ksym_attachable(ks, s));	/* W: weak function */
	CHECK_STR(ksym_suffix("a.isra.0"), ".isra.0");
	CHECK_STR(ksym_suffix("plain"), "");
	ksyms__free(ks);
}

TEST(ksyms_resolve_fixture)
{
	struct ksyms *ks = fixture_ksyms(true);
	struct ksym_resolution r;

	if (!ks)
		return (void)unit_failures++;

	CHECK_INT(ksyms__resolve(ks, "do_sys_openat2", &r), 0);
	CHECK_INT(r.status, KSYM_OK);
	CHECK_INT(r.ncands, 1);
	CHECK_STR(r.message, "");

	/* the suffix is found without typing it */
	CHECK_INT(ksyms__resolve(ks, "tcp_rack_reo_timeout", &r), 0);
	CHECK_INT(r.status, KSYM_OK_SUFFIX);
	CHECK_STR(r.cands[0]->name, "tcp_rack_reo_timeout.isra.0");
	CHECK_STR(r.message, "'tcp_rack_reo_timeout' resolved to 'tcp_rack_reo_timeout.isra.0' (a copy the compiler made)");
	CHECK_INT(ksyms__resolve(ks, "inet_twsk_kill", &r), 0);
	CHECK_STR(r.cands[0]->name, "inet_twsk_kill.llvm.4206942");
	/* .part.0 is a function, its .cold fragment is not */
	CHECK_INT(ksyms__resolve(ks, "tcp_fastopen_add_skb", &r), 0);
	CHECK_INT(r.ncands, 1);
	CHECK_STR(r.cands[0]->name, "tcp_fastopen_add_skb.part.0");

	/* several copies: all listed */
	CHECK_INT(ksyms__resolve(ks, "set_ptes", &r), 0);
	CHECK_INT(r.status, KSYM_AMBIGUOUS);
	CHECK_INT(r.ncands, 2);
	CHECK_STR(r.message, "'set_ptes' has 2 copies the compiler made (set_ptes.constprop.0, set_ptes.isra.0); probing all of them");

	/* exact wins over copies */
	CHECK_INT(ksyms__resolve(ks, "lruvec_stat_mod_folio", &r), 0);
	CHECK_INT(r.status, KSYM_OK);
	CHECK_STR(r.cands[0]->name, "lruvec_stat_mod_folio");

	/* duplicate static functions */
	CHECK_INT(ksyms__resolve(ks, "jhash", &r), 0);
	CHECK_STR(r.message, "several kernel functions are named 'jhash'; a probe by name may attach to only one of them");

	/* syscall spellings */
	CHECK_INT(ksyms__resolve(ks, "sys_read", &r), 0);
	CHECK(r.syscall_alias);
	CHECK_STR(r.cands[0]->name, "__x64_sys_read");
	CHECK_STR(r.message, "'sys_read' resolved to '__x64_sys_read' (this kernel's name for the syscall)");
	CHECK_INT(ksyms__resolve(ks, "SyS_openat", &r), 0);
	CHECK_STR(r.cands[0]->name, "__x64_sys_openat");

	/* not found at all */
	CHECK_INT(ksyms__resolve(ks, "no_such_function_xyz", &r), -ENOENT);
	CHECK_INT(r.status, KSYM_NOT_FOUND);
	CHECK_STR(r.message, "kernel function 'no_such_function_xyz' not found: it is not in /proc/kallsyms (misspelled, inlined into every caller, or in a module that is not loaded)");
	CHECK_INT(ksyms__resolve(ks, "vfs_raed", &r), -ENOENT);
	CHECK_STR(r.message, "kernel function 'vfs_raed' not found: it is not in /proc/kallsyms (misspelled, inlined into every caller, or in a module that is not loaded); did you mean 'vfs_read'?");

	/* in kallsyms, not traceable */
	CHECK_INT(ksyms__resolve(ks, "native_sched_clock", &r), -ENOENT);
	CHECK_INT(r.status, KSYM_NOT_TRACEABLE);
	CHECK_STR(r.message, "kernel function 'native_sched_clock' exists but cannot be traced: it is in /proc/kallsyms but not in available_filter_functions (notrace, inlined at its call sites, or in code ftrace does not patch)");

	/* only a cold fragment */
	CHECK_INT(ksyms__resolve(ks, "cold_only_fn", &r), -ENOENT);
	CHECK_INT(r.status, KSYM_COLD_ONLY);
	CHECK_STR(r.message, "kernel function 'cold_only_fn' cannot be probed: only its cold fragment ('cold_only_fn.cold') is a symbol, the rest was inlined into its callers");

	/* blacklisted: refused, but handed over for fentry */
	CHECK_INT(ksyms__resolve(ks, "notify_die", &r), -ENOENT);
	CHECK_INT(r.status, KSYM_BLACKLISTED_ONLY);
	CHECK_INT(r.ncands, 1);
	CHECK_STR(r.message, "kernel function 'notify_die' cannot be probed with kprobes: it is on the kprobe blacklist");
	ksyms__free(ks);
}

TEST(ksyms_kallsyms_fallback)
{
	/* available_filter_functions unreadable (EPERM under lockdown):
	 * kallsyms alone, with addresses zeroed by kptr_restrict */
	const char *kall =
		"0000000000000000 T vfs_read\n"
		"0000000000000000 t do_sys_openat2\n"
		"0000000000000000 t foo_bar.isra.0\n"
		"0000000000000000 t foo_bar.isra.0.cold\n"
		"0000000000000000 T __x64_sys_read\n"
		"0000000000000000 D jiffies\n";
	struct ksyms *ks = ksyms__parse(NULL, kall, NULL);
	struct ksym_resolution r;
	char names[256] = "";

	CHECK(ks);
	if (!ks)
		return;
	CHECK_INT(ks->source, KSYMS_FROM_KALLSYMS);
	CHECK_INT(ks->nsyms, 5);
	CHECK_INT(ksyms__resolve(ks, "vfs_read", &r), 0);
	CHECK_INT(r.cands[0]->addr, 0);
	CHECK_INT(ksyms__resolve(ks, "foo_bar", &r), 0);
	CHECK_STR(r.cands[0]->name, "foo_bar.isra.0");
	CHECK_INT(ksyms__resolve(ks, "jiffies", &r), -ENOENT);
	CHECK_INT(r.status, KSYM_NOT_FOUND);
	CHECK_INT(ksyms__match(ks, "foo_*", collect_names, names), 1);
	CHECK_STR(names, "foo_bar.isra.0 ");
	ksyms__free(ks);
}

TEST(ksyms_glob_fixture)
{
	struct ksyms *ks = fixture_ksyms(true);
	char names[1024] = "";

	if (!ks)
		return (void)unit_failures++;
	CHECK(ksym_is_glob("tcp_*") && !ksym_is_glob("tcp_connect"));
	CHECK_INT(ksyms__match(ks, "tcp_*", collect_names, names), 6);
	CHECK_STR(names, "tcp_connect tcp_fastopen_add_skb.part.0 tcp_rack_reo_timeout.isra.0 tcp_retransmit_skb tcp_v4_connect tcp_v4_send_reset ");
	/* the unsuffixed name matches too */
	names[0] = '\0';
	CHECK_INT(ksyms__match(ks, "set_ptes", collect_names, names), 2);
	CHECK_STR(names, "set_ptes.constprop.0 set_ptes.isra.0 ");
	/* bcc-style SyS_* on a kernel that names them __x64_sys_* */
	names[0] = '\0';
	CHECK_INT(ksyms__match(ks, "SyS_*", collect_names, names), 3);
	CHECK_STR(names, "__x64_sys_openat __x64_sys_read __x64_sys_write ");
	names[0] = '\0';
	CHECK_INT(ksyms__match(ks, "sys_re?d", collect_names, names), 1);
	CHECK_STR(names, "__x64_sys_read ");
	CHECK_INT(ksyms__match(ks, "ext4_*", NULL, NULL), 2);
	CHECK_INT(ksyms__match(ks, "nothing_*", NULL, NULL), 0);
	ksyms__free(ks);
}

TEST(ksyms_tracepoint_suggestions)
{
	char *events = ksyms_read_file(FIXTURES "available_events");
	char tp[4][96];
	int n;

	CHECK(events);
	if (!events)
		return;
	n = ksyms_suggest_tracepoints("do_sys_openat2", events, false, tp, 4);
	CHECK_INT(n, 3);
	CHECK_STR(tp[0], "syscalls:sys_enter_openat");
	CHECK_STR(tp[1], "syscalls:sys_enter_openat2");
	CHECK_STR(tp[2], "syscalls:sys_enter_open");
	n = ksyms_suggest_tracepoints("do_sys_open", events, true, tp, 4);
	CHECK(n >= 1);
	CHECK_STR(tp[0], "syscalls:sys_exit_openat");
	n = ksyms_suggest_tracepoints("vfs_read", events, false, tp, 4);
	CHECK(n >= 1);
	CHECK_STR(tp[0], "syscalls:sys_enter_read");
	n = ksyms_suggest_tracepoints("tcp_v4_connect", events, false, tp, 4);
	CHECK_INT(n, 2);
	CHECK_STR(tp[0], "sock:inet_sock_set_state");
	CHECK_STR(tp[1], "syscalls:sys_enter_connect");
	/* heuristics: the tracepoint named after the function; the verb */
	n = ksyms_suggest_tracepoints("tcp_retransmit_skb.isra.0", events, false, tp, 4);
	CHECK(n >= 1);
	CHECK_STR(tp[0], "tcp:tcp_retransmit_skb");
	n = ksyms_suggest_tracepoints("__x64_sys_write", events, false, tp, 4);
	CHECK(n >= 1);
	CHECK_STR(tp[0], "syscalls:sys_enter_write");
	n = ksyms_suggest_tracepoints("ksys_write", events, false, tp, 4);
	CHECK(n >= 1);
	CHECK_STR(tp[0], "syscalls:sys_enter_write");
	CHECK_INT(ksyms_suggest_tracepoints("mutex_lock", events, false, tp, 4), 0);
	free(events);
}

TEST(ksyms_live)
{
	const struct ksyms *ks;
	struct ksym_resolution r;
	uint64_t t0 = now_mono_ns();
	char tp[3][96], note[512];

	ks = ksyms_get();
	if (!ks)
		return skip("ksyms_live", strerror(errno));
	fprintf(stderr, "  ksyms: %zu functions from %s in %.1f ms\n", ks->nsyms,
		ks->source == KSYMS_FROM_FILTER_FUNCTIONS ?
		"available_filter_functions + kallsyms" : "kallsyms",
		(now_mono_ns() - t0) / 1e6);
	CHECK(ks->nsyms > 1000);
	CHECK(ksyms_get() == ks);
	CHECK_INT(ksyms__resolve(ks, "vfs_read", &r), 0);
	CHECK(ksyms__match(ks, "vfs_*", NULL, NULL) > 5);
	CHECK(ksyms_suggest_tracepoints_live("do_sys_openat2", false, tp, 3) >= 1);
	ksyms_tracepoint_hint("do_sys_openat2", false, note, sizeof(note));
	CHECK(!strncmp(note, "try tracepoint syscalls:sys_enter_openat", 40));
	ksyms__note(ks, note, sizeof(note));
	if (*note)
		fprintf(stderr, "  ksyms: %s\n", note);
}

/* ---- helpers: fixtures built at run time, facts from nm/readelf ---- */

#define PROBETARGET_SRC "tests/helpers/probetarget.c"

static char build_dir[64];

static void remove_build_dir(void)
{
	char cmd[128];

	if (*build_dir) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", build_dir);
		if (system(cmd))
			fprintf(stderr, "  cannot remove %s\n", build_dir);
	}
}

static int run_quiet(const char *cmd)
{
	char buf[16384];

	snprintf(buf, sizeof(buf), "%s >/dev/null 2>&1", cmd);
	return system(buf);
}

static bool have_tool(const char *tool)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "command -v %s", tool);
	return run_quiet(cmd) == 0;
}

/*
 * Build probetarget as variant name with cc flags (once per run);
 * returns its path, or NULL (the reason on stderr) when there is no cc.
 */
static const char *build_target(const char *variant, const char *flags)
{
	static char paths[8][128], names[8][32];
	static int n;
	char cmd[1024];

	for (int i = 0; i < n; i++)
		if (!strcmp(names[i], variant))
			return *paths[i] ? paths[i] : NULL;
	if (n == 8 || !have_tool("cc"))
		return NULL;
	if (!*build_dir) {
		snprintf(build_dir, sizeof(build_dir), "/tmp/sonde-resolvers-XXXXXX");
		if (!mkdtemp(build_dir)) {
			*build_dir = '\0';
			return NULL;
		}
		atexit(remove_build_dir);
	}
	snprintf(names[n], sizeof(names[n]), "%s", variant);
	snprintf(paths[n], sizeof(paths[n]), "%s/%s", build_dir, variant);
	snprintf(cmd, sizeof(cmd), "cc %s -o %s %s", flags, paths[n], PROBETARGET_SRC);
	if (run_quiet(cmd)) {
		fprintf(stderr, "  cannot build %s: %s\n", variant, cmd);
		paths[n][0] = '\0';
	}
	return *paths[n++] ? paths[n - 1] : NULL;
}

/* First line of a shell command's output, or "". */
static void shell_line(const char *cmd, char *out, size_t len)
{
	FILE *fp = popen(cmd, "r");

	out[0] = '\0';
	if (!fp)
		return;
	if (fgets(out, len, fp))
		out[strcspn(out, "\n")] = '\0';
	pclose(fp);
}

/* A symbol's value as nm prints it. */
static uint64_t nm_value(const char *bin, const char *sym, bool dynamic)
{
	char cmd[512], line[128];

	snprintf(cmd, sizeof(cmd), "nm %s '%s' 2>/dev/null | awk '$3 == \"%s\" { print $1; exit }'",
		 dynamic ? "-D" : "", bin, sym);
	shell_line(cmd, line, sizeof(line));
	return *line ? strtoull(line, NULL, 16) : 0;
}

/* vaddr -> file offset from `readelf -lW`'s LOAD lines. */
static uint64_t readelf_offset(const char *bin, uint64_t vaddr)
{
	char cmd[512], line[256];
	uint64_t off = 0;
	FILE *fp;

	snprintf(cmd, sizeof(cmd), "readelf -lW '%s' | awk '$1 == \"LOAD\" { print $2, $3, $5 }'", bin);
	fp = popen(cmd, "r");
	while (fp && fgets(line, sizeof(line), fp)) {
		unsigned long long o, v, fsz;

		if (sscanf(line, "%llx %llx %llx", &o, &v, &fsz) == 3 &&
		    vaddr >= v && vaddr < v + fsz)
			off = vaddr - v + o;
	}
	if (fp)
		pclose(fp);
	return off;
}

static char *read_all(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	char *buf = NULL;
	long size;

	if (!fp)
		return NULL;
	if (!fseek(fp, 0, SEEK_END) && (size = ftell(fp)) > 0 &&
	    !fseek(fp, 0, SEEK_SET) && (buf = malloc(size)) &&
	    fread(buf, 1, size, fp) != (size_t)size) {
		free(buf);
		buf = NULL;
	}
	if (buf)
		*len = size;
	fclose(fp);
	return buf;
}

static bool have_binutils(const char *test)
{
	if (have_tool("nm") && have_tool("readelf") && have_tool("awk"))
		return true;
	skip(test, "nm, readelf or awk missing");
	return false;
}

/* ---- user symbols ---- */

TEST(usym_errors)
{
	char err[USYM_ERR_MAX];

	CHECK(!uelf__open("/nope", err, sizeof(err)));
	CHECK_STR(err, "'/nope' does not exist");
	CHECK(!uelf__open("/etc/passwd", err, sizeof(err)));
	CHECK_STR(err, "'/etc/passwd' is not an ELF file");
	CHECK(!uelf__open("/tmp", err, sizeof(err)));
	CHECK_STR(err, "'/tmp' is a directory");
	CHECK_INT(usym_find_library("libdoesnotexist", NULL, err, 0, err, sizeof(err)), -ENOENT);
	CHECK_STR(err, "library 'libdoesnotexist' not found (looked in LD_LIBRARY_PATH, /etc/ld.so.cache and the default directories)");
	CHECK_INT(usym_find_binary("frobnicate-nothing", err, 0, err, sizeof(err)), -ENOENT);
	CHECK_STR(err, "'frobnicate-nothing' not found: not a file, not a program in PATH, not a library");
}

static void check_target(const char *bin, bool pie)
{
	const char *funcs[] = { "sonde_target_add", "sonde_target_greet",
				"sonde_target_point", "main" };
	char err[USYM_ERR_MAX], spec[USYM_ERR_MAX];
	struct usym_target t;
	struct uelf *e = uelf__open(bin, err, sizeof(err));
	uint64_t v;

	CHECK(e);
	if (!e) {
		fprintf(stderr, "  %s\n", err);
		return;
	}
	CHECK_INT(e->is_pie, pie);
	CHECK(e->has_symtab);
	for (size_t i = 0; i < ARRAY_SIZE(funcs); i++) {
		v = nm_value(bin, funcs[i], false);
		CHECK(v != 0);
		CHECK_INT(uelf__resolve(e, funcs[i], &t, err, sizeof(err)), 0);
		CHECK_INT(t.vaddr, v);
		CHECK_INT(t.offset, readelf_offset(bin, v));
	}
	/* name+offset and a raw address */
	v = nm_value(bin, "sonde_target_point", false);
	CHECK_INT(uelf__resolve(e, "sonde_target_point+4", &t, err, sizeof(err)), 0);
	CHECK_INT(t.offset, readelf_offset(bin, v + 4));
	snprintf(spec, sizeof(spec), "0x%llx", (unsigned long long)v + 1);
	CHECK_INT(uelf__resolve(e, spec, &t, err, sizeof(err)), 0);
	CHECK(t.sym && !strcmp(t.sym->name, "sonde_target_point") && t.sym_off == 1);
	CHECK_INT(t.offset, readelf_offset(bin, v + 1));
	/* an IFUNC is reported, not silently probed */
	CHECK_INT(uelf__resolve(e, "sonde_target_ifunc", &t, err, sizeof(err)), -EINVAL);
	CHECK(t.flags & USYM_T_IFUNC);
	CHECK(strstr(err, "is an IFUNC: probing it would trace its resolver"));
	CHECK_INT(uelf__resolve(e, "sonde_target_sink", &t, err, sizeof(err)), -EINVAL);
	snprintf(spec, sizeof(spec), "'sonde_target_sink' in '%s' is a data object, not a function", bin);
	CHECK_STR(err, spec);
	CHECK_INT(uelf__resolve(e, "sonde_target_ad", &t, err, sizeof(err)), -ENOENT);
	CHECK(strstr(err, "did you mean 'sonde_target_add'?"));
	CHECK_INT(uelf__resolve(e, "sonde_target_add+0x1000", &t, err, sizeof(err)), -EINVAL);
	CHECK(strstr(err, "past the end of 'sonde_target_add'"));
	CHECK_INT(uelf__funcs(e, "sonde_target_*", NULL, NULL), 4);
	uelf__close(e);
}

TEST(usym_probetarget_nopie)
{
	const char *bin;

	if (!have_binutils("usym_probetarget_nopie"))
		return;
	bin = build_target("nopie-O0", "-O0 -g -no-pie -fno-pie");
	if (!bin)
		return skip("usym_probetarget_nopie", "no cc");
	check_target(bin, false);
}

TEST(usym_probetarget_pie)
{
	const char *bin;

	if (!have_binutils("usym_probetarget_pie"))
		return;
	bin = build_target("pie-O2", "-O2 -g -fPIE -pie");
	if (!bin)
		return skip("usym_probetarget_pie", "no cc");
	check_target(bin, true);
}

TEST(usym_probetarget_static)
{
	const char *bin;

	if (!have_binutils("usym_probetarget_static"))
		return;
	bin = build_target("static-O2", "-O2 -static");
	if (!bin)
		return skip("usym_probetarget_static", "no cc or no static libc");
	check_target(bin, false);
}

TEST(usym_shared_library)
{
	char err[USYM_ERR_MAX], path[PATH_MAX], *old;
	const char *lib;
	struct usym_target t;
	struct uelf *e;
	uint64_t v;

	if (!have_binutils("usym_shared_library"))
		return;
	lib = build_target("libsondetarget.so.1",
			   "-O2 -g -fPIC -shared -DPROBETARGET_LIB -Wl,-soname,libsondetarget.so.1");
	if (!lib)
		return skip("usym_shared_library", "no cc");
	e = uelf__open(lib, err, sizeof(err));
	CHECK(e);
	if (!e)
		return;
	CHECK(!e->is_pie && e->e_type == ET_DYN);
	v = nm_value(lib, "sonde_target_greet", true);
	CHECK(v);
	CHECK_INT(uelf__resolve(e, "sonde_target_greet", &t, err, sizeof(err)), 0);
	CHECK_INT(t.vaddr, v);
	CHECK_INT(t.offset, readelf_offset(lib, v));
	CHECK(t.sym->dynamic && t.sym->in_symtab);
	uelf__close(e);

	/* found by name through LD_LIBRARY_PATH, as ld.so would */
	old = getenv("LD_LIBRARY_PATH") ? strdup(getenv("LD_LIBRARY_PATH")) : NULL;
	setenv("LD_LIBRARY_PATH", build_dir, 1);
	CHECK_INT(usym_find_library("sondetarget", NULL, path, sizeof(path), err, sizeof(err)), 0);
	CHECK_STR(path, lib);
	CHECK_INT(usym_find_binary("libsondetarget.so.1", path, sizeof(path), err, sizeof(err)), 0);
	CHECK_STR(path, lib);
	if (old)
		setenv("LD_LIBRARY_PATH", old, 1);
	else
		unsetenv("LD_LIBRARY_PATH");
	free(old);
}

static int find_libc(const char *soname, const char *path, void *ctx)
{
	if (!strcmp(soname, "libc.so.6"))
		snprintf(ctx, PATH_MAX, "%s", path);
	return 0;
}

TEST(usym_ldcache_and_libc)
{
	char err[USYM_ERR_MAX], libc[PATH_MAX] = "", path[PATH_MAX], line[256];
	const char *names[] = { "libc", "c", "libc.so", "libc.so.6" };
	size_t len = 0;
	char *cache = read_all("/etc/ld.so.cache", &len);
	struct usym_target t;
	struct uelf *e;
	uint64_t v;
	int n;

	if (!cache)
		return skip("usym_ldcache_and_libc", "no /etc/ld.so.cache");
	n = usym_ldcache_parse(cache, len, find_libc, libc);
	CHECK(n > 10);
	CHECK(*libc);
	free(cache);
	if (have_tool("ldconfig")) {
		/* ldconfig -p lists the same libc (its count includes
		 * other ABIs, so only the libc line is compared) */
		shell_line("ldconfig -p | awk '$1 == \"libc.so.6\" && /x86-64/ { print $NF; exit }'",
			   line, sizeof(line));
		if (*line)
			CHECK_STR(libc, line);
	}
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		CHECK_INT(usym_find_library(names[i], NULL, path, sizeof(path), err, sizeof(err)), 0);
		CHECK_STR(path, libc);
	}
	CHECK_INT(usym_find_binary("libc", path, sizeof(path), err, sizeof(err)), 0);
	CHECK_STR(path, libc);

	if (!have_binutils("usym_ldcache_and_libc"))
		return;
	e = uelf__open(libc, err, sizeof(err));
	CHECK(e);
	if (!e)
		return;
	/* versions: malloc@@GLIBC_2.2.5 is malloc */
	v = nm_value(libc, "malloc@@GLIBC_2.2.5", true);
	CHECK_INT(uelf__resolve(e, "malloc", &t, err, sizeof(err)), 0);
	CHECK_INT(t.vaddr, v);
	CHECK_INT(t.offset, readelf_offset(libc, v));
	CHECK_STR(t.sym->version, "GLIBC_2.2.5");
	CHECK_INT(uelf__resolve(e, "malloc@@GLIBC_2.2.5", &t, err, sizeof(err)), 0);
	CHECK_INT(t.vaddr, v);
	/* memcpy@@GLIBC_2.14 is an IFUNC; memcpy@GLIBC_2.2.5 is not */
	if (nm_value(libc, "memcpy@@GLIBC_2.14", true)) {
		CHECK_INT(uelf__resolve(e, "memcpy", &t, err, sizeof(err)), -EINVAL);
		CHECK(t.flags & USYM_T_IFUNC);
		CHECK_INT(uelf__resolve(e, "memcpy@GLIBC_2.2.5", &t, err, sizeof(err)), 0);
		CHECK_INT(t.vaddr, nm_value(libc, "memcpy@GLIBC_2.2.5", true));
	}
	CHECK(uelf__funcs(e, "pthread_*", NULL, NULL) > 20);
	uelf__close(e);
}

TEST(usym_system_binaries)
{
	char err[USYM_ERR_MAX], path[PATH_MAX], *old;
	struct usym_target t;
	struct uelf *e;
	uint64_t off;

	old = getenv("PATH") ? strdup(getenv("PATH")) : NULL;
	setenv("PATH", "/usr/local/bin:/usr/bin:/bin", 1);
	CHECK_INT(usym_find_program("true", path, sizeof(path), err, sizeof(err)), 0);
	CHECK_STR(path, "/usr/bin/true");
	CHECK_INT(usym_find_binary("sh", path, sizeof(path), err, sizeof(err)), 0);
	CHECK_STR(path, "/usr/bin/sh");
	if (old)
		setenv("PATH", old, 1);
	free(old);

	e = uelf__open("/usr/bin/true", err, sizeof(err));
	CHECK(e);
	if (!e)
		return;
	CHECK(e->build_id_len == 20);
	if (!e->has_symtab) {
		/* Debian strips it: names only for its exports */
		CHECK_INT(uelf__resolve(e, "main", &t, err, sizeof(err)), -ENOENT);
		CHECK_STR(err, "function 'main' not found in '/usr/bin/true' (the file is stripped: only its exported functions have names)");
	}
	/* the entry point agrees with elf_util's reader */
	CHECK_INT(elf_entry_offset("/usr/bin/true", &off), 0);
	snprintf(path, sizeof(path), "0x%llx", (unsigned long long)e->entry);
	CHECK_INT(uelf__resolve(e, path, &t, err, sizeof(err)), 0);
	CHECK_INT(t.offset, off);
	uelf__close(e);
}

/* ---- USDT ---- */

TEST(usdt_parse_args)
{
	struct usdt_arg a[4];
	char err[128], buf[64];

	CHECK_INT(usdt_parse_arg("-4@%edi", &a[0]), 0);
	CHECK(a[0].kind == USDT_ARG_REG && a[0].size == 4 && a[0].is_signed);
	CHECK_STR(a[0].reg, "di");
	CHECK_INT(a[0].reg_off, 112);
	CHECK_INT(usdt_arg_fetch(&a[0], buf, sizeof(buf)), 0);
	CHECK_STR(buf, "%di:s32");

	CHECK_INT(usdt_parse_arg("8@-16(%rbp)", &a[0]), 0);
	CHECK(a[0].kind == USDT_ARG_MEM && a[0].size == 8 && !a[0].is_signed &&
	      a[0].val == -16);
	CHECK_STR(a[0].reg, "bp");
	CHECK_INT(usdt_arg_fetch(&a[0], buf, sizeof(buf)), 0);
	CHECK_STR(buf, "-16(%bp):u64");

	CHECK_INT(usdt_parse_arg("4@$5", &a[0]), 0);
	CHECK(a[0].kind == USDT_ARG_CONST && a[0].val == 5 && a[0].size == 4);
	CHECK_INT(usdt_arg_fetch(&a[0], buf, sizeof(buf)), 0);
	CHECK_STR(buf, "\\5:u32");
	CHECK_INT(usdt_parse_arg("-4@$-1", &a[0]), 0);
	CHECK(a[0].val == -1 && a[0].is_signed);

	CHECK_INT(usdt_parse_arg("-8@(%rax,%rbx,8)", &a[0]), 0);
	CHECK(a[0].kind == USDT_ARG_MEM && a[0].val == 0 && a[0].scale == 8);
	CHECK_STR(a[0].index_reg, "bx");
	CHECK_INT(usdt_arg_fetch(&a[0], buf, sizeof(buf)), -EOPNOTSUPP);

	CHECK_INT(usdt_parse_arg("1@%al", &a[0]), 0);
	CHECK_STR(a[0].reg, "ax");
	CHECK_INT(usdt_parse_arg("%r13d", &a[0]), 0);	/* old notes: no size */
	CHECK(a[0].size == 4);
	CHECK_STR(a[0].reg, "r13");
	CHECK_INT(usdt_parse_arg("8@24(%r15)", &a[0]), 0);
	CHECK_INT(usdt_arg_fetch(&a[0], buf, sizeof(buf)), 0);
	CHECK_STR(buf, "+24(%r15):u64");

	CHECK_INT(usdt_parse_arg("8@counter(%rip)", &a[0]), -EINVAL);
	CHECK_INT(usdt_parse_arg("3@%eax", &a[0]), -EINVAL);
	CHECK_INT(usdt_parse_arg("4@%xyz", &a[0]), -EINVAL);

	CHECK_INT(usdt_parse_args("-4@%edi 8@-16(%rbp)  4@$5", a, 4, err, sizeof(err)), 3);
	CHECK_INT(usdt_parse_args("-4@%edi 8@bogus", a, 4, err, sizeof(err)), -EINVAL);
	CHECK_STR(err, "cannot read USDT argument '8@bogus'");
	CHECK_INT(usdt_parse_args("", a, 4, err, sizeof(err)), 0);
}

/* "Location: 0x..., Base: 0x..., Semaphore: 0x..." of readelf -n */
static void readelf_note(const char *bin, const char *name, uint64_t *pc,
			 uint64_t *sema)
{
	char cmd[512], line[256];

	snprintf(cmd, sizeof(cmd),
		 "readelf -nW '%s' | awk '/Name: %s$/ { getline; gsub(\",\", \"\"); print $2, $6; exit }'",
		 bin, name);
	shell_line(cmd, line, sizeof(line));
	*pc = *sema = 0;
	if (*line) {
		unsigned long long p, s;

		if (sscanf(line, "%llx %llx", &p, &s) == 2) {
			*pc = p;
			*sema = s;
		}
	}
}

/* A semaphore's file offset from `readelf -SW`'s .probes section. */
static uint64_t readelf_sema_offset(const char *bin, uint64_t addr)
{
	char cmd[512], line[256];
	unsigned long long a, o;

	snprintf(cmd, sizeof(cmd),
		 "readelf -SW '%s' | sed 's/^ *\\[ *[0-9]*\\]//' | awk '$1 == \".probes\" { print $3, $4 }'",
		 bin);
	shell_line(cmd, line, sizeof(line));
	if (sscanf(line, "%llx %llx", &a, &o) != 2)
		return 0;
	return addr - a + o;
}

static void check_usdt(const char *bin)
{
	struct usdt_note *notes, *found[4];
	char err[USYM_ERR_MAX];
	uint64_t pc, sema;
	size_t n;

	CHECK_INT(usdt_read(bin, &notes, &n, err, sizeof(err)), 0);
	CHECK_INT(n, 2);
	CHECK_INT(usdt_find(notes, n, "sonde", "tick", found, 4), 1);
	if (n != 2 || usdt_find(notes, n, "sonde", "tick", found, 4) != 1) {
		usdt_free(notes, n);
		return;
	}
	readelf_note(bin, "tick", &pc, &sema);
	CHECK(pc && sema);
	CHECK_INT(found[0]->pc, pc);
	CHECK_INT(found[0]->offset, readelf_offset(bin, pc));
	CHECK_INT(found[0]->semaphore, nm_value(bin, "sonde_tick_semaphore", false));
	CHECK_INT(found[0]->sema_offset, readelf_sema_offset(bin, sema));
	CHECK(found[0]->args_ok);
	CHECK_INT(found[0]->nargs, 2);
	CHECK(found[0]->args[0].size == 4 && found[0]->args[0].is_signed);
	CHECK(found[0]->args[1].size == 8 && !found[0]->args[1].is_signed);
	CHECK_INT(usdt_find(notes, n, "sonde", "*", found, 4), 2);
	CHECK_INT(usdt_find(notes, n, NULL, "tock", found, 4), 1);
	CHECK_INT(usdt_find(notes, n, "other", NULL, found, 4), 0);
	usdt_free(notes, n);
}

TEST(usdt_probetarget)
{
	char err[USYM_ERR_MAX];
	struct usdt_note *notes;
	const char *bin;
	size_t n;

	CHECK_INT(usdt_read("/nope", &notes, &n, err, sizeof(err)), -ENOENT);
	CHECK_STR(err, "'/nope' does not exist");
	CHECK_INT(usdt_read("/usr/bin/true", &notes, &n, err, sizeof(err)), 0);
	CHECK_INT(n, 0);
	if (!have_binutils("usdt_probetarget"))
		return;
	if (access("/usr/include/x86_64-linux-gnu/sys/sdt.h", F_OK) &&
	    access("/usr/include/sys/sdt.h", F_OK))
		return skip("usdt_probetarget", "no <sys/sdt.h> (systemtap-sdt-dev)");
	bin = build_target("nopie-O0", "-O0 -g -no-pie -fno-pie");
	if (!bin)
		return skip("usdt_probetarget", "no cc");
	check_usdt(bin);
	bin = build_target("pie-O2", "-O2 -g -fPIE -pie");
	if (bin)
		check_usdt(bin);
}

/* ---- BTF ---- */

/* A small BTF made here: struct file { long f_mode; struct path f_path;
 * char f_name[16]; unsigned int f_flags:3, f_bits:5; }, struct path
 * { void *mnt; struct dentry *dentry; }, struct dentry { int d_flags;
 * struct qstr d_name; }, struct qstr { union { u64 hash_len; }; const
 * unsigned char *name; }, long vfs_read(struct file *file, char *buf,
 * unsigned long count). */
static struct btf *fixture_btf(void)
{
	struct btf *b = btf__new_empty();
	int t_int, t_long, t_ulong, t_char, t_uchar, t_cuchar, t_pcuchar, t_void_p;
	int t_u64, t_union, t_qstr, t_dentry, t_pdentry, t_path, t_file, t_pfile;
	int t_arr, t_uint, t_pchar, proto;

	if (!b)
		return NULL;
	t_int = btf__add_int(b, "int", 4, BTF_INT_SIGNED);
	t_long = btf__add_int(b, "long", 8, BTF_INT_SIGNED);
	t_ulong = btf__add_int(b, "unsigned long", 8, 0);
	t_uint = btf__add_int(b, "unsigned int", 4, 0);
	t_char = btf__add_int(b, "char", 1, BTF_INT_SIGNED);
	t_uchar = btf__add_int(b, "unsigned char", 1, 0);
	t_cuchar = btf__add_const(b, t_uchar);
	t_pcuchar = btf__add_ptr(b, t_cuchar);
	t_void_p = btf__add_ptr(b, 0);
	t_u64 = btf__add_typedef(b, "u64", t_ulong);
	t_union = btf__add_union(b, NULL, 8);
	btf__add_field(b, "hash_len", t_u64, 0, 0);
	t_qstr = btf__add_struct(b, "qstr", 16);
	btf__add_field(b, NULL, t_union, 0, 0);
	btf__add_field(b, "name", t_pcuchar, 64, 0);
	t_dentry = btf__add_struct(b, "dentry", 24);
	btf__add_field(b, "d_flags", t_int, 0, 0);
	btf__add_field(b, "d_name", t_qstr, 64, 0);
	t_pdentry = btf__add_ptr(b, t_dentry);
	t_path = btf__add_struct(b, "path", 16);
	btf__add_field(b, "mnt", t_void_p, 0, 0);
	btf__add_field(b, "dentry", t_pdentry, 64, 0);
	t_arr = btf__add_array(b, t_int, t_char, 16);
	t_file = btf__add_struct(b, "file", 48);
	btf__add_field(b, "f_mode", t_long, 0, 0);
	btf__add_field(b, "f_path", t_path, 64, 0);
	btf__add_field(b, "f_name", t_arr, 192, 0);
	btf__add_field(b, "f_flags", t_uint, 320, 3);
	btf__add_field(b, "f_bits", t_uint, 323, 5);
	t_pfile = btf__add_ptr(b, t_file);
	t_pchar = btf__add_ptr(b, t_char);
	proto = btf__add_func_proto(b, t_long);
	btf__add_func_param(b, "file", t_pfile);
	btf__add_func_param(b, "buf", t_pchar);
	btf__add_func_param(b, "count", t_ulong);
	if (btf__add_func(b, "vfs_read", BTF_FUNC_GLOBAL, proto) < 0) {
		btf__free(b);
		return NULL;
	}
	return b;
}

TEST(btf_args_fixture)
{
	struct btf *b = fixture_btf();
	struct btf_func_args fa;
	struct btf_access acc;
	char err[256];

	CHECK(b);
	if (!b)
		return;
	CHECK_INT(btf_args_func(b, "vfs_read.isra.0", &fa, err, sizeof(err)), 0);
	CHECK_INT(fa.nparams, 3);
	CHECK_STR(fa.params[0].name, "file");
	CHECK_STR(fa.params[0].type, "struct file *");
	CHECK(fa.params[0].is_struct_ptr && fa.params[0].size == 8);
	CHECK_STR(fa.params[0].struct_name, "file");
	CHECK_STR(fa.params[1].type, "char *");
	CHECK(fa.params[1].is_string);
	CHECK_STR(fa.params[2].type, "unsigned long");
	CHECK(!fa.params[2].is_signed && fa.params[2].size == 8);
	CHECK_STR(fa.ret.type, "long");
	CHECK(fa.ret.is_signed);

	CHECK_INT(btf_args_access(b, "vfs_read", "file->f_path.dentry->d_name.name",
				  &acc, err, sizeof(err)), 0);
	CHECK_INT(acc.param, 0);
	CHECK_INT(acc.nloads, 2);
	CHECK_INT(acc.loads[0].offset, 16);	/* f_path 8 + dentry 8 */
	CHECK_INT(acc.loads[0].size, 8);
	CHECK_INT(acc.loads[1].offset, 16);	/* d_name 8 + name 8 */
	CHECK_INT(acc.loads[1].size, 8);
	CHECK_STR(acc.result.type, "const unsigned char *");
	CHECK(acc.result.is_string && acc.result.is_ptr);

	/* a char array: its address, read as a string */
	CHECK_INT(btf_args_access(b, "vfs_read", "arg1->f_name", &acc, err, sizeof(err)), 0);
	CHECK_INT(acc.nloads, 1);
	CHECK_INT(acc.loads[0].offset, 24);
	CHECK_INT(acc.loads[0].size, 0);
	CHECK(acc.result.is_string && acc.result.is_array);
	CHECK_STR(acc.result.type, "char [16]");
	CHECK_INT(btf_args_access(b, "vfs_read", "file->f_name[2]", &acc, err, sizeof(err)), 0);
	CHECK_INT(acc.loads[0].offset, 26);
	CHECK_INT(acc.loads[0].size, 1);
	/* anonymous union members and bitfields */
	CHECK_INT(btf_args_access(b, "vfs_read", "file->f_path.dentry->d_name.hash_len",
				  &acc, err, sizeof(err)), 0);
	CHECK_INT(acc.loads[1].offset, 8);
	CHECK_STR(acc.result.type, "u64");
	CHECK_INT(btf_args_access(b, "vfs_read", "file->f_bits", &acc, err, sizeof(err)), 0);
	CHECK_INT(acc.loads[0].offset, 40);
	CHECK_INT(acc.bit_offset, 3);
	CHECK_INT(acc.bit_size, 5);
	CHECK_INT(acc.loads[0].size, 1);
	/* a bare parameter: no loads */
	CHECK_INT(btf_args_access(b, "vfs_read", "count", &acc, err, sizeof(err)), 0);
	CHECK_INT(acc.nloads, 0);
	CHECK_INT(acc.param, 2);

	CHECK_INT(btf_args_access(b, "vfs_read", "file->f_pth", &acc, err, sizeof(err)), -ENOENT);
	CHECK_STR(err, "'struct file' has no member 'f_pth'");
	CHECK_INT(btf_args_access(b, "vfs_read", "file.f_path", &acc, err, sizeof(err)), -EINVAL);
	CHECK_STR(err, "'file' is a pointer: use '->' not '.'");
	CHECK_INT(btf_args_access(b, "vfs_read", "file->f_path->dentry", &acc, err, sizeof(err)), -EINVAL);
	CHECK_STR(err, "'f_path' is not a pointer: use '.' not '->'");
	CHECK_INT(btf_args_access(b, "vfs_read", "count->x", &acc, err, sizeof(err)), -EINVAL);
	CHECK_STR(err, "'count' is 'unsigned long', not a pointer to a struct or union");
	CHECK_INT(btf_args_access(b, "vfs_read", "nosuch->x", &acc, err, sizeof(err)), -ENOENT);
	CHECK_STR(err, "'nosuch' is not a parameter of 'vfs_read'");
	CHECK_INT(btf_args_func(b, "vfs_write", &fa, err, sizeof(err)), -ENOENT);
	CHECK_STR(err, "no BTF for function 'vfs_write' (not in this kernel's BTF: inlined, in an unloaded module, or not a function)");
	btf__free(b);
}

TEST(btf_args_live)
{
	struct btf *btf = btf_args_vmlinux();
	struct btf_func_args fa;
	struct btf_access acc;
	char err[256];
	uint64_t t0;

	if (!btf)
		return skip("btf_args_live", "no kernel BTF");
	t0 = now_mono_ns();
	CHECK_INT(btf_args_func(NULL, "do_sys_openat2", &fa, err, sizeof(err)), 0);
	fprintf(stderr, "  btf: do_sys_openat2 looked up in %.2f ms\n", (now_mono_ns() - t0) / 1e6);
	CHECK_INT(fa.nparams, 3);
	CHECK_STR(fa.params[0].name, "dfd");
	CHECK_STR(fa.params[0].type, "int");
	CHECK_STR(fa.params[1].name, "filename");
	CHECK_STR(fa.params[1].type, "const char *");
	CHECK(fa.params[1].is_string);
	CHECK_STR(fa.params[2].type, "struct open_how *");
	CHECK(fa.params[2].is_struct_ptr);
	/* long until 6.x, int since */
	CHECK(!strcmp(fa.ret.type, "long") || !strcmp(fa.ret.type, "int"));
	CHECK(fa.ret.is_signed);

	CHECK_INT(btf_args_func(NULL, "vfs_read", &fa, err, sizeof(err)), 0);
	CHECK_INT(fa.nparams, 4);
	CHECK_STR(fa.params[0].type, "struct file *");
	CHECK_STR(fa.params[1].type, "char *");
	CHECK_STR(fa.params[2].type, "size_t");
	CHECK_STR(fa.params[3].type, "loff_t *");
	CHECK_STR(fa.ret.type, "ssize_t");
	CHECK(fa.ret.is_signed);

	CHECK_INT(btf_args_access(NULL, "vfs_read", "file->f_path.dentry->d_name.name",
				  &acc, err, sizeof(err)), 0);
	CHECK_INT(acc.nloads, 2);
	CHECK(acc.loads[0].size == 8 && acc.loads[1].size == 8);
	CHECK(acc.result.is_string);
	CHECK_INT(btf_args_access(NULL, "vfs_read", "file->f_pth", &acc, err, sizeof(err)), -ENOENT);
	CHECK_STR(err, "'struct file' has no member 'f_pth'");

	CHECK_INT(btf_args_raw_tracepoint(NULL, "sched:sched_switch", &fa, err, sizeof(err)), 0);
	CHECK(fa.nparams >= 3);
	CHECK_STR(fa.params[1].type, "struct task_struct *");
}

/* ---- DWARF ---- */

static const struct dwarf_var *find_var(const struct dwarf_func *f, const char *name)
{
	for (int i = 0; i < f->nvars; i++)
		if (!strcmp(f->vars[i].name, name))
			return &f->vars[i];
	return NULL;
}

static void check_dwarf_common(const char *bin, struct dwarf_func *f)
{
	char err[512], buf[64];
	const struct dwarf_var *v;

	CHECK_INT(dwarf_args_func(bin, "sonde_target_add", f, err, sizeof(err)), 0);
	CHECK_INT(f->nparams, 2);
	CHECK_STR(f->vars[0].name, "a");
	CHECK_STR(f->vars[0].type, "int");
	CHECK(f->vars[0].is_signed && f->vars[0].size == 4);
	CHECK_STR(f->vars[0].at_entry.desc, "%di");
	CHECK_STR(f->vars[1].at_entry.desc, "%si");
	CHECK_STR(f->vars[0].abi_reg, "di");
	CHECK_INT(dwarf_var_fetch(&f->vars[0], false, buf, sizeof(buf)), 0);
	CHECK_STR(buf, "%di:s32");
	CHECK_STR(f->ret_type, "int");
	CHECK_INT(f->entry_vaddr, nm_value(bin, "sonde_target_add", false));

	CHECK_INT(dwarf_args_func(bin, "sonde_target_greet", f, err, sizeof(err)), 0);
	CHECK_INT(f->nparams, 1);
	CHECK_STR(f->vars[0].type, "const char *");
	CHECK(f->vars[0].is_string && f->vars[0].is_ptr);
	CHECK_STR(f->ret_type, "const char *");
	CHECK_INT(dwarf_var_fetch(&f->vars[0], false, buf, sizeof(buf)), 0);
	CHECK_STR(buf, "+0(%di):string");

	CHECK_INT(dwarf_args_func(bin, "sonde_target_point", f, err, sizeof(err)), 0);
	CHECK_INT(f->nparams, 1);
	CHECK_STR(f->vars[0].type, "struct sonde_point *");
	v = find_var(f, "area");
	CHECK(v && !v->is_param);
	CHECK(find_var(f, "sum"));

	CHECK_INT(dwarf_args_func(bin, "no_such_function", f, err, sizeof(err)), -ENOENT);
	snprintf(buf, sizeof(buf), "no function 'no_such_function' in the debug info of '");
	CHECK(!strncmp(err, buf, strlen(buf)));
}

TEST(dwarf_args_O0)
{
	struct dwarf_func f;
	const char *bin = build_target("nopie-O0", "-O0 -g -no-pie -fno-pie");

	if (!bin || !have_binutils("dwarf_args_O0"))
		return skip("dwarf_args_O0", "no cc");
	check_dwarf_common(bin, &f);
	dwarf_args_func(bin, "sonde_target_add", &f, NULL, 0);
	/* after the prologue: frame slots below the frame pointer */
	CHECK(f.body_vaddr > f.entry_vaddr);
	CHECK(f.vars[0].at_body.kind == DLOC_MEM && !strcmp(f.vars[0].at_body.reg, "bp") &&
	      f.vars[0].at_body.offset < 0);
	CHECK_STR(f.debug_file, bin);
}

TEST(dwarf_args_O2)
{
	struct dwarf_func f;
	const char *bin = build_target("pie-O2", "-O2 -g -fPIE -pie");

	if (!bin || !have_binutils("dwarf_args_O2"))
		return skip("dwarf_args_O2", "no cc");
	check_dwarf_common(bin, &f);
	dwarf_args_func(bin, "sonde_target_add", &f, NULL, 0);
	CHECK_INT(f.vars[0].at_entry.kind, DLOC_REG);
}

TEST(dwarf_args_debuglink)
{
	char err[512], cmd[3 * PATH_MAX + 128], dbg[PATH_MAX], stripped[PATH_MAX];
	struct dwarf_func f;
	const char *bin = build_target("pie-O2", "-O2 -g -fPIE -pie");

	CHECK_INT(dwarf_args_func("/usr/bin/true", "main", &f, err, sizeof(err)), -ENODATA);
	CHECK_STR(err, "'/usr/bin/true' has no debug info (install its -dbgsym package or build with -g); probe arguments as arg1..arg6");
	CHECK_INT(dwarf_args_func("/nope", "main", &f, err, sizeof(err)), -ENOENT);
	CHECK_STR(err, "'/nope' does not exist");
	if (!bin || !have_tool("objcopy"))
		return skip("dwarf_args_debuglink", "no cc or objcopy");
	snprintf(dbg, sizeof(dbg), "%s/stripped.debug", build_dir);
	snprintf(stripped, sizeof(stripped), "%s/stripped", build_dir);
	snprintf(cmd, sizeof(cmd),
		 "objcopy --only-keep-debug %s %s && objcopy --strip-debug --add-gnu-debuglink=%s %s %s",
		 bin, dbg, dbg, bin, stripped);
	if (run_quiet(cmd))
		return skip("dwarf_args_debuglink", "objcopy failed");
	CHECK_INT(dwarf_args_func(stripped, "sonde_target_add", &f, err, sizeof(err)), 0);
	CHECK_STR(f.debug_file, dbg);
	CHECK_INT(f.nparams, 2);
	CHECK_STR(f.vars[1].at_entry.desc, "%si");
}

/* An ld.so.cache made here: glibc's "glibc-ld.so.cache1.1" layout, and
 * the same behind the old "ld.so-1.7.0" table (glibc < 2.32). */
static size_t make_ldcache(char *buf, bool with_old)
{
	struct { int32_t flags; uint32_t key, value, osversion; uint64_t hwcap; } ent[2];
	const char *strs[] = { "libfoo.so.1", "/opt/x/libfoo.so.1", "libbar.so.2", "/opt/y/libbar.so.2" };
	size_t off = 0, hdr, str;

	memset(buf, 0, 1024);
	if (with_old) {
		memcpy(buf, "ld.so-1.7.0", 11);
		*(uint32_t *)(buf + 12) = 1;		/* one 12-byte entry */
		off = (16 + 12 + 7) & ~7UL;
	}
	hdr = off;
	memcpy(buf + hdr, "glibc-ld.so.cache1.1", 20);
	*(uint32_t *)(buf + hdr + 20) = 2;		/* nlibs */
	str = 48 + sizeof(ent);				/* header, entries, strings */
	for (int i = 0; i < 2; i++) {
		ent[i].flags = i == 0 ? 0x0303 : 0x0003;	/* x86-64 libc6; i386 */
		ent[i].key = str;
		str += strlen(strs[2 * i]) + 1;
		ent[i].value = str;
		str += strlen(strs[2 * i + 1]) + 1;
		ent[i].osversion = 0;
		ent[i].hwcap = 0;
	}
	memcpy(buf + hdr + 48, ent, sizeof(ent));
	str = hdr + 48 + sizeof(ent);
	for (int i = 0; i < 4; i++) {
		strcpy(buf + str, strs[i]);
		str += strlen(strs[i]) + 1;
	}
	*(uint32_t *)(buf + hdr + 24) = str - (hdr + 48 + sizeof(ent));
	return str;
}

static int collect_cache(const char *soname, const char *path, void *ctx)
{
	char *buf = ctx;

	strcat(buf, soname);
	strcat(buf, "=");
	strcat(buf, path);
	strcat(buf, " ");
	return 0;
}

TEST(usym_ldcache_fixture)
{
	char cache[1024], seen[256];
	size_t len;

	for (int old = 0; old < 2; old++) {
		len = make_ldcache(cache, old);
		seen[0] = '\0';
		CHECK_INT(usym_ldcache_parse(cache, len, collect_cache, seen), 1);
		CHECK_STR(seen, "libfoo.so.1=/opt/x/libfoo.so.1 ");
		/* truncated or foreign data is refused, not overread */
		CHECK_INT(usym_ldcache_parse(cache, 30, NULL, NULL), -EINVAL);
	}
	CHECK_INT(usym_ldcache_parse("not a cache at all, not at all", 30, NULL, NULL), -EINVAL);
}
