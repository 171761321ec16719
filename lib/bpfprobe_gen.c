// SPDX-License-Identifier: GPL-2.0
/*
 * bpfprobe: BPF instructions generated in user space from the probe IR
 * (include/bpfprobe.h). Why generated rather than interpreted: a
 * precompiled program that walks a fetch table in the kernel pays a loop,
 * a switch and bounds checks per value on every event, and bounded loops
 * need 5.3+; a generated program is exactly the straight-line code a
 * compiler would have produced for this one probe, runs on every kernel
 * with BPF, and is small enough that the verifier passes it at once.
 *
 * Shape of every program (registers: r6 ctx, r7 the value being fetched,
 * r8 the string cursor, r9 the per-CPU scratch record; all callee-saved):
 *
 *   prologue  r6 = ctx; r9 = scratch[0] (exit if NULL); failed = 0;
 *             header.pid_tgid = bpf_get_current_pid_tgid()
 *   phase A   the values the filter needs (hidden or not), in index order
 *   filter    its expression nodes; jump to the exit when it is false
 *   header    ts, cpu, point (constant or attach cookie), probe
 *   phase B   every other value, in index order; r8 = tail, each packed
 *             string is written at r9 + r8 and r8 advances by its length
 *   output    bpf_ringbuf_output(events, r9, r8) or
 *             bpf_perf_event_output(ctx, events, CURRENT_CPU, r9, r8);
 *             on failure counters[BPC_LOST]++
 *
 * The record (see struct bpfprobe_rec) is built in the scratch map so it
 * can be larger than the 512-byte stack. Layout of the scratch value:
 *
 *   [0, 32)            header
 *   slot[i]            8 bytes per sent value (INT value; STR/BYTES
 *                      offset | length << 16, length counting the NUL)
 *   fixed[i]           sent strings at fixed places: BYTES, comm, and any
 *                      string a filter compares (STREQ needs a constant
 *                      address), maxlen bytes each
 *   tail .. out_max    packed strings of the remaining sent STR values
 *   hidden slots       8 bytes per hidden value, then their string buffers
 *   expr               8 bytes per expression node
 *   ctx_slot           ctx stored as a plain number (+8: laundering temp)
 *
 * Memory reads: user=true uses bpf_probe_read_user(_str); user=false
 * decides at run time: addresses below 0x800000000000 (x86-64 user
 * space) use the user variant, the rest the kernel one (3 instructions).
 * That is how a tracepoint's or kprobe's `const char __user *` and a
 * kernel char * both just work. env.legacy_read uses bpf_probe_read(_str)
 * for kernels before 5.5.
 *
 * A read that faults gives 0 (or "") and sets the value's failed bit.
 *
 * Aggregation (action != EMIT): no header, no output. Every value has a
 * fixed place; the key's values are placed first, one after the other,
 * in a region the prologue zeroes, so the fetches build the key. Then:
 *   r0 = outer[0] (ARRAY_OF_MAPS: the current per-CPU hash; user space
 *   swaps it per interval), spilled; r8 = lookup(key), or insert zeros
 *   (from the zero map) with NOEXIST and look up again (full: counters
 *   [BPC_AGG_DROPPED]++); then count++, sum += v, min/max (the first
 *   event on this CPU sets both), bucket[b]++ with b = floor(log2 v) by
 *   a 6-step binary search, or the linear bucket clamped to its ends.
 *   Per-CPU values: plain adds, no atomics, no cache-line bouncing.
 *
 * Return probes with BPS_ENTRY_DELTA, and kretprobes/uretprobes reading
 * arguments: an entry program (env.entry_role) does entry[pid_tgid] =
 * { ktime, the 6 argument registers when needed }; the return program's
 * prologue looks its thread up, copies the record to the scratch
 * (lay.entry_ts) and deletes it (none: counters[BPC_ENTRY_MISSED]++, no
 * event); BPS_ARG then reads the saved registers.
 *
 * Pairing two specs (spec.pair): the start (BPA_PAIR_START) fetches its
 * values like an aggregation, then pair[key] = ktime; the end fetches
 * BPS_PAIR_DELTA after the filter, its key values first: lookup (none:
 * counters[BPC_PAIR_MISSED]++, no event), delete, ktime - start. The key
 * is pid_tgid from the header, or the key values' slots copied side by
 * side to lay.pair_key.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/bpf.h>

#include "bpfprobe.h"

/* ---- instruction constructors ---- */

#define INSN(c, d, s, o, i) ((struct bpf_insn){ .code = (c), .dst_reg = (d), \
	.src_reg = (s), .off = (o), .imm = (i) })
#define MOV64_REG(d, s)	INSN(BPF_ALU64 | BPF_MOV | BPF_X, d, s, 0, 0)
#define MOV64_IMM(d, i)	INSN(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, i)
#define MOV32_REG(d, s)	INSN(BPF_ALU | BPF_MOV | BPF_X, d, s, 0, 0)
#define MOV32_IMM(d, i)	INSN(BPF_ALU | BPF_MOV | BPF_K, d, 0, 0, i)
#define ALU64_IMM(op, d, i) INSN(BPF_ALU64 | (op) | BPF_K, d, 0, 0, i)
#define ALU64_REG(op, d, s) INSN(BPF_ALU64 | (op) | BPF_X, d, s, 0, 0)
#define LDX(sz, d, s, o) INSN(BPF_LDX | (sz) | BPF_MEM, d, s, o, 0)
#define STX(sz, d, s, o) INSN(BPF_STX | (sz) | BPF_MEM, d, s, o, 0)
#define ST(sz, d, o, i)	INSN(BPF_ST | (sz) | BPF_MEM, d, 0, o, i)
#define CALL(f)		INSN(BPF_JMP | BPF_CALL, 0, 0, 0, f)
#define EXIT()		INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

enum { R0, R1, R2, R3, R4, R5, R6, R7, R8, R9, R10 };

#define REC_HDR		((int)sizeof(struct bpfprobe_rec))
#define OFF_TS		0
#define OFF_TID		8
#define OFF_PID		12
#define OFF_POINT	16
#define OFF_PROBE	20
#define OFF_CPU		22
#define OFF_FAILED	24

#define ENTRY_ARGS	6	/* argument registers saved for a return */

_Static_assert(sizeof(struct bpfprobe_rec) == 32, "record header is 32 bytes");

/* ---- names, init, check ---- */

static const char *const kind_names[BPK__COUNT] = {
	[BPK_KFUNC] = "kernel function", [BPK_KRETFUNC] = "kernel function return",
	[BPK_UFUNC] = "user function", [BPK_URETFUNC] = "user function return",
	[BPK_USDT] = "USDT", [BPK_TRACEPOINT] = "tracepoint",
};

static const char *const prog_names[BPP__COUNT] = {
	[BPP_AUTO] = "auto", [BPP_FENTRY] = "fentry", [BPP_KPROBE] = "kprobe",
	[BPP_KPROBE_MULTI] = "kprobe_multi", [BPP_UPROBE] = "uprobe",
	[BPP_TRACEPOINT] = "tracepoint", [BPP_RAW_TP] = "raw_tracepoint",
	[BPP_TP_BTF] = "tp_btf",
};

const char *bpfprobe_kind_name(enum bpfprobe_kind k)
{
	return (unsigned)k < BPK__COUNT ? kind_names[k] : "?";
}

const char *bpfprobe_prog_name(enum bpfprobe_prog p)
{
	return (unsigned)p < BPP__COUNT ? prog_names[p] : "?";
}

void bpfprobe_spec_init(struct bpfprobe_spec *spec, enum bpfprobe_kind kind)
{
	memset(spec, 0, sizeof(*spec));
	spec->kind = kind;
	spec->prog = BPP_AUTO;
	spec->action = BPA_EMIT;
	spec->filter = -1;
}

int bpfprobe_spec_add_fetch(struct bpfprobe_spec *spec, struct bpfprobe_fetch f)
{
	if (spec->nfetch >= BPFPROBE_MAX_VALUES)
		return -1;
	spec->fetch[spec->nfetch] = f;
	return spec->nfetch++;
}

int bpfprobe_spec_add_expr(struct bpfprobe_spec *spec, struct bpfprobe_expr n)
{
	if (spec->nexpr >= BPFPROBE_MAX_EXPR)
		return -1;
	spec->expr[spec->nexpr] = n;
	return spec->nexpr++;
}

static int fail(char *err, size_t errsz, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t errsz, const char *fmt, ...)
{
	va_list ap;

	if (err && errsz) {
		va_start(ap, fmt);
		vsnprintf(err, errsz, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static bool is_ret_kind(int kind)
{
	return kind == BPK_KRETFUNC || kind == BPK_URETFUNC;
}

static bool is_str(const struct bpfprobe_fetch *f)
{
	return f->type == BPV_STR || f->type == BPV_BYTES;
}

static bool int_size_ok(unsigned s)
{
	return s == 1 || s == 2 || s == 4 || s == 8;
}

bool bpfprobe_action_aggregates(enum bpfprobe_action a)
{
	return a == BPA_COUNT || a == BPA_HIST_LOG2 || a == BPA_HIST_LINEAR;
}

static bool uses_src(const struct bpfprobe_spec *spec, int src)
{
	for (int i = 0; i < spec->nfetch; i++)
		if (spec->fetch[i].src == src)
			return true;
	return false;
}

static void filter_needs(const struct bpfprobe_spec *spec, bool *vals);

/* A start stores a key; an end has the delta, not used by the filter;
 * keys are earlier INTs. */
static int pair_check(const struct bpfprobe_spec *spec, char *err, size_t errsz)
{
	const struct bpfprobe_pair *pr = &spec->pair;

	if (spec->action == BPA_PAIR_START && !pr->id)
		return fail(err, errsz, "a pairing start needs a pair id");
	if (!pr->id)
		return 0;
	if (spec->action != BPA_PAIR_START && !uses_src(spec, BPS_PAIR_DELTA))
		return fail(err, errsz, "pair %u: neither a start nor the time since one",
			    pr->id);
	if (spec->filter >= 0 && spec->filter < spec->nexpr) {
		bool need[BPFPROBE_MAX_VALUES];

		filter_needs(spec, need);
		for (int i = 0; i < spec->nfetch; i++)
			if (need[i] && spec->fetch[i].src == BPS_PAIR_DELTA)
				return fail(err, errsz, "pair %u: the filter cannot use the time since the start (it runs first)",
					    pr->id);
	}
	if (pr->nkeys < 0 || pr->nkeys > BPFPROBE_MAX_KEYS)
		return fail(err, errsz, "pair %u: %d key values (at most %d)", pr->id,
			    pr->nkeys, BPFPROBE_MAX_KEYS);
	for (int k = 0; k < pr->nkeys; k++) {
		int i = pr->keys[k];

		if (i < 0 || i >= spec->nfetch)
			return fail(err, errsz, "pair %u: key value %d does not exist",
				    pr->id, i);
		if (spec->fetch[i].type != BPV_INT)
			return fail(err, errsz, "pair %u: key value %d is not an integer",
				    pr->id, i);
		for (int d = 0; d <= i; d++)
			if (spec->fetch[d].src == BPS_PAIR_DELTA)
				return fail(err, errsz, "pair %u: key value %d must come before the time since the start",
					    pr->id, i);
	}
	return 0;
}

int bpfprobe_spec_check(const struct bpfprobe_spec *spec, char *err,
			size_t errsz)
{
	if (spec->kind >= BPK__COUNT)
		return fail(err, errsz, "bad probe kind %u", spec->kind);
	if (spec->prog >= BPP__COUNT)
		return fail(err, errsz, "bad program type %u", spec->prog);
	if (spec->action >= BPA__COUNT)
		return fail(err, errsz, "bad action %u", spec->action);
	if (spec->npoints < 1 || !spec->points)
		return fail(err, errsz, "no attach point");
	for (int p = 0; p < spec->npoints; p++) {
		const struct bpfprobe_point *pt = &spec->points[p];

		if ((spec->kind == BPK_UFUNC || spec->kind == BPK_URETFUNC ||
		     spec->kind == BPK_USDT) && !pt->path)
			return fail(err, errsz, "user probe point %d has no binary", p);
		if (spec->kind == BPK_TRACEPOINT && (!pt->name || !strchr(pt->name, ':')))
			return fail(err, errsz, "tracepoint point %d is not \"category:name\"", p);
		if ((spec->kind == BPK_KFUNC || spec->kind == BPK_KRETFUNC) &&
		    !pt->name && !pt->offset)
			return fail(err, errsz, "kernel probe point %d has no symbol or address", p);
	}
	if (spec->nfetch < 0 || spec->nfetch > BPFPROBE_MAX_VALUES)
		return fail(err, errsz, "%d values (at most %d)", spec->nfetch,
			    BPFPROBE_MAX_VALUES);
	if (spec->nexpr < 0 || spec->nexpr > BPFPROBE_MAX_EXPR)
		return fail(err, errsz, "%d expression nodes (at most %d)",
			    spec->nexpr, BPFPROBE_MAX_EXPR);
	if (spec->filter < -1 || spec->filter >= spec->nexpr)
		return fail(err, errsz, "filter node %d does not exist", spec->filter);

	for (int i = 0; i < spec->nfetch; i++) {
		const struct bpfprobe_fetch *f = &spec->fetch[i];
		const char *n = f->name ? f->name : "value";

		if (f->src == BPS_NONE || f->src >= BPS__COUNT)
			return fail(err, errsz, "%s %d: bad source %u", n, i, f->src);
		if (f->type == BPV_INT) {
			if (!int_size_ok(f->size))
				return fail(err, errsz, "%s %d: integer size %u", n, i, f->size);
		} else if (is_str(f)) {
			if (f->maxlen < 1 || f->maxlen > BPFPROBE_MAX_STR)
				return fail(err, errsz, "%s %d: string length %u (1..%d)",
					    n, i, f->maxlen, BPFPROBE_MAX_STR);
		} else {
			return fail(err, errsz, "%s %d: bad type %u", n, i, f->type);
		}
		if (f->nderef > BPFPROBE_MAX_DEREF)
			return fail(err, errsz, "%s %d: %u dereferences (at most %d)",
				    n, i, f->nderef, BPFPROBE_MAX_DEREF);
		switch (f->src) {
		case BPS_ARG:
			if (f->idx >= 12)
				return fail(err, errsz, "%s %d: argument %u", n, i, f->idx + 1);
			break;
		case BPS_RETVAL:
			if (!is_ret_kind(spec->kind))
				return fail(err, errsz, "%s %d: retval outside a return probe", n, i);
			break;
		case BPS_ENTRY_DELTA:
			if (!is_ret_kind(spec->kind))
				return fail(err, errsz, "%s %d: entry-to-return time outside a return probe",
					    n, i);
			if (f->type != BPV_INT || f->nderef)
				return fail(err, errsz, "%s %d: entry-to-return time is an integer", n, i);
			break;
		case BPS_REG:
			if (f->idx >= BPR__COUNT)
				return fail(err, errsz, "%s %d: register %u", n, i, f->idx);
			if (spec->kind == BPK_TRACEPOINT)
				return fail(err, errsz, "%s %d: registers in a tracepoint", n, i);
			break;
		case BPS_STACK:
			if (spec->kind == BPK_TRACEPOINT)
				return fail(err, errsz, "%s %d: stack in a tracepoint", n, i);
			break;
		case BPS_FIELD:
			if (!int_size_ok(f->src_size))
				return fail(err, errsz, "%s %d: field size %u", n, i, f->src_size);
			/* fall through */
		case BPS_FIELD_ADDR:
		case BPS_DATALOC:
			if (spec->kind != BPK_TRACEPOINT)
				return fail(err, errsz, "%s %d: tracepoint field outside a tracepoint", n, i);
			if (f->imm < 0 || f->imm >= 8192)
				return fail(err, errsz, "%s %d: field offset %lld", n, i,
					    (long long)f->imm);
			break;
		case BPS_COMM:
			if (f->type != BPV_STR || f->nderef)
				return fail(err, errsz, "%s %d: comm is a string", n, i);
			break;
		case BPS_EXPR:
			if (f->imm < 0 || f->imm >= spec->nexpr)
				return fail(err, errsz, "%s %d: expression node %lld", n, i,
					    (long long)f->imm);
			break;
		case BPS_KSTACK:
		case BPS_USTACK:
			if (f->type != BPV_INT || f->nderef)
				return fail(err, errsz, "%s %d: a stack id is an integer", n, i);
			break;
		case BPS_PAIR_DELTA:
			if (f->type != BPV_INT || f->nderef)
				return fail(err, errsz, "%s %d: the time since the start is an integer",
					    n, i);
			if (!spec->pair.id)
				return fail(err, errsz, "%s %d: time since a start without a pair id",
					    n, i);
			if (spec->action == BPA_PAIR_START)
				return fail(err, errsz, "%s %d: time since a start in the start probe",
					    n, i);
			for (int j = 0; j < i; j++)
				if (spec->fetch[j].src == BPS_PAIR_DELTA)
					return fail(err, errsz, "%s %d: time since the start twice",
						    n, i);
			break;
		default:
			break;
		}
	}

	for (int k = 0; k < spec->nexpr; k++) {
		const struct bpfprobe_expr *e = &spec->expr[k];
		bool unary = e->op == BPO_NEG || e->op == BPO_BITNOT || e->op == BPO_LNOT;

		if (e->op >= BPO__COUNT)
			return fail(err, errsz, "node %d: bad operator %u", k, e->op);
		if (e->op == BPO_VALUE || e->op == BPO_STREQ || e->op == BPO_STRPREFIX) {
			const struct bpfprobe_fetch *f;

			if (e->a < 0 || e->a >= spec->nfetch)
				return fail(err, errsz, "node %d: value %d does not exist", k, e->a);
			f = &spec->fetch[e->a];
			if (f->src == BPS_EXPR && f->imm >= k)
				return fail(err, errsz, "node %d: value %d is computed by a later node", k, e->a);
			if (e->op == BPO_VALUE && f->type != BPV_INT)
				return fail(err, errsz, "node %d: value %d is not an integer", k, e->a);
			if (e->op != BPO_VALUE) {
				if (!is_str(f))
					return fail(err, errsz, "node %d: value %d is not a string", k, e->a);
				if (!e->str || strlen(e->str) > BPFPROBE_MAX_CONSTSTR)
					return fail(err, errsz, "node %d: string constant missing or longer than %d",
						    k, BPFPROBE_MAX_CONSTSTR);
			}
		} else if (e->op != BPO_CONST) {
			if (e->a < 0 || e->a >= k || (!unary && (e->b < 0 || e->b >= k)))
				return fail(err, errsz, "node %d: operands must be earlier nodes", k);
		}
	}
	/* EXPR values may only use values before them. */
	for (int i = 0; i < spec->nfetch; i++) {
		const struct bpfprobe_fetch *f = &spec->fetch[i];
		bool seen[BPFPROBE_MAX_EXPR] = { 0 };
		int stack[BPFPROBE_MAX_EXPR], sp = 0;

		if (f->src != BPS_EXPR)
			continue;
		stack[sp++] = f->imm;
		seen[f->imm] = true;
		while (sp) {
			const struct bpfprobe_expr *e = &spec->expr[stack[--sp]];

			if (e->op == BPO_VALUE || e->op == BPO_STREQ || e->op == BPO_STRPREFIX) {
				if (e->a >= i)
					return fail(err, errsz, "value %d: its expression uses value %d, not an earlier one",
						    i, e->a);
				continue;
			}
			if (e->op == BPO_CONST)
				continue;
			if (!seen[e->a]) {
				seen[e->a] = true;
				stack[sp++] = e->a;
			}
			if (e->op != BPO_NEG && e->op != BPO_BITNOT && e->op != BPO_LNOT &&
			    !seen[e->b]) {
				seen[e->b] = true;
				stack[sp++] = e->b;
			}
		}
	}
	if (pair_check(spec, err, errsz))
		return -EINVAL;
	if (bpfprobe_action_aggregates(spec->action)) {
		const struct bpfprobe_agg *a = &spec->agg;
		uint32_t keysz = 0;

		if (a->nkeys < 0 || a->nkeys > BPFPROBE_MAX_KEYS)
			return fail(err, errsz, "%d key values (at most %d)", a->nkeys,
				    BPFPROBE_MAX_KEYS);
		for (int k = 0; k < a->nkeys; k++) {
			if (a->keys[k] < 0 || a->keys[k] >= spec->nfetch)
				return fail(err, errsz, "key %d: value %d does not exist", k,
					    a->keys[k]);
			for (int j = 0; j < k; j++)
				if (a->keys[j] == a->keys[k])
					return fail(err, errsz, "key %d: value %d twice", k, a->keys[k]);
			keysz += spec->fetch[a->keys[k]].type == BPV_INT ? 8 :
				 (spec->fetch[a->keys[k]].maxlen + 7u) & ~7u;
		}
		if (keysz > BPFPROBE_MAX_KEYSZ)
			return fail(err, errsz, "the key needs %u bytes (at most %d)", keysz,
				    BPFPROBE_MAX_KEYSZ);
		if (a->value < -1 || a->value >= spec->nfetch)
			return fail(err, errsz, "aggregated value %d does not exist", a->value);
		if (a->value >= 0 && spec->fetch[a->value].type != BPV_INT)
			return fail(err, errsz, "aggregated value %d is not an integer", a->value);
		if (a->value < 0 && spec->action != BPA_COUNT)
			return fail(err, errsz, "a histogram needs a value");
		if (spec->action == BPA_HIST_LINEAR) {
			if (a->step <= 0 || a->max <= a->min)
				return fail(err, errsz, "linear histogram: min %lld max %lld step %lld",
					    (long long)a->min, (long long)a->max, (long long)a->step);
			if ((uint64_t)(a->max - a->min) / (uint64_t)a->step + 2 >
			    BPFPROBE_MAX_BUCKETS)
				return fail(err, errsz, "linear histogram: more than %d buckets",
					    BPFPROBE_MAX_BUCKETS);
		}
	}
	{
		struct bpfprobe_layout lay;

		if (bpfprobe_layout(spec, &lay))
			return fail(err, errsz, "the values need more than %d bytes of scratch",
				    BPFPROBE_MAX_SCRATCH);
	}
	return 0;
}

/* ---- dependencies: which values and nodes the filter needs ---- */

static void mark_node(const struct bpfprobe_spec *spec, int k, bool *vals,
		      bool *nodes);

static void mark_value(const struct bpfprobe_spec *spec, int i, bool *vals,
		       bool *nodes)
{
	if (i < 0 || i >= spec->nfetch || vals[i])
		return;
	vals[i] = true;
	if (spec->fetch[i].src == BPS_EXPR)
		mark_node(spec, spec->fetch[i].imm, vals, nodes);
}

static void mark_node(const struct bpfprobe_spec *spec, int k, bool *vals,
		      bool *nodes)
{
	const struct bpfprobe_expr *e;

	if (k < 0 || k >= spec->nexpr || nodes[k])
		return;
	nodes[k] = true;
	e = &spec->expr[k];
	switch (e->op) {
	case BPO_VALUE: case BPO_STREQ: case BPO_STRPREFIX:
		mark_value(spec, e->a, vals, nodes);
		break;
	case BPO_CONST:
		break;
	case BPO_NEG: case BPO_BITNOT: case BPO_LNOT:
		mark_node(spec, e->a, vals, nodes);
		break;
	default:
		mark_node(spec, e->a, vals, nodes);
		mark_node(spec, e->b, vals, nodes);
	}
}

static void filter_needs(const struct bpfprobe_spec *spec, bool *vals)
{
	bool nodes[BPFPROBE_MAX_EXPR] = { 0 };

	memset(vals, 0, sizeof(bool) * BPFPROBE_MAX_VALUES);
	if (spec->filter >= 0)
		mark_node(spec, spec->filter, vals, nodes);
}

/* Values some string comparison reads: they need a constant address. */
static void compared_strings(const struct bpfprobe_spec *spec, bool *vals)
{
	memset(vals, 0, sizeof(bool) * BPFPROBE_MAX_VALUES);
	for (int k = 0; k < spec->nexpr && k < BPFPROBE_MAX_EXPR; k++) {
		const struct bpfprobe_expr *e = &spec->expr[k];

		if ((e->op == BPO_STREQ || e->op == BPO_STRPREFIX) &&
		    e->a >= 0 && e->a < spec->nfetch)
			vals[e->a] = true;
	}
}

static bool hidden(const struct bpfprobe_fetch *f)
{
	return f->flags & BPF_FETCH_HIDDEN;
}

static bool fixed_place(const struct bpfprobe_fetch *f, bool compared)
{
	return f->type == BPV_BYTES || f->src == BPS_COMM || compared;
}

#define ALIGN8(x) (((x) + 7u) & ~7u)

/* What follows the values: expression nodes, ctx, entry time, the
 * pairing key. */
static int layout_tail(const struct bpfprobe_spec *spec,
		       struct bpfprobe_layout *lay, uint32_t off)
{
	lay->expr = off;
	off += 8 * spec->nexpr;
	lay->ctx_slot = off;
	off += 16;
	lay->entry_ts = off;
	off += is_ret_kind(spec->kind) && uses_src(spec, BPS_ARG) ?
	       8 + 8 * ENTRY_ARGS : 8;
	lay->pair_key = off;
	off += 8 * (spec->pair.nkeys > 0 ? spec->pair.nkeys : 0);
	lay->size = off;
	return off > BPFPROBE_MAX_SCRATCH ? -E2BIG : 0;
}

/*
 * Aggregation and pairing starts: nothing is sent, every value has a
 * fixed place. The aggregation key comes first (zeroed by the prologue,
 * at least 8 bytes): INT keys' slots and STR keys' buffers in key order,
 * so the key is built by the fetches themselves. Then the other slots and
 * strings, and layout_tail().
 */
static int agg_layout(const struct bpfprobe_spec *spec,
		      struct bpfprobe_layout *lay)
{
	const struct bpfprobe_agg *a = &spec->agg;
	int nkeys = bpfprobe_action_aggregates(spec->action) ? a->nkeys : 0;
	bool iskey[BPFPROBE_MAX_VALUES] = { 0 };
	uint32_t off = REC_HDR;

	if (nkeys < 0 || nkeys > BPFPROBE_MAX_KEYS ||
	    spec->pair.nkeys < 0 || spec->pair.nkeys > BPFPROBE_MAX_KEYS)
		return -EINVAL;
	lay->key = off;
	for (int k = 0; k < nkeys; k++) {
		int i = a->keys[k];
		const struct bpfprobe_fetch *f;

		if (i < 0 || i >= spec->nfetch || iskey[i])
			return -EINVAL;
		iskey[i] = true;
		f = &spec->fetch[i];
		if (f->type == BPV_INT) {
			lay->slot[i] = off;
			off += 8;
		} else {
			lay->fixed[i] = off;
			off += ALIGN8(f->maxlen);
		}
	}
	if (off == lay->key)
		off += 8;
	lay->keysz = off - lay->key;
	for (int i = 0; i < spec->nfetch; i++) {
		const struct bpfprobe_fetch *f = &spec->fetch[i];

		if (iskey[i] && f->type == BPV_INT)
			continue;
		lay->slot[i] = off;
		off += 8;
		if (is_str(f) && !iskey[i]) {
			lay->fixed[i] = off;
			off = ALIGN8(off + f->maxlen);
		}
	}
	lay->tail = lay->out_max = off;
	return layout_tail(spec, lay, off);
}

int bpfprobe_agg_nbuckets(const struct bpfprobe_spec *spec)
{
	const struct bpfprobe_agg *a = &spec->agg;

	switch (spec->action) {
	case BPA_HIST_LOG2:
		return BPFPROBE_LOG2_BUCKETS;
	case BPA_HIST_LINEAR:
		if (a->step <= 0 || a->max <= a->min)
			return 0;
		return ((uint64_t)(a->max - a->min) + (uint64_t)a->step - 1) /
		       (uint64_t)a->step + 2;
	default:
		return 0;
	}
}

uint32_t bpfprobe_agg_value_size(const struct bpfprobe_spec *spec)
{
	return 8 * (4 + bpfprobe_agg_nbuckets(spec));
}

void bpfprobe_agg_bucket_range(const struct bpfprobe_spec *spec, int b,
			       int64_t *lo, int64_t *hi)
{
	const struct bpfprobe_agg *a = &spec->agg;
	int nb = bpfprobe_agg_nbuckets(spec);

	*lo = *hi = 0;
	if (b < 0 || b >= nb)
		return;
	if (spec->action == BPA_HIST_LOG2) {
		*lo = b ? (int64_t)(1ull << b) : 0;
		*hi = b == 63 ? (int64_t)UINT64_MAX : (int64_t)(2ull << b);
		return;
	}
	if (b == 0) {
		*lo = INT64_MIN;
		*hi = a->min;
	} else if (b == nb - 1) {
		*lo = a->max;
		*hi = INT64_MAX;
	} else {
		*lo = a->min + (b - 1) * a->step;
		*hi = *lo + a->step > a->max ? a->max : *lo + a->step;
	}
}

int bpfprobe_layout(const struct bpfprobe_spec *spec,
		    struct bpfprobe_layout *lay)
{
	bool cmp[BPFPROBE_MAX_VALUES];
	uint32_t off = REC_HDR;
	int n = spec->nfetch;

	memset(lay, 0, sizeof(*lay));
	if (n < 0 || n > BPFPROBE_MAX_VALUES || spec->nexpr < 0 ||
	    spec->nexpr > BPFPROBE_MAX_EXPR || spec->pair.nkeys < 0 ||
	    spec->pair.nkeys > BPFPROBE_MAX_KEYS)
		return -EINVAL;
	if (spec->action != BPA_EMIT)
		return agg_layout(spec, lay);
	compared_strings(spec, cmp);
	for (int i = 0; i < n; i++)
		if (!hidden(&spec->fetch[i])) {
			lay->slot[i] = off;
			off += 8;
		}
	for (int i = 0; i < n; i++) {
		const struct bpfprobe_fetch *f = &spec->fetch[i];

		if (!hidden(f) && is_str(f) && fixed_place(f, cmp[i])) {
			lay->fixed[i] = off;
			off += f->maxlen;
		}
	}
	lay->tail = off;
	for (int i = 0; i < n; i++) {
		const struct bpfprobe_fetch *f = &spec->fetch[i];

		if (!hidden(f) && is_str(f) && !fixed_place(f, cmp[i]))
			off += f->maxlen;
	}
	lay->out_max = off;
	off = ALIGN8(off);
	for (int i = 0; i < n; i++) {
		const struct bpfprobe_fetch *f = &spec->fetch[i];

		if (!hidden(f))
			continue;
		lay->slot[i] = off;
		off += 8;
		if (is_str(f)) {
			lay->fixed[i] = off;
			off = ALIGN8(off + f->maxlen);
		}
	}
	return layout_tail(spec, lay, off);
}

/* ---- the emitter ---- */

struct gen {
	struct bpf_insn *in;
	int n, cap;
	int *lab, *labuse;
	int nlab, labcap;
	struct { int at, lab; } *fix;
	int nfix, fixcap;
	bool oom;
	/* context */
	const struct bpfprobe_spec *spec;
	const struct bpfprobe_gen_env *env;
	struct bpfprobe_layout lay;
	bool node_done[BPFPROBE_MAX_EXPR];
	bool ctx_saved;
	int l_exit;
	int l_pair_missed;
	char *err;
	size_t errsz;
	int error;
};

static void emit(struct gen *g, struct bpf_insn i)
{
	if (g->n == g->cap) {
		int cap = g->cap ? g->cap * 2 : 256;
		struct bpf_insn *p = realloc(g->in, cap * sizeof(*p));

		if (!p) {
			g->oom = true;
			return;
		}
		g->in = p;
		g->cap = cap;
	}
	g->in[g->n++] = i;
}

static void emit_ld64(struct gen *g, int reg, uint64_t v, int src)
{
	emit(g, INSN(BPF_LD | BPF_DW | BPF_IMM, reg, src, 0, (int32_t)(uint32_t)v));
	emit(g, INSN(0, 0, 0, 0, (int32_t)(uint32_t)(v >> 32)));
}

static void emit_mov_const(struct gen *g, int reg, int64_t v)
{
	if (v >= INT32_MIN && v <= INT32_MAX)
		emit(g, MOV64_IMM(reg, (int32_t)v));
	else
		emit_ld64(g, reg, v, 0);
}

static void emit_map(struct gen *g, int reg, int fd)
{
	emit_ld64(g, reg, (uint32_t)fd, BPF_PSEUDO_MAP_FD);
}

static int label(struct gen *g)
{
	if (g->nlab == g->labcap) {
		int cap = g->labcap ? g->labcap * 2 : 64;
		int *p = realloc(g->lab, cap * sizeof(*p));
		int *u = p ? realloc(g->labuse, cap * sizeof(*u)) : NULL;

		if (p)
			g->lab = p;
		if (!u) {
			g->oom = true;
			return 0;
		}
		g->labuse = u;
		g->labcap = cap;
	}
	g->lab[g->nlab] = -1;
	g->labuse[g->nlab] = 0;
	return g->nlab++;
}

/* Is anything jumping to label l (so far)? The verifier refuses
 * unreachable code. */
static bool used(struct gen *g, int l)
{
	return l < g->nlab && g->labuse[l] > 0;
}

static void place(struct gen *g, int l)
{
	if (l < g->nlab)
		g->lab[l] = g->n;
}

/* A jump to label l: code is BPF_JMP | op | BPF_K/X. */
static void jump(struct gen *g, struct bpf_insn i, int l)
{
	if (g->nfix == g->fixcap) {
		int cap = g->fixcap ? g->fixcap * 2 : 64;
		void *p = realloc(g->fix, cap * sizeof(*g->fix));

		if (!p) {
			g->oom = true;
			return;
		}
		g->fix = p;
		g->fixcap = cap;
	}
	g->fix[g->nfix].at = g->n;
	g->fix[g->nfix].lab = l;
	g->nfix++;
	if (l < g->nlab)
		g->labuse[l]++;
	emit(g, i);
}

#define JA(g, l)		jump(g, INSN(BPF_JMP | BPF_JA, 0, 0, 0, 0), l)
#define JIMM(g, op, r, v, l)	jump(g, INSN(BPF_JMP | (op) | BPF_K, r, 0, 0, v), l)
#define JREG(g, op, r, s, l)	jump(g, INSN(BPF_JMP | (op) | BPF_X, r, s, 0, 0), l)

static void gen_error(struct gen *g, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void gen_error(struct gen *g, const char *fmt, ...)
{
	va_list ap;

	if (g->error)
		return;
	g->error = -EINVAL;
	if (g->err && g->errsz) {
		va_start(ap, fmt);
		vsnprintf(g->err, g->errsz, fmt, ap);
		va_end(ap);
	}
}

/* ---- program-type models ---- */

enum ctx_model { CTX_REGS, CTX_U64, CTX_TPREC };

static enum ctx_model ctx_model(int prog)
{
	switch (prog) {
	case BPP_FENTRY: case BPP_RAW_TP: case BPP_TP_BTF:
		return CTX_U64;
	case BPP_TRACEPOINT:
		return CTX_TPREC;
	default:
		return CTX_REGS;
	}
}

/* Typed (BTF) context loads give pointers; arithmetic needs numbers. */
static bool ctx_typed(int prog)
{
	return prog == BPP_FENTRY || prog == BPP_TP_BTF;
}

static const int16_t arg_regs[6] = {
	BPR_DI * 8, BPR_SI * 8, BPR_DX * 8, BPR_CX * 8, BPR_R8 * 8, BPR_R9 * 8,
};

enum rmode { RM_USER, RM_KERNEL, RM_AUTO };

/*
 * r1 = dst, r2 = size, r3 = src are set: call the right read helper.
 * r0 = 0 on success for plain reads, the length with the NUL for strings.
 */
static void emit_read_call(struct gen *g, enum rmode m, bool str)
{
	int user = str ? BPF_FUNC_probe_read_user_str : BPF_FUNC_probe_read_user;
	int kern = str ? BPF_FUNC_probe_read_kernel_str : BPF_FUNC_probe_read_kernel;
	int l_user, l_done;

	if (g->env->legacy_read) {
		emit(g, CALL(str ? BPF_FUNC_probe_read_str : BPF_FUNC_probe_read));
		return;
	}
	if (m == RM_USER) {
		emit(g, CALL(user));
		return;
	}
	if (m == RM_KERNEL) {
		emit(g, CALL(kern));
		return;
	}
	l_user = label(g);
	l_done = label(g);
	emit(g, MOV64_REG(R0, R3));
	emit(g, ALU64_IMM(BPF_RSH, R0, 47));
	JIMM(g, BPF_JEQ, R0, 0, l_user);
	emit(g, CALL(kern));
	JA(g, l_done);
	place(g, l_user);
	emit(g, CALL(user));
	place(g, l_done);
}

static void emit_set_failed(struct gen *g, int i)
{
	emit(g, LDX(BPF_W, R1, R9, OFF_FAILED));
	emit(g, ALU64_IMM(BPF_OR, R1, 1u << i));
	emit(g, STX(BPF_W, R9, R1, OFF_FAILED));
}

/* r7 = ctx as a number (stored once by the prologue). */
static void emit_ctx_number(struct gen *g, int reg)
{
	emit(g, LDX(BPF_DW, reg, R9, g->lay.ctx_slot));
}

static void emit_launder(struct gen *g, int reg)
{
	emit(g, STX(BPF_DW, R9, reg, g->lay.ctx_slot + 8));
	emit(g, LDX(BPF_DW, reg, R9, g->lay.ctx_slot + 8));
}

/* r7 = *(u64 *)(r3), size bytes (zero-extended); failure jumps to l_fail. */
static void emit_read_to_r7(struct gen *g, int size, enum rmode m, int l_fail)
{
	emit(g, ST(BPF_DW, R10, -8, 0));
	emit(g, MOV64_REG(R1, R10));
	emit(g, ALU64_IMM(BPF_ADD, R1, -8));
	emit(g, MOV64_IMM(R2, size));
	emit_read_call(g, m, false);
	JIMM(g, BPF_JNE, R0, 0, l_fail);
	emit(g, LDX(BPF_DW, R7, R10, -8));
}

static void emit_sext(struct gen *g, int reg, int size)
{
	if (size >= 8)
		return;
	emit(g, ALU64_IMM(BPF_LSH, reg, 64 - 8 * size));
	emit(g, ALU64_IMM(BPF_ARSH, reg, 64 - 8 * size));
}

static void emit_trunc(struct gen *g, int reg, int size, bool sign)
{
	if (size >= 8)
		return;
	if (sign)
		emit_sext(g, reg, size);
	else if (size == 4)
		emit(g, MOV32_REG(reg, reg));
	else
		emit(g, ALU64_IMM(BPF_AND, reg, size == 1 ? 0xff : 0xffff));
}

static int ldx_size(int size)
{
	return size == 1 ? BPF_B : size == 2 ? BPF_H : size == 4 ? BPF_W : BPF_DW;
}

static void emit_node(struct gen *g, int k);

/* The pt_regs stack pointer plus off, read as a u64, into r7. */
static void emit_stack_read(struct gen *g, int64_t off, int l_fail)
{
	emit(g, LDX(BPF_DW, R3, R6, BPR_SP * 8));
	if (off)
		emit(g, ALU64_IMM(BPF_ADD, R3, (int32_t)off));
	emit_read_to_r7(g, 8, g->env->prog == BPP_UPROBE ? RM_USER : RM_KERNEL,
			l_fail);
}

/*
 * reg = the address of this event's pairing key: pid_tgid in the header,
 * or the key values' slots copied one after the other.
 */
static void emit_pair_key(struct gen *g, int reg)
{
	const struct bpfprobe_pair *pr = &g->spec->pair;

	if (!pr->nkeys) {
		emit(g, MOV64_REG(reg, R9));
		emit(g, ALU64_IMM(BPF_ADD, reg, OFF_TID));
		return;
	}
	for (int k = 0; k < pr->nkeys; k++) {
		emit(g, LDX(BPF_DW, R1, R9, g->lay.slot[pr->keys[k]]));
		emit(g, STX(BPF_DW, R9, R1, g->lay.pair_key + 8 * k));
	}
	emit(g, MOV64_REG(reg, R9));
	emit(g, ALU64_IMM(BPF_ADD, reg, g->lay.pair_key));
}

/* Source of value i into r7. Returns false when nothing more is to be
 * done (comm, which writes its own buffer). */
static bool emit_source(struct gen *g, int i, int l_fail)
{
	const struct bpfprobe_fetch *f = &g->spec->fetch[i];
	enum ctx_model cm = ctx_model(g->env->prog);
	int prog = g->env->prog;

	switch (f->src) {
	case BPS_ARG:
		if (cm == CTX_REGS && is_ret_kind(g->spec->kind)) {
			/* saved by the entry program, copied by the prologue */
			if (f->idx >= ENTRY_ARGS) {
				gen_error(g, "argument %d at a return: only the first %d are saved at entry",
					  f->idx + 1, ENTRY_ARGS);
				return false;
			}
			emit(g, LDX(BPF_DW, R7, R9, g->lay.entry_ts + 8 + 8 * f->idx));
		} else if (cm == CTX_REGS) {
			if (f->idx < 6)
				emit(g, LDX(BPF_DW, R7, R6, arg_regs[f->idx]));
			else
				emit_stack_read(g, 8 * (f->idx - 5), l_fail);
		} else if (cm == CTX_U64) {
			if (prog != BPP_RAW_TP && g->env->nargs && f->idx >= g->env->nargs) {
				gen_error(g, "argument %d: the function has %d", f->idx + 1,
					  g->env->nargs);
				return false;
			}
			emit(g, LDX(BPF_DW, R7, R6, 8 * f->idx));
			if (ctx_typed(prog))
				emit_launder(g, R7);
		} else {
			gen_error(g, "a classic tracepoint has fields, not arguments");
			return false;
		}
		break;
	case BPS_RETVAL:
		if (cm == CTX_REGS) {
			emit(g, LDX(BPF_DW, R7, R6, BPR_AX * 8));
		} else if (prog == BPP_FENTRY) {
			emit(g, LDX(BPF_DW, R7, R6, 8 * g->env->nargs));
			emit_launder(g, R7);
		} else {
			gen_error(g, "no return value in a %s program", bpfprobe_prog_name(prog));
			return false;
		}
		break;
	case BPS_REG:
		if (cm != CTX_REGS) {
			gen_error(g, "registers need a kprobe or uprobe program, not %s",
				  bpfprobe_prog_name(prog));
			return false;
		}
		emit(g, LDX(BPF_DW, R7, R6, f->idx * 8));
		break;
	case BPS_STACK:
		if (cm != CTX_REGS) {
			gen_error(g, "the stack needs a kprobe or uprobe program, not %s",
				  bpfprobe_prog_name(prog));
			return false;
		}
		emit_stack_read(g, f->imm, l_fail);
		break;
	case BPS_FIELD:
		if (cm != CTX_TPREC) {
			gen_error(g, "tracepoint fields need a classic tracepoint program");
			return false;
		}
		if (f->imm >= 8 && f->imm % f->src_size == 0) {
			emit(g, LDX(ldx_size(f->src_size), R7, R6, (int16_t)f->imm));
		} else {
			emit_ctx_number(g, R3);
			emit(g, ALU64_IMM(BPF_ADD, R3, (int32_t)f->imm));
			emit_read_to_r7(g, f->src_size, RM_KERNEL, l_fail);
		}
		if (f->src_signed)
			emit_sext(g, R7, f->src_size);
		break;
	case BPS_FIELD_ADDR:
	case BPS_DATALOC:
		if (cm != CTX_TPREC) {
			gen_error(g, "tracepoint fields need a classic tracepoint program");
			return false;
		}
		if (f->src == BPS_FIELD_ADDR) {
			emit_ctx_number(g, R7);
			emit(g, ALU64_IMM(BPF_ADD, R7, (int32_t)f->imm));
		} else {
			if (f->imm >= 8 && f->imm % 4 == 0) {
				emit(g, LDX(BPF_W, R7, R6, (int16_t)f->imm));
			} else {
				emit_ctx_number(g, R3);
				emit(g, ALU64_IMM(BPF_ADD, R3, (int32_t)f->imm));
				emit_read_to_r7(g, 4, RM_KERNEL, l_fail);
			}
			emit(g, ALU64_IMM(BPF_AND, R7, 0xffff));
			emit_ctx_number(g, R1);
			emit(g, ALU64_REG(BPF_ADD, R7, R1));
		}
		break;
	case BPS_PID:
		emit(g, LDX(BPF_W, R7, R9, OFF_PID));
		break;
	case BPS_TID:
		emit(g, LDX(BPF_W, R7, R9, OFF_TID));
		break;
	case BPS_UID:
	case BPS_GID:
		emit(g, CALL(BPF_FUNC_get_current_uid_gid));
		emit(g, MOV64_REG(R7, R0));
		if (f->src == BPS_UID)
			emit(g, MOV32_REG(R7, R7));
		else
			emit(g, ALU64_IMM(BPF_RSH, R7, 32));
		break;
	case BPS_CPU:
		emit(g, CALL(BPF_FUNC_get_smp_processor_id));
		emit(g, MOV64_REG(R7, R0));
		break;
	case BPS_KTIME:
		emit(g, CALL(BPF_FUNC_ktime_get_ns));
		emit(g, MOV64_REG(R7, R0));
		break;
	case BPS_COMM: {
		int fx = g->lay.fixed[i], len = f->maxlen < 16 ? f->maxlen : 16;

		emit(g, MOV64_REG(R1, R9));
		emit(g, ALU64_IMM(BPF_ADD, R1, fx));
		emit(g, MOV64_IMM(R2, len));
		emit(g, CALL(BPF_FUNC_get_current_comm));
		emit(g, ST(BPF_B, R9, fx + len - 1, 0));
		emit(g, ST(BPF_DW, R9, g->lay.slot[i], 0));
		emit(g, ST(BPF_W, R9, g->lay.slot[i], fx | (len << 16)));
		return false;
	}
	case BPS_TASK:
		emit(g, CALL(BPF_FUNC_get_current_task));
		emit(g, MOV64_REG(R7, R0));
		break;
	case BPS_CONST:
		emit_mov_const(g, R7, f->imm);
		break;
	case BPS_EXPR:
		emit_node(g, f->imm);
		emit(g, LDX(BPF_DW, R7, R9, g->lay.expr + 8 * f->imm));
		break;
	case BPS_ENTRY_DELTA:
		emit(g, CALL(BPF_FUNC_ktime_get_ns));
		emit(g, MOV64_REG(R7, R0));
		emit(g, LDX(BPF_DW, R1, R9, g->lay.entry_ts));
		emit(g, ALU64_REG(BPF_SUB, R7, R1));
		break;
	case BPS_PAIR_DELTA:
		emit_pair_key(g, R2);
		emit_map(g, R1, g->env->pair_fd);
		emit(g, CALL(BPF_FUNC_map_lookup_elem));
		JIMM(g, BPF_JEQ, R0, 0, g->l_pair_missed);
		emit(g, LDX(BPF_DW, R1, R0, 0));
		emit(g, STX(BPF_DW, R9, R1, g->lay.slot[i]));
		emit_pair_key(g, R2);
		emit_map(g, R1, g->env->pair_fd);
		emit(g, CALL(BPF_FUNC_map_delete_elem));
		emit(g, CALL(BPF_FUNC_ktime_get_ns));
		emit(g, MOV64_REG(R7, R0));
		emit(g, LDX(BPF_DW, R1, R9, g->lay.slot[i]));
		emit(g, ALU64_REG(BPF_SUB, R7, R1));
		break;
	case BPS_POINT:
		if (g->env->cookie) {
			emit(g, MOV64_REG(R1, R6));
			emit(g, CALL(BPF_FUNC_get_attach_cookie));
			emit(g, MOV64_REG(R7, R0));
		} else {
			emit_mov_const(g, R7, g->env->point);
		}
		break;
	case BPS_KSTACK:
	case BPS_USTACK:
		if (g->env->stacks_fd < 0) {
			gen_error(g, "stack ids need a stack map");
			return false;
		}
		emit(g, MOV64_REG(R1, R6));
		emit_map(g, R2, g->env->stacks_fd);
		emit(g, MOV64_IMM(R3, f->src == BPS_USTACK ? BPF_F_USER_STACK : 0));
		emit(g, CALL(BPF_FUNC_get_stackid));
		emit(g, MOV64_REG(R7, R0));
		JIMM(g, BPF_JSLT, R7, 0, l_fail);
		break;
	default:
		gen_error(g, "value %d: source %u is not implemented", i, f->src);
		return false;
	}
	return true;
}

static enum rmode deref_mode(bool user)
{
	return user ? RM_USER : RM_AUTO;
}

/* Value i: fetch, convert, store. */
static void emit_fetch(struct gen *g, int i, bool packed)
{
	const struct bpfprobe_fetch *f = &g->spec->fetch[i];
	int l_fail = label(g), l_done = label(g);
	int slot = g->lay.slot[i];

	if (!emit_source(g, i, l_fail)) {
		place(g, l_fail);
		place(g, l_done);
		return;
	}
	for (int d = 0; d < f->nderef; d++) {
		bool last = d == f->nderef - 1;

		emit(g, MOV64_REG(R3, R7));
		if (f->deref[d].off)
			emit(g, ALU64_IMM(BPF_ADD, R3, f->deref[d].off));
		emit_read_to_r7(g, last && f->type == BPV_INT ? f->size : 8,
				deref_mode(f->deref[d].user), l_fail);
	}
	if (f->add)
		emit_mov_const(g, R1, f->add), emit(g, ALU64_REG(BPF_ADD, R7, R1));

	if (f->type == BPV_INT) {
		emit_trunc(g, R7, f->size, f->is_signed);
		emit(g, STX(BPF_DW, R9, R7, slot));
		if (used(g, l_fail)) {
			JA(g, l_done);
			place(g, l_fail);
			emit(g, ST(BPF_DW, R9, slot, 0));
			emit_set_failed(g, i);
		}
		place(g, l_done);
		return;
	}
	if (f->type == BPV_BYTES) {
		int fx = g->lay.fixed[i];

		emit(g, MOV64_REG(R1, R9));
		emit(g, ALU64_IMM(BPF_ADD, R1, fx));
		emit(g, MOV64_IMM(R2, f->maxlen));
		emit(g, MOV64_REG(R3, R7));
		emit_read_call(g, deref_mode(f->user), false);
		emit(g, ST(BPF_DW, R9, slot, 0));
		emit(g, ST(BPF_W, R9, slot, fx | (f->maxlen << 16)));
		JIMM(g, BPF_JEQ, R0, 0, l_done);
		place(g, l_fail);
		emit_set_failed(g, i);
		place(g, l_done);
		return;
	}
	/* STR */
	{
		int l_ok = label(g), l_store = label(g);

		if (packed) {
			emit(g, MOV64_REG(R1, R9));
			emit(g, ALU64_REG(BPF_ADD, R1, R8));
		} else {
			emit(g, MOV64_REG(R1, R9));
			emit(g, ALU64_IMM(BPF_ADD, R1, g->lay.fixed[i]));
		}
		emit(g, MOV64_IMM(R2, f->maxlen));
		emit(g, MOV64_REG(R3, R7));
		emit_read_call(g, deref_mode(f->user), true);
		JIMM(g, BPF_JSLT, R0, 1, l_fail);
		JIMM(g, BPF_JGT, R0, f->maxlen, l_fail);
		JA(g, l_ok);
		place(g, l_fail);
		/* "" of length 1 (its NUL): keeps r8's range one interval */
		if (packed) {
			emit(g, MOV64_REG(R1, R9));
			emit(g, ALU64_REG(BPF_ADD, R1, R8));
			emit(g, ST(BPF_B, R1, 0, 0));
		} else {
			emit(g, ST(BPF_B, R9, g->lay.fixed[i], 0));
		}
		emit_set_failed(g, i);
		emit(g, MOV64_IMM(R0, 1));
		JA(g, l_store);
		place(g, l_ok);
		place(g, l_store);
		emit(g, MOV64_REG(R1, R0));
		emit(g, ALU64_IMM(BPF_LSH, R1, 16));
		if (packed)
			emit(g, ALU64_REG(BPF_OR, R1, R8));
		else
			emit(g, ALU64_IMM(BPF_OR, R1, g->lay.fixed[i]));
		emit(g, STX(BPF_DW, R9, R1, slot));
		if (packed)
			emit(g, ALU64_REG(BPF_ADD, R8, R0));
		place(g, l_done);
	}
}

/* ---- expressions ---- */

static int node_off(struct gen *g, int k)
{
	return g->lay.expr + 8 * k;
}

static void emit_strcmp(struct gen *g, int k)
{
	const struct bpfprobe_expr *e = &g->spec->expr[k];
	const struct bpfprobe_fetch *f = &g->spec->fetch[e->a];
	int n = strlen(e->str) + (e->op == BPO_STREQ);
	int l_false = label(g);
	int fx = g->lay.fixed[e->a];

	emit(g, MOV64_IMM(R0, 0));
	if (n <= f->maxlen) {
		for (int j = 0; j < n; j++) {
			emit(g, LDX(BPF_B, R1, R9, fx + j));
			JIMM(g, BPF_JNE, R1, (uint8_t)e->str[j], l_false);
		}
		emit(g, MOV64_IMM(R0, 1));
	}
	place(g, l_false);
	emit(g, STX(BPF_DW, R9, R0, node_off(g, k)));
}

static void emit_node(struct gen *g, int k)
{
	const struct bpfprobe_expr *e;
	int l;

	if (k < 0 || k >= g->spec->nexpr || g->node_done[k])
		return;
	g->node_done[k] = true;
	e = &g->spec->expr[k];
	switch (e->op) {
	case BPO_VALUE:
		emit(g, LDX(BPF_DW, R1, R9, g->lay.slot[e->a]));
		emit(g, STX(BPF_DW, R9, R1, node_off(g, k)));
		return;
	case BPO_CONST:
		emit_mov_const(g, R1, e->imm);
		emit(g, STX(BPF_DW, R9, R1, node_off(g, k)));
		return;
	case BPO_STREQ:
	case BPO_STRPREFIX:
		emit_strcmp(g, k);
		return;
	case BPO_NEG: case BPO_BITNOT: case BPO_LNOT:
		emit_node(g, e->a);
		emit(g, LDX(BPF_DW, R1, R9, node_off(g, e->a)));
		if (e->op == BPO_NEG) {
			emit(g, INSN(BPF_ALU64 | BPF_NEG, R1, 0, 0, 0));
		} else if (e->op == BPO_BITNOT) {
			emit(g, ALU64_IMM(BPF_XOR, R1, -1));
		} else {
			l = label(g);
			emit(g, MOV64_IMM(R0, 1));
			JIMM(g, BPF_JEQ, R1, 0, l);
			emit(g, MOV64_IMM(R0, 0));
			place(g, l);
			emit(g, MOV64_REG(R1, R0));
		}
		emit(g, STX(BPF_DW, R9, R1, node_off(g, k)));
		return;
	default:
		break;
	}
	emit_node(g, e->a);
	emit_node(g, e->b);
	emit(g, LDX(BPF_DW, R1, R9, node_off(g, e->a)));
	emit(g, LDX(BPF_DW, R2, R9, node_off(g, e->b)));
	switch (e->op) {
	case BPO_ADD: emit(g, ALU64_REG(BPF_ADD, R1, R2)); break;
	case BPO_SUB: emit(g, ALU64_REG(BPF_SUB, R1, R2)); break;
	case BPO_MUL: emit(g, ALU64_REG(BPF_MUL, R1, R2)); break;
	case BPO_DIV: emit(g, ALU64_REG(BPF_DIV, R1, R2)); break;
	case BPO_MOD: emit(g, ALU64_REG(BPF_MOD, R1, R2)); break;
	case BPO_BAND: emit(g, ALU64_REG(BPF_AND, R1, R2)); break;
	case BPO_BOR: emit(g, ALU64_REG(BPF_OR, R1, R2)); break;
	case BPO_BXOR: emit(g, ALU64_REG(BPF_XOR, R1, R2)); break;
	case BPO_SHL: emit(g, ALU64_REG(BPF_LSH, R1, R2)); break;
	case BPO_SHR:
		emit(g, ALU64_REG(e->is_signed ? BPF_ARSH : BPF_RSH, R1, R2));
		break;
	case BPO_EQ: case BPO_NE: case BPO_LT: case BPO_LE: case BPO_GT: case BPO_GE: {
		static const int uops[] = { BPF_JEQ, BPF_JNE, BPF_JLT, BPF_JLE, BPF_JGT, BPF_JGE };
		static const int sops[] = { BPF_JEQ, BPF_JNE, BPF_JSLT, BPF_JSLE, BPF_JSGT, BPF_JSGE };
		int op = (e->is_signed ? sops : uops)[e->op - BPO_EQ];

		l = label(g);
		emit(g, MOV64_IMM(R0, 1));
		JREG(g, op, R1, R2, l);
		emit(g, MOV64_IMM(R0, 0));
		place(g, l);
		emit(g, MOV64_REG(R1, R0));
		break;
	}
	case BPO_LAND:
		l = label(g);
		emit(g, MOV64_IMM(R0, 0));
		JIMM(g, BPF_JEQ, R1, 0, l);
		JIMM(g, BPF_JEQ, R2, 0, l);
		emit(g, MOV64_IMM(R0, 1));
		place(g, l);
		emit(g, MOV64_REG(R1, R0));
		break;
	case BPO_LOR:
		l = label(g);
		emit(g, MOV64_IMM(R0, 1));
		JIMM(g, BPF_JNE, R1, 0, l);
		JIMM(g, BPF_JNE, R2, 0, l);
		emit(g, MOV64_IMM(R0, 0));
		place(g, l);
		emit(g, MOV64_REG(R1, R0));
		break;
	default:
		gen_error(g, "node %d: operator %u", k, e->op);
		return;
	}
	emit(g, STX(BPF_DW, R9, R1, node_off(g, k)));
}

/* ---- whole programs ---- */

/* A kretprobe or uretprobe reading arguments: saved at entry (fexit
 * has them). */
static bool saves_args(const struct bpfprobe_spec *spec, int prog)
{
	return is_ret_kind(spec->kind) && prog != BPP_FENTRY &&
	       uses_src(spec, BPS_ARG);
}

bool bpfprobe_needs_entry(const struct bpfprobe_spec *spec,
			  enum bpfprobe_prog prog)
{
	return is_ret_kind(spec->kind) &&
	       (uses_src(spec, BPS_ENTRY_DELTA) || saves_args(spec, prog));
}

uint32_t bpfprobe_entry_size(const struct bpfprobe_spec *spec,
			     enum bpfprobe_prog prog)
{
	return 8 + (saves_args(spec, prog) ? 8 * ENTRY_ARGS : 0);
}

static bool needs_ctx_number(const struct bpfprobe_spec *spec)
{
	for (int i = 0; i < spec->nfetch; i++) {
		const struct bpfprobe_fetch *f = &spec->fetch[i];

		if (f->src == BPS_FIELD_ADDR || f->src == BPS_DATALOC ||
		    (f->src == BPS_FIELD && (f->imm < 8 || f->imm % f->src_size)))
			return true;
	}
	return false;
}

/* counters[c]++ (per CPU: no atomics needed), then to the exit. */
/*
 * Return: a classic tracepoint program's 0 tells the kernel to drop the
 * record for every perf user of that tracepoint on the system
 * (perf_trace_run_bpf_submit(), perf_syscall_enter()): perf stat/record
 * would see nothing while sonde runs. 1 leaves them their records.
 * fentry/fexit must return 0; other types' values are not looked at, or
 * go to sonde's own private perf event (kprobe and uprobe PMUs).
 */
static void emit_exit(struct gen *g)
{
	emit(g, MOV64_IMM(R0, g->env->prog == BPP_TRACEPOINT ? 1 : 0));
	emit(g, EXIT());
}

/* counters[c]++, then on (or to l_exit: no counter) */
static void emit_counter_add(struct gen *g, int c)
{
	emit(g, ST(BPF_W, R10, -4, c));
	emit(g, MOV64_REG(R2, R10));
	emit(g, ALU64_IMM(BPF_ADD, R2, -4));
	emit_map(g, R1, g->env->counters_fd);
	emit(g, CALL(BPF_FUNC_map_lookup_elem));
	JIMM(g, BPF_JEQ, R0, 0, g->l_exit);
	emit(g, LDX(BPF_DW, R1, R0, 0));
	emit(g, ALU64_IMM(BPF_ADD, R1, 1));
	emit(g, STX(BPF_DW, R0, R1, 0));
}

static void emit_counter_inc(struct gen *g, int c)
{
	emit_counter_add(g, c);
	JA(g, g->l_exit);
}

/* Only followed processes: the tgid at reg + off in the follow map. */
static void emit_follow_check(struct gen *g, int reg, int off)
{
	if (!g->env->follow)
		return;
	emit_map(g, R1, g->env->follow_fd);
	emit(g, MOV64_REG(R2, reg));
	emit(g, ALU64_IMM(BPF_ADD, R2, off));
	emit(g, CALL(BPF_FUNC_map_lookup_elem));
	JIMM(g, BPF_JEQ, R0, 0, g->l_exit);
}

/*
 * The entry program of a return spec: entry[pid_tgid] = ktime, and the
 * argument registers when the return reads arguments. A thread has one
 * call in flight per spec (recursion: the innermost entry wins).
 */
static void emit_entry_program(struct gen *g)
{
	int l_drop = label(g);
	int val = -16 - (int)bpfprobe_entry_size(g->spec, g->env->prog);

	g->l_exit = label(g);
	emit(g, MOV64_REG(R6, R1));
	emit(g, CALL(BPF_FUNC_get_current_pid_tgid));
	emit(g, STX(BPF_DW, R10, R0, -16));
	emit_follow_check(g, R10, -12);		/* the tgid half */
	emit(g, CALL(BPF_FUNC_ktime_get_ns));
	emit(g, STX(BPF_DW, R10, R0, val));
	for (int a = 0; saves_args(g->spec, g->env->prog) && a < ENTRY_ARGS; a++) {
		emit(g, LDX(BPF_DW, R1, R6, arg_regs[a]));
		emit(g, STX(BPF_DW, R10, R1, val + 8 + 8 * a));
	}
	emit_map(g, R1, g->env->entry_fd);
	emit(g, MOV64_REG(R2, R10));
	emit(g, ALU64_IMM(BPF_ADD, R2, -16));
	emit(g, MOV64_REG(R3, R10));
	emit(g, ALU64_IMM(BPF_ADD, R3, val));
	emit(g, MOV64_IMM(R4, BPF_ANY));
	emit(g, CALL(BPF_FUNC_map_update_elem));
	JIMM(g, BPF_JNE, R0, 0, l_drop);
	place(g, g->l_exit);
	emit_exit(g);
	place(g, l_drop);
	emit_counter_inc(g, BPC_ENTRY_DROPPED);
}

/*
 * Aggregate: r8 = the value of this key in the current map (inserted as
 * zeros when new), then count, sum, min, max and the bucket of r7.
 */
static void emit_aggregate(struct gen *g)
{
	const struct bpfprobe_spec *spec = g->spec;
	const struct bpfprobe_agg *a = &spec->agg;
	bool sgn = a->value >= 0 && spec->fetch[a->value].is_signed;
	int l_have = label(g), l_again = label(g), l_full = label(g);
	int l_first = label(g), l_hist = label(g), l_skip;
	int nb = bpfprobe_agg_nbuckets(spec);

	/* the current map: outer[0], spilled at r10 - 16 */
	emit(g, ST(BPF_W, R10, -4, 0));
	emit(g, MOV64_REG(R2, R10));
	emit(g, ALU64_IMM(BPF_ADD, R2, -4));
	emit_map(g, R1, g->env->agg_fd);
	emit(g, CALL(BPF_FUNC_map_lookup_elem));
	JIMM(g, BPF_JEQ, R0, 0, g->l_exit);
	emit(g, STX(BPF_DW, R10, R0, -16));
	emit(g, MOV64_REG(R1, R0));
	emit(g, MOV64_REG(R2, R9));
	emit(g, ALU64_IMM(BPF_ADD, R2, g->lay.key));
	emit(g, CALL(BPF_FUNC_map_lookup_elem));
	JIMM(g, BPF_JNE, R0, 0, l_have);
	/* a new key: insert zeros (another CPU may have won: EEXIST) */
	emit(g, ST(BPF_W, R10, -4, 0));
	emit(g, MOV64_REG(R2, R10));
	emit(g, ALU64_IMM(BPF_ADD, R2, -4));
	emit_map(g, R1, g->env->zero_fd);
	emit(g, CALL(BPF_FUNC_map_lookup_elem));
	JIMM(g, BPF_JEQ, R0, 0, g->l_exit);
	emit(g, MOV64_REG(R3, R0));
	emit(g, LDX(BPF_DW, R1, R10, -16));
	emit(g, MOV64_REG(R2, R9));
	emit(g, ALU64_IMM(BPF_ADD, R2, g->lay.key));
	emit(g, MOV64_IMM(R4, BPF_NOEXIST));
	emit(g, CALL(BPF_FUNC_map_update_elem));
	JIMM(g, BPF_JEQ, R0, 0, l_again);
	JIMM(g, BPF_JNE, R0, -EEXIST, l_full);
	place(g, l_again);
	emit(g, LDX(BPF_DW, R1, R10, -16));
	emit(g, MOV64_REG(R2, R9));
	emit(g, ALU64_IMM(BPF_ADD, R2, g->lay.key));
	emit(g, CALL(BPF_FUNC_map_lookup_elem));
	JIMM(g, BPF_JEQ, R0, 0, g->l_exit);
	place(g, l_have);
	emit(g, MOV64_REG(R8, R0));
	/* count */
	emit(g, LDX(BPF_DW, R1, R8, 0));
	emit(g, ALU64_IMM(BPF_ADD, R1, 1));
	emit(g, STX(BPF_DW, R8, R1, 0));
	if (a->value >= 0) {
		emit(g, LDX(BPF_DW, R7, R9, g->lay.slot[a->value]));
		emit(g, LDX(BPF_DW, R2, R8, 8));
		emit(g, ALU64_REG(BPF_ADD, R2, R7));
		emit(g, STX(BPF_DW, R8, R2, 8));
		JIMM(g, BPF_JEQ, R1, 1, l_first);
		l_skip = label(g);
		emit(g, LDX(BPF_DW, R2, R8, 16));
		JREG(g, sgn ? BPF_JSGE : BPF_JGE, R7, R2, l_skip);
		emit(g, STX(BPF_DW, R8, R7, 16));
		place(g, l_skip);
		l_skip = label(g);
		emit(g, LDX(BPF_DW, R2, R8, 24));
		JREG(g, sgn ? BPF_JSLE : BPF_JLE, R7, R2, l_skip);
		emit(g, STX(BPF_DW, R8, R7, 24));
		place(g, l_skip);
		JA(g, l_hist);
		place(g, l_first);
		emit(g, STX(BPF_DW, R8, R7, 16));
		emit(g, STX(BPF_DW, R8, R7, 24));
		place(g, l_hist);
	}
	if (spec->action == BPA_HIST_LOG2) {
		static const int shifts[] = { 32, 16, 8, 4, 2, 1 };

		emit(g, MOV64_REG(R1, R7));
		emit(g, MOV64_IMM(R2, 0));
		for (unsigned k = 0; k < sizeof(shifts) / sizeof(shifts[0]); k++) {
			l_skip = label(g);
			emit(g, MOV64_REG(R3, R1));
			emit(g, ALU64_IMM(BPF_RSH, R3, shifts[k]));
			JIMM(g, BPF_JEQ, R3, 0, l_skip);
			emit(g, MOV64_REG(R1, R3));
			emit(g, ALU64_IMM(BPF_ADD, R2, shifts[k]));
			place(g, l_skip);
		}
	} else if (spec->action == BPA_HIST_LINEAR) {
		int l_store = label(g);

		emit(g, MOV64_IMM(R2, 0));
		emit_mov_const(g, R1, a->min);
		JREG(g, sgn ? BPF_JSLT : BPF_JLT, R7, R1, l_store);
		emit(g, MOV64_IMM(R2, nb - 1));
		emit_mov_const(g, R1, a->max);
		JREG(g, sgn ? BPF_JSGE : BPF_JGE, R7, R1, l_store);
		emit(g, MOV64_REG(R2, R7));
		emit_mov_const(g, R1, a->min);
		emit(g, ALU64_REG(BPF_SUB, R2, R1));
		emit_mov_const(g, R1, a->step);
		emit(g, ALU64_REG(BPF_DIV, R2, R1));
		emit(g, ALU64_IMM(BPF_ADD, R2, 1));
		place(g, l_store);
	}
	if (nb) {
		/* r2 = bucket: bounded for the verifier */
		JIMM(g, BPF_JGT, R2, nb - 1, g->l_exit);
		emit(g, ALU64_IMM(BPF_LSH, R2, 3));
		emit(g, ALU64_REG(BPF_ADD, R2, R8));
		emit(g, LDX(BPF_DW, R1, R2, 32));
		emit(g, ALU64_IMM(BPF_ADD, R1, 1));
		emit(g, STX(BPF_DW, R2, R1, 32));
	}
	JA(g, g->l_exit);
	place(g, l_full);
	emit_counter_inc(g, BPC_AGG_DROPPED);
}

/* pair[key] = now (a full map: counters[BPC_PAIR_DROPPED]++). */
static void emit_pair_start(struct gen *g)
{
	int l_full = label(g);

	emit(g, CALL(BPF_FUNC_ktime_get_ns));
	emit(g, STX(BPF_DW, R10, R0, -8));
	emit_pair_key(g, R2);
	emit_map(g, R1, g->env->pair_fd);
	emit(g, MOV64_REG(R3, R10));
	emit(g, ALU64_IMM(BPF_ADD, R3, -8));
	emit(g, MOV64_IMM(R4, BPF_ANY));
	emit(g, CALL(BPF_FUNC_map_update_elem));
	JIMM(g, BPF_JNE, R0, 0, l_full);
	JA(g, g->l_exit);
	place(g, l_full);
	emit_counter_inc(g, BPC_PAIR_DROPPED);
}

static void emit_program(struct gen *g)
{
	const struct bpfprobe_spec *spec = g->spec;
	const struct bpfprobe_gen_env *env = g->env;
	bool need[BPFPROBE_MAX_VALUES], cmp[BPFPROBE_MAX_VALUES], any_packed = false;
	int l_out_fail = label(g), l_missed = label(g);

	g->l_exit = label(g);
	g->l_pair_missed = label(g);
	filter_needs(spec, need);
	compared_strings(spec, cmp);

	/* prologue */
	emit(g, MOV64_REG(R6, R1));
	emit(g, ST(BPF_W, R10, -4, 0));
	emit(g, MOV64_REG(R2, R10));
	emit(g, ALU64_IMM(BPF_ADD, R2, -4));
	emit_map(g, R1, env->scratch_fd);
	emit(g, CALL(BPF_FUNC_map_lookup_elem));
	JIMM(g, BPF_JEQ, R0, 0, g->l_exit);
	emit(g, MOV64_REG(R9, R0));
	emit(g, ST(BPF_DW, R9, OFF_FAILED, 0));
	emit(g, CALL(BPF_FUNC_get_current_pid_tgid));
	emit(g, STX(BPF_DW, R9, R0, OFF_TID));
	emit_follow_check(g, R9, OFF_PID);
	if (needs_ctx_number(spec))
		emit(g, STX(BPF_DW, R9, R6, g->lay.ctx_slot));
	if (spec->action != BPA_EMIT)
		for (uint32_t o = 0; o < g->lay.keysz; o += 8)
			emit(g, ST(BPF_DW, R9, g->lay.key + o, 0));
	if (bpfprobe_needs_entry(spec, env->prog)) {
		/* this call's entry time; the record is consumed either way */
		emit_map(g, R1, env->entry_fd);
		emit(g, MOV64_REG(R2, R9));
		emit(g, ALU64_IMM(BPF_ADD, R2, OFF_TID));
		emit(g, CALL(BPF_FUNC_map_lookup_elem));
		JIMM(g, BPF_JEQ, R0, 0, l_missed);
		for (uint32_t o = 0; o < bpfprobe_entry_size(spec, env->prog); o += 8) {
			emit(g, LDX(BPF_DW, R1, R0, o));
			emit(g, STX(BPF_DW, R9, R1, g->lay.entry_ts + o));
		}
		emit_map(g, R1, env->entry_fd);
		emit(g, MOV64_REG(R2, R9));
		emit(g, ALU64_IMM(BPF_ADD, R2, OFF_TID));
		emit(g, CALL(BPF_FUNC_map_delete_elem));
	}

	/* phase A and the filter */
	for (int i = 0; i < spec->nfetch && !g->error; i++)
		if (need[i])
			emit_fetch(g, i, false);
	if (spec->filter >= 0) {
		emit_node(g, spec->filter);
		emit(g, LDX(BPF_DW, R1, R9, node_off(g, spec->filter)));
		JIMM(g, BPF_JEQ, R1, 0, g->l_exit);
	}

	if (spec->action != BPA_EMIT) {
		for (int i = 0; i < spec->nfetch && !g->error; i++)
			if (!need[i])
				emit_fetch(g, i, false);
		if (spec->action == BPA_PAIR_START)
			emit_pair_start(g);
		else
			emit_aggregate(g);
		goto tail;
	}

	/* header */
	emit(g, CALL(BPF_FUNC_ktime_get_ns));
	emit(g, STX(BPF_DW, R9, R0, OFF_TS));
	emit(g, CALL(BPF_FUNC_get_smp_processor_id));
	emit(g, STX(BPF_H, R9, R0, OFF_CPU));
	if (env->cookie) {
		emit(g, MOV64_REG(R1, R6));
		emit(g, CALL(BPF_FUNC_get_attach_cookie));
		emit(g, STX(BPF_W, R9, R0, OFF_POINT));
	} else {
		emit(g, ST(BPF_W, R9, OFF_POINT, env->point));
	}
	emit(g, ST(BPF_H, R9, OFF_PROBE, env->probe));

	/* phase B */
	for (int i = 0; i < spec->nfetch; i++) {
		const struct bpfprobe_fetch *f = &spec->fetch[i];

		if (f->type == BPV_STR && !hidden(f) && !fixed_place(f, cmp[i]))
			any_packed = true;
	}
	if (any_packed)
		emit(g, MOV64_IMM(R8, g->lay.tail));
	for (int i = 0; i < spec->nfetch && !g->error; i++) {
		const struct bpfprobe_fetch *f = &spec->fetch[i];

		if (need[i] || hidden(f))
			continue;
		emit_fetch(g, i, f->type == BPV_STR && !fixed_place(f, cmp[i]));
	}

	/* output */
	if (env->ringbuf) {
		emit_map(g, R1, env->events_fd);
		emit(g, MOV64_REG(R2, R9));
		if (any_packed)
			emit(g, MOV64_REG(R3, R8));
		else
			emit(g, MOV64_IMM(R3, g->lay.tail));
		emit(g, MOV64_IMM(R4, 0));
		emit(g, CALL(BPF_FUNC_ringbuf_output));
	} else {
		emit(g, MOV64_REG(R1, R6));
		emit_map(g, R2, env->events_fd);
		emit(g, MOV32_IMM(R3, -1));	/* BPF_F_CURRENT_CPU */
		emit(g, MOV64_REG(R4, R9));
		if (any_packed)
			emit(g, MOV64_REG(R5, R8));
		else
			emit(g, MOV64_IMM(R5, g->lay.tail));
		emit(g, CALL(BPF_FUNC_perf_event_output));
	}
	JIMM(g, BPF_JNE, R0, 0, l_out_fail);
	place(g, g->l_exit);
	emit_exit(g);

	/* output failed: counters[BPC_LOST]++ and the probe's own */
	place(g, l_out_fail);
	emit_counter_add(g, BPC__COUNT + (int)env->probe);
	emit_counter_inc(g, BPC_LOST);
tail:
	if (used(g, l_missed)) {
		place(g, l_missed);
		emit_counter_inc(g, BPC_ENTRY_MISSED);
	}
	if (used(g, g->l_pair_missed)) {
		place(g, g->l_pair_missed);
		emit_counter_inc(g, BPC_PAIR_MISSED);
	}
	if (spec->action != BPA_EMIT) {
		place(g, g->l_exit);
		emit_exit(g);
	}
}

/* Resolve the jumps, free the emitter; the program or -errno. */
static int gen_finish(struct gen *g, struct bpf_insn **insns, int *cnt)
{
	if (!g->error && g->oom)
		g->error = -ENOMEM, fail(g->err, g->errsz, "out of memory");
	for (int k = 0; !g->error && k < g->nfix; k++) {
		int at = g->fix[k].at, to = g->lab[g->fix[k].lab];

		if (to < 0 || to - at - 1 > INT16_MAX) {
			g->error = fail(g->err, g->errsz, "internal: unresolved jump at %d", at);
			break;
		}
		g->in[at].off = to - at - 1;
	}
	free(g->lab);
	free(g->labuse);
	free(g->fix);
	if (g->error) {
		free(g->in);
		return g->error;
	}
	*insns = g->in;
	*cnt = g->n;
	return 0;
}

int bpfprobe_gen(const struct bpfprobe_spec *spec,
		 const struct bpfprobe_gen_env *env, struct bpf_insn **insns,
		 int *cnt, char *err, size_t errsz)
{
	struct gen g = { .spec = spec, .env = env, .err = err, .errsz = errsz };
	int ret;

	*insns = NULL;
	*cnt = 0;
	ret = bpfprobe_spec_check(spec, err, errsz);
	if (ret)
		return ret;
	if (env->prog == BPP_AUTO || env->prog >= BPP__COUNT)
		return fail(err, errsz, "no program type chosen");
	if ((env->entry_role || bpfprobe_needs_entry(spec, env->prog)) &&
	    env->entry_fd < 0)
		return fail(err, errsz, "entry times need the entry map");
	if (bpfprobe_action_aggregates(spec->action) && !env->entry_role &&
	    (env->agg_fd < 0 || env->zero_fd < 0))
		return fail(err, errsz, "aggregation needs its maps");
	if (spec->pair.id && !env->entry_role && env->pair_fd < 0)
		return fail(err, errsz, "pairing needs its map");
	if (env->probe > 0xffff)
		return fail(err, errsz, "probe number %u", env->probe);
	if (env->follow && env->follow_fd < 0)
		return fail(err, errsz, "following processes needs its map");
	bpfprobe_layout(spec, &g.lay);
	if (env->entry_role)
		emit_entry_program(&g);
	else
		emit_program(&g);
	return gen_finish(&g, insns, cnt);
}

/*
 * sched_process_fork: the current (parent) tgid followed? then
 * follow[child_pid] = 1. sched_process_free: delete follow[pid].
 */
int bpfprobe_gen_follow(enum bpfprobe_follow_prog which, int field_off,
			const struct bpfprobe_gen_env *env,
			struct bpf_insn **insns, int *cnt)
{
	struct gen g = { .env = env };
	int l_full;

	*insns = NULL;
	*cnt = 0;
	if (field_off < 8 || field_off % 4 || field_off > 4096 || env->follow_fd < 0)
		return -EINVAL;
	g.l_exit = label(&g);
	emit(&g, MOV64_REG(R6, R1));
	emit(&g, LDX(BPF_W, R1, R6, field_off));
	emit(&g, STX(BPF_W, R10, R1, -8));
	emit(&g, ST(BPF_W, R10, -12, 1));
	if (which == BPF_FOLLOW_FREE) {
		emit_map(&g, R1, env->follow_fd);
		emit(&g, MOV64_REG(R2, R10));
		emit(&g, ALU64_IMM(BPF_ADD, R2, -8));
		emit(&g, CALL(BPF_FUNC_map_delete_elem));
		place(&g, g.l_exit);
		emit_exit(&g);
		return gen_finish(&g, insns, cnt);
	}
	l_full = label(&g);
	emit(&g, CALL(BPF_FUNC_get_current_pid_tgid));
	emit(&g, STX(BPF_DW, R10, R0, -24));
	emit_map(&g, R1, env->follow_fd);
	emit(&g, MOV64_REG(R2, R10));
	emit(&g, ALU64_IMM(BPF_ADD, R2, -20));	/* the tgid half */
	emit(&g, CALL(BPF_FUNC_map_lookup_elem));
	JIMM(&g, BPF_JEQ, R0, 0, g.l_exit);
	emit_map(&g, R1, env->follow_fd);
	emit(&g, MOV64_REG(R2, R10));
	emit(&g, ALU64_IMM(BPF_ADD, R2, -8));
	emit(&g, MOV64_REG(R3, R10));
	emit(&g, ALU64_IMM(BPF_ADD, R3, -12));
	emit(&g, MOV64_IMM(R4, BPF_ANY));
	emit(&g, CALL(BPF_FUNC_map_update_elem));
	JIMM(&g, BPF_JNE, R0, 0, l_full);
	place(&g, g.l_exit);
	emit_exit(&g);
	place(&g, l_full);
	emit_counter_inc(&g, BPC_FOLLOW_DROPPED);
	return gen_finish(&g, insns, cnt);
}

/* ---- user space: decoding and filtering ---- */

int bpfprobe_decode(const struct bpfprobe_spec *spec,
		    const struct bpfprobe_layout *lay, const void *rec,
		    size_t size, struct bpfprobe_event *ev, char *buf,
		    size_t bufsz)
{
	const struct bpfprobe_rec *h = rec;
	const unsigned char *p = rec;
	size_t used = 0;

	if (size < sizeof(*h) || size < lay->tail)
		return -EINVAL;
	memset(ev, 0, offsetof(struct bpfprobe_event, v));
	ev->probe = h->probe;
	ev->point = h->point;
	ev->ts = h->ts;
	ev->pid = h->pid;
	ev->tid = h->tid;
	ev->cpu = h->cpu;
	ev->nvalues = spec->nfetch;
	for (int i = 0; i < spec->nfetch; i++) {
		const struct bpfprobe_fetch *f = &spec->fetch[i];
		struct bpfprobe_value *v = &ev->v[i];
		uint64_t raw;

		memset(v, 0, sizeof(*v));
		if (hidden(f))
			continue;
		memcpy(&raw, p + lay->slot[i], 8);
		v->type = f->type;
		v->failed = h->failed & (1u << i);
		if (f->type == BPV_INT) {
			v->is_signed = f->is_signed;
			v->u = raw;
			continue;
		}
		{
			size_t off = raw & 0xffff, n = (raw >> 16) & 0xffff;

			if (off + n > size || n > f->maxlen)
				return -EINVAL;
			if (used + n + 1 > bufsz)
				return -ENOSPC;
			memcpy(buf + used, p + off, n);
			buf[used + n] = '\0';
			v->str = buf + used;
			v->len = f->type == BPV_STR ? strnlen(v->str, n) : n;
			used += n + 1;
		}
	}
	return 0;
}

static int64_t eval_node(const struct bpfprobe_spec *spec,
			 const struct bpfprobe_value *v, int k, int depth)
{
	const struct bpfprobe_expr *e = &spec->expr[k];
	int64_t a = 0, b = 0;
	uint64_t ua, ub;

	if (depth > BPFPROBE_MAX_EXPR)
		return 0;
	switch (e->op) {
	case BPO_VALUE:
		return v[e->a].s;
	case BPO_CONST:
		return e->imm;
	case BPO_STREQ:
	case BPO_STRPREFIX: {
		const char *s = v[e->a].str ? v[e->a].str : "";
		size_t n = strlen(e->str);

		return e->op == BPO_STREQ ? !strcmp(s, e->str) : !strncmp(s, e->str, n);
	}
	default:
		break;
	}
	a = eval_node(spec, v, e->a, depth + 1);
	if (e->op != BPO_NEG && e->op != BPO_BITNOT && e->op != BPO_LNOT)
		b = eval_node(spec, v, e->b, depth + 1);
	ua = a;
	ub = b;
	switch (e->op) {
	case BPO_ADD: return ua + ub;
	case BPO_SUB: return ua - ub;
	case BPO_MUL: return ua * ub;
	case BPO_DIV: return ub ? (int64_t)(ua / ub) : 0;
	case BPO_MOD: return ub ? (int64_t)(ua % ub) : (int64_t)ua;
	case BPO_BAND: return a & b;
	case BPO_BOR: return a | b;
	case BPO_BXOR: return a ^ b;
	case BPO_SHL: return (int64_t)(ua << (ub & 63));
	case BPO_SHR: return e->is_signed ? a >> (ub & 63) : (int64_t)(ua >> (ub & 63));
	case BPO_NEG: return (int64_t)(0 - ua);
	case BPO_BITNOT: return ~a;
	case BPO_EQ: return a == b;
	case BPO_NE: return a != b;
	case BPO_LT: return e->is_signed ? a < b : ua < ub;
	case BPO_LE: return e->is_signed ? a <= b : ua <= ub;
	case BPO_GT: return e->is_signed ? a > b : ua > ub;
	case BPO_GE: return e->is_signed ? a >= b : ua >= ub;
	case BPO_LAND: return a && b;
	case BPO_LOR: return a || b;
	case BPO_LNOT: return !a;
	default: return 0;
	}
}

bool bpfprobe_filter_eval(const struct bpfprobe_spec *spec,
			  const struct bpfprobe_value *v)
{
	if (spec->filter < 0 || spec->filter >= spec->nexpr)
		return true;
	return eval_node(spec, v, spec->filter, 0) != 0;
}
