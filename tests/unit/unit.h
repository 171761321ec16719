/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A tiny unit-test harness: TEST(name) { CHECK(...); } registers itself;
 * tests/unit/main.c runs them all and prints "unit: N passed, N failed".
 */
#ifndef SONDE_UNIT_H
#define SONDE_UNIT_H

#include <stdio.h>
#include <string.h>

struct unit_test {
	const char *name;
	void (*fn)(void);
	struct unit_test *next;
};

void unit_register(struct unit_test *t);
extern int unit_failures;	/* failures in the current test */

#define TEST(name)							\
	static void test_##name(void);					\
	static struct unit_test unit_##name = { #name, test_##name };	\
	__attribute__((constructor)) static void reg_##name(void)	\
	{ unit_register(&unit_##name); }				\
	static void test_##name(void)

#define CHECK(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "  %s:%d: CHECK(%s) failed\n",		\
			__FILE__, __LINE__, #cond);			\
		unit_failures++;					\
	}								\
} while (0)

#define CHECK_STR(a, b) do {						\
	const char *a_ = (a), *b_ = (b);				\
	if (!a_ || !b_ || strcmp(a_, b_)) {				\
		fprintf(stderr, "  %s:%d: \"%s\" != \"%s\"\n",		\
			__FILE__, __LINE__, a_ ? a_ : "(null)",		\
			b_ ? b_ : "(null)");				\
		unit_failures++;					\
	}								\
} while (0)

#define CHECK_INT(a, b) do {						\
	long long a_ = (a), b_ = (b);					\
	if (a_ != b_) {							\
		fprintf(stderr, "  %s:%d: %s == %lld, expected %lld\n",	\
			__FILE__, __LINE__, #a, a_, b_);		\
		unit_failures++;					\
	}								\
} while (0)

#endif
