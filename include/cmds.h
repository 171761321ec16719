/* SPDX-License-Identifier: GPL-2.0 */
/* The commands (cmd/<name>.c) and the applet table. */
#ifndef SONDE_CMDS_H
#define SONDE_CMDS_H

int cmd_features(int argc, char **argv);
int cmd_trace(int argc, char **argv);
int cmd_snoop(int argc, char **argv);
int cmd_probe(int argc, char **argv);
int cmd_hist(int argc, char **argv);
/* sonde hist --preset NAME (cmd/hist_presets.c); argv[0] is replaced. */
int cmd_hist_preset(const char *name, int argc, char **argv);
int cmd_profile(int argc, char **argv);
int cmd_stack(int argc, char **argv);
int cmd_help(int argc, char **argv);

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

/* An applet is a symlink name that stands for "sonde CMD [SUB]". */
struct applet {
	const char *name;
	const char *cmd;
	const char *sub;	/* inserted after cmd, or NULL */
};

extern const struct command commands[];
extern const struct applet applets[];

const struct command *command_find(const char *name);
const struct applet *applet_find(const char *name);
/* The closest command name to a mistyped one, or NULL. */
const char *command_suggest(const char *name);

#endif
