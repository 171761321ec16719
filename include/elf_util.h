/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SONDE_ELF_UTIL_H
#define SONDE_ELF_UTIL_H

#include <stdint.h>

/* File offset of a virtual address of a 64-bit ELF file (what a uprobe's
 * PATH:OFFSET wants); 0 or -errno. */
int elf_vaddr_to_offset(const char *path, uint64_t vaddr, uint64_t *off);
/* File offset of the ELF entry point. */
int elf_entry_offset(const char *path, uint64_t *off);

/* The dynamic loader programs on this system run through (resolved path),
 * or NULL when there is none. */
const char *elf_system_interpreter(void);

#endif
