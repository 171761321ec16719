// SPDX-License-Identifier: GPL-2.0
/*
 * Tracepoint slots classified by their field's declaration: a fetch
 * through a pointer field (+u0(args->how)) becomes an event probe's fetch
 * argument and a BPF read of the field, then of the memory it points to;
 * fields that hold no address are refused.
 */
#include <stdlib.h>

#include "trace_bpf.h"
#include "trace_probe.h"
#include "unit.h"

struct slot_case {
	const char *expr;
	const char *decl;
	bool string;
	const char *fetch;		/* event probe form, or NULL: refused */
	int nderef;			/* BPF reads after the field's */
	bool user;			/* the outermost one's memory */
	long add;			/* a string's offset */
};

static const struct slot_case cases[] = {
	{ "+u0(args->how)", "struct open_how * how", false, "+u0($how):u64", 1, true, 0 },
	{ "+u8(args->how)", "struct open_how * how", false, "+u8($how):u64", 1, true, 0 },
	{ "+u8(+u0(args->how))", "struct open_how * how", false,
	  "+u8(+u0($how)):u64", 2, true, 0 },
	{ "+0(args->how)", "struct open_how * how", false, "+0($how):u64", 1, false, 0 },
	/* a string is the one at field + offset, as ftrace reads it */
	{ "str(+u4(args->filename))", "const char * filename", true,
	  "+u4($filename):ustring", 0, true, 4 },
	{ "+u0(args->dfd)", "int dfd", false, NULL, 0, false, 0 },
	{ "+u0(args->filename)", "__data_loc char[] filename", false, NULL, 0, false, 0 },
	{ "+u0(arg1)", "struct open_how * how", false, NULL, 0, false, 0 },
};

static void init_probe(struct tprobe *p)
{
	memset(p, 0, sizeof(*p));
	p->kind = TPK_TRACEPOINT;
	snprintf(p->tp_sys, sizeof(p->tp_sys), "syscalls");
	snprintf(p->tp_name, sizeof(p->tp_name), "sys_enter_openat2");
	snprintf(p->label, sizeof(p->label), "syscalls:sys_enter_openat2");
}

static void check_bpf(const struct tprobe *p, const struct slot_case *c)
{
	struct bpfprobe_point points[1] = { 0 };
	struct bpfprobe_spec spec;
	const struct bpfprobe_fetch *f = &spec.fetch[0];
	char err[256] = "";

	CHECK_INT(trace_bpf_spec(p, 0, false, false, &spec, points, err, sizeof(err)), 0);
	CHECK_STR(err, "");
	CHECK_INT(f->src, BPS_FIELD);
	CHECK_INT(f->imm, 32);
	CHECK_INT(f->src_size, 8);
	CHECK_INT(f->nderef, c->nderef);
	CHECK_INT(f->type, c->string ? BPV_STR : BPV_INT);
	CHECK_INT(f->add, c->add);
	if (c->string)
		CHECK(f->user == c->user);
	else if (f->nderef)
		CHECK(f->deref[f->nderef - 1].user == c->user);
	free((char *)points[0].name);
}

TEST(tracepoint_slot_deref_classified)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct slot_case *c = &cases[i];
		struct tprobe p;
		struct tslot *s = &p.slots[0];
		struct expr *e;
		char err[256] = "";
		int ret;

		init_probe(&p);
		CHECK_INT(expr_parse(c->expr, 0, &e, err, sizeof(err)), 0);
		*s = (struct tslot){ .e = e, .string = c->string,
				     .field_offset = 32, .field_size = 8 };
		ret = tprobe_field_slot(&p, s, c->decl, err, sizeof(err));
		if (!c->fetch) {
			if (ret != EXIT_USAGE || !err[0])
				fprintf(stderr, "  %s: not refused\n", c->expr);
			CHECK_INT(ret, EXIT_USAGE);
			CHECK(err[0] != '\0');
			expr_free(e);
			continue;
		}
		CHECK_INT(ret, 0);
		CHECK_STR(s->fetch, c->fetch);
		CHECK(s->field_deref);
		CHECK(!s->field_pointer);
		CHECK(s->string == c->string);
		CHECK(p.needs_eprobe);
		p.nslots = 1;
		check_bpf(&p, c);
		expr_free(e);
	}
}

/* A plain field is still read from the record, not through an event probe. */
TEST(tracepoint_slot_plain_field_unchanged)
{
	struct tprobe p;
	struct tslot *s = &p.slots[0];
	struct expr *e;
	char err[256] = "";

	init_probe(&p);
	CHECK_INT(expr_parse("args->how", 0, &e, err, sizeof(err)), 0);
	*s = (struct tslot){ .e = e, .field_offset = 32, .field_size = 8 };
	CHECK_INT(tprobe_field_slot(&p, s, "struct open_how * how", err, sizeof(err)), 0);
	CHECK_STR(s->fetch, "$how");
	CHECK(s->field_pointer);
	CHECK(!s->field_deref);
	CHECK(!p.needs_eprobe);
	expr_free(e);
}
