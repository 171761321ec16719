// SPDX-License-Identifier: GPL-2.0
/*
 * storm KIND N: N events of one kind as fast as it can, for the loss
 * tests (each caller counts what it caused: N, plus its own exec where
 * the tracer sees that too).
 *   uprobe   N calls of storm_hit() (a uprobe target)
 *   getppid  N getppid(2)
 *   open     N open("/nonexistent/sonde-storm")      (each fails: ENOENT)
 *   exec     N execve("/nonexistent/sonde-storm")    (each fails: ENOENT)
 *   kill     N kill(self, 0)
 *   exit     N children that exit at once, one after the other
 *   paced    N calls of storm_hit() a second, 1% every 10 ms, until
 *            killed (a known rate, for buffers sized by rate)
 * Every call goes through syscall(2), so the C library cannot change which
 * system call the kernel sees.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

__attribute__((noinline, used)) int storm_hit(int i)
{
	__asm__ volatile("" ::: "memory");
	return i + 1;
}

static void paced(long per_second)
{
	struct timespec next;

	clock_gettime(CLOCK_MONOTONIC, &next);
	for (;;) {
		for (long i = 0; i < per_second / 100; i++)
			storm_hit(i);
		next.tv_nsec += 10 * 1000 * 1000;
		if (next.tv_nsec >= 1000 * 1000 * 1000) {
			next.tv_nsec -= 1000 * 1000 * 1000;
			next.tv_sec++;
		}
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
	}
}

int main(int argc, char **argv)
{
	static const char path[] = "/nonexistent/sonde-storm";
	char *const args[] = { (char *)path, NULL };
	long n = argc > 2 ? atol(argv[2]) : -1, sum = 0;
	const char *kind = argc > 1 ? argv[1] : "";
	pid_t self = getpid();

	if (n < 0) {
		fprintf(stderr, "usage: storm uprobe|getppid|open|exec|kill|exit|paced N\n");
		return 2;
	}
	if (!strcmp(kind, "paced"))
		paced(n);
	for (long i = 0; i < n; i++) {
		if (!strcmp(kind, "uprobe")) {
			sum += storm_hit(i);
		} else if (!strcmp(kind, "getppid")) {
			syscall(SYS_getppid);
		} else if (!strcmp(kind, "open")) {
			syscall(SYS_openat, AT_FDCWD, path, O_RDONLY);
		} else if (!strcmp(kind, "exec")) {
			syscall(SYS_execve, path, args, NULL);
		} else if (!strcmp(kind, "kill")) {
			syscall(SYS_kill, self, 0);
		} else if (!strcmp(kind, "exit")) {
			pid_t c = fork();

			if (c == 0)
				_exit(0);
			if (c > 0)
				waitpid(c, NULL, 0);
		} else {
			fprintf(stderr, "storm: unknown kind '%s'\n", kind);
			return 2;
		}
	}
	return sum < 0;
}
