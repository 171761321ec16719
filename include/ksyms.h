/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel functions by name: which exist (/proc/kallsyms), which can be
 * traced (available_filter_functions), which kprobes refuse (the kprobe
 * blacklist), compiler-suffixed copies (.isra.0, .constprop.0, .part.0,
 * .llvm.NNN) found without the suffix, glob patterns, and the nearest
 * tracepoint for a function that cannot be probed.
 *
 * The parsers take file contents, so tests feed them fixture text;
 * ksyms_get() reads the live files once and caches the table.
 */
#ifndef SONDE_KSYMS_H
#define SONDE_KSYMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KSYM_NAME_MAX 512	/* kallsyms names are at most 512 bytes (6.1+) */

enum {
	KSYM_IN_KALLSYMS   = 1 << 0,	/* listed in /proc/kallsyms (t/T/W) */
	KSYM_TRACEABLE	   = 1 << 1,	/* listed in available_filter_functions */
	KSYM_BLACKLISTED   = 1 << 2,	/* kprobes refuse it */
	KSYM_COLD	   = 1 << 3,	/* a .cold fragment, not a function entry */
	KSYM_SUFFIXED	   = 1 << 4,	/* name carries a compiler suffix */
	KSYM_DUPLICATE	   = 1 << 5,	/* several symbols share this name */
};

struct ksym {
	const char *name;	/* real symbol: "tcp_fastopen_add_skb.part.0" */
	const char *module;	/* NULL for vmlinux */
	uint64_t addr;		/* 0 when unknown or hidden (kptr_restrict) */
	uint16_t base_len;	/* length of the name without its suffix */
	uint16_t flags;		/* KSYM_* */
};

/* Where the table came from. */
enum ksyms_source {
	KSYMS_FROM_FILTER_FUNCTIONS,	/* available_filter_functions (+ kallsyms) */
	KSYMS_FROM_KALLSYMS,		/* kallsyms only: traceability unknown */
};

struct ksyms {
	struct ksym *syms;	/* sorted by name (strcmp), duplicates merged */
	size_t nsyms;
	enum ksyms_source source;
	bool have_kallsyms;
	bool have_blacklist;
	int filter_functions_err; /* errno reading available_filter_functions */
	char *strings;		/* owns every name */
	size_t strings_len, strings_cap;
};

/*
 * Build a table from file contents; any argument may be NULL (file
 * unreadable). filter_functions: available_filter_functions text;
 * kallsyms: /proc/kallsyms text; blacklist: kprobes/blacklist text.
 * Returns NULL only on allocation failure.
 */
struct ksyms *ksyms__parse(const char *filter_functions, const char *kallsyms,
			   const char *blacklist);
void ksyms__free(struct ksyms *ks);

/*
 * The live table, read once: available_filter_functions under
 * features_tracefs_path() (falls back to kallsyms alone when that is
 * unreadable, e.g. EPERM under lockdown), /proc/kallsyms and
 * /sys/kernel/debug/kprobes/blacklist. NULL with errno set when nothing
 * could be read.
 */
const struct ksyms *ksyms_get(void);

/* Exact name (with its suffix if it has one), or NULL. */
const struct ksym *ksyms__find(const struct ksyms *ks, const char *name);

/* Could a probe attach here? Traceable (or, from kallsyms alone, a
 * function that is not a .cold fragment) and not blacklisted. */
bool ksym_attachable(const struct ksyms *ks, const struct ksym *s);

enum ksym_status {
	KSYM_OK,		/* name exists and can be probed */
	KSYM_OK_SUFFIX,		/* found as one suffixed copy (name.isra.0) */
	KSYM_AMBIGUOUS,		/* several suffixed copies; all are listed */
	KSYM_NOT_FOUND,		/* not in kallsyms at all */
	KSYM_NOT_TRACEABLE,	/* in kallsyms, not in available_filter_functions */
	KSYM_COLD_ONLY,		/* only a .cold fragment exists */
	KSYM_BLACKLISTED_ONLY,	/* exists, but on the kprobe blacklist */
};

#define KSYM_MAX_CANDIDATES 16

struct ksym_resolution {
	enum ksym_status status;
	const struct ksym *cands[KSYM_MAX_CANDIDATES]; /* attach targets, best first */
	size_t ncands;
	bool syscall_alias;	/* "sys_read" resolved as "__x64_sys_read" */
	char message[512];	/* what to tell the user; "" for KSYM_OK */
};

/*
 * Resolve a name the user typed (no wildcards): exact first, then its
 * compiler-suffixed copies, then syscall spellings (sys_X, SyS_X ->
 * __x64_sys_X). Returns 0 when cands[] holds something to attach to
 * (OK, OK_SUFFIX, AMBIGUOUS), else -ENOENT; message explains either way.
 * KSYM_BLACKLISTED_ONLY also lists the blacklisted names in cands[]:
 * kprobes refuse them, fentry and the function tracer may not.
 */
int ksyms__resolve(const struct ksyms *ks, const char *name,
		   struct ksym_resolution *out);

/* True when s has glob characters (* ? [). */
bool ksym_is_glob(const char *s);

/*
 * Call fn for each attachable function whose real name or unsuffixed
 * name matches the glob (fnmatch), each real symbol once; .cold
 * fragments and blacklisted names are left out. SyS_* and sys_* that
 * match nothing are retried as __x64_sys_*. fn returns non-zero to
 * stop. Returns the number of matches.
 */
size_t ksyms__match(const struct ksyms *ks, const char *glob,
		    int (*fn)(const struct ksym *s, void *ctx), void *ctx);

/*
 * Tracepoints that observe the same thing as a kernel function, best
 * first: a table of well-known pairs, then a heuristic matching the
 * function's words against tracepoint names. events: the text of
 * available_events ("group:name" lines), NULL for the table alone.
 * is_return asks for the sys_exit_ side of syscalls. Writes up to max
 * "group:name" strings into out (each of outsz bytes); returns the count.
 */
int ksyms_suggest_tracepoints(const char *func, const char *events,
			      bool is_return, char (*out)[96], int max);

/* ksyms_suggest_tracepoints() against the live available_events. */
int ksyms_suggest_tracepoints_live(const char *func, bool is_return,
				   char (*out)[96], int max);

/*
 * "try tracepoint syscalls:sys_enter_openat (or syscalls:sys_enter_openat2,
 * syscalls:sys_enter_open)" from the live available_events, or "" when
 * nothing is near. For appending to a "cannot probe" message.
 */
void ksyms_tracepoint_hint(const char *func, bool is_return, char *buf,
			   size_t len);

/*
 * What the table could not know, for -v: "available_filter_functions is
 * not readable (EPERM): names come from /proc/kallsyms and whether a
 * function can be traced is unknown", or "" when it was read.
 */
const char *ksyms__note(const struct ksyms *ks, char *buf, size_t len);

/* Pointer to the suffix of a symbol name (".isra.0"), or to its NUL. */
const char *ksym_suffix(const char *name);

/* Read a whole file into a malloc'd NUL-terminated buffer; NULL with
 * errno set on failure. Works for procfs/tracefs files (size 0). */
char *ksyms_read_file(const char *path);

#endif
