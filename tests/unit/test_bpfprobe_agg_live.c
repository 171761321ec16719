// SPDX-License-Identifier: GPL-2.0
/*
 * In-kernel aggregation of lib/bpfprobe*.c against the running kernel:
 * a target compiled here with cc calls work(4096) 1000 times and
 * work(65536) 100 times, naps 1 ms 50 times, or spreads calls over the
 * CPUs, on command (one letter on its stdin, "done" on its stdout):
 *   log2 histogram of work's argument: exactly 1000 in [4096, 8192) and
 *   100 in [65536, 131072); count keyed by the argument and by comm;
 *   latency of nap() through uprobe + uretprobe; per-CPU values merged;
 *   a one-key map counts the key it had no room for; interval reads;
 *   a tracepoint count keyed by tid; two probes paired (by thread: the
 *   time between getppid() and getpid() around naps of this process; by
 *   a request id: req_begin(id) to req_end(id) in the target).
 * Needs root, BPF uprobes/tracepoints and cc; otherwise SKIP on stderr.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bpfprobe.h"
#include "kernel_facts.h"
#include "unit.h"
#include "usym.h"
#include "util.h"

static const char agg_target_src[] =
	"#define _GNU_SOURCE\n"
	"#include <sched.h>\n"
	"#include <stdio.h>\n"
	"#include <time.h>\n"
	"#include <unistd.h>\n"
	"__attribute__((noinline)) long work(long n)\n"
	"{ __asm__ volatile(\"\" ::: \"memory\"); return n + 1; }\n"
	"__attribute__((noinline)) void nap(void)\n"
	"{ struct timespec ts = { 0, 1000000 }; nanosleep(&ts, 0); }\n"
	"__attribute__((noinline)) void req_begin(long id)\n"
	"{ __asm__ volatile(\"\" :: \"r\"(id) : \"memory\"); }\n"
	"__attribute__((noinline)) void req_end(long id)\n"
	"{ __asm__ volatile(\"\" :: \"r\"(id) : \"memory\"); }\n"
	"static void nap10(void)\n"
	"{ struct timespec ts = { 0, 10000000 }; nanosleep(&ts, 0); }\n"
	"int main(void)\n"
	"{ long s = 0; int c, ncpu = sysconf(_SC_NPROCESSORS_ONLN);\n"
	"  while ((c = getchar()) != EOF && c != 'q') {\n"
	"    if (c == 'w') { for (int i = 0; i < 1000; i++) s += work(4096);\n"
	"                    for (int i = 0; i < 100; i++) s += work(65536); }\n"
	"    if (c == 'a') for (int i = 0; i < 1000; i++) s += work(4096);\n"
	"    if (c == 'b') for (int i = 0; i < 100; i++) s += work(65536);\n"
	"    if (c == 'n') { long long tot = 0, mx = 0;\n"
	"      for (int i = 0; i < 50; i++) { struct timespec a, b;\n"
	"        clock_gettime(CLOCK_MONOTONIC, &a); nap();\n"
	"        clock_gettime(CLOCK_MONOTONIC, &b);\n"
	"        long long d = (b.tv_sec - a.tv_sec) * 1000000000LL + b.tv_nsec - a.tv_nsec;\n"
	"        tot += d; if (d > mx) mx = d; }\n"
	"      printf(\"done %lld %lld\\n\", tot, mx); fflush(stdout); continue; }\n"
	"    if (c == 's') for (int k = 0; k < 10; k++) {\n"
	"      cpu_set_t set; CPU_ZERO(&set); CPU_SET(k % ncpu, &set);\n"
	"      sched_setaffinity(0, sizeof(set), &set);\n"
	"      for (int i = 0; i < 100; i++) s += work(4096); }\n"
	"    if (c == 'r') { req_begin(1); req_begin(2); nap10(); req_end(2);\n"
	"                    nap10(); req_end(1); req_end(3); }\n"
	"    if (c == '\\n') continue;\n"
	"    printf(\"done %ld\\n\", s); fflush(stdout); }\n"
	"  return 0; }\n";

static char tgt_bin[300];
static uint64_t off_work, off_nap, off_begin, off_end;

static bool agg_skip(const char *test, enum fact_id need)
{
	const struct fact *f;

	if (geteuid()) {
		fprintf(stderr, "  SKIP %s: not root\n", test);
		return true;
	}
	f = fact_get(features_get(), need);
	if (f->state != FACT_YES) {
		fprintf(stderr, "  SKIP %s: %s: %s\n", test, fact_descs[need].name,
			f->evidence);
		return true;
	}
	return false;
}

/* Build the target once; false (after SKIP) without cc. */
static bool agg_target(const char *test)
{
	static int state;	/* 0 not tried, 1 ok, -1 failed */
	static char dir[] = "/tmp/sonde-bpfagg-XXXXXX";
	char src[300], cmd[1024], err[256];
	struct usym_target t;
	struct uelf *e;
	FILE *fp;

	if (state) {
		if (state < 0)
			fprintf(stderr, "  SKIP %s: no target\n", test);
		return state > 0;
	}
	state = -1;
	if (!mkdtemp(dir))
		return false;
	snprintf(src, sizeof(src), "%s/agtarget.c", dir);
	snprintf(tgt_bin, sizeof(tgt_bin), "%s/agtarget", dir);
	fp = fopen(src, "w");
	if (!fp)
		return false;
	fputs(agg_target_src, fp);
	fclose(fp);
	snprintf(cmd, sizeof(cmd), "cc -O1 -o %s %s >/dev/null 2>&1", tgt_bin, src);
	if (system(cmd) != 0) {
		fprintf(stderr, "  SKIP %s: no working cc\n", test);
		return false;
	}
	e = uelf__open(tgt_bin, err, sizeof(err));
	if (!e)
		return false;
	if (!uelf__resolve(e, "work", &t, err, sizeof(err)))
		off_work = t.offset;
	if (!uelf__resolve(e, "nap", &t, err, sizeof(err)))
		off_nap = t.offset;
	if (!uelf__resolve(e, "req_begin", &t, err, sizeof(err)))
		off_begin = t.offset;
	if (!uelf__resolve(e, "req_end", &t, err, sizeof(err)))
		off_end = t.offset;
	uelf__close(e);
	CHECK(off_work && off_nap && off_begin && off_end);
	if (!off_work || !off_nap || !off_begin || !off_end)
		return false;
	state = 1;
	return true;
}

struct child {
	int pid, in, out;
	char line[128];
};

static bool child_start(struct child *c)
{
	int in[2], out[2];

	if (pipe(in))
		return false;
	if (pipe(out)) {
		close(in[0]);
		close(in[1]);
		return false;
	}
	c->pid = fork();
	if (c->pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		close(in[1]);
		close(out[0]);
		execl(tgt_bin, tgt_bin, (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	c->in = in[1];
	c->out = out[0];
	return c->pid > 0;
}

/* Send a command, wait for its "done" line (kept in c->line). */
static bool child_do(struct child *c, char cmd)
{
	ssize_t n;

	if (write(c->in, &cmd, 1) != 1)
		return false;
	n = read(c->out, c->line, sizeof(c->line) - 1);
	c->line[n > 0 ? n : 0] = '\0';
	return n > 0 && !strncmp(c->line, "done", 4);
}

static void child_end(struct child *c)
{
	int st;

	if (c->pid <= 0)
		return;
	if (write(c->in, "q", 1) != 1)
		kill(c->pid, SIGKILL);
	close(c->in);
	close(c->out);
	waitpid(c->pid, &st, 0);
	c->pid = 0;
}

static struct bpfprobe_fetch *afetch(struct bpfprobe_spec *s, int src, int type)
{
	struct bpfprobe_fetch *f = &s->fetch[s->nfetch++];

	memset(f, 0, sizeof(*f));
	f->src = src;
	f->type = type;
	f->size = 8;
	f->maxlen = 16;
	return f;
}

/* A uprobe (or uretprobe) spec on one function of the child. */
static void uspec(struct bpfprobe_spec *s, struct bpfprobe_point *pt, int kind,
		  int action, uint64_t off, int pid)
{
	memset(pt, 0, sizeof(*pt));
	pt->name = "work";
	pt->path = tgt_bin;
	pt->offset = off;
	pt->pid = pid;
	bpfprobe_spec_init(s, kind);
	s->points = pt;
	s->npoints = 1;
	s->action = action;
	s->agg.value = -1;
}

#define MAXK 64
struct agg_seen {
	int n;
	struct {
		uint64_t key;
		char str[32];
		uint64_t count, sum;
		int64_t min, max;
		int nb;
		uint64_t b[BPFPROBE_LOG2_BUCKETS];
	} e[MAXK];
};

static int agg_collect(void *ctx, const struct bpfprobe_agg_entry *e)
{
	struct agg_seen *s = ctx;

	if (s->n >= MAXK)
		return 0;
	memset(&s->e[s->n], 0, sizeof(s->e[0]));
	if (e->nkeys > 0) {
		s->e[s->n].key = e->key[0].u;
		if (e->key[0].str)
			snprintf(s->e[s->n].str, 32, "%s", e->key[0].str);
	}
	s->e[s->n].count = e->count;
	s->e[s->n].sum = e->sum;
	s->e[s->n].min = e->min;
	s->e[s->n].max = e->max;
	s->e[s->n].nb = e->nbuckets;
	for (int b = 0; b < e->nbuckets && b < BPFPROBE_LOG2_BUCKETS; b++)
		s->e[s->n].b[b] = e->buckets[b];
	s->n++;
	return 0;
}

static int find_key(const struct agg_seen *s, uint64_t key)
{
	for (int i = 0; i < s->n; i++)
		if (s->e[i].key == key)
			return i;
	return -1;
}

static int lowest_free_fd(void)
{
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

	if (fd >= 0)
		close(fd);
	return fd;
}

/* hist of work's argument, count keyed by it, count keyed by comm */
TEST(bpfprobe_agg_live_uprobe_hist_count)
{
	static struct agg_seen a;
	struct bpfprobe_point pt[3];
	struct bpfprobe_spec sp;
	struct bpfprobe_session *s;
	struct bpfprobe_stats st;
	struct child c = { 0 };
	char err[512];
	int mark, i, p0, p1, p2;

	if (agg_skip("bpfprobe_agg_live_uprobe_hist_count", FACT_ID_bpf_uprobe) ||
	    !agg_target("bpfprobe_agg_live_uprobe_hist_count") || !child_start(&c))
		return;
	mark = lowest_free_fd();
	s = bpfprobe_session__new(NULL);

	uspec(&sp, &pt[0], BPK_UFUNC, BPA_HIST_LOG2, off_work, c.pid);
	afetch(&sp, BPS_ARG, BPV_INT);
	sp.agg.value = 0;
	p0 = bpfprobe_session__add(s, &sp, err, sizeof(err));
	CHECK_INT(p0, 0);

	uspec(&sp, &pt[1], BPK_UFUNC, BPA_COUNT, off_work, c.pid);
	afetch(&sp, BPS_ARG, BPV_INT);
	sp.agg.nkeys = 1;
	sp.agg.keys[0] = 0;
	p1 = bpfprobe_session__add(s, &sp, err, sizeof(err));
	CHECK_INT(p1, 1);

	uspec(&sp, &pt[2], BPK_UFUNC, BPA_COUNT, off_work, c.pid);
	afetch(&sp, BPS_COMM, BPV_STR);
	sp.agg.nkeys = 1;
	sp.agg.keys[0] = 0;
	p2 = bpfprobe_session__add(s, &sp, err, sizeof(err));
	CHECK_INT(p2, 2);

	if (bpfprobe_session__start(s, err, sizeof(err))) {
		fprintf(stderr, "  start: %s\n", err);
		CHECK(0);
		goto out;
	}
	CHECK(child_do(&c, 'w'));

	memset(&a, 0, sizeof(a));
	CHECK_INT(bpfprobe_session__agg_read(s, p0, false, agg_collect, &a), 1);
	CHECK_INT(a.e[0].count, 1100);
	CHECK_INT(a.e[0].sum, 1000 * 4096 + 100 * 65536);
	CHECK_INT(a.e[0].min, 4096);
	CHECK_INT(a.e[0].max, 65536);
	CHECK_INT(a.e[0].nb, 64);
	CHECK_INT(a.e[0].b[12], 1000);	/* [4096, 8192) */
	CHECK_INT(a.e[0].b[16], 100);	/* [65536, 131072) */

	memset(&a, 0, sizeof(a));
	CHECK_INT(bpfprobe_session__agg_read(s, p1, false, agg_collect, &a), 2);
	i = find_key(&a, 4096);
	CHECK(i >= 0 && a.e[i].count == 1000);
	i = find_key(&a, 65536);
	CHECK(i >= 0 && a.e[i].count == 100);

	memset(&a, 0, sizeof(a));
	CHECK_INT(bpfprobe_session__agg_read(s, p2, false, agg_collect, &a), 1);
	CHECK_STR(a.e[0].str, "agtarget");
	CHECK_INT(a.e[0].count, 1100);

	/* interval reads: read-and-reset, then only the new calls */
	memset(&a, 0, sizeof(a));
	CHECK_INT(bpfprobe_session__agg_read(s, p1, true, agg_collect, &a), 2);
	CHECK(child_do(&c, 'b'));
	memset(&a, 0, sizeof(a));
	CHECK_INT(bpfprobe_session__agg_read(s, p1, true, agg_collect, &a), 1);
	CHECK_INT(a.e[0].key, 65536);
	CHECK_INT(a.e[0].count, 100);
	CHECK(child_do(&c, 'a'));
	CHECK(child_do(&c, 'a'));
	memset(&a, 0, sizeof(a));
	CHECK_INT(bpfprobe_session__agg_read(s, p1, true, agg_collect, &a), 1);
	CHECK_INT(a.e[0].key, 4096);
	CHECK_INT(a.e[0].count, 2000);
	/* the cumulative ones still hold everything */
	memset(&a, 0, sizeof(a));
	CHECK_INT(bpfprobe_session__agg_read(s, p0, false, agg_collect, &a), 1);
	CHECK_INT(a.e[0].count, 1100 + 100 + 2000);

	bpfprobe_session__stats(s, &st);
	CHECK_INT(st.agg_dropped, 0);
	/* readable after stop (the final print) */
	bpfprobe_session__stop(s);
	memset(&a, 0, sizeof(a));
	CHECK_INT(bpfprobe_session__agg_read(s, p2, false, agg_collect, &a), 1);
	CHECK_INT(a.e[0].count, 1100 + 100 + 2000);
out:
	bpfprobe_session__free(s);
	child_end(&c);
	CHECK(lowest_free_fd() <= mark);
}

/* nap() sleeps 1 ms: uprobe + uretprobe, entry time by thread */
TEST(bpfprobe_agg_live_latency)
{
	static struct agg_seen a;
	struct bpfprobe_point pt;
	struct bpfprobe_spec sp;
	struct bpfprobe_session *s;
	struct bpfprobe_stats st;
	struct child c = { 0 };
	char err[512];
	uint64_t near = 0;
	long long tot = 0, mx = 0;

	if (agg_skip("bpfprobe_agg_live_latency", FACT_ID_bpf_uprobe) ||
	    !agg_target("bpfprobe_agg_live_latency") || !child_start(&c))
		return;
	s = bpfprobe_session__new(NULL);
	uspec(&sp, &pt, BPK_URETFUNC, BPA_HIST_LOG2, off_nap, c.pid);
	afetch(&sp, BPS_ENTRY_DELTA, BPV_INT);
	sp.agg.value = 0;
	CHECK_INT(bpfprobe_session__add(s, &sp, err, sizeof(err)), 0);
	if (bpfprobe_session__start(s, err, sizeof(err))) {
		fprintf(stderr, "  start: %s\n", err);
		CHECK(0);
		goto out;
	}
	CHECK(child_do(&c, 'w'));	/* other functions: nothing */
	CHECK(child_do(&c, 'n'));
	memset(&a, 0, sizeof(a));
	CHECK_INT(bpfprobe_session__agg_read(s, 0, false, agg_collect, &a), 1);
	CHECK_INT(a.e[0].count, 50);
	/* the target timed its naps itself (CLOCK_MONOTONIC, as ktime): the
	 * probes see each call from inside, so a little less */
	CHECK(sscanf(c.line, "done %lld %lld", &tot, &mx) == 2);
	CHECK(a.e[0].sum <= (uint64_t)tot && a.e[0].sum >= 50 * 1000000ull);
	CHECK(a.e[0].max <= mx);
	/* 1 ms = 1000000 ns is in [524288, 1048576); a 1 ms nanosleep lasts
	 * a little more: [1048576, 2097152). Both count as "about 1 ms";
	 * on a loaded machine a few naps oversleep: only when the target saw
	 * no nap above 2 ms itself must 95% be there. */
	near = a.e[0].b[19] + a.e[0].b[20];
	if (near < 48)
		for (int b = 0; b < 64; b++)
			if (a.e[0].b[b])
				fprintf(stderr, "  bucket %d: %llu\n", b,
					(unsigned long long)a.e[0].b[b]);
	CHECK(near * 100 >= 95 * 50 || mx >= 2097152);
	CHECK(near + a.e[0].b[21] + a.e[0].b[22] >= 40);
	CHECK(a.e[0].min >= 1000000);
	bpfprobe_session__stats(s, &st);
	CHECK_INT(st.entry_missed, 0);
	CHECK_INT(st.entry_dropped, 0);
out:
	bpfprobe_session__free(s);
	child_end(&c);
}

/* calls pinned to CPU k % ncpus: per-CPU values merged exactly */
TEST(bpfprobe_agg_live_percpu_and_full)
{
	static struct agg_seen a;
	struct bpfprobe_point pt[3];
	struct bpfprobe_spec sp;
	struct bpfprobe_session *s;
	struct bpfprobe_stats st;
	struct child c = { 0 };
	char err[512];
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	uint64_t total = 0;

	if (agg_skip("bpfprobe_agg_live_percpu_and_full", FACT_ID_bpf_uprobe) ||
	    !agg_target("bpfprobe_agg_live_percpu_and_full") || !child_start(&c))
		return;
	s = bpfprobe_session__new(NULL);
	/* 0: log2 hist, no key */
	uspec(&sp, &pt[0], BPK_UFUNC, BPA_HIST_LOG2, off_work, c.pid);
	afetch(&sp, BPS_ARG, BPV_INT);
	sp.agg.value = 0;
	CHECK_INT(bpfprobe_session__add(s, &sp, err, sizeof(err)), 0);
	/* 1: count by CPU */
	uspec(&sp, &pt[1], BPK_UFUNC, BPA_COUNT, off_work, c.pid);
	afetch(&sp, BPS_CPU, BPV_INT)->size = 4;
	sp.agg.nkeys = 1;
	sp.agg.keys[0] = 0;
	CHECK_INT(bpfprobe_session__add(s, &sp, err, sizeof(err)), 1);
	/* 2: count by argument in a map of one key */
	uspec(&sp, &pt[2], BPK_UFUNC, BPA_COUNT, off_work, c.pid);
	afetch(&sp, BPS_ARG, BPV_INT);
	sp.agg.nkeys = 1;
	sp.agg.keys[0] = 0;
	sp.agg.max_entries = 1;
	CHECK_INT(bpfprobe_session__add(s, &sp, err, sizeof(err)), 2);
	if (bpfprobe_session__start(s, err, sizeof(err))) {
		fprintf(stderr, "  start: %s\n", err);
		CHECK(0);
		goto out;
	}
	CHECK(child_do(&c, 's'));	/* 10 x 100 calls, CPU k % ncpu */
	memset(&a, 0, sizeof(a));
	CHECK_INT(bpfprobe_session__agg_read(s, 0, false, agg_collect, &a), 1);
	CHECK_INT(a.e[0].count, 1000);
	CHECK_INT(a.e[0].b[12], 1000);
	memset(&a, 0, sizeof(a));
	CHECK_INT(bpfprobe_session__agg_read(s, 1, false, agg_collect, &a),
		  ncpu < 10 ? ncpu : 10);
	for (int i = 0; i < a.n; i++)
		total += a.e[i].count;
	CHECK_INT(total, 1000);
	/* the one-key map: 4096 got in, 65536 found it full */
	CHECK(child_do(&c, 'b'));
	memset(&a, 0, sizeof(a));
	CHECK_INT(bpfprobe_session__agg_read(s, 2, false, agg_collect, &a), 1);
	CHECK_INT(a.e[0].key, 4096);
	CHECK_INT(a.e[0].count, 1000);
	bpfprobe_session__stats(s, &st);
	CHECK_INT(st.agg_dropped, 100);
out:
	bpfprobe_session__free(s);
	child_end(&c);
}

/* A spec on a tracepoint, for this process only: value 0 is the hidden
 * pid the filter compares. */
static void tpspec(struct bpfprobe_spec *sp, struct bpfprobe_point *pt,
		   const char *name, int action)
{
	memset(pt, 0, sizeof(*pt));
	pt->name = name;
	bpfprobe_spec_init(sp, BPK_TRACEPOINT);
	sp->points = pt;
	sp->npoints = 1;
	sp->action = action;
	sp->agg.value = -1;
	afetch(sp, BPS_PID, BPV_INT)->size = 4;
	sp->fetch[0].flags = BPF_FETCH_HIDDEN;
	sp->expr[0] = (struct bpfprobe_expr){ .op = BPO_VALUE, .a = 0 };
	sp->expr[1] = (struct bpfprobe_expr){ .op = BPO_CONST, .imm = getpid() };
	sp->expr[2] = (struct bpfprobe_expr){ .op = BPO_EQ, .a = 0, .b = 1 };
	sp->nexpr = 3;
	sp->filter = 2;
}

/* a tracepoint: getppid() 777 times, counted by tid, filtered by pid */
TEST(bpfprobe_agg_live_tracepoint)
{
	static struct agg_seen a;
	struct bpfprobe_point pt;
	struct bpfprobe_spec sp;
	struct bpfprobe_session *s;
	char err[512];

	if (agg_skip("bpfprobe_agg_live_tracepoint", FACT_ID_bpf_tracepoint))
		return;
	s = bpfprobe_session__new(NULL);
	tpspec(&sp, &pt, "syscalls:sys_enter_getppid", BPA_COUNT);
	afetch(&sp, BPS_TID, BPV_INT)->size = 4;
	sp.agg.nkeys = 1;
	sp.agg.keys[0] = 1;
	CHECK_INT(bpfprobe_session__add(s, &sp, err, sizeof(err)), 0);
	if (bpfprobe_session__start(s, err, sizeof(err))) {
		fprintf(stderr, "  SKIP bpfprobe_agg_live_tracepoint: %s\n", err);
		goto out;
	}
	for (int i = 0; i < 777; i++)
		syscall(SYS_getppid);
	memset(&a, 0, sizeof(a));
	CHECK_INT(bpfprobe_session__agg_read(s, 0, false, agg_collect, &a), 1);
	CHECK_INT(a.e[0].key, (uint64_t)syscall(SYS_gettid));
	CHECK_INT(a.e[0].count, 777);
out:
	bpfprobe_session__free(s);
}

static int drop_event(void *ctx, const struct bpfprobe_event *ev)
{
	return 0;
}

/* ns per getppid() with N calls */
static double getppid_ns(int n)
{
	uint64_t t0 = now_mono_ns();

	for (int i = 0; i < n; i++)
		syscall(SYS_getppid);
	return (double)(now_mono_ns() - t0) / n;
}

/* Cost per event of the actions on a tracepoint (printed, not checked):
 * no probe, COUNT by tid, log2 HIST of the tid, EMIT to the ring buffer. */
TEST(bpfprobe_agg_live_cost)
{
	static const int actions[] = { -1, BPA_COUNT, BPA_HIST_LOG2, BPA_EMIT };
	static const char *const names[] = { "none", "count", "hist", "emit" };
	struct bpfprobe_point pt = { .name = "syscalls:sys_enter_getppid" };
	double ns[4] = { 0 };
	char err[512];
	int n = 200000;

	if (agg_skip("bpfprobe_agg_live_cost", FACT_ID_bpf_tracepoint))
		return;
	for (int k = 0; k < 4; k++) {
		struct bpfprobe_opts o = { .on_event = drop_event,
					   .ringbuf_bytes = 64u << 20 };
		struct bpfprobe_session *s = NULL;
		struct bpfprobe_spec sp;

		if (actions[k] >= 0) {
			s = bpfprobe_session__new(&o);
			bpfprobe_spec_init(&sp, BPK_TRACEPOINT);
			sp.points = &pt;
			sp.npoints = 1;
			sp.action = actions[k];
			sp.agg.value = actions[k] == BPA_HIST_LOG2 ? 0 : -1;
			afetch(&sp, BPS_TID, BPV_INT)->size = 4;
			if (actions[k] == BPA_COUNT) {
				sp.agg.nkeys = 1;
				sp.agg.keys[0] = 0;
			}
			if (bpfprobe_session__add(s, &sp, err, sizeof(err)) < 0 ||
			    bpfprobe_session__start(s, err, sizeof(err))) {
				fprintf(stderr, "  SKIP bpfprobe_agg_live_cost: %s\n", err);
				bpfprobe_session__free(s);
				return;
			}
		}
		getppid_ns(n / 10);	/* warm up */
		ns[k] = getppid_ns(n);
		bpfprobe_session__free(s);
	}
	fprintf(stderr, "  agg cost: getppid %.0f ns; + probe: ", ns[0]);
	for (int k = 1; k < 4; k++)
		fprintf(stderr, "%s %+.0f ns%s", names[k], ns[k] - ns[0], k < 3 ? ", " : "\n");
}

static void *getpid_thread(void *arg)
{
	(void)arg;
	syscall(SYS_getpid);
	return NULL;
}

/*
 * Two tracepoints paired by thread: getppid() starts, getpid() ends;
 * between them this process naps 20 x 1 ms and 10 x 10 ms, timing each
 * interval itself (the probes see a little less). An end without a start
 * (first, and in another thread) is counted, not aggregated.
 */
TEST(bpfprobe_agg_live_pair_thread)
{
	static struct agg_seen a;
	struct bpfprobe_point pt[2];
	struct bpfprobe_spec sp;
	struct bpfprobe_session *s;
	struct bpfprobe_stats st;
	uint64_t tot = 0, mx = 0, high = 0, got = 0;
	char err[512];
	pthread_t th;

	if (agg_skip("bpfprobe_agg_live_pair_thread", FACT_ID_bpf_tracepoint))
		return;
	s = bpfprobe_session__new(NULL);
	tpspec(&sp, &pt[0], "syscalls:sys_enter_getppid", BPA_PAIR_START);
	sp.pair.id = 1;
	CHECK_INT(bpfprobe_session__add(s, &sp, err, sizeof(err)), 0);
	tpspec(&sp, &pt[1], "syscalls:sys_enter_getpid", BPA_HIST_LOG2);
	afetch(&sp, BPS_PAIR_DELTA, BPV_INT);
	sp.agg.value = 1;
	sp.pair.id = 1;
	CHECK_INT(bpfprobe_session__add(s, &sp, err, sizeof(err)), 1);
	if (bpfprobe_session__start(s, err, sizeof(err))) {
		fprintf(stderr, "  SKIP bpfprobe_agg_live_pair_thread: %s\n", err);
		goto out;
	}
	syscall(SYS_getpid);		/* no start yet */
	for (int i = 0; i < 30; i++) {
		struct timespec ts = { 0, i < 20 ? 1000000 : 10000000 };
		uint64_t t0 = now_mono_ns(), d;

		syscall(SYS_getppid);
		nanosleep(&ts, NULL);
		syscall(SYS_getpid);
		d = now_mono_ns() - t0;
		tot += d;
		mx = d > mx ? d : mx;
		high += d >= 1u << 23;
	}
	memset(&a, 0, sizeof(a));
	CHECK_INT(bpfprobe_session__agg_read(s, 1, false, agg_collect, &a), 1);
	CHECK_INT(a.e[0].count, 30);
	CHECK(a.e[0].sum <= tot && a.e[0].sum >= 20 * 1000000ull + 10 * 10000000ull);
	CHECK(a.e[0].min >= 1000000 && (uint64_t)a.e[0].max <= mx);
	/* 10 ms is in [2^23, 2^24): those 10 there or above, and no more
	 * than the target saw itself */
	for (int b = 23; b < 64; b++)
		got += a.e[0].b[b];
	CHECK(got >= 10 && got <= high);
	bpfprobe_session__stats(s, &st);
	CHECK_INT(st.pair_missed, 1);
	/* a start here, an end in another thread: missed; ours still pairs */
	syscall(SYS_getppid);
	CHECK_INT(pthread_create(&th, NULL, getpid_thread, NULL), 0);
	pthread_join(th, NULL);
	syscall(SYS_getpid);
	memset(&a, 0, sizeof(a));
	CHECK_INT(bpfprobe_session__agg_read(s, 1, false, agg_collect, &a), 1);
	CHECK_INT(a.e[0].count, 31);
	bpfprobe_session__stats(s, &st);
	CHECK_INT(st.pair_missed, 2);
	CHECK_INT(st.pair_dropped, 0);
out:
	bpfprobe_session__free(s);
}

struct pair_events {
	int n;
	int64_t id[4], ns[4];
};

static int on_pair_event(void *ctx, const struct bpfprobe_event *ev)
{
	struct pair_events *pe = ctx;

	if (pe->n < 4) {
		pe->id[pe->n] = ev->v[0].s;
		pe->ns[pe->n] = ev->v[1].s;
		pe->n++;
	}
	return 0;
}

/*
 * Paired by a request id (a uprobe argument) and emitted: the target
 * begins 1 and 2, naps 10 ms, ends 2, naps 10 ms, ends 1, ends 3 (never
 * begun): events (2, >= 10 ms) then (1, >= 20 ms), one missed.
 */
TEST(bpfprobe_agg_live_pair_keyed)
{
	struct pair_events pe = { 0 };
	struct bpfprobe_opts o = { .on_event = on_pair_event, .ctx = &pe };
	struct bpfprobe_point pt[2];
	struct bpfprobe_spec sp;
	struct bpfprobe_session *s;
	struct bpfprobe_stats st;
	struct child c = { 0 };
	char err[512];

	if (agg_skip("bpfprobe_agg_live_pair_keyed", FACT_ID_bpf_uprobe) ||
	    !agg_target("bpfprobe_agg_live_pair_keyed") || !child_start(&c))
		return;
	s = bpfprobe_session__new(&o);
	uspec(&sp, &pt[0], BPK_UFUNC, BPA_PAIR_START, off_begin, c.pid);
	afetch(&sp, BPS_ARG, BPV_INT);
	sp.pair = (struct bpfprobe_pair){ .id = 2, .nkeys = 1, .keys = { 0 } };
	CHECK_INT(bpfprobe_session__add(s, &sp, err, sizeof(err)), 0);
	uspec(&sp, &pt[1], BPK_UFUNC, BPA_EMIT, off_end, c.pid);
	afetch(&sp, BPS_ARG, BPV_INT);
	afetch(&sp, BPS_PAIR_DELTA, BPV_INT);
	sp.pair = (struct bpfprobe_pair){ .id = 2, .nkeys = 1, .keys = { 0 } };
	CHECK_INT(bpfprobe_session__add(s, &sp, err, sizeof(err)), 1);
	if (bpfprobe_session__start(s, err, sizeof(err))) {
		fprintf(stderr, "  start: %s\n", err);
		CHECK(0);
		goto out;
	}
	CHECK(child_do(&c, 'r'));
	for (int i = 0; i < 20 && pe.n < 2; i++)
		bpfprobe_session__poll(s, 100);
	CHECK_INT(pe.n, 2);
	CHECK_INT(pe.id[0], 2);
	CHECK_INT(pe.id[1], 1);
	CHECK(pe.ns[0] >= 10000000 && pe.ns[1] >= 20000000 && pe.ns[1] > pe.ns[0]);
	bpfprobe_session__stats(s, &st);
	CHECK_INT(st.pair_missed, 1);
out:
	bpfprobe_session__free(s);
	child_end(&c);
}

/*
 * A uretprobe reading its argument (saved by the entry program): work(n)
 * returns n + 1, so retval - arg1 is 1 on each of the 1000 + 100 calls.
 */
TEST(bpfprobe_agg_live_uretprobe_args)
{
	static struct agg_seen a;
	struct bpfprobe_point pt;
	struct bpfprobe_spec sp;
	struct bpfprobe_session *s;
	struct bpfprobe_stats st;
	struct child c = { 0 };
	char err[512];
	int k;

	if (agg_skip("bpfprobe_agg_live_uretprobe_args", FACT_ID_bpf_uprobe) ||
	    !agg_target("bpfprobe_agg_live_uretprobe_args") || !child_start(&c))
		return;
	s = bpfprobe_session__new(NULL);
	uspec(&sp, &pt, BPK_URETFUNC, BPA_COUNT, off_work, c.pid);
	afetch(&sp, BPS_ARG, BPV_INT);
	afetch(&sp, BPS_RETVAL, BPV_INT);
	afetch(&sp, BPS_EXPR, BPV_INT)->imm = 2;
	sp.expr[0] = (struct bpfprobe_expr){ .op = BPO_VALUE, .a = 1 };
	sp.expr[1] = (struct bpfprobe_expr){ .op = BPO_VALUE, .a = 0 };
	sp.expr[2] = (struct bpfprobe_expr){ .op = BPO_SUB, .a = 0, .b = 1 };
	sp.nexpr = 3;
	sp.agg = (struct bpfprobe_agg){ .nkeys = 1, .keys = { 0 }, .value = 2 };
	CHECK_INT(bpfprobe_session__add(s, &sp, err, sizeof(err)), 0);
	if (bpfprobe_session__start(s, err, sizeof(err))) {
		fprintf(stderr, "  start: %s\n", err);
		CHECK(0);
		goto out;
	}
	CHECK(child_do(&c, 'w'));
	memset(&a, 0, sizeof(a));
	CHECK_INT(bpfprobe_session__agg_read(s, 0, false, agg_collect, &a), 2);
	k = find_key(&a, 4096);
	CHECK(k >= 0 && a.e[k].count == 1000 && a.e[k].sum == 1000 &&
	      a.e[k].min == 1 && a.e[k].max == 1);
	k = find_key(&a, 65536);
	CHECK(k >= 0 && a.e[k].count == 100 && a.e[k].sum == 100 &&
	      a.e[k].min == 1 && a.e[k].max == 1);
	bpfprobe_session__stats(s, &st);
	CHECK_INT(st.entry_missed, 0);
out:
	bpfprobe_session__free(s);
	child_end(&c);
}
