/* SPDX-License-Identifier: GPL-2.0 */
/* Addresses to "function+0xoff" names: kernel via kallsyms, user via
 * /proc/PID/maps and the ELF symbols of each mapped file (cached). */
#ifndef SONDE_SYMBOLIZE_H
#define SONDE_SYMBOLIZE_H

#include <stddef.h>
#include <stdint.h>

/* "vfs_read+0x1a", or "0xffffffff81234567" when unknown. */
void sym_kernel(uint64_t ip, char *buf, size_t size);
/* "main+0x12 (prog)", "0x7f12... (libc.so.6)", "0x4011 [unknown]". */
void sym_user(int pid, uint64_t ip, char *buf, size_t size);

#endif
