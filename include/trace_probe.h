/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A probe specification resolved against this system: what to attach to
 * (kernel functions, a tracepoint, a file offset in a binary), and the
 * values the kernel must fetch per event ("slots") so that the filter and
 * the format can be evaluated in user space. Shared by trace, hist and
 * stack; the backends turn it into tracefs dynamic events or BPF.
 */
#ifndef SONDE_TRACE_PROBE_H
#define SONDE_TRACE_PROBE_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include "expr_eval.h"
#include "plan.h"
#include "probe_spec.h"

#define TPROBE_MAX_SLOTS	16
#define TPROBE_MAX_SITES	64	/* USDT sites */

enum tprobe_kind {
	TPK_KPROBE, TPK_KRETPROBE, TPK_TRACEPOINT, TPK_UPROBE, TPK_URETPROBE,
	TPK_USDT,
};

/* A value the kernel fetches per event. */
struct tslot {
	const struct expr *e;	/* the subtree it stands for (in spec) */
	const char *label;	/* perf-style NAME=, or NULL */
	bool string;		/* read as a NUL-terminated string */
	bool filter_only;	/* read for the filter, not shown */
	/* tracefs: a fetch argument of the dynamic event, or (plain
	 * tracepoints) the record field read directly */
	char fetch[768];
	bool from_field;
	char field[64];
	/* the field's layout from the format file (BPF reads the record) */
	int field_offset, field_size;
	bool field_signed, field_pointer, field_dataloc, field_array;
	bool field_bytes;	/* a non-char array: its bytes in hex */
	/* memory behind a pointer field, +u0(args->how): fetch has the
	 * event probe's form, BPF reads it; the record has only the address */
	bool field_deref;
	/* the mechanism cannot fetch it (a deref without event probes):
	 * filters and formats see no value, shown as "?" */
	bool unknown;
};

struct tprobe {
	char *text;			/* as the user typed it */
	struct probe_spec spec;
	enum tprobe_kind kind;
	enum probe_kind pkind;		/* for the mechanism planner */
	char label[160];		/* FUNC column */
	/* where */
	char **funcs;			/* kernel functions (real symbols) */
	size_t nfuncs;
	char tp_sys[64], tp_name[128];	/* tracepoint */
	char binary[PATH_MAX];		/* uprobe/USDT file */
	uint64_t uoffsets[TPROBE_MAX_SITES]; /* uprobe: 1; USDT: each site */
	uint64_t ref_ctr;		/* USDT semaphore file offset */
	int nsites;
	struct usdt_note *usdt;		/* the first site's note */
	struct usdt_note *usdt_notes;	/* all notes of binary (owned) */
	size_t nusdt_notes;
	/* what */
	struct tslot slots[TPROBE_MAX_SLOTS];
	int nslots;
	bool needs_eprobe;		/* tracepoint: memory behind a pointer field */
	bool entry_args;		/* set before resolving: the mechanism
					 * (BPF) saves a return probe's
					 * arguments at entry */
	struct expr *implicit[TPROBE_MAX_SLOTS]; /* owned: fields shown by default */
	int nimplicit;
};

/*
 * Parse one spec and resolve user binaries and tracepoints. No kernel
 * state is changed. Returns 0, or the exit status (2 usage, 1 runtime)
 * with one line in err. Then, once a mechanism is chosen, tprobe_resolve()
 * finds kernel functions and compiles the values to fetch (so that a
 * kernel without any way to probe functions is told so first).
 */
int tprobe_init(struct tprobe *p, const char *text, const char *default_binary,
		char *err, size_t errsz);
int tprobe_resolve(struct tprobe *p, char *err, size_t errsz);
void tprobe_free(struct tprobe *p);

/* Values for filter/format of one event; slot i's value in vals[i]. */
struct tprobe_event {
	const struct tprobe *probe;
	struct value vals[TPROBE_MAX_SLOTS];
	int pid, tid, cpu;
	uint32_t uid;			/* (uint32_t)-1 unknown */
	uint64_t ts;			/* CLOCK_MONOTONIC ns */
	const char *comm;
	const char *func;		/* the function hit (wildcards) */
	const uint64_t *kstack, *ustack; /* -K/-U frames, innermost first */
	int nkstack, nustack;
	/* the kernel applied the probe's whole filter: not checked again
	 * (a task gone before its event is read has no comm to check) */
	bool filtered;
};

/* Evaluate an expression of the event's probe over its values and the
 * builtins (comm, pid, ...). 0 or -errno. */
int tprobe_eval(const struct tprobe_event *ev, const struct expr *e,
		struct value *out);
/* Does the event pass the probe's filter? */
bool tprobe_filter(const struct tprobe_event *ev);
/* The message column: the format applied, or NAME=VALUE pairs. */
void tprobe_message(const struct tprobe_event *ev, char *buf, size_t size);

/* Classify tracepoint slot s of p by its field's declaration in the
 * format file ("struct open_how * how"; s->field_offset/size/signed set
 * from it): record field, string, bytes, or a fetch through the pointer
 * (+u0(args->how)). 0, or EXIT_USAGE with one line in err. */
int tprobe_field_slot(struct tprobe *p, struct tslot *s, const char *decl,
		      char *err, size_t errsz);

/* Find the slot of an expression node, or -1. */
int tprobe_slot_of(const struct tprobe *p, const struct expr *e);

/* ---- tracefs forms (lib/trace_tracefs.c) ---- */

/* How many tracefs events probe p is: one per kernel function of its
 * glob, per uprobe or USDT site; a tracepoint is one. */
int tprobe_tracefs_nevents(const struct tprobe *p);
/* The dynamic event definition of event i of p as group/name, its slots
 * as fetch arguments f0.. (and comm=$comm with with_comm); a tracepoint
 * becomes an event probe. 0, or -ENOSPC. */
int tprobe_tracefs_def(const struct tprobe *p, int i, const char *group,
		       const char *name, bool with_comm, char *def, size_t size);
/* Filter expression e of p as a tracefs filter over its event's fields
 * (plain: a tracepoint read as it is, else fetch arguments f0..); false
 * when some part of it has no tracefs form. */
bool tprobe_tracefs_filter(const struct tprobe *p, const struct expr *e,
			   bool plain, char *buf, size_t size);

#endif
