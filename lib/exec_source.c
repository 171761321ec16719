// SPDX-License-Identifier: GPL-2.0
/* Pick the exec source for this kernel and say why. */
#include <errno.h>
#include <string.h>

#include "exec_source.h"
#include "kernel_facts.h"
#include "plan.h"
#include "privilege.h"
#include "sonde.h"

static struct exec_source *open_rung(const struct exec_filter *f,
				     const struct kernel_facts *kf,
				     const struct plan *tp,
				     char *err, size_t errsz)
{
	struct plan tr;

	switch (tp->mech) {
	case MECH_BPF:
		plan_select(PK_TRANSPORT, kf, MECH_BPF, &tr);
		plan_explain(&tr, NULL);
		return exec_bpf_open(f, kf->btf.state == FACT_YES,
				     tp->rung == RUNG_BPF_RAW_TP, tr.rung == RUNG_BPF_RINGBUF, err, errsz);
	case MECH_TRACEFS:
		return exec_trace_open(f, false, err, errsz);
	case MECH_PERF:
		return exec_trace_open(f, true, err, errsz);
	default:
		snprintf(err, errsz, "no mechanism");
		return NULL;
	}
}

struct exec_source *exec_source_open(const struct exec_filter *f,
				     enum mechanism via, exec_cb cb,
				     void *ctx, char *err, size_t errsz,
				     int *status)
{
	const struct kernel_facts *kf = features_get();
	struct exec_source *s;
	struct plan p;
	char why[512];

	*status = EXIT_FAIL;
	/* Walk down the ladder: a rung that is offered but fails at load
	 * time (an unexpected verifier or attach error) falls to the next
	 * mechanism, unless the user forced one. */
	static const enum rung impl[] = {
		RUNG_BPF_TRACEPOINT, RUNG_TRACEFS_EVENT, RUNG_PERF_TRACEPOINT,
		RUNG_NONE,
	};

	/* Only when no classic rung is usable (tracefs unreadable): raw
	 * sys_enter/sys_exit, attached by name; needs BTF. */
	static const enum rung raw_impl[] = { RUNG_BPF_RAW_TP, RUNG_NONE };
	struct plan raw;

	for (enum mechanism m = via; ; ) {
		if (plan_select_among(PK_TRACEPOINT, kf, m, impl, &p)) {
			if (!plan_select_among(PK_TRACEPOINT, kf, m, raw_impl, &raw)) {
				plan_explain(&p, "exec (classic tracepoints)");
				vinfo("exec: %s sys_enter/sys_exit instead (attached by name, needs no tracefs)",
				      rung_name(raw.rung));
				p = raw;
				goto chosen;
			}
			if (!privilege_tracefs_denied(why, sizeof(why)))
				plan_reason_line(&p, why, sizeof(why));
			snprintf(err, errsz, "cannot trace exec%s%s: %s",
				 via ? " via " : "", via ? mechanism_name(via) : "", why);
			return NULL;
		}
		plan_explain(&p, NULL);
chosen:
		s = open_rung(f, kf, &p, err, errsz);
		if (s || via != MECH_AUTO)
			break;
		warning("%s failed (%s); falling back", rung_name(p.rung), err);
		if (p.mech == MECH_BPF)
			m = MECH_TRACEFS;
		else if (p.mech == MECH_TRACEFS)
			m = MECH_PERF;
		else
			break;
	}
	if (!s)
		return NULL;
	s->cb = cb;
	s->cb_ctx = ctx;
	s->filter = *f;
	*status = EXIT_OK;
	return s;
}

int exec_source_poll(struct exec_source *s, int timeout_ms)
{
	return s->ops->poll(s, timeout_ms);
}

void exec_source_finish(struct exec_source *s)
{
	s->ops->finish(s);
}

struct loss exec_source_loss(struct exec_source *s)
{
	return s->ops->loss(s);
}

void exec_source_close(struct exec_source *s)
{
	if (s)
		s->ops->close(s);
}
