// SPDX-License-Identifier: GPL-2.0
/*
 * Fault injection for tests (include/fault.h). bpf(2), perf_event_open(2)
 * and epoll_wait(2) are seen where every caller makes them, libbpf
 * included: the link step wraps syscall() and epoll_wait()
 * (-Wl,--wrap=...), and the wrappers ask the injector before passing the
 * call on.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/bpf.h>

#include "fault.h"
#include "util.h"

static const char *const site_names[FAULT__COUNT] = {
	[FAULT_TRACEFS] = "tracefs",
	[FAULT_BPF] = "bpf",
	[FAULT_PERF] = "perf",
	[FAULT_READ] = "read",
};
static const int site_errno[FAULT__COUNT] = {
	[FAULT_TRACEFS] = ENOMEM,
	[FAULT_BPF] = ENOMEM,
	[FAULT_PERF] = EMFILE,
	[FAULT_READ] = EIO,
};

static struct fault_plan plan;
static long seen[FAULT__COUNT];
static bool loaded, armed;
static int map_read_err;	/* the first failed BPF map read's errno */

static int site_parse(const char *name, size_t len)
{
	for (int i = 0; i < FAULT__COUNT; i++)
		if (strlen(site_names[i]) == len && !strncmp(name, site_names[i], len))
			return i;
	return -1;
}

/* "SITE:N[:ERRNO]" */
static bool item_parse(const char *item, size_t len, struct fault_plan *out)
{
	const char *colon = memchr(item, ':', len);
	char num[32], *end;
	long n, e = 0;
	int site;

	if (len == 5 && !strncmp(item, "count", 5)) {
		out->count = true;
		return true;
	}
	if (!colon || (site = site_parse(item, colon - item)) < 0 ||
	    (size_t)(item + len - colon) >= sizeof(num))
		return false;
	snprintf(num, sizeof(num), "%.*s", (int)(item + len - colon - 1), colon + 1);
	n = strtol(num, &end, 10);
	if (end == num || n <= 0)
		return false;
	if (*end == ':') {
		e = strtol(end + 1, &end, 10);
		if (e <= 0 || e > 4095)
			return false;
	}
	if (*end)
		return false;
	out->nth[site] = n;
	out->err[site] = e ? e : site_errno[site];
	return true;
}

bool fault_parse(const char *text, struct fault_plan *out)
{
	*out = (struct fault_plan){ 0 };
	while (*text) {
		size_t len = strcspn(text, ",");

		if (!item_parse(text, len, out))
			return false;
		text += len + (text[len] == ',');
	}
	return true;
}

static void print_counts(void)
{
	fprintf(stderr, "sonde: fault sites:");
	for (int i = 0; i < FAULT__COUNT; i++)
		fprintf(stderr, " %s=%ld", site_names[i], seen[i]);
	fprintf(stderr, "\n");
}

static void load(void)
{
	const char *env = getenv("SONDE_FAULT");

	loaded = true;
	if (!env || !*env)
		return;
	if (!fault_parse(env, &plan)) {
		fprintf(stderr, "sonde: ignoring malformed SONDE_FAULT '%s' (SITE:N[:ERRNO],... or count)\n",
			env);
		return;
	}
	armed = true;
	if (plan.count)
		atexit(print_counts);
}

int fault_inject(enum fault_site site)
{
	if (!loaded)
		load();
	if (!armed)
		return 0;
	if (++seen[site] != plan.nth[site])
		return 0;
	fprintf(stderr, "sonde: fault injected: %s #%ld (%s)\n", site_names[site],
		seen[site], strerrorname_np(plan.err[site]) ?: "?");
	return -plan.err[site];
}

long fault_read(long ret)
{
	int err;

	if (ret < 0 || !(err = fault_inject(FAULT_READ)))
		return ret;
	errno = -err;
	return -1;
}

void fault_disarm(void)
{
	loaded = true;
	armed = false;
}

static bool bpf_cmd_reads(long cmd)
{
	switch (cmd) {
	case BPF_MAP_LOOKUP_ELEM:
	case BPF_MAP_GET_NEXT_KEY:
	case BPF_MAP_LOOKUP_BATCH:
	case BPF_MAP_LOOKUP_AND_DELETE_ELEM:
	case BPF_MAP_LOOKUP_AND_DELETE_BATCH:
		return true;
	}
	return false;
}

static bool bpf_cmd_creates(long cmd)
{
	switch (cmd) {
	case BPF_MAP_CREATE:
	case BPF_PROG_LOAD:
	case BPF_BTF_LOAD:
	case BPF_LINK_CREATE:
	case BPF_RAW_TRACEPOINT_OPEN:
	case BPF_PROG_ATTACH:
		return true;
	}
	return false;
}

long __real_syscall(long nr, ...);

/* Reads six arguments whatever the caller passed, as the kernel's calling
 * convention allows (registers); ASan would call the unpassed ones an
 * underflow of the caller's stack. */
__attribute__((no_sanitize_address))
long __wrap_syscall(long nr, ...)
{
	long a[6];
	va_list ap;
	int err = 0;

	/* like libc's syscall(): six register-sized arguments */
	va_start(ap, nr);
	for (int i = 0; i < 6; i++)
		a[i] = va_arg(ap, long);
	va_end(ap);
	if (nr == SYS_bpf && bpf_cmd_creates(a[0]))
		err = fault_inject(FAULT_BPF);
	else if (nr == SYS_bpf && bpf_cmd_reads(a[0]))
		err = fault_inject(FAULT_READ);
	else if (nr == SYS_perf_event_open)
		err = fault_inject(FAULT_PERF);
	if (err) {
		errno = -err;
	} else {
		long ret = __real_syscall(nr, a[0], a[1], a[2], a[3], a[4], a[5]);

		if (ret >= 0)
			return ret;
		err = -errno;
	}
	/* a missing key (ENOENT) is how lookups and iterations end */
	if (nr == SYS_bpf && bpf_cmd_reads(a[0]) && err != -ENOENT && !map_read_err)
		map_read_err = -err;
	errno = -err;
	return -1;
}

int fault_map_read_error(void)
{
	return map_read_err;
}

int __real_epoll_wait(int epfd, struct epoll_event *events, int max, int timeout);

/* libbpf's ring_buffer__poll() and perf_buffer__poll() wait here. */
int __wrap_epoll_wait(int epfd, struct epoll_event *events, int max, int timeout)
{
	int err = fault_inject(FAULT_READ);

	if (err) {
		errno = -err;
		return -1;
	}
	return __real_epoll_wait(epfd, events, max, timeout);
}
