// SPDX-License-Identifier: GPL-2.0
/*
 * sonde snoop dns (gethostlatency): host name lookups through the C
 * library, in bcc gethostlatency's columns TIME PID COMM LATms HOST, from
 * uprobes on getaddrinfo, gethostbyname and gethostbyname2 (the name at
 * entry) and uretprobes on them (the latency), paired by thread.
 */
#include <stdlib.h>
#include <string.h>

#include "snoop.h"
#include "sonde.h"
#include "util.h"

static const char *const funcs[] = { "getaddrinfo", "gethostbyname", "gethostbyname2" };
#define NFUNCS ARRAY_SIZE(funcs)

struct dns_opts {
	const char *libc;
	char heads[2 * NFUNCS][512];
	struct snoop_probe probes[2 * NFUNCS];
};

static void header(struct snoop *s)
{
	snoop_print_clock_header(s, 9, false);
	printf("%-7s %-16s %10s %s\n", "PID", "COMM", "LATms", "HOST");
}

static void on_event(struct snoop *s, int idx, const struct tprobe_event *e)
{
	struct snoop_saved in;
	uint64_t lat;

	if (!(idx & 1)) {
		snoop_stash_put(s, idx, e);
		return;
	}
	if (!snoop_stash_take_from(s, e->tid, idx - 1, &in))
		return;
	lat = e->ts > in.ts ? e->ts - in.ts : 0;
	if (g_opts.json) {
		snoop_json_begin(in.ts, in.pid, in.tid, in.comm);
		printf(",\"func\":\"%s\",\"lat_ns\":%llu,\"host\":", funcs[idx / 2],
		       (unsigned long long)lat);
		json_print_string(stdout, in.str ? in.str : "");
		printf("}\n");
	} else {
		snoop_print_clock(s, in.ts, 9, false);
		printf("%-7d %-16s %10.2f %s\n", in.pid, in.comm, lat / 1e6, in.str ? in.str : "?");
	}
	snoop_saved_free(&in);
}

static const char *const dns_usage[] = {
	"sonde snoop dns [--libc PATH] [-p PID] [-t | -T] [-d SECONDS]",
	"gethostlatency [<options>]",
	NULL,
};

int snoop_dns(int argc, char **argv)
{
	struct dns_opts o = { .libc = "libc" };
	struct snoop s = { .name = "dns", .event = on_event, .header = header, .ctx = &o,
			   .probes = o.probes, .nprobes = 2 * NFUNCS };
	const struct option opts[] = {
		{ OPT_STRING, 0, "libc", &o.libc, "PATH",
		  "the C library to probe (default: libc, found as the dynamic loader would)" },
		SNOOP_OPTIONS(&s),
		OPT_END_MARK(),
	};

	argc = parse_options(argc, argv, opts, dns_usage, 0);
	if (argc > 0)
		return usage_error("unexpected argument '%s'", argv[0]);
	for (size_t i = 0; i < NFUNCS; i++) {
		snprintf(o.heads[2 * i], sizeof(o.heads[0]), "u:%s:%s", o.libc, funcs[i]);
		snprintf(o.heads[2 * i + 1], sizeof(o.heads[0]), "ur:%s:%s", o.libc, funcs[i]);
		o.probes[2 * i] = (struct snoop_probe){ o.heads[2 * i], "%s", "arg1" };
		o.probes[2 * i + 1] = (struct snoop_probe){ o.heads[2 * i + 1], "%d", "retval" };
	}
	return snoop_run(&s);
}
