// SPDX-License-Identifier: GPL-2.0
/* Tracepoint format files: the syscall-event reader (argument layouts of
 * sys_enter_* for trace --syscalls). */
#include "fuzz.h"
#include "syscalls.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sc_info info = { .nr = -1, .buf_arg = -1, .buf_len_arg = -1 };
	char *text = fuzz_cstr(data, size);

	if (!text)
		return 0;
	if (sc_parse_format(text, &info) == 0)
		sc_classify(&info);
	free(text);
	return 0;
}
