/* SPDX-License-Identifier: GPL-2.0 */
/*
 * libFuzzer targets: each fuzz_*.c defines LLVMFuzzerTestOneInput for one
 * parser of untrusted text or files. Built by `make fuzz` (clang
 * -fsanitize=fuzzer,address,undefined); seeds in tests/fuzz/corpus/NAME/,
 * inputs that once crashed in tests/fuzz/regressions/NAME/ (replayed by
 * `make fuzz-smoke`, which the test suite runs).
 */
#ifndef SONDE_FUZZ_H
#define SONDE_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The input as a NUL-terminated string (parsers take C strings). */
static inline char *fuzz_cstr(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (s) {
		memcpy(s, data, size);
		s[size] = '\0';
	}
	return s;
}

/* The input as a file (parsers that open a path); "" on failure. Each
 * fuzzer process reuses one path. */
const char *fuzz_file(const uint8_t *data, size_t size);

#endif
