// SPDX-License-Identifier: GPL-2.0
/*
 * Running a hist request: resolve its probes, walk the aggregation ladder
 * (lib/plan.c) trying each implemented rung until one starts, then print
 * the table at every interval and at the end.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hist.h"
#include "kernel_facts.h"
#include "runloop.h"
#include "sonde.h"
#include "util.h"

/* The rungs sonde hist implements, best first. */
static const struct hist_rung_ops *const rung_ops[] = {
	&hist_bpf_rung,
	&hist_trigger_rung,
	&hist_user_rung,
};

static const struct hist_rung_ops *ops_of(enum rung r)
{
	for (size_t i = 0; i < ARRAY_SIZE(rung_ops); i++)
		if (rung_ops[i]->rung == r)
			return rung_ops[i];
	return NULL;
}

/* The rungs still to try: implemented, not yet refused, and allowed by
 * --user-agg. */
static int candidates(const struct hist_request *req, const bool *tried,
		      enum rung *impl)
{
	int n = 0;

	for (size_t i = 0; i < ARRAY_SIZE(rung_ops); i++) {
		enum rung r = rung_ops[i]->rung;

		if (tried[i] || (req->user_agg && r != RUNG_USER_AGGREGATION))
			continue;
		impl[n++] = r;
	}
	impl[n] = RUNG_NONE;
	return n;
}

static int resolve_probes(struct hist_request *req)
{
	char err[1024];
	int ret;

	for (int i = 0; i < req->nprobes; i++)
		if ((ret = tprobe_resolve(&req->probes[i].tp, err, sizeof(err))))
			return ret == EXIT_USAGE ? usage_error("%s", err) : error("%s", err);
	return 0;
}

static void mark_tried(enum rung r, bool *tried)
{
	for (size_t i = 0; i < ARRAY_SIZE(rung_ops); i++)
		if (rung_ops[i]->rung == r)
			tried[i] = true;
}

/* Start the best rung that accepts the request; exit status on failure. */
static int start_rung(struct hist_request *req, struct hist_rung *r)
{
	const struct kernel_facts *kf = features_get();
	bool tried[ARRAY_SIZE(rung_ops)] = { false };
	enum rung impl[ARRAY_SIZE(rung_ops) + 1];
	char err[1024] = "", why[1024];
	struct plan pl;
	int ret;

	while (candidates(req, tried, impl)) {
		if (plan_select_among(PK_AGGREGATION, kf, g_opts.via, impl, &pl)) {
			if (!err[0])
				return error("cannot aggregate on this kernel: %s",
					     plan_reason_line(&pl, why, sizeof(why)));
			break;
		}
		if (pl.nrejected)
			vinfo("aggregation: %s", plan_reason_line(&pl, why, sizeof(why)));
		vinfo("aggregation: trying %s", rung_name(pl.rung));
		*r = (struct hist_rung){ .ops = ops_of(pl.rung), .req = req };
		ret = r->ops->start(r, err, sizeof(err));
		if (!ret)
			return 0;
		r->ops->free(r);
		r->ops = NULL;
		if (ret != -EOPNOTSUPP && g_opts.via != MECH_AUTO)
			break;
		vinfo("%s: %s", rung_name(pl.rung), err);
		mark_tried(pl.rung, tried);
	}
	return error("%s", err[0] ? err : "no aggregation mechanism accepted the request");
}

struct runner {
	struct hist_rung *r;
	uint64_t deadline;	/* mono ns of the next interval's end */
};

static int poll_rung(void *ctx, int timeout_ms)
{
	struct runner *run = ctx;
	const struct hist_request *req = run->r->req;
	int n = run->r->ops->poll(run->r, timeout_ms);

	if (req->tick)
		req->tick(req->hook_ctx);
	if (req->launch && launch_exited(req->launch))
		signals_request_stop();
	return n;
}

static int print_collected(struct hist_rung *r, struct hist_table *t, bool reset,
			   uint64_t ts)
{
	struct hist_stats st = { 0 };
	int ret;

	hist_table_clear(t);
	if ((ret = r->ops->collect(r, t, reset)))
		return error("reading the aggregation failed: %s", strerror(-ret));
	r->ops->stats(r, &st);
	if (r->req->consume)
		r->req->consume(r->req->hook_ctx, t, &st);
	else
		hist_table_print(t, ts, &st, stdout);
	fflush(stdout);
	return 0;
}

/* The end: stop recording, take in what is buffered. */
static void stop_rung(struct hist_rung *r)
{
	if (r->ops->stop)
		r->ops->stop(r);
}

/* -i: print and reset every interval until -d or a stop. */
static int run_intervals(struct hist_rung *r, struct hist_table *t)
{
	const struct hist_request *req = r->req;
	struct runner run = { .r = r };
	uint64_t start = now_mono_ns(), step = req->interval * 1e9;
	bool last = false;
	int ret, status = 0;

	for (int k = 1; !last && !status; k++) {
		uint64_t end = start + k * step, now = now_mono_ns();

		if (end > now && (ret = runloop_run(poll_rung, &run, (end - now) / 1e9)))
			return error("reading events failed: %s", strerror(-ret));
		last = signals_stop_requested() || (req->duration > 0 &&
			(double)(now_mono_ns() - start) / 1e9 >= req->duration - req->interval / 2);
		if (last)
			stop_rung(r);
		status = print_collected(r, t, true, now_real_ns());
	}
	return status;
}

static int run_once(struct hist_rung *r, struct hist_table *t)
{
	struct runner run = { .r = r };
	int ret = runloop_run(poll_rung, &run, r->req->duration);

	if (ret)
		return error("reading events failed: %s", strerror(-ret));
	stop_rung(r);
	return print_collected(r, t, false, 0);
}

static void banner(const struct hist_request *req, struct hist_rung *r)
{
	static const char *const what[] = {
		[HIST_LATENCY] = "latency of", [HIST_PAIR] = "latency from",
		[HIST_VALUE] = "values at", [HIST_COUNT] = "events at",
	};
	const char *name = req->probes[0].tp.label;

	fprintf(stderr, "Tracing %s %s%s%s%s, aggregated by %s. Ctrl-C to end.\n",
		req->banner_what ? req->banner_what : what[req->mode], name, req->mode == HIST_PAIR ? " to " : "",
		req->mode == HIST_PAIR ? req->probes[req->nprobes - 1].tp.label : "",
		req->mode == HIST_COUNT && req->nprobes > 1 ? " and others" : "",
		r->ops->describe(r));
	if (r->ops->rung == RUNG_USER_AGGREGATION)
		fprintf(stderr, "note: aggregating in user space: every event is copied out of the kernel (-v says why)\n");
}

int hist_run(struct hist_request *req)
{
	struct hist_rung r = { 0 };
	struct hist_table *t = NULL;
	char err[512];
	int status;

	if ((status = resolve_probes(req)))
		return status;
	signals_install();
	if ((status = start_rung(req, &r)))
		goto out;
	if (req->launch && launch_release(req->launch, err, sizeof(err))) {
		status = error("%s", err);
		goto out;
	}
	if (!(t = hist_table_new(req))) {
		status = error("out of memory");
		goto out;
	}
	banner(req, &r);
	status = req->interval > 0 ? run_intervals(&r, t) : run_once(&r, t);
out:
	if (r.ops)
		r.ops->free(&r);
	hist_table_free(t);
	if (req->launch)
		launch_abort(req->launch);
	return status;
}
