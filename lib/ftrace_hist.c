// SPDX-License-Identifier: GPL-2.0
/*
 * ftrace hist triggers and synthetic events: the trigger texts, setting
 * them up in sonde's instance, and parsing `hist` files. What the kernels
 * accept and print is summarized in include/ftrace_hist.h.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ftrace_hist.h"
#include "fault.h"
#include "tfs.h"

/* ---- writing texts ---- */

struct sbuf {
	char *buf;
	size_t size, len;
	bool full;
};

static void sb_add(struct sbuf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void sb_add(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->full)
		return;
	va_start(ap, fmt);
	n = vsnprintf(b->buf + b->len, b->size - b->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= b->size - b->len)
		b->full = true;
	else
		b->len += n;
}

static int sb_done(struct sbuf *b)
{
	return b->full ? -ENOSPC : 0;
}

static void key_text(struct sbuf *b, const struct fhist_key *k)
{
	switch (k->mod) {
	case FHK_LOG2:
		sb_add(b, "%s.log2", k->expr);
		break;
	case FHK_BUCKETS:
		sb_add(b, "%s.buckets=%llu", k->expr, (unsigned long long)k->step);
		break;
	case FHK_EXECNAME:
		sb_add(b, "%s.execname", k->expr);
		break;
	case FHK_STACK:
		sb_add(b, "stacktrace");
		break;
	default:
		sb_add(b, "%s", k->expr);
	}
}

int fhist_agg_text(const struct fhist_agg *a, char *buf, size_t size)
{
	struct sbuf b = { buf, size };

	if (a->nkeys < 1 || a->nkeys > FHIST_MAX_KEYS || a->nvals > FHIST_MAX_VALS)
		return -EINVAL;
	sb_add(&b, "hist:");
	if (a->name[0])
		sb_add(&b, "name=%s:", a->name);
	sb_add(&b, "keys=");
	for (int i = 0; i < a->nkeys; i++) {
		if (i)
			sb_add(&b, ",");
		key_text(&b, &a->keys[i]);
	}
	sb_add(&b, ":vals=hitcount");
	for (int i = 0; i < a->nvals; i++)
		sb_add(&b, ",%s", a->vals[i]);
	if (a->size)
		sb_add(&b, ":size=%u", a->size);
	if (a->filter[0])
		sb_add(&b, " if %s", a->filter);
	return sb_done(&b);
}


#define STAGE2	"_u"

void fhist_pair_event(const struct fhist_pair *p, char *buf, size_t size)
{
	snprintf(buf, size, "%s%s", p->synth, p->div ? STAGE2 : "");
}

int fhist_pair_synth_def(const struct fhist_pair *p, int stage, char *buf,
			 size_t size)
{
	struct sbuf b = { buf, size };

	sb_add(&b, "%s%s u64 lat", p->synth, stage ? STAGE2 : "");
	for (int i = 0; i < p->nparams; i++)
		sb_add(&b, "; %s p%d", p->param_types[i], i);
	return sb_done(&b);
}

int fhist_pair_from_text(const struct fhist_pair *p, int i, char *buf,
			 size_t size)
{
	const struct fhist_end *f = &p->from[i];
	struct sbuf b = { buf, size };

	sb_add(&b, "hist:keys=%s:%s" FHIST_TS_VAR "%d=common_timestamp", f->key,
	       p->synth, i);
	if (p->size)
		sb_add(&b, ":size=%u", p->size);
	if (f->filter[0])
		sb_add(&b, " if %s", f->filter);
	return sb_done(&b);
}

int fhist_pair_to_text(const struct fhist_pair *p, int i, char *buf,
		       size_t size)
{
	const struct fhist_end *f = &p->from[i], *t = &p->to;
	struct sbuf b = { buf, size };
	const char *s = p->synth;

	sb_add(&b, "hist:keys=%s:%s" FHIST_LAT_VAR "%d=common_timestamp-$%s"
	       FHIST_TS_VAR "%d%s:onmatch(%s.%s).trace(%s,$%s" FHIST_LAT_VAR "%d",
	       t->key, s, i, s, i, p->plus_one && !p->div ? "+1" : "", f->sys,
	       f->event, s, s, i);
	for (int k = 0; k < p->nparams; k++)
		sb_add(&b, ",%s", p->params[k]);
	sb_add(&b, ")");
	if (p->size)
		sb_add(&b, ":size=%u", p->size);
	if (t->filter[0])
		sb_add(&b, " if %s", t->filter);
	return sb_done(&b);
}

/*
 * One table entry (keyed by the event type) whose onmatch on its own
 * event fires on every hit; "$x" set in the same trigger reads right,
 * unlike a variable computed from another of the trigger's variables
 * (6.1 and 6.12 read "x=$d/1000" as common_timestamp/1000).
 */
int fhist_pair_stage2_text(const struct fhist_pair *p, char *buf, size_t size)
{
	struct sbuf b = { buf, size };
	const char *s = p->synth;

	sb_add(&b, "hist:keys=common_type:%s" STAGE2 "=lat/%llu%s:"
	       "onmatch(synthetic.%s).trace(%s" STAGE2 ",$%s" STAGE2, s,
	       (unsigned long long)p->div, p->plus_one ? "+1" : "", s, s, s);
	for (int i = 0; i < p->nparams; i++)
		sb_add(&b, ",p%d", i);
	sb_add(&b, ")");
	return sb_done(&b);
}

/* ---- parsing hist files ---- */

/*
 * A hist file holds one table per trigger:
 *   # trigger info: hist:name=N:keys=...:vals=...:sort=...:size=S [active]
 *   #
 *
 *   { k1: v1, k2: v2 } hitcount:          3  val:       1234
 *   ...
 *   Totals:
 *       Hits: 13
 *       Entries: 4
 *       Dropped: 0
 * Keys print as "%10llu", "~ 2^%-2llu" (log2), "~ %llu-%llu" (buckets),
 * "%-16s[%10llu]" (execname), "%-50s" (strings); a stack key prints its
 * name, a newline, one frame a line and ends its line before ", " or "}".
 */
/* The end of the "# trigger info:" line holding marker (any: NULL). */
static const char *find_table(const char *text, const char *marker)
{
	const char *p = text, *nl;

	while ((p = strstr(p, "# trigger info: "))) {
		p += 16;
		nl = strchr(p, '\n');
		if (!nl)
			return NULL;
		if (!marker || memmem(p, nl - p, marker, strlen(marker)))
			return nl;
	}
	return NULL;
}

static const char *skip_spaces(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

static bool parse_u64(const char **pp, uint64_t *v)
{
	const char *p = skip_spaces(*pp);
	char *end;

	if (!isdigit((unsigned char)*p))
		return false;
	errno = 0;
	*v = strtoull(p, &end, 10);
	if (errno)
		return false;
	*pp = end;
	return true;
}

static bool expect(const char **pp, const char *s)
{
	size_t n = strlen(s);

	if (strncmp(*pp, s, n))
		return false;
	*pp += n;
	return true;
}

static char *dup_trimmed(const char *s, size_t n)
{
	char *d;

	while (n && (s[n - 1] == ' ' || s[n - 1] == '\n'))
		n--;
	d = malloc(n + 1);
	if (d) {
		memcpy(d, s, n);
		d[n] = '\0';
	}
	return d;
}

/* Frames from after "name:\n" to the line starting with ", " or "}". */
static bool parse_stack(const char **pp, struct fhist_kv *kv)
{
	const char *p = *pp, *line;
	size_t cap = 256, len = 0;
	char *s = malloc(cap);

	if (!s || *p != '\n') {
		free(s);
		return false;
	}
	for (line = p + 1; *line && *line != ',' && *line != '}';) {
		const char *f = skip_spaces(line), *nl = strchr(f, '\n');
		size_t n = nl ? (size_t)(nl - f) : strlen(f);

		if (len + n + 2 > cap) {
			char *t = realloc(s, cap = 2 * (len + n + 2));

			if (!t) {
				free(s);
				return false;
			}
			s = t;
		}
		memcpy(s + len, f, n);
		len += n;
		s[len++] = '\n';
		if (!nl)
			break;
		line = nl + 1;
	}
	s[len ? len - 1 : 0] = '\0';
	kv->s = s;
	*pp = line;
	return true;
}

/* A string key ends at ", NEXT: " or, when last, at " }" before
 * " hitcount:" (strings may hold spaces and commas). */
static bool parse_string(const char **pp, const char *end, bool last,
			 struct fhist_kv *kv)
{
	const char *p = *pp, *stop = NULL, *q;

	if (last) {
		stop = end;	/* the closing brace */
	} else {
		for (q = p; (q = strstr(q, ", ")) && q < end; q += 2)
			if (memchr(q + 2, ':', end - q - 2)) {
				stop = q;
				break;
			}
	}
	if (!stop)
		return false;
	kv->s = dup_trimmed(p, stop - p);
	*pp = stop;
	return kv->s != NULL;
}

static bool parse_key(const char **pp, const char *end, const struct fhist_key *k,
		      bool last, struct fhist_kv *kv)
{
	const char *p = *pp, *colon;
	uint64_t hi;

	/* the name as printed, then ": " (a stack's name ends in ":\n") */
	colon = strchr(p, ':');
	if (!colon || colon >= end)
		return false;
	p = colon + 1;
	switch (k->mod) {
	case FHK_STACK:
		if (!parse_stack(&p, kv))
			return false;
		break;
	case FHK_LOG2:
		if (!expect(&p, " ~ 2^") || !parse_u64(&p, &kv->v))
			return false;
		break;
	case FHK_BUCKETS:
		if (!expect(&p, " ~ ") || !parse_u64(&p, &kv->v) ||
		    !expect(&p, "-") || !parse_u64(&p, &hi))
			return false;
		break;
	case FHK_EXECNAME:
		/* "%-16s[%10llu]": the comm is the first 16 columns */
		if (!expect(&p, " ") || end - p < 17 || p[16] != '[')
			return false;
		kv->s = dup_trimmed(p, 16);
		p += 17;
		if (!kv->s || !parse_u64(&p, &kv->v) || !expect(&p, "]"))
			return false;
		break;
	case FHK_STRING:
		if (!expect(&p, " ") || !parse_string(&p, end, last, kv))
			return false;
		break;
	default:
		if (!parse_u64(&p, &kv->v))
			return false;
	}
	*pp = p;
	return true;
}

/* "hitcount: N  name: V ..." up to the end of the line */
static bool parse_vals(const char *p, const struct fhist_agg *a,
		       struct fhist_row *r)
{
	if (!expect(&p, " hitcount:") || !parse_u64(&p, &r->hitcount))
		return false;
	for (int i = 0; i < a->nvals; i++) {
		const char *colon = strchr(p, ':'), *nl = strchr(p, '\n');

		if (!colon || (nl && colon > nl))
			return false;
		p = colon + 1;
		if (!parse_u64(&p, &r->vals[i]))
			return false;
	}
	return true;
}

/* The brace closing the row that starts at p: the first "}" followed by
 * " hitcount:" (a key's string could hold a lone "}"). */
static const char *row_end(const char *p)
{
	while ((p = strchr(p, '}')))
		if (!strncmp(p + 1, " hitcount:", 10))
			return p;
		else
			p++;
	return NULL;
}

static int parse_row(const char **pp, const struct fhist_agg *a,
		     struct fhist_row *r)
{
	const char *p = *pp + 2, *end = row_end(*pp), *nl;

	if (!end)
		return -EINVAL;
	r->id = dup_trimmed(*pp, end + 1 - *pp);
	if (!r->id)
		return -ENOMEM;
	for (int i = 0; i < a->nkeys; i++) {
		if (i && !expect(&p, ", "))
			return -EINVAL;
		if (!parse_key(&p, end, &a->keys[i], i == a->nkeys - 1,
			       &r->key[i]))
			return -EINVAL;
	}
	if (!parse_vals(end + 1, a, r))
		return -EINVAL;
	nl = strchr(end, '\n');
	*pp = nl ? nl + 1 : end + strlen(end);
	return 0;
}

static int add_row(struct fhist_table *t, size_t *cap)
{
	if (t->nrows == *cap) {
		size_t n = *cap ? 2 * *cap : 64;
		struct fhist_row *rows = realloc(t->rows, n * sizeof(*rows));

		if (!rows)
			return -ENOMEM;
		t->rows = rows;
		*cap = n;
	}
	memset(&t->rows[t->nrows], 0, sizeof(t->rows[0]));
	return 0;
}

static void parse_totals(const char *p, struct fhist_table *t)
{
	const char *q;

	if ((q = strstr(p, "Hits:")))
		t->hits = strtoull(q + 5, NULL, 10);
	if ((q = strstr(p, "Entries:")))
		t->entries = strtoull(q + 8, NULL, 10);
	if ((q = strstr(p, "Dropped:")))
		t->dropped = strtoull(q + 8, NULL, 10);
}

int fhist_parse(const char *text, const struct fhist_agg *a,
		struct fhist_table *t)
{
	char name[80];
	const char *p;
	size_t cap = 0;
	int ret;

	memset(t, 0, sizeof(*t));
	snprintf(name, sizeof(name), "hist:name=%s:", a->name);
	if (!(p = find_table(text, a->name[0] ? name : NULL)))
		return -ENOENT;
	while (*p) {
		if (!strncmp(p, "Totals:", 7)) {
			parse_totals(p, t);
			return 0;
		}
		if (!strncmp(p, "# trigger info:", 15))
			break;	/* the next table, without totals */
		if (!strncmp(p, "{ ", 2)) {
			if ((ret = add_row(t, &cap)))
				return ret;
			ret = parse_row(&p, a, &t->rows[t->nrows]);
			t->nrows++;
			if (ret)
				return ret;
			continue;
		}
		p = strchr(p, '\n');
		if (!p)
			break;
		p++;
	}
	return -EINVAL;
}

int fhist_totals(const char *text, const char *marker, struct fhist_table *t)
{
	const char *p = find_table(text, marker), *next;

	memset(t, 0, sizeof(*t));
	if (!p)
		return -ENOENT;
	next = strstr(p, "# trigger info:");
	p = strstr(p, "\nTotals:");
	if (!p || (next && p > next))
		return -EINVAL;
	parse_totals(p, t);
	return 0;
}

void fhist_table_free(struct fhist_table *t)
{
	for (size_t i = 0; i < t->nrows; i++) {
		free(t->rows[i].id);
		for (int k = 0; k < FHIST_MAX_KEYS; k++)
			free(t->rows[i].key[k].s);
	}
	free(t->rows);
	memset(t, 0, sizeof(*t));
}

/* ---- in the kernel ---- */

int fhist_add(struct tfs *t, const char *sys, const char *event,
	      const struct fhist_agg *a, char *err, size_t errsz)
{
	char text[FHIST_FILTER_MAX + 1024];

	if (fhist_agg_text(a, text, sizeof(text))) {
		snprintf(err, errsz, "hist trigger too long for %s:%s", sys, event);
		return -ENOSPC;
	}
	return tfs_trigger_add(t, sys, event, text, err, errsz);
}

int fhist_pair_add(struct tfs *t, const struct fhist_pair *p, char *err,
		   size_t errsz)
{
	char text[FHIST_FILTER_MAX + 1024];
	int ret = 0;

	for (int stage = 0; stage <= !!p->div && !ret; stage++)
		ret = fhist_pair_synth_def(p, stage, text, sizeof(text)) ? -ENOSPC :
		      tfs_synth_add(t, text, err, errsz);
	for (int i = 0; i < p->nfrom && !ret; i++)
		ret = fhist_pair_from_text(p, i, text, sizeof(text)) ? -ENOSPC :
		      tfs_trigger_add(t, p->from[i].sys, p->from[i].event, text,
				      err, errsz);
	for (int i = 0; i < p->nfrom && !ret; i++)
		ret = fhist_pair_to_text(p, i, text, sizeof(text)) ? -ENOSPC :
		      tfs_trigger_add(t, p->to.sys, p->to.event, text, err, errsz);
	if (!ret && p->div)
		ret = fhist_pair_stage2_text(p, text, sizeof(text)) ? -ENOSPC :
		      tfs_trigger_add(t, "synthetic", p->synth, text, err, errsz);
	if (ret == -ENOSPC)
		snprintf(err, errsz, "latency trigger too long");
	return ret;
}

char *fhist_read(struct tfs *t, const char *sys, const char *event)
{
	char path[PATH_MAX], *buf = NULL, *nb;
	size_t cap = 0, len = 0;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/events/%s/%s/hist", tfs_instance(t),
		 sys, event);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	do {
		if (cap - len < 4096) {
			nb = realloc(buf, cap = cap ? 2 * cap : 65536);
			if (!nb) {
				free(buf);
				close(fd);
				errno = ENOMEM;
				return NULL;
			}
			buf = nb;
		}
		n = fault_read(read(fd, buf + len, cap - len - 1));
		if (n > 0)
			len += n;
	} while (n > 0);
	close(fd);
	if (n < 0) {
		free(buf);
		return NULL;
	}
	buf[len] = '\0';
	return buf;
}
