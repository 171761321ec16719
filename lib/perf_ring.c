// SPDX-License-Identifier: GPL-2.0
/* Per-CPU perf events and their mmap'd ring buffers. */
#include <dirent.h>
#include <errno.h>
#include <linux/perf_event.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "evstream.h"
#include "perf_ring.h"
#include "sonde.h"
#include "util.h"

#define MAX_CPUS 4096

int sys_perf_event_open(struct perf_event_attr *attr, int pid, int cpu,
			int group, unsigned long flags)
{
	int fd = syscall(SYS_perf_event_open, attr, pid, cpu, group,
			 flags | PERF_FLAG_FD_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

int perf_online_cpus(int **cpus)
{
	char buf[4096];
	int n;

	*cpus = calloc(MAX_CPUS, sizeof(int));
	if (!*cpus)
		return -ENOMEM;
	n = read_text_file("/sys/devices/system/cpu/online", buf, sizeof(buf));
	if (n >= 0)
		n = ev_parse_cpu_list(buf, *cpus, MAX_CPUS);
	if (n <= 0) {
		free(*cpus);
		*cpus = NULL;
		return n < 0 ? n : -ENODEV;
	}
	return n;
}

static int map_ring(struct perf_rings *r, int i, size_t ring_kb)
{
	size_t pg = getpagesize(), pages = 1, least = 1;

	while (pages * pg < ring_kb * 1024)
		pages *= 2;
	/* every CPU's ring the same size: the first one decides */
	if (r->ring_size)
		pages = least = r->ring_size / pg;
	for (; pages >= least; pages /= 2) {
		void *ring = mmap(NULL, (pages + 1) * pg, PROT_READ | PROT_WRITE,
				  MAP_SHARED, r->fds[i], 0);

		if (ring != MAP_FAILED) {
			r->rings[i] = ring;
			r->ring_size = pages * pg;
			return 0;
		}
		if (errno != EPERM && errno != ENOMEM)
			break;
	}
	return -errno;
}

int perf_task_tids(int pid, int **tids)
{
	char path[64];
	struct dirent *de;
	int n = 0, cap = 16;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	if (!(d = opendir(path)))
		return -errno;
	*tids = malloc(cap * sizeof(int));
	while (*tids && (de = readdir(d))) {
		int tid = atoi(de->d_name);

		if (tid <= 0)
			continue;
		if (n == cap) {
			int *t = realloc(*tids, (cap *= 2) * sizeof(int));

			if (!t)
				break;
			*tids = t;
		}
		(*tids)[n++] = tid;
	}
	closedir(d);
	if (!*tids)
		return -ENOMEM;
	return n;
}

static int open_one(struct perf_rings *r, struct perf_event_attr *attr, int tid,
		    int i, char *err, size_t errsz)
{
	int fd = sys_perf_event_open(attr, tid, r->cpus[i], -1, 0);

	if (fd < 0) {
		errf(err, errsz, "perf_event_open on cpu %d%s: %s%s", r->cpus[i],
		     tid > 0 ? " for a thread" : "", strerror(-fd),
		     fd == -EACCES || fd == -EPERM ? " (needs root or CAP_PERFMON)" : "");
		return fd;
	}
	r->fds[r->nfds++] = fd;
	if (r->nfds <= r->n) {	/* the CPU's first event: its ring */
		int ret = map_ring(r, i, r->ring_kb);

		if (ret) {
			errf(err, errsz, "cannot map the perf ring of cpu %d: %s",
			     r->cpus[i], strerror(-ret));
			return ret;
		}
		r->pfds[i] = (struct pollfd){ .fd = fd, .events = POLLIN };
	} else if (ioctl(fd, PERF_EVENT_IOC_SET_OUTPUT, r->fds[i])) {
		errf(err, errsz, "PERF_EVENT_IOC_SET_OUTPUT: %s", strerror(errno));
		return -errno;
	}
	return 0;
}

int perf_rings__open(struct perf_rings *r, struct perf_event_attr *attr,
		     const int *tids, int ntids, size_t ring_kb, char *err,
		     size_t errsz)
{
	int n, ret = 0;

	*r = (struct perf_rings){ .ring_kb = ring_kb };
	n = perf_online_cpus(&r->cpus);
	if (n < 0) {
		errf(err, errsz, "cannot list the online CPUs: %s", strerror(-n));
		return n;
	}
	if (!tids)
		ntids = 1;
	r->n = n;
	r->fds = malloc(n * ntids * sizeof(*r->fds));
	r->rings = calloc(n, sizeof(*r->rings));
	r->pfds = calloc(n, sizeof(*r->pfds));
	r->wrap = malloc(65536);	/* perf_event_header.size is a u16 */
	if (!r->fds || !r->rings || !r->pfds || !r->wrap) {
		perf_rings__close(r);
		return -ENOMEM;
	}
	attr->disabled = 1;
	for (int t = 0; t < ntids && !ret; t++)
		for (int i = 0; i < n && !ret; i++)
			ret = open_one(r, attr, tids ? tids[t] : -1, i, err, errsz);
	if (ret)
		perf_rings__close(r);
	return ret;
}

static int ioctl_all(struct perf_rings *r, unsigned long req)
{
	for (int i = 0; i < r->nfds; i++)
		if (ioctl(r->fds[i], req, 0))
			return -errno;
	return 0;
}

int perf_rings__enable(struct perf_rings *r)
{
	return ioctl_all(r, PERF_EVENT_IOC_ENABLE);
}

int perf_rings__disable(struct perf_rings *r)
{
	return ioctl_all(r, PERF_EVENT_IOC_DISABLE);
}

/* Everything the kernel published up to data_head; then the space goes
 * back through data_tail. */
static int drain_one(struct perf_rings *r, int i, perf_record_fn fn, void *ctx,
		     int *count)
{
	struct perf_event_mmap_page *mp = r->rings[i];
	unsigned char *data = (unsigned char *)mp + getpagesize();
	uint64_t size = r->ring_size, head, tail;
	int ret = 0;

	head = __atomic_load_n(&mp->data_head, __ATOMIC_ACQUIRE);
	tail = mp->data_tail;
	while (tail < head && !ret) {
		uint64_t off = tail & (size - 1);
		struct perf_event_header *h = (void *)(data + off);
		const void *rec = h;
		uint64_t lost;

		if (h->size < sizeof(*h))
			break;
		if (off + h->size > size) {
			memcpy(r->wrap, data + off, size - off);
			memcpy(r->wrap + size - off, data, h->size - (size - off));
			rec = r->wrap;
		}
		if (h->type == PERF_RECORD_LOST && h->size >= sizeof(*h) + 16) {
			memcpy(&lost, (const char *)rec + sizeof(*h) + 8, 8);
			r->lost += lost;
		} else {
			ret = fn(ctx, r->cpus[i], rec, h->size);
			(*count)++;
		}
		tail += h->size;
	}
	__atomic_store_n(&mp->data_tail, tail, __ATOMIC_RELEASE);
	return ret;
}

int perf_rings__drain(struct perf_rings *r, perf_record_fn fn, void *ctx)
{
	int count = 0, ret;

	for (int i = 0; i < r->n; i++)
		if (r->rings[i] && (ret = drain_one(r, i, fn, ctx, &count)))
			return ret;
	return count;
}

int perf_rings__poll(struct perf_rings *r, int timeout_ms, perf_record_fn fn,
		     void *ctx)
{
	if (poll(r->pfds, r->n, timeout_ms) < 0 && errno != EINTR)
		return -errno;
	if (signals_stop_requested())
		return -EINTR;
	return perf_rings__drain(r, fn, ctx);
}

void perf_rings__close(struct perf_rings *r)
{
	for (int i = 0; i < r->n && r->rings; i++)
		if (r->rings[i])
			munmap(r->rings[i], r->ring_size + getpagesize());
	for (int i = 0; i < r->nfds; i++)
		close(r->fds[i]);
	free(r->cpus);
	free(r->fds);
	free(r->rings);
	free(r->pfds);
	free(r->wrap);
	*r = (struct perf_rings){ 0 };
}
