// SPDX-License-Identifier: GPL-2.0
/*
 * User ELF symbols with libelf, and finding programs and libraries the
 * way the shell and ld.so do.
 *
 * A uprobe wants a file offset. For a symbol at vaddr V in the PT_LOAD
 * segment (p_vaddr, p_offset), that is V - p_vaddr + p_offset — the same
 * formula for non-PIE executables (p_vaddr 0x400000...), PIE and shared
 * libraries (p_vaddr near 0). Section headers are not used: they may be
 * stripped, segments may not.
 */
#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <gelf.h>
#include <libelf.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "usym.h"
#include "util.h"

/* ---- reading symbols ---- */

struct raw_usym {
	size_t name, version;	/* offsets into the arena; version 0: none */
	struct usym s;
};

struct reader {
	struct uelf *e;
	struct strarena arena;
	struct raw_usym *raw;
	size_t nraw, capraw;
};

static int add_sym(struct reader *r, const char *name, const char *ver,
		   bool dflt, const GElf_Sym *sym, bool dynamic)
{
	struct raw_usym *u;
	const char *at = strchr(name, '@');
	size_t nlen = at ? (size_t)(at - name) : strlen(name);

	/* .symtab spells versions in the name: "memcpy@GLIBC_2.2.5",
	 * "memcpy@@GLIBC_2.14" (the default). */
	if (at) {
		dflt = at[1] == '@';
		ver = at + 1 + dflt;
	}
	if (r->nraw == r->capraw) {
		size_t cap = r->capraw ? r->capraw * 2 : 1024;
		struct raw_usym *nr = realloc(r->raw, cap * sizeof(*nr));

		if (!nr)
			return -ENOMEM;
		r->raw = nr;
		r->capraw = cap;
	}
	u = &r->raw[r->nraw];
	memset(u, 0, sizeof(*u));
	u->name = strarena_add(&r->arena, name, nlen);
	u->version = ver && *ver ? strarena_add(&r->arena, ver, strlen(ver)) : 0;
	if (u->name == (size_t)-1 || u->version == (size_t)-1)
		return -ENOMEM;
	u->s.vaddr = sym->st_value;
	u->s.size = sym->st_size;
	u->s.type = GELF_ST_TYPE(sym->st_info);
	u->s.bind = GELF_ST_BIND(sym->st_info);
	u->s.default_version = dflt;
	u->s.dynamic = dynamic;
	u->s.in_symtab = !dynamic;
	r->nraw++;
	return 0;
}

/* Version names by index from SHT_GNU_verdef. */
static const char *verdef_name(Elf *elf, Elf_Scn *verdef, size_t strndx,
			       unsigned idx)
{
	Elf_Data *d = verdef ? elf_getdata(verdef, NULL) : NULL;
	size_t off = 0;
	GElf_Verdef vd;
	GElf_Verdaux va;

	while (d && gelf_getverdef(d, off, &vd)) {
		if (vd.vd_ndx == idx && gelf_getverdaux(d, off + vd.vd_aux, &va))
			return elf_strptr(elf, strndx, va.vda_name);
		if (!vd.vd_next)
			break;
		off += vd.vd_next;
	}
	return NULL;
}

static int read_symtab(struct reader *r, Elf *elf, Elf_Scn *scn, bool dynamic,
		       Elf_Scn *versym, Elf_Scn *verdef)
{
	GElf_Shdr sh, vdsh;
	Elf_Data *data = elf_getdata(scn, NULL), *vdata = NULL;
	size_t n, vstr = 0;

	if (!gelf_getshdr(scn, &sh) || !data || !sh.sh_entsize)
		return 0;
	n = sh.sh_size / sh.sh_entsize;
	if (dynamic && versym)
		vdata = elf_getdata(versym, NULL);
	if (verdef && gelf_getshdr(verdef, &vdsh))
		vstr = vdsh.sh_link;
	for (size_t i = 1; i < n; i++) {
		GElf_Sym sym;
		GElf_Versym vs;
		const char *name, *ver = NULL;
		bool dflt = true;
		int type;

		if (!gelf_getsym(data, i, &sym))
			break;
		type = GELF_ST_TYPE(sym.st_info);
		if (sym.st_shndx == SHN_UNDEF ||
		    (type != STT_FUNC && type != STT_GNU_IFUNC && type != STT_OBJECT))
			continue;
		name = elf_strptr(elf, sh.sh_link, sym.st_name);
		if (!name || !*name)
			continue;
		if (vdata && gelf_getversym(vdata, i, &vs)) {
			unsigned idx = vs & 0x7fff;

			if (idx > 1) {
				ver = verdef_name(elf, verdef, vstr, idx);
				dflt = !(vs & 0x8000);
			}
		}
		if (add_sym(r, name, ver, dflt, &sym, dynamic))
			return -ENOMEM;
	}
	return 0;
}

static const char *cmp_arena;

static int raw_cmp(const void *a, const void *b)
{
	const struct raw_usym *x = a, *y = b;
	int c = strcmp(cmp_arena + x->name, cmp_arena + y->name);

	if (c)
		return c;
	if (x->s.vaddr != y->s.vaddr)
		return x->s.vaddr < y->s.vaddr ? -1 : 1;
	return strcmp(cmp_arena + x->version, cmp_arena + y->version);
}

static void read_build_id(struct uelf *e, Elf *elf, Elf_Scn *scn)
{
	Elf_Data *d = elf_getdata(scn, NULL);
	size_t off = 0, noff, doff;
	GElf_Nhdr nh;

	while (d && (off = gelf_getnote(d, off, &nh, &noff, &doff)) > 0) {
		if (nh.n_type == NT_GNU_BUILD_ID && nh.n_namesz == 4 &&
		    !memcmp((char *)d->d_buf + noff, "GNU", 4) &&
		    nh.n_descsz <= sizeof(e->build_id)) {
			memcpy(e->build_id, (char *)d->d_buf + doff, nh.n_descsz);
			e->build_id_len = nh.n_descsz;
			return;
		}
	}
}

/* The separate debug file's name from .gnu_debuglink (the CRC that
 * follows it is not checked: a build-id match is the stronger test and
 * is tried first). */
static char *read_debuglink(Elf *elf, Elf_Scn *scn, size_t shstrndx)
{
	const char *name;
	Elf_Data *d;
	GElf_Shdr sh;

	if (!gelf_getshdr(scn, &sh) ||
	    !(name = elf_strptr(elf, shstrndx, sh.sh_name)) ||
	    strcmp(name, ".gnu_debuglink") || !(d = elf_getdata(scn, NULL)) ||
	    !d->d_size || !memchr(d->d_buf, '\0', d->d_size))
		return NULL;
	return strdup(d->d_buf);
}

/* PIE: DF_1_PIE, or (older linkers) an interpreter and no soname —
 * libc.so.6 has an interpreter too but is a library. */
static bool dynamic_is_pie(Elf *elf, Elf_Scn *scn, bool has_interp)
{
	Elf_Data *d = elf_getdata(scn, NULL);
	bool soname = false;
	GElf_Shdr sh;
	GElf_Dyn dyn;

	if (!d || !gelf_getshdr(scn, &sh) || !sh.sh_entsize)
		return has_interp;
	for (size_t i = 0; i < sh.sh_size / sh.sh_entsize; i++) {
		if (!gelf_getdyn(d, i, &dyn))
			break;
		if (dyn.d_tag == DT_FLAGS_1 && (dyn.d_un.d_val & DF_1_PIE))
			return true;
		if (dyn.d_tag == DT_SONAME)
			soname = true;
	}
	return has_interp && !soname;
}

static int check_file(const char *path, char *err, size_t errlen)
{
	struct stat st;

	if (stat(path, &st)) {
		int e = errno;

		if (e == ENOENT || e == ENOTDIR)
			errf(err, errlen, "'%s' does not exist", path);
		else
			errf(err, errlen, "'%s' cannot be read: %s", path, strerror(e));
		return -e;
	}
	if (S_ISDIR(st.st_mode)) {
		errf(err, errlen, "'%s' is a directory", path);
		return -EISDIR;
	}
	if (!S_ISREG(st.st_mode)) {
		errf(err, errlen, "'%s' is not a regular file", path);
		return -EINVAL;
	}
	return 0;
}

struct uelf *uelf__open(const char *path, char *err, size_t errlen)
{
	struct reader r = { 0 };
	struct uelf *e;
	Elf_Scn *scn = NULL, *symtab = NULL, *dynsym = NULL, *versym = NULL,
		*verdef = NULL;
	GElf_Ehdr eh;
	size_t nph = 0, n, shstrndx = 0;
	Elf *elf = NULL;
	int fd;

	if (check_file(path, err, errlen))
		return NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		errf(err, errlen, "'%s' cannot be read: %s", path, strerror(errno));
		return NULL;
	}
	e = calloc(1, sizeof(*e));
	if (!e || !(e->path = strdup(path)))
		goto nomem;
	r.e = e;
	if (strarena_add(&r.arena, "", 0) == (size_t)-1) /* offset 0: no version */
		goto nomem;
	elf_version(EV_CURRENT);
	elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!elf || elf_kind(elf) != ELF_K_ELF || !gelf_getehdr(elf, &eh)) {
		errf(err, errlen, "'%s' is not an ELF file", path);
		goto fail;
	}
	e->e_type = eh.e_type;
	e->e_machine = eh.e_machine;
	e->entry = eh.e_entry;
	e->is_64 = gelf_getclass(elf) == ELFCLASS64;
	if (eh.e_type != ET_EXEC && eh.e_type != ET_DYN) {
		errf(err, errlen, "'%s' is not an executable or shared library (ELF type %u)",
		       path, eh.e_type);
		goto fail;
	}

	if (elf_getphdrnum(elf, &nph))
		nph = 0;
	e->segs = calloc(nph ? nph : 1, sizeof(*e->segs));
	if (!e->segs)
		goto nomem;
	for (size_t i = 0; i < nph; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(elf, i, &ph))
			continue;
		if (ph.p_type == PT_INTERP)
			e->has_interp = true;
		if (ph.p_type != PT_LOAD)
			continue;
		e->segs[e->nsegs++] = (struct usym_seg){
			.vaddr = ph.p_vaddr, .memsz = ph.p_memsz,
			.offset = ph.p_offset, .filesz = ph.p_filesz,
			.flags = ph.p_flags,
		};
	}
	e->is_pie = eh.e_type == ET_DYN && e->has_interp;
	if (elf_getshdrstrndx(elf, &shstrndx))
		shstrndx = 0;

	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;

		if (!gelf_getshdr(scn, &sh))
			continue;
		switch (sh.sh_type) {
		case SHT_SYMTAB:  symtab = scn; break;
		case SHT_DYNSYM:  dynsym = scn; break;
		case SHT_GNU_versym: versym = scn; break;
		case SHT_GNU_verdef: verdef = scn; break;
		case SHT_NOTE:
			if (!e->build_id_len)
				read_build_id(e, elf, scn);
			break;
		case SHT_DYNAMIC:
			if (eh.e_type == ET_DYN)
				e->is_pie = dynamic_is_pie(elf, scn, e->has_interp);
			break;
		case SHT_PROGBITS:
			if (!e->debuglink && shstrndx)
				e->debuglink = read_debuglink(elf, scn, shstrndx);
			break;
		}
	}
	e->has_symtab = symtab != NULL;
	e->has_dynsym = dynsym != NULL;
	if ((symtab && read_symtab(&r, elf, symtab, false, NULL, NULL)) ||
	    (dynsym && read_symtab(&r, elf, dynsym, true, versym, verdef)))
		goto nomem;

	/* Sort by name, vaddr, version; merge .symtab/.dynsym twins. */
	cmp_arena = r.arena.buf;
	if (r.nraw)	/* qsort's base must not be NULL, even for 0 */
		qsort(r.raw, r.nraw, sizeof(*r.raw), raw_cmp);
	e->syms = calloc(r.nraw ? r.nraw : 1, sizeof(*e->syms));
	if (!e->syms)
		goto nomem;
	n = 0;
	for (size_t i = 0; i < r.nraw; i++) {
		struct raw_usym *u = &r.raw[i];
		struct usym *prev = n ? &e->syms[n - 1] : NULL;
		const char *ver = r.arena.buf + u->version;

		if (prev && !strcmp(prev->name, r.arena.buf + u->name) &&
		    prev->vaddr == u->s.vaddr &&
		    (!*ver || !prev->version || !strcmp(prev->version, ver))) {
			prev->dynamic |= u->s.dynamic;
			prev->in_symtab |= u->s.in_symtab;
			if (*ver && !prev->version) {
				prev->version = ver;
				prev->default_version = u->s.default_version;
			}
			if (!prev->size)
				prev->size = u->s.size;
			continue;
		}
		e->syms[n] = u->s;
		e->syms[n].name = r.arena.buf + u->name;
		e->syms[n].version = *ver ? ver : NULL;
		uelf__vaddr_to_offset(e, u->s.vaddr, &e->syms[n].offset);
		n++;
	}
	e->nsyms = n;
	e->strings = r.arena.buf;
	free(r.raw);
	elf_end(elf);
	close(fd);
	return e;
nomem:
	errf(err, errlen, "cannot read '%s': %s", path, strerror(ENOMEM));
fail:
	free(r.raw);
	free(r.arena.buf);
	if (elf)
		elf_end(elf);
	close(fd);
	uelf__close(e);
	return NULL;
}

void uelf__close(struct uelf *e)
{
	if (!e)
		return;
	free(e->path);
	free(e->debuglink);
	free(e->syms);
	free(e->segs);
	free(e->strings);
	free(e);
}

int uelf__vaddr_to_offset(const struct uelf *e, uint64_t vaddr, uint64_t *off)
{
	for (size_t i = 0; i < e->nsegs; i++) {
		const struct usym_seg *s = &e->segs[i];

		if (vaddr >= s->vaddr && vaddr < s->vaddr + s->filesz) {
			*off = vaddr - s->vaddr + s->offset;
			return 0;
		}
	}
	return -ENOENT;
}

static bool is_func(const struct usym *s)
{
	return s->type == STT_FUNC || s->type == STT_GNU_IFUNC;
}

static size_t first_named(const struct uelf *e, const char *name)
{
	size_t lo = 0, hi = e->nsyms;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(e->syms[mid].name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

size_t uelf__lookup(const struct uelf *e, const char *name,
		    const struct usym **out, size_t max)
{
	size_t n = 0, i0 = first_named(e, name);

	/* functions first, then the rest */
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = i0; i < e->nsyms && !strcmp(e->syms[i].name, name); i++)
			if (is_func(&e->syms[i]) == !pass && n < max)
				out[n++] = &e->syms[i];
	return n;
}

const struct usym *uelf__addr_to_sym(const struct uelf *e, uint64_t vaddr)
{
	const struct usym *best = NULL;

	for (size_t i = 0; i < e->nsyms; i++) {
		const struct usym *s = &e->syms[i];

		if (!is_func(s) || vaddr < s->vaddr)
			continue;
		if (vaddr < s->vaddr + (s->size ? s->size : 1) &&
		    (!best || s->vaddr > best->vaddr))
			best = s;
	}
	return best;
}

static const char *nearest_func(const struct uelf *e, const char *name)
{
	const char *best = NULL;
	int best_d = 3, len = strlen(name);

	for (size_t i = 0; i < e->nsyms; i++) {
		int d;

		if (!is_func(&e->syms[i]) ||
		    abs((int)strlen(e->syms[i].name) - len) > 2)
			continue;
		d = edit_distance(name, e->syms[i].name);
		if (d < best_d) {
			best_d = d;
			best = e->syms[i].name;
		}
	}
	return best;
}

/* "__memcpy_avx_unaligned_erms" for "memcpy": functions that look like
 * the implementations an IFUNC chooses from. */
static void ifunc_impls(const struct uelf *e, const char *name, char *buf,
			size_t len)
{
	size_t used = 0, n = 0;
	char pat[256];

	buf[0] = '\0';
	snprintf(pat, sizeof(pat), "__%s_*", name);
	for (size_t i = 0; i < e->nsyms && n < 3; i++) {
		const struct usym *s = &e->syms[i];
		size_t sl = strlen(s->name);
		int w;

		/* __memcpy_avx_unaligned, not the fortify __memcpy_chk */
		if (s->type != STT_FUNC || fnmatch(pat, s->name, 0) ||
		    (sl > 4 && !strcmp(s->name + sl - 4, "_chk")) ||
		    (i && !strcmp(e->syms[i - 1].name, s->name)))
			continue;
		w = snprintf(buf + used, len - used, "%s%s", n ? ", " : "", s->name);
		if (w < 0 || (size_t)w >= len - used)
			break;
		used += w;
		n++;
	}
}

static int parse_number(const char *s, uint64_t *v)
{
	char *end;

	if (!*s)
		return -EINVAL;
	errno = 0;
	*v = strtoull(s, &end, 0);
	return errno || *end ? -EINVAL : 0;
}

int uelf__resolve(const struct uelf *e, const char *spec,
		  struct usym_target *out, char *err, size_t errlen)
{
	const struct usym *c[16], *pick = NULL;
	char name[512], *plus, *at;
	const char *ver = NULL;
	size_t n, nf = 0;
	uint64_t off = 0;

	memset(out, 0, sizeof(*out));
	if (!parse_number(spec, &out->vaddr)) {
		out->flags = USYM_T_ADDRESS;
		if (uelf__vaddr_to_offset(e, out->vaddr, &out->offset)) {
			errf(err, errlen, "address 0x%llx is not in a loaded segment of '%s'",
			       (unsigned long long)out->vaddr, e->path);
			return -ENOENT;
		}
		out->sym = uelf__addr_to_sym(e, out->vaddr);
		if (out->sym)
			out->sym_off = out->vaddr - out->sym->vaddr;
		return 0;
	}
	if (strlen(spec) >= sizeof(name)) {
		errf(err, errlen, "function name '%.64s...' is too long", spec);
		return -EINVAL;
	}
	strcpy(name, spec);
	plus = strrchr(name, '+');
	if (plus) {
		*plus = '\0';
		if (parse_number(plus + 1, &off)) {
			errf(err, errlen, "bad offset '%s' in '%s': use FUNC+0x10 or FUNC+16",
			       plus + 1, spec);
			return -EINVAL;
		}
	}
	at = strchr(name, '@');
	if (at) {
		*at = '\0';
		ver = at + 1 + (at[1] == '@');
	}

	n = uelf__lookup(e, name, c, ARRAY_SIZE(c));
	for (size_t i = 0; i < n; i++) {
		if (!is_func(c[i]))
			continue;
		if (ver && (!c[i]->version || strcmp(c[i]->version, ver)))
			continue;
		nf++;
		if (!pick || (c[i]->default_version && !pick->default_version) ||
		    (c[i]->bind == STB_GLOBAL && pick->bind != STB_GLOBAL &&
		     c[i]->default_version == pick->default_version))
			pick = c[i];
	}
	if (!pick) {
		const char *near;

		if (n && !ver) {
			errf(err, errlen, "'%s' in '%s' is a data object, not a function",
			       name, e->path);
			return -EINVAL;
		}
		if (n && ver) {
			errf(err, errlen, "function '%s' in '%s' has no version '%s'",
			       name, e->path, ver);
			return -ENOENT;
		}
		if (!e->has_symtab && !e->has_dynsym)
			errf(err, errlen, "'%s' has no symbol table (stripped): probe it by address",
			       e->path);
		else if (!e->has_symtab)
			errf(err, errlen, "function '%s' not found in '%s' (the file is stripped: only its exported functions have names)",
			       name, e->path);
		else if ((near = nearest_func(e, name)))
			errf(err, errlen, "function '%s' not found in '%s'; did you mean '%s'?",
			       name, e->path, near);
		else
			errf(err, errlen, "function '%s' not found in '%s'", name, e->path);
		return -ENOENT;
	}

	out->sym = pick;
	out->sym_off = off;
	out->vaddr = pick->vaddr + off;
	if (pick->size && off >= pick->size) {
		errf(err, errlen, "offset +0x%llx is past the end of '%s' (%llu bytes)",
		       (unsigned long long)off, name, (unsigned long long)pick->size);
		out->flags |= USYM_T_OUTSIDE;
		return -EINVAL;
	}
	if (uelf__vaddr_to_offset(e, out->vaddr, &out->offset)) {
		errf(err, errlen, "'%s' in '%s' is not in a loaded segment", name,
		       e->path);
		return -ENOENT;
	}
	if (nf > 1) {
		size_t distinct = 0;

		for (size_t i = 0; i < n; i++)
			if (is_func(c[i]) && c[i]->vaddr != pick->vaddr)
				distinct++;
		if (distinct)
			snprintf(out->note, sizeof(out->note),
				 "%zu functions are named '%s' in '%s'; probing the one at 0x%llx%s%s",
				 distinct + 1, name, e->path,
				 (unsigned long long)pick->vaddr,
				 pick->version ? " version " : "",
				 pick->version ? pick->version : "");
	}
	if (pick->type == STT_GNU_IFUNC) {
		char impls[256];

		out->flags |= USYM_T_IFUNC;
		ifunc_impls(e, name, impls, sizeof(impls));
		if (*impls)
			errf(err, errlen, "'%s' in '%s' is an IFUNC: probing it would trace its resolver, which runs once when the program loads; probe the implementation it selects instead (%s)",
			       name, e->path, impls);
		else
			errf(err, errlen, "'%s' in '%s' is an IFUNC: probing it would trace its resolver, which runs once when the program loads; probe the implementation it selects instead",
			       name, e->path);
		return -EINVAL;
	}
	return 0;
}

size_t uelf__funcs(const struct uelf *e, const char *glob,
		   int (*fn)(const struct usym *s, void *ctx), void *ctx)
{
	size_t count = 0;
	const char *last = NULL;

	for (size_t i = 0; i < e->nsyms; i++) {
		const struct usym *s = &e->syms[i];

		if (!is_func(s) || (last && !strcmp(last, s->name)))
			continue;
		if (glob && fnmatch(glob, s->name, 0))
			continue;
		last = s->name;
		count++;
		if (fn && fn(s, ctx))
			break;
	}
	return count;
}

/* ---- ld.so.cache ---- */

#define CACHEMAGIC	"ld.so-1.7.0"
#define CACHEMAGIC_NEW	"glibc-ld.so.cache"
#define CACHE_VERSION	"1.1"

struct cache_file_old {
	char magic[sizeof(CACHEMAGIC) - 1];
	uint32_t nlibs;
};

struct file_entry_old {
	int32_t flags;
	uint32_t key, value;
};

struct cache_file_new {
	char magic[sizeof(CACHEMAGIC_NEW) - 1];
	char version[sizeof(CACHE_VERSION) - 1];
	uint32_t nlibs;
	uint32_t len_strings;
	uint8_t flags;
	uint8_t padding_unsed[3];
	uint32_t extension_offset;
	uint32_t unused[3];
};

struct file_entry_new {
	int32_t flags;
	uint32_t key, value;
	uint32_t osversion;
	uint64_t hwcap;
};

#define FLAG_TYPE_MASK		0x00ff
#define FLAG_ELF_LIBC6		0x0003
#define FLAG_REQUIRED_MASK	0xff00
#define FLAG_X8664_LIB64	0x0300

int usym_ldcache_parse(const void *data, size_t len,
		       int (*fn)(const char *soname, const char *path, void *ctx),
		       void *ctx)
{
	const char *base = data;
	const struct cache_file_new *hdr;
	size_t off = 0, count = 0;

	if (len >= sizeof(struct cache_file_old) &&
	    !memcmp(base, CACHEMAGIC, sizeof(CACHEMAGIC) - 1)) {
		/* Old format (glibc < 2.32 wrote both): skip to the new one. */
		const struct cache_file_old *old = data;

		off = sizeof(*old) + (size_t)old->nlibs * sizeof(struct file_entry_old);
		off = (off + 7) & ~(size_t)7;
	}
	if (len < off + sizeof(*hdr))
		return -EINVAL;
	hdr = (const void *)(base + off);
	if (memcmp(hdr->magic, CACHEMAGIC_NEW, sizeof(hdr->magic)) ||
	    memcmp(hdr->version, CACHE_VERSION, sizeof(hdr->version)))
		return -EINVAL;
	if (hdr->nlibs > (len - off - sizeof(*hdr)) / sizeof(struct file_entry_new))
		return -EINVAL;
	for (uint32_t i = 0; i < hdr->nlibs; i++) {
		const struct file_entry_new *ent =
			(const void *)(base + off + sizeof(*hdr) + i * sizeof(*ent));
		/* New-format string offsets count from the new header. */
		size_t k = off + ent->key, v = off + ent->value;

		if ((ent->flags & FLAG_TYPE_MASK) != FLAG_ELF_LIBC6 ||
		    (ent->flags & FLAG_REQUIRED_MASK) != FLAG_X8664_LIB64)
			continue;
		if (k >= len || v >= len || !memchr(base + k, '\0', len - k) ||
		    !memchr(base + v, '\0', len - v))
			continue;
		count++;
		if (fn && fn(base + k, base + v, ctx))
			break;
	}
	return count;
}

/* ---- finding libraries and programs ---- */

static bool is_elf_file(const char *path)
{
	unsigned char m[4];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	bool ok;

	if (fd < 0)
		return false;
	ok = read(fd, m, 4) == 4 && !memcmp(m, ELFMAG, SELFMAG);
	close(fd);
	return ok;
}

struct libwant {
	char exact[256];	/* "libc.so.6": this file name only */
	char prefix[264];	/* "libc.so": itself or "libc.so.<version>" */
	char best[PATH_MAX];	/* best match so far */
	char best_name[256];
};

static bool lib_matches(const struct libwant *w, const char *fname)
{
	size_t pl = strlen(w->prefix);

	if (*w->exact)
		return !strcmp(fname, w->exact);
	return !strncmp(fname, w->prefix, pl) &&
	       (fname[pl] == '\0' || fname[pl] == '.');
}

/* Prefer the higher version ("libfoo.so.2" over "libfoo.so.1"), and a
 * versioned file over the bare development symlink. */
static void lib_offer(struct libwant *w, const char *fname, const char *path)
{
	if (!lib_matches(w, fname) || !is_elf_file(path))
		return;
	if (*w->best && strverscmp(fname, w->best_name) <= 0)
		return;
	snprintf(w->best, sizeof(w->best), "%s", path);
	snprintf(w->best_name, sizeof(w->best_name), "%s", fname);
}

static void search_dir(struct libwant *w, const char *dir)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d;

	if (*w->exact) {
		snprintf(path, sizeof(path), "%s/%s", dir, w->exact);
		lib_offer(w, w->exact, path);
		return;
	}
	d = opendir(dir);
	if (!d)
		return;
	while ((de = readdir(d))) {
		if (!lib_matches(w, de->d_name))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		lib_offer(w, de->d_name, path);
	}
	closedir(d);
}

static int cache_offer(const char *soname, const char *path, void *ctx)
{
	lib_offer(ctx, soname, path);
	return 0;
}

static void search_cache(struct libwant *w, const char *file)
{
	struct stat st;
	void *map;
	int fd = open(file, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return;
	if (!fstat(fd, &st) && st.st_size > 0) {
		map = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (map != MAP_FAILED) {
			usym_ldcache_parse(map, st.st_size, cache_offer, w);
			munmap(map, st.st_size);
		}
	}
	close(fd);
}

static const char *const default_lib_dirs[] = {
	"/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib64",
	"/usr/lib64", "/lib", "/usr/lib",
};

int usym_find_library(const char *name, const char *ldcache, char *out,
		      size_t outlen, char *err, size_t errlen)
{
	struct libwant w = { 0 };
	const char *so, *llp = getenv("LD_LIBRARY_PATH");
	char stem[256];

	if (strchr(name, '/')) {
		if (check_file(name, err, errlen))
			return -ENOENT;
		snprintf(out, outlen, "%s", name);
		return 0;
	}
	if (!*name || strlen(name) > 200) {
		errf(err, errlen, "bad library name '%.200s'", name);
		return -EINVAL;
	}
	/* "c" and "pam" mean libc and libpam; "ld-linux-x86-64.so.2" is
	 * taken as written */
	snprintf(stem, sizeof(stem), "%s%s",
		 strncmp(name, "lib", 3) && !strstr(name, ".so") ? "lib" : "", name);
	so = strstr(stem, ".so");
	if (so && so[3] == '.')
		snprintf(w.exact, sizeof(w.exact), "%s", stem);	/* libc.so.6 */
	else if (so && so[3] == '\0')
		snprintf(w.prefix, sizeof(w.prefix), "%s", stem); /* libc.so */
	else
		snprintf(w.prefix, sizeof(w.prefix), "%s.so", stem); /* libc */

	/* ld.so's order: LD_LIBRARY_PATH, the cache, the default dirs. */
	if (llp) {
		char *copy = strdup(llp), *save = NULL;

		for (char *d = copy ? strtok_r(copy, ":;", &save) : NULL; d;
		     d = strtok_r(NULL, ":;", &save))
			search_dir(&w, d);
		free(copy);
	}
	if (!*w.best)
		search_cache(&w, ldcache ? ldcache : "/etc/ld.so.cache");
	for (size_t i = 0; !*w.best && i < ARRAY_SIZE(default_lib_dirs); i++)
		search_dir(&w, default_lib_dirs[i]);
	if (!*w.best) {
		errf(err, errlen, "library '%s' not found (looked in LD_LIBRARY_PATH, /etc/ld.so.cache and the default directories)",
		       name);
		return -ENOENT;
	}
	snprintf(out, outlen, "%s", w.best);
	return 0;
}

int usym_find_program(const char *name, char *out, size_t outlen, char *err,
		      size_t errlen)
{
	const char *path = getenv("PATH");
	char *copy, *save = NULL, buf[PATH_MAX];
	struct stat st;

	if (strchr(name, '/')) {
		if (check_file(name, err, errlen))
			return -ENOENT;
		snprintf(out, outlen, "%s", name);
		return 0;
	}
	if (!path || !*path)
		path = "/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin";
	copy = strdup(path);
	for (char *d = copy ? strtok_r(copy, ":", &save) : NULL; d;
	     d = strtok_r(NULL, ":", &save)) {
		snprintf(buf, sizeof(buf), "%s/%s", *d ? d : ".", name);
		if (!stat(buf, &st) && S_ISREG(st.st_mode) && !access(buf, X_OK)) {
			snprintf(out, outlen, "%s", buf);
			free(copy);
			return 0;
		}
	}
	free(copy);
	errf(err, errlen, "program '%s' not found in PATH", name);
	return -ENOENT;
}

int usym_find_binary(const char *name, char *out, size_t outlen, char *err,
		     size_t errlen)
{
	bool libish = !strncmp(name, "lib", 3) || strstr(name, ".so");

	if (strchr(name, '/')) {
		int ret = check_file(name, err, errlen);

		if (!ret)
			snprintf(out, outlen, "%s", name);
		return ret;
	}
	if (libish && !usym_find_library(name, NULL, out, outlen, NULL, 0))
		return 0;
	if (!usym_find_program(name, out, outlen, NULL, 0))
		return 0;
	if (!libish && !usym_find_library(name, NULL, out, outlen, NULL, 0))
		return 0;
	errf(err, errlen, "'%s' not found: not a file, not a program in PATH, not a library",
	       name);
	return -ENOENT;
}
