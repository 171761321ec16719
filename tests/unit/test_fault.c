// SPDX-License-Identifier: GPL-2.0
#include <errno.h>

#include "fault.h"
#include "unit.h"

TEST(fault_parse_sites)
{
	struct fault_plan p;

	CHECK(fault_parse("tracefs:3", &p));
	CHECK_INT(p.nth[FAULT_TRACEFS], 3);
	CHECK_INT(p.err[FAULT_TRACEFS], ENOMEM);
	CHECK_INT(p.nth[FAULT_BPF], 0);
	CHECK(!p.count);
	CHECK(fault_parse("bpf:1:13,perf:2,count", &p));
	CHECK_INT(p.nth[FAULT_BPF], 1);
	CHECK_INT(p.err[FAULT_BPF], EACCES);
	CHECK_INT(p.nth[FAULT_PERF], 2);
	CHECK_INT(p.err[FAULT_PERF], EMFILE);
	CHECK(p.count);
	CHECK(fault_parse("", &p));
}

TEST(fault_parse_malformed)
{
	struct fault_plan p;

	CHECK(!fault_parse("tracefs", &p));
	CHECK(!fault_parse("tracefs:0", &p));
	CHECK(!fault_parse("tracefs:x", &p));
	CHECK(!fault_parse("disk:1", &p));
	CHECK(!fault_parse("bpf:1:0", &p));
	CHECK(!fault_parse("bpf:1:99999", &p));
	CHECK(!fault_parse("perf:1:2:3", &p));
	CHECK(!fault_parse("perf:123456789012345678901234567890123", &p));
}
