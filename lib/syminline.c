// SPDX-License-Identifier: GPL-2.0
/* Inlined functions at an address, from DWARF scopes, cached. */
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "syminline.h"

struct inline_answer {
	uint64_t vaddr;
	uint8_t n;
	bool used;
	const char *names[SYMINLINE_MAX];
};

struct syminline {
	int fd;
	Dwarf *dw;
	struct inline_answer *cache;	/* open addressing by vaddr */
	size_t cap, n;
};

struct syminline *syminline_open(const char *path)
{
	struct syminline *si = calloc(1, sizeof(*si));

	if (!si)
		return NULL;
	si->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (si->fd < 0 || !(si->dw = dwarf_begin(si->fd, DWARF_C_READ))) {
		syminline_close(si);
		return NULL;
	}
	return si;
}

void syminline_close(struct syminline *si)
{
	if (!si)
		return;
	if (si->dw)
		dwarf_end(si->dw);
	if (si->fd >= 0)
		close(si->fd);
	free(si->cache);
	free(si);
}

/* An inlined scope's name is its abstract origin's. */
static const char *scope_name(Dwarf_Die *die)
{
	Dwarf_Attribute a;
	const char *name = NULL;

	if (dwarf_attr_integrate(die, DW_AT_name, &a))
		name = dwarf_formstring(&a);
	return name;
}

/*
 * Walk the scopes at vaddr from the innermost out to the function.
 * dwarf_getscopes() goes on from an inlined scope into the inlined
 * function's own definition; the concrete chain (which function it was
 * inlined into) is the innermost DIE's parents: dwarf_getscopes_die().
 */
static void lookup(struct syminline *si, struct inline_answer *ans)
{
	Dwarf_Die cu, *found = NULL, *scopes = NULL;
	int n;

	if (!dwarf_addrdie(si->dw, ans->vaddr, &cu))
		return;
	n = dwarf_getscopes(&cu, ans->vaddr, &found);
	if (n > 0)
		n = dwarf_getscopes_die(&found[0], &scopes);
	free(found);
	for (int i = 0; i < n && ans->n < SYMINLINE_MAX; i++) {
		int tag = dwarf_tag(&scopes[i]);
		const char *name;

		if (tag == DW_TAG_subprogram)
			break;
		if (tag == DW_TAG_inlined_subroutine && (name = scope_name(&scopes[i])))
			ans->names[ans->n++] = name;
	}
	free(scopes);
}

static size_t slot_of(const struct syminline *si, uint64_t vaddr)
{
	size_t i = (vaddr * 0x9e3779b97f4a7c15ull) >> 20 & (si->cap - 1);

	while (si->cache[i].used && si->cache[i].vaddr != vaddr)
		i = (i + 1) & (si->cap - 1);
	return i;
}

static int grow(struct syminline *si)
{
	struct syminline bigger = *si;

	if (si->n * 2 < si->cap)
		return 0;
	bigger.cap = si->cap ? si->cap * 2 : 256;
	if (!(bigger.cache = calloc(bigger.cap, sizeof(*bigger.cache))))
		return -ENOMEM;
	for (size_t i = 0; i < si->cap; i++)
		if (si->cache[i].used)
			bigger.cache[slot_of(&bigger, si->cache[i].vaddr)] = si->cache[i];
	free(si->cache);
	*si = bigger;
	return 0;
}

int syminline_at(struct syminline *si, uint64_t vaddr, const char **names,
		 int max)
{
	struct inline_answer *ans;
	int n;

	if (!si || grow(si))
		return 0;
	ans = &si->cache[slot_of(si, vaddr)];
	if (!ans->used) {
		*ans = (struct inline_answer){ .vaddr = vaddr, .used = true };
		lookup(si, ans);
		si->n++;
	}
	n = ans->n < max ? ans->n : max;
	memcpy(names, ans->names, n * sizeof(*names));
	return n;
}
