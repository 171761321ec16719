// SPDX-License-Identifier: GPL-2.0
/*
 * sonde's tracefs state: a private instance and a probe group, both named
 * "sonde_<pid>", and an undo log replayed at exit.
 *
 * Plain file I/O rather than libtracefs, on purpose:
 *  - the tracefs root must be the one features_tracefs_path() found
 *    (possibly debugfs's tracing/ on old kernels); libtracefs finds (and
 *    may mount) its own;
 *  - every write must be recorded on our undo log and undone in a precise
 *    order (disable, rmdir, remove probes) with EBUSY retries;
 *  - definitions must be appended (O_APPEND) to dynamic_events /
 *    kprobe_events / uprobe_events: opening those with O_TRUNC deletes
 *    every probe on the system, other tools' included;
 *  - a refused write is explained from error_log, which libtracefs only
 *    offers per instance.
 * libtraceevent (lib/evstream.c) does the parsing, where it shines.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cmds.h"
#include "fault.h"
#include "kernel_facts.h"
#include "sonde.h"
#include "tfs.h"
#include "util.h"

enum undo_kind {
	UNDO_TRIGGER,		/* append value ("!hist:...") to a trigger file */
	UNDO_WRITE,		/* write value to path (disable, clear filter) */
	UNDO_RMDIR,		/* remove the instance directory */
	UNDO_DYNEVENT,		/* append value ("-:grp/name") to path */
};

struct undo {
	enum undo_kind kind;
	char *path;
	char *value;
};

struct tfs {
	char root[256];
	char group[32];
	char instance[320];		/* "" until created */
	pid_t owner;			/* forked children must not tear down */
	int marker_fd;			/* says "alive" to tfs_sweep_stale() */
	struct undo *undo;
	size_t nundo, capundo;
	void (*hooks[4])(void);		/* tfs_on_teardown() */
	int nhooks;
};

static struct tfs *g_tfs;

/* How long teardown retries a removal the kernel answers EBUSY: right
 * after an instance is removed, its events can stay busy for an RCU grace
 * period (syscall tracepoints took up to 11 s once, see KERNELS.md). */
#define BUSY_RETRY_MS	3000
#define BUSY_STEP_MS	10

/*
 * Until lib/features.c provides it: find tracefs via /proc/mounts
 * (a tracefs mount first, then debugfs's tracing/ directory, as kernels
 * before 4.1 have it). The strong definition wins at link time.
 */
__attribute__((weak)) const char *features_tracefs_path(void)
{
	static char path[PATH_MAX];
	char dev[256], dir[200], type[64], debugfs[PATH_MAX] = "";
	FILE *fp;

	if (path[0])
		return path;
	fp = fopen("/proc/mounts", "re");
	if (!fp)
		return NULL;
	while (fscanf(fp, "%255s %199s %63s %*[^\n]", dev, dir, type) == 3) {
		if (!strcmp(type, "tracefs") && !path[0])
			snprintf(path, sizeof(path), "%s", dir);
		else if (!strcmp(type, "debugfs") && !debugfs[0])
			snprintf(debugfs, sizeof(debugfs), "%s/tracing", dir);
	}
	fclose(fp);
	if (!path[0] && debugfs[0] && access(debugfs, F_OK) == 0)
		snprintf(path, sizeof(path), "%s", debugfs);
	return path[0] ? path : NULL;
}

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static bool path_exists(const char *path)
{
	return access(path, F_OK) == 0;
}

/* ---- pure helpers (unit-tested) ---- */

bool tfs_parse_owner(const char *name, int *pid)
{
	char *end;
	long v;

	if (strncmp(name, "sonde_", 6) || !isdigit((unsigned char)name[6]))
		return false;
	errno = 0;
	v = strtol(name + 6, &end, 10);
	if (errno || *end || v <= 0 || v > INT_MAX)
		return false;
	*pid = v;
	return true;
}

bool tfs_parse_synth_owner(const char *name, int *pid)
{
	char owner[32];
	const char *us;

	if (strncmp(name, "sonde_", 6) || !(us = strchr(name + 6, '_')) ||
	    us[1] == '\0' || (size_t)(us - name) >= sizeof(owner))
		return false;
	snprintf(owner, sizeof(owner), "%.*s", (int)(us - name), name);
	return tfs_parse_owner(owner, pid);
}

int tfs_parse_def_name(const char *def, char *group, size_t gsz,
		       char *name, size_t nsz)
{
	const char *p = def, *colon, *slash, *end;

	while (isspace((unsigned char)*p))
		p++;
	end = p + strcspn(p, " \t\n");
	colon = memchr(p, ':', end - p);
	if (!colon || colon == p || colon + 1 == end)
		return -EINVAL;
	slash = memchr(colon + 1, '/', end - colon - 1);
	if (slash) {
		if (slash == colon + 1 || slash + 1 == end)
			return -EINVAL;
		snprintf(group, gsz, "%.*s", (int)(slash - colon - 1), colon + 1);
		snprintf(name, nsz, "%.*s", (int)(end - slash - 1), slash + 1);
	} else {
		group[0] = '\0';
		snprintf(name, nsz, "%.*s", (int)(end - colon - 1), colon + 1);
	}
	return 0;
}

/* Where the caret under "  Command: ..." points, as an offset into cmd;
 * -1 when there is no caret line. */
static int caret_offset(const char *line, const char *cmd)
{
	const char *nl = strchr(cmd, '\n'), *hat, *end;

	if (!nl)
		return -1;
	hat = strchr(nl + 1, '^');
	end = strchr(nl + 1, '\n');
	if (!hat || (end && hat > end))
		return -1;
	return (hat - (nl + 1)) - (cmd - line);
}

/*
 * The last entry of an error_log text as one line, e.g.
 * "Field not found (at 'bogus')". Entries look like
 *   [  429.462025] event filter parse error: error: Field not found
 *     Command: bogus == 3
 *              ^
 * Returns false when the text holds no entry.
 */
bool tfs_parse_error_log(const char *log, char *out, size_t size)
{
	const char *entry = NULL, *p, *msg, *line, *cmd;
	int msglen, off, cmdlen, toklen;

	for (p = log; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (*p == '[')
			entry = p;
	if (!entry)
		return false;
	/* The message follows the last "error: " of the first line
	 * ("event filter parse error: error: Field not found"). */
	msg = NULL;
	for (p = strstr(entry, "error: "); p && !memchr(entry, '\n', p - entry);
	     p = strstr(p + 7, "error: "))
		msg = p + 7;
	if (!msg)
		return false;
	msglen = strcspn(msg, "\n");
	snprintf(out, size, "%.*s", msglen, msg);
	line = msg + msglen;
	if (!*line)
		return true;
	line++;
	cmd = strstr(line, "Command: ");
	if (!cmd || memchr(line, '\n', cmd - line))
		return true;
	cmd += 9;
	cmdlen = strcspn(cmd, "\n");
	off = caret_offset(line, cmd);
	if (off < 0 || off >= cmdlen)
		return true;
	toklen = strcspn(cmd + off, " \t\n");
	if (toklen > 40)
		toklen = 40;
	if (toklen) {
		size_t used = strlen(out);

		snprintf(out + used, size - used, " (at '%.*s')", toklen,
			 cmd + off);
	}
	return true;
}

/* ---- explaining refused writes ---- */

/* The last error_log entry, verbatim, to tell a new entry from old ones
 * (entries carry a timestamp, so equal text means no new entry). */
static void last_log_entry(const char *errlog, char *buf, size_t size)
{
	static char text[16384];
	const char *p, *entry = NULL;

	buf[0] = '\0';
	if (read_text_file(errlog, text, sizeof(text)) < 0)
		return;
	for (p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (*p == '[')
			entry = p;
	if (entry) {
		size_t len = strnlen(entry, size - 1);

		memcpy(buf, entry, len);
		buf[len] = '\0';
	}
}

/*
 * Explain err (a negative errno from a write): the kernel's error_log
 * entry when it wrote a new one (5.x+), else the hint line of the file
 * itself (old kernels put "parse_error: ..." into a filter file), else
 * strerror.
 */
static void explain(const char *errlog, const char *before, const char *file,
		    int err, char *out, size_t size)
{
	char after[2048], text[2048], *hint;

	if (!out || !size)
		return;
	if (errlog) {
		last_log_entry(errlog, after, sizeof(after));
		if (after[0] && strcmp(after, before) &&
		    tfs_parse_error_log(after, out, size))
			return;
	}
	if (file && read_text_file(file, text, sizeof(text)) > 0 &&
	    (hint = strstr(text, "parse_error: "))) {
		snprintf(out, size, "%.*s", (int)strcspn(hint + 13, "\n"),
			 hint + 13);
		return;
	}
	snprintf(out, size, "%s", strerror(-err));
}

/* ---- the undo log ---- */

static int undo_push(struct tfs *t, enum undo_kind kind, const char *path,
		     const char *value)
{
	struct undo *u;

	if (t->nundo == t->capundo) {
		size_t cap = t->capundo ? 2 * t->capundo : 16;

		u = realloc(t->undo, cap * sizeof(*u));
		if (!u)
			return -ENOMEM;
		t->undo = u;
		t->capundo = cap;
	}
	u = &t->undo[t->nundo];
	u->kind = kind;
	u->path = strdup(path);
	u->value = value ? strdup(value) : NULL;
	if (!u->path || (value && !u->value)) {
		free(u->path);
		free(u->value);
		return -ENOMEM;
	}
	t->nundo++;
	return 0;
}

/* Write, retrying while the kernel answers EBUSY, out of a time budget
 * shared by one teardown or sweep (so many busy probes cannot add up). */
static int write_retry_busy(const char *path, const char *text, bool append,
			    int *budget_ms)
{
	int err;

	for (;;) {
		err = write_text_file(path, text, append);
		if (err != -EBUSY || *budget_ms <= 0)
			return err;
		sleep_ms(BUSY_STEP_MS);
		*budget_ms -= BUSY_STEP_MS;
	}
}

static int rmdir_retry_busy(const char *path, int *budget_ms)
{
	for (;;) {
		if (rmdir(path) == 0 || errno == ENOENT)
			return 0;
		if (errno != EBUSY || *budget_ms <= 0)
			return -errno;
		sleep_ms(BUSY_STEP_MS);
		*budget_ms -= BUSY_STEP_MS;
	}
}

static void undo_one(struct undo *u, int *budget_ms)
{
	int err = 0;

	switch (u->kind) {
	case UNDO_TRIGGER:
		err = write_text_file(u->path, u->value, true);
		break;
	case UNDO_WRITE:
		err = write_text_file(u->path, u->value, false);
		break;
	case UNDO_RMDIR:
		err = rmdir_retry_busy(u->path, budget_ms);
		break;
	case UNDO_DYNEVENT:
		err = write_retry_busy(u->path, u->value, true, budget_ms);
		break;
	}
	/* ENOENT: already gone (an earlier teardown, or the instance that
	 * held the file was removed) — that is the goal. */
	if (err && err != -ENOENT)
		warning("cannot undo '%s' on %s: %s", u->value ? u->value :
			"rmdir", u->path, strerror(-err));
	free(u->path);
	free(u->value);
	u->path = u->value = NULL;
}

/* Replay entries of one kind, newest first, and drop them. */
static void undo_kind_replay(struct tfs *t, enum undo_kind kind,
			     int *budget_ms)
{
	for (size_t i = t->nundo; i-- > 0;)
		if (t->undo[i].path && t->undo[i].kind == kind)
			undo_one(&t->undo[i], budget_ms);
}

/*
 * Remove triggers first, newest first (a hist trigger reading another's
 * variable goes before it; an instance with triggers cannot be removed),
 * then disable every event (so nothing fires into a buffer being freed),
 * then remove the instance, then the dynamic and synthetic events: the
 * kernel refuses to remove an event while an instance has it enabled.
 */
void tfs_teardown(void)
{
	struct tfs *t = g_tfs;
	int budget = BUSY_RETRY_MS;

	if (!t || t->owner != getpid())
		return;
	fault_disarm();
	for (int i = 0; i < t->nhooks; i++)
		t->hooks[i]();
	undo_kind_replay(t, UNDO_TRIGGER, &budget);
	undo_kind_replay(t, UNDO_WRITE, &budget);
	undo_kind_replay(t, UNDO_RMDIR, &budget);
	undo_kind_replay(t, UNDO_DYNEVENT, &budget);
	t->nundo = 0;
	t->instance[0] = '\0';
}

/* ---- the session ---- */

struct tfs *tfs_get(void)
{
	const char *root;
	struct tfs *t;

	if (g_tfs)
		return g_tfs;
	root = features_tracefs_path();
	if (!root || !root[0]) {
		errno = ENOENT;
		return NULL;
	}
	if (strlen(root) >= sizeof(t->root)) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	snprintf(t->root, sizeof(t->root), "%s", root);
	t->owner = getpid();
	snprintf(t->group, sizeof(t->group), "sonde_%d", (int)t->owner);
	/* Held for life: a process holding the tracefs root open is the
	 * owner of its sonde_<pid> objects, whatever its name (see
	 * owner_alive()). */
	t->marker_fd = open(t->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	g_tfs = t;
	atexit(tfs_teardown);
	/* every run that uses tracefs clears what killed sondes left */
	tfs_sweep_stale(t->root);
	return t;
}

void tfs_on_teardown(void (*fn)(void))
{
	struct tfs *t = tfs_get();

	if (!t)
		return;
	for (int i = 0; i < t->nhooks; i++)
		if (t->hooks[i] == fn)
			return;
	if (t->nhooks < (int)ARRAY_SIZE(t->hooks))
		t->hooks[t->nhooks++] = fn;
}

const char *tfs_root(struct tfs *t)
{
	return t->root;
}

const char *tfs_group(struct tfs *t)
{
	return t->group;
}

/* Does a trigger file hold a trigger (not only its "#" help lines)? */
static bool has_triggers(const char *path)
{
	char text[4096], *line;

	if (read_text_file(path, text, sizeof(text)) <= 0)
		return false;
	for (line = text; line; line = strchr(line, '\n'), line = line ? line + 1 : NULL)
		if (*line && *line != '#' && *line != '\n')
			return true;
	return false;
}

/*
 * Remove every trigger of an instance's events: opening a trigger file
 * with O_TRUNC removes its triggers, except while another trigger reads
 * one of their variables (hist_unreg_all()), so repeat until none is
 * left: each pass frees the next link of a chain.
 */
static void instance_clear_triggers(const char *dir)
{
	char path[PATH_MAX];
	struct dirent *sys, *ev;
	bool left = true;
	DIR *ds, *de;

	for (int pass = 0; left && pass < 4; pass++) {
		left = false;
		snprintf(path, sizeof(path), "%s/events", dir);
		if (!(ds = opendir(path)))
			return;
		while ((sys = readdir(ds))) {
			if (sys->d_name[0] == '.' || (sys->d_type != DT_DIR && sys->d_type != DT_UNKNOWN))
				continue;
			snprintf(path, sizeof(path), "%s/events/%s", dir, sys->d_name);
			if (!(de = opendir(path)))
				continue;
			while ((ev = readdir(de))) {
				if (ev->d_name[0] == '.' || (ev->d_type != DT_DIR && ev->d_type != DT_UNKNOWN))
					continue;
				snprintf(path, sizeof(path), "%s/events/%s/%s/trigger",
					 dir, sys->d_name, ev->d_name);
				if (!has_triggers(path))
					continue;
				write_text_file(path, "", false);
				left |= has_triggers(path);
			}
			closedir(de);
		}
		closedir(ds);
	}
}

/* Disable everything in an instance and remove it: for our own leftover
 * (a dead process with our pid) and for stale ones. */
static int instance_remove(const char *dir)
{
	char path[PATH_MAX];
	int budget = BUSY_RETRY_MS;

	instance_clear_triggers(dir);

	snprintf(path, sizeof(path), "%s/events/enable", dir);
	write_text_file(path, "0", false);
	snprintf(path, sizeof(path), "%s/tracing_on", dir);
	write_text_file(path, "0", false);
	return rmdir_retry_busy(dir, &budget);
}

const char *tfs_instance(struct tfs *t)
{
	char dir[sizeof(t->instance)];
	int ret;

	if (t->instance[0])
		return t->instance;
	snprintf(dir, sizeof(dir), "%s/instances/%s", t->root, t->group);
	ret = fault_inject(FAULT_TRACEFS);
	if (!ret)
		ret = mkdir(dir, 0750) ? -errno : 0;
	if (ret == -EEXIST) {
		/* Our pid's name, so a dead process's leftover: start clean. */
		instance_remove(dir);
		ret = mkdir(dir, 0750) ? -errno : 0;
	}
	if (ret) {
		errno = -ret;
		return NULL;
	}
	if (undo_push(t, UNDO_RMDIR, dir, NULL)) {
		rmdir(dir);
		errno = ENOMEM;
		return NULL;
	}
	snprintf(t->instance, sizeof(t->instance), "%s", dir);
	return t->instance;
}

int tfs_instance_write(struct tfs *t, const char *file, const char *value)
{
	const char *inst = tfs_instance(t);
	char path[PATH_MAX];

	if (!inst)
		return -errno;
	/* Not on the undo log: removing the instance undoes these. */
	snprintf(path, sizeof(path), "%s/%s", inst, file);
	return write_text_file(path, value, false);
}

int tfs_instance_set(struct tfs *t, const char *file, const char *value,
		     const char *restore)
{
	const char *inst = tfs_instance(t);
	char path[PATH_MAX];
	int ret;

	if (!inst)
		return -errno;
	snprintf(path, sizeof(path), "%s/%s", inst, file);
	/* first on the log: a write that half worked is undone too */
	if ((ret = undo_push(t, UNDO_WRITE, path, restore)))
		return ret;
	return write_text_file(path, value, false);
}

int tfs_instance_option_on(struct tfs *t, const char *name)
{
	char file[64], old[16];
	int n;

	snprintf(file, sizeof(file), "options/%s", name);
	if ((n = tfs_instance_read(t, file, old, sizeof(old))) < 0)
		return n;
	old[strcspn(old, "\n")] = '\0';
	return strcmp(old, "1") ? tfs_instance_set(t, file, "1", old) : 0;
}

int tfs_follow_tids(struct tfs *t, const int *tids, int n)
{
	char *pids = malloc(n * 12 + 1);
	size_t len = 0;
	int ret;

	if (!pids)
		return -ENOMEM;
	for (int i = 0; i < n; i++)
		len += sprintf(pids + len, "%d ", tids[i]);
	pids[len] = '\0';
	ret = tfs_instance_write(t, "set_event_pid", pids);
	free(pids);
	if (!ret)	/* children too (absent before 4.4: then pid only) */
		tfs_instance_option_on(t, "event-fork");
	return ret;
}

int tfs_instance_read(struct tfs *t, const char *file, char *buf,
		      size_t size)
{
	char path[PATH_MAX];

	/* Reading never creates it (nor re-creates it after teardown). */
	if (!t->instance[0])
		return -ENOENT;
	snprintf(path, sizeof(path), "%s/%s", t->instance, file);
	return read_text_file(path, buf, size);
}

bool tfs_event_exists(struct tfs *t, const char *system, const char *event)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/events/%s/%s", t->root, system, event);
	return path_exists(path);
}

/* ---- dynamic events ---- */

/* dynamic_events (4.20+) takes every kind; before it, kprobes and
 * uprobes had a file each. A uprobe's place is a path, so holds a '/'. */
static const char *dynevent_file(struct tfs *t, const char *def, char *path,
				 size_t size)
{
	const char *place = def + strspn(def, " \t");

	snprintf(path, size, "%s/dynamic_events", t->root);
	if (path_exists(path))
		return path;
	if (*place == 'e')
		return NULL;	/* event probes came with dynamic_events */
	place += strcspn(place, " \t");
	place += strspn(place, " \t");
	snprintf(path, size, "%s/%s", t->root,
		 memchr(place, '/', strcspn(place, " \t")) ?
		 "uprobe_events" : "kprobe_events");
	return path;
}

static int dynevent_write(struct tfs *t, const char *file, const char *def,
			  char *err, size_t errsz)
{
	char errlog[PATH_MAX], before[2048];
	int ret;

	snprintf(errlog, sizeof(errlog), "%s/error_log", t->root);
	last_log_entry(errlog, before, sizeof(before));
	/* O_APPEND: O_TRUNC on these files deletes every probe. */
	ret = write_text_file(file, def, true);
	if (ret)
		explain(errlog, before, NULL, ret, err, errsz);
	return ret;
}

static int dynevent_create(struct tfs *t, const char *def, bool keep,
			   char *err, size_t errsz)
{
	char group[64], name[128], file[PATH_MAX], full[4096], del[256];
	const char *p = def + strspn(def, " \t");
	int ret;

	if (tfs_parse_def_name(def, group, sizeof(group), name, sizeof(name))) {
		snprintf(err, errsz, "dynamic event needs a name: %s", def);
		return -EINVAL;
	}
	if (!group[0]) {
		/* "p:name ..." goes to our group, not the kernel's default. */
		const char *colon = strchr(p, ':');

		snprintf(full, sizeof(full), "%.*s%s/%s", (int)(colon + 1 - p),
			 p, t->group, colon + 1);
		snprintf(group, sizeof(group), "%s", t->group);
		p = full;
	}
	if (!dynevent_file(t, p, file, sizeof(file))) {
		snprintf(err, errsz, "event probes need dynamic_events");
		return -EOPNOTSUPP;
	}
	ret = dynevent_write(t, file, p, err, errsz);
	if (ret || keep)
		return ret;
	snprintf(del, sizeof(del), "-:%s/%s", group, name);
	ret = undo_push(t, UNDO_DYNEVENT, file, del);
	if (ret)
		write_text_file(file, del, true);
	return ret;
}

int tfs_dynevent_add(struct tfs *t, const char *def, char *err, size_t errsz)
{
	return dynevent_create(t, def, false, err, errsz);
}

int tfs_dynevent_add_persistent(struct tfs *t, const char *def, char *err,
				size_t errsz)
{
	return dynevent_create(t, def, true, err, errsz);
}

int tfs_dynevent_del(struct tfs *t, const char *group, const char *name,
		     char *err, size_t errsz)
{
	char file[PATH_MAX], del[256];

	snprintf(del, sizeof(del), "-:%s/%s", group, name);
	snprintf(file, sizeof(file), "%s/dynamic_events", t->root);
	if (path_exists(file))
		return dynevent_write(t, file, del, err, errsz);
	/* Before dynamic_events the event's file is not recorded anywhere
	 * we can cheaply ask: try both; the wrong one answers ENOENT. */
	snprintf(file, sizeof(file), "%s/kprobe_events", t->root);
	if (path_exists(file) && write_text_file(file, del, true) == 0)
		return 0;
	snprintf(file, sizeof(file), "%s/uprobe_events", t->root);
	return dynevent_write(t, file, del, err, errsz);
}

/* ---- events in the instance ---- */

int tfs_event_enable(struct tfs *t, const char *system, const char *event,
		     const char *filter, char *err, size_t errsz)
{
	const char *inst = tfs_instance(t);
	char dir[PATH_MAX], path[PATH_MAX + 16], errlog[PATH_MAX + 16];
	char before[2048];
	int ret;

	if (!inst) {
		ret = -errno;
		snprintf(err, errsz, "cannot create instance %s/instances/%s: %s",
			 t->root, t->group, strerror(errno));
		return ret;
	}
	snprintf(dir, sizeof(dir), "%s/events/%s/%s", inst, system, event);
	if (!path_exists(dir)) {
		snprintf(err, errsz, "no event %s:%s", system, event);
		return -ENOENT;
	}
	if (filter && *filter) {
		snprintf(path, sizeof(path), "%s/filter", dir);
		snprintf(errlog, sizeof(errlog), "%s/error_log", inst);
		last_log_entry(errlog, before, sizeof(before));
		ret = write_text_file(path, filter, false);
		if (ret) {
			explain(errlog, before, path, ret, err, errsz);
			/* A refused filter leaves its error text in the file. */
			write_text_file(path, "0", false);
			return ret;
		}
		if ((ret = undo_push(t, UNDO_WRITE, path, "0")))
			return ret;
	}
	snprintf(path, sizeof(path), "%s/enable", dir);
	ret = write_text_file(path, "1", false);
	if (ret) {
		/* probe_event_enable(): a uprobe event serves either
		 * ftrace or perf at a time, and says EINTR otherwise. */
		snprintf(err, errsz, "cannot enable %s:%s: %s", system, event,
			 ret == -EINTR ? "in use by perf (a uprobe event "
			 "serves ftrace or perf, not both at once)" :
			 strerror(-ret));
		return ret;
	}
	return undo_push(t, UNDO_WRITE, path, "0");
}

int tfs_event_disable(struct tfs *t, const char *system, const char *event)
{
	char path[PATH_MAX];

	if (!t->instance[0])
		return 0;
	/* Its undo entry stays: writing "0" again is harmless. */
	snprintf(path, sizeof(path), "%s/events/%s/%s/enable", t->instance,
		 system, event);
	return write_text_file(path, "0", false);
}

/* ---- triggers and synthetic events ---- */

int tfs_trigger_add(struct tfs *t, const char *system, const char *event,
		    const char *trigger, char *err, size_t errsz)
{
	const char *inst = tfs_instance(t);
	char path[PATH_MAX], errlog[PATH_MAX + 16], before[2048], *undo;
	int ret;

	if (!inst) {
		ret = -errno;
		snprintf(err, errsz, "cannot create instance %s/instances/%s: %s",
			 t->root, t->group, strerror(errno));
		return ret;
	}
	snprintf(path, sizeof(path), "%s/events/%s/%s/trigger", inst, system,
		 event);
	if (!path_exists(path)) {
		snprintf(err, errsz, "no event %s:%s", system, event);
		return -ENOENT;
	}
	snprintf(errlog, sizeof(errlog), "%s/error_log", inst);
	last_log_entry(errlog, before, sizeof(before));
	ret = write_text_file(path, trigger, true);
	if (ret) {
		explain(errlog, before, NULL, ret, err, errsz);
		return ret;
	}
	/* Removal repeats the text exactly, filter included. */
	undo = malloc(strlen(trigger) + 2);
	if (undo) {
		sprintf(undo, "!%s", trigger);
		ret = undo_push(t, UNDO_TRIGGER, path, undo);
		free(undo);
	}
	if (!undo || ret) {
		/* O_TRUNC removes the event's triggers in our instance */
		write_text_file(path, "", false);
		return -ENOMEM;
	}
	return 0;
}

int tfs_synth_add(struct tfs *t, const char *def, char *err, size_t errsz)
{
	char file[PATH_MAX], errlog[PATH_MAX], before[2048], del[160];
	size_t glen = strlen(t->group), nlen = strcspn(def, " \t");
	int ret;

	/* Global, like probes: named after us so the sweep knows whose. */
	if (strncmp(def, t->group, glen) || def[glen] != '_' || nlen >= 128) {
		snprintf(err, errsz, "synthetic event '%.*s' must be named %s_...",
			 (int)nlen, def, t->group);
		return -EINVAL;
	}
	/* synthetic_events (4.17+) rather than dynamic_events' "s:"
	 * (5.x): the same event either way. */
	snprintf(file, sizeof(file), "%s/synthetic_events", t->root);
	if (!path_exists(file)) {
		snprintf(err, errsz, "this kernel has no synthetic events (%s)",
			 file);
		return -EOPNOTSUPP;
	}
	snprintf(errlog, sizeof(errlog), "%s/error_log", t->root);
	last_log_entry(errlog, before, sizeof(before));
	ret = write_text_file(file, def, true);
	if (ret) {
		explain(errlog, before, NULL, ret, err, errsz);
		return ret;
	}
	snprintf(del, sizeof(del), "!%.*s", (int)nlen, def);
	ret = undo_push(t, UNDO_DYNEVENT, file, del);
	if (ret)
		write_text_file(file, del, true);
	return ret;
}

/* ---- sweeping leftovers of dead sonde processes ---- */

/* Defined in main.c; absent from the unit-test binary. */
extern const struct applet *applet_find(const char *name)
	__attribute__((weak));

/* When the process started, in CLOCK_REALTIME seconds: /proc/stat's btime
 * plus field 22 of /proc/<pid>/stat (clock ticks after boot). */
static bool proc_start_time(int pid, double *out)
{
	char path[64], buf[1024], *p;
	unsigned long long start;
	long long btime = -1;
	FILE *fp;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if (read_text_file(path, buf, sizeof(buf)) < 0)
		return false;
	p = strrchr(buf, ')');	/* comm may hold spaces and parentheses */
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u "
			 "%*u %*u %*d %*d %*d %*d %*d %*d %llu", &start) != 1)
		return false;
	fp = fopen("/proc/stat", "re");
	if (!fp)
		return false;
	while (fgets(buf, sizeof(buf), fp))
		if (sscanf(buf, "btime %lld", &btime) == 1)
			break;
	fclose(fp);
	if (btime < 0)
		return false;
	*out = btime + (double)start / sysconf(_SC_CLK_TCK);
	return true;
}

static bool same_exe_as_ours(int pid)
{
	char path[64];
	struct stat a, b;

	snprintf(path, sizeof(path), "/proc/%d/exe", pid);
	return !stat(path, &a) && !stat("/proc/self/exe", &b) &&
	       a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

static bool is_sonde_process(int pid)
{
	char path[64], comm[32];

	snprintf(path, sizeof(path), "/proc/%d/comm", pid);
	if (read_text_file(path, comm, sizeof(comm)) < 0)
		return false;
	if (!strcmp(comm, "sonde") || (applet_find && applet_find(comm)))
		return true;
	return same_exe_as_ours(pid);
}

/* Does the process hold the tracefs root open, as tfs_get() does? */
static bool holds_tracefs_root(int pid, const char *root)
{
	char dir[64], path[PATH_MAX], link[PATH_MAX], real[PATH_MAX];
	struct dirent *de;
	bool found = false;
	ssize_t n;
	DIR *d;

	if (realpath(root, real))	/* fd links are canonical paths */
		root = real;
	snprintf(dir, sizeof(dir), "/proc/%d/fd", pid);
	d = opendir(dir);
	if (!d)
		return false;
	while (!found && (de = readdir(d))) {
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		n = readlink(path, link, sizeof(link) - 1);
		if (n > 0) {
			link[n] = '\0';
			found = !strcmp(link, root);
		}
	}
	closedir(d);
	return found;
}

/*
 * Does a live process own the objects named sonde_<pid>? A pid can be
 * reused, so being alive is not enough. When the instance exists its
 * creation time decides: the owner was running when it was made (2 s of
 * slack for btime's whole seconds). Otherwise the process must hold the
 * tracefs root open (every tfs user does) or look like a sonde: its name,
 * an applet's name, or our executable.
 */
static bool owner_alive(const char *root, int pid, const char *instdir)
{
	struct stat st;
	double start;

	if (pid == getpid())
		return true;
	if (kill(pid, 0) && errno == ESRCH)
		return false;
	if (instdir && !stat(instdir, &st) && proc_start_time(pid, &start))
		return start <= st.st_mtim.tv_sec + 2.0;
	return holds_tracefs_root(pid, root) || is_sonde_process(pid);
}

static int sweep_instances(const char *root)
{
	char dir[PATH_MAX], path[PATH_MAX + 256];
	struct dirent *de;
	int pid, err, n = 0;
	DIR *d;

	snprintf(dir, sizeof(dir), "%s/instances", root);
	d = opendir(dir);
	if (!d)
		return 0;
	while ((de = readdir(d))) {
		if (!tfs_parse_owner(de->d_name, &pid))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (owner_alive(root, pid, path))
			continue;
		err = instance_remove(path);
		if (!err) {
			vinfo("removed stale instance %s", de->d_name);
			n++;
		} else {
			warning("cannot remove stale instance %s: %s", path,
				strerror(-err));
		}
	}
	closedir(d);
	return n;
}

/* Is this listed dynamic event ("p:grp/name place args") a dead sonde's?
 * Fills del with its removal command. */
static bool dynevent_is_stale(const char *root, const char *line, char *del,
			      size_t size)
{
	char group[64], name[128], inst[PATH_MAX];
	int pid;

	if (tfs_parse_def_name(line, group, sizeof(group), name, sizeof(name)) ||
	    !tfs_parse_owner(group, &pid))
		return false;
	snprintf(inst, sizeof(inst), "%s/instances/%s", root, group);
	if (owner_alive(root, pid, path_exists(inst) ? inst : NULL))
		return false;
	snprintf(del, size, "-:%s/%s", group, name);
	return true;
}

static int sweep_dynevent_file(const char *root, const char *file)
{
	char path[PATH_MAX], del[256], **dels = NULL;
	size_t cap = 0, ndel = 0, len = 0;
	int n = 0, err, budget = BUSY_RETRY_MS;
	char *line = NULL;
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", root, file);
	fp = fopen(path, "re");
	if (!fp)
		return 0;
	/* Collect first, remove after: removing while reading would shift
	 * the file under the reader. */
	while (getline(&line, &len, fp) > 0) {
		if (!dynevent_is_stale(root, line, del, sizeof(del)))
			continue;
		if (ndel == cap) {
			char **d = realloc(dels, (cap = cap ? 2 * cap : 8) *
					   sizeof(*d));
			if (!d)
				break;
			dels = d;
		}
		if (!(dels[ndel] = strdup(del)))
			break;
		ndel++;
	}
	free(line);
	fclose(fp);
	for (size_t i = 0; i < ndel; i++) {
		err = write_retry_busy(path, dels[i], true, &budget);
		if (!err) {
			vinfo("removed stale probe %s", dels[i] + 2);
			n++;
		} else if (err != -ENOENT) {
			warning("cannot remove stale probe %s: %s", dels[i] + 2,
				strerror(-err));
		}
		free(dels[i]);
	}
	free(dels);
	return n;
}

/* Synthetic events "sonde_<pid>_..." of dead owners (their triggers went
 * with their instances, which are swept first). */
static int sweep_synth(const char *root)
{
	char path[PATH_MAX], inst[PATH_MAX], name[128], del[136];
	char text[16384], *line;
	int pid, n = 0, err, budget = BUSY_RETRY_MS;

	snprintf(path, sizeof(path), "%s/synthetic_events", root);
	if (read_text_file(path, text, sizeof(text)) <= 0)
		return 0;
	for (line = text; line && *line; line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
		snprintf(name, sizeof(name), "%.*s", (int)strcspn(line, " \t\n"), line);
		if (!tfs_parse_synth_owner(name, &pid))
			continue;
		snprintf(inst, sizeof(inst), "%s/instances/sonde_%d", root, pid);
		if (owner_alive(root, pid, path_exists(inst) ? inst : NULL))
			continue;
		snprintf(del, sizeof(del), "!%s", name);
		err = write_retry_busy(path, del, true, &budget);
		if (!err) {
			vinfo("removed stale synthetic event %s", name);
			n++;
		} else if (err != -ENOENT) {
			warning("cannot remove stale synthetic event %s: %s", name,
				strerror(-err));
		}
	}
	return n;
}

int tfs_sweep_stale(const char *root)
{
	char path[PATH_MAX];
	int n;

	if (!root)
		root = features_tracefs_path();
	if (!root)
		return 0;
	/* Instances first: their enabled events keep probes busy. */
	n = sweep_instances(root);
	n += sweep_synth(root);
	snprintf(path, sizeof(path), "%s/dynamic_events", root);
	if (path_exists(path))
		return n + sweep_dynevent_file(root, "dynamic_events");
	n += sweep_dynevent_file(root, "kprobe_events");
	return n + sweep_dynevent_file(root, "uprobe_events");
}
