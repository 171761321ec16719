/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Lost tool events, where one tool event is made of several kernel
 * records (a system call's entry and exit, paired in sonde). The kernel
 * counts dropped records; a lost record costs at most one event, so that
 * count is a bound. Exact instead: the hits the kernel counted of the
 * record that defines one event (the exit), minus the events made from
 * them (printed or filtered out by the tool after pairing; an exit whose
 * entry was lost made none, so it counts as lost).
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

#endif
