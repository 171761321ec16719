// SPDX-License-Identifier: GPL-2.0
/*
 * session: run one tracer the way a user would and measure it.
 *
 *   session ready [-a exec|open|close] [-p] [-P MS] [-W MS] [-k MS]
 *                 [-T MS] [-c CPU] [-o FILE] [-D DIR] -- TOOL [ARGS]
 *
 *   Starts TOOL on a pseudo-terminal (tools print line by line there, as
 *   for a user) and makes one marker event every -P ms (default 5): an
 *   exec of DIR/bmark (a link to true) with the argument MARK+k, an open
 *   of DIR/bmark.MARK+k (ENOENT), or close(MARK+k) (EBADF), MARK being
 *   424200000. Ready is the moment the first marker number (with -p: the
 *   pid of the process that made it) shows in the output; with -W (for aggregating tools, which print only at the end)
 *   the markers run for -W ms, the tool is stopped, and ready is when the
 *   first marker it counted was made. After ready, -k ms (default 300)
 *   more of tracing, then SIGINT; -T ms (default 5000) to give up.
 *
 *   session load -x STORM [-n N] [-r RATE -t SECS] [-b SECS] [-m MS]
 *                [-e PATTERN] [-s MS] [-c CPU] [-C CPU] [-d MS] [-T MS]
 *                -o FILE -- TOOL [ARGS]
 *
 *   Starts STORM (bench/storm.c, given -n, -r, -t, -b and -m), on CPU -C,
 *   keeps its figures, and once its
 *   untraced phase is done starts TOOL with every "{pid}" in its
 *   arguments replaced by the storm's pid, on CPU -c, stdout and stderr to
 *   FILE (as `tool > FILE 2>&1`). Ready is PATTERN in FILE (the storm's
 *   markers) or, without -e, -s ms after the start; then the storm gets
 *   SIGUSR1, runs its traced phase, and once FILE has not grown for -d
 *   ms (default 300: the tool has printed what it had to), 20 s at most,
 *   the tool gets SIGINT while the storm still lives (then it exits).
 *   Adds "lag_ms=L": how long after the storm's end FILE still grew.
 *
 * Both print one line: "ready_ms=R rss_kb=K stop_ms=S cpu_ms=C" (peak
 * RSS and user+system CPU of the tool and its children from wait4,
 * SIGINT to exit), after load's storm figures ("base open_ns=X" as
 * base_open_ns=X), or "error=..." with the tool's last line of output
 * and the first that names a cause, when it did not get ready. The tool runs in its own process group,
 * killed whole at the end so no helper process of it outlives the run.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define MARK	424200000L
#define MAXMARK	100000
#define OUTMAX	(1 << 20)

struct tool {
	pid_t pid;
	int fd;			/* pty master (ready) or -1 */
	double t0;		/* ms, just before fork */
	struct rusage ru;
	int status;
	int exited;
	char out[OUTMAX];	/* what it printed, for markers and errors */
	size_t len;
};

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void sleep_ms(double ms)
{
	struct timespec ts = { (time_t)(ms / 1000), (long)((ms - (long)(ms / 1000) * 1000) * 1e6) };

	nanosleep(&ts, NULL);
}

static void die(const char *what)
{
	fprintf(stderr, "session: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void pin(int cpu)
{
	cpu_set_t set;

	if (cpu < 0)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

/* Child side: own process group, default signals, pinned, then exec. */
static void exec_tool(char **argv, int cpu)
{
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGPIPE, SIG_DFL);
	pin(cpu);
	execvp(argv[0], argv);
	fprintf(stderr, "cannot run %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

/* TOOL on a new pseudo-terminal, wide enough that nothing is cut. */
static void start_on_pty(struct tool *t, char **argv, int cpu)
{
	struct winsize ws = { .ws_row = 50, .ws_col = 400 };
	int m = posix_openpt(O_RDWR | O_NOCTTY);

	if (m < 0 || grantpt(m) || unlockpt(m))
		die("pty");
	t->fd = m;
	t->t0 = now_ms();
	t->pid = fork();
	if (t->pid < 0)
		die("fork");
	if (t->pid == 0) {
		int s;

		setsid();
		s = open(ptsname(m), O_RDWR);
		if (s < 0)
			_exit(127);
		ioctl(s, TIOCSWINSZ, &ws);
		dup2(s, 0);
		dup2(s, 1);
		dup2(s, 2);
		close(s);
		close(m);
		exec_tool(argv, cpu);
	}
	fcntl(m, F_SETFL, O_NONBLOCK);
}

/* TOOL with stdout and stderr appended to FILE, stdin /dev/null. */
static void start_to_file(struct tool *t, char **argv, int cpu, const char *file)
{
	int fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0644);

	if (fd < 0)
		die(file);
	t->fd = -1;
	t->t0 = now_ms();
	t->pid = fork();
	if (t->pid < 0)
		die("fork");
	if (t->pid == 0) {
		int null = open("/dev/null", O_RDONLY);

		setpgid(0, 0);
		dup2(null, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		exec_tool(argv, cpu);
	}
	setpgid(t->pid, t->pid);
	close(fd);
}

/* Read what the tool printed on its pty so far; 0 once it is gone. */
static int drain_pty(struct tool *t)
{
	char buf[65536];
	ssize_t n;

	while ((n = read(t->fd, buf, sizeof(buf))) > 0) {
		size_t room = OUTMAX - 1 - t->len;

		if ((size_t)n > room) {
			/* keep the tail: errors and late markers are there */
			size_t drop = t->len / 2;

			memmove(t->out, t->out + drop, t->len - drop);
			t->len -= drop;
			room = OUTMAX - 1 - t->len;
		}
		if ((size_t)n > room)
			n = room;
		memcpy(t->out + t->len, buf, n);
		t->len += n;
		t->out[t->len] = 0;
	}
	return !(n == 0 || (n < 0 && errno == EIO));
}

static int reap(struct tool *t, int flags)
{
	if (!t->exited && wait4(t->pid, &t->status, flags, &t->ru) == t->pid)
		t->exited = 1;
	return t->exited;
}

/* SIGINT, as Ctrl-C would; the group is killed if it has not exited
 * after 20 s. Returns milliseconds from SIGINT to exit. */
static double stop_tool(struct tool *t)
{
	double t1 = now_ms();

	if (!reap(t, WNOHANG))
		kill(t->pid, SIGINT);
	while (!reap(t, WNOHANG)) {
		if (t->fd >= 0)
			drain_pty(t);
		if (now_ms() - t1 > 20000) {
			kill(-t->pid, SIGKILL);
			reap(t, 0);
			break;
		}
		sleep_ms(2);
	}
	kill(-t->pid, SIGKILL);
	if (t->fd >= 0)
		drain_pty(t);
	return now_ms() - t1;
}

/* The line of out that ends at end, without its line break. */
static int line_at(const char *out, const char *end, const char **start)
{
	while (end > out && isspace((unsigned char)end[-1]))
		end--;
	*start = end;
	while (*start > out && (*start)[-1] != '\n')
		(*start)--;
	return end - *start;
}

/*
 * Why the tool failed, on one line: its last line, and the first line
 * that names a cause if that is another one (bcc ends on a Python
 * exception, the cause, missing kernel headers, comes before it).
 */
static void reason(const char *out, char *line, size_t size)
{
	static const char *causes[] = { "No such file", "not permitted", "Unable to",
					 "cannot", "Cannot", "not supported", NULL };
	const char *last, *cause = NULL, *eol;
	int len = line_at(out, out + strlen(out), &last), clen = 0;

	for (const char *p = out; *p && !cause; p = *eol ? eol + 1 : eol) {
		eol = strchrnul(p, '\n');
		for (int i = 0; causes[i] && !cause; i++) {
			const char *hit = memmem(p, eol - p, causes[i], strlen(causes[i]));

			if (hit && p != last)
				clen = line_at(out, eol, &cause);
		}
	}
	if (cause)
		snprintf(line, size, "%.*s (%.*s)", len, last, clen, cause);
	else
		snprintf(line, size, "%.*s", len, last);
	for (char *p = line; *p; p++)
		if (*p == '\r' || *p == '\t' || *p == '\n')
			*p = ' ';
}

/* What the storm printed, as "key=value " words (load only). */
static char storm_kv[4096];

static void report(struct tool *t, double ready, double stop, const char *why, double lag)
{
	double cpu = t->ru.ru_utime.tv_sec * 1e3 + t->ru.ru_utime.tv_usec / 1e3 +
		     t->ru.ru_stime.tv_sec * 1e3 + t->ru.ru_stime.tv_usec / 1e3;

	if (why) {
		char line[400];

		reason(t->out, line, sizeof(line));
		printf("error=%s%s%s\n", why, *line ? ": " : "", line);
		return;
	}
	printf("%sready_ms=%.1f rss_kb=%ld stop_ms=%.1f cpu_ms=%.1f",
	       storm_kv, ready, t->ru.ru_maxrss, stop, cpu);
	if (lag >= 0)
		printf(" lag_ms=%.1f", lag);
	printf("\n");
}

/* --- ready ------------------------------------------------------------ */

struct markers {
	char action;		/* 'e'xec, 'o'pen, 'c'lose */
	int by_pid;		/* known by the pid that made it */
	const char *dir;
	double period;
	long next;
	double at[MAXMARK];	/* when marker k was made, ms */
	pid_t pid[MAXMARK];	/* by whom */
};

/* Which marker a number in the output stands for, or -1. */
static long marker_of(const struct markers *m, long v)
{
	if (!m->by_pid)
		return v >= MARK && v < MARK + m->next ? v - MARK : -1;
	for (long k = 0; k < m->next; k++)
		if (m->pid[k] == v)
			return k;
	return -1;
}

/* The earliest marker whose number (or pid) is in s, or -1. */
static long first_marker(const struct markers *m, const char *s)
{
	long best = -1;

	while (*s) {
		if (!isdigit((unsigned char)*s)) {
			s++;
			continue;
		}
		char *end;
		long k = marker_of(m, strtol(s, &end, 10));

		if (k >= 0 && (best < 0 || k < best))
			best = k;
		s = end;
	}
	return best;
}

static void make_marker(struct markers *m)
{
	char num[32], path[4096];
	long v = MARK + m->next;

	if (m->next >= MAXMARK)
		return;
	m->pid[m->next] = getpid();
	m->at[m->next++] = now_ms();
	snprintf(num, sizeof(num), "%ld", v);
	if (m->action == 'c') {
		close((int)v);
	} else if (m->action == 'o') {
		snprintf(path, sizeof(path), "%s/bmark.%ld", m->dir, v);
		int fd = open(path, O_RDONLY);

		if (fd >= 0)
			close(fd);
	} else {
		char *argv[] = { path, num, NULL };
		pid_t pid;

		snprintf(path, sizeof(path), "%s/bmark", m->dir);
		if (posix_spawn(&pid, path, NULL, NULL, argv, NULL) == 0) {
			m->pid[m->next - 1] = pid;
			waitpid(pid, NULL, 0);
		}
	}
}

/* Markers every period ms until `until` (absolute ms) or, when live, the
 * first marker shows; returns the marker seen or -1. */
static long run_markers(struct tool *t, struct markers *m, double until, int live)
{
	double due = now_ms();

	while (now_ms() < until) {
		if (now_ms() >= due) {
			make_marker(m);
			due += m->period;
		}
		if (!drain_pty(t) || reap(t, WNOHANG)) {
			reap(t, 0);	/* the pty closes as it exits */
			return -1;
		}
		if (live) {
			long k = first_marker(m, t->out);

			if (k >= 0)
				return k;
		}
		sleep_ms(1);
	}
	return -1;
}

static int cmd_ready(int argc, char **argv)
{
	static struct tool t;
	static struct markers m = { .action = 'o', .dir = "/tmp", .period = 5 };
	double window = 0, keep = 300, timeout = 5000, ready, stop;
	const char *save = NULL;
	int cpu = -1, c, died;
	long k;

	while ((c = getopt(argc, argv, "+a:pP:W:k:T:c:o:D:")) != -1) {
		switch (c) {
		case 'a': m.action = optarg[0]; break;
		case 'p': m.by_pid = 1; break;
		case 'P': m.period = atof(optarg); break;
		case 'W': window = atof(optarg); break;
		case 'k': keep = atof(optarg); break;
		case 'T': timeout = atof(optarg); break;
		case 'c': cpu = atoi(optarg); break;
		case 'o': save = optarg; break;
		case 'D': m.dir = optarg; break;
		default: return 2;
		}
	}
	if (optind >= argc)
		return 2;
	start_on_pty(&t, argv + optind, cpu);
	if (window > 0) {
		run_markers(&t, &m, t.t0 + window, 0);
		died = t.exited;
		stop = stop_tool(&t);
		k = first_marker(&m, t.out);
		ready = k >= 0 ? m.at[k] - t.t0 : -1;
	} else {
		k = run_markers(&t, &m, t.t0 + timeout, 1);
		ready = now_ms() - t.t0;
		if (k >= 0)
			run_markers(&t, &m, now_ms() + keep, 0);
		died = t.exited;
		stop = stop_tool(&t);
	}
	if (save) {
		FILE *f = fopen(save, "w");

		if (f) {
			fputs(t.out, f);
			fclose(f);
		}
	}
	if (k < 0)
		report(&t, 0, 0, died ? "exited" : "no marker seen", -1);
	else
		report(&t, ready, stop, NULL, -1);
	return 0;
}

/* --- load ------------------------------------------------------------- */

/*
 * Read the storm's lines until one starting with `until`, keeping their
 * figures for the report: "base open_ns=X" becomes "base_open_ns=X".
 */
static int relay(FILE *from, const char *until)
{
	char line[512], *save, *word, *phase;

	while (fgets(line, sizeof(line), from)) {
		if (!strncmp(line, until, strlen(until)))
			return 1;
		phase = strchr(strtok_r(line, " \n", &save), '=') ? NULL : line;
		word = phase ? strtok_r(NULL, " \n", &save) : line;
		for (; word; word = strtok_r(NULL, " \n", &save)) {
			size_t len = strlen(storm_kv);

			snprintf(storm_kv + len, sizeof(storm_kv) - len, "%s%s%s ",
				 phase ? phase : "", phase ? "_" : "", word);
		}
	}
	return 0;
}

/* Has FILE got PATTERN yet? Scans from *off, keeping an overlap. */
static int file_has(const char *file, const char *pattern, off_t *off)
{
	char buf[65536 + 1];
	size_t plen = strlen(pattern);
	int fd = open(file, O_RDONLY), found = 0;
	ssize_t n;

	if (fd < 0)
		return 0;
	while (!found && (n = pread(fd, buf, sizeof(buf) - 1, *off)) > 0) {
		buf[n] = 0;
		for (ssize_t i = 0; i < n; i++)
			if (!buf[i])
				buf[i] = ' ';
		found = strstr(buf, pattern) != NULL;
		*off += (size_t)n > plen ? n - (ssize_t)plen : n;
		if ((size_t)n <= plen)
			break;
	}
	close(fd);
	return found;
}

/*
 * Wait until FILE has not grown for quiet ms (a streaming tool has
 * printed its backlog), 20 s at most; returns how long it kept growing.
 */
static double wait_quiet(const char *file, double quiet)
{
	double t0 = now_ms(), grew = t0;
	off_t size = -1;
	struct stat st;

	while (now_ms() - grew < quiet && now_ms() - t0 < 20000) {
		if (!stat(file, &st) && st.st_size != size) {
			if (size >= 0)
				grew = now_ms();
			size = st.st_size;
		}
		sleep_ms(5);
	}
	return grew - t0;
}

/* argv with "{pid}" replaced by pid in every argument. */
static char **with_pid(char **argv, pid_t pid)
{
	int n = 0;
	char **out;

	while (argv[n])
		n++;
	out = calloc(n + 1, sizeof(*out));
	for (int i = 0; i < n; i++) {
		const char *at = strstr(argv[i], "{pid}");

		if (!at) {
			out[i] = argv[i];
			continue;
		}
		if (asprintf(&out[i], "%.*s%d%s", (int)(at - argv[i]), argv[i], pid, at + 5) < 0)
			die("asprintf");
	}
	return out;
}

static int cmd_load(int argc, char **argv)
{
	static struct tool t;
	const char *pattern = NULL, *file = NULL;
	char *storm_argv[12] = { NULL };
	double settle = 0, quiet = 300, timeout = 15000, ready = -1, stop, lag;
	int cpu = -1, storm_cpu = -1, c, pfd[2], nargs = 1;
	off_t off = 0;
	pid_t storm;
	FILE *from;

	while ((c = getopt(argc, argv, "+x:n:r:t:b:m:e:s:c:C:d:T:o:")) != -1) {
		switch (c) {
		case 'x': storm_argv[0] = optarg; break;
		case 'n': case 'r': case 't': case 'b': case 'm':
			if (asprintf(&storm_argv[nargs++], "-%c%s", c, optarg) < 0)
				die("asprintf");
			break;
		case 'e': pattern = optarg; break;
		case 's': settle = atof(optarg); break;
		case 'c': cpu = atoi(optarg); break;
		case 'C': storm_cpu = atoi(optarg); break;
		case 'd': quiet = atof(optarg); break;
		case 'T': timeout = atof(optarg); break;
		case 'o': file = optarg; break;
		default: return 2;
		}
	}
	if (!file || !storm_argv[0] || optind >= argc)
		return 2;
	if (pipe(pfd))
		die("pipe");
	storm = fork();
	if (storm == 0) {
		dup2(pfd[1], 1);
		close(pfd[0]);
		close(pfd[1]);
		exec_tool(storm_argv, storm_cpu);
	}
	close(pfd[1]);
	from = fdopen(pfd[0], "r");
	if (!relay(from, "wait"))
		return 1;
	start_to_file(&t, with_pid(argv + optind, storm), cpu, file);
	while (!reap(&t, WNOHANG) && now_ms() - t.t0 < timeout) {
		if (pattern ? file_has(file, pattern, &off) : now_ms() - t.t0 >= settle) {
			ready = now_ms() - t.t0;
			break;
		}
		sleep_ms(2);
	}
	if (ready < 0) {
		int died = t.exited, fd = open(file, O_RDONLY);
		ssize_t n = fd < 0 ? 0 : pread(fd, t.out, OUTMAX - 1, 0);

		t.out[n > 0 ? n : 0] = 0;
		kill(storm, SIGKILL);
		waitpid(storm, NULL, 0);
		stop_tool(&t);
		report(&t, 0, 0, died ? "exited" : "not ready", -1);
		return 0;
	}
	if (pattern)
		sleep_ms(settle);
	kill(storm, SIGUSR1);
	relay(from, "done");
	lag = wait_quiet(file, quiet);
	stop = stop_tool(&t);
	kill(storm, SIGUSR1);
	waitpid(storm, NULL, 0);
	report(&t, ready, stop, NULL, lag);
	return 0;
}

int main(int argc, char **argv)
{
	int rc = 2;

	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	if (argc > 1 && !strcmp(argv[1], "ready"))
		rc = cmd_ready(argc - 1, argv + 1);
	else if (argc > 1 && !strcmp(argv[1], "load"))
		rc = cmd_load(argc - 1, argv + 1);
	if (rc == 2)
		fprintf(stderr, "usage: session ready|load [options] -- ... (see bench/session.c)\n");
	return rc;
}
