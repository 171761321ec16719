// SPDX-License-Identifier: GPL-2.0
/*
 * stackprog: known stacks for `sonde stack` (built with frame pointers).
 *
 *   stackprog calls   getppid() 7 times from sonde_stack_a and 3 times from
 *                     sonde_stack_b; sonde_stack_leaf() 4 times from
 *                     sonde_stack_a and 2 times from sonde_stack_b
 *   stackprog offcpu  blocks 20 x 50 ms in nanosleep (sonde_sleep_path)
 *                     and 10 x 100 ms reading a pipe a child writes to
 *                     every 100 ms (sonde_pipe_path); waits for SIGUSR1
 *                     first when given "-w" ("stackprog offcpu -w"). Then
 *                     prints the time its blocking calls took in each
 *                     path, and that of its calls of 90 ms or more, in
 *                     microseconds: "stackprog: sleep 1002511 (0) pipe
 *                     1004877 (1004877)" (loaded or emulated machines
 *                     oversleep)
 *
 * Each path goes through a middle function: a system call or a probed
 * function entry is made before its caller's frame pointer is pushed, so
 * the frame just above the innermost one cannot be seen; the middle one
 * is the one that goes missing, the path's own stays.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile int sink;
static long long sleep_us, sleep_long_us, pipe_us, pipe_long_us;

static long long now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

/* Add a blocking call's duration to a path's totals. */
static void took(long long t0, long long *total, long long *longer)
{
	long long d = now_us() - t0;

	*total += d;
	if (d >= 90000)
		*longer += d;
}

__attribute__((noinline, used)) int sonde_stack_leaf(int i)
{
	volatile int x = i;

	return x + 1;
}

__attribute__((noinline)) static void mid(int getppids, int leaves)
{
	volatile int pad = 0;

	for (int i = 0; i < getppids; i++)
		sink += syscall(SYS_getppid) + pad;
	for (int i = 0; i < leaves; i++)
		sink += sonde_stack_leaf(i);
}

__attribute__((noinline, used)) void sonde_stack_a(void)
{
	volatile int pad = 0;

	mid(7, 4);
	sink += pad;
}

__attribute__((noinline, used)) void sonde_stack_b(void)
{
	volatile int pad = 0;

	mid(3, 2);
	sink += pad;
}

__attribute__((noinline)) static void nap_ms(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	volatile int pad = 0;

	nanosleep(&ts, NULL);
	sink += pad;
}

__attribute__((noinline, used)) void sonde_sleep_path(void)
{
	volatile int pad = 0;

	for (int i = 0; i < 20; i++) {
		long long t0 = now_us();

		nap_ms(50);
		took(t0, &sleep_us, &sleep_long_us);
	}
	sink += pad;
}

__attribute__((noinline)) static void read_one(int fd)
{
	volatile int pad = 0;
	char c;

	if (read(fd, &c, 1) != 1)
		exit(1);
	sink += pad;
}

__attribute__((noinline, used)) void sonde_pipe_path(void)
{
	volatile int pad = 0;
	int fds[2];
	pid_t child;

	if (pipe(fds))
		exit(1);
	child = fork();
	if (!child) {
		for (int i = 0; i < 10; i++) {
			nap_ms(100);
			if (write(fds[1], "x", 1) != 1)
				_exit(1);
		}
		_exit(0);
	}
	for (int i = 0; i < 10; i++) {
		long long t0 = now_us();

		read_one(fds[0]);
		took(t0, &pipe_us, &pipe_long_us);
	}
	waitpid(child, NULL, 0);
	sink += pad;
}

static void on_usr1(int sig)
{
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "calls")) {
		sonde_stack_a();
		sonde_stack_b();
		return 0;
	}
	if (argc > 1 && !strcmp(argv[1], "offcpu")) {
		if (argc > 2 && !strcmp(argv[2], "-w")) {
			sigset_t set;

			signal(SIGUSR1, on_usr1);
			sigemptyset(&set);
			sigaddset(&set, SIGUSR1);
			sigprocmask(SIG_BLOCK, &set, NULL);
			printf("pid %d\n", getpid());
			fflush(stdout);
			sigwaitinfo(&set, NULL);
		}
		sonde_sleep_path();
		sonde_pipe_path();
		printf("stackprog: sleep %lld (%lld) pipe %lld (%lld)\n", sleep_us,
		       sleep_long_us, pipe_us, pipe_long_us);
		return 0;
	}
	fprintf(stderr, "usage: stackprog calls | offcpu [-w]\n");
	return 2;
}
