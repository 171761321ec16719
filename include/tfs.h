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

/* The process-wide session (created on first use, which first sweeps
 * the leftovers of dead sondes: tfs_sweep_stale()); NULL with errno set
 * when tracefs cannot be found or mounted. */
struct tfs *tfs_get(void);
const char *tfs_root(struct tfs *t);		/* "/sys/kernel/tracing" */
const char *tfs_group(struct tfs *t);		/* "sonde_<pid>" */

/* Create the private instance (once); returns its directory. */
const char *tfs_instance(struct tfs *t);

/*
 * Add a dynamic event. def is a tracefs definition with the name given
 * (a missing group becomes ours: "p:x ..." -> "p:sonde_<pid>/x ..."),
 * e.g. "e:sonde_123/exec_args syscalls.sys_enter_execve a0=...",
 * "p:sonde_123/open do_sys_openat2 ...", "p:sonde_123/u /bin/x:0x1234".
 * Uprobe fetch args that work at ld.so's entry (argc, argv[0], argv[1]):
 *   argc=$stack0:u64 a0=+0(+8($stack)):ustring a1=+0($stack2):ustring
 * It goes to dynamic_events when present, else kprobe_events or
 * uprobe_events. On failure returns -errno and puts the kernel's
 * error_log explanation (or strerror) into err.
 */
int tfs_dynevent_add(struct tfs *t, const char *def, char *err, size_t errsz);

/* The same, but not undone at exit: for `sonde probe --add` (group
 * "sonde" or the user's). */
int tfs_dynevent_add_persistent(struct tfs *t, const char *def, char *err,
				size_t errsz);
/* Remove a dynamic event ("-:group/name"); -ENOENT when there is none. */
int tfs_dynevent_del(struct tfs *t, const char *group, const char *name,
		     char *err, size_t errsz);

/* Enable an event ("syscalls", "sys_enter_execve") in the instance, with an
 * optional filter (NULL for none). Undone at teardown. */
int tfs_event_enable(struct tfs *t, const char *system, const char *event,
		     const char *filter, char *err, size_t errsz);

/* Disable it again before teardown (a uprobe event enabled in tracefs
 * cannot be opened by perf: the kernel answers EINTR). */
int tfs_event_disable(struct tfs *t, const char *system, const char *event);

/* Does events/<system>/<event> exist (global events dir)? */
bool tfs_event_exists(struct tfs *t, const char *system, const char *event);

/* Add a trigger ("hist:keys=...") to an event of the instance; removed
 * ("!" + the same text) first thing at teardown, newest first. The
 * kernel's explanation of a refusal goes to err. */
int tfs_trigger_add(struct tfs *t, const char *system, const char *event,
		    const char *trigger, char *err, size_t errsz);

/* Define a synthetic event, "sonde_<pid>_NAME FIELDS" (named after the
 * group, so that tfs_sweep_stale() knows whose it is); removed after the
 * instance at teardown. */
int tfs_synth_add(struct tfs *t, const char *def, char *err, size_t errsz);

/* Write a file of the instance (e.g. "buffer_size_kb"). */
int tfs_instance_write(struct tfs *t, const char *file, const char *value);

/* The same, and write restore back at teardown (before the instance is
 * removed): for settings that must be undone in order, e.g. the function
 * tracer before its filter, whose empty value means "every function". */
int tfs_instance_set(struct tfs *t, const char *file, const char *value,
		     const char *restore);

/* Turn options/NAME of the instance on; its old value comes back at
 * teardown. 0 or -errno (-ENOENT: the kernel has no such option). */
int tfs_instance_option_on(struct tfs *t, const char *name);

/* Only events of these threads, and of the tasks they start later, reach
 * the instance's buffers and triggers: set_event_pid and event-fork. */
int tfs_follow_tids(struct tfs *t, const int *tids, int n);

/* Run fn first thing in every tfs_teardown() (registered once): evstream
 * closes its perf events and trace_pipe_raw files there, which would
 * otherwise keep the instance and the probes busy. */
void tfs_on_teardown(void (*fn)(void));

/* Read a file of the instance; length or -errno (-ENOENT when the
 * instance does not exist: reading never creates it). */
int tfs_instance_read(struct tfs *t, const char *file, char *buf,
		      size_t size);

/*
 * Undo everything: disable events, remove the instance, then remove the
 * dynamic events (EBUSY retried for a while). Safe to call many times;
 * registered with atexit() by tfs_get(); a no-op in forked children.
 * Commands call it from their normal flow after a stop signal; open
 * streams' files are closed first (tfs_on_teardown).
 */
void tfs_teardown(void);

/*
 * Remove leftovers of dead sonde processes: instances (with their
 * triggers), probe groups "sonde_<pid>" and synthetic events
 * "sonde_<pid>_..." whose pid is gone. Never touches a live sonde's state.
 * Returns how many objects were removed; messages via vinfo(). root NULL:
 * features_tracefs_path(). A live pid owns its objects when it was
 * running before its instance was made, else when it holds the tracefs
 * root open (tfs_get() does) or is named sonde or an applet.
 */
int tfs_sweep_stale(const char *root);

/* Internals exposed for unit tests. */
/* "sonde_<pid>" -> pid; false for anything else (also plain "sonde"). */
bool tfs_parse_owner(const char *name, int *pid);
/* "sonde_<pid>_NAME" (a synthetic event) -> pid. */
bool tfs_parse_synth_owner(const char *name, int *pid);
/* "p:grp/name place ..." -> group ("" when not given) and name. */
int tfs_parse_def_name(const char *def, char *group, size_t gsz,
		       char *name, size_t nsz);
/* The last error_log entry as "message (at 'token')". */
bool tfs_parse_error_log(const char *log, char *out, size_t size);

#endif
