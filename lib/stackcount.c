// SPDX-License-Identifier: GPL-2.0
/* sonde stack PROBE: stacks counted on the hist engine. */
#include <stdlib.h>
#include <string.h>

#include "hist.h"
#include "proctrack.h"
#include "sonde.h"
#include "stack.h"
#include "symbolize.h"

struct counting {
	const struct stack_opts *o;
	struct stackagg *agg;
	struct hist_stats st;
	struct perf_rings side;	/* mmaps of processes that come and go */
	int k, u;		/* key index of each stack, -1: not asked */
};

/* The table hist collected, as stacks. */
static void consume(void *ctx, const struct hist_table *t,
		    const struct hist_stats *st)
{
	struct counting *c = ctx;
	const struct hist_entry *e;
	size_t n;

	proctrack_drain(&c->side);
	e = hist_table_entries(t, &n);
	for (size_t i = 0; i < n; i++) {
		const struct hist_kval *kk = c->k >= 0 ? &e[i].key[c->k] : NULL;
		const struct hist_kval *uk = c->u >= 0 ? &e[i].key[c->u] : NULL;
		struct stack_sample s = {
			.pid = e[i].key[0].i, .comm = e[i].key[1].s,
			.value = e[i].count,
		};

		if (kk) {
			s.kips = kk->ips;
			s.nk = kk->nips;
			s.ktext = kk->s;
		}
		if (uk) {
			s.uips = uk->ips;
			s.nu = uk->nips;
		}
		stackagg_add(c->agg, &s);
	}
	c->st = *st;
}

static void tick(void *ctx)
{
	proctrack_drain(&((struct counting *)ctx)->side);
}

static void request_keys(struct hist_request *req, struct counting *c)
{
	req->keys[req->nkeys++] = (struct hist_key){ HKEY_PID, "pid" };
	req->keys[req->nkeys++] = (struct hist_key){ HKEY_COMM, "comm" };
	c->k = c->u = -1;
	if (c->o->kernel) {
		c->k = req->nkeys;
		req->keys[req->nkeys++] = (struct hist_key){ HKEY_KSTACK, "kstack" };
	}
	if (c->o->user) {
		c->u = req->nkeys;
		req->keys[req->nkeys++] = (struct hist_key){ HKEY_USTACK, "ustack" };
	}
}

int stackcount_run(struct stack_opts *o)
{
	struct hist_request req = {
		.mode = HIST_COUNT, .pid = o->pid, .duration = o->duration,
		.launch = o->launch, .banner_what = "stacks at",
	};
	struct counting c = { .o = o };
	char err[1024];
	int status;

	request_keys(&req, &c);
	status = hist_request_add_probes(&req, o->probes, o->nprobes, o->binary,
					 err, sizeof(err));
	if (status) {
		status == EXIT_USAGE ? usage_error("%s", err) : error("%s", err);
		goto out;
	}
	if (!(c.agg = stackagg_new())) {
		status = error("out of memory");
		goto out;
	}
	/* mmaps from now on, then what runs now: all named at the end */
	if (o->user && proctrack_open(&c.side, err, sizeof(err)))
		vinfo("processes that exit before the end may not be named: %s", err);
	if (o->user)
		o->pid ? (void)sym_proc_capture(o->pid) : sym_proc_capture_all();
	req.consume = consume;
	req.tick = tick;
	req.hook_ctx = &c;
	status = hist_run(&req);
	if (!status) {
		struct stack_totals t = {
			.events = stackagg_total(c.agg), .lost = c.st.lost,
			.dropped = c.st.dropped,
		};

		status = stack_output_write(&o->out, c.agg, &t);
	}
out:
	perf_rings__close(&c.side);
	stackagg_free(c.agg);
	hist_request_free(&req);
	return status;
}
