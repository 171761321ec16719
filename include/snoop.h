/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The snoop tools: cmd/snoop_<name>.c, dispatched by cmd/snoop.c.
 *
 * How a tool is built (the choice, and why). exec came first with its own
 * BPF programs, tracefs reader and perf reader (lib/exec_*.c); copying that
 * for ten tools would give thirty mechanisms to keep right. Every other
 * tool is instead a small declaration run by the probe engine:
 *
 *  - a table of probes in the engine's syntax: tracepoints
 *    (syscalls:sys_enter_openat, sched:sched_process_exit, ...), uprobes
 *    (u:libc:getaddrinfo), or kernel functions where the tool needs them,
 *    each with the values to fetch ("%s %d", args->filename, args->flags)
 *    and an optional filter. lib/trace_session.c chooses BPF, tracefs or
 *    perf_event_open from the kernel facts (the same ladder as `trace`,
 *    explained by -v), builds the programs or tracefs events, and runs
 *    the filters in the kernel where the mechanism can (-p, -x, -s ...);
 *  - a per-event function that pairs events where one fact is split over
 *    several (syscall entry and exit by thread: snoop_stash_put/take) and
 *    prints bcc's columns, or one JSON object.
 *
 * So a tool is only its options, probe table, pairing and columns (about
 * 200 lines); a mechanism improvement in the engine serves all of them.
 * Dedicated BPF programs are for what the engine cannot express (reading
 * kernel structs the events do not carry), and then only on the BPF rung:
 * fsslower's system call programs (bpf/fsslower.bpf.c), for kernels where
 * no kernel function can be probed. Where a fact is in no event, the
 * tool says what it puts together instead (accept: the listening port
 * from /proc) or what it cannot show (open on tracefs without event
 * probes: no path).
 */
#ifndef SONDE_SNOOP_H
#define SONDE_SNOOP_H

#include <stdbool.h>
#include <stdint.h>

#include "options.h"
#include "sonde.h"
#include "trace_probe.h"

struct snoop_tool {
	const char *name;
	int (*fn)(int argc, char **argv);	/* argv[0] is the tool name */
	const char *summary;
};

int snoop_exec(int argc, char **argv);
int snoop_exit(int argc, char **argv);
int snoop_kill(int argc, char **argv);
int snoop_open(int argc, char **argv);
int snoop_bio(int argc, char **argv);
int snoop_fsslower(int argc, char **argv);
int snoop_connect(int argc, char **argv);
int snoop_accept(int argc, char **argv);
int snoop_retrans(int argc, char **argv);
int snoop_dns(int argc, char **argv);
int snoop_bash(int argc, char **argv);

/* ---- the framework (lib/snoop_run.c) ---- */

/* snoop_probe.flags */
#define SNOOP_OPTIONAL	(1u << 0)	/* absent on this kernel: go on without */
#define SNOOP_ANY_PID	(1u << 1)	/* runs in another task's context (an
					 * interrupt): -p does not apply */
#define SNOOP_DEFINES	(1u << 2)	/* each hit is one tool event (a
					 * paired syscall's exit): the loss
					 * is exact where its hits are known
					 * (include/loss.h), with every entry
					 * the tool declines given to
					 * snoop_stash_skip */

/* One probe: HEAD [(FILTER)] "FORMAT", VALUES. Value i (0-based) is the
 * i-th of VALUES; %s in FORMAT reads it as a string. */
struct snoop_probe {
	const char *head;	/* "t:syscalls:sys_enter_openat" */
	const char *format;	/* "%s %d" */
	const char *values;	/* "args->filename, args->flags" */
	const char *filter;	/* "args->ret < 0", or NULL */
	unsigned int flags;	/* SNOOP_* */
};

struct snoop;

/* Called for every event of probe idx (its index in the tool's table). */
typedef void (*snoop_event_fn)(struct snoop *s, int idx,
			       const struct tprobe_event *e);

struct snoop {
	/* the tool */
	const char *name;		/* "open": "Tracing open via ..." */
	const struct snoop_probe *probes;
	int nprobes;
	snoop_event_fn event;
	void (*header)(struct snoop *s);	/* column titles (text mode) */
	void (*started)(struct snoop *s);	/* attached, before any event */
	void (*tick)(struct snoop *s, bool last);	/* now and then; last: at the end */
	void *ctx;			/* the tool's */
	/* events need tprobe_event.uid: BPF fetches it; tracefs and perf
	 * events carry none, so it is read from /proc/TID/status when the
	 * event is read (a task gone by then: (uint32_t)-1, unknown) */
	bool want_uid;
	/* the common options, SNOOP_OPTIONS() */
	int pid;
	bool time_rel, time_wall;
	double duration;
	/* while running */
	uint64_t start_ns;
	struct tprobe *tp;
	int *tool_idx;			/* engine probe -> tool probe */
	int ntp;
	struct snoop_stash *stash;
	struct snoop_queue *queue;
	enum mechanism mech;
	uint64_t made;			/* pairs taken from the stash */
	bool paired;			/* the stash was used */
};

#define SNOOP_OPTIONS(s)						\
	{ OPT_INT, 'p', "pid", &(s)->pid, "PID", "only this process" },	\
	{ OPT_BOOL, 't', "timestamp", &(s)->time_rel, NULL,		\
	  "print seconds since tracing started" },			\
	{ OPT_BOOL, 'T', "time", &(s)->time_wall, NULL,			\
	  "print the wall-clock time (HH:MM:SS)" },			\
	{ OPT_DOUBLE, 'd', "duration", &(s)->duration, "SECONDS",	\
	  "stop after SECONDS" }

/* Check the common options, run until Ctrl-C/-d; returns the exit status. */
int snoop_run(struct snoop *s);

/* Value i of an event (see struct snoop_probe). snoop_str gives NULL when
 * the mechanism could not read the string (tracefs without event probes). */
int64_t snoop_int(const struct tprobe_event *e, int i);
const char *snoop_str(const struct tprobe_event *e, int i);

/* Syscall entry/exit pairing by thread: put keeps the entry's values (and
 * time, comm) until take finds them at the exit; an entry not taken is
 * replaced by the thread's next one. */
#define SNOOP_STASH_VALUES 6
struct snoop_saved {
	int idx;			/* the entry's probe */
	uint64_t ts;
	int pid, tid;
	uint32_t uid;			/* (uint32_t)-1 unknown */
	char comm[16];
	int64_t v[SNOOP_STASH_VALUES];
	char *str;			/* the first string value, or NULL */
	bool skipped;			/* snoop_stash_skip's */
};
void snoop_stash_put(struct snoop *s, int idx, const struct tprobe_event *e);
/* An entry the tool declines (its own filters): its exit pairs with it
 * and counts as made, not lost, but take gives false. */
void snoop_stash_skip(struct snoop *s, int idx, const struct tprobe_event *e);
bool snoop_stash_take(struct snoop *s, int tid, struct snoop_saved *out);
/* take, only when the thread's entry came from probe idx (an entry of
 * another probe is dropped: its exit was not seen) */
bool snoop_stash_take_from(struct snoop *s, int tid, int idx, struct snoop_saved *out);
/* take without removing */
const struct snoop_saved *snoop_stash_peek(struct snoop *s, int tid);
void snoop_saved_free(struct snoop_saved *sv);

/* The -t/-T column and its title; "TIME(s)"/"TIME" with width. */
void snoop_print_time(const struct snoop *s, uint64_t ts);
void snoop_print_time_header(const struct snoop *s);
/* The first column of tools that always have one (bcc's killsnoop,
 * biosnoop, ...): HH:MM:SS, or TIME(s) since tracing started, the other
 * way round with rel_default; -t and -T choose. Width w, then a space. */
void snoop_print_clock(const struct snoop *s, uint64_t ts, int w, bool rel_default);
void snoop_print_clock_header(const struct snoop *s, int w, bool rel_default);
/* {"time_ns":N,"pid":N,"tid":N,"comm":"..." — the tool adds its fields
 * and "}\n". */
void snoop_json_begin(uint64_t ts, int pid, int tid, const char *comm);

/* The connection fields of sock:inet_sock_set_state and
 * tcp:tcp_retransmit_skb, as probe values (see snoop_sock_of). */
#define SNOOP_SOCK_FORMAT	"%d %d %d %s %s %s %s"
#define SNOOP_SOCK_VALUES	"args->sport, args->dport, args->family, args->saddr, " \
				"args->daddr, args->saddr_v6, args->daddr_v6"

struct snoop_sock {
	int ip;				/* 4 or 6 */
	int sport, dport;
	char saddr[64], daddr[64];	/* "?" when unreadable */
};

/* Decode SNOOP_SOCK_VALUES starting at value first of e (the engine
 * gives array fields as hex text). */
void snoop_sock_of(const struct tprobe_event *e, int first, struct snoop_sock *out);
/* Events counted per connection (connect -c, retrans -c): the socket
 * fields a tool keeps (others zeroed) are the key. */
struct snoop_flow {
	struct snoop_sock k;
	uint64_t n;
};
struct snoop_flows {
	struct snoop_flow *f;
	size_t n, cap;
};
void snoop_flow_add(struct snoop_flows *fl, const struct snoop_sock *k);
/* Most counted first. */
void snoop_flows_sort(struct snoop_flows *fl);
void snoop_flows_free(struct snoop_flows *fl);
/* "1.2.3.4:80" or "[::1]:80" */
void snoop_addr_port(char *buf, size_t size, int ip, const char *addr, int port);

/* The TCP state's name ("ESTABLISHED"), or NULL. */
const char *snoop_tcp_state(int state);

/* Signal name without "SIG" ("KILL"), or NULL for an unknown number. */
const char *snoop_signal_name(int sig);
/* "9", "KILL", "SIGKILL" -> 9; -1 when not a signal. */
int snoop_signal_parse(const char *s);

#endif
