// SPDX-License-Identifier: GPL-2.0
/* Closing tracepoint attachments from threads at once (parallel_close.h). */
#include <bpf/libbpf.h>
#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>

#include "parallel_close.h"
#include "util.h"

#define CLOSE_THREADS 16

struct close_job {
	void (*one)(struct close_job *j, size_t i);
	void *items;
	size_t n;
	atomic_size_t next;
};

static void *close_worker(void *arg)
{
	struct close_job *j = arg;
	size_t i;

	while ((i = atomic_fetch_add(&j->next, 1)) < j->n)
		j->one(j, i);
	return NULL;
}

/* Up to CLOSE_THREADS threads take items in turn; this thread is one of
 * them, so a failed pthread_create() only makes it slower. */
static void run_job(struct close_job *j)
{
	pthread_t th[CLOSE_THREADS];
	size_t started = 0;

	while (started < CLOSE_THREADS && started + 1 < j->n &&
	       !pthread_create(&th[started], NULL, close_worker, j))
		started++;
	close_worker(j);
	for (size_t i = 0; i < started; i++)
		pthread_join(th[i], NULL);
}

static void close_one_fd(struct close_job *j, size_t i)
{
	int *fd = (int *)j->items + i;

	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

void close_fds_parallel(int *fds, size_t n)
{
	struct close_job j = { .one = close_one_fd, .items = fds, .n = n };

	run_job(&j);
}

static void destroy_one_link(struct close_job *j, size_t i)
{
	struct bpf_link **link = (struct bpf_link **)j->items + i;

	bpf_link__destroy(*link);
	*link = NULL;
}

void destroy_links_parallel(struct bpf_link **links, size_t n)
{
	struct close_job j = { .one = destroy_one_link, .items = links, .n = n };

	run_job(&j);
}

void destroy_skeleton_links(struct bpf_object_skeleton *skel)
{
	struct bpf_link **links[64];
	struct bpf_link *batch[64];
	size_t n = 0;

	if (!skel)
		return;
	for (int i = 0; i < skel->prog_cnt && n < ARRAY_SIZE(batch); i++) {
		/* entries are prog_skel_sz apart (newer skeletons are bigger) */
		const struct bpf_prog_skeleton *ps = (const void *)
			((const char *)skel->progs + (size_t)i * skel->prog_skel_sz);
		struct bpf_link **l = ps->link;

		if (l && *l) {
			links[n] = l;
			batch[n++] = *l;
		}
	}
	destroy_links_parallel(batch, n);
	for (size_t i = 0; i < n; i++)
		*links[i] = NULL;
}
