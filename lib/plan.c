// SPDX-License-Identifier: GPL-2.0
/*
 * The mechanism ladders of SPEC.md §3 and the pure selection step: walk a
 * kind's ladder best first and take the first rung whose facts are all
 * "yes"; every rung passed over is written down with the fact that failed
 * and that fact's evidence. No I/O: tests/unit/test_plan.c feeds it fake
 * facts for each kernel of KERNELS.md.
 */
#include <stdarg.h>
#include <string.h>

#include "plan.h"
#include "util.h"

#define NEEDS_MAX 4
#define F(n) FACT_ID_##n

struct rung_desc {
	const char *name;
	const char *id;
	enum mechanism mech;
	int nneeds;
	enum fact_id needs[NEEDS_MAX];	/* checked in this order */
	const char *note;		/* said whenever the rung is chosen */
};

#define RUNG(r, nm, i, m, ...) [r] = {					\
	.name = nm, .id = i, .mech = m,					\
	.needs = { __VA_ARGS__ },					\
	.nneeds = sizeof((enum fact_id[]){ __VA_ARGS__ }) / sizeof(enum fact_id) }

static const struct rung_desc rungs[RUNG__COUNT] = {
	[RUNG_NONE] = { "none", "none", MECH_AUTO },
	RUNG(RUNG_BPF_FENTRY, "BPF fentry", "bpf_fentry", MECH_BPF,
	     F(bpf), F(btf), F(fentry)),
	RUNG(RUNG_BPF_FEXIT, "BPF fexit", "bpf_fexit", MECH_BPF,
	     F(bpf), F(btf), F(fentry)),
	RUNG(RUNG_BPF_KPROBE, "BPF kprobe", "bpf_kprobe", MECH_BPF,
	     F(bpf), F(bpf_kprobe)),
	RUNG(RUNG_BPF_KPROBE_MULTI, "BPF kprobe_multi", "bpf_kprobe_multi", MECH_BPF,
	     F(bpf), F(kprobe_multi)),
	RUNG(RUNG_BPF_KRETPROBE, "BPF kretprobe", "bpf_kretprobe", MECH_BPF,
	     F(bpf), F(bpf_kprobe)),
	RUNG(RUNG_BPF_TP_BTF, "BPF tp_btf", "bpf_tp_btf", MECH_BPF,
	     F(bpf), F(btf), F(bpf_tp_btf)),
	/* Raw tracepoint arguments are kernel structs read with CO-RE. */
	RUNG(RUNG_BPF_RAW_TP, "BPF raw tracepoint", "bpf_raw_tp", MECH_BPF,
	     F(bpf), F(btf), F(bpf_raw_tp)),
	/* Fields come from the format file; attached through perf_event_open. */
	RUNG(RUNG_BPF_TRACEPOINT, "BPF tracepoint", "bpf_tracepoint", MECH_BPF,
	     F(bpf), F(tracefs), F(bpf_tracepoint), F(perf_tracepoint)),
	RUNG(RUNG_BPF_UPROBE, "BPF uprobe", "bpf_uprobe", MECH_BPF,
	     F(bpf), F(bpf_uprobe)),
	RUNG(RUNG_BPF_USDT, "BPF usdt", "bpf_usdt", MECH_BPF,
	     F(bpf), F(bpf_uprobe)),
	RUNG(RUNG_BPF_PERF_EVENT, "BPF perf_event + stack maps", "bpf_perf_event",
	     MECH_BPF, F(bpf), F(bpf_perf_event), F(perf_sw)),
	RUNG(RUNG_BPF_MAPS, "BPF maps", "bpf_maps", MECH_BPF, F(bpf)),
	RUNG(RUNG_BPF_RINGBUF, "BPF ring buffer", "bpf_ringbuf", MECH_BPF,
	     F(bpf), F(ringbuf)),
	RUNG(RUNG_BPF_PERFBUF, "BPF perf buffer", "bpf_perfbuf", MECH_BPF,
	     F(bpf), F(perf_sw)),
	RUNG(RUNG_TRACEFS_KPROBE, "tracefs kprobe_events", "tracefs_kprobe",
	     MECH_TRACEFS, F(tracefs), F(tracefs_write), F(kprobe_events)),
	RUNG(RUNG_TRACEFS_KRETPROBE, "tracefs kretprobe (r:)", "tracefs_kretprobe",
	     MECH_TRACEFS, F(tracefs), F(tracefs_write), F(kprobe_events)),
	[RUNG_TRACEFS_FUNCTION] = {
		.name = "ftrace function tracer", .id = "tracefs_function",
		.mech = MECH_TRACEFS, .nneeds = 3,
		.needs = { F(tracefs), F(tracefs_write), F(function_tracer) },
		.note = "function entry only, no arguments",
	},
	RUNG(RUNG_TRACEFS_EVENT, "tracefs event", "tracefs_event", MECH_TRACEFS,
	     F(tracefs), F(tracefs_write)),
	RUNG(RUNG_TRACEFS_UPROBE, "tracefs uprobe_events", "tracefs_uprobe",
	     MECH_TRACEFS, F(tracefs), F(tracefs_write), F(uprobe_events)),
	RUNG(RUNG_TRACEFS_HIST, "ftrace hist triggers", "tracefs_hist", MECH_TRACEFS,
	     F(tracefs), F(tracefs_write), F(hist_triggers)),
	RUNG(RUNG_TRACEFS_RAW_BUFFERS, "tracefs per-CPU raw buffers",
	     "tracefs_raw_buffers", MECH_TRACEFS, F(tracefs), F(tracefs_write)),
	RUNG(RUNG_PERF_TRACEPOINT, "perf_event_open tracepoint", "perf_tracepoint",
	     MECH_PERF, F(tracefs), F(perf_tracepoint)),
	RUNG(RUNG_PERF_UPROBE, "perf_event_open uprobe PMU", "perf_uprobe",
	     MECH_PERF, F(perf_uprobe_pmu)),
	RUNG(RUNG_PERF_SAMPLING, "perf_event_open sampling", "perf_sampling",
	     MECH_PERF, F(perf_sw)),
	RUNG(RUNG_PERF_RING, "perf_event_open ring buffer", "perf_ring",
	     MECH_PERF, F(tracefs), F(perf_tracepoint)),
	[RUNG_USER_AGGREGATION] = {
		.name = "user-space aggregation", .id = "user_aggregation",
		.mech = MECH_AUTO,
		.note = "every event is copied to user space to be counted",
	},
};

#define LADDER(...) { __VA_ARGS__, RUNG_NONE }

static const enum rung ladders[PK__COUNT][8] = {
	[PK_KFUNC_ENTRY] = LADDER(RUNG_BPF_FENTRY, RUNG_BPF_KPROBE,
				  RUNG_BPF_KPROBE_MULTI, RUNG_TRACEFS_KPROBE,
				  RUNG_TRACEFS_FUNCTION),
	[PK_KFUNC_RETURN] = LADDER(RUNG_BPF_FEXIT, RUNG_BPF_KRETPROBE,
				   RUNG_BPF_KPROBE_MULTI, RUNG_TRACEFS_KRETPROBE),
	[PK_TRACEPOINT] = LADDER(RUNG_BPF_TP_BTF, RUNG_BPF_RAW_TP,
				 RUNG_BPF_TRACEPOINT, RUNG_TRACEFS_EVENT,
				 RUNG_PERF_TRACEPOINT),
	[PK_UFUNC] = LADDER(RUNG_BPF_UPROBE, RUNG_TRACEFS_UPROBE, RUNG_PERF_UPROBE),
	[PK_USDT] = LADDER(RUNG_BPF_USDT, RUNG_TRACEFS_UPROBE, RUNG_PERF_UPROBE),
	[PK_SAMPLING] = LADDER(RUNG_BPF_PERF_EVENT, RUNG_PERF_SAMPLING),
	[PK_AGGREGATION] = LADDER(RUNG_BPF_MAPS, RUNG_TRACEFS_HIST,
				  RUNG_USER_AGGREGATION),
	[PK_TRANSPORT] = LADDER(RUNG_BPF_RINGBUF, RUNG_BPF_PERFBUF,
				RUNG_TRACEFS_RAW_BUFFERS, RUNG_PERF_RING),
};

static const struct {
	const char *name, *id;
} kinds[PK__COUNT] = {
	[PK_KFUNC_ENTRY] = { "kernel function entry", "kfunc_entry" },
	[PK_KFUNC_RETURN] = { "kernel function return", "kfunc_return" },
	[PK_TRACEPOINT] = { "tracepoint", "tracepoint" },
	[PK_UFUNC] = { "user function", "ufunc" },
	[PK_USDT] = { "USDT probe", "usdt" },
	[PK_SAMPLING] = { "stack sampling", "sampling" },
	[PK_AGGREGATION] = { "aggregation", "aggregation" },
	[PK_TRANSPORT] = { "event transport", "transport" },
};

const char *probe_kind_name(enum probe_kind k)
{
	return (unsigned)k < PK__COUNT ? kinds[k].name : "?";
}

const char *probe_kind_id(enum probe_kind k)
{
	return (unsigned)k < PK__COUNT ? kinds[k].id : "?";
}

const char *rung_name(enum rung r)
{
	return (unsigned)r < RUNG__COUNT ? rungs[r].name : "?";
}

const char *rung_id(enum rung r)
{
	return (unsigned)r < RUNG__COUNT ? rungs[r].id : "?";
}

enum mechanism rung_mechanism(enum rung r)
{
	return (unsigned)r < RUNG__COUNT ? rungs[r].mech : MECH_AUTO;
}

int plan_ladder(enum probe_kind kind, const enum rung **out)
{
	int n = 0;

	if ((unsigned)kind >= PK__COUNT) {
		*out = NULL;
		return 0;
	}
	*out = ladders[kind];
	while (ladders[kind][n] != RUNG_NONE)
		n++;
	return n;
}

bool rung_usable(enum rung r, const struct kernel_facts *f,
		 enum fact_id *failed)
{
	const struct rung_desc *d = &rungs[r];

	for (int i = 0; i < d->nneeds; i++)
		if (fact_get(f, d->needs[i])->state != FACT_YES) {
			if (failed)
				*failed = d->needs[i];
			return false;
		}
	return true;
}

static void reason_add(struct plan *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void reason_add(struct plan *p, const char *fmt, ...)
{
	size_t len = strlen(p->reason);
	va_list ap;

	if (len + 1 >= sizeof(p->reason))
		return;
	if (len)
		p->reason[len++] = '\n';
	va_start(ap, fmt);
	vsnprintf(p->reason + len, sizeof(p->reason) - len, fmt, ap);
	va_end(ap);
}

static void reject(struct plan *p, enum rung r, const struct kernel_facts *f,
		   enum fact_id id)
{
	const struct fact *ft = fact_get(f, id);

	reason_add(p, "%s: %s %s: %s", rungs[r].name, fact_descs[id].name,
		   fact_state_name(ft->state),
		   ft->evidence[0] ? ft->evidence : "not probed");
	if (p->nrejected < (int)ARRAY_SIZE(p->rejected)) {
		p->rejected[p->nrejected].rung = r;
		p->rejected[p->nrejected].fact = id;
		p->nrejected++;
	}
}

static bool allowed(enum rung r, enum mechanism forced)
{
	return forced == MECH_AUTO || rungs[r].mech == forced ||
	       r == RUNG_USER_AGGREGATION;
}

static bool implemented(enum rung r, const enum rung *impl)
{
	if (!impl)
		return true;
	for (; *impl != RUNG_NONE; impl++)
		if (*impl == r)
			return true;
	return false;
}

int plan_select(enum probe_kind kind, const struct kernel_facts *f,
		enum mechanism forced, struct plan *plan)
{
	return plan_select_among(kind, f, forced, NULL, plan);
}

int plan_select_among(enum probe_kind kind, const struct kernel_facts *f,
		      enum mechanism forced, const enum rung *impl,
		      struct plan *plan)
{
	const enum rung *ladder;
	int n, considered = 0;

	memset(plan, 0, sizeof(*plan));
	plan->kind = kind;
	n = plan_ladder(kind, &ladder);
	for (int i = 0; i < n; i++) {
		enum rung r = ladder[i];
		enum fact_id failed;

		if (!allowed(r, forced) || !implemented(r, impl))
			continue;
		considered++;
		if (!rung_usable(r, f, &failed)) {
			reject(plan, r, f, failed);
			continue;
		}
		plan->rung = r;
		plan->mech = rungs[r].mech;
		if (rungs[r].note)
			reason_add(plan, "%s: %s", rungs[r].name, rungs[r].note);
		return 0;
	}
	if (!considered)
		reason_add(plan, "no %s mechanism for %s", mechanism_name(forced),
			   probe_kind_name(kind));
	return -1;
}

const char *plan_reason_line(const struct plan *plan, char *buf, size_t size)
{
	size_t o = 0;

	if (!size)
		return buf;
	for (const char *s = plan->reason; *s && o + 1 < size; s++) {
		if (*s == '\n') {
			if (o + 2 >= size)
				break;
			buf[o++] = ';';
			buf[o++] = ' ';
		} else {
			buf[o++] = *s;
		}
	}
	buf[o] = '\0';
	return buf;
}
