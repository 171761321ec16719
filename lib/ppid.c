// SPDX-License-Identifier: GPL-2.0
/*
 * pid -> parent pid and comm, learned from sched_process_fork (and execs)
 * where a mechanism cannot read the task struct (no BTF, tracefs, perf).
 * A process that forked before sonde started is looked up in /proc.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exec_source.h"
#include "kernel_facts.h"
#include "ksyms.h"
#include "util.h"

#define PPID_SLOTS 65536	/* power of two; overwritten on collision */

static struct {
	pid_t pid, ppid;
	char comm[16];
} slots[PPID_SLOTS];

void ppid_note_fork(pid_t parent, pid_t child, const char *comm)
{
	unsigned int i = (unsigned int)child & (PPID_SLOTS - 1);

	slots[i].pid = child;
	slots[i].ppid = parent;
	snprintf(slots[i].comm, sizeof(slots[i].comm), "%s", comm ? comm : "");
}

void ppid_note_comm(pid_t pid, const char *comm)
{
	unsigned int i = (unsigned int)pid & (PPID_SLOTS - 1);

	if (slots[i].pid != pid) {	/* forked before we looked */
		slots[i].pid = pid;
		slots[i].ppid = -1;
	}
	snprintf(slots[i].comm, sizeof(slots[i].comm), "%s", comm);
}

/*
 * The kernel's pid -> comm cache of traced tasks (tracefs
 * saved_cmdlines), for a task gone by the time its events are read. One
 * read takes ~30 ms (6552 entries, 6.18), and a backlog of events of gone
 * tasks would read it for each: read it at most every 100 ms, noting
 * every task in it that the table does not know yet.
 */
static bool saved_cmdline(pid_t pid, char *buf, size_t size)
{
	static uint64_t last_read;
	const char *root = features_tracefs_path();
	unsigned int i = (unsigned int)pid & (PPID_SLOTS - 1);
	char path[512], *text, *line, *save = NULL, *sp;
	uint64_t now = now_mono_ns();

	if (!root || (last_read && now - last_read < 100000000ull))
		return false;
	last_read = now;
	snprintf(path, sizeof(path), "%s/saved_cmdlines", root);
	if (!(text = ksyms_read_file(path)))
		return false;
	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		pid_t p = atoi(line);
		unsigned int j = (unsigned int)p & (PPID_SLOTS - 1);

		if (p > 0 && slots[j].pid != p && (sp = strchr(line, ' ')) &&
		    strcmp(sp + 1, "<...>"))
			ppid_note_comm(p, sp + 1);
	}
	free(text);
	if (slots[i].pid != pid || !slots[i].comm[0])
		return false;
	snprintf(buf, size, "%s", slots[i].comm);
	return true;
}

bool ppid_comm(pid_t pid, char *buf, size_t size)
{
	unsigned int i = (unsigned int)pid & (PPID_SLOTS - 1);
	char path[64];

	if (slots[i].pid == pid && slots[i].comm[0]) {
		snprintf(buf, size, "%s", slots[i].comm);
		return true;
	}
	snprintf(path, sizeof(path), "/proc/%d/comm", pid);
	return read_text_file(path, buf, size) > 0 || saved_cmdline(pid, buf, size);
}

static pid_t ppid_from_proc(pid_t pid)
{
	char path[64], buf[1024], *p;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	if (read_text_file(path, buf, sizeof(buf)) < 0)
		return 0;
	p = strstr(buf, "\nPPid:");
	return p ? (pid_t)strtol(p + 6, NULL, 10) : 0;
}

pid_t ppid_lookup(pid_t pid)
{
	unsigned int i = (unsigned int)pid & (PPID_SLOTS - 1);

	if (slots[i].pid == pid && slots[i].ppid >= 0)
		return slots[i].ppid;
	return ppid_from_proc(pid);
}
