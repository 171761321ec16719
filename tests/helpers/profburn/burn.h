/* SPDX-License-Identifier: GPL-2.0 */
/* The one loop both burners run, so equal iterations cost equal time.
 * Its variable lives on the stack: a function with a stack frame gets a
 * frame pointer (gcc 12 leaves leaf functions without one, whatever
 * -fno-omit-frame-pointer says, and the caller would drop out of the
 * stacks). */
#ifndef PROFBURN_H
#define PROFBURN_H

#define BURN(n) do {							\
	volatile unsigned long x_ = 1;				\
	for (unsigned long i_ = 0; i_ < (n); i_++)			\
		x_ = x_ * 6364136223846793005UL + 1442695040888963407UL; \
} while (0)

void sonde_burn_one(unsigned long n);

#endif
