// SPDX-License-Identifier: GPL-2.0
/* Pick the syscall source for this kernel and say why. */
#include <errno.h>
#include <string.h>

#include "kernel_facts.h"
#include "plan.h"
#include "sonde.h"
#include "syscalls.h"
#include "util.h"

static void explain(const struct plan *p)
{
	if (!g_opts.verbose)
		return;
	vinfo("%s: %s", probe_kind_name(p->kind), rung_name(p->rung));
	for (const char *l = p->reason; *l; ) {
		const char *nl = strchr(l, '\n');
		int len = nl ? (int)(nl - l) : (int)strlen(l);

		if (len)
			vinfo("  rejected %.*s", len, l);
		l += len + (nl ? 1 : 0);
	}
}

static struct sc_source *open_rung(const struct sc_table *t,
				   const struct sc_filter *f,
				   const struct kernel_facts *kf,
				   const struct plan *tp, char *err,
				   size_t errsz)
{
	struct plan tr;

	struct sc_source *s;

	switch (tp->rung) {
	case RUNG_BPF_RAW_TP:
	case RUNG_BPF_TRACEPOINT:
		plan_select(PK_TRANSPORT, kf, MECH_BPF, &tr);
		explain(&tr);
		/* The raw tracepoint program reads struct pt_regs at its
		 * x86-64 ABI offsets: unlike raw tracepoints in general it
		 * needs no BTF, so it is tried wherever the kernel has them. */
		if (tp->rung == RUNG_BPF_RAW_TP || kf->bpf_raw_tp.state == FACT_YES) {
			if (tp->rung != RUNG_BPF_RAW_TP)
				vinfo("syscalls: BPF raw tracepoints need no BTF here (pt_regs is ABI)");
			s = sc_bpf_open(t, f, true, tr.rung == RUNG_BPF_RINGBUF, err, errsz);
			if (s || tp->rung == RUNG_BPF_RAW_TP)
				return s;
			vinfo("BPF raw tracepoints failed (%s); trying BPF tracepoints", err);
		}
		return sc_bpf_open(t, f, false, tr.rung == RUNG_BPF_RINGBUF, err, errsz);
	case RUNG_TRACEFS_EVENT:
		return sc_trace_open(t, f, false, err, errsz);
	case RUNG_PERF_TRACEPOINT:
		return sc_trace_open(t, f, true, err, errsz);
	default:
		snprintf(err, errsz, "no mechanism");
		return NULL;
	}
}

/* The best rung among impl that is not in tried. */
static int choose(const struct kernel_facts *kf, enum mechanism via,
		  const enum rung *impl, const enum rung *tried, int ntried,
		  struct plan *p)
{
	enum rung left[8];
	int n = 0;

	for (int i = 0; impl[i] != RUNG_NONE && n < 7; i++) {
		bool done = false;

		for (int k = 0; k < ntried; k++)
			done |= tried[k] == impl[i];
		if (!done)
			left[n++] = impl[i];
	}
	left[n] = RUNG_NONE;
	return plan_select_among(PK_TRACEPOINT, kf, via, left, p);
}

struct sc_source *sc_source_open(const struct sc_table *t,
				 const struct sc_filter *f, enum mechanism via,
				 sc_cb cb, void *ctx, char *err, size_t errsz,
				 int *status)
{
	static const enum rung impl[] = {
		RUNG_BPF_RAW_TP, RUNG_BPF_TRACEPOINT, RUNG_TRACEFS_EVENT,
		RUNG_PERF_TRACEPOINT, RUNG_NONE,
	};
	const struct kernel_facts *kf = features_get();
	struct sc_source *s = NULL;
	enum rung tried[8];
	int ntried = 0;
	struct plan p, next;
	char why[512];

	*status = EXIT_FAIL;
	/* Walk down the ladder: a rung offered but failing at load or
	 * attach time falls to the next one (of the forced mechanism, when
	 * the user forced one). */
	for (;;) {
		if (choose(kf, via, impl, tried, ntried, &p)) {
			if (ntried)
				return NULL;	/* err says why the last failed */
			plan_reason_line(&p, why, sizeof(why));
			snprintf(err, errsz, "cannot trace syscalls%s%s%s: %s",
				 via ? " via " : "", via ? mechanism_name(via) : "",
				 kf->is_root ? "" : " (run as root, or with CAP_BPF, "
				 "CAP_PERFMON and access to tracefs)", why);
			return NULL;
		}
		explain(&p);
		s = open_rung(t, f, kf, &p, err, errsz);
		if (s)
			break;
		tried[ntried++] = p.rung;
		/* A rung that fails for a reason the others share (no such
		 * process) fails them all. */
		if (strstr(err, "no such process") ||
		    ntried == (int)ARRAY_SIZE(tried) ||
		    choose(kf, via, impl, tried, ntried, &next))
			return NULL;
		warning("%s failed (%s); trying %s", rung_name(p.rung), err,
			rung_name(next.rung));
	}
	s->cb = cb;
	s->cb_ctx = ctx;
	s->filter = *f;
	s->table = t;
	*status = EXIT_OK;
	return s;
}

int sc_source_poll(struct sc_source *s, int timeout_ms)
{
	return s->ops->poll(s, timeout_ms);
}

void sc_source_finish(struct sc_source *s)
{
	s->ops->finish(s);
}

uint64_t sc_source_lost(struct sc_source *s)
{
	return s->ops->lost(s);
}

struct loss sc_source_loss(struct sc_source *s)
{
	return s->ops->loss ? s->ops->loss(s) : loss_records(s->ops->lost(s));
}

bool sc_source_has_stats(struct sc_source *s)
{
	return s->ops->stats != NULL;
}

void sc_source_stats(struct sc_source *s, struct sc_summary *sum)
{
	if (s->ops->stats)
		s->ops->stats(s, sum);
}

void sc_source_close(struct sc_source *s)
{
	if (s)
		s->ops->close(s);
}
