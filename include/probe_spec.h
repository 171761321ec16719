/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Probe specifications (SPEC.md §2): the text a user gives trace, hist,
 * stack and probe, parsed into a plain description. Pure code: nothing here
 * looks at the kernel, a binary or a file; names (functions, libraries,
 * fields, struct members) are kept as written for later resolution.
 *
 * One spec is a probe head and what follows it:
 *
 *   head                              what
 *   do_sys_openat2  p:F  k:F  kprobe:F  kernel function entry (F may be a glob,
 *                                     F+OFF, or kprobe:MODULE:F)
 *   r:F  kr:F  kretprobe:F  F%return  kernel function return
 *   fentry:F  fexit:F  f:F  fr:F      the same, PS_FENTRY set
 *   p::F  r::F                        bcc: an empty library is the kernel
 *   p:LIB:F  r:LIB:F                  bcc: user function (LIB "c" is libc)
 *   t:C:E  tracepoint:C:E  C:E  C/E   tracepoint (or persistent "sonde:NAME")
 *   u:BIN:F  uprobe:BIN:F             user function entry (F, F+OFF or ADDR)
 *   ur:BIN:F  uretprobe:BIN:F         user function return
 *   U:BIN:PROV:NAME  usdt:BIN:[PROV:]NAME   USDT probe
 *   EVENT=HEAD  GROUP:EVENT=HEAD      perf-probe: name the event to create
 *
 * and, given a default binary (perf probe -x BIN), F, F%return, F+OFF and
 * ADDR are user functions in it. Globs use * ? and [...] classes.
 *
 * After the head, either (bcc trace / argdist / bpftrace)
 *
 *   [(SIGNATURE)] [(FILTER) | /FILTER/] ["FORMAT"[, EXPR]...]
 *
 * e.g. 'do_sys_openat2 (arg1 == -100) "%s", arg2', or (perf probe) a list of
 * whitespace-separated arguments [NAME=]EXPR[:TYPE], e.g.
 * 'do_sys_open dfd=%di flags:x32'.
 *
 * Raw ftrace definitions are kept as written (raw) and parsed too:
 *
 *   p[:[GROUP/]EVENT] PLACE [ARG...]      PLACE: [MOD:]SYM[+OFF] or 0xADDR,
 *   r[MAXACTIVE][:[GROUP/]EVENT] PLACE ...       or /PATH:0xOFF[(0xREFCTR)]
 *   -:[GROUP/]EVENT
 *
 * "p:X PLACE" is raw ftrace when X holds a '/', or PLACE looks like a
 * function or address; "p:F (filter)", "p:F \"fmt\"" and "r:F $retval" are
 * not. Note p: is bcc's kprobe, not bpftrace's profile.
 *
 * Arguments count from 1 (bcc, ftrace's $argN): arg1 and $arg1 are the
 * first argument. After a bpftrace-style head (kprobe:, uprobe:, fentry:,
 * usdt:, ...) arg0 is the first, as bpftrace has it; expressions store the
 * normalised number either way (EXPR_ARG .value 1 = first) and print it in
 * the 1-based form.
 *
 * Names that are both a builtin and a tracepoint field (pid, comm) are the
 * builtin; write args->pid for the field.
 *
 * Errors are one lowercase line with a 1-based byte column where there is
 * one: "expected ')' at column 31".
 */
#ifndef SONDE_PROBE_SPEC_H
#define SONDE_PROBE_SPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* ---- expressions (filters, format arguments, probe arguments) ---- */

enum expr_kind {
	EXPR_INT,	/* .value: integer literal (also folded -N, \N) */
	EXPR_STR,	/* .name: string literal, escapes decoded */
	EXPR_ARG,	/* .value: function/USDT argument, 1 = first */
	EXPR_RETVAL,	/* retval, $retval */
	EXPR_FIELD,	/* .name: event field or parameter by name; .qualified
			 * when written args->NAME or args.NAME */
	EXPR_BUILTIN,	/* .builtin: comm pid tid uid gid cpu ts */
	EXPR_REG,	/* .name: register, ftrace spelling ("di", "r8") */
	EXPR_STACK,	/* .value: N of $stackN; -1 for $stack (stack address) */
	EXPR_MEM,	/* @SYM[+-OFF] / @ADDR: .name symbol or NULL, .value
			 * offset or address */
	EXPR_MEMBER,	/* .left->name (.arrow) or .left.name */
	EXPR_INDEX,	/* .left[.right] */
	EXPR_DEREF,	/* ftrace fetch +OFF(.left): .value offset, .user +uOFF */
	EXPR_CAST,	/* (.name).left, .name the type ("struct file *") */
	EXPR_CALL,	/* .name(.left[, .right]): str, ksym, usym */
	EXPR_UNARY,	/* .op .left */
	EXPR_BINARY,	/* .left .op .right */
};

enum expr_op {
	EOP_NONE,
	EOP_NOT, EOP_NEG, EOP_BITNOT, EOP_DEREF,	/* unary ! - ~ * */
	EOP_MUL, EOP_DIV, EOP_MOD, EOP_ADD, EOP_SUB, EOP_SHL, EOP_SHR,
	EOP_LT, EOP_LE, EOP_GT, EOP_GE, EOP_EQ, EOP_NE,
	EOP_AND, EOP_XOR, EOP_OR, EOP_LAND, EOP_LOR,
};

enum expr_builtin {
	EB_COMM, EB_PID, EB_TID, EB_UID, EB_GID, EB_CPU, EB_TS,
};

/*
 * One node. Only .left and .right point to children, so a walk needs no
 * per-kind knowledge; the table in enum expr_kind says which fields a kind
 * uses. pid is the thread group id (what ps shows), tid the thread id.
 */
struct expr {
	enum expr_kind kind;
	int pos;			/* byte offset in the parsed text */
	enum expr_op op;
	enum expr_builtin builtin;
	int64_t value;
	char *name;
	bool arrow;			/* EXPR_MEMBER: '->' rather than '.' */
	bool qualified;			/* EXPR_FIELD: args->NAME */
	bool user;			/* EXPR_DEREF: +uOFF(...) user memory */
	struct expr *left;
	struct expr *right;
};

/* expr_parse flags */
#define EXPR_ARG0_FIRST	(1u << 0)	/* arg0 is the first argument (bpftrace) */
#define EXPR_SLASH_END	(1u << 1)	/* a '/' before end or '"' ends it */

/* Parse all of text as one expression. 0, or -EINVAL/-ENOMEM and err. */
int expr_parse(const char *text, unsigned int flags, struct expr **out,
	       char *err, size_t errlen);
/* Parse one expression at text[*pos], reading no further than text[end];
 * on success *pos is just past it (trailing blanks skipped). */
int expr_parse_at(const char *text, int *pos, int end, unsigned int flags,
		  struct expr **out, char *err, size_t errlen);
void expr_free(struct expr *e);

/* Call fn on e and each node below it, parents first, left before right;
 * stops at and returns the first non-zero fn result. */
int expr_visit(struct expr *e, int (*fn)(struct expr *e, void *ctx),
	       void *ctx);

/* Canonical text: binary operations in parentheses, "arg1 == -100" ->
 * "(arg1 == -100)". expr_str returns malloc'ed text, NULL without memory. */
void expr_print(FILE *fp, const struct expr *e);
char *expr_str(const struct expr *e);

const char *expr_op_str(enum expr_op op);		/* "==", "!" */
const char *expr_builtin_name(enum expr_builtin b);	/* "comm" */
/* Is e a string: a literal or str()? (A format argument is read as a
 * string also when its conversion is %s, a probe_arg when its type is.) */
bool expr_is_string(const struct expr *e);

/* ---- probe specifications ---- */

enum probe_type {
	PROBE_KFUNC,		/* kernel function: kprobe, fentry */
	PROBE_TRACEPOINT,	/* tracepoint or existing event group:event */
	PROBE_UFUNC,		/* user function or address: uprobe */
	PROBE_USDT,		/* user statically defined tracepoint */
	PROBE_DELETE,		/* raw "-:[GROUP/]EVENT": remove that event */
};

/* probe_spec.flags */
#define PS_RETURN	(1u << 0)	/* on return: kretprobe, fexit, uretprobe */
#define PS_FENTRY	(1u << 1)	/* the user asked for fentry:/fexit: */
#define PS_WILDCARD	(1u << 2)	/* func, group or event holds a glob */
#define PS_LIBNAME	(1u << 3)	/* binary is a library name ("c", "libc")
					 * to resolve like ld.so, not a path */
#define PS_ADDRESS	(1u << 4)	/* the place is .addr, not .func */
#define PS_RAW		(1u << 5)	/* raw ftrace definition, text in .raw */
#define PS_ARG0_FIRST	(1u << 6)	/* text numbered arguments from arg0 */

/* A perf-probe or ftrace fetch argument: [NAME=]EXPR[:TYPE]. */
struct probe_arg {
	char *name;		/* "dfd" of dfd=%di; NULL when unnamed */
	struct expr *expr;
	char *type;		/* "string", "x32", "u8[4]", "b4@3/32"; NULL */
};

/* One conversion of the format string. */
struct probe_conv {
	int pos;		/* byte offset of its '%' in the spec text */
	char conv;		/* d i u x X o c s p K U (K, U: bcc symbols) */
	int size;		/* bytes the length modifier implies: 1 2 4 8;
				 * 0 for %s */
	char text[24];		/* as written, "%-8lx" */
};

struct probe_spec {
	enum probe_type type;
	unsigned int flags;		/* PS_* */
	/*
	 * The ftrace event: for a tracepoint the one it is ("syscalls",
	 * "sys_enter_openat"); for raw and perf-named probes the one to
	 * create or delete (group NULL: the default). Otherwise NULL.
	 */
	char *group;
	char *event;
	char *func;		/* function name or glob; NULL with PS_ADDRESS */
	char *module;		/* kernel module of func (kprobe:MOD:F, MOD:SYM) */
	char *binary;		/* uprobe/USDT path, or library name (PS_LIBNAME) */
	char *provider;		/* USDT provider; NULL when not given */
	char *name;		/* USDT probe name */
	uint64_t offset;	/* func+offset */
	uint64_t addr;		/* PS_ADDRESS: kernel address or file offset */
	uint64_t ref_ctr;	/* raw uprobe (0xREFCTR) semaphore offset, or 0 */
	int maxactive;		/* raw rN: kretprobe maxactive, 0 default */
	char *signature;	/* bcc "(char *filename)" text inside the parens */
	struct expr *filter;	/* (FILTER) or /FILTER/; NULL: none */
	char *format;		/* printf format, escapes decoded; NULL: none */
	int nconv;
	struct probe_conv *convs;	/* conversions of format */
	int nprint;			/* == nconv after a successful parse */
	struct expr **print;		/* format arguments, in order */
	int nargs;
	struct probe_arg *args;		/* perf/ftrace argument list */
	char *raw;		/* PS_RAW: the definition, trimmed */
};

/*
 * Parse text into spec (which needs no initialising; free it with
 * probe_spec_free even after a failure). default_binary is perf probe's
 * -x BINARY, or NULL. Returns 0, or -EINVAL (-ENOMEM) with a one-line
 * message in err.
 */
int probe_spec_parse(const char *text, struct probe_spec *spec,
		     char *err, size_t errlen);
int probe_spec_parse_ex(const char *text, const char *default_binary,
			struct probe_spec *spec, char *err, size_t errlen);
void probe_spec_free(struct probe_spec *spec);

/*
 * Canonical one-line form, every parsed field shown, for tests and -v:
 *   kprobe func=do_sys_openat2 filter=(arg1 == -100) fmt="%s" print=[arg2]
 *   uretprobe bin=/bin/bash func=readline args=[+0(retval):string]
 */
void probe_spec_print(FILE *fp, const struct probe_spec *spec);
char *probe_spec_str(const struct probe_spec *spec);	/* malloc'ed */

/* "kprobe", "kretprobe", "tracepoint", "uprobe", "uretprobe", "usdt",
 * "delete" */
const char *probe_spec_kind(const struct probe_spec *spec);

/* Is the perf/ftrace type name valid ("string", "x32", "u8[4]")? */
bool probe_type_valid(const char *type);

/*
 * Shared by the spec and expression parsers. probe_error writes
 * "MESSAGE at column POS+1" (no column when pos < 0), then " (HINT)" when
 * hint is set, and returns -EINVAL. probe_parse_string decodes the string
 * literal at text[*pos] (a '"') into a malloc'ed *out.
 */
int probe_error(char *err, size_t errlen, int pos, const char *hint,
		const char *fmt, ...) __attribute__((format(printf, 5, 6)));
int probe_parse_string(const char *text, int *pos, int end, char **out,
		       char *err, size_t errlen);

#endif
