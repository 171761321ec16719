// SPDX-License-Identifier: GPL-2.0
/*
 * profburn_inline SECONDS: burns CPU for SECONDS in sonde_inline_spin, a
 * function the compiler must inline (always_inline) into its only
 * caller, sonde_inline_caller (noinline). Built -O2 -g: the DWARF says
 * which instructions of sonde_inline_caller are sonde_inline_spin's; the
 * symbol table knows only sonde_inline_caller.
 */
#include <stdlib.h>
#include <time.h>

#include "burn.h"

static inline __attribute__((always_inline)) void sonde_inline_spin(unsigned long n)
{
	BURN(n);
}

__attribute__((noinline, used)) void sonde_inline_caller(unsigned long n)
{
	sonde_inline_spin(n);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	double end = now() + (argc > 1 ? atof(argv[1]) : 5);

	while (now() < end)
		sonde_inline_caller(2000000);
	return 0;
}
