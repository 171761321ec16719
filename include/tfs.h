/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sonde's writes to tracefs, all undoable. Everything sonde creates lives
 * in a private instance "sonde_<pid>" and a probe group "sonde_<pid>";
 * every write is recorded on an undo log that tfs_teardown() replays in
 * reverse (idempotent, keeps going past errors). The global trace buffer
 * and other tools' probes and instances are never touched.
 */
#ifndef SONDE_TFS_H
#define SONDE_TFS_H

#include <stdbool.h>
#include <stddef.h>

struct tfs;

/* The process-wide session (created on first use); NULL with errno set
 * when tracefs cannot be found or mounted. */
struct tfs *tfs_get(void);
const char *tfs_root(struct tfs *t);		/* "/sys/kernel/tracing" */
const char *tfs_group(struct tfs *t);		/* "sonde_<pid>" */

/* Create the private instance (once); returns its directory. */
const char *tfs_instance(struct tfs *t);

/*
 * Add a dynamic event. def is a tracefs definition with the group and name
 * given, e.g. "e:sonde_123/exec_args syscalls.sys_enter_execve a0=...",
 * "p:sonde_123/open do_sys_openat2 ...", "p:sonde_123/u /bin/x:0x1234".
 * It goes to dynamic_events when present, else kprobe_events or
 * uprobe_events. On failure returns -errno and puts the kernel's
 * error_log explanation (or strerror) into err.
 */
int tfs_dynevent_add(struct tfs *t, const char *def, char *err, size_t errsz);

/* Enable an event ("syscalls", "sys_enter_execve") in the instance, with an
 * optional filter (NULL for none). Undone at teardown. */
int tfs_event_enable(struct tfs *t, const char *system, const char *event,
		     const char *filter, char *err, size_t errsz);

/* Does events/<system>/<event> exist (global events dir)? */
bool tfs_event_exists(struct tfs *t, const char *system, const char *event);

/* Write a file of the instance (e.g. "buffer_size_kb"). */
int tfs_instance_write(struct tfs *t, const char *file, const char *value);

/* Undo everything, in reverse. Safe to call many times; called at exit. */
void tfs_teardown(void);

/*
 * Remove leftovers of dead sonde processes: instances and probe groups
 * "sonde_<pid>" whose pid is gone. Never touches a live sonde's state.
 * Returns how many objects were removed; messages via vinfo().
 */
int tfs_sweep_stale(const char *root);

#endif
