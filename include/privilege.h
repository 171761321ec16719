/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Who sonde runs as and what that allows, checked before a command
 * touches the kernel: when no mechanism can work, one line names the
 * missing privilege instead of a list of EPERM/EACCES from every rung.
 * Capabilities come from capget(2) (effective set), the sysctls from
 * /proc/sys/kernel, tracefs access from faccessat(AT_EACCESS).
 */
#ifndef SONDE_PRIVILEGE_H
#define SONDE_PRIVILEGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Capability numbers (linux/capability.h; CAP_BPF/PERFMON since 5.8). */
#define PRIV_CAP_DAC_OVERRIDE	1
#define PRIV_CAP_DAC_READ_SEARCH 2
#define PRIV_CAP_SYS_ADMIN	21
#define PRIV_CAP_PERFMON	38
#define PRIV_CAP_BPF		39

struct privileges {
	unsigned int uid, euid;
	uint64_t eff;			/* effective capabilities */
	int perf_event_paranoid;	/* -99: unknown */
	int unprivileged_bpf_disabled;	/* -99: unknown */
	char tracefs[128];		/* where tracefs is (or would be) */
	bool tracefs_read;		/* can list events and read ids */
	bool tracefs_write;		/* can make instances and probes */
};

/* What a command needs at least one rung of. */
enum priv_need {
	PRIV_TRACING,		/* trace, hist, stack, snoop: probes of any kind */
	PRIV_SAMPLING,		/* profile: timed samples of every CPU */
	PRIV_DYNAMIC_EVENTS,	/* probe --add/--del/--clean: tracefs only */
};

/* Read once and cached. */
const struct privileges *privileges_get(void);

bool priv_cap(const struct privileges *p, int cap);

/* BPF tracing programs (kprobe, tracepoint, perf_event) may be loaded:
 * CAP_SYS_ADMIN, or CAP_BPF with CAP_PERFMON. */
bool priv_bpf_tracing(const struct privileges *p);

/* "uid 1000 with no capabilities", "uid 65534 with CAP_BPF, CAP_PERFMON",
 * "root (uid 0)". */
const char *priv_who(const struct privileges *p, char *buf, size_t size);

/* The comma-separated names of the interesting effective capabilities, or
 * "none". */
const char *priv_caps_list(const struct privileges *p, char *buf, size_t size);

/* Why p cannot do need (one line, without the command's name), or NULL
 * when some rung may work. Pure: no I/O. */
const char *priv_refusal(const struct privileges *p, enum priv_need need,
			 char *buf, size_t size);

/*
 * When the process lacks what every rung of need requires: print one
 * line naming the privilege and what to do, and return EXIT_FAIL. Else 0.
 */
int privilege_gate(enum priv_need need);

/*
 * Check need when the command first turns to the kernel: features_get()
 * and features_tracefs_path() call privilege_enforce(), which runs the
 * armed check once and, when it refuses, exits 1 (nothing is made in the
 * kernel before those calls).
 */
void privilege_arm(enum priv_need need);
void privilege_enforce(void);

/*
 * tracefs cannot be read (tracepoint ids and formats live there): write
 * why and what to do into buf and return true; false when it can be read.
 */
bool privilege_tracefs_denied(char *buf, size_t size);

/* What the process's privileges allow, for `sonde features`. */
struct priv_allow {
	const char *id;		/* "bpf_tracing" (JSON) */
	const char *what;	/* "BPF tracing programs" */
	bool ok;
	const char *needs;	/* "CAP_BPF and CAP_PERFMON, or CAP_SYS_ADMIN" */
};
#define PRIV_ALLOWS 4
void priv_allows(const struct privileges *p, struct priv_allow out[PRIV_ALLOWS]);

/*
 * perf_event_open failed with err: when privileges explain it (EACCES or
 * EPERM without CAP_SYS_ADMIN), write why, naming kernel.perf_event_paranoid,
 * into buf and return true.
 */
bool privilege_perf_denied(int err, char *buf, size_t size);

/* A kprobe/uprobe PMU event was refused with err: "" when privileges do
 * not explain it, else a tail naming CAP_SYS_ADMIN and who we are. */
const char *privilege_pmu_hint(int err, char *buf, size_t size);

/* -h, --help or --list-opts among the arguments: no privilege needed. */
bool privilege_args_only_help(int argc, char **argv);

#endif
