// SPDX-License-Identifier: GPL-2.0
/*
 * Expressions of probe specifications: bcc filters and format arguments,
 * bpftrace predicates, perf-probe and ftrace fetch arguments, in one C-like
 * grammar parsed by recursive descent with precedence climbing:
 *
 *   expr    := unary { binop unary }		C precedence, left to right
 *   unary   := ('!' | '-' | '~' | '*') unary | '(' TYPE ')' unary
 *		| ('+' | '-') ['u'] NUM '(' expr ')'	ftrace fetch
 *		| postfix
 *   postfix := primary { '->' NAME | '.' NAME | '[' expr ']' }
 *   primary := NUM | STRING | '(' expr ')' | NAME | NAME '(' args ')'
 *		| args->NAME | $VAR | %REG | @SYM[+OFF] | \IMM
 *
 * A cast is "(TYPE)" where TYPE starts with a C type word (struct, int,
 * u32, ...), ends in '*', or is one name right before an operand
 * ("(pid_t)arg1"); "(x) - 1" is a subtraction.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "probe_spec.h"
#include "util.h"

#define MAX_ARG 32	/* keep in step with the hint in make_arg */

struct eparser {
	const char *s;
	int pos;
	int end;
	unsigned int flags;
	char *err;
	size_t errlen;
	int rc;				/* 0, or the first failure */
	int depth;			/* nesting, bounded: the parser recurses */
};

#define EXPR_MAX_DEPTH	256

int probe_error(char *err, size_t errlen, int pos, const char *hint,
		const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!err || !errlen)
		return -EINVAL;
	va_start(ap, fmt);
	n = vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	if (n >= 0 && (size_t)n < errlen && pos >= 0)
		n += snprintf(err + n, errlen - n, " at column %d", pos + 1);
	if (n >= 0 && (size_t)n < errlen && hint)
		snprintf(err + n, errlen - n, " (%s)", hint);
	return -EINVAL;
}

static struct expr *fail(struct eparser *p, int pos, const char *hint,
			 const char *fmt, ...)
{
	va_list ap;
	char msg[160];

	if (p->rc)
		return NULL;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	p->rc = probe_error(p->err, p->errlen, pos, hint, "%s", msg);
	return NULL;
}

static struct expr *oom(struct eparser *p)
{
	if (!p->rc && p->err && p->errlen)
		snprintf(p->err, p->errlen, "out of memory");
	p->rc = -ENOMEM;
	return NULL;
}

static struct expr *node(struct eparser *p, enum expr_kind kind, int pos)
{
	struct expr *e = calloc(1, sizeof(*e));

	if (!e)
		return oom(p);
	e->kind = kind;
	e->pos = pos;
	return e;
}

static struct expr *node_name(struct eparser *p, enum expr_kind kind, int pos,
			      const char *name, int len)
{
	struct expr *e = node(p, kind, pos);

	if (e && !(e->name = strndup(name, len))) {
		free(e);
		return oom(p);
	}
	return e;
}

void expr_free(struct expr *e)
{
	if (!e)
		return;
	expr_free(e->left);
	expr_free(e->right);
	free(e->name);
	free(e);
}

/* ---- characters ---- */

static void skip_ws(struct eparser *p)
{
	while (p->pos < p->end && isspace((unsigned char)p->s[p->pos]))
		p->pos++;
}

static int cur(struct eparser *p)
{
	return p->pos < p->end ? (unsigned char)p->s[p->pos] : 0;
}

static int at(struct eparser *p, int i)
{
	return i < p->end ? (unsigned char)p->s[i] : 0;
}

static bool is_ident_start(int c)
{
	return isalpha(c) || c == '_';
}

static bool is_ident(int c)
{
	return isalnum(c) || c == '_';
}

/* Length of the identifier at s[i], 0 if none. */
static int ident_len(struct eparser *p, int i)
{
	int n = 0;

	if (!is_ident_start(at(p, i)))
		return 0;
	while (is_ident(at(p, i + n)))
		n++;
	return n;
}

static bool word_is(struct eparser *p, int i, int len, const char *w)
{
	return (int)strlen(w) == len && !strncmp(p->s + i, w, len);
}

/* A '/' that closes a bpftrace predicate: only blanks, then the end or a
 * format string, follow it. */
static bool slash_ends(struct eparser *p)
{
	int i = p->pos + 1;

	if (!(p->flags & EXPR_SLASH_END) || cur(p) != '/')
		return false;
	while (isspace(at(p, i)))
		i++;
	return !at(p, i) || at(p, i) == '"';
}

/* ---- literals ---- */

/* Parse the number token at s[i..] (letters and digits) into *val. */
static int scan_number(struct eparser *p, int i, uint64_t *val)
{
	int n = 0, base = 10, skip = 0;
	char buf[32], *endp;

	while (isalnum(at(p, i + n)))
		n++;
	if (n >= (int)sizeof(buf))
		return fail(p, i, NULL, "number too long"), -1;
	memcpy(buf, p->s + i, n);
	buf[n] = '\0';
	if (n > 2 && buf[0] == '0' && (buf[1] == 'x' || buf[1] == 'X'))
		base = 16, skip = 2;
	else if (n > 1 && buf[0] == '0')
		base = 8, skip = 1;
	errno = 0;
	*val = strtoull(buf + skip, &endp, base);
	if (*endp || errno || n == skip || !isdigit((unsigned char)buf[0]) ||
	    (base == 16 && !isxdigit((unsigned char)buf[2])))
		return fail(p, i, NULL, "invalid number '%s'", buf), -1;
	return n;
}

static struct expr *parse_number(struct eparser *p)
{
	int start = p->pos;
	uint64_t v;
	int n = scan_number(p, start, &v);
	struct expr *e;

	if (n < 0)
		return NULL;
	p->pos += n;
	e = node(p, EXPR_INT, start);
	if (e)
		e->value = (int64_t)v;
	return e;
}

static int decode_escape(int c)
{
	switch (c) {
	case 'n': return '\n';
	case 't': return '\t';
	case 'r': return '\r';
	case '0': return '\0';
	default: return c;
	}
}

int probe_parse_string(const char *text, int *pos, int end, char **out,
		       char *err, size_t errlen)
{
	int i = *pos + 1, n = 0;
	char *buf = malloc(end - *pos + 1);

	if (!buf)
		return probe_error(err, errlen, -1, NULL, "out of memory"), -ENOMEM;
	while (i < end && text[i] != '"') {
		if (text[i] == '\\' && i + 1 < end)
			buf[n++] = decode_escape(text[++i]);
		else
			buf[n++] = text[i];
		i++;
	}
	if (i >= end) {
		free(buf);
		return probe_error(err, errlen, *pos, NULL, "unterminated string");
	}
	buf[n] = '\0';
	*out = buf;
	*pos = i + 1;
	return 0;
}

static struct expr *parse_string(struct eparser *p)
{
	struct expr *e = node(p, EXPR_STR, p->pos);
	int rc;

	if (!e)
		return NULL;
	rc = probe_parse_string(p->s, &p->pos, p->end, &e->name, p->err,
				p->errlen);
	if (rc) {
		p->rc = rc;
		free(e);
		return NULL;
	}
	return e;
}

/* ---- names ---- */

static const char *const builtins[] = {
	[EB_COMM] = "comm", [EB_PID] = "pid", [EB_TID] = "tid",
	[EB_UID] = "uid", [EB_GID] = "gid", [EB_CPU] = "cpu", [EB_TS] = "ts",
};

const char *expr_builtin_name(enum expr_builtin b)
{
	return (unsigned int)b < ARRAY_SIZE(builtins) ? builtins[b] : "?";
}

static int builtin_lookup(struct eparser *p, int i, int len)
{
	for (size_t b = 0; b < ARRAY_SIZE(builtins); b++)
		if (word_is(p, i, len, builtins[b]))
			return b;
	if (word_is(p, i, len, "nsecs"))	/* bpftrace */
		return EB_TS;
	return -1;
}

/* N of "argN"/"$argN"-style digits at s[i..i+len), or -1. */
static int digits_value(struct eparser *p, int i, int len)
{
	int v = 0;

	if (len < 1 || len > 3)
		return -1;
	for (int k = 0; k < len; k++) {
		if (!isdigit(at(p, i + k)))
			return -1;
		v = v * 10 + at(p, i + k) - '0';
	}
	return v;
}

static struct expr *make_arg(struct eparser *p, int pos, int n, bool zero_ok)
{
	struct expr *e;
	int first = zero_ok ? 0 : 1;

	if (n < first)
		return fail(p, pos, "arguments count from arg1", "no arg0");
	if (n - first >= MAX_ARG)
		return fail(p, pos, "at most 32 arguments", "no arg%d", n);
	e = node(p, EXPR_ARG, pos);
	if (e)
		e->value = n - first + 1;
	return e;
}

static struct expr *parse_expr(struct eparser *p);

static bool expect(struct eparser *p, int c)
{
	skip_ws(p);
	if (cur(p) == c) {
		p->pos++;
		return true;
	}
	fail(p, p->pos, NULL, "expected '%c'", c);
	return false;
}

static const struct {
	const char *name;
	int nargs;			/* most arguments it takes */
} functions[] = { { "str", 2 }, { "ksym", 1 }, { "usym", 1 } };

static struct expr *parse_call(struct eparser *p, int start, int len)
{
	struct expr *e = NULL;
	int max = 0;

	for (size_t i = 0; i < ARRAY_SIZE(functions); i++)
		if (word_is(p, start, len, functions[i].name))
			max = functions[i].nargs;
	if (!max)
		return fail(p, start, NULL, "unknown function '%.*s'", len,
			    p->s + start);
	p->pos++;
	e = node_name(p, EXPR_CALL, start, p->s + start, len);
	if (e)
		e->left = parse_expr(p);
	if (e && e->left && max > 1 && (skip_ws(p), cur(p) == ',')) {
		p->pos++;
		e->right = parse_expr(p);
	}
	if (p->rc || !expect(p, ')')) {
		expr_free(e);
		return NULL;
	}
	return e;
}

/* args->NAME or args.NAME: a field of the event. */
static struct expr *parse_args_field(struct eparser *p, int start)
{
	int n;

	skip_ws(p);
	if (cur(p) == '.')
		p->pos++;
	else if (cur(p) == '-' && at(p, p->pos + 1) == '>')
		p->pos += 2;
	else
		return fail(p, start, NULL, "expected '->' or '.' after 'args'");
	skip_ws(p);
	n = ident_len(p, p->pos);
	if (!n)
		return fail(p, p->pos, NULL, "expected field name");
	p->pos += n;
	struct expr *e = node_name(p, EXPR_FIELD, start, p->s + p->pos - n, n);
	if (e)
		e->qualified = true;
	return e;
}

static struct expr *parse_ident(struct eparser *p)
{
	int start = p->pos, len = ident_len(p, start), b;

	p->pos += len;
	if (len > 3 && !strncmp(p->s + start, "arg", 3) &&
	    digits_value(p, start + 3, len - 3) >= 0)
		return make_arg(p, start, digits_value(p, start + 3, len - 3),
				p->flags & EXPR_ARG0_FIRST);
	if (word_is(p, start, len, "retval"))
		return node(p, EXPR_RETVAL, start);
	if (word_is(p, start, len, "args"))
		return parse_args_field(p, start);
	skip_ws(p);
	if (cur(p) == '(')
		return parse_call(p, start, len);
	b = builtin_lookup(p, start, len);
	if (b < 0)
		return node_name(p, EXPR_FIELD, start, p->s + start, len);
	struct expr *e = node(p, EXPR_BUILTIN, start);
	if (e)
		e->builtin = b;
	return e;
}

/* $retval $comm $stack $stackN $argN (always from 1, as ftrace has it). */
static struct expr *parse_dollar(struct eparser *p)
{
	int start = p->pos, i = start + 1, len = ident_len(p, i);
	struct expr *e = NULL;

	p->pos = i + len;
	if (word_is(p, i, len, "retval"))
		return node(p, EXPR_RETVAL, start);
	if (word_is(p, i, len, "comm")) {
		if ((e = node(p, EXPR_BUILTIN, start)))
			e->builtin = EB_COMM;
		return e;
	}
	if (len > 3 && !strncmp(p->s + i, "arg", 3) &&
	    digits_value(p, i + 3, len - 3) >= 0)
		return make_arg(p, start, digits_value(p, i + 3, len - 3), false);
	if (len >= 5 && !strncmp(p->s + i, "stack", 5) &&
	    (len == 5 || digits_value(p, i + 5, len - 5) >= 0)) {
		if ((e = node(p, EXPR_STACK, start)))
			e->value = len == 5 ? -1 : digits_value(p, i + 5, len - 5);
		return e;
	}
	return fail(p, start, NULL, "unknown variable '$%.*s'", len, p->s + i);
}

/* x86-64 registers as ftrace names them; the r-prefixed 64-bit names are
 * accepted too ("%rdi" is "%di"). */
static const char *const registers[] = {
	"ax", "bx", "cx", "dx", "si", "di", "bp", "sp", "ip", "flags",
	"r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15",
	"orig_ax", "cs", "ss", "ds", "es", "fs", "gs",
};

static const char *register_lookup(const char *s, int len)
{
	if (len == 3 && s[0] == 'r' && isalpha((unsigned char)s[1]))
		s++, len--;		/* rdi -> di, rip -> ip */
	for (size_t i = 0; i < ARRAY_SIZE(registers); i++)
		if ((int)strlen(registers[i]) == len &&
		    !strncmp(s, registers[i], len))
			return registers[i];
	return NULL;
}

static struct expr *parse_register(struct eparser *p)
{
	int start = p->pos, len = 0;
	const char *reg;

	while (is_ident(at(p, start + 1 + len)))
		len++;
	p->pos = start + 1 + len;
	reg = register_lookup(p->s + start + 1, len);
	if (!reg)
		return fail(p, start, NULL, "unknown register '%%%.*s'", len,
			    p->s + start + 1);
	return node_name(p, EXPR_REG, start, reg, strlen(reg));
}

/* @SYM, @SYM+OFF, @SYM-OFF, @ADDR: kernel memory (ftrace fetch). */
static struct expr *parse_mem(struct eparser *p)
{
	int start = p->pos, len = 0;
	uint64_t v = 0;
	struct expr *e;

	p->pos++;
	if (isdigit(cur(p))) {
		if ((len = scan_number(p, p->pos, &v)) < 0)
			return NULL;
		p->pos += len;
		if ((e = node(p, EXPR_MEM, start)))
			e->value = v;
		return e;
	}
	while (is_ident(at(p, p->pos + len)) || at(p, p->pos + len) == '.')
		len++;
	if (!len)
		return fail(p, start, NULL, "expected symbol or address after '@'");
	e = node_name(p, EXPR_MEM, start, p->s + p->pos, len);
	p->pos += len;
	if (e && (cur(p) == '+' || cur(p) == '-') && isdigit(at(p, p->pos + 1))) {
		int sign = cur(p) == '-' ? -1 : 1;

		if ((len = scan_number(p, p->pos + 1, &v)) < 0) {
			expr_free(e);
			return NULL;
		}
		p->pos += len + 1;
		e->value = sign * (int64_t)v;
	}
	return e;
}

/* \IMM and \"STR": ftrace immediates. */
static struct expr *parse_immediate(struct eparser *p)
{
	p->pos++;
	if (cur(p) == '"')
		return parse_string(p);
	if (isdigit(cur(p)) || (cur(p) == '-' && isdigit(at(p, p->pos + 1)))) {
		bool neg = cur(p) == '-';
		struct expr *e;

		p->pos += neg;
		e = parse_number(p);
		if (e && neg)
			e->value = -e->value;
		return e;
	}
	return fail(p, p->pos - 1, NULL, "expected number or string after '\\'");
}

static struct expr *parse_paren(struct eparser *p)
{
	struct expr *e;

	p->pos++;
	e = parse_expr(p);
	if (e && !expect(p, ')')) {
		expr_free(e);
		return NULL;
	}
	return e;
}

static struct expr *parse_primary(struct eparser *p)
{
	int c;

	skip_ws(p);
	c = cur(p);
	if (isdigit(c))
		return parse_number(p);
	if (is_ident_start(c))
		return parse_ident(p);
	switch (c) {
	case '"': return parse_string(p);
	case '(': return parse_paren(p);
	case '$': return parse_dollar(p);
	case '%': return parse_register(p);
	case '@': return parse_mem(p);
	case '\\': return parse_immediate(p);
	}
	return fail(p, p->pos, NULL, "expected expression");
}

/* ---- postfix, unary, casts, fetch dereferences ---- */

static struct expr *wrap(struct eparser *p, enum expr_kind kind, int pos,
			 struct expr *left)
{
	struct expr *e = node(p, kind, pos);

	if (!e) {
		expr_free(left);
		return NULL;
	}
	e->left = left;
	return e;
}

static struct expr *parse_member(struct eparser *p, struct expr *base)
{
	bool arrow = cur(p) == '-';
	int n, pos = p->pos;
	struct expr *e;

	p->pos += arrow ? 2 : 1;
	skip_ws(p);
	n = ident_len(p, p->pos);
	if (!n) {
		expr_free(base);
		return fail(p, p->pos, NULL, "expected field name");
	}
	e = wrap(p, EXPR_MEMBER, pos, base);
	if (e && !(e->name = strndup(p->s + p->pos, n))) {
		expr_free(e);
		return oom(p);
	}
	if (e)
		e->arrow = arrow;
	p->pos += n;
	return e;
}

static struct expr *parse_index(struct eparser *p, struct expr *base)
{
	struct expr *e = wrap(p, EXPR_INDEX, p->pos, base);

	p->pos++;
	if (!e)
		return NULL;
	e->right = parse_expr(p);
	if (!e->right || !expect(p, ']')) {
		expr_free(e);
		return NULL;
	}
	return e;
}

static struct expr *parse_postfix(struct eparser *p)
{
	struct expr *e = parse_primary(p);

	while (e) {
		skip_ws(p);
		if (cur(p) == '.' || (cur(p) == '-' && at(p, p->pos + 1) == '>'))
			e = parse_member(p, e);
		else if (cur(p) == '[')
			e = parse_index(p, e);
		else
			break;
	}
	return e;
}

/* +8(...), -8(...), +u0(...), +0x10(...): no blanks inside the prefix. */
static bool at_fetch_deref(struct eparser *p)
{
	int i = p->pos + 1;

	if (cur(p) != '+' && cur(p) != '-')
		return false;
	if (at(p, i) == 'u')
		i++;
	if (!isdigit(at(p, i)))
		return false;
	while (isalnum(at(p, i)))
		i++;
	return at(p, i) == '(';
}

static struct expr *parse_deref(struct eparser *p)
{
	int start = p->pos, sign = cur(p) == '-' ? -1 : 1, n;
	bool user = at(p, start + 1) == 'u';
	uint64_t v;
	struct expr *e;

	if ((n = scan_number(p, start + 1 + user, &v)) < 0)
		return NULL;
	p->pos = start + 1 + user + n;
	e = parse_paren(p);
	e = e ? wrap(p, EXPR_DEREF, start, e) : NULL;
	if (e) {
		e->value = sign * (int64_t)v;
		e->user = user;
	}
	return e;
}

static const char *const type_words[] = {
	"struct", "union", "enum", "const", "volatile", "unsigned", "signed",
	"void", "char", "short", "int", "long", "bool", "_Bool",
	"u8", "u16", "u32", "u64", "s8", "s16", "s32", "s64",
	"__u8", "__u16", "__u32", "__u64", "__s8", "__s16", "__s32", "__s64",
	"size_t", "ssize_t", "pid_t", "uid_t", "gid_t", "loff_t",
};

static bool is_type_word(struct eparser *p, int i, int len)
{
	for (size_t k = 0; k < ARRAY_SIZE(type_words); k++)
		if (word_is(p, i, len, type_words[k]))
			return true;
	return false;
}

static int skip_space_at(struct eparser *p, int i)
{
	while (isspace(at(p, i)))
		i++;
	return i;
}

/*
 * At '(': a cast starts with a type word, is "(NAME *...)", or is
 * "(NAME)" right before an operand, "(pid_t)arg1"; "(x) - 1" stays a
 * subtraction.
 */
static bool at_cast(struct eparser *p)
{
	int i = skip_space_at(p, p->pos + 1), n = ident_len(p, i), c;

	if (!n)
		return false;
	if (is_type_word(p, i, n))
		return true;
	i = skip_space_at(p, i + n);
	if (at(p, i) == ')') {
		c = at(p, skip_space_at(p, i + 1));
		return is_ident_start(c) || isdigit(c) || c == '(' || c == '$';
	}
	if (at(p, i) != '*')
		return false;
	while (at(p, i) == '*' || isspace(at(p, i)))
		i++;
	return at(p, i) == ')';
}

/* The type inside a cast, words single-spaced: "struct file *". */
static char *scan_type(struct eparser *p)
{
	char buf[128];
	size_t n = 0;
	int c;

	p->pos++;
	while ((skip_ws(p), c = cur(p)) && c != ')' && n < sizeof(buf) - 40) {
		int len = c == '*' ? 1 : ident_len(p, p->pos);

		/* after a '*' only a qualifier: "(struct file *f)" is no cast */
		if (!len || (c != '*' && n && buf[n - 1] == '*' &&
			     !word_is(p, p->pos, len, "const") &&
			     !word_is(p, p->pos, len, "volatile")))
			return fail(p, p->pos, NULL, "expected ')'"), NULL;
		if (n + len + 2 > sizeof(buf))
			return fail(p, p->pos, NULL, "type name too long"), NULL;
		if (n && !(c == '*' && buf[n - 1] == '*'))
			buf[n++] = ' ';
		memcpy(buf + n, p->s + p->pos, len);
		n += len;
		p->pos += len;
	}
	buf[n] = '\0';
	if (!expect(p, ')'))
		return NULL;
	return strdup(buf);
}

static struct expr *parse_unary(struct eparser *p);

static struct expr *parse_cast(struct eparser *p)
{
	int start = p->pos;
	char *type = scan_type(p);
	struct expr *e;

	if (!type)
		return p->rc ? NULL : oom(p);
	e = parse_unary(p);
	e = e ? wrap(p, EXPR_CAST, start, e) : NULL;
	if (!e) {
		free(type);
		return NULL;
	}
	e->name = type;
	return e;
}

static enum expr_op unary_op(int c)
{
	switch (c) {
	case '!': return EOP_NOT;
	case '-': return EOP_NEG;
	case '~': return EOP_BITNOT;
	case '*': return EOP_DEREF;
	}
	return EOP_NONE;
}

static struct expr *parse_unary_term(struct eparser *p);

/* Every nesting (parentheses, casts, unary operators) passes here. */
static struct expr *parse_unary(struct eparser *p)
{
	struct expr *e;

	if (p->depth >= EXPR_MAX_DEPTH)
		return fail(p, p->pos, NULL, "expression nested more than %d deep",
			    EXPR_MAX_DEPTH);
	p->depth++;
	e = parse_unary_term(p);
	p->depth--;
	return e;
}

static struct expr *parse_unary_term(struct eparser *p)
{
	enum expr_op op;
	int start;
	struct expr *e;

	skip_ws(p);
	start = p->pos;
	if (at_fetch_deref(p))
		return parse_deref(p);
	if (cur(p) == '(' && at_cast(p))
		return parse_cast(p);
	op = unary_op(cur(p));
	if (op == EOP_NONE)
		return parse_postfix(p);
	p->pos++;
	e = parse_unary(p);
	if (e && op == EOP_NEG && e->kind == EXPR_INT) {
		e->value = -e->value;		/* -100 is a literal */
		e->pos = start;
		return e;
	}
	e = e ? wrap(p, EXPR_UNARY, start, e) : NULL;
	if (e)
		e->op = op;
	return e;
}

/* ---- binary operators ---- */

static const struct binop {
	const char *tok;
	enum expr_op op;
	int prec;
} binops[] = {	/* two-character tokens first */
	{ "||", EOP_LOR, 1 }, { "&&", EOP_LAND, 2 },
	{ "==", EOP_EQ, 6 }, { "!=", EOP_NE, 6 },
	{ "<=", EOP_LE, 7 }, { ">=", EOP_GE, 7 },
	{ "<<", EOP_SHL, 8 }, { ">>", EOP_SHR, 8 },
	{ "|", EOP_OR, 3 }, { "^", EOP_XOR, 4 }, { "&", EOP_AND, 5 },
	{ "<", EOP_LT, 7 }, { ">", EOP_GT, 7 },
	{ "+", EOP_ADD, 9 }, { "-", EOP_SUB, 9 },
	{ "*", EOP_MUL, 10 }, { "/", EOP_DIV, 10 }, { "%", EOP_MOD, 10 },
};

const char *expr_op_str(enum expr_op op)
{
	switch (op) {
	case EOP_NOT: return "!";
	case EOP_NEG: return "-";
	case EOP_BITNOT: return "~";
	case EOP_DEREF: return "*";
	default:
		break;
	}
	for (size_t i = 0; i < ARRAY_SIZE(binops); i++)
		if (binops[i].op == op)
			return binops[i].tok;
	return "?";
}

static const struct binop *match_binop(struct eparser *p)
{
	skip_ws(p);
	if (slash_ends(p))
		return NULL;
	for (size_t i = 0; i < ARRAY_SIZE(binops); i++) {
		size_t n = strlen(binops[i].tok);

		if (p->pos + (int)n <= p->end &&
		    !strncmp(p->s + p->pos, binops[i].tok, n))
			return &binops[i];
	}
	if (cur(p) == '=')
		fail(p, p->pos, "use '==' to compare", "unexpected '='");
	return NULL;
}

static struct expr *parse_binary(struct eparser *p, int min_prec)
{
	struct expr *l = parse_unary(p), *e;
	const struct binop *b;

	while (l && (b = match_binop(p)) && b->prec >= min_prec) {
		int pos = p->pos;

		p->pos += strlen(b->tok);
		e = wrap(p, EXPR_BINARY, pos, l);
		if (!e)
			return NULL;
		e->op = b->op;
		e->right = parse_binary(p, b->prec + 1);
		if (!e->right) {
			expr_free(e);
			return NULL;
		}
		l = e;
	}
	if (p->rc) {
		expr_free(l);
		return NULL;
	}
	return l;
}

static struct expr *parse_expr(struct eparser *p)
{
	return parse_binary(p, 1);
}

int expr_parse_at(const char *text, int *pos, int end, unsigned int flags,
		  struct expr **out, char *err, size_t errlen)
{
	struct eparser p = {
		.s = text, .pos = *pos, .end = end, .flags = flags,
		.err = err, .errlen = errlen,
	};

	*out = parse_expr(&p);
	if (!*out)
		return p.rc ? p.rc : -EINVAL;
	skip_ws(&p);
	*pos = p.pos;
	return 0;
}

int expr_parse(const char *text, unsigned int flags, struct expr **out,
	       char *err, size_t errlen)
{
	int pos = 0, end = strlen(text);
	int rc = expr_parse_at(text, &pos, end, flags, out, err, errlen);

	if (rc)
		return rc;
	if (pos < end) {
		expr_free(*out);
		*out = NULL;
		return probe_error(err, errlen, pos, NULL, "unexpected '%.*s'",
				   (int)strcspn(text + pos, " \t"), text + pos);
	}
	return 0;
}

/* ---- walking and printing ---- */

int expr_visit(struct expr *e, int (*fn)(struct expr *e, void *ctx),
	       void *ctx)
{
	int rc;

	if (!e)
		return 0;
	if ((rc = fn(e, ctx)))
		return rc;
	if ((rc = expr_visit(e->left, fn, ctx)))
		return rc;
	return expr_visit(e->right, fn, ctx);
}

bool expr_is_string(const struct expr *e)
{
	return e && (e->kind == EXPR_STR ||
		     (e->kind == EXPR_CALL && !strcmp(e->name, "str")));
}

static void print_quoted(FILE *fp, const char *s)
{
	fputc('"', fp);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(fp, "\\%c", *s);
		else if (*s == '\n')
			fputs("\\n", fp);
		else if (*s == '\t')
			fputs("\\t", fp);
		else
			fputc(*s, fp);
	}
	fputc('"', fp);
}

static void print_leaf(FILE *fp, const struct expr *e)
{
	switch (e->kind) {
	case EXPR_INT: fprintf(fp, "%lld", (long long)e->value); break;
	case EXPR_STR: print_quoted(fp, e->name); break;
	case EXPR_ARG: fprintf(fp, "arg%lld", (long long)e->value); break;
	case EXPR_RETVAL: fputs("retval", fp); break;
	case EXPR_FIELD:
		fprintf(fp, "%s%s", e->qualified ? "args->" : "", e->name);
		break;
	case EXPR_BUILTIN: fputs(expr_builtin_name(e->builtin), fp); break;
	case EXPR_REG: fprintf(fp, "%%%s", e->name); break;
	case EXPR_STACK:
		fputs("$stack", fp);
		if (e->value >= 0)
			fprintf(fp, "%lld", (long long)e->value);
		break;
	case EXPR_MEM:
		if (!e->name)
			fprintf(fp, "@0x%llx", (unsigned long long)e->value);
		else if (e->value)
			fprintf(fp, "@%s%+lld", e->name, (long long)e->value);
		else
			fprintf(fp, "@%s", e->name);
		break;
	default:
		break;
	}
}

void expr_print(FILE *fp, const struct expr *e)
{
	switch (e->kind) {
	case EXPR_MEMBER:
		expr_print(fp, e->left);
		fprintf(fp, "%s%s", e->arrow ? "->" : ".", e->name);
		break;
	case EXPR_INDEX:
		expr_print(fp, e->left);
		fputc('[', fp);
		expr_print(fp, e->right);
		fputc(']', fp);
		break;
	case EXPR_DEREF:
		fprintf(fp, "%c%s%lld(", e->value < 0 ? '-' : '+',
			e->user ? "u" : "", llabs((long long)e->value));
		expr_print(fp, e->left);
		fputc(')', fp);
		break;
	case EXPR_CAST:
		fprintf(fp, "((%s)", e->name);
		expr_print(fp, e->left);
		fputc(')', fp);
		break;
	case EXPR_CALL:
		fprintf(fp, "%s(", e->name);
		expr_print(fp, e->left);
		if (e->right) {
			fputs(", ", fp);
			expr_print(fp, e->right);
		}
		fputc(')', fp);
		break;
	case EXPR_UNARY:
		fputs(expr_op_str(e->op), fp);
		expr_print(fp, e->left);
		break;
	case EXPR_BINARY:
		fputc('(', fp);
		expr_print(fp, e->left);
		fprintf(fp, " %s ", expr_op_str(e->op));
		expr_print(fp, e->right);
		fputc(')', fp);
		break;
	default:
		print_leaf(fp, e);
	}
}

char *expr_str(const struct expr *e)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	if (!fp)
		return NULL;
	expr_print(fp, e);
	if (fclose(fp)) {
		free(buf);
		return NULL;
	}
	return buf;
}
