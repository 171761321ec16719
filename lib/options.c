// SPDX-License-Identifier: GPL-2.0
/* Table-driven option parser; see include/options.h. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "bufsize.h"
#include "options.h"
#include "sonde.h"
#include "util.h"

const struct option global_options[] = {
	{ OPT_GROUP, 0, NULL, NULL, NULL, "Global options" },
	{ OPT_COUNT, 'v', "verbose", &g_opts.verbose, NULL,
	  "explain every mechanism decision and fallback" },
	{ OPT_BOOL, 0, "json", &g_opts.json, NULL,
	  "print newline-delimited JSON" },
	{ OPT_STRING, 0, "via", &g_opts.via_arg, "MECH",
	  "force a mechanism: bpf, tracefs or perf", "bpf tracefs perf auto" },
	{ OPT_STRING, 0, "buffer-size", &g_opts.buffer_size_arg, "SIZE",
	  "event buffer per CPU, e.g. 256K, 8M (default: sized by CPU count)",
	  "64K 256K 1M 4M 16M" },
	OPT_END_MARK(),
};

static bool takes_arg(const struct option *o)
{
	return o->type == OPT_INT || o->type == OPT_UINT ||
	       o->type == OPT_DOUBLE || o->type == OPT_STRING;
}

static const struct option *find_long(const struct option *tabs[],
				      const char *name, size_t len)
{
	for (int t = 0; tabs[t]; t++)
		for (const struct option *o = tabs[t]; o->type != OPT_END; o++)
			if (o->long_name && strlen(o->long_name) == len &&
			    !strncmp(o->long_name, name, len))
				return o;
	return NULL;
}

static const struct option *find_short(const struct option *tabs[], int c)
{
	for (int t = 0; tabs[t]; t++)
		for (const struct option *o = tabs[t]; o->type != OPT_END; o++)
			if (o->type != OPT_GROUP && o->short_name == c)
				return o;
	return NULL;
}

static const char *closest_long(const struct option *tabs[], const char *name)
{
	const char *best = NULL;
	int best_d = 3;

	for (int t = 0; tabs[t]; t++)
		for (const struct option *o = tabs[t]; o->type != OPT_END; o++) {
			if (!o->long_name)
				continue;
			int d = edit_distance(name, o->long_name);
			if (d < best_d) {
				best_d = d;
				best = o->long_name;
			}
		}
	return best;
}

static void opt_name(char *buf, size_t sz, const struct option *o)
{
	if (o->long_name)
		snprintf(buf, sz, "--%s", o->long_name);
	else
		snprintf(buf, sz, "-%c", o->short_name);
}

static int set_value(const struct option *o, const char *arg)
{
	char name[64], *end;

	opt_name(name, sizeof(name), o);
	switch (o->type) {
	case OPT_BOOL:
		*(bool *)o->value = true;
		return 0;
	case OPT_COUNT:
		(*(int *)o->value)++;
		return 0;
	case OPT_STRING:
		*(const char **)o->value = arg;
		return 0;
	case OPT_INT:
	case OPT_UINT: {
		errno = 0;
		long long v = strtoll(arg, &end, 0);
		if (errno || *end || end == arg || v > INT_MAX || v < INT_MIN ||
		    (o->type == OPT_UINT && v < 0))
			return usage_error("option '%s' expects %s number, not '%s'",
					   name, o->type == OPT_UINT ?
					   "a non-negative" : "a", arg);
		*(int *)o->value = (int)v;
		return 0;
	}
	case OPT_DOUBLE: {
		errno = 0;
		double v = strtod(arg, &end);
		if (errno || *end || end == arg || v < 0)
			return usage_error("option '%s' expects a non-negative number, not '%s'",
					   name, arg);
		*(double *)o->value = v;
		return 0;
	}
	default:
		return 0;
	}
}

static void list_opts(const struct option *tabs[])
{
	for (int t = 0; tabs[t]; t++)
		for (const struct option *o = tabs[t]; o->type != OPT_END; o++) {
			if (o->type == OPT_GROUP)
				continue;
			if (o->long_name)
				printf("--%s%s", o->long_name, takes_arg(o) ? "=" : "");
			else
				printf("-%c", o->short_name);
			if (o->complete)
				printf("\t%s", o->complete);
			putchar('\n');
		}
}

/* For zsh and fish, which show descriptions: one line per option,
 * SHORT<TAB>LONG<TAB>ARG<TAB>VALUES<TAB>HELP (empty fields empty). */
static void list_opts_described(const struct option *tabs[])
{
	for (int t = 0; tabs[t]; t++)
		for (const struct option *o = tabs[t]; o->type != OPT_END; o++) {
			if (o->type == OPT_GROUP)
				continue;
			if (o->short_name)
				putchar(o->short_name);
			printf("\t%s\t%s\t%s\t%s\n", o->long_name ? o->long_name : "",
			       takes_arg(o) ? (o->argh ? o->argh : "ARG") : "",
			       o->complete ? o->complete : "", o->help ? o->help : "");
		}
}

static void print_table(FILE *fp, const struct option *opts)
{
	for (const struct option *o = opts; o->type != OPT_END; o++) {
		char left[80];
		int n = 0;

		if (o->type == OPT_GROUP) {
			fprintf(fp, "\n%s:\n", o->help);
			continue;
		}
		if (o->short_name && o->long_name)
			n = snprintf(left, sizeof(left), "-%c, --%s",
				     o->short_name, o->long_name);
		else if (o->short_name)
			n = snprintf(left, sizeof(left), "-%c", o->short_name);
		else
			n = snprintf(left, sizeof(left), "    --%s", o->long_name);
		if (takes_arg(o) && n < (int)sizeof(left))
			snprintf(left + n, sizeof(left) - n, " %s",
				 o->argh ? o->argh : "ARG");
		if (strlen(left) > 24)
			fprintf(fp, "    %s\n%30s%s\n", left, "", o->help);
		else
			fprintf(fp, "    %-26s%s\n", left, o->help);
	}
}

void usage_with_options(FILE *fp, const char *const *usage,
			const struct option *opts)
{
	for (int i = 0; usage && usage[i]; i++)
		fprintf(fp, "%s%s\n", i ? "   or: " : "usage: ", usage[i]);
	if (opts && opts->type != OPT_END) {
		if (opts->type != OPT_GROUP)
			fputc('\n', fp);
		print_table(fp, opts);
	}
	print_table(fp, global_options);
}

int parse_options(int argc, char **argv, const struct option *opts,
		  const char *const *usage, int flags)
{
	const struct option *tabs[] = { opts, global_options, NULL };
	int out = 0, i;

	for (i = 1; i < argc; i++) {
		char *a = argv[i];

		if (!strcmp(a, "--")) {
			if (flags & PARSE_OPT_KEEP_DASHDASH)
				argv[out++] = a;
			for (i++; i < argc; i++)
				argv[out++] = argv[i];
			break;
		}
		if (a[0] != '-' || !a[1]) {
			argv[out++] = a;
			if (flags & PARSE_OPT_STOP_AT_NON_OPTION) {
				for (i++; i < argc; i++)
					argv[out++] = argv[i];
				break;
			}
			continue;
		}
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage_with_options(stdout, usage, opts);
			exit(EXIT_OK);
		}
		if (!strcmp(a, "--list-opts")) {
			list_opts(tabs);
			exit(EXIT_OK);
		}
		if (!strcmp(a, "--list-opts-described")) {
			list_opts_described(tabs);
			exit(EXIT_OK);
		}
		if (a[1] == '-') {
			char *name = a + 2, *eq = strchr(name, '=');
			size_t len = eq ? (size_t)(eq - name) : strlen(name);
			const struct option *o = find_long(tabs, name, len);

			if (!o) {
				char tmp[128];
				snprintf(tmp, sizeof(tmp), "%.*s", (int)len, name);
				const char *s = closest_long(tabs, tmp);
				if (s)
					usage_error("unknown option '--%s'; did you mean '--%s'?",
						    tmp, s);
				else
					usage_error("unknown option '--%s'; see '%s -h'",
						    tmp, g_cmd_name);
				exit(EXIT_USAGE);
			}
			const char *val = NULL;
			if (takes_arg(o)) {
				if (eq)
					val = eq + 1;
				else if (i + 1 < argc)
					val = argv[++i];
				else {
					usage_error("option '--%s' needs a value", o->long_name);
					exit(EXIT_USAGE);
				}
			} else if (eq) {
				usage_error("option '--%s' takes no value", o->long_name);
				exit(EXIT_USAGE);
			}
			if (set_value(o, val))
				exit(EXIT_USAGE);
			continue;
		}
		/* One or more short options: -tx, -d5, -d 5 */
		for (char *p = a + 1; *p; p++) {
			const struct option *o = find_short(tabs, *p);

			if (!o) {
				usage_error("unknown option '-%c'; see '%s -h'", *p,
					    g_cmd_name);
				exit(EXIT_USAGE);
			}
			if (!takes_arg(o)) {
				set_value(o, NULL);
				continue;
			}
			const char *val = p[1] ? p + 1 : (i + 1 < argc ? argv[++i] : NULL);
			if (!val) {
				usage_error("option '-%c' needs a value", *p);
				exit(EXIT_USAGE);
			}
			if (set_value(o, val))
				exit(EXIT_USAGE);
			break;
		}
	}
	argv[out] = NULL;
	if (g_opts.via_arg && mechanism_parse(g_opts.via_arg, &g_opts.via)) {
		usage_error("unknown mechanism '%s' for --via; use bpf, tracefs or perf",
			    g_opts.via_arg);
		exit(EXIT_USAGE);
	}
	if (g_opts.buffer_size_arg) {
		long long b = bufsize_parse(g_opts.buffer_size_arg);

		if (b < 0) {
			usage_error("invalid size '%s' for --buffer-size; use 4K to 1G, e.g. 256K or 8M",
				    g_opts.buffer_size_arg);
			exit(EXIT_USAGE);
		}
		g_opts.buffer_size = b;
	}
	return out;
}

int parse_seconds(const char *s, double *out)
{
	char *end;

	*out = strtod(s, &end);
	return end == s || *end || *out <= 0 ? -1 : 0;
}
