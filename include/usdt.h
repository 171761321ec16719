/* SPDX-License-Identifier: GPL-2.0 */
/*
 * USDT (SystemTap SDT) probes: the .note.stapsdt notes of an ELF file,
 * each probe's file offset and semaphore offset (what uprobe_events'
 * PATH:OFFSET(REF_CTR_OFFSET) and BPF's uprobe attach want), and its
 * argument specifications ("-4@%edi 8@-16(%rbp) 4@$5") parsed for x86-64.
 */
#ifndef SONDE_USDT_H
#define SONDE_USDT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define USDT_MAX_ARGS 12

enum usdt_arg_kind {
	USDT_ARG_CONST,		/* $5: the value is val */
	USDT_ARG_REG,		/* %edi: the value is the register */
	USDT_ARG_MEM,		/* -16(%rbp), (%rax,%rbx,8): read size bytes at
				 * reg + index * scale + val */
};

struct usdt_arg {
	enum usdt_arg_kind kind;
	int size;		/* bytes: 1, 2, 4 or 8 */
	bool is_signed;
	int64_t val;		/* constant, or memory displacement */
	char reg[8];		/* ftrace's name of the 64-bit register: "di",
				 * "bp", "r8", "ip"; "" for CONST */
	int reg_off;		/* offsetof(struct pt_regs, reg) on x86-64, -1 */
	char index_reg[8];	/* "" when no index */
	int index_off;
	int scale;
	char spec[64];		/* the text it came from: "-4@%edi" */
};

struct usdt_note {
	char *provider;
	char *name;
	char *args_str;		/* as in the note */
	uint64_t pc;		/* note's pc, adjusted for .stapsdt.base */
	uint64_t base;		/* note's base address (link time) */
	uint64_t semaphore;	/* semaphore vaddr, 0 when none */
	uint64_t offset;	/* file offset of pc */
	uint64_t sema_offset;	/* file offset of the semaphore, 0 when none */
	int nargs;
	struct usdt_arg args[USDT_MAX_ARGS];
	bool args_ok;		/* all arguments parsed */
};

/*
 * Read the notes of an ELF file. 0 with *notes (possibly none), or
 * -errno with a one-line message in err.
 */
int usdt_read(const char *path, struct usdt_note **notes, size_t *n,
	      char *err, size_t errlen);
void usdt_free(struct usdt_note *notes, size_t n);

/* Parse an argument string into args[]; returns the count or -EINVAL
 * with err naming the spec it could not read. */
int usdt_parse_args(const char *s, struct usdt_arg *args, int max, char *err,
		    size_t errlen);

/* Parse one "-4@%edi" spec. 0 or -EINVAL. */
int usdt_parse_arg(const char *spec, struct usdt_arg *arg);

/*
 * The notes matching provider and name (either may be a glob; NULL
 * matches all). A probe can have several sites (inlined, unrolled);
 * fills up to max pointers and returns the total count.
 */
size_t usdt_find(struct usdt_note *notes, size_t n, const char *provider,
		 const char *name, struct usdt_note **out, size_t max);

/* The argument as an ftrace fetch arg, e.g. "%di", "+-16(%bp)", "\5",
 * with a type suffix ":s32". Returns 0, or -ENOSPC/-EINVAL. */
int usdt_arg_fetch(const struct usdt_arg *a, char *buf, size_t len);

/* Register name ("edi", "rbp", "r8d", "al"...) to ftrace name and
 * pt_regs offset; -1 when unknown. */
int usdt_reg_lookup(const char *reg, char out[8], int *size);

#endif
