// SPDX-License-Identifier: GPL-2.0
/*
 * profile through BPF: bpf/profile.bpf.c runs on each cpu-clock tick and
 * counts (process, kernel stack id, user stack id) in the kernel; the
 * perf events' rings carry only the side-band records, since the program
 * suppresses the samples. The counts are read once, at the end.
 *
 * Why a compiled skeleton rather than instructions generated at run time
 * (as lib/bpfprobe_gen.c does for probes): the program is fixed — four
 * switches, set as read-only data before load so the verifier drops the
 * dead branches — and reads no kernel struct, so one object built with
 * the binary serves every kernel, with BTF or without.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/perf_event.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpf_util.h"
#include "perf_ring.h"
#include "proctrack.h"
#include "profile.h"
#include "../bpf/profile.h"
#include "profile.skel.h"

#define COUNT_ENTRIES	10240
#define STACK_ENTRIES	16384

struct prof_bpf {
	struct profile_bpf *skel;
	struct perf_rings rings;
	struct bpf_link **links;
	int nlinks;
	int *task_fds;		/* -p: per-thread events */
	int ntask;
};

static int load(struct prof_bpf *pb, const struct profile_opts *o, char *err,
		size_t errsz)
{
	int ret;

	pb->skel = profile_bpf__open();
	if (!pb->skel) {
		snprintf(err, errsz, "opening the BPF object: %s", strerror(errno));
		return -errno;
	}
	pb->skel->rodata->target_pid = o->pid;
	pb->skel->rodata->include_idle = o->include_idle;
	pb->skel->rodata->kernel_stacks = o->kernel;
	pb->skel->rodata->user_stacks = o->user;
	bpf_map__set_max_entries(pb->skel->maps.counts, COUNT_ENTRIES);
	bpf_map__set_max_entries(pb->skel->maps.stacks, STACK_ENTRIES);
	ret = profile_bpf__load(pb->skel);
	if (ret) {
		snprintf(err, errsz, "loading the BPF perf_event program: %s",
			 strerror(-ret));
		return ret;
	}
	return 0;
}

/* The program on one more event; the link gets its own descriptor (a
 * destroyed perf link closes the event's). */
static int link_event(struct prof_bpf *pb, int fd, char *err, size_t errsz)
{
	int dfd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	struct bpf_link *l;

	if (dfd < 0)
		return -errno;
	l = bpf_program__attach_perf_event(pb->skel->progs.sample, dfd);
	if (!l) {
		int ret = -errno;

		close(dfd);
		snprintf(err, errsz, "attaching the BPF program to a perf event: %s",
			 strerror(-ret));
		return ret;
	}
	pb->links[pb->nlinks++] = l;
	return 0;
}

/*
 * -p: one event per thread that follows it from CPU to CPU (cpu -1),
 * inherited by the threads it starts; its clock then ticks on that
 * thread's CPU time alone, in one phase (per-CPU events would each keep
 * their own and jump between them as the thread migrates). Inherited
 * events cannot be mmap'd, so the side-band records come from dummy
 * events.
 */
static int open_task_events(struct prof_bpf *pb, const struct profile_opts *o,
			    struct perf_event_attr *attr, char *err, size_t errsz)
{
	int *tids, n = perf_task_tids(o->pid, &tids), ret = 0;

	if (n < 0) {
		snprintf(err, errsz, "cannot list the threads of %d: %s", o->pid,
			 strerror(-n));
		return n;
	}
	attr->inherit = 1;
	attr->disabled = 0;
	proctrack_attr_none(attr);
	pb->task_fds = malloc(n * sizeof(int));
	pb->links = calloc(n, sizeof(*pb->links));
	for (int i = 0; i < n && !ret; i++) {
		int fd = pb->task_fds && pb->links ?
			 perf_event_open_compat(attr, tids[i], -1) : -ENOMEM;

		if (fd == -ESRCH)
			continue;	/* a thread that ended since */
		if (fd < 0) {
			perf_open_error(err, errsz, fd, tids[i], -1);
			ret = fd;
			break;
		}
		pb->task_fds[pb->ntask++] = fd;
		ret = link_event(pb, fd, err, errsz);
	}
	free(tids);
	return ret ? ret : proctrack_open(&pb->rings, err, errsz);
}

static int attach(struct prof_bpf *pb, const struct profile_opts *o, char *err,
		  size_t errsz)
{
	struct perf_event_attr attr;
	int ret;

	profile_attr(o, &attr);
	if (o->pid)
		return open_task_events(pb, o, &attr, err, errsz);
	if ((ret = perf_rings__open_cpus(&pb->rings, &attr, err, errsz)))
		return ret;
	if (!(pb->links = calloc(pb->rings.n, sizeof(*pb->links))))
		return -ENOMEM;
	for (int i = 0; i < pb->rings.n; i++)
		if ((ret = link_event(pb, pb->rings.v[i].fd, err, errsz)))
			return ret;
	return perf_rings__enable(&pb->rings);
}

static int pb_start(struct profiler *p, char *err, size_t errsz)
{
	struct prof_bpf *pb = calloc(1, sizeof(*pb));
	int ret;

	if (!pb)
		return -ENOMEM;
	p->priv = pb;
	if ((ret = load(pb, p->o, err, errsz)))
		return ret;
	return attach(pb, p->o, err, errsz);
}

static int side_band(void *ctx, int cpu, const void *rec, size_t size)
{
	proctrack_record(rec, size);
	return 0;
}

static int pb_poll(struct profiler *p, int timeout_ms)
{
	struct prof_bpf *pb = p->priv;

	return perf_rings__poll(&pb->rings, timeout_ms, side_band, NULL);
}

static void read_counters(struct prof_bpf *pb, struct profile_stats *st)
{
	int fd = bpf_map__fd(pb->skel->maps.counters);

	st->samples = bpf_util_sum_percpu_u64(fd, SC_SAMPLES);
	st->dropped = bpf_util_sum_percpu_u64(fd, SC_DROPPED);
	st->kmissed = bpf_util_sum_percpu_u64(fd, SC_KMISSED);
	st->umissed = bpf_util_sum_percpu_u64(fd, SC_UMISSED);
}

/* The frames of a stack id (innermost first); 0 for none. */
static int stack_frames(int fd, int32_t id, uint64_t *ips)
{
	int n = 0;

	if (id < 0 || bpf_map_lookup_elem(fd, &id, ips))
		return 0;
	while (n < PROFILE_MAX_FRAMES && ips[n])
		n++;
	return n;
}

int profile_bpf_read_stacks(int counts_fd, int stacks_fd, bool kernel,
			    bool user, struct stackagg *agg)
{
	uint64_t kips[PROFILE_MAX_FRAMES], uips[PROFILE_MAX_FRAMES], value;
	struct stack_key key, next, *prev = NULL;
	int ret;

	while (!(ret = bpf_map_get_next_key(counts_fd, prev, &next))) {
		struct stack_sample s = { .kips = kips, .uips = uips };

		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(counts_fd, &key, &value))
			continue;
		key.comm[sizeof(key.comm) - 1] = '\0';
		s.pid = key.pid;
		s.comm = key.comm;
		s.value = value;
		s.nk = stack_frames(stacks_fd, key.kstack, kips);
		s.nu = stack_frames(stacks_fd, key.ustack, uips);
		/* -EFAULT: no stack in that mode (a tick in user mode has no
		 * kernel stack); any other error: lost */
		if (kernel && key.kstack < 0 && key.kstack != -EFAULT)
			s.flags |= STACK_KMISSED;
		if (user && key.ustack < 0 && key.ustack != -EFAULT)
			s.flags |= STACK_UMISSED;
		if (stackagg_add(agg, &s))
			return -ENOMEM;
	}
	return ret == -ENOENT ? 0 : ret;
}

static int pb_collect(struct profiler *p)
{
	struct prof_bpf *pb = p->priv;

	/* Stop sampling first: the hash does not change while it is read.
	 * The events go too: their inherited copies keep the program. */
	for (int i = 0; i < pb->nlinks; i++)
		bpf_link__destroy(pb->links[i]);
	pb->nlinks = 0;
	for (int i = 0; i < pb->ntask; i++)
		close(pb->task_fds[i]);
	pb->ntask = 0;
	perf_rings__disable(&pb->rings);
	perf_rings__drain(&pb->rings, side_band, NULL);
	read_counters(pb, &p->st);
	p->st.lost = pb->rings.lost;
	return profile_bpf_read_stacks(bpf_map__fd(pb->skel->maps.counts),
				       bpf_map__fd(pb->skel->maps.stacks),
				       p->o->kernel, p->o->user, p->agg);
}

static void pb_free(struct profiler *p)
{
	struct prof_bpf *pb = p->priv;

	if (!pb)
		return;
	for (int i = 0; i < pb->nlinks; i++)
		bpf_link__destroy(pb->links[i]);
	free(pb->links);
	for (int i = 0; i < pb->ntask; i++)
		close(pb->task_fds[i]);
	free(pb->task_fds);
	perf_rings__close(&pb->rings);
	profile_bpf__destroy(pb->skel);
	free(pb);
	p->priv = NULL;
}

const struct profile_backend profile_bpf_backend = {
	.what = "BPF perf_event program + stack maps (counted in the kernel)",
	.start = pb_start,
	.poll = pb_poll,
	.collect = pb_collect,
	.free = pb_free,
};
