// SPDX-License-Identifier: GPL-2.0
/*
 * Probe specifications: the head (which probe point), then a bcc filter
 * and format, a bpftrace predicate, or perf-probe arguments; or a raw
 * ftrace definition. The grammar and the dialect choices are in
 * include/probe_spec.h; expressions are in probe_expr.c.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "probe_spec.h"
#include "util.h"

#define MAX_PARTS 5
#define TYPE_HINT "use p:, r:, t:, u:, ur:, U:"

struct sparser {
	const char *s;
	int len;			/* trailing blanks trimmed */
	const char *xbin;		/* perf -x BINARY, or NULL */
	struct probe_spec *spec;
	unsigned int eflags;		/* EXPR_* for every expression */
	char *err;
	size_t errlen;
};

/* A piece of the text: s[start..end). */
struct span {
	int start;
	int end;
};

#define ERR(p, pos, hint, ...) \
	probe_error((p)->err, (p)->errlen, pos, hint, __VA_ARGS__)

static int oom(struct sparser *p)
{
	probe_error(p->err, p->errlen, -1, NULL, "out of memory");
	return -ENOMEM;
}

static int dup_span(struct sparser *p, char **dst, struct span w)
{
	free(*dst);
	*dst = strndup(p->s + w.start, w.end - w.start);
	return *dst ? 0 : oom(p);
}

static int skip_blanks(struct sparser *p, int i)
{
	while (i < p->len && isspace((unsigned char)p->s[i]))
		i++;
	return i;
}

static int find_char(struct sparser *p, struct span w, int c)
{
	for (int i = w.start; i < w.end; i++)
		if (p->s[i] == c)
			return i;
	return -1;
}

static bool span_is(struct sparser *p, struct span w, const char *word)
{
	return (int)strlen(word) == w.end - w.start &&
	       !strncmp(p->s + w.start, word, w.end - w.start);
}

static int span_len(struct span w)
{
	return w.end - w.start;
}

/* End of the blank-separated word at i; blanks inside (), [] and "" do
 * not end it. */
static int word_end(struct sparser *p, int i)
{
	int depth = 0;
	bool quoted = false;

	for (; i < p->len; i++) {
		char c = p->s[i];

		if (quoted && c == '\\')
			i++;
		else if (c == '"')
			quoted = !quoted;
		else if (!quoted && (c == '(' || c == '['))
			depth++;
		else if (!quoted && (c == ')' || c == ']') && depth)
			depth--;
		else if (!quoted && !depth && isspace((unsigned char)c))
			break;
	}
	return i < p->len ? i : p->len;
}

static int unexpected(struct sparser *p, int pos)
{
	int n = 0;

	while (pos + n < p->len && !isspace((unsigned char)p->s[pos + n]) &&
	       n < 24)
		n++;
	return ERR(p, pos, NULL, "unexpected '%.*s'", n, p->s + pos);
}

/* ---- names, numbers, places ---- */

static bool is_glob(char c)
{
	return c == '*' || c == '?' || c == '[' || c == ']';
}

/* Every '[' of a glob closed by a ']' before the next '['. */
static int check_brackets(struct sparser *p, struct span w, const char *what)
{
	int open = -1;

	for (int i = w.start; i < w.end; i++) {
		if (p->s[i] == '[' && open < 0)
			open = i;
		else if (p->s[i] == ']' && open >= 0)
			open = -1;
		else if (p->s[i] == '[' || p->s[i] == ']')
			return ERR(p, i, NULL, "unmatched '%c' in %s", p->s[i],
				   what);
	}
	if (open >= 0)
		return ERR(p, open, NULL, "unmatched '[' in %s", what);
	return 0;
}

/* Check a name's characters; a glob is allowed (and flagged) when glob. */
static int check_name(struct sparser *p, struct span w, const char *what,
		      bool glob)
{
	bool in_class = false;			/* inside [...] */

	for (int i = w.start; i < w.end; i++) {
		char c = p->s[i];

		if (glob && is_glob(c))
			p->spec->flags |= PS_WILDCARD;
		if (glob && (c == '[' || c == ']'))
			in_class = c == '[';
		else if (glob && is_glob(c))
			continue;
		else if (in_class && (c == '-' || c == '!' || c == '^'))
			continue;
		else if (!isalnum((unsigned char)c) && c != '_' && c != '.')
			return ERR(p, i, NULL, "invalid character '%c' in %s",
				   c, what);
	}
	return glob ? check_brackets(p, w, what) : 0;
}

/* ftrace's limit for group and event names (MAX_EVENT_NAME_LEN - 1) */
#define EVENT_NAME_MAX	63

static int set_name(struct sparser *p, char **dst, struct span w,
		    const char *what, bool glob)
{
	if (!span_len(w))
		return ERR(p, -1, NULL, "empty %s", what);
	return check_name(p, w, what, glob) ?: dup_span(p, dst, w);
}

static int parse_u64(struct sparser *p, struct span w, uint64_t *v,
		     const char *what)
{
	char buf[32], *end;

	if (!span_len(w))
		return ERR(p, w.start, NULL, "expected %s", what);
	if (span_len(w) >= (int)sizeof(buf))
		return ERR(p, w.start, NULL, "invalid %s", what);
	memcpy(buf, p->s + w.start, span_len(w));
	buf[span_len(w)] = '\0';
	errno = 0;
	*v = strtoull(buf, &end, 0);
	if (errno || *end || !isdigit((unsigned char)buf[0]))
		return ERR(p, w.start, NULL, "invalid %s '%s'", what, buf);
	return 0;
}

/* FUNC, FUNC+OFF, FUNC%return, ADDR: a kernel or user function place. */
static int parse_place(struct sparser *p, struct span w)
{
	struct probe_spec *sp = p->spec;
	int k = find_char(p, w, '%');
	int rc;

	if (k >= 0) {
		struct span sfx = { k + 1, w.end };

		if (!span_is(p, sfx, "return"))
			return ERR(p, k, "use %return", "unknown suffix '%.*s'",
				   w.end - k, p->s + k);
		sp->flags |= PS_RETURN;
		w.end = k;
	}
	k = find_char(p, w, '+');
	if (k >= 0) {
		rc = parse_u64(p, (struct span){ k + 1, w.end }, &sp->offset,
			       "offset");
		if (rc)
			return rc;
		w.end = k;
	}
	if (span_len(w) && isdigit((unsigned char)p->s[w.start])) {
		sp->flags |= PS_ADDRESS;
		return parse_u64(p, w, &sp->addr, "address");
	}
	return set_name(p, &sp->func, w, "function name", true);
}

static int check_place(struct sparser *p)
{
	unsigned int f = p->spec->flags;

	if (p->spec->offset && (f & PS_RETURN))
		return ERR(p, -1, NULL, "offset not allowed on a return probe");
	if (p->spec->offset && (f & PS_WILDCARD))
		return ERR(p, -1, NULL, "offset not allowed with a wildcard");
	if ((f & PS_FENTRY) && p->spec->offset)
		return ERR(p, -1, NULL, "fentry and fexit take no offset");
	if ((f & PS_FENTRY) && (f & PS_ADDRESS))
		return ERR(p, -1, NULL, "fentry and fexit need a function name");
	return 0;
}

static int set_binary(struct sparser *p, struct span w)
{
	if (!span_len(w))
		return ERR(p, -1, NULL, "empty binary name");
	if (find_char(p, w, '/') < 0)
		p->spec->flags |= PS_LIBNAME;
	return dup_span(p, &p->spec->binary, w);
}

static int set_default_binary(struct sparser *p)
{
	struct probe_spec *sp = p->spec;

	sp->type = PROBE_UFUNC;
	if (!strchr(p->xbin, '/'))
		sp->flags |= PS_LIBNAME;
	sp->binary = strdup(p->xbin);
	return sp->binary ? 0 : oom(p);
}

/* [GROUP<sep>]EVENT: the name of an event to create or delete. */
static int parse_event_name(struct sparser *p, struct span w, int sep)
{
	int k = find_char(p, w, sep);
	int rc = 0;

	if (k >= 0) {
		rc = set_name(p, &p->spec->group, (struct span){ w.start, k },
			      "group name", false);
		w.start = k + 1;
	}
	if (!rc && span_len(w) > EVENT_NAME_MAX)
		return ERR(p, w.start, NULL, "event name longer than %d characters",
			   EVENT_NAME_MAX);
	return rc ?: set_name(p, &p->spec->event, w, "event name", false);
}

/* ---- heads ---- */

static const struct prefix {
	const char *name;
	enum probe_type type;
	unsigned int flags;		/* PS_RETURN, PS_FENTRY, PS_ARG0_FIRST */
	bool bcc_lib;			/* p:LIB:FUNC means a user function */
} prefixes[] = {
	{ "p", PROBE_KFUNC, 0, true },
	{ "r", PROBE_KFUNC, PS_RETURN, true },
	{ "t", PROBE_TRACEPOINT },
	{ "u", PROBE_UFUNC },
	{ "ur", PROBE_UFUNC, PS_RETURN },
	{ "U", PROBE_USDT },
	{ "k", PROBE_KFUNC, PS_ARG0_FIRST },
	{ "kr", PROBE_KFUNC, PS_RETURN | PS_ARG0_FIRST },
	{ "kprobe", PROBE_KFUNC, PS_ARG0_FIRST },
	{ "kretprobe", PROBE_KFUNC, PS_RETURN | PS_ARG0_FIRST },
	{ "f", PROBE_KFUNC, PS_FENTRY | PS_ARG0_FIRST },
	{ "fr", PROBE_KFUNC, PS_FENTRY | PS_RETURN | PS_ARG0_FIRST },
	{ "fentry", PROBE_KFUNC, PS_FENTRY | PS_ARG0_FIRST },
	{ "fexit", PROBE_KFUNC, PS_FENTRY | PS_RETURN | PS_ARG0_FIRST },
	{ "kfunc", PROBE_KFUNC, PS_FENTRY | PS_ARG0_FIRST },
	{ "kretfunc", PROBE_KFUNC, PS_FENTRY | PS_RETURN | PS_ARG0_FIRST },
	{ "tracepoint", PROBE_TRACEPOINT, PS_ARG0_FIRST },
	{ "uprobe", PROBE_UFUNC, PS_ARG0_FIRST },
	{ "uretprobe", PROBE_UFUNC, PS_RETURN | PS_ARG0_FIRST },
	{ "usdt", PROBE_USDT, PS_ARG0_FIRST },
};

/* bpftrace probe types that are no probe point (profile: is sonde profile). */
static const char *const other_types[] = {
	"hardware", "software", "profile", "interval", "watchpoint",
	"asyncwatchpoint", "rawtracepoint", "iter", "h", "s", "i", "w", "rt",
};

static const struct prefix *prefix_lookup(struct sparser *p, struct span w)
{
	for (size_t i = 0; i < ARRAY_SIZE(prefixes); i++)
		if (span_is(p, w, prefixes[i].name))
			return &prefixes[i];
	return NULL;
}

static bool is_other_type(struct sparser *p, struct span w)
{
	for (size_t i = 0; i < ARRAY_SIZE(other_types); i++)
		if (span_is(p, w, other_types[i]))
			return true;
	return false;
}

static int set_tracepoint(struct sparser *p, struct span g, struct span e)
{
	p->spec->type = PROBE_TRACEPOINT;
	return set_name(p, &p->spec->group, g, "tracepoint category", true) ?:
	       set_name(p, &p->spec->event, e, "tracepoint name", true);
}

/* CATEGORY/EVENT in one part. */
static int set_tracepoint_slash(struct sparser *p, struct span w)
{
	int k = find_char(p, w, '/');

	if (k < 0)
		return ERR(p, -1, NULL, "tracepoint needs CATEGORY:EVENT");
	return set_tracepoint(p, (struct span){ w.start, k },
			      (struct span){ k + 1, w.end });
}

static int too_many(struct sparser *p, struct span *parts, int at)
{
	return ERR(p, parts[at].start - 1, NULL, "unexpected ':'");
}

static int head_kfunc(struct sparser *p, const struct prefix *pre,
		      struct span *parts, int n)
{
	if (n == 2)
		return parse_place(p, parts[1]);
	if (n > 3)
		return too_many(p, parts, 3);
	if (!pre->bcc_lib) {
		int rc = set_name(p, &p->spec->module, parts[1], "module name",
				  false);
		return rc ?: parse_place(p, parts[2]);
	}
	if (span_len(parts[1])) {	/* bcc p:LIB:FUNC, r:LIB:FUNC */
		int rc = set_binary(p, parts[1]);

		p->spec->type = PROBE_UFUNC;
		return rc ?: parse_place(p, parts[2]);
	}
	return parse_place(p, parts[2]);	/* bcc p::FUNC */
}

static int head_tracepoint(struct sparser *p, struct span *parts, int n)
{
	if (n == 2)
		return set_tracepoint_slash(p, parts[1]);
	if (n > 3)
		return too_many(p, parts, 3);
	return set_tracepoint(p, parts[1], parts[2]);
}

static int head_ufunc(struct sparser *p, struct span *parts, int n)
{
	int rc;

	if (n == 2 && p->xbin)
		return set_default_binary(p) ?: parse_place(p, parts[1]);
	if (n == 2)
		return ERR(p, -1, NULL, "uprobe needs BINARY:FUNCTION");
	if (n > 3)
		return too_many(p, parts, 3);
	rc = set_binary(p, parts[1]);
	return rc ?: parse_place(p, parts[2]);
}

static int head_usdt(struct sparser *p, struct span *parts, int n)
{
	struct probe_spec *sp = p->spec;
	int rc;

	if (n < 3 || n > 4)
		return ERR(p, -1, NULL, "USDT probe needs BINARY:PROVIDER:NAME");
	rc = set_binary(p, parts[1]);
	if (!rc && n == 4)
		rc = set_name(p, &sp->provider, parts[2], "USDT provider", true);
	return rc ?: set_name(p, &sp->name, parts[n - 1], "USDT probe name",
			      true);
}

/* No prefix: FUNC[+OFF|%return], CATEGORY/EVENT, or with -x a user FUNC. */
static int head_plain(struct sparser *p, struct span w)
{
	if (p->xbin)
		return set_default_binary(p) ?: parse_place(p, w);
	if (find_char(p, w, '/') >= 0)
		return set_tracepoint_slash(p, w);
	return parse_place(p, w);
}

/* CATEGORY:EVENT (perf, and persistent sonde:NAME), or a bad type. */
static int head_unknown(struct sparser *p, struct span *parts, int n)
{
	struct span t = parts[0];

	if (is_other_type(p, t))
		return ERR(p, -1, TYPE_HINT, "unsupported probe type '%.*s:'",
			   span_len(t), p->s + t.start);
	if (n == 2 && span_len(t) > 1)
		return set_tracepoint(p, parts[0], parts[1]);
	return ERR(p, -1, TYPE_HINT, "unknown probe type '%.*s:'",
		   span_len(t), p->s + t.start);
}

static int split_parts(struct sparser *p, struct span w, struct span *parts)
{
	int n = 0, k;

	while ((k = find_char(p, w, ':')) >= 0 && n < MAX_PARTS) {
		parts[n++] = (struct span){ w.start, k };
		w.start = k + 1;
	}
	if (n == MAX_PARTS)
		return ERR(p, w.start - 1, NULL, "unexpected ':'");
	parts[n++] = w;
	return n;
}

static int parse_head(struct sparser *p, struct span w)
{
	struct span parts[MAX_PARTS + 1];
	const struct prefix *pre;
	int n, k = find_char(p, w, '=');

	if (k >= 0) {			/* perf: [GROUP:]EVENT=PROBE */
		int rc = parse_event_name(p, (struct span){ w.start, k }, ':');

		if (rc)
			return rc;
		w.start = k + 1;
	}
	if ((n = split_parts(p, w, parts)) < 0)
		return n;
	if (n == 1)
		return head_plain(p, w);
	if (!(pre = prefix_lookup(p, parts[0])))
		return head_unknown(p, parts, n);
	p->spec->type = pre->type;
	p->spec->flags |= pre->flags;
	switch (pre->type) {
	case PROBE_KFUNC: return head_kfunc(p, pre, parts, n);
	case PROBE_TRACEPOINT: return head_tracepoint(p, parts, n);
	case PROBE_UFUNC: return head_ufunc(p, parts, n);
	default: return head_usdt(p, parts, n);
	}
}

/* ---- format strings ---- */

static int conv_size(const char *len, char conv)
{
	if (conv == 's')
		return 0;
	if (conv == 'p' || conv == 'K' || conv == 'U' || (*len && *len != 'h'))
		return 8;
	if (!strcmp(len, "hh") || (!*len && conv == 'c'))
		return 1;
	return *len == 'h' ? 2 : 4;
}

static int add_conv(struct sparser *p, int start, int end, const char *len)
{
	struct probe_spec *sp = p->spec;
	struct probe_conv *c;

	c = realloc(sp->convs, (sp->nconv + 1) * sizeof(*c));
	if (!c)
		return oom(p);
	sp->convs = c;
	c += sp->nconv++;
	memset(c, 0, sizeof(*c));
	c->pos = start;
	c->conv = p->s[end - 1];
	c->size = conv_size(len, c->conv);
	snprintf(c->text, sizeof(c->text), "%.*s", end - start, p->s + start);
	return 0;
}

/* One %[flags][width][.prec][hh|h|l|ll|z|j|t]CONV at s[*k], inside w. */
static int scan_conv(struct sparser *p, int *k, struct span w)
{
	static const char *const lens[] = { "hh", "ll", "h", "l", "z", "j", "t" };
	const char *s = p->s, *len = "";
	int start = (*k)++;

	while (*k < w.end && strchr("-+ #0", s[*k]))
		(*k)++;
	while (*k < w.end && (isdigit((unsigned char)s[*k]) || s[*k] == '.'))
		(*k)++;
	for (size_t i = 0; i < ARRAY_SIZE(lens) && !*len; i++)
		if (!strncmp(s + *k, lens[i], strlen(lens[i])))
			len = lens[i];
	*k += strlen(len);
	if (*k >= w.end)
		return ERR(p, start, NULL, "incomplete conversion '%.*s'",
			   *k - start, s + start);
	if (!strchr("diuxXocspKU", s[*k]))
		return ERR(p, start, NULL, "unknown conversion '%.*s'",
			   *k + 1 - start, s + start);
	return add_conv(p, start, *k + 1, len);
}

/* The conversions of the format between its quotes, w. */
static int scan_conversions(struct sparser *p, struct span w)
{
	int rc = 0;

	for (int k = w.start; k < w.end && !rc; k++) {
		if (p->s[k] == '\\' || (p->s[k] == '%' && p->s[k + 1] == '%'))
			k++;
		else if (p->s[k] == '%')
			rc = scan_conv(p, &k, w);
	}
	return rc;
}

static int add_print(struct sparser *p, int *i)
{
	struct probe_spec *sp = p->spec;
	struct expr **v = realloc(sp->print, (sp->nprint + 1) * sizeof(*v));

	if (!v)
		return oom(p);
	sp->print = v;
	v[sp->nprint] = NULL;
	*i = skip_blanks(p, *i);
	return expr_parse_at(p->s, i, p->len, p->eflags, &v[sp->nprint++],
			     p->err, p->errlen);
}

static int check_count(struct sparser *p)
{
	int c = p->spec->nconv, a = p->spec->nprint;

	if (c == a)
		return 0;
	return ERR(p, -1, NULL, "format has %d conversion%s but %d argument%s",
		   c, c == 1 ? "" : "s", a, a == 1 ? "" : "s");
}

/* "FORMAT"[, EXPR]... up to the end. */
static int parse_format(struct sparser *p, int i)
{
	struct probe_spec *sp = p->spec;
	int quote = i, rc;

	rc = probe_parse_string(p->s, &i, p->len, &sp->format, p->err,
				p->errlen);
	if (!rc)
		rc = scan_conversions(p, (struct span){ quote + 1, i - 1 });
	if (rc)
		return rc;
	i = skip_blanks(p, i);
	if (i < p->len && p->s[i] != ',')
		return ERR(p, i, NULL, "expected ',' after the format");
	while (i < p->len) {
		if (p->s[i] != ',')
			return unexpected(p, i);
		i++;
		if ((rc = add_print(p, &i)))
			return rc;
	}
	return check_count(p);
}

/* ---- perf-probe and ftrace arguments: [NAME=]EXPR[:TYPE] ---- */

static const char *const base_types[] = {
	"u8", "u16", "u32", "u64", "s8", "s16", "s32", "s64",
	"x8", "x16", "x32", "x64", "char", "string", "ustring", "symbol",
	"symstr",
};

/* b<bit-width>@<bit-offset>/<container-size> */
static bool bitfield_valid(const char *t)
{
	unsigned int w, o, s;
	int n = 0;

	return sscanf(t, "b%u@%u/%u%n", &w, &o, &s, &n) == 3 && !t[n];
}

bool probe_type_valid(const char *type)
{
	const char *br = strchr(type, '[');
	size_t n = br ? (size_t)(br - type) : strlen(type);

	if (br) {
		size_t d = strspn(br + 1, "0123456789");

		if (!d || strcmp(br + 1 + d, "]"))
			return false;
	}
	for (size_t i = 0; i < ARRAY_SIZE(base_types); i++)
		if (strlen(base_types[i]) == n && !strncmp(type, base_types[i], n))
			return true;
	return !br && bitfield_valid(type);
}

static int arg_name(struct sparser *p, struct span *w, struct probe_arg *a)
{
	const char *s = p->s;
	int n = 0;

	while (w->start + n < w->end &&
	       (isalnum((unsigned char)s[w->start + n]) || s[w->start + n] == '_'))
		n++;
	if (s[w->start] == '=')
		return ERR(p, w->start, NULL, "empty argument name");
	if (!n || isdigit((unsigned char)s[w->start]) ||
	    s[w->start + n] != '=' || s[w->start + n + 1] == '=')
		return 0;
	if (!(a->name = strndup(s + w->start, n)))
		return oom(p);
	w->start += n + 1;
	return 0;
}

static int arg_type(struct sparser *p, struct span *w, struct probe_arg *a)
{
	bool quoted = false;
	int k = -1;

	for (int i = w->start; i < w->end; i++) {
		if (p->s[i] == '"')
			quoted = !quoted;
		else if (!quoted && p->s[i] == ':')
			k = i;
	}
	if (k < 0)
		return 0;
	if (k + 1 == w->end)
		return ERR(p, k + 1, NULL, "missing type after ':'");
	if (dup_span(p, &a->type, (struct span){ k + 1, w->end }))
		return -ENOMEM;
	if (!probe_type_valid(a->type))
		return ERR(p, k + 1, NULL, "unknown type '%s'", a->type);
	w->end = k;
	return 0;
}

static int push_arg(struct sparser *p, struct probe_arg *a)
{
	struct probe_spec *sp = p->spec;
	struct probe_arg *v = realloc(sp->args, (sp->nargs + 1) * sizeof(*v));

	if (!v)
		return oom(p);
	sp->args = v;
	v[sp->nargs++] = *a;
	return 0;
}

static int parse_arg(struct sparser *p, struct span w)
{
	struct probe_arg a = { 0 };
	int rc, pos;

	if (p->s[w.start] == '(' || p->s[w.start] == '"')
		return unexpected(p, w.start);
	rc = arg_name(p, &w, &a) ?: arg_type(p, &w, &a);
	pos = w.start;
	if (!rc)
		rc = expr_parse_at(p->s, &pos, w.end, p->eflags, &a.expr,
				   p->err, p->errlen);
	if (!rc && pos < w.end)
		rc = unexpected(p, pos);
	if (!rc)
		rc = push_arg(p, &a);
	if (rc) {
		free(a.name);
		free(a.type);
		expr_free(a.expr);
	}
	return rc;
}

static int parse_arg_words(struct sparser *p, int i)
{
	int rc = 0;

	while (!rc && i < p->len) {
		int end = word_end(p, i);

		rc = parse_arg(p, (struct span){ i, end });
		i = skip_blanks(p, end);
	}
	return rc;
}

/* ---- after the head: bcc, bpftrace or perf ---- */

/* bcc's "func(char *filename, int flags)": at s[i] == '(', a parameter
 * list rather than a filter when each item is TYPE NAME or holds a '*'. */
static bool is_signature(struct sparser *p, int i, int *close)
{
	int words = 0, stars = 0, k;

	for (k = i + 1; k < p->len && p->s[k] != ')'; k++) {
		char c = p->s[k];

		if (c == ',' && !words && !stars)
			return false;
		if (c == ',')
			words = stars = 0;
		else if (c == '*')
			stars++;
		else if ((isalnum((unsigned char)c) || c == '_') &&
			 !(isalnum((unsigned char)p->s[k - 1]) || p->s[k - 1] == '_'))
			words++;
		else if (!strchr(" \t[]_", c) && !isalnum((unsigned char)c))
			return false;
	}
	*close = k;
	if (k >= p->len)
		return false;
	return words >= 2 || stars || k == i + 1 ||
	       (k - i - 1 == 4 && !strncmp(p->s + i + 1, "void", 4));
}

/* (FILTER) or /FILTER/ at s[*i]. */
static int parse_filter(struct sparser *p, int *i)
{
	char close = p->s[*i] == '(' ? ')' : '/';
	unsigned int flags = p->eflags | (close == '/' ? EXPR_SLASH_END : 0);
	int rc;

	(*i)++;
	rc = expr_parse_at(p->s, i, p->len, flags, &p->spec->filter, p->err,
			   p->errlen);
	if (rc)
		return rc;
	if (*i >= p->len || p->s[*i] != close)
		return ERR(p, *i, NULL, "expected '%c'", close);
	(*i)++;
	return 0;
}

static int parse_rest(struct sparser *p, int i)
{
	int close, rc;

	if (i < p->len && p->s[i] == '(' && is_signature(p, i, &close)) {
		rc = dup_span(p, &p->spec->signature, (struct span){ i + 1, close });
		if (rc)
			return rc;
		i = close + 1;
	}
	i = skip_blanks(p, i);
	if (i < p->len && (p->s[i] == '(' || p->s[i] == '/')) {
		if ((rc = parse_filter(p, &i)))
			return rc;
		i = skip_blanks(p, i);
	}
	if (i < p->len && p->s[i] == '"')
		return parse_format(p, i);
	if (i < p->len && p->spec->filter)
		return unexpected(p, i);
	return parse_arg_words(p, i);
}

/* ---- raw ftrace definitions ---- */

static bool is_expr_word(struct sparser *p, struct span w)
{
	static const char *const words[] = {
		"retval", "comm", "pid", "tid", "uid", "gid", "cpu", "ts",
	};

	if (span_len(w) > 3 && !strncmp(p->s + w.start, "arg", 3) &&
	    isdigit((unsigned char)p->s[w.start + 3]))
		return true;
	for (size_t i = 0; i < ARRAY_SIZE(words); i++)
		if (span_is(p, w, words[i]))
			return true;
	return false;
}

/* Does w look like a kprobe or uprobe place rather than an argument? */
static bool looks_like_place(struct sparser *p, struct span w)
{
	const char *s = p->s + w.start;
	int n = span_len(w), k;
	char type[24];

	if (s[0] == '/') {
		for (k = n - 1; k > 0 && s[k] != ':'; k--)
			;
		return k > 0 && isdigit((unsigned char)s[k + 1]);
	}
	if (n > 2 && s[0] == '0' && s[1] == 'x')
		return true;
	if (!isalpha((unsigned char)s[0]) && s[0] != '_' && s[0] != '.')
		return false;
	for (k = 0; k < n; k++)
		if (!isalnum((unsigned char)s[k]) && !strchr("_.:+%", s[k]))
			return false;
	k = find_char(p, w, ':');
	snprintf(type, sizeof(type), "%.*s", k < 0 ? 0 : w.end - k - 1,
		 p->s + k + 1);
	return !(k >= 0 && probe_type_valid(type)) && !is_expr_word(p, w);
}

/*
 * p:[GROUP/]EVENT PLACE, rN:..., -:...: raw when there is a group, a
 * maxactive, no name at all ("p PLACE"), or a place follows; bcc's
 * p:LIB:FUNC, "p:F (filter)" and "r:F $retval" are not raw.
 */
static bool is_raw(struct sparser *p, struct span h)
{
	const char *s = p->s;
	int i = h.start + 1, next = skip_blanks(p, h.end);
	struct span name;
	bool place = next > h.end && next < p->len &&
		     looks_like_place(p, (struct span){ next, word_end(p, next) });

	if (span_len(h) >= 2 && s[h.start] == '-' && s[i] == ':')
		return true;
	if (s[h.start] != 'p' && s[h.start] != 'r')
		return false;
	while (s[h.start] == 'r' && i < h.end && i < h.start + 5 &&
	       isdigit((unsigned char)s[i]))
		i++;
	if (i == h.end)
		return place;
	if (s[i] != ':')
		return false;
	name = (struct span){ i + 1, h.end };
	if (find_char(p, name, ':') >= 0)
		return false;
	return find_char(p, name, '/') >= 0 || i > h.start + 1 || place;
}

/* /PATH:OFFSET[(REFCTR)][%return] */
static int raw_uprobe_place(struct sparser *p, struct span w)
{
	struct probe_spec *sp = p->spec;
	int k, rc;

	for (k = w.end - 1; k > w.start && p->s[k] != ':'; k--)
		;
	if (k <= w.start)
		return ERR(p, w.start, NULL, "expected PATH:OFFSET");
	sp->type = PROBE_UFUNC;
	sp->flags |= PS_ADDRESS;
	if ((rc = dup_span(p, &sp->binary, (struct span){ w.start, k })))
		return rc;
	w.start = k + 1;
	if ((k = find_char(p, w, '%')) >= 0) {
		if (!span_is(p, (struct span){ k + 1, w.end }, "return"))
			return ERR(p, k, "use %return", "unknown suffix '%.*s'",
				   w.end - k, p->s + k);
		sp->flags |= PS_RETURN;
		w.end = k;
	}
	if ((k = find_char(p, w, '(')) >= 0) {
		if (p->s[w.end - 1] != ')')
			return ERR(p, w.end, NULL, "expected ')'");
		rc = parse_u64(p, (struct span){ k + 1, w.end - 1 },
			       &sp->ref_ctr, "reference counter offset");
		if (rc)
			return rc;
		w.end = k;
	}
	return parse_u64(p, w, &sp->addr, "offset");
}

static int parse_raw_place(struct sparser *p, int i)
{
	struct span w;

	if (i >= p->len)
		return ERR(p, i, NULL, "expected function or address");
	w = (struct span){ i, word_end(p, i) };
	if (p->s[i] == '/')
		return raw_uprobe_place(p, w) ?:
		       parse_arg_words(p, skip_blanks(p, w.end));
	if (find_char(p, w, ':') >= 0) {
		int k = find_char(p, w, ':');
		int rc = set_name(p, &p->spec->module, (struct span){ i, k },
				  "module name", false);

		if (rc)
			return rc;
		w.start = k + 1;
	}
	return parse_place(p, w) ?: check_place(p) ?:
	       parse_arg_words(p, skip_blanks(p, w.end));
}

static int parse_raw(struct sparser *p, struct span h)
{
	struct probe_spec *sp = p->spec;
	const char *s = p->s;
	int i = h.start + 1, rc;

	sp->flags |= PS_RAW;
	if ((rc = dup_span(p, &sp->raw, (struct span){ h.start, p->len })))
		return rc;
	if (s[h.start] == '-') {
		sp->type = PROBE_DELETE;
		rc = parse_event_name(p, (struct span){ h.start + 2, h.end }, '/');
		i = skip_blanks(p, h.end);
		return rc ?: i < p->len ? unexpected(p, i) : 0;
	}
	if (s[h.start] == 'r')
		sp->flags |= PS_RETURN;
	for (; i < h.end && isdigit((unsigned char)s[i]); i++)
		sp->maxactive = sp->maxactive * 10 + s[i] - '0';
	if (i < h.end) {
		rc = parse_event_name(p, (struct span){ i + 1, h.end }, '/');
		if (rc)
			return rc;
	}
	return parse_raw_place(p, skip_blanks(p, h.end));
}

/* ---- checks over the whole spec ---- */

static int check_expr(struct expr *e, void *ctx)
{
	struct sparser *p = ctx;
	enum probe_type type = p->spec->type;
	const char *what;

	if (e->kind == EXPR_RETVAL && !(p->spec->flags & PS_RETURN))
		return ERR(p, e->pos, type == PROBE_KFUNC ? "use r: or %return" :
			   type == PROBE_UFUNC ? "use ur: or %return" : NULL,
			   "retval needs a return probe");
	if (type != PROBE_TRACEPOINT)
		return 0;
	switch (e->kind) {
	case EXPR_ARG: what = "arguments"; break;
	case EXPR_REG: what = "registers"; break;
	case EXPR_STACK: what = "stack slots"; break;
	default: return 0;
	}
	return ERR(p, e->pos, "use args->FIELD",
		   "%s are not available on a tracepoint", what);
}

static int validate(struct sparser *p)
{
	struct probe_spec *sp = p->spec;
	int rc = expr_visit(sp->filter, check_expr, p);

	for (int i = 0; !rc && i < sp->nprint; i++)
		rc = expr_visit(sp->print[i], check_expr, p);
	for (int i = 0; !rc && i < sp->nargs; i++)
		rc = expr_visit(sp->args[i].expr, check_expr, p);
	return rc;
}

/* ---- entry points ---- */

static int head_end(struct sparser *p, int i)
{
	while (i < p->len && !isspace((unsigned char)p->s[i]) &&
	       p->s[i] != '(' && p->s[i] != '"')
		i++;
	return i;
}

static int parse_probe(struct sparser *p, struct span head)
{
	int rc = parse_head(p, head) ?: check_place(p);

	if (rc)
		return rc;
	if (p->spec->flags & PS_ARG0_FIRST)
		p->eflags |= EXPR_ARG0_FIRST;
	return parse_rest(p, head.end);
}

int probe_spec_parse_ex(const char *text, const char *default_binary,
			struct probe_spec *spec, char *err, size_t errlen)
{
	struct sparser p = {
		.s = text ? text : "", .spec = spec, .err = err,
		.errlen = errlen,
		.xbin = default_binary && *default_binary ? default_binary : NULL,
	};
	struct span head;
	int rc;

	memset(spec, 0, sizeof(*spec));
	if (err && errlen)
		err[0] = '\0';
	p.len = strlen(p.s);
	while (p.len && isspace((unsigned char)p.s[p.len - 1]))
		p.len--;
	head.start = skip_blanks(&p, 0);
	if (head.start >= p.len)
		return ERR(&p, -1, NULL, "empty probe");
	head.end = head_end(&p, head.start);
	if (head.end == head.start)
		return ERR(&p, head.start, NULL, "expected a probe");
	rc = is_raw(&p, head) ? parse_raw(&p, head) : parse_probe(&p, head);
	return rc ?: validate(&p);
}

int probe_spec_parse(const char *text, struct probe_spec *spec,
		     char *err, size_t errlen)
{
	return probe_spec_parse_ex(text, NULL, spec, err, errlen);
}

void probe_spec_free(struct probe_spec *sp)
{
	char **strs[] = {
		&sp->group, &sp->event, &sp->func, &sp->module, &sp->binary,
		&sp->provider, &sp->name, &sp->signature, &sp->format, &sp->raw,
	};

	for (size_t i = 0; i < ARRAY_SIZE(strs); i++)
		free(*strs[i]);
	expr_free(sp->filter);
	for (int i = 0; i < sp->nprint; i++)
		expr_free(sp->print[i]);
	for (int i = 0; i < sp->nargs; i++) {
		free(sp->args[i].name);
		free(sp->args[i].type);
		expr_free(sp->args[i].expr);
	}
	free(sp->print);
	free(sp->convs);
	free(sp->args);
	memset(sp, 0, sizeof(*sp));
}

/* ---- canonical form ---- */

const char *probe_spec_kind(const struct probe_spec *sp)
{
	bool ret = sp->flags & PS_RETURN;

	switch (sp->type) {
	case PROBE_KFUNC: return ret ? "kretprobe" : "kprobe";
	case PROBE_TRACEPOINT: return "tracepoint";
	case PROBE_UFUNC: return ret ? "uretprobe" : "uprobe";
	case PROBE_USDT: return "usdt";
	case PROBE_DELETE: return "delete";
	}
	return "?";
}

static void print_field(FILE *fp, const char *key, const char *val)
{
	if (val)
		fprintf(fp, " %s=%s", key, val);
}

static void print_fields(FILE *fp, const struct probe_spec *sp)
{
	print_field(fp, "group", sp->group);
	print_field(fp, "event", sp->event);
	print_field(fp, "mod", sp->module);
	print_field(fp, "bin", sp->binary);
	print_field(fp, "provider", sp->provider);
	print_field(fp, "name", sp->name);
	print_field(fp, "func", sp->func);
	if (sp->offset)
		fprintf(fp, " off=0x%llx", (unsigned long long)sp->offset);
	if (sp->flags & PS_ADDRESS)
		fprintf(fp, " addr=0x%llx", (unsigned long long)sp->addr);
	if (sp->ref_ctr)
		fprintf(fp, " refctr=0x%llx", (unsigned long long)sp->ref_ctr);
	if (sp->maxactive)
		fprintf(fp, " maxactive=%d", sp->maxactive);
}

static void print_flags(FILE *fp, const struct probe_spec *sp)
{
	unsigned int f = sp->flags;

	if (f & PS_FENTRY)
		fputs(f & PS_RETURN ? " fexit" : " fentry", fp);
	if (f & PS_WILDCARD)
		fputs(" wildcard", fp);
	if (f & PS_LIBNAME)
		fputs(" libname", fp);
	if (f & PS_RAW)
		fputs(" raw", fp);
	if (f & PS_ARG0_FIRST)
		fputs(" arg0-first", fp);
}

static void print_format(FILE *fp, const struct probe_spec *sp)
{
	struct expr fmt = { .kind = EXPR_STR, .name = sp->format };

	fputs(" fmt=", fp);
	expr_print(fp, &fmt);
	if (!sp->nprint)
		return;
	fputs(" print=[", fp);
	for (int i = 0; i < sp->nprint; i++) {
		fputs(i ? ", " : "", fp);
		expr_print(fp, sp->print[i]);
	}
	fputc(']', fp);
}

static void print_args(FILE *fp, const struct probe_spec *sp)
{
	fputs(" args=[", fp);
	for (int i = 0; i < sp->nargs; i++) {
		const struct probe_arg *a = &sp->args[i];

		fputs(i ? ", " : "", fp);
		if (a->name)
			fprintf(fp, "%s=", a->name);
		expr_print(fp, a->expr);
		if (a->type)
			fprintf(fp, ":%s", a->type);
	}
	fputc(']', fp);
}

void probe_spec_print(FILE *fp, const struct probe_spec *sp)
{
	fputs(probe_spec_kind(sp), fp);
	print_fields(fp, sp);
	print_flags(fp, sp);
	if (sp->signature)
		fprintf(fp, " sig=(%s)", sp->signature);
	if (sp->filter) {
		fputs(" filter=", fp);
		expr_print(fp, sp->filter);
	}
	if (sp->format)
		print_format(fp, sp);
	if (sp->nargs)
		print_args(fp, sp);
}

char *probe_spec_str(const struct probe_spec *sp)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	if (!fp)
		return NULL;
	probe_spec_print(fp, sp);
	if (fclose(fp)) {
		free(buf);
		return NULL;
	}
	return buf;
}
