// SPDX-License-Identifier: GPL-2.0
/* The pure parts of lib/evstream.c and lib/tfs.c: no kernel needed. */
#include <errno.h>
#include <linux/perf_event.h>
#include <stdint.h>
#include <stdlib.h>

#include <event-parse.h>

#include "evstream.h"
#include "tfs.h"
#include "unit.h"

struct seen {
	uint64_t ts[16];
	int cpu[16];
	int n;
};

static void note(void *ctx, struct ev_item *it)
{
	struct seen *s = ctx;

	s->ts[s->n] = it->ts;
	s->cpu[s->n++] = it->cpu;
}

TEST(evstream_merge_orders_and_holds_back)
{
	struct ev_merge m = { 0 };
	struct seen s = { 0 };
	char d = 'x';

	/* CPU 0 and CPU 1 interleaved; equal timestamps keep arrival. */
	ev_merge_push(&m, 50, 0, &d, 1);
	ev_merge_push(&m, 10, 1, &d, 1);
	ev_merge_push(&m, 30, 0, &d, 1);
	ev_merge_push(&m, 30, 1, &d, 1);
	CHECK_INT(ev_merge_oldest(&m), 10);
	CHECK_INT(ev_merge_take(&m, 30, note, &s), 3);
	CHECK_INT(s.ts[0], 10);
	CHECK_INT(s.ts[1], 30);
	CHECK_INT(s.cpu[1], 0);
	CHECK_INT(s.cpu[2], 1);
	CHECK_INT(m.n, 1);
	CHECK_INT(ev_merge_oldest(&m), 50);
	/* A late event of another CPU still goes before the held one. */
	ev_merge_push(&m, 40, 1, &d, 1);
	CHECK_INT(ev_merge_take(&m, UINT64_MAX, note, &s), 2);
	CHECK_INT(s.ts[3], 40);
	CHECK_INT(s.ts[4], 50);
	CHECK(ev_merge_oldest(&m) == UINT64_MAX);
	ev_merge_clear(&m);
}

TEST(evstream_cpu_list)
{
	int cpus[16];

	CHECK_INT(ev_parse_cpu_list("0-3,8,10-11\n", cpus, 16), 7);
	CHECK_INT(cpus[3], 3);
	CHECK_INT(cpus[4], 8);
	CHECK_INT(cpus[6], 11);
	CHECK_INT(ev_parse_cpu_list("0", cpus, 16), 1);
	CHECK_INT(ev_parse_cpu_list("x", cpus, 16), -EINVAL);
	CHECK_INT(ev_parse_cpu_list("3-1", cpus, 16), -EINVAL);
	CHECK_INT(ev_parse_cpu_list("0-31", cpus, 16), -EINVAL);
}

TEST(evstream_stats_lost)
{
	const char *stats =
		"entries: 12\n"
		"overrun: 5\n"
		"commit overrun: 2\n"
		"bytes: 4000\n"
		"oldest event ts:     0.000000\n"
		"now ts:   427.657129\n"
		"dropped events: 1\n"
		"read events: 9\n";

	CHECK_INT(ev_parse_stats_lost(stats), 8);
	CHECK_INT(ev_parse_stats_lost(""), 0);
	CHECK_INT(ev_parse_stats_field(stats, "entries"), 12);
	CHECK_INT(ev_parse_stats_field(stats, "bytes"), 4000);
	CHECK_INT(ev_parse_stats_field(stats, "overrun"), 5);
	CHECK_INT(ev_parse_stats_field(stats, "read events"), 9);
	CHECK_INT(ev_parse_stats_field(stats, "entries:"), 0);
	CHECK_INT(ev_parse_stats_field(stats, "missing"), 0);
}

TEST(evstream_perf_sample)
{
	uint64_t buf[8] = { 0 };
	struct perf_event_header *h = (void *)buf;
	unsigned char *p = (unsigned char *)(h + 1);
	uint32_t pidtid[2] = { 100, 101 }, cpu[2] = { 1, 0 }, rsize = 4;
	uint64_t id = 7, time = 123456789;
	struct ev_sample s;

	h->type = PERF_RECORD_SAMPLE;
	h->size = 8 + 36 + 4;
	memcpy(p, &id, 8);
	memcpy(p + 8, pidtid, 8);
	memcpy(p + 16, &time, 8);
	memcpy(p + 24, cpu, 8);
	memcpy(p + 32, &rsize, 4);
	memcpy(p + 36, "abc", 4);
	CHECK_INT(ev_perf_parse_sample(buf, h->size, false, &s), 0);
	CHECK_INT(s.id, 7);
	CHECK_INT(s.pid, 100);
	CHECK_INT(s.tid, 101);
	CHECK_INT(s.time, 123456789);
	CHECK_INT(s.cpu, 1);
	CHECK_INT(s.raw_size, 4);
	CHECK_STR(s.raw, "abc");
	/* a raw size running past the record is refused */
	CHECK_INT(ev_perf_parse_sample(buf, h->size - 1, false, &s), -EINVAL);
	h->type = PERF_RECORD_LOST;
	CHECK_INT(ev_perf_parse_sample(buf, sizeof(buf), false, &s), -EINVAL);
}

/* PERF_SAMPLE_CALLCHAIN sits between CPU and RAW; its context markers
 * split it into kernel and user frames. */
TEST(evstream_perf_callchain)
{
	uint64_t buf[16] = { 0 }, k[4], u[4];
	struct perf_event_header *h = (void *)buf;
	unsigned char *p = (unsigned char *)(h + 1);
	uint64_t chain[] = { 5, (uint64_t)PERF_CONTEXT_KERNEL, 0xffffffff81000010ull,
			     0xffffffff81000020ull, (uint64_t)PERF_CONTEXT_USER, 0x401000 };
	uint32_t rsize = 4;
	struct ev_sample s;
	int nk, nu;

	h->type = PERF_RECORD_SAMPLE;
	h->size = 8 + 32 + sizeof(chain) + 4 + 4;
	memcpy(p + 32, chain, sizeof(chain));
	memcpy(p + 32 + sizeof(chain), &rsize, 4);
	memcpy(p + 36 + sizeof(chain), "xyz", 4);
	CHECK_INT(ev_perf_parse_sample(buf, h->size, true, &s), 0);
	CHECK_INT(s.nchain, 5);
	CHECK_STR(s.raw, "xyz");
	ev_split_callchain(s.chain, s.nchain, k, &nk, u, &nu, 4);
	CHECK_INT(nk, 2);
	CHECK_INT(nu, 1);
	CHECK(k[0] == 0xffffffff81000010ull && k[1] == 0xffffffff81000020ull);
	CHECK(u[0] == 0x401000);
	/* max bounds each side */
	ev_split_callchain(s.chain, s.nchain, k, &nk, u, &nu, 1);
	CHECK_INT(nk, 1);
	/* a chain longer than the record is refused */
	chain[0] = 1000;
	memcpy(p + 32, chain, 8);
	CHECK_INT(ev_perf_parse_sample(buf, h->size, true, &s), -EINVAL);
}

/* ftrace kernel_stack: "size" counts the frames, which may run past the 8
 * the format shows; user_stack: 8 slots, unused ones 0. */
TEST(evstream_stack_frames)
{
	unsigned char rec[16 + 10 * 8] = { 0 };
	uint64_t out[16], ip;
	int32_t count = 10;

	memcpy(rec + 8, &count, 4);
	for (int i = 0; i < 10; i++) {
		ip = 0xffffffff81000000ull + i;
		memcpy(rec + 16 + 8 * i, &ip, 8);
	}
	CHECK_INT(ev_stack_frames(rec, sizeof(rec), 8, 16, 64, out, 16), 10);
	CHECK(out[9] == 0xffffffff81000009ull);
	CHECK_INT(ev_stack_frames(rec, sizeof(rec), 8, 16, 64, out, 3), 3);
	/* a count past the record stops at its end */
	CHECK_INT(ev_stack_frames(rec, 16 + 4 * 8, 8, 16, 64, out, 16), 4);
	/* user_stack: up to the first 0, at most the array */
	memset(rec + 16 + 2 * 8, 0, 8);
	CHECK_INT(ev_stack_frames(rec, sizeof(rec), -1, 16, 64, out, 16), 2);
	ip = 1;
	memcpy(rec + 16 + 2 * 8, &ip, 8);
	CHECK_INT(ev_stack_frames(rec, sizeof(rec), -1, 16, 64, out, 16), 8);
}

/* Format files as the kernel prints them (6.18). */
static const char fmt_exec[] =
	"name: sched_process_exec\n"
	"ID: 365\n"
	"format:\n"
	"\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n"
	"\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;\n"
	"\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;\n"
	"\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n"
	"\n"
	"\tfield:__data_loc char[] filename;\toffset:8;\tsize:4;\tsigned:0;\n"
	"\tfield:pid_t pid;\toffset:12;\tsize:4;\tsigned:1;\n"
	"\tfield:pid_t old_pid;\toffset:16;\tsize:4;\tsigned:1;\n"
	"\n"
	"print fmt: \"filename=%s pid=%d old_pid=%d\", __get_str(filename), "
	"REC->pid, REC->old_pid\n";

static const char fmt_comm[] =
	"name: sched_process_free\n"
	"ID: 366\n"
	"format:\n"
	"\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n"
	"\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;\n"
	"\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;\n"
	"\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n"
	"\n"
	"\tfield:char comm[16];\toffset:8;\tsize:16;\tsigned:0;\n"
	"\tfield:pid_t pid;\toffset:24;\tsize:4;\tsigned:1;\n"
	"\tfield:int prio;\toffset:28;\tsize:4;\tsigned:1;\n"
	"\n"
	"print fmt: \"comm=%s pid=%d prio=%d\", REC->comm, REC->pid, REC->prio\n";

static struct tep_event *parse(struct tep_handle *tep, const char *fmt,
			       const char *sys)
{
	struct tep_event *ev = NULL;

	if (tep_parse_format(tep, &ev, fmt, strlen(fmt), sys))
		return NULL;
	return ev;
}

TEST(evstream_fields)
{
	struct tep_handle *tep = tep_alloc();
	struct tep_event *exec, *fr;
	unsigned char data[64] = { 0 };
	struct tep_record rec = { .data = data, .size = sizeof(data) };
	uint16_t type = 365;
	int32_t pid = 4242, neg = -2;
	uint32_t loc = (10u << 16) | 20;	/* 10 bytes at offset 20 */
	char buf[32];
	uint64_t v;

	tep_set_long_size(tep, 8);
	exec = parse(tep, fmt_exec, "sched");
	fr = parse(tep, fmt_comm, "sched");
	CHECK(exec && fr);
	if (!exec || !fr)
		goto out;
	memcpy(data, &type, 2);
	memcpy(data + 4, &pid, 4);
	memcpy(data + 8, &loc, 4);
	memcpy(data + 12, &pid, 4);
	memcpy(data + 16, &neg, 4);
	memcpy(data + 20, "/bin/true", 10);
	CHECK(tep_find_event_by_record(tep, &rec) == exec);
	CHECK_INT(ev_record_pid(exec, &rec), 4242);
	CHECK(ev_field_str(exec, &rec, "filename", buf, sizeof(buf)));
	CHECK_STR(buf, "/bin/true");
	CHECK(ev_field_str(exec, &rec, "filename", buf, 5));
	CHECK_STR(buf, "/bin");
	CHECK(ev_field_u64(exec, &rec, "old_pid", &v));
	CHECK_INT((int64_t)v, -2);
	CHECK(ev_field_u64(exec, &rec, "common_pid", &v));
	CHECK_INT(v, 4242);
	CHECK(!ev_field_u64(exec, &rec, "filename", &v));
	CHECK(!ev_field_str(exec, &rec, "pid", buf, sizeof(buf)));
	CHECK(!ev_field_u64(exec, &rec, "nosuch", &v));
	/* a __data_loc pointing past the record is refused */
	loc = (50u << 16) | 20;
	memcpy(data + 8, &loc, 4);
	CHECK(!ev_field_str(exec, &rec, "filename", buf, sizeof(buf)));

	memset(data, 0, sizeof(data));
	type = 366;
	memcpy(data, &type, 2);
	memcpy(data + 8, "kworker/0:1", 11);
	CHECK(tep_find_event_by_record(tep, &rec) == fr);
	CHECK(ev_field_str(fr, &rec, "comm", buf, sizeof(buf)));
	CHECK_STR(buf, "kworker/0:1");
out:
	tep_free(tep);
}

TEST(tfs_owner_names)
{
	int pid = 0;

	CHECK(tfs_parse_owner("sonde_123", &pid));
	CHECK_INT(pid, 123);
	CHECK(!tfs_parse_owner("sonde", &pid));
	CHECK(!tfs_parse_owner("sonde_", &pid));
	CHECK(!tfs_parse_owner("sonde_12x", &pid));
	CHECK(!tfs_parse_owner("sonde_0", &pid));
	CHECK(!tfs_parse_owner("sonde_probe_123", &pid));
	CHECK(!tfs_parse_owner("sonde_-5", &pid));
	CHECK(!tfs_parse_owner("xsonde_5", &pid));
	CHECK(!tfs_parse_owner("sonde_99999999999", &pid));
}

TEST(tfs_def_names)
{
	char g[64], n[64];

	CHECK_INT(tfs_parse_def_name("p:sonde_1/open do_sys_openat2 a=%si",
				     g, sizeof(g), n, sizeof(n)), 0);
	CHECK_STR(g, "sonde_1");
	CHECK_STR(n, "open");
	CHECK_INT(tfs_parse_def_name("  r10:x /bin/true:0x10", g, sizeof(g),
				     n, sizeof(n)), 0);
	CHECK_STR(g, "");
	CHECK_STR(n, "x");
	/* dynamic_events lists uprobes with their place and args */
	CHECK_INT(tfs_parse_def_name("p:sonde_7/ld /usr/lib/ld.so:0x1ab70 "
				     "a0=+0(+8($stack)):ustring\n", g,
				     sizeof(g), n, sizeof(n)), 0);
	CHECK_STR(g, "sonde_7");
	CHECK_STR(n, "ld");
	CHECK_INT(tfs_parse_def_name("p do_sys_open", g, sizeof(g), n,
				     sizeof(n)), -EINVAL);
	CHECK_INT(tfs_parse_def_name("p:grp/ do_sys_open", g, sizeof(g), n,
				     sizeof(n)), -EINVAL);
	CHECK_INT(tfs_parse_def_name("p:/x do_sys_open", g, sizeof(g), n,
				     sizeof(n)), -EINVAL);
}

TEST(tfs_error_log_entries)
{
	const char *log =
		"[  100.000001] trace_uprobe: error: Invalid argument type\n"
		"  Command: p:g/e /bin/true:0x1 a=+0(%sp):foo\n"
		"                                        ^\n"
		"[  429.462025] event filter parse error: error: Field not found\n"
		"  Command: bogus == 3\n"
		"           ^\n";
	char out[128];

	CHECK(tfs_parse_error_log(log, out, sizeof(out)));
	CHECK_STR(out, "Field not found (at 'bogus')");
	CHECK(tfs_parse_error_log(
		"[  100.000001] trace_uprobe: error: Invalid argument type\n"
		"  Command: p:g/e /bin/true:0x1 a=+0(%sp):foo\n"
		"                                         ^\n", out, sizeof(out)));
	CHECK_STR(out, "Invalid argument type (at 'foo')");
	CHECK(tfs_parse_error_log("[ 1.0] x: error: Bad thing\n", out,
				  sizeof(out)));
	CHECK_STR(out, "Bad thing");
	CHECK(!tfs_parse_error_log("", out, sizeof(out)));
}
