// SPDX-License-Identifier: GPL-2.0
/*
 * sonde snoop retrans (tcpretrans): every TCP retransmission, IPv4 and
 * IPv6, in bcc tcpretrans's columns TIME PID IP LADDR:LPORT T> RADDR:RPORT
 * STATE, from tcp:tcp_retransmit_skb (timers and softirqs: PID is
 * whatever task was running, often 0, as in bcc). -c counts them per
 * connection and prints bcc's table at the end.
 *
 * -l adds tail loss probes, type L>: no tracepoint marks them, so, as bcc,
 * a probe on the kernel function tcp_send_loss_probe(struct sock *sk)
 * reads the connection from sk's struct sock_common through BTF. It needs
 * a way to probe kernel functions (BPF kprobe, tracefs kprobe_events,
 * perf) and kernel BTF; where either is missing -l is refused at once.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "kernel_facts.h"
#include "plan.h"
#include "snoop.h"
#include "sonde.h"
#include "util.h"

enum { RT_RETRANS, RT_TLP, RT__COUNT };

#define SKC "arg1->__sk_common."
#define SKC_V6(f) SKC f ".in6_u.u6_addr32[0], " SKC f ".in6_u.u6_addr32[1], " \
		  SKC f ".in6_u.u6_addr32[2], " SKC f ".in6_u.u6_addr32[3]"

/* tcp_send_loss_probe's values, in this order (see tlp_sock_of) */
enum { TLP_STATE, TLP_FAMILY, TLP_SPORT, TLP_DPORT, TLP_SADDR, TLP_DADDR,
       TLP_SADDR6, TLP_DADDR6 = TLP_SADDR6 + 4 };

static const struct snoop_probe retrans_probes[RT__COUNT] = {
	[RT_RETRANS] = { "t:tcp:tcp_retransmit_skb", "%d " SNOOP_SOCK_FORMAT,
			 "args->state, " SNOOP_SOCK_VALUES, NULL, SNOOP_ANY_PID },
	/* skc_num is in host order, skc_dport in network order */
	[RT_TLP] = { "p:tcp_send_loss_probe", "%d %d %d %d %d %d %d %d %d %d %d %d %d %d",
		     SKC "skc_state, " SKC "skc_family, " SKC "skc_num, " SKC "skc_dport, "
		     SKC "skc_rcv_saddr, " SKC "skc_daddr, " SKC_V6("skc_v6_rcv_saddr") ", "
		     SKC_V6("skc_v6_daddr"), NULL, SNOOP_ANY_PID },
};

struct retrans_opts {
	bool v4, v6, count, tlp;
	struct snoop_flows flows;	/* -c */
};

/* n 32-bit values from value first on, as the bytes they were in memory */
static void addr_of(const struct tprobe_event *e, int first, int n, void *out)
{
	for (int i = 0; i < n; i++) {
		uint32_t w = (uint32_t)snoop_int(e, first + i);

		memcpy((char *)out + 4 * i, &w, 4);
	}
}

/* The connection of a tcp_send_loss_probe event. */
static void tlp_sock_of(const struct tprobe_event *e, struct snoop_sock *out)
{
	int family = (int)(snoop_int(e, TLP_FAMILY) & 0xffff);
	unsigned char s[16], d[16];

	memset(out, 0, sizeof(*out));
	out->ip = family == AF_INET6 ? 6 : 4;
	out->sport = (int)(snoop_int(e, TLP_SPORT) & 0xffff);
	out->dport = ntohs((uint16_t)snoop_int(e, TLP_DPORT));
	if (family == AF_INET6) {
		addr_of(e, TLP_SADDR6, 4, s);
		addr_of(e, TLP_DADDR6, 4, d);
	} else {
		addr_of(e, TLP_SADDR, 1, s);
		addr_of(e, TLP_DADDR, 1, d);
	}
	inet_ntop(family == AF_INET6 ? AF_INET6 : AF_INET, s, out->saddr, sizeof(out->saddr));
	inet_ntop(family == AF_INET6 ? AF_INET6 : AF_INET, d, out->daddr, sizeof(out->daddr));
}

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
	bool tlp = idx == RT_TLP;
	/* skc_state is one byte; a fetch may give the bytes after it too */
	const char *st = snoop_tcp_state((int)(snoop_int(e, 0) & (tlp ? 0xff : -1)));
	struct snoop_sock c;
	char l[80], r[80];

	if (tlp)
		tlp_sock_of(e, &c);
	else
		snoop_sock_of(e, 1, &c);
	if ((o->v4 && c.ip != 4) || (o->v6 && c.ip != 6))
		return;
	if (o->count) {
		snoop_flow_add(&o->flows, &c);
		return;
	}
	if (g_opts.json) {
		snoop_json_begin(e->ts, e->pid, e->tid, e->comm);
		printf(",\"type\":\"%s\",\"ip\":%d,\"laddr\":\"%s\",\"lport\":%d,\"raddr\":\"%s\",\"rport\":%d,\"state\":\"%s\"}\n",
		       tlp ? "tlp" : "retrans", c.ip, c.saddr, c.sport, c.daddr, c.dport,
		       st ? st : "?");
		return;
	}
	snoop_print_clock(s, e->ts, 8, false);
	snoop_addr_port(l, sizeof(l), c.ip, c.saddr, c.sport);
	snoop_addr_port(r, sizeof(r), c.ip, c.daddr, c.dport);
	printf("%-7d %-2d %-22s %s %-22s %s\n", e->pid, c.ip, l, tlp ? "L>" : "R>", r,
	       st ? st : "?");
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
	"sonde snoop retrans [-l] [-c] [-4 | -6] [-T | -t] [-d SECONDS]",
	"tcpretrans [<options>]",
	NULL,
};

/* Tail loss probes have no tracepoint: -l needs a kernel-function probe
 * (of any mechanism: --via perf reads tracefs kprobes) and BTF, and says
 * so when none works, instead of the generic tracepoint hint. */
static int tlp_usable(void)
{
	const struct kernel_facts *kf = features_get();
	struct plan pl;
	char why[900];

	if (kf->btf.state != FACT_YES)
		return error("-l reads the socket of tcp_send_loss_probe through kernel BTF, which this kernel does not have; run without -l");
	if (plan_select(PK_KFUNC_ENTRY, kf, MECH_AUTO, &pl))
		return error("-l probes the kernel function tcp_send_loss_probe (tail loss probes have no tracepoint), which this kernel cannot: %s; run without -l",
			     plan_reason_line(&pl, why, sizeof(why)));
	return 0;
}

int snoop_retrans(int argc, char **argv)
{
	struct retrans_opts o = { 0 };
	int status;
	struct snoop s = { .name = "retrans", .event = on_event, .header = header,
			   .tick = tick, .ctx = &o, .probes = retrans_probes, .nprobes = 1 };
	const struct option opts[] = {
		{ OPT_BOOL, '4', "ipv4", &o.v4, NULL, "only IPv4" },
		{ OPT_BOOL, '6', "ipv6", &o.v6, NULL, "only IPv6" },
		{ OPT_BOOL, 'c', "count", &o.count, NULL,
		  "count retransmissions per connection; print at the end" },
		{ OPT_BOOL, 'l', "lossprobe", &o.tlp, NULL,
		  "also tail loss probe attempts (type L>; a kernel-function probe)" },
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
	if (o.tlp && (status = tlp_usable()))
		return status;
	if (o.tlp)
		s.nprobes = RT__COUNT;
	status = snoop_run(&s);
	snoop_flows_free(&o.flows);
	return status;
}
