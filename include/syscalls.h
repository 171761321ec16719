/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sonde trace --syscalls: the perf trace / strace view.
 *
 *   lib/syscall_table.c    the syscalls of this kernel: names and argument
 *                          layouts from the syscall tracepoints' format
 *                          files, numbers from the x86-64 ABI
 *   lib/syscall_decode.c   argument and return value decoding (flags,
 *                          errno names, strings, buffers)
 *   lib/syscall_source.c   picks a mechanism from the kernel facts
 *   lib/syscall_bpf.c      BPF raw tracepoints (bpf/syscalls.bpf.c)
 *   lib/syscall_trace.c    tracefs instance or perf_event_open
 *   lib/syscall_summary.c  the -s table
 */
#ifndef SONDE_SYSCALLS_H
#define SONDE_SYSCALLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "loss.h"
#include "sonde.h"

/* `sonde trace --syscalls ...`; argv[0] is "trace". */
int trace_syscalls(int argc, char **argv);

#define SC_MAX_ARGS	6
#define SC_MAX_NR	1024	/* x86-64 numbers are below 512 */
#define SC_STR_MAX	256	/* bytes of a string argument shown */
#define SC_BUF_SHOW	32	/* bytes of a read/write buffer shown */

/* How an argument is shown. */
enum sc_argkind {
	SCA_INT,	/* 32-bit signed: int, pid_t, ... */
	SCA_UINT,	/* 32-bit unsigned */
	SCA_LONG,	/* 64-bit signed */
	SCA_ULONG,	/* 64-bit unsigned */
	SCA_PTR,	/* a pointer: 0x..., NULL */
	SCA_STR,	/* a NUL-terminated string read at entry */
	SCA_BUF_IN,	/* bytes the call reads (write's buf) */
	SCA_BUF_OUT,	/* bytes the call fills (read's buf), length = ret */
};

struct sc_arg {
	char name[32];
	char type[48];
	enum sc_argkind kind;
};

enum sc_retkind {
	SCR_INT,	/* a number, or -1 and an errno name */
	SCR_PTR,	/* an address (mmap, brk): hex */
	SCR_NONE,	/* never returns (exit, exit_group) */
};

struct sc_info {
	int nr;			/* -1: no number known on this arch */
	char name[40];		/* "stat" (the ABI's name) */
	char event[48];		/* "newstat" (sys_enter_<event>) */
	int nargs;		/* -1: no format file (args unknown) */
	struct sc_arg args[SC_MAX_ARGS];
	unsigned int str_mask;	/* bit i: args[i] is SCA_STR */
	int buf_arg;		/* SCA_BUF_* argument, or -1 */
	int buf_len_arg;	/* its length argument (BUF_IN), or -1 */
	enum sc_retkind ret;
};

struct sc_table {
	struct sc_info *by_nr[SC_MAX_NR];
	struct sc_info *all;	/* every syscall with an event, by event */
	int count;
	int max_nr;		/* highest number with an entry */
};

/* The ABI's name for a number ("openat"), or NULL. */
const char *sc_abi_name(int nr);
/* The number of an ABI name, or -1. */
int sc_abi_nr(const char *name);
/* The ABI number of an event name ("newstat" -> 4), or -1. */
int sc_event_nr(const char *event);

/*
 * Parse a sys_enter_<event> format file's text into info (args after
 * __syscall_nr). name/nr are filled by the caller. Returns 0 or -EINVAL.
 */
int sc_parse_format(const char *text, struct sc_info *info);
/* Classify info->args (strings, buffers) and the return kind. */
void sc_classify(struct sc_info *info);

/* Load the syscalls the kernel has events for, under tracefs root (NULL:
 * find it). Without tracefs the table holds the ABI names, args unknown. */
int sc_table_load(struct sc_table *t, const char *root, char *err,
		  size_t errsz);
/* Load from a directory laid out like events/syscalls (unit tests). */
int sc_table_load_dir(struct sc_table *t, const char *dir);
void sc_table_free(struct sc_table *t);
const struct sc_info *sc_table_nr(const struct sc_table *t, int nr);
/* By ABI name ("stat") or event name ("newstat"). */
const struct sc_info *sc_table_find(const struct sc_table *t,
				    const char *name);
/* The event name of an ABI name where the kernel's differs: stat ->
 * newstat, umount2 -> umount, sendfile -> sendfile64 (tried in order). */
int sc_event_candidates(const char *name, char out[][48], int max);

/* One completed (or never-returning) syscall, from any mechanism. */
struct sc_event {
	uint64_t ts;		/* entry, CLOCK_MONOTONIC ns */
	uint64_t duration_ns;
	pid_t pid;		/* thread group id; 0 when unknown */
	pid_t tid;
	int nr;
	const struct sc_info *sc;	/* NULL: unknown number */
	uint64_t args[SC_MAX_ARGS];
	int64_t ret;
	bool noreturn;		/* exit, exit_group: no result */
	bool compat;		/* a 32-bit (ia32) syscall */
	char comm[16];
	const char *str[SC_MAX_ARGS];	/* string read for args[i], or NULL */
	bool str_trunc[SC_MAX_ARGS];
	const unsigned char *buf;	/* captured bytes of sc->buf_arg */
	size_t buf_len;
	bool buf_trunc;		/* the call moved more than buf_len */
};

/* ---- decoding (lib/syscall_decode.c) ---- */

/* "ENOENT"; kernel-internal ones too ("ERESTARTSYS"). */
const char *sc_errno_name(int err, char *buf, size_t size);
/* "No such file or directory" */
const char *sc_errno_text(int err);
/* "SIGTERM", or the number. */
const char *sc_signal_name(int sig, char *buf, size_t size);
/* Flags -> "RDONLY|CLOEXEC"; each returns buf. */
const char *sc_open_flags(uint64_t v, char *buf, size_t size);
const char *sc_at_flags(uint64_t v, char *buf, size_t size);
const char *sc_mmap_prot(uint64_t v, char *buf, size_t size);
const char *sc_mmap_flags(uint64_t v, char *buf, size_t size);
const char *sc_access_mode(uint64_t v, char *buf, size_t size);
const char *sc_clone_flags(uint64_t v, char *buf, size_t size);
const char *sc_fcntl_cmd(uint64_t v, char *buf, size_t size);
const char *sc_socket_family(uint64_t v, char *buf, size_t size);
const char *sc_socket_type(uint64_t v, char *buf, size_t size);
const char *sc_ioctl_cmd(uint64_t v, char *buf, size_t size);
/* Escape bytes strace-style: "abc\n\0..." with quotes; trunc adds "...". */
size_t sc_escape(const void *data, size_t len, bool trunc, char *out,
		 size_t size);

enum sc_shown {
	SC_HIDDEN,	/* not shown (open's mode without O_CREAT) */
	SC_TEXT,	/* decoded text: flags, names, 0x... */
	SC_NUMBER,	/* a plain decimal number */
	SC_STRING,	/* a quoted string or buffer (out is escaped) */
};
/* Decode argument i of e into out. */
enum sc_shown sc_decode_arg(const struct sc_event *e, int i, char *out,
			    size_t size);
/* The argument's value as its C type says (int args sign-extended). */
int64_t sc_arg_value(const struct sc_event *e, int i);
/* "openat(dfd: CWD, filename: \"/etc/x\", flags: RDONLY)" */
size_t sc_format_call(const struct sc_event *e, char *out, size_t size);
/* "3", "-1 ENOENT (No such file or directory)", "0x7f12...", "?" */
size_t sc_format_ret(const struct sc_event *e, char *out, size_t size);
/* Is ret an error (-4095..-1) for this syscall? */
bool sc_is_error(const struct sc_event *e);
/* The syscall's display name ("openat", or "syscall_470"). */
const char *sc_event_name(const struct sc_event *e, char *buf, size_t size);

/* ---- the -s table (lib/syscall_summary.c) ---- */

struct sc_stat {
	uint64_t calls, errors;
	uint64_t timed;		/* calls with a duration */
	uint64_t total_ns, min_ns, max_ns;
};

struct sc_summary {
	struct sc_stat st[SC_MAX_NR];
	struct sc_stat other;	/* unknown or out-of-range numbers */
};

void sc_summary_add(struct sc_summary *s, int nr, bool error, bool timed,
		    uint64_t duration_ns);
/* Fold in a stat (per CPU, from BPF). */
void sc_summary_merge(struct sc_summary *s, int nr, const struct sc_stat *st);
void sc_summary_print(FILE *fp, const struct sc_summary *s,
		      const struct sc_table *t);
void sc_summary_json(FILE *fp, const struct sc_summary *s,
		     const struct sc_table *t);

/* ---- sources (lib/syscall_source.c and the mechanisms) ---- */

struct sc_filter {
	pid_t pid;		/* >0: this process (all threads) and the ones
				 * it creates; 0: every process but sonde */
	const unsigned char *select;	/* [SC_MAX_NR] 1 = traced; NULL all */
	bool events;		/* deliver events (false: --summary-only) */
	bool stats;		/* keep the summary */
	bool failed_only;	/* deliver only failing calls */
	uint64_t min_duration_ns;	/* deliver only slower calls */
};

typedef void (*sc_cb)(void *ctx, const struct sc_event *e);

struct sc_source;

struct sc_source_ops {
	int (*poll)(struct sc_source *s, int timeout_ms);
	/* Stop recording and deliver everything still buffered. */
	void (*finish)(struct sc_source *s);
	uint64_t (*lost)(struct sc_source *s);
	/* Events lost, exact or a bound (include/loss.h); NULL: lost is
	 * exact (BPF pairs entry and exit in the kernel). */
	struct loss (*loss)(struct sc_source *s);
	/* Add the in-kernel summary to sum (BPF); NULL: cmd keeps it. */
	void (*stats)(struct sc_source *s, struct sc_summary *sum);
	void (*close)(struct sc_source *s);
};

struct sc_source {
	const struct sc_source_ops *ops;
	enum mechanism mech;
	char what[320];		/* "BPF raw tracepoints raw_syscalls:..." */
	char strings[160];	/* how strings are read, or why they are not */
	bool has_strings;
	sc_cb cb;
	void *cb_ctx;
	struct sc_filter filter;
	const struct sc_table *table;
};

struct sc_source *sc_source_open(const struct sc_table *t,
				 const struct sc_filter *f, enum mechanism via,
				 sc_cb cb, void *ctx, char *err, size_t errsz,
				 int *status);
int sc_source_poll(struct sc_source *s, int timeout_ms);
void sc_source_finish(struct sc_source *s);
uint64_t sc_source_lost(struct sc_source *s);
struct loss sc_source_loss(struct sc_source *s);
/* True when the source keeps the summary itself (then sc_source_stats). */
bool sc_source_has_stats(struct sc_source *s);
void sc_source_stats(struct sc_source *s, struct sc_summary *sum);
void sc_source_close(struct sc_source *s);

struct sc_source *sc_bpf_open(const struct sc_table *t,
			      const struct sc_filter *f, bool raw_tp,
			      bool ringbuf, char *err, size_t errsz);
struct sc_source *sc_trace_open(const struct sc_table *t,
				const struct sc_filter *f, bool perf,
				char *err, size_t errsz);

#endif
