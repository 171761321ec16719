// SPDX-License-Identifier: GPL-2.0
/*
 * The -s table: per syscall calls, errors and the time spent in it (total,
 * min, avg, max), sorted by total time, as perf trace -s and strace -c show.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "syscalls.h"
#include "util.h"

static struct sc_stat *slot(struct sc_summary *s, int nr)
{
	return nr >= 0 && nr < SC_MAX_NR ? &s->st[nr] : &s->other;
}

void sc_summary_add(struct sc_summary *s, int nr, bool error, bool timed,
		    uint64_t duration_ns)
{
	struct sc_stat *st = slot(s, nr);

	st->calls++;
	st->errors += error;
	if (!timed)
		return;
	if (!st->timed || duration_ns < st->min_ns)
		st->min_ns = duration_ns;
	if (duration_ns > st->max_ns)
		st->max_ns = duration_ns;
	st->timed++;
	st->total_ns += duration_ns;
}

void sc_summary_merge(struct sc_summary *s, int nr, const struct sc_stat *in)
{
	struct sc_stat *st = slot(s, nr);

	if (!in->calls)
		return;
	if (in->timed && (!st->timed || in->min_ns < st->min_ns))
		st->min_ns = in->min_ns;
	if (in->max_ns > st->max_ns)
		st->max_ns = in->max_ns;
	st->calls += in->calls;
	st->errors += in->errors;
	st->timed += in->timed;
	st->total_ns += in->total_ns;
}

struct row {
	int nr;
	const struct sc_stat *st;
};

static int by_total(const void *a, const void *b)
{
	const struct row *x = a, *y = b;

	if (x->st->total_ns != y->st->total_ns)
		return x->st->total_ns < y->st->total_ns ? 1 : -1;
	if (x->st->calls != y->st->calls)
		return x->st->calls < y->st->calls ? 1 : -1;
	return x->nr - y->nr;
}

/* Rows with calls, sorted; returns the count. */
static int rows_of(const struct sc_summary *s, struct row *rows)
{
	int n = 0;

	for (int nr = 0; nr < SC_MAX_NR; nr++)
		if (s->st[nr].calls)
			rows[n++] = (struct row){ nr, &s->st[nr] };
	if (s->other.calls)
		rows[n++] = (struct row){ -1, &s->other };
	qsort(rows, n, sizeof(*rows), by_total);
	return n;
}

static const char *row_name(const struct sc_table *t, int nr, char *buf,
			    size_t size)
{
	const struct sc_info *si = nr >= 0 ? sc_table_nr(t, nr) : NULL;

	if (si)
		return si->name;
	if (nr < 0)
		return "(other)";
	snprintf(buf, size, "syscall_%d", nr);
	return buf;
}

void sc_summary_print(FILE *fp, const struct sc_summary *s,
		      const struct sc_table *t)
{
	struct row *rows = calloc(SC_MAX_NR + 1, sizeof(*rows));
	uint64_t calls = 0, errors = 0, total = 0;
	char buf[32];
	int n;

	if (!rows)
		return;
	n = rows_of(s, rows);
	fprintf(fp, "\n Summary of syscalls:\n\n");
	fprintf(fp, "   %-22s %9s %7s %11s %9s %9s %9s\n", "syscall", "calls",
		"errors", "total", "min", "avg", "max");
	fprintf(fp, "   %-22s %9s %7s %11s %9s %9s %9s\n", "", "", "", "(msec)",
		"(msec)", "(msec)", "(msec)");
	fprintf(fp, "   %-22s %9s %7s %11s %9s %9s %9s\n",
		"----------------------", "---------", "-------", "-----------",
		"---------", "---------", "---------");
	for (int i = 0; i < n; i++) {
		const struct sc_stat *st = rows[i].st;
		double avg = st->timed ? (double)st->total_ns / st->timed : 0;

		fprintf(fp, "   %-22s %9" PRIu64 " %7" PRIu64 " %11.3f %9.3f %9.3f %9.3f\n",
			row_name(t, rows[i].nr, buf, sizeof(buf)), st->calls,
			st->errors, st->total_ns / 1e6, st->min_ns / 1e6,
			avg / 1e6, st->max_ns / 1e6);
		calls += st->calls;
		errors += st->errors;
		total += st->total_ns;
	}
	fprintf(fp, "   %-22s %9s %7s %11s\n", "", "---------", "-------",
		"-----------");
	fprintf(fp, "   %-22s %9" PRIu64 " %7" PRIu64 " %11.3f\n", "total", calls,
		errors, total / 1e6);
	free(rows);
}

void sc_summary_json(FILE *fp, const struct sc_summary *s,
		     const struct sc_table *t)
{
	struct row *rows = calloc(SC_MAX_NR + 1, sizeof(*rows));
	char buf[32];
	int n;

	if (!rows)
		return;
	n = rows_of(s, rows);
	fprintf(fp, "\"syscalls\":[");
	for (int i = 0; i < n; i++) {
		const struct sc_stat *st = rows[i].st;

		fprintf(fp, "%s{\"name\":", i ? "," : "");
		json_print_string(fp, row_name(t, rows[i].nr, buf, sizeof(buf)));
		fprintf(fp, ",\"nr\":%d,\"calls\":%" PRIu64 ",\"errors\":%" PRIu64
			",\"total_ns\":%" PRIu64 ",\"min_ns\":%" PRIu64
			",\"avg_ns\":%" PRIu64 ",\"max_ns\":%" PRIu64 "}",
			rows[i].nr, st->calls, st->errors, st->total_ns,
			st->min_ns, st->timed ? st->total_ns / st->timed : 0,
			st->max_ns);
	}
	fprintf(fp, "]");
	free(rows);
}
