// SPDX-License-Identifier: GPL-2.0
/*
 * lib/bpfprobe*.c against the running kernel: generated programs loaded,
 * attached and read back while the test causes the events itself.
 *   tracepoint  syscalls:sys_enter_openat: filename (user string), flags,
 *               filter pid == self && comm == our comm; a second probe
 *               whose filter rejects everything must send nothing
 *   uprobe      a program compiled here with cc: int args, a user string,
 *               a user-memory chain arg4->in->name; uretprobe: the return
 *   kernel      kprobe/kretprobe and fentry/fexit on do_sys_openat2 with
 *               its filename string, where the kernel allows them (qemu)
 * Needs root and BPF; otherwise each test says SKIP on stderr and returns.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bpfprobe.h"
#include "kernel_facts.h"
#include "unit.h"
#include "usym.h"
#include "util.h"

#define MAXEV 64

struct seen {
	int n;
	struct {
		int probe, point;
		uint32_t pid, tid;
		uint64_t ts;
		int nvalues;
		struct bpfprobe_value v[BPFPROBE_MAX_VALUES];
		char str[BPFPROBE_MAX_VALUES][256];
	} ev[MAXEV];
};

static int collect(void *ctx, const struct bpfprobe_event *ev)
{
	struct seen *s = ctx;

	if (s->n >= MAXEV)
		return 0;
	s->ev[s->n].probe = ev->probe;
	s->ev[s->n].point = ev->point;
	s->ev[s->n].pid = ev->pid;
	s->ev[s->n].tid = ev->tid;
	s->ev[s->n].ts = ev->ts;
	s->ev[s->n].nvalues = ev->nvalues;
	for (int i = 0; i < ev->nvalues; i++) {
		s->ev[s->n].v[i] = ev->v[i];
		s->ev[s->n].v[i].str = NULL;
		if (ev->v[i].str)
			snprintf(s->ev[s->n].str[i], 256, "%s", ev->v[i].str);
	}
	s->n++;
	return 0;
}

static bool skip(const char *test, enum fact_id need)
{
	const struct kernel_facts *kf;
	const struct fact *f;

	if (geteuid()) {
		fprintf(stderr, "  SKIP %s: not root\n", test);
		return true;
	}
	kf = features_get();
	f = fact_get(kf, need);
	if (f->state != FACT_YES) {
		fprintf(stderr, "  SKIP %s: %s: %s\n", test, fact_descs[need].name,
			f->evidence);
		return true;
	}
	return false;
}

/* offset/size/signed of a tracepoint format field; false if absent */
static bool tp_field(const char *event, const char *field, int *off, int *size,
		     bool *sign)
{
	static char buf[16384];
	char path[512], pat[96], *p;
	const char *root = features_tracefs_path();

	if (!root)
		return false;
	snprintf(path, sizeof(path), "%s/events/%s/format", root, event);
	if (read_text_file(path, buf, sizeof(buf)) < 0)
		return false;
	snprintf(pat, sizeof(pat), " %s;", field);
	p = strstr(buf, pat);
	if (!p || !(p = strstr(p, "offset:")))
		return false;
	*off = atoi(p + 7);
	p = strstr(p, "size:");
	*size = p ? atoi(p + 5) : 0;
	p = p ? strstr(p, "signed:") : NULL;
	*sign = p && atoi(p + 7);
	return true;
}

static int poll_until(struct bpfprobe_session *s, struct seen *seen, int want,
		      int ms)
{
	for (int t = 0; t < ms && seen->n < want; t += 50)
		bpfprobe_session__poll(s, 50);
	return seen->n;
}

static struct bpfprobe_fetch *add_fetch(struct bpfprobe_spec *s, int src, int type)
{
	struct bpfprobe_fetch *f = &s->fetch[s->nfetch++];

	memset(f, 0, sizeof(*f));
	f->src = src;
	f->type = type;
	f->size = 8;
	f->is_signed = true;
	f->maxlen = 128;
	return f;
}

static int add_node(struct bpfprobe_spec *s, int op, int a, int b, int64_t imm,
		    const char *str)
{
	struct bpfprobe_expr *e = &s->expr[s->nexpr];

	memset(e, 0, sizeof(*e));
	e->op = op;
	e->a = a;
	e->b = b;
	e->imm = imm;
	e->str = str;
	return s->nexpr++;
}

static void self_comm(char *comm, size_t n)
{
	char buf[64];

	comm[0] = '\0';
	if (read_text_file("/proc/self/comm", buf, sizeof(buf)) > 0) {
		buf[strcspn(buf, "\n")] = '\0';
		snprintf(comm, n, "%s", buf);
	}
}

/* The lowest free fd number. */
static int lowest_fd(void)
{
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

	if (fd >= 0)
		close(fd);
	return fd;
}

/* Every fd the session opened is closed again. */
static int fd_mark;
#define check_no_leftovers() CHECK(lowest_fd() <= fd_mark)

TEST(bpfprobe_live_tracepoint)
{
	static const struct bpfprobe_point pt = { .name = "syscalls:sys_enter_openat" };
	struct bpfprobe_spec sp;
	struct bpfprobe_opts o = { .on_event = collect };
	struct bpfprobe_session *s;
	struct bpfprobe_fetch *f;
	struct bpfprobe_stats st;
	static struct seen seen;
	char err[512], path[128], comm[32];
	int foff, fsz, loff, lsz, a, b, c, d, n, fd, found = -1, p0, p1;
	bool fsign, lsign;

	if (skip("bpfprobe_live_tracepoint", FACT_ID_bpf_tracepoint))
		return;
	if (!tp_field("syscalls/sys_enter_openat", "filename", &foff, &fsz, &fsign) ||
	    !tp_field("syscalls/sys_enter_openat", "flags", &loff, &lsz, &lsign)) {
		fprintf(stderr, "  SKIP bpfprobe_live_tracepoint: no syscalls:sys_enter_openat format\n");
		return;
	}
	self_comm(comm, sizeof(comm));
	memset(&seen, 0, sizeof(seen));
	fd_mark = lowest_fd();
	o.ctx = &seen;
	s = bpfprobe_session__new(&o);

	/* probe 0: filename, flags if pid == self && comm == ours */
	bpfprobe_spec_init(&sp, BPK_TRACEPOINT);
	sp.name = "openat";
	sp.points = &pt;
	sp.npoints = 1;
	f = add_fetch(&sp, BPS_FIELD, BPV_STR);		/* 0 */
	f->imm = foff;
	f->src_size = fsz;
	f->maxlen = 256;
	f->name = "filename";
	f = add_fetch(&sp, BPS_FIELD, BPV_INT);		/* 1 */
	f->imm = loff;
	f->src_size = lsz;
	f->src_signed = lsign;
	f->size = 4;
	f->is_signed = false;
	f = add_fetch(&sp, BPS_PID, BPV_INT);		/* 2 hidden */
	f->flags = BPF_FETCH_HIDDEN;
	f = add_fetch(&sp, BPS_COMM, BPV_STR);		/* 3 hidden */
	f->maxlen = 16;
	f->flags = BPF_FETCH_HIDDEN;
	add_fetch(&sp, BPS_TID, BPV_INT);		/* 4 */
	a = add_node(&sp, BPO_VALUE, 2, 0, 0, NULL);
	b = add_node(&sp, BPO_CONST, 0, 0, getpid(), NULL);
	c = add_node(&sp, BPO_EQ, a, b, 0, NULL);
	d = add_node(&sp, BPO_STREQ, 3, 0, 0, comm);
	sp.filter = add_node(&sp, BPO_LAND, c, d, 0, NULL);
	p0 = bpfprobe_session__add(s, &sp, err, sizeof(err));
	CHECK_INT(p0, 0);

	/* probe 1: same, but the filter also wants impossible flags: nothing */
	a = add_node(&sp, BPO_VALUE, 1, 0, 0, NULL);
	b = add_node(&sp, BPO_CONST, 0, 0, 0x7abcdef, NULL);
	c = add_node(&sp, BPO_BAND, a, b, 0, NULL);
	c = add_node(&sp, BPO_EQ, c, b, 0, NULL);
	sp.filter = add_node(&sp, BPO_LAND, sp.filter, c, 0, NULL);
	p1 = bpfprobe_session__add(s, &sp, err, sizeof(err));
	CHECK_INT(p1, 1);

	n = bpfprobe_session__start(s, err, sizeof(err));
	if (n) {
		fprintf(stderr, "  start: %s\n", err);
		CHECK_INT(n, 0);
		bpfprobe_session__free(s);
		return;
	}
	CHECK(strstr(bpfprobe_session__describe(s, 0), "tracepoint"));
	CHECK_INT(bpfprobe_session__prog(s, 0), BPP_TRACEPOINT);
	snprintf(path, sizeof(path), "/tmp/sonde-bpfprobe-%d-%llx", (int)getpid(),
		 (unsigned long long)now_mono_ns());
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	CHECK(fd >= 0);
	if (fd >= 0)
		close(fd);
	unlink(path);
	poll_until(s, &seen, 1, 2000);
	bpfprobe_session__consume(s);
	for (int i = 0; i < seen.n; i++) {
		CHECK_INT(seen.ev[i].probe, 0);	/* probe 1 never sends */
		CHECK_INT(seen.ev[i].pid, getpid());
		if (!strcmp(seen.ev[i].str[0], path))
			found = i;
	}
	CHECK(found >= 0);
	if (found >= 0) {
		CHECK_INT(seen.ev[found].nvalues, 5);
		CHECK_INT(seen.ev[found].v[0].type, BPV_STR);
		CHECK_INT(seen.ev[found].v[0].len, strlen(path));
		CHECK(!seen.ev[found].v[0].failed);
		CHECK_INT(seen.ev[found].v[1].u, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC);
		CHECK_INT(seen.ev[found].v[2].type, BPV_NONE);
		CHECK_INT(seen.ev[found].v[4].u, gettid());
		CHECK(seen.ev[found].ts > 0 && seen.ev[found].ts <= now_mono_ns());
	}
	bpfprobe_session__stats(s, &st);
	CHECK_INT(st.lost, 0);
	bpfprobe_session__stop(s);
	bpfprobe_session__stop(s);	/* idempotent */
	bpfprobe_session__stats(s, &st);
	CHECK_INT(st.lost, 0);
	bpfprobe_session__free(s);
	check_no_leftovers();
}

static const char target_src[] =
	"#include <stdio.h>\n"
	"#include <stdlib.h>\n"
	"struct inner { long pad; const char *name; };\n"
	"struct outer { int x; struct inner *in; };\n"
	"__attribute__((noinline)) int target(int a, long b, const char *s,\n"
	"                                    struct outer *o)\n"
	"{ __asm__ volatile(\"\" ::: \"memory\"); return a + (int)b + s[0] + o->x; }\n"
	"__attribute__((section(\".probes\"), used)) unsigned short sonde_sem;\n"
	"__attribute__((noinline)) int gated(int x)\n"
	"{ __asm__ volatile(\"\" ::: \"memory\"); return x + 1; }\n"
	"__attribute__((noinline)) int second(int x)\n"
	"{ __asm__ volatile(\"\" ::: \"memory\"); return x * 2; }\n"
	"int main(int argc, char **argv)\n"
	"{ char msg[] = \"hello uprobe\", deep[] = \"deepname\";\n"
	"  struct inner in = { 0, deep }; struct outer o = { 7, &in };\n"
	"  getchar();\n"
	"  if (sonde_sem) gated(5);\n"
	"  printf(\"%d\\n\", second(target(atoi(argv[1]), -5, msg, &o)));\n"
	"  return 0; }\n";

/* Build the target into dir; false (after saying SKIP) when no cc. The
 * strings live on the target's stack: rodata pages nobody touched yet
 * are not mapped in, and a probe cannot fault them in (bpftrace and bcc
 * read "" there too). */
static bool build_target(const char *dir, char *bin, size_t binsz)
{
	const char *keep = getenv("SONDE_BPFPROBE_TARGET");
	char src[256], cmd[1024];
	FILE *fp;

	/* SONDE_BPFPROBE_TARGET=PATH: use the target built there before (the
	 * qemu guests have no compiler), or build it there and keep it */
	if (keep && access(keep, X_OK) == 0) {
		snprintf(bin, binsz, "%s", keep);
		return true;
	}
	snprintf(src, sizeof(src), "%s/target.c", dir);
	snprintf(bin, binsz, "%s", keep ? keep : dir);
	if (!keep)
		snprintf(bin, binsz, "%s/target", dir);
	fp = fopen(src, "w");
	if (!fp)
		return false;
	fputs(target_src, fp);
	fclose(fp);
	snprintf(cmd, sizeof(cmd), "cc -O1 -o %s %s >/dev/null 2>&1", bin, src);
	if (system(cmd) != 0) {
		fprintf(stderr, "  SKIP bpfprobe_live_uprobe: no working cc\n");
		return false;
	}
	return true;
}

TEST(bpfprobe_live_uprobe)
{
	char dir[] = "/tmp/sonde-bpfprobe-XXXXXX", bin[300], err[512];
	struct bpfprobe_point pt = { .name = "target" }, two[2];
	struct bpfprobe_opts o = { .on_event = collect };
	struct bpfprobe_session *s = NULL;
	struct bpfprobe_spec sp;
	struct bpfprobe_fetch *f;
	struct usym_target tgt, sec, gat;
	const struct usym *sem = NULL;
	uint64_t sem_off = 0;
	struct bpfprobe_point usdt;
	struct uelf *e;
	static struct seen seen;
	int in[2] = { -1, -1 }, pid = -1, st, ent = -1, ret = -1, n;

	if (skip("bpfprobe_live_uprobe", FACT_ID_bpf_uprobe))
		return;
	if (!mkdtemp(dir))
		return;
	if (!build_target(dir, bin, sizeof(bin)))
		goto out;
	e = uelf__open(bin, err, sizeof(err));
	CHECK(e);
	if (!e)
		goto out;
	n = uelf__resolve(e, "target", &tgt, err, sizeof(err));
	if (!n)
		n = uelf__resolve(e, "second", &sec, err, sizeof(err));
	if (!n)
		n = uelf__resolve(e, "gated", &gat, err, sizeof(err));
	if (!n && uelf__lookup(e, "sonde_sem", &sem, 1) != 1)
		n = -ENOENT;
	if (sem)
		sem_off = sem->offset;
	CHECK(!sem || sem_off);
	uelf__close(e);
	CHECK_INT(n, 0);
	if (n)
		goto out;

	/* the child waits on its stdin until the probes are in place */
	if (pipe(in))
		goto out;
	pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(in[0], 0);
		if (null >= 0)
			dup2(null, 1);
		close(in[1]);
		execl(bin, bin, "10", (char *)NULL);
		_exit(127);
	}
	close(in[0]);

	memset(&seen, 0, sizeof(seen));
	fd_mark = lowest_fd();
	o.ctx = &seen;
	s = bpfprobe_session__new(&o);
	pt.path = bin;
	pt.offset = tgt.offset;
	pt.pid = pid;

	bpfprobe_spec_init(&sp, BPK_UFUNC);
	sp.points = &pt;
	sp.npoints = 1;
	f = add_fetch(&sp, BPS_ARG, BPV_INT);		/* a */
	f->idx = 0;
	f->size = 4;
	f = add_fetch(&sp, BPS_ARG, BPV_INT);		/* b */
	f->idx = 1;
	f = add_fetch(&sp, BPS_ARG, BPV_STR);		/* s */
	f->idx = 2;
	f->user = true;
	f = add_fetch(&sp, BPS_ARG, BPV_STR);		/* o->in->name */
	f->idx = 3;
	f->nderef = 2;
	f->deref[0] = (struct bpfprobe_deref){ 8, true };
	f->deref[1] = (struct bpfprobe_deref){ 8, false };	/* auto: user */
	f = add_fetch(&sp, BPS_ARG, BPV_INT);		/* o->x */
	f->idx = 3;
	f->nderef = 1;
	f->size = 4;
	f->deref[0] = (struct bpfprobe_deref){ 0, true };
	CHECK_INT(bpfprobe_session__add(s, &sp, err, sizeof(err)), 0);

	bpfprobe_spec_init(&sp, BPK_URETFUNC);
	sp.points = &pt;
	sp.npoints = 1;
	f = add_fetch(&sp, BPS_RETVAL, BPV_INT);
	f->size = 4;
	CHECK_INT(bpfprobe_session__add(s, &sp, err, sizeof(err)), 1);

	/* one spec, two points (one program reading the attach cookie where
	 * the kernel has BPF_PERF_EVENT links): first arg of each */
	two[0] = pt;
	two[1] = pt;
	two[1].name = "second";
	two[1].offset = sec.offset;
	bpfprobe_spec_init(&sp, BPK_UFUNC);
	sp.points = two;
	sp.npoints = 2;
	f = add_fetch(&sp, BPS_ARG, BPV_INT);
	f->idx = 0;
	f->size = 4;
	CHECK_INT(bpfprobe_session__add(s, &sp, err, sizeof(err)), 2);

	/* USDT-style: gated() runs only while the kernel counts the probe in
	 * the semaphore (ref_ctr_offset) */
	usdt = pt;
	usdt.name = "gated";
	usdt.offset = gat.offset;
	usdt.sem_offset = sem_off;
	bpfprobe_spec_init(&sp, BPK_USDT);
	sp.points = &usdt;
	sp.npoints = 1;
	f = add_fetch(&sp, BPS_REG, BPV_INT);
	f->idx = BPR_DI;
	f->size = 4;
	CHECK_INT(bpfprobe_session__add(s, &sp, err, sizeof(err)), 3);

	n = bpfprobe_session__start(s, err, sizeof(err));
	if (n)
		fprintf(stderr, "  start: %s\n", err);
	CHECK_INT(n, 0);
	if (n)
		goto out;
	CHECK(strstr(bpfprobe_session__describe(s, 1), "uretprobe"));
	CHECK(strstr(bpfprobe_session__describe(s, 2), "2 of 2 points"));
	CHECK_INT(write(in[1], "\n", 1), 1);
	close(in[1]);
	in[1] = -1;
	waitpid(pid, &st, 0);
	pid = -1;
	poll_until(s, &seen, 5, 2000);
	for (int i = 0; i < seen.n; i++) {
		if (seen.ev[i].probe == 0)
			ent = i;
		else if (seen.ev[i].probe == 1)
			ret = i;
		else if (seen.ev[i].probe == 3)
			CHECK_INT(seen.ev[i].v[0].s, 5);
		else if (seen.ev[i].point == 0)
			CHECK_INT(seen.ev[i].v[0].s, 10);
		else
			CHECK_INT(seen.ev[i].v[0].s, 10 - 5 + 'h' + 7);
	}
	CHECK_INT(seen.n, 5);
	CHECK(ent >= 0 && ret >= 0);
	if (ent >= 0) {
		CHECK_INT(seen.ev[ent].v[0].s, 10);
		CHECK_INT(seen.ev[ent].v[1].s, -5);
		CHECK_STR(seen.ev[ent].str[2], "hello uprobe");
		CHECK_STR(seen.ev[ent].str[3], "deepname");
		CHECK(!seen.ev[ent].v[3].failed);
		CHECK_INT(seen.ev[ent].v[4].s, 7);
	}
	if (ret >= 0) {
		CHECK_INT(seen.ev[ret].v[0].s, 10 - 5 + 'h' + 7);
		CHECK(ent < 0 || seen.ev[ret].ts >= seen.ev[ent].ts);
	}
out:
	if (in[1] >= 0)
		close(in[1]);
	if (pid > 0) {
		kill(pid, SIGKILL);
		waitpid(pid, &st, 0);
	}
	bpfprobe_session__free(s);
	snprintf(err, sizeof(err), "rm -rf %s", dir);
	CHECK_INT(system(err), 0);
	check_no_leftovers();
}

/* Kernel functions: every program type the kernel offers for them. */
static void kfunc_case(int prog, const char *name)
{
	static const struct bpfprobe_point pt = { .name = "do_sys_openat2" };
	struct bpfprobe_opts o = { .on_event = collect };
	struct bpfprobe_session *s;
	struct bpfprobe_spec sp;
	struct bpfprobe_fetch *f;
	static struct seen seen;
	char err[512], path[128];
	int a, b, n, fd, ent = -1, ret = -1;

	memset(&seen, 0, sizeof(seen));
	fd_mark = lowest_fd();
	o.ctx = &seen;
	s = bpfprobe_session__new(&o);
	for (int k = 0; k < 2; k++) {
		bpfprobe_spec_init(&sp, k ? BPK_KRETFUNC : BPK_KFUNC);
		sp.prog = prog;
		sp.points = &pt;
		sp.npoints = 1;
		f = add_fetch(&sp, BPS_PID, BPV_INT);
		f->flags = BPF_FETCH_HIDDEN;
		if (k == 0 || prog == BPP_FENTRY) {
			f = add_fetch(&sp, BPS_ARG, BPV_STR);	/* filename */
			f->idx = 1;
			f->maxlen = 128;
		}
		if (k) {
			f = add_fetch(&sp, BPS_RETVAL, BPV_INT);
			f->size = 8;
		}
		a = add_node(&sp, BPO_VALUE, 0, 0, 0, NULL);
		b = add_node(&sp, BPO_CONST, 0, 0, getpid(), NULL);
		sp.filter = add_node(&sp, BPO_EQ, a, b, 0, NULL);
		CHECK_INT(bpfprobe_session__add(s, &sp, err, sizeof(err)), k);
	}
	n = bpfprobe_session__start(s, err, sizeof(err));
	if (n)
		fprintf(stderr, "  %s start: %s\n", name, err);
	CHECK_INT(n, 0);
	if (n) {
		bpfprobe_session__free(s);
		return;
	}
	snprintf(path, sizeof(path), "/tmp/sonde-bpfprobe-k-%d", (int)getpid());
	fd = open(path, O_RDONLY | O_CREAT | O_CLOEXEC, 0600);
	poll_until(s, &seen, 2, 3000);
	for (int i = 0; i < seen.n; i++) {
		if (seen.ev[i].probe == 0 && !strcmp(seen.ev[i].str[1], path))
			ent = i;
		if (seen.ev[i].probe == 1 && seen.ev[i].v[prog == BPP_FENTRY ? 2 : 1].s == fd &&
		    (prog != BPP_FENTRY || !strcmp(seen.ev[i].str[1], path)))
			ret = i;
	}
	if (ent < 0 || ret < 0)
		fprintf(stderr, "  %s: %d events, entry %d, return %d\n", name,
			seen.n, ent, ret);
	CHECK(ent >= 0);
	CHECK(ret >= 0);
	if (fd >= 0)
		close(fd);
	unlink(path);
	bpfprobe_session__free(s);
	check_no_leftovers();
}

TEST(bpfprobe_live_kprobe)
{
	if (skip("bpfprobe_live_kprobe", FACT_ID_bpf_kprobe))
		return;
	kfunc_case(BPP_KPROBE, "kprobe");
}

TEST(bpfprobe_live_fentry)
{
	if (skip("bpfprobe_live_fentry", FACT_ID_fentry))
		return;
	kfunc_case(BPP_FENTRY, "fentry");
}

TEST(bpfprobe_live_perfbuf)
{
	static const struct bpfprobe_point pt = { .name = "syscalls:sys_enter_getppid" };
	struct bpfprobe_opts o = { .on_event = collect, .transport = BPT_PERFBUF };
	struct bpfprobe_session *s;
	struct bpfprobe_spec sp;
	struct bpfprobe_fetch *f;
	static struct seen seen;
	char err[512];
	int a, b, n;

	if (skip("bpfprobe_live_perfbuf", FACT_ID_bpf_tracepoint))
		return;
	memset(&seen, 0, sizeof(seen));
	fd_mark = lowest_fd();
	o.ctx = &seen;
	s = bpfprobe_session__new(&o);
	bpfprobe_spec_init(&sp, BPK_TRACEPOINT);
	sp.points = &pt;
	sp.npoints = 1;
	f = add_fetch(&sp, BPS_PID, BPV_INT);
	f = add_fetch(&sp, BPS_COMM, BPV_STR);
	f->maxlen = 16;
	a = add_node(&sp, BPO_VALUE, 0, 0, 0, NULL);
	b = add_node(&sp, BPO_CONST, 0, 0, getpid(), NULL);
	sp.filter = add_node(&sp, BPO_EQ, a, b, 0, NULL);
	CHECK_INT(bpfprobe_session__add(s, &sp, err, sizeof(err)), 0);
	n = bpfprobe_session__start(s, err, sizeof(err));
	if (n)
		fprintf(stderr, "  start: %s\n", err);
	CHECK_INT(n, 0);
	if (!n) {
		CHECK(strstr(bpfprobe_session__describe(s, 0), "perf buffer"));
		for (int i = 0; i < 3; i++)
			getppid();
		poll_until(s, &seen, 3, 2000);
		CHECK_INT(seen.n, 3);
		if (seen.n)
			CHECK_INT(seen.ev[0].v[0].u, getpid());
	}
	bpfprobe_session__free(s);
	check_no_leftovers();
}

/* kprobe_multi: two functions in one link; the cookie names the point. */
TEST(bpfprobe_live_kprobe_multi)
{
	static const struct bpfprobe_point pts[2] = {
		{ .name = "do_sys_openat2" }, { .name = "vfs_read" },
	};
	struct bpfprobe_opts o = { .on_event = collect };
	struct bpfprobe_session *s;
	struct bpfprobe_spec sp;
	struct bpfprobe_fetch *f;
	static struct seen seen;
	char err[512], buf[8];
	int a, b, n, fd, got[2] = { 0, 0 };

	if (skip("bpfprobe_live_kprobe_multi", FACT_ID_kprobe_multi))
		return;
	memset(&seen, 0, sizeof(seen));
	fd_mark = lowest_fd();
	o.ctx = &seen;
	s = bpfprobe_session__new(&o);
	bpfprobe_spec_init(&sp, BPK_KFUNC);
	sp.prog = BPP_KPROBE_MULTI;
	sp.points = pts;
	sp.npoints = 2;
	f = add_fetch(&sp, BPS_PID, BPV_INT);
	f->flags = BPF_FETCH_HIDDEN;
	a = add_node(&sp, BPO_VALUE, 0, 0, 0, NULL);
	b = add_node(&sp, BPO_CONST, 0, 0, getpid(), NULL);
	sp.filter = add_node(&sp, BPO_EQ, a, b, 0, NULL);
	CHECK_INT(bpfprobe_session__add(s, &sp, err, sizeof(err)), 0);
	n = bpfprobe_session__start(s, err, sizeof(err));
	if (n)
		fprintf(stderr, "  kprobe_multi start: %s\n", err);
	CHECK_INT(n, 0);
	if (!n) {
		CHECK(strstr(bpfprobe_session__describe(s, 0), "kprobe_multi"));
		fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			CHECK(read(fd, buf, sizeof(buf)) > 0);
			close(fd);
		}
		poll_until(s, &seen, 2, 3000);
		for (int i = 0; i < seen.n; i++)
			if (seen.ev[i].point >= 0 && seen.ev[i].point < 2)
				got[seen.ev[i].point]++;
		CHECK(got[0] >= 1);
		CHECK(got[1] >= 1);
	}
	bpfprobe_session__free(s);
	check_no_leftovers();
}

/* A full ring buffer: what does not fit is counted, never silent; a
 * string at a bad address reads as "" with its failed bit. */
TEST(bpfprobe_live_lost_and_faults)
{
	static const struct bpfprobe_point pt = { .name = "syscalls:sys_enter_getppid" };
	struct bpfprobe_opts o = { .on_event = collect, .ringbuf_bytes = 4096 };
	struct bpfprobe_session *s;
	struct bpfprobe_spec sp;
	struct bpfprobe_fetch *f;
	struct bpfprobe_stats st;
	static struct seen seen;
	char err[512];
	int a, b, n, total = 0;

	if (skip("bpfprobe_live_lost_and_faults", FACT_ID_ringbuf))
		return;
	memset(&seen, 0, sizeof(seen));
	fd_mark = lowest_fd();
	o.ctx = &seen;
	s = bpfprobe_session__new(&o);
	bpfprobe_spec_init(&sp, BPK_TRACEPOINT);
	sp.points = &pt;
	sp.npoints = 1;
	f = add_fetch(&sp, BPS_PID, BPV_INT);
	f = add_fetch(&sp, BPS_CONST, BPV_STR);	/* string at address 16 */
	f->imm = 16;
	f = add_fetch(&sp, BPS_CONST, BPV_BYTES);	/* 256 bytes of padding */
	f->imm = 16;
	f->maxlen = 256;
	a = add_node(&sp, BPO_VALUE, 0, 0, 0, NULL);
	b = add_node(&sp, BPO_CONST, 0, 0, getpid(), NULL);
	sp.filter = add_node(&sp, BPO_EQ, a, b, 0, NULL);
	CHECK_INT(bpfprobe_session__add(s, &sp, err, sizeof(err)), 0);
	n = bpfprobe_session__start(s, err, sizeof(err));
	if (n)
		fprintf(stderr, "  start: %s\n", err);
	CHECK_INT(n, 0);
	if (!n) {
		for (int i = 0; i < 100; i++)
			getppid();
		while ((n = bpfprobe_session__poll(s, 100)) > 0)
			total += n;
		bpfprobe_session__stats(s, &st);
		CHECK(total > 0 && total < 100);
		CHECK_INT(st.lost + total, 100);
		CHECK(seen.n > 0);
		if (seen.n) {
			CHECK(seen.ev[0].v[1].failed);
			CHECK_STR(seen.ev[0].str[1], "");
			CHECK(seen.ev[0].v[2].failed);
			CHECK_INT(seen.ev[0].v[2].len, 256);
		}
	}
	bpfprobe_session__free(s);
	check_no_leftovers();
}
