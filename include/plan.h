/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The pure selection step: a request plus kernel facts gives a plan plus
 * the reason. No I/O here, so unit tests run it with fake facts for every
 * kernel profile.
 */
#ifndef SONDE_PLAN_H
#define SONDE_PLAN_H

#include "kernel_facts.h"
#include "sonde.h"

enum probe_kind {
	PK_KFUNC_ENTRY,		/* kernel function entry */
	PK_KFUNC_RETURN,	/* kernel function return */
	PK_TRACEPOINT,
	PK_UFUNC,		/* user function (uprobe) */
	PK_USDT,
	PK_SAMPLING,		/* timed stack sampling */
	PK_AGGREGATION,		/* in-kernel aggregation */
	PK_TRANSPORT,		/* event transport to user space */
	PK__COUNT,
};

/* A rung of the mechanism ladder. */
enum rung {
	RUNG_NONE = 0,
	RUNG_BPF_FENTRY, RUNG_BPF_FEXIT, RUNG_BPF_KPROBE, RUNG_BPF_KPROBE_MULTI,
	RUNG_BPF_KRETPROBE, RUNG_BPF_TP_BTF, RUNG_BPF_RAW_TP, RUNG_BPF_TRACEPOINT,
	RUNG_BPF_UPROBE, RUNG_BPF_USDT, RUNG_BPF_PERF_EVENT, RUNG_BPF_MAPS,
	RUNG_BPF_RINGBUF, RUNG_BPF_PERFBUF,
	RUNG_TRACEFS_KPROBE, RUNG_TRACEFS_KRETPROBE, RUNG_TRACEFS_FUNCTION,
	RUNG_TRACEFS_EVENT, RUNG_TRACEFS_UPROBE, RUNG_TRACEFS_HIST,
	RUNG_TRACEFS_RAW_BUFFERS,
	RUNG_PERF_TRACEPOINT, RUNG_PERF_UPROBE, RUNG_PERF_SAMPLING,
	RUNG_PERF_RING, RUNG_USER_AGGREGATION,
	RUNG__COUNT,
};

/* A rejected rung and the first fact it needs that is not "yes". */
struct plan_reject {
	enum rung rung;
	enum fact_id fact;
};

struct plan {
	enum probe_kind kind;
	enum rung rung;			/* RUNG_NONE: nothing works */
	enum mechanism mech;		/* mechanism of the chosen rung */
	/* Why each better rung was rejected, one "rung: reason" per line;
	 * when rung == RUNG_NONE, why every rung was. */
	char reason[1024];
	/* The same, structured (for JSON): better rungs rejected, best first. */
	int nrejected;
	struct plan_reject rejected[8];
};

const char *probe_kind_name(enum probe_kind k);	/* "kernel function entry" */
const char *probe_kind_id(enum probe_kind k);	/* "kfunc_entry" (JSON) */
const char *rung_name(enum rung r);		/* "BPF fentry" */
const char *rung_id(enum rung r);		/* "bpf_fentry" (JSON) */
/* MECH_AUTO for RUNG_USER_AGGREGATION (allowed under any mechanism) and
 * RUNG_NONE. */
enum mechanism rung_mechanism(enum rung r);

/* The ladder for kind, best first; returns the number of rungs. */
int plan_ladder(enum probe_kind kind, const enum rung **rungs);

/* Can rung be used on a kernel with facts f? When not, *failed is the
 * first fact it needs that is not "yes". */
bool rung_usable(enum rung r, const struct kernel_facts *f,
		 enum fact_id *failed);

/*
 * Choose the best rung for kind on a kernel with facts f. forced != MECH_AUTO
 * restricts the choice to that mechanism's rungs. Returns 0 with plan->rung
 * set, or -1 with plan->rung == RUNG_NONE and plan->reason saying why.
 */
int plan_select(enum probe_kind kind, const struct kernel_facts *f,
		enum mechanism forced, struct plan *plan);

/* The same, among the rungs a tool implements (a RUNG_NONE-terminated
 * list); rungs it lacks are neither chosen nor reported. */
int plan_select_among(enum probe_kind kind, const struct kernel_facts *f,
		      enum mechanism forced, const enum rung *impl,
		      struct plan *plan);

/* With -v: "WHAT: RUNG" (WHAT NULL: the probe kind), then each rejected
 * better rung and why. */
void plan_explain(const struct plan *p, const char *what);

/* One-line summary of the reasons (semicolon separated), for errors. */
const char *plan_reason_line(const struct plan *plan, char *buf, size_t size);

#endif
