// SPDX-License-Identifier: GPL-2.0
/*
 * Resolving probe specifications (see include/trace_probe.h): targets
 * through lib/ksyms.c, lib/usym.c and lib/usdt.c; per-event values
 * ("slots") compiled to tracefs fetch arguments, with struct members and
 * parameter names from BTF.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "btf_args.h"
#include "dwarf_args.h"
#include "kernel_facts.h"
#include "ksyms.h"
#include "privilege.h"
#include "sonde.h"
#include "tfs.h"
#include "trace_probe.h"
#include "usdt.h"
#include "usym.h"
#include "util.h"

#define MAX_WILDCARD_FUNCS 2000

static const char *const arg_regs[] = { "di", "si", "dx", "cx", "r8", "r9" };

static int fail(char *err, size_t errsz, int status, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int fail(char *err, size_t errsz, int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errsz, fmt, ap);
	va_end(ap);
	return status;
}

/* ---- targets ---- */

struct collect {
	struct tprobe *p;
	size_t cap;
};

static int collect_func(const struct ksym *s, void *ctx)
{
	struct collect *c = ctx;

	if (c->p->nfuncs == c->cap)
		return 1;
	c->p->funcs[c->p->nfuncs++] = strdup(s->name);
	return 0;
}

static int resolve_kfunc(struct tprobe *p, char *err, size_t errsz)
{
	const struct ksyms *ks = ksyms_get();
	struct ksym_resolution r;

	if (!ks)
		return fail(err, errsz, EXIT_FAIL, "cannot read the kernel's symbols: %s",
			    strerror(errno));
	if (!p->spec.func)	/* PS_ADDRESS: a bare number */
		return fail(err, errsz, EXIT_USAGE,
			    "'%s' is an address; kernel probes take a function name (FUNC or FUNC+OFFSET)",
			    p->text);
	if (p->spec.flags & PS_WILDCARD) {
		struct collect c = { p, MAX_WILDCARD_FUNCS };

		p->funcs = calloc(c.cap, sizeof(*p->funcs));
		ksyms__match(ks, p->spec.func, collect_func, &c);
		if (!p->nfuncs)
			return fail(err, errsz, EXIT_USAGE, "no traceable kernel function matches '%s'",
				    p->spec.func);
		return 0;
	}
	if (ksyms__resolve(ks, p->spec.func, &r))
		return fail(err, errsz, EXIT_USAGE, "%s", r.message);
	if (r.status == KSYM_AMBIGUOUS)
		vinfo("%s", r.message);
	p->funcs = calloc(r.ncands, sizeof(*p->funcs));
	for (size_t i = 0; i < r.ncands; i++)
		p->funcs[p->nfuncs++] = strdup(r.cands[i]->name);
	return 0;
}

static int resolve_binary(struct tprobe *p, char *err, size_t errsz)
{
	const char *b = p->spec.binary;

	if (!b)
		return fail(err, errsz, EXIT_USAGE, "no binary given for '%s' (use u:BINARY:FUNC or -x BINARY)",
			    p->text);
	if (p->spec.flags & PS_LIBNAME) {
		if (usym_find_library(b, NULL, p->binary, sizeof(p->binary), err, errsz))
			return EXIT_USAGE;
	} else if (usym_find_binary(b, p->binary, sizeof(p->binary), err, errsz)) {
		return EXIT_USAGE;
	}
	return 0;
}

static int resolve_ufunc(struct tprobe *p, char *err, size_t errsz)
{
	struct usym_target t;
	struct uelf *e;
	char what[160];
	int ret;

	if ((ret = resolve_binary(p, err, errsz)))
		return ret;
	e = uelf__open(p->binary, err, errsz);
	if (!e)
		return EXIT_USAGE;
	if (p->spec.flags & PS_ADDRESS)
		snprintf(what, sizeof(what), "0x%llx", (unsigned long long)p->spec.addr);
	else if (p->spec.offset)
		snprintf(what, sizeof(what), "%s+%llu", p->spec.func,
			 (unsigned long long)p->spec.offset);
	else
		snprintf(what, sizeof(what), "%s", p->spec.func);
	ret = uelf__resolve(e, what, &t, err, errsz);
	uelf__close(e);
	if (ret)
		return EXIT_USAGE;
	if (t.note[0])
		warning("%s", t.note);
	p->uoffsets[0] = t.offset;
	p->nsites = 1;
	return 0;
}

static int resolve_usdt(struct tprobe *p, char *err, size_t errsz)
{
	struct usdt_note *sites[TPROBE_MAX_SITES];
	size_t n;
	int ret;

	if ((ret = resolve_binary(p, err, errsz)))
		return ret;
	if (usdt_read(p->binary, &p->usdt_notes, &p->nusdt_notes, err, errsz))
		return EXIT_USAGE;
	n = usdt_find(p->usdt_notes, p->nusdt_notes, p->spec.provider,
		      p->spec.name, sites, TPROBE_MAX_SITES);
	if (!n)
		return fail(err, errsz, EXIT_USAGE, "no USDT probe '%s%s%s' in '%s' ('sonde probe -l -x %s' lists them)",
			    p->spec.provider ? p->spec.provider : "",
			    p->spec.provider ? ":" : "", p->spec.name, p->binary,
			    p->binary);
	p->usdt = sites[0];
	p->ref_ctr = sites[0]->sema_offset;
	for (size_t i = 0; i < n && i < TPROBE_MAX_SITES; i++)
		p->uoffsets[p->nsites++] = sites[i]->offset;
	return 0;
}

static int resolve_tracepoint(struct tprobe *p, char *err, size_t errsz)
{
	char path[PATH_MAX];
	const char *root = features_tracefs_path();

	if (p->spec.flags & PS_WILDCARD)
		return fail(err, errsz, EXIT_USAGE, "'%s': trace takes one tracepoint per probe; wildcards work with hist --count and stack",
			    p->text);
	snprintf(p->tp_sys, sizeof(p->tp_sys), "%s", p->spec.group);
	snprintf(p->tp_name, sizeof(p->tp_name), "%s", p->spec.event);
	if (!root)
		return fail(err, errsz, EXIT_FAIL, "tracefs is not available to look up tracepoint '%s:%s'",
			    p->tp_sys, p->tp_name);
	snprintf(path, sizeof(path), "%s/events/%s/%s/format", root, p->tp_sys, p->tp_name);
	/* an unreadable tracefs hides every tracepoint: say that instead */
	if (privilege_tracefs_denied(path, sizeof(path)))
		return fail(err, errsz, EXIT_FAIL, "cannot look up tracepoint '%s:%s': %s",
			    p->tp_sys, p->tp_name, path);
	if (access(path, R_OK))
		return fail(err, errsz, EXIT_USAGE, "no tracepoint '%s:%s' on this kernel ('sonde probe -l \"%s:*\"' lists them)",
			    p->tp_sys, p->tp_name, p->tp_sys);
	return 0;
}

/* ---- slots: values fetched in the kernel ---- */

static bool is_kernel_side(const struct expr *e)
{
	return expr_is_leaf(e) && e->kind != EXPR_BUILTIN;
}

/* Append ":TYPE" for a slot: strings by where they live, numbers s64. */
static void fetch_type(const struct tprobe *p, bool string, char *buf, size_t size)
{
	size_t n = strlen(buf);

	if (!string) {
		snprintf(buf + n, size - n, ":s64");
		return;
	}
	/* a string is read at an address: fetches that are not memory
	 * accesses (registers, $argN, $retval) say where it is */
	if (buf[0] != '+' && buf[0] != '-' && buf[0] != '@') {
		char tmp[768];

		snprintf(tmp, sizeof(tmp), "+0(%s)", buf);
		snprintf(buf, size, "%s", tmp);
		n = strlen(buf);
	}
	snprintf(buf + n, size - n, ":string");
}

/* Start value of argument index (0-based) at a kprobe or uprobe. */
static int arg_fetch(const struct tprobe *p, int idx, char *buf, size_t size,
		     char *err, size_t errsz)
{
	const struct kernel_facts *kf = features_get();

	if ((p->kind == TPK_KRETPROBE || p->kind == TPK_URETPROBE) && !p->entry_args)
		return fail(err, errsz, EXIT_USAGE, "arg%d at a function's return needs BPF (which saves it at entry) in '%s' (else use an entry probe)",
			    idx + 1, p->text);
	if (p->kind == TPK_USDT) {
		if (!p->usdt || idx >= p->usdt->nargs)
			return fail(err, errsz, EXIT_USAGE, "USDT probe '%s' has %d arguments, not %d",
				    p->spec.name, p->usdt ? p->usdt->nargs : 0, idx + 1);
		if (usdt_arg_fetch(&p->usdt->args[idx], buf, size))
			return fail(err, errsz, EXIT_USAGE, "cannot fetch USDT argument %d", idx + 1);
		/* drop its own type; the slot adds one */
		char *colon = strrchr(buf, ':');
		if (colon)
			*colon = '\0';
		return 0;
	}
	if (idx >= 6)
		return fail(err, errsz, EXIT_USAGE, "arg%d: only the first 6 arguments are in registers", idx + 1);
	if (p->kind == TPK_KPROBE && kf->kprobe_args.state == FACT_YES)
		snprintf(buf, size, "$arg%d", idx + 1);
	else	/* x86-64 calling convention; also kernels without $argN */
		snprintf(buf, size, "%%%s", arg_regs[idx]);
	return 0;
}

/* A BTF access path (struct members) as nested ftrace derefs. */
static int btf_fetch(const struct tprobe *p, const struct expr *e, bool *string,
		     char *buf, size_t size, char *err, size_t errsz)
{
	struct btf_access a;
	char path[512], cur[768], next[768];
	int ret;

	if (p->kind != TPK_KPROBE && p->kind != TPK_KRETPROBE)
		return fail(err, errsz, EXIT_USAGE, "'%s': names and struct members need a kernel function with BTF (use argN or +OFF(...))",
			    expr_str(e));
	char *text = expr_str(e);

	snprintf(path, sizeof(path), "%s", text ? text : "");
	free(text);
	if (btf_args_access(NULL, p->funcs[0], path, &a, err, errsz))
		return EXIT_USAGE;
	if (a.param < 0)
		snprintf(cur, sizeof(cur), "$retval");
	else if ((ret = arg_fetch(p, a.param, cur, sizeof(cur), err, errsz)))
		return ret;
	bool array = false;

	for (int i = 0; i < a.nloads; i++) {
		snprintf(next, sizeof(next), "+%d(%s)", a.loads[i].offset, cur);
		memcpy(cur, next, sizeof(cur));
		array = a.loads[i].size == 0;	/* an array member's address */
	}
	*string = *string || a.result.is_string;
	/* "+OFF(X):string" is the string at X + OFF: right for a char array
	 * member; a char pointer member is loaded, then read at */
	if (*string && a.nloads && !array) {
		snprintf(next, sizeof(next), "+0(%s)", cur);
		memcpy(cur, next, sizeof(cur));
	}
	snprintf(buf, size, "%s", cur);
	return 0;
}

/* Compile a kernel-side expression to a tracefs fetch argument. */
static int fetch_of(const struct tprobe *p, const struct expr *e, bool *string,
		    char *buf, size_t size, char *err, size_t errsz)
{
	char inner[768];
	int ret;

	switch (e->kind) {
	case EXPR_ARG:
		return arg_fetch(p, e->value - 1, buf, size, err, errsz);
	case EXPR_RETVAL:
		snprintf(buf, size, "$retval");
		return 0;
	case EXPR_REG:
		snprintf(buf, size, "%%%s", e->name);
		return 0;
	case EXPR_STACK:
		if (e->value < 0)
			snprintf(buf, size, "$stack");
		else
			snprintf(buf, size, "$stack%lld", (long long)e->value);
		return 0;
	case EXPR_MEM:
		if (e->name)
			snprintf(buf, size, "@%s%+lld", e->name, (long long)e->value);
		else
			snprintf(buf, size, "@0x%llx", (unsigned long long)e->value);
		return 0;
	case EXPR_DEREF:
		if ((ret = fetch_of(p, e->left, string, inner, sizeof(inner), err, errsz)))
			return ret;
		snprintf(buf, size, "+%s%lld(%s)", e->user ? "u" : "",
			 (long long)e->value, inner);
		return 0;
	case EXPR_CAST:
		return fetch_of(p, e->left, string, buf, size, err, errsz);
	case EXPR_CALL:
		if (!strcmp(e->name, "str")) {
			*string = true;
			return fetch_of(p, e->left, string, buf, size, err, errsz);
		}
		return fail(err, errsz, EXIT_USAGE, "%s() is not supported on tracefs probes", e->name);
	case EXPR_FIELD:
		if (p->kind == TPK_USDT)
			return fail(err, errsz, EXIT_USAGE, "'%s': USDT arguments have no names (use arg1, arg2, ...)",
				    e->name);
		__attribute__((fallthrough));	/* a kernel parameter name */
	case EXPR_MEMBER:
	case EXPR_INDEX:
		return btf_fetch(p, e, string, buf, size, err, errsz);
	default:
		return fail(err, errsz, EXIT_USAGE, "cannot fetch '%s' in the kernel", expr_str(e));
	}
}

/*
 * The declaration of a tracepoint's field from its format file
 * ("const char * filename", "__data_loc char[] filename", "int pid"), or
 * -ENOENT; on failure fields gets the list of field names.
 */
static int tracepoint_field(const struct tprobe *p, const char *field,
			    char *decl, size_t size, struct tslot *slot,
			    char *fields, size_t fsize)
{
	char path[PATH_MAX], *text, *line, *save = NULL, full[256];
	const char *root = features_tracefs_path();
	size_t flen = 0, nlen;
	int ret = -ENOENT;

	snprintf(path, sizeof(path), "%s/events/%s/%s/format", root ? root : "",
		 p->tp_sys, p->tp_name);
	text = ksyms_read_file(path);
	if (!text)
		return -errno;
	fields[0] = '\0';
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *f = strstr(line, "field:"), *semi, *name;

		if (!f || !(semi = strchr(f, ';')))
			continue;
		*semi = '\0';
		f += 6;
		/* the declaration keeps its [N]: char arrays are strings */
		snprintf(full, sizeof(full), "%s", f);
		name = strrchr(f, ' ');
		name = name ? name + 1 : f;
		/* "char prev_comm[16]": the name ends at '[', decl keeps it */
		nlen = strcspn(name, "[");
		if (!strncmp(name, "common_", 7))
			continue;
		if (strlen(field) == nlen && !strncmp(name, field, nlen)) {
			char *o = strstr(semi + 1, "offset:"), *z = strstr(semi + 1, "size:"),
			     *g = strstr(semi + 1, "signed:");

			snprintf(decl, size, "%s", full);
			slot->field_offset = o ? atoi(o + 7) : 0;
			slot->field_size = z ? atoi(z + 5) : 0;
			slot->field_signed = g && atoi(g + 7);
			ret = 0;
			break;
		}
		flen += snprintf(fields + flen, fsize > flen ? fsize - flen : 0,
				 "%s%.*s", flen ? ", " : "", (int)nlen, name);
	}
	free(text);
	return ret;
}

/* "$how" under the fetches of e: +u0(args->how) is "+u0($how)". */
static void deref_text(const struct expr *e, const char *field, char *buf, size_t size)
{
	char inner[512];

	if (e->kind == EXPR_CAST) {
		deref_text(e->left, field, buf, size);
		return;
	}
	if (e->kind != EXPR_DEREF) {
		snprintf(buf, size, "$%s", field);
		return;
	}
	deref_text(e->left, field, inner, sizeof(inner));
	snprintf(buf, size, "+%s%lld(%s)", e->user ? "u" : "",
		 (long long)e->value, inner);
}

/* Memory behind a pointer field, +u0(args->how): read by BPF, or by an
 * event probe ("+u0($how):u64"); the record itself has only the address. */
static int deref_slot(struct tprobe *p, struct tslot *s, const struct expr *top,
		      const char *decl, char *err, size_t errsz)
{
	size_t n;

	/* syscall records keep an int in 8 bytes: no address either */
	if (s->field_dataloc || s->field_array || s->field_size != 8 ||
	    (!s->field_pointer && !strncmp(decl, "int ", 4)))
		return fail(err, errsz, EXIT_USAGE, "'%s': field '%s' (%s) holds no address to read at",
			    expr_str(s->e), s->field, decl);
	s->field_deref = true;
	s->field_pointer = false;	/* the value is what it points to */
	s->field_signed = false;
	deref_text(top, s->field, s->fetch, sizeof(s->fetch));
	n = strlen(s->fetch);
	/* a string is the one at that address, as for kprobes */
	if (s->string)
		snprintf(s->fetch + n, sizeof(s->fetch) - n, ":%s",
			 top->kind == EXPR_DEREF && top->user ? "ustring" : "string");
	else
		snprintf(s->fetch + n, sizeof(s->fetch) - n, ":u64");
	p->needs_eprobe = true;
	return 0;
}

/* The field a slot reads, through +OFF(...) fetches and casts; *top is
 * the outermost of those (or the field). NULL when it is no field. */
static const struct expr *slot_field(const struct expr *e, const struct expr **top,
				     bool *deref)
{
	if (e->kind == EXPR_CALL && !strcmp(e->name, "str") && e->left)
		e = e->left;
	*top = e;
	*deref = false;
	while (e->kind == EXPR_DEREF || e->kind == EXPR_CAST) {
		*deref |= e->kind == EXPR_DEREF;
		e = e->left;
	}
	return e->kind == EXPR_FIELD ? e : NULL;
}

int tprobe_field_slot(struct tprobe *p, struct tslot *s, const char *decl,
		      char *err, size_t errsz)
{
	const struct expr *e, *top;
	bool pointer, chars, deref;

	e = slot_field(s->e, &top, &deref);
	if (!e)
		return fail(err, errsz, EXIT_USAGE, "'%s': tracepoints have fields (args->NAME) and fetches through them (+u0(args->NAME)), not that",
			    expr_str(s->e));
	snprintf(s->field, sizeof(s->field), "%s", e->name);
	s->from_field = true;
	/* char arrays and __data_loc strings are in the record; a string
	 * behind a pointer field must be fetched by an event probe */
	pointer = strchr(decl, '*') && !strstr(decl, "__data_loc");
	s->field_pointer = pointer;
	s->field_dataloc = strstr(decl, "__data_loc") != NULL;
	s->field_array = !s->field_dataloc && strchr(decl, '[') != NULL;
	if (deref)
		return deref_slot(p, s, top, decl, err, errsz);
	/* syscall records keep an int in 8 bytes marked unsigned: the C
	 * type says how to read it (dfd = -100, not 4294967196) */
	if (!pointer && !strstr(decl, "unsigned") && !strncmp(decl, "int ", 4)) {
		s->field_size = 4;
		s->field_signed = true;
	}
	chars = strstr(decl, "char[") || strstr(decl, "char ") || strstr(decl, "__data_loc");
	if (!pointer && chars && strchr(decl, '['))
		s->string = true;
	/* other arrays (__u8 saddr_v6[16]) are their bytes, as hex text */
	if (s->field_array && !chars) {
		s->field_bytes = true;
		s->string = true;
	}
	if (s->string && pointer) {
		snprintf(s->fetch, sizeof(s->fetch), "+0($%s):ustring", e->name);
		p->needs_eprobe = true;
	} else {
		s->string = s->string && !pointer;
		snprintf(s->fetch, sizeof(s->fetch), "$%s", e->name);
	}
	return 0;
}

/* A tracepoint field read from the record (or through an event probe). */
static int field_slot(struct tprobe *p, struct tslot *s, char *err, size_t errsz)
{
	const struct expr *e, *top;
	char decl[256], fields[1024];
	bool deref;

	e = slot_field(s->e, &top, &deref);
	if (!e)
		return tprobe_field_slot(p, s, "", err, errsz);	/* says why */
	if (tracepoint_field(p, e->name, decl, sizeof(decl), s, fields, sizeof(fields)))
		return fail(err, errsz, EXIT_USAGE, "tracepoint %s:%s has no field '%s' (it has: %s)",
			    p->tp_sys, p->tp_name, e->name, fields);
	return tprobe_field_slot(p, s, decl, err, errsz);
}

int tprobe_slot_of(const struct tprobe *p, const struct expr *e)
{
	for (int i = 0; i < p->nslots; i++)
		if (p->slots[i].e == e)
			return i;
	return -1;
}

static int add_slot(struct tprobe *p, const struct expr *e, bool string,
		    const char *label, char *err, size_t errsz)
{
	struct tslot *s;
	int ret;

	for (int i = 0; i < p->nslots; i++)
		if (p->slots[i].e == e)
			return 0;
	if (p->nslots == TPROBE_MAX_SLOTS)
		return fail(err, errsz, EXIT_USAGE, "'%s': more than %d values to fetch",
			    p->text, TPROBE_MAX_SLOTS);
	s = &p->slots[p->nslots];
	*s = (struct tslot){ .e = e, .string = string || expr_is_string(e),
			     .label = label };
	if (p->kind == TPK_TRACEPOINT)
		ret = field_slot(p, s, err, errsz);
	else if ((ret = fetch_of(p, e, &s->string, s->fetch, sizeof(s->fetch), err, errsz)) == 0)
		fetch_type(p, s->string, s->fetch, sizeof(s->fetch));
	if (ret)
		return ret;
	p->nslots++;
	return 0;
}

/* Every maximal kernel-side subtree of e becomes a slot. */
static int collect_slots(struct tprobe *p, const struct expr *e, bool string,
			 char *err, size_t errsz)
{
	int ret;

	if (!e)
		return 0;
	if (is_kernel_side(e))
		return add_slot(p, e, string, NULL, err, errsz);
	if ((ret = collect_slots(p, e->left, false, err, errsz)))
		return ret;
	return collect_slots(p, e->right, false, err, errsz);
}

/* A tracepoint given without a format or arguments shows its fields,
 * as ftrace does: each becomes a NAME=VALUE slot. */
static int default_fields(struct tprobe *p, char *err, size_t errsz)
{
	char decl[256], fields[2048], *save = NULL;
	struct tslot probe_slot;
	int ret;

	tracepoint_field(p, "", decl, sizeof(decl), &probe_slot, fields, sizeof(fields));
	for (char *f = strtok_r(fields, ", ", &save); f && p->nimplicit < TPROBE_MAX_SLOTS;
	     f = strtok_r(NULL, ", ", &save)) {
		struct expr *e;
		char text[96];

		if (!strcmp(f, "__syscall_nr"))
			continue;
		snprintf(text, sizeof(text), "args->%s", f);
		if (expr_parse(text, 0, &e, err, errsz))
			return EXIT_USAGE;
		p->implicit[p->nimplicit++] = e;
		if ((ret = add_slot(p, e, false, e->name, err, errsz)))
			return ret;
	}
	return 0;
}

/*
 * Parameter names of a user function, from DWARF: at the function's first
 * instruction the parameters are still in their SysV ABI registers, so a
 * name becomes the argument it is (arg1 ...), for every backend.
 */
static int dwarf_rename(struct tprobe *p, struct dwarf_func *df, bool *loaded,
			struct expr *e, char *err, size_t errsz)
{
	int ret;

	if (!e)
		return 0;
	if (e->kind == EXPR_FIELD) {
		if (!*loaded) {
			if (dwarf_args_func(p->binary, p->spec.func, df, err, errsz))
				return EXIT_USAGE;
			*loaded = true;
		}
		for (int i = 0; i < df->nparams; i++)
			if (!strcmp(df->vars[i].name, e->name)) {
				if (i >= 6)
					return fail(err, errsz, EXIT_USAGE, "parameter '%s' is not in a register (only the first 6 are)",
						    e->name);
				e->kind = EXPR_ARG;
				e->value = i + 1;
				return 0;
			}
		return fail(err, errsz, EXIT_USAGE, "'%s' has no parameter '%s' (sonde probe -x %s -V %s lists them)",
			    p->spec.func, e->name, p->binary, p->spec.func);
	}
	if ((ret = dwarf_rename(p, df, loaded, e->left, err, errsz)))
		return ret;
	return dwarf_rename(p, df, loaded, e->right, err, errsz);
}

static int user_param_names(struct tprobe *p, char *err, size_t errsz)
{
	struct probe_spec *s = &p->spec;
	struct dwarf_func *df;
	bool loaded = false;
	int ret = 0;

	if ((p->kind != TPK_UPROBE && p->kind != TPK_URETPROBE) || !s->func ||
	    s->offset || (s->flags & PS_ADDRESS))
		return 0;
	df = calloc(1, sizeof(*df));
	for (int i = 0; i < s->nargs && !ret; i++) {
		struct probe_arg *a = &s->args[i];

		/* perf prints an argument by the name it was given */
		if (!a->name && a->expr->kind == EXPR_FIELD)
			a->name = strdup(a->expr->name);
		ret = dwarf_rename(p, df, &loaded, a->expr, err, errsz);
	}
	for (int i = 0; i < s->nprint && !ret; i++)
		ret = dwarf_rename(p, df, &loaded, s->print[i], err, errsz);
	if (!ret)
		ret = dwarf_rename(p, df, &loaded, s->filter, err, errsz);
	free(df);
	return ret;
}

/* Is e certainly a number (a literal, arithmetic, or a tracepoint field
 * of integer type)? Unknown kinds (arguments, pointers) are not. */
static bool surely_number(const struct tprobe *p, const struct expr *e)
{
	int i = tprobe_slot_of(p, e);

	if (i >= 0)
		return p->slots[i].from_field && !p->slots[i].string &&
		       !p->slots[i].field_pointer && !p->slots[i].field_array;
	return e->kind == EXPR_INT ||
	       (e->kind == EXPR_BINARY && e->op < EOP_LT) ||
	       (e->kind == EXPR_BINARY && e->op > EOP_NE) ||
	       (e->kind == EXPR_UNARY && e->op != EOP_DEREF) ||
	       (e->kind == EXPR_BUILTIN && e->builtin != EB_COMM);
}

/* Is e certainly a string (a literal, str(), a char-array field)? */
static bool surely_string(const struct tprobe *p, const struct expr *e)
{
	int i = tprobe_slot_of(p, e);

	return expr_is_string(e) ||
	       (i >= 0 && p->slots[i].from_field && p->slots[i].string);
}

/* A comparison of a string with a number is a mistake the user must hear
 * of now, not a filter that silently never matches. */
static int check_comparisons(const struct tprobe *p, const struct expr *e,
			     char *err, size_t errsz)
{
	int ret;

	if (!e)
		return 0;
	if (e->kind == EXPR_BINARY && e->op >= EOP_LT && e->op <= EOP_NE &&
	    ((surely_string(p, e->left) && surely_number(p, e->right)) ||
	     (surely_string(p, e->right) && surely_number(p, e->left))))
		return fail(err, errsz, EXIT_USAGE,
			    "comparison of a string with a number at column %d; quote numbers only for string fields",
			    e->pos + 1);
	if ((ret = check_comparisons(p, e->left, err, errsz)))
		return ret;
	return check_comparisons(p, e->right, err, errsz);
}

static int find_star(struct expr *e, void *ctx)
{
	if (e->kind != EXPR_UNARY || e->op != EOP_DEREF)
		return 0;
	*(struct expr **)ctx = e;
	return 1;
}

/* C's unary '*' has no width or address space: the fetch forms say both
 * (perf probe's +0(...) for kernel memory, +u0(...) for user memory). */
static int refuse_star(struct expr *e, char *err, size_t errsz)
{
	struct expr *star = NULL;
	char *text;
	int ret;

	if (!e || !expr_visit(e, find_star, &star) || !star)
		return 0;
	text = expr_str(star);
	ret = fail(err, errsz, EXIT_USAGE,
		   "'%s' at column %d: write a dereference as +0(EXPR) (kernel memory) or +u0(EXPR) (user memory), not *EXPR",
		   text ? text : "*", star->pos + 1);
	free(text);
	return ret;
}

static int build_slots(struct tprobe *p, char *err, size_t errsz)
{
	const struct probe_spec *s = &p->spec;
	int ret, shown;

	for (int i = 0; i < s->nargs; i++)
		if ((ret = refuse_star(s->args[i].expr, err, errsz)))
			return ret;
	for (int i = 0; i < s->nprint; i++)
		if ((ret = refuse_star(s->print[i], err, errsz)))
			return ret;
	if ((ret = refuse_star(s->filter, err, errsz)))
		return ret;
	if ((ret = user_param_names(p, err, errsz)))
		return ret;

	if (p->kind == TPK_TRACEPOINT && !s->nargs && !s->format)
		if ((ret = default_fields(p, err, errsz)))
			return ret;

	for (int i = 0; i < s->nargs; i++) {
		const char *t = s->args[i].type;
		bool string = t && (!strcmp(t, "string") || !strcmp(t, "ustring"));

		if ((ret = add_slot(p, s->args[i].expr, string, s->args[i].name, err, errsz)))
			return ret;
	}
	for (int i = 0; i < s->nprint; i++)
		if ((ret = collect_slots(p, s->print[i], s->convs[i].conv == 's', err, errsz)))
			return ret;
	shown = p->nslots;
	if ((ret = collect_slots(p, s->filter, false, err, errsz)))
		return ret;
	for (int i = shown; i < p->nslots; i++)
		p->slots[i].filter_only = true;
	return check_comparisons(p, s->filter, err, errsz);
}

/* ---- public ---- */

static void make_label(struct tprobe *p)
{
	const struct probe_spec *s = &p->spec;
	const char *base;

	switch (p->kind) {
	case TPK_TRACEPOINT:
		snprintf(p->label, sizeof(p->label), "%s:%s", p->tp_sys, p->tp_name);
		break;
	case TPK_UPROBE:
	case TPK_URETPROBE:
	case TPK_USDT:
		base = strrchr(p->binary, '/');
		base = base ? base + 1 : p->binary;
		if (p->kind == TPK_USDT)
			snprintf(p->label, sizeof(p->label), "%s:%s", base, s->name);
		else if (s->flags & PS_ADDRESS)
			snprintf(p->label, sizeof(p->label), "%s:0x%llx", base,
				 (unsigned long long)s->addr);
		else
			snprintf(p->label, sizeof(p->label), "%s:%s", base, s->func);
		break;
	default:
		snprintf(p->label, sizeof(p->label), "%s",
			 p->nfuncs == 1 ? p->funcs[0] : s->func);
	}
}

int tprobe_init(struct tprobe *p, const char *text, const char *default_binary,
		char *err, size_t errsz)
{
	bool ret_probe;
	int ret = 0;

	memset(p, 0, sizeof(*p));
	p->text = strdup(text);
	if (probe_spec_parse_ex(text, default_binary, &p->spec, err, errsz))
		return EXIT_USAGE;
	ret_probe = p->spec.flags & PS_RETURN;
	switch (p->spec.type) {
	case PROBE_KFUNC:
		p->kind = ret_probe ? TPK_KRETPROBE : TPK_KPROBE;
		p->pkind = ret_probe ? PK_KFUNC_RETURN : PK_KFUNC_ENTRY;
		break;
	case PROBE_TRACEPOINT:
		p->kind = TPK_TRACEPOINT;
		p->pkind = PK_TRACEPOINT;
		ret = resolve_tracepoint(p, err, errsz);
		break;
	case PROBE_UFUNC:
		p->kind = ret_probe ? TPK_URETPROBE : TPK_UPROBE;
		p->pkind = PK_UFUNC;
		ret = resolve_ufunc(p, err, errsz);
		break;
	case PROBE_USDT:
		p->kind = TPK_USDT;
		p->pkind = PK_USDT;
		ret = resolve_usdt(p, err, errsz);
		break;
	default:
		return fail(err, errsz, EXIT_USAGE, "'%s' deletes an event: use 'sonde probe --del'", text);
	}
	if (p->spec.type == PROBE_KFUNC)
		ret = 0;	/* after the mechanism check: tprobe_resolve() */
	return ret;
}

int tprobe_resolve(struct tprobe *p, char *err, size_t errsz)
{
	int ret;

	if (p->spec.type == PROBE_KFUNC && (ret = resolve_kfunc(p, err, errsz)))
		return ret;
	make_label(p);
	return build_slots(p, err, errsz);
}

void tprobe_free(struct tprobe *p)
{
	for (size_t i = 0; i < p->nfuncs; i++)
		free(p->funcs[i]);
	free(p->funcs);
	if (p->usdt_notes)
		usdt_free(p->usdt_notes, p->nusdt_notes);
	for (int i = 0; i < p->nimplicit; i++)
		expr_free(p->implicit[i]);
	probe_spec_free(&p->spec);
	free(p->text);
	memset(p, 0, sizeof(*p));
}
