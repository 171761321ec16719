/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Table-driven option parsing in the spirit of git's parse-options: the
 * same table parses argv, prints -h and answers --list-opts for shell
 * completion, so help and completion cannot drift from the code.
 */
#ifndef SONDE_OPTIONS_H
#define SONDE_OPTIONS_H

#include <stdbool.h>
#include <stdio.h>

enum opt_type {
	OPT_END = 0,
	OPT_BOOL,	/* sets bool to true */
	OPT_COUNT,	/* increments int */
	OPT_INT,	/* int value */
	OPT_UINT,	/* unsigned value */
	OPT_DOUBLE,	/* double value */
	OPT_STRING,	/* const char * value */
	OPT_GROUP,	/* heading in -h output */
};

struct option {
	enum opt_type type;
	int short_name;
	const char *long_name;
	void *value;
	const char *argh;	/* placeholder shown in help: "SECONDS" */
	const char *help;
	const char *complete;	/* completion candidates, space separated */
};

#define OPT_END_MARK()	{ OPT_END }

/* Flags for parse_options(). */
#define PARSE_OPT_STOP_AT_NON_OPTION	(1 << 0)	/* subcommand dispatch */
#define PARSE_OPT_KEEP_DASHDASH		(1 << 1)	/* leave "--" in argv */

/*
 * Parse argv[1..] (argv[0] is the command name) against opts and the
 * global options. Non-option arguments are compacted into argv[0..ret-1]
 * (argv[0] excluded); "-- CMD ARGS" ends parsing and, with
 * PARSE_OPT_KEEP_DASHDASH, is kept as "--" followed by CMD ARGS.
 * On -h: prints usage and exits 0. On --list-opts: prints the options for
 * completion and exits 0. On error: one line, exit 2.
 */
int parse_options(int argc, char **argv, const struct option *opts,
		  const char *const *usage, int flags);

/* Print the usage block and the option table to fp. */
void usage_with_options(FILE *fp, const char *const *usage,
			const struct option *opts);

/* A duration given as an argument, as bcc's tools take it ("profile 5"):
 * a positive number of seconds; 0, or -1 when s is not one. */
int parse_seconds(const char *s, double *out);

/* The global options (-v, --json, --via), shared by every command. */
extern const struct option global_options[];

#endif
