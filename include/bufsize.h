/* SPDX-License-Identifier: GPL-2.0 */
/*
 * How big the event buffers are, in one place. --buffer-size SIZE (a
 * global option) gives the bytes per CPU for every mechanism; without it
 * each kind is sized by the CPU count, and busy sources (every syscall)
 * get twice as much:
 *   tracefs instance, perf rings  256 MiB / CPUs per CPU, 256 KiB..4 MiB
 *   BPF ring buffer (all CPUs)    2 MiB x CPUs, 4..256 MiB, a power of two
 *   BPF perf buffer               512 KiB per CPU (perf_buffer__new has no
 *                                 fallback when locked memory is short)
 * Loss is counted, never guessed (see evstream_lost and the backends).
 *
 * By rate, at the start: a tracefs or perf stream first runs its events
 * for a moment with nobody reading and measures what the busiest CPU
 * wrote (records and bytes); a source busier than the CPU-count size can
 * hold for a second gets more (bufsize_for_rate). The BPF ring buffer
 * exists before its program, so trace's BPF programs are run once on a
 * small ring to measure, then loaded again on one sized by the rate
 * (lib/trace_bpf.c); the BPF tools (snoop exec, fsslower, trace
 * --syscalls) and perf buffers stay by CPU count and source.
 * Not by rate while tracing: perf rings and BPF ring buffers cannot
 * change size while mapped, and growing a tracefs instance's
 * buffer_size_kb online drops records the kernel counts nowhere (tried
 * on 6.18: 1 500-1 900 of 1 000 000 uprobe hits vanished across one
 * doubling, with --buffer-size none did) - silent loss, so not done.
 */
#ifndef SONDE_BUFSIZE_H
#define SONDE_BUFSIZE_H

#include <stdbool.h>
#include <stddef.h>

enum buf_kind {
	BUF_TRACEFS,		/* per CPU */
	BUF_PERF,		/* per CPU, perf_event_open rings */
	BUF_BPF_RING,		/* one for all CPUs */
	BUF_BPF_PERF,		/* per CPU, libbpf perf buffers */
};

/* Bytes (per CPU, or in all for BUF_BPF_RING). */
size_t bufsize_bytes(enum buf_kind kind, bool busy);
/* Bytes for a source measured writing bytes_per_s: on its busiest CPU
 * for per-CPU buffers (BUF_TRACEFS, BUF_PERF), on all for BUF_BPF_RING;
 * BUF_BPF_PERF is never measured. --buffer-size wins. */
size_t bufsize_for_rate(enum buf_kind kind, bool busy, double bytes_per_s);
/* Sleep the measuring window (100 ms); returns its real length in ms (a
 * loaded machine oversleeps). */
double bufsize_rate_window(void);
/* The same in pages, rounded up to a power of two (perf mmaps). */
size_t bufsize_pages(enum buf_kind kind, bool busy);

/* "64K", "4M", "1G", "8192" -> bytes; -1 when malformed or out of range
 * (4 KiB .. 1 GiB). */
long long bufsize_parse(const char *text);

#endif
