// SPDX-License-Identifier: GPL-2.0
/*
 * A resolved probe (include/trace_probe.h) as a bpfprobe spec: each slot's
 * expression becomes a fetch (source, dereferences, final read), with
 * ftrace's meaning kept: for a string, the outermost +OFF(...) gives the
 * address of the string rather than a load.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "btf_args.h"
#include "bufsize.h"
#include "kernel_facts.h"
#include "sonde.h"
#include "trace_backend.h"
#include "trace_bpf.h"
#include "usdt.h"
#include "util.h"

/* pt_regs order, as enum bpfprobe_reg */
static const char *const regs[BPR__COUNT] = {
	"r15", "r14", "r13", "r12", "bp", "bx", "r11", "r10", "r9", "r8",
	"ax", "cx", "dx", "si", "di", "orig_ax", "ip", "cs", "flags", "sp", "ss",
};

static int reg_index(const char *name)
{
	for (int i = 0; i < BPR__COUNT; i++)
		if (!strcmp(regs[i], name))
			return i;
	return -1;
}

static int push_deref(struct bpfprobe_fetch *f, int64_t off, bool user,
		      char *err, size_t errsz)
{
	if (f->nderef == BPFPROBE_MAX_DEREF) {
		snprintf(err, errsz, "more than %d dereferences", BPFPROBE_MAX_DEREF);
		return -EINVAL;
	}
	f->deref[f->nderef++] = (struct bpfprobe_deref){ .off = off, .user = user };
	return 0;
}

static int usdt_source(const struct tprobe *p, int idx, struct bpfprobe_fetch *f,
		       char *err, size_t errsz)
{
	const struct usdt_arg *a;

	if (!p->usdt || idx >= p->usdt->nargs) {
		snprintf(err, errsz, "USDT probe '%s' has no argument %d", p->spec.name, idx + 1);
		return -EINVAL;
	}
	a = &p->usdt->args[idx];
	switch (a->kind) {
	case USDT_ARG_CONST:
		f->src = BPS_CONST;
		f->imm = a->val;
		return 0;
	case USDT_ARG_REG:
		f->src = BPS_REG;
		f->idx = a->reg_off / 8;
		return 0;
	default:
		if (a->index_reg[0]) {
			snprintf(err, errsz, "USDT argument '%s' uses an index register", a->spec);
			return -EINVAL;
		}
		f->src = BPS_REG;
		f->idx = a->reg_off / 8;
		return push_deref(f, a->val, true, err, errsz);
	}
}

/* Members and parameter names of a kernel function, from BTF. */
static int btf_source(const struct tprobe *p, const struct expr *e,
		      struct bpfprobe_fetch *f, bool *string, char *err, size_t errsz)
{
	struct btf_access a;
	char *text = expr_str(e);
	int ret;

	ret = btf_args_access(NULL, p->funcs[0], text ? text : "", &a, err, errsz);
	free(text);
	if (ret)
		return -EINVAL;
	f->src = a.param < 0 ? BPS_RETVAL : BPS_ARG;
	f->idx = a.param < 0 ? 0 : a.param;
	for (int i = 0; i < a.nloads; i++) {
		if (a.loads[i].size == 0) {	/* address of an array member */
			f->add = a.loads[i].offset;
			break;
		}
		if ((ret = push_deref(f, a.loads[i].offset, false, err, errsz)))
			return ret;
		if (i == a.nloads - 1 && !a.result.is_string)
			f->size = a.loads[i].size;
	}
	if (a.result.is_string)
		*string = true;
	return 0;
}

static int field_source(const struct tslot *s, struct bpfprobe_fetch *f)
{
	f->imm = s->field_offset;
	if (s->string && s->field_dataloc)
		f->src = BPS_DATALOC;
	else if (s->string && s->field_array)
		f->src = BPS_FIELD_ADDR;
	else {
		f->src = BPS_FIELD;
		f->src_size = s->field_size > 8 ? 8 : s->field_size;
		f->src_signed = s->field_signed;
	}
	return 0;
}

/* The dereferences of a tracepoint slot, innermost first:
 * +u0(args->how) reads 8 user bytes at the field's address. */
static int field_derefs(const struct expr *e, struct bpfprobe_fetch *f,
			bool *top_deref, char *err, size_t errsz)
{
	bool inner;

	*top_deref = false;
	if (e->kind == EXPR_CALL || e->kind == EXPR_CAST)
		return field_derefs(e->left, f, top_deref, err, errsz);
	if (e->kind != EXPR_DEREF)
		return 0;
	if (field_derefs(e->left, f, &inner, err, errsz))
		return -EINVAL;
	*top_deref = true;
	return push_deref(f, e->value, e->user, err, errsz);
}

/* The source and dereferences of e; *top_deref tells whether the last
 * dereference came from e itself (a string then takes its address). */
static int source(const struct tprobe *p, const struct expr *e,
		  struct bpfprobe_fetch *f, bool *string, bool *top_deref,
		  char *err, size_t errsz)
{
	bool inner_top;
	int r;

	*top_deref = false;
	switch (e->kind) {
	case EXPR_ARG:
		if (p->kind == TPK_USDT)
			return usdt_source(p, e->value - 1, f, err, errsz);
		f->src = BPS_ARG;
		f->idx = e->value - 1;
		return 0;
	case EXPR_RETVAL:
		f->src = BPS_RETVAL;
		return 0;
	case EXPR_REG:
		if ((r = reg_index(e->name)) < 0) {
			snprintf(err, errsz, "unknown register '%%%s'", e->name);
			return -EINVAL;
		}
		f->src = BPS_REG;
		f->idx = r;
		return 0;
	case EXPR_STACK:
		f->src = e->value < 0 ? BPS_REG : BPS_STACK;
		f->idx = BPR_SP;
		f->imm = e->value < 0 ? 0 : e->value * 8;
		return 0;
	case EXPR_DEREF:
		if ((r = source(p, e->left, f, string, &inner_top, err, errsz)))
			return r;
		*top_deref = true;
		return push_deref(f, e->value, e->user, err, errsz);
	case EXPR_CAST:
		return source(p, e->left, f, string, top_deref, err, errsz);
	case EXPR_CALL:
		if (strcmp(e->name, "str"))
			break;
		*string = true;
		return source(p, e->left, f, string, top_deref, err, errsz);
	case EXPR_FIELD:
	case EXPR_MEMBER:
	case EXPR_INDEX:
		if (p->kind == TPK_KPROBE || p->kind == TPK_KRETPROBE)
			return btf_source(p, e, f, string, err, errsz);
		break;
	default:
		break;
	}
	snprintf(err, errsz, "cannot fetch '%s' with BPF", expr_str(e));
	return -EINVAL;
}

static int slot_fetch(const struct tprobe *p, const struct tslot *s,
		      struct bpfprobe_fetch *f, char *err, size_t errsz)
{
	bool string = s->string, top_deref = false;
	int ret;

	memset(f, 0, sizeof(*f));
	f->size = 8;
	f->is_signed = true;
	if (p->kind == TPK_TRACEPOINT) {
		ret = field_source(s, f);
		if (!ret && s->field_deref)
			ret = field_derefs(s->e, f, &top_deref, err, errsz);
	} else
		ret = source(p, s->e, f, &string, &top_deref, err, errsz);
	if (ret)
		return ret;
	if (p->kind == TPK_TRACEPOINT && s->field_bytes) {
		f->type = BPV_BYTES;
		f->maxlen = s->field_size;
	} else if (string) {
		/* ftrace: "+8(X):string" is the string at X + 8 */
		if (top_deref) {
			f->add = f->deref[--f->nderef].off;
			f->user = f->deref[f->nderef].user;
		}
		f->type = BPV_STR;
		f->maxlen = 256;
		f->user = f->user || p->kind == TPK_UPROBE ||
			  p->kind == TPK_URETPROBE || p->kind == TPK_USDT;
	} else {
		f->type = BPV_INT;
	}
	return 0;
}

/* ---- the filter in the kernel ---- */

/* A hidden value for a builtin the filter uses (pid, tid, uid, cpu). */
static int builtin_value(struct bpfprobe_spec *spec, enum expr_builtin b)
{
	static const uint8_t src[] = {
		[EB_PID] = BPS_PID, [EB_TID] = BPS_TID, [EB_UID] = BPS_UID,
		[EB_GID] = BPS_GID, [EB_CPU] = BPS_CPU, [EB_TS] = BPS_KTIME,
	};

	if (b == EB_COMM || (size_t)b >= sizeof(src) || !src[b] ||
	    spec->nfetch == BPFPROBE_MAX_VALUES)
		return -1;
	spec->fetch[spec->nfetch] = (struct bpfprobe_fetch){
		.src = src[b], .type = BPV_INT, .size = 8, .is_signed = true,
		.flags = BPF_FETCH_HIDDEN,
	};
	return spec->nfetch++;
}

/* The value number holding a string operand (a string slot, or comm). */
static int string_value(const struct tprobe *p, const struct expr *e, int comm)
{
	int slot;

	if (e->kind == EXPR_BUILTIN && e->builtin == EB_COMM)
		return comm;
	slot = tprobe_slot_of(p, e);
	return slot >= 0 && p->slots[slot].string ? slot : -1;
}

/*
 * Translate the filter into the engine's expression nodes; -1 when some
 * part cannot run in the kernel (then user space alone filters).
 */
int trace_bpf_node(const struct tprobe *p, const struct expr *e,
		       struct bpfprobe_spec *spec, int comm)
{
	static const uint8_t ops[] = {
		[EOP_MUL] = BPO_MUL, [EOP_DIV] = BPO_DIV, [EOP_MOD] = BPO_MOD,
		[EOP_ADD] = BPO_ADD, [EOP_SUB] = BPO_SUB, [EOP_SHL] = BPO_SHL,
		[EOP_SHR] = BPO_SHR, [EOP_LT] = BPO_LT, [EOP_LE] = BPO_LE,
		[EOP_GT] = BPO_GT, [EOP_GE] = BPO_GE, [EOP_EQ] = BPO_EQ,
		[EOP_NE] = BPO_NE, [EOP_AND] = BPO_BAND, [EOP_XOR] = BPO_BXOR,
		[EOP_OR] = BPO_BOR, [EOP_LAND] = BPO_LAND, [EOP_LOR] = BPO_LOR,
	};
	int a, b, slot;

	switch (e->kind) {
	case EXPR_INT:
		return bpfprobe_spec_add_expr(spec, (struct bpfprobe_expr){ .op = BPO_CONST, .imm = e->value });
	case EXPR_BUILTIN:
		if ((a = builtin_value(spec, e->builtin)) < 0)
			return -1;
		return bpfprobe_spec_add_expr(spec, (struct bpfprobe_expr){ .op = BPO_VALUE, .a = a });
	case EXPR_UNARY:
		if ((a = trace_bpf_node(p, e->left, spec, comm)) < 0)
			return -1;
		return bpfprobe_spec_add_expr(spec, (struct bpfprobe_expr){
			.op = e->op == EOP_NOT ? BPO_LNOT : e->op == EOP_NEG ? BPO_NEG : BPO_BITNOT,
			.a = a, .is_signed = true });
	case EXPR_BINARY:
		/* string == "literal": comm, or a string slot */
		if ((e->op == EOP_EQ || e->op == EOP_NE) && e->right->kind == EXPR_STR) {
			size_t n = strlen(e->right->name);
			bool prefix = n && e->right->name[n - 1] == '*';

			if ((a = string_value(p, e->left, comm)) < 0 || n >= BPFPROBE_MAX_CONSTSTR)
				return -1;
			b = bpfprobe_spec_add_expr(spec, (struct bpfprobe_expr){
				.op = prefix ? BPO_STRPREFIX : BPO_STREQ, .a = a,
				.str = prefix ? strndup(e->right->name, n - 1) : e->right->name });
			if (b < 0 || e->op == EOP_EQ)
				return b;
			return bpfprobe_spec_add_expr(spec, (struct bpfprobe_expr){ .op = BPO_LNOT, .a = b });
		}
		if ((size_t)e->op >= sizeof(ops) || !ops[e->op] ||
		    (a = trace_bpf_node(p, e->left, spec, comm)) < 0 ||
		    (b = trace_bpf_node(p, e->right, spec, comm)) < 0)
			return -1;
		return bpfprobe_spec_add_expr(spec, (struct bpfprobe_expr){ .op = ops[e->op], .a = a, .b = b,
							  .is_signed = true });
	default:
		slot = tprobe_slot_of(p, e);
		if (slot < 0 || p->slots[slot].string)
			return -1;
		return bpfprobe_spec_add_expr(spec, (struct bpfprobe_expr){ .op = BPO_VALUE, .a = slot });
	}
}

static void kernel_filter(const struct tprobe *p, struct bpfprobe_spec *spec, int comm)
{
	int nfetch = spec->nfetch, root;

	if (!p->spec.filter)
		return;
	root = trace_bpf_node(p, p->spec.filter, spec, comm);
	if (root < 0) {	/* user space filters alone */
		spec->nexpr = 0;
		spec->nfetch = nfetch;
		vinfo("%s: the filter runs in sonde, not in the kernel", p->text);
		return;
	}
	spec->filter = root;
}

static const uint8_t kinds[] = {
	[TPK_KPROBE] = BPK_KFUNC, [TPK_KRETPROBE] = BPK_KRETFUNC,
	[TPK_TRACEPOINT] = BPK_TRACEPOINT, [TPK_UPROBE] = BPK_UFUNC,
	[TPK_URETPROBE] = BPK_URETFUNC, [TPK_USDT] = BPK_USDT,
};

/* Room for the task's uid after the values, comm and stacks? (the
 * trace backend fetches it for every event: tools show it; 8 bytes) */
static bool uid_fits(const struct tprobe *p, bool kstack, bool ustack)
{
	return p->nslots + 1 + kstack + ustack < BPFPROBE_MAX_VALUES;
}

static int build_spec(const struct tprobe *p, int pid, bool kstack, bool ustack,
		      bool uid, struct bpfprobe_spec *spec,
		      struct bpfprobe_point *points, char *err, size_t errsz)
{
	char tpname[200];
	int ret;

	bpfprobe_spec_init(spec, kinds[p->kind]);
	spec->name = p->label;
	spec->points = points;
	switch (p->kind) {
	case TPK_TRACEPOINT:
		snprintf(tpname, sizeof(tpname), "%s:%s", p->tp_sys, p->tp_name);
		points[0] = (struct bpfprobe_point){ .name = strdup(tpname) };
		spec->npoints = 1;
		break;
	case TPK_KPROBE:
	case TPK_KRETPROBE:
		for (size_t i = 0; i < p->nfuncs; i++)
			points[i] = (struct bpfprobe_point){ .name = p->funcs[i],
							     .offset = p->spec.offset };
		spec->npoints = p->nfuncs;
		break;
	default:
		for (int i = 0; i < p->nsites; i++)
			points[i] = (struct bpfprobe_point){
				.name = p->label, .path = p->binary,
				.offset = p->uoffsets[i], .pid = pid,
				.sem_offset = p->kind == TPK_USDT ? p->ref_ctr : 0,
			};
		spec->npoints = p->nsites;
	}
	for (int i = 0; i < p->nslots; i++)
		if ((ret = slot_fetch(p, &p->slots[i], &spec->fetch[spec->nfetch++], err, errsz)))
			return ret;
	int comm = spec->nfetch;

	spec->fetch[spec->nfetch++] = (struct bpfprobe_fetch){
		.src = BPS_COMM, .type = BPV_STR, .maxlen = 16, .name = "comm",
	};
	if (kstack)
		spec->fetch[spec->nfetch++] = (struct bpfprobe_fetch){
			.src = BPS_KSTACK, .type = BPV_INT, .size = 8, .is_signed = true,
		};
	if (ustack)
		spec->fetch[spec->nfetch++] = (struct bpfprobe_fetch){
			.src = BPS_USTACK, .type = BPV_INT, .size = 8, .is_signed = true,
		};
	if (uid && uid_fits(p, kstack, ustack))
		spec->fetch[spec->nfetch++] = (struct bpfprobe_fetch){
			.src = BPS_UID, .type = BPV_INT, .size = 8, .name = "uid",
		};
	kernel_filter(p, spec, comm);
	return bpfprobe_spec_check(spec, err, errsz);
}

int trace_bpf_spec(const struct tprobe *p, int pid, bool kstack, bool ustack,
		   struct bpfprobe_spec *spec, struct bpfprobe_point *points,
		   char *err, size_t errsz)
{
	return build_spec(p, pid, kstack, ustack, false, spec, points, err, errsz);
}

/* ---- the trace backend ---- */

struct bpf_state {
	struct bpfprobe_session *bs;
	struct bpfprobe_point *points;
	char what[256];
};


#define BSTATE(s) ((struct bpf_state *)(s)->priv)

static int on_event(void *ctx, const struct bpfprobe_event *ev)
{
	struct session *s = ctx;
	const struct tprobe *p = &s->probes[ev->probe];
	struct tprobe_event e = { 0 };
	const struct bpfprobe_value *comm = &ev->v[p->nslots];
	struct bpf_state *b = BSTATE(s);
	uint64_t kips[127], uips[127];
	int k = p->nslots + 1;

	e.probe = p;
	e.pid = ev->pid;
	e.tid = ev->tid;
	e.cpu = ev->cpu;
	e.ts = ev->ts;
	e.uid = (uint32_t)-1;
	e.comm = comm->str ? comm->str : "?";
	char hex[TPROBE_MAX_SLOTS][2 * 64 + 1];

	for (int i = 0; i < p->nslots; i++) {
		const struct bpfprobe_value *v = &ev->v[i];

		if (v->type == BPV_STR)
			e.vals[i] = (struct value){ .is_str = true, .s = v->str ? v->str : "" };
		else if (v->type == BPV_BYTES)
			e.vals[i] = (struct value){ .is_str = true,
				.s = hex_text((const uint8_t *)v->str, v->len, hex[i], sizeof(hex[i])) };
		else
			e.vals[i] = (struct value){ .i = v->s };
	}
	if (s->o->kstack) {
		e.kstack = kips;
		e.nkstack = bpfprobe_session__stack(b->bs, ev->v[k++].s, kips, 127);
		if (e.nkstack < 0)
			e.nkstack = 0;
	}
	if (s->o->ustack) {
		e.ustack = uips;
		e.nustack = bpfprobe_session__stack(b->bs, ev->v[k++].s, uips, 127);
		if (e.nustack < 0)
			e.nustack = 0;
	}
	if (uid_fits(p, s->o->kstack, s->o->ustack))
		e.uid = (uint32_t)ev->v[k].s;
	trace_emit(s, &e, (p->kind == TPK_KPROBE || p->kind == TPK_KRETPROBE) &&
		   p->nfuncs > 1 ? p->funcs[ev->point] : NULL);
	return 0;
}

/* A session of every probe, started; NULL with err. */
static struct bpfprobe_session *session_start(struct session *s,
					      const struct bpfprobe_opts *opts,
					      size_t *npoints, char *err,
					      size_t errsz)
{
	struct bpf_state *b = BSTATE(s);
	struct bpfprobe_session *bs = bpfprobe_session__new(opts);
	int pid = s->o->launch ? 0 : s->o->pid;
	size_t n = 0;

	if (!bs) {
		snprintf(err, errsz, "cannot set up BPF: %s", strerror(errno));
		return NULL;
	}
	for (int i = 0; i < s->nprobes; i++) {
		const struct tprobe *p = &s->probes[i];
		struct bpfprobe_spec spec;

		if (build_spec(p, pid, s->o->kstack, s->o->ustack, true, &spec,
			       b->points + n, err, errsz) ||
		    bpfprobe_session__add(bs, &spec, err, errsz) < 0)
			goto fail;
		n += spec.npoints;
	}
	if (npoints)
		*npoints = n;
	if (!bpfprobe_session__start(bs, err, errsz))
		return bs;
fail:
	bpfprobe_session__stop(bs);
	bpfprobe_session__free(bs);
	return NULL;
}

/* ---- the ring buffer by rate (include/bufsize.h) ---- */

#define RATE_RING_BYTES		(64 << 10)
/* a wildcard's points are not attached twice: that costs seconds */
#define RATE_MAX_POINTS		16

/*
 * Run the probes for a moment on a small ring nobody reads but at the
 * end: its records and the outputs that failed are the hits, in bytes
 * the records' mean size. Returns the ring size for that rate, or 0 to
 * keep the CPU-count size (measuring is not possible or failed: the
 * real start reports any error).
 */
static uint32_t ring_by_rate(struct session *s, const struct bpfprobe_opts *real)
{
	struct bpfprobe_opts opts = *real;
	struct bpfprobe_session *bs;
	uint64_t records = 0, h;
	double bytes = 0, ms;
	size_t npoints, kb = 0, base = bufsize_bytes(BUF_BPF_RING, false) >> 10;
	char err[256];

	if (g_opts.buffer_size && real->transport != BPT_PERFBUF)
		vinfo("buffer: %zu KiB BPF ring buffer (--buffer-size)", base);
	if (g_opts.buffer_size || real->transport == BPT_PERFBUF ||
	    features_get()->ringbuf.state != FACT_YES)
		return 0;
	opts.on_event = NULL;
	opts.ringbuf_bytes = RATE_RING_BYTES;
	opts.transport = BPT_RINGBUF;
	bs = session_start(s, &opts, &npoints, err, sizeof(err));
	if (!bs)
		return 0;
	if (npoints > RATE_MAX_POINTS) {
		vinfo("buffer: %zu KiB BPF ring buffer, the CPU-count size (%zu points: not measured)",
		      base, npoints);
		goto out;
	}
	ms = bufsize_rate_window();
	bpfprobe_session__consume(bs);
	for (int i = 0; i < s->nprobes; i++)
		if (!bpfprobe_session__hits(bs, i, &h)) {
			records += h;
			bytes += (double)h * bpfprobe_session__record_bytes(bs, i);
		}
	kb = bufsize_for_rate(BUF_BPF_RING, false, ms > 0 ? bytes * 1000 / ms : 0) >> 10;
	vinfo("buffer: %zu KiB BPF ring buffer, %s (all CPUs: %llu records of ~%.0f bytes in %.0f ms)",
	      kb, kb > base ? "more than the CPU-count size by rate" : "the CPU-count size",
	      (unsigned long long)records, records ? bytes / records : 0, ms);
out:
	bpfprobe_session__stop(bs);
	bpfprobe_session__free(bs);
	return kb << 10;
}

static int bpf_start(struct session *s, char *err, size_t errsz)
{
	struct bpf_state *b = calloc(1, sizeof(*b));
	/* -- CMD: the command's process tree, followed in the kernel */
	struct bpfprobe_opts opts = { .on_event = on_event, .ctx = s,
		.follow_pid = s->o->launch ? s->o->launch->pid : 0 };
	const struct bpfprobe_failure *fails;
	size_t n = 0;

	s->priv = b;
	for (int i = 0; i < s->nprobes; i++)
		n += s->probes[i].nfuncs + TPROBE_MAX_SITES + 1;
	b->points = calloc(n, sizeof(*b->points));
	if (!b->points) {
		snprintf(err, errsz, "out of memory");
		return -1;
	}
	opts.ringbuf_bytes = ring_by_rate(s, &opts);
	b->bs = session_start(s, &opts, NULL, err, errsz);
	if (!b->bs)
		return -1;
	for (int i = 0, nf = bpfprobe_session__failures(b->bs, &fails); i < nf; i++)
		warning("%s", fails[i].msg);
	snprintf(b->what, sizeof(b->what), "%s", bpfprobe_session__describe(b->bs, 0));
	return 0;
}

static int bpf_poll(struct session *s, int timeout_ms)
{
	return bpfprobe_session__poll(BSTATE(s)->bs, timeout_ms);
}

static void bpf_finish(struct session *s)
{
	bpfprobe_session__consume(BSTATE(s)->bs);
}

static uint64_t bpf_lost(struct session *s)
{
	struct bpfprobe_stats st;

	bpfprobe_session__stats(BSTATE(s)->bs, &st);
	return st.lost;
}

/* One spec per probe, in order (bpf_start): the probe's hits are its
 * records delivered plus its outputs that failed (ring buffer only). */
static int bpf_hits(struct session *s, int i, uint64_t *hits)
{
	return bpfprobe_session__hits(BSTATE(s)->bs, i, hits);
}

static void bpf_free(struct session *s)
{
	struct bpf_state *b = BSTATE(s);

	if (!b)
		return;
	if (b->bs) {
		bpfprobe_session__stop(b->bs);
		bpfprobe_session__free(b->bs);
	}
	free(b->points);
	free(b);
	s->priv = NULL;
}

static const char *bpf_what(struct session *s)
{
	return BSTATE(s)->what;
}

const struct trace_backend trace_bpf_backend = {
	.name = "bpf",
	.start = bpf_start,
	.poll = bpf_poll,
	.finish = bpf_finish,
	.lost = bpf_lost,
	.hits = bpf_hits,
	.free = bpf_free,
	.what = bpf_what,
};
