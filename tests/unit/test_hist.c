// SPDX-License-Identifier: GPL-2.0
/* The hist table: buckets, keys, merging, bcc-style and JSON printing. */
#include <stdlib.h>
#include <string.h>

#include "hist.h"
#include "sonde.h"
#include "unit.h"

static char *print_to_string(const struct hist_table *t, uint64_t ts)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	hist_table_print(t, ts, NULL, fp);
	fclose(fp);
	return buf;
}

TEST(hist_log2_buckets)
{
	struct hist_request req = { .buckets = HIST_BUCKETS_LOG2 };
	int64_t lo, hi;

	CHECK_INT(hist_nbuckets(&req), 64);
	CHECK_INT(hist_bucket_of(&req, 0), 0);
	CHECK_INT(hist_bucket_of(&req, 1), 0);
	CHECK_INT(hist_bucket_of(&req, 2), 1);
	CHECK_INT(hist_bucket_of(&req, 4095), 11);
	CHECK_INT(hist_bucket_of(&req, 4096), 12);
	CHECK_INT(hist_bucket_of(&req, -1), 63);
	hist_bucket_range(&req, 12, &lo, &hi);
	CHECK_INT(lo, 4096);
	CHECK_INT(hi, 8192);
	hist_bucket_range(&req, 0, &lo, &hi);
	CHECK_INT(lo, 0);
	CHECK_INT(hi, 2);
}

TEST(hist_linear_buckets)
{
	struct hist_request req = { .buckets = HIST_BUCKETS_LINEAR, .lin_min = 0,
				    .lin_max = 100, .lin_step = 30 };
	int64_t lo, hi;

	/* below, [0,30) [30,60) [60,90) [90,100), above */
	CHECK_INT(hist_nbuckets(&req), 6);
	CHECK_INT(hist_bucket_of(&req, -5), 0);
	CHECK_INT(hist_bucket_of(&req, 0), 1);
	CHECK_INT(hist_bucket_of(&req, 59), 2);
	CHECK_INT(hist_bucket_of(&req, 99), 4);
	CHECK_INT(hist_bucket_of(&req, 100), 5);
	hist_bucket_range(&req, 4, &lo, &hi);
	CHECK_INT(lo, 90);
	CHECK_INT(hi, 100);
	hist_bucket_range(&req, 5, &lo, &hi);
	CHECK_INT(lo, 100);
	CHECK_INT(hi, INT64_MAX);
}

TEST(hist_table_keys_and_merge)
{
	struct hist_request req = { .mode = HIST_VALUE, .buckets = HIST_BUCKETS_LOG2,
				    .nkeys = 2, .value_text = "v" };
	struct hist_table *a, *b;
	struct hist_kval k1[2] = { { .s = "bash" }, { .i = 7 } };
	struct hist_kval k2[2] = { { .s = "bash" }, { .i = 8 } };
	char name[8] = "bash";
	struct hist_kval k1b[2] = { { .s = name }, { .i = 7 } };
	const struct hist_entry *e;
	size_t n;

	req.keys[0] = (struct hist_key){ HKEY_COMM, "comm" };
	req.keys[1] = (struct hist_key){ HKEY_PID, "pid" };
	a = hist_table_new(&req);
	b = hist_table_new(&req);
	hist_entry_add(a, hist_table_entry(a, k1), 4096, 3);
	hist_entry_add(a, hist_table_entry(a, k2), 1, 1);
	hist_entry_add(a, hist_table_entry(a, k1b), 10, 1);	/* same key */
	CHECK_INT(hist_table_size(a), 2);
	for (int i = 0; i < 100; i++) {	/* grows the index */
		struct hist_kval k[2] = { { .s = "x" }, { .i = i } };

		hist_entry_add(b, hist_table_entry(b, k), i, 1);
	}
	hist_table_merge(b, a);
	CHECK_INT(hist_table_size(b), 102);
	e = hist_table_entry(b, k1);
	CHECK_INT(e->count, 4);
	CHECK_INT(e->sum, 3 * 4096 + 10);
	CHECK_INT(e->min, 10);
	CHECK_INT(e->max, 4096);
	CHECK_INT(e->buckets[12], 3);
	CHECK_INT(e->buckets[3], 1);
	hist_table_clear(b);
	CHECK_INT(hist_table_size(b), 0);
	hist_table_entries(b, &n);
	CHECK_INT(n, 0);
	hist_table_free(a);
	hist_table_free(b);
}

TEST(hist_print_log2_like_bcc)
{
	struct hist_request req = { .mode = HIST_LATENCY, .buckets = HIST_BUCKETS_LOG2,
				    .unit = HIST_MSEC };
	struct hist_table *t = hist_table_new(&req);
	struct hist_entry *e = hist_table_entry(t, NULL);
	char *out;

	hist_entry_add(t, e, 1, 2);
	hist_entry_add(t, e, 10, 1);
	out = print_to_string(t, 0);
	CHECK_STR(out,
		  "     msecs               : count     distribution\n"
		  "         0 -> 1          : 2        |****************************************|\n"
		  "         2 -> 3          : 0        |                                        |\n"
		  "         4 -> 7          : 0        |                                        |\n"
		  "         8 -> 15         : 1        |********************                    |\n"
		  "\navg = 4 msecs, total: 12 msecs, count: 3, min: 1, max: 10\n");
	free(out);
	hist_table_free(t);
}

TEST(hist_print_counts_sorted_top)
{
	struct hist_request req = { .mode = HIST_COUNT, .nkeys = 1, .top = 2 };
	struct hist_table *t;
	char *out;

	req.keys[0] = (struct hist_key){ HKEY_FUNC, "func" };
	t = hist_table_new(&req);
	for (int i = 0; i < 3; i++) {
		static const char *const f[] = { "vfs_read", "vfs_write", "vfs_open" };
		struct hist_kval k = { .s = f[i] };

		hist_entry_add_agg(t, hist_table_entry(t, &k), 10 * (i + 1), 0, 0, 0, NULL);
	}
	out = print_to_string(t, 0);
	CHECK_STR(out,
		  "FUNC                                    COUNT\n"
		  "vfs_open                                   30\n"
		  "vfs_write                                  20\n");
	free(out);
	g_opts.json = true;
	out = print_to_string(t, 0);
	g_opts.json = false;
	CHECK_STR(out,
		  "{\"type\":\"count\",\"key\":{\"func\":\"vfs_open\"},\"count\":30}\n"
		  "{\"type\":\"count\",\"key\":{\"func\":\"vfs_write\"},\"count\":20}\n");
	free(out);
	hist_table_free(t);
}

TEST(hist_print_json_buckets)
{
	struct hist_request req = { .mode = HIST_VALUE, .buckets = HIST_BUCKETS_LINEAR,
				    .lin_min = 0, .lin_max = 10, .lin_step = 5,
				    .value_text = "arg1" };
	struct hist_table *t = hist_table_new(&req);
	char *out;

	hist_entry_add(t, hist_table_entry(t, NULL), 7, 2);
	g_opts.json = true;
	out = print_to_string(t, 5);
	g_opts.json = false;
	CHECK_STR(out,
		  "{\"type\":\"bucket\",\"time_ns\":5,\"key\":{},\"lo\":5,\"hi\":10,\"unit\":\"arg1\",\"count\":2}\n"
		  "{\"type\":\"stats\",\"time_ns\":5,\"key\":{},\"count\":2,\"sum\":14,\"min\":7,\"max\":7,\"avg\":7}\n");
	free(out);
	hist_table_free(t);
}
