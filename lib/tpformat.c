// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel_facts.h"
#include "tpformat.h"
#include "util.h"

int tpformat_field_offset(const char *event, const char *field)
{
	char path[256], buf[4096], pat[96], *p;
	const char *root = features_tracefs_path();

	if (!root)
		return -1;
	snprintf(path, sizeof(path), "%s/events/%s/format", root, event);
	if (read_text_file(path, buf, sizeof(buf)) < 0)
		return -1;
	snprintf(pat, sizeof(pat), " %s;", field);
	p = strstr(buf, pat);
	if (!p || !(p = strstr(p, "offset:")))
		return -1;
	return atoi(p + 7);
}
