// SPDX-License-Identifier: GPL-2.0
/* Event buffer sizes (include/bufsize.h). */
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "bufsize.h"
#include "sonde.h"

#define KiB	1024ull
#define MiB	(1024 * KiB)

static size_t ncpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_CONF);

	return n > 0 ? n : 1;
}

static size_t clamp(size_t v, size_t lo, size_t hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

static size_t pow2_up(size_t v)
{
	size_t p = 4096;

	while (p < v && p < (1ull << 30))
		p <<= 1;
	return p;
}

size_t bufsize_bytes(enum buf_kind kind, bool busy)
{
	size_t cpus = ncpus(), per_cpu = g_opts.buffer_size, f = busy ? 2 : 1;

	if (per_cpu)
		return kind == BUF_BPF_RING ? pow2_up(per_cpu * cpus) : per_cpu;
	switch (kind) {
	case BUF_TRACEFS:
	case BUF_PERF:
		return clamp(256 * MiB / cpus, 256 * KiB, 4 * MiB) * f;
	case BUF_BPF_RING:
		return pow2_up(clamp(2 * MiB * cpus, 4 * MiB, 256 * MiB) * f);
	case BUF_BPF_PERF:
		return 512 * KiB * f;
	}
	return 4 * MiB;
}

/*
 * Room for RATE_ROOM_MS of the measured output (a reader stalled that
 * long by a slow terminal or a busy CPU still loses nothing): of the
 * busiest CPU for per-CPU buffers, of all CPUs for the BPF ring buffer.
 * Never below the CPU-count size; at most RATE_MAX_PER_CPU per CPU and
 * RATE_MAX_ALL in all. A power of two.
 */
#define RATE_ROOM_MS		1000
#define RATE_MAX_PER_CPU	(64 * MiB)
#define RATE_MAX_ALL		(1024 * MiB)

size_t bufsize_for_rate(enum buf_kind kind, bool busy, double bytes_per_s)
{
	size_t base = bufsize_bytes(kind, busy), cap = RATE_MAX_PER_CPU;
	double want = bytes_per_s * RATE_ROOM_MS / 1000;
	size_t size = 4 * KiB;

	if (g_opts.buffer_size || kind == BUF_BPF_PERF || !(want > base))
		return base;
	if (kind == BUF_BPF_RING)
		cap = RATE_MAX_ALL;
	else if (cap > RATE_MAX_ALL / ncpus())
		cap = RATE_MAX_ALL / ncpus();
	while (size < want && size < cap)
		size <<= 1;
	return size < base ? base : size;
}

#define RATE_WINDOW_MS		100

double bufsize_rate_window(void)
{
	struct timespec ts = { 0, RATE_WINDOW_MS * 1000000L }, t0, t1;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	nanosleep(&ts, NULL);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6;
}

size_t bufsize_pages(enum buf_kind kind, bool busy)
{
	size_t pg = getpagesize(), pages = 1;

	while (pages * pg < bufsize_bytes(kind, busy))
		pages *= 2;
	return pages;
}

long long bufsize_parse(const char *text)
{
	char *end;
	unsigned long long v = strtoull(text, &end, 10);

	if (end == text || *text == '-')
		return -1;
	switch (*end) {
	case 'k': case 'K': v *= KiB; end++; break;
	case 'm': case 'M': v *= MiB; end++; break;
	case 'g': case 'G': v *= 1024 * MiB; end++; break;
	}
	if (*end == 'B' || *end == 'b')
		end++;
	if (*end || v < 4 * KiB || v > 1024 * MiB)
		return -1;
	return v;
}
