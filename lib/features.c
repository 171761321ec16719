// SPDX-License-Identifier: GPL-2.0
/*
 * Kernel feature probing: every fact of SONDE_FACTS is decided by trying
 * the thing itself (load a two-instruction program, open an event, create
 * and remove a probe), never from the version string, and keeps the call
 * and errno that decided it. Runs once per process, in a few ms (the
 * attaching depth, see probe_fentry, costs more); every fd is closed and
 * every tracefs object removed before features_get() returns.
 *
 * libbpf's messages are routed here too (libbpf_print below), so no
 * libbpf warning reaches stderr unless -vv asks for it.
 */
#include <errno.h>
#include <fcntl.h>
#include <mntent.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <linux/btf.h>
#include <linux/perf_event.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "kernel_facts.h"
#include "privilege.h"
#include "sonde.h"
#include "util.h"

const struct fact_desc fact_descs[] = {
#define X(n, d) { #n, d, offsetof(struct kernel_facts, n) },
	SONDE_FACTS(X)
#undef X
};
const size_t fact_descs_count = ARRAY_SIZE(fact_descs);

static struct kernel_facts facts;
static bool facts_probed, tracefs_located;

/* ---- libbpf messages: one place, shown only with -vv (debug: -vvv) ---- */

static int libbpf_print(enum libbpf_print_level level, const char *fmt,
			va_list ap)
{
	char *buf;
	size_t n;

	if (g_opts.verbose < 2 || (level == LIBBPF_DEBUG && g_opts.verbose < 3))
		return 0;
	/* whole: a verifier log is one long message */
	if (vasprintf(&buf, fmt, ap) < 0)
		return 0;
	n = strlen(buf);
	while (n && buf[n - 1] == '\n')
		buf[--n] = '\0';
	vinfo("libbpf: %s", buf);
	free(buf);
	return 0;
}

/* Installed before main() so no libbpf call anywhere can print first. */
__attribute__((constructor)) static void libbpf_print_setup(void)
{
	libbpf_set_print(libbpf_print);
}

/* ---- small helpers ---- */

/* Run one probe; -vv says how long it took (some wait for the kernel). */
#define TIMED(call) do {						\
	uint64_t t0_ = now_mono_ns();					\
	call;								\
	if (g_opts.verbose >= 2)					\
		vinfo("probe %s: %.2f ms", #call,			\
		      (now_mono_ns() - t0_) / 1e6);			\
} while (0)

const char *errno_name(int err)
{
	static __thread char buf[16];
	const char *s = err ? strerrorname_np(err) : NULL;

	if (s)
		return s;
	snprintf(buf, sizeof(buf), "E%d", err);
	return buf;
}

const char *fact_state_name(enum fact_state st)
{
	return st == FACT_YES ? "yes" : st == FACT_NO ? "no" : "unknown";
}

static void fact_vset(struct fact *f, enum fact_state st, int err,
		      const char *fmt, va_list ap)
{
	f->state = st;
	f->err = err < 0 ? -err : err;
	vsnprintf(f->evidence, sizeof(f->evidence), fmt, ap);
}

void fact_set(struct fact *f, enum fact_state st, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fact_vset(f, st, err, fmt, ap);
	va_end(ap);
}

/* A fact that failed because another did: same errno, evidence says why. */
static void fact_inherit(struct fact *f, const char *what, const struct fact *from)
{
	fact_set(f, from->state == FACT_NO ? FACT_NO : FACT_UNKNOWN, from->err,
		 "%s: %s", what, from->evidence);
}

static int sys_perf_event_open(struct perf_event_attr *attr, pid_t pid,
			       int cpu, int group, unsigned long flags)
{
	int fd = syscall(__NR_perf_event_open, attr, pid, cpu, group,
			 flags | PERF_FLAG_FD_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

static void tpath(char *buf, size_t size, const char *file)
{
	snprintf(buf, size, "%s/%s", facts.tracefs_path, file);
}

static bool tfile_exists(const char *file)
{
	char p[256];

	tpath(p, sizeof(p), file);
	return access(p, F_OK) == 0;
}

/* ---- tracefs location ---- */

struct mounts {
	char tracefs[128];
	char debugfs[128];	/* a debugfs mount with a tracing/ directory */
	char securityfs[128];
};

static void mounts_scan(struct mounts *m)
{
	FILE *fp = setmntent("/proc/mounts", "re");
	struct mntent *e;
	char p[256];

	memset(m, 0, sizeof(*m));
	if (!fp)
		return;
	while ((e = getmntent(fp))) {
		if (!strcmp(e->mnt_type, "tracefs") && !m->tracefs[0]) {
			snprintf(m->tracefs, sizeof(m->tracefs), "%s", e->mnt_dir);
		} else if (!strcmp(e->mnt_type, "debugfs") && !m->debugfs[0]) {
			snprintf(p, sizeof(p), "%s/tracing", e->mnt_dir);
			if (access(p, F_OK) == 0)
				snprintf(m->debugfs, sizeof(m->debugfs), "%s", p);
		} else if (!strcmp(e->mnt_type, "securityfs") && !m->securityfs[0]) {
			snprintf(m->securityfs, sizeof(m->securityfs), "%s", e->mnt_dir);
		}
	}
	endmntent(fp);
}

static struct mounts mounts;

static void tracefs_locate(void)
{
	struct fact *f = &facts.tracefs;
	const char *how = "/proc/mounts";
	char p[256];
	int tr_err = 0, dbg_err = 0, fd;

	if (tracefs_located)
		return;
	tracefs_located = true;
	mounts_scan(&mounts);
	if (mounts.tracefs[0]) {
		snprintf(facts.tracefs_path, sizeof(facts.tracefs_path), "%s",
			 mounts.tracefs);
	} else if (mounts.debugfs[0]) {
		snprintf(facts.tracefs_path, sizeof(facts.tracefs_path), "%s",
			 mounts.debugfs);
		how = "/proc/mounts (debugfs)";
	} else if (!mount("nodev", "/sys/kernel/tracing", "tracefs", 0, NULL)) {
		strcpy(facts.tracefs_path, "/sys/kernel/tracing");
		facts.tracefs_mounted_by_us = true;
		how = "mount(tracefs)";
	} else {
		tr_err = errno;
		/* Kernels before 4.1 have tracefs only inside debugfs. */
		if (!mount("nodev", "/sys/kernel/debug", "debugfs", 0, NULL)) {
			if (access("/sys/kernel/debug/tracing", F_OK) == 0) {
				strcpy(facts.tracefs_path, "/sys/kernel/debug/tracing");
				facts.tracefs_mounted_by_us = true;
				how = "mount(debugfs)";
			} else {
				dbg_err = ENOENT;
				umount("/sys/kernel/debug");
			}
		} else {
			dbg_err = errno;
		}
	}
	if (!facts.tracefs_path[0]) {
		fact_set(f, FACT_NO, tr_err,
			 "not in /proc/mounts; mount(tracefs, /sys/kernel/tracing): %s; "
			 "/sys/kernel/debug/tracing: %s",
			 errno_name(tr_err), errno_name(dbg_err));
		return;
	}
	/* Mounted is not enough: the directory may not be ours to read. */
	tpath(p, sizeof(p), "available_events");
	fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fact_set(f, FACT_NO, errno, "%s: %s", p, errno_name(errno));
		return;
	}
	close(fd);
	fact_set(f, FACT_YES, 0, "%s: %s", how, facts.tracefs_path);
}

const char *features_tracefs_path(void)
{
	privilege_enforce();
	tracefs_locate();
	return facts.tracefs_path[0] ? facts.tracefs_path : NULL;
}

/* ---- tracefs facts ---- */

/*
 * Can we write tracefs? Opening a control file for writing passes the same
 * gates a real write does (file mode, read-only mount, lockdown=
 * confidentiality refuses every tracefs open with EPERM) and changes
 * nothing; instances/ must be writable for our private instance. A real
 * mkdir+rmdir of an instance was measured at 35-60 ms on 6.18 (the rmdir
 * waits for RCU grace periods), too slow for every command start.
 */
static void probe_tracefs_write(void)
{
	struct fact *f = &facts.tracefs_write;
	char p[256];
	int fd;

	tpath(p, sizeof(p), "trace_marker");
	fd = open(p, O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		fact_set(f, FACT_NO, errno, "open(%s, O_WRONLY): %s", p,
			 errno_name(errno));
		return;
	}
	close(fd);
	tpath(p, sizeof(p), "instances");
	if (access(p, W_OK)) {
		fact_set(f, FACT_NO, errno, "access(%s, W_OK): %s", p,
			 errno_name(errno));
		return;
	}
	fact_set(f, FACT_YES, 0, "open(trace_marker, O_WRONLY); %s writable", p);
}

static void probe_file_exists(struct fact *f, const char *file)
{
	char p[256];

	tpath(p, sizeof(p), file);
	if (access(p, F_OK))
		fact_set(f, FACT_NO, errno, "%s: %s", p, errno_name(errno));
	else
		fact_set(f, FACT_YES, 0, "%s", p);
}

/* Event probes: create one on an existing tracepoint and remove it. */
static void probe_eprobes(void)
{
	static const char *const targets[][2] = {
		{ "syscalls", "sys_enter_openat" },
		{ "sched", "sched_switch" },
		{ "sched", "sched_process_exec" },
	};
	struct fact *f = &facts.eprobes;
	char p[256], def[128], ev[128];
	int i, err;

	if (facts.dynamic_events.state != FACT_YES) {
		fact_inherit(f, "no dynamic_events", &facts.dynamic_events);
		return;
	}
	for (i = 0; i < (int)ARRAY_SIZE(targets); i++) {
		snprintf(ev, sizeof(ev), "events/%s/%s", targets[i][0], targets[i][1]);
		if (tfile_exists(ev))
			break;
	}
	if (i == (int)ARRAY_SIZE(targets)) {
		fact_set(f, FACT_UNKNOWN, ENOENT, "no tracepoint to attach a test eprobe to");
		return;
	}
	tpath(p, sizeof(p), "dynamic_events");
	snprintf(def, sizeof(def), "e:sonde_%d/chk %s.%s", (int)getpid(),
		 targets[i][0], targets[i][1]);
	err = write_text_file(p, def, true);
	if (err) {
		fact_set(f, FACT_NO, err, "%s '%s': %s", p, def, errno_name(-err));
		return;
	}
	snprintf(def, sizeof(def), "-:sonde_%d/chk", (int)getpid());
	err = write_text_file(p, def, true);
	if (err)
		warning("cannot remove test eprobe '%s': %s", def, strerror(-err));
	fact_set(f, FACT_YES, 0, "%s 'e:sonde_%d/chk %s.%s' created and removed",
		 p, (int)getpid(), targets[i][0], targets[i][1]);
}

static void probe_kprobe_args(void)
{
	struct fact *f = &facts.kprobe_args;
	char p[256];
	char *buf;
	int n;

	if (facts.kprobe_events.state != FACT_YES) {
		fact_inherit(f, "no kprobe_events", &facts.kprobe_events);
		return;
	}
	tpath(p, sizeof(p), "README");
	buf = malloc(64 * 1024);
	if (!buf) {
		fact_set(f, FACT_UNKNOWN, ENOMEM, "%s: ENOMEM", p);
		return;
	}
	n = read_text_file(p, buf, 64 * 1024);
	if (n < 0)
		fact_set(f, FACT_UNKNOWN, -n, "%s: %s", p, errno_name(-n));
	else if (strstr(buf, "$arg<N>"))
		fact_set(f, FACT_YES, 0, "%s lists $arg<N>", p);
	else
		fact_set(f, FACT_NO, 0, "%s does not list $arg<N>", p);
	free(buf);
}

static void probe_hist(void)
{
	static const char *const files[] = {
		"events/sched/sched_switch/hist",
		"events/sched/sched_process_exec/hist",
		"events/raw_syscalls/sys_enter/hist",
	};
	char p[256];

	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		if (tfile_exists(files[i])) {
			tpath(p, sizeof(p), files[i]);
			fact_set(&facts.hist_triggers, FACT_YES, 0, "%s", p);
			return;
		}
	}
	tpath(p, sizeof(p), files[0]);
	fact_set(&facts.hist_triggers, FACT_NO, ENOENT, "%s: ENOENT", p);
}

/*
 * A tracer is usable when it is listed and its function list can be read:
 * under lockdown the tracer stays listed but available_filter_functions
 * (like set_ftrace_filter and current_tracer) answers EPERM.
 */
static void probe_function_tracers(void)
{
	static const char *const names[] = { "function", "function_graph" };
	struct fact *fs[] = { &facts.function_tracer, &facts.function_graph };
	char tracers[512], p[256], q[256], buf[256];
	int n, fd, ferr = 0;

	tpath(p, sizeof(p), "available_tracers");
	n = read_text_file(p, tracers, sizeof(tracers));
	if (n < 0) {
		fact_set(&facts.function_tracer, FACT_UNKNOWN, -n, "%s: %s", p,
			 errno_name(-n));
		facts.function_graph = facts.function_tracer;
		return;
	}
	tpath(q, sizeof(q), "available_filter_functions");
	fd = open(q, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || read(fd, buf, sizeof(buf)) < 0)
		ferr = errno;
	if (fd >= 0)
		close(fd);

	for (int i = 0; i < 2; i++) {
		bool listed = false;
		char *save, *tok, copy[512];

		strcpy(copy, tracers);
		for (tok = strtok_r(copy, " \t\n", &save); tok;
		     tok = strtok_r(NULL, " \t\n", &save))
			if (!strcmp(tok, names[i]))
				listed = true;
		if (!listed)
			fact_set(fs[i], FACT_NO, 0, "'%s' not in %s", names[i], p);
		else if (ferr)
			fact_set(fs[i], FACT_NO, ferr, "listed, but %s: %s", q,
				 errno_name(ferr));
		else
			fact_set(fs[i], FACT_YES, 0, "listed in %s; %s readable",
				 p, q);
	}
}

static void probe_tracefs(void)
{
	if (facts.tracefs.state != FACT_YES) {
		const char *what = "no tracefs";

		fact_inherit(&facts.tracefs_write, what, &facts.tracefs);
		fact_inherit(&facts.kprobe_events, what, &facts.tracefs);
		fact_inherit(&facts.uprobe_events, what, &facts.tracefs);
		fact_inherit(&facts.dynamic_events, what, &facts.tracefs);
		fact_inherit(&facts.eprobes, what, &facts.tracefs);
		fact_inherit(&facts.kprobe_args, what, &facts.tracefs);
		fact_inherit(&facts.hist_triggers, what, &facts.tracefs);
		fact_inherit(&facts.synth_events, what, &facts.tracefs);
		fact_inherit(&facts.function_tracer, what, &facts.tracefs);
		fact_inherit(&facts.function_graph, what, &facts.tracefs);
		return;
	}
	TIMED(probe_tracefs_write());
	TIMED(probe_file_exists(&facts.kprobe_events, "kprobe_events"));
	TIMED(probe_file_exists(&facts.uprobe_events, "uprobe_events"));
	TIMED(probe_file_exists(&facts.dynamic_events, "dynamic_events"));
	TIMED(probe_file_exists(&facts.synth_events, "synthetic_events"));
	TIMED(probe_eprobes());
	TIMED(probe_kprobe_args());
	TIMED(probe_hist());
	TIMED(probe_function_tracers());
}

/* ---- perf_event_open facts ---- */

static int pmu_type(const char *pmu, char *ev, size_t evsize)
{
	char p[128];
	long long v;
	int err;

	snprintf(p, sizeof(p), "/sys/bus/event_source/devices/%s/type", pmu);
	err = read_int_file(p, &v);
	snprintf(ev, evsize, "%s", p);
	return err ? err : (int)v;
}

static void probe_perf_open(struct fact *f, __u32 type, __u64 config,
			    const char *what)
{
	struct perf_event_attr attr = {
		.size = sizeof(attr), .type = type, .config = config,
		.disabled = 1,
	};
	int fd = sys_perf_event_open(&attr, -1, 0, -1, 0);

	if (fd < 0) {
		fact_set(f, FACT_NO, fd, "perf_event_open(%s, cpu 0): %s", what,
			 errno_name(-fd));
		return;
	}
	close(fd);
	fact_set(f, FACT_YES, 0, "perf_event_open(%s, cpu 0)", what);
}

/*
 * Closing a real tracepoint perf event costs a
 * tracepoint_synchronize_unregister() (17-37 ms measured on 6.18), so the
 * probe asks for a tracepoint id that does not exist: perf_event_open runs
 * its early permission checks (perf_event_paranoid for kernel events, LSM
 * hooks) and finds the tracepoint PMU before it looks the id up and
 * answers EINVAL; nothing gets registered. The two checks that come after
 * the lookup are covered by other facts: CPU-wide events (the real
 * cpu-clock open of perf_sw) and raw samples, which need CAP_SYS_ADMIN
 * unless perf_event_paranoid is -1 (perf_trace_event_perm()).
 */
static void probe_perf_tracepoint(struct fact *f)
{
	struct perf_event_attr attr = {
		.size = sizeof(attr), .type = PERF_TYPE_TRACEPOINT,
		.config = ~0ull, .disabled = 1,
	};
	int fd = sys_perf_event_open(&attr, -1, 0, -1, 0);

	if (fd >= 0) {
		close(fd);	/* cannot happen: no such id */
	} else if (fd != -EINVAL) {
		fact_set(f, FACT_NO, fd, "perf_event_open(tracepoint, cpu 0): %s",
			 errno_name(-fd));
		return;
	}
	if (facts.perf_sw.state != FACT_YES) {
		fact_inherit(f, "no CPU-wide events", &facts.perf_sw);
		return;
	}
	if (facts.perf_event_paranoid > -1 && !facts.cap_sys_admin) {
		fact_set(f, FACT_NO, EPERM,
			 "raw tracepoint samples need CAP_SYS_ADMIN (perf_event_paranoid=%d): EPERM",
			 facts.perf_event_paranoid);
		return;
	}
	fact_set(f, FACT_YES, 0,
		 "perf_event_open(tracepoint, cpu 0) passes its permission checks (EINVAL for an unused id)");
}

/* Tracepoint id of events/<sys>/<name>, or -errno. */
static int tracepoint_id(const char *sys, const char *name)
{
	char p[256], rel[128];
	long long id;
	int err;

	snprintf(rel, sizeof(rel), "events/%s/%s/id", sys, name);
	tpath(p, sizeof(p), rel);
	err = read_int_file(p, &id);
	return err ? err : (int)id;
}

/*
 * The kprobe/uprobe PMU exists, and opening it passes the permission check
 * (CAP_PERFMON) that comes before the target is looked up: the target does
 * not exist, so the answer is ENOENT (EINVAL on some older kernels) and
 * nothing is registered, where a real probe would cost RCU grace periods
 * on release.
 */
static void probe_pmu(struct fact *f, const char *pmu, const char *target)
{
	struct perf_event_attr attr = {
		.size = sizeof(attr), .config1 = (__u64)(uintptr_t)target,
	};
	char ev[160];
	int type = pmu_type(pmu, ev, sizeof(ev)), fd;

	if (type < 0) {
		fact_set(f, FACT_NO, type, "%s: %s", ev, errno_name(-type));
		return;
	}
	attr.type = type;
	fd = sys_perf_event_open(&attr, -1, 0, -1, 0);
	if (fd >= 0) {
		close(fd);
		fact_set(f, FACT_YES, 0, "perf_event_open(%s PMU %s)", pmu, target);
	} else if (fd == -ENOENT || fd == -EINVAL) {
		fact_set(f, FACT_YES, 0, "perf_event_open(%s PMU %s): %s, so permitted",
			 pmu, target, errno_name(-fd));
	} else {
		fact_set(f, FACT_NO, fd, "perf_event_open(%s PMU %s): %s", pmu,
			 target, errno_name(-fd));
	}
}

static void probe_perf(void)
{
	struct fact *f;
	int t;

	probe_perf_open(&facts.perf_sw, PERF_TYPE_SOFTWARE,
			PERF_COUNT_SW_CPU_CLOCK, "software cpu-clock");
	probe_perf_open(&facts.perf_hw, PERF_TYPE_HARDWARE,
			PERF_COUNT_HW_CPU_CYCLES, "hardware cpu-cycles");

	f = &facts.perf_tracepoint;
	if (facts.tracefs.state != FACT_YES) {
		fact_inherit(f, "no tracefs for tracepoint ids", &facts.tracefs);
	} else if ((t = tracepoint_id("sched", "sched_switch")) < 0) {
		fact_set(f, FACT_UNKNOWN, t, "%s/events/sched/sched_switch/id: %s",
			 facts.tracefs_path, errno_name(-t));
	} else {
		probe_perf_tracepoint(f);
	}

	probe_pmu(&facts.perf_uprobe_pmu, "uprobe", "/nonexistent/sonde");
	probe_pmu(&facts.perf_kprobe_pmu, "kprobe", "sonde_no_such_function");
}

/* ---- BTF: a minimal reader (libbpf's full parse costs 10-30 ms) ---- */

/* Names looked up in vmlinux BTF, each a (kind, name) pair. */
enum { BTF_TP_SWITCH, BTF_FUNC0, BTF_FUNC1, BTF_FUNC2, BTF_NWANT };
static const struct { int kind; const char *name; } btf_want[BTF_NWANT] = {
	[BTF_TP_SWITCH] = { BTF_KIND_TYPEDEF, "btf_trace_sched_switch" },
	[BTF_FUNC0] = { BTF_KIND_FUNC, "vfs_read" },
	[BTF_FUNC1] = { BTF_KIND_FUNC, "do_sys_openat2" },
	[BTF_FUNC2] = { BTF_KIND_FUNC, "do_sys_open" },
};

/*
 * Walk every type of the BTF blob (so a truncated or foreign blob fails)
 * and record the ids of btf_want[]. Returns 0, or -1 with why in err.
 */
static int btf_scan(const char *data, size_t size, __u32 ids[BTF_NWANT],
		    char *err, size_t errsz)
{
	const struct btf_header *h = (const void *)data;
	const char *types, *strs;
	__u32 off = 0, id = 1;

	memset(ids, 0, sizeof(__u32) * BTF_NWANT);
	if (size < sizeof(*h) || h->magic != BTF_MAGIC || h->version != 1 ||
	    h->hdr_len > size ||
	    (size_t)h->hdr_len + h->type_off + h->type_len > size ||
	    (size_t)h->hdr_len + h->str_off + h->str_len > size) {
		snprintf(err, errsz, "bad BTF header");
		return -1;
	}
	types = data + h->hdr_len + h->type_off;
	strs = data + h->hdr_len + h->str_off;
	while (off + sizeof(struct btf_type) <= h->type_len) {
		const struct btf_type *t = (const void *)(types + off);
		int kind = BTF_INFO_KIND(t->info), vlen = BTF_INFO_VLEN(t->info);
		size_t extra;

		switch (kind) {
		case BTF_KIND_INT: extra = 4; break;
		case BTF_KIND_ARRAY: extra = sizeof(struct btf_array); break;
		case BTF_KIND_STRUCT:
		case BTF_KIND_UNION: extra = vlen * sizeof(struct btf_member); break;
		case BTF_KIND_ENUM: extra = vlen * sizeof(struct btf_enum); break;
		case BTF_KIND_FUNC_PROTO: extra = vlen * sizeof(struct btf_param); break;
		case BTF_KIND_VAR: extra = sizeof(struct btf_var); break;
		case BTF_KIND_DATASEC: extra = vlen * sizeof(struct btf_var_secinfo); break;
		case BTF_KIND_DECL_TAG: extra = sizeof(struct btf_decl_tag); break;
		case BTF_KIND_ENUM64: extra = vlen * sizeof(struct btf_enum64); break;
		case BTF_KIND_PTR: case BTF_KIND_FWD: case BTF_KIND_TYPEDEF:
		case BTF_KIND_VOLATILE: case BTF_KIND_CONST: case BTF_KIND_RESTRICT:
		case BTF_KIND_FUNC: case BTF_KIND_FLOAT: case BTF_KIND_TYPE_TAG:
			extra = 0;
			break;
		default:
			snprintf(err, errsz, "unknown BTF kind %d at type %u", kind, id);
			return -1;
		}
		if ((kind == BTF_KIND_FUNC || kind == BTF_KIND_TYPEDEF) &&
		    t->name_off < h->str_len) {
			const char *name = strs + t->name_off;

			for (int i = 0; i < BTF_NWANT; i++)
				if (!ids[i] && btf_want[i].kind == kind &&
				    !strcmp(name, btf_want[i].name))
					ids[i] = id;
		}
		off += sizeof(struct btf_type) + extra;
		id++;
	}
	if (off != h->type_len) {
		snprintf(err, errsz, "BTF type section truncated at type %u", id);
		return -1;
	}
	return 0;
}

static __u32 btf_ids[BTF_NWANT];

static void probe_btf(void)
{
	static const char path[] = "/sys/kernel/btf/vmlinux";
	struct fact *f = &facts.btf;
	char why[96];
	struct stat st;
	char *data;
	bool mapped = false;
	ssize_t n = 0, r;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		fact_set(f, FACT_NO, errno, "%s: %s", path, errno_name(errno));
		return;
	}
	if (fstat(fd, &st) || st.st_size <= 0) {
		close(fd);
		fact_set(f, FACT_NO, 0, "%s: empty", path);
		return;
	}
	/* Kernels since 6.16 let vmlinux BTF be mapped; older ones read it. */
	data = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (data != MAP_FAILED) {
		mapped = true;
		n = st.st_size;
	} else if ((data = malloc(st.st_size))) {
		while (n < st.st_size && (r = read(fd, data + n, st.st_size - n)) > 0)
			n += r;
	}
	close(fd);
	if (!data)
		fact_set(f, FACT_UNKNOWN, ENOMEM, "%s: ENOMEM", path);
	else if (n == 0)
		fact_set(f, FACT_NO, 0, "%s: empty", path);
	else if (btf_scan(data, n, btf_ids, why, sizeof(why)))
		fact_set(f, FACT_NO, 0, "%s: %s", path, why);
	else
		fact_set(f, FACT_YES, 0, "%s: %zd bytes, parsed", path, n);
	if (mapped)
		munmap(data, st.st_size);
	else
		free(data);
}

/* ---- BPF facts ---- */

/* r0 = 0; exit */
static const struct bpf_insn ret0[] = {
	{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
	{ .code = BPF_JMP | BPF_EXIT },
};

/* Kernels before 5.0 refuse kprobe programs whose kern_version does not
 * match the running kernel; this is the only use of the release string. */
static __u32 kern_version(void)
{
	unsigned a = 0, b = 0, c = 0;

	sscanf(facts.release, "%u.%u.%u", &a, &b, &c);
	return (a << 16) + (b << 8) + (c > 255 ? 255 : c);
}

static int prog_load(enum bpf_prog_type type, enum bpf_attach_type eat,
		     __u32 btf_id)
{
	LIBBPF_OPTS(bpf_prog_load_opts, opts,
		.expected_attach_type = eat,
		.attach_btf_id = btf_id,
		.kern_version = type == BPF_PROG_TYPE_KPROBE ? kern_version() : 0,
	);
	int fd = bpf_prog_load(type, NULL, "GPL", ret0, ARRAY_SIZE(ret0), &opts);

	return fd < 0 ? -errno : fd;
}

/* Load a program of type; the fact is yes when the kernel accepts it. */
static void probe_load(struct fact *f, enum bpf_prog_type type, const char *what)
{
	int fd = prog_load(type, 0, 0);

	if (fd < 0) {
		fact_set(f, FACT_NO, fd, "bpf(BPF_PROG_LOAD %s): %s", what,
			 errno_name(-fd));
		return;
	}
	close(fd);
	fact_set(f, FACT_YES, 0, "bpf(BPF_PROG_LOAD %s)", what);
}

static const char *btf_func_name(__u32 *id)
{
	for (int i = BTF_FUNC0; i <= BTF_FUNC2; i++)
		if (btf_ids[i]) {
			*id = btf_ids[i];
			return btf_want[i].name;
		}
	return NULL;
}

/*
 * Close an attached test program and wait until the kernel has freed it:
 * a detached link can keep its program for an RCU grace period (kprobe_multi
 * links since 6.9), and nothing of ours may outlive the process, not even
 * for a moment in `bpftool prog list`. Looking at the id list takes no
 * reference. Gives up after a second.
 */
static void prog_close_wait(int fd)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info), next;

	if (bpf_obj_get_info_by_fd(fd, &info, &len) || !info.id) {
		close(fd);
		return;
	}
	close(fd);
	for (int i = 0; i < 1000; i++) {
		if (bpf_prog_get_next_id(info.id - 1, &next) || next != info.id)
			return;
		usleep(1000);
	}
	warning("test program %u still loaded after 1 s", info.id);
}

/*
 * Load only, at both depths: the load is where BTF and the LSM hooks
 * decide, and a detached raw tracepoint link frees its program only after
 * an RCU grace period, so an attach would leave the program visible to
 * `bpftool prog list` for a moment after we exit.
 */
static void probe_tp_btf(void)
{
	struct fact *f = &facts.bpf_tp_btf;
	int fd;

	if (facts.btf.state != FACT_YES) {
		fact_inherit(f, "no BTF", &facts.btf);
		return;
	}
	if (!btf_ids[BTF_TP_SWITCH]) {
		fact_set(f, FACT_UNKNOWN, ENOENT, "btf_trace_sched_switch not in vmlinux BTF");
		return;
	}
	fd = prog_load(BPF_PROG_TYPE_TRACING, BPF_TRACE_RAW_TP,
		       btf_ids[BTF_TP_SWITCH]);
	if (fd < 0) {
		fact_set(f, FACT_NO, fd, "bpf(BPF_PROG_LOAD tracing/tp_btf sched_switch): %s",
			 errno_name(-fd));
		return;
	}
	close(fd);
	fact_set(f, FACT_YES, 0, "bpf(BPF_PROG_LOAD tracing/tp_btf sched_switch)");
}

/*
 * Two depths. features_get() loads the test programs: the verifier, BTF
 * and the LSM hooks all run at load, which is where the host's lockdown
 * refuses fentry (EPERM). features_get_attach() also attaches them, which
 * catches the rest (no ftrace direct calls for fentry, lockdown=
 * confidentiality for kprobes) but costs RCU grace periods on detach:
 * measured under qemu TCG, fentry 50-220 ms, a kprobe 80-140 ms,
 * kprobe_multi 210-290 ms. Commands use the first and fall back when an
 * attach fails (features_refute()); `sonde features` uses the second.
 *
 * For fentry BTF is not proof: the program must load against a real
 * function (what libbpf-tools' fentry_can_attach() checks).
 */
static void probe_fentry(bool attach)
{
	struct fact *f = &facts.fentry;
	const char *fn;
	__u32 id;
	int fd, link;

	if (facts.btf.state != FACT_YES) {
		fact_inherit(f, "no BTF", &facts.btf);
		return;
	}
	fn = btf_func_name(&id);
	if (!fn) {
		fact_set(f, FACT_UNKNOWN, ENOENT, "no test function in vmlinux BTF");
		return;
	}
	fd = prog_load(BPF_PROG_TYPE_TRACING, BPF_TRACE_FENTRY, id);
	if (fd < 0) {
		fact_set(f, FACT_NO, fd, "bpf(BPF_PROG_LOAD tracing/fentry %s): %s",
			 fn, errno_name(-fd));
		return;
	}
	if (!attach) {
		fact_set(f, FACT_YES, 0, "bpf(BPF_PROG_LOAD tracing/fentry %s)", fn);
	} else if ((link = bpf_raw_tracepoint_open(NULL, fd)) < 0) {
		fact_set(f, FACT_NO, errno,
			 "bpf(BPF_RAW_TRACEPOINT_OPEN fentry/%s): %s", fn,
			 errno_name(errno));
	} else {
		close(link);
		fact_set(f, FACT_YES, 0, "fentry/%s loaded and attached", fn);
	}
	prog_close_wait(fd);
}

/*
 * Attach prog_fd through a tracefs probe event: for kernels without the
 * kprobe PMU (before 4.17). The event is "p:sonde_<pid>/chk TARGET".
 */
static int tracefs_probe_attach(const char *file, const char *target, int prog_fd)
{
	char p[256], def[320], ev[128];
	int id, fd, err;
	struct perf_event_attr attr = { .size = sizeof(attr), .type = PERF_TYPE_TRACEPOINT };

	tpath(p, sizeof(p), file);
	snprintf(def, sizeof(def), "p:sonde_%d/chk %s", (int)getpid(), target);
	err = write_text_file(p, def, true);
	if (err)
		return err;
	snprintf(ev, sizeof(ev), "sonde_%d", (int)getpid());
	id = tracepoint_id(ev, "chk");
	if (id < 0) {
		err = id;
	} else {
		attr.config = id;
		fd = sys_perf_event_open(&attr, -1, 0, -1, 0);
		if (fd < 0) {
			err = fd;
		} else {
			if (ioctl(fd, PERF_EVENT_IOC_SET_BPF, prog_fd))
				err = -errno;
			close(fd);
		}
	}
	snprintf(def, sizeof(def), "-:sonde_%d/chk", (int)getpid());
	if (write_text_file(p, def, true))
		warning("cannot remove test probe '%s' from %s", def, p);
	return err;
}

/* perf_event_open on the kprobe PMU, then attach prog_fd. */
static int pmu_probe_attach(int type, const char *name, int prog_fd)
{
	struct perf_event_attr attr = {
		.size = sizeof(attr), .type = type,
		.config1 = (__u64)(uintptr_t)name,
	};
	int fd = sys_perf_event_open(&attr, -1, 0, -1, 0), err = 0;

	if (fd < 0)
		return fd;
	if (ioctl(fd, PERF_EVENT_IOC_SET_BPF, prog_fd))
		err = -errno;
	close(fd);
	return err;
}

static void probe_bpf_kprobe(bool attach)
{
	struct fact *f = &facts.bpf_kprobe;
	const char *fn = "vfs_read";
	char ev[160];
	int type, fd, err;

	type = pmu_type("kprobe", ev, sizeof(ev));
	if (type < 0 && facts.kprobe_events.state != FACT_YES) {
		fact_set(f, FACT_NO, type, "kprobe PMU missing (%s: %s), no kprobe_events",
			 ev, errno_name(-type));
		return;
	}
	fd = prog_load(BPF_PROG_TYPE_KPROBE, 0, 0);
	if (fd < 0) {
		fact_set(f, FACT_NO, fd, "bpf(BPF_PROG_LOAD kprobe): %s", errno_name(-fd));
		return;
	}
	if (!attach) {
		close(fd);
		/* LOCKDOWN_KPROBES is in the confidentiality set (5.4+):
		 * the kernel refuses to register any kprobe. */
		if (!strcmp(facts.lockdown, "confidentiality"))
			fact_set(f, FACT_NO, EPERM,
				 "lockdown=confidentiality refuses kprobes: EPERM");
		else
			fact_set(f, FACT_YES, 0, "bpf(BPF_PROG_LOAD kprobe) + %s",
				 type >= 0 ? "kprobe PMU" : "kprobe_events");
		return;
	}
	if (type >= 0) {
		err = pmu_probe_attach(type, fn, fd);
		snprintf(ev, sizeof(ev), "perf_event_open(kprobe PMU %s) + SET_BPF", fn);
	} else {
		err = tracefs_probe_attach("kprobe_events", fn, fd);
		snprintf(ev, sizeof(ev), "kprobe_events 'p %s' + SET_BPF", fn);
	}
	prog_close_wait(fd);
	if (err)
		fact_set(f, FACT_NO, err, "%s: %s", ev, errno_name(-err));
	else
		fact_set(f, FACT_YES, 0, "%s", ev);
}

/*
 * Without attach, the link is asked for a function that does not exist:
 * a kernel with kprobe_multi looks the name up and answers ESRCH (ENOENT
 * on some versions) without registering anything; one without answers
 * EOPNOTSUPP (no CONFIG_FPROBE) or EINVAL (before 5.18).
 */
static void probe_kprobe_multi(bool attach)
{
	struct fact *f = &facts.kprobe_multi;
	const char *sym = attach ? "vfs_read" : "sonde_no_such_function";
	int fd, link, err;

	fd = prog_load(BPF_PROG_TYPE_KPROBE, BPF_TRACE_KPROBE_MULTI, 0);
	if (fd < 0) {
		fact_set(f, FACT_NO, fd, "bpf(BPF_PROG_LOAD kprobe.multi): %s",
			 errno_name(-fd));
		return;
	}
	LIBBPF_OPTS(bpf_link_create_opts, opts,
		.kprobe_multi.syms = &sym,
		.kprobe_multi.cnt = 1,
	);
	link = bpf_link_create(fd, 0, BPF_TRACE_KPROBE_MULTI, &opts);
	err = link < 0 ? errno : 0;
	if (link >= 0)
		close(link);
	prog_close_wait(fd);
	if (!err)
		fact_set(f, FACT_YES, 0, "bpf(BPF_LINK_CREATE kprobe_multi %s)", sym);
	else if (!attach && (err == ESRCH || err == ENOENT))
		fact_set(f, FACT_YES, 0,
			 "bpf(BPF_LINK_CREATE kprobe_multi %s): %s, the kernel looked it up",
			 sym, errno_name(err));
	else
		fact_set(f, FACT_NO, err, "bpf(BPF_LINK_CREATE kprobe_multi %s): %s",
			 sym, errno_name(err));
}

/*
 * Attaching a uprobe is not tried: its release waits for RCU tasks-trace
 * and SRCU grace periods (about 100 ms measured on 6.18). The uprobe PMU
 * (or uprobe_events) plus a kprobe-type program that loads is the proof.
 */
static void probe_bpf_uprobe(void)
{
	struct fact *f = &facts.bpf_uprobe;
	char ev[160];
	int type, fd;

	type = pmu_type("uprobe", ev, sizeof(ev));
	if (type < 0 && facts.uprobe_events.state != FACT_YES) {
		fact_set(f, FACT_NO, type, "uprobe PMU missing (%s: %s), no uprobe_events",
			 ev, errno_name(-type));
		return;
	}
	fd = prog_load(BPF_PROG_TYPE_KPROBE, 0, 0);
	if (fd < 0) {
		fact_set(f, FACT_NO, fd, "bpf(BPF_PROG_LOAD kprobe): %s", errno_name(-fd));
		return;
	}
	close(fd);
	fact_set(f, FACT_YES, 0, "bpf(BPF_PROG_LOAD kprobe) + %s", type >= 0 ?
		 "uprobe PMU" : "uprobe_events");
}

static void probe_ringbuf(void)
{
	int fd = bpf_map_create(BPF_MAP_TYPE_RINGBUF, NULL, 0, 0,
				sysconf(_SC_PAGESIZE), NULL);

	if (fd < 0) {
		fact_set(&facts.ringbuf, FACT_NO, errno,
			 "bpf(BPF_MAP_CREATE ringbuf): %s", errno_name(errno));
		return;
	}
	close(fd);
	fact_set(&facts.ringbuf, FACT_YES, 0, "bpf(BPF_MAP_CREATE ringbuf)");
}

static void probe_bpf(void)
{
	probe_load(&facts.bpf, BPF_PROG_TYPE_SOCKET_FILTER, "socket_filter");
	TIMED(probe_btf());
	if (facts.bpf.state != FACT_YES) {
		const char *what = "no bpf(2)";

		fact_inherit(&facts.bpf_tracepoint, what, &facts.bpf);
		fact_inherit(&facts.bpf_raw_tp, what, &facts.bpf);
		fact_inherit(&facts.bpf_tp_btf, what, &facts.bpf);
		fact_inherit(&facts.fentry, what, &facts.bpf);
		fact_inherit(&facts.bpf_kprobe, what, &facts.bpf);
		fact_inherit(&facts.kprobe_multi, what, &facts.bpf);
		fact_inherit(&facts.bpf_uprobe, what, &facts.bpf);
		fact_inherit(&facts.ringbuf, what, &facts.bpf);
		fact_inherit(&facts.bpf_perf_event, what, &facts.bpf);
		return;
	}
	TIMED(probe_load(&facts.bpf_tracepoint, BPF_PROG_TYPE_TRACEPOINT, "tracepoint"));
	TIMED(probe_load(&facts.bpf_raw_tp, BPF_PROG_TYPE_RAW_TRACEPOINT, "raw_tracepoint"));
	TIMED(probe_load(&facts.bpf_perf_event, BPF_PROG_TYPE_PERF_EVENT, "perf_event"));
	TIMED(probe_tp_btf());
	TIMED(probe_fentry(false));
	TIMED(probe_bpf_kprobe(false));
	TIMED(probe_kprobe_multi(false));
	TIMED(probe_bpf_uprobe());
	TIMED(probe_ringbuf());
}

/* ---- environment ---- */

static void probe_lockdown(void)
{
	static const char file[] = "/sys/kernel/security/lockdown";
	char buf[128], *l, *r;
	bool mounted = false;
	int n = read_text_file(file, buf, sizeof(buf));

	if (n == -ENOENT && !mounts.securityfs[0] &&
	    !mount("securityfs", "/sys/kernel/security", "securityfs", 0, NULL)) {
		mounted = true;
		n = read_text_file(file, buf, sizeof(buf));
	}
	if (mounted)
		umount("/sys/kernel/security");
	if (n == -ENOENT && (mounted || mounts.securityfs[0])) {
		/* securityfs is there but no lockdown LSM: nothing locked */
		strcpy(facts.lockdown, "none");
		return;
	}
	if (n < 0 || !(l = strchr(buf, '[')) || !(r = strchr(l, ']')))
		return;
	*r = '\0';
	snprintf(facts.lockdown, sizeof(facts.lockdown), "%s", l + 1);
}

static void probe_caps(void)
{
	char buf[4096], *p;
	unsigned long long eff;

	if (read_text_file("/proc/self/status", buf, sizeof(buf)) < 0 ||
	    !(p = strstr(buf, "CapEff:")))
		return;
	eff = strtoull(p + 7, NULL, 16);
	facts.cap_sys_admin = eff & (1ull << 21);
	facts.cap_perfmon = eff & (1ull << 38);
	facts.cap_bpf = eff & (1ull << 39);
}

static void probe_env(void)
{
	struct utsname u;
	long long v;

	if (!uname(&u))
		snprintf(facts.release, sizeof(facts.release), "%s", u.release);
	facts.perf_event_paranoid = -99;
	facts.kptr_restrict = -99;
	if (!read_int_file("/proc/sys/kernel/perf_event_paranoid", &v))
		facts.perf_event_paranoid = v;
	if (!read_int_file("/proc/sys/kernel/kptr_restrict", &v))
		facts.kptr_restrict = v;
	facts.is_root = geteuid() == 0;
	TIMED(probe_caps());
	facts.ncpus = libbpf_num_possible_cpus();
	TIMED(probe_lockdown());
}

/* ---- simulated kernels (SONDE_REFUTE) ---- */

/* What a kernel built without CONFIG_KPROBES lacks. */
static const enum fact_id kprobe_facts[] = {
	FACT_ID_kprobe_events, FACT_ID_kprobe_args, FACT_ID_bpf_kprobe,
	FACT_ID_kprobe_multi, FACT_ID_perf_kprobe_pmu,
};

static void refute(enum fact_id id)
{
	struct fact *f = (struct fact *)((char *)&facts + fact_descs[id].offset);
	char was[sizeof(f->evidence)];

	snprintf(was, sizeof(was), "%s", f->evidence);
	fact_set(f, FACT_NO, 0, "refuted by SONDE_REFUTE (probed %s: %s)",
		 fact_state_name(f->state), was);
}

/*
 * SONDE_REFUTE=FACT,...: the planner sees these facts as "no", exactly as
 * on a kernel without them (the planner is pure, so the choice is the one
 * such a kernel gets). Tests use it for kernels the matrix lacks.
 */
static void apply_refutes(void)
{
	const char *env = getenv("SONDE_REFUTE"), *p = env;

	while (p && *p) {
		size_t len = strcspn(p, ", ");
		size_t i;

		if (len == 7 && !strncmp(p, "kprobes", 7)) {
			for (i = 0; i < ARRAY_SIZE(kprobe_facts); i++)
				refute(kprobe_facts[i]);
		} else if (len) {
			for (i = 0; i < fact_descs_count; i++)
				if (strlen(fact_descs[i].name) == len &&
				    !strncmp(fact_descs[i].name, p, len))
					break;
			if (i < fact_descs_count)
				refute(i);
			else
				warning("SONDE_REFUTE: no fact named '%.*s' (see sonde features)",
					(int)len, p);
		}
		p += len;
		p += strspn(p, ", ");
	}
}

const struct kernel_facts *features_get(void)
{
	uint64_t t0;

	sigset_t old;

	privilege_enforce();	/* the command's one line when it cannot work */
	if (facts_probed)
		return &facts;
	facts_probed = true;
	t0 = now_mono_ns();
	/* test probes are made and removed: never stop in between */
	signals_hold(&old);
	TIMED(tracefs_locate());
	TIMED(probe_env());
	probe_tracefs();
	probe_perf();
	probe_bpf();
	apply_refutes();
	signals_release(&old);
	vinfo("probed the kernel's features in %.1f ms",
	      (now_mono_ns() - t0) / 1e6);
	return &facts;
}

const struct kernel_facts *features_get_attach(void)
{
	static bool attached;
	sigset_t old;
	uint64_t t0;

	features_get();
	if (attached)
		return &facts;
	attached = true;
	t0 = now_mono_ns();
	signals_hold(&old);
	/* Only what loaded can be refuted by an attach. */
	if (facts.fentry.state == FACT_YES)
		TIMED(probe_fentry(true));
	if (facts.bpf_kprobe.state == FACT_YES)
		TIMED(probe_bpf_kprobe(true));
	if (facts.kprobe_multi.state == FACT_YES)
		TIMED(probe_kprobe_multi(true));
	signals_release(&old);
	vinfo("attached the test programs in %.1f ms", (now_mono_ns() - t0) / 1e6);
	return &facts;
}

void features_refute(enum fact_id id, int err, const char *fmt, ...)
{
	struct fact *f = (struct fact *)((char *)&facts + fact_descs[id].offset);
	va_list ap;

	features_get();
	va_start(ap, fmt);
	fact_vset(f, FACT_NO, err, fmt, ap);
	va_end(ap);
}
