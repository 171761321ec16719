/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Fault injection, for the tests of every exit path (harmless otherwise:
 * without SONDE_FAULT in the environment nothing fails and nothing is
 * counted).
 *
 *   SONDE_FAULT=SITE:N[:ERRNO][,SITE:N...]   the Nth operation of SITE fails
 *   SONDE_FAULT=count                        print how many each site saw
 *
 * Sites: tracefs (every write that creates or changes something: probe
 * definitions, enable, filters, triggers, settings, the instance mkdir;
 * never a removal), bpf (bpf(2) commands that create or attach: map,
 * program and BTF loads, link create, raw tracepoint open, prog attach;
 * libbpf's own probes included), perf (perf_event_open), read (the read
 * path while tracing: reads of trace_pipe_raw and hist files, the waits
 * for events of the tracefs and perf transports and of libbpf's ring and
 * perf buffers (epoll_wait, wrapped like syscall()), BPF map reads). The
 * default errno is ENOMEM for tracefs and bpf, EMFILE for perf, EIO for
 * read. A fault that fires says so on stderr ("sonde: fault injected:
 * read #3 (EIO)"), so a test knows it happened. Teardown is never failed
 * on purpose: tfs_teardown() disarms the injector first.
 */
#ifndef SONDE_FAULT_H
#define SONDE_FAULT_H

#include <stdbool.h>

enum fault_site {
	FAULT_TRACEFS,
	FAULT_BPF,
	FAULT_PERF,
	FAULT_READ,
	FAULT__COUNT,
};

/* 0, or the -errno the operation must fail with. */
int fault_inject(enum fault_site site);

/* A read-path call's result, or -1 with errno set when the read site's
 * fault fires: fault_read(read(fd, buf, n)). */
long fault_read(long ret);

/* The errno of the first BPF map read that failed (other than ENOENT,
 * a missing key) during the run, injected or not, else 0: counts and
 * aggregations read from maps are then incomplete, and the command must
 * not end as if they were (main.c turns it into an error). */
int fault_map_read_error(void);

/* From now on nothing fails or counts (undoing must not be disturbed). */
void fault_disarm(void);

/* Internal, for unit tests: parse a SONDE_FAULT value (false: malformed). */
struct fault_plan {
	bool count;			/* print the counts at exit */
	long nth[FAULT__COUNT];		/* 0: never */
	int err[FAULT__COUNT];
};
bool fault_parse(const char *text, struct fault_plan *out);

#endif
