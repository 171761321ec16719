// SPDX-License-Identifier: GPL-2.0
/* sonde_burn_one, in a shared library for profburn_lib (linked in the
 * other builds). */
#include "burn.h"

__attribute__((noinline, used)) void sonde_burn_one(unsigned long n)
{
	BURN(n);
}
