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
#include "fault.h"
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

/* Online CPUs ("/sys/devices/system/cpu/online"); count or -errno. */
static int online_cpus(int **cpus)
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

static int map_ring(struct perf_rings *r, struct perf_ring *ring)
{
	size_t pg = getpagesize(), pages = 1, least = 1;
	size_t want = g_opts.buffer_size ? g_opts.buffer_size :
		      (r->ring_kb ? r->ring_kb : 256) * 1024;

	while (pages * pg < want)
		pages *= 2;
	/* every ring the same size: the first one decides */
	if (r->ring_size)
		pages = least = r->ring_size / pg;
	for (; pages >= least; pages /= 2) {
		void *map = mmap(NULL, (pages + 1) * pg, PROT_READ | PROT_WRITE,
				 MAP_SHARED, ring->fd, 0);

		if (map != MAP_FAILED) {
			ring->map = map;
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

void perf_open_error(char *err, size_t errsz, int ret, int tid, int cpu)
{
	char where[48];

	if (tid > 0)
		snprintf(where, sizeof(where), "for thread %d", tid);
	else
		snprintf(where, sizeof(where), "on cpu %d", cpu);
	errf(err, errsz, "perf_event_open %s: %s%s", where, strerror(-ret),
	     ret == -EACCES || ret == -EPERM ? " (needs root or CAP_PERFMON)" : "");
}

static int grow(struct perf_rings *r)
{
	struct perf_ring *v;
	struct pollfd *p;
	int cap = r->cap ? r->cap * 2 : 8;

	if (r->n < r->cap)
		return 0;
	if (!r->wrap && !(r->wrap = malloc(65536)))	/* header.size is a u16 */
		return -ENOMEM;
	if (!(v = realloc(r->v, cap * sizeof(*v))))
		return -ENOMEM;
	r->v = v;
	if (!(p = realloc(r->pfds, cap * sizeof(*p))))
		return -ENOMEM;
	r->pfds = p;
	r->cap = cap;
	return 0;
}

int perf_rings__add(struct perf_rings *r, int fd, int tid, int cpu, char *err,
		    size_t errsz)
{
	struct perf_ring *ring;
	int ret;

	if ((ret = grow(r))) {
		close(fd);
		errf(err, errsz, "%s", strerror(-ret));
		return ret;
	}
	ring = &r->v[r->n];
	*ring = (struct perf_ring){ .fd = fd, .cpu = cpu, .tid = tid };
	if ((ret = map_ring(r, ring))) {
		close(fd);
		errf(err, errsz, "cannot map a perf ring buffer: %s", strerror(-ret));
		return ret;
	}
	r->pfds[r->n++] = (struct pollfd){ .fd = fd, .events = POLLIN };
	return 0;
}

int perf_event_open_compat(struct perf_event_attr *attr, int tid, int cpu)
{
	int fd = sys_perf_event_open(attr, tid, cpu, -1, 0);

	if (fd == -EINVAL && attr->sample_max_stack) {
		attr->sample_max_stack = 0;		/* 4.8+ */
		fd = sys_perf_event_open(attr, tid, cpu, -1, 0);
	}
	if (fd == -EINVAL && (attr->mmap2 || attr->comm_exec)) {
		attr->mmap2 = attr->comm_exec = 0;	/* 3.16+ */
		fd = sys_perf_event_open(attr, tid, cpu, -1, 0);
	}
	return fd;
}

int perf_rings__open_cpus(struct perf_rings *r, struct perf_event_attr *attr,
			  char *err, size_t errsz)
{
	int *cpus, n = online_cpus(&cpus), ret = 0;

	if (n < 0) {
		errf(err, errsz, "cannot list the online CPUs: %s", strerror(-n));
		return n;
	}
	attr->disabled = 1;
	for (int i = 0; i < n && !ret; i++) {
		int fd = perf_event_open_compat(attr, -1, cpus[i]);

		if (fd < 0) {
			perf_open_error(err, errsz, fd, -1, cpus[i]);
			ret = fd;
		} else {
			ret = perf_rings__add(r, fd, -1, cpus[i], err, errsz);
		}
	}
	free(cpus);
	return ret;
}

static int ioctl_all(struct perf_rings *r, unsigned long req)
{
	for (int i = 0; i < r->n; i++)
		if (ioctl(r->v[i].fd, req, 0))
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
	struct perf_event_mmap_page *mp = r->v[i].map;
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
			ret = fn(ctx, r->v[i].cpu, rec, h->size);
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
		if ((ret = drain_one(r, i, fn, ctx, &count)))
			return ret;
	return count;
}

int perf_rings__poll(struct perf_rings *r, int timeout_ms, perf_record_fn fn,
		     void *ctx)
{
	if (fault_read(poll(r->pfds, r->n, timeout_ms)) < 0 && errno != EINTR)
		return -errno;
	if (signals_stop_requested())
		return -EINTR;
	return perf_rings__drain(r, fn, ctx);
}

void perf_rings__close(struct perf_rings *r)
{
	for (int i = 0; i < r->n; i++) {
		munmap(r->v[i].map, r->ring_size + getpagesize());
		close(r->v[i].fd);
	}
	free(r->v);
	free(r->pfds);
	free(r->wrap);
	*r = (struct perf_rings){ 0 };
}
