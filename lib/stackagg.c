// SPDX-License-Identifier: GPL-2.0
/* Stacks summed by their addresses, then by their names; printers. */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stackagg.h"
#include "syminline.h"
#include "symbolize.h"
#include "util.h"

#define MISSED_K "[Missed Kernel Stack]"
#define MISSED_U "[Missed User Stack]"

struct raw_stack {
	uint64_t hash, value;
	int pid, tid;		/* tid: only when comm is to be looked up */
	char comm[16];
	uint16_t nk, nu;
	uint8_t flags;
	char *ktext;		/* kernel frames as text, or NULL */
	uint64_t ips[];		/* nk kernel, then nu user */
};

/* Open addressing over pointers; the caller keeps hashes in the items. */
struct htab {
	void **slots;
	size_t cap, n;
};

struct stackagg {
	struct htab raw;
	uint64_t total;
	struct htab names;	/* interned frame names (char *) */
	struct htab merged;	/* struct named_stack * while resolving */
	struct named_stack **sorted;
	size_t nsorted;
	const char *(*comm_of)(int pid, int tid);
	bool inline_frames;	/* user frames: inlined functions too */
};

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *c = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ c[i]) * 0x100000001b3ull;
	return h;
}

#define FNV_INIT 0xcbf29ce484222325ull

/* The slot for an item of hash h that eq() accepts, or the empty one
 * where it would go. */
static void **htab_slot(struct htab *t, uint64_t h,
			bool (*eq)(const void *item, const void *key),
			const void *key)
{
	size_t i = h & (t->cap - 1);

	while (t->slots[i] && !eq(t->slots[i], key))
		i = (i + 1) & (t->cap - 1);
	return &t->slots[i];
}

static int htab_grow(struct htab *t, uint64_t (*hash)(const void *item))
{
	struct htab n = { .cap = t->cap ? t->cap * 2 : 1024, .n = t->n };

	if (t->n * 2 < t->cap)
		return 0;
	n.slots = calloc(n.cap, sizeof(*n.slots));
	if (!n.slots)
		return -ENOMEM;
	for (size_t i = 0; i < t->cap; i++) {
		size_t j;

		if (!t->slots[i])
			continue;
		j = hash(t->slots[i]) & (n.cap - 1);
		while (n.slots[j])
			j = (j + 1) & (n.cap - 1);
		n.slots[j] = t->slots[i];
	}
	free(t->slots);
	*t = n;
	return 0;
}

/* ---- raw stacks ---- */

static uint64_t raw_hash(const void *item)
{
	return ((const struct raw_stack *)item)->hash;
}

static bool raw_eq(const void *item, const void *key)
{
	const struct raw_stack *a = item, *b = key;

	return a->hash == b->hash && a->pid == b->pid && a->tid == b->tid &&
	       a->nk == b->nk &&
	       a->nu == b->nu && a->flags == b->flags &&
	       !strcmp(a->comm, b->comm) &&
	       !a->ktext == !b->ktext && (!a->ktext || !strcmp(a->ktext, b->ktext)) &&
	       !memcmp(a->ips, b->ips, (a->nk + a->nu) * sizeof(a->ips[0]));
}

struct stackagg *stackagg_new(void)
{
	return calloc(1, sizeof(struct stackagg));
}

void stackagg_set_inline(struct stackagg *a, bool on)
{
	a->inline_frames = on;
}

void stackagg_set_comm_fn(struct stackagg *a,
			  const char *(*comm_of)(int pid, int tid))
{
	a->comm_of = comm_of;
}

int stackagg_add(struct stackagg *a, const struct stack_sample *s)
{
	int nk = s->nk < STACK_MAX_FRAMES ? s->nk : STACK_MAX_FRAMES;
	int nu = s->nu < STACK_MAX_FRAMES ? s->nu : STACK_MAX_FRAMES;
	struct raw_stack *r, **slot;

	a->total += s->value;
	if (htab_grow(&a->raw, raw_hash))
		return -ENOMEM;
	r = calloc(1, sizeof(*r) + (nk + nu) * sizeof(r->ips[0]));
	if (!r)
		return -ENOMEM;
	r->pid = s->pid;
	if (s->comm)
		snprintf(r->comm, sizeof(r->comm), "%s", s->comm);
	else
		r->tid = s->tid;
	r->nk = nk;
	r->nu = nu;
	r->flags = s->flags;
	if (nk)		/* memcpy's pointers must be valid even for 0 */
		memcpy(r->ips, s->kips, nk * sizeof(r->ips[0]));
	if (nu)
		memcpy(r->ips + nk, s->uips, nu * sizeof(r->ips[0]));
	r->hash = fnv(fnv(FNV_INIT, &r->pid, offsetof(struct raw_stack, ktext) -
			  offsetof(struct raw_stack, pid)),
		      r->ips, (nk + nu) * sizeof(r->ips[0]));
	if (s->ktext) {
		r->ktext = (char *)s->ktext;	/* compared, copied if kept */
		r->hash = fnv(r->hash, s->ktext, strlen(s->ktext));
	}
	slot = (struct raw_stack **)htab_slot(&a->raw, r->hash, raw_eq, r);
	if (*slot) {
		(*slot)->value += s->value;
		free(r);
		return 0;
	}
	if (s->ktext && !(r->ktext = strdup(s->ktext))) {
		free(r);
		return -ENOMEM;
	}
	r->value = s->value;
	*slot = r;
	a->raw.n++;
	return 0;
}

size_t stackagg_count(const struct stackagg *a)
{
	return a->raw.n;
}

uint64_t stackagg_total(const struct stackagg *a)
{
	return a->total;
}

/* ---- naming and merging ---- */

static uint64_t str_hash(const void *item)
{
	return fnv(FNV_INIT, item, strlen(item));
}

static bool str_eq(const void *item, const void *key)
{
	return !strcmp(item, key);
}

/* One copy of each name: merged stacks compare frames by pointer. ';'
 * would split a folded line: it becomes ':'. */
static const char *intern(struct stackagg *a, const char *name)
{
	char **slot, *copy;

	if (htab_grow(&a->names, str_hash))
		return MISSED_U;
	slot = (char **)htab_slot(&a->names, str_hash(name), str_eq, name);
	if (*slot)
		return *slot;
	if (!(copy = strdup(name)))
		return MISSED_U;
	for (char *c = copy; (c = strpbrk(c, ";\n"));)
		*c = ':';
	*slot = copy;
	a->names.n++;
	return copy;
}

/* The tracing machinery a probe's kernel stack starts in: not the work
 * traced, and how many of its frames show varies from hit to hit (which
 * would split one stack in two). */
static bool machinery(const char *name)
{
	static const char *const prefixes[] = {
		"__traceiter_", "trace_event_raw_event_", "perf_trace_",
		"__bpf_trace_", "bpf_trace_run", "trace_call_bpf", "perf_tp_event",
		"perf_syscall_enter", "perf_syscall_exit", "ftrace_syscall_enter",
		"ftrace_syscall_exit", "__trace_stack", "ftrace_trace_userstack",
		"trace_buffer_unlock_commit", "trace_event_buffer_commit",
	};

	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (!strncmp(name, prefixes[i], strlen(prefixes[i])))
			return true;
	return false;
}

/* Drop the machinery from the innermost end (but never every frame). */
static void trim_machinery(const char **f, int *n)
{
	int k = 0;

	while (k < *n - 1 && machinery(f[k]))
		k++;
	memmove(f, f + k, (*n - k) * sizeof(*f));
	*n -= k;
}

static uint64_t named_hash(const struct named_stack *n)
{
	uint64_t h = fnv(FNV_INIT, &n->pid, sizeof(n->pid));

	h = fnv(h, n->comm, strlen(n->comm));
	h = fnv(h, &n->nk, sizeof(n->nk));
	h = fnv(h, n->kframes, n->nk * sizeof(*n->kframes));
	return fnv(h, n->uframes, n->nu * sizeof(*n->uframes));
}

static uint64_t named_hash_item(const void *item)
{
	return named_hash(item);
}

static bool named_eq(const void *item, const void *key)
{
	const struct named_stack *a = item, *b = key;

	return a->pid == b->pid && a->nk == b->nk && a->nu == b->nu &&
	       !strcmp(a->comm, b->comm) &&
	       !memcmp(a->kframes, b->kframes, a->nk * sizeof(*a->kframes)) &&
	       !memcmp(a->uframes, b->uframes, a->nu * sizeof(*a->uframes));
}

/* --inline: "name [inlined]" for each function inlined at a user frame,
 * innermost first, before the frame itself; a return address (every
 * frame but the innermost) is looked up one byte back, in its call. */
static int inlined_frames(struct stackagg *a, int pid, uint64_t ip, bool ret,
			  const char **f, int room)
{
	const char *names[SYMINLINE_MAX];
	char buf[1024];
	int n = sym_user_inlined(pid, ret ? ip - 1 : ip, names,
				 room < SYMINLINE_MAX ? room : SYMINLINE_MAX);

	for (int i = 0; i < n; i++) {
		snprintf(buf, sizeof(buf), "%s [inlined]", names[i]);
		f[i] = intern(a, buf);
	}
	return n;
}

static const char **name_frames(struct stackagg *a, const uint64_t *ips, int n,
				bool missed, int pid, bool kernel, int *out_n)
{
	bool expand = a->inline_frames && !kernel;
	int max = expand ? STACK_MAX_NAMED : n, k = 0;
	const char **f = calloc(max + 1, sizeof(*f));
	char buf[1024];

	if (!f) {
		*out_n = 0;
		return NULL;
	}
	if (missed && !n) {
		f[0] = intern(a, kernel ? MISSED_K : MISSED_U);
		*out_n = 1;
		return f;
	}
	for (int i = 0; i < n && k < max; i++) {
		if (kernel)
			sym_kernel_frame(ips[i], 0, buf, sizeof(buf));
		else
			sym_user_frame(pid, ips[i], 0, buf, sizeof(buf));
		if (expand)	/* room kept for the frames still to come */
			k += inlined_frames(a, pid, ips[i], i > 0, f + k,
					    max - k - (n - i));
		f[k++] = intern(a, buf);
	}
	*out_n = k;
	if (kernel)
		trim_machinery(f, out_n);
	return f;
}

/* "    do_sys_openat2+0x1a/0x200" -> "do_sys_openat2", one a line. */
static const char **text_frames(struct stackagg *a, const char *text, int *out_n)
{
	const char **f = calloc(STACK_MAX_FRAMES, sizeof(*f));
	char name[512];
	int n = 0;

	for (const char *l = text; f && *l && n < STACK_MAX_FRAMES;) {
		size_t len;

		l += strspn(l, " \t");
		len = strcspn(l, "\n");
		if (len) {
			snprintf(name, sizeof(name), "%.*s", (int)len, l);
			name[strcspn(name, "+")] = '\0';
			if (name[0])
				f[n++] = intern(a, name);
		}
		l += len + (l[len] == '\n');
	}
	*out_n = n;
	if (f)
		trim_machinery(f, out_n);
	return f;
}

static void merge_one(struct stackagg *a, const struct raw_stack *r)
{
	struct named_stack *n = calloc(1, sizeof(*n)), **slot;

	if (!n)
		return;
	n->pid = r->pid;
	if (!r->comm[0] && a->comm_of)
		snprintf(n->comm, sizeof(n->comm), "%s", a->comm_of(r->pid, r->tid));
	else
		memcpy(n->comm, r->comm, sizeof(n->comm));
	if (r->ktext)
		n->kframes = text_frames(a, r->ktext, &n->nk);
	else
		n->kframes = name_frames(a, r->ips, r->nk, r->flags & STACK_KMISSED,
					 r->pid, true, &n->nk);
	n->uframes = name_frames(a, r->ips + r->nk, r->nu,
				 r->flags & STACK_UMISSED, r->pid, false, &n->nu);
	n->value = r->value;
	if (htab_grow(&a->merged, named_hash_item))
		goto drop;
	slot = (struct named_stack **)htab_slot(&a->merged, named_hash(n),
						named_eq, n);
	if (*slot) {
		(*slot)->value += n->value;
		goto drop;
	}
	*slot = n;
	a->merged.n++;
	return;
drop:
	free(n->kframes);
	free(n->uframes);
	free(n);
}

static int by_value(const void *x, const void *y)
{
	const struct named_stack *a = *(const struct named_stack *const *)x;
	const struct named_stack *b = *(const struct named_stack *const *)y;

	if (a->value != b->value)
		return a->value < b->value ? -1 : 1;
	return a->pid - b->pid;
}

void stackagg_resolve(struct stackagg *a)
{
	size_t k = 0;

	for (size_t i = 0; i < a->raw.cap; i++)
		if (a->raw.slots[i])
			merge_one(a, a->raw.slots[i]);
	a->sorted = calloc(a->merged.n + 1, sizeof(*a->sorted));
	if (!a->sorted)
		return;
	for (size_t i = 0; i < a->merged.cap; i++)
		if (a->merged.slots[i])
			a->sorted[k++] = a->merged.slots[i];
	a->nsorted = k;
	qsort(a->sorted, k, sizeof(*a->sorted), by_value);
}

size_t stackagg_named(const struct stackagg *a, struct named_stack *const **out)
{
	*out = a->sorted;
	return a->nsorted;
}

void stackagg_free(struct stackagg *a)
{
	if (!a)
		return;
	for (size_t i = 0; i < a->raw.cap; i++) {
		struct raw_stack *r = a->raw.slots[i];

		if (r)
			free(r->ktext);
		free(r);
	}
	for (size_t i = 0; i < a->names.cap; i++)
		free(a->names.slots[i]);
	for (size_t i = 0; i < a->nsorted; i++) {
		free(a->sorted[i]->kframes);
		free(a->sorted[i]->uframes);
		free(a->sorted[i]);
	}
	free(a->raw.slots);
	free(a->names.slots);
	free(a->merged.slots);
	free(a->sorted);
	free(a);
}

/* ---- printing ---- */

void stackagg_print_text(const struct stackagg *a, FILE *fp,
			 const struct stack_print_opts *o)
{
	for (size_t i = 0; i < a->nsorted; i++) {
		const struct named_stack *n = a->sorted[i];

		for (int k = 0; o->kernel && k < n->nk; k++)
			fprintf(fp, "    %s\n", n->kframes[k]);
		if (o->kernel && o->user && n->nk && n->nu)
			fprintf(fp, "    --\n");
		for (int u = 0; o->user && u < n->nu; u++)
			fprintf(fp, "    %s\n", n->uframes[u]);
		fprintf(fp, "    %-16s %s (%d)\n        %llu\n\n", "-", n->comm,
			n->pid, (unsigned long long)n->value);
	}
}

static void json_frames(FILE *fp, const char *key, const char **f, int n)
{
	fprintf(fp, ",\"%s\":[", key);
	for (int i = 0; i < n; i++) {
		if (i)
			fputc(',', fp);
		json_print_string(fp, f[i]);
	}
	fputc(']', fp);
}

void stackagg_print_json(const struct stackagg *a, FILE *fp,
			 const struct stack_print_opts *o)
{
	for (size_t i = a->nsorted; i-- > 0;) {
		const struct named_stack *n = a->sorted[i];

		fprintf(fp, "{\"type\":\"stack\",\"comm\":");
		json_print_string(fp, n->comm);
		fprintf(fp, ",\"pid\":%d,\"%s\":%llu", n->pid, o->unit,
			(unsigned long long)n->value);
		if (o->kernel)
			json_frames(fp, "kstack", n->kframes, n->nk);
		if (o->user)
			json_frames(fp, "ustack", n->uframes, n->nu);
		fprintf(fp, "}\n");
	}
}

void stackagg_walk_folded(const struct stackagg *a,
			  const struct stack_print_opts *o, stack_walk_fn fn,
			  void *ctx)
{
	const char *frames[STACK_MAX_FRAMES + STACK_MAX_NAMED + 1];
	bool kernel[STACK_MAX_FRAMES + STACK_MAX_NAMED + 1];

	for (size_t i = 0; i < a->nsorted; i++) {
		const struct named_stack *n = a->sorted[i];
		int k = 0;

		kernel[k] = false;
		frames[k++] = n->comm;
		for (int u = n->nu; o->user && u-- > 0;) {
			kernel[k] = false;
			frames[k++] = n->uframes[u];
		}
		for (int j = n->nk; o->kernel && j-- > 0;) {
			kernel[k] = true;
			frames[k++] = n->kframes[j];
		}
		fn(ctx, frames, kernel, k, n->value);
	}
}

struct folded {
	char **lines;
	uint64_t *values;
	size_t n, cap;
};

static void fold_line(void *ctx, const char *const *frames, const bool *kernel,
		      int n, uint64_t value)
{
	struct folded *f = ctx;
	size_t len = 0;
	char *line;

	for (int i = 0; i < n; i++)
		len += strlen(frames[i]) + 1;
	if (f->n == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 256;
		char **l = realloc(f->lines, cap * sizeof(*l));
		uint64_t *v = realloc(f->values, cap * sizeof(*v));

		if (l)
			f->lines = l;
		if (v)
			f->values = v;
		if (!l || !v)
			return;
		f->cap = cap;
	}
	if (!(line = malloc(len + 1)))
		return;
	len = 0;
	for (int i = 0; i < n; i++) {
		size_t l = strlen(frames[i]);

		memcpy(line + len, frames[i], l);
		len += l;
		line[len++] = ';';
	}
	line[len ? len - 1 : 0] = '\0';
	f->lines[f->n] = line;
	f->values[f->n++] = value;
}

static const struct folded *cmp_folded;

static int fold_cmp(const void *x, const void *y)
{
	return strcmp(cmp_folded->lines[*(const size_t *)x],
		      cmp_folded->lines[*(const size_t *)y]);
}

/* One line per distinct frame list (stacks of several pids of one comm
 * merge), in name order as FlameGraph's stackcollapse tools write them. */
void stackagg_print_folded(const struct stackagg *a, FILE *fp,
			   const struct stack_print_opts *o)
{
	struct folded f = { 0 };
	size_t *order;

	stackagg_walk_folded(a, o, fold_line, &f);
	order = malloc((f.n + 1) * sizeof(*order));
	for (size_t i = 0; order && i < f.n; i++)
		order[i] = i;
	cmp_folded = &f;
	if (order)
		qsort(order, f.n, sizeof(*order), fold_cmp);
	for (size_t i = 0; order && i < f.n;) {
		size_t j = i + 1;
		uint64_t v = f.values[order[i]];

		while (j < f.n && !strcmp(f.lines[order[i]], f.lines[order[j]]))
			v += f.values[order[j++]];
		fprintf(fp, "%s %llu\n", f.lines[order[i]], (unsigned long long)v);
		i = j;
	}
	for (size_t i = 0; i < f.n; i++)
		free(f.lines[i]);
	free(f.lines);
	free(f.values);
	free(order);
}
