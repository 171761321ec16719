// SPDX-License-Identifier: GPL-2.0
/*
 * profburn SECONDS: burns CPU for SECONDS in two uniquely named functions,
 * sonde_burn_three and sonde_burn_one, in a 3:1 ratio of work (the same
 * loop, 3N and N iterations), in slices of about 90 and 30 ms — long
 * against a sampling period, so a profiler's counts show the ratio with
 * little noise. N is measured first (in sonde_burn_calibrate). On exit
 * (SECONDS passed, or SIGTERM) it prints the CPU time each one took:
 * "profburn: cpu seconds three 2.251 one 0.748 ratio 3.009".
 * profburn -s SECONDS: openat("/dev/null") + close in a loop instead (a
 * system-call-heavy program, for kernel stacks).
 * Built non-PIE static, PIE, PIE with sonde_burn_one in libsondeburn.so,
 * and stripped (see the Makefile); -fno-omit-frame-pointer throughout.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "burn.h"

static double clock_s(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double now(void)
{
	return clock_s(CLOCK_MONOTONIC);
}

static double cpu_now(void)
{
	return clock_s(CLOCK_THREAD_CPUTIME_ID);
}

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
	stop = 1;
}

__attribute__((noinline, used)) void sonde_burn_three(unsigned long n)
{
	BURN(n);
}

/* Iterations that take about 30 ms. */
__attribute__((noinline, used)) unsigned long sonde_burn_calibrate(void)
{
	unsigned long n = 1000;
	double t;

	for (;;) {
		t = now();
		BURN(n);
		t = now() - t;
		if (t > 0.05)
			return (unsigned long)(n * 0.030 / t) + 1;
		n *= 2;
	}
}

__attribute__((noinline, used)) void sonde_sys_loop(double end)
{
	while (now() < end)
		for (int i = 0; i < 1000; i++)
			close(syscall(SYS_openat, AT_FDCWD, "/dev/null", O_RDONLY));
}

int main(int argc, char **argv)
{
	int sys = argc > 1 && !strcmp(argv[1], "-s");
	double secs = argc > 1 + sys ? atof(argv[1 + sys]) : 5, end;
	double three = 0, one = 0;
	unsigned long n;

	if (sys) {
		sonde_sys_loop(now() + secs);
		return 0;
	}
	signal(SIGTERM, on_term);
	n = sonde_burn_calibrate();
	end = now() + secs;
	while (now() < end && !stop) {
		double t0 = cpu_now(), t1;

		sonde_burn_three(3 * n);
		t1 = cpu_now();
		sonde_burn_one(n);
		three += t1 - t0;
		one += cpu_now() - t1;
	}
	printf("profburn: cpu seconds three %.3f one %.3f ratio %.3f\n", three, one,
	       one > 0 ? three / one : 0);
	return 0;
}
