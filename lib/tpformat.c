// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel_facts.h"
#include "tpformat.h"
#include "util.h"

int tpformat_field(const char *event, const char *field,
		   struct tpformat_field *out)
{
	char path[256], buf[8192], pat[96], *p, *line, *name;
	const char *root = features_tracefs_path();

	if (!root)
		return -1;
	snprintf(path, sizeof(path), "%s/events/%s/format", root, event);
	if (read_text_file(path, buf, sizeof(buf)) < 0)
		return -1;
	snprintf(pat, sizeof(pat), " %s;", field);
	if (!(name = strstr(buf, pat)))
		return -1;
	for (line = name; line > buf && line[-1] != '\n'; line--)
		;
	if (!(p = strstr(line, "field:")) || p > name)
		return -1;
	p += 6;
	snprintf(out->type, sizeof(out->type), "%.*s", (int)(name - p), p);
	p = name + strlen(pat);
	if (sscanf(p, " offset:%d; size:%d;", &out->offset, &out->size) != 2)
		return -1;
	p = strstr(p, "signed:");
	out->is_signed = p && atoi(p + 7) == 1;
	return 0;
}

int tpformat_field_offset(const char *event, const char *field)
{
	struct tpformat_field f;

	return tpformat_field(event, field, &f) ? -1 : f.offset;
}
