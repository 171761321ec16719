// SPDX-License-Identifier: GPL-2.0
#include <errno.h>

#include <unistd.h>

#include "bufsize.h"
#include "fault.h"
#include "sonde.h"
#include "unit.h"

TEST(fault_parse_sites)
{
	struct fault_plan p;

	CHECK(fault_parse("tracefs:3", &p));
	CHECK_INT(p.nth[FAULT_TRACEFS], 3);
	CHECK_INT(p.err[FAULT_TRACEFS], ENOMEM);
	CHECK_INT(p.nth[FAULT_BPF], 0);
	CHECK(!p.count);
	CHECK(fault_parse("bpf:1:13,perf:2,count", &p));
	CHECK_INT(p.nth[FAULT_BPF], 1);
	CHECK_INT(p.err[FAULT_BPF], EACCES);
	CHECK_INT(p.nth[FAULT_PERF], 2);
	CHECK_INT(p.err[FAULT_PERF], EMFILE);
	CHECK(p.count);
	CHECK(fault_parse("read:4", &p));
	CHECK_INT(p.nth[FAULT_READ], 4);
	CHECK_INT(p.err[FAULT_READ], EIO);
	CHECK(fault_parse("", &p));
}

TEST(fault_parse_malformed)
{
	struct fault_plan p;

	CHECK(!fault_parse("tracefs", &p));
	CHECK(!fault_parse("tracefs:0", &p));
	CHECK(!fault_parse("tracefs:x", &p));
	CHECK(!fault_parse("disk:1", &p));
	CHECK(!fault_parse("bpf:1:0", &p));
	CHECK(!fault_parse("bpf:1:99999", &p));
	CHECK(!fault_parse("perf:1:2:3", &p));
	CHECK(!fault_parse("perf:123456789012345678901234567890123", &p));
}

TEST(bufsize_parse_sizes)
{
	CHECK_INT(bufsize_parse("4096"), 4096);
	CHECK_INT(bufsize_parse("64K"), 65536);
	CHECK_INT(bufsize_parse("64k"), 65536);
	CHECK_INT(bufsize_parse("8M"), 8 << 20);
	CHECK_INT(bufsize_parse("1G"), 1 << 30);
	CHECK_INT(bufsize_parse("256KB"), 256 << 10);
	CHECK_INT(bufsize_parse("4095"), -1);
	CHECK_INT(bufsize_parse("2G"), -1);
	CHECK_INT(bufsize_parse("-4M"), -1);
	CHECK_INT(bufsize_parse("M"), -1);
	CHECK_INT(bufsize_parse("4MX"), -1);
	CHECK_INT(bufsize_parse(""), -1);
}

TEST(bufsize_defaults_and_override)
{
	size_t saved = g_opts.buffer_size;

	g_opts.buffer_size = 0;
	CHECK(bufsize_bytes(BUF_TRACEFS, false) >= 256 << 10);
	CHECK(bufsize_bytes(BUF_TRACEFS, false) <= 4 << 20);
	CHECK_INT(bufsize_bytes(BUF_TRACEFS, true), 2 * bufsize_bytes(BUF_TRACEFS, false));
	CHECK(bufsize_bytes(BUF_BPF_RING, false) >= 4 << 20);
	g_opts.buffer_size = 64 << 10;
	CHECK_INT(bufsize_bytes(BUF_TRACEFS, true), 64 << 10);
	CHECK_INT(bufsize_pages(BUF_PERF, false) * getpagesize(), 64 << 10);
	/* one ring for all CPUs: a power of two of at least CPUs x SIZE */
	CHECK(bufsize_bytes(BUF_BPF_RING, false) >= (64 << 10));
	CHECK_INT(bufsize_bytes(BUF_BPF_RING, false) & (bufsize_bytes(BUF_BPF_RING, false) - 1), 0);
	g_opts.buffer_size = saved;
}

TEST(bufsize_by_rate)
{
	size_t saved = g_opts.buffer_size, base, cpus = sysconf(_SC_NPROCESSORS_CONF);

	g_opts.buffer_size = 0;
	base = bufsize_bytes(BUF_TRACEFS, false);
	/* quiet or unknown: the CPU-count size, never less */
	CHECK_INT(bufsize_for_rate(BUF_TRACEFS, false, 0), base);
	CHECK_INT(bufsize_for_rate(BUF_TRACEFS, false, base / 2.0), base);
	/* busier than that for a second: a second of it, a power of two */
	CHECK_INT(bufsize_for_rate(BUF_PERF, false, 3.0 * base), 4 * base);
	CHECK_INT(bufsize_for_rate(BUF_TRACEFS, false, 8.0 * base), 8 * base);
	/* bounded per CPU and over all CPUs */
	CHECK(bufsize_for_rate(BUF_TRACEFS, false, 1e12) <= 64 << 20);
	CHECK(bufsize_for_rate(BUF_TRACEFS, false, 1e12) * cpus <= (1ull << 30) ||
	      bufsize_for_rate(BUF_TRACEFS, false, 1e12) == base);
	/* one ring for all CPUs: a second of all of them, up to 1 GiB */
	base = bufsize_bytes(BUF_BPF_RING, false);
	CHECK_INT(bufsize_for_rate(BUF_BPF_RING, false, base / 2.0), base);
	CHECK_INT(bufsize_for_rate(BUF_BPF_RING, false, 3.0 * base), 4 * base);
	CHECK_INT(bufsize_for_rate(BUF_BPF_RING, false, 1e12), 1 << 30);
	CHECK_INT(bufsize_for_rate(BUF_BPF_PERF, false, 1e9), bufsize_bytes(BUF_BPF_PERF, false));
	/* --buffer-size wins */
	g_opts.buffer_size = 64 << 10;
	CHECK_INT(bufsize_for_rate(BUF_TRACEFS, false, 1e9), 64 << 10);
	g_opts.buffer_size = saved;
}
