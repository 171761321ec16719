/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the running kernel offers, probed at run time (never from its
 * version string). Every fact keeps its evidence: the file or call that
 * decided it and the errno, so `sonde features` and `-v` can say why.
 */
#ifndef SONDE_KERNEL_FACTS_H
#define SONDE_KERNEL_FACTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

enum fact_state {
	FACT_UNKNOWN = 0,	/* not probed (or could not be) */
	FACT_YES,
	FACT_NO,
};

struct fact {
	enum fact_state state;
	int err;		/* errno that decided a FACT_NO, or 0 */
	char evidence[160];	/* "bpf(BPF_PROG_LOAD fentry): EPERM" */
};

/* One entry per fact; the order is the order `sonde features` prints. */
#define SONDE_FACTS(X)							\
	X(tracefs,	  "tracefs mounted and readable")		\
	X(tracefs_write,  "tracefs writable (instances)")		\
	X(kprobe_events,  "tracefs kprobe_events")			\
	X(uprobe_events,  "tracefs uprobe_events")			\
	X(dynamic_events, "tracefs dynamic_events")			\
	X(eprobes,	  "event probes (e: on tracepoints)")		\
	X(kprobe_args,	  "$argN in kprobe_events")			\
	X(hist_triggers,  "ftrace hist triggers")			\
	X(synth_events,	  "ftrace synthetic events")			\
	X(function_tracer, "ftrace function tracer")			\
	X(function_graph, "ftrace function_graph tracer")		\
	X(bpf,		  "bpf(2) syscall")				\
	X(btf,		  "kernel BTF (/sys/kernel/btf/vmlinux)")	\
	X(bpf_tracepoint, "BPF tracepoint programs")			\
	X(bpf_raw_tp,	  "BPF raw tracepoints")			\
	X(bpf_tp_btf,	  "BPF tp_btf (BTF-typed raw tracepoints)")	\
	X(fentry,	  "BPF fentry/fexit")				\
	X(bpf_kprobe,	  "BPF kprobes")				\
	X(kprobe_multi,	  "BPF kprobe_multi links")			\
	X(bpf_uprobe,	  "BPF uprobes")				\
	X(ringbuf,	  "BPF ring buffer")				\
	X(bpf_perf_event, "BPF perf_event programs")			\
	X(perf_sw,	  "perf_event_open software events")		\
	X(perf_hw,	  "perf_event_open hardware events")		\
	X(perf_tracepoint, "perf_event_open tracepoints")		\
	X(perf_uprobe_pmu, "perf uprobe PMU")				\
	X(perf_kprobe_pmu, "perf kprobe PMU")

struct kernel_facts {
#define X(name, desc) struct fact name;
	SONDE_FACTS(X)
#undef X
	char release[65];		/* uname -r */
	char tracefs_path[128];		/* "" when none */
	bool tracefs_mounted_by_us;
	char lockdown[32];		/* "none", "integrity", "confidentiality", "" unknown */
	int perf_event_paranoid;	/* -99 unknown */
	int kptr_restrict;		/* -99 unknown */
	bool is_root;			/* euid 0 */
	bool cap_sys_admin, cap_bpf, cap_perfmon; /* effective */
	int ncpus;			/* possible CPUs */
};

/* Table of fact names/descriptions for printing and JSON. */
struct fact_desc {
	const char *name;
	const char *desc;
	size_t offset;	/* offsetof(struct kernel_facts, name) */
};
extern const struct fact_desc fact_descs[];
extern const size_t fact_descs_count;

/* FACT_ID_<name>: a fact's index in fact_descs[] (same order as above). */
enum fact_id {
#define X(name, desc) FACT_ID_##name,
	SONDE_FACTS(X)
#undef X
	FACT_ID__COUNT,
};

static inline const struct fact *fact_get(const struct kernel_facts *f,
					  enum fact_id id)
{
	return (const struct fact *)((const char *)f + fact_descs[id].offset);
}

/* "yes", "no", "unknown" */
const char *fact_state_name(enum fact_state st);

/*
 * Probe everything once and cache; later calls return the cache. Takes a
 * few ms: test programs are loaded, not attached (attaching fentry or a
 * kprobe costs RCU grace periods on detach, tens to hundreds of ms).
 */
const struct kernel_facts *features_get(void);

/*
 * features_get(), then also attach the test programs of fentry,
 * bpf_kprobe and kprobe_multi, which catches what a load cannot (no ftrace
 * direct calls, lockdown=confidentiality). Exact but slow; `sonde
 * features` uses it.
 */
const struct kernel_facts *features_get_attach(void);

/*
 * A backend found that a fact does not hold after all (its real attach
 * failed): record it in the cache so plan_select() falls to the next rung,
 * e.g. features_refute(FACT_ID_fentry, err, "attach fentry/%s: %s", ...).
 */
void features_refute(enum fact_id id, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Only the cheap facts (tracefs location) — used by commands that need
 * the tracefs path without paying for BPF probing. Looks in /proc/mounts
 * for tracefs, then for debugfs with a tracing/ directory, else mounts
 * tracefs at /sys/kernel/tracing (or debugfs at /sys/kernel/debug).
 * Returns NULL when there is no tracefs. */
const char *features_tracefs_path(void);

/* The errno's name ("EPERM"), or "E<number>" for one glibc cannot name. */
const char *errno_name(int err);

/* Set a fact with printf-style evidence. */
void fact_set(struct fact *f, enum fact_state st, int err, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#endif
