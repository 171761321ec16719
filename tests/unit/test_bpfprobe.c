// SPDX-License-Identifier: GPL-2.0
/*
 * lib/bpfprobe_gen.c without a kernel: specs are checked, layouts computed,
 * programs generated (every jump lands inside the program, it ends in
 * exit, map loads are well formed), records decoded and filters evaluated
 * in user space.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <linux/bpf.h>

#include "bpfprobe.h"
#include "unit.h"

static const struct bpfprobe_point tp_point = { .name = "syscalls:sys_enter_openat" };
static const struct bpfprobe_point u_point = { .name = "f", .path = "/bin/true", .offset = 0x1000 };

static struct bpfprobe_fetch *add_fetch(struct bpfprobe_spec *s, int src, int type)
{
	struct bpfprobe_fetch *f = &s->fetch[s->nfetch++];

	memset(f, 0, sizeof(*f));
	f->src = src;
	f->type = type;
	if (type == BPV_INT) {
		f->size = 8;
		f->is_signed = true;
	} else {
		f->maxlen = 64;
	}
	return f;
}

static int add_node(struct bpfprobe_spec *s, int op, int a, int b, int64_t imm,
		    const char *str)
{
	struct bpfprobe_expr *e = &s->expr[s->nexpr];

	memset(e, 0, sizeof(*e));
	e->op = op;
	e->a = a;
	e->b = b;
	e->imm = imm;
	e->str = str;
	return s->nexpr++;
}

/* The openat spec of the live test: filename (user string), flags, a
 * filter pid == 42 && comm == "bash". */
static void openat_spec(struct bpfprobe_spec *s)
{
	struct bpfprobe_fetch *f;
	int pid, c, eq, comm, streq;

	bpfprobe_spec_init(s, BPK_TRACEPOINT);
	s->points = &tp_point;
	s->npoints = 1;
	f = add_fetch(s, BPS_FIELD, BPV_STR);		/* 0 filename */
	f->imm = 24;
	f->src_size = 8;
	f->maxlen = 256;
	f = add_fetch(s, BPS_FIELD, BPV_INT);		/* 1 flags */
	f->imm = 32;
	f->src_size = 8;
	f->size = 4;
	f = add_fetch(s, BPS_PID, BPV_INT);		/* 2 pid, hidden */
	f->flags = BPF_FETCH_HIDDEN;
	f = add_fetch(s, BPS_COMM, BPV_STR);		/* 3 comm */
	f->maxlen = 16;
	pid = add_node(s, BPO_VALUE, 2, 0, 0, NULL);
	c = add_node(s, BPO_CONST, 0, 0, 42, NULL);
	eq = add_node(s, BPO_EQ, pid, c, 0, NULL);
	comm = 3;
	streq = add_node(s, BPO_STREQ, comm, 0, 0, "bash");
	s->filter = add_node(s, BPO_LAND, eq, streq, 0, NULL);
}

static const struct bpfprobe_gen_env tp_env = {
	.prog = BPP_TRACEPOINT, .ringbuf = true, .probe = 3,
	.events_fd = 10, .scratch_fd = 11, .counters_fd = 12, .stacks_fd = -1,
	.entry_fd = -1,
};

/* Every jump inside the program, the last insn exit or a jump back,
 * ld_imm64 pairs intact. */
static bool well_formed(const struct bpf_insn *in, int n)
{
	if (n < 2 || (in[n - 1].code != (BPF_JMP | BPF_EXIT) &&
		      in[n - 1].code != (BPF_JMP | BPF_JA)))
		return false;
	for (int i = 0; i < n; i++) {
		int cls = BPF_CLASS(in[i].code), op = BPF_OP(in[i].code);

		if (in[i].code == (BPF_LD | BPF_DW | BPF_IMM)) {
			if (i + 1 >= n || in[i + 1].code)
				return false;
			i++;
			continue;
		}
		if (cls == BPF_JMP && op != BPF_CALL && op != BPF_EXIT) {
			int to = i + 1 + in[i].off;

			if (to < 0 || to >= n)
				return false;
		}
	}
	return true;
}

static int count_calls(const struct bpf_insn *in, int n, int helper)
{
	int c = 0;

	for (int i = 0; i < n; i++)
		if (in[i].code == (BPF_JMP | BPF_CALL) && in[i].imm == helper)
			c++;
	return c;
}

/* Stores of the counter-map key imm (ST word at r10 - 4). */
static int count_counter_keys(const struct bpf_insn *in, int n, int key)
{
	int c = 0;

	for (int i = 0; i < n; i++)
		if (in[i].code == (BPF_ST | BPF_W | BPF_MEM) && in[i].dst_reg == BPF_REG_10 &&
		    in[i].off == -4 && in[i].imm == key)
			c++;
	return c;
}

TEST(bpfprobe_gen_counts_failed_output_per_probe)
{
	struct bpfprobe_spec s;
	struct bpf_insn *in;
	char err[256];
	int n;

	/* a failed output: BPC_LOST and the probe's own slot (include/loss.h) */
	openat_spec(&s);
	CHECK_INT(bpfprobe_gen(&s, &tp_env, &in, &n, err, sizeof(err)), 0);
	CHECK(well_formed(in, n));
	CHECK_INT(count_counter_keys(in, n, BPC__COUNT + (int)tp_env.probe), 1);
	CHECK(count_counter_keys(in, n, BPC_LOST) >= 1);
	free(in);
}

TEST(bpfprobe_check_rejects_bad_ir)
{
	struct bpfprobe_spec s;
	char err[256];

	openat_spec(&s);
	CHECK_INT(bpfprobe_spec_check(&s, err, sizeof(err)), 0);

	openat_spec(&s);
	s.fetch[1].size = 3;
	CHECK_INT(bpfprobe_spec_check(&s, err, sizeof(err)), -EINVAL);
	CHECK(strstr(err, "integer size 3"));

	openat_spec(&s);
	s.fetch[0].maxlen = BPFPROBE_MAX_STR + 1;
	CHECK_INT(bpfprobe_spec_check(&s, err, sizeof(err)), -EINVAL);

	openat_spec(&s);
	s.filter = s.nexpr;	/* no such node */
	CHECK_INT(bpfprobe_spec_check(&s, err, sizeof(err)), -EINVAL);

	openat_spec(&s);
	s.expr[2].a = 3;	/* operand after the node */
	CHECK_INT(bpfprobe_spec_check(&s, err, sizeof(err)), -EINVAL);
	CHECK(strstr(err, "earlier"));

	openat_spec(&s);
	s.expr[0].a = 0;	/* VALUE of a string */
	CHECK_INT(bpfprobe_spec_check(&s, err, sizeof(err)), -EINVAL);
	CHECK(strstr(err, "not an integer"));

	openat_spec(&s);
	s.fetch[0].nderef = BPFPROBE_MAX_DEREF + 1;
	CHECK_INT(bpfprobe_spec_check(&s, err, sizeof(err)), -EINVAL);

	openat_spec(&s);
	s.kind = BPK_UFUNC;	/* tracepoint fields in a uprobe */
	s.points = &u_point;
	CHECK_INT(bpfprobe_spec_check(&s, err, sizeof(err)), -EINVAL);
	CHECK(strstr(err, "outside a tracepoint"));

	openat_spec(&s);
	s.npoints = 0;
	CHECK_INT(bpfprobe_spec_check(&s, err, sizeof(err)), -EINVAL);

	openat_spec(&s);
	s.action = BPA_HIST_LOG2;
	CHECK_INT(bpfprobe_spec_check(&s, err, sizeof(err)), -EINVAL);

	/* retval only in return probes */
	bpfprobe_spec_init(&s, BPK_UFUNC);
	s.points = &u_point;
	s.npoints = 1;
	add_fetch(&s, BPS_RETVAL, BPV_INT);
	CHECK_INT(bpfprobe_spec_check(&s, err, sizeof(err)), -EINVAL);
	s.kind = BPK_URETFUNC;
	CHECK_INT(bpfprobe_spec_check(&s, err, sizeof(err)), 0);

	/* too much scratch */
	bpfprobe_spec_init(&s, BPK_UFUNC);
	s.points = &u_point;
	s.npoints = 1;
	for (int i = 0; i < BPFPROBE_MAX_VALUES; i++)
		add_fetch(&s, BPS_ARG, BPV_STR)->maxlen = BPFPROBE_MAX_STR;
	CHECK_INT(bpfprobe_spec_check(&s, err, sizeof(err)), 0);
	for (int i = 0; i < BPFPROBE_MAX_VALUES; i++)
		s.fetch[i].flags = BPF_FETCH_HIDDEN;
	CHECK_INT(bpfprobe_spec_check(&s, err, sizeof(err)), 0);
}

TEST(bpfprobe_layout)
{
	struct bpfprobe_spec s;
	struct bpfprobe_layout lay;

	openat_spec(&s);
	CHECK_INT(bpfprobe_layout(&s, &lay), 0);
	/* sent: filename, flags, comm; pid hidden */
	CHECK_INT(lay.slot[0], 32);
	CHECK_INT(lay.slot[1], 40);
	CHECK_INT(lay.slot[3], 48);
	/* comm has a fixed place (compared), filename is packed */
	CHECK_INT(lay.fixed[3], 56);
	CHECK_INT(lay.tail, 72);
	CHECK_INT(lay.out_max, 72 + 256);
	CHECK(lay.slot[2] >= lay.out_max);
	CHECK(lay.expr > lay.slot[2]);
	CHECK_INT(lay.ctx_slot, lay.expr + 8 * s.nexpr);
	CHECK_INT(lay.entry_ts, lay.ctx_slot + 16);
	CHECK_INT(lay.size, lay.entry_ts + 8);
}

TEST(bpfprobe_gen_tracepoint)
{
	struct bpfprobe_spec s;
	struct bpf_insn *in;
	char err[256];
	int n;

	openat_spec(&s);
	CHECK_INT(bpfprobe_gen(&s, &tp_env, &in, &n, err, sizeof(err)), 0);
	CHECK(well_formed(in, n));
	CHECK(n > 40 && n < 200);
	/* one string read, with the run-time user/kernel choice */
	CHECK_INT(count_calls(in, n, BPF_FUNC_probe_read_user_str), 1);
	CHECK_INT(count_calls(in, n, BPF_FUNC_probe_read_kernel_str), 1);
	CHECK_INT(count_calls(in, n, BPF_FUNC_get_current_comm), 1);
	CHECK_INT(count_calls(in, n, BPF_FUNC_ringbuf_output), 1);
	CHECK_INT(count_calls(in, n, BPF_FUNC_perf_event_output), 0);
	CHECK_INT(count_calls(in, n, BPF_FUNC_get_current_pid_tgid), 1);
	free(in);

	/* user=true: only the user helper */
	s.fetch[0].user = true;
	CHECK_INT(bpfprobe_gen(&s, &tp_env, &in, &n, err, sizeof(err)), 0);
	CHECK_INT(count_calls(in, n, BPF_FUNC_probe_read_user_str), 1);
	CHECK_INT(count_calls(in, n, BPF_FUNC_probe_read_kernel_str), 0);
	free(in);

	/* perf buffer, legacy reads */
	{
		struct bpfprobe_gen_env e = tp_env;

		e.ringbuf = false;
		e.legacy_read = true;
		CHECK_INT(bpfprobe_gen(&s, &e, &in, &n, err, sizeof(err)), 0);
		CHECK(well_formed(in, n));
		CHECK_INT(count_calls(in, n, BPF_FUNC_perf_event_output), 1);
		CHECK_INT(count_calls(in, n, BPF_FUNC_probe_read_str), 1);
		CHECK_INT(count_calls(in, n, BPF_FUNC_probe_read_user_str), 0);
		free(in);
	}

	/* fields need a classic tracepoint program */
	{
		struct bpfprobe_gen_env e = tp_env;

		e.prog = BPP_RAW_TP;
		CHECK_INT(bpfprobe_gen(&s, &e, &in, &n, err, sizeof(err)), -EINVAL);
		CHECK(strstr(err, "classic tracepoint"));
		e.prog = BPP_AUTO;
		CHECK_INT(bpfprobe_gen(&s, &e, &in, &n, err, sizeof(err)), -EINVAL);
	}
}

TEST(bpfprobe_gen_uprobe_deref)
{
	struct bpfprobe_spec s;
	struct bpfprobe_fetch *f;
	struct bpfprobe_gen_env e = tp_env;
	struct bpf_insn *in;
	char err[256];
	int n, base;

	bpfprobe_spec_init(&s, BPK_UFUNC);
	s.points = &u_point;
	s.npoints = 1;
	add_fetch(&s, BPS_ARG, BPV_INT)->idx = 0;
	e.prog = BPP_UPROBE;
	CHECK_INT(bpfprobe_gen(&s, &e, &in, &n, err, sizeof(err)), 0);
	CHECK(well_formed(in, n));
	base = n;
	free(in);

	/* arg2->f8->f16 as a user string: two 8-byte reads and one string */
	f = add_fetch(&s, BPS_ARG, BPV_STR);
	f->idx = 1;
	f->user = true;
	f->nderef = 2;
	f->deref[0] = (struct bpfprobe_deref){ 8, true };
	f->deref[1] = (struct bpfprobe_deref){ 16, true };
	CHECK_INT(bpfprobe_gen(&s, &e, &in, &n, err, sizeof(err)), 0);
	CHECK(well_formed(in, n));
	CHECK_INT(count_calls(in, n, BPF_FUNC_probe_read_user), 2);
	CHECK_INT(count_calls(in, n, BPF_FUNC_probe_read_user_str), 1);
	CHECK(n - base < 60);
	free(in);

	/* the 7th argument comes from the user stack */
	f = add_fetch(&s, BPS_ARG, BPV_INT);
	f->idx = 6;
	CHECK_INT(bpfprobe_gen(&s, &e, &in, &n, err, sizeof(err)), 0);
	CHECK_INT(count_calls(in, n, BPF_FUNC_probe_read_user), 3);
	free(in);

	/* several points: the cookie names the point */
	e.cookie = true;
	CHECK_INT(bpfprobe_gen(&s, &e, &in, &n, err, sizeof(err)), 0);
	CHECK_INT(count_calls(in, n, BPF_FUNC_get_attach_cookie), 1);
	free(in);

	/* arguments in a uretprobe: the 6 registers saved at entry (fexit
	 * has them), the 7th refused */
	s.kind = BPK_URETFUNC;
	CHECK(bpfprobe_needs_entry(&s, BPP_UPROBE));
	CHECK(!bpfprobe_needs_entry(&s, BPP_FENTRY));
	CHECK_INT(bpfprobe_entry_size(&s, BPP_UPROBE), 56);
	CHECK_INT(bpfprobe_entry_size(&s, BPP_FENTRY), 8);
	e.entry_fd = 13;
	CHECK_INT(bpfprobe_gen(&s, &e, &in, &n, err, sizeof(err)), -EINVAL);
	CHECK(strstr(err, "only the first 6"));
	s.nfetch--;
	CHECK_INT(bpfprobe_gen(&s, &e, &in, &n, err, sizeof(err)), 0);
	CHECK(well_formed(in, n));
	CHECK_INT(count_calls(in, n, BPF_FUNC_map_delete_elem), 1);
	free(in);
	e.entry_role = true;
	CHECK_INT(bpfprobe_gen(&s, &e, &in, &n, err, sizeof(err)), 0);
	CHECK(well_formed(in, n));
	CHECK_INT(count_calls(in, n, BPF_FUNC_map_update_elem), 1);
	free(in);
}

TEST(bpfprobe_gen_fentry_and_exprs)
{
	struct bpfprobe_spec s;
	struct bpfprobe_fetch *f;
	struct bpfprobe_gen_env e = tp_env;
	struct bpfprobe_point pt = { .name = "do_sys_openat2" };
	struct bpf_insn *in;
	char err[256];
	int n, a, b;

	bpfprobe_spec_init(&s, BPK_KRETFUNC);
	s.points = &pt;
	s.npoints = 1;
	add_fetch(&s, BPS_ARG, BPV_INT)->idx = 0;
	f = add_fetch(&s, BPS_ARG, BPV_STR);
	f->idx = 1;
	add_fetch(&s, BPS_RETVAL, BPV_INT);
	a = add_node(&s, BPO_VALUE, 2, 0, 0, NULL);
	b = add_node(&s, BPO_CONST, 0, 0, -1, NULL);
	a = add_node(&s, BPO_GT, a, b, 0, NULL);
	s.expr[a].is_signed = true;
	b = add_node(&s, BPO_LNOT, a, 0, 0, NULL);
	s.filter = add_node(&s, BPO_LOR, a, b, 0, NULL);
	e.prog = BPP_FENTRY;
	e.nargs = 4;
	CHECK_INT(bpfprobe_gen(&s, &e, &in, &n, err, sizeof(err)), 0);
	CHECK(well_formed(in, n));
	/* retval is ctx[nargs] */
	{
		bool found = false;

		for (int i = 0; i < n; i++)
			if (in[i].code == (BPF_LDX | BPF_DW | BPF_MEM) &&
			    in[i].src_reg == 6 && in[i].off == 32)
				found = true;
		CHECK(found);
	}
	free(in);
	e.nargs = 1;	/* argument 2 does not exist */
	CHECK_INT(bpfprobe_gen(&s, &e, &in, &n, err, sizeof(err)), -EINVAL);
	CHECK(strstr(err, "argument 2"));
}

/* Build a record by hand as the program would and decode it. */
TEST(bpfprobe_decode)
{
	struct bpfprobe_spec s;
	struct bpfprobe_layout lay;
	struct bpfprobe_event ev;
	unsigned char rec[512] = { 0 };
	struct bpfprobe_rec *h = (void *)rec;
	char buf[1024];
	uint64_t v;

	openat_spec(&s);
	bpfprobe_layout(&s, &lay);
	h->ts = 123;
	h->pid = 42;
	h->tid = 43;
	h->probe = 1;
	h->cpu = 1;
	h->failed = 0;
	memcpy(rec + lay.tail, "/tmp/x", 7);
	v = lay.tail | (7ull << 16);
	memcpy(rec + lay.slot[0], &v, 8);
	v = (uint64_t)-5;
	memcpy(rec + lay.slot[1], &v, 8);
	memcpy(rec + lay.fixed[3], "bash\0\0\0\0\0\0\0\0\0\0\0", 16);
	v = lay.fixed[3] | (16ull << 16);
	memcpy(rec + lay.slot[3], &v, 8);
	CHECK_INT(bpfprobe_decode(&s, &lay, rec, lay.tail + 7, &ev, buf, sizeof(buf)), 0);
	CHECK_INT(ev.pid, 42);
	CHECK_INT(ev.tid, 43);
	CHECK_INT(ev.ts, 123);
	CHECK_INT(ev.nvalues, 4);
	CHECK_INT(ev.v[0].type, BPV_STR);
	CHECK_STR(ev.v[0].str, "/tmp/x");
	CHECK_INT(ev.v[0].len, 6);
	CHECK_INT(ev.v[1].s, -5);
	CHECK_INT(ev.v[2].type, BPV_NONE);
	CHECK_STR(ev.v[3].str, "bash");
	CHECK_INT(ev.v[3].len, 4);

	/* a string past the end of the record is refused */
	CHECK_INT(bpfprobe_decode(&s, &lay, rec, lay.tail + 3, &ev, buf, sizeof(buf)), -EINVAL);
	CHECK_INT(bpfprobe_decode(&s, &lay, rec, 8, &ev, buf, sizeof(buf)), -EINVAL);

	/* the filter in user space */
	ev.v[2].type = BPV_INT;
	ev.v[2].s = 42;
	CHECK(bpfprobe_filter_eval(&s, ev.v));
	ev.v[2].s = 41;
	CHECK(!bpfprobe_filter_eval(&s, ev.v));
	ev.v[2].s = 42;
	ev.v[3].str = "bas";
	CHECK(!bpfprobe_filter_eval(&s, ev.v));
}

TEST(bpfprobe_names)
{
	CHECK_STR(bpfprobe_prog_name(BPP_KPROBE_MULTI), "kprobe_multi");
	CHECK_STR(bpfprobe_kind_name(BPK_TRACEPOINT), "tracepoint");
	CHECK_STR(bpfprobe_prog_name(99), "?");
}

/* ---- aggregation and entry times ---- */

static const struct bpfprobe_gen_env agg_env = {
	.prog = BPP_UPROBE, .ringbuf = true, .probe = 1,
	.events_fd = 10, .scratch_fd = 11, .counters_fd = 12, .stacks_fd = -1,
	.entry_fd = 13, .agg_fd = 14, .zero_fd = 15,
};

/* uprobe: arg1 (u64), comm; hist of arg1 keyed by comm */
static void agg_spec(struct bpfprobe_spec *s, int action)
{
	struct bpfprobe_fetch *f;

	bpfprobe_spec_init(s, BPK_UFUNC);
	s->points = &u_point;
	s->npoints = 1;
	s->action = action;
	f = add_fetch(s, BPS_ARG, BPV_INT);
	f->idx = 0;
	f->is_signed = false;
	f = add_fetch(s, BPS_COMM, BPV_STR);
	f->maxlen = 16;
	s->agg.nkeys = 1;
	s->agg.keys[0] = 1;
	s->agg.value = 0;
}

static int count_ld_map(const struct bpf_insn *in, int n, int fd)
{
	int c = 0;

	for (int i = 0; i < n; i++)
		if (in[i].code == (BPF_LD | BPF_DW | BPF_IMM) &&
		    in[i].src_reg == BPF_PSEUDO_MAP_FD && in[i].imm == fd)
			c++;
	return c;
}

TEST(bpfprobe_agg_check_and_layout)
{
	struct bpfprobe_spec s;
	struct bpfprobe_layout lay;
	char err[256];
	int64_t lo, hi;

	agg_spec(&s, BPA_HIST_LOG2);
	CHECK_INT(bpfprobe_spec_check(&s, err, sizeof(err)), 0);
	CHECK_INT(bpfprobe_layout(&s, &lay), 0);
	/* the key is the comm buffer, right after the header */
	CHECK_INT(lay.key, 32);
	CHECK_INT(lay.keysz, 16);
	CHECK_INT(lay.fixed[1], 32);
	CHECK(lay.slot[0] >= 48);
	CHECK_INT(bpfprobe_agg_nbuckets(&s), 64);
	CHECK_INT(bpfprobe_agg_value_size(&s), 8 * (4 + 64));
	bpfprobe_agg_bucket_range(&s, 0, &lo, &hi);
	CHECK(lo == 0 && hi == 2);
	bpfprobe_agg_bucket_range(&s, 12, &lo, &hi);
	CHECK(lo == 4096 && hi == 8192);

	/* two keys: INT slot then STR buffer, in key order */
	s.agg.nkeys = 2;
	s.agg.keys[0] = 0;
	s.agg.keys[1] = 1;
	CHECK_INT(bpfprobe_layout(&s, &lay), 0);
	CHECK_INT(lay.slot[0], 32);
	CHECK_INT(lay.fixed[1], 40);
	CHECK_INT(lay.keysz, 24);
	/* no key: 8 zero bytes */
	s.agg.nkeys = 0;
	CHECK_INT(bpfprobe_layout(&s, &lay), 0);
	CHECK_INT(lay.keysz, 8);

	/* refused: a histogram without a value, a string value, a key twice,
	 * bad linear parameters, too many buckets */
	agg_spec(&s, BPA_HIST_LOG2);
	s.agg.value = -1;
	CHECK_INT(bpfprobe_spec_check(&s, err, sizeof(err)), -EINVAL);
	s.action = BPA_COUNT;
	CHECK_INT(bpfprobe_spec_check(&s, err, sizeof(err)), 0);
	s.agg.value = 1;
	CHECK_INT(bpfprobe_spec_check(&s, err, sizeof(err)), -EINVAL);
	CHECK(strstr(err, "not an integer"));
	s.agg.value = 0;
	s.agg.nkeys = 2;
	s.agg.keys[1] = 1;
	CHECK_INT(bpfprobe_spec_check(&s, err, sizeof(err)), -EINVAL);
	s.agg.nkeys = 1;
	s.agg.keys[0] = 5;
	CHECK_INT(bpfprobe_spec_check(&s, err, sizeof(err)), -EINVAL);
	agg_spec(&s, BPA_HIST_LINEAR);
	CHECK_INT(bpfprobe_spec_check(&s, err, sizeof(err)), -EINVAL);
	s.agg.min = 0;
	s.agg.max = 100;
	s.agg.step = 10;
	CHECK_INT(bpfprobe_spec_check(&s, err, sizeof(err)), 0);
	CHECK_INT(bpfprobe_agg_nbuckets(&s), 12);
	bpfprobe_agg_bucket_range(&s, 0, &lo, &hi);
	CHECK(lo == INT64_MIN && hi == 0);
	bpfprobe_agg_bucket_range(&s, 1, &lo, &hi);
	CHECK(lo == 0 && hi == 10);
	bpfprobe_agg_bucket_range(&s, 11, &lo, &hi);
	CHECK(lo == 100 && hi == INT64_MAX);
	s.agg.step = 0;
	CHECK_INT(bpfprobe_spec_check(&s, err, sizeof(err)), -EINVAL);
	s.agg.step = 1;
	s.agg.max = 100000;
	CHECK_INT(bpfprobe_spec_check(&s, err, sizeof(err)), -EINVAL);
	CHECK(strstr(err, "buckets"));
	/* a key larger than the limit */
	agg_spec(&s, BPA_COUNT);
	s.fetch[1].src = BPS_ARG;
	s.fetch[1].maxlen = 512;
	CHECK_INT(bpfprobe_spec_check(&s, err, sizeof(err)), -EINVAL);
	/* entry times only in return probes */
	agg_spec(&s, BPA_HIST_LOG2);
	s.fetch[0].src = BPS_ENTRY_DELTA;
	CHECK_INT(bpfprobe_spec_check(&s, err, sizeof(err)), -EINVAL);
	s.kind = BPK_URETFUNC;
	CHECK_INT(bpfprobe_spec_check(&s, err, sizeof(err)), 0);
}

TEST(bpfprobe_gen_agg)
{
	struct bpfprobe_spec s;
	struct bpfprobe_gen_env e = agg_env;
	struct bpf_insn *in;
	char err[256];
	int n, nlog2;

	agg_spec(&s, BPA_HIST_LOG2);
	CHECK_INT(bpfprobe_gen(&s, &e, &in, &n, err, sizeof(err)), 0);
	CHECK(well_formed(in, n));
	/* no output: lookups in the selector, the hash (twice), zeros,
	 * counters; one insert */
	CHECK_INT(count_calls(in, n, BPF_FUNC_ringbuf_output), 0);
	CHECK_INT(count_calls(in, n, BPF_FUNC_map_update_elem), 1);
	CHECK_INT(count_ld_map(in, n, 14), 1);
	CHECK_INT(count_ld_map(in, n, 15), 1);
	CHECK_INT(count_ld_map(in, n, 13), 0);	/* no entry map */
	CHECK_INT(count_calls(in, n, BPF_FUNC_get_current_comm), 1);
	CHECK(n < 200);
	nlog2 = n;
	free(in);

	/* COUNT: no bucket code */
	s.action = BPA_COUNT;
	CHECK_INT(bpfprobe_gen(&s, &e, &in, &n, err, sizeof(err)), 0);
	CHECK(well_formed(in, n));
	CHECK(n < nlog2 - 25);
	free(in);

	/* linear */
	s.action = BPA_HIST_LINEAR;
	s.agg.min = -100;
	s.agg.max = 1000;
	s.agg.step = 10;
	s.fetch[0].is_signed = true;
	CHECK_INT(bpfprobe_gen(&s, &e, &in, &n, err, sizeof(err)), 0);
	CHECK(well_formed(in, n));
	free(in);

	/* the maps are needed */
	e.agg_fd = -1;
	CHECK_INT(bpfprobe_gen(&s, &e, &in, &n, err, sizeof(err)), -EINVAL);
}

TEST(bpfprobe_gen_entry_delta)
{
	struct bpfprobe_spec s;
	struct bpfprobe_gen_env e = agg_env;
	struct bpf_insn *in;
	char err[256];
	int n;

	agg_spec(&s, BPA_HIST_LOG2);
	s.kind = BPK_URETFUNC;
	s.fetch[0].src = BPS_ENTRY_DELTA;
	CHECK(bpfprobe_needs_entry(&s, BPP_UPROBE));
	CHECK(bpfprobe_needs_entry(&s, BPP_FENTRY));	/* fexit too */

	/* the return program: lookup + delete in the entry map, ktime */
	CHECK_INT(bpfprobe_gen(&s, &e, &in, &n, err, sizeof(err)), 0);
	CHECK(well_formed(in, n));
	CHECK_INT(count_ld_map(in, n, 13), 2);
	CHECK_INT(count_calls(in, n, BPF_FUNC_map_delete_elem), 1);
	CHECK_INT(count_calls(in, n, BPF_FUNC_ktime_get_ns), 1);
	free(in);

	/* the entry program: entry[pid_tgid] = ktime, nothing else */
	e.entry_role = true;
	CHECK_INT(bpfprobe_gen(&s, &e, &in, &n, err, sizeof(err)), 0);
	CHECK(well_formed(in, n));
	CHECK_INT(count_calls(in, n, BPF_FUNC_map_update_elem), 1);
	CHECK_INT(count_calls(in, n, BPF_FUNC_ktime_get_ns), 1);
	CHECK_INT(count_calls(in, n, BPF_FUNC_get_current_pid_tgid), 1);
	CHECK_INT(count_ld_map(in, n, 14), 0);
	CHECK(n < 30);
	free(in);

	/* emit a latency too (trace with the duration) */
	e.entry_role = false;
	s.action = BPA_EMIT;
	CHECK_INT(bpfprobe_gen(&s, &e, &in, &n, err, sizeof(err)), 0);
	CHECK(well_formed(in, n));
	CHECK_INT(count_calls(in, n, BPF_FUNC_ringbuf_output), 1);
	free(in);
	e.entry_fd = -1;
	CHECK_INT(bpfprobe_gen(&s, &e, &in, &n, err, sizeof(err)), -EINVAL);
}

/* Pairing: a start stores pair[key] = ktime, an end looks up, deletes
 * and subtracts before its filter; keys are earlier INT values. */
TEST(bpfprobe_pair_check_and_gen)
{
	struct bpfprobe_spec from, to;
	struct bpfprobe_gen_env e = agg_env;
	struct bpf_insn *in;
	char err[256];
	int n;

	e.pair_fd = 16;
	bpfprobe_spec_init(&from, BPK_UFUNC);
	from.points = &u_point;
	from.npoints = 1;
	from.action = BPA_PAIR_START;
	CHECK_INT(bpfprobe_spec_check(&from, err, sizeof(err)), -EINVAL);
	CHECK(strstr(err, "pair id"));
	from.pair.id = 7;
	CHECK_INT(bpfprobe_spec_check(&from, err, sizeof(err)), 0);
	CHECK_INT(bpfprobe_gen(&from, &e, &in, &n, err, sizeof(err)), 0);
	CHECK(well_formed(in, n));
	CHECK_INT(count_ld_map(in, n, 16), 1);
	CHECK_INT(count_calls(in, n, BPF_FUNC_map_update_elem), 1);
	CHECK_INT(count_calls(in, n, BPF_FUNC_ringbuf_output), 0);
	CHECK_INT(count_ld_map(in, n, 14), 0);	/* no aggregation */
	free(in);
	/* keyed by an argument: it must be an integer */
	add_fetch(&from, BPS_ARG, BPV_STR);
	from.pair.nkeys = 1;
	CHECK_INT(bpfprobe_spec_check(&from, err, sizeof(err)), -EINVAL);
	CHECK(strstr(err, "not an integer"));
	from.fetch[0].type = BPV_INT;
	from.fetch[0].size = 8;
	CHECK_INT(bpfprobe_spec_check(&from, err, sizeof(err)), 0);

	/* the end: a histogram of the time since the start, keyed by comm */
	agg_spec(&to, BPA_HIST_LOG2);
	to.fetch[0].src = BPS_PAIR_DELTA;
	CHECK_INT(bpfprobe_spec_check(&to, err, sizeof(err)), -EINVAL);
	CHECK(strstr(err, "without a pair id"));
	to.pair.id = 7;
	CHECK_INT(bpfprobe_spec_check(&to, err, sizeof(err)), 0);
	CHECK_INT(bpfprobe_gen(&to, &e, &in, &n, err, sizeof(err)), 0);
	CHECK(well_formed(in, n));
	CHECK_INT(count_ld_map(in, n, 16), 2);
	CHECK_INT(count_calls(in, n, BPF_FUNC_map_delete_elem), 1);
	free(in);
	/* its key value must come before the time */
	to.pair.nkeys = 1;
	to.pair.keys[0] = 1;
	to.fetch[1] = (struct bpfprobe_fetch){ .src = BPS_ARG, .type = BPV_INT,
					       .size = 8 };
	CHECK_INT(bpfprobe_spec_check(&to, err, sizeof(err)), -EINVAL);
	CHECK(strstr(err, "must come before"));
	to.fetch[0] = to.fetch[1];
	to.fetch[1] = (struct bpfprobe_fetch){ .src = BPS_PAIR_DELTA,
					       .type = BPV_INT, .size = 8 };
	to.pair.keys[0] = 0;
	to.agg = (struct bpfprobe_agg){ .value = 1, .nkeys = 1, .keys = { 0 } };
	CHECK_INT(bpfprobe_spec_check(&to, err, sizeof(err)), 0);
	CHECK_INT(bpfprobe_gen(&to, &e, &in, &n, err, sizeof(err)), 0);
	CHECK(well_formed(in, n));
	free(in);
	/* emitted rather than aggregated */
	to.action = BPA_EMIT;
	CHECK_INT(bpfprobe_gen(&to, &e, &in, &n, err, sizeof(err)), 0);
	CHECK(well_formed(in, n));
	CHECK_INT(count_calls(in, n, BPF_FUNC_ringbuf_output), 1);
	free(in);
	/* the filter runs before the lookup: it cannot use the time */
	to.expr[0] = (struct bpfprobe_expr){ .op = BPO_VALUE, .a = 1 };
	to.nexpr = 1;
	to.filter = 0;
	CHECK_INT(bpfprobe_spec_check(&to, err, sizeof(err)), -EINVAL);
	CHECK(strstr(err, "filter cannot use"));
	to.expr[0].a = 0;
	CHECK_INT(bpfprobe_spec_check(&to, err, sizeof(err)), 0);
	/* neither a start nor an end; the map is needed */
	to.fetch[1].src = BPS_ARG;
	CHECK_INT(bpfprobe_spec_check(&to, err, sizeof(err)), -EINVAL);
	e.pair_fd = -1;
	CHECK_INT(bpfprobe_gen(&from, &e, &in, &n, err, sizeof(err)), -EINVAL);
}

/* -- CMD's process tree: every program looks its tgid up first; the fork
 * and free programs keep the map. */
TEST(bpfprobe_gen_follow)
{
	struct bpfprobe_spec s;
	struct bpfprobe_gen_env e = agg_env;
	struct bpf_insn *in;
	char err[256];
	int n;

	e.follow = true;
	e.follow_fd = 17;
	agg_spec(&s, BPA_HIST_LOG2);
	CHECK_INT(bpfprobe_gen(&s, &e, &in, &n, err, sizeof(err)), 0);
	CHECK(well_formed(in, n));
	CHECK_INT(count_ld_map(in, n, 17), 1);
	free(in);
	s.kind = BPK_URETFUNC;
	s.fetch[0].src = BPS_ENTRY_DELTA;
	e.entry_role = true;
	CHECK_INT(bpfprobe_gen(&s, &e, &in, &n, err, sizeof(err)), 0);
	CHECK(well_formed(in, n));
	CHECK_INT(count_ld_map(in, n, 17), 1);
	free(in);

	CHECK_INT(bpfprobe_gen_follow(BPF_FOLLOW_FORK, 44, &e, &in, &n), 0);
	CHECK(well_formed(in, n));
	CHECK_INT(count_ld_map(in, n, 17), 2);
	CHECK_INT(count_calls(in, n, BPF_FUNC_map_update_elem), 1);
	free(in);
	CHECK_INT(bpfprobe_gen_follow(BPF_FOLLOW_FREE, 24, &e, &in, &n), 0);
	CHECK(well_formed(in, n));
	CHECK_INT(count_calls(in, n, BPF_FUNC_map_delete_elem), 1);
	free(in);
	CHECK_INT(bpfprobe_gen_follow(BPF_FOLLOW_FREE, 3, &e, &in, &n), -EINVAL);
	e.follow_fd = -1;
	CHECK_INT(bpfprobe_gen(&s, &e, &in, &n, err, sizeof(err)), -EINVAL);
}
