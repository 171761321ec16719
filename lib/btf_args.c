// SPDX-License-Identifier: GPL-2.0
/*
 * Kernel function prototypes and member chains from BTF (libbpf's btf.h).
 * pahole writes the source prototype for each function it keeps; a
 * ".isra"/".constprop" copy shares its BTF with the original, so the
 * suffix is dropped before the lookup (the copy's real arguments may
 * differ: the caller says so).
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/btf.h>

#include "btf_args.h"
#include "util.h"

static int vmlinux_err;

struct btf *btf_args_vmlinux(void)
{
	static struct btf *btf;
	static bool tried;

	if (!tried) {
		tried = true;
		btf = btf__load_vmlinux_btf();
		if (!btf)
			vmlinux_err = errno ? errno : ENOENT;
	}
	errno = vmlinux_err;
	return btf;
}

static struct btf *get_btf(struct btf *btf, char *err, size_t errlen)
{
	if (btf)
		return btf;
	btf = btf_args_vmlinux();
	if (btf)
		return btf;
	/* libbpf answers ESRCH for "no valid BTF anywhere" */
	if (access("/sys/kernel/btf/vmlinux", F_OK))
		errf(err, errlen,
		       "kernel BTF is not available (/sys/kernel/btf/vmlinux: %s): argument names and types are unknown, use arg1..arg6",
		       strerror(errno));
	else
		errf(err, errlen,
		       "kernel BTF is not available (/sys/kernel/btf/vmlinux is not valid BTF): argument names and types are unknown, use arg1..arg6");
	return NULL;
}

/* Skip typedefs and qualifiers. */
static const struct btf_type *skip_mods(const struct btf *btf, uint32_t id,
					uint32_t *out_id)
{
	const struct btf_type *t = btf__type_by_id(btf, id);

	while (t && (btf_is_mod(t) || btf_is_typedef(t))) {
		id = t->type;
		t = btf__type_by_id(btf, id);
	}
	if (out_id)
		*out_id = id;
	return t;
}

void btf_args_type_str(const struct btf *btf, uint32_t id, char *buf, size_t len)
{
	char quals[32] = "", ptrs[16] = "", dims[48] = "";
	const struct btf_type *t;
	const char *name;
	size_t np = 0, nd = 0;

	for (int depth = 0; depth < 32; depth++) {
		t = btf__type_by_id(btf, id);
		if (!id || !t) {
			snprintf(buf, len, "%svoid%s%s%s", quals, np ? " " : "", ptrs, dims);
			return;
		}
		switch (btf_kind(t)) {
		case BTF_KIND_CONST:
			if (!strstr(quals, "const"))
				strcat(quals, "const ");
			id = t->type;
			continue;
		case BTF_KIND_VOLATILE:
			if (!strstr(quals, "volatile"))
				strcat(quals, "volatile ");
			id = t->type;
			continue;
		case BTF_KIND_RESTRICT:
		case BTF_KIND_TYPE_TAG:
			id = t->type;
			continue;
		case BTF_KIND_PTR:
			if (np < sizeof(ptrs) - 1)
				ptrs[np++] = '*';
			id = t->type;
			continue;
		case BTF_KIND_ARRAY: {
			const struct btf_array *a = btf_array(t);

			nd += snprintf(dims + nd, nd < sizeof(dims) ? sizeof(dims) - nd : 0,
				       "[%u]", a->nelems);
			if (nd >= sizeof(dims))
				nd = sizeof(dims) - 1;
			id = a->type;
			continue;
		}
		case BTF_KIND_FUNC_PROTO:
			snprintf(buf, len, "void (%s)(...)", np ? ptrs : "");
			return;
		default:
			break;
		}
		break;
	}
	name = btf__name_by_offset(btf, t->name_off);
	if (!name || !*name)
		name = btf_is_struct(t) || btf_is_union(t) ? "(anon)" : "?";
	snprintf(buf, len, "%s%s%s%s%s%s%s", quals,
		 btf_is_struct(t) ? "struct " : btf_is_union(t) ? "union " :
		 btf_is_any_enum(t) ? "enum " :
		 btf_is_fwd(t) ? (btf_kflag(t) ? "union " : "struct ") : "",
		 name, np || nd ? " " : "", ptrs, dims, "");
}

static bool is_char(const struct btf *btf, const struct btf_type *t)
{
	const char *n;

	if (!t || !btf_is_int(t) || t->size != 1)
		return false;
	n = btf__name_by_offset(btf, t->name_off);
	return (btf_int_encoding(t) & BTF_INT_CHAR) ||
	       (n && (!strcmp(n, "char") || !strcmp(n, "unsigned char") ||
		      !strcmp(n, "signed char")));
}

static void fill_value(const struct btf *btf, uint32_t id, const char *name,
		       struct btf_value *v)
{
	const struct btf_type *t;
	uint32_t rid;
	int64_t sz;

	memset(v, 0, sizeof(*v));
	snprintf(v->name, sizeof(v->name), "%s", name ? name : "");
	v->type_id = id;
	btf_args_type_str(btf, id, v->type, sizeof(v->type));
	t = skip_mods(btf, id, &rid);
	sz = id ? btf__resolve_size(btf, id) : 0;
	v->size = sz > 0 ? (int)sz : 0;
	if (!t || !rid)
		return;
	if (btf_is_ptr(t)) {
		const struct btf_type *pt = skip_mods(btf, t->type, NULL);

		v->is_ptr = true;
		v->size = 8;
		if (pt && (btf_is_struct(pt) || btf_is_union(pt))) {
			v->is_struct_ptr = true;
			snprintf(v->struct_name, sizeof(v->struct_name), "%s",
				 btf__name_by_offset(btf, pt->name_off));
		}
		v->is_string = is_char(btf, pt);
	} else if (btf_is_array(t)) {
		v->is_array = true;
		v->is_string = is_char(btf, skip_mods(btf, btf_array(t)->type, NULL));
	} else if (btf_is_struct(t) || btf_is_union(t)) {
		v->is_struct = true;
		snprintf(v->struct_name, sizeof(v->struct_name), "%s",
			 btf__name_by_offset(btf, t->name_off));
	} else if (btf_is_int(t)) {
		v->is_signed = btf_int_encoding(t) & BTF_INT_SIGNED;
	} else if (btf_is_any_enum(t)) {
		v->is_signed = btf_kflag(t);
	}
}

static int fill_proto(const struct btf *btf, const struct btf_type *proto,
		      int skip, struct btf_func_args *out)
{
	const struct btf_param *p = btf_params(proto);
	int n = btf_vlen(proto);

	fill_value(btf, proto->type, NULL, &out->ret);
	for (int i = skip; i < n; i++) {
		const char *pname = btf__name_by_offset(btf, p[i].name_off);
		char gen[16];

		if (!p[i].type) {	/* "..." */
			out->variadic = true;
			break;
		}
		if (out->nparams == BTF_ARGS_MAX)
			break;
		if (!pname || !*pname) {
			snprintf(gen, sizeof(gen), "arg%d", out->nparams + 1);
			pname = gen;
		}
		fill_value(btf, p[i].type, pname, &out->params[out->nparams++]);
	}
	return 0;
}

/*
 * Functions of loaded modules have their BTF in /sys/kernel/btf/<module>,
 * split on top of vmlinux's. Loaded on demand, kept for the process.
 */
#define MAX_MOD_BTF 512

static struct {
	char name[64];
	struct btf *btf;
} mod_btf[MAX_MOD_BTF];
static int nmod_btf;
static bool mod_btf_loaded;

static void load_module_btfs(struct btf *vmlinux)
{
	struct dirent *de;
	DIR *d;

	mod_btf_loaded = true;
	d = opendir("/sys/kernel/btf");
	while (d && (de = readdir(d)) && nmod_btf < MAX_MOD_BTF) {
		char path[320];
		struct btf *b;

		if (de->d_name[0] == '.' || !strcmp(de->d_name, "vmlinux"))
			continue;
		snprintf(path, sizeof(path), "/sys/kernel/btf/%s", de->d_name);
		b = btf__parse_split(path, vmlinux);
		if (!b)
			continue;
		snprintf(mod_btf[nmod_btf].name, sizeof(mod_btf[0].name), "%s", de->d_name);
		mod_btf[nmod_btf++].btf = b;
	}
	if (d)
		closedir(d);
}

/* A BTF_KIND_FUNC by name: in btf, or (btf being vmlinux's) in a module's. */
static int find_func(struct btf *btf, const char *name, struct btf **where,
		     const char **module)
{
	int id = btf__find_by_name_kind(btf, name, BTF_KIND_FUNC);

	*where = btf;
	*module = NULL;
	if (id > 0 || btf != btf_args_vmlinux())
		return id;
	if (!mod_btf_loaded)
		load_module_btfs(btf);
	for (int i = 0; i < nmod_btf; i++) {
		id = btf__find_by_name_kind(mod_btf[i].btf, name, BTF_KIND_FUNC);
		if (id > 0) {
			*where = mod_btf[i].btf;
			*module = mod_btf[i].name;
			return id;
		}
	}
	return -ENOENT;
}

static int func_args(struct btf *btf, const char *func, struct btf_func_args *out,
		     struct btf **where, char *err, size_t errlen)
{
	const struct btf_type *ft, *proto;
	const char *module;
	char name[128];
	size_t len = strcspn(func, ".");
	int id;

	memset(out, 0, sizeof(*out));
	if (!(btf = get_btf(btf, err, errlen)))
		return -ENOENT;
	if (len >= sizeof(name))
		len = sizeof(name) - 1;
	memcpy(name, func, len);
	name[len] = '\0';
	id = find_func(btf, name, &btf, &module);
	*where = btf;
	if (module)
		snprintf(out->module, sizeof(out->module), "%s", module);
	if (id <= 0) {
		errf(err, errlen, "no BTF for function '%s' (not in this kernel's BTF: inlined, in an unloaded module, or not a function)",
		       name);
		return -ENOENT;
	}
	ft = btf__type_by_id(btf, id);
	proto = ft ? btf__type_by_id(btf, ft->type) : NULL;
	if (!proto || !btf_is_func_proto(proto)) {
		errf(err, errlen, "BTF for '%s' has no prototype", name);
		return -EINVAL;
	}
	snprintf(out->name, sizeof(out->name), "%s", func);
	return fill_proto(btf, proto, 0, out);
}

int btf_args_func(struct btf *btf, const char *func, struct btf_func_args *out,
		  char *err, size_t errlen)
{
	struct btf *where;

	return func_args(btf, func, out, &where, err, errlen);
}

int btf_args_raw_tracepoint(struct btf *btf, const char *tp,
			    struct btf_func_args *out, char *err, size_t errlen)
{
	const struct btf_type *t;
	const char *colon = strchr(tp, ':');
	char name[160];
	int id;

	memset(out, 0, sizeof(*out));
	if (!(btf = get_btf(btf, err, errlen)))
		return -ENOENT;
	snprintf(name, sizeof(name), "btf_trace_%s", colon ? colon + 1 : tp);
	id = btf__find_by_name_kind(btf, name, BTF_KIND_TYPEDEF);
	t = id > 0 ? btf__type_by_id(btf, id) : NULL;
	t = t ? btf__type_by_id(btf, t->type) : NULL;
	t = t && btf_is_ptr(t) ? btf__type_by_id(btf, t->type) : NULL;
	if (!t || !btf_is_func_proto(t)) {
		errf(err, errlen, "no BTF for raw tracepoint '%s'", colon ? colon + 1 : tp);
		return -ENOENT;
	}
	snprintf(out->name, sizeof(out->name), "%s", colon ? colon + 1 : tp);
	return fill_proto(btf, t, 1, out);	/* the first is the void *data */
}

/* ---- member chains ---- */

/* Member name of struct/union sid, looking into anonymous members. */
static bool find_member(const struct btf *btf, uint32_t sid, const char *name,
			uint32_t *bit_off, uint32_t *bit_size, uint32_t *type)
{
	const struct btf_type *t = skip_mods(btf, sid, NULL);
	const struct btf_member *m;

	if (!t || !btf_is_composite(t))
		return false;
	m = btf_members(t);
	for (int i = 0; i < btf_vlen(t); i++) {
		const char *mn = btf__name_by_offset(btf, m[i].name_off);
		uint32_t off = btf_member_bit_offset(t, i);

		if (mn && *mn) {
			if (strcmp(mn, name))
				continue;
			*bit_off = off;
			*bit_size = btf_member_bitfield_size(t, i);
			*type = m[i].type;
			return true;
		}
		if (find_member(btf, m[i].type, name, bit_off, bit_size, type)) {
			*bit_off += off;
			return true;
		}
	}
	return false;
}

static int push_load(struct btf_access *out, int32_t off, uint8_t size,
		     char *err, size_t errlen)
{
	if (out->nloads == BTF_CHAIN_MAX) {
		errf(err, errlen, "member chain is too long (at most %d dereferences)",
		       BTF_CHAIN_MAX);
		return -E2BIG;
	}
	out->loads[out->nloads++] = (struct btf_load){ off, size };
	return 0;
}

int btf_args_chain(struct btf *btf, uint32_t type_id, const char *chain,
		   struct btf_access *out, char *err, size_t errlen)
{
	const char *p = chain;
	char what[64] = "the argument";
	bool lvalue = false;	/* the current value sits at v + acc, unread */
	int32_t acc = 0;
	uint32_t id = type_id;
	int param = out->param;

	if (out->result.name[0])
		snprintf(what, sizeof(what), "'%.60s'", out->result.name);
	memset(out, 0, sizeof(*out));
	out->param = param;
	if (!(btf = get_btf(btf, err, errlen)))
		return -ENOENT;
	while (*p) {
		const struct btf_type *t = skip_mods(btf, id, NULL);
		uint32_t boff = 0, bsize = 0, mtype = 0;
		char name[64];
		size_t n = 0;
		bool arrow;

		while (isspace((unsigned char)*p))
			p++;
		if (!*p)
			break;
		if (*p == '[') {
			char *end;
			long idx = strtol(p + 1, &end, 0);
			int64_t esz;

			if (*end != ']' || !t) {
				errf(err, errlen, "bad index in '%s'", chain);
				return -EINVAL;
			}
			p = end + 1;
			if (btf_is_array(t)) {
				esz = btf__resolve_size(btf, btf_array(t)->type);
				id = btf_array(t)->type;
			} else if (btf_is_ptr(t)) {
				if (lvalue && push_load(out, acc, 8, err, errlen))
					return -E2BIG;
				lvalue = true;
				acc = 0;
				esz = btf__resolve_size(btf, t->type);
				id = t->type;
			} else {
				errf(err, errlen, "%s is not an array or a pointer", what);
				return -EINVAL;
			}
			if (esz <= 0) {
				errf(err, errlen, "cannot index %s: unknown element size", what);
				return -EINVAL;
			}
			acc += (int32_t)(idx * esz);
			continue;
		}
		if (!strncmp(p, "->", 2)) {
			arrow = true;
			p += 2;
		} else if (*p == '.') {
			arrow = false;
			p++;
		} else {
			errf(err, errlen, "expected '->' or '.' at '%s'", p);
			return -EINVAL;
		}
		while ((isalnum((unsigned char)*p) || *p == '_') && n < sizeof(name) - 1)
			name[n++] = *p++;
		name[n] = '\0';
		if (!n) {
			errf(err, errlen, "expected a member name after '%s'",
			       arrow ? "->" : ".");
			return -EINVAL;
		}
		if (arrow) {
			const struct btf_type *pt;

			if (t && btf_is_composite(t)) {
				errf(err, errlen, "%s is not a pointer: use '.' not '->'", what);
				return -EINVAL;
			}
			if (!t || !btf_is_ptr(t)) {
				char ts[BTF_TYPE_STR_MAX];

				btf_args_type_str(btf, id, ts, sizeof(ts));
				errf(err, errlen, "%s is '%s', not a pointer to a struct or union",
				       what, ts);
				return -EINVAL;
			}
			pt = skip_mods(btf, t->type, NULL);
			if (!pt || !btf_is_composite(pt)) {
				char ts[BTF_TYPE_STR_MAX];

				btf_args_type_str(btf, id, ts, sizeof(ts));
				errf(err, errlen, "%s is '%s', not a pointer to a struct or union",
				       what, ts);
				return -EINVAL;
			}
			if (lvalue && push_load(out, acc, 8, err, errlen))
				return -E2BIG;
			lvalue = true;
			acc = 0;
			id = t->type;
		} else {
			if (t && btf_is_ptr(t)) {
				errf(err, errlen, "%s is a pointer: use '->' not '.'", what);
				return -EINVAL;
			}
			if (!t || !btf_is_composite(t)) {
				errf(err, errlen, "%s is not a struct or union", what);
				return -EINVAL;
			}
			if (!lvalue) {
				errf(err, errlen, "%s is a struct passed by value: its members cannot be read",
				       what);
				return -EINVAL;
			}
		}
		if (!find_member(btf, id, name, &boff, &bsize, &mtype)) {
			char ts[BTF_TYPE_STR_MAX];

			btf_args_type_str(btf, id, ts, sizeof(ts));
			errf(err, errlen, "'%s' has no member '%s'", ts, name);
			return -ENOENT;
		}
		if (bsize) {
			out->bit_offset = boff % 8;
			out->bit_size = bsize;
		} else {
			out->bit_offset = out->bit_size = 0;
		}
		acc += boff / 8;
		id = mtype;
		snprintf(what, sizeof(what), "'%s'", name);
	}
	fill_value(btf, id, NULL, &out->result);
	if (lvalue) {
		const struct btf_type *t = skip_mods(btf, id, NULL);
		bool addr = t && (btf_is_array(t) || btf_is_composite(t));
		int size = out->result.size;

		if (out->bit_size)
			size = (out->bit_offset + out->bit_size + 7) / 8 <= 1 ? 1 :
			       (out->bit_offset + out->bit_size + 7) / 8 <= 2 ? 2 :
			       (out->bit_offset + out->bit_size + 7) / 8 <= 4 ? 4 : 8;
		if (!addr && (size <= 0 || size > 8)) {
			errf(err, errlen, "%s has a size that cannot be read (%d bytes)",
			       what, size);
			return -EINVAL;
		}
		if (push_load(out, acc, addr ? 0 : size, err, errlen))
			return -E2BIG;
	}
	return 0;
}

int btf_args_access(struct btf *btf, const char *func, const char *expr,
		    struct btf_access *out, char *err, size_t errlen)
{
	struct btf_func_args fa;
	char first[64];
	size_t n = 0;
	const char *p = expr;
	uint32_t tid;
	int ret, idx = -2;

	while (*p == '$')
		p++;
	while ((isalnum((unsigned char)p[n]) || p[n] == '_') && n < sizeof(first) - 1)
		n++;
	memcpy(first, p, n);
	first[n] = '\0';
	ret = func_args(btf, func, &fa, &btf, err, errlen);
	if (ret)
		return ret;
	if (!strcmp(first, "retval")) {
		idx = -1;
		tid = fa.ret.type_id;
	} else {
		for (int i = 0; i < fa.nparams; i++)
			if (!strcmp(fa.params[i].name, first))
				idx = i;
		if (idx == -2 && !strncmp(first, "arg", 3) && isdigit((unsigned char)first[3])) {
			idx = atoi(first + 3) - 1;
			if (idx < 0 || idx >= fa.nparams)
				idx = -2;
		}
		if (idx == -2) {
			errf(err, errlen, "'%s' is not a parameter of '%s'", first, func);
			return -ENOENT;
		}
		tid = fa.params[idx].type_id;
	}
	memset(out, 0, sizeof(*out));
	out->param = idx;
	snprintf(out->result.name, sizeof(out->result.name), "%s", first);
	return btf_args_chain(btf, tid, p + n, out, err, errlen);
}
