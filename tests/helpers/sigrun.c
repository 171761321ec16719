/*
 * sigrun - run a command and stop it at a chosen moment, for the cleanup
 * tests
 *
 *   sigrun [-o OUT] [-e ERR] [-R] [-w SECONDS] HOW DELAY CMD [ARGS...]
 *
 * HOW is a signal (INT, TERM, HUP, KILL, ...) sent DELAY after the start,
 * or "pipe": CMD's standard output is a pipe that is closed at that
 * moment without being read, as `| head -1` does after its line. DELAY is microseconds, or MIN-MAX for
 * a random moment in that range. CMD starts with default signal
 * dispositions (a shell's background jobs ignore SIGINT; a terminal's
 * Ctrl-C does not). With -R the delay starts once ERR has a line
 * starting "Tracing" (sonde is ready), so the signal comes while it
 * traces; without, from the start, so it may come during setup.
 * Prints "pid PID delay_us D ready_us R status S" (R: when "Tracing"
 * appeared, -1 if not before HOW; S: the exit status, or 128 + the signal
 * that ended it) and exits 0; exits 3 when CMD was still running
 * -w SECONDS (default 30) after HOW (it is then killed).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const struct {
	const char *name;
	int sig;
} sigs[] = {
	{ "INT", SIGINT }, { "TERM", SIGTERM }, { "HUP", SIGHUP },
	{ "KILL", SIGKILL }, { "PIPE", SIGPIPE }, { "QUIT", SIGQUIT },
	{ "USR1", SIGUSR1 },
};

static void usage(void)
{
	fprintf(stderr, "usage: sigrun [-o OUT] [-e ERR] [-w SECONDS] SIG|pipe US|MIN-MAX CMD [ARGS...]\n");
	exit(2);
}

static long pick_delay(const char *s)
{
	char *end;
	long lo = strtol(s, &end, 10), hi = lo;
	unsigned int r = 0;

	if (*end == '-')
		hi = strtol(end + 1, &end, 10);
	if (*end || lo < 0 || hi < lo)
		usage();
	if (getrandom(&r, sizeof(r), 0) != sizeof(r))
		r = (unsigned int)time(NULL) ^ (unsigned int)getpid();
	return lo + (long)(r % (unsigned long)(hi - lo + 1));
}

static void sleep_us(long us)
{
	struct timespec ts = { us / 1000000, (us % 1000000) * 1000 };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* Wait up to secs for pid; -1 when it is still running. */
static int wait_for(pid_t pid, double secs)
{
	int status;

	for (double t = 0; t < secs; t += 0.01) {
		pid_t r = waitpid(pid, &status, WNOHANG);

		if (r == pid)
			return WIFEXITED(status) ? WEXITSTATUS(status) :
			       128 + WTERMSIG(status);
		sleep_us(10000);
	}
	return -1;
}

static long now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000L + ts.tv_nsec / 1000;
}

/* Has sonde said "Tracing ..." on stderr (the file err)? */
static bool ready(const char *err)
{
	char buf[4096];
	int fd = err ? open(err, O_RDONLY | O_CLOEXEC) : -1;
	ssize_t n;

	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	return !strncmp(buf, "Tracing", 7) || strstr(buf, "\nTracing");
}

/* Wait until ready (up to secs, or until pid exits); its time or -1. */
static long wait_ready(const char *err, pid_t pid, double secs, long t0)
{
	for (double t = 0; t < secs; t += 0.002) {
		if (ready(err))
			return now_us() - t0;
		siginfo_t si = { 0 };

		if (!waitid(P_PID, pid, &si, WEXITED | WNOHANG | WNOWAIT) &&
		    si.si_pid == pid)
			return -1;	/* exited before it was ready */
		sleep_us(2000);
	}
	return -1;
}

static void redirect(const char *path, int fd)
{
	int f = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (f < 0 || dup2(f, fd) < 0) {
		perror(path);
		_exit(127);
	}
}

int main(int argc, char **argv)
{
	const char *out = NULL, *err = NULL;
	double wait_s = 30;
	int opt, sig = 0, status, p[2] = { -1, -1 };
	bool after_ready = false;
	long delay, t0, ready_us = -1;
	pid_t pid;

	while ((opt = getopt(argc, argv, "+o:e:Rw:")) != -1) {
		if (opt == 'R')
			after_ready = true;
		else if (opt == 'o')
			out = optarg;
		else if (opt == 'e')
			err = optarg;
		else if (opt == 'w')
			wait_s = atof(optarg);
		else
			usage();
	}
	if (argc - optind < 3)
		usage();
	if (strcmp(argv[optind], "pipe")) {
		for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
			if (!strcmp(argv[optind], sigs[i].name))
				sig = sigs[i].sig;
		if (!sig)
			usage();
	} else if (pipe(p)) {
		perror("pipe");
		return 2;
	}
	delay = pick_delay(argv[optind + 1]);
	signal(SIGPIPE, SIG_IGN);	/* our own reader end closes first */

	if (err)	/* no "Tracing" of an earlier run may be read */
		close(open(err, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
	t0 = now_us();
	pid = fork();
	if (pid < 0) {
		perror("fork");
		return 2;
	}
	if (pid == 0) {
		for (int s = 1; s < NSIG; s++)
			signal(s, SIG_DFL);
		if (p[1] >= 0) {
			dup2(p[1], 1);
			close(p[0]);
			close(p[1]);
		} else if (out) {
			redirect(out, 1);
		}
		if (err)
			redirect(err, 2);
		execvp(argv[optind + 2], argv + optind + 2);
		perror(argv[optind + 2]);
		_exit(127);
	}
	if (p[1] >= 0)
		close(p[1]);
	if (after_ready)
		ready_us = wait_ready(err, pid, wait_s, t0);
	sleep_us(delay);
	if (!after_ready && ready(err))
		ready_us = 0;	/* before the stop; when, unknown */
	if (p[0] >= 0)
		close(p[0]);	/* unread: what CMD wrote is dropped */
	else
		kill(pid, sig);
	status = wait_for(pid, wait_s);
	if (status < 0) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		printf("pid %d delay_us %ld ready_us %ld status hung\n", (int)pid,
		       delay, ready_us);
		return 3;
	}
	printf("pid %d delay_us %ld ready_us %ld status %d\n", (int)pid, delay,
	       ready_us, status);
	return 0;
}
