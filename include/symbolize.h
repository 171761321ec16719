/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Stack addresses to names, shared by trace -K/-U, profile and stack.
 *
 * Kernel: /proc/kallsyms, read once and indexed by address. Where it
 * shows only zero addresses (kptr_restrict=2, or 1 without CAP_SYSLOG)
 * kernel frames print as addresses and sym_kernel_note() says why.
 *
 * User: an address of process PID is looked up in that process's
 * executable mappings — read from /proc/PID/maps when the process is
 * first met (sym_proc_capture), kept after it exits, and kept current by
 * perf side-band records (include/proctrack.h: mmaps, forks, execs) so
 * that processes born and gone during a profile are named too. A mapped
 * file's functions come from include/symfile.h (ELF symbols, debug files,
 * cached per file); files are read through /proc/PID/root while the
 * process lives (containers). Anonymous executable memory is looked up in
 * the process's perf-PID.map (JIT compilers).
 *
 * What cannot be named prints as "0xADDR [module]": for a file, ADDR is
 * in the file's own ELF address space (what `addr2line -e FILE` takes);
 * for anonymous memory ("[anon]") and addresses outside any mapping
 * ("[unknown]") it is the address itself. Kernel: "0xADDR [kernel]".
 */
#ifndef SONDE_SYMBOLIZE_H
#define SONDE_SYMBOLIZE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum sym_flags {
	SYM_OFFSET = 1 << 0,	/* "vfs_read+0x1a" rather than "vfs_read" */
	SYM_MODULE = 1 << 1,	/* user frames: " (libc.so.6)" after the name */
};

/* Name a frame; returns true when a symbol was found. */
bool sym_kernel_frame(uint64_t ip, unsigned flags, char *buf, size_t size);
bool sym_user_frame(int pid, uint64_t ip, unsigned flags, char *buf, size_t size);

/* The functions inlined into the code at ip (DWARF, where the file or
 * its debug file has it), innermost first, into names (at most max);
 * returns how many: 0 when none, or no DWARF. sym_user_frame() names the
 * function that contains them. For --inline. */
int sym_user_inlined(int pid, uint64_t ip, const char **names, int max);

/* trace -K/-U: "vfs_read+0x1a", "main+0x12 (prog)". */
void sym_kernel(uint64_t ip, char *buf, size_t size);
void sym_user(int pid, uint64_t ip, char *buf, size_t size);

/* Why kernel frames cannot be named, or NULL when they can. */
const char *sym_kernel_note(void);

/* Read the mappings of pid now if they are not known yet (call while it
 * lives, e.g. at the start of a profile); false when it is gone. */
bool sym_proc_capture(int pid);
/* sym_proc_capture() for every process now running. */
void sym_proc_capture_all(void);

/* What perf side-band records report (include/proctrack.h). path: the
 * file (as the process sees it), "//anon", "[vdso]"... */
void sym_note_mmap(int pid, uint64_t start, uint64_t len, uint64_t pgoff,
		   uint64_t dev, uint64_t ino, const char *path);
void sym_note_fork(int pid, int ppid);
void sym_note_exec(int pid);
void sym_note_exit(int pid);

/* Parse one /proc/PID/maps line; true for an executable mapping
 * (anonymous ones included, path ""). For tests. */
struct sym_mapping {
	uint64_t start, end, pgoff, dev, ino;
	char path[4096];
};
bool sym_parse_maps_line(const char *line, struct sym_mapping *m);

#endif
