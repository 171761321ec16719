// SPDX-License-Identifier: GPL-2.0
/*
 * The selection step against fake facts for every kernel of KERNELS.md:
 * the rung chosen for each probe kind, forced mechanisms, and reasons that
 * carry the failing fact's evidence.
 */
#include <errno.h>

#include "kernel_facts.h"
#include "plan.h"
#include "sonde.h"
#include "unit.h"
#include "util.h"

static struct fact *fact_mut(struct kernel_facts *f, const char *name)
{
	for (size_t i = 0; i < fact_descs_count; i++)
		if (!strcmp(fact_descs[i].name, name))
			return (struct fact *)((char *)f + fact_descs[i].offset);
	fprintf(stderr, "  no fact named '%s'\n", name);
	unit_failures++;
	return NULL;
}

/* Mark a fact "no" with its errno and evidence. */
static void no(struct kernel_facts *f, const char *name, int err, const char *ev)
{
	struct fact *ft = fact_mut(f, name);

	if (ft)
		fact_set(ft, FACT_NO, err, "%s", ev);
}

/* A kernel where everything works (full-6.1, full-6.12). */
static void profile_full(struct kernel_facts *f)
{
	memset(f, 0, sizeof(*f));
	for (size_t i = 0; i < fact_descs_count; i++)
		fact_set((struct fact *)((char *)f + fact_descs[i].offset),
			 FACT_YES, 0, "fake %s", fact_descs[i].name);
	strcpy(f->tracefs_path, "/sys/kernel/tracing");
}

/* The machine's own 6.18: no kprobes, lockdown refuses fentry and the
 * function tracer, no hist triggers, no hardware PMU. */
static void profile_host(struct kernel_facts *f)
{
	profile_full(f);
	no(f, "kprobe_events", ENOENT, "/sys/kernel/tracing/kprobe_events: ENOENT");
	no(f, "kprobe_args", ENOENT, "no kprobe_events: /sys/kernel/tracing/kprobe_events: ENOENT");
	no(f, "eprobes", EINVAL, "/sys/kernel/tracing/dynamic_events 'e:sonde_1/chk syscalls.sys_enter_openat': EINVAL");
	no(f, "hist_triggers", ENOENT, "/sys/kernel/tracing/events/sched/sched_switch/hist: ENOENT");
	no(f, "synth_events", ENOENT, "/sys/kernel/tracing/synthetic_events: ENOENT");
	no(f, "function_tracer", EPERM, "listed, but /sys/kernel/tracing/available_filter_functions: EPERM");
	no(f, "function_graph", 0, "'function_graph' not in /sys/kernel/tracing/available_tracers");
	no(f, "fentry", EPERM, "bpf(BPF_PROG_LOAD tracing/fentry vfs_read): EPERM");
	no(f, "bpf_kprobe", ENOENT, "kprobe PMU missing (/sys/bus/event_source/devices/kprobe/type: ENOENT), no kprobe_events");
	no(f, "kprobe_multi", EOPNOTSUPP, "bpf(BPF_LINK_CREATE kprobe_multi vfs_read): EOPNOTSUPP");
	no(f, "perf_hw", ENOENT, "perf_event_open(hardware cpu-cycles, cpu 0): ENOENT");
	no(f, "perf_kprobe_pmu", ENOENT, "/sys/bus/event_source/devices/kprobe/type: ENOENT");
	strcpy(f->lockdown, "integrity");
}

/* 6.1 with /sys/kernel/btf/vmlinux hidden behind an empty file. */
static void profile_nobtf(struct kernel_facts *f)
{
	profile_full(f);
	no(f, "btf", 0, "/sys/kernel/btf/vmlinux: empty");
	no(f, "fentry", 0, "no BTF: /sys/kernel/btf/vmlinux: empty");
	no(f, "bpf_tp_btf", 0, "no BTF: /sys/kernel/btf/vmlinux: empty");
}

/* 6.1 with bpf(2) answering ENOSYS. */
static void profile_nobpf(struct kernel_facts *f)
{
	static const char *const bpf_facts[] = {
		"bpf_tracepoint", "bpf_raw_tp", "bpf_tp_btf", "fentry",
		"bpf_kprobe", "kprobe_multi", "bpf_uprobe", "ringbuf",
		"bpf_perf_event",
	};

	profile_full(f);
	no(f, "bpf", ENOSYS, "bpf(BPF_PROG_LOAD socket_filter): ENOSYS");
	for (size_t i = 0; i < ARRAY_SIZE(bpf_facts); i++)
		no(f, bpf_facts[i], ENOSYS,
		   "no bpf(2): bpf(BPF_PROG_LOAD socket_filter): ENOSYS");
}

/* nobpf, and tracefs found only inside debugfs (kernels before 4.1). */
static void profile_debugfs(struct kernel_facts *f)
{
	profile_nobpf(f);
	strcpy(f->tracefs_path, "/sys/kernel/debug/tracing");
	fact_set(&f->tracefs, FACT_YES, 0, "/proc/mounts (debugfs): /sys/kernel/debug/tracing");
}

static const struct {
	const char *name;
	void (*build)(struct kernel_facts *f);
	enum rung want[PK__COUNT];
} profiles[] = {
	{ "host", profile_host, {
		[PK_KFUNC_ENTRY] = RUNG_NONE,
		[PK_KFUNC_RETURN] = RUNG_NONE,
		[PK_TRACEPOINT] = RUNG_BPF_TP_BTF,
		[PK_UFUNC] = RUNG_BPF_UPROBE,
		[PK_USDT] = RUNG_BPF_USDT,
		[PK_SAMPLING] = RUNG_BPF_PERF_EVENT,
		[PK_AGGREGATION] = RUNG_BPF_MAPS,
		[PK_TRANSPORT] = RUNG_BPF_RINGBUF } },
	{ "full-6.1", profile_full, {
		[PK_KFUNC_ENTRY] = RUNG_BPF_FENTRY,
		[PK_KFUNC_RETURN] = RUNG_BPF_FEXIT,
		[PK_TRACEPOINT] = RUNG_BPF_TP_BTF,
		[PK_UFUNC] = RUNG_BPF_UPROBE,
		[PK_USDT] = RUNG_BPF_USDT,
		[PK_SAMPLING] = RUNG_BPF_PERF_EVENT,
		[PK_AGGREGATION] = RUNG_BPF_MAPS,
		[PK_TRANSPORT] = RUNG_BPF_RINGBUF } },
	{ "full-6.12", profile_full, {
		[PK_KFUNC_ENTRY] = RUNG_BPF_FENTRY,
		[PK_KFUNC_RETURN] = RUNG_BPF_FEXIT,
		[PK_TRACEPOINT] = RUNG_BPF_TP_BTF,
		[PK_UFUNC] = RUNG_BPF_UPROBE,
		[PK_USDT] = RUNG_BPF_USDT,
		[PK_SAMPLING] = RUNG_BPF_PERF_EVENT,
		[PK_AGGREGATION] = RUNG_BPF_MAPS,
		[PK_TRANSPORT] = RUNG_BPF_RINGBUF } },
	{ "nobtf-6.1", profile_nobtf, {
		[PK_KFUNC_ENTRY] = RUNG_BPF_KPROBE,
		[PK_KFUNC_RETURN] = RUNG_BPF_KRETPROBE,
		[PK_TRACEPOINT] = RUNG_BPF_TRACEPOINT,
		[PK_UFUNC] = RUNG_BPF_UPROBE,
		[PK_USDT] = RUNG_BPF_USDT,
		[PK_SAMPLING] = RUNG_BPF_PERF_EVENT,
		[PK_AGGREGATION] = RUNG_BPF_MAPS,
		[PK_TRANSPORT] = RUNG_BPF_RINGBUF } },
	{ "nobpf-6.1", profile_nobpf, {
		[PK_KFUNC_ENTRY] = RUNG_TRACEFS_KPROBE,
		[PK_KFUNC_RETURN] = RUNG_TRACEFS_KRETPROBE,
		[PK_TRACEPOINT] = RUNG_TRACEFS_EVENT,
		[PK_UFUNC] = RUNG_TRACEFS_UPROBE,
		[PK_USDT] = RUNG_TRACEFS_UPROBE,
		[PK_SAMPLING] = RUNG_PERF_SAMPLING,
		[PK_AGGREGATION] = RUNG_TRACEFS_HIST,
		[PK_TRANSPORT] = RUNG_TRACEFS_RAW_BUFFERS } },
	{ "debugfs-6.1", profile_debugfs, {
		[PK_KFUNC_ENTRY] = RUNG_TRACEFS_KPROBE,
		[PK_KFUNC_RETURN] = RUNG_TRACEFS_KRETPROBE,
		[PK_TRACEPOINT] = RUNG_TRACEFS_EVENT,
		[PK_UFUNC] = RUNG_TRACEFS_UPROBE,
		[PK_USDT] = RUNG_TRACEFS_UPROBE,
		[PK_SAMPLING] = RUNG_PERF_SAMPLING,
		[PK_AGGREGATION] = RUNG_TRACEFS_HIST,
		[PK_TRANSPORT] = RUNG_TRACEFS_RAW_BUFFERS } },
};

static bool has(const struct plan *p, const char *s)
{
	if (strstr(p->reason, s))
		return true;
	fprintf(stderr, "  reason lacks \"%s\":\n%s\n", s, p->reason);
	return false;
}

TEST(plan_every_profile_and_kind)
{
	struct kernel_facts f;
	struct plan p;

	for (size_t i = 0; i < ARRAY_SIZE(profiles); i++) {
		profiles[i].build(&f);
		for (int k = 0; k < PK__COUNT; k++) {
			enum rung want = profiles[i].want[k];
			int ret = plan_select(k, &f, MECH_AUTO, &p);

			if (p.rung != want)
				fprintf(stderr, "  %s %s: got %s, want %s\n",
					profiles[i].name, probe_kind_id(k),
					rung_name(p.rung), rung_name(want));
			CHECK(p.rung == want);
			CHECK_INT(ret, want == RUNG_NONE ? -1 : 0);
			CHECK(p.mech == rung_mechanism(want));
			CHECK(p.kind == (enum probe_kind)k);
		}
	}
}

TEST(plan_host_kfunc_says_why)
{
	struct kernel_facts f;
	struct plan p;
	char line[1024];

	profile_host(&f);
	CHECK_INT(plan_select(PK_KFUNC_ENTRY, &f, MECH_AUTO, &p), -1);
	CHECK(p.rung == RUNG_NONE);
	CHECK(has(&p, "BPF fentry: fentry no: bpf(BPF_PROG_LOAD tracing/fentry vfs_read): EPERM"));
	CHECK(has(&p, "kprobe PMU missing"));
	CHECK(has(&p, "/sys/kernel/tracing/kprobe_events: ENOENT"));
	CHECK(has(&p, "available_filter_functions: EPERM"));
	CHECK_INT(p.nrejected, 5);
	CHECK(p.rejected[0].rung == RUNG_BPF_FENTRY);
	CHECK(p.rejected[0].fact == FACT_ID_fentry);
	CHECK(p.rejected[3].rung == RUNG_TRACEFS_KPROBE);
	CHECK(p.rejected[3].fact == FACT_ID_kprobe_events);
	CHECK(p.rejected[4].fact == FACT_ID_function_tracer);

	plan_reason_line(&p, line, sizeof(line));
	CHECK(!strchr(line, '\n'));
	CHECK(strstr(line, "EPERM; BPF kprobe: ") != NULL);

	CHECK_INT(plan_select(PK_KFUNC_RETURN, &f, MECH_AUTO, &p), -1);
	CHECK(has(&p, "BPF fexit: fentry no: "));
	CHECK(has(&p, "tracefs kretprobe (r:): kprobe_events no: "));
}

TEST(plan_better_rungs_listed_when_falling_back)
{
	struct kernel_facts f;
	struct plan p;

	profile_nobtf(&f);
	plan_select(PK_TRACEPOINT, &f, MECH_AUTO, &p);
	CHECK(p.rung == RUNG_BPF_TRACEPOINT);
	CHECK_INT(p.nrejected, 2);
	CHECK(p.rejected[0].fact == FACT_ID_btf);
	CHECK(has(&p, "BPF tp_btf: btf no: /sys/kernel/btf/vmlinux: empty"));
	CHECK(has(&p, "BPF raw tracepoint: btf no: "));

	profile_nobpf(&f);
	plan_select(PK_KFUNC_ENTRY, &f, MECH_AUTO, &p);
	CHECK(p.rung == RUNG_TRACEFS_KPROBE);
	CHECK(has(&p, "BPF fentry: bpf no: bpf(BPF_PROG_LOAD socket_filter): ENOSYS"));
	CHECK(!strstr(p.reason, "tracefs kprobe_events:"));

	profile_full(&f);
	plan_select(PK_KFUNC_ENTRY, &f, MECH_AUTO, &p);
	CHECK_STR(p.reason, "");
	CHECK_INT(p.nrejected, 0);
}

TEST(plan_forced_mechanism)
{
	struct kernel_facts f;
	struct plan p;

	profile_host(&f);
	/* tracefs alone cannot reach kernel functions here either */
	CHECK_INT(plan_select(PK_KFUNC_ENTRY, &f, MECH_TRACEFS, &p), -1);
	CHECK(has(&p, "tracefs kprobe_events: kprobe_events no: "));
	CHECK(has(&p, "ftrace function tracer: function_tracer no: "));
	CHECK(has(&p, "EPERM"));
	CHECK(!strstr(p.reason, "BPF"));
	CHECK_INT(p.nrejected, 2);

	CHECK_INT(plan_select(PK_KFUNC_ENTRY, &f, MECH_PERF, &p), -1);
	CHECK(has(&p, "no perf mechanism for kernel function entry"));

	plan_select(PK_TRACEPOINT, &f, MECH_TRACEFS, &p);
	CHECK(p.rung == RUNG_TRACEFS_EVENT && p.mech == MECH_TRACEFS);
	plan_select(PK_TRACEPOINT, &f, MECH_PERF, &p);
	CHECK(p.rung == RUNG_PERF_TRACEPOINT && p.mech == MECH_PERF);
	plan_select(PK_UFUNC, &f, MECH_PERF, &p);
	CHECK(p.rung == RUNG_PERF_UPROBE);
	plan_select(PK_SAMPLING, &f, MECH_TRACEFS, &p);
	CHECK(p.rung == RUNG_NONE);
	plan_select(PK_TRANSPORT, &f, MECH_PERF, &p);
	CHECK(p.rung == RUNG_PERF_RING);

	/* user-space aggregation is allowed under any mechanism */
	plan_select(PK_AGGREGATION, &f, MECH_TRACEFS, &p);
	CHECK(p.rung == RUNG_USER_AGGREGATION);
	CHECK(has(&p, "ftrace hist triggers: hist_triggers no: "));
	plan_select(PK_AGGREGATION, &f, MECH_PERF, &p);
	CHECK(p.rung == RUNG_USER_AGGREGATION);
	CHECK(rung_mechanism(p.rung) == MECH_AUTO);

	profile_full(&f);
	plan_select(PK_KFUNC_ENTRY, &f, MECH_TRACEFS, &p);
	CHECK(p.rung == RUNG_TRACEFS_KPROBE);
	plan_select(PK_KFUNC_RETURN, &f, MECH_TRACEFS, &p);
	CHECK(p.rung == RUNG_TRACEFS_KRETPROBE);
	plan_select(PK_AGGREGATION, &f, MECH_TRACEFS, &p);
	CHECK(p.rung == RUNG_TRACEFS_HIST);
	plan_select(PK_SAMPLING, &f, MECH_PERF, &p);
	CHECK(p.rung == RUNG_PERF_SAMPLING);

	profile_nobpf(&f);
	CHECK_INT(plan_select(PK_TRACEPOINT, &f, MECH_BPF, &p), -1);
	CHECK_INT(p.nrejected, 3);
	CHECK(has(&p, "ENOSYS"));
	CHECK(!strstr(p.reason, "tracefs"));
}

TEST(plan_function_tracer_says_entry_only)
{
	struct kernel_facts f;
	struct plan p;

	profile_nobpf(&f);
	no(&f, "kprobe_events", ENOENT, "/sys/kernel/tracing/kprobe_events: ENOENT");
	plan_select(PK_KFUNC_ENTRY, &f, MECH_AUTO, &p);
	CHECK(p.rung == RUNG_TRACEFS_FUNCTION);
	CHECK(has(&p, "entry only, no arguments"));
	/* no return probes from the function tracer */
	CHECK_INT(plan_select(PK_KFUNC_RETURN, &f, MECH_AUTO, &p), -1);
}

TEST(plan_unknown_fact_is_not_used)
{
	struct kernel_facts f;
	struct plan p;

	profile_full(&f);
	fact_set(&f.fentry, FACT_UNKNOWN, ENOENT, "no test function in vmlinux BTF");
	plan_select(PK_KFUNC_ENTRY, &f, MECH_AUTO, &p);
	CHECK(p.rung == RUNG_BPF_KPROBE);
	CHECK(has(&p, "BPF fentry: fentry unknown: no test function"));

	/* no tracefs: tracefs and perf tracepoint rungs go, BPF raw tp stays */
	profile_nobtf(&f);
	fact_set(&f.tracefs, FACT_NO, ENOENT, "not in /proc/mounts");
	plan_select(PK_TRACEPOINT, &f, MECH_AUTO, &p);
	CHECK(p.rung == RUNG_NONE);
	CHECK(has(&p, "BPF tracepoint: tracefs no: not in /proc/mounts"));
}

TEST(plan_names_and_ladders)
{
	for (int r = 0; r < RUNG__COUNT; r++) {
		CHECK(rung_name(r) && strcmp(rung_name(r), "?"));
		CHECK(rung_id(r) && strcmp(rung_id(r), "?"));
		for (int s = 0; s < r; s++)
			CHECK(strcmp(rung_id(r), rung_id(s)));
	}
	CHECK_STR(rung_id(RUNG_NONE), "none");
	CHECK_STR(rung_id(RUNG_BPF_FENTRY), "bpf_fentry");
	CHECK_STR(probe_kind_id(PK_KFUNC_ENTRY), "kfunc_entry");
	CHECK_STR(probe_kind_name(PK_KFUNC_ENTRY), "kernel function entry");
	for (int k = 0; k < PK__COUNT; k++) {
		const enum rung *l;
		int n = plan_ladder(k, &l);

		CHECK(n >= 2);
		CHECK(strcmp(probe_kind_id(k), "?"));
		/* BPF first: every ladder starts with its best rung */
		CHECK(rung_mechanism(l[0]) == MECH_BPF);
	}
	CHECK(rung_mechanism(RUNG_TRACEFS_HIST) == MECH_TRACEFS);
	CHECK(rung_mechanism(RUNG_TRACEFS_FUNCTION) == MECH_TRACEFS);
	CHECK(rung_mechanism(RUNG_PERF_UPROBE) == MECH_PERF);
}

TEST(fact_names_and_errnos)
{
	CHECK_INT(fact_descs_count, FACT_ID__COUNT);
	CHECK_STR(fact_descs[FACT_ID_fentry].name, "fentry");
	CHECK_STR(errno_name(EPERM), "EPERM");
	CHECK_STR(errno_name(ENOSYS), "ENOSYS");
	CHECK_STR(fact_state_name(FACT_UNKNOWN), "unknown");

	struct fact ft;
	fact_set(&ft, FACT_NO, -EPERM, "bpf(%s): %s", "BPF_PROG_LOAD", "EPERM");
	CHECK_INT(ft.err, EPERM);
	CHECK_STR(ft.evidence, "bpf(BPF_PROG_LOAD): EPERM");
}
