/* SPDX-License-Identifier: GPL-2.0 */
/*
 * User-space ELF symbols for uprobes: .symtab and .dynsym of a program or
 * library, function name (or name+offset, or a raw address) to the FILE
 * OFFSET a uprobe wants, function listing with a glob, and finding the
 * file itself: a library name resolved like ld.so does (LD_LIBRARY_PATH,
 * /etc/ld.so.cache, default directories) and a program name via PATH.
 *
 * Errors are one line for the user, written into err (lowercase, the
 * subject quoted, no full stop).
 */
#ifndef SONDE_USYM_H
#define SONDE_USYM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define USYM_ERR_MAX 512

struct usym {
	const char *name;	/* without "@VERSION" */
	const char *version;	/* "GLIBC_2.2.5" or NULL */
	uint64_t vaddr;		/* st_value */
	uint64_t size;
	uint64_t offset;	/* file offset of vaddr; 0 when not in a PT_LOAD */
	uint8_t type;		/* STT_FUNC, STT_GNU_IFUNC, STT_OBJECT... */
	uint8_t bind;		/* STB_GLOBAL, STB_LOCAL, STB_WEAK */
	bool default_version;	/* "@@VERSION" (or unversioned) */
	bool dynamic;		/* seen in .dynsym */
	bool in_symtab;		/* seen in .symtab */
};

struct usym_seg {
	uint64_t vaddr, memsz, offset, filesz;
	uint32_t flags;		/* PF_X | PF_W | PF_R */
};

struct uelf {
	char *path;
	uint16_t e_type;	/* ET_EXEC, ET_DYN */
	uint16_t e_machine;
	uint64_t entry;		/* e_entry */
	bool is_64;
	bool has_symtab;	/* false: stripped */
	bool has_dynsym;
	bool is_pie;		/* DF_1_PIE, or ET_DYN with an interpreter and no soname */
	bool has_interp;
	uint8_t build_id[64];
	size_t build_id_len;
	char *debuglink;	/* .gnu_debuglink file name, or NULL */
	struct usym *syms;	/* functions and objects, sorted by name then vaddr */
	size_t nsyms;
	struct usym_seg *segs;	/* PT_LOAD */
	size_t nsegs;
	char *strings;
};

/*
 * Open an ELF file and read its symbols. NULL on error with a message in
 * err: "'/nope' does not exist", "'/etc/passwd' is not an ELF file",
 * "'/root/x' cannot be read: Permission denied", "'/tmp' is a directory".
 */
struct uelf *uelf__open(const char *path, char *err, size_t errlen);
void uelf__close(struct uelf *e);

/* File offset of a virtual address through the PT_LOAD segments; 0 or
 * -ENOENT when no segment maps it from the file. */
int uelf__vaddr_to_offset(const struct uelf *e, uint64_t vaddr, uint64_t *off);

/* Symbols named name (any version), functions first; returns the count
 * written (at most max). */
size_t uelf__lookup(const struct uelf *e, const char *name,
		    const struct usym **out, size_t max);

enum usym_target_flags {
	USYM_T_IFUNC	  = 1 << 0,	/* the symbol is an IFUNC resolver */
	USYM_T_OUTSIDE	  = 1 << 1,	/* name+off goes past the symbol's size */
	USYM_T_ADDRESS	  = 1 << 2,	/* resolved from a raw address */
	USYM_T_NOT_FUNC	  = 1 << 3,	/* the symbol is not a function */
};

struct usym_target {
	const struct usym *sym;	/* NULL for a raw address */
	uint64_t vaddr;		/* sym->vaddr + off */
	uint64_t offset;	/* file offset: what uprobe_events / BPF want */
	uint64_t sym_off;	/* the +OFF part */
	unsigned flags;		/* USYM_T_* */
	char note[USYM_ERR_MAX]; /* a warning to show, or "" */
};

/*
 * Resolve "func", "func+0x10", "func+16", "func@GLIBC_2.2.5" or a raw
 * address "0x401136" (a virtual address, as perf probe takes it) to a
 * uprobe offset. Versions: "malloc" picks the default version when
 * several exist. An IFUNC resolves (flag set) but returns -EINVAL with
 * the reason in err: probing the resolver is not probing the function.
 * 0 or -errno with err set.
 */
int uelf__resolve(const struct uelf *e, const char *spec,
		  struct usym_target *out, char *err, size_t errlen);

/* Functions (STT_FUNC and IFUNC, defined, size or not) whose name matches
 * glob (NULL: all), each address once, sorted by name. fn returns
 * non-zero to stop. Returns the number of matches. */
size_t uelf__funcs(const struct uelf *e, const char *glob,
		   int (*fn)(const struct usym *s, void *ctx), void *ctx);

/* The function containing vaddr (for symbolizing), or NULL. */
const struct usym *uelf__addr_to_sym(const struct uelf *e, uint64_t vaddr);

/* ---- finding files ---- */

/*
 * ld.so.cache: calls fn(soname, path) for each x86-64 (or flags-matching)
 * library entry of the cache in data (the whole file). Returns the entry
 * count or -EINVAL when the format is not recognised.
 */
int usym_ldcache_parse(const void *data, size_t len,
		       int (*fn)(const char *soname, const char *path, void *ctx),
		       void *ctx);

/*
 * A library by name, as ld.so would find it: "libc", "c", "libc.so",
 * "libc.so.6", or a path. Looks in LD_LIBRARY_PATH, /etc/ld.so.cache
 * (ldcache: another cache file, NULL for the system one), then /lib,
 * /usr/lib, /lib64, /usr/lib64, /lib/x86_64-linux-gnu,
 * /usr/lib/x86_64-linux-gnu. Only ELF files count (libc.so is often a
 * linker script). 0 with the path in out, or -ENOENT with err set:
 * "library 'libfoo' not found (looked in LD_LIBRARY_PATH, /etc/ld.so.cache and the default directories)".
 */
int usym_find_library(const char *name, const char *ldcache, char *out,
		      size_t outlen, char *err, size_t errlen);

/* A program by name through PATH ("bash" -> "/usr/bin/bash"); names
 * with a '/' are taken as paths. 0 or -ENOENT with err set. */
int usym_find_program(const char *name, char *out, size_t outlen, char *err,
		      size_t errlen);

/*
 * What a probe spec's binary part means: a path (has '/'), a program on
 * PATH, or else a library name. 0 with the path in out, else -errno and
 * err: "'frob' not found: not a file, not a program in PATH, not a library".
 */
int usym_find_binary(const char *name, char *out, size_t outlen, char *err,
		     size_t errlen);

#endif
