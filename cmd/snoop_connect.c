// SPDX-License-Identifier: GPL-2.0
/*
 * sonde snoop connect (tcpconnect): every active TCP open, IPv4 and IPv6,
 * in bcc tcpconnect's columns PID COMM IP SADDR DADDR DPORT [LAT(ms)].
 *
 * sock:inet_sock_set_state from CLOSE to SYN_SENT runs in the connecting
 * task (connect(2)), with the addresses; with -L the move from SYN_SENT
 * to ESTABLISHED (in softirq: any task) ends the connect's latency,
 * matched by socket address. The source port is not chosen yet at
 * SYN_SENT, so it is shown with -L only. -U and -u take the uid of the
 * connecting task (see struct snoop's want_uid); -c counts connects per
 * source, destination and port and prints them at the end, as bcc.
 */
#include <stdlib.h>
#include <string.h>

#include "snoop.h"
#include "sonde.h"
#include "util.h"

#define SOCK_SLOTS	4096	/* power of two; connects in flight (-L) */

enum { CONN_SYN, CONN_ESTAB, CONN__COUNT };

/* the socket, then its connection */
#define SOCK_VALUES "args->skaddr, " SNOOP_SOCK_VALUES
#define SOCK_FORMAT "%d " SNOOP_SOCK_FORMAT

static const struct snoop_probe conn_probes[CONN__COUNT] = {
	[CONN_SYN] = { "t:sock:inet_sock_set_state", SOCK_FORMAT, SOCK_VALUES },
	[CONN_ESTAB] = { "t:sock:inet_sock_set_state", SOCK_FORMAT, SOCK_VALUES,
			 NULL, SNOOP_ANY_PID },
};

struct pending {
	uint64_t skaddr, ts;
	int pid, tid;
	uint32_t uid;
	char comm[16];
};

struct conn_opts {
	bool latency, v4, v6, print_uid, count;
	int port, uid;			/* uid -1: every user */
	struct pending *socks;
	struct snoop_flows flows;	/* -c */
};

static void header(struct snoop *s)
{
	struct conn_opts *o = s->ctx;

	if (o->count)
		return;		/* the table comes at the end */
	snoop_print_time_header(s);
	if (o->print_uid)
		printf("%-6s ", "UID");
	printf("%-7s %-16s %-2s %-16s %-16s ", "PID", "COMM", "IP", "SADDR", "DADDR");
	if (o->latency)
		printf("%-6s %-6s %s", "DPORT", "SPORT", "LAT(ms)");
	else
		printf("DPORT");
	printf("\n");
}

static void print_conn(struct snoop *s, const struct tprobe_event *e,
		       const struct pending *p)
{
	struct conn_opts *o = s->ctx;
	uint64_t lat = p ? e->ts - p->ts : 0;
	uint32_t uid = p ? p->uid : e->uid;
	struct snoop_sock c;

	snoop_sock_of(e, 1, &c);
	if (o->count) {
		c.sport = 0;
		snoop_flow_add(&o->flows, &c);
		return;
	}
	if (g_opts.json) {
		snoop_json_begin(p ? p->ts : e->ts, p ? p->pid : e->pid,
				 p ? p->tid : e->tid, p ? p->comm : e->comm);
		printf(",\"uid\":");
		if (uid != (uint32_t)-1)
			printf("%u", uid);
		else
			printf("null");
		printf(",\"ip\":%d,\"saddr\":\"%s\",\"daddr\":\"%s\",\"dport\":%d", c.ip,
		       c.saddr, c.daddr, c.dport);
		if (p)
			printf(",\"sport\":%d,\"lat_ns\":%llu", c.sport, (unsigned long long)lat);
		printf("}\n");
		return;
	}
	snoop_print_time(s, p ? p->ts : e->ts);
	if (o->print_uid && uid != (uint32_t)-1)
		printf("%-6u ", uid);
	else if (o->print_uid)
		printf("%-6s ", "-");
	printf("%-7d %-16s %-2d %-16s %-16s ", p ? p->pid : e->pid, p ? p->comm : e->comm,
	       c.ip, c.saddr, c.daddr);
	if (p)
		printf("%-6d %-6d %.3f", c.dport, c.sport, lat / 1e6);
	else
		printf("%d", c.dport);
	printf("\n");
}

static void on_event(struct snoop *s, int idx, const struct tprobe_event *e)
{
	struct conn_opts *o = s->ctx;
	uint64_t sk = (uint64_t)snoop_int(e, 0);
	struct pending *p = &o->socks[(sk >> 6) & (SOCK_SLOTS - 1)];

	/* the connecting task's uid (unknown: no match) */
	if (idx == CONN_SYN && o->uid >= 0 && e->uid != (uint32_t)o->uid)
		return;
	if (!o->latency) {
		print_conn(s, e, NULL);
		return;
	}
	if (idx == CONN_SYN) {
		*p = (struct pending){ .skaddr = sk, .ts = e->ts, .pid = e->pid, .tid = e->tid,
				       .uid = e->uid };
		snprintf(p->comm, sizeof(p->comm), "%s", e->comm);
		return;
	}
	if (p->skaddr != sk)
		return;		/* its SYN_SENT was not seen */
	print_conn(s, e, p);
	p->skaddr = 0;
}

/* -c: bcc's table, most connects first */
static void tick(struct snoop *s, bool last)
{
	struct conn_opts *o = s->ctx;
	char l[80], r[80];

	if (!last || !o->count)
		return;
	snoop_flows_sort(&o->flows);
	if (!g_opts.json)
		printf("\n%-25s %-25s %-20s %s\n", "LADDR", "RADDR", "RPORT", "CONNECTS");
	for (size_t i = 0; i < o->flows.n; i++) {
		const struct snoop_flow *f = &o->flows.f[i];

		if (g_opts.json) {
			printf("{\"type\":\"count\",\"ip\":%d,\"saddr\":\"%s\",\"daddr\":\"%s\",\"dport\":%d,\"connects\":%llu}\n",
			       f->k.ip, f->k.saddr, f->k.daddr, f->k.dport,
			       (unsigned long long)f->n);
			continue;
		}
		snprintf(l, sizeof(l), "%s", f->k.saddr);
		snprintf(r, sizeof(r), "%s", f->k.daddr);
		printf("%-25s %-25s %-20d %llu\n", l, r, f->k.dport, (unsigned long long)f->n);
	}
}

static const char *const conn_usage[] = {
	"sonde snoop connect [-L | -c] [-U] [-u UID] [-P PORT] [-4 | -6] [-p PID] [-t | -T] [-d SECONDS]",
	"tcpconnect [<options>]",
	NULL,
};

int snoop_connect(int argc, char **argv)
{
	struct conn_opts o = { .uid = -1 };
	struct snoop s = { .name = "connect", .event = on_event, .header = header,
			   .tick = tick, .ctx = &o };
	const struct option opts[] = {
		{ OPT_BOOL, 'L', "latency", &o.latency, NULL,
		  "when the connection is established: SPORT and LAT(ms)" },
		{ OPT_INT, 'P', "port", &o.port, "PORT", "only connects to this port" },
		{ OPT_BOOL, '4', "ipv4", &o.v4, NULL, "only IPv4" },
		{ OPT_BOOL, '6', "ipv6", &o.v6, NULL, "only IPv6" },
		{ OPT_BOOL, 'U', "print-uid", &o.print_uid, NULL, "print the UID column" },
		{ OPT_INT, 'u', "uid", &o.uid, "UID", "only connects by this user id" },
		{ OPT_BOOL, 'c', "count", &o.count, NULL,
		  "count connects per source, destination and port; print at the end" },
		SNOOP_OPTIONS(&s),
		OPT_END_MARK(),
	};
	struct snoop_probe probes[CONN__COUNT];
	char filter[2][160], extra[96] = "";
	int status;

	argc = parse_options(argc, argv, opts, conn_usage, 0);
	if (argc > 0)
		return usage_error("unexpected argument '%s'", argv[0]);
	if (o.v4 && o.v6)
		return usage_error("-4 and -6 cannot be used together");
	if (o.latency && o.count)
		return usage_error("-L and -c cannot be used together");
	if (o.uid < -1)
		return usage_error("-u wants a user id (0 or more), not %d", o.uid);
	s.want_uid = o.print_uid || o.uid >= 0;
	if (o.port < 0 || o.port > 65535)
		return usage_error("-P needs a port number, not %d", o.port);
	if (o.port)
		snprintf(extra, sizeof(extra), " && args->dport == %d", o.port);
	if (o.v4 || o.v6)
		snprintf(extra + strlen(extra), sizeof(extra) - strlen(extra),
			 " && args->family == %d", o.v4 ? 2 : 10);
	/* IPPROTO_TCP 6; TCP_SYN_SENT 2, TCP_CLOSE 7, TCP_ESTABLISHED 1 */
	snprintf(filter[0], sizeof(filter[0]),
		 "args->protocol == 6 && args->oldstate == 7 && args->newstate == 2%s", extra);
	snprintf(filter[1], sizeof(filter[1]),
		 "args->protocol == 6 && args->oldstate == 2 && args->newstate == 1%s", extra);
	memcpy(probes, conn_probes, sizeof(probes));
	probes[CONN_SYN].filter = filter[0];
	probes[CONN_ESTAB].filter = filter[1];
	s.probes = probes;
	s.nprobes = o.latency ? 2 : 1;
	o.socks = calloc(SOCK_SLOTS, sizeof(*o.socks));
	if (!o.socks)
		return error("out of memory");
	status = snoop_run(&s);
	free(o.socks);
	snoop_flows_free(&o.flows);
	return status;
}
