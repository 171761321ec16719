// SPDX-License-Identifier: GPL-2.0
/*
 * The snoop framework (see include/snoop.h): a tool's probe table becomes
 * engine probes run by lib/trace_session.c, whose events come back to the
 * tool's function; plus the pieces every tool shares (entry/exit pairing,
 * time columns, JSON, signal names).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "snoop.h"
#include "sonde.h"
#include "trace_session.h"
#include "util.h"

#define STASH_SLOTS 16384	/* power of two; threads inside a syscall */

struct snoop_stash {
	struct snoop_saved slot[STASH_SLOTS];
	bool used[STASH_SLOTS];
};

/* ---- probes ---- */

/*
 * "HEAD (FILTER) \"FORMAT\", VALUES": the tool's filter, -p, and never
 * sonde itself (its own reads of /proc would feed an open tracer). sonde
 * has one thread, so its tid is its pid, which tracefs filters can name.
 */
static char *probe_text(const struct snoop *s, const struct snoop_probe *p)
{
	bool own_task = !(p->flags & SNOOP_ANY_PID);
	char filter[640] = "", *text;
	size_t n = 0;

	if (own_task)
		n += snprintf(filter + n, sizeof(filter) - n, " && tid != %d", (int)getpid());
	if (own_task && s->pid > 0)
		n += snprintf(filter + n, sizeof(filter) - n, " && pid == %d", s->pid);
	if (p->filter)
		n += snprintf(filter + n, sizeof(filter) - n, " && (%s)", p->filter);
	if (asprintf(&text, "%s%s%s%s \"%s\"%s%s", p->head, n ? " (" : "",
		     n ? filter + 4 : "", n ? ")" : "", p->format ? p->format : "",
		     p->values ? ", " : "", p->values ? p->values : "") < 0)
		return NULL;
	return text;
}

static int init_probes(struct snoop *s)
{
	char err[1024];
	int status;

	s->tp = calloc(s->nprobes, sizeof(*s->tp));
	s->tool_idx = calloc(s->nprobes, sizeof(*s->tool_idx));
	for (int i = 0; i < s->nprobes; i++) {
		const struct snoop_probe *p = &s->probes[i];
		char *text = probe_text(s, p);

		status = tprobe_init(&s->tp[s->ntp], text, NULL, err, sizeof(err));
		free(text);
		if (!status) {
			s->tool_idx[s->ntp++] = i;
			continue;
		}
		tprobe_free(&s->tp[s->ntp]);
		if (!(p->flags & SNOOP_OPTIONAL))	/* the tool's own probe */
			return error("%s", err);
		vinfo("%s: not on this kernel, going on without it (%s)", p->head, err);
	}
	if (!s->ntp)
		return error("none of the events '%s' needs is on this kernel", s->name);
	return 0;
}

/* ---- events, in time order ---- */

/*
 * tracefs and perf read per-CPU buffers, and a task's syscall entry on one
 * CPU can reach sonde after its exit on another when a (virtual) CPU
 * stalls between reserving and committing a record, longer than the
 * stream's own hold-back. Events wait here HOLD_NS after arriving and
 * leave in timestamp order, so pairing never sees an exit first. The BPF
 * ring buffer is one ordered stream: no wait.
 */
#define HOLD_NS	(150 * 1000000ull)

struct held {
	uint64_t arrival;
	struct tprobe_event e;
	char comm[16];
	char *strs[TPROBE_MAX_SLOTS];
};

struct snoop_queue {
	struct held *h;
	size_t head, n, cap;
};

static void deliver(struct snoop *s, const struct tprobe_event *e)
{
	s->event(s, s->tool_idx[e->probe - s->tp], e);
}

/* The real uid of a running task, from /proc; -1 when it is gone. */
static uint32_t proc_uid(int tid)
{
	char path[64], buf[2048], *p;
	unsigned int uid;

	snprintf(path, sizeof(path), "/proc/%d/status", tid);
	if (read_text_file(path, buf, sizeof(buf)) < 0 || !(p = strstr(buf, "\nUid:")) ||
	    sscanf(p + 5, "%u", &uid) != 1)
		return (uint32_t)-1;
	return uid;
}

static void hold(struct snoop *s, const struct tprobe_event *e)
{
	struct snoop_queue *q = s->queue;
	struct held *h;
	size_t i;

	if (q->head && q->n == q->cap) {	/* reuse what was delivered */
		memmove(q->h, q->h + q->head, (q->n - q->head) * sizeof(*q->h));
		q->n -= q->head;
		q->head = 0;
	}
	if (q->n == q->cap) {
		size_t cap = q->cap ? 2 * q->cap : 1024;
		struct held *nh = realloc(q->h, cap * sizeof(*nh));

		if (!nh) {
			deliver(s, e);
			return;
		}
		q->h = nh;
		q->cap = cap;
	}
	/* mostly in order already: insert from the end */
	for (i = q->n; i > q->head && q->h[i - 1].e.ts > e->ts; i--)
		;
	memmove(q->h + i + 1, q->h + i, (q->n - i) * sizeof(*q->h));
	q->n++;
	h = &q->h[i];
	memset(h, 0, sizeof(*h));
	h->arrival = now_mono_ns();
	h->e = *e;
	h->e.kstack = h->e.ustack = NULL;
	/* tracefs events carry no uid: the task's, while it still runs */
	if (s->want_uid && h->e.uid == (uint32_t)-1)
		h->e.uid = proc_uid(e->tid);
	snprintf(h->comm, sizeof(h->comm), "%s", e->comm ? e->comm : "?");
	for (int k = 0; k < e->probe->nslots; k++)
		if (e->vals[k].is_str)
			h->e.vals[k].s = h->strs[k] = strdup(e->vals[k].s ? e->vals[k].s : "");
}

/* Deliver what has waited long enough (all: at the end). */
static void release(struct snoop *s, bool all)
{
	struct snoop_queue *q = s->queue;
	uint64_t now = now_mono_ns();

	while (q->head < q->n && (all || q->h[q->head].arrival + HOLD_NS <= now)) {
		struct held *h = &q->h[q->head++];

		h->e.comm = h->comm;
		deliver(s, &h->e);
		for (int k = 0; k < TPROBE_MAX_SLOTS; k++)
			free(h->strs[k]);
	}
	if (q->head == q->n)
		q->head = q->n = 0;
}

static void on_event(void *ctx, const struct tprobe_event *e, const char *func)
{
	struct snoop *s = ctx;

	if (s->mech == MECH_BPF)
		deliver(s, e);
	else
		hold(s, e);
}

static void on_tick(void *ctx)
{
	struct snoop *s = ctx;

	release(s, false);
	if (s->tick)
		s->tick(s, false);
}

static void on_finish(void *ctx)
{
	struct snoop *s = ctx;

	release(s, true);
	if (s->tick)
		s->tick(s, true);
}

static void on_started(void *ctx, enum mechanism mech)
{
	struct snoop *s = ctx;

	s->mech = mech;
	s->start_ns = now_mono_ns();
	if (s->started)
		s->started(s);
	if (!g_opts.json && s->header)
		s->header(s);
}

static uint64_t made(void *ctx)
{
	return ((struct snoop *)ctx)->made;
}

static bool paired(void *ctx)
{
	return ((struct snoop *)ctx)->paired;
}

/* Which engine probes define one tool event each (SNOOP_DEFINES). */
static bool *defining_probes(struct snoop *s)
{
	bool *def = NULL, any = false;

	for (int i = 0; i < s->ntp; i++)
		any |= s->probes[s->tool_idx[i]].flags & SNOOP_DEFINES;
	if (!any || !(def = calloc(s->ntp, sizeof(*def))))
		return NULL;
	for (int i = 0; i < s->ntp; i++)
		def[i] = s->probes[s->tool_idx[i]].flags & SNOOP_DEFINES;
	return def;
}

int snoop_run(struct snoop *s)
{
	struct trace_opts o = {
		.duration = s->duration, .on_event = on_event, .ctx = s,
		.started = on_started, .tick = on_tick, .finish = on_finish,
		.title = s->name,
	};
	struct snoop_queue queue = { 0 };
	int status;

	if (s->time_rel && s->time_wall)
		return usage_error("-t and -T cannot be used together");
	if (check_pid_exists(s->pid))
		return EXIT_USAGE;
	if (s->duration < 0)
		return usage_error("-d must not be negative");
	/* -p in the kernel on every mechanism (tracefs: set_event_pid), unless
	 * a probe must see other tasks */
	o.pid = s->pid;
	o.tool_probes = true;
	for (int i = 0; i < s->nprobes; i++)
		if (s->probes[i].flags & SNOOP_ANY_PID)
			o.pid = 0;
	s->queue = &queue;
	s->stash = calloc(1, sizeof(*s->stash));
	if (!s->stash)
		return error("out of memory");
	s->start_ns = now_mono_ns();
	status = init_probes(s);
	bool *defines = status ? NULL : defining_probes(s);
	o.defines = defines;
	o.made = made;
	o.paired = paired;
	if (!status)
		status = trace_session_run(s->tp, s->ntp, &o);
	free(defines);
	for (int i = 0; i < s->ntp; i++)
		tprobe_free(&s->tp[i]);
	for (int i = 0; i < STASH_SLOTS; i++)
		if (s->stash->used[i])
			snoop_saved_free(&s->stash->slot[i]);
	free(queue.h);
	free(s->tp);
	free(s->tool_idx);
	free(s->stash);
	return status;
}

/* ---- values ---- */

static const struct value *value_of(const struct tprobe_event *e, int i)
{
	const struct probe_spec *sp = &e->probe->spec;
	int slot;

	if (i >= sp->nprint || (slot = tprobe_slot_of(e->probe, sp->print[i])) < 0)
		return NULL;
	return &e->vals[slot];
}

int64_t snoop_int(const struct tprobe_event *e, int i)
{
	const struct value *v = value_of(e, i);

	return v && !v->is_str ? v->i : 0;
}

const char *snoop_str(const struct tprobe_event *e, int i)
{
	const struct value *v = value_of(e, i);

	return v && v->is_str ? v->s : NULL;
}

/* ---- pairing ---- */

void snoop_saved_free(struct snoop_saved *sv)
{
	free(sv->str);
	sv->str = NULL;
}

/* The thread's stash slot, emptied and marked used for probe idx. */
static struct snoop_saved *stash_claim(struct snoop *s, int idx, int tid)
{
	unsigned int k = (unsigned int)tid & (STASH_SLOTS - 1);
	struct snoop_saved *sv = &s->stash->slot[k];

	if (s->stash->used[k])
		snoop_saved_free(sv);
	memset(sv, 0, sizeof(*sv));
	s->stash->used[k] = true;
	s->paired = true;
	sv->idx = idx;
	sv->tid = tid;
	return sv;
}

void snoop_stash_put(struct snoop *s, int idx, const struct tprobe_event *e)
{
	struct snoop_saved *sv = stash_claim(s, idx, e->tid);

	sv->ts = e->ts;
	sv->pid = e->pid;
	sv->uid = e->uid;
	snprintf(sv->comm, sizeof(sv->comm), "%s", e->comm ? e->comm : "?");
	for (int i = 0; i < e->probe->spec.nprint; i++) {
		const struct value *v = value_of(e, i);

		if (v && v->is_str && !sv->str)
			sv->str = strdup(v->s);
		else if (v && i < SNOOP_STASH_VALUES)
			sv->v[i] = v->i;
	}
}

void snoop_stash_skip(struct snoop *s, int idx, const struct tprobe_event *e)
{
	stash_claim(s, idx, e->tid)->skipped = true;
}

const struct snoop_saved *snoop_stash_peek(struct snoop *s, int tid)
{
	unsigned int k = (unsigned int)tid & (STASH_SLOTS - 1);

	if (!s->stash->used[k] || s->stash->slot[k].tid != tid)
		return NULL;
	return &s->stash->slot[k];
}

static bool stash_remove(struct snoop *s, int tid, struct snoop_saved *out)
{
	unsigned int k = (unsigned int)tid & (STASH_SLOTS - 1);

	if (!snoop_stash_peek(s, tid))
		return false;
	*out = s->stash->slot[k];
	s->stash->used[k] = false;
	return true;
}

/* A pair made (s->made), and whether the tool wants it. */
static bool pair_made(struct snoop *s, struct snoop_saved *out)
{
	s->made++;
	if (!out->skipped)
		return true;
	snoop_saved_free(out);
	return false;
}

bool snoop_stash_take_from(struct snoop *s, int tid, int idx, struct snoop_saved *out)
{
	if (!stash_remove(s, tid, out))
		return false;
	if (out->idx == idx)
		return pair_made(s, out);
	snoop_saved_free(out);
	return false;
}

bool snoop_stash_take(struct snoop *s, int tid, struct snoop_saved *out)
{
	return stash_remove(s, tid, out) && pair_made(s, out);
}

/* ---- output ---- */

static void snoop_wall_clock(uint64_t ts, char *buf, size_t size)
{
	time_t t = mono_to_real_ns(ts) / 1000000000ull;
	struct tm tm;

	localtime_r(&t, &tm);
	strftime(buf, size, "%H:%M:%S", &tm);
}

void snoop_print_time(const struct snoop *s, uint64_t ts)
{
	char buf[16];

	if (s->time_wall) {
		snoop_wall_clock(ts, buf, sizeof(buf));
		printf("%-8s ", buf);
	} else if (s->time_rel) {
		printf("%-11.6f ", ts > s->start_ns ? (double)(ts - s->start_ns) / 1e9 : 0.0);
	}
}

static bool clock_relative(const struct snoop *s, bool rel_default)
{
	return rel_default ? !s->time_wall : s->time_rel;
}

void snoop_print_clock(const struct snoop *s, uint64_t ts, int width, bool rel_default)
{
	char buf[16];

	if (clock_relative(s, rel_default)) {
		printf("%-*.*f ", width, width > 9 ? 6 : 3,
		       ts > s->start_ns ? (ts - s->start_ns) / 1e9 : 0.0);
	} else {
		snoop_wall_clock(ts, buf, sizeof(buf));
		printf("%-*s ", width, buf);
	}
}

void snoop_print_clock_header(const struct snoop *s, int width, bool rel_default)
{
	printf("%-*s ", width, clock_relative(s, rel_default) ? "TIME(s)" : "TIME");
}

void snoop_print_time_header(const struct snoop *s)
{
	if (s->time_wall)
		printf("%-8s ", "TIME");
	else if (s->time_rel)
		printf("%-11s ", "TIME(s)");
}

void snoop_json_begin(uint64_t ts, int pid, int tid, const char *comm)
{
	printf("{\"time_ns\":%llu,\"pid\":%d,\"tid\":%d,\"comm\":",
	       (unsigned long long)mono_to_real_ns(ts), pid, tid);
	json_print_string(stdout, comm);
}

/* ---- signals ---- */

static const char *const signames[] = {
	[1] = "HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE", "KILL",
	"USR1", "SEGV", "USR2", "PIPE", "ALRM", "TERM", "STKFLT", "CHLD",
	"CONT", "STOP", "TSTP", "TTIN", "TTOU", "URG", "XCPU", "XFSZ",
	"VTALRM", "PROF", "WINCH", "IO", "PWR", "SYS",
};

const char *snoop_signal_name(int sig)
{
	if (sig <= 0 || (size_t)sig >= ARRAY_SIZE(signames))
		return NULL;
	return signames[sig];
}

int snoop_signal_parse(const char *s)
{
	char *end;
	long n = strtol(s, &end, 10);

	if (*s && !*end)
		return n >= 0 && n <= 64 ? (int)n : -1;
	if (!strncasecmp(s, "SIG", 3))
		s += 3;
	for (size_t i = 1; i < ARRAY_SIZE(signames); i++)
		if (!strcasecmp(s, signames[i]))
			return (int)i;
	return -1;
}

/* ---- TCP ---- */

static int unhex(const char *hex, uint8_t *out, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned int b;

		if (!hex || sscanf(hex + 2 * i, "%2x", &b) != 1)
			return -1;
		out[i] = b;
	}
	return 0;
}

static void inet_text(int family, const char *v4hex, const char *v6hex,
		      char *buf, size_t size)
{
	uint8_t a[16];

	if ((family == AF_INET && !unhex(v4hex, a, 4) && inet_ntop(AF_INET, a, buf, size)) ||
	    (family == AF_INET6 && !unhex(v6hex, a, 16) && inet_ntop(AF_INET6, a, buf, size)))
		return;
	snprintf(buf, size, "?");
}

void snoop_sock_of(const struct tprobe_event *e, int first, struct snoop_sock *out)
{
	int family = (int)snoop_int(e, first + 2);

	memset(out, 0, sizeof(*out));	/* a flow key: compared whole */
	out->sport = (int)snoop_int(e, first);
	out->dport = (int)snoop_int(e, first + 1);
	out->ip = family == AF_INET6 ? 6 : 4;
	inet_text(family, snoop_str(e, first + 3), snoop_str(e, first + 5), out->saddr,
		  sizeof(out->saddr));
	inet_text(family, snoop_str(e, first + 4), snoop_str(e, first + 6), out->daddr,
		  sizeof(out->daddr));
}

void snoop_flow_add(struct snoop_flows *fl, const struct snoop_sock *k)
{
	for (size_t i = 0; i < fl->n; i++)
		if (!memcmp(&fl->f[i].k, k, sizeof(*k))) {
			fl->f[i].n++;
			return;
		}
	if (fl->n == fl->cap) {
		size_t cap = fl->cap ? 2 * fl->cap : 64;
		struct snoop_flow *nf = realloc(fl->f, cap * sizeof(*nf));

		if (!nf)
			return;
		fl->f = nf;
		fl->cap = cap;
	}
	fl->f[fl->n++] = (struct snoop_flow){ .k = *k, .n = 1 };
}

static int flow_cmp(const void *a, const void *b)
{
	const struct snoop_flow *x = a, *y = b;

	return x->n < y->n ? 1 : x->n > y->n ? -1 : 0;
}

void snoop_flows_sort(struct snoop_flows *fl)
{
	if (fl->n)
		qsort(fl->f, fl->n, sizeof(*fl->f), flow_cmp);
}

void snoop_flows_free(struct snoop_flows *fl)
{
	free(fl->f);
	*fl = (struct snoop_flows){ 0 };
}

void snoop_addr_port(char *buf, size_t size, int ip, const char *addr, int port)
{
	snprintf(buf, size, ip == 6 ? "[%s]:%d" : "%s:%d", addr, port);
}

const char *snoop_tcp_state(int state)
{
	static const char *const names[] = {
		[1] = "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT1",
		"FIN_WAIT2", "TIME_WAIT", "CLOSE", "CLOSE_WAIT", "LAST_ACK",
		"LISTEN", "CLOSING", "NEW_SYN_RECV",
	};

	if (state <= 0 || (size_t)state >= ARRAY_SIZE(names))
		return NULL;
	return names[state];
}
