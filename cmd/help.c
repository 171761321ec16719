// SPDX-License-Identifier: GPL-2.0
/* sonde help [COMMAND]: the man page when man is there, else -h. */
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cmds.h"
#include "options.h"
#include "sonde.h"

void main_usage(FILE *fp);

int cmd_help(int argc, char **argv)
{
	static const char *const usage[] = { "sonde help [<command>]", NULL };
	const struct command *c;
	char page[64];

	argc = parse_options(argc, argv, NULL, usage, 0);
	if (argc == 0) {
		main_usage(stdout);
		return 0;
	}
	c = command_find(argv[0]);
	if (!c)
		return usage_error("'%s' is not a command; see 'sonde help'", argv[0]);
	snprintf(page, sizeof(page), "sonde-%s", c->name);
	/* man is looked up on PATH only; no shell runs. */
	if (isatty(STDOUT_FILENO)) {
		pid_t pid = fork();
		int st;

		if (pid == 0) {
			execlp("man", "man", page, (char *)NULL);
			_exit(127);
		}
		if (pid > 0 && waitpid(pid, &st, 0) == pid &&
		    WIFEXITED(st) && WEXITSTATUS(st) == 0)
			return 0;
	}
	char *hargv[] = { (char *)c->name, "-h", NULL };
	return c->fn(2, hargv);
}
