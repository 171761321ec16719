/* SPDX-License-Identifier: GPL-2.0 */
/* Shared definitions: exit codes, global options, messages. */
#ifndef SONDE_H
#define SONDE_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Exit statuses (documented in sonde(1)). */
#define EXIT_OK		0
#define EXIT_FAIL	1	/* runtime failure: kernel refused, I/O error */
#define EXIT_USAGE	2	/* bad command line or probe specification */

enum mechanism {
	MECH_AUTO = 0,
	MECH_BPF,
	MECH_TRACEFS,
	MECH_PERF,
};

/* Options every command accepts; set by the option parser. */
struct global_opts {
	int verbose;
	bool json;
	enum mechanism via;
	const char *via_arg;
	const char *buffer_size_arg;
	size_t buffer_size;	/* bytes per CPU; 0: include/bufsize.h */
};
extern struct global_opts g_opts;

const char *mechanism_name(enum mechanism m);
int mechanism_parse(const char *s, enum mechanism *out);

/*
 * Messages follow git's rules: lowercase, no full stop, what failed first.
 * error() and usage_error() return the exit status to use.
 */
void vinfo(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void warning(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* -p PID negative or of a process that does not exist: the usage
 * error's status ("no such process PID"), else 0 (0: none asked for). */
int check_pid_exists(int pid);

/* Signal handling: handlers only set a flag; loops poll it. */
void signals_install(void);
bool signals_stop_requested(void);
/* Ask the run loop to stop, as a signal would (e.g. -M events reached). */
void signals_request_stop(void);
int signals_last(void);
/* Hold the stop signals over a step that must not be cut in half (a test
 * probe made and removed); one that came meanwhile arrives at release
 * (and, before signals_install(), ends the process as usual). */
void signals_hold(sigset_t *old);
void signals_release(const sigset_t *old);

/* The command being run, for messages ("sonde snoop: ..."). */
extern const char *g_cmd_name;

#endif
