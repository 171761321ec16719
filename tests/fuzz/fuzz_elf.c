// SPDX-License-Identifier: GPL-2.0
/* The ELF symbol, USDT-note and DWARF readers on a mutated ELF file. */
#include "dwarf_args.h"
#include "fuzz.h"
#include "usdt.h"
#include "usym.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path = fuzz_file(data, size);
	struct usdt_note *notes;
	struct dwarf_func df;
	struct uelf *e;
	char err[256];
	size_t n;

	e = uelf__open(path, err, sizeof(err));
	if (e) {
		uint64_t off;

		uelf__vaddr_to_offset(e, 0x1000, &off);
		uelf__addr_to_sym(e, 0x1000);
		uelf__close(e);
	}
	if (usdt_read(path, &notes, &n, err, sizeof(err)) == 0)
		usdt_free(notes, n);
	dwarf_args_func(path, "main", &df, err, sizeof(err));
	return 0;
}
