/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Following processes for the symbolizer while stacks are collected, so
 * that a process that starts, maps a library or exits during a profile
 * is still named at the end: perf side-band records — MMAP2 (executable
 * mappings with device, inode and path), COMM with the exec flag, FORK,
 * EXIT — fed to include/symbolize.h. A sampling profiler asks for them on
 * its own events (proctrack_attr); collectors that sample through BPF
 * open a dummy software event per CPU that carries nothing else
 * (proctrack_open). Processes running before the start are read from
 * /proc by sym_proc_capture().
 */
#ifndef SONDE_PROCTRACK_H
#define SONDE_PROCTRACK_H

#include <stdbool.h>
#include <stddef.h>

#include "perf_ring.h"

struct perf_event_attr;

/* Ask for the side-band records on attr (mmap2 and comm_exec: 3.16+,
 * perf_event_open_compat() drops them on older kernels). */
void proctrack_attr(struct perf_event_attr *attr);
/* None of them (an event whose ring is not read). */
void proctrack_attr_none(struct perf_event_attr *attr);

/* Feed one record of such a ring; true when it was side-band. */
bool proctrack_record(const void *rec, size_t size);

/* A FORK record of a new thread of process pid: its tid, else 0. */
int proctrack_new_thread(const void *rec, size_t size, int pid);

/* The name of thread tid of process pid, for samples that carry none:
 * from COMM records, inherited at FORK, else read from /proc; "[pid]"
 * when the thread is gone unseen. */
const char *proctrack_comm(int pid, int tid);

/* Dummy events with only the side-band records, one per CPU, enabled.
 * 0 or -errno with err. */
int proctrack_open(struct perf_rings *r, char *err, size_t errsz);
/* Feed everything buffered to the symbolizer. */
void proctrack_drain(struct perf_rings *r);

#endif
