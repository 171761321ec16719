// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <string.h>

#include "expr_eval.h"

bool expr_is_leaf(const struct expr *e)
{
	return e->kind != EXPR_INT && e->kind != EXPR_STR &&
	       e->kind != EXPR_UNARY && e->kind != EXPR_BINARY;
}

static bool str_equal(const char *s, const char *pattern)
{
	size_t n = strlen(pattern);

	if (n && pattern[n - 1] == '*')
		return !strncmp(s, pattern, n - 1);
	return !strcmp(s, pattern);
}

static int binary(enum expr_op op, const struct value *a, const struct value *b,
		  struct value *out)
{
	int64_t x = a->i, y = b->i;

	out->is_str = false;
	if (a->is_str || b->is_str) {
		if (!a->is_str || !b->is_str || (op != EOP_EQ && op != EOP_NE))
			return -EINVAL;
		out->i = str_equal(a->s, b->s) == (op == EOP_EQ);
		return 0;
	}
	switch (op) {
	case EOP_MUL: out->i = x * y; break;
	case EOP_DIV: if (!y) return -EDOM; out->i = x / y; break;
	case EOP_MOD: if (!y) return -EDOM; out->i = x % y; break;
	case EOP_ADD: out->i = x + y; break;
	case EOP_SUB: out->i = x - y; break;
	case EOP_SHL: out->i = (uint64_t)x << (y & 63); break;
	case EOP_SHR: out->i = (uint64_t)x >> (y & 63); break;
	case EOP_LT: out->i = x < y; break;
	case EOP_LE: out->i = x <= y; break;
	case EOP_GT: out->i = x > y; break;
	case EOP_GE: out->i = x >= y; break;
	case EOP_EQ: out->i = x == y; break;
	case EOP_NE: out->i = x != y; break;
	case EOP_AND: out->i = x & y; break;
	case EOP_XOR: out->i = x ^ y; break;
	case EOP_OR: out->i = x | y; break;
	default: return -EINVAL;
	}
	return 0;
}

int expr_eval(const struct expr *e, expr_leaf_fn leaf, void *ctx,
	      struct value *out)
{
	struct value a, b;
	int ret;

	switch (e->kind) {
	case EXPR_INT:
		*out = (struct value){ .i = e->value };
		return 0;
	case EXPR_STR:
		*out = (struct value){ .is_str = true, .s = e->name };
		return 0;
	case EXPR_UNARY:
		if ((ret = expr_eval(e->left, leaf, ctx, &a)))
			return ret;
		if (a.is_str)
			return -EINVAL;
		*out = (struct value){ .i = e->op == EOP_NOT ? !a.i :
				       e->op == EOP_NEG ? -a.i :
				       e->op == EOP_BITNOT ? ~a.i : a.i };
		return 0;
	case EXPR_BINARY:
		if ((ret = expr_eval(e->left, leaf, ctx, &a)))
			return ret;
		/* && and || short-circuit like C */
		if (e->op == EOP_LAND || e->op == EOP_LOR) {
			bool l = a.is_str ? true : a.i != 0;

			if (l == (e->op == EOP_LOR)) {
				*out = (struct value){ .i = l };
				return 0;
			}
			if ((ret = expr_eval(e->right, leaf, ctx, &b)))
				return ret;
			*out = (struct value){ .i = b.is_str ? 1 : b.i != 0 };
			return 0;
		}
		if ((ret = expr_eval(e->right, leaf, ctx, &b)))
			return ret;
		return binary(e->op, &a, &b, out);
	default:
		return leaf(ctx, e, out);
	}
}
