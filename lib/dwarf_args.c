// SPDX-License-Identifier: GPL-2.0
/*
 * User function arguments from DWARF with libdw.
 *
 * Locations are evaluated at two pcs: the first instruction (where a
 * uprobe on the function fires) and the end of the prologue (where perf
 * probe puts its probes). At -O0 DWARF says every parameter lives in a
 * frame slot for the whole function, but the prologue is what writes that
 * slot: at the first instruction the value is still in the register the
 * SysV ABI passed it in, so that register is what at_entry reports.
 * Frame-base (DW_OP_fbreg) offsets are turned into register offsets with
 * the call frame information (the CFA is rsp+8 at entry, rbp+16 after a
 * frame-pointer prologue).
 */
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dwarf_args.h"
#include "symfile.h"
#include "util.h"

/* DWARF register numbers on x86-64 (SysV psABI figure 3.36). */
static const char *const dw_regs[] = {
	"ax", "dx", "cx", "bx", "si", "di", "bp", "sp",
	"r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15", "ip",
};

static const char *const abi_int_regs[] = { "di", "si", "dx", "cx", "r8", "r9" };

/* ---- finding the debug info ---- */

static bool file_exists(const char *p)
{
	struct stat st;

	return !stat(p, &st) && S_ISREG(st.st_mode);
}

static bool has_debug_info(Elf *elf)
{
	Elf_Scn *scn = NULL;
	size_t shstrndx;

	if (elf_getshdrstrndx(elf, &shstrndx))
		return false;
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		const char *name;

		if (gelf_getshdr(scn, &sh) && sh.sh_type != SHT_NOBITS &&
		    (name = elf_strptr(elf, shstrndx, sh.sh_name)) &&
		    !strcmp(name, ".debug_info"))
			return true;
	}
	return false;
}

int dwarf_args_find_debuginfo(const char *path, char *out, size_t outlen)
{
	char dir[PATH_MAX], cand[PATH_MAX + 300], link[256] = "";
	unsigned char bid[64];
	size_t bidlen = 0, shstrndx;
	Elf_Scn *scn = NULL;
	Elf *elf;
	int fd, ret = -ENODATA;
	char *slash;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	elf_version(EV_CURRENT);
	elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!elf || elf_kind(elf) != ELF_K_ELF) {
		ret = -ENOEXEC;
		goto out;
	}
	if (has_debug_info(elf)) {
		snprintf(out, outlen, "%s", path);
		ret = 0;
		goto out;
	}
	if (elf_getshdrstrndx(elf, &shstrndx))
		goto out;
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		Elf_Data *d;
		const char *name;

		if (!gelf_getshdr(scn, &sh) || !(d = elf_getdata(scn, NULL)))
			continue;
		name = elf_strptr(elf, shstrndx, sh.sh_name);
		if (sh.sh_type == SHT_NOTE && !bidlen) {
			GElf_Nhdr nh;
			size_t off = 0, noff, doff;

			while ((off = gelf_getnote(d, off, &nh, &noff, &doff)) > 0)
				if (nh.n_type == NT_GNU_BUILD_ID && nh.n_namesz == 4 &&
				    !memcmp((char *)d->d_buf + noff, "GNU", 4) &&
				    nh.n_descsz <= sizeof(bid) && nh.n_descsz > 1) {
					memcpy(bid, (char *)d->d_buf + doff, nh.n_descsz);
					bidlen = nh.n_descsz;
					break;
				}
		} else if (name && !strcmp(name, ".gnu_debuglink") && d->d_size) {
			snprintf(link, sizeof(link), "%.*s",
				 (int)strnlen(d->d_buf, d->d_size), (char *)d->d_buf);
		}
	}
	if (bidlen) {
		size_t n = snprintf(cand, sizeof(cand), "%s/.build-id/%02x/",
				    symfile_debug_root(), bid[0]);

		for (size_t i = 1; i < bidlen && n + 3 < sizeof(cand); i++)
			n += snprintf(cand + n, sizeof(cand) - n, "%02x", bid[i]);
		snprintf(cand + n, sizeof(cand) - n, ".debug");
		if (file_exists(cand)) {
			snprintf(out, outlen, "%s", cand);
			ret = 0;
			goto out;
		}
	}
	if (*link && realpath(path, dir)) {
		const char *fmts[] = { "%s%s/%s", "%s%s/.debug/%s", "%s%s/%s" };

		slash = strrchr(dir, '/');
		if (slash)
			*slash = '\0';
		for (size_t i = 0; i < ARRAY_SIZE(fmts); i++) {
			/* next to the binary, DIR/.debug, DEBUG_ROOT/DIR */
			snprintf(cand, sizeof(cand), fmts[i],
				 i == 2 ? symfile_debug_root() : "", dir, link);
			if (file_exists(cand) && strcmp(cand, path)) {
				snprintf(out, outlen, "%s", cand);
				ret = 0;
				goto out;
			}
		}
	}
out:
	if (elf)
		elf_end(elf);
	close(fd);
	return ret;
}

/* ---- types ---- */

static bool die_type(Dwarf_Die *die, Dwarf_Die *type)
{
	Dwarf_Attribute a;

	return dwarf_attr_integrate(die, DW_AT_type, &a) && dwarf_formref_die(&a, type);
}

static void type_str(Dwarf_Die *die, char *buf, size_t len)
{
	char quals[32] = "", ptrs[16] = "", dims[48] = "";
	Dwarf_Die cur, next;
	bool has = die_type(die, &cur);
	size_t np = 0, nd = 0;
	const char *name;

	for (int depth = 0; has && depth < 32; depth++) {
		int tag = dwarf_tag(&cur);

		if (tag == DW_TAG_const_type || tag == DW_TAG_volatile_type ||
		    tag == DW_TAG_restrict_type || tag == DW_TAG_atomic_type) {
			if (tag == DW_TAG_const_type && !strstr(quals, "const"))
				strcat(quals, "const ");
			if (tag == DW_TAG_volatile_type && !strstr(quals, "volatile"))
				strcat(quals, "volatile ");
		} else if (tag == DW_TAG_pointer_type || tag == DW_TAG_reference_type) {
			if (np < sizeof(ptrs) - 1)
				ptrs[np++] = tag == DW_TAG_pointer_type ? '*' : '&';
		} else if (tag == DW_TAG_array_type) {
			Dwarf_Die sub;
			Dwarf_Attribute a;
			Dwarf_Word ub = 0;
			bool known = false;

			if (dwarf_child(&cur, &sub) == 0 &&
			    dwarf_tag(&sub) == DW_TAG_subrange_type) {
				if (dwarf_attr(&sub, DW_AT_count, &a) && !dwarf_formudata(&a, &ub))
					known = true;
				else if (dwarf_attr(&sub, DW_AT_upper_bound, &a) &&
					 !dwarf_formudata(&a, &ub))
					known = true, ub++;
			}
			if (nd < sizeof(dims) - 1)
				nd += snprintf(dims + nd, sizeof(dims) - nd,
					       known ? "[%llu]" : "[]", (unsigned long long)ub);
			if (nd >= sizeof(dims))
				nd = sizeof(dims) - 1;
		} else if (tag == DW_TAG_subroutine_type) {
			snprintf(buf, len, "void (%s)(...)", ptrs);
			return;
		} else {
			break;
		}
		has = die_type(&cur, &next);
		cur = next;
	}
	if (!has) {
		snprintf(buf, len, "%svoid%s%s%s", quals, np ? " " : "", ptrs, dims);
		return;
	}
	name = dwarf_diename(&cur);
	switch (dwarf_tag(&cur)) {
	case DW_TAG_structure_type:
		snprintf(buf, len, "%sstruct %s%s%s%s", quals, name ? name : "(anon)",
			 np || nd ? " " : "", ptrs, dims);
		return;
	case DW_TAG_union_type:
		snprintf(buf, len, "%sunion %s%s%s%s", quals, name ? name : "(anon)",
			 np || nd ? " " : "", ptrs, dims);
		return;
	case DW_TAG_enumeration_type:
		snprintf(buf, len, "%senum %s%s%s%s", quals, name ? name : "(anon)",
			 np || nd ? " " : "", ptrs, dims);
		return;
	default:
		snprintf(buf, len, "%s%s%s%s%s", quals, name ? name : "?",
			 np || nd ? " " : "", ptrs, dims);
	}
}

/* Size, signedness, pointer/string-ness of a variable's type. */
static void type_facts(Dwarf_Die *var, struct dwarf_var *v, bool *int_class,
		       bool *sse_class)
{
	Dwarf_Die t, peeled, pointee;
	Dwarf_Word size = 0;
	Dwarf_Attribute a;
	Dwarf_Word enc = 0;
	int tag;

	*int_class = *sse_class = false;
	if (!die_type(var, &t) || dwarf_peel_type(&t, &peeled))
		return;
	tag = dwarf_tag(&peeled);
	if (!dwarf_aggregate_size(&peeled, &size))
		v->size = size;
	if (tag == DW_TAG_pointer_type || tag == DW_TAG_reference_type) {
		v->is_ptr = true;
		v->size = 8;
		*int_class = true;
		if (die_type(&peeled, &pointee) && !dwarf_peel_type(&pointee, &pointee) &&
		    dwarf_tag(&pointee) == DW_TAG_base_type && dwarf_bytesize(&pointee) == 1)
			v->is_string = true;
	} else if (tag == DW_TAG_array_type) {
		if (die_type(&peeled, &pointee) && !dwarf_peel_type(&pointee, &pointee) &&
		    dwarf_tag(&pointee) == DW_TAG_base_type && dwarf_bytesize(&pointee) == 1)
			v->is_string = true;
	} else if (tag == DW_TAG_base_type) {
		if (dwarf_attr(&peeled, DW_AT_encoding, &a) && !dwarf_formudata(&a, &enc)) {
			v->is_signed = enc == DW_ATE_signed || enc == DW_ATE_signed_char;
			*sse_class = enc == DW_ATE_float;
			*int_class = !*sse_class && v->size <= 8;
		}
	} else if (tag == DW_TAG_enumeration_type) {
		*int_class = true;
		v->is_signed = true;
	}
}

/* ---- locations ---- */

static void set_reg(struct dwarf_loc *l, int dwreg)
{
	l->kind = DLOC_REG;
	l->dwreg = dwreg;
	if (dwreg >= 0 && dwreg < (int)ARRAY_SIZE(dw_regs)) {
		snprintf(l->reg, sizeof(l->reg), "%s", dw_regs[dwreg]);
		snprintf(l->desc, sizeof(l->desc), "%%%s", l->reg);
	} else {
		l->kind = DLOC_COMPLEX;
		snprintf(l->desc, sizeof(l->desc), "register %d", dwreg);
	}
}

static void set_mem(struct dwarf_loc *l, int dwreg, int64_t off)
{
	set_reg(l, dwreg);
	if (l->kind != DLOC_REG)
		return;
	l->kind = DLOC_MEM;
	l->offset = off;
	snprintf(l->desc, sizeof(l->desc), "%lld(%%%s)", (long long)off, l->reg);
}

static bool op_reg(const Dwarf_Op *op, int *reg)
{
	if (op->atom >= DW_OP_reg0 && op->atom <= DW_OP_reg31)
		*reg = op->atom - DW_OP_reg0;
	else if (op->atom == DW_OP_regx)
		*reg = op->number;
	else
		return false;
	return true;
}

static bool op_breg(const Dwarf_Op *op, int *reg, int64_t *off)
{
	if (op->atom >= DW_OP_breg0 && op->atom <= DW_OP_breg31) {
		*reg = op->atom - DW_OP_breg0;
		*off = (int64_t)op->number;
	} else if (op->atom == DW_OP_bregx) {
		*reg = op->number;
		*off = (int64_t)op->number2;
	} else {
		return false;
	}
	return true;
}

static bool op_const(const Dwarf_Op *op, int64_t *v)
{
	if (op->atom >= DW_OP_lit0 && op->atom <= DW_OP_lit31)
		*v = op->atom - DW_OP_lit0;
	else if (op->atom == DW_OP_const1u || op->atom == DW_OP_const2u ||
		 op->atom == DW_OP_const4u || op->atom == DW_OP_const8u ||
		 op->atom == DW_OP_constu)
		*v = (int64_t)op->number;
	else if (op->atom == DW_OP_const1s || op->atom == DW_OP_const2s ||
		 op->atom == DW_OP_const4s || op->atom == DW_OP_const8s ||
		 op->atom == DW_OP_consts)
		*v = (int64_t)op->number;
	else
		return false;
	return true;
}

struct func_ctx {
	Dwarf_Die func;
	Dwarf_CFI *cfi[2];
	Dwarf_Addr entry_pc;
};

/* The CFA at pc as register + offset. */
static bool cfa_at(struct func_ctx *fc, Dwarf_Addr pc, int *reg, int64_t *off)
{
	for (int i = 0; i < 2; i++) {
		Dwarf_Frame *frame = NULL;
		Dwarf_Op *ops;
		size_t nops;
		bool ok;

		if (!fc->cfi[i] || dwarf_cfi_addrframe(fc->cfi[i], pc, &frame))
			continue;
		ok = !dwarf_frame_cfa(frame, &ops, &nops) && nops == 1 &&
		     op_breg(&ops[0], reg, off);
		free(frame);
		if (ok)
			return true;
	}
	return false;
}

/* The frame base at pc as register + offset. */
static bool frame_base_at(struct func_ctx *fc, Dwarf_Addr pc, int *reg,
			  int64_t *off, bool *is_cfa)
{
	Dwarf_Attribute a;
	Dwarf_Op *ops;
	size_t nops;

	*is_cfa = false;
	if (!dwarf_attr_integrate(&fc->func, DW_AT_frame_base, &a) ||
	    dwarf_getlocation_addr(&a, pc, &ops, &nops, 1) != 1 || nops != 1)
		return false;
	if (ops[0].atom == DW_OP_call_frame_cfa) {
		*is_cfa = true;
		return cfa_at(fc, pc, reg, off);
	}
	if (op_breg(&ops[0], reg, off))
		return true;
	if (op_reg(&ops[0], reg)) {	/* the frame base is the register's value */
		*off = 0;
		return true;
	}
	return false;
}

static void eval_loc(struct func_ctx *fc, Dwarf_Die *var, Dwarf_Addr pc,
		     struct dwarf_loc *l, bool *fbreg_cfa)
{
	Dwarf_Attribute a;
	Dwarf_Op *ops;
	size_t nops;
	int reg, n;
	int64_t off, v;

	memset(l, 0, sizeof(*l));
	l->dwreg = -1;
	*fbreg_cfa = false;
	if (!dwarf_attr_integrate(var, DW_AT_location, &a)) {
		Dwarf_Sword sv;

		if (dwarf_attr_integrate(var, DW_AT_const_value, &a) &&
		    !dwarf_formsdata(&a, &sv)) {
			l->kind = DLOC_CONST;
			l->offset = sv;
			snprintf(l->desc, sizeof(l->desc), "constant %lld", (long long)sv);
			return;
		}
		snprintf(l->desc, sizeof(l->desc), "optimized out");
		return;
	}
	n = dwarf_getlocation_addr(&a, pc, &ops, &nops, 1);
	if (n <= 0 || !nops) {
		snprintf(l->desc, sizeof(l->desc), "optimized out");
		return;
	}
	if (nops == 1 && op_reg(&ops[0], &reg)) {
		set_reg(l, reg);
	} else if (nops == 1 && ops[0].atom == DW_OP_fbreg) {
		bool is_cfa;

		if (frame_base_at(fc, pc, &reg, &off, &is_cfa)) {
			set_mem(l, reg, off + (int64_t)ops[0].number);
			*fbreg_cfa = is_cfa;
		} else {
			l->kind = DLOC_COMPLEX;
			snprintf(l->desc, sizeof(l->desc), "frame base %+lld",
				 (long long)(int64_t)ops[0].number);
		}
	} else if (nops == 1 && op_breg(&ops[0], &reg, &off)) {
		set_mem(l, reg, off);
	} else if (nops == 1 && ops[0].atom == DW_OP_addr) {
		l->kind = DLOC_ADDR;
		l->offset = (int64_t)ops[0].number;
		snprintf(l->desc, sizeof(l->desc), "@0x%llx", (unsigned long long)ops[0].number);
	} else if (nops == 2 && ops[1].atom == DW_OP_stack_value &&
		   op_breg(&ops[0], &reg, &off) && off == 0) {
		set_reg(l, reg);
	} else if (nops == 2 && ops[1].atom == DW_OP_stack_value &&
		   op_const(&ops[0], &v)) {
		l->kind = DLOC_CONST;
		l->offset = v;
		snprintf(l->desc, sizeof(l->desc), "constant %lld", (long long)v);
	} else if (nops == 2 && ops[1].atom == DW_OP_stack_value &&
		   (ops[0].atom == DW_OP_entry_value ||
		    ops[0].atom == DW_OP_GNU_entry_value)) {
		/* The value the register had at entry: at entry, the register. */
		Dwarf_Attribute inner;
		Dwarf_Op *iops;
		size_t inops;

		if (pc == fc->entry_pc &&
		    !dwarf_getlocation_attr(&a, &ops[0], &inner) &&
		    !dwarf_getlocation(&inner, &iops, &inops) && inops == 1 &&
		    op_reg(&iops[0], &reg)) {
			set_reg(l, reg);
		} else {
			l->kind = DLOC_COMPLEX;
			snprintf(l->desc, sizeof(l->desc), "entry value");
		}
	} else {
		l->kind = DLOC_COMPLEX;
		snprintf(l->desc, sizeof(l->desc), "DWARF expression (%zu ops)", nops);
	}
}

/* ---- finding the function ---- */

struct find_ctx {
	const char *name;
	Dwarf_Die found;
	bool have;
	bool inlined_only;
};

static int find_func_cb(Dwarf_Die *die, void *arg)
{
	struct find_ctx *fc = arg;
	const char *name = dwarf_diename(die);
	Dwarf_Addr lo;

	if (!name || strcmp(name, fc->name))
		return DWARF_CB_OK;
	if (dwarf_lowpc(die, &lo)) {
		if (dwarf_func_inline(die))
			fc->inlined_only = true;
		return DWARF_CB_OK;
	}
	fc->found = *die;
	fc->have = true;
	return DWARF_CB_ABORT;
}

/* The first address after the prologue, from the line table. */
static Dwarf_Addr body_addr(Dwarf_Die *cu, Dwarf_Addr lo, Dwarf_Addr hi)
{
	Dwarf_Lines *lines;
	Dwarf_Addr first_after = 0, addr;
	size_t n;

	if (dwarf_getsrclines(cu, &lines, &n))
		return lo;
	for (size_t i = 0; i < n; i++) {
		Dwarf_Line *l = dwarf_onesrcline(lines, i);
		bool pe = false;

		if (!l || dwarf_lineaddr(l, &addr) || addr <= lo || addr >= hi)
			continue;
		if (!dwarf_lineprologueend(l, &pe) && pe)
			return addr;
		if (!first_after || addr < first_after)
			first_after = addr;
	}
	return first_after ? first_after : lo;
}

static int fill_var(struct func_ctx *fc, Dwarf_Die *die, bool is_param,
		    struct dwarf_func *out, int *int_used, bool *abi_lost)
{
	struct dwarf_var *v;
	bool int_class, sse_class, fb_entry, fb_body;
	const char *name = dwarf_diename(die);

	if (out->nvars == DWARF_VARS_MAX)
		return -E2BIG;
	v = &out->vars[out->nvars++];
	memset(v, 0, sizeof(*v));
	v->is_param = is_param;
	snprintf(v->name, sizeof(v->name), "%s", name ? name : "");
	type_str(die, v->type, sizeof(v->type));
	type_facts(die, v, &int_class, &sse_class);
	if (is_param) {
		if (int_class && !*abi_lost && *int_used < 6)
			snprintf(v->abi_reg, sizeof(v->abi_reg), "%s",
				 abi_int_regs[(*int_used)++]);
		else if (!int_class && !sse_class && v->size <= 16)
			*abi_lost = true;	/* small aggregates: classify no further */
	}
	eval_loc(fc, die, out->entry_vaddr, &v->at_entry, &fb_entry);
	eval_loc(fc, die, out->body_vaddr, &v->at_body, &fb_body);
	/* A frame slot is written by the prologue: at entry, the parameter
	 * is still in its ABI register. */
	if (is_param && *v->abi_reg &&
	    (fb_entry || v->at_entry.kind == DLOC_NONE ||
	     v->at_entry.kind == DLOC_COMPLEX || v->at_entry.kind == DLOC_MEM)) {
		int r = 0;

		while (r < (int)ARRAY_SIZE(dw_regs) && strcmp(dw_regs[r], v->abi_reg))
			r++;
		memset(&v->at_entry, 0, sizeof(v->at_entry));
		set_reg(&v->at_entry, r);
	}
	return 0;
}

int dwarf_args_func(const char *path, const char *func, struct dwarf_func *out,
		    char *err, size_t errlen)
{
	struct find_ctx find = { .name = func };
	struct func_ctx fc = { 0 };
	Dwarf_Off off = 0, next;
	size_t hsize;
	Dwarf_Die cu, child;
	Dwarf_Addr lo = 0, hi = 0;
	Dwarf *dbg = NULL;
	Elf *elf = NULL, *delf = NULL;
	int fd = -1, dfd = -1, ret, int_used = 0;
	bool abi_lost = false;

	memset(out, 0, sizeof(*out));
	ret = dwarf_args_find_debuginfo(path, out->debug_file, sizeof(out->debug_file));
	if (ret == -ENOENT || ret == -EACCES) {
		errf(err, errlen, "'%s' %s", path,
		       ret == -ENOENT ? "does not exist" : "cannot be read: Permission denied");
		return ret;
	}
	if (ret == -ENOEXEC) {
		errf(err, errlen, "'%s' is not an ELF file", path);
		return ret;
	}
	if (ret) {
		errf(err, errlen, "'%s' has no debug info (install its -dbgsym package or build with -g); probe arguments as arg1..arg6",
		       path);
		return -ENODATA;
	}
	elf_version(EV_CURRENT);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	dfd = open(out->debug_file, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || dfd < 0) {
		ret = -errno;
		errf(err, errlen, "'%s' cannot be read: %s", fd < 0 ? path : out->debug_file,
		       strerror(errno));
		goto out;
	}
	elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	delf = elf_begin(dfd, ELF_C_READ_MMAP, NULL);
	dbg = delf ? dwarf_begin_elf(delf, DWARF_C_READ, NULL) : NULL;
	if (!dbg) {
		errf(err, errlen, "cannot read the debug info of '%s': %s", path,
		       dwarf_errmsg(-1));
		ret = -ENODATA;
		goto out;
	}
	while (!find.have &&
	       !dwarf_nextcu(dbg, off, &next, &hsize, NULL, NULL, NULL)) {
		if (dwarf_offdie(dbg, off + hsize, &cu))
			dwarf_getfuncs(&cu, find_func_cb, &find, 0);
		off = next;
	}
	if (!find.have) {
		errf(err, errlen, find.inlined_only ?
		       "function '%s' in '%s' is inlined into its callers: it has no address to probe" :
		       "no function '%s' in the debug info of '%s'", func, path);
		ret = -ENOENT;
		goto out;
	}
	fc.func = find.found;
	fc.cfi[0] = dwarf_getcfi(dbg);
	fc.cfi[1] = elf ? dwarf_getcfi_elf(elf) : NULL;
	dwarf_lowpc(&fc.func, &lo);
	if (dwarf_highpc(&fc.func, &hi))
		hi = lo + 1;
	fc.entry_pc = lo;
	snprintf(out->name, sizeof(out->name), "%s", func);
	out->entry_vaddr = lo;
	out->body_vaddr = dwarf_diecu(&fc.func, &cu, NULL, NULL) ?
			  body_addr(&cu, lo, hi) : lo;
	{
		const char *df = dwarf_decl_file(&fc.func);

		snprintf(out->decl_file, sizeof(out->decl_file), "%s", df ? df : "");
		dwarf_decl_line(&fc.func, &out->decl_line);
	}
	type_str(&fc.func, out->ret_type, sizeof(out->ret_type));

	/* Parameters first, then the locals of the outermost scope. */
	for (int pass = 0; pass < 2; pass++) {
		if (dwarf_child(&fc.func, &child))
			break;
		do {
			int tag = dwarf_tag(&child);

			if ((pass == 0 && tag == DW_TAG_formal_parameter) ||
			    (pass == 1 && tag == DW_TAG_variable))
				if (fill_var(&fc, &child, pass == 0, out, &int_used,
					     &abi_lost))
					break;
		} while (dwarf_siblingof(&child, &child) == 0);
		if (pass == 0)
			out->nparams = out->nvars;
	}
	ret = 0;
out:
	if (fc.cfi[1])
		dwarf_cfi_end(fc.cfi[1]);
	if (dbg)
		dwarf_end(dbg);
	if (delf)
		elf_end(delf);
	if (elf)
		elf_end(elf);
	if (dfd >= 0)
		close(dfd);
	if (fd >= 0)
		close(fd);
	return ret;
}

int dwarf_var_fetch(const struct dwarf_var *v, bool at_body, char *buf, size_t len)
{
	const struct dwarf_loc *l = at_body ? &v->at_body : &v->at_entry;
	char where[48], type[12];
	int w;

	switch (l->kind) {
	case DLOC_REG:
		snprintf(where, sizeof(where), "%%%s", l->reg);
		break;
	case DLOC_MEM:
		snprintf(where, sizeof(where), "%+lld(%%%s)", (long long)l->offset, l->reg);
		break;
	case DLOC_CONST:
		snprintf(where, sizeof(where), "\\%lld", (long long)l->offset);
		break;
	default:
		return -EOPNOTSUPP;
	}
	if (v->is_string && v->is_ptr) {
		/* the string is where the pointer points */
		w = snprintf(buf, len, "+0(%s):string", where);
	} else if (v->is_string && l->kind == DLOC_MEM) {
		w = snprintf(buf, len, "%s:string", where);	/* char array in place */
	} else {
		if (v->is_ptr)
			snprintf(type, sizeof(type), ":x64");
		else if (v->size == 1 || v->size == 2 || v->size == 4 || v->size == 8)
			snprintf(type, sizeof(type), ":%c%d", v->is_signed ? 's' : 'u',
				 v->size * 8);
		else
			type[0] = '\0';
		if (l->kind == DLOC_MEM && v->size > 8)
			return -EOPNOTSUPP;
		w = snprintf(buf, len, "%s%s", where, type);
	}
	return w < 0 || (size_t)w >= len ? -ENOSPC : 0;
}
