/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The function symbols of one mapped file (a program or a library), read
 * once and indexed by address for the symbolizer (include/symbolize.h):
 * the file's own .symtab and .dynsym, and, when it has no .symtab, those
 * of its separate debug file — DEBUG/.build-id/NN/REST.debug first, then
 * the .gnu_debuglink name under DEBUG/DIR, DIR/.debug and DIR, where DEBUG
 * is /usr/lib/debug or $SONDE_DEBUG_DIR. Files of processes in containers
 * are read through a root prefix (/proc/PID/root). Files are cached by
 * device and inode when those are known (a file seen from two mount
 * namespaces is read once), else by path.
 *
 * perf-PID.map files (JIT compilers write "START SIZE NAME" lines) are
 * parsed and cached per process here too.
 */
#ifndef SONDE_SYMFILE_H
#define SONDE_SYMFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct symfile_func {
	uint64_t addr;		/* ELF virtual address */
	uint64_t size;		/* 0: unknown (the next symbol ends it) */
	const char *name;
};

struct symfile;

/*
 * The cached symbols of path (as the process sees it); root is prefixed
 * when reading ("/proc/123/root", or "" for our own root). dev/ino 0:
 * unknown. Never NULL once memory allows: a file that cannot be read
 * gives an empty table (every address unknown).
 */
struct symfile *symfile_get(const char *path, const char *root, uint64_t dev,
			    uint64_t ino);

/* The function at a file offset of the mapped file, or NULL; *vaddr gets
 * the offset translated to the ELF's own address space (the address to
 * give addr2line), or the offset itself when the file is unreadable. */
const struct symfile_func *symfile_lookup(const struct symfile *sf,
					  uint64_t file_off, uint64_t *vaddr);

/* The functions inlined at vaddr (an address the lookup gave),
 * innermost first, from the DWARF of the file or of its debug file
 * (include/syminline.h; read on first use); 0 when none, or no DWARF. */
int symfile_inlined(struct symfile *sf, uint64_t vaddr, const char **names,
		    int max);

/* Where debug files live: $SONDE_DEBUG_DIR, else /usr/lib/debug. */
const char *symfile_debug_root(void);

/* The file the symbols came from when it is a separate debug file, or
 * NULL (for -v). */
const char *symfile_debug_path(const struct symfile *sf);

/* ---- perf-PID.map ---- */

struct perfmap {
	struct symfile_func *funcs;	/* sorted by addr */
	size_t n;
	char *strings;
};

/* Parse perf map text ("7f0a1000 40 LazyCompile:foo"); 0 or -ENOMEM. */
int perfmap_parse(const char *text, struct perfmap *pm);
void perfmap_free(struct perfmap *pm);
/* The entry covering addr, or NULL. */
const struct symfile_func *perfmap_lookup(const struct perfmap *pm,
					  uint64_t addr);

/*
 * The JIT symbols of a process: /proc/PID/root/tmp/perf-NSPID.map (its
 * own namespace's view), then /tmp/perf-PID.map; read again when the file
 * has grown since (one stat per call). NULL when there is none.
 */
const struct perfmap *perfmap_of(int pid);

/* Shared by both: index of the entry covering addr in funcs sorted by
 * addr (size 0: up to the next entry), or -1. */
long symfunc_find(const struct symfile_func *funcs, size_t n, uint64_t addr);

#endif
