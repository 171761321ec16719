// SPDX-License-Identifier: GPL-2.0
/*
 * storm: the workload of the overhead and throughput cases.
 *
 *   storm [-n N] [-r RATE -t SECS] [-b SECS] [-m MS]
 *
 * 1. With -n: N openat+close of /dev/null and N getppid, untraced;
 *    prints "base open_ns=.. open_cpu_ns=.. getppid_ns=.. getppid_cpu_ns=..
 *    calls=C": nanoseconds per call by the wall clock and by CPU time
 *    (medians of 200 chunks), C being N rounded down to whole chunks.
 * 2. Prints "wait", then every MS ms (default 2) makes a marker call the
 *    tracer under test can show, openat(777, "bmark"), which fails with
 *    EBADF at once (a relative path under a bad directory fd): tracers
 *    print it as "bmark" or "dfd: 777". Stops at SIGUSR1 (the harness
 *    saw the tracer ready) and prints "markers=K".
 * 3. With -n, the same N calls again: "traced open_ns=X getppid_ns=Y".
 *    With -r: openat+close of /dev/null at RATE per second for SECS
 *    seconds, paced every millisecond: "paced events=E secs=S".
 * With -b (the profile case) phases 1 and 3 are SECS seconds of CPU
 * work in a chain of calls instead: "base|traced iters_per_s=X
 * iters_per_cpu_s=Y".
 * 4. Prints "done" and waits for SIGUSR1 again, so that the tracer is
 *    stopped while its process still lives, as when tracing a server.
 * Everything goes to stdout, one line each, flushed.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t go;

static void on_usr1(int sig)
{
	go = 1;
}

static double clock_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static double now_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

/* This thread's CPU time: what other processes take is not in it. */
static double cpu_ns(void)
{
	return clock_ns(CLOCK_THREAD_CPUTIME_ID);
}

static void open_close(void)
{
	int fd = openat(AT_FDCWD, "/dev/null", O_RDONLY);

	if (fd >= 0)
		close(fd);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/*
 * Nanoseconds per openat+close and per getppid over n calls each, in
 * CHUNKS interleaved chunks, by the wall clock (what the program feels,
 * a ptrace stop included) and by this thread's CPU time (the cost inside
 * the calls, whatever else the shared machine runs); the median chunk
 * of each.
 */
#define CHUNKS 200
enum { OPEN_WALL, OPEN_CPU, PPID_WALL, PPID_CPU, NCLOCKS };

static void calls(const char *phase, long n)
{
	static double ns[NCLOCKS][CHUNKS];
	long per = n / CHUNKS > 0 ? n / CHUNKS : 1;

	for (int c = 0; c < CHUNKS; c++) {
		double w0 = now_ns(), c0 = cpu_ns(), w1, c1;

		for (long i = 0; i < per; i++)
			open_close();
		w1 = now_ns();
		c1 = cpu_ns();
		for (long i = 0; i < per; i++)
			syscall(SYS_getppid);
		ns[OPEN_WALL][c] = (w1 - w0) / per;
		ns[OPEN_CPU][c] = (c1 - c0) / per;
		ns[PPID_WALL][c] = (now_ns() - w1) / per;
		ns[PPID_CPU][c] = (cpu_ns() - c1) / per;
	}
	printf("%s open_ns=%.1f open_cpu_ns=%.1f getppid_ns=%.1f getppid_cpu_ns=%.1f calls=%ld\n",
	       phase, median(ns[OPEN_WALL], CHUNKS), median(ns[OPEN_CPU], CHUNKS),
	       median(ns[PPID_WALL], CHUNKS), median(ns[PPID_CPU], CHUNKS), per * CHUNKS);
	fflush(stdout);
}

/*
 * RATE opens per second for secs seconds, caught up every millisecond;
 * a storm slowed by its tracer below RATE still stops at secs.
 */
static void paced(long rate, double secs)
{
	double t0 = now_ns(), end = t0 + secs * 1e9, t;
	long done = 0;
	struct timespec ms = { 0, 1000000 };

	while ((t = now_ns()) < end) {
		long due = (long)((t - t0) * rate / 1e9);

		while (done < due && (done % 64 || now_ns() < end)) {
			open_close();
			done++;
		}
		nanosleep(&ms, NULL);
	}
	printf("paced events=%ld secs=%.3f\n", done, (now_ns() - t0) / 1e9);
	fflush(stdout);
}

/* Three frames deep, so that profilers have stacks to walk. */
static __attribute__((noinline)) unsigned long leaf(unsigned long x)
{
	for (int i = 0; i < 1000; i++)
		x = x * 6364136223846793005UL + 1442695040888963407UL;
	return x;
}

static __attribute__((noinline)) unsigned long middle(unsigned long x)
{
	return leaf(x) ^ leaf(x + 1);
}

/* Work for secs seconds of this thread's CPU time. */
static void burn(const char *phase, double secs)
{
	static volatile unsigned long sink;
	double w0 = now_ns(), c0 = cpu_ns(), c;
	long iters = 0;

	while ((c = cpu_ns()) - c0 < secs * 1e9) {
		for (int i = 0; i < 100; i++)
			sink += middle(sink + i);
		iters += 100;
	}
	printf("%s iters_per_s=%.0f iters_per_cpu_s=%.0f\n", phase,
	       iters / ((now_ns() - w0) / 1e9), iters / ((c - c0) / 1e9));
	fflush(stdout);
}

static void markers(long ms)
{
	struct timespec gap = { ms / 1000, (ms % 1000) * 1000000 };
	long k = 0;

	printf("wait\n");
	fflush(stdout);
	while (!go) {
		int fd = openat(777, "bmark", O_RDONLY);

		if (fd >= 0)
			close(fd);
		k++;
		nanosleep(&gap, NULL);
	}
	printf("markers=%ld\n", k);
	fflush(stdout);
}

int main(int argc, char **argv)
{
	long n = 0, rate = 0, ms = 2;
	double secs = 1, burn_secs = 0;
	int c;

	while ((c = getopt(argc, argv, "n:r:t:b:m:")) != -1) {
		switch (c) {
		case 'n': n = atol(optarg); break;
		case 'r': rate = atol(optarg); break;
		case 't': secs = atof(optarg); break;
		case 'b': burn_secs = atof(optarg); break;
		case 'm': ms = atol(optarg); break;
		default:
			fprintf(stderr, "usage: storm [-n N] [-r RATE -t SECS] [-b SECS] [-m MS]\n");
			return 2;
		}
	}
	signal(SIGUSR1, on_usr1);
	if (n > 0)
		calls("base", n);
	if (burn_secs > 0)
		burn("base", burn_secs);
	markers(ms > 0 ? ms : 2);
	if (n > 0)
		calls("traced", n);
	if (burn_secs > 0)
		burn("traced", burn_secs);
	if (rate > 0)
		paced(rate, secs);
	go = 0;
	printf("done\n");
	fflush(stdout);
	while (!go)
		pause();
	return 0;
}
