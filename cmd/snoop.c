// SPDX-License-Identifier: GPL-2.0
/* sonde snoop TOOL: ready-made event tools, one file each. */
#include <string.h>

#include "cmds.h"
#include "options.h"
#include "snoop.h"
#include "sonde.h"
#include "util.h"

static const struct snoop_tool tools[] = {
	{ "exec", snoop_exec, "new processes (execsnoop)" },
	{ "exit", snoop_exit, "process exits with age and exit code or signal (exitsnoop)" },
	{ "kill", snoop_kill, "signals sent by kill, tkill, tgkill (killsnoop)" },
	{ "open", snoop_open, "file opens with FD or error (opensnoop)" },
	{ "bio", snoop_bio, "block I/O with disk, size and latency (biosnoop)" },
	{ "fsslower", snoop_fsslower, "slow file reads, writes, opens, fsyncs (ext4slower, ...)" },
	{ "ext4slower", snoop_fsslower, "fsslower -t ext4" },
	{ "xfsslower", snoop_fsslower, "fsslower -t xfs" },
	{ "btrfsslower", snoop_fsslower, "fsslower -t btrfs" },
	{ "fileslower", snoop_fsslower, "fsslower -t any (reads and writes of every file system)" },
	{ "connect", snoop_connect, "TCP connects, IPv4 and IPv6 (tcpconnect)" },
	{ "accept", snoop_accept, "TCP accepts, IPv4 and IPv6 (tcpaccept)" },
	{ "retrans", snoop_retrans, "TCP retransmissions with addresses and state (tcpretrans)" },
	{ "dns", snoop_dns, "host name lookups through the C library, with latency (gethostlatency)" },
	{ "bash", snoop_bash, "command lines typed into bash (bashreadline)" },
};

static const char *const snoop_usage[] = {
	"sonde snoop <tool> [<options>]",
	NULL,
};

static void list_tools(FILE *fp)
{
	fprintf(fp, "\nTools:\n");
	for (size_t i = 0; i < ARRAY_SIZE(tools); i++)
		fprintf(fp, "    %-12s%s\n", tools[i].name, tools[i].summary);
}

int cmd_snoop(int argc, char **argv)
{
	static char name[64];

	if (argc >= 2 && !strcmp(argv[1], "--list-tools")) {
		for (size_t i = 0; i < ARRAY_SIZE(tools); i++)
			printf("%s\n", tools[i].name);
		return 0;
	}
	if (argc >= 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		usage_with_options(stdout, snoop_usage, NULL);
		list_tools(stdout);
		return 0;
	}
	argc = parse_options(argc, argv, NULL, snoop_usage,
			     PARSE_OPT_STOP_AT_NON_OPTION);
	if (argc < 1)
		return usage_error("which tool? 'sonde snoop -h' lists them");
	for (size_t i = 0; i < ARRAY_SIZE(tools); i++) {
		if (strcmp(argv[0], tools[i].name))
			continue;
		snprintf(name, sizeof(name), "sonde snoop %s", tools[i].name);
		g_cmd_name = name;
		return tools[i].fn(argc, argv);
	}
	return usage_error("'%s' is not a snoop tool; 'sonde snoop -h' lists them",
			   argv[0]);
}
