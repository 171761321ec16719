// SPDX-License-Identifier: GPL-2.0
/*
 * sonde snoop fsslower [MIN_MS] (ext4slower, xfsslower, btrfsslower,
 * fileslower): reads, writes, opens and fsyncs of one file system slower
 * than MIN_MS, in bcc's columns TIME COMM PID T BYTES OFF_KB LAT(ms)
 * FILENAME.
 *
 * Where kernel functions can be probed, the file system's own file
 * operations (ext4_file_read_iter ... ext4_sync_file, bcc's method) are
 * probes of the engine, entry and return paired by thread here; the file
 * name comes from BTF (without it, it is unknown). Where they cannot
 * (a locked-down kernel without kprobes or fentry), BPF programs of our
 * own time the read/write/open/fsync system calls and keep the calls on
 * a regular file of that file system (lib/fsslower_bpf.c), and say so.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fsslower_bpf.h"
#include "kernel_facts.h"
#include "loss.h"
#include "plan.h"
#include "runloop.h"
#include "snoop.h"
#include "sonde.h"
#include "tfs.h"
#include "util.h"

struct fs_type {
	const char *name;
	uint32_t magic;		/* 0: any */
	/* file operations, NULL where there is none to probe */
	const char *read, *write, *open, *fsync;
};

static const struct fs_type fs_types[] = {
	{ "ext4", 0xEF53, "ext4_file_read_iter", "ext4_file_write_iter",
	  "ext4_file_open", "ext4_sync_file" },
	{ "xfs", 0x58465342, "xfs_file_read_iter", "xfs_file_write_iter",
	  "xfs_file_open", "xfs_file_fsync" },
	{ "btrfs", 0x9123683E, "btrfs_file_read_iter", "btrfs_file_write_iter",
	  "btrfs_file_open", "btrfs_sync_file" },
	{ "nfs", 0x6969, "nfs_file_read", "nfs_file_write", "nfs_file_open",
	  "nfs_file_fsync" },
	/* fileslower: every file system, reads and writes through the VFS */
	{ "any", 0, "vfs_read", "vfs_write", NULL, NULL },
};

/* Engine probes: entry then return of each operation. */
enum { OP_READ, OP_WRITE, OP_OPEN, OP_FSYNC, OP__COUNT };
static const char op_letter[OP__COUNT] = { 'R', 'W', 'O', 'S' };

struct fss_opts {
	double min_ms;
	const char *type_name;
	const struct fs_type *fs;
	bool names;		/* BTF: file names and offsets */
	struct snoop_probe probes[2 * OP__COUNT];
	int op_of[2 * OP__COUNT];	/* probe -> operation */
	char heads[2 * OP__COUNT][96];
	struct snoop s;
	struct fss_bpf *bpf;
};

static void header(struct snoop *s)
{
	snoop_print_clock_header(s, 8, false);
	printf("%-14s %-7s %s %-7s %-8s %7s %s\n", "COMM", "PID", "T", "BYTES", "OFF_KB",
	       "LAT(ms)", "FILENAME");
}

static void print_op(const struct snoop *s, uint64_t ts, int pid, int tid,
		     const char *comm, char op, int64_t bytes, int64_t offset,
		     uint64_t lat, const char *name)
{
	struct fss_opts *o = s->ctx;

	if (g_opts.json) {
		snoop_json_begin(ts, pid, tid, comm);
		printf(",\"op\":\"%c\",\"bytes\":%lld,\"offset\":", op, (long long)bytes);
		if (offset >= 0)
			printf("%lld", (long long)offset);
		else
			printf("null");
		printf(",\"lat_ns\":%llu,\"fs\":\"%s\",\"file\":", (unsigned long long)lat,
		       o->fs->name);
		if (name)
			json_print_string(stdout, name);
		else
			printf("null");
		printf("}\n");
		return;
	}
	snoop_print_clock(s, ts, 8, false);
	printf("%-14.14s %-7d %c %-7lld %-8lld %7.2f %s\n", comm, pid, op,
	       (long long)bytes, offset >= 0 ? (long long)offset / 1024 : 0LL,
	       lat / 1e6, name ? name : "[unknown]");
}

/* ---- kernel functions, through the engine ---- */

static void on_event(struct snoop *s, int idx, const struct tprobe_event *e)
{
	struct fss_opts *o = s->ctx;
	int op = o->op_of[idx];
	struct snoop_saved in;
	uint64_t lat;
	int64_t ret, bytes;

	if (!(idx & 1)) {		/* entry */
		snoop_stash_put(s, idx, e);
		return;
	}
	if (!snoop_stash_take_from(s, e->tid, idx - 1, &in))
		return;
	lat = e->ts > in.ts ? e->ts - in.ts : 0;
	ret = snoop_int(e, 0);
	bytes = op == OP_READ || op == OP_WRITE ? (ret > 0 ? ret : 0) : 0;
	if (lat >= o->min_ms * 1e6)
		print_op(s, e->ts, in.pid, in.tid, in.comm, op_letter[op], bytes,
			 o->names && (op == OP_READ || op == OP_WRITE) ? in.v[1] : -1,
			 lat, in.str);
	snoop_saved_free(&in);
}

/* entry values: the file's name and (reads, writes) position */
static const char *entry_values(const struct fs_type *fs, int op)
{
	bool vfs = !fs->magic;

	switch (op) {
	case OP_READ:
	case OP_WRITE:
		return vfs ? "arg1->f_path.dentry->d_name.name, +0(arg4)"
			   : "arg1->ki_filp->f_path.dentry->d_name.name, arg1->ki_pos";
	case OP_OPEN:
		return "arg2->f_path.dentry->d_name.name";
	default:
		return "arg1->f_path.dentry->d_name.name";
	}
}

static int run_kfuncs(struct fss_opts *o)
{
	const char *funcs[OP__COUNT] = { o->fs->read, o->fs->write, o->fs->open, o->fs->fsync };
	int n = 0;

	for (int op = 0; op < OP__COUNT; op++) {
		if (!funcs[op])
			continue;
		snprintf(o->heads[n], sizeof(o->heads[n]), "p:%s", funcs[op]);
		o->probes[n] = (struct snoop_probe){ .head = o->heads[n] };
		if (o->names) {
			o->probes[n].format = op == OP_READ || op == OP_WRITE ? "%s %d" : "%s";
			o->probes[n].values = entry_values(o->fs, op);
		}
		o->op_of[n++] = op;
		snprintf(o->heads[n], sizeof(o->heads[n]), "r:%s", funcs[op]);
		o->probes[n] = (struct snoop_probe){ .head = o->heads[n], .format = "%d",
						     .values = "retval" };
		o->op_of[n++] = op;
	}
	o->s.probes = o->probes;
	o->s.nprobes = n;
	o->s.event = on_event;
	o->s.header = header;
	if (!o->names)
		warning("no kernel BTF: file names and offsets are unknown");
	return snoop_run(&o->s);
}

/* ---- system calls, our own BPF programs ---- */

static void on_record(void *ctx, const struct fss_rec *r)
{
	struct fss_opts *o = ctx;
	char name[FSS_NAME_LEN + 1], comm[FSS_COMM_LEN + 1];
	bool rw = r->op == FSS_READ || r->op == FSS_WRITE;

	memcpy(name, r->name, FSS_NAME_LEN);
	name[FSS_NAME_LEN] = '\0';
	memcpy(comm, r->comm, FSS_COMM_LEN);
	comm[FSS_COMM_LEN] = '\0';
	print_op(&o->s, r->ts, r->pid, r->tid, comm, (char)r->op,
		 rw && r->ret > 0 ? r->ret : 0, rw ? r->offset : -1, r->delta_ns, name);
}

static int poll_bpf(void *ctx, int timeout_ms)
{
	return fss_bpf_poll(ctx, timeout_ms);
}

static int run_syscalls(struct fss_opts *o, const struct plan *kfunc)
{
	const struct kernel_facts *kf = features_get();
	struct fss_bpf_opts bo = {
		.magic = o->fs->magic, .min_ns = o->min_ms * 1e6, .pid = o->s.pid,
		.ringbuf = kf->ringbuf.state == FACT_YES, .cb = on_record, .ctx = o,
	};
	char err[512], why[600];
	struct plan tp;
	int ret;

	plan_reason_line(kfunc, why, sizeof(why));
	if (g_opts.via != MECH_AUTO && g_opts.via != MECH_BPF)
		return error("cannot trace %s operations via %s here: no kernel function can be probed (%s), and the system call programs need BPF",
			     o->fs->name, mechanism_name(g_opts.via), why);
	if (plan_select(PK_TRACEPOINT, kf, MECH_BPF, &tp) || kf->btf.state != FACT_YES) {
		char tw[600];

		plan_reason_line(&tp, tw, sizeof(tw));
		return error("cannot trace %s operations here: no kernel function can be probed (%s), and timing system calls needs BPF tracepoints with BTF (%s%sbtf: %s)",
			     o->fs->name, why, tw, *tw ? "; " : "", kf->btf.evidence);
	}
	vinfo("no kernel function probes here (%s): timing system calls instead, with the file system checked in the kernel",
	      why);
	signals_install();
	o->bpf = fss_bpf_open(&bo, err, sizeof(err));
	if (!o->bpf)
		return error("%s", err);
	o->s.start_ns = now_mono_ns();
	fprintf(stderr, "Tracing %s operations slower than %g ms via %s (no kernel function probes here). Ctrl-C to end.\n",
		o->fs->name, o->min_ms, fss_bpf_what(o->bpf));
	if (!g_opts.json)
		header(&o->s);
	ret = runloop_run(poll_bpf, o->bpf, o->s.duration);
	fss_bpf_finish(o->bpf);
	fflush(stdout);
	/* the kernel pairs start and end: one record is one event */
	struct loss lost = loss_records(fss_bpf_lost(o->bpf));
	loss_report(lost);
	fss_bpf_close(o->bpf);
	return ret ? error("reading events failed: %s", strerror(-ret)) : 0;
}

/* ---- the command ---- */

static const char *const fss_usage[] = {
	"sonde snoop fsslower [-t FSTYPE] [-p PID] [-T | --timestamp] [-d SECONDS] [MIN_MS]",
	"ext4slower | xfsslower | btrfsslower | fileslower [<options>] [MIN_MS]",
	NULL,
};

/* The applets name their file system ("xfsslower"). */
static const char *default_type(const char *tool)
{
	if (!strcmp(tool, "fileslower"))
		return "any";
	for (size_t i = 0; i < ARRAY_SIZE(fs_types); i++)
		if (!strncmp(tool, fs_types[i].name, strlen(fs_types[i].name)))
			return fs_types[i].name;
	return "ext4";
}

int snoop_fsslower(int argc, char **argv)
{
	struct fss_opts o = { .min_ms = 10 };
	const struct option opts[] = {
		/* -t is the file system here, as in libbpf-tools' fsslower */
		{ OPT_STRING, 't', "type", &o.type_name, "FSTYPE",
		  "file system: ext4 (default), xfs, btrfs, nfs, any", "ext4 xfs btrfs nfs any" },
		{ OPT_INT, 'p', "pid", &o.s.pid, "PID", "only this process" },
		{ OPT_BOOL, 'T', "time", &o.s.time_wall, NULL,
		  "the TIME column is the wall clock (the default)" },
		{ OPT_BOOL, 0, "timestamp", &o.s.time_rel, NULL,
		  "the TIME column is seconds since tracing started" },
		{ OPT_DOUBLE, 'd', "duration", &o.s.duration, "SECONDS", "stop after SECONDS" },
		OPT_END_MARK(),
	};
	const struct kernel_facts *kf;
	enum mechanism via = g_opts.via == MECH_PERF ? MECH_TRACEFS : g_opts.via;
	struct plan pe, pr;
	char *end;

	o.type_name = default_type(argv[0]);
	argc = parse_options(argc, argv, opts, fss_usage, 0);
	if (argc > 1)
		return usage_error("unexpected argument '%s'", argv[1]);
	if (argc == 1) {
		o.min_ms = strtod(argv[0], &end);
		if (*end || end == argv[0] || o.min_ms < 0)
			return usage_error("MIN_MS must be a number of milliseconds, not '%s'", argv[0]);
	}
	for (size_t i = 0; i < ARRAY_SIZE(fs_types) && !o.fs; i++)
		if (!strcmp(o.type_name, fs_types[i].name))
			o.fs = &fs_types[i];
	if (!o.fs)
		return usage_error("unknown file system '%s' (ext4, xfs, btrfs, nfs, any)", o.type_name);
	if (o.s.time_rel && o.s.time_wall)
		return usage_error("-T and --timestamp cannot be used together");
	o.s.name = "fsslower";
	o.s.ctx = &o;
	kf = features_get();
	o.names = kf->btf.state == FACT_YES;
	if (!plan_select(PK_KFUNC_ENTRY, kf, via, &pe) &&
	    !plan_select(PK_KFUNC_RETURN, kf, via, &pr)) {
		plan_explain(&pe, o.fs->read);
		return run_kfuncs(&o);
	}
	return run_syscalls(&o, pe.rung == RUNG_NONE ? &pe : &pr);
}
