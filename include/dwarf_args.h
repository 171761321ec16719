/* SPDX-License-Identifier: GPL-2.0 */
/*
 * User function arguments from DWARF (libdw): a function's parameters
 * and the local variables in its outermost scope, with C types and where
 * each lives at the function's entry and after its prologue: a register
 * or a stack slot relative to a register (frame-base offsets translated
 * through the call frame information). Debug info is looked for in the
 * binary, then /usr/lib/debug/.build-id/xx/rest.debug, then the
 * .gnu_debuglink file (next to the binary, .debug/, /usr/lib/debug/DIR);
 * $SONDE_DEBUG_DIR replaces /usr/lib/debug (include/symfile.h).
 */
#ifndef SONDE_DWARF_ARGS_H
#define SONDE_DWARF_ARGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DWARF_VARS_MAX 32

enum dwarf_loc_kind {
	DLOC_NONE,		/* no location at this pc (optimized out) */
	DLOC_REG,		/* in register reg */
	DLOC_MEM,		/* in memory at reg + offset */
	DLOC_ADDR,		/* at a fixed address (static / global) */
	DLOC_CONST,		/* a known constant (DW_OP_const*, stack_value) */
	DLOC_COMPLEX,		/* an expression this reader does not evaluate */
};

struct dwarf_loc {
	enum dwarf_loc_kind kind;
	int dwreg;		/* DWARF register number, -1 */
	char reg[8];		/* ftrace name: "di", "sp", "bp", "r8" */
	int64_t offset;		/* DLOC_MEM displacement, DLOC_ADDR address,
				 * DLOC_CONST value */
	char desc[64];		/* "%di", "-20(%bp)", "optimized out" */
};

struct dwarf_var {
	char name[64];
	char type[128];		/* "const char *", "int", "struct foo *" */
	int size;		/* bytes; 0 unknown */
	bool is_param;
	bool is_signed;
	bool is_ptr;
	bool is_string;		/* char * or char[] */
	struct dwarf_loc at_entry; /* at the first instruction */
	struct dwarf_loc at_body;  /* after the prologue (body_vaddr) */
	char abi_reg[8];	/* SysV integer-class register for params 1-6 */
};

struct dwarf_func {
	char name[128];
	char decl_file[256];
	int decl_line;
	uint64_t entry_vaddr;	/* DW_AT_low_pc */
	uint64_t body_vaddr;	/* after the prologue (line table), or entry */
	char ret_type[128];
	char debug_file[512];	/* where the DWARF came from */
	int nparams;		/* vars[0 .. nparams-1] */
	int nvars;		/* params and then locals */
	struct dwarf_var vars[DWARF_VARS_MAX];
};

/*
 * The function named func in the ELF file path. 0, or -ENOENT / -ENODATA
 * with err: "'/bin/true' has no debug info (install its -dbgsym package
 * or build with -g); probe arguments as arg1..arg6",
 * "no function 'x' in the debug info of '/path'".
 */
int dwarf_args_func(const char *path, const char *func, struct dwarf_func *out,
		    char *err, size_t errlen);

/* Where the debug info for path is: path itself, or the separate file.
 * 0 with out set, or -ENODATA. */
int dwarf_args_find_debuginfo(const char *path, char *out, size_t outlen);

/* The variable as an ftrace fetch arg at entry ("%di", "-20(%bp)" ->
 * "+-20(%bp)"), with ":s32"-style type when the size is known. */
int dwarf_var_fetch(const struct dwarf_var *v, bool at_body, char *buf,
		    size_t len);

#endif
