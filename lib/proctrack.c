// SPDX-License-Identifier: GPL-2.0
/* perf side-band records to the symbolizer's process table. */
#include <errno.h>
#include <linux/perf_event.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>

#include "proctrack.h"
#include "symbolize.h"
#include "util.h"

void proctrack_attr(struct perf_event_attr *attr)
{
	attr->mmap = 1;
	attr->mmap2 = 1;
	attr->comm = 1;
	attr->comm_exec = 1;
	attr->task = 1;
}

void proctrack_attr_none(struct perf_event_attr *attr)
{
	attr->mmap = attr->mmap2 = attr->comm = attr->comm_exec = attr->task = 0;
}

struct rec_ids {
	uint32_t pid, tid;
};

struct rec_mmap {
	struct rec_ids id;
	uint64_t addr, len, pgoff;
	char filename[];
};

struct rec_mmap2 {
	struct rec_ids id;
	uint64_t addr, len, pgoff;
	uint32_t maj, min;
	uint64_t ino, ino_generation;
	uint32_t prot, flags;
	char filename[];
};

struct rec_task {
	uint32_t pid, ppid, tid, ptid;
	uint64_t time;
};

/* ---- thread names ---- */

struct tcomm {
	int tid;
	char comm[16];
};

static struct {
	struct tcomm *slots;
	size_t cap, n;
} comms;

static struct tcomm *comm_slot(int tid, bool create)
{
	size_t i;

	if (create && comms.n * 2 >= comms.cap) {
		size_t cap = comms.cap ? comms.cap * 2 : 1024;
		struct tcomm *n = calloc(cap, sizeof(*n));

		if (!n)
			return NULL;
		for (size_t j = 0; j < comms.cap; j++) {
			if (!comms.slots[j].tid)
				continue;
			i = (unsigned)comms.slots[j].tid & (cap - 1);
			while (n[i].tid)
				i = (i + 1) & (cap - 1);
			n[i] = comms.slots[j];
		}
		free(comms.slots);
		comms.slots = n;
		comms.cap = cap;
	}
	if (!comms.cap)
		return NULL;
	i = (unsigned)tid & (comms.cap - 1);
	while (comms.slots[i].tid && comms.slots[i].tid != tid)
		i = (i + 1) & (comms.cap - 1);
	if (!comms.slots[i].tid) {
		if (!create)
			return NULL;
		comms.slots[i].tid = tid;
		comms.n++;
	}
	return &comms.slots[i];
}

static void comm_set(int tid, const char *comm)
{
	struct tcomm *c = tid > 0 ? comm_slot(tid, true) : NULL;

	if (c)
		snprintf(c->comm, sizeof(c->comm), "%s", comm);
}

const char *proctrack_comm(int pid, int tid)
{
	static char unknown[32];
	struct tcomm *c;
	char path[64], buf[32];

	if (!tid)
		return "swapper";
	if ((c = comm_slot(tid, false)))
		return c->comm;
	snprintf(path, sizeof(path), "/proc/%d/task/%d/comm", pid, tid);
	if (read_text_file(path, buf, sizeof(buf)) >= 0 && (c = comm_slot(tid, true))) {
		snprintf(c->comm, sizeof(c->comm), "%s", buf);
		return c->comm;
	}
	snprintf(unknown, sizeof(unknown), "[%d]", pid);
	return unknown;
}

/* ---- records ---- */

/* The NUL-terminated file name at the end of a record, or NULL. */
static const char *rec_name(const char *name, const char *end)
{
	return name < end && memchr(name, '\0', end - name) ? name : NULL;
}

bool proctrack_record(const void *rec, size_t size)
{
	const struct perf_event_header *h = rec;
	const void *body = h + 1;
	const char *end = (const char *)rec + size, *name;

	switch (h->type) {
	case PERF_RECORD_MMAP2: {
		const struct rec_mmap2 *m = body;

		if (size < sizeof(*h) + sizeof(*m) ||
		    (h->misc & PERF_RECORD_MISC_MMAP_BUILD_ID) ||
		    !(name = rec_name(m->filename, end)))
			return true;
		sym_note_mmap(m->id.pid, m->addr, m->len, m->pgoff,
			      makedev(m->maj, m->min), m->ino, name);
		return true;
	}
	case PERF_RECORD_MMAP: {
		const struct rec_mmap *m = body;

		if (size >= sizeof(*h) + sizeof(*m) &&
		    (name = rec_name(m->filename, end)))
			sym_note_mmap(m->id.pid, m->addr, m->len, m->pgoff, 0, 0, name);
		return true;
	}
	case PERF_RECORD_COMM: {
		const struct rec_ids *c = body;

		if (size < sizeof(*h) + sizeof(*c) ||
		    !(name = rec_name((const char *)(c + 1), end)))
			return true;
		comm_set(c->tid, name);
		if (c->pid == c->tid && (h->misc & PERF_RECORD_MISC_COMM_EXEC))
			sym_note_exec(c->pid);
		return true;
	}
	case PERF_RECORD_FORK:
	case PERF_RECORD_EXIT: {
		const struct rec_task *t = body;
		struct tcomm *parent;
		char comm[16];

		if (size < sizeof(*h) + sizeof(*t))
			return true;
		/* an exec's COMM record may have been read first (from
		 * another CPU's ring): the parent's name does not replace it */
		if (h->type == PERF_RECORD_FORK && !comm_slot(t->tid, false) &&
		    (parent = comm_slot(t->ptid, false))) {
			memcpy(comm, parent->comm, sizeof(comm));
			comm_set(t->tid, comm);	/* (may move the table) */
		}
		if (t->pid != t->tid)
			return true;	/* threads share their process's maps */
		if (h->type == PERF_RECORD_FORK)
			sym_note_fork(t->pid, t->ppid);
		else
			sym_note_exit(t->pid);
		return true;
	}
	}
	return false;
}

int proctrack_new_thread(const void *rec, size_t size, int pid)
{
	const struct perf_event_header *h = rec;
	const struct rec_task *t = (const void *)(h + 1);

	if (h->type != PERF_RECORD_FORK || size < sizeof(*h) + sizeof(*t) ||
	    (int)t->pid != pid || t->tid == t->pid)
		return 0;
	return t->tid;
}

int proctrack_open(struct perf_rings *r, char *err, size_t errsz)
{
	struct perf_event_attr attr = {
		.type = PERF_TYPE_SOFTWARE,
		.size = sizeof(attr),
		.config = PERF_COUNT_SW_DUMMY,
		.watermark = 1,
		.wakeup_watermark = 64 * 1024,
	};
	int ret;

	proctrack_attr(&attr);
	*r = (struct perf_rings){ .ring_kb = 512 };
	ret = perf_rings__open_cpus(r, &attr, err, errsz);
	return ret ? ret : perf_rings__enable(r);
}

static int feed(void *ctx, int cpu, const void *rec, size_t size)
{
	proctrack_record(rec, size);
	return 0;
}

void proctrack_drain(struct perf_rings *r)
{
	perf_rings__drain(r, feed, NULL);
}
