// SPDX-License-Identifier: GPL-2.0
/*
 * ftrace hist triggers: the trigger texts sonde writes, and the parser of
 * `hist` files on outputs captured from the 6.1 and 6.12 guest kernels
 * (tests/fixtures/hist/).
 */
#include <errno.h>
#include <stdlib.h>

#include "ftrace_hist.h"
#include "tfs.h"
#include "unit.h"
#include "util.h"

#define FIXTURES "tests/fixtures/hist/"

static char *fixture(const char *name)
{
	static char buf[65536];
	char path[256];

	snprintf(path, sizeof(path), FIXTURES "%s", name);
	if (read_text_file(path, buf, sizeof(buf)) < 0) {
		fprintf(stderr, "  cannot read %s\n", path);
		return NULL;
	}
	return buf;
}

static void set_key(struct fhist_agg *a, const char *expr, enum fhist_kmod mod,
		    uint64_t step)
{
	struct fhist_key *k = &a->keys[a->nkeys++];

	snprintf(k->expr, sizeof(k->expr), "%s", expr);
	k->mod = mod;
	k->step = step;
}

TEST(fhist_agg_text)
{
	struct fhist_agg a = { .size = 8192 };
	char buf[512];

	snprintf(a.name, sizeof(a.name), "sonde_12_0");
	set_key(&a, "common_pid", FHK_EXECNAME, 0);
	set_key(&a, "count", FHK_LOG2, 0);
	snprintf(a.vals[a.nvals++], 64, "count");
	snprintf(a.filter, sizeof(a.filter), "comm == \"dd\"");
	CHECK_INT(fhist_agg_text(&a, buf, sizeof(buf)), 0);
	CHECK_STR(buf, "hist:name=sonde_12_0:keys=common_pid.execname,count.log2:"
		  "vals=hitcount,count:size=8192 if comm == \"dd\"");

	a = (struct fhist_agg){ 0 };
	set_key(&a, "f0", FHK_BUCKETS, 1000);
	set_key(&a, "", FHK_STACK, 0);
	CHECK_INT(fhist_agg_text(&a, buf, sizeof(buf)), 0);
	CHECK_STR(buf, "hist:keys=f0.buckets=1000,stacktrace:vals=hitcount");
	CHECK_INT(fhist_agg_text(&a, buf, 20), -ENOSPC);
	a.nkeys = 0;
	CHECK_INT(fhist_agg_text(&a, buf, sizeof(buf)), -EINVAL);
}

static void set_end(struct fhist_end *e, const char *sys, const char *event,
		    const char *key, const char *filter)
{
	snprintf(e->sys, sizeof(e->sys), "%s", sys);
	snprintf(e->event, sizeof(e->event), "%s", event);
	snprintf(e->key, sizeof(e->key), "%s", key);
	snprintf(e->filter, sizeof(e->filter), "%s", filter);
}

TEST(fhist_pair_texts)
{
	struct fhist_pair p = { .plus_one = true, .nparams = 1, .nfrom = 1 };
	char buf[1024];

	set_end(&p.from[0], "syscalls", "sys_enter_clock_nanosleep", "common_pid",
		"comm == \"napper\"");
	set_end(&p.to, "syscalls", "sys_exit_clock_nanosleep", "common_pid", "");
	snprintf(p.synth, sizeof(p.synth), "sonde_12_lat");
	snprintf(p.params[0], sizeof(p.params[0]), "ret");
	snprintf(p.param_types[0], sizeof(p.param_types[0]), "long");

	/* nanoseconds: one stage */
	CHECK_INT(fhist_pair_synth_def(&p, 0, buf, sizeof(buf)), 0);
	CHECK_STR(buf, "sonde_12_lat u64 lat; long p0");
	CHECK_INT(fhist_pair_from_text(&p, 0, buf, sizeof(buf)), 0);
	CHECK_STR(buf, "hist:keys=common_pid:sonde_12_lat_t0=common_timestamp "
		  "if comm == \"napper\"");
	CHECK_INT(fhist_pair_to_text(&p, 0, buf, sizeof(buf)), 0);
	CHECK_STR(buf, "hist:keys=common_pid:sonde_12_lat_d0=common_timestamp-"
		  "$sonde_12_lat_t0+1:onmatch(syscalls.sys_enter_clock_nanosleep)."
		  "trace(sonde_12_lat,$sonde_12_lat_d0,ret)");
	fhist_pair_event(&p, buf, sizeof(buf));
	CHECK_STR(buf, "sonde_12_lat");

	/* microseconds: the second stage divides and adds one */
	p.div = 1000;
	p.size = 16384;
	CHECK_INT(fhist_pair_to_text(&p, 0, buf, sizeof(buf)), 0);
	CHECK_STR(buf, "hist:keys=common_pid:sonde_12_lat_d0=common_timestamp-"
		  "$sonde_12_lat_t0:onmatch(syscalls.sys_enter_clock_nanosleep)."
		  "trace(sonde_12_lat,$sonde_12_lat_d0,ret):size=16384");
	CHECK_INT(fhist_pair_from_text(&p, 0, buf, sizeof(buf)), 0);
	CHECK_STR(buf, "hist:keys=common_pid:sonde_12_lat_t0=common_timestamp:"
		  "size=16384 if comm == \"napper\"");
	CHECK_INT(fhist_pair_synth_def(&p, 1, buf, sizeof(buf)), 0);
	CHECK_STR(buf, "sonde_12_lat_u u64 lat; long p0");
	CHECK_INT(fhist_pair_stage2_text(&p, buf, sizeof(buf)), 0);
	CHECK_STR(buf, "hist:keys=common_type:sonde_12_lat_u=lat/1000+1:"
		  "onmatch(synthetic.sonde_12_lat).trace(sonde_12_lat_u,"
		  "$sonde_12_lat_u,p0)");
	fhist_pair_event(&p, buf, sizeof(buf));
	CHECK_STR(buf, "sonde_12_lat_u");
}

/* runqlat: two starts, keys named differently at each end */
TEST(fhist_pair_two_starts)
{
	struct fhist_pair p = { .nfrom = 2 };
	char buf[1024];

	set_end(&p.from[0], "sched", "sched_wakeup", "pid", "");
	set_end(&p.from[1], "sched", "sched_wakeup_new", "pid", "");
	set_end(&p.to, "sched", "sched_switch", "next_pid", "next_pid != 0");
	snprintf(p.synth, sizeof(p.synth), "sonde_7_lat");
	CHECK_INT(fhist_pair_from_text(&p, 1, buf, sizeof(buf)), 0);
	CHECK_STR(buf, "hist:keys=pid:sonde_7_lat_t1=common_timestamp");
	CHECK_INT(fhist_pair_to_text(&p, 1, buf, sizeof(buf)), 0);
	CHECK_STR(buf, "hist:keys=next_pid:sonde_7_lat_d1=common_timestamp-"
		  "$sonde_7_lat_t1:onmatch(sched.sched_wakeup_new)."
		  "trace(sonde_7_lat,$sonde_7_lat_d1) if next_pid != 0");
}

/* The 3-key table of both kernels: execname, log2, cpu; a sum. */
static void check_read_keys(const char *file, const char *comm, int pid)
{
	struct fhist_agg a = { .nvals = 1 };
	struct fhist_table t;
	const char *text = fixture(file);
	bool seen = false;

	if (!text) {
		CHECK(0);
		return;
	}
	snprintf(a.name, sizeof(a.name), "sonde_1_a");
	set_key(&a, "common_pid", FHK_EXECNAME, 0);
	set_key(&a, "count", FHK_LOG2, 0);
	set_key(&a, "common_cpu", FHK_RAW, 0);
	snprintf(a.vals[0], 64, "count");
	CHECK_INT(fhist_parse(text, &a, &t), 0);
	CHECK_INT(t.nrows, 4);
	CHECK_INT(t.hits, 13);
	CHECK_INT(t.entries, 4);
	CHECK_INT(t.dropped, 0);
	for (size_t i = 0; i < t.nrows; i++) {
		struct fhist_row *r = &t.rows[i];

		if (r->key[0].v != (uint64_t)pid)
			continue;
		seen = true;
		CHECK_STR(r->key[0].s, comm);
		CHECK_INT(r->key[1].v, 12);
		CHECK_INT(r->hitcount, 10);
		CHECK_INT(r->vals[0], 40960);
	}
	CHECK(seen);
	fhist_table_free(&t);
}

TEST(fhist_parse_keys_6_1)
{
	check_read_keys("6.1-read-keys.hist", "dd", 113);
}

TEST(fhist_parse_keys_6_12)
{
	check_read_keys("6.12-read-keys.hist", "dd", 167);
}

/* A stack key with another key after it; the table is found by name
 * among several. */
TEST(fhist_parse_stack)
{
	const char *files[] = { "6.1-read-keys.hist", "6.12-read-keys.hist" };

	for (int f = 0; f < 2; f++) {
		struct fhist_agg a = { 0 };
		struct fhist_table t;
		const char *text = fixture(files[f]);

		if (!text) {
			CHECK(0);
			continue;
		}
		snprintf(a.name, sizeof(a.name), "sonde_1_e");
		set_key(&a, "stacktrace", FHK_STACK, 0);
		set_key(&a, "common_pid", FHK_RAW, 0);
		CHECK_INT(fhist_parse(text, &a, &t), 0);
		CHECK_INT(t.nrows, 2);
		CHECK_INT(t.hits, 11);
		if (t.nrows == 2) {
			CHECK(!strncmp(t.rows[1].key[0].s, "do_syscall_64+0x", 16));
			CHECK(strstr(t.rows[1].key[0].s, "\nentry_SYSCALL_64_after_hwframe+") != NULL);
			CHECK(strchr(t.rows[1].key[0].s, ',') == NULL);
			CHECK_INT(t.rows[1].hitcount, 10);
			CHECK(t.rows[1].key[1].v > 100);
			CHECK(strcmp(t.rows[0].id, t.rows[1].id) != 0);
		}
		fhist_table_free(&t);
		/* a name that is not there */
		snprintf(a.name, sizeof(a.name), "sonde_1_zz");
		CHECK_INT(fhist_parse(text, &a, &t), -ENOENT);
	}
}

/* Strings padded to 50 columns, longer ones not; with a key after. */
TEST(fhist_parse_strings)
{
	struct fhist_agg a = { 0 };
	struct fhist_table t;
	const char *text = fixture("6.1-eprobe-strings.hist");
	bool hostname = false;

	if (!text) {
		CHECK(0);
		return;
	}
	set_key(&a, "f0", FHK_STRING, 0);
	CHECK_INT(fhist_parse(text, &a, &t), 0);	/* the first table */
	CHECK_INT(t.nrows, 5);
	for (size_t i = 0; i < t.nrows; i++)
		if (!strcmp(t.rows[i].key[0].s, "/etc/hostname"))
			hostname = t.rows[i].hitcount == 2;
	CHECK(hostname);
	CHECK_STR(t.rows[2].key[0].s,
		  "/sys/kernel/tracing/instances/hx/events/sonde_1/op/hist");
	fhist_table_free(&t);

	/* the second table: "hist:keys=f0,f1.hex" (f1 printed in hex) */
	text = strstr(text, "keys=f0,f1.hex") - 30;
	set_key(&a, "f1", FHK_RAW, 0);
	CHECK_INT(fhist_parse(text, &a, &t), 0);
	CHECK_INT(t.nrows, 4);
	CHECK_STR(t.rows[0].key[0].s, "/dev/null");
	CHECK_STR(t.rows[2].key[0].s,
		  "/sys/kernel/tracing/instances/hx/events/sonde_1/op/hist");
	CHECK_INT(t.rows[3].hitcount, 2);
	fhist_table_free(&t);
}

TEST(fhist_parse_log2_buckets)
{
	struct fhist_agg a = { .nvals = 1 };
	struct fhist_table t;
	const char *text = fixture("6.1-kprobe-log2-buckets.hist");

	if (!text) {
		CHECK(0);
		return;
	}
	set_key(&a, "f0", FHK_LOG2, 0);
	snprintf(a.vals[0], 64, "f0");
	CHECK_INT(fhist_parse(text, &a, &t), 0);
	CHECK_INT(t.nrows, 1);
	CHECK_INT(t.rows[0].key[0].v, 12);
	CHECK_INT(t.rows[0].hitcount, 10);
	CHECK_INT(t.rows[0].vals[0], 30000);
	fhist_table_free(&t);

	a = (struct fhist_agg){ 0 };
	set_key(&a, "f0", FHK_BUCKETS, 1000);
	CHECK_INT(fhist_parse(strstr(text, "keys=f0.buckets") - 30, &a, &t), 0);
	CHECK_INT(t.nrows, 2);
	CHECK_INT(t.rows[0].key[0].v, 65000);
	CHECK_INT(t.rows[1].key[0].v, 3000);
	CHECK_INT(t.rows[1].hitcount, 10);
	CHECK_INT(t.hits, 13);
	fhist_table_free(&t);
}

/* A synthetic event's table keyed by an expression (6.12). */
TEST(fhist_parse_synth_expr)
{
	struct fhist_agg a = { .nvals = 1 };
	struct fhist_table t;
	const char *text = fixture("6.12-synth-latency.hist");

	if (!text) {
		CHECK(0);
		return;
	}
	snprintf(a.name, sizeof(a.name), "sonde_1_g");
	set_key(&a, "common_pid", FHK_EXECNAME, 0);
	set_key(&a, "lat/1000000", FHK_RAW, 0);
	snprintf(a.vals[0], 64, "lat");
	CHECK_INT(fhist_parse(text, &a, &t), 0);
	CHECK_INT(t.nrows, 2);
	CHECK_STR(t.rows[0].key[0].s, "usleep");
	CHECK_INT(t.rows[0].key[0].v, 181);
	CHECK_INT(t.rows[0].key[1].v, 3);
	CHECK_INT(t.rows[0].vals[0], 3314901);
	fhist_table_free(&t);
}

TEST(fhist_totals)
{
	const char *text = fixture("6.1-read-keys.hist");
	struct fhist_table t;

	if (!text) {
		CHECK(0);
		return;
	}
	CHECK_INT(fhist_totals(text, "size=131072", &t), 0);
	CHECK_INT(t.hits, 12);
	CHECK_INT(t.entries, 1);
	CHECK_INT(fhist_totals(text, "nosuchmarker", &t), -ENOENT);
}

TEST(fhist_parse_bad)
{
	struct fhist_agg a = { 0 };
	struct fhist_table t;

	set_key(&a, "count", FHK_LOG2, 0);
	CHECK_INT(fhist_parse("no table here", &a, &t), -ENOENT);
	CHECK_INT(fhist_parse("# trigger info: hist:keys=count.log2\n#\n\n"
			      "{ count:       4096 } hitcount:          1\n",
			      &a, &t), -EINVAL);
	fhist_table_free(&t);
	/* no Totals (a truncated read) */
	CHECK_INT(fhist_parse("# trigger info: hist:keys=count.log2\n#\n\n"
			      "{ count: ~ 2^12 } hitcount:          1\n",
			      &a, &t), -EINVAL);
	fhist_table_free(&t);
}

TEST(tfs_parse_synth_owner)
{
	int pid = 0;

	CHECK(tfs_parse_synth_owner("sonde_123_lat", &pid));
	CHECK_INT(pid, 123);
	CHECK(tfs_parse_synth_owner("sonde_7_a_b", &pid));
	CHECK_INT(pid, 7);
	CHECK(!tfs_parse_synth_owner("sonde_123", &pid));
	CHECK(!tfs_parse_synth_owner("sonde_123_", &pid));
	CHECK(!tfs_parse_synth_owner("sonde_x_lat", &pid));
	CHECK(!tfs_parse_synth_owner("wakeup_lat", &pid));
}
