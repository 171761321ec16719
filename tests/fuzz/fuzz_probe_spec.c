// SPDX-License-Identifier: GPL-2.0
/* The probe-spec parser: heads, signatures, filters, formats, perf-probe
 * argument lists and raw ftrace definitions, with and without -x BIN. */
#include "fuzz.h"
#include "probe_spec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct probe_spec spec;
	char err[512];
	char *text = fuzz_cstr(data, size);

	if (!text)
		return 0;
	probe_spec_parse(text, &spec, err, sizeof(err));
	probe_spec_free(&spec);
	probe_spec_parse_ex(text, "/bin/true", &spec, err, sizeof(err));
	probe_spec_free(&spec);
	free(text);
	return 0;
}
