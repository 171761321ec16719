// SPDX-License-Identifier: GPL-2.0
/* Runs every registered unit test; optional argv filters by substring. */
#include <stdlib.h>

#include "unit.h"

static struct unit_test *tests;
int unit_failures;

void unit_register(struct unit_test *t)
{
	t->next = tests;
	tests = t;
}

int main(int argc, char **argv)
{
	int passed = 0, failed = 0;

	for (struct unit_test *t = tests; t; t = t->next) {
		if (argc > 1 && !strstr(t->name, argv[1]))
			continue;
		unit_failures = 0;
		t->fn();
		if (unit_failures) {
			printf("FAIL unit/%s\n", t->name);
			failed++;
		} else {
			printf("ok unit/%s\n", t->name);
			passed++;
		}
	}
	printf("unit: %d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
