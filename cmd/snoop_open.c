// SPDX-License-Identifier: GPL-2.0
/*
 * sonde snoop open (opensnoop): every open(2), openat(2) and openat2(2),
 * in bcc opensnoop's columns PID COMM FD ERR [FLAGS] PATH, from the
 * syscall tracepoints paired by thread; openat2's flags are read from its
 * struct open_how (+u0(args->how)) where the mechanism can.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include "snoop.h"
#include "sonde.h"
#include "util.h"

enum {
	OPEN_ENTER, OPENAT_ENTER, OPENAT2_ENTER,
	OPEN_EXIT, OPENAT_EXIT, OPENAT2_EXIT,
	OPEN__COUNT,
};

static const struct snoop_probe open_probes[OPEN__COUNT] = {
	[OPEN_ENTER] = { "t:syscalls:sys_enter_open", "%s %d %d",
			 "args->filename, args->flags, args->mode", NULL, SNOOP_OPTIONAL },
	[OPENAT_ENTER] = { "t:syscalls:sys_enter_openat", "%s %d %d",
			   "args->filename, args->flags, args->mode" },
	/* how->flags and how->mode (struct open_how) are behind a pointer:
	 * read by BPF or an event probe, else unknown */
	[OPENAT2_ENTER] = { "t:syscalls:sys_enter_openat2", "%s %d %d",
			    "args->filename, +u0(args->how), +u8(args->how)",
			    NULL, SNOOP_OPTIONAL },
	[OPEN_EXIT] = { "t:syscalls:sys_exit_open", "%d", "args->ret", NULL,
		       SNOOP_OPTIONAL | SNOOP_DEFINES },
	[OPENAT_EXIT] = { "t:syscalls:sys_exit_openat", "%d", "args->ret", NULL,
			  SNOOP_DEFINES },
	[OPENAT2_EXIT] = { "t:syscalls:sys_exit_openat2", "%d", "args->ret", NULL,
			   SNOOP_OPTIONAL | SNOOP_DEFINES },
};

struct open_opts {
	bool failed_only, extended, print_uid;
	int tid, uid;			/* uid -1: every user */
	const char *name, *flag_list;
	int flags_any;		/* -f: any of these bits */
	int accmodes;		/* -f O_RDONLY/O_WRONLY/O_RDWR: bit 1 << mode */
	bool path_warned;
	bool how_unknown;	/* openat2's flags and mode: not on this mechanism */
};

static const struct {
	const char *name;
	int bits;
} flag_names[] = {
	{ "O_CREAT", O_CREAT }, { "O_EXCL", O_EXCL }, { "O_NOCTTY", O_NOCTTY },
	{ "O_TRUNC", O_TRUNC }, { "O_APPEND", O_APPEND }, { "O_NONBLOCK", O_NONBLOCK },
	{ "O_DSYNC", O_DSYNC }, { "O_SYNC", O_SYNC }, { "O_DIRECT", O_DIRECT },
	{ "O_LARGEFILE", 0100000 }, { "O_DIRECTORY", O_DIRECTORY },
	{ "O_NOFOLLOW", O_NOFOLLOW }, { "O_NOATIME", O_NOATIME },
	{ "O_CLOEXEC", O_CLOEXEC }, { "O_PATH", O_PATH }, { "O_TMPFILE", O_TMPFILE },
};

/* -f O_WRONLY,O_CREAT: access modes and flag bits, any of which matches */
static int parse_flags(struct open_opts *o)
{
	char *list = strdup(o->flag_list), *save = NULL;
	static const char *const modes[] = { "O_RDONLY", "O_WRONLY", "O_RDWR" };
	int ret = 0;

	for (char *f = strtok_r(list, ",|", &save); f && !ret; f = strtok_r(NULL, ",|", &save)) {
		bool found = false;

		for (size_t i = 0; i < ARRAY_SIZE(modes) && !found; i++)
			if (!strcasecmp(f, modes[i]) || !strcasecmp(f, modes[i] + 2)) {
				o->accmodes |= 1 << i;
				found = true;
			}
		for (size_t i = 0; i < ARRAY_SIZE(flag_names) && !found; i++)
			if (!strcasecmp(f, flag_names[i].name) ||
			    !strcasecmp(f, flag_names[i].name + 2)) {
				o->flags_any |= flag_names[i].bits;
				found = true;
			}
		if (!found)
			ret = usage_error("unknown open flag '%s' for -f (e.g. O_WRONLY, O_CREAT, O_TRUNC)", f);
	}
	free(list);
	return ret;
}

static bool flags_match(const struct open_opts *o, int flags)
{
	if (!o->flag_list)
		return true;
	return (flags & o->flags_any) || (o->accmodes & (1 << (flags & O_ACCMODE)));
}

static void header(struct snoop *s)
{
	struct open_opts *o = s->ctx;

	snoop_print_time_header(s);
	if (o->print_uid)
		printf("%-6s ", "UID");
	printf("%-7s %-16s %4s %3s ", "PID", "COMM", "FD", "ERR");
	if (o->extended)
		printf("%-8s ", "FLAGS");
	printf("PATH\n");
}

static void print_open(struct snoop *s, const struct tprobe_event *e,
		       const struct snoop_saved *in)
{
	struct open_opts *o = s->ctx;
	long ret = (long)snoop_int(e, 0);
	bool has_flags = in->idx != OPENAT2_ENTER || !o->how_unknown;
	int fd = ret >= 0 ? (int)ret : -1, err = ret < 0 ? (int)-ret : 0;

	if (g_opts.json) {
		snoop_json_begin(in->ts, in->pid, in->tid, in->comm);
		printf(",\"uid\":");
		if (in->uid != (uint32_t)-1)
			printf("%u", in->uid);
		else
			printf("null");
		printf(",\"fd\":%d,\"err\":%d,\"flags\":", fd, err);
		if (has_flags)
			printf("%d,\"mode\":%d", (int)in->v[1], (int)in->v[2]);
		else
			printf("null,\"mode\":null");
		printf(",\"path\":");
		if (in->str)
			json_print_string(stdout, in->str);
		else
			printf("null");
		printf("}\n");
		return;
	}
	snoop_print_time(s, in->ts);
	if (o->print_uid && in->uid != (uint32_t)-1)
		printf("%-6u ", in->uid);
	else if (o->print_uid)
		printf("%-6s ", "-");
	printf("%-7d %-16s %4d %3d ", in->pid, in->comm, fd, err);
	if (o->extended && has_flags)
		printf("%08o ", (unsigned int)in->v[1]);
	else if (o->extended)
		printf("%-8s ", "-");
	printf("%s\n", in->str ? in->str : "[path unavailable]");
}

/* Can this mechanism read value i (openat2's flags: BPF or event probes)? */
static bool value_known(const struct tprobe_event *e, int i)
{
	const struct tprobe *p = e->probe;
	int slot = i < p->spec.nprint ? tprobe_slot_of(p, p->spec.print[i]) : -1;

	return slot >= 0 && !p->slots[slot].unknown;
}

/* The tool's own filters, at the entry. */
static bool entry_wanted(struct snoop *s, int idx, const struct tprobe_event *e)
{
	struct open_opts *o = s->ctx;

	if (o->tid && e->tid != o->tid)
		return false;
	if (o->name && !strstr(e->comm, o->name))
		return false;
	/* an unknown uid (tracefs, the task gone) cannot match */
	if (o->uid >= 0 && e->uid != (uint32_t)o->uid)
		return false;
	if (!snoop_str(e, 0) && !o->path_warned) {
		warning("this mechanism cannot read the file name here (it needs BPF, or tracefs event probes from Linux 5.15): PATH is unavailable");
		o->path_warned = true;
	}
	if (idx == OPENAT2_ENTER && !value_known(e, 1) && !o->how_unknown) {
		warning("this mechanism cannot read openat2's flags (struct open_how: it needs BPF, or tracefs event probes from Linux 5.15): FLAGS is unknown for openat2 opens%s",
			o->flag_list ? ", and -f does not match them" : "");
		o->how_unknown = true;
	}
	if (idx == OPENAT2_ENTER && o->how_unknown && o->flag_list)
		return false;	/* its flags are not known */
	return flags_match(o, (int)snoop_int(e, 1));
}

static void on_event(struct snoop *s, int idx, const struct tprobe_event *e)
{
	struct snoop_saved in;

	if (idx <= OPENAT2_ENTER) {
		if (entry_wanted(s, idx, e))
			snoop_stash_put(s, idx, e);
		else
			snoop_stash_skip(s, idx, e);	/* its exit is not lost */
		return;
	}
	/* no entry: it began before tracing, or its record was lost */
	if (!snoop_stash_take_from(s, e->tid, idx - OPEN_EXIT, &in))
		return;
	print_open(s, e, &in);
	snoop_saved_free(&in);
}

static const char *const open_usage[] = {
	"sonde snoop open [-x] [-e] [-U] [-u UID] [-f FLAGS] [-n NAME] [-p PID] [--tid TID] [-t | -T] [-d SECONDS]",
	"opensnoop [<options>]",
	NULL,
};

int snoop_open(int argc, char **argv)
{
	struct open_opts o = { .uid = -1 };
	struct snoop s = { .name = "open", .event = on_event, .header = header, .ctx = &o };
	const struct option opts[] = {
		{ OPT_BOOL, 'x', "failed", &o.failed_only, NULL, "only failed opens" },
		{ OPT_BOOL, 'e', "extended-fields", &o.extended, NULL, "print the FLAGS column (octal)" },
		{ OPT_STRING, 'f', "flag-filter", &o.flag_list, "FLAGS",
		  "only opens with any of these flags (O_WRONLY,O_CREAT,...)" },
		{ OPT_STRING, 'n', "name", &o.name, "NAME", "only processes whose name contains NAME" },
		{ OPT_INT, 0, "tid", &o.tid, "TID", "only this thread" },
		{ OPT_BOOL, 'U', "print-uid", &o.print_uid, NULL, "print the UID column" },
		{ OPT_INT, 'u', "uid", &o.uid, "UID", "only opens by this user id" },
		SNOOP_OPTIONS(&s),
		OPT_END_MARK(),
	};
	struct snoop_probe probes[OPEN__COUNT];
	char tidf[64], exitf[96];

	argc = parse_options(argc, argv, opts, open_usage, 0);
	if (argc > 0)
		return usage_error("unexpected argument '%s'", argv[0]);
	if (o.flag_list && parse_flags(&o))
		return EXIT_USAGE;
	if (o.uid < -1)
		return usage_error("-u wants a user id (0 or more), not %d", o.uid);
	s.want_uid = o.print_uid || o.uid >= 0;
	memcpy(probes, open_probes, sizeof(probes));
	snprintf(tidf, sizeof(tidf), "tid == %d", o.tid);
	/* exits too: an exit the kernel counts is one open (include/loss.h) */
	snprintf(exitf, sizeof(exitf), "%s%s%s", o.tid ? tidf : "",
		 o.tid && o.failed_only ? " && " : "", o.failed_only ? "args->ret < 0" : "");
	for (int i = 0; i < OPEN__COUNT; i++) {
		if (i >= OPEN_EXIT && *exitf)
			probes[i].filter = exitf;
		else if (i < OPEN_EXIT && o.tid)
			probes[i].filter = tidf;
	}
	s.probes = probes;
	s.nprobes = OPEN__COUNT;
	return snoop_run(&s);
}
