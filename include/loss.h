/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Lost tool events, where one tool event is made of several kernel
 * records (a system call's entry and exit, paired in sonde). The kernel
 * counts dropped records; a lost record costs at most one event, so that
 * count is a bound. Exact instead: the hits the kernel counted of the
 * record that defines one event (the exit), minus the events made from
 * them (printed or filtered out by the tool after pairing; an exit whose
 * entry was lost made none, so it counts as lost).
 *
 * Why hits - made is exact: every call that ends while tracing fires its
 * exit once, so the exit's hits are the calls; each call becomes one
 * event (made, or declined by the tool's filters: made too) exactly when
 * both its records arrived. An entry dropped leaves its exit unmatched,
 * an exit dropped leaves its entry unmatched (replaced by the thread's
 * next entry, or left over when the thread ended): either way the call
 * is in hits and not in made, and no call is counted twice. The one
 * error: a call already under way at the start (exit, no entry), which
 * is the bound's fallback below. Filters must be the same on the hits'
 * counter and the records (sonde applies an entry-only filter, such as
 * snoop kill -s, in user space for that reason).
 *
 * BPF programs whose records sonde pairs in user space (the snoop
 * tools): the exit's hits are the exits delivered plus the exits whose
 * output failed, which each program counts in its own slot of the
 * counter map (bpfprobe_session__hits). So lost = entries dropped whose
 * exit came + exits dropped, without knowing which record was which.
 * On the ring buffer that is all; the perf buffer's lost records
 * (PERF_RECORD_LOST) do not say whose they were, so there the count
 * stays a bound.
 */
#ifndef SONDE_LOSS_H
#define SONDE_LOSS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct loss {
	uint64_t lost;
	bool exact;
};

/* records_lost: dropped records (0: nothing lost, exactly). With the
 * defining hits known: hits - made, when the records lost can explain it
 * (more means calls already under way at the start, whose exits have no
 * entry: then the record bound). */
struct loss loss_of(uint64_t records_lost, bool hits_known, uint64_t hits,
		    uint64_t made);
/* Each record is one event: the record count is exact. */
struct loss loss_records(uint64_t records_lost);

/* "\"lost\":N,\"lost_exact\":B" (no braces), for a JSON summary */
void loss_json(FILE *f, struct loss l);
/* On stderr when not 0: "N events lost" or "at most N events lost". */
void loss_warn(struct loss l);
/* The end of a streaming command: with --json the summary line
 * {"type":"summary","lost":N,"lost_exact":B} on stdout, else loss_warn(). */
void loss_report(struct loss l);

#endif
