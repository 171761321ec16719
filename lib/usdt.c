// SPDX-License-Identifier: GPL-2.0
/*
 * USDT probes from .note.stapsdt (the format is described with
 * systemtap's sys/sdt.h, "UserSpaceProbeImplementation"): each note of
 * type 3 and owner "stapsdt" holds three addresses — the probe's pc, the
 * link-time address of .stapsdt.base, the semaphore — then provider,
 * name and argument strings. When .stapsdt.base sits elsewhere than the
 * note says (prelink moved the file), pc moves by the difference; like
 * libbpf, the semaphore is taken as written.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <gelf.h>
#include <libelf.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "usdt.h"
#include "usym.h"
#include "util.h"

#define NT_STAPSDT 3

/* offsetof(struct pt_regs, X) on x86-64 */
static const struct {
	const char *names[5];	/* 64, 32, 16, 8-bit spellings */
	const char *ftrace;
	int off;
} x86_regs[] = {
	{ { "rax", "eax", "ax", "al" }, "ax", 80 },
	{ { "rbx", "ebx", "bx", "bl" }, "bx", 40 },
	{ { "rcx", "ecx", "cx", "cl" }, "cx", 88 },
	{ { "rdx", "edx", "dx", "dl" }, "dx", 96 },
	{ { "rsi", "esi", "si", "sil" }, "si", 104 },
	{ { "rdi", "edi", "di", "dil" }, "di", 112 },
	{ { "rbp", "ebp", "bp", "bpl" }, "bp", 32 },
	{ { "rsp", "esp", "sp", "spl" }, "sp", 152 },
	{ { "r8", "r8d", "r8w", "r8b" }, "r8", 72 },
	{ { "r9", "r9d", "r9w", "r9b" }, "r9", 64 },
	{ { "r10", "r10d", "r10w", "r10b" }, "r10", 56 },
	{ { "r11", "r11d", "r11w", "r11b" }, "r11", 48 },
	{ { "r12", "r12d", "r12w", "r12b" }, "r12", 24 },
	{ { "r13", "r13d", "r13w", "r13b" }, "r13", 16 },
	{ { "r14", "r14d", "r14w", "r14b" }, "r14", 8 },
	{ { "r15", "r15d", "r15w", "r15b" }, "r15", 0 },
	{ { "rip", "eip", "ip" }, "ip", 128 },
};

int usdt_reg_lookup(const char *reg, char out[8], int *size)
{
	static const int sizes[] = { 8, 4, 2, 1 };

	for (size_t i = 0; i < ARRAY_SIZE(x86_regs); i++)
		for (int j = 0; j < 4 && x86_regs[i].names[j]; j++)
			if (!strcmp(reg, x86_regs[i].names[j])) {
				snprintf(out, 8, "%s", x86_regs[i].ftrace);
				if (size)
					*size = sizes[j];
				return x86_regs[i].off;
			}
	return -1;
}

/* "%edi" at *p: fills the register; advances *p. */
static int parse_reg(const char **p, char reg[8], int *off, int *size)
{
	char name[8];
	size_t n = 0;

	if (**p != '%')
		return -EINVAL;
	(*p)++;
	while (isalnum((unsigned char)**p) && n < sizeof(name) - 1)
		name[n++] = *(*p)++;
	name[n] = '\0';
	*off = usdt_reg_lookup(name, reg, size);
	return *off < 0 ? -EINVAL : 0;
}

int usdt_parse_arg(const char *spec, struct usdt_arg *a)
{
	const char *p = spec, *at = strchr(spec, '@');
	int regsize = 0;
	char *end;

	memset(a, 0, sizeof(*a));
	snprintf(a->spec, sizeof(a->spec), "%s", spec);
	a->reg_off = a->index_off = -1;
	if (at) {
		long sz = strtol(spec, &end, 10);

		if (end != at || !sz || labs(sz) > 8 || (labs(sz) & (labs(sz) - 1)))
			return -EINVAL;
		a->is_signed = sz < 0;
		a->size = labs(sz);
		p = at + 1;
	}
	if (*p == '$') {
		a->kind = USDT_ARG_CONST;
		errno = 0;
		a->val = strtoll(p + 1, &end, 0);
		if (errno || end == p + 1 || *end)
			return -EINVAL;
		if (!a->size) {
			a->size = 8;
			a->is_signed = true;
		}
		return 0;
	}
	if (*p == '%') {
		a->kind = USDT_ARG_REG;
		if (parse_reg(&p, a->reg, &a->reg_off, &regsize) || *p)
			return -EINVAL;
		if (!a->size)
			a->size = regsize;
		return 0;
	}
	/* disp(%base[,%index[,scale]]) */
	a->kind = USDT_ARG_MEM;
	if (*p != '(') {
		errno = 0;
		a->val = strtoll(p, &end, 0);
		if (errno || end == p)
			return -EINVAL;	/* symbolic (sym(%rip)) or %fs: not supported */
		p = end;
	}
	if (*p++ != '(' || parse_reg(&p, a->reg, &a->reg_off, &regsize) ||
	    regsize != 8)
		return -EINVAL;
	if (*p == ',') {
		p++;
		if (parse_reg(&p, a->index_reg, &a->index_off, &regsize))
			return -EINVAL;
		a->scale = 1;
		if (*p == ',') {
			a->scale = strtol(p + 1, &end, 10);
			p = end;
			if (a->scale != 1 && a->scale != 2 && a->scale != 4 &&
			    a->scale != 8)
				return -EINVAL;
		}
	}
	if (*p++ != ')' || *p)
		return -EINVAL;
	if (!a->size)
		a->size = 8;
	return 0;
}

int usdt_parse_args(const char *s, struct usdt_arg *args, int max, char *err,
		    size_t errlen)
{
	int n = 0;

	while (*s) {
		char spec[64];
		size_t len;

		s += strspn(s, " \t");
		len = strcspn(s, " \t");
		if (!len)
			break;
		if (n == max || len >= sizeof(spec)) {
			if (err)
				snprintf(err, errlen, "too many USDT arguments in '%s'", s);
			return -EINVAL;
		}
		memcpy(spec, s, len);
		spec[len] = '\0';
		if (usdt_parse_arg(spec, &args[n])) {
			if (err)
				snprintf(err, errlen, "cannot read USDT argument '%s'", spec);
			return -EINVAL;
		}
		n++;
		s += len;
	}
	return n;
}

int usdt_arg_fetch(const struct usdt_arg *a, char *buf, size_t len)
{
	char type[8];
	int w;

	snprintf(type, sizeof(type), ":%c%d", a->is_signed ? 's' : 'u', a->size * 8);
	switch (a->kind) {
	case USDT_ARG_CONST:
		w = snprintf(buf, len, "\\%lld%s", (long long)a->val, type);
		break;
	case USDT_ARG_REG:
		w = snprintf(buf, len, "%%%s%s", a->reg, type);
		break;
	case USDT_ARG_MEM:
		if (a->index_reg[0])
			return -EOPNOTSUPP;	/* ftrace cannot add two registers */
		w = snprintf(buf, len, "%s%lld(%%%s)%s", a->val < 0 ? "" : "+",
			     (long long)a->val, a->reg, type);
		break;
	default:
		return -EINVAL;
	}
	return w < 0 || (size_t)w >= len ? -ENOSPC : 0;
}

/* ---- reading notes ---- */

static int sema_offset(Elf *elf, uint64_t addr, uint64_t *off)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;
	size_t nph = 0;

	while ((scn = elf_nextscn(elf, scn)))
		if (gelf_getshdr(scn, &sh) && sh.sh_type != SHT_NOBITS &&
		    sh.sh_addr && addr >= sh.sh_addr && addr < sh.sh_addr + sh.sh_size) {
			*off = addr - sh.sh_addr + sh.sh_offset;
			return 0;
		}
	if (elf_getphdrnum(elf, &nph))
		return -ENOENT;
	for (size_t i = 0; i < nph; i++) {
		GElf_Phdr ph;

		if (gelf_getphdr(elf, i, &ph) && ph.p_type == PT_LOAD &&
		    addr >= ph.p_vaddr && addr < ph.p_vaddr + ph.p_filesz) {
			*off = addr - ph.p_vaddr + ph.p_offset;
			return 0;
		}
	}
	return -ENOENT;
}

static int pc_offset(Elf *elf, uint64_t addr, uint64_t *off)
{
	size_t nph = 0;

	if (elf_getphdrnum(elf, &nph))
		return -ENOENT;
	for (size_t i = 0; i < nph; i++) {
		GElf_Phdr ph;

		if (gelf_getphdr(elf, i, &ph) && ph.p_type == PT_LOAD &&
		    addr >= ph.p_vaddr && addr < ph.p_vaddr + ph.p_filesz) {
			*off = addr - ph.p_vaddr + ph.p_offset;
			return 0;
		}
	}
	return -ENOENT;
}

static void note_release(struct usdt_note *note)
{
	free(note->provider);
	free(note->name);
	free(note->args_str);
}

static uint64_t get_addr(const unsigned char *p, bool is64)
{
	uint64_t v = 0;

	memcpy(&v, p, is64 ? 8 : 4);	/* x86 is little-endian */
	return v;
}

static int add_note(struct usdt_note **notes, size_t *n, size_t *cap,
		    const struct usdt_note *note)
{
	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 16;
		struct usdt_note *nn = realloc(*notes, nc * sizeof(*nn));

		if (!nn)
			return -ENOMEM;
		*notes = nn;
		*cap = nc;
	}
	(*notes)[(*n)++] = *note;
	return 0;
}

int usdt_read(const char *path, struct usdt_note **notes, size_t *n,
	      char *err, size_t errlen)
{
	struct uelf *check;
	Elf_Scn *scn = NULL;
	uint64_t base_addr = 0;
	size_t shstrndx, cap = 0;
	bool is64;
	Elf *elf;
	int fd, ret = 0;

	*notes = NULL;
	*n = 0;
	/* uelf__open words the errors (missing, not ELF...) */
	check = uelf__open(path, err, errlen);
	if (!check)
		return -ENOENT;
	uelf__close(check);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "'%s' cannot be read: %s", path, strerror(errno));
		return -errno;
	}
	elf_version(EV_CURRENT);
	elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!elf || elf_getshdrstrndx(elf, &shstrndx)) {
		snprintf(err, errlen, "'%s' is not an ELF file", path);
		ret = -ENOEXEC;
		goto out;
	}
	is64 = gelf_getclass(elf) == ELFCLASS64;
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		const char *name;

		if (!gelf_getshdr(scn, &sh))
			continue;
		name = elf_strptr(elf, shstrndx, sh.sh_name);
		if (name && !strcmp(name, ".stapsdt.base"))
			base_addr = sh.sh_addr;
	}
	while ((scn = elf_nextscn(elf, scn))) {
		Elf_Data *d;
		GElf_Shdr sh;
		GElf_Nhdr nh;
		size_t off = 0, noff, doff;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_NOTE ||
		    !(d = elf_getdata(scn, NULL)))
			continue;
		while ((off = gelf_getnote(d, off, &nh, &noff, &doff)) > 0) {
			const unsigned char *desc = (const unsigned char *)d->d_buf + doff;
			size_t asz = is64 ? 8 : 4, slen;
			struct usdt_note note = { 0 };
			const char *s, *end;

			if (nh.n_type != NT_STAPSDT || nh.n_namesz != 8 ||
			    memcmp((char *)d->d_buf + noff, "stapsdt", 8) ||
			    nh.n_descsz < 3 * asz + 3)
				continue;
			note.pc = get_addr(desc, is64);
			note.base = get_addr(desc + asz, is64);
			note.semaphore = get_addr(desc + 2 * asz, is64);
			s = (const char *)desc + 3 * asz;
			end = (const char *)desc + nh.n_descsz;
			slen = strnlen(s, end - s);
			if (s + slen >= end)
				continue;
			note.provider = strdup(s);
			s += slen + 1;
			slen = strnlen(s, end - s);
			if (s + slen >= end) {
				free(note.provider);
				continue;
			}
			note.name = strdup(s);
			s += slen + 1;
			note.args_str = strndup(s, s < end ? strnlen(s, end - s) : 0);
			if (!note.provider || !note.name || !note.args_str) {
				note_release(&note);
				ret = -ENOMEM;
				goto out;
			}
			if (base_addr && note.base)
				note.pc += base_addr - note.base;
			pc_offset(elf, note.pc, &note.offset);
			if (note.semaphore)
				sema_offset(elf, note.semaphore, &note.sema_offset);
			note.nargs = usdt_parse_args(note.args_str, note.args,
						     USDT_MAX_ARGS, NULL, 0);
			note.args_ok = note.nargs >= 0;
			if (note.nargs < 0)
				note.nargs = 0;
			if (add_note(notes, n, &cap, &note)) {
				note_release(&note);
				ret = -ENOMEM;
				goto out;
			}
		}
	}
out:
	if (ret) {
		if (ret == -ENOMEM)
			snprintf(err, errlen, "cannot read '%s': %s", path, strerror(ENOMEM));
		usdt_free(*notes, *n);
		*notes = NULL;
		*n = 0;
	}
	if (elf)
		elf_end(elf);
	close(fd);
	return ret;
}

void usdt_free(struct usdt_note *notes, size_t n)
{
	for (size_t i = 0; notes && i < n; i++)
		note_release(&notes[i]);
	free(notes);
}

size_t usdt_find(struct usdt_note *notes, size_t n, const char *provider,
		 const char *name, struct usdt_note **out, size_t max)
{
	size_t count = 0;

	for (size_t i = 0; i < n; i++) {
		if ((provider && fnmatch(provider, notes[i].provider, 0)) ||
		    (name && fnmatch(name, notes[i].name, 0)))
			continue;
		if (count < max)
			out[count] = &notes[i];
		count++;
	}
	return count;
}
