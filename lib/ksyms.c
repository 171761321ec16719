// SPDX-License-Identifier: GPL-2.0
/*
 * Kernel function names: available_filter_functions (what ftrace, fentry
 * and kprobes can attach to), /proc/kallsyms (what exists; names stay
 * readable when kptr_restrict zeroes the addresses) and the kprobe
 * blacklist, merged into one sorted table.
 *
 * Sorting by strcmp puts every "foo.<suffix>" right after "foo": '.'
 * sorts before digits, letters and '_', the only other characters of
 * kernel symbol names. So an exact lookup plus a short forward scan finds
 * all of a function's compiler-made copies.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kernel_facts.h"
#include "ksyms.h"
#include "util.h"

char *ksyms_read_file(const char *path)
{
	size_t cap = 1 << 16, len = 0;
	char *buf = malloc(cap), *nb;
	int fd = open(path, O_RDONLY | O_CLOEXEC), err;
	ssize_t n;

	if (fd < 0 || !buf) {
		err = fd < 0 ? errno : ENOMEM;
		if (fd >= 0)
			close(fd);
		free(buf);
		errno = err;
		return NULL;
	}
	for (;;) {
		if (cap - len < 4096) {
			cap *= 2;
			nb = realloc(buf, cap);
			if (!nb) {
				err = ENOMEM;
				goto fail;
			}
			buf = nb;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = errno;
			goto fail;
		}
		if (!n)
			break;
		len += n;
	}
	close(fd);
	buf[len] = '\0';
	return buf;
fail:
	close(fd);
	free(buf);
	errno = err;
	return NULL;
}

const char *ksym_suffix(const char *name)
{
	const char *dot = strchr(name, '.');

	return dot ? dot : name + strlen(name);
}

static bool suffix_is_cold(const char *suffix)
{
	for (const char *p = suffix; (p = strstr(p, ".cold")); p += 5)
		if (p[5] == '\0' || p[5] == '.')
			return true;
	return false;
}

/* ---- building the table ---- */

struct raw_sym {
	uint64_t key;			/* first 8 bytes, big-endian: sorts like strcmp */
	size_t name_off, mod_off;	/* into strings; mod_off 0: none */
	uint64_t addr;
	uint16_t flags;
};

struct builder {
	struct ksyms *ks;
	struct raw_sym *raw;
	size_t nraw, capraw;
};

static size_t intern(struct ksyms *ks, const char *s, size_t len)
{
	struct strarena a = { ks->strings, ks->strings_len, ks->strings_cap };
	size_t off = strarena_add(&a, s, len);

	ks->strings = a.buf;
	ks->strings_len = a.len;
	ks->strings_cap = a.cap;
	return off;
}

static int add_raw(struct builder *b, const char *name, size_t nlen,
		   const char *mod, size_t mlen, uint64_t addr, uint16_t flags)
{
	struct raw_sym *r;

	if (b->nraw == b->capraw) {
		size_t cap = b->capraw ? b->capraw * 2 : 1 << 14;
		struct raw_sym *nr = realloc(b->raw, cap * sizeof(*nr));

		if (!nr)
			return -ENOMEM;
		b->raw = nr;
		b->capraw = cap;
	}
	r = &b->raw[b->nraw];
	r->name_off = intern(b->ks, name, nlen);
	r->mod_off = mlen ? intern(b->ks, mod, mlen) : 0;
	if (r->name_off == (size_t)-1 || r->mod_off == (size_t)-1)
		return -ENOMEM;
	r->key = 0;
	for (size_t i = 0; i < 8; i++)
		r->key = r->key << 8 | (i < nlen ? (unsigned char)name[i] : 0);
	r->addr = addr;
	r->flags = flags;
	b->nraw++;
	return 0;
}

static const char *skip_blank(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

static size_t token_len(const char *p)
{
	size_t n = 0;

	while (p[n] && p[n] != ' ' && p[n] != '\t' && p[n] != '\n')
		n++;
	return n;
}

/* "[module]" after the name, or none. */
static void parse_module(const char *p, const char **mod, size_t *mlen)
{
	p = skip_blank(p);
	*mod = NULL;
	*mlen = 0;
	if (*p == '[') {
		const char *end = p + 1;

		while (*end && *end != ']' && *end != '\n')
			end++;
		if (*end == ']') {
			*mod = p + 1;
			*mlen = end - p - 1;
		}
	}
}

static bool skip_module(const char *mod, size_t mlen)
{
	/* BPF programs and ftrace trampolines show up as pseudo-modules. */
	return mod && ((mlen == 3 && !memcmp(mod, "bpf", 3)) ||
		       (mlen >= 9 && !memcmp(mod, "__builtin", 9)));
}

static bool skip_name(const char *name, size_t len)
{
	/* Function padding and CFI preambles (6.2+), not functions. */
	return (len > 6 && !memcmp(name, "__pfx_", 6)) ||
	       (len > 6 && !memcmp(name, "__cfi_", 6)) ||
	       /* ftrace's placeholder for records it could not map (5.19+) */
	       (len > 27 && !memcmp(name, "__ftrace_invalid_address___", 27));
}

/* available_filter_functions: "name" or "name [module]" per line. */
static int parse_filter_functions(struct builder *b, const char *text)
{
	for (const char *p = text; *p; ) {
		const char *line = skip_blank(p), *mod;
		size_t nlen = token_len(line), mlen;
		const char *nl = strchr(line, '\n');

		p = nl ? nl + 1 : line + strlen(line);
		if (!nlen || *line == '#' || skip_name(line, nlen))
			continue;
		parse_module(line + nlen, &mod, &mlen);
		if (skip_module(mod, mlen))
			continue;
		if (add_raw(b, line, nlen, mod, mlen, 0, KSYM_TRACEABLE))
			return -ENOMEM;
	}
	return 0;
}

/* /proc/kallsyms: "ffffffff81000000 T name\t[module]". */
static int parse_kallsyms(struct builder *b, const char *text)
{
	for (const char *p = text; *p; ) {
		const char *line = p, *mod, *name;
		const char *nl = strchr(line, '\n');
		char *end;
		uint64_t addr;
		size_t nlen, mlen;
		char type;

		p = nl ? nl + 1 : line + strlen(line);
		addr = 0;
		for (end = (char *)line; isxdigit((unsigned char)*end); end++)
			addr = addr << 4 | (isdigit((unsigned char)*end) ? *end - '0' :
					    (tolower((unsigned char)*end) - 'a' + 10));
		if (end == line)
			continue;
		end = (char *)skip_blank(end);
		type = *end;
		if (type != 't' && type != 'T' && type != 'W' && type != 'w')
			continue;
		name = skip_blank(end + 1);
		nlen = token_len(name);
		if (!nlen || skip_name(name, nlen))
			continue;
		parse_module(name + nlen, &mod, &mlen);
		if (skip_module(mod, mlen))
			continue;
		if (add_raw(b, name, nlen, mod, mlen, addr, KSYM_IN_KALLSYMS))
			return -ENOMEM;
	}
	return 0;
}

static const char *sort_strings;

static int raw_cmp(const void *a, const void *b)
{
	const struct raw_sym *x = a, *y = b;

	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return strcmp(sort_strings + x->name_off, sort_strings + y->name_off);
}

static int sym_name_cmp(const void *key, const void *elem)
{
	return strcmp(key, ((const struct ksym *)elem)->name);
}

/* Blacklist lines: "0xffffffff81000000-0xffffffff81000010\tname". */
static void apply_blacklist(struct ksyms *ks, const char *text)
{
	for (const char *p = text; *p; ) {
		const char *line = p, *nl = strchr(line, '\n'), *name;
		char buf[KSYM_NAME_MAX];
		struct ksym *s;
		size_t nlen;

		p = nl ? nl + 1 : line + strlen(line);
		name = line + token_len(line);
		name = skip_blank(name);
		nlen = token_len(name);
		if (!nlen || nlen >= sizeof(buf))
			continue;
		memcpy(buf, name, nlen);
		buf[nlen] = '\0';
		s = bsearch(buf, ks->syms, ks->nsyms, sizeof(*s), sym_name_cmp);
		if (s)
			s->flags |= KSYM_BLACKLISTED;
	}
}

/* Symbols the kprobes code refuses whatever the blacklist says. */
static bool never_kprobe(const char *name)
{
	static const char *const prefixes[] = {
		"__kprobes", "kprobe_", "__kprobe", "arch_kprobe", "kretprobe_",
		"__kretprobe", "optprobe_", "arch_rethook", "rethook_",
	};

	for (size_t i = 0; i < ARRAY_SIZE(prefixes); i++)
		if (!strncmp(name, prefixes[i], strlen(prefixes[i])))
			return true;
	return false;
}

struct ksyms *ksyms__parse(const char *filter_functions, const char *kallsyms,
			   const char *blacklist)
{
	struct ksyms *ks = calloc(1, sizeof(*ks));
	struct builder b = { .ks = ks };
	size_t n = 0;

	if (!ks)
		return NULL;
	ks->source = filter_functions ? KSYMS_FROM_FILTER_FUNCTIONS :
					KSYMS_FROM_KALLSYMS;
	ks->have_kallsyms = kallsyms != NULL;
	ks->have_blacklist = blacklist != NULL;
	intern(ks, "", 0);	/* offset 0: "no module" */
	if ((filter_functions && parse_filter_functions(&b, filter_functions)) ||
	    (kallsyms && parse_kallsyms(&b, kallsyms)))
		goto fail;

	sort_strings = ks->strings;
	if (b.nraw)	/* qsort's base must not be NULL, even for 0 */
		qsort(b.raw, b.nraw, sizeof(*b.raw), raw_cmp);
	ks->syms = calloc(b.nraw ? b.nraw : 1, sizeof(*ks->syms));
	if (!ks->syms)
		goto fail;
	for (size_t i = 0; i < b.nraw; ) {
		const char *name = ks->strings + b.raw[i].name_off;
		struct ksym *s = &ks->syms[n++];
		size_t j, nkall = 0, naff = 0;

		s->name = name;
		s->module = b.raw[i].mod_off ? ks->strings + b.raw[i].mod_off : NULL;
		for (j = i; j < b.nraw &&
		     !strcmp(ks->strings + b.raw[j].name_off, name); j++) {
			s->flags |= b.raw[j].flags;
			if (b.raw[j].flags & KSYM_IN_KALLSYMS) {
				if (!nkall++ || !s->addr)
					s->addr = b.raw[j].addr;
			} else {
				naff++;
			}
		}
		if (nkall > 1 || naff > 1)
			s->flags |= KSYM_DUPLICATE;
		s->base_len = ksym_suffix(name) - name;
		if (name[s->base_len])
			s->flags |= KSYM_SUFFIXED;
		if (suffix_is_cold(name + s->base_len))
			s->flags |= KSYM_COLD;
		if (never_kprobe(name))
			s->flags |= KSYM_BLACKLISTED;
		i = j;
	}
	ks->nsyms = n;
	free(b.raw);
	if (blacklist)
		apply_blacklist(ks, blacklist);
	return ks;
fail:
	free(b.raw);
	ksyms__free(ks);
	return NULL;
}

void ksyms__free(struct ksyms *ks)
{
	if (!ks)
		return;
	free(ks->syms);
	free(ks->strings);
	free(ks);
}

const struct ksyms *ksyms_get(void)
{
	static struct ksyms *cached;
	static int cached_err;
	char path[PATH_MAX], *aff = NULL, *kall, *bl;
	const char *tfs;
	int aff_err = ENOENT;

	if (cached || cached_err) {
		errno = cached_err;
		return cached;
	}
	tfs = features_tracefs_path();
	if (tfs) {
		snprintf(path, sizeof(path), "%s/available_filter_functions", tfs);
		aff = ksyms_read_file(path);
		aff_err = aff ? 0 : errno;
	}
	kall = ksyms_read_file("/proc/kallsyms");
	bl = ksyms_read_file("/sys/kernel/debug/kprobes/blacklist");
	if (!aff && !kall) {
		cached_err = errno ? errno : ENOENT;
	} else {
		cached = ksyms__parse(aff, kall, bl);
		if (cached)
			cached->filter_functions_err = aff_err;
		else
			cached_err = ENOMEM;
	}
	free(aff);
	free(kall);
	free(bl);
	errno = cached_err;
	return cached;
}

const struct ksym *ksyms__find(const struct ksyms *ks, const char *name)
{
	return bsearch(name, ks->syms, ks->nsyms, sizeof(*ks->syms), sym_name_cmp);
}

bool ksym_attachable(const struct ksyms *ks, const struct ksym *s)
{
	if (s->flags & (KSYM_COLD | KSYM_BLACKLISTED))
		return false;
	if (ks->source == KSYMS_FROM_FILTER_FUNCTIONS)
		return s->flags & KSYM_TRACEABLE;
	return s->flags & KSYM_IN_KALLSYMS;
}

/* First symbol >= name. */
static size_t lower_bound(const struct ksyms *ks, const char *name)
{
	size_t lo = 0, hi = ks->nsyms;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(ks->syms[mid].name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Every symbol whose unsuffixed name is base: [*first, *last). */
static void base_range(const struct ksyms *ks, const char *base, size_t *first,
		       size_t *last)
{
	size_t len = strlen(base), i = lower_bound(ks, base);

	*first = i;
	while (i < ks->nsyms && !strncmp(ks->syms[i].name, base, len) &&
	       (ks->syms[i].name[len] == '\0' || ks->syms[i].name[len] == '.'))
		i++;
	*last = i;
}

bool ksym_is_glob(const char *s)
{
	return strpbrk(s, "*?[") != NULL;
}

static const char *nearest_name(const struct ksyms *ks, const char *name)
{
	const char *best = NULL;
	int best_d = INT_MAX, len = strlen(name);
	int limit = len < 6 ? 1 : len < 12 ? 2 : 3;

	for (size_t i = 0; i < ks->nsyms; i++) {
		const struct ksym *s = &ks->syms[i];
		int d;

		if (abs((int)s->base_len - len) > limit ||
		    (s->flags & (KSYM_SUFFIXED | KSYM_COLD)))
			continue;
		d = edit_distance(name, s->name);
		if (d < best_d) {
			best_d = d;
			best = s->name;
		}
	}
	return best_d <= limit ? best : NULL;
}

static void add_cand(struct ksym_resolution *out, const struct ksym *s)
{
	if (out->ncands < KSYM_MAX_CANDIDATES)
		out->cands[out->ncands++] = s;
}

/* Copies of base that can be attached to; the unsuffixed name first. */
static void collect(const struct ksyms *ks, const char *base,
		    struct ksym_resolution *out, size_t *nseen, size_t *ncold,
		    size_t *nblack)
{
	size_t first, last;

	base_range(ks, base, &first, &last);
	for (size_t i = first; i < last; i++) {
		const struct ksym *s = &ks->syms[i];

		(*nseen)++;
		if (s->flags & KSYM_COLD)
			(*ncold)++;
		else if (s->flags & KSYM_BLACKLISTED)
			(*nblack)++;
		if (ksym_attachable(ks, s))
			add_cand(out, s);
	}
}

static const char *const syscall_prefixes[] = { "__x64_sys_", "sys_", "SyS_" };

int ksyms__resolve(const struct ksyms *ks, const char *name,
		   struct ksym_resolution *out)
{
	size_t nseen = 0, ncold = 0, nblack = 0, len;
	const struct ksym *exact = ksyms__find(ks, name);
	char alt[KSYM_NAME_MAX + 16];
	const char *used = name;
	int w;

	memset(out, 0, sizeof(*out));
	if (exact && ksym_attachable(ks, exact)) {
		add_cand(out, exact);
		if (exact->flags & KSYM_DUPLICATE)
			snprintf(out->message, sizeof(out->message),
				 "several kernel functions are named '%.160s'; a probe by name may attach to only one of them",
				 name);
		return 0;
	}
	if (*ksym_suffix(name) == '\0')
		collect(ks, name, out, &nseen, &ncold, &nblack);
	else if (exact) {
		nseen++;
		ncold += !!(exact->flags & KSYM_COLD);
		nblack += !!(exact->flags & KSYM_BLACKLISTED);
	}

	/* Syscall spellings across kernel versions (4.17 added __x64_sys_). */
	for (size_t i = 0; !nseen && i < ARRAY_SIZE(syscall_prefixes); i++) {
		size_t plen = strlen(syscall_prefixes[i]);

		if (strncmp(name, syscall_prefixes[i], plen))
			continue;
		for (size_t j = 0; !nseen && j < ARRAY_SIZE(syscall_prefixes); j++) {
			if (j == i)
				continue;
			snprintf(alt, sizeof(alt), "%s%s", syscall_prefixes[j],
				 name + plen);
			collect(ks, alt, out, &nseen, &ncold, &nblack);
			if (nseen) {
				used = alt;
				out->syscall_alias = true;
			}
		}
	}

	if (out->ncands) {
		len = 0;
		if (out->ncands == 1) {
			out->status = strcmp(out->cands[0]->name, name) ?
				      KSYM_OK_SUFFIX : KSYM_OK;
			if (out->status == KSYM_OK_SUFFIX && out->syscall_alias &&
			    !strcmp(out->cands[0]->name, used))
				snprintf(out->message, sizeof(out->message),
					 "'%.160s' resolved to '%.160s' (this kernel's name for the syscall)",
					 name, used);
			else if (out->status == KSYM_OK_SUFFIX)
				snprintf(out->message, sizeof(out->message),
					 "'%.160s' resolved to '%.160s' (a copy the compiler made)",
					 name, out->cands[0]->name);
			return 0;
		}
		out->status = KSYM_AMBIGUOUS;
		w = snprintf(out->message, sizeof(out->message),
			     "'%.160s' has %zu copies the compiler made (", name,
			     out->ncands);
		len = w > 0 ? (size_t)w : 0;
		for (size_t i = 0; i < out->ncands && len < sizeof(out->message); i++) {
			w = snprintf(out->message + len, sizeof(out->message) - len,
				     "%s%s", i ? ", " : "", out->cands[i]->name);
			len += w > 0 ? (size_t)w : 0;
		}
		if (len < sizeof(out->message))
			snprintf(out->message + len, sizeof(out->message) - len,
				 "); probing all of them");
		return 0;
	}

	if (!nseen) {
		const char *near = nearest_name(ks, name);

		out->status = KSYM_NOT_FOUND;
		w = snprintf(out->message, sizeof(out->message),
			     "kernel function '%.160s' not found: it is not in /proc/kallsyms (misspelled, inlined into every caller, or in a module that is not loaded)",
			     name);
		if (near && w > 0 && (size_t)w < sizeof(out->message))
			snprintf(out->message + w, sizeof(out->message) - w,
				 "; did you mean '%.160s'?", near);
	} else if (ncold == nseen) {
		out->status = KSYM_COLD_ONLY;
		snprintf(out->message, sizeof(out->message),
			 "kernel function '%.160s' cannot be probed: only its cold fragment ('%.160s.cold') is a symbol, the rest was inlined into its callers",
			 used, used);
	} else if (nblack) {
		size_t first, last;

		/* fentry and the function tracer ignore the kprobe blacklist:
		 * hand the names over, the caller picks the mechanism. */
		base_range(ks, used, &first, &last);
		for (size_t i = first; i < last; i++)
			if ((ks->syms[i].flags & (KSYM_BLACKLISTED | KSYM_COLD)) ==
			    KSYM_BLACKLISTED)
				add_cand(out, &ks->syms[i]);
		out->status = KSYM_BLACKLISTED_ONLY;
		snprintf(out->message, sizeof(out->message),
			 "kernel function '%.160s' cannot be probed with kprobes: it is on the kprobe blacklist",
			 used);
	} else {
		out->status = KSYM_NOT_TRACEABLE;
		snprintf(out->message, sizeof(out->message),
			 "kernel function '%.160s' exists but cannot be traced: it is in /proc/kallsyms but not in available_filter_functions (notrace, inlined at its call sites, or in code ftrace does not patch)",
			 used);
	}
	return -ENOENT;
}

size_t ksyms__match(const struct ksyms *ks, const char *glob,
		    int (*fn)(const struct ksym *s, void *ctx), void *ctx)
{
	char base[KSYM_NAME_MAX], alt[KSYM_NAME_MAX + 16];
	size_t count = 0;

	/* SyS_*, sys_* name syscalls before 4.17; __x64_sys_* since. */
	if ((!strncmp(glob, "SyS_", 4) || !strncmp(glob, "sys_", 4)) &&
	    !ksyms__find(ks, "sys_read") && !ksyms__find(ks, "SyS_read") &&
	    ksyms__find(ks, "__x64_sys_read")) {
		snprintf(alt, sizeof(alt), "__x64_sys_%s", glob + 4);
		glob = alt;
	}
	/* "PREFIX*": only the sorted range that starts with PREFIX */
	size_t plen = strcspn(glob, "*?[\\"), first = 0, last = ks->nsyms;

	if (glob[plen] == '*' && glob[plen + 1] == '\0' && !memchr(glob, '.', plen)) {
		char prefix[KSYM_NAME_MAX];

		snprintf(prefix, sizeof(prefix), "%.*s", (int)plen, glob);
		first = lower_bound(ks, prefix);
		for (last = first; last < ks->nsyms &&
		     !strncmp(ks->syms[last].name, prefix, plen); last++)
			;
	}
	for (size_t i = first; i < last; i++) {
		const struct ksym *s = &ks->syms[i];
		bool hit;

		if (!ksym_attachable(ks, s))
			continue;
		hit = !fnmatch(glob, s->name, 0);
		if (!hit && (s->flags & KSYM_SUFFIXED) && s->base_len < sizeof(base)) {
			memcpy(base, s->name, s->base_len);
			base[s->base_len] = '\0';
			hit = !fnmatch(glob, base, 0);
		}
		if (!hit)
			continue;
		count++;
		if (fn && fn(s, ctx))
			break;
	}
	return count;
}

/* ---- nearest tracepoints ---- */

struct tp_map {
	const char *func;	/* fnmatch pattern */
	const char *tps;	/* space-separated; "syscalls:sys_enter_X" flips on return */
};

static const struct tp_map tp_table[] = {
	{ "do_sys_open*", "syscalls:sys_enter_openat syscalls:sys_enter_openat2 syscalls:sys_enter_open" },
	{ "do_filp_open", "syscalls:sys_enter_openat syscalls:sys_enter_openat2 syscalls:sys_enter_open" },
	{ "vfs_open", "syscalls:sys_enter_openat syscalls:sys_enter_open" },
	{ "vfs_read", "syscalls:sys_enter_read syscalls:sys_enter_pread64 syscalls:sys_enter_readv" },
	{ "vfs_write", "syscalls:sys_enter_write syscalls:sys_enter_pwrite64 syscalls:sys_enter_writev" },
	{ "vfs_fsync*", "syscalls:sys_enter_fsync syscalls:sys_enter_fdatasync" },
	{ "vfs_unlink", "syscalls:sys_enter_unlinkat syscalls:sys_enter_unlink" },
	{ "vfs_rename", "syscalls:sys_enter_renameat2 syscalls:sys_enter_rename" },
	{ "vfs_mkdir", "syscalls:sys_enter_mkdirat syscalls:sys_enter_mkdir" },
	{ "vfs_statx", "syscalls:sys_enter_statx syscalls:sys_enter_newfstatat" },
	{ "vfs_fstatat", "syscalls:sys_enter_newfstatat syscalls:sys_enter_statx" },
	{ "tcp_v[46]_connect", "sock:inet_sock_set_state syscalls:sys_enter_connect" },
	{ "tcp_connect", "sock:inet_sock_set_state syscalls:sys_enter_connect" },
	{ "inet_csk_accept", "sock:inet_sock_set_state syscalls:sys_enter_accept4" },
	{ "tcp_set_state", "sock:inet_sock_set_state" },
	{ "tcp_close", "sock:inet_sock_set_state tcp:tcp_destroy_sock" },
	{ "tcp_retransmit_skb", "tcp:tcp_retransmit_skb" },
	{ "tcp_sendmsg*", "tcp:tcp_sendmsg_locked syscalls:sys_enter_sendto" },
	{ "tcp_send_reset", "tcp:tcp_send_reset" },
	{ "tcp_v4_send_reset", "tcp:tcp_send_reset" },
	{ "tcp_rcv_established", "tcp:tcp_probe" },
	{ "kfree_skb*", "skb:kfree_skb" },
	{ "tcp_drop*", "skb:kfree_skb" },
	{ "dev_queue_xmit", "net:net_dev_queue" },
	{ "__dev_queue_xmit", "net:net_dev_queue" },
	{ "netif_receive_skb*", "net:netif_receive_skb" },
	{ "do_execve*", "sched:sched_process_exec syscalls:sys_enter_execve" },
	{ "bprm_execve", "sched:sched_process_exec syscalls:sys_enter_execve" },
	{ "exec_binprm", "sched:sched_process_exec" },
	{ "do_exit", "sched:sched_process_exit" },
	{ "do_group_exit", "sched:sched_process_exit syscalls:sys_enter_exit_group" },
	{ "kernel_clone", "sched:sched_process_fork task:task_newtask" },
	{ "_do_fork", "sched:sched_process_fork task:task_newtask" },
	{ "copy_process", "task:task_newtask sched:sched_process_fork" },
	{ "wake_up_new_task", "sched:sched_wakeup_new" },
	{ "try_to_wake_up", "sched:sched_waking sched:sched_wakeup" },
	{ "ttwu_do_*", "sched:sched_wakeup" },
	{ "finish_task_switch*", "sched:sched_switch" },
	{ "__schedule", "sched:sched_switch" },
	{ "schedule", "sched:sched_switch" },
	{ "blk_account_io_start", "block:block_io_start block:block_rq_insert" },
	{ "blk_account_io_done", "block:block_io_done block:block_rq_complete" },
	{ "__blk_account_io_*", "block:block_rq_issue block:block_rq_complete" },
	{ "blk_mq_start_request", "block:block_rq_issue" },
	{ "blk_start_request", "block:block_rq_issue" },
	{ "blk_mq_end_request", "block:block_rq_complete" },
	{ "blk_update_request", "block:block_rq_complete" },
	{ "submit_bio*", "block:block_bio_queue" },
	{ "kill_pid_info", "signal:signal_generate syscalls:sys_enter_kill" },
	{ "do_send_sig_info", "signal:signal_generate" },
	{ "__send_signal*", "signal:signal_generate" },
	{ "send_signal*", "signal:signal_generate" },
	{ "get_signal", "signal:signal_deliver" },
	{ "handle_mm_fault", "exceptions:page_fault_user exceptions:page_fault_kernel" },
	{ "do_user_addr_fault", "exceptions:page_fault_user" },
	{ "__kmalloc*", "kmem:kmalloc" },
	{ "kmalloc*", "kmem:kmalloc" },
	{ "kfree", "kmem:kfree" },
	{ "kmem_cache_alloc*", "kmem:kmem_cache_alloc" },
	{ "kmem_cache_free", "kmem:kmem_cache_free" },
	{ "__alloc_pages*", "kmem:mm_page_alloc" },
	{ "__free_pages*", "kmem:mm_page_free" },
	{ "do_mmap", "syscalls:sys_enter_mmap" },
	{ "do_nanosleep", "syscalls:sys_enter_nanosleep syscalls:sys_enter_clock_nanosleep" },
	{ "filemap_add_folio", "filemap:mm_filemap_add_to_page_cache" },
	{ "add_to_page_cache_lru", "filemap:mm_filemap_add_to_page_cache" },
	{ "oom_kill_process", "oom:mark_victim" },
	{ "irq_enter*", "irq:irq_handler_entry" },
	{ "__do_softirq", "irq:softirq_entry" },
	{ "handle_softirqs", "irq:softirq_entry" },
	{ "do_sys_poll", "syscalls:sys_enter_poll syscalls:sys_enter_ppoll" },
	{ "do_epoll_wait", "syscalls:sys_enter_epoll_wait syscalls:sys_enter_epoll_pwait" },
	{ "ext4_file_read_iter", "syscalls:sys_enter_read" },
	{ "ext4_file_write_iter", "ext4:ext4_write_begin syscalls:sys_enter_write" },
	{ "ext4_sync_file", "ext4:ext4_sync_file_enter" },
	{ "cpu_idle*", "power:cpu_idle" },
};

static const char *const syscall_func_prefixes[] = {
	"__x64_sys_", "__ia32_sys_", "__x64_compat_sys_", "__ia32_compat_sys_",
	"__se_sys_", "__do_sys_", "__sys_", "ksys_", "sys_", "SyS_",
	"do_sys_", "compat_sys_",
};

/* Words that say nothing about what a function does. */
static bool stopword(const char *w, size_t n)
{
	static const char *const words[] = {
		"do", "sys", "x64", "se", "ksys", "vfs", "common", "generic",
		"internal", "core", "fn", "v4", "v6", "the", "one", "all",
		"locked", "nolock", "slow", "fast", "path", "inner", "real",
		"impl", "helper", "compat", "ia32", "isra", "part", "cold",
		"constprop", "handle", "__",
	};

	if (n < 2)
		return true;
	for (size_t i = 0; i < ARRAY_SIZE(words); i++)
		if (strlen(words[i]) == n && !memcmp(words[i], w, n))
			return true;
	return false;
}

struct tp_cand {
	char name[96];
	int score;
};

static int tp_cand_cmp(const void *a, const void *b)
{
	const struct tp_cand *x = a, *y = b;

	if (x->score != y->score)
		return y->score - x->score;
	return strcmp(x->name, y->name);
}

/* Does "group:name" appear as a line of events? */
static bool event_listed(const char *events, const char *ev)
{
	size_t len = strlen(ev);

	for (const char *p = events; (p = strstr(p, ev)); p += len)
		if ((p == events || p[-1] == '\n') &&
		    (p[len] == '\n' || p[len] == '\0'))
			return true;
	return false;
}

static int add_tp(struct tp_cand *c, int n, int max, const char *name, int score)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(c[i].name, name)) {
			if (score > c[i].score)
				c[i].score = score;
			return n;
		}
	if (n >= max)
		return n;
	snprintf(c[n].name, sizeof(c[n].name), "%s", name);
	c[n].score = score;
	return n + 1;
}

/* Split into '_'-separated words that mean something; returns count. */
static int split_words(const char *s, size_t len, const char *w[], size_t wl[],
		       int max)
{
	int n = 0;

	for (size_t i = 0; i < len && n < max; ) {
		size_t j = i;

		while (j < len && s[j] != '_' && s[j] != ':' && s[j] != '.')
			j++;
		if (j > i && !stopword(s + i, j - i)) {
			w[n] = s + i;
			wl[n++] = j - i;
		}
		i = j + 1;
	}
	return n;
}

static void flip_to_exit(char *tp, bool is_return)
{
	char *p = strstr(tp, ":sys_enter_");

	/* ":sys_enter_X" -> ":sys_exit_X" */
	if (is_return && p) {
		memcpy(p + 5, "exit", 4);
		memmove(p + 9, p + 10, strlen(p + 10) + 1);
	}
}

int ksyms_suggest_tracepoints(const char *func, const char *events,
			      bool is_return, char (*out)[96], int max)
{
	struct tp_cand cands[32];
	char base[KSYM_NAME_MAX], tp[96];
	const char *fw[16];
	size_t fwl[16], blen;
	int n = 0, nfw, prio = 1000;

	blen = ksym_suffix(func) - func;
	if (blen >= sizeof(base))
		blen = sizeof(base) - 1;
	memcpy(base, func, blen);
	base[blen] = '\0';

	for (size_t i = 0; i < ARRAY_SIZE(tp_table); i++) {
		const char *p;

		if (fnmatch(tp_table[i].func, base, 0))
			continue;
		for (p = tp_table[i].tps; *p; ) {
			size_t l = strcspn(p, " ");

			snprintf(tp, sizeof(tp), "%.*s", (int)l, p);
			if (!events || event_listed(events, tp))
				n = add_tp(cands, n, ARRAY_SIZE(cands), tp, prio--);
			p += l;
			p += strspn(p, " ");
		}
	}

	/* Syscall implementations: __x64_sys_X, ksys_X, do_sys_X... -> sys_enter_X */
	for (size_t i = 0; i < ARRAY_SIZE(syscall_func_prefixes); i++) {
		size_t pl = strlen(syscall_func_prefixes[i]);

		if (strncmp(base, syscall_func_prefixes[i], pl))
			continue;
		snprintf(tp, sizeof(tp), "syscalls:sys_enter_%s", base + pl);
		if (!events || event_listed(events, tp))
			n = add_tp(cands, n, ARRAY_SIZE(cands), tp, 500);
		break;
	}

	nfw = split_words(base, blen, fw, fwl, ARRAY_SIZE(fw));
	for (const char *p = events; p && *p && nfw; ) {
		const char *line = p, *nl = strchr(p, '\n'), *colon;
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		const char *ew[16];
		size_t ewl[16];
		int ne, common = 0, score = 0;

		p = nl ? nl + 1 : p + len;
		colon = memchr(line, ':', len);
		if (!colon || len >= sizeof(tp))
			continue;
		if (len - (colon + 1 - line) == blen &&
		    !memcmp(colon + 1, base, blen)) {
			score = 800;	/* the tracepoint has the function's name */
		} else if (colon - line == 8 && !memcmp(line, "syscalls", 8)) {
			const char *sc = colon + 1;
			size_t sl = len - (sc - line);

			if (sl < 11 || memcmp(sc, "sys_enter_", 10))
				continue;
			/* The function's verb is the syscall's name: vfs_read. */
			for (int i = 0; i < nfw; i++)
				if (fwl[i] == sl - 10 && !memcmp(fw[i], sc + 10, fwl[i]))
					score = 30;
		} else {
			ne = split_words(line, len, ew, ewl, ARRAY_SIZE(ew));
			for (int i = 0; i < nfw; i++)
				for (int j = 0; j < ne; j++)
					if (fwl[i] == ewl[j] && !memcmp(fw[i], ew[j], fwl[i])) {
						common++;
						break;
					}
			if (common >= 2 && common * 2 >= nfw)
				score = 10 * common;
		}
		if (score) {
			snprintf(tp, sizeof(tp), "%.*s", (int)len, line);
			n = add_tp(cands, n, ARRAY_SIZE(cands), tp, score);
		}
	}

	qsort(cands, n, sizeof(cands[0]), tp_cand_cmp);
	if (n > max)
		n = max;
	for (int i = 0; i < n; i++) {
		snprintf(out[i], sizeof(out[i]), "%.95s", cands[i].name);
		flip_to_exit(out[i], is_return);
	}
	return n;
}

int ksyms_suggest_tracepoints_live(const char *func, bool is_return,
				   char (*out)[96], int max)
{
	static char *events;
	static bool tried;

	if (!tried) {
		const char *tfs = features_tracefs_path();
		char path[PATH_MAX];

		tried = true;
		if (tfs) {
			snprintf(path, sizeof(path), "%s/available_events", tfs);
			events = ksyms_read_file(path);
		}
	}
	/* Without available_events, the table alone (unchecked) is better
	 * than nothing. */
	return ksyms_suggest_tracepoints(func, events, is_return, out, max);
}

void ksyms_tracepoint_hint(const char *func, bool is_return, char *buf,
			   size_t len)
{
	char tps[3][96];
	int n = ksyms_suggest_tracepoints_live(func, is_return, tps, 3);
	size_t used;

	buf[0] = '\0';
	if (n <= 0)
		return;
	used = snprintf(buf, len, "try tracepoint %s", tps[0]);
	for (int i = 1; i < n && used < len; i++)
		used += snprintf(buf + used, len - used, "%s%s", i == 1 ? " (or " : ", ",
				 tps[i]);
	if (n > 1 && used < len)
		snprintf(buf + used, len - used, ")");
}

const char *ksyms__note(const struct ksyms *ks, char *buf, size_t len)
{
	buf[0] = '\0';
	if (ks->source == KSYMS_FROM_KALLSYMS)
		snprintf(buf, len,
			 "available_filter_functions is not readable (%s): names come from /proc/kallsyms and whether a function can be traced is unknown",
			 errno_name(ks->filter_functions_err ? ks->filter_functions_err : ENOENT));
	else if (!ks->have_kallsyms)
		snprintf(buf, len, "/proc/kallsyms is not readable: functions are not told apart from missing ones");
	return buf;
}
