// SPDX-License-Identifier: GPL-2.0
/*
 * lib/tfs.c and lib/evstream.c against the running kernel: tracepoints
 * and a uprobe streamed over both transports while the test causes the
 * events, teardown and sweeping checked in tracefs itself. Needs root and
 * a writable tracefs; otherwise each test says SKIP and why on stderr and
 * returns (the harness knows only ok and FAIL).
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <event-parse.h>

#include "evstream.h"
#include "sonde.h"
#include "tfs.h"
#include "unit.h"
#include "util.h"

#define NCHILD		200
#define LDSO_LINK	"/lib64/ld-linux-x86-64.so.2"
#define CHILD_ENV	"SONDE_TFS_LIVE_CHILD"

static bool live_skip(const char *test)
{
	static char why[160];
	static int state;	/* 0 unknown, 1 runnable, 2 skip */
	struct tfs *t;

	if (!state) {
		state = 2;
		if (geteuid())
			snprintf(why, sizeof(why), "not root");
		else if (!(t = tfs_get()))
			snprintf(why, sizeof(why), "no tracefs: %s",
				 strerror(errno));
		else if (!tfs_event_exists(t, "sched", "sched_process_exec"))
			snprintf(why, sizeof(why), "no sched:sched_process_exec");
		else if (!tfs_instance(t))
			snprintf(why, sizeof(why), "cannot create an instance: %s",
				 strerror(errno));
		else
			state = 1;
	}
	if (state == 2)
		fprintf(stderr, "  SKIP %s: %s\n", test, why);
	return state == 2;
}

/* ---- looking at tracefs ---- */

static bool file_has(const char *file, const char *needle)
{
	static char text[1 << 20];
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", tfs_root(tfs_get()), file);
	return read_text_file(path, text, sizeof(text)) >= 0 &&
	       strstr(text, needle);
}

static bool instance_exists(const char *name)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/instances/%s", tfs_root(tfs_get()),
		 name);
	return access(path, F_OK) == 0;
}

/* Anything left in tracefs named sonde_<pid>? */
static bool leftovers(int pid)
{
	char name[32], grp[40];

	snprintf(name, sizeof(name), "sonde_%d", pid);
	snprintf(grp, sizeof(grp), ":sonde_%d/", pid);
	return instance_exists(name) || file_has("dynamic_events", grp) ||
	       file_has("uprobe_events", grp);
}

/* ---- the ld.so entry point, as a file offset ---- */

static const char *ldso_path(void)
{
	static char path[PATH_MAX];

	return realpath(LDSO_LINK, path) ? path : NULL;
}

/* e_entry is a virtual address; uprobes take a file offset: map it
 * through the PT_LOAD segment that holds it. */
static long long elf_entry_offset(const char *path)
{
	Elf64_Ehdr eh;
	Elf64_Phdr ph;
	long long off = -1;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	if (pread(fd, &eh, sizeof(eh), 0) != sizeof(eh) ||
	    memcmp(eh.e_ident, ELFMAG, SELFMAG) ||
	    eh.e_ident[EI_CLASS] != ELFCLASS64)
		goto out;
	for (int i = 0; i < eh.e_phnum; i++) {
		if (pread(fd, &ph, sizeof(ph), eh.e_phoff + i * eh.e_phentsize) !=
		    sizeof(ph))
			break;
		if (ph.p_type == PT_LOAD && eh.e_entry >= ph.p_vaddr &&
		    eh.e_entry < ph.p_vaddr + ph.p_filesz) {
			off = eh.e_entry - ph.p_vaddr + ph.p_offset;
			break;
		}
	}
out:
	close(fd);
	return off;
}

/* A uprobe at ld.so's entry: the new program's stack holds argc, then
 * argv[0..]. This is the fetch-arg syntax the kernel accepted. */
static int add_ldso_probe(const char *group, const char *name, bool keep,
			  char *err, size_t errsz)
{
	const char *ld = ldso_path();
	long long off = ld ? elf_entry_offset(ld) : -1;
	char def[PATH_MAX + 256];

	if (off < 0) {
		snprintf(err, errsz, "no entry point in %s", LDSO_LINK);
		return -ENOENT;
	}
	snprintf(def, sizeof(def), "p:%s/%s %s:0x%llx argc=$stack0:u64 "
		 "a0=+0(+8($stack)):ustring a1=+0($stack2):ustring",
		 group, name, ld, off);
	if (keep)
		return tfs_dynevent_add_persistent(tfs_get(), def, err, errsz);
	return tfs_dynevent_add(tfs_get(), def, err, errsz);
}

static pid_t spawn(const char *path, char *const argv[])
{
	pid_t pid = fork();

	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(null, 1);
		execv(path, argv);
		_exit(127);
	}
	return pid;
}

/* ---- exec events on both transports ---- */

struct exec_seen {
	pid_t child[NCHILD];
	int nchild, waiting;
	int execs[NCHILD], enters[NCHILD], exits[NCHILD];
	uint64_t enter_ts[NCHILD], exec_ts[NCHILD], exit_ts[NCHILD];
	bool got, bad_name, bad_ret, unordered;
	uint64_t last_ts, lat_sum, lat_max;
	int lat_n;
};

static int child_index(struct exec_seen *x, int pid)
{
	for (int i = 0; i < x->nchild; i++)
		if (x->child[i] == pid)
			return i;
	return -1;
}

static void on_exec(struct exec_seen *x, int i, struct tep_event *ev,
		    struct tep_record *rec)
{
	uint64_t lat = now_mono_ns() - ev_record_ts(rec);
	char file[64];

	if (!ev_field_str(ev, rec, "filename", file, sizeof(file)) ||
	    strcmp(file, "/bin/true"))
		x->bad_name = true;
	x->execs[i]++;
	x->exec_ts[i] = ev_record_ts(rec);
	if (i != x->waiting)
		return;
	x->got = true;
	x->lat_sum += lat;
	x->lat_n++;
	if (lat > x->lat_max)
		x->lat_max = lat;
}

static void exec_event(void *ctx, struct tep_event *ev, struct tep_record *rec,
		       int cpu)
{
	struct exec_seen *x = ctx;
	uint64_t ts = ev_record_ts(rec), ret;
	int i;

	if (ts < x->last_ts)
		x->unordered = true;
	x->last_ts = ts;
	i = child_index(x, ev_record_pid(ev, rec));
	if (i < 0)
		return;
	if (!strcmp(ev->name, "sched_process_exec")) {
		on_exec(x, i, ev, rec);
	} else if (!strcmp(ev->name, "sys_enter_execve")) {
		x->enters[i]++;
		x->enter_ts[i] = ts;
	} else if (!strcmp(ev->name, "sys_exit_execve")) {
		if (!ev_field_u64(ev, rec, "ret", &ret) || ret)
			x->bad_ret = true;
		x->exits[i]++;
		x->exit_ts[i] = ts;
	}
}

static struct evstream *exec_stream(enum ev_transport tr)
{
	struct evstream *s = evstream_new(tr, NULL);
	char err[256] = "";
	int ret = -1;

	if (s && !(ret = evstream_add(s, "sched", "sched_process_exec",
				      "filename ~ \"*true\"", err, sizeof(err))) &&
	    !(ret = evstream_add(s, "syscalls", "sys_enter_execve", NULL, err,
				 sizeof(err))) &&
	    !(ret = evstream_add(s, "syscalls", "sys_exit_execve", NULL, err,
				 sizeof(err))))
		ret = evstream_start(s, err, sizeof(err));
	if (ret)
		fprintf(stderr, "  exec stream: %s\n", err);
	CHECK_INT(ret, 0);
	if (ret) {
		evstream_free(s);
		return NULL;
	}
	return s;
}

static void run_children(struct evstream *s, struct exec_seen *x)
{
	char *argv[] = { "true", NULL };
	uint64_t until;

	for (int i = 0; i < NCHILD; i++) {
		x->child[i] = spawn("/bin/true", argv);
		x->nchild = i + 1;
		x->waiting = i;
		x->got = false;
		until = now_mono_ns() + 2000000000ull;
		while (!x->got && now_mono_ns() < until)
			evstream_poll(s, 100, exec_event, x);
		waitpid(x->child[i], NULL, 0);
	}
	/* the last exits, then whatever is held back */
	until = now_mono_ns() + 1000000000ull;
	while (x->exits[NCHILD - 1] == 0 && now_mono_ns() < until)
		evstream_poll(s, 100, exec_event, x);
	evstream_stop(s);
	evstream_flush(s, exec_event, x);
}

static void check_exec_stream(enum ev_transport tr, const char *name)
{
	struct exec_seen *x = calloc(1, sizeof(*x));
	struct evstream *s = exec_stream(tr);
	int once = 0, ordered = 0;
	uint64_t lost;

	if (!s || !x)
		goto out;
	run_children(s, x);
	lost = evstream_lost(s);
	evstream_free(s);
	for (int i = 0; i < NCHILD; i++) {
		once += x->execs[i] == 1 && x->enters[i] == 1 && x->exits[i] == 1;
		ordered += x->enter_ts[i] < x->exec_ts[i] &&
			   x->exec_ts[i] < x->exit_ts[i];
	}
	CHECK_INT(once, NCHILD);
	CHECK_INT(ordered, NCHILD);
	CHECK(!x->bad_name);
	CHECK(!x->bad_ret);
	CHECK(!x->unordered);
	CHECK_INT(lost, 0);
	CHECK_INT(x->lat_n, NCHILD);
	if (x->lat_n)
		fprintf(stderr, "  %s: exec seen %d/%d, delivery latency "
			"avg %.2f ms, max %.2f ms\n", name, once, NCHILD,
			x->lat_sum / 1e6 / x->lat_n, x->lat_max / 1e6);
out:
	tfs_teardown();
	CHECK(!leftovers(getpid()));
	free(x);
}

TEST(live_exec_stream_tracefs)
{
	if (!live_skip("live_exec_stream_tracefs"))
		check_exec_stream(EVT_TRACEFS, "tracefs");
}

TEST(live_exec_stream_perf)
{
	if (!live_skip("live_exec_stream_perf"))
		check_exec_stream(EVT_PERF, "perf");
}

/* ---- following one process and its children ---- */

struct family_seen {
	int n, stranger;
	pid_t unrelated;
};

static void family_event(void *ctx, struct tep_event *ev,
			 struct tep_record *rec, int cpu)
{
	struct family_seen *x = ctx;
	char file[64] = "";

	ev_field_str(ev, rec, "filename", file, sizeof(file));
	if (ev_record_pid(ev, rec) == x->unrelated ||
	    (strcmp(file, "/bin/sh") && strcmp(file, "/bin/true")))
		x->stranger++;
	else
		x->n++;
}

/* A child held at a pipe until the stream follows it, then runs
 * sh -c '/bin/true; /bin/true': three execs in the family, none of the
 * /bin/true the test runs beside it. */
static void check_follow_pid(enum ev_transport tr)
{
	char *argv[] = { "true", NULL };
	struct family_seen x = { 0 };
	struct evstream_opts o = { 0 };
	struct evstream *s;
	char err[256] = "", c = 'g';
	int go[2], ret;
	uint64_t until;
	pid_t child;

	CHECK(pipe(go) == 0);
	child = fork();
	if (child == 0) {
		close(go[1]);
		if (read(go[0], &c, 1) == 1)
			execl("/bin/sh", "sh", "-c", "/bin/true; /bin/true", NULL);
		_exit(127);
	}
	close(go[0]);
	o.pid = child;
	s = evstream_new(tr, &o);
	ret = s ? evstream_add(s, "sched", "sched_process_exec", NULL, err,
			       sizeof(err)) : -errno;
	if (!ret)
		ret = evstream_start(s, err, sizeof(err));
	CHECK_INT(ret, 0);
	CHECK(write(go[1], &c, 1) == 1);
	close(go[1]);
	x.unrelated = spawn("/bin/true", argv);
	waitpid(x.unrelated, NULL, 0);
	waitpid(child, NULL, 0);
	until = now_mono_ns() + 1000000000ull;
	while (!ret && x.n < 3 && now_mono_ns() < until)
		evstream_poll(s, 100, family_event, &x);
	if (!ret)
		evstream_flush(s, family_event, &x);
	evstream_free(s);
	CHECK_INT(x.n, 3);
	CHECK_INT(x.stranger, 0);
	tfs_teardown();
}

TEST(live_follow_pid_tracefs)
{
	if (!live_skip("live_follow_pid_tracefs"))
		check_follow_pid(EVT_TRACEFS);
}

TEST(live_follow_pid_perf)
{
	if (!live_skip("live_follow_pid_perf"))
		check_follow_pid(EVT_PERF);
}

/* ---- a uprobe at ld.so's entry ---- */

struct ldso_seen {
	pid_t child;
	bool got;
	uint64_t argc;
	char a0[64], a1[64];
};

static void ldso_event(void *ctx, struct tep_event *ev, struct tep_record *rec,
		       int cpu)
{
	struct ldso_seen *x = ctx;

	if (ev_record_pid(ev, rec) != x->child)
		return;
	x->got = ev_field_u64(ev, rec, "argc", &x->argc) &&
		 ev_field_str(ev, rec, "a0", x->a0, sizeof(x->a0)) &&
		 ev_field_str(ev, rec, "a1", x->a1, sizeof(x->a1));
}

static void check_ldso_probe(enum ev_transport tr)
{
	char *argv[] = { "/bin/echo", "hello", "sonde", NULL };
	struct ldso_seen x = { 0 };
	struct evstream *s = evstream_new(tr, NULL);
	const char *grp = tfs_group(tfs_get());
	char err[256] = "";
	uint64_t until;
	int ret;

	ret = s ? evstream_add(s, grp, "ldentry", "argc == 3", err,
			       sizeof(err)) : -errno;
	if (!ret)
		ret = evstream_start(s, err, sizeof(err));
	CHECK_INT(ret, 0);
	if (ret) {
		fprintf(stderr, "  ldso stream: %s\n", err);
		evstream_free(s);
		return;
	}
	x.child = spawn(argv[0], argv);
	until = now_mono_ns() + 2000000000ull;
	while (!x.got && now_mono_ns() < until)
		evstream_poll(s, 100, ldso_event, &x);
	waitpid(x.child, NULL, 0);
	evstream_free(s);
	CHECK(x.got);
	CHECK_INT(x.argc, 3);
	CHECK_STR(x.a0, "/bin/echo");
	CHECK_STR(x.a1, "hello");
}

TEST(live_uprobe_ldso_entry)
{
	char err[256] = "";
	int ret;

	if (live_skip("live_uprobe_ldso_entry"))
		return;
	ret = add_ldso_probe(tfs_group(tfs_get()), "ldentry", false, err,
			     sizeof(err));
	if (ret)
		fprintf(stderr, "  uprobe: %s\n", err);
	CHECK_INT(ret, 0);
	if (!ret) {
		CHECK(file_has("uprobe_events", "/ldentry "));
		check_ldso_probe(EVT_TRACEFS);
		check_ldso_probe(EVT_PERF);
	}
	tfs_teardown();
	CHECK(!leftovers(getpid()));
}

/* ---- refused writes are explained ---- */

TEST(live_errors_explained)
{
	struct evstream *s;
	char err[256] = "", def[PATH_MAX + 128];
	const char *ld;

	if (live_skip("live_errors_explained"))
		return;
	s = evstream_new(EVT_TRACEFS, NULL);
	CHECK(s && evstream_add(s, "sched", "sched_process_exec", "bogus == 3",
				err, sizeof(err)) < 0);
	CHECK(strstr(err, "Field not found") != NULL);
	evstream_free(s);

	ld = ldso_path();
	snprintf(def, sizeof(def), "p:%s/bad %s:0x%llx a0=+0($stack1):nosuchtype",
		 tfs_group(tfs_get()), ld ? ld : "/nonexistent",
		 ld ? elf_entry_offset(ld) : 0);
	err[0] = '\0';
	CHECK(tfs_dynevent_add(tfs_get(), def, err, sizeof(err)) < 0);
	CHECK(err[0] != '\0');
	fprintf(stderr, "  refused probe explained as: %s\n", err);
	CHECK(tfs_dynevent_add(tfs_get(), "p nameless", err, sizeof(err)) ==
	      -EINVAL);
	tfs_teardown();
	CHECK(!leftovers(getpid()));
}

/* ---- sweeping ---- */

static pid_t dead_pid(void)
{
	pid_t pid = fork();

	if (pid == 0)
		_exit(0);
	waitpid(pid, NULL, 0);
	return pid;
}

static void make_instance(const char *fmt, int pid, char *name, size_t size)
{
	char path[PATH_MAX];

	snprintf(name, size, fmt, pid);
	snprintf(path, sizeof(path), "%s/instances/%s", tfs_root(tfs_get()),
		 name);
	CHECK(mkdir(path, 0750) == 0);
}

TEST(live_sweep_stale)
{
	char dead[32], other[32], grp[32], err[256] = "", mine[32];
	char dgrp[40], lgrp[40], keep[64], path[PATH_MAX];
	char *sleep_argv[] = { "sleep", "30", NULL };
	pid_t gone = dead_pid(), sleeper;

	if (live_skip("live_sweep_stale"))
		return;
	CHECK(tfs_instance(tfs_get()) != NULL);
	make_instance("sonde_%d", gone, dead, sizeof(dead));
	make_instance("sonde_%d_other", gone, other, sizeof(other));
	/* a dead owner's probe, and one named after a live non-sonde */
	snprintf(grp, sizeof(grp), "sonde_%d", gone);
	CHECK_INT(add_ldso_probe(grp, "stale", true, err, sizeof(err)), 0);
	sleeper = spawn("/bin/sleep", sleep_argv);
	snprintf(grp, sizeof(grp), "sonde_%d", sleeper);
	usleep(50000);	/* let it exec: its comm becomes "sleep" */
	CHECK_INT(add_ldso_probe(grp, "reused", true, err, sizeof(err)), 0);
	/* the persistent group is never swept */
	snprintf(keep, sizeof(keep), "sweeptest_%d", getpid());
	CHECK_INT(add_ldso_probe("sonde", keep, true, err, sizeof(err)), 0);

	/* Another sonde starting now may sweep them first: check what is
	 * left, not the count. */
	tfs_sweep_stale(NULL);
	snprintf(mine, sizeof(mine), "sonde_%d", getpid());
	snprintf(dgrp, sizeof(dgrp), ":sonde_%d/", gone);
	snprintf(lgrp, sizeof(lgrp), ":sonde_%d/", sleeper);
	CHECK(!instance_exists(dead));
	CHECK(instance_exists(other));
	CHECK(instance_exists(mine));
	CHECK(!file_has("uprobe_events", dgrp));
	CHECK(!file_has("uprobe_events", lgrp));
	CHECK(file_has("uprobe_events", keep));

	CHECK_INT(tfs_dynevent_del(tfs_get(), "sonde", keep, err, sizeof(err)), 0);
	CHECK(!file_has("uprobe_events", keep));
	snprintf(path, sizeof(path), "%s/instances/%s", tfs_root(tfs_get()),
		 other);
	CHECK(rmdir(path) == 0);
	kill(sleeper, SIGKILL);
	waitpid(sleeper, NULL, 0);
	tfs_teardown();
	CHECK(!leftovers(getpid()));
}

/* ---- a sonde-like child: stopped by a signal, or killed ---- */

/* Runs in a child that re-executed this binary (see live_child_hook):
 * stream a uprobe and a tracepoint through the instance, say "ready",
 * then poll until a stop signal arrives and clean up in normal flow. */
static int child_main(const char *mode)
{
	char err[256];
	struct evstream *s;
	int ret;

	signals_install();
	s = evstream_new(EVT_TRACEFS, NULL);
	if (!s || add_ldso_probe(tfs_group(tfs_get()), "ldentry", false, err,
				 sizeof(err)) ||
	    evstream_add(s, tfs_group(tfs_get()), "ldentry", NULL, err,
			 sizeof(err)) ||
	    evstream_add(s, "sched", "sched_process_exec", NULL, err,
			 sizeof(err)) ||
	    evstream_start(s, err, sizeof(err)))
		return 3;
	printf("ready\n");
	fflush(stdout);
	while ((ret = evstream_poll(s, -1, ldso_event, &(struct ldso_seen){0})) >= 0)
		;
	if (!strcmp(mode, "kill"))
		return 4;	/* SIGKILL never lets it get here */
	if (!strcmp(mode, "exit"))	/* atexit() undoes it all */
		return ret == -EINTR ? 0 : 5;
	evstream_free(s);
	tfs_teardown();
	return ret == -EINTR ? 0 : 5;
}

__attribute__((constructor)) static void live_child_hook(void)
{
	const char *mode = getenv(CHILD_ENV);

	if (mode)
		exit(child_main(mode));
}

static pid_t start_child(const char *mode, int *out)
{
	int fds[2];
	pid_t pid;

	if (pipe(fds))
		return -1;
	pid = fork();
	if (pid == 0) {
		dup2(fds[1], 1);
		close(fds[0]);
		setenv(CHILD_ENV, mode, 1);
		execl("/proc/self/exe", "unit-tests", "none-match", NULL);
		_exit(127);
	}
	close(fds[1]);
	*out = fds[0];
	return pid;
}

static bool wait_ready(int fd)
{
	char buf[16] = "";
	ssize_t n = read(fd, buf, sizeof(buf) - 1);

	close(fd);
	return n > 0 && !strncmp(buf, "ready", 5);
}

static void check_stopped_child(const char *mode)
{
	int fd, status = -1;
	pid_t pid;

	pid = start_child(mode, &fd);
	CHECK(pid > 0 && wait_ready(fd));
	CHECK(leftovers(pid));
	kill(pid, SIGTERM);
	waitpid(pid, &status, 0);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK(!leftovers(pid));
}

TEST(live_child_stopped_by_signal_cleans_up)
{
	if (!live_skip("live_child_stopped_by_signal_cleans_up"))
		check_stopped_child("signal");
}

TEST(live_child_exit_cleans_up_at_exit)
{
	if (!live_skip("live_child_exit_cleans_up_at_exit"))
		check_stopped_child("exit");
}

TEST(live_killed_child_swept)
{
	int fd, status;
	pid_t pid;

	if (live_skip("live_killed_child_swept"))
		return;
	pid = start_child("kill", &fd);
	CHECK(pid > 0 && wait_ready(fd));
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	/* SIGKILL left them (unless a concurrent sonde swept already) */
	tfs_sweep_stale(NULL);
	CHECK(!leftovers(pid));
}
