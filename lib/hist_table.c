// SPDX-License-Identifier: GPL-2.0
/*
 * The aggregation table of sonde hist (include/hist.h): key -> count, sum,
 * min, max and buckets, filled by every rung; an open-addressing index
 * over a growing array of entries.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hist.h"

struct hist_table {
	const struct hist_request *req;
	struct hist_entry *entries;
	size_t n, cap;
	size_t *index;		/* entry + 1, 0: free slot */
	size_t index_cap;	/* a power of two, > 2 * n */
	int nbuckets;
};

/* ---- buckets ---- */

int hist_nbuckets(const struct hist_request *req)
{
	uint64_t span;

	switch (req->buckets) {
	case HIST_BUCKETS_LOG2:
		return HIST_LOG2_BUCKETS;
	case HIST_BUCKETS_LINEAR:
		if (req->lin_step <= 0 || req->lin_max <= req->lin_min)
			return 0;
		span = (uint64_t)(req->lin_max - req->lin_min);
		return (span + (uint64_t)req->lin_step - 1) / (uint64_t)req->lin_step + 2;
	default:
		return 0;
	}
}

int hist_bucket_of(const struct hist_request *req, int64_t v)
{
	uint64_t u = v;
	int b = 0;

	if (req->buckets == HIST_BUCKETS_LOG2) {
		while (u >>= 1)
			b++;
		return b;
	}
	if (v < req->lin_min)
		return 0;
	if (v >= req->lin_max)
		return hist_nbuckets(req) - 1;
	return (v - req->lin_min) / req->lin_step + 1;
}

void hist_bucket_range(const struct hist_request *req, int b, int64_t *lo,
		       int64_t *hi)
{
	int nb = hist_nbuckets(req);

	*lo = *hi = 0;
	if (b < 0 || b >= nb)
		return;
	if (req->buckets == HIST_BUCKETS_LOG2) {
		*lo = b ? (int64_t)(1ull << b) : 0;
		*hi = b == 63 ? (int64_t)UINT64_MAX : (int64_t)(2ull << b);
	} else if (b == 0) {
		*lo = INT64_MIN;
		*hi = req->lin_min;
	} else if (b == nb - 1) {
		*lo = req->lin_max;
		*hi = INT64_MAX;
	} else {
		*lo = req->lin_min + (b - 1) * req->lin_step;
		*hi = *lo + req->lin_step > req->lin_max ? req->lin_max : *lo + req->lin_step;
	}
}

/* ---- keys ---- */

static uint64_t mix(uint64_t h, uint64_t v)
{
	h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
	return h * 0xff51afd7ed558ccdull;
}

static uint64_t hash_str(uint64_t h, const char *s)
{
	while (*s)
		h = mix(h, (unsigned char)*s++);
	return mix(h, 0xff);
}

static uint64_t hash_key(const struct hist_request *req, const struct hist_kval *k)
{
	uint64_t h = 1469598103934665603ull;

	for (int i = 0; i < req->nkeys; i++) {
		if (k[i].s)
			h = hash_str(h, k[i].s);
		else
			h = mix(h, k[i].i);
		for (int j = 0; j < k[i].nips; j++)
			h = mix(h, k[i].ips[j]);
		h = mix(h, k[i].pid);
	}
	return h;
}

static bool kval_equal(const struct hist_kval *a, const struct hist_kval *b)
{
	if (!a->s != !b->s || (a->s && strcmp(a->s, b->s)))
		return false;
	if (a->i != b->i || a->nips != b->nips || a->pid != b->pid)
		return false;
	return !a->nips || !memcmp(a->ips, b->ips, a->nips * sizeof(*a->ips));
}

static bool key_equal(const struct hist_request *req, const struct hist_kval *a,
		      const struct hist_kval *b)
{
	for (int i = 0; i < req->nkeys; i++)
		if (!kval_equal(&a[i], &b[i]))
			return false;
	return true;
}

static int kval_copy(struct hist_kval *dst, const struct hist_kval *src)
{
	*dst = *src;
	dst->s = NULL;
	dst->ips = NULL;
	if (src->s && !(dst->s = strdup(src->s)))
		return -ENOMEM;
	if (src->nips) {
		uint64_t *ips = malloc(src->nips * sizeof(*ips));

		if (!ips)
			return -ENOMEM;
		memcpy(ips, src->ips, src->nips * sizeof(*ips));
		dst->ips = ips;
	}
	return 0;
}

static void entry_release(struct hist_entry *e)
{
	for (int i = 0; i < HIST_MAX_KEYS; i++) {
		free((char *)e->key[i].s);
		free((uint64_t *)e->key[i].ips);
	}
	free(e->buckets);
}

/* ---- the table ---- */

struct hist_table *hist_table_new(const struct hist_request *req)
{
	struct hist_table *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->req = req;
	t->nbuckets = hist_nbuckets(req);
	return t;
}

void hist_table_clear(struct hist_table *t)
{
	for (size_t i = 0; i < t->n; i++)
		entry_release(&t->entries[i]);
	t->n = 0;
	if (t->index)
		memset(t->index, 0, t->index_cap * sizeof(*t->index));
}

void hist_table_free(struct hist_table *t)
{
	if (!t)
		return;
	hist_table_clear(t);
	free(t->entries);
	free(t->index);
	free(t);
}

size_t hist_table_size(const struct hist_table *t)
{
	return t->n;
}

static int reindex(struct hist_table *t)
{
	size_t cap = t->index_cap ? t->index_cap * 2 : 64;
	size_t *index = calloc(cap, sizeof(*index));

	if (!index)
		return -ENOMEM;
	for (size_t i = 0; i < t->n; i++) {
		size_t h = hash_key(t->req, t->entries[i].key) & (cap - 1);

		while (index[h])
			h = (h + 1) & (cap - 1);
		index[h] = i + 1;
	}
	free(t->index);
	t->index = index;
	t->index_cap = cap;
	return 0;
}

static struct hist_entry *append(struct hist_table *t, const struct hist_kval *key)
{
	struct hist_entry *e;

	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 32;
		struct hist_entry *n = realloc(t->entries, cap * sizeof(*n));

		if (!n)
			return NULL;
		t->entries = n;
		t->cap = cap;
	}
	e = &t->entries[t->n];
	memset(e, 0, sizeof(*e));
	for (int i = 0; i < t->req->nkeys; i++)
		if (kval_copy(&e->key[i], &key[i]))
			goto fail;
	if (t->nbuckets && !(e->buckets = calloc(t->nbuckets, sizeof(*e->buckets))))
		goto fail;
	t->n++;
	return e;
fail:
	entry_release(e);
	return NULL;
}

struct hist_entry *hist_table_entry(struct hist_table *t, const struct hist_kval *key)
{
	struct hist_entry *e;
	size_t h;

	if (2 * (t->n + 1) > t->index_cap && reindex(t))
		return NULL;
	h = hash_key(t->req, key) & (t->index_cap - 1);
	for (; t->index[h]; h = (h + 1) & (t->index_cap - 1))
		if (key_equal(t->req, t->entries[t->index[h] - 1].key, key))
			return &t->entries[t->index[h] - 1];
	e = append(t, key);
	if (e)
		t->index[h] = t->n;
	return e;
}

static void add_stats(struct hist_entry *e, uint64_t count, int64_t sum,
		      int64_t min, int64_t max)
{
	if (!count)
		return;
	if (!e->count || min < e->min)
		e->min = min;
	if (!e->count || max > e->max)
		e->max = max;
	e->count += count;
	e->sum += sum;
}

void hist_entry_add(struct hist_table *t, struct hist_entry *e, int64_t v,
		    uint64_t n)
{
	add_stats(e, n, v * (int64_t)n, v, v);
	if (e->buckets)
		e->buckets[hist_bucket_of(t->req, v)] += n;
}

void hist_entry_add_agg(struct hist_table *t, struct hist_entry *e,
			uint64_t count, int64_t sum, int64_t min, int64_t max,
			const uint64_t *buckets)
{
	add_stats(e, count, sum, min, max);
	for (int b = 0; buckets && e->buckets && b < t->nbuckets; b++)
		e->buckets[b] += buckets[b];
}

void hist_table_merge(struct hist_table *dst, const struct hist_table *src)
{
	for (size_t i = 0; i < src->n; i++) {
		const struct hist_entry *s = &src->entries[i];
		struct hist_entry *d = hist_table_entry(dst, s->key);

		if (d)
			hist_entry_add_agg(dst, d, s->count, s->sum, s->min, s->max,
					   s->buckets);
	}
}

/* For lib/hist_print.c: the entries, in insertion order. */
const struct hist_entry *hist_table_entries(const struct hist_table *t, size_t *n)
{
	*n = t->n;
	return t->entries;
}

const struct hist_request *hist_table_request(const struct hist_table *t)
{
	return t->req;
}
