// SPDX-License-Identifier: GPL-2.0
/* The kallsyms / available_filter_functions / kprobes blacklist parser:
 * the input split at the first two 0xff bytes into the three texts. */
#include "fuzz.h"
#include "ksyms.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_cstr(data, size), *parts[3] = { "", "", "" };
	const struct ksym *sym;
	struct ksyms *ks;
	char *p = text;

	if (!text)
		return 0;
	for (int i = 0; i < 3 && p; i++) {
		parts[i] = p;
		p = strchr(p, 0xff);
		if (p)
			*p++ = '\0';
	}
	ks = ksyms__parse(parts[0], parts[1], parts[2]);
	if (ks) {
		sym = ksyms__find(ks, "do_sys_openat2");
		if (sym)
			ksym_attachable(ks, sym);
		ksyms__free(ks);
	}
	free(text);
	return 0;
}
