// SPDX-License-Identifier: GPL-2.0
/* USDT argument strings from .note.stapsdt ("-4@%edi 8@-8(%rbp) ..."). */
#include "fuzz.h"
#include "usdt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct usdt_arg args[12];
	char err[256], fetch[256];
	char *text = fuzz_cstr(data, size);
	int n;

	if (!text)
		return 0;
	n = usdt_parse_args(text, args, 12, err, sizeof(err));
	for (int i = 0; i < n; i++)
		usdt_arg_fetch(&args[i], fetch, sizeof(fetch));
	free(text);
	return 0;
}
