// SPDX-License-Identifier: GPL-2.0
/*
 * sonde snoop retrans (tcpretrans): every TCP retransmission, IPv4 and
 * IPv6, in bcc tcpretrans's columns TIME PID IP LADDR:LPORT T> RADDR:RPORT
 * STATE, from tcp:tcp_retransmit_skb (timers and softirqs: PID is
 * whatever task was running, often 0, as in bcc).
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
	bool v4, v6;
};

static void header(struct snoop *s)
{
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
	if (g_opts.json) {
		snoop_json_begin(e->ts, e->pid, e->tid, e->comm);
		printf(",\"ip\":%d,\"laddr\":\"%s\",\"lport\":%d,\"raddr\":\"%s\",\"rport\":%d,\"state\":\"%s\"}\n",
		       c.ip, c.saddr, c.sport, c.daddr, c.dport, st ? st : "?");
		return;
	}
	snoop_print_clock(s, e->ts, 8, false);
	snprintf(l, sizeof(l), c.ip == 6 ? "[%s]:%d" : "%s:%d", c.saddr, c.sport);
	snprintf(r, sizeof(r), c.ip == 6 ? "[%s]:%d" : "%s:%d", c.daddr, c.dport);
	printf("%-7d %-2d %-22s R> %-22s %s\n", e->pid, c.ip, l, r, st ? st : "?");
}

static const char *const retrans_usage[] = {
	"sonde snoop retrans [-4 | -6] [-T | -t] [-d SECONDS]",
	"tcpretrans [<options>]",
	NULL,
};

int snoop_retrans(int argc, char **argv)
{
	struct retrans_opts o = { 0 };
	struct snoop s = { .name = "retrans", .event = on_event, .header = header, .ctx = &o,
			   .probes = &retrans_probe, .nprobes = 1 };
	const struct option opts[] = {
		{ OPT_BOOL, '4', "ipv4", &o.v4, NULL, "only IPv4" },
		{ OPT_BOOL, '6', "ipv6", &o.v6, NULL, "only IPv6" },
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
	return snoop_run(&s);
}
