// SPDX-License-Identifier: GPL-2.0
/*
 * sonde snoop retrans (tcpretrans): every TCP retransmission, IPv4 and
 * IPv6, in bcc tcpretrans's columns TIME PID IP LADDR:LPORT T> RADDR:RPORT
 * STATE, from tcp:tcp_retransmit_skb (timers and softirqs: PID is
 * whatever task was running, often 0, as in bcc). -c counts them per
 * connection and prints bcc's table at the end.
 */
#include <stdlib.h>
#include <string.h>

#include "snoop.h"
#include "sonde.h"
#include "util.h"

static const struct snoop_probe retrans_probe = {
	"t:tcp:tcp_retransmit_skb", "%d " SNOOP_SOCK_FORMAT, "args->state, " SNOOP_SOCK_VALUES,
	NULL, SNOOP_ANY_PID,
};

struct retrans_opts {
	bool v4, v6, count;
	struct snoop_flows flows;	/* -c */
};

static void header(struct snoop *s)
{
	struct retrans_opts *o = s->ctx;

	if (o->count)
		return;		/* the table comes at the end */
	snoop_print_clock_header(s, 8, false);
	printf("%-7s %-2s %-22s %-2s %-22s %s\n", "PID", "IP", "LADDR:LPORT", "T>",
	       "RADDR:RPORT", "STATE");
}

static void on_event(struct snoop *s, int idx, const struct tprobe_event *e)
{
	struct retrans_opts *o = s->ctx;
	const char *st = snoop_tcp_state((int)snoop_int(e, 0));
	struct snoop_sock c;
	char l[80], r[80];

	snoop_sock_of(e, 1, &c);
	if ((o->v4 && c.ip != 4) || (o->v6 && c.ip != 6))
		return;
	if (o->count) {
		snoop_flow_add(&o->flows, &c);
		return;
	}
	if (g_opts.json) {
		snoop_json_begin(e->ts, e->pid, e->tid, e->comm);
		printf(",\"ip\":%d,\"laddr\":\"%s\",\"lport\":%d,\"raddr\":\"%s\",\"rport\":%d,\"state\":\"%s\"}\n",
		       c.ip, c.saddr, c.sport, c.daddr, c.dport, st ? st : "?");
		return;
	}
	snoop_print_clock(s, e->ts, 8, false);
	snoop_addr_port(l, sizeof(l), c.ip, c.saddr, c.sport);
	snoop_addr_port(r, sizeof(r), c.ip, c.daddr, c.dport);
	printf("%-7d %-2d %-22s R> %-22s %s\n", e->pid, c.ip, l, r, st ? st : "?");
}

/* -c: bcc's table, most retransmissions first */
static void tick(struct snoop *s, bool last)
{
	struct retrans_opts *o = s->ctx;
	char l[80], r[80];

	if (!last || !o->count)
		return;
	snoop_flows_sort(&o->flows);
	if (!g_opts.json)
		printf("\n%-25s %-25s %s\n", "LADDR:LPORT", "RADDR:RPORT", "RETRANSMITS");
	for (size_t i = 0; i < o->flows.n; i++) {
		const struct snoop_flow *f = &o->flows.f[i];

		if (g_opts.json) {
			printf("{\"type\":\"count\",\"ip\":%d,\"laddr\":\"%s\",\"lport\":%d,\"raddr\":\"%s\",\"rport\":%d,\"retransmits\":%llu}\n",
			       f->k.ip, f->k.saddr, f->k.sport, f->k.daddr, f->k.dport,
			       (unsigned long long)f->n);
			continue;
		}
		snoop_addr_port(l, sizeof(l), f->k.ip, f->k.saddr, f->k.sport);
		snoop_addr_port(r, sizeof(r), f->k.ip, f->k.daddr, f->k.dport);
		printf("%-25s %-25s %llu\n", l, r, (unsigned long long)f->n);
	}
}

static const char *const retrans_usage[] = {
	"sonde snoop retrans [-c] [-4 | -6] [-T | -t] [-d SECONDS]",
	"tcpretrans [<options>]",
	NULL,
};

int snoop_retrans(int argc, char **argv)
{
	struct retrans_opts o = { 0 };
	int status;
	struct snoop s = { .name = "retrans", .event = on_event, .header = header,
			   .tick = tick, .ctx = &o, .probes = &retrans_probe, .nprobes = 1 };
	const struct option opts[] = {
		{ OPT_BOOL, '4', "ipv4", &o.v4, NULL, "only IPv4" },
		{ OPT_BOOL, '6', "ipv6", &o.v6, NULL, "only IPv6" },
		{ OPT_BOOL, 'c', "count", &o.count, NULL,
		  "count retransmissions per connection; print at the end" },
		SNOOP_OPTIONS(&s),
		OPT_END_MARK(),
	};

	argc = parse_options(argc, argv, opts, retrans_usage, 0);
	if (argc > 0)
		return usage_error("unexpected argument '%s'", argv[0]);
	if (o.v4 && o.v6)
		return usage_error("-4 and -6 cannot be used together");
	if (s.pid)
		return usage_error("-p does not apply: retransmissions run in timers and softirqs, not in the sending process");
	status = snoop_run(&s);
	snoop_flows_free(&o.flows);
	return status;
}
