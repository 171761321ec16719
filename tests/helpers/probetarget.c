// SPDX-License-Identifier: GPL-2.0
/*
 * A program with known functions and USDT probes for the resolvers' and
 * the tracers' tests.
 *
 *   probetarget [N [SLEEP_MS [LINGER_MS]]]
 *
 * sleeps SLEEP_MS (default 0: lets a tracer attach to a running process),
 * then for i in 1..N (default 1) calls sonde_target_add(i, N),
 * sonde_target_greet("probetarget"), sonde_target_point(&p) and
 * sonde_target_ifunc(i), and fires the USDT probes sonde:tick(i, "tick")
 * and sonde:tock(i * 10, N); prints one line per call to stdout, e.g.
 * "add 1 3 = 4", then "done", and lingers LINGER_MS (default 0) before it
 * exits (so a tracer can still read its /proc/PID/maps for user stacks).
 *
 * The Makefile builds it static and non-PIE (`cc -O2 -static`). Tests
 * build other variants from this file at run time:
 *   cc -O0 -g -no-pie            non-PIE with DWARF, frame-base locations
 *   cc -O2 -g -fPIE -pie         PIE, register locations and entry values
 *   cc -O2 -g -fPIC -shared -DPROBETARGET_LIB   a shared library (no main)
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static void nap_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	if (ms > 0)
		nanosleep(&ts, NULL);
}

#if defined(__has_include)
#if __has_include(<sys/sdt.h>)
#define _SDT_HAS_SEMAPHORES 1
#include <sys/sdt.h>
#define HAVE_SDT 1
#endif
#endif

#define TARGET __attribute__((noinline, used, visibility("default")))

#ifdef HAVE_SDT
/* Semaphores (the "is anybody probing" counters) live in .probes; the
 * kernel increments them when a uprobe names them (ref_ctr_offset). */
unsigned short sonde_tick_semaphore __attribute__((section(".probes"), used));
unsigned short sonde_tock_semaphore __attribute__((section(".probes"), used));
#endif

struct sonde_point {
	int x, y;
	const char *label;
	char tag[8];
};

volatile int sonde_target_sink;

TARGET int sonde_target_add(int a, int b)
{
	return a + b;
}

TARGET const char *sonde_target_greet(const char *name)
{
	static char buf[64];

	snprintf(buf, sizeof(buf), "hello, %s", name);
	return buf;
}

TARGET long sonde_target_point(struct sonde_point *p)
{
	long area = (long)p->x * p->y;
	int sum = p->x + p->y;

	sonde_target_sink = sum;
	return area + sum;
}

/* An IFUNC: the symbol is a resolver that runs once at load time. */
static int ifunc_impl_plain(int v)
{
	return v * 2;
}

static int (*resolve_ifunc(void))(int)
{
	return ifunc_impl_plain;
}

int sonde_target_ifunc(int v) __attribute__((ifunc("resolve_ifunc"), used));

#ifndef PROBETARGET_LIB
int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 1;
	long ms = argc > 2 ? atol(argv[2]) : 0;
	long linger = argc > 3 ? atol(argv[3]) : 0;
	struct sonde_point p = { 3, 4, "pt", "tag" };

	nap_ms(ms);
	for (int i = 1; i <= n; i++) {
		printf("add %d %d = %d\n", i, n, sonde_target_add(i, n));
		printf("greet %s\n", sonde_target_greet("probetarget"));
		p.x = i;
		printf("point %ld\n", sonde_target_point(&p));
		printf("ifunc %d\n", sonde_target_ifunc(i));
#ifdef HAVE_SDT
		DTRACE_PROBE2(sonde, tick, i, "tick");
		if (sonde_tock_semaphore)
			printf("tock armed\n");
		DTRACE_PROBE2(sonde, tock, i * 10, (long)n);
#endif
	}
	printf("done\n");
	fflush(stdout);
	nap_ms(linger);
	return 0;
}
#endif
