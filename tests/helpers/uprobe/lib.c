// SPDX-License-Identifier: GPL-2.0
/* A shared library with a known function, for uprobe tests. */
__attribute__((noinline, used)) int sonde_lib_mul(int a, int b)
{
	return a * b;
}
