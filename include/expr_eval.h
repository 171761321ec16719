/* SPDX-License-Identifier: GPL-2.0 */
/* Evaluating filter and format expressions in user space. */
#ifndef SONDE_EXPR_EVAL_H
#define SONDE_EXPR_EVAL_H

#include <stdbool.h>
#include <stdint.h>

#include "probe_spec.h"

struct value {
	bool is_str;
	int64_t i;
	const char *s;		/* is_str; not owned */
};

/* Supplies the value of a node the evaluator cannot compute itself
 * (fetched values, builtins). Returns 0, or -ENOENT. */
typedef int (*expr_leaf_fn)(void *ctx, const struct expr *e, struct value *out);

/* Literals, unary and binary operators are evaluated here; everything
 * else is asked of leaf(). Strings compare with == and != (and with a
 * trailing '*' as a prefix match, as ftrace filters do). 0 or -errno. */
int expr_eval(const struct expr *e, expr_leaf_fn leaf, void *ctx,
	      struct value *out);

/* Is this node computed by leaf() rather than by operators? */
bool expr_is_leaf(const struct expr *e);

#endif
