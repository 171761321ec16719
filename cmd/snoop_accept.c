// SPDX-License-Identifier: GPL-2.0
/*
 * sonde snoop accept (tcpaccept): every TCP connection a process accepts,
 * IPv4 and IPv6, in bcc tcpaccept's columns PID COMM IP RADDR RPORT LADDR
 * LPORT.
 *
 * No tracepoint runs in the accepting task with the addresses (bcc
 * probes inet_csk_accept's return, which this kernel may not allow), so
 * two events meet here: sock:inet_sock_set_state from SYN_RECV to
 * ESTABLISHED (in softirq) queues each new connection by its local port,
 * and the return of accept(2)/accept4(2) in the process takes the oldest
 * one queued on its listening socket's port, which /proc tells from the
 * listening descriptor (cached per process and descriptor).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "snoop.h"
#include "sonde.h"
#include "util.h"

#define QUEUE_MAX	4096	/* established, not yet accepted */
#define LISTENERS	64

enum { ACC_ESTAB, ACC_ENTER4, ACC_ENTER, ACC_EXIT4, ACC_EXIT, ACC__COUNT };

static const struct snoop_probe acc_probes[ACC__COUNT] = {
	/* IPPROTO_TCP 6; TCP_SYN_RECV 3 -> TCP_ESTABLISHED 1 */
	[ACC_ESTAB] = { "t:sock:inet_sock_set_state", SNOOP_SOCK_FORMAT, SNOOP_SOCK_VALUES,
			"args->protocol == 6 && args->oldstate == 3 && args->newstate == 1",
			SNOOP_ANY_PID },
	[ACC_ENTER4] = { "t:syscalls:sys_enter_accept4", "%d", "args->fd" },
	[ACC_ENTER] = { "t:syscalls:sys_enter_accept", "%d", "args->fd", NULL, SNOOP_OPTIONAL },
	[ACC_EXIT4] = { "t:syscalls:sys_exit_accept4", "%d", "args->ret", "args->ret >= 0" },
	[ACC_EXIT] = { "t:syscalls:sys_exit_accept", "%d", "args->ret", "args->ret >= 0",
		       SNOOP_OPTIONAL },
};


struct acc_opts {
	int port;
	bool v4, v6;
	struct snoop_sock *queue;	/* established: s is local, d remote */
	int nqueue;
	struct { int pid, fd, port; } listeners[LISTENERS];
	int nlisteners;
};

/* The local port of socket inode ino in /proc/PID/net/tcp{,6}, or -1. */
static int port_of_inode(int pid, unsigned long ino)
{
	static const char *const files[] = { "tcp", "tcp6" };
	char path[64], line[512];
	int port = -1;

	for (size_t i = 0; i < ARRAY_SIZE(files) && port < 0; i++) {
		FILE *f;

		snprintf(path, sizeof(path), "/proc/%d/net/%s", pid, files[i]);
		if (!(f = fopen(path, "r")))
			continue;
		while (fgets(line, sizeof(line), f)) {
			unsigned int lp;
			unsigned long inode;

			/* sl local:port rem:port st tx:rx tr:when retr uid timeout inode */
			if (sscanf(line, " %*d: %*[0-9A-Fa-f]:%x %*s %*s %*s %*s %*s %*s %*s %lu",
				   &lp, &inode) == 2 && inode == ino) {
				port = lp;
				break;
			}
		}
		fclose(f);
	}
	return port;
}

/* The port the process's listening descriptor fd is bound to, or -1. */
static int listener_port(struct acc_opts *o, int pid, int fd)
{
	char path[64], link[64];
	unsigned long ino;
	ssize_t n;
	int i, port;

	for (i = 0; i < o->nlisteners; i++)
		if (o->listeners[i].pid == pid && o->listeners[i].fd == fd)
			return o->listeners[i].port;
	snprintf(path, sizeof(path), "/proc/%d/fd/%d", pid, fd);
	n = readlink(path, link, sizeof(link) - 1);
	if (n <= 0)
		return -1;
	link[n] = '\0';
	if (sscanf(link, "socket:[%lu]", &ino) != 1 || (port = port_of_inode(pid, ino)) < 0)
		return -1;
	i = o->nlisteners < LISTENERS ? o->nlisteners++ : pid % LISTENERS;
	o->listeners[i].pid = pid;
	o->listeners[i].fd = fd;
	o->listeners[i].port = port;
	return port;
}

static void queue_conn(struct acc_opts *o, const struct tprobe_event *e)
{
	if (o->nqueue == QUEUE_MAX) {	/* never accepted: drop the oldest */
		memmove(o->queue, o->queue + 1, (QUEUE_MAX - 1) * sizeof(*o->queue));
		o->nqueue--;
	}
	snoop_sock_of(e, 0, &o->queue[o->nqueue++]);
}

/* The oldest connection queued on port (any port: -1); false if none. */
static bool take_conn(struct acc_opts *o, int port, struct snoop_sock *out)
{
	for (int i = 0; i < o->nqueue; i++) {
		if (port >= 0 && o->queue[i].sport != port)
			continue;
		*out = o->queue[i];
		memmove(o->queue + i, o->queue + i + 1, (o->nqueue - i - 1) * sizeof(*out));
		o->nqueue--;
		return true;
	}
	return false;
}

static void header(struct snoop *s)
{
	snoop_print_time_header(s);
	printf("%-7s %-16s %-2s %-16s %-5s %-16s %s\n", "PID", "COMM", "IP", "RADDR", "RPORT",
	       "LADDR", "LPORT");
}

static void print_accept(struct snoop *s, const struct tprobe_event *e,
			 const struct snoop_sock *c)
{
	struct acc_opts *o = s->ctx;

	if ((o->port && c->sport != o->port) || (o->v4 && c->ip != 4) || (o->v6 && c->ip != 6))
		return;
	if (g_opts.json) {
		snoop_json_begin(e->ts, e->pid, e->tid, e->comm);
		printf(",\"ip\":%d,\"raddr\":\"%s\",\"rport\":%d,\"laddr\":\"%s\",\"lport\":%d,\"fd\":%d}\n",
		       c->ip, c->daddr, c->dport, c->saddr, c->sport, (int)snoop_int(e, 0));
		return;
	}
	snoop_print_time(s, e->ts);
	printf("%-7d %-16s %-2d %-16s %-5d %-16s %d\n", e->pid, e->comm, c->ip, c->daddr,
	       c->dport, c->saddr, c->sport);
}

static void on_event(struct snoop *s, int idx, const struct tprobe_event *e)
{
	struct acc_opts *o = s->ctx;
	struct snoop_saved in;
	struct snoop_sock c;
	int port;

	switch (idx) {
	case ACC_ESTAB:
		queue_conn(o, e);
		break;
	case ACC_ENTER4:
	case ACC_ENTER:
		snoop_stash_put(s, idx, e);
		break;
	default:
		if (!snoop_stash_take_from(s, e->tid, idx == ACC_EXIT4 ? ACC_ENTER4 : ACC_ENTER, &in))
			break;
		port = listener_port(o, e->pid, (int)in.v[0]);
		if (take_conn(o, port, &c) || (port < 0 && take_conn(o, -1, &c)))
			print_accept(s, e, &c);
		snoop_saved_free(&in);
	}
}

static const char *const acc_usage[] = {
	"sonde snoop accept [-P PORT] [-4 | -6] [-p PID] [-t | -T] [-d SECONDS]",
	"tcpaccept [<options>]",
	NULL,
};

int snoop_accept(int argc, char **argv)
{
	struct acc_opts o = { 0 };
	struct snoop s = { .name = "accept", .event = on_event, .header = header, .ctx = &o,
			   .probes = acc_probes, .nprobes = ACC__COUNT };
	const struct option opts[] = {
		{ OPT_INT, 'P', "port", &o.port, "PORT", "only connections to this local port" },
		{ OPT_BOOL, '4', "ipv4", &o.v4, NULL, "only IPv4" },
		{ OPT_BOOL, '6', "ipv6", &o.v6, NULL, "only IPv6" },
		SNOOP_OPTIONS(&s),
		OPT_END_MARK(),
	};
	int status;

	argc = parse_options(argc, argv, opts, acc_usage, 0);
	if (argc > 0)
		return usage_error("unexpected argument '%s'", argv[0]);
	if (o.v4 && o.v6)
		return usage_error("-4 and -6 cannot be used together");
	if (o.port < 0 || o.port > 65535)
		return usage_error("-P needs a port number, not %d", o.port);
	o.queue = calloc(QUEUE_MAX, sizeof(*o.queue));
	if (!o.queue)
		return error("out of memory");
	status = snoop_run(&s);
	free(o.queue);
	return status;
}
