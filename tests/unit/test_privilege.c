// SPDX-License-Identifier: GPL-2.0
/*
 * The privilege check against fake processes: which needs are refused,
 * and that the line names the missing capability, tracefs or sysctl.
 */
#include <string.h>

#include "privilege.h"
#include "unit.h"

#define CAP(c) (1ull << PRIV_CAP_##c)

static struct privileges fake(uint64_t eff, bool tfs_read, bool tfs_write,
			      int paranoid)
{
	struct privileges p = {
		.uid = 1000, .euid = 1000, .eff = eff,
		.perf_event_paranoid = paranoid, .unprivileged_bpf_disabled = 2,
		.tracefs_read = tfs_read, .tracefs_write = tfs_write,
	};

	strcpy(p.tracefs, "/sys/kernel/tracing");
	return p;
}

TEST(privilege_nobody_is_refused_everything)
{
	struct privileges p = fake(0, false, false, 2);
	char buf[600];
	const char *why;

	why = priv_refusal(&p, PRIV_TRACING, buf, sizeof(buf));
	CHECK(why != NULL);
	CHECK_STR(why, "needs root, or CAP_BPF and CAP_PERFMON (BPF), or read and write access to /sys/kernel/tracing (tracefs): you are uid 1000 with no capabilities");
	why = priv_refusal(&p, PRIV_SAMPLING, buf, sizeof(buf));
	CHECK(why && strstr(why, "kernel.perf_event_paranoid <= 0 (it is 2)"));
	why = priv_refusal(&p, PRIV_DYNAMIC_EVENTS, buf, sizeof(buf));
	CHECK(why && strstr(why, "write access to /sys/kernel/tracing"));
}

TEST(privilege_bpf_and_perfmon)
{
	struct privileges p = fake(CAP(BPF) | CAP(PERFMON), false, false, 2);
	char buf[600];

	CHECK(priv_bpf_tracing(&p));
	CHECK(!priv_refusal(&p, PRIV_TRACING, buf, sizeof(buf)));
	CHECK(!priv_refusal(&p, PRIV_SAMPLING, buf, sizeof(buf)));
	/* capabilities do not open tracefs */
	CHECK(priv_refusal(&p, PRIV_DYNAMIC_EVENTS, buf, sizeof(buf)) != NULL);
	CHECK(strstr(buf, "you are uid 1000 with CAP_BPF, CAP_PERFMON"));
}

TEST(privilege_bpf_without_perfmon_is_named)
{
	struct privileges p = fake(CAP(BPF), false, false, 2);
	char buf[600];

	CHECK(!priv_bpf_tracing(&p));
	CHECK(priv_refusal(&p, PRIV_TRACING, buf, sizeof(buf)) != NULL);
	CHECK(strstr(buf, "CAP_BPF without CAP_PERFMON"));
}

TEST(privilege_tracefs_or_sysctl_suffice)
{
	struct privileges p = fake(0, true, true, 0);
	char buf[600];

	CHECK(!priv_refusal(&p, PRIV_TRACING, buf, sizeof(buf)));
	CHECK(!priv_refusal(&p, PRIV_DYNAMIC_EVENTS, buf, sizeof(buf)));
	CHECK(!priv_refusal(&p, PRIV_SAMPLING, buf, sizeof(buf)));
	p.perf_event_paranoid = -99;	/* unknown: not assumed open */
	CHECK(priv_refusal(&p, PRIV_SAMPLING, buf, sizeof(buf)) != NULL);
}

TEST(privilege_sys_admin_is_enough)
{
	struct privileges p = fake(CAP(SYS_ADMIN), false, false, 3);
	char buf[600];

	CHECK(priv_bpf_tracing(&p));
	CHECK(!priv_refusal(&p, PRIV_TRACING, buf, sizeof(buf)));
	CHECK(!priv_refusal(&p, PRIV_SAMPLING, buf, sizeof(buf)));
}
