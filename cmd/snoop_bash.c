// SPDX-License-Identifier: GPL-2.0
/*
 * sonde snoop bash (bashreadline): every command line typed into an
 * interactive bash, in bcc bashreadline's columns TIME PID COMMAND, from a
 * uretprobe on readline (the line it returns). bash links readline in on
 * most distributions; -s names the shared library where it does not.
 */
#include <stdlib.h>
#include <string.h>

#include "snoop.h"
#include "sonde.h"
#include "util.h"

struct bash_opts {
	const char *binary;
	char head[512];
	struct snoop_probe probe;
};

static void header(struct snoop *s)
{
	snoop_print_clock_header(s, 9, false);
	printf("%-7s %s\n", "PID", "COMMAND");
}

static void on_event(struct snoop *s, int idx, const struct tprobe_event *e)
{
	const char *line = snoop_str(e, 0);

	if (!line || !*line)
		return;		/* EOF, or an empty line */
	if (g_opts.json) {
		snoop_json_begin(e->ts, e->pid, e->tid, e->comm);
		printf(",\"command\":");
		json_print_string(stdout, line);
		printf("}\n");
		return;
	}
	snoop_print_clock(s, e->ts, 9, false);
	printf("%-7d %s\n", e->pid, line);
}

static const char *const bash_usage[] = {
	"sonde snoop bash [-s LIBREADLINE] [--bash PATH] [-p PID] [-t | -T] [-d SECONDS]",
	"bashreadline [<options>]",
	NULL,
};

int snoop_bash(int argc, char **argv)
{
	const char *shared = NULL;
	struct bash_opts o = { .binary = "/bin/bash" };
	struct snoop s = { .name = "bash", .event = on_event, .header = header, .ctx = &o,
			   .probes = &o.probe, .nprobes = 1 };
	const struct option opts[] = {
		{ OPT_STRING, 's', "shared", &shared, "LIBREADLINE",
		  "readline is in this shared library (bash linked with it)" },
		{ OPT_STRING, 0, "bash", &o.binary, "PATH", "the bash binary (default /bin/bash)" },
		SNOOP_OPTIONS(&s),
		OPT_END_MARK(),
	};

	argc = parse_options(argc, argv, opts, bash_usage, 0);
	if (argc > 0)
		return usage_error("unexpected argument '%s'", argv[0]);
	snprintf(o.head, sizeof(o.head), "ur:%s:readline", shared ? shared : o.binary);
	o.probe = (struct snoop_probe){ o.head, "%s", "retval" };
	return snoop_run(&s);
}
