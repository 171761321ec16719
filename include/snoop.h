/* SPDX-License-Identifier: GPL-2.0 */
/* The snoop tools: cmd/snoop_<name>.c, dispatched by cmd/snoop.c. */
#ifndef SONDE_SNOOP_H
#define SONDE_SNOOP_H

struct snoop_tool {
	const char *name;
	int (*fn)(int argc, char **argv);	/* argv[0] is the tool name */
	const char *summary;
};

int snoop_exec(int argc, char **argv);

#endif
