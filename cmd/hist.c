// SPDX-License-Identifier: GPL-2.0
/*
 * sonde hist: latency and value histograms and keyed counts, aggregated
 * in the kernel where it can (bcc funclatency, argdist, funccount;
 * bpftrace hist(), lhist(), count()). The command line becomes a struct
 * hist_request; lib/hist.c does the rest.
 */
#include <stdlib.h>
#include <string.h>

#include "cmds.h"
#include "hist.h"
#include "options.h"
#include "sonde.h"

static const char *const hist_usage[] = {
	"sonde hist [<options>] FUNC [-- CMD [ARGS]]      latency of a function, entry to return",
	"sonde hist [<options>] --from PROBE --to PROBE [--key EXPR]   latency between two events",
	"sonde hist [<options>] -V EXPR PROBE             distribution of a value",
	"sonde hist [<options>] --count PROBE...          events per key (globs allowed)",
	"sonde hist --preset NAME [<options>] [ARGS]      a bcc tool: biolatency, runqlat, syscount, vfsstat, argdist",
	NULL,
};

struct hist_args {
	const char *from, *to, *value, *by, *linear;
	bool count, nsec, usec, msec, sec;
	int top;
};

/* Split "comm,args->dev" at top-level commas into keys. */
static int parse_keys(struct hist_request *req, const char *list)
{
	static const struct { const char *name; enum hist_key_kind kind; } named[] = {
		{ "comm", HKEY_COMM }, { "pid", HKEY_PID }, { "tid", HKEY_TID },
		{ "cpu", HKEY_CPU }, { "func", HKEY_FUNC }, { "kstack", HKEY_KSTACK },
		{ "ustack", HKEY_USTACK },
	};
	char *copy = strdup(list), *p = copy, *start = copy;
	int depth = 0;

	for (;; p++) {
		if (*p == '(' || *p == '[')
			depth++;
		else if ((*p == ')' || *p == ']') && depth)
			depth--;
		if ((*p != ',' || depth) && *p)
			continue;
		bool end = !*p;

		*p = '\0';
		if (!*start)
			return usage_error("--by: empty key in '%s'", list);
		if (req->nkeys == HIST_MAX_KEYS)
			return usage_error("--by: at most %d keys", HIST_MAX_KEYS);
		struct hist_key *k = &req->keys[req->nkeys++];

		*k = (struct hist_key){ .kind = HKEY_EXPR, .text = strdup(start) };
		for (size_t i = 0; i < sizeof(named) / sizeof(named[0]); i++)
			if (!strcmp(start, named[i].name))
				k->kind = named[i].kind;
		if (end)
			break;
		start = p + 1;
	}
	free(copy);
	return 0;
}

static int parse_linear(struct hist_request *req, const char *s)
{
	long long min, max, step;
	int n = 0;

	if (sscanf(s, "%lld,%lld,%lld%n", &min, &max, &step, &n) != 3 || s[n])
		return usage_error("--linear wants MIN,MAX,STEP (e.g. 0,100,10), not '%s'", s);
	if (step <= 0 || max <= min)
		return usage_error("--linear %s: need MIN < MAX and STEP > 0", s);
	if ((max - min) / step + 2 > HIST_MAX_BUCKETS)
		return usage_error("--linear %s: more than %d buckets", s, HIST_MAX_BUCKETS);
	req->buckets = HIST_BUCKETS_LINEAR;
	req->lin_min = min;
	req->lin_max = max;
	req->lin_step = step;
	return 0;
}

static int pick_mode(struct hist_request *req, const struct hist_args *a, int nprobes)
{
	int modes = !!(a->from || a->to) + !!a->value + a->count;

	if (modes > 1)
		return usage_error("--from/--to, --value and --count cannot be used together");
	if ((a->from || a->to) && !(a->from && a->to))
		return usage_error("--from and --to go together");
	if (req->pair_text && !a->from)
		return usage_error("--key pairs --from and --to events; use --by to key the histogram");
	if (a->from) {
		req->mode = HIST_PAIR;
		if (nprobes)
			return usage_error("unexpected argument with --from/--to (their probes are their values)");
		return 0;
	}
	if (a->value || !a->count) {
		req->mode = a->value ? HIST_VALUE : HIST_LATENCY;
		if (!nprobes)
			return usage_error("no probe given; e.g. sonde hist vfs_read");
		if (nprobes > 1)
			return usage_error("one probe expected, %d given (--count takes several)",
					   nprobes);
		return 0;
	}
	req->mode = HIST_COUNT;
	if (!nprobes)
		return usage_error("--count needs at least one probe, e.g. sonde hist --count 'vfs_*'");
	return 0;
}

static int pick_unit(struct hist_request *req, const struct hist_args *a)
{
	int n = a->nsec + a->usec + a->msec + a->sec;

	if (n > 1)
		return usage_error("-n, -u, -m and -s cannot be used together");
	if (n && req->mode != HIST_LATENCY && req->mode != HIST_PAIR)
		return usage_error("-n, -u, -m and -s set the unit of latencies; --value and --count have none");
	req->unit = a->nsec ? HIST_NSEC : a->msec ? HIST_MSEC : a->sec ? HIST_SEC : HIST_USEC;
	return 0;
}

static int check_request(struct hist_request *req, struct hist_args *a, int nprobes)
{
	int status;

	if ((status = pick_mode(req, a, nprobes)) || (status = pick_unit(req, a)))
		return status;
	if (req->interval < 0 || req->duration < 0 || a->top < 0)
		return usage_error("-i, -d and --top must not be negative");
	req->top = a->top;
	if (req->mode == HIST_COUNT) {
		if (a->linear)
			return usage_error("--linear makes histograms; --count counts");
		req->keys[req->nkeys++] = (struct hist_key){ HKEY_FUNC, "func" };
	} else if (!a->linear) {
		req->buckets = HIST_BUCKETS_LOG2;
	}
	if (a->linear && (status = parse_linear(req, a->linear)))
		return status;
	if (a->by && (status = parse_keys(req, a->by)))
		return status;
	return 0;
}

static int find_dashdash(int argc, char **argv)
{
	for (int i = 0; i < argc; i++)
		if (!strcmp(argv[i], "--"))
			return i;
	return -1;
}

int cmd_hist(int argc, char **argv)
{
	struct hist_request req = { 0 };
	struct hist_args a = { 0 };
	const char *binary = NULL, *preset = NULL;
	char err[1024];
	struct launch launch;
	int status, nprobes, dashdash;
	const struct option opts[] = {
		{ OPT_GROUP, 0, NULL, NULL, NULL, "What" },
		{ OPT_STRING, 0, "preset", &preset, "NAME", "first: a bcc tool with its options (NAME -h lists them)",
		  "biolatency runqlat syscount vfsstat argdist" },
		{ OPT_STRING, 0, "from", &a.from, "PROBE", "latency from this event..." },
		{ OPT_STRING, 0, "to", &a.to, "PROBE", "...to this one, paired by --key" },
		{ OPT_STRING, 0, "key", &req.pair_text, "EXPR", "pair --from and --to events by EXPR (default: the thread)" },
		{ OPT_STRING, 'V', "value", &a.value, "EXPR", "histogram of EXPR at PROBE (arg2, args->count, retval)" },
		{ OPT_BOOL, 'C', "count", &a.count, NULL, "count events at each PROBE (globs allowed)" },
		{ OPT_STRING, 'x', "exec", &binary, "BINARY", "user functions are in BINARY" },
		{ OPT_GROUP, 0, NULL, NULL, NULL, "How" },
		{ OPT_STRING, 0, "by", &a.by, "KEYS", "key by comm, pid, tid, cpu, func, kstack, ustack or EXPR (comma separated)",
		  "comm pid tid cpu func kstack ustack" },
		{ OPT_STRING, 0, "linear", &a.linear, "MIN,MAX,STEP", "linear buckets instead of powers of two" },
		{ OPT_BOOL, 'n', "nsecs", &a.nsec, NULL, "latency in nanoseconds" },
		{ OPT_BOOL, 'u', "usecs", &a.usec, NULL, "latency in microseconds (default)" },
		{ OPT_BOOL, 'm', "msecs", &a.msec, NULL, "latency in milliseconds" },
		{ OPT_BOOL, 's', "secs", &a.sec, NULL, "latency in seconds" },
		{ OPT_DOUBLE, 'i', "interval", &req.interval, "SECONDS", "print and reset every SECONDS, with the time" },
		{ OPT_DOUBLE, 'd', "duration", &req.duration, "SECONDS", "stop after SECONDS" },
		{ OPT_INT, 0, "top", &a.top, "N", "only the N keys with the most events" },
		{ OPT_INT, 'p', "pid", &req.pid, "PID", "only this process" },
		{ OPT_STRING, 0, "comm", &req.comm, "NAME", "only tasks with this name" },
		{ OPT_BOOL, 0, "user-agg", &req.user_agg, NULL, "aggregate in user space (the last rung; --via picks the transport)" },
		OPT_END_MARK(),
	};

	if (argc > 1 && !strncmp(argv[1], "--preset=", 9))
		return cmd_hist_preset(argv[1] + 9, argc - 1, argv + 1);
	if (argc > 2 && !strcmp(argv[1], "--preset"))
		return cmd_hist_preset(argv[2], argc - 2, argv + 2);
	argc = parse_options(argc, argv, opts, hist_usage, PARSE_OPT_KEEP_DASHDASH);
	if (preset)
		return usage_error("--preset comes first: sonde hist --preset %s [<options>]", preset);
	dashdash = find_dashdash(argc, argv);
	nprobes = dashdash >= 0 ? dashdash : argc;
	req.value_text = a.value;
	if ((status = check_request(&req, &a, nprobes)))
		return status;
	if (dashdash >= 0 && dashdash + 1 >= argc)
		return usage_error("no command after '--'");
	if (dashdash >= 0 && req.pid)
		return usage_error("-p and '-- CMD' cannot be used together");
	if ((status = check_pid_exists(req.pid)))
		return status;
	char *pair[2] = { (char *)a.from, (char *)a.to };

	status = hist_request_add_probes(&req, req.mode == HIST_PAIR ? pair : argv,
					 req.mode == HIST_PAIR ? 2 : nprobes, binary,
					 err, sizeof(err));
	if (status) {
		status == EXIT_USAGE ? usage_error("%s", err) : error("%s", err);
		goto out;
	}
	if (dashdash >= 0) {
		if ((status = launch_start(&launch, argv + dashdash + 1)))
			goto out;
		req.launch = &launch;
	}
	status = hist_run(&req);
out:
	hist_request_free(&req);
	return status;
}
