// SPDX-License-Identifier: GPL-2.0
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ksyms.h"
#include "symbolize.h"
#include "usym.h"

/* ---- kernel ---- */

static const struct ksym **by_addr;
static size_t nby_addr;

static int cmp_addr(const void *a, const void *b)
{
	uint64_t x = (*(const struct ksym *const *)a)->addr;
	uint64_t y = (*(const struct ksym *const *)b)->addr;

	return x < y ? -1 : x > y;
}

static void kernel_index(void)
{
	const struct ksyms *ks = ksyms_get();

	if (by_addr || !ks)
		return;
	by_addr = calloc(ks->nsyms + 1, sizeof(*by_addr));
	for (size_t i = 0; i < ks->nsyms; i++)
		if (ks->syms[i].addr)
			by_addr[nby_addr++] = &ks->syms[i];
	qsort(by_addr, nby_addr, sizeof(*by_addr), cmp_addr);
}

void sym_kernel(uint64_t ip, char *buf, size_t size)
{
	size_t lo = 0, hi;

	kernel_index();
	hi = nby_addr;
	/* the last symbol at or below ip */
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (by_addr[mid]->addr <= ip)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* no symbol covers it (BPF programs and trampolines are not in the
	 * table: a huge offset from the last symbol means that) */
	if (!lo || ip - by_addr[lo - 1]->addr > 0x100000) {
		snprintf(buf, size, "0x%llx", (unsigned long long)ip);
		return;
	}
	snprintf(buf, size, "%s+0x%llx", by_addr[lo - 1]->name,
		 (unsigned long long)(ip - by_addr[lo - 1]->addr));
}

/* ---- user ---- */

struct mapping {
	uint64_t start, end, offset;
	char path[PATH_MAX];
};

struct proc_maps {
	int pid;
	struct mapping *maps;
	size_t n;
};

struct elf_cache {
	char path[PATH_MAX];
	struct uelf *e;		/* NULL: could not be read */
};

static struct proc_maps procs[8];
static struct elf_cache elfs[64];
static unsigned int next_proc, next_elf;

static struct proc_maps *maps_of(int pid, bool reload)
{
	char path[64], line[PATH_MAX + 128];
	struct proc_maps *pm = NULL;
	FILE *f;

	for (size_t i = 0; i < sizeof(procs) / sizeof(procs[0]); i++)
		if (procs[i].pid == pid && procs[i].maps)
			pm = &procs[i];
	if (pm && !reload)
		return pm;
	if (!pm)
		pm = &procs[next_proc++ % (sizeof(procs) / sizeof(procs[0]))];
	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	if (!(f = fopen(path, "re")))
		return pm->pid == pid ? pm : NULL;	/* gone: keep what we had */
	free(pm->maps);
	*pm = (struct proc_maps){ .pid = pid };
	while (fgets(line, sizeof(line), f)) {
		struct mapping m = { 0 };
		unsigned long long s, e, off;
		char perms[8];
		int n = 0;

		if (sscanf(line, "%llx-%llx %7s %llx %*s %*s %n", &s, &e, perms, &off, &n) < 4 ||
		    perms[2] != 'x' || !n || line[n] != '/')
			continue;
		m = (struct mapping){ .start = s, .end = e, .offset = off };
		snprintf(m.path, sizeof(m.path), "%s", line + n);
		m.path[strcspn(m.path, "\n")] = '\0';
		pm->maps = realloc(pm->maps, (pm->n + 1) * sizeof(*pm->maps));
		pm->maps[pm->n++] = m;
	}
	fclose(f);
	return pm;
}

static struct uelf *elf_of(const char *path)
{
	struct elf_cache *c;
	char err[256];

	for (size_t i = 0; i < sizeof(elfs) / sizeof(elfs[0]); i++)
		if (elfs[i].path[0] && !strcmp(elfs[i].path, path))
			return elfs[i].e;
	c = &elfs[next_elf++ % (sizeof(elfs) / sizeof(elfs[0]))];
	if (c->e)
		uelf__close(c->e);
	snprintf(c->path, sizeof(c->path), "%s", path);
	c->e = uelf__open(path, err, sizeof(err));
	return c->e;
}

static const struct mapping *find_map(const struct proc_maps *pm, uint64_t ip)
{
	for (size_t i = 0; pm && i < pm->n; i++)
		if (ip >= pm->maps[i].start && ip < pm->maps[i].end)
			return &pm->maps[i];
	return NULL;
}

void sym_user(int pid, uint64_t ip, char *buf, size_t size)
{
	struct proc_maps *pm = maps_of(pid, false);
	const struct mapping *m = find_map(pm, ip);
	const struct usym *s = NULL;
	const char *base;
	struct uelf *e;

	if (!m && (pm = maps_of(pid, true)))	/* mapped since we looked */
		m = find_map(pm, ip);
	if (!m) {
		snprintf(buf, size, "0x%llx [unknown]", (unsigned long long)ip);
		return;
	}
	base = strrchr(m->path, '/');
	base = base ? base + 1 : m->path;
	e = elf_of(m->path);
	if (e) {
		uint64_t off = ip - m->start + m->offset;

		/* file offset -> the ELF's virtual address */
		for (size_t i = 0; i < e->nsegs; i++)
			if (off >= e->segs[i].offset && off < e->segs[i].offset + e->segs[i].filesz) {
				s = uelf__addr_to_sym(e, off - e->segs[i].offset + e->segs[i].vaddr);
				if (s)
					snprintf(buf, size, "%s+0x%llx (%s)", s->name,
						 (unsigned long long)(off - e->segs[i].offset +
								      e->segs[i].vaddr - s->vaddr), base);
				break;
			}
	}
	if (!s)
		snprintf(buf, size, "0x%llx (%s)", (unsigned long long)ip, base);
}
