// SPDX-License-Identifier: GPL-2.0
/*
 * sonde snoop bio (biosnoop): one line per block I/O when it completes,
 * in bcc biosnoop's columns TIME(s) COMM PID DISK T SECTOR BYTES
 * [QUE(ms)] LAT(ms).
 *
 * The block tracepoints of a request, matched by its start sector:
 * block:block_bio_queue runs in the submitting task (who, and when it was
 * queued), block_rq_issue when it goes to the device, block_rq_complete
 * when it is done (in an interrupt: any task). A request merged from
 * several bios is the first bio's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "snoop.h"
#include "sonde.h"
#include "util.h"

#define IO_SLOTS	16384	/* power of two; requests in flight */

enum { BIO_QUEUE, BIO_ISSUE, BIO_DONE, BIO__COUNT };

static const struct snoop_probe bio_probes[BIO__COUNT] = {
	[BIO_QUEUE] = { "t:block:block_bio_queue", "%d %d %s",
			"args->dev, args->sector, args->rwbs" },
	[BIO_ISSUE] = { "t:block:block_rq_issue", "%d %d %d %s",
			"args->dev, args->sector, args->bytes, args->rwbs",
			NULL, SNOOP_ANY_PID },
	[BIO_DONE] = { "t:block:block_rq_complete", "%d %d %d",
		       "args->dev, args->sector, args->error", NULL, SNOOP_ANY_PID },
};

struct io {
	int64_t sector;
	bool queued, issued;
	uint64_t queue_ts, issue_ts;
	int pid, tid;
	char comm[16];
	uint32_t dev, bytes;
	char rwbs[10];
};

struct bio_opts {
	bool queue;
	const char *disk;
	struct io *ios;
	struct { uint32_t dev; char name[32]; } names[64];
	int nnames;
};

static struct io *io_of(struct bio_opts *o, int64_t sector)
{
	return &o->ios[(uint64_t)sector & (IO_SLOTS - 1)];
}

/* A kernel dev_t (major << 20 | minor) as the disk's name, from sysfs. */
static const char *disk_name(struct bio_opts *o, uint32_t dev)
{
	char path[64], link[256], *base;
	ssize_t n;

	for (int i = 0; i < o->nnames; i++)
		if (o->names[i].dev == dev)
			return o->names[i].name;
	snprintf(path, sizeof(path), "/sys/dev/block/%u:%u", dev >> 20, dev & 0xfffff);
	n = readlink(path, link, sizeof(link) - 1);
	if (n > 0) {
		link[n] = '\0';
		base = strrchr(link, '/');
		base = base ? base + 1 : link;
	} else {
		snprintf(link, sizeof(link), "%u:%u", dev >> 20, dev & 0xfffff);
		base = link;
	}
	if (o->nnames == (int)ARRAY_SIZE(o->names))
		o->nnames = 0;
	o->names[o->nnames].dev = dev;
	snprintf(o->names[o->nnames].name, sizeof(o->names[0].name), "%s", base);
	return o->names[o->nnames++].name;
}

/* R, W, D (discard), F (flush) or ? from the rwbs text ("WS", "RA") */
static char io_type(const char *rwbs)
{
	for (const char *c = rwbs; *c; c++)
		if (strchr("RWDF", *c))
			return *c;
	return '?';
}

static void header(struct snoop *s)
{
	struct bio_opts *o = s->ctx;

	snoop_print_clock_header(s, 11, true);
	printf("%-14s %-7s %-9s %s %-12s %-7s ", "COMM", "PID", "DISK", "T", "SECTOR", "BYTES");
	if (o->queue)
		printf("%7s ", "QUE(ms)");
	printf("%7s\n", "LAT(ms)");
}

static void print_io(struct snoop *s, const struct tprobe_event *e, struct io *io,
		     int error)
{
	struct bio_opts *o = s->ctx;
	const char *disk = disk_name(o, io->dev);
	uint64_t lat = e->ts > io->issue_ts ? e->ts - io->issue_ts : 0;
	uint64_t que = io->queued && io->issue_ts > io->queue_ts ? io->issue_ts - io->queue_ts : 0;

	if (o->disk && strcmp(o->disk, disk))
		return;
	if (g_opts.json) {
		snoop_json_begin(e->ts, io->pid, io->tid, io->comm);
		printf(",\"disk\":");
		json_print_string(stdout, disk);
		printf(",\"dev\":\"%u:%u\",\"rwbs\":", io->dev >> 20, io->dev & 0xfffff);
		json_print_string(stdout, io->rwbs);
		printf(",\"sector\":%lld,\"bytes\":%u,\"lat_ns\":%llu,\"queue_ns\":",
		       (long long)io->sector, io->bytes, (unsigned long long)lat);
		if (io->queued)
			printf("%llu", (unsigned long long)que);
		else
			printf("null");
		printf(",\"error\":%d}\n", error);
		return;
	}
	snoop_print_clock(s, e->ts, 11, true);
	printf("%-14.14s %-7d %-9s %c %-12lld %-7u ", io->comm, io->pid, disk,
	       io_type(io->rwbs), (long long)io->sector, io->bytes);
	if (o->queue && io->queued)
		printf("%7.2f ", que / 1e6);
	else if (o->queue)
		printf("%7s ", "-");
	printf("%7.2f\n", lat / 1e6);
}

static void on_event(struct snoop *s, int idx, const struct tprobe_event *e)
{
	struct bio_opts *o = s->ctx;
	int64_t sector = snoop_int(e, 1);
	struct io *io = io_of(o, sector);
	const char *rwbs;

	switch (idx) {
	case BIO_QUEUE:
		*io = (struct io){ .sector = sector, .queued = true, .queue_ts = e->ts,
				   .pid = e->pid, .tid = e->tid };
		snprintf(io->comm, sizeof(io->comm), "%s", e->comm);
		break;
	case BIO_ISSUE:
		if (io->sector != sector || !io->queued) {
			if (s->pid)
				break;	/* not known to be the process's */
			/* queued before tracing began: the issuing task */
			*io = (struct io){ .sector = sector, .pid = e->pid, .tid = e->tid };
			snprintf(io->comm, sizeof(io->comm), "%s", e->comm);
		}
		rwbs = snoop_str(e, 3);
		snprintf(io->rwbs, sizeof(io->rwbs), "%s", rwbs ? rwbs : "");
		io->dev = (uint32_t)snoop_int(e, 0);
		io->bytes = (uint32_t)snoop_int(e, 2);
		io->issue_ts = e->ts;
		io->issued = true;
		break;
	case BIO_DONE:
		if (io->sector != sector || !io->issued)
			break;
		if (io->bytes)		/* not a flush */
			print_io(s, e, io, (int)snoop_int(e, 2));
		io->issued = io->queued = false;
		io->sector = -1;
		break;
	}
}

static const char *const bio_usage[] = {
	"sonde snoop bio [-Q] [--disk DISK] [-p PID] [-T] [-d SECONDS]",
	"biosnoop [<options>]",
	NULL,
};

int snoop_bio(int argc, char **argv)
{
	struct bio_opts o = { 0 };
	struct snoop s = { .name = "bio", .event = on_event, .header = header, .ctx = &o,
			   .probes = bio_probes, .nprobes = BIO__COUNT };
	const struct option opts[] = {
		{ OPT_BOOL, 'Q', "queue", &o.queue, NULL,
		  "a QUE(ms) column: time from queueing to the device" },
		{ OPT_STRING, 0, "disk", &o.disk, "DISK", "only this disk (e.g. vda, sda)" },
		SNOOP_OPTIONS(&s),
		OPT_END_MARK(),
	};
	int status;

	argc = parse_options(argc, argv, opts, bio_usage, 0);
	if (argc > 0)
		return usage_error("unexpected argument '%s'", argv[0]);
	o.ios = calloc(IO_SLOTS, sizeof(*o.ios));
	if (!o.ios)
		return error("out of memory");
	for (int i = 0; i < IO_SLOTS; i++)
		o.ios[i].sector = -1;
	status = snoop_run(&s);
	free(o.ios);
	return status;
}
