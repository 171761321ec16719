// SPDX-License-Identifier: GPL-2.0
/* Per-file function tables for the symbolizer, debug files, perf maps. */
#include <elf.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ksyms.h"
#include "sonde.h"
#include "symfile.h"
#include "syminline.h"
#include "usym.h"
#include "util.h"

struct symfile {
	char *path;
	uint64_t dev, ino;
	struct uelf *elf;	/* the mapped file: its segments and symbols */
	struct uelf *debug;	/* a separate debug file, or NULL */
	struct symfile_func *funcs;	/* sorted by addr */
	size_t nfuncs;
	char *root;		/* the prefix the file was read through */
	struct syminline *inl;	/* its DWARF, for --inline; opened once */
	bool inl_tried;
	struct symfile *next;
};

static struct symfile *files;

long symfunc_find(const struct symfile_func *funcs, size_t n, uint64_t addr)
{
	size_t lo = 0, hi = n;

	/* the last entry starting at or below addr */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (funcs[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo)
		return -1;
	lo--;
	if (funcs[lo].size && addr >= funcs[lo].addr + funcs[lo].size)
		return -1;	/* in a gap: a local function the table lacks */
	return lo;
}

static int func_cmp(const void *a, const void *b)
{
	const struct symfile_func *x = a, *y = b;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	return 0;
}

/* Of two names for one address, the one people call it by: fewer
 * leading underscores ("malloc" over "__libc_malloc"), then shorter. */
static bool better_name(const char *a, const char *b)
{
	size_t ua = strspn(a, "_"), ub = strspn(b, "_");

	if (ua != ub)
		return ua < ub;
	return strlen(a) < strlen(b);
}

static int add_funcs(struct symfile *sf, const struct uelf *e)
{
	struct symfile_func *f;

	f = realloc(sf->funcs, (sf->nfuncs + e->nsyms + 1) * sizeof(*f));
	if (!f)
		return -ENOMEM;
	sf->funcs = f;
	for (size_t i = 0; i < e->nsyms; i++) {
		const struct usym *s = &e->syms[i];

		if ((s->type != STT_FUNC && s->type != STT_GNU_IFUNC) || !s->vaddr)
			continue;
		f[sf->nfuncs++] = (struct symfile_func){
			.addr = s->vaddr, .size = s->size, .name = s->name,
		};
	}
	return 0;
}

/* Sort by address and keep one name per address. */
static void index_funcs(struct symfile *sf)
{
	size_t n = 0;

	qsort(sf->funcs, sf->nfuncs, sizeof(*sf->funcs), func_cmp);
	for (size_t i = 0; i < sf->nfuncs; i++) {
		struct symfile_func *f = &sf->funcs[i];

		if (n && sf->funcs[n - 1].addr == f->addr) {
			struct symfile_func *kept = &sf->funcs[n - 1];

			if (better_name(f->name, kept->name))
				kept->name = f->name;
			if (!kept->size)
				kept->size = f->size;
			continue;
		}
		sf->funcs[n++] = *f;
	}
	sf->nfuncs = n;
}

const char *symfile_debug_root(void)
{
	const char *dir = getenv("SONDE_DEBUG_DIR");

	return dir && *dir ? dir : "/usr/lib/debug";
}

static bool same_build_id(const struct uelf *a, const struct uelf *b)
{
	if (!a->build_id_len || !b->build_id_len)
		return true;	/* nothing to compare: trust the name */
	return a->build_id_len == b->build_id_len &&
	       !memcmp(a->build_id, b->build_id, a->build_id_len);
}

static struct uelf *try_debug(const struct uelf *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static struct uelf *try_debug(const struct uelf *e, const char *fmt, ...)
{
	char path[PATH_MAX], err[USYM_ERR_MAX];
	struct uelf *d;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(path, sizeof(path), fmt, ap);
	va_end(ap);
	if (!strcmp(path, e->path) || access(path, R_OK))
		return NULL;
	d = uelf__open(path, err, sizeof(err));
	if (d && (!d->has_symtab || !same_build_id(e, d))) {
		uelf__close(d);
		d = NULL;
	}
	return d;
}

/* The separate debug file of e (opened as root + path). */
static struct uelf *find_debug(const struct uelf *e, const char *root,
			       const char *path)
{
	char hex[2 * sizeof(e->build_id) + 1], dir[PATH_MAX];
	const char *debug = symfile_debug_root();
	struct uelf *d = NULL;
	char *slash;

	if (e->build_id_len >= 2) {
		for (size_t i = 0; i < e->build_id_len; i++)
			sprintf(hex + 2 * i, "%02x", e->build_id[i]);
		d = try_debug(e, "%s%s/.build-id/%.2s/%s.debug",
			      root, debug, hex, hex + 2);
		if (!d && *root)
			d = try_debug(e, "%s/.build-id/%.2s/%s.debug",
				      debug, hex, hex + 2);
	}
	if (d || !e->debuglink)
		return d;
	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (!slash)
		return NULL;
	*slash = '\0';
	if (!(d = try_debug(e, "%s%s%s/%s", root, debug, dir, e->debuglink)) &&
	    !(d = try_debug(e, "%s%s/.debug/%s", root, dir, e->debuglink)))
		d = try_debug(e, "%s%s/%s", root, dir, e->debuglink);
	return d;
}

static void symfile_load(struct symfile *sf, const char *root)
{
	char open_path[PATH_MAX], err[USYM_ERR_MAX];

	snprintf(open_path, sizeof(open_path), "%s%s", root, sf->path);
	sf->elf = uelf__open(open_path, err, sizeof(err));
	if (!sf->elf && *root) {
		/* the process is gone, or the file is ours too */
		sf->elf = uelf__open(sf->path, err, sizeof(err));
		root = "";
	}
	if (!sf->elf) {
		vinfo("symbols: %s", err);
		return;
	}
	sf->root = strdup(root);
	if (!sf->elf->has_symtab && (sf->debug = find_debug(sf->elf, root, sf->path)))
		vinfo("symbols: %s from %s", sf->path, sf->debug->path);
	if (add_funcs(sf, sf->elf) || (sf->debug && add_funcs(sf, sf->debug)))
		return;
	index_funcs(sf);
}

struct symfile *symfile_get(const char *path, const char *root, uint64_t dev,
			    uint64_t ino)
{
	struct symfile *sf;

	for (sf = files; sf; sf = sf->next)
		if (ino ? sf->ino == ino && sf->dev == dev :
			  !sf->ino && !strcmp(sf->path, path))
			return sf;
	sf = calloc(1, sizeof(*sf));
	if (!sf || !(sf->path = strdup(path))) {
		free(sf);
		return NULL;
	}
	sf->dev = dev;
	sf->ino = ino;
	symfile_load(sf, root ? root : "");
	sf->next = files;
	files = sf;
	return sf;
}

const struct symfile_func *symfile_lookup(const struct symfile *sf,
					  uint64_t file_off, uint64_t *vaddr)
{
	long i;

	*vaddr = file_off;
	if (!sf || !sf->elf)
		return NULL;
	for (size_t s = 0; s < sf->elf->nsegs; s++) {
		const struct usym_seg *seg = &sf->elf->segs[s];

		if (file_off >= seg->offset && file_off < seg->offset + seg->filesz) {
			*vaddr = file_off - seg->offset + seg->vaddr;
			break;
		}
	}
	i = symfunc_find(sf->funcs, sf->nfuncs, *vaddr);
	return i < 0 ? NULL : &sf->funcs[i];
}

/* The DWARF of the file, else of its debug file (looked for now when
 * the file has a .symtab, which made the symbols need none). */
static struct syminline *open_dwarf(struct symfile *sf)
{
	char path[PATH_MAX];
	struct uelf *d;

	if (sf->debug && (sf->inl = syminline_open(sf->debug->path)))
		return sf->inl;
	snprintf(path, sizeof(path), "%s%s", sf->root, sf->path);
	if (!(sf->inl = syminline_open(path)) && *sf->root)
		sf->inl = syminline_open(sf->path);	/* gone, as in symfile_load */
	if (sf->inl || sf->debug)
		return sf->inl;
	if ((d = find_debug(sf->elf, sf->root, sf->path))) {
		sf->inl = syminline_open(d->path);
		uelf__close(d);
	}
	return sf->inl;
}

int symfile_inlined(struct symfile *sf, uint64_t vaddr, const char **names,
		    int max)
{
	if (!sf || !sf->elf || !sf->root)
		return 0;
	if (!sf->inl_tried) {
		sf->inl_tried = true;
		if (open_dwarf(sf))
			vinfo("inlined frames: %s from DWARF", sf->path);
	}
	return syminline_at(sf->inl, vaddr, names, max);
}

const char *symfile_debug_path(const struct symfile *sf)
{
	return sf && sf->debug ? sf->debug->path : NULL;
}

/* ---- perf-PID.map ---- */

int perfmap_parse(const char *text, struct perfmap *pm)
{
	struct strarena names = { 0 };
	size_t cap = 0;
	const char *line = text;

	*pm = (struct perfmap){ 0 };
	while (line && *line) {
		const char *eol = strchr(line, '\n');
		size_t len = eol ? (size_t)(eol - line) : strlen(line), off;
		const char *name, *stop = line + len;
		uint64_t start, size = 0;
		char *end;

		/* by hand: sscanf would measure the rest of the text per line */
		start = strtoull(line, &end, 16);
		if (*end == ' ')
			size = strtoull(end + 1, &end, 16);
		name = end + 1;
		line = eol ? eol + 1 : NULL;
		if (*end != ' ' || name >= stop)
			continue;
		off = strarena_add(&names, name, stop - name);
		if (off == (size_t)-1)
			goto nomem;
		if (pm->n == cap) {
			struct symfile_func *f;

			cap = cap ? cap * 2 : 256;
			if (!(f = realloc(pm->funcs, cap * sizeof(*f))))
				goto nomem;
			pm->funcs = f;
		}
		/* name holds an arena offset until the arena stops moving */
		pm->funcs[pm->n++] = (struct symfile_func){
			.addr = start, .size = size ? size : 1,
			.name = (const char *)(uintptr_t)off,
		};
	}
	for (size_t i = 0; i < pm->n; i++)
		pm->funcs[i].name = names.buf + (uintptr_t)pm->funcs[i].name;
	pm->strings = names.buf;
	qsort(pm->funcs, pm->n, sizeof(*pm->funcs), func_cmp);
	return 0;
nomem:
	free(names.buf);
	free(pm->funcs);
	*pm = (struct perfmap){ 0 };
	return -ENOMEM;
}

void perfmap_free(struct perfmap *pm)
{
	free(pm->funcs);
	free(pm->strings);
	*pm = (struct perfmap){ 0 };
}

const struct symfile_func *perfmap_lookup(const struct perfmap *pm,
					  uint64_t addr)
{
	long i = pm ? symfunc_find(pm->funcs, pm->n, addr) : -1;

	return i < 0 ? NULL : &pm->funcs[i];
}

struct perfmap_file {
	int pid;
	off_t size;		/* when read; -1: not found */
	struct perfmap map;
	struct perfmap_file *next;
};

static struct perfmap_file *perfmaps;

/* The process's pid in its own namespace (last NSpid field), or pid. */
static int ns_pid(int pid)
{
	char path[64], *text, *p;
	int nspid = pid;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	text = ksyms_read_file(path);
	if (text && (p = strstr(text, "\nNSpid:"))) {
		char *eol = strchr(p + 1, '\n');

		if (eol)
			*eol = '\0';
		p = strrchr(p, '\t');
		if (p)
			nspid = atoi(p + 1);
	}
	free(text);
	return nspid > 0 ? nspid : pid;
}

static void perfmap_read(struct perfmap_file *f)
{
	char path[PATH_MAX], *text = NULL;
	struct stat st;

	snprintf(path, sizeof(path), "/proc/%d/root/tmp/perf-%d.map", f->pid,
		 ns_pid(f->pid));
	if (stat(path, &st)) {
		snprintf(path, sizeof(path), "/tmp/perf-%d.map", f->pid);
		if (stat(path, &st)) {
			f->size = -1;
			return;
		}
	}
	if (st.st_size == f->size || !(text = ksyms_read_file(path)))
		return;
	perfmap_free(&f->map);
	if (!perfmap_parse(text, &f->map))
		f->size = st.st_size;
	free(text);
}

const struct perfmap *perfmap_of(int pid)
{
	struct perfmap_file *f;

	for (f = perfmaps; f; f = f->next)
		if (f->pid == pid)
			break;
	if (!f) {
		if (!(f = calloc(1, sizeof(*f))))
			return NULL;
		f->pid = pid;
		f->size = -2;
		f->next = perfmaps;
		perfmaps = f;
	}
	perfmap_read(f);	/* cheap when unchanged: one stat */
	return f->map.n ? &f->map : NULL;
}
