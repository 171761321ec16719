// SPDX-License-Identifier: GPL-2.0
/*
 * sonde: git-style command table and busybox-style applet routing.
 *
 *   sonde [global options] <command> [options] [args]
 *   execsnoop [options]          (a symlink to sonde)
 */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmds.h"
#include "complete.h"
#include "fault.h"
#include "options.h"
#include "privilege.h"
#include "sonde.h"
#include "util.h"

const struct command commands[] = {
	{ "trace", cmd_trace, "one line per event at any probe; --syscalls: strace-like" },
	{ "features", cmd_features, "report what this kernel offers and which mechanism each probe kind gets" },
	{ "snoop", cmd_snoop, "ready-made event tools: exec, open, exit, kill, bio, fsslower, connect, accept, retrans, dns, bash" },
	{ "probe", cmd_probe, "list probe points, show arguments, add and delete persistent events (perf probe)" },
	{ "hist", cmd_hist, "latency and value histograms and keyed counts, aggregated in the kernel" },
	{ "profile", cmd_profile, "sample on-CPU stacks at N Hz, user + kernel, symbolized (bcc profile)" },
	{ "stack", cmd_stack, "count stacks at any probe (stackcount); --offcpu: blocked time by stack (offcputime)" },
	{ "help", cmd_help, "show help for sonde or a command" },
	{ NULL },
};

const struct applet applets[] = {
	{ "execsnoop", "snoop", "exec" },
	{ "exitsnoop", "snoop", "exit" },
	{ "killsnoop", "snoop", "kill" },
	{ "opensnoop", "snoop", "open" },
	{ "biosnoop", "snoop", "bio" },
	{ "ext4slower", "snoop", "ext4slower" },
	{ "xfsslower", "snoop", "xfsslower" },
	{ "btrfsslower", "snoop", "btrfsslower" },
	{ "fileslower", "snoop", "fileslower" },
	{ "tcpconnect", "snoop", "connect" },
	{ "tcpaccept", "snoop", "accept" },
	{ "tcpretrans", "snoop", "retrans" },
	{ "gethostlatency", "snoop", "dns" },
	{ "bashreadline", "snoop", "bash" },
	{ "funccount", "hist", "--count" },
	{ "funclatency", "hist", NULL },
	{ "biolatency", "hist", "--preset=biolatency" },
	{ "runqlat", "hist", "--preset=runqlat" },
	{ "syscount", "hist", "--preset=syscount" },
	{ "vfsstat", "hist", "--preset=vfsstat" },
	{ "argdist", "hist", "--preset=argdist" },
	{ "profile", "profile", NULL },
	{ "stackcount", "stack", NULL },
	{ "offcputime", "stack", "--offcpu" },
	{ NULL },
};

const struct command *command_find(const char *name)
{
	for (const struct command *c = commands; c->name; c++)
		if (!strcmp(c->name, name))
			return c;
	return NULL;
}

const struct applet *applet_find(const char *name)
{
	for (const struct applet *a = applets; a->name; a++)
		if (!strcmp(a->name, name))
			return a;
	return NULL;
}

const char *command_suggest(const char *name)
{
	const char *best = NULL;
	int best_d = 3;

	for (const struct command *c = commands; c->name; c++) {
		int d = edit_distance(name, c->name);
		if (d < best_d || (!strncmp(name, c->name, strlen(name)) && d < 99)) {
			best_d = d;
			best = c->name;
			if (!strncmp(name, c->name, strlen(name)))
				break;
		}
	}
	return best;
}

static const char *const sonde_usage[] = {
	"sonde [-v] [--json] [--via MECH] [--buffer-size SIZE] <command> [<options>] [<args>]",
	"sonde --version | --list-cmds | --install DIR | --install-list | --complete WORD [BINARY]",
	"<applet> [<options>]   (a symlink to sonde, e.g. execsnoop)",
	NULL,
};

void main_usage(FILE *fp)
{
	usage_with_options(fp, sonde_usage, NULL);
	fprintf(fp, "\nCommands:\n");
	for (const struct command *c = commands; c->name; c++)
		fprintf(fp, "    %-12s%s\n", c->name, c->summary);
	fprintf(fp, "\nApplets (sonde --install DIR makes the symlinks):\n   ");
	for (const struct applet *a = applets; a->name; a++)
		fprintf(fp, " %s", a->name);
	fprintf(fp, "\n\nSee 'sonde <command> -h' or 'man sonde-<command>'.\n");
}

static int install_applets(const char *dir)
{
	char self[PATH_MAX], link[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	int made = 0;

	if (n < 0)
		return error("cannot find my own path: %s", strerror(errno));
	self[n] = '\0';
	for (const struct applet *a = applets; a->name; a++) {
		snprintf(link, sizeof(link), "%s/%s", dir, a->name);
		if (symlink(self, link) && errno != EEXIST)
			return error("cannot create '%s': %s", link, strerror(errno));
		made++;
	}
	printf("%d applet links in %s -> %s\n", made, dir, self);
	return 0;
}

/*
 * The privilege a command needs, checked when it first turns to the kernel
 * (after its usage errors): one line naming what is missing beats every
 * rung's EPERM. help, features and probe (only --add/--del/--clean need
 * tracefs; cmd/probe.c checks) run unprivileged.
 */
static void arm_privilege_check(const struct command *c, int argc, char **argv)
{
	static const char *const tracing[] = { "trace", "hist", "stack", "snoop" };

	if (privilege_args_only_help(argc, argv))
		return;
	if (!strcmp(c->name, "profile"))
		privilege_arm(PRIV_SAMPLING);
	for (size_t i = 0; i < ARRAY_SIZE(tracing); i++)
		if (!strcmp(c->name, tracing[i]))
			privilege_arm(PRIV_TRACING);
}

/* Run one command: stdout is flushed and checked here, in one place. */
static int run_command(const struct command *c, int argc, char **argv)
{
	static char name[64];
	int ret;

	snprintf(name, sizeof(name), "sonde %s", c->name);
	g_cmd_name = name;
	arm_privilege_check(c, argc, argv);
	ret = c->fn(argc, argv);
	if (!ret && fault_map_read_error())
		ret = error("reading BPF maps failed (%s): the counts above are incomplete",
			    strerror(fault_map_read_error()));
	if (fflush(stdout) || ferror(stdout)) {
		/* A reader that went away (| head) is a normal way to stop;
		 * errno may be a later call's by now. */
		if (errno != EPIPE && !stdout_reader_gone())
			return error("write error on standard output: %s", strerror(errno));
	}
	return ret;
}

int main(int argc, char **argv)
{
	const char *base = basename(argv[0]);
	const struct applet *ap = applet_find(base);
	const char *install_dir = NULL, *complete_word = NULL;
	bool version = false, list_cmds = false, install_list = false;
	const struct option main_opts[] = {
		{ OPT_BOOL, 0, "version", &version, NULL, "print the version" },
		{ OPT_BOOL, 0, "list-cmds", &list_cmds, NULL, "list the commands (for completion)" },
		{ OPT_STRING, 0, "install", &install_dir, "DIR", "make the applet symlinks in DIR" },
		{ OPT_BOOL, 0, "install-list", &install_list, NULL, "list the applet names" },
		{ OPT_STRING, 0, "complete", &complete_word, "WORD", "probe names continuing WORD [in BINARY] (for completion)" },
		OPT_END_MARK(),
	};
	const struct command *c;

	if (ap) {
		/* execsnoop -x  ==>  sonde snoop exec -x */
		char **nargv = calloc(argc + 3, sizeof(*nargv));
		int k = 0;

		nargv[k++] = (char *)ap->cmd;
		if (ap->sub)
			nargv[k++] = (char *)ap->sub;
		for (int i = 1; i < argc; i++)
			nargv[k++] = argv[i];
		c = command_find(ap->cmd);
		return run_command(c, k, nargv);
	}

	if (argc > 1 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		main_usage(stdout);
		return 0;
	}
	argc = parse_options(argc, argv, main_opts, sonde_usage,
			     PARSE_OPT_STOP_AT_NON_OPTION);
	if (version) {
		printf("sonde %s\n", SONDE_VERSION);
		return 0;
	}
	if (list_cmds) {
		for (c = commands; c->name; c++)
			printf("%s\n", c->name);
		return 0;
	}
	if (install_list) {
		for (ap = applets; ap->name; ap++)
			printf("%s\n", ap->name);
		return 0;
	}
	if (install_dir)
		return install_applets(install_dir);
	if (complete_word)
		return complete_probe(complete_word, argc > 0 ? argv[0] : NULL, stdout);
	if (argc < 1) {
		main_usage(stderr);
		return EXIT_USAGE;
	}
	c = command_find(argv[0]);
	if (!c) {
		const char *s = command_suggest(argv[0]);

		if (s)
			return usage_error("'%s' is not a command; did you mean '%s'?",
					   argv[0], s);
		return usage_error("'%s' is not a command; see 'sonde help'", argv[0]);
	}
	return run_command(c, argc, argv);
}
