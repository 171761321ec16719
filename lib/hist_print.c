// SPDX-License-Identifier: GPL-2.0
/*
 * Printing a hist table: bcc's layouts (log2 and linear histograms with
 * star bars, one section per key, funclatency's avg/total/count line;
 * funccount's count table, stackcount's stacks) or one JSON object per
 * bucket and per key.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hist.h"
#include "sonde.h"
#include "symbolize.h"
#include "util.h"

static const struct hist_request *sort_req;

static int by_count_desc(const void *a, const void *b)
{
	const struct hist_entry *x = *(const struct hist_entry *const *)a;
	const struct hist_entry *y = *(const struct hist_entry *const *)b;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	for (int i = 0; i < sort_req->nkeys; i++) {
		const struct hist_kval *p = &x->key[i], *q = &y->key[i];
		int c = p->s && q->s ? strcmp(p->s, q->s) : 0;

		if (c)
			return c;
		if (p->i != q->i)
			return p->i < q->i ? -1 : 1;
	}
	return 0;
}

/* Entries by count, most first; *n cut to --top. */
static const struct hist_entry **sorted(const struct hist_table *t, size_t *n)
{
	const struct hist_request *req = hist_table_request(t);
	const struct hist_entry *all = hist_table_entries(t, n);
	const struct hist_entry **v = calloc(*n + 1, sizeof(*v));

	for (size_t i = 0; v && i < *n; i++)
		v[i] = &all[i];
	sort_req = req;
	if (v)
		qsort(v, *n, sizeof(*v), by_count_desc);
	if (req->top > 0 && *n > (size_t)req->top)
		*n = req->top;
	return v;
}

static bool is_stack(const struct hist_request *req, int i)
{
	return req->keys[i].kind == HKEY_KSTACK || req->keys[i].kind == HKEY_USTACK;
}

static void frame(const struct hist_request *req, int i, const struct hist_kval *k,
		  int f, char *buf, size_t size)
{
	if (req->keys[i].kind == HKEY_KSTACK)
		sym_kernel(k->ips[f], buf, size);
	else
		sym_user(k->pid, k->ips[f], buf, size);
}

static void print_stack(FILE *fp, const struct hist_request *req, int i,
			const struct hist_kval *k)
{
	char name[512];

	if (k->s) {
		fprintf(fp, "%s%s", k->s, k->s[0] && k->s[strlen(k->s) - 1] != '\n' ? "\n" : "");
		return;
	}
	for (int f = 0; f < k->nips; f++) {
		frame(req, i, k, f, name, sizeof(name));
		fprintf(fp, "    %s\n", name);
	}
}

static void kval_text(const struct hist_kval *k, char *buf, size_t size)
{
	if (k->s)
		snprintf(buf, size, "%s", k->s);
	else
		snprintf(buf, size, "%lld", (long long)k->i);
}

/* ---- text: histograms ---- */

static void stars(FILE *fp, uint64_t v, uint64_t max, int width)
{
	int n = max ? (int)(v * width / max) : 0;

	for (int i = 0; i < width; i++)
		fputc(i < n ? '*' : ' ', fp);
}

static const char *value_label(const struct hist_request *req)
{
	if (req->mode == HIST_VALUE)
		return req->value_text;
	return hist_unit_name(req->unit);
}

static void range_text(const struct hist_request *req, int b, int nb, char *lo_s,
		       char *hi_s, size_t size)
{
	int64_t lo, hi;

	hist_bucket_range(req, b, &lo, &hi);
	if (req->buckets == HIST_BUCKETS_LINEAR && b == 0) {
		snprintf(lo_s, size, "-inf");
		snprintf(hi_s, size, "%lld", (long long)hi - 1);
	} else if (req->buckets == HIST_BUCKETS_LINEAR && b == nb - 1) {
		snprintf(lo_s, size, "%lld", (long long)lo);
		snprintf(hi_s, size, "inf");
	} else if (req->buckets == HIST_BUCKETS_LOG2) {
		snprintf(lo_s, size, "%llu", (unsigned long long)lo);
		snprintf(hi_s, size, "%llu", (unsigned long long)hi - 1);
	} else {
		snprintf(lo_s, size, "%lld", (long long)lo);
		snprintf(hi_s, size, "%lld", (long long)hi - 1);
	}
}

/* The buckets to show: log2 from 0 as bcc, linear from the first used
 * one; both up to the last used one. */
static void shown(const struct hist_request *req, const uint64_t *bk, int nb,
		  int *first, int *last)
{
	*first = -1;
	*last = -1;
	for (int b = 0; b < nb; b++)
		if (bk[b]) {
			if (*first < 0)
				*first = b;
			*last = b;
		}
	if (req->buckets == HIST_BUCKETS_LOG2 && *last >= 0)
		*first = 0;
}

static void print_hist(FILE *fp, const struct hist_request *req,
		       const struct hist_entry *e)
{
	int nb = hist_nbuckets(req), first, last, w, sw;
	char lo[32], hi[32];
	uint64_t max = 0;

	shown(req, e->buckets, nb, &first, &last);
	if (last < 0) {
		fprintf(fp, "     (no events)\n");
		return;
	}
	for (int b = first; b <= last; b++)
		max = e->buckets[b] > max ? e->buckets[b] : max;
	/* bcc widens the columns for values past 2^32 */
	w = last > 32 ? 20 : 10;
	sw = last > 32 ? 20 : 40;
	fprintf(fp, "%*s%-*s : count     distribution\n", w - 5, "", w + 9,
		value_label(req));
	for (int b = first; b <= last; b++) {
		range_text(req, b, nb, lo, hi, sizeof(lo));
		fprintf(fp, "%*s -> %-*s : %-8llu |", w, lo, w, hi,
			(unsigned long long)e->buckets[b]);
		stars(fp, e->buckets[b], max, sw);
		fprintf(fp, "|\n");
	}
}

static void print_avg(FILE *fp, const struct hist_request *req,
		      const struct hist_entry *e)
{
	const char *u = req->mode == HIST_VALUE ? "" : hist_unit_name(req->unit);
	const char *sp = *u ? " " : "";

	if (!e->count)
		return;
	fprintf(fp, "\navg = %lld%s%s, total: %lld%s%s, count: %llu",
		(long long)(e->sum / (int64_t)e->count), sp, u, (long long)e->sum, sp, u,
		(unsigned long long)e->count);
	if (e->min <= e->max)	/* else HIST_MIN_UNKNOWN */
		fprintf(fp, ", min: %lld, max: %lld", (long long)e->min, (long long)e->max);
	fprintf(fp, "\n");
}

static void section_header(FILE *fp, const struct hist_request *req,
			   const struct hist_entry *e)
{
	char buf[512];
	bool any = false;

	if (!req->nkeys)
		return;
	fputc('\n', fp);
	for (int i = 0; i < req->nkeys; i++) {
		if (is_stack(req, i))
			continue;
		kval_text(&e->key[i], buf, sizeof(buf));
		fprintf(fp, "%s%s = %s", any ? ", " : "", req->keys[i].text, buf);
		any = true;
	}
	if (any)
		fputc('\n', fp);
	for (int i = 0; i < req->nkeys; i++)
		if (is_stack(req, i))
			print_stack(fp, req, i, &e->key[i]);
}

static void print_hists(FILE *fp, const struct hist_table *t)
{
	const struct hist_request *req = hist_table_request(t);
	size_t n;
	const struct hist_entry **v = sorted(t, &n);

	if (!n && !req->nkeys)
		fprintf(fp, "     (no events)\n");
	for (size_t i = 0; v && i < n; i++) {
		section_header(fp, req, v[i]);
		print_hist(fp, req, v[i]);
		print_avg(fp, req, v[i]);
	}
	free(v);
}

/* ---- text: counts ---- */

static int column_width(const struct hist_request *req, int i)
{
	switch (req->keys[i].kind) {
	case HKEY_FUNC:
		return 36;
	case HKEY_COMM:
		return 16;
	case HKEY_EXPR:
		return 20;
	default:
		return 8;
	}
}

static void print_count_header(FILE *fp, const struct hist_request *req)
{
	char up[64];

	for (int i = 0; i < req->nkeys; i++) {
		if (is_stack(req, i))
			continue;
		snprintf(up, sizeof(up), "%s", req->keys[i].text);
		for (char *c = up; *c; c++)
			*c = *c >= 'a' && *c <= 'z' ? *c - 32 : *c;
		fprintf(fp, "%-*s ", column_width(req, i), up);
	}
	fprintf(fp, "%8s\n", "COUNT");
}

static void print_count_row(FILE *fp, const struct hist_request *req,
			    const struct hist_entry *e)
{
	bool stacks = false;
	char buf[512];

	for (int i = 0; i < req->nkeys; i++)
		if (is_stack(req, i)) {
			print_stack(fp, req, i, &e->key[i]);
			stacks = true;
		}
	if (stacks)
		fputs("    ", fp);
	for (int i = 0; i < req->nkeys; i++) {
		if (is_stack(req, i))
			continue;
		kval_text(&e->key[i], buf, sizeof(buf));
		fprintf(fp, "%-*s ", column_width(req, i), buf);
	}
	fprintf(fp, "%8llu\n%s", (unsigned long long)e->count, stacks ? "\n" : "");
}

static void print_counts(FILE *fp, const struct hist_table *t)
{
	const struct hist_request *req = hist_table_request(t);
	size_t n;
	const struct hist_entry **v = sorted(t, &n);

	print_count_header(fp, req);
	for (size_t i = 0; v && i < n; i++)
		print_count_row(fp, req, v[i]);
	free(v);
}

/* ---- JSON ---- */

static void json_key(FILE *fp, const struct hist_request *req,
		     const struct hist_entry *e)
{
	char name[512];

	fprintf(fp, "\"key\":{");
	for (int i = 0; i < req->nkeys; i++) {
		const struct hist_kval *k = &e->key[i];

		fprintf(fp, "%s", i ? "," : "");
		json_print_string(fp, req->keys[i].text);
		fputc(':', fp);
		if (is_stack(req, i) && !k->s) {
			fputc('[', fp);
			for (int f = 0; f < k->nips; f++) {
				frame(req, i, k, f, name, sizeof(name));
				fprintf(fp, "%s", f ? "," : "");
				json_print_string(fp, name);
			}
			fputc(']', fp);
		} else if (k->s) {
			json_print_string(fp, k->s);
		} else {
			fprintf(fp, "%lld", (long long)k->i);
		}
	}
	fputc('}', fp);
}

static void json_head(FILE *fp, const char *type, uint64_t ts)
{
	fprintf(fp, "{\"type\":\"%s\"", type);
	if (ts)
		fprintf(fp, ",\"time_ns\":%llu", (unsigned long long)ts);
	fputc(',', fp);
}

static void json_entry(FILE *fp, const struct hist_request *req,
		       const struct hist_entry *e, uint64_t ts)
{
	int nb = hist_nbuckets(req);
	int64_t lo, hi;

	for (int b = 0; b < nb; b++) {
		if (!e->buckets[b])
			continue;
		hist_bucket_range(req, b, &lo, &hi);
		json_head(fp, "bucket", ts);
		json_key(fp, req, e);
		if (req->buckets == HIST_BUCKETS_LOG2)
			fprintf(fp, ",\"lo\":%llu,\"hi\":%llu", (unsigned long long)lo,
				(unsigned long long)hi);
		else
			fprintf(fp, ",\"lo\":%lld,\"hi\":%lld", (long long)lo, (long long)hi);
		fprintf(fp, ",\"unit\":");
		json_print_string(fp, value_label(req));
		fprintf(fp, ",\"count\":%llu}\n", (unsigned long long)e->buckets[b]);
	}
	json_head(fp, nb ? "stats" : "count", ts);
	json_key(fp, req, e);
	fprintf(fp, ",\"count\":%llu", (unsigned long long)e->count);
	if (req->mode != HIST_COUNT) {
		fprintf(fp, ",\"sum\":%lld", (long long)e->sum);
		if (e->min <= e->max)	/* else HIST_MIN_UNKNOWN */
			fprintf(fp, ",\"min\":%lld,\"max\":%lld", (long long)e->min,
				(long long)e->max);
		fprintf(fp, ",\"avg\":%lld",
			e->count ? (long long)(e->sum / (int64_t)e->count) : 0);
	}
	fprintf(fp, "}\n");
}

static void print_json(FILE *fp, const struct hist_table *t, uint64_t ts)
{
	const struct hist_request *req = hist_table_request(t);
	size_t n;
	const struct hist_entry **v = sorted(t, &n);

	for (size_t i = 0; v && i < n; i++)
		json_entry(fp, req, v[i], ts);
	free(v);
}

static void print_stats(FILE *fp, uint64_t ts, const struct hist_stats *st)
{
	if (g_opts.json) {
		json_head(fp, ts ? "interval_end" : "summary", ts);
		fprintf(fp, "\"lost\":%llu,\"lost_exact\":%s,\"missed\":%llu,\"dropped\":%llu}\n",
			(unsigned long long)st->lost, st->lost_exact || !st->lost ? "true" : "false",
			(unsigned long long)st->missed, (unsigned long long)st->dropped);
		return;
	}
	if (st->lost)
		warning("%s%llu events lost", st->lost_exact ? "" : "at most ",
			(unsigned long long)st->lost);
	if (st->missed)
		warning("%llu ends without a start (not counted)",
			(unsigned long long)st->missed);
	if (st->dropped)
		warning("%llu events dropped: too many keys or pending starts",
			(unsigned long long)st->dropped);
}

void hist_table_print(const struct hist_table *t, uint64_t interval_ts,
		      const struct hist_stats *st, FILE *fp)
{
	const struct hist_request *req = hist_table_request(t);

	if (g_opts.json) {
		print_json(fp, t, interval_ts);
	} else {
		if (interval_ts) {
			time_t s = interval_ts / 1000000000ull;
			struct tm tm;
			char buf[16];

			localtime_r(&s, &tm);
			strftime(buf, sizeof(buf), "%H:%M:%S", &tm);
			fprintf(fp, "\n%s\n", buf);
		}
		if (req->buckets == HIST_BUCKETS_NONE)
			print_counts(fp, t);
		else
			print_hists(fp, t);
	}
	if (st)
		print_stats(fp, interval_ts, st);
}
