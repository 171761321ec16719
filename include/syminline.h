/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Functions the compiler inlined, from DWARF (libdw): at an address of a
 * file, the DW_TAG_inlined_subroutine scopes that contain it, innermost
 * first — what perf report --inline and addr2line -i show. Used by the
 * stack commands' --inline (include/symfile.h opens one per file: the
 * file itself or its separate debug file). Answers are cached per
 * address: a stack seen a thousand times is looked up once.
 */
#ifndef SONDE_SYMINLINE_H
#define SONDE_SYMINLINE_H

#include <stdint.h>

#define SYMINLINE_MAX 16	/* inlined levels kept at one address */

struct syminline;

/* The DWARF of path, or NULL when it has none (or cannot be read). */
struct syminline *syminline_open(const char *path);
void syminline_close(struct syminline *si);

/*
 * The names of the functions inlined at vaddr (the file's own ELF
 * address), innermost first, into names (at most max); returns how many
 * (0: vaddr is in no inlined code). The names live as long as si.
 */
int syminline_at(struct syminline *si, uint64_t vaddr, const char **names,
		 int max);

#endif
