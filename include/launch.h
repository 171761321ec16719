/* SPDX-License-Identifier: GPL-2.0 */
/*
 * `-- CMD ARGS`: start a command held before its exec, so probes can be
 * attached to its pid first and nothing it does is missed; then release
 * it, and learn when it exits.
 */
#ifndef SONDE_LAUNCH_H
#define SONDE_LAUNCH_H

#include <stdbool.h>
#include <sys/types.h>

struct launch {
	pid_t pid;		/* the child; it has not exec'd yet */
	int go_fd;		/* closing it lets the child exec */
	int report_fd;		/* EOF on exec, or the exec's errno */
	int status;		/* wait status once exited */
	bool exited;
};

/* Fork a child that waits, then execs argv[0] (looked up on PATH).
 * Returns 0, or -errno with a one-line message in err. A command that
 * cannot be exec'd is reported by launch_release(). */
int launch_prepare(struct launch *l, char *const argv[], char *err, size_t errsz);

/* Can cmd be exec'd (PATH lookup as execvp does it)? 0, or after one
 * error line 127 (not found) or 126 (not executable), as shells answer:
 * check before any tracing is set up. */
int launch_check_command(const char *cmd);

/* `-- CMD` in one call: launch_check_command(), then launch_prepare().
 * 0, or the exit status after one error line (127/126 as shells, 1). */
int launch_start(struct launch *l, char *const argv[]);

/* Let the child exec. Returns 0, or -errno (with err) when its exec
 * failed (e.g. ENOENT: no such command). */
int launch_release(struct launch *l, char *err, size_t errsz);

/* Non-blocking: has the child exited? (Reaps it.) */
bool launch_exited(struct launch *l);

/* Kill (if still running) and reap the child: for error paths. */
void launch_abort(struct launch *l);

/* The command's exit status in shell terms (128+signal when killed). */
int launch_exit_code(const struct launch *l);

#endif
