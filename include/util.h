/* SPDX-License-Identifier: GPL-2.0 */
/* Small helpers: files, strings, JSON text, time. */
#ifndef SONDE_UTIL_H
#define SONDE_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Read a whole small file (sysfs, procfs, tracefs) into buf, NUL-terminated,
 * trailing newline stripped. Returns length or -errno. */
int read_text_file(const char *path, char *buf, size_t size);
/* Read an integer from a file; returns 0 or -errno. */
int read_int_file(const char *path, long long *out);
/* Write a string to an existing file (no O_CREAT); returns 0 or -errno. */
int write_text_file(const char *path, const char *text, bool append);

/* stdout is a pipe or socket whose reader went away (its writing end
 * polls POLLERR; POLLHUP for a socket or a hung-up terminal): a normal
 * way to stop, as under `| head -1`, even with nothing written yet. */
bool stdout_reader_gone(void);

int edit_distance(const char *a, const char *b);

/* Strings appended to one growing buffer, named by their offsets (the
 * buffer moves as it grows). strarena_add returns the offset of the
 * NUL-terminated copy of s[0..n), or (size_t)-1 without memory. */
struct strarena {
	char *buf;
	size_t len, cap;
};
size_t strarena_add(struct strarena *a, const char *s, size_t n);

/* printf into a caller's one-line error buffer (either may be NULL/0). */
void errf(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Bytes as lowercase hex text in buf (cut to fit); returns buf. */
char *hex_text(const uint8_t *bytes, size_t n, char *buf, size_t size);

/* Print s as a JSON string literal (with quotes) to fp. */
void json_print_string(FILE *fp, const char *s);
void json_print_mem(FILE *fp, const char *s, size_t len);

/* CLOCK_MONOTONIC and CLOCK_REALTIME in nanoseconds. */
uint64_t now_mono_ns(void);
uint64_t now_real_ns(void);

/* Monotonic boot-time ns (the clock BPF's bpf_ktime_get_ns and ftrace's
 * "mono" clock use) to wall-clock ns. */
uint64_t mono_to_real_ns(uint64_t mono_ns);

#endif
