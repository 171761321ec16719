// SPDX-License-Identifier: GPL-2.0
/* Writing a fuzz input to a file for parsers that take a path. */
#include <stdio.h>
#include <unistd.h>

#include "fuzz.h"

const char *fuzz_file(const uint8_t *data, size_t size)
{
	static char path[64];
	FILE *f;

	if (!path[0])
		snprintf(path, sizeof(path), "/tmp/sonde-fuzz.%d", getpid());
	f = fopen(path, "w");
	if (!f)
		return "";
	fwrite(data, 1, size, f);
	fclose(f);
	return path;
}
