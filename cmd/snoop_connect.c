// SPDX-License-Identifier: GPL-2.0
/*
 * sonde snoop connect (tcpconnect): every active TCP open, IPv4 and IPv6,
 * in bcc tcpconnect's columns PID COMM IP SADDR DADDR DPORT [LAT(ms)].
 *
 * sock:inet_sock_set_state from CLOSE to SYN_SENT runs in the connecting
 * task (connect(2)), with the addresses; with -L the move from SYN_SENT
 * to ESTABLISHED (in softirq: any task) ends the connect's latency,
 * matched by socket address. The source port is not chosen yet at
 * SYN_SENT, so it is shown with -L only.
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
	char comm[16];
};

struct conn_opts {
	bool latency, v4, v6;
	int port;
	struct pending *socks;
};

static void header(struct snoop *s)
{
	struct conn_opts *o = s->ctx;

	snoop_print_time_header(s);
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
	uint64_t lat = p ? e->ts - p->ts : 0;
	struct snoop_sock c;

	snoop_sock_of(e, 1, &c);
	if (g_opts.json) {
		snoop_json_begin(p ? p->ts : e->ts, p ? p->pid : e->pid,
				 p ? p->tid : e->tid, p ? p->comm : e->comm);
		printf(",\"ip\":%d,\"saddr\":\"%s\",\"daddr\":\"%s\",\"dport\":%d", c.ip,
		       c.saddr, c.daddr, c.dport);
		if (p)
			printf(",\"sport\":%d,\"lat_ns\":%llu", c.sport, (unsigned long long)lat);
		printf("}\n");
		return;
	}
	snoop_print_time(s, p ? p->ts : e->ts);
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

	if (!o->latency) {
		print_conn(s, e, NULL);
		return;
	}
	if (idx == CONN_SYN) {
		*p = (struct pending){ .skaddr = sk, .ts = e->ts, .pid = e->pid, .tid = e->tid };
		snprintf(p->comm, sizeof(p->comm), "%s", e->comm);
		return;
	}
	if (p->skaddr != sk)
		return;		/* its SYN_SENT was not seen */
	print_conn(s, e, p);
	p->skaddr = 0;
}

static const char *const conn_usage[] = {
	"sonde snoop connect [-L] [-P PORT] [-4 | -6] [-p PID] [-t | -T] [-d SECONDS]",
	"tcpconnect [<options>]",
	NULL,
};

int snoop_connect(int argc, char **argv)
{
	struct conn_opts o = { 0 };
	struct snoop s = { .name = "connect", .event = on_event, .header = header, .ctx = &o };
	const struct option opts[] = {
		{ OPT_BOOL, 'L', "latency", &o.latency, NULL,
		  "when the connection is established: SPORT and LAT(ms)" },
		{ OPT_INT, 'P', "port", &o.port, "PORT", "only connects to this port" },
		{ OPT_BOOL, '4', "ipv4", &o.v4, NULL, "only IPv4" },
		{ OPT_BOOL, '6', "ipv6", &o.v6, NULL, "only IPv6" },
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
	return status;
}
