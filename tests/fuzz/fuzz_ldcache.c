// SPDX-License-Identifier: GPL-2.0
/* The /etc/ld.so.cache parser (library names resolved like ld.so). */
#include "fuzz.h"
#include "usym.h"

static int visit(const char *soname, const char *path, void *ctx)
{
	/* touch both strings so a bad offset is caught */
	*(size_t *)ctx += strlen(soname) + strlen(path);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t total = 0;

	usym_ldcache_parse(data, size, visit, &total);
	return 0;
}
