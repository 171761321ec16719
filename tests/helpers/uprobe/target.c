// SPDX-License-Identifier: GPL-2.0
/*
 * utarget TAG N: calls known functions N times, so tests can check the
 * arguments and return values a uprobe sees:
 *   sonde_t_add(i, 40) = i + 40
 *   sonde_t_greet(TAG) = "hello TAG"
 *   sonde_lib_mul(i, 3) = 3 * i          (in libsondetarget.so, or linked in)
 *   USDT sonde:tick(i, TAG)
 * Built as a PIE linked to the shared library, and static non-PIE.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/sdt.h>

int sonde_lib_mul(int a, int b);

__attribute__((noinline, used)) int sonde_t_add(int a, int b)
{
	return a + b;
}

__attribute__((noinline, used)) const char *sonde_t_greet(const char *name)
{
	static char buf[128];

	snprintf(buf, sizeof(buf), "hello %s", name);
	return buf;
}

int main(int argc, char **argv)
{
	const char *tag = argc > 1 ? argv[1] : "x";
	int n = argc > 2 ? atoi(argv[2]) : 3, sum = 0;

	for (int i = 0; i < n; i++) {
		sum += sonde_t_add(i, 40);
		sum += sonde_lib_mul(i, 3);
		DTRACE_PROBE2(sonde, tick, i, tag);
	}
	puts(sonde_t_greet(tag));
	return sum == 0;
}
