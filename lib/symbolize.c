// SPDX-License-Identifier: GPL-2.0
/* Stack addresses to names: kallsyms, process mappings, symbol files. */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "ksyms.h"
#include "symbolize.h"
#include "symfile.h"
#include "util.h"

/* ---- kernel ---- */

struct kaddr {
	uint64_t addr;
	size_t name;		/* offset in kstrings */
};

static struct {
	bool loaded, hidden;
	struct kaddr *syms;
	size_t n;
	struct strarena names;
	char note[256];
} kern;

static int kaddr_cmp(const void *a, const void *b)
{
	const struct kaddr *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/* Text symbols of kallsyms ("ffffffff81000000 T _stext", modules too).
 * Parsed by hand: sscanf would measure the rest of the text per line. */
static void kernel_parse(const char *text)
{
	size_t cap = 0, zero = 0, total = 0;

	for (const char *l = text; l && *l;) {
		const char *eol = strchr(l, '\n'), *name;
		char *end;
		uint64_t addr = strtoull(l, &end, 16);
		size_t len;

		l = eol ? eol + 1 : NULL;
		if (end[0] != ' ' || !end[1] || !strchr("tTwW", end[1]) || end[2] != ' ')
			continue;
		name = end + 3;
		len = strcspn(name, " \t\n");
		total++;
		if (!addr) {
			zero++;
			continue;
		}
		if (kern.n == cap) {
			struct kaddr *k;

			cap = cap ? cap * 2 : 65536;
			if (!(k = realloc(kern.syms, cap * sizeof(*k))))
				break;
			kern.syms = k;
		}
		kern.syms[kern.n].addr = addr;
		kern.syms[kern.n].name = strarena_add(&kern.names, name, len);
		if (kern.syms[kern.n].name != (size_t)-1)
			kern.n++;
	}
	kern.hidden = total && zero == total;
	qsort(kern.syms, kern.n, sizeof(*kern.syms), kaddr_cmp);
}

static void kernel_load(void)
{
	long long restrict_level = -1;
	char *text;

	if (kern.loaded)
		return;
	kern.loaded = true;
	text = ksyms_read_file("/proc/kallsyms");
	if (!text) {
		snprintf(kern.note, sizeof(kern.note),
			 "/proc/kallsyms cannot be read (%s): kernel frames are printed as addresses",
			 strerror(errno));
		return;
	}
	kernel_parse(text);
	free(text);
	if (kern.hidden) {
		read_int_file("/proc/sys/kernel/kptr_restrict", &restrict_level);
		snprintf(kern.note, sizeof(kern.note),
			 "/proc/kallsyms hides kernel addresses (kptr_restrict=%lld%s): "
			 "kernel frames are printed as addresses",
			 restrict_level, restrict_level == 1 ? ", and no CAP_SYSLOG" :
			 restrict_level == 0 ? ", and no CAP_SYSLOG or kernel.perf_event_paranoid <= 1" : "");
	}
}

const char *sym_kernel_note(void)
{
	kernel_load();
	return kern.note[0] ? kern.note : NULL;
}

bool sym_kernel_frame(uint64_t ip, unsigned flags, char *buf, size_t size)
{
	size_t lo = 0, hi;
	const struct kaddr *k;

	kernel_load();
	hi = kern.n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (kern.syms[mid].addr <= ip)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* BPF programs and trampolines may be missing from the table: a
	 * huge offset from the symbol below means nothing covers ip */
	if (!lo || ip - kern.syms[lo - 1].addr > 0x100000) {
		snprintf(buf, size, "0x%" PRIx64 " [kernel]", ip);
		return false;
	}
	k = &kern.syms[lo - 1];
	if (flags & SYM_OFFSET)
		snprintf(buf, size, "%s+0x%" PRIx64, kern.names.buf + k->name,
			 ip - k->addr);
	else
		snprintf(buf, size, "%s", kern.names.buf + k->name);
	return true;
}

void sym_kernel(uint64_t ip, char *buf, size_t size)
{
	sym_kernel_frame(ip, SYM_OFFSET, buf, size);
}

/* ---- processes ---- */

struct umap {
	uint64_t start, end, pgoff, dev, ino;
	char *path;		/* "" for anonymous memory */
	struct symfile *sf;	/* looked up on first use */
};

struct proc {
	int pid;
	bool exited;
	int foreign_root;	/* -1 unknown, 0 our root, 1 another */
	uint64_t read_ns;	/* last read of /proc/PID/maps */
	struct umap *maps;	/* sorted by start, not overlapping */
	size_t n, cap;
	struct proc *next;
};

#define PROC_HASH 1024
static struct proc *procs[PROC_HASH];

bool sym_parse_maps_line(const char *line, struct sym_mapping *m)
{
	unsigned long long s, e, off, ino;
	unsigned int maj, min;
	char perms[8];
	int n = 0;

	if (sscanf(line, "%llx-%llx %7s %llx %x:%x %llu %n", &s, &e, perms, &off,
		   &maj, &min, &ino, &n) < 7 || !n || strlen(perms) < 3 ||
	    perms[2] != 'x')
		return false;
	*m = (struct sym_mapping){
		.start = s, .end = e, .pgoff = off, .dev = makedev(maj, min),
		.ino = ino,
	};
	snprintf(m->path, sizeof(m->path), "%s", line + n);
	m->path[strcspn(m->path, "\n")] = '\0';
	return true;
}

static struct proc *proc_find(int pid, bool create)
{
	struct proc **head = &procs[(unsigned)pid % PROC_HASH], *p;

	for (p = *head; p; p = p->next)
		if (p->pid == pid)
			return p;
	if (!create || !(p = calloc(1, sizeof(*p))))
		return NULL;
	p->pid = pid;
	p->foreign_root = -1;
	p->next = *head;
	*head = p;
	return p;
}

static void umap_free(struct umap *m)
{
	free(m->path);
}

static void proc_clear(struct proc *p)
{
	for (size_t i = 0; i < p->n; i++)
		umap_free(&p->maps[i]);
	p->n = 0;
}

/* Insert a mapping; whatever it overlaps is gone (mmap over it). */
static void proc_add(struct proc *p, uint64_t start, uint64_t end,
		     uint64_t pgoff, uint64_t dev, uint64_t ino, const char *path)
{
	size_t i = 0, j;

	if (end <= start)
		return;
	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 16;
		struct umap *m = realloc(p->maps, cap * sizeof(*m));

		if (!m)
			return;
		p->maps = m;
		p->cap = cap;
	}
	for (j = 0; j < p->n; j++) {
		struct umap *m = &p->maps[j];

		if (m->end <= start || m->start >= end) {
			p->maps[i++] = *m;
			continue;
		}
		umap_free(m);
	}
	p->n = i;
	for (i = 0; i < p->n && p->maps[i].start < start; i++)
		;
	memmove(&p->maps[i + 1], &p->maps[i], (p->n - i) * sizeof(*p->maps));
	p->maps[i] = (struct umap){
		.start = start, .end = end, .pgoff = pgoff, .dev = dev, .ino = ino,
		.path = strdup(path),
	};
	if (!p->maps[i].path) {
		memmove(&p->maps[i], &p->maps[i + 1], (p->n - i) * sizeof(*p->maps));
		return;
	}
	p->n++;
}

/* Read /proc/PID/maps into p; false when the process is gone. */
static bool proc_read(struct proc *p)
{
	char path[64], line[PATH_MAX + 128];
	struct sym_mapping *m;
	FILE *f;

	p->read_ns = now_mono_ns();
	snprintf(path, sizeof(path), "/proc/%d/maps", p->pid);
	if (!(f = fopen(path, "re"))) {
		p->exited = true;
		return false;
	}
	if (!(m = malloc(sizeof(*m)))) {
		fclose(f);
		return false;
	}
	proc_clear(p);
	while (fgets(line, sizeof(line), f))
		if (sym_parse_maps_line(line, m))
			proc_add(p, m->start, m->end, m->pgoff, m->dev, m->ino, m->path);
	free(m);
	fclose(f);
	p->exited = false;
	return true;
}

bool sym_proc_capture(int pid)
{
	struct proc *p = proc_find(pid, true);

	if (!p)
		return false;
	if (p->read_ns || p->n)
		return !p->exited;
	return proc_read(p);
}

void sym_proc_capture_all(void)
{
	DIR *d = opendir("/proc");
	struct dirent *de;

	while (d && (de = readdir(d))) {
		int pid = atoi(de->d_name);

		if (pid > 0)
			sym_proc_capture(pid);
	}
	if (d)
		closedir(d);
}

/* Does the process see another root than ours (a container)? */
static bool foreign_root(struct proc *p)
{
	char path[64];
	struct stat ours, theirs;

	if (p->foreign_root < 0) {
		snprintf(path, sizeof(path), "/proc/%d/root/", p->pid);
		if (stat("/", &ours) || stat(path, &theirs))
			return false;	/* unknown: ask again later */
		p->foreign_root = ours.st_dev != theirs.st_dev ||
				  ours.st_ino != theirs.st_ino;
	}
	return p->foreign_root == 1;
}

static struct symfile *map_symfile(struct proc *p, struct umap *m)
{
	char root[64] = "";

	if (m->sf)
		return m->sf;
	if (!p->exited && foreign_root(p))
		snprintf(root, sizeof(root), "/proc/%d/root", p->pid);
	m->sf = symfile_get(m->path, root, m->dev, m->ino);
	return m->sf;
}

void sym_note_mmap(int pid, uint64_t start, uint64_t len, uint64_t pgoff,
		   uint64_t dev, uint64_t ino, const char *path)
{
	struct proc *p = proc_find(pid, true);

	if (!p)
		return;
	if (!strcmp(path, "//anon") || !strncmp(path, "/memfd:", 7))
		path = "";
	proc_add(p, start, start + len, pgoff, dev, ino, path);
	/* a container's files can only be opened while it lives: now */
	if (*path == '/' && foreign_root(p))
		for (size_t i = 0; i < p->n; i++)
			if (p->maps[i].start == start)
				map_symfile(p, &p->maps[i]);
}

void sym_note_fork(int pid, int ppid)
{
	struct proc *child, *parent = proc_find(ppid, false);

	if (pid == ppid || !(child = proc_find(pid, true)))
		return;
	if (child->exited)	/* a recycled pid */
		proc_clear(child);
	child->exited = false;
	child->foreign_root = parent ? parent->foreign_root : -1;
	/* an exec (and its mmaps) may have been seen first, from another CPU */
	if (!parent || child->n)
		return;
	for (size_t i = 0; i < parent->n; i++) {
		struct umap *m = &parent->maps[i];

		proc_add(child, m->start, m->end, m->pgoff, m->dev, m->ino, m->path);
	}
}

void sym_note_exec(int pid)
{
	struct proc *p = proc_find(pid, true);

	if (p) {
		proc_clear(p);
		p->foreign_root = -1;
	}
}

void sym_note_exit(int pid)
{
	struct proc *p = proc_find(pid, false);

	if (p)
		p->exited = true;
}

static struct umap *proc_lookup(struct proc *p, uint64_t ip)
{
	size_t lo = 0, hi = p->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (p->maps[mid].start <= ip)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo && ip < p->maps[lo - 1].end ? &p->maps[lo - 1] : NULL;
}

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

static bool name_frame(const struct symfile_func *f, uint64_t addr,
		       const char *module, unsigned flags, char *buf, size_t size)
{
	int n;

	if (flags & SYM_OFFSET)
		n = snprintf(buf, size, "%s+0x%" PRIx64, f->name, addr - f->addr);
	else
		n = snprintf(buf, size, "%s", f->name);
	if ((flags & SYM_MODULE) && n >= 0 && (size_t)n < size)
		snprintf(buf + n, size - n, " (%s)", module);
	return true;
}

static bool anon_frame(int pid, uint64_t ip, const struct umap *m,
		       unsigned flags, char *buf, size_t size)
{
	const struct symfile_func *f;

	if (!*m->path && (f = perfmap_lookup(perfmap_of(pid), ip)))
		return name_frame(f, ip, "JIT", flags, buf, size);
	snprintf(buf, size, "0x%" PRIx64 " [%s]", ip,
		 *m->path ? base_name(m->path) : "anon");
	return false;
}

/* The mapping of ip in process pid (*pp: the process), or NULL. */
static struct umap *user_map(int pid, uint64_t ip, struct proc **pp)
{
	struct proc *p = proc_find(pid, true);
	struct umap *m = NULL;

	*pp = p;
	if (p && !p->read_ns && !p->n)
		proc_read(p);
	if (p)
		m = proc_lookup(p, ip);
	/* mapped since we looked (at most one re-read a second) */
	if (!m && p && !p->exited && now_mono_ns() - p->read_ns > 1000000000ull &&
	    proc_read(p))
		m = proc_lookup(p, ip);
	return m;
}

int sym_user_inlined(int pid, uint64_t ip, const char **names, int max)
{
	struct proc *p;
	struct umap *m = user_map(pid, ip, &p);
	uint64_t vaddr;

	if (!m || m->path[0] != '/' ||
	    !symfile_lookup(map_symfile(p, m), ip - m->start + m->pgoff, &vaddr))
		return 0;
	return symfile_inlined(m->sf, vaddr, names, max);
}

bool sym_user_frame(int pid, uint64_t ip, unsigned flags, char *buf, size_t size)
{
	const struct symfile_func *f;
	struct proc *p;
	struct umap *m = user_map(pid, ip, &p);
	uint64_t vaddr;

	if (!m) {
		snprintf(buf, size, "0x%" PRIx64 " [unknown]", ip);
		return false;
	}
	if (m->path[0] != '/')
		return anon_frame(pid, ip, m, flags, buf, size);
	f = symfile_lookup(map_symfile(p, m), ip - m->start + m->pgoff, &vaddr);
	if (f)
		return name_frame(f, vaddr, base_name(m->path), flags, buf, size);
	snprintf(buf, size, "0x%" PRIx64 " [%s]", vaddr, base_name(m->path));
	return false;
}

void sym_user(int pid, uint64_t ip, char *buf, size_t size)
{
	sym_user_frame(pid, ip, SYM_OFFSET | SYM_MODULE, buf, size);
}
