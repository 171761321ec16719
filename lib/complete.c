// SPDX-License-Identifier: GPL-2.0
/*
 * Probe names for shell completion (`sonde --complete WORD [BINARY]`):
 * tracepoints from tracefs, kernel functions, functions and USDT probes of
 * a binary, and the probe heads themselves. The shells' scripts in
 * completions/ ask this, so the candidates are this kernel's and this
 * binary's, never a list kept by hand.
 *
 * Kernel functions number tens of thousands; their sorted names are cached
 * per boot (keyed by /proc/sys/kernel/random/boot_id) under
 * $XDG_CACHE_HOME/sonde or ~/.cache/sonde, so a prefix is answered with
 * one read and a binary search.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "complete.h"
#include "kernel_facts.h"
#include "ksyms.h"
#include "safefile.h"
#include "usdt.h"
#include "usym.h"
#include "util.h"

enum head_kind { HK_TRACEPOINT, HK_KFUNC, HK_UFUNC, HK_USDT };

static const struct head {
	const char *name;
	enum head_kind kind;
} heads[] = {
	{ "t", HK_TRACEPOINT }, { "tracepoint", HK_TRACEPOINT },
	{ "p", HK_KFUNC }, { "r", HK_KFUNC }, { "k", HK_KFUNC },
	{ "kr", HK_KFUNC }, { "kprobe", HK_KFUNC }, { "kretprobe", HK_KFUNC },
	{ "f", HK_KFUNC }, { "fr", HK_KFUNC }, { "fentry", HK_KFUNC },
	{ "fexit", HK_KFUNC },
	{ "u", HK_UFUNC }, { "ur", HK_UFUNC }, { "uprobe", HK_UFUNC },
	{ "uretprobe", HK_UFUNC },
	{ "U", HK_USDT }, { "usdt", HK_USDT },
};

static bool starts_with(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

/* ---- tracepoints ---- */

/* "t:sch" -> t:sched: ...; "t:sched:sw" -> t:sched:sched_switch; head
 * NULL: perf's "sched:sw" */
static void complete_tracepoint(const char *head, const char *rest, FILE *out)
{
	const char *root = features_tracefs_path(), *colon = strchr(rest, ':');
	char dir[4096];
	struct dirent *d;
	DIR *dp;

	if (!root)
		return;
	if (colon)
		snprintf(dir, sizeof(dir), "%s/events/%.*s", root, (int)(colon - rest), rest);
	else
		snprintf(dir, sizeof(dir), "%s/events", root);
	dp = opendir(dir);
	if (!dp)
		return;
	while ((d = readdir(dp))) {
		const char *want = colon ? colon + 1 : rest;

		if (d->d_name[0] == '.' || d->d_type != DT_DIR ||
		    !starts_with(d->d_name, want))
			continue;
		if (colon)
			fprintf(out, "%s%s%.*s:%s\n", head ? head : "", head ? ":" : "",
				(int)(colon - rest), rest, d->d_name);
		else
			fprintf(out, "%s%s%s:\n", head ? head : "", head ? ":" : "", d->d_name);
	}
	closedir(dp);
}

/* ---- kernel functions, cached per boot ---- */

static int cache_path(char *buf, size_t size)
{
	const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
	char boot[64] = "";
	char dir[3072];

	if (read_text_file("/proc/sys/kernel/random/boot_id", boot, sizeof(boot)) < 0)
		return -1;
	boot[strcspn(boot, "\n")] = '\0';
	if (xdg && *xdg)
		snprintf(dir, sizeof(dir), "%s/sonde", xdg);
	else if (home && *home)
		snprintf(dir, sizeof(dir), "%s/.cache/sonde", home);
	else
		return -1;
	if (mkdir(dir, 0700) && errno == ENOENT) {
		/* ~/.cache itself may be missing */
		char parent[3072];

		snprintf(parent, sizeof(parent), "%.*s", (int)(strrchr(dir, '/') - dir), dir);
		mkdir(parent, 0700);
		mkdir(dir, 0700);
	}
	snprintf(buf, size, "%s/kfuncs-%s", dir, boot);
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * The traceable functions' names, sorted, unique, without compiler
 * suffixes (sonde matches do_x.isra.0 when do_x is typed):
 * available_filter_functions, or the text symbols of /proc/kallsyms where
 * that is unreadable (EPERM under lockdown).
 */
static char *kfunc_names_build(void)
{
	const char *root = features_tracefs_path();
	char path[4096], *text, **names = NULL, *out = NULL;
	size_t n = 0, cap = 0, len = 0;
	bool kallsyms = false;

	snprintf(path, sizeof(path), "%s/available_filter_functions", root ? root : "");
	text = root ? ksyms_read_file(path) : NULL;
	if (!text) {
		text = ksyms_read_file("/proc/kallsyms");
		kallsyms = true;
	}
	if (!text)
		return NULL;
	for (char *line = text, *next; line && *line; line = next) {
		char *name = line, *end;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (kallsyms) {	/* "ffffffff81000000 T name [mod]" */
			char *type = strchr(line, ' ');

			if (!type || (type[1] != 't' && type[1] != 'T'))
				continue;
			name = type + 3;
		}
		end = name + strcspn(name, " \t");
		*end = '\0';
		*(char *)ksym_suffix(name) = '\0';
		if (!*name)
			continue;
		if (n == cap) {
			char **grown = realloc(names, (cap = cap ? cap * 2 : 4096) * sizeof(*names));

			if (!grown)
				goto out;
			names = grown;
		}
		names[n++] = name;
		len += strlen(name) + 1;
	}
	qsort(names, n, sizeof(*names), cmp_str);
	out = malloc(len + 1);
	if (out) {
		char *p = out;

		for (size_t i = 0; i < n; i++) {
			if (i && !strcmp(names[i], names[i - 1]))
				continue;
			p = stpcpy(p, names[i]);
			*p++ = '\n';
		}
		*p = '\0';
	}
out:
	free(names);
	free(text);
	return out;
}

/* Caches of earlier boots are of no more use. */
static void remove_old_caches(const char *current)
{
	const char *base = strrchr(current, '/') + 1;
	char dir[4096], old[8192];
	struct dirent *d;
	DIR *dp;

	snprintf(dir, sizeof(dir), "%.*s", (int)(base - current), current);
	dp = opendir(dir);
	if (!dp)
		return;
	while ((d = readdir(dp)))
		if (starts_with(d->d_name, "kfuncs-") && strcmp(d->d_name, base)) {
			snprintf(old, sizeof(old), "%s%s", dir, d->d_name);
			unlink(old);
		}
	closedir(dp);
}

static char *kfunc_names(void)
{
	char path[4096], tmp[4200], *names;
	bool cacheable = cache_path(path, sizeof(path)) == 0;
	FILE *f;

	if (cacheable && (names = ksyms_read_file(path)))
		return names;
	names = kfunc_names_build();
	if (names && cacheable) {
		f = safefile_create(path, 0600, tmp, sizeof(tmp));
		if (f) {
			bool ok = fputs(names, f) >= 0;

			if (!ok) {
				fclose(f);
				unlink(tmp);
			} else if (!safefile_commit(f, tmp, path)) {
				remove_old_caches(path);
			}
		}
	}
	return names;
}

/* Lines of sorted text starting with prefix, by binary search. */
static void print_prefixed(const char *text, const char *prefix,
			   const char *head, FILE *out)
{
	size_t lo = 0, hi = strlen(text), plen = strlen(prefix);

	while (lo < hi) {	/* first line >= prefix */
		size_t mid = lo + (hi - lo) / 2, start = mid;

		while (start > lo && text[start - 1] != '\n')
			start--;
		if (strncmp(text + start, prefix, plen) < 0) {
			const char *nl = strchr(text + mid, '\n');

			lo = nl ? (size_t)(nl - text) + 1 : hi;
		} else {
			hi = start;
		}
	}
	for (const char *p = text + lo; *p && !strncmp(p, prefix, plen); ) {
		size_t l = strcspn(p, "\n");

		fprintf(out, "%s%s%.*s\n", head ? head : "", head ? ":" : "", (int)l, p);
		p += l + (p[l] == '\n');
	}
}

static void complete_kfunc(const char *head, const char *prefix, FILE *out)
{
	char *names = kfunc_names();

	if (names)
		print_prefixed(names, prefix, head, out);
	free(names);
}

/* ---- user binaries ---- */

struct ufunc_ctx {
	FILE *out;
	const char *head, *bin;
};

static int print_ufunc(const struct usym *s, void *arg)
{
	struct ufunc_ctx *c = arg;

	if (c->head)
		fprintf(c->out, "%s:%s:%s\n", c->head, c->bin, s->name);
	else
		fprintf(c->out, "%s\n", s->name);
	return 0;
}

static void complete_ufunc(const char *head, const char *bin, const char *prefix,
			   FILE *out)
{
	struct ufunc_ctx c = { out, head, bin };
	char path[4096], glob[512], err[256];
	struct uelf *e;

	if (usym_find_binary(bin, path, sizeof(path), err, sizeof(err)))
		return;
	e = uelf__open(path, err, sizeof(err));
	if (!e)
		return;
	snprintf(glob, sizeof(glob), "%s*", prefix);
	uelf__funcs(e, glob, print_ufunc, &c);
	uelf__close(e);
}

static void complete_usdt(const char *head, const char *bin, const char *prefix,
			  FILE *out)
{
	char path[4096], err[256], name[512];
	struct usdt_note *notes;
	size_t n;

	if (usym_find_binary(bin, path, sizeof(path), err, sizeof(err)) ||
	    usdt_read(path, &notes, &n, err, sizeof(err)))
		return;
	for (size_t i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "%s:%s", notes[i].provider, notes[i].name);
		/* a probe with several sites once */
		if (starts_with(name, prefix) &&
		    (!i || strcmp(notes[i - 1].provider, notes[i].provider) ||
		     strcmp(notes[i - 1].name, notes[i].name)))
			fprintf(out, "%s:%s:%s\n", head, bin, name);
	}
	usdt_free(notes, n);
}

/* "u:/usr/b" -> u:/usr/bin/ (directories) and u:/usr/bin: (files) */
static void complete_path(const char *head, const char *partial, FILE *out)
{
	const char *slash = strrchr(partial, '/');
	char dir[4096], full[8192];
	struct dirent *d;
	struct stat st;
	DIR *dp;

	if (!slash)
		return;
	snprintf(dir, sizeof(dir), "%.*s", (int)(slash - partial) + 1, partial);
	dp = opendir(dir);
	if (!dp)
		return;
	while ((d = readdir(dp))) {
		if (!strcmp(d->d_name, ".") || !strcmp(d->d_name, "..") ||
		    !starts_with(d->d_name, slash + 1))
			continue;
		snprintf(full, sizeof(full), "%s%s", dir, d->d_name);
		if (stat(full, &st))
			continue;
		if (S_ISDIR(st.st_mode))
			fprintf(out, "%s:%s/\n", head, full);
		else if (S_ISREG(st.st_mode))
			fprintf(out, "%s:%s:\n", head, full);
	}
	closedir(dp);
}

static void complete_user(const struct head *h, const char *rest, FILE *out)
{
	const char *colon = strchr(rest, ':');
	char bin[4096];

	if (!colon) {
		complete_path(h->name, rest, out);
		return;
	}
	snprintf(bin, sizeof(bin), "%.*s", (int)(colon - rest), rest);
	if (h->kind == HK_USDT)
		complete_usdt(h->name, bin, colon + 1, out);
	else
		complete_ufunc(h->name, bin, colon + 1, out);
}

int complete_probe(const char *word, const char *binary, FILE *out)
{
	const char *colon = strchr(word, ':');

	if (binary) {	/* perf probe -x BIN FUNC */
		complete_ufunc(NULL, binary, word, out);
		return 0;
	}
	if (!colon) {
		for (size_t i = 0; i < ARRAY_SIZE(heads); i++)
			if (starts_with(heads[i].name, word))
				fprintf(out, "%s:\n", heads[i].name);
		if (*word)	/* a bare name is a kernel function */
			complete_kfunc(NULL, word, out);
		return 0;
	}
	for (size_t i = 0; i < ARRAY_SIZE(heads); i++) {
		const struct head *h = &heads[i];

		if (strlen(h->name) != (size_t)(colon - word) ||
		    strncmp(word, h->name, colon - word))
			continue;
		switch (h->kind) {
		case HK_TRACEPOINT:
			complete_tracepoint(h->name, colon + 1, out);
			break;
		case HK_KFUNC:
			complete_kfunc(h->name, colon + 1, out);
			break;
		case HK_UFUNC:
		case HK_USDT:
			complete_user(h, colon + 1, out);
			break;
		}
		return 0;
	}
	/* perf-style CATEGORY:EVENT */
	complete_tracepoint(NULL, word, out);
	return 0;
}
