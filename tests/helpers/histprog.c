// SPDX-License-Identifier: GPL-2.0
/*
 * histprog MODE NAME: known work in threads with known names, for the
 * hist tests.
 *   work   thread NAMEs: 500 x 1 ms then 100 x 10 ms clock_nanosleep,
 *          timing each itself: prints how many took [0, 2) ms and
 *          [8, 16) ms ("naps 1ms: N 10ms: N"; a loaded machine oversleeps);
 *          thread NAMEr: 1000 reads of 4096 bytes, then 100 of 65536 bytes
 *          from /dev/zero (both at once)
 *   paced  thread NAMEi: 150 reads of 4096 bytes, one every 5 ms
 *   tick   one 4096-byte read and one 1 ms sleep (a canary)
 *   storm  N openat+close of /dev/null in the main thread, then prints
 *          "storm N X ns/op", X the CPU time per pair (for the overhead
 *          of a probe on openat)
 * Each thread then waits 1 s in poll(2) (neither a sleep nor a read),
 * so that its name can still be looked up in /proc while the last events
 * are being read (a slow guest reads perf buffers late).
 */
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

static char base[12];
static char buf[65536];

static void name_self(const char *suffix)
{
	char name[16];

	snprintf(name, sizeof(name), "%s%s", base, suffix);
	prctl(PR_SET_NAME, name);
}

static long now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Sleep ms; true when it took [lo_ms, hi_ms). */
static bool nap_ms(long ms, long lo_ms, long hi_ms)
{
	struct timespec ts = { 0, ms * 1000000 };
	long t0 = now_us(), took;

	clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, NULL);
	took = now_us() - t0;
	return took >= lo_ms * 1000 && took < hi_ms * 1000;
}

static void reads(int fd, int n, size_t size, int gap_ms)
{
	for (int i = 0; i < n; i++) {
		if (read(fd, buf, size) != (ssize_t)size)
			exit(1);
		if (gap_ms)
			poll(NULL, 0, gap_ms);
	}
}

static void *sleeper(void *arg)
{
	int ok1 = 0, ok10 = 0;

	name_self("s");
	for (int i = 0; i < 500; i++)
		ok1 += nap_ms(1, 0, 2);
	for (int i = 0; i < 100; i++)
		ok10 += nap_ms(10, 8, 16);
	printf("naps 1ms: %d 10ms: %d\n", ok1, ok10);
	poll(NULL, 0, 1000);
	return NULL;
}

static void *reader(void *arg)
{
	int fd = open("/dev/zero", O_RDONLY);

	name_self("r");
	reads(fd, 1000, 4096, 0);
	reads(fd, 100, 65536, 0);
	poll(NULL, 0, 1000);
	return NULL;
}

static void *paced(void *arg)
{
	int fd = open("/dev/zero", O_RDONLY);

	name_self("i");
	reads(fd, 150, 4096, 5);
	poll(NULL, 0, 1000);
	return NULL;
}

static double cpu_us(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_utime.tv_sec * 1e6 + ru.ru_utime.tv_usec +
	       ru.ru_stime.tv_sec * 1e6 + ru.ru_stime.tv_usec;
}

/* CPU time per operation: a busy machine's waits for a CPU do not count */
static int storm(long n)
{
	double c0 = cpu_us();

	for (long i = 0; i < n; i++)
		close(open("/dev/null", O_RDONLY));
	printf("storm %ld %.1f ns/op\n", n, (cpu_us() - c0) * 1000.0 / n);
	return 0;
}

int main(int argc, char **argv)
{
	pthread_t t[2];

	if (argc != 3) {
		fprintf(stderr, "usage: histprog work|paced NAME | storm N\n");
		return 2;
	}
	if (!strcmp(argv[1], "storm"))
		return storm(atol(argv[2]));
	if (!strcmp(argv[1], "tick")) {
		reads(open("/dev/zero", O_RDONLY), 1, 4096, 0);
		nap_ms(1, 0, 1000);
		return 0;
	}
	snprintf(base, sizeof(base), "%s", argv[2]);
	if (!strcmp(argv[1], "paced")) {
		pthread_create(&t[0], NULL, paced, NULL);
		return pthread_join(t[0], NULL);
	}
	pthread_create(&t[0], NULL, sleeper, NULL);
	pthread_create(&t[1], NULL, reader, NULL);
	pthread_join(t[0], NULL);
	pthread_join(t[1], NULL);
	return 0;
}
