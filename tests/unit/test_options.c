// SPDX-License-Identifier: GPL-2.0
#include "options.h"
#include "sonde.h"
#include "unit.h"
#include "util.h"

TEST(options_short_long_and_positionals)
{
	bool x = false;
	int d = 0;
	const char *name = NULL;
	const struct option opts[] = {
		{ OPT_BOOL, 'x', "fails", &x, NULL, "failed only" },
		{ OPT_INT, 'd', "duration", &d, "SECONDS", "stop after" },
		{ OPT_STRING, 'n', "name", &name, "NAME", "match" },
		OPT_END_MARK(),
	};
	char *argv[] = { "snoop", "-xd5", "exec", "--name=bash", "-v", "--",
			 "ls", "-l", NULL };
	int argc = parse_options(8, argv, opts, NULL, PARSE_OPT_KEEP_DASHDASH);

	CHECK(x);
	CHECK_INT(d, 5);
	CHECK_STR(name, "bash");
	CHECK_INT(argc, 4);
	CHECK_STR(argv[0], "exec");
	CHECK_STR(argv[1], "--");
	CHECK_STR(argv[2], "ls");
	CHECK_STR(argv[3], "-l");
	CHECK(g_opts.verbose == 1);
	g_opts.verbose = 0;
}

TEST(edit_distance_suggests)
{
	CHECK_INT(edit_distance("snop", "snoop"), 1);
	CHECK_INT(edit_distance("features", "features"), 0);
	CHECK_INT(edit_distance("abc", "xyz"), 3);
}
