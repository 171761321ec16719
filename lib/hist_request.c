// SPDX-License-Identifier: GPL-2.0
/*
 * The probes of a hist request (include/hist.h): one trace probe per role,
 * with the request's value and keys added to its format arguments so that
 * every rung finds them among the probe's slots. Tracepoint globs of
 * --count become one probe per tracepoint.
 */
#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "hist.h"
#include "kernel_facts.h"
#include "ksyms.h"
#include "privilege.h"
#include "sonde.h"
#include "util.h"

#define HIST_MAX_PROBES 1024

int64_t hist_latency_scale(const struct hist_request *req, uint64_t ns)
{
	static const uint64_t div[] = { 1, 1000, 1000000, 1000000000 };

	return (int64_t)(ns / div[req->unit]);
}

const char *hist_unit_name(enum hist_unit u)
{
	static const char *const names[] = { "nsecs", "usecs", "msecs", "secs" };

	return (unsigned)u < ARRAY_SIZE(names) ? names[u] : "?";
}

const char *hist_probe_func(const struct hist_probe *hp, int point)
{
	const struct tprobe *p = &hp->tp;

	if ((p->kind == TPK_KPROBE || p->kind == TPK_KRETPROBE) && p->nfuncs > 1 &&
	    point >= 0 && (size_t)point < p->nfuncs)
		return p->funcs[point];
	return p->label;
}

bool hist_probe_filtered(const struct hist_request *req, const struct hist_probe *hp)
{
	return hp->role != HROLE_TO || !req->pair_text;
}

int hist_request_pid(const struct hist_request *req)
{
	return req->launch ? req->launch->pid : req->pid;
}

/* Append e to the probe's format arguments: tprobe_resolve() makes slots
 * of it. The spec owns it from here. */
static int add_print(struct tprobe *p, struct expr *e)
{
	struct probe_spec *s = &p->spec;
	struct expr **print = realloc(s->print, (s->nprint + 1) * sizeof(*print));
	struct probe_conv *convs;

	if (!print)
		return -ENOMEM;
	s->print = print;
	convs = realloc(s->convs, (s->nprint + 1) * sizeof(*convs));
	if (!convs)
		return -ENOMEM;
	s->convs = convs;
	convs[s->nprint] = (struct probe_conv){ .pos = -1, .conv = 'd', .size = 8 };
	s->print[s->nprint++] = e;
	s->nconv = s->nprint;
	return 0;
}

static const struct expr *probe_expr(struct hist_probe *hp, const char *text,
				     const char *what, char *err, size_t errsz)
{
	unsigned int flags = hp->tp.spec.flags & PS_ARG0_FIRST ? EXPR_ARG0_FIRST : 0;
	char msg[256];
	struct expr *e;

	if (expr_parse(text, flags, &e, msg, sizeof(msg))) {
		snprintf(err, errsz, "%s '%s': %s", what, text, msg);
		return NULL;
	}
	if (add_print(&hp->tp, e)) {
		expr_free(e);
		snprintf(err, errsz, "out of memory");
		return NULL;
	}
	return e;
}

/* Does this probe read the --by keys (the end of a pair, the return)? */
static bool reads_keys(enum hist_role role)
{
	return role != HROLE_ENTRY && role != HROLE_FROM;
}

static int attach_exprs(const struct hist_request *req, struct hist_probe *hp,
			char *err, size_t errsz)
{
	if (hp->role == HROLE_VALUE &&
	    !(hp->value = probe_expr(hp, req->value_text, "value", err, errsz)))
		return EXIT_USAGE;
	const char *pair = hp->role == HROLE_TO && req->pair_to_text ?
			   req->pair_to_text : req->pair_text;

	if ((hp->role == HROLE_FROM || hp->role == HROLE_TO) && pair &&
	    !(hp->pair = probe_expr(hp, pair, "key", err, errsz)))
		return EXIT_USAGE;
	for (int i = 0; i < req->nkeys && reads_keys(hp->role); i++)
		if (req->keys[i].kind == HKEY_EXPR &&
		    !(hp->key[i] = probe_expr(hp, req->keys[i].text, "key", err, errsz)))
			return EXIT_USAGE;
	return 0;
}

static int add_probe(struct hist_request *req, const char *text, const char *binary,
		     enum hist_role role, char *err, size_t errsz)
{
	struct hist_probe *hp;
	int ret;

	if (req->nprobes == HIST_MAX_PROBES) {
		snprintf(err, errsz, "more than %d probes", HIST_MAX_PROBES);
		return EXIT_USAGE;
	}
	hp = realloc(req->probes, (req->nprobes + 1) * sizeof(*hp));
	if (!hp)
		return error("out of memory");
	req->probes = hp;
	hp = &req->probes[req->nprobes++];
	memset(hp, 0, sizeof(*hp));
	hp->role = role;
	if ((ret = tprobe_init(&hp->tp, text, binary, err, errsz)))
		return ret;
	return 0;
}

/* FUNC latency: the entry probe as given, the return probe the same
 * spec turned into a return; the filter (on the return value) goes with
 * the return. */
static int add_latency(struct hist_request *req, const char *text,
		       const char *binary, char *err, size_t errsz)
{
	struct hist_probe *ent, *ret_p;
	int ret;

	if ((ret = add_probe(req, text, binary, HROLE_ENTRY, err, errsz)))
		return ret;
	ent = &req->probes[0];
	if (ent->tp.kind != TPK_KPROBE && ent->tp.kind != TPK_UPROBE) {
		snprintf(err, errsz, "'%s' is not a function entry: latency needs a function (use --from/--to for events)",
			 text);
		return EXIT_USAGE;
	}
	if ((ret = add_probe(req, text, binary, HROLE_RETURN, err, errsz)))
		return ret;
	ent = &req->probes[0];
	ret_p = &req->probes[1];
	expr_free(ent->tp.spec.filter);
	ent->tp.spec.filter = NULL;
	ret_p->tp.spec.flags |= PS_RETURN;
	if (ret_p->tp.kind == TPK_KPROBE) {
		ret_p->tp.kind = TPK_KRETPROBE;
		ret_p->tp.pkind = PK_KFUNC_RETURN;
	} else {
		ret_p->tp.kind = TPK_URETPROBE;
	}
	return 0;
}

/* The text after a probe's head (its filter, arguments). */
static const char *after_head(const char *text)
{
	const char *p = text + strspn(text, " \t");

	return p + strcspn(p, " \t(\"/");
}

/* --count 't:syscalls:sys_enter_*': one probe per matching tracepoint. */
static int add_tracepoint_glob(struct hist_request *req, const char *text,
			       const struct probe_spec *sp, char *err, size_t errsz)
{
	const char *root = features_tracefs_path();
	char path[4096], *events, *save = NULL, pat[256], *one;
	int n = 0, ret = 0;

	if (!root) {
		snprintf(err, errsz, "tracefs is not available to look up '%s'", text);
		return EXIT_FAIL;
	}
	if (privilege_tracefs_denied(path, sizeof(path))) {
		snprintf(err, errsz, "cannot look up '%s': %s", text, path);
		return EXIT_FAIL;
	}
	snprintf(path, sizeof(path), "%s/available_events", root);
	if (!(events = ksyms_read_file(path))) {
		snprintf(err, errsz, "cannot read %s: %s", path, strerror(errno));
		return EXIT_FAIL;
	}
	snprintf(pat, sizeof(pat), "%s:%s", sp->group, sp->event);
	for (char *l = strtok_r(events, "\n", &save); l && !ret; l = strtok_r(NULL, "\n", &save)) {
		if (fnmatch(pat, l, 0))
			continue;
		if (asprintf(&one, "t:%s%s", l, after_head(text)) < 0)
			break;
		ret = add_probe(req, one, NULL, HROLE_COUNT, err, errsz);
		free(one);
		n++;
	}
	free(events);
	if (!ret && !n) {
		snprintf(err, errsz, "no tracepoint matches '%s' ('sonde probe -l' lists them)", pat);
		return EXIT_USAGE;
	}
	return ret;
}

static int add_count(struct hist_request *req, const char *text, const char *binary,
		     char *err, size_t errsz)
{
	struct probe_spec sp;
	int ret;

	if (probe_spec_parse_ex(text, binary, &sp, err, errsz)) {
		probe_spec_free(&sp);
		return EXIT_USAGE;
	}
	if (sp.type == PROBE_TRACEPOINT && (sp.flags & PS_WILDCARD))
		ret = add_tracepoint_glob(req, text, &sp, err, errsz);
	else
		ret = add_probe(req, text, binary, HROLE_COUNT, err, errsz);
	probe_spec_free(&sp);
	return ret;
}

int hist_request_add_probes(struct hist_request *req, char **texts, int n,
			    const char *binary, char *err, size_t errsz)
{
	int ret = 0;

	switch (req->mode) {
	case HIST_LATENCY:
		ret = add_latency(req, texts[0], binary, err, errsz);
		break;
	case HIST_PAIR:
		for (int i = 0; i < n - 1 && !ret; i++)
			ret = add_probe(req, texts[i], binary, HROLE_FROM, err, errsz);
		if (!ret)
			ret = add_probe(req, texts[n - 1], binary, HROLE_TO, err, errsz);
		break;
	case HIST_VALUE:
		ret = add_probe(req, texts[0], binary, HROLE_VALUE, err, errsz);
		break;
	case HIST_COUNT:
		for (int i = 0; i < n && !ret; i++)
			ret = add_count(req, texts[i], binary, err, errsz);
		break;
	}
	for (int i = 0; i < req->nprobes && !ret; i++)
		ret = attach_exprs(req, &req->probes[i], err, errsz);
	return ret;
}

void hist_request_free(struct hist_request *req)
{
	for (int i = 0; i < req->nprobes; i++)
		tprobe_free(&req->probes[i].tp);
	free(req->probes);
	req->probes = NULL;
	req->nprobes = 0;
}
