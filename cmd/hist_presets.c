// SPDX-License-Identifier: GPL-2.0
/*
 * sonde hist --preset NAME: bcc's histogram tools (biolatency, runqlat,
 * syscount, vfsstat, argdist) with their main options, each one a hist
 * request (include/hist.h): no aggregation of its own, only the probes,
 * keys and the way the table is printed. Also applets (main.c).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmds.h"
#include "hist.h"
#include "kernel_facts.h"
#include "options.h"
#include "sonde.h"
#include "syscalls.h"
#include "util.h"

/* bcc's positional [interval [count]]: -i and -d of the request. */
static int interval_args(struct hist_request *req, int argc, char **argv)
{
	double iv = 0, n = 0;

	if (argc > 2)
		return usage_error("unexpected argument '%s' (takes [interval [count]])", argv[2]);
	if (argc >= 1 && parse_seconds(argv[0], &iv))
		return usage_error("interval '%s' is not a positive number of seconds", argv[0]);
	if (argc == 2 && (parse_seconds(argv[1], &n) || n != (int)n))
		return usage_error("count '%s' is not a positive whole number", argv[1]);
	if (argc >= 1)
		req->interval = iv;
	if (argc == 2)
		req->duration = iv * n;
	if (req->interval < 0 || req->duration < 0)
		return usage_error("-i and -d must not be negative");
	return 0;
}

static int run_request(struct hist_request *req, char **texts, int n)
{
	char err[1024];
	int status = hist_request_add_probes(req, texts, n, NULL, err, sizeof(err));

	if (status)
		status == EXIT_USAGE ? usage_error("%s", err) : error("%s", err);
	else
		status = hist_run(req);
	hist_request_free(req);
	return status;
}

static void add_key(struct hist_request *req, enum hist_key_kind kind, const char *text)
{
	req->keys[req->nkeys++] = (struct hist_key){ kind, text };
}

/* An interval's header, as the table prints it: consume hooks get none. */
static uint64_t interval_ts(const struct hist_request *req)
{
	return req->interval > 0 ? now_real_ns() : 0;
}

/* ---- biolatency ---- */

/* "vda" for the kernel's dev_t (major << 20 | minor), else "254,0". */
static void disk_name(int64_t dev, char *buf, size_t size)
{
	unsigned int maj = (uint64_t)dev >> 20, min = dev & 0xfffff;
	char path[64], link[256];
	ssize_t n;

	snprintf(path, sizeof(path), "/sys/dev/block/%u:%u", maj, min);
	n = readlink(path, link, sizeof(link) - 1);
	if (n > 0) {
		link[n] = '\0';
		snprintf(buf, size, "%s", strrchr(link, '/') ? strrchr(link, '/') + 1 : link);
		return;
	}
	snprintf(buf, size, "%u,%u", maj, min);
}

/* -D: the same table with disk names for device numbers. */
static void print_by_disk(void *ctx, const struct hist_table *t,
			  const struct hist_stats *st)
{
	const struct hist_request *req = ctx;
	struct hist_request shown = *req;
	struct hist_table *named;
	const struct hist_entry *e;
	size_t n;

	shown.keys[0].text = "disk";
	if (!(named = hist_table_new(&shown))) {
		error("out of memory");
		return;
	}
	e = hist_table_entries(t, &n);
	for (size_t i = 0; i < n; i++) {
		char name[64];
		struct hist_kval k = { .s = name };
		struct hist_entry *d;

		disk_name(e[i].key[0].i, name, sizeof(name));
		if ((d = hist_table_entry(named, &k)))
			hist_entry_add_agg(named, d, e[i].count, e[i].sum, e[i].min,
					   e[i].max, e[i].buckets);
	}
	hist_table_print(named, interval_ts(req), st, stdout);
	hist_table_free(named);
}

static int preset_biolatency(int argc, char **argv)
{
	static const char *const usage[] = {
		"biolatency [-m] [-D | -F] [-Q] [-d SECONDS] [interval [count]]",
		NULL,
	};
	struct hist_request req = { .mode = HIST_PAIR, .buckets = HIST_BUCKETS_LOG2,
				    .unit = HIST_USEC };
	bool msec = false, disks = false, queued = false, flags = false;
	const struct option opts[] = {
		{ OPT_BOOL, 'm', "milliseconds", &msec, NULL, "in milliseconds" },
		{ OPT_BOOL, 'D', "disks", &disks, NULL, "a histogram per disk" },
		{ OPT_BOOL, 'Q', "queued", &queued, NULL, "include the time queued (from block_rq_insert)" },
		{ OPT_BOOL, 'F', "flags", &flags, NULL, "a histogram per I/O flags (rwbs)" },
		{ OPT_DOUBLE, 'd', "duration", &req.duration, "SECONDS", "stop after SECONDS" },
		OPT_END_MARK(),
	};
	char *texts[2] = { "t:block:block_rq_issue", "t:block:block_rq_complete" };
	int status;

	argc = parse_options(argc, argv, opts, usage, 0);
	if ((status = interval_args(&req, argc, argv)))
		return status;
	if (disks && flags)
		return usage_error("-D and -F cannot be used together");
	if (queued)
		texts[0] = "t:block:block_rq_insert";
	if (msec)
		req.unit = HIST_MSEC;
	/* a request is its disk and first sector, from issue to completion */
	req.pair_text = "(args->dev << 40) ^ args->sector";
	if (disks) {
		add_key(&req, HKEY_EXPR, "args->dev");
		req.consume = print_by_disk;
		req.hook_ctx = &req;
	}
	if (flags)
		add_key(&req, HKEY_EXPR, "args->rwbs");
	req.banner_what = "block I/O latency from";
	return run_request(&req, texts, 2);
}

/* ---- runqlat ---- */

/* Switches to tasks that were preempted, not woken, have no start: not
 * an error worth a warning here. */
static void print_runq(void *ctx, const struct hist_table *t,
		       const struct hist_stats *st)
{
	struct hist_stats quiet = *st;

	quiet.missed = 0;
	hist_table_print(t, interval_ts(ctx), &quiet, stdout);
}

static int preset_runqlat(int argc, char **argv)
{
	static const char *const usage[] = {
		"runqlat [-m] [-p PID] [-d SECONDS] [interval [count]]",
		NULL,
	};
	struct hist_request req = { .mode = HIST_PAIR, .buckets = HIST_BUCKETS_LOG2,
				    .unit = HIST_USEC };
	bool msec = false;
	int pid = 0, status;
	const struct option opts[] = {
		{ OPT_BOOL, 'm', "milliseconds", &msec, NULL, "in milliseconds" },
		{ OPT_INT, 'p', "pid", &pid, "PID", "only this thread's waits" },
		{ OPT_DOUBLE, 'd', "duration", &req.duration, "SECONDS", "stop after SECONDS" },
		OPT_END_MARK(),
	};
	char w[96], wn[96];
	char *texts[3] = { w, wn, "t:sched:sched_switch /args->next_pid != 0/" };

	argc = parse_options(argc, argv, opts, usage, 0);
	if ((status = interval_args(&req, argc, argv)))
		return status;
	if (pid < 0)
		return usage_error("-p must be a process id");
	if (msec)
		req.unit = HIST_MSEC;
	/* the woken task is in the event, not the one that runs it */
	snprintf(w, sizeof(w), pid ? "t:sched:sched_wakeup /args->pid == %d/" :
		 "t:sched:sched_wakeup", pid);
	snprintf(wn, sizeof(wn), pid ? "t:sched:sched_wakeup_new /args->pid == %d/" :
		 "t:sched:sched_wakeup_new", pid);
	req.pair_text = "args->pid";
	req.pair_to_text = "args->next_pid";
	req.consume = print_runq;
	req.hook_ctx = &req;
	req.banner_what = "run queue latency from";
	return run_request(&req, texts, 3);
}

/* ---- syscount ---- */

struct syscount {
	const struct hist_request *req;
	bool latency, per_process, msec;
	int top;
	struct sc_table names;
};

static int by_count(const void *a, const void *b)
{
	const struct hist_entry *x = *(const struct hist_entry *const *)a;
	const struct hist_entry *y = *(const struct hist_entry *const *)b;

	return x->count < y->count ? 1 : x->count > y->count ? -1 : 0;
}

static void syscount_row(const struct syscount *sc, const struct hist_entry *e)
{
	char name[48];

	if (sc->per_process) {
		printf("%-7lld %-16s", (long long)e->key[0].i, e->key[1].s ? e->key[1].s : "?");
	} else {
		const struct sc_info *si = sc_table_nr(&sc->names, e->key[0].i);
		const char *abi = sc_abi_name(e->key[0].i);

		snprintf(name, sizeof(name), "%s", si ? si->name : abi ? abi :
			 "syscall_");
		if (!si && !abi)
			snprintf(name, sizeof(name), "syscall_%lld", (long long)e->key[0].i);
		printf("%-22s", name);
	}
	printf(" %8llu", (unsigned long long)e->count);
	if (sc->latency)
		printf(" %14.3f", sc->msec ? e->sum / 1e6 : e->sum / 1e3);
	printf("\n");
}

static void print_syscount(void *ctx, const struct hist_table *t,
			   const struct hist_stats *st)
{
	struct syscount *sc = ctx;
	const struct hist_entry *e = hist_table_entries(t, &(size_t){ 0 });
	size_t n = hist_table_size(t);
	const struct hist_entry **v = calloc(n + 1, sizeof(*v));
	time_t now = time(NULL);
	char ts[16];

	(void)st;
	if (!v) {
		error("out of memory");
		return;
	}
	for (size_t i = 0; i < n; i++)
		v[i] = &e[i];
	qsort(v, n, sizeof(*v), by_count);
	if (sc->req->interval > 0) {
		strftime(ts, sizeof(ts), "%H:%M:%S", localtime(&now));
		printf("[%s]\n", ts);
	}
	if (sc->per_process)
		printf("%-7s %-16s %8s", "PID", "COMM", "COUNT");
	else
		printf("%-22s %8s", "SYSCALL", "COUNT");
	if (sc->latency)
		printf(" %14s", sc->msec ? "TIME (ms)" : "TIME (us)");
	printf("\n");
	for (size_t i = 0; i < n && (!sc->top || (int)i < sc->top); i++)
		syscount_row(sc, v[i]);
	printf("\n");
	free(v);
}

static int preset_syscount(int argc, char **argv)
{
	static const char *const usage[] = {
		"syscount [-L] [-P] [-x] [-m] [-p PID] [-T TOP] [-d SECONDS] [interval [count]]",
		NULL,
	};
	struct hist_request req = { .unit = HIST_NSEC };
	struct syscount sc = { .req = &req, .top = 10 };
	bool failures = false;
	const struct option opts[] = {
		{ OPT_BOOL, 'L', "latency", &sc.latency, NULL, "also the total time in each syscall" },
		{ OPT_BOOL, 'P', "process", &sc.per_process, NULL, "count by process, not by syscall" },
		{ OPT_BOOL, 'x', "failures", &failures, NULL, "only failed syscalls" },
		{ OPT_BOOL, 'm', "milliseconds", &sc.msec, NULL, "-L time in milliseconds (default: microseconds)" },
		{ OPT_INT, 'p', "pid", &req.pid, "PID", "only this process" },
		{ OPT_INT, 'T', "top", &sc.top, "TOP", "print only the TOP most frequent (default 10, 0: all)" },
		{ OPT_DOUBLE, 'd', "duration", &req.duration, "SECONDS", "stop after SECONDS" },
		OPT_END_MARK(),
	};
	char *texts[2] = { "t:raw_syscalls:sys_enter", "t:raw_syscalls:sys_exit" };
	char err[256];
	int status;

	argc = parse_options(argc, argv, opts, usage, 0);
	if ((status = interval_args(&req, argc, argv)))
		return status;
	if (req.pid < 0 || sc.top < 0)
		return usage_error("-p and -T must not be negative");
	if (failures)
		texts[1] = "t:raw_syscalls:sys_exit /args->ret < 0/";
	if (sc.per_process) {
		add_key(&req, HKEY_PID, "pid");
		add_key(&req, HKEY_COMM, "comm");
	} else {
		add_key(&req, HKEY_EXPR, "args->id");
	}
	if (!sc.per_process && sc_table_load(&sc.names, NULL, err, sizeof(err)))
		vinfo("syscall names: %s", err);
	req.consume = print_syscount;
	req.hook_ctx = &sc;
	req.banner_what = sc.latency ? "syscall latency from" : "syscalls at";
	/* the count (and time) at the exit, where -x sees the result */
	if (sc.latency) {
		/* log2 buckets, unprinted: hist triggers keep few keys then */
		req.mode = HIST_PAIR;
		req.buckets = HIST_BUCKETS_LOG2;
		status = run_request(&req, texts, 2);
	} else {
		req.mode = HIST_COUNT;
		status = run_request(&req, texts + 1, 1);
	}
	if (!sc.per_process)
		sc_table_free(&sc.names);
	return status;
}

/* ---- vfsstat ---- */

static const char *const vfs_columns[] = { "READ", "WRITE", "CREATE", "OPEN", "FSYNC" };

/* Where each column is counted: kernel functions, or syscalls. */
static const struct { const char *func; const char *syscalls; } vfs_sources[] = {
	{ "vfs_read", "read readv pread64 preadv preadv2" },
	{ "vfs_write", "write writev pwrite64 pwritev pwritev2" },
	{ "vfs_create", "creat" },
	{ "vfs_open", "open openat openat2" },
	{ "vfs_fsync", "fsync fdatasync" },
};

struct vfsstat {
	const struct hist_request *req;
	bool funcs;
	bool header;
};

/* The column of the probe hit ("vfs_read", "syscalls:sys_enter_pread64"). */
static int vfs_column(bool funcs, const char *hit)
{
	const char *ev = strrchr(hit, ':');

	ev = ev ? ev + 1 : hit;
	for (size_t c = 0; c < ARRAY_SIZE(vfs_sources); c++) {
		if (funcs) {
			if (!strcmp(ev, vfs_sources[c].func))
				return c;
			continue;
		}
		const char *list = vfs_sources[c].syscalls;
		size_t len;

		if (strncmp(ev, "sys_enter_", 10))
			continue;
		ev += 10;
		len = strlen(ev);
		for (const char *p = list; (p = strstr(p, ev)); p += len)
			if ((p == list || p[-1] == ' ') && (p[len] == ' ' || !p[len]))
				return c;
		ev -= 10;
	}
	return -1;
}

static void print_vfsstat(void *ctx, const struct hist_table *t,
			  const struct hist_stats *st)
{
	struct vfsstat *vs = ctx;
	uint64_t sums[ARRAY_SIZE(vfs_columns)] = { 0 };
	const struct hist_entry *e;
	double secs = vs->req->interval > 0 ? vs->req->interval : 1;
	time_t now = time(NULL);
	char ts[16];
	size_t n;

	(void)st;
	e = hist_table_entries(t, &n);
	for (size_t i = 0; i < n; i++) {
		int c = vfs_column(vs->funcs, e[i].key[0].s ? e[i].key[0].s : "");

		if (c >= 0)
			sums[c] += e[i].count;
	}
	if (!vs->header) {
		printf("%-8s", "TIME");
		for (size_t c = 0; c < ARRAY_SIZE(vfs_columns); c++)
			printf(" %8s/s", vfs_columns[c]);
		printf("\n");
		vs->header = true;
	}
	strftime(ts, sizeof(ts), "%H:%M:%S", localtime(&now));
	printf("%-8s", ts);
	for (size_t c = 0; c < ARRAY_SIZE(vfs_columns); c++)
		printf(" %10.0f", sums[c] / secs);
	printf("\n");
}

/* Kernel functions where this kernel can probe them (BPF kprobes or
 * kprobe_events), else the syscalls that reach them. */
static bool vfs_funcs_possible(char *why, size_t size)
{
	const struct kernel_facts *kf = features_get();

	if (kf->bpf_kprobe.state == FACT_YES || kf->kprobe_events.state == FACT_YES)
		return true;
	snprintf(why, size, "no kernel-function probes here (BPF kprobes: %s; kprobe_events: %s)",
		 kf->bpf_kprobe.evidence[0] ? kf->bpf_kprobe.evidence : "no",
		 kf->kprobe_events.evidence[0] ? kf->kprobe_events.evidence : "no");
	return false;
}

static int vfs_syscall_probes(char **texts, int *n)
{
	const char *root = features_tracefs_path();
	char path[4096];

	for (size_t c = 0; c < ARRAY_SIZE(vfs_sources); c++) {
		char *list = strdup(vfs_sources[c].syscalls), *save = NULL;

		if (!list)
			return -ENOMEM;
		for (char *s = strtok_r(list, " ", &save); s; s = strtok_r(NULL, " ", &save)) {
			snprintf(path, sizeof(path), "%s/events/syscalls/sys_enter_%s",
				 root ? root : "/sys/kernel/tracing", s);
			if (access(path, F_OK))
				continue;
			if (asprintf(&texts[(*n)++], "t:syscalls:sys_enter_%s", s) < 0) {
				free(list);
				return -ENOMEM;
			}
		}
		free(list);
	}
	return 0;
}

static int preset_vfsstat(int argc, char **argv)
{
	static const char *const usage[] = {
		"vfsstat [--syscalls] [-d SECONDS] [interval [count]]",
		NULL,
	};
	struct hist_request req = { .mode = HIST_COUNT, .interval = 1 };
	struct vfsstat vs = { .req = &req };
	bool syscalls = false;
	const struct option opts[] = {
		{ OPT_BOOL, 0, "syscalls", &syscalls, NULL, "count the syscalls, not the vfs_* kernel functions" },
		{ OPT_DOUBLE, 'd', "duration", &req.duration, "SECONDS", "stop after SECONDS" },
		OPT_END_MARK(),
	};
	char *texts[32], why[512] = "--syscalls";
	int n = 0, status;

	argc = parse_options(argc, argv, opts, usage, 0);
	if ((status = interval_args(&req, argc, argv)))
		return status;
	vs.funcs = !syscalls && vfs_funcs_possible(why, sizeof(why));
	if (vs.funcs) {
		for (size_t c = 0; c < ARRAY_SIZE(vfs_sources); c++)
			texts[n++] = strdup(vfs_sources[c].func);
	} else {
		fprintf(stderr, "vfsstat: counting syscalls, not vfs_* functions: %s\n", why);
		if (vfs_syscall_probes(texts, &n))
			return error("out of memory");
		if (!n)
			return error("no syscall tracepoints for reads, writes or opens on this kernel (CONFIG_FTRACE_SYSCALLS)");
	}
	add_key(&req, HKEY_FUNC, "func");
	req.consume = print_vfsstat;
	req.hook_ctx = &vs;
	req.banner_what = "vfs calls at";
	status = run_request(&req, texts, n);
	for (int i = 0; i < n; i++)
		free(texts[i]);
	return status;
}

/* ---- argdist ---- */

/*
 * bcc's specifier: TYPE:LIB:FUNC(SIGNATURE)[:TYPE:EXPR[:FILTER]][#LABEL],
 * e.g. p::do_sys_open(int dfd, const char *name):int:dfd or
 * t:syscalls:sys_enter_read():u64:args->count:args->fd==0. The probe is
 * what ends at the signature's ')'; TYPE is informational here (the
 * value's type comes from the probe).
 */
struct argdist_spec {
	char probe[512];
	char expr[256];
};

static int parse_argdist(const char *text, struct argdist_spec *sp)
{
	const char *open = strchr(text, '('), *close, *rest;
	char tail[512], *type, *expr, *filter, *label;
	int depth = 0;

	if (!open)
		return usage_error("'%s': bcc's form is p::FUNC(SIGNATURE):TYPE:EXPR[:FILTER] (the parentheses are needed)",
				   text);
	for (close = open; *close; close++)
		if (*close == '(')
			depth++;
		else if (*close == ')' && !--depth)
			break;
	if (!*close)
		return usage_error("'%s': no ')' closing the signature", text);
	rest = close + 1;
	snprintf(tail, sizeof(tail), "%s", rest);
	if ((label = strchr(tail, '#')))
		*label = '\0';
	sp->expr[0] = '\0';
	filter = NULL;
	if (tail[0] == ':') {
		type = tail + 1;
		if (!(expr = strchr(type, ':')))
			return usage_error("'%s': TYPE without EXPR after the signature", text);
		*expr++ = '\0';
		if ((filter = strchr(expr, ':')))
			*filter++ = '\0';
		snprintf(sp->expr, sizeof(sp->expr), "%s", expr);
	} else if (tail[0]) {
		return usage_error("'%s': expected ':TYPE:EXPR' after the signature", text);
	}
	/* an empty signature is bcc's "no arguments named" */
	snprintf(sp->probe, sizeof(sp->probe), "%.*s%s%s%s", (int)(close + 1 - text), text,
		 filter && *filter ? " (" : "", filter && *filter ? filter : "",
		 filter && *filter ? ")" : "");
	if (close == open + 1)
		snprintf(sp->probe, sizeof(sp->probe), "%.*s%s%s%s", (int)(open - text), text,
			 filter && *filter ? " (" : "", filter && *filter ? filter : "",
			 filter && *filter ? ")" : "");
	return 0;
}

static int preset_argdist(int argc, char **argv)
{
	static const char *const usage[] = {
		"argdist (-H SPEC | -C SPEC) [-p PID] [-i SECONDS] [-n COUNT] [-d SECONDS] [-T TOP]",
		NULL,
	};
	struct hist_request req = { 0 };
	const char *hist_spec = NULL, *count_spec = NULL;
	int count = 0, top = 0, status;
	const struct option opts[] = {
		{ OPT_STRING, 'H', "histogram", &hist_spec, "SPEC", "histogram of EXPR: p::FUNC(SIG):TYPE:EXPR[:FILTER], t:CAT:EVENT():TYPE:EXPR" },
		{ OPT_STRING, 'C', "count", &count_spec, "SPEC", "count per value of EXPR (the same SPEC form)" },
		{ OPT_INT, 'p', "pid", &req.pid, "PID", "only this process" },
		{ OPT_DOUBLE, 'i', "interval", &req.interval, "SECONDS", "print every SECONDS" },
		{ OPT_INT, 'n', "number", &count, "COUNT", "print COUNT times, then stop" },
		{ OPT_DOUBLE, 'd', "duration", &req.duration, "SECONDS", "stop after SECONDS" },
		{ OPT_INT, 'T', "top", &top, "TOP", "only the TOP most frequent values" },
		OPT_END_MARK(),
	};
	struct argdist_spec sp;
	char *text;

	argc = parse_options(argc, argv, opts, usage, 0);
	if (argc)
		return usage_error("unexpected argument '%s' (give the probe with -H or -C)", argv[0]);
	if (!hist_spec == !count_spec)
		return usage_error("give one of -H SPEC or -C SPEC");
	if (req.pid < 0 || count < 0 || top < 0 || req.interval < 0 || req.duration < 0)
		return usage_error("-p, -i, -n, -d and -T must not be negative");
	if (count && !req.interval)
		req.interval = 1;
	if (count)
		req.duration = req.interval * count;
	if ((status = parse_argdist(hist_spec ? hist_spec : count_spec, &sp)))
		return status;
	req.top = top;
	if (hist_spec) {
		if (!sp.expr[0])
			return usage_error("-H needs an expression: SPEC:TYPE:EXPR");
		req.mode = HIST_VALUE;
		req.buckets = HIST_BUCKETS_LOG2;
		req.value_text = sp.expr;
	} else {
		req.mode = HIST_COUNT;
		add_key(&req, HKEY_FUNC, "func");
		if (sp.expr[0])
			add_key(&req, HKEY_EXPR, sp.expr);
	}
	text = sp.probe;
	return run_request(&req, &text, 1);
}

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
} presets[] = {
	{ "biolatency", preset_biolatency },
	{ "runqlat", preset_runqlat },
	{ "syscount", preset_syscount },
	{ "vfsstat", preset_vfsstat },
	{ "argdist", preset_argdist },
};

int cmd_hist_preset(const char *name, int argc, char **argv)
{
	for (size_t i = 0; i < ARRAY_SIZE(presets); i++) {
		if (strcmp(presets[i].name, name))
			continue;
		argv[0] = (char *)presets[i].name;
		return presets[i].fn(argc, argv);
	}
	return usage_error("no preset '%s' (biolatency, runqlat, syscount, vfsstat, argdist)",
			   name);
}
