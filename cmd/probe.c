// SPDX-License-Identifier: GPL-2.0
/*
 * sonde probe: list probe points, show a function's arguments, add and
 * delete named persistent events (perf probe -l/-V/--add/--del/-x/--funcs,
 * bpftrace -l). Added events live in group "sonde" (or the user's), stay
 * after sonde exits, and are ordinary tracefs events: `sonde trace
 * sonde:NAME`, `perf record -e sonde:NAME` and trace-cmd all use them.
 */
#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "btf_args.h"
#include "cmds.h"
#include "dwarf_args.h"
#include "kernel_facts.h"
#include "ksyms.h"
#include "options.h"
#include "plan.h"
#include "privilege.h"
#include "sonde.h"
#include "tfs.h"
#include "trace_probe.h"
#include "usdt.h"
#include "usym.h"
#include "util.h"

#define DEFAULT_GROUP "sonde"
#define MAX_SPECS 64

static const char *const probe_usage[] = {
	"sonde probe -l [-x BINARY] [GLOB]",
	"sonde probe --funcs -x BINARY [GLOB]",
	"sonde probe -V FUNC [-x BINARY]",
	"sonde probe [-x BINARY] --add [[GROUP:]NAME=]SPEC [--add ...]",
	"sonde probe --del [GROUP:]NAME|GLOB [--del ...]",
	"sonde probe --clean",
	NULL,
};

/* ---- dynamic events: what tracefs has now ---- */

struct dynev {
	char type;		/* p r e */
	char group[64], name[128];
	char *line;		/* the definition as tracefs shows it */
};

static void dynev_free(struct dynev *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i].line);
	free(v);
}

static int dynev_parse_line(const char *line, struct dynev *d)
{
	const char *colon = strchr(line, ':'), *slash, *end;

	if (!colon || !isalpha((unsigned char)line[0]))
		return -1;
	slash = strchr(colon, '/');
	end = colon + strcspn(colon, " \t\n");
	if (!slash || slash > end)
		return -1;
	d->type = line[0];
	snprintf(d->group, sizeof(d->group), "%.*s", (int)(slash - colon - 1), colon + 1);
	snprintf(d->name, sizeof(d->name), "%.*s", (int)(end - slash - 1), slash + 1);
	d->line = strndup(line, strcspn(line, "\n"));
	return 0;
}

/* Every dynamic event (kprobes, uprobes, eprobes...). */
static struct dynev *dynev_read(const char *root, size_t *n)
{
	static const char *const files[] = { "dynamic_events", "kprobe_events", "uprobe_events" };
	struct dynev *v = NULL;
	size_t cap = 0;
	char path[PATH_MAX];

	*n = 0;
	if (!root)
		return NULL;
	for (size_t f = 0; f < ARRAY_SIZE(files); f++) {
		char *text, *line, *save = NULL;

		snprintf(path, sizeof(path), "%s/%s", root, files[f]);
		if (!(text = ksyms_read_file(path)))
			continue;
		for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
			struct dynev d;
			bool dup = false;

			if (dynev_parse_line(line, &d))
				continue;
			for (size_t i = 0; i < *n && !dup; i++)
				dup = !strcmp(v[i].group, d.group) && !strcmp(v[i].name, d.name);
			if (dup) {
				free(d.line);
				continue;
			}
			if (*n == cap) {
				cap = cap ? 2 * cap : 16;
				v = realloc(v, cap * sizeof(*v));
			}
			v[(*n)++] = d;
		}
		free(text);
		if (f == 0)
			break;	/* dynamic_events has them all */
	}
	return v;
}

/* A temporary group of a sonde process ("sonde_<pid>"). */
static bool is_session_group(const char *group)
{
	int pid;

	return tfs_parse_owner(group, &pid);
}

static const char *dynev_kind(char type, const char *line)
{
	const char *place = line + strcspn(line, " \t");

	place += strspn(place, " \t");
	switch (type) {
	case 'e': return "eprobe";
	case 's': return "synthetic";
	case 'f': return "fprobe";
	case 't': return "tprobe";
	}
	if (place[0] == '/')
		return type == 'r' ? "uretprobe" : "uprobe";
	return type == 'r' ? "kretprobe" : "kprobe";
}

/* ---- -l, --funcs ---- */

struct lister {
	const char *glob;
	const char *binary;
	long count;
};

static bool match(const char *glob, const char *s)
{
	return !glob || !fnmatch(glob, s, 0);
}

static void list_item(struct lister *l, const char *kind, const char *name,
		      const char *extra)
{
	l->count++;
	if (g_opts.json) {
		printf("{\"kind\":\"%s\",\"name\":", kind);
		json_print_string(stdout, name);
		if (l->binary) {
			printf(",\"binary\":");
			json_print_string(stdout, l->binary);
		}
		if (extra) {
			printf(",\"definition\":");
			json_print_string(stdout, extra);
		}
		printf("}\n");
		return;
	}
	if (!strcmp(kind, "function")) {	/* --funcs: bare names, like perf */
		printf("%s\n", name);
		return;
	}
	if (l->binary)
		printf("%s:%s:%s\n", kind, l->binary, name);
	else if (extra)
		printf("%s:%s [%s]\n", kind, name, extra);
	else
		printf("%s:%s\n", kind, name);
}

static int list_kfunc(const struct ksym *s, void *ctx)
{
	list_item(ctx, "kprobe", s->name, NULL);
	return 0;
}

static int list_ufunc(const struct usym *s, void *ctx)
{
	struct lister *l = ctx;

	list_item(l, l->glob == (const char *)-1 ? "function" : "uprobe", s->name, NULL);
	return 0;
}

static bool kernel_functions_probeable(const struct kernel_facts *kf)
{
	return kf->kprobe_events.state == FACT_YES || kf->bpf_kprobe.state == FACT_YES ||
	       kf->fentry.state == FACT_YES;
}

static int list_binary(const char *bin, const char *glob, bool funcs_only)
{
	char path[PATH_MAX], err[USYM_ERR_MAX];
	struct lister l = { .glob = glob, .binary = path };
	struct usdt_note *notes = NULL;
	struct uelf *e;
	size_t nnotes = 0;

	if (usym_find_binary(bin, path, sizeof(path), err, sizeof(err)))
		return usage_error("%s", err);
	if (!(e = uelf__open(path, err, sizeof(err))))
		return usage_error("%s", err);
	if (funcs_only) {
		struct lister f = { .glob = (const char *)-1 };

		if (g_opts.json)
			f.binary = path;
		uelf__funcs(e, glob, list_ufunc, &f);
		uelf__close(e);
		if (!f.count && !e->has_symtab && !e->has_dynsym)
			return error("'%s' has no symbol table", path);
		return 0;
	}
	uelf__funcs(e, glob, list_ufunc, &l);
	uelf__close(e);
	if (!usdt_read(path, &notes, &nnotes, err, sizeof(err))) {
		for (size_t i = 0; i < nnotes; i++) {
			char name[256];

			snprintf(name, sizeof(name), "%s:%s", notes[i].provider, notes[i].name);
			/* a probe with several sites is listed once */
			bool seen = false;
			for (size_t j = 0; j < i && !seen; j++)
				seen = !strcmp(notes[j].provider, notes[i].provider) &&
				       !strcmp(notes[j].name, notes[i].name);
			if (!seen && (match(glob, name) || match(glob, notes[i].name)))
				list_item(&l, "usdt", name, NULL);
		}
		usdt_free(notes, nnotes);
	}
	return 0;
}

static int list_kernel(const char *glob)
{
	const struct kernel_facts *kf = features_get();
	const char *root = features_tracefs_path();
	struct lister l = { .glob = glob };
	bool tp_glob = glob && strchr(glob, ':');
	struct dynev *dv;
	size_t ndv = 0;
	char path[PATH_MAX];

	dv = dynev_read(root, &ndv);
	/* kernel functions */
	if (!tp_glob) {
		if (!kernel_functions_probeable(kf)) {
			if (!g_opts.json)
				fprintf(stderr, "note: kernel functions are not listed: this kernel cannot probe them (no kprobe_events, BPF kprobes or fentry)\n");
		} else {
			const struct ksyms *ks = ksyms_get();

			if (ks)
				ksyms__match(ks, glob ? glob : "*", list_kfunc, &l);
			else
				warning("cannot read the kernel's symbols: %s", strerror(errno));
		}
	}
	/* tracepoints (and the events of dynamic events' groups, listed below) */
	snprintf(path, sizeof(path), "%s/available_events", root ? root : "");
	char *text = root ? ksyms_read_file(path) : NULL;

	if (!text && !root)
		warning("tracefs is not available: tracepoints are not listed");
	else if (!text && privilege_tracefs_denied(path, sizeof(path)))
		warning("tracepoints are not listed: %s", path);
	if (text) {
		char *line, *save = NULL;

		for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
			char *colon = strchr(line, ':');
			bool dyn = false;

			if (!colon)
				continue;
			*colon = '\0';
			for (size_t i = 0; i < ndv && !dyn; i++)
				dyn = !strcmp(dv[i].group, line);
			if (dyn || is_session_group(line))
				continue;
			*colon = ':';
			if (match(glob, line) || (!tp_glob && match(glob, colon + 1)))
				list_item(&l, "tracepoint", line, NULL);
		}
		free(text);
	}
	/* dynamic events: sonde's persistent ones and other tools' */
	for (size_t i = 0; i < ndv; i++) {
		char full[200];

		if (is_session_group(dv[i].group))
			continue;
		snprintf(full, sizeof(full), "%s:%s", dv[i].group, dv[i].name);
		if (!match(glob, full) && (tp_glob || !match(glob, dv[i].name)))
			continue;
		l.count++;
		if (g_opts.json) {
			printf("{\"kind\":\"dynamic\",\"type\":\"%s\",\"group\":",
			       dynev_kind(dv[i].type, dv[i].line));
			json_print_string(stdout, dv[i].group);
			printf(",\"name\":");
			json_print_string(stdout, dv[i].name);
			printf(",\"definition\":");
			json_print_string(stdout, dv[i].line);
			printf(",\"sonde\":%s}\n", strcmp(dv[i].group, DEFAULT_GROUP) ? "false" : "true");
		} else {
			printf("tracepoint:%s [%s %s: %s]\n", full,
			       strcmp(dv[i].group, DEFAULT_GROUP) ? "dynamic" : "sonde",
			       dynev_kind(dv[i].type, dv[i].line), dv[i].line);
		}
	}
	dynev_free(dv, ndv);
	return 0;
}

/* ---- -V ---- */

static int vars_kernel(const char *func)
{
	struct btf_func_args a;
	char err[512];
	const struct ksyms *ks = ksyms_get();

	if (!btf_args_vmlinux()) {
		btf_args_func(NULL, func, &a, err, sizeof(err));
		return error("cannot show the variables of '%s': %s", func, err);
	}
	if (btf_args_func(NULL, func, &a, err, sizeof(err))) {
		if (ks && !ksyms__find(ks, func)) {
			struct ksym_resolution r;

			if (ksyms__resolve(ks, func, &r))
				return usage_error("%s", r.message);
		}
		return usage_error("%s", err);
	}
	if (g_opts.json) {
		printf("{\"function\":");
		json_print_string(stdout, a.name);
		printf(",\"source\":\"btf\",\"module\":");
		json_print_string(stdout, a.module);
		printf(",\"return\":");
		json_print_string(stdout, a.ret.type);
		printf(",\"params\":[");
		for (int i = 0; i < a.nparams; i++) {
			printf("%s{\"name\":", i ? "," : "");
			json_print_string(stdout, a.params[i].name);
			printf(",\"type\":");
			json_print_string(stdout, a.params[i].type);
			printf(",\"arg\":%d,\"size\":%d}", i + 1, a.params[i].size);
		}
		printf("],\"variadic\":%s}\n", a.variadic ? "true" : "false");
		return 0;
	}
	printf("Available variables at %s%s%s (kernel BTF)\n", a.name,
	       a.module[0] ? " in module " : "", a.module);
	printf("        @<%s+0>\n", a.name);
	for (int i = 0; i < a.nparams; i++)
		printf("                %-24s %-20s (arg%d)\n", a.params[i].type,
		       a.params[i].name[0] ? a.params[i].name : "?", i + 1);
	if (a.variadic)
		printf("                ...\n");
	printf("        returns %s\n", a.ret.type);
	return 0;
}

static int vars_user(const char *bin, const char *func)
{
	char path[PATH_MAX], err[USYM_ERR_MAX];
	struct dwarf_func f;
	struct usym_target t;
	struct uelf *e;
	int ret;

	if (usym_find_binary(bin, path, sizeof(path), err, sizeof(err)))
		return usage_error("%s", err);
	if (!(e = uelf__open(path, err, sizeof(err))))
		return usage_error("%s", err);
	ret = uelf__resolve(e, func, &t, err, sizeof(err));
	uelf__close(e);
	if (ret && !(t.flags & USYM_T_IFUNC))
		return usage_error("%s", err);
	ret = dwarf_args_func(path, func, &f, err, sizeof(err));
	if (ret == -ENODATA)
		return error("cannot show the variables of '%s': %s", func, err);
	if (ret)
		return usage_error("%s", err);
	if (g_opts.json) {
		printf("{\"function\":");
		json_print_string(stdout, f.name);
		printf(",\"source\":\"dwarf\",\"binary\":");
		json_print_string(stdout, path);
		printf(",\"debug_file\":");
		json_print_string(stdout, f.debug_file);
		printf(",\"decl_file\":");
		json_print_string(stdout, f.decl_file);
		printf(",\"decl_line\":%d,\"return\":", f.decl_line);
		json_print_string(stdout, f.ret_type);
		printf(",\"vars\":[");
		for (int i = 0; i < f.nvars; i++) {
			const struct dwarf_var *v = &f.vars[i];
			char fetch[128] = "";

			dwarf_var_fetch(v, false, fetch, sizeof(fetch));
			printf("%s{\"name\":", i ? "," : "");
			json_print_string(stdout, v->name);
			printf(",\"type\":");
			json_print_string(stdout, v->type);
			printf(",\"param\":%s,\"location\":", v->is_param ? "true" : "false");
			json_print_string(stdout, v->at_entry.desc);
			printf(",\"fetch\":");
			json_print_string(stdout, fetch);
			printf("}");
		}
		printf("]}\n");
		return 0;
	}
	printf("Available variables at %s in %s (DWARF: %s)\n", f.name, path, f.debug_file);
	printf("        @<%s+0> %s:%d\n", f.name, f.decl_file, f.decl_line);
	for (int i = 0; i < f.nvars; i++) {
		const struct dwarf_var *v = &f.vars[i];

		printf("                %-24s %-20s %s%s\n", v->type, v->name,
		       v->is_param ? "" : "(local) ",
		       v->at_entry.kind == DLOC_NONE && v->at_body.kind != DLOC_NONE ?
		       v->at_body.desc : v->at_entry.desc);
	}
	printf("        returns %s\n", f.ret_type);
	return 0;
}

/* ---- --add ---- */

static const enum rung add_rungs[] = {
	RUNG_TRACEFS_KPROBE, RUNG_TRACEFS_KRETPROBE, RUNG_TRACEFS_UPROBE, RUNG_NONE,
};

/* The refusal trace gives: why the tracefs probe files cannot serve, and
 * the nearest tracepoint for a kernel function. (A persistent event must
 * outlive sonde, so BPF, whose probes die with their process, is no
 * alternative here.) */
static int refuse(const struct tprobe *p, const struct plan *pl)
{
	char why[900], sugg[4][96], tail[256] = "";
	int n = 0;

	plan_reason_line(pl, why, sizeof(why));
	if (p->spec.type == PROBE_KFUNC && p->spec.func)
		n = ksyms_suggest_tracepoints_live(p->spec.func,
						   p->spec.flags & PS_RETURN, sugg, 4);
	if (n)
		snprintf(tail, sizeof(tail), "; try the tracepoint %s", sugg[0]);
	return error("cannot add a persistent probe on %s '%s' on this kernel (it needs tracefs %s): %s%s",
		     probe_kind_name(p->pkind), p->spec.func ? p->spec.func : p->text,
		     p->spec.type == PROBE_KFUNC ? "kprobe_events" : "uprobe_events",
		     why, tail);
}

/* Make s a valid event name: [A-Za-z_][A-Za-z0-9_]*. */
static void sanitize(char *s)
{
	if (!isalpha((unsigned char)s[0]) && s[0] != '_')
		s[0] = '_';
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_')
			*s = '_';
}

/* perf's default argument names: the variable or member, else argN. */
static void arg_name(const struct probe_arg *a, int i, char *buf, size_t size)
{
	const struct expr *e = a->expr;

	if (a->name) {
		snprintf(buf, size, "%s", a->name);
	} else {
		while (e && (e->kind == EXPR_CAST || (e->kind == EXPR_CALL && e->left)))
			e = e->left;
		if (e && (e->kind == EXPR_FIELD || e->kind == EXPR_MEMBER) && e->name)
			snprintf(buf, size, "%s", e->name);
		else if (e && e->kind == EXPR_REG)
			snprintf(buf, size, "%s", e->name);
		else if (e && e->kind == EXPR_ARG)
			snprintf(buf, size, "arg%lld", (long long)e->value);
		else
			snprintf(buf, size, "arg%d", i + 1);
	}
	sanitize(buf);
}

/* The fetch of a slot with the user's type instead of the default. */
static int typed_fetch(const struct tslot *s, const char *type, char *buf,
		       size_t size, char *err, size_t errsz)
{
	char *colon;

	snprintf(buf, size, "%s", s->fetch);
	if (!type)
		return 0;
	colon = strrchr(buf, ':');
	if (colon && !strchr(colon, ')'))
		*colon = '\0';
	if (!strcmp(type, "string") || !strcmp(type, "ustring")) {
		if (!s->string) {
			snprintf(err, errsz, "'%s': cannot read a string there", type);
			return -1;
		}
	}
	size_t n = strlen(buf);
	snprintf(buf + n, size - n, ":%s", type);
	return 0;
}

static bool event_exists(const char *group, const char *name)
{
	const char *root = features_tracefs_path();
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/events/%s/%s", root ? root : "", group, name);
	return !access(path, F_OK);
}

struct added {
	char group[64], name[128], on[PATH_MAX + 160], def[8192];
};

static int add_one(struct tfs *tfs, const char *text, const char *binary,
		   struct added *out, int *nout, int max)
{
	struct tprobe p;
	char err[1024], base[128], group[64], argsbuf[6144], what[PATH_MAX + 160];
	size_t an = 0;
	int status, first = *nout;

	status = tprobe_init(&p, text, binary, err, sizeof(err));
	if (status)
		goto fail;
	if (p.spec.flags & PS_RAW) {
		status = EXIT_USAGE;
		snprintf(err, sizeof(err), "'%s': raw ftrace definitions are not taken by --add; write it perf style, e.g. 'NAME=FUNC ARG=FETCH:TYPE'", text);
		goto fail;
	}
	if (p.kind == TPK_TRACEPOINT) {
		status = EXIT_USAGE;
		snprintf(err, sizeof(err), "'%s' is a tracepoint: it is an event already (sonde trace %s:%s)",
			 text, p.tp_sys, p.tp_name);
		goto fail;
	}
	if (p.spec.flags & PS_WILDCARD) {
		status = EXIT_USAGE;
		snprintf(err, sizeof(err), "'%s': --add takes one function, not a pattern", text);
		goto fail;
	}
	if (p.spec.format || p.spec.filter || p.spec.nprint) {
		status = EXIT_USAGE;
		snprintf(err, sizeof(err), "'%s': --add takes perf probe arguments ([NAME=]EXPR[:TYPE] ...), not a filter or format", text);
		goto fail;
	}
	{
		struct plan pl;

		if (plan_select_among(p.pkind, features_get(), MECH_TRACEFS, add_rungs, &pl)) {
			status = refuse(&p, &pl);
			tprobe_free(&p);
			return status;
		}
	}
	if ((status = tprobe_resolve(&p, err, sizeof(err))))
		goto fail;

	/* the event's name */
	snprintf(group, sizeof(group), "%s", p.spec.group ? p.spec.group : DEFAULT_GROUP);
	if (p.spec.event)
		snprintf(base, sizeof(base), "%s", p.spec.event);
	else if (p.kind == TPK_USDT)
		snprintf(base, sizeof(base), "%s", p.spec.name);
	else if (p.spec.func)
		snprintf(base, sizeof(base), "%.*s%s", (int)(ksym_suffix(p.spec.func) - p.spec.func),
			 p.spec.func, (p.spec.flags & PS_RETURN) ? "__return" : "");
	else
		snprintf(base, sizeof(base), "addr_%llx%s", (unsigned long long)p.spec.addr,
			 (p.spec.flags & PS_RETURN) ? "__return" : "");
	sanitize(group);
	sanitize(base);
	if (is_session_group(group)) {
		status = EXIT_USAGE;
		snprintf(err, sizeof(err), "group '%s' is a sonde session's temporary group; choose another", group);
		goto fail;
	}

	/* the arguments, perf style: NAME=FETCH:TYPE */
	argsbuf[0] = '\0';
	for (int i = 0; i < p.spec.nargs; i++) {
		const struct probe_arg *a = &p.spec.args[i];
		int si = tprobe_slot_of(&p, a->expr);
		char name[64], fetch[800];

		if (si < 0)
			continue;
		arg_name(a, i, name, sizeof(name));
		/* names must be unique in one event */
		for (int j = 0; j < i; j++) {
			char other[64];

			arg_name(&p.spec.args[j], j, other, sizeof(other));
			if (!strcmp(other, name)) {
				snprintf(name + strlen(name), sizeof(name) - strlen(name), "_%d", i + 1);
				break;
			}
		}
		if (typed_fetch(&p.slots[si], a->type, fetch, sizeof(fetch), err, sizeof(err))) {
			status = EXIT_USAGE;
			goto fail;
		}
		an += snprintf(argsbuf + an, an < sizeof(argsbuf) ? sizeof(argsbuf) - an : 0,
			       " %s=%s", name, fetch);
	}

	bool ret = p.kind == TPK_KRETPROBE || p.kind == TPK_URETPROBE;
	int nsites = p.kind == TPK_KPROBE || p.kind == TPK_KRETPROBE ? 1 : p.nsites;

	if ((p.kind == TPK_KPROBE || p.kind == TPK_KRETPROBE) && p.nfuncs > 1)
		warning("'%s' has %zu copies; probing %s", p.spec.func, p.nfuncs, p.funcs[0]);
	for (int s = 0; s < nsites; s++) {
		struct added *ad;
		char name[128];
		int k = 0;

		if (*nout >= max) {
			status = EXIT_USAGE;
			snprintf(err, sizeof(err), "too many events at once");
			goto fail;
		}
		ad = &out[*nout];
		/* like perf: an existing name gets _1, _2... */
		snprintf(name, sizeof(name), "%s", base);
		if (s)
			snprintf(name, sizeof(name), "%s_%d", base, s);
		while (event_exists(group, name) && k < 100)
			snprintf(name, sizeof(name), "%s_%d", base, ++k + s);
		if (p.kind == TPK_KPROBE || p.kind == TPK_KRETPROBE) {
			if (p.spec.offset)
				snprintf(what, sizeof(what), "%s+%llu", p.funcs[0],
					 (unsigned long long)p.spec.offset);
			else
				snprintf(what, sizeof(what), "%s", p.funcs[0]);
			snprintf(ad->on, sizeof(ad->on), "%s%s", what, ret ? "%return" : "");
		} else {
			char ref[32] = "";

			if (p.kind == TPK_USDT && p.ref_ctr)
				snprintf(ref, sizeof(ref), "(0x%llx)", (unsigned long long)p.ref_ctr);
			snprintf(what, sizeof(what), "%s:0x%llx%s", p.binary,
				 (unsigned long long)p.uoffsets[s], ref);
			if (p.kind == TPK_USDT)
				snprintf(ad->on, sizeof(ad->on), "%s:%s%s%s in %s",
					 p.usdt ? p.usdt->provider : "", p.spec.name,
					 nsites > 1 ? " site " : "", nsites > 1 ? "" : "", p.binary);
			else
				snprintf(ad->on, sizeof(ad->on), "%s%s in %s",
					 p.spec.func ? p.spec.func : what, ret ? "%return" : "", p.binary);
		}
		snprintf(ad->def, sizeof(ad->def), "%c:%s/%s %s%s", ret ? 'r' : 'p',
			 group, name, what, argsbuf);
		snprintf(ad->group, sizeof(ad->group), "%s", group);
		snprintf(ad->name, sizeof(ad->name), "%s", name);
		vinfo("writing '%s'", ad->def);
		if (tfs_dynevent_add_persistent(tfs, ad->def, err, sizeof(err))) {
			char msg[1200];

			snprintf(msg, sizeof(msg), "cannot add %s:%s (%s): %s", group, name, text, err);
			snprintf(err, sizeof(err), "%s", msg);
			status = EXIT_FAIL;
			/* undo this spec's other sites */
			for (int i = first; i < *nout; i++)
				tfs_dynevent_del(tfs, out[i].group, out[i].name, msg, sizeof(msg));
			*nout = first;
			goto fail;
		}
		(*nout)++;
	}
	tprobe_free(&p);
	return 0;
fail:
	tprobe_free(&p);
	return status == EXIT_USAGE ? usage_error("%s", err) : error("%s", err);
}

static int do_add(const char **specs, int n, const char *binary)
{
	struct added *out = calloc(MAX_SPECS * 4, sizeof(*out));
	struct tfs *tfs = NULL;
	int nout = 0, status = 0;

	if (features_get()->tracefs.state != FACT_YES || !(tfs = tfs_get())) {
		free(out);
		return error("tracefs is not available: %s", strerror(errno ? errno : ENOENT));
	}
	for (int i = 0; i < n && !status; i++)
		status = add_one(tfs, specs[i], binary, out, &nout, MAX_SPECS * 4);
	if (status) {
		/* all or nothing: what this run added goes again */
		char err[512];

		for (int i = 0; i < nout; i++)
			tfs_dynevent_del(tfs, out[i].group, out[i].name, err, sizeof(err));
		free(out);
		return status;
	}
	for (int i = 0; i < nout; i++) {
		if (g_opts.json) {
			printf("{\"added\":{\"group\":");
			json_print_string(stdout, out[i].group);
			printf(",\"name\":");
			json_print_string(stdout, out[i].name);
			printf(",\"on\":");
			json_print_string(stdout, out[i].on);
			printf(",\"definition\":");
			json_print_string(stdout, out[i].def);
			printf("}}\n");
			continue;
		}
		if (i == 0)
			printf("Added new event%s:\n", nout > 1 ? "s" : "");
		printf("  %s:%-24s (on %s)\n", out[i].group, out[i].name, out[i].on);
	}
	if (!g_opts.json && nout) {
		printf("\nYou can now use it in all perf tools, such as:\n\n");
		printf("\tperf record -e %s:%s -aR sleep 1\n\n", out[0].group, out[0].name);
		printf("or trace it with sonde:\n\n");
		printf("\tsonde trace %s:%s\n\n", out[0].group, out[0].name);
		printf("Remove it with: sonde probe --del %s:%s\n", out[0].group, out[0].name);
	}
	free(out);
	return 0;
}

/* ---- --del ---- */

static int do_del(const char **pats, int n)
{
	const char *root = features_tracefs_path();
	struct tfs *tfs;
	struct dynev *dv;
	size_t ndv = 0;
	int status = 0, removed = 0;
	char err[1024];

	if (!root || !(tfs = tfs_get()))
		return error("tracefs is not available: %s", strerror(errno ? errno : ENOENT));
	dv = dynev_read(root, &ndv);
	for (int i = 0; i < n; i++) {
		char group[64] = DEFAULT_GROUP, name[128];
		const char *sep = strpbrk(pats[i], ":/");
		bool explicit_group = sep != NULL;
		int hits = 0;

		if (sep) {
			snprintf(group, sizeof(group), "%.*s", (int)(sep - pats[i]), pats[i]);
			snprintf(name, sizeof(name), "%s", sep + 1);
		} else {
			snprintf(name, sizeof(name), "%s", pats[i]);
		}
		if (!name[0] || !group[0]) {
			status = usage_error("'%s': give NAME, GLOB or GROUP:NAME", pats[i]);
			break;
		}
		for (size_t j = 0; j < ndv; j++) {
			const struct dynev *d = &dv[j];

			if (fnmatch(group, d->group, 0) || fnmatch(name, d->name, 0))
				continue;
			if (is_session_group(d->group)) {
				if (explicit_group)
					warning("not removing %s:%s: it belongs to a sonde session (sonde probe --clean removes those of dead sessions)",
						d->group, d->name);
				continue;
			}
			hits++;
			int ret = tfs_dynevent_del(tfs, d->group, d->name, err, sizeof(err));

			if (ret == -EBUSY) {
				status = error("cannot remove %s:%s: it is in use (a perf, trace-cmd or sonde session has it open or enabled); stop that first",
					       d->group, d->name);
				continue;
			}
			if (ret && ret != -ENOENT) {
				status = error("cannot remove %s:%s: %s", d->group, d->name, err);
				continue;
			}
			removed++;
			if (g_opts.json) {
				printf("{\"removed\":{\"group\":");
				json_print_string(stdout, d->group);
				printf(",\"name\":");
				json_print_string(stdout, d->name);
				printf(",\"definition\":");
				json_print_string(stdout, d->line);
				printf("}}\n");
			} else {
				printf("Removed event: %s:%s\n", d->group, d->name);
			}
		}
		if (!hits && !status) {
			bool elsewhere = false;

			for (size_t j = 0; j < ndv && !explicit_group; j++)
				elsewhere |= !fnmatch(name, dv[j].name, 0) && !is_session_group(dv[j].group);
			if (elsewhere)
				status = error("no event '%s' in group %s; events of other groups are removed only when named as GROUP:NAME",
					       name, group);
			else
				status = error("no event matches '%s:%s' ('sonde probe -l' lists them)",
					       group, name);
		}
	}
	dynev_free(dv, ndv);
	return status;
}

/* ---- command ---- */

/* Take every -a/--add and -d/--del value out of argv (they repeat). */
static int take_repeated(int argc, char **argv, const char **adds, int *nadd,
			 const char **dels, int *ndel)
{
	int k = 1;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = NULL;
		const char **list = NULL;
		int *n = NULL;

		if (!strcmp(a, "--")) {
			while (i < argc)
				argv[k++] = argv[i++];
			break;
		}
		if (!strcmp(a, "-a") || !strcmp(a, "--add")) {
			list = adds, n = nadd;
			v = i + 1 < argc ? argv[++i] : NULL;
		} else if (!strncmp(a, "--add=", 6)) {
			list = adds, n = nadd, v = a + 6;
		} else if (!strcmp(a, "-d") || !strcmp(a, "--del")) {
			list = dels, n = ndel;
			v = i + 1 < argc ? argv[++i] : NULL;
		} else if (!strncmp(a, "--del=", 6)) {
			list = dels, n = ndel, v = a + 6;
		} else {
			argv[k++] = argv[i];
			continue;
		}
		if (!v) {
			usage_error("option '%s' requires a value", a);
			return -1;
		}
		if (*n == MAX_SPECS) {
			usage_error("at most %d %s at once", MAX_SPECS, a);
			return -1;
		}
		list[(*n)++] = v;
	}
	argv[k] = NULL;
	return k;
}

int cmd_probe(int argc, char **argv)
{
	bool list = false, funcs = false, clean = false;
	const char *vars = NULL, *binary = NULL, *dummy = NULL;
	const char *adds[MAX_SPECS], *dels[MAX_SPECS];
	int nadd = 0, ndel = 0, nact;
	const struct option opts[] = {
		{ OPT_BOOL, 'l', "list", &list, NULL, "list probe points matching GLOB (with -x: the binary's functions and USDT probes)" },
		{ OPT_BOOL, 0, "funcs", &funcs, NULL, "list the functions of -x BINARY matching GLOB" },
		{ OPT_STRING, 'V', "vars", &vars, "FUNC", "show FUNC's parameters and variables (kernel: BTF; -x: DWARF)" },
		{ OPT_STRING, 'a', "add", &dummy, "SPEC", "add a persistent event ([[GROUP:]NAME=]SPEC [ARG...]); repeatable" },
		{ OPT_STRING, 'd', "del", &dummy, "NAME", "delete persistent events (NAME, GLOB or GROUP:NAME); repeatable" },
		{ OPT_BOOL, 0, "clean", &clean, NULL, "remove leftovers of sonde processes that died" },
		{ OPT_STRING, 'x', "exec", &binary, "BINARY", "user-space binary or library for -l, --funcs, -V, --add" },
		OPT_END_MARK(),
	};
	argc = take_repeated(argc, argv, adds, &nadd, dels, &ndel);
	if (argc < 0)
		return EXIT_USAGE;
	argc = parse_options(argc, argv, opts, probe_usage, 0);

	/* perf probe: bare arguments are probes to add */
	if (!list && !funcs && !vars && !clean && !ndel && argc > 0) {
		for (int i = 0; i < argc; i++) {
			if (nadd == MAX_SPECS)
				return usage_error("at most %d probes at once", MAX_SPECS);
			adds[nadd++] = argv[i];
		}
		argc = 0;
	}
	nact = list + funcs + !!vars + clean + !!nadd + !!ndel;
	if (nact == 0)
		return usage_error("no action given: one of -l, --funcs, -V, --add, --del, --clean (see sonde probe -h)");
	if (nact > 1)
		return usage_error("-l, --funcs, -V, --add, --del and --clean cannot be used together: give one per run");
	if ((list || funcs) && argc > 1)
		return usage_error("unexpected argument '%s' (one GLOB at most)", argv[1]);
	if (!list && !funcs && argc > 0)
		return usage_error("unexpected argument '%s'", argv[0]);
	if (funcs && !binary)
		return usage_error("--funcs needs -x BINARY");
	if (binary && (clean || ndel))
		return usage_error("-x is for -l, --funcs, -V and --add");

	if ((clean || nadd || ndel) && privilege_gate(PRIV_DYNAMIC_EVENTS))
		return EXIT_FAIL;
	if (list)
		return binary ? list_binary(binary, argc ? argv[0] : NULL, false)
			      : list_kernel(argc ? argv[0] : NULL);
	if (funcs)
		return list_binary(binary, argc ? argv[0] : NULL, true);
	if (vars)
		return binary ? vars_user(binary, vars) : vars_kernel(vars);
	if (clean) {
		int n;

		if (!features_tracefs_path())
			return error("tracefs is not available");
		n = tfs_sweep_stale(NULL);
		if (g_opts.json)
			printf("{\"removed\":%d}\n", n);
		else
			printf("removed %d leftover%s of dead sonde processes\n", n, n == 1 ? "" : "s");
		return 0;
	}
	if (nadd)
		return do_add(adds, nadd, binary);
	return do_del(dels, ndel);
}
