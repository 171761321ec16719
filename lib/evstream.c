// SPDX-License-Identifier: GPL-2.0
/*
 * Trace events delivered to a callback in timestamp order, read either
 * from the private tracefs instance's per-CPU trace_pipe_raw buffers
 * (kbuffer pages) or from perf_event_open ring buffers (PERF_TYPE_TRACEPOINT
 * samples). Both carry the same tracepoint record, decoded with one
 * libtraceevent handle built from the events' format files.
 *
 * Ordering: each round drains every CPU, then delivers what is older than
 * the moment the round began, minus HOLDBACK_NS. An event whose CPU was
 * drained a moment before it was written waits for the next round, and
 * nothing newer from another CPU can overtake it.
 *
 * Stacks: the tracefs options stacktrace and userstacktrace make the
 * kernel write a kernel_stack and a user_stack record right after each
 * event it commits, on the same CPU (unlike a stacktrace trigger, which
 * fires for records the event's filter then discards). A stack record
 * joins the record read just before it from that CPU, when the task is
 * the same; an event waits up to STACK_WAIT_NS for its stacks.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/perf_event.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <event-parse.h>
#include <kbuffer.h>

#include "evstream.h"
#include "bufsize.h"
#include "fault.h"
#include "sonde.h"
#include "tfs.h"
#include "util.h"

#define MAX_CPUS		4096
/* Longer than the reserve-to-commit window of a ring buffer write. */
#define HOLDBACK_NS		2000000ull
/* poll() never sleeps longer: bounds latency where the kernel wakes
 * readers only at a watermark, and catches a stop signal that arrived
 * just before poll(). */
#define POLL_CAP_MS		100
#define POLL_CAP_NOWAKE_MS	20
#define POLL_CAP_PERF_MS	20
#define PERF_WAKEUP_BYTES	16384
/* Pages read from one CPU per round, so one busy CPU cannot starve the
 * others; the round's cutoff then stops at that CPU's last event. */
#define PAGES_PER_ROUND		256
/* How long an event may wait for the stack records that follow it (the
 * kernel writes them right after; under emulation that took ms). */
#define STACK_WAIT_NS		50000000ull
#define MAX_STACK		127	/* perf's default kernel.perf_event_max_stack */
#define KSYM_NAME_LEN		512

struct ev_def {
	char *system, *name;
	int *fds;		/* perf: [tid][cpu], ntids * ncpus */
	bool tracer;		/* records of the function tracer, not an event */
	/* perf: the event's id (a sample's common_type), the samples of it
	 * read, and its counters' hits at the last read (tracefs: fds are
	 * counting-only events, when evstream_count() opened them) */
	int id;
	uint64_t samples, counted;
	char *filter;		/* tracefs: for evstream_count() */
};

struct ev_cpu {
	int cpu;
	int fd;			/* tracefs: trace_pipe_raw; perf: ring owner */
	void *ring;		/* perf: mmap'd ring buffer */
	size_t ring_size;
	struct ev_item *last;	/* tracefs: the record stacks join */
};

struct evstream {
	enum ev_transport tr;
	struct evstream_opts opts;
	struct tfs *tfs;
	struct tep_handle *tep;
	struct ev_def *defs;
	size_t ndefs;
	struct ev_cpu *cpus;
	int ncpus;
	int *tids;		/* opts.pid's threads; {-1} for all */
	int ntids;
	struct pollfd *pfds;
	bool prepared, started, closed;
	bool mono;		/* timestamps are CLOCK_MONOTONIC */
	bool wake_on_data;	/* poll wakes on the first byte */
	struct ev_merge merge;
	/* tracefs */
	struct kbuffer *kbuf;
	void *page;
	size_t page_size;
	uint64_t missed, stats_lost;
	int kstack_id, ustack_id, function_id;	/* record types; -1: none */
	int kcount_off, kcaller_off, kcaller_size, ucaller_off, ucaller_size;
	/* perf */
	bool clock_decided;
	uint64_t perf_lost;	/* PERF_RECORD_LOST totals */
	uint64_t perf_samples;	/* samples read from the rings */
	uint64_t perf_counted;	/* the events' counters, last read */
	size_t rate_kb;		/* per CPU, measured at the start; 0: not */
	bool loss_explained;	/* -v said which events lost records */
	unsigned char *wrap;	/* a record that wraps the ring, joined */
	struct evstream *next;	/* live streams, closed at teardown */
};

static struct evstream *live_streams;

/* ---- merging in timestamp order (pure, unit-tested) ---- */

int ev_merge_push(struct ev_merge *m, uint64_t ts, int cpu, const void *data,
		  uint32_t size)
{
	struct ev_item *it;

	if (m->n == m->cap) {
		size_t cap = m->cap ? 2 * m->cap : 256;
		struct ev_item **items = realloc(m->items, cap * sizeof(*items));

		if (!items)
			return -ENOMEM;
		m->items = items;
		m->cap = cap;
	}
	it = malloc(sizeof(*it) + size);
	if (!it)
		return -ENOMEM;
	*it = (struct ev_item){ .ts = ts, .seq = m->seq++, .cpu = cpu,
				.size = size };
	memcpy(it->data, data, size);
	m->items[m->n++] = it;
	return 0;
}

static int item_cmp(const void *a, const void *b)
{
	const struct ev_item *x = *(const struct ev_item **)a;
	const struct ev_item *y = *(const struct ev_item **)b;

	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static uint64_t *copy_frames(const uint64_t *ips, int n)
{
	uint64_t *out = malloc((n ? n : 1) * sizeof(*ips));

	if (out)
		memcpy(out, ips, n * sizeof(*ips));
	return out;
}

static void item_free(struct ev_item *it)
{
	free(it->kstack);
	free(it->ustack);
	free(it);
}

size_t ev_merge_take(struct ev_merge *m, uint64_t cutoff,
		     void (*fn)(void *ctx, struct ev_item *it), void *ctx)
{
	size_t k = 0;

	if (!m->n)
		return 0;
	qsort(m->items, m->n, sizeof(*m->items), item_cmp);
	while (k < m->n && m->items[k]->ts <= cutoff) {
		fn(ctx, m->items[k]);
		item_free(m->items[k]);
		k++;
	}
	memmove(m->items, m->items + k, (m->n - k) * sizeof(*m->items));
	m->n -= k;
	return k;
}

uint64_t ev_merge_oldest(const struct ev_merge *m)
{
	uint64_t oldest = UINT64_MAX;

	for (size_t i = 0; i < m->n; i++)
		if (m->items[i]->ts < oldest)
			oldest = m->items[i]->ts;
	return oldest;
}

void ev_merge_clear(struct ev_merge *m)
{
	for (size_t i = 0; i < m->n; i++)
		item_free(m->items[i]);
	free(m->items);
	memset(m, 0, sizeof(*m));
}

/* ---- small parsers (pure, unit-tested) ---- */

int ev_parse_cpu_list(const char *s, int *cpus, int max)
{
	int n = 0;

	while (*s && *s != '\n') {
		char *end;
		long a = strtol(s, &end, 10), b = a;

		if (end == s || a < 0)
			return -EINVAL;
		s = end;
		if (*s == '-') {
			b = strtol(s + 1, &end, 10);
			if (end == s + 1 || b < a)
				return -EINVAL;
			s = end;
		}
		for (long c = a; c <= b; c++) {
			if (n == max)
				return -EINVAL;
			cpus[n++] = c;
		}
		if (*s == ',')
			s++;
		else if (*s && *s != '\n')
			return -EINVAL;
	}
	return n;
}

uint64_t ev_parse_stats_field(const char *text, const char *key)
{
	size_t len = strlen(key);

	for (const char *l = text; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL)
		if (!strncmp(l, key, len) && l[len] == ':')
			return strtoull(l + len + 1, NULL, 10);
	return 0;
}

uint64_t ev_parse_stats_lost(const char *text)
{
	return ev_parse_stats_field(text, "overrun") +
	       ev_parse_stats_field(text, "commit overrun") +
	       ev_parse_stats_field(text, "dropped events");
}

int ev_perf_parse_sample(const void *rec, size_t size, bool callchain,
			 struct ev_sample *out)
{
	const unsigned char *p = rec, *end = p + size;
	const struct perf_event_header *h = rec;
	uint32_t pidtid[2], cpures[2];

	/* header, id, pid+tid, time, cpu+res, [nr, ips[nr]], raw size */
	if (size < sizeof(*h) + 36 || h->type != PERF_RECORD_SAMPLE)
		return -EINVAL;
	p += sizeof(*h);
	memcpy(&out->id, p, 8);
	memcpy(pidtid, p + 8, 8);
	memcpy(&out->time, p + 16, 8);
	memcpy(cpures, p + 24, 8);
	out->pid = pidtid[0];
	out->tid = pidtid[1];
	out->cpu = cpures[0];
	p += 32;
	out->chain = NULL;
	out->nchain = 0;
	if (callchain) {
		memcpy(&out->nchain, p, 8);
		if (out->nchain > (size_t)(end - p) / 8 ||
		    (size_t)(end - p) < 8 * (out->nchain + 1) + 4)
			return -EINVAL;
		out->chain = p + 8;
		p += 8 * (out->nchain + 1);
	}
	memcpy(&out->raw_size, p, 4);
	if ((size_t)(end - p) < 4 + (size_t)out->raw_size)
		return -EINVAL;
	out->raw = p + 4;
	return 0;
}

void ev_split_callchain(const void *chain, uint64_t n, uint64_t *k, int *nk,
			uint64_t *u, int *nu, int max)
{
	uint64_t *to = NULL;
	int *count = NULL;

	*nk = *nu = 0;
	for (uint64_t i = 0; i < n; i++) {
		uint64_t ip;

		memcpy(&ip, (const char *)chain + 8 * i, 8);
		if (ip >= (uint64_t)PERF_CONTEXT_MAX) {
			to = ip == (uint64_t)PERF_CONTEXT_KERNEL ? k :
			     ip == (uint64_t)PERF_CONTEXT_USER ? u : NULL;
			count = to == k ? nk : to == u ? nu : NULL;
			continue;
		}
		if (to && *count < max)
			to[(*count)++] = ip;
	}
}

int ev_stack_frames(const void *data, uint32_t size, int count_off,
		    int caller_off, int caller_size, uint64_t *out, int max)
{
	int n = 0, avail;
	int32_t count = max;

	if (caller_off < 0 || (uint32_t)caller_off > size)
		return 0;
	avail = (size - caller_off) / 8;
	if (count_off >= 0) {
		/* 8 in the format, as many as were saved in the record */
		if ((uint32_t)count_off + 4 > size)
			return 0;
		memcpy(&count, (const char *)data + count_off, 4);
	} else if (caller_size / 8 < avail) {
		avail = caller_size / 8;
	}
	for (int i = 0; i < avail && i < count && n < max; i++) {
		uint64_t ip;

		memcpy(&ip, (const char *)data + caller_off + 8 * i, 8);
		if (count_off < 0 && (!ip || ip == UINT64_MAX))
			break;	/* the rest of a user_stack array is unused */
		out[n++] = ip;
	}
	return n;
}

/* ---- field helpers ---- */

static struct tep_format_field *field_of(struct tep_event *ev,
					 struct tep_record *rec,
					 const char *name)
{
	struct tep_format_field *f = tep_find_any_field(ev, name);

	if (!f || f->offset < 0 || f->offset + f->size > rec->size)
		return NULL;
	return f;
}

bool ev_field_u64(struct tep_event *ev, struct tep_record *rec,
		  const char *name, uint64_t *out)
{
	struct tep_format_field *f = field_of(ev, rec, name);
	unsigned long long v;

	if (!f || (f->flags & (TEP_FIELD_IS_ARRAY | TEP_FIELD_IS_DYNAMIC)))
		return false;
	if (tep_read_number_field(f, rec->data, &v))
		return false;
	/* Sign-extend, so (int64_t)*out is -2 for an int field holding -2. */
	if ((f->flags & TEP_FIELD_IS_SIGNED) && f->size < 8 &&
	    (v & (1ull << (f->size * 8 - 1))))
		v |= ~0ull << (f->size * 8);
	*out = v;
	return true;
}

/* Where a __data_loc / __rel_loc field's bytes are. */
static bool dynamic_span(struct tep_format_field *f, struct tep_record *rec,
			 int *off, int *len)
{
	uint32_t loc;

	if (f->size != 4)
		return false;
	memcpy(&loc, (char *)rec->data + f->offset, 4);
	*off = loc & 0xffff;
	*len = loc >> 16;
	if (f->flags & TEP_FIELD_IS_RELATIVE)
		*off += f->offset + f->size;
	return *off + *len <= rec->size;
}

bool ev_field_str(struct tep_event *ev, struct tep_record *rec,
		  const char *name, char *buf, size_t size)
{
	struct tep_format_field *f = field_of(ev, rec, name);
	int off, len;
	size_t n;

	if (!f || !size)
		return false;
	if (f->flags & TEP_FIELD_IS_DYNAMIC) {
		/* __data_loc char[]: tracepoint strings and the string /
		 * ustring fetch args of dynamic events. */
		if (!dynamic_span(f, rec, &off, &len))
			return false;
	} else if (f->flags & TEP_FIELD_IS_ARRAY) {
		off = f->offset;	/* char comm[16] */
		len = f->size;
	} else {
		return false;
	}
	n = strnlen((char *)rec->data + off, len);
	if (n >= size)
		n = size - 1;
	memcpy(buf, (char *)rec->data + off, n);
	buf[n] = '\0';
	return true;
}

bool ev_field_hex(struct tep_event *ev, struct tep_record *rec,
		  const char *name, char *buf, size_t size)
{
	struct tep_format_field *f = field_of(ev, rec, name);

	if (!f || !(f->flags & TEP_FIELD_IS_ARRAY) || (f->flags & TEP_FIELD_IS_DYNAMIC))
		return false;
	hex_text((const uint8_t *)rec->data + f->offset, f->size, buf, size);
	return true;
}

uint64_t ev_record_ts(struct tep_record *rec)
{
	return rec->ts;
}

int ev_record_pid(struct tep_event *ev, struct tep_record *rec)
{
	return tep_data_pid(ev->tep, rec);
}

int ev_record_stack(const struct tep_record *rec, bool user,
		    const uint64_t **ips)
{
	const struct ev_item *it = rec->priv;

	*ips = !it ? NULL : user ? it->ustack : it->kstack;
	return !it ? 0 : user ? it->nustack : it->nkstack;
}

/* ---- event formats ---- */

static char *read_whole(const char *path, size_t *len)
{
	size_t cap = 16384;
	char *buf = malloc(cap);
	int n;

	/* Format files of events with many fields exceed a page. */
	while (buf && (n = read_text_file(path, buf, cap)) >= 0 &&
	       (size_t)n >= cap - 1) {
		char *b = realloc(buf, cap *= 2);

		if (!b)
			break;
		buf = b;
	}
	if (!buf || read_text_file(path, buf, cap) < 0) {
		free(buf);
		return NULL;
	}
	*len = strlen(buf);
	return buf;
}

static struct tep_handle *tep_new(const char *root)
{
	struct tep_handle *tep = tep_alloc();
	char path[PATH_MAX];
	size_t len;
	char *buf;

	if (!tep)
		return NULL;
	tep_set_long_size(tep, sizeof(long));
	tep_set_page_size(tep, getpagesize());
	tep_set_file_bigendian(tep, TEP_LITTLE_ENDIAN);
	tep_set_local_bigendian(tep, TEP_LITTLE_ENDIAN);
	snprintf(path, sizeof(path), "%s/events/header_page", root);
	buf = read_whole(path, &len);
	if (buf)
		tep_parse_header_page(tep, buf, len, sizeof(long));
	free(buf);
	return tep;
}

static int parse_format(struct evstream *s, const char *system,
			const char *event, char *err, size_t errsz)
{
	char path[PATH_MAX];
	struct tep_event *ev;
	size_t len;
	char *buf;
	int ret;

	if (tep_find_event_by_name(s->tep, system, event))
		return 0;
	snprintf(path, sizeof(path), "%s/events/%s/%s/format",
		 tfs_root(s->tfs), system, event);
	buf = read_whole(path, &len);
	if (!buf) {
		ret = -errno;
		snprintf(err, errsz, "cannot read %s: %s", path, strerror(errno));
		return ret;
	}
	ret = tep_parse_format(s->tep, &ev, buf, len, system);
	free(buf);
	if (ret) {
		snprintf(err, errsz, "cannot parse the format of %s:%s",
			 system, event);
		return -EINVAL;
	}
	return 0;
}

static int event_id(struct evstream *s, const char *system, const char *event)
{
	char path[PATH_MAX];
	long long id;
	int ret;

	snprintf(path, sizeof(path), "%s/events/%s/%s/id", tfs_root(s->tfs),
		 system, event);
	ret = read_int_file(path, &id);
	return ret ? ret : (int)id;
}

/* ---- life cycle ---- */

static int online_cpus(struct evstream *s)
{
	char buf[4096];
	int *cpus = calloc(MAX_CPUS, sizeof(int)), n;

	if (!cpus)
		return -ENOMEM;
	n = read_text_file("/sys/devices/system/cpu/online", buf, sizeof(buf));
	if (n >= 0)
		n = ev_parse_cpu_list(buf, cpus, MAX_CPUS);
	if (n <= 0) {
		free(cpus);
		return n < 0 ? n : -ENODEV;
	}
	s->cpus = calloc(n, sizeof(*s->cpus));
	s->pfds = calloc(n, sizeof(*s->pfds));
	if (!s->cpus || !s->pfds) {
		free(cpus);
		return -ENOMEM;
	}
	for (int i = 0; i < n; i++) {
		s->cpus[i].cpu = cpus[i];
		s->cpus[i].fd = -1;
		s->pfds[i].fd = -1;
	}
	s->ncpus = n;
	free(cpus);
	return 0;
}

/* The threads of opts.pid: per-task perf events and set_event_pid
 * follow one thread each (and, with inherit / event-fork, the tasks it
 * creates later). */
static int list_tids(struct evstream *s)
{
	char dir[64];
	struct dirent *de;
	int cap = 16;
	DIR *d;

	s->tids = malloc(cap * sizeof(int));
	if (!s->tids)
		return -ENOMEM;
	if (s->opts.pid <= 0) {
		s->tids[s->ntids++] = -1;
		return 0;
	}
	snprintf(dir, sizeof(dir), "/proc/%d/task", s->opts.pid);
	d = opendir(dir);
	if (!d)
		return errno == ENOENT ? -ESRCH : -errno;
	while ((de = readdir(d))) {
		int *t;

		if (de->d_name[0] == '.')
			continue;
		if (s->ntids == cap) {
			t = realloc(s->tids, (cap *= 2) * sizeof(int));
			if (!t)
				break;
			s->tids = t;
		}
		s->tids[s->ntids++] = atoi(de->d_name);
	}
	closedir(d);
	return s->ntids ? 0 : -ESRCH;
}

static uint64_t def_counted(struct evstream *s, struct ev_def *d);

static void close_stream_fds(struct evstream *s)
{
	for (int i = 0; i < s->ncpus; i++) {
		if (s->cpus[i].ring)
			munmap(s->cpus[i].ring, s->cpus[i].ring_size);
		s->cpus[i].ring = NULL;
		if (s->tr == EVT_TRACEFS && s->cpus[i].fd >= 0)
			close(s->cpus[i].fd);
		s->cpus[i].fd = -1;
	}
	for (size_t d = 0; d < s->ndefs; d++) {
		if (s->tr == EVT_TRACEFS && s->defs[d].fds && !s->closed)
			s->defs[d].counted = def_counted(s, &s->defs[d]);
		for (int i = 0; s->defs[d].fds && i < s->ntids * s->ncpus; i++)
			if (s->defs[d].fds[i] >= 0) {
				close(s->defs[d].fds[i]);
				s->defs[d].fds[i] = -1;
			}
	}
	s->closed = true;
}

/* Open perf events and trace_pipe_raw files keep probes and the instance
 * busy: tfs_teardown() closes them first. */
static void close_live_streams(void)
{
	for (struct evstream *s = live_streams; s; s = s->next)
		if (!s->closed)
			close_stream_fds(s);
}

static size_t default_buffer_kb(struct evstream *s)
{
	if (s->opts.buffer_kb_per_cpu)
		return s->opts.buffer_kb_per_cpu;
	if (s->rate_kb)
		return s->rate_kb;
	return bufsize_bytes(s->tr == EVT_PERF ? BUF_PERF : BUF_TRACEFS,
			     s->opts.busy) / 1024;
}

struct evstream *evstream_new(enum ev_transport tr,
			      const struct evstream_opts *opts)
{
	struct evstream *s = calloc(1, sizeof(*s));
	int ret;

	if (!s)
		return NULL;
	s->tr = tr;
	if (opts)
		s->opts = *opts;
	s->kstack_id = s->ustack_id = s->function_id = -1;
	s->tfs = tfs_get();
	if (!s->tfs) {
		ret = -errno;
		goto fail;
	}
	s->tep = tep_new(tfs_root(s->tfs));
	ret = s->tep ? online_cpus(s) : -ENOMEM;
	if (!ret)
		ret = list_tids(s);
	if (ret)
		goto fail;
	tfs_on_teardown(close_live_streams);
	s->next = live_streams;
	live_streams = s;
	return s;
fail:
	if (s->tep)
		tep_free(s->tep);
	free(s->cpus);
	free(s->pfds);
	free(s->tids);
	free(s);
	errno = -ret;
	return NULL;
}

struct tep_handle *evstream_tep(struct evstream *s)
{
	return s->tep;
}

/* ---- the tracefs transport ---- */

/* "mono" (4.1+) is CLOCK_MONOTONIC, the clock bpf_ktime_get_ns() and our
 * perf events use; the default "local" is not comparable across CPUs. */
static bool clock_listed(const char *clocks, const char *name)
{
	size_t len = strlen(name);

	/* "[local] global counter uptime perf mono mono_raw boot" */
	for (const char *p = clocks; *p; p += strcspn(p, " ")) {
		p += strspn(p, " [");
		if (!strncmp(p, name, len) &&
		    (!p[len] || p[len] == ' ' || p[len] == ']'))
			return true;
	}
	return false;
}

static void tracefs_set_clock(struct evstream *s)
{
	char clocks[512];

	if (tfs_instance_read(s->tfs, "trace_clock", clocks, sizeof(clocks)) > 0 &&
	    clock_listed(clocks, "mono") &&
	    !tfs_instance_write(s->tfs, "trace_clock", "mono")) {
		s->mono = true;
		return;
	}
	vinfo("tracefs: no \"mono\" trace_clock: timestamps are not "
	      "CLOCK_MONOTONIC and events are ordered per poll round only");
}

static int tracefs_open_cpus(struct evstream *s, char *err, size_t errsz)
{
	char path[PATH_MAX];

	for (int i = 0; i < s->ncpus; i++) {
		snprintf(path, sizeof(path), "%s/per_cpu/cpu%d/trace_pipe_raw",
			 tfs_instance(s->tfs), s->cpus[i].cpu);
		s->cpus[i].fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
		if (s->cpus[i].fd < 0) {
			snprintf(err, errsz, "cannot open %s: %s", path,
				 strerror(errno));
			return -errno;
		}
		s->pfds[i].fd = s->cpus[i].fd;
		s->pfds[i].events = POLLIN;
	}
	return 0;
}

/* Turn an instance option on; teardown sets it back as it was. */
static int instance_option_on(struct evstream *s, const char *name)
{
	return tfs_instance_option_on(s->tfs, name);
}

/* "tid tid ...": opts.pid's threads for set_event_pid / set_ftrace_pid */
static char *tid_list(struct evstream *s)
{
	char *pids = malloc(s->ntids * 12 + 1);
	size_t len = 0;

	if (pids)
		for (int i = 0; i < s->ntids; i++)
			len += sprintf(pids + len, "%d ", s->tids[i]);
	return pids;
}

static int tracefs_follow_pid(struct evstream *s)
{
	return tfs_follow_tids(s->tfs, s->tids, s->ntids);
}

/* An ftrace record type ("function", "kernel_stack"), parsed: its id. */
static int ftrace_record(struct evstream *s, const char *name,
			 struct tep_event **ev, char *err, size_t errsz)
{
	int ret = parse_format(s, "ftrace", name, err, errsz);

	if (ret)
		return ret;
	*ev = tep_find_event_by_name(s->tep, "ftrace", name);
	return (*ev)->id;
}

/* Where a field of an ftrace record is (size: its size), or -1. */
static int field_at(struct tep_event *ev, const char *name, int *size)
{
	struct tep_format_field *f = tep_find_field(ev, name);

	if (f && size)
		*size = f->size;
	return f ? f->offset : -1;
}

/* One kind of stack record: its type and layout, and the option on. */
static int stack_record(struct evstream *s, bool user, char *err, size_t errsz)
{
	const char *name = user ? "user_stack" : "kernel_stack";
	const char *option = user ? "userstacktrace" : "stacktrace";
	struct tep_event *ev = NULL;
	int id = ftrace_record(s, name, &ev, err, errsz), ret;

	if (id < 0)
		return id;
	if (user) {
		s->ustack_id = id;
		s->ucaller_off = field_at(ev, "caller", &s->ucaller_size);
	} else {
		s->kstack_id = id;
		s->kcount_off = field_at(ev, "size", NULL);
		s->kcaller_off = field_at(ev, "caller", &s->kcaller_size);
	}
	if ((user ? s->ucaller_off : s->kcaller_off) < 0 ||
	    (!user && s->kcount_off < 0)) {
		snprintf(err, errsz, "unexpected format of ftrace/%s", name);
		return -EINVAL;
	}
	if ((ret = instance_option_on(s, option)))
		snprintf(err, errsz, "cannot record %s stacks: %s/options/%s: %s",
			 user ? "user" : "kernel", tfs_instance(s->tfs), option,
			 strerror(-ret));
	return ret;
}

/* Kernel and user stacks after each committed event (see the top). */
static int tracefs_stacks(struct evstream *s, char *err, size_t errsz)
{
	int ret = 0;

	if (s->opts.kstack)
		ret = stack_record(s, false, err, errsz);
	if (!ret && s->opts.ustack)
		ret = stack_record(s, true, err, errsz);
	return ret;
}

/* Configure the instance before any event is enabled: changing the clock
 * or the buffer size clears the buffers. Nothing is recorded until
 * evstream_start() sets tracing_on. */
static int tracefs_prepare(struct evstream *s, char *err, size_t errsz)
{
	char val[32];
	int ret;

	if (!tfs_instance(s->tfs)) {
		ret = -errno;
		snprintf(err, errsz, "cannot create tracefs instance %s: %s",
			 tfs_group(s->tfs), strerror(errno));
		return ret;
	}
	tfs_instance_write(s->tfs, "tracing_on", "0");
	tracefs_set_clock(s);
	snprintf(val, sizeof(val), "%zu", default_buffer_kb(s));
	if ((ret = tfs_instance_write(s->tfs, "buffer_size_kb", val))) {
		snprintf(err, errsz, "cannot size the trace buffer to %s KB: %s",
			 val, strerror(-ret));
		return ret;
	}
	/* 0: poll wakes on the first event instead of at 50% full (4.20+;
	 * older kernels wake on any data anyway). */
	ret = tfs_instance_write(s->tfs, "buffer_percent", "0");
	s->wake_on_data = ret == 0 || ret == -ENOENT;
	if (s->opts.pid > 0 && (ret = tracefs_follow_pid(s))) {
		snprintf(err, errsz, "cannot set set_event_pid: %s",
			 strerror(-ret));
		return ret;
	}
	/* Sub-buffers larger than a page are possible since 6.8. */
	s->page_size = getpagesize();
	if (tfs_instance_read(s->tfs, "buffer_subbuf_size_kb", val,
			      sizeof(val)) > 0 && atoi(val) > 0)
		s->page_size = (size_t)atoi(val) * 1024;
	s->page = aligned_alloc(8, s->page_size);
	s->kbuf = kbuffer_alloc(KBUFFER_LSIZE_8, KBUFFER_ENDIAN_LITTLE);
	if (!s->page || !s->kbuf) {
		snprintf(err, errsz, "out of memory");
		return -ENOMEM;
	}
	ret = tracefs_stacks(s, err, errsz);
	s->prepared = !ret;
	return ret;
}

static int tracefs_add(struct evstream *s, const char *system,
		       const char *event, const char *filter, char *err,
		       size_t errsz)
{
	int ret;

	if (!s->prepared && (ret = tracefs_prepare(s, err, errsz)))
		return ret;
	return tfs_event_enable(s->tfs, system, event, filter, err, errsz);
}

static uint16_t record_type(const void *data)
{
	uint16_t type;

	memcpy(&type, data, 2);
	return type;
}

static int32_t record_pid(const void *data)
{
	int32_t pid;

	memcpy(&pid, (const char *)data + 4, 4);
	return pid;
}

/* Is data a stack record? Then it joins the record read before it from
 * the same CPU, if that task's and still without one. */
static bool tracefs_stack_record(struct evstream *s, struct ev_cpu *c,
				 const void *data, uint32_t size)
{
	uint16_t type = record_type(data);
	bool user = type == s->ustack_id;
	struct ev_item *it = c->last;
	uint64_t ips[MAX_STACK], **to;
	int n, *nto;

	if (type != s->kstack_id && !user)
		return false;
	if (!it || record_pid(it->data) != record_pid(data))
		return true;
	to = user ? &it->ustack : &it->kstack;
	nto = user ? &it->nustack : &it->nkstack;
	if (*to)
		return true;
	if (user)
		n = ev_stack_frames(data, size, -1, s->ucaller_off,
				    s->ucaller_size, ips, MAX_STACK);
	else
		n = ev_stack_frames(data, size, s->kcount_off, s->kcaller_off,
				    s->kcaller_size, ips, MAX_STACK);
	if ((*to = copy_frames(ips, n)))
		*nto = n;
	return true;
}

/* Does the newest record of a CPU still wait for a stack record? */
static bool awaits_stack(struct evstream *s, const struct ev_item *it)
{
	bool function = record_type(it->data) == s->function_id;

	return (s->opts.kstack && !it->kstack) ||
	       (s->opts.ustack && !function && !it->ustack);
}

/*
 * Read one CPU's buffer until it is empty or PAGES_PER_ROUND pages were
 * read; *last gets the newest timestamp read when it stopped early.
 * Non-blocking reads return partly filled pages too.
 */
static int tracefs_drain_cpu(struct evstream *s, struct ev_cpu *c,
			     uint64_t *last)
{
	unsigned long long ts;
	void *data;
	ssize_t n;

	for (int pages = 0; pages < PAGES_PER_ROUND; pages++) {
		n = fault_read(read(c->fd, s->page, s->page_size));
		if (n <= 0)
			return n < 0 && errno != EAGAIN && errno != EINTR ?
			       -errno : 0;
		if (kbuffer_load_subbuffer(s->kbuf, s->page) < 0)
			continue;
		/* -1: the kernel saw a loss but kept no count */
		n = kbuffer_missed_events(s->kbuf);
		s->missed += n > 0 ? n : n < 0;
		for (data = kbuffer_read_event(s->kbuf, &ts); data;
		     data = kbuffer_next_event(s->kbuf, &ts)) {
			uint32_t size = kbuffer_event_size(s->kbuf);

			if (tracefs_stack_record(s, c, data, size))
				continue;
			if (ev_merge_push(&s->merge, ts, c->cpu, data, size))
				return -ENOMEM;
			c->last = s->merge.items[s->merge.n - 1];
			*last = ts;
		}
	}
	return 1;
}

/* ---- the perf transport ---- */

static int perf_event_open(struct perf_event_attr *attr, int pid, int cpu)
{
	return syscall(SYS_perf_event_open, attr, pid, cpu, -1,
		       PERF_FLAG_FD_CLOEXEC);
}

static int perf_open_one(struct evstream *s, int id, int pid, int cpu)
{
	struct perf_event_attr attr = {
		.type = PERF_TYPE_TRACEPOINT,
		.size = sizeof(attr),
		.config = id,
		.sample_period = 1,
		.sample_type = PERF_SAMPLE_IDENTIFIER | PERF_SAMPLE_TID |
			       PERF_SAMPLE_TIME | PERF_SAMPLE_CPU |
			       PERF_SAMPLE_RAW,
		.disabled = 1,
		/* A wakeup per sample slows every traced thread ~15x (an
		 * irq_work each): wake at a watermark, and let POLL_CAP_PERF_MS
		 * bound the latency of sparse events. */
		.watermark = 1,
		.wakeup_watermark = PERF_WAKEUP_BYTES,
		.use_clockid = 1,
		.clockid = CLOCK_MONOTONIC,
	};
	int fd;

	attr.inherit = pid > 0;
	if (s->opts.kstack || s->opts.ustack) {
		attr.sample_type |= PERF_SAMPLE_CALLCHAIN;
		attr.exclude_callchain_kernel = !s->opts.kstack;
		attr.exclude_callchain_user = !s->opts.ustack;
	}
	/* Events sharing a ring must share a clock: the first decides. */
	if (s->clock_decided)
		attr.use_clockid = s->mono;
	fd = perf_event_open(&attr, pid, cpu);
	if (fd < 0 && errno == EINVAL && !s->clock_decided) {
		/* use_clockid came in 4.1; perf's own clock before */
		attr.use_clockid = 0;
		fd = perf_event_open(&attr, pid, cpu);
	}
	if (fd < 0)
		return -errno;
	if (!s->clock_decided) {
		s->mono = attr.use_clockid;
		s->clock_decided = true;
		if (!s->mono)
			vinfo("perf: no use_clockid: timestamps are not "
			      "CLOCK_MONOTONIC and events are ordered per "
			      "poll round only");
	}
	return fd;
}

static int perf_open_def(struct evstream *s, struct ev_def *d, int id,
			 const char *filter, int t, int i, char *err,
			 size_t errsz)
{
	int fd = perf_open_one(s, id, s->tids[t], s->cpus[i].cpu);

	if (fd < 0) {
		/* EINTR: probe_event_enable() refuses perf a uprobe event
		 * that tracefs has enabled. */
		snprintf(err, errsz, "perf_event_open %s:%s on cpu %d: %s%s",
			 d->system, d->name, s->cpus[i].cpu, strerror(-fd),
			 fd == -EACCES || fd == -EPERM ?
			 " (needs root or CAP_PERFMON)" : fd == -EINTR ?
			 " (enabled through tracefs: a uprobe event serves "
			 "ftrace or perf, not both at once)" : "");
		return fd;
	}
	d->fds[t * s->ncpus + i] = fd;
	if (filter && *filter &&
	    ioctl(fd, PERF_EVENT_IOC_SET_FILTER, filter)) {
		snprintf(err, errsz, "filter of %s:%s refused: %s: %s",
			 d->system, d->name, filter, strerror(errno));
		return -errno;
	}
	return 0;
}

static int perf_add(struct evstream *s, struct ev_def *d, const char *filter,
		    char *err, size_t errsz)
{
	int id = event_id(s, d->system, d->name), n = s->ntids * s->ncpus;
	int ret;

	if (id < 0) {
		snprintf(err, errsz, "no id for %s:%s: %s", d->system, d->name,
			 strerror(-id));
		return id;
	}
	d->id = id;
	d->fds = malloc(n * sizeof(int));
	if (!d->fds)
		return -ENOMEM;
	for (int i = 0; i < n; i++)
		d->fds[i] = -1;
	for (int t = 0; t < s->ntids; t++)
		for (int i = 0; i < s->ncpus; i++)
			if ((ret = perf_open_def(s, d, id, filter, t, i, err,
						 errsz)))
				return ret;
	return 0;
}

/* One ring per CPU: 2^n data pages plus the control page. Without
 * CAP_IPC_LOCK the mlock limit may refuse big rings: halve and retry. */
static int perf_map_ring(struct evstream *s, struct ev_cpu *c, int fd)
{
	size_t pg = getpagesize(), pages = 8;

	while (pages * pg < default_buffer_kb(s) * 1024)
		pages *= 2;
	for (; pages >= 8; pages /= 2) {
		void *ring = mmap(NULL, (pages + 1) * pg, PROT_READ | PROT_WRITE,
				  MAP_SHARED, fd, 0);

		if (ring != MAP_FAILED) {
			c->ring = ring;
			c->ring_size = (pages + 1) * pg;
			c->fd = fd;
			return 0;
		}
		if (errno != EPERM && errno != ENOMEM)
			break;
	}
	return -errno;
}

/* Every event of a CPU writes into that CPU's one ring. */
static int perf_redirect(struct evstream *s, int i, int owner, char *err,
			 size_t errsz)
{
	for (size_t d = 0; d < s->ndefs; d++)
		for (int t = 0; t < s->ntids; t++) {
			int fd = s->defs[d].fds[t * s->ncpus + i];

			if (fd == owner ||
			    !ioctl(fd, PERF_EVENT_IOC_SET_OUTPUT, owner))
				continue;
			snprintf(err, errsz, "PERF_EVENT_IOC_SET_OUTPUT: %s",
				 strerror(errno));
			return -errno;
		}
	return 0;
}

static int perf_start(struct evstream *s, char *err, size_t errsz)
{
	int ret;

	s->wrap = malloc(65536);	/* perf_event_header.size is u16 */
	if (!s->wrap)
		return -ENOMEM;
	for (int i = 0; i < s->ncpus; i++) {
		int owner = s->defs[0].fds[i];

		if ((ret = perf_map_ring(s, &s->cpus[i], owner))) {
			snprintf(err, errsz, "cannot map the perf ring of cpu %d: %s",
				 s->cpus[i].cpu, strerror(-ret));
			return ret;
		}
		s->pfds[i].fd = owner;
		s->pfds[i].events = POLLIN;
		if ((ret = perf_redirect(s, i, owner, err, errsz)))
			return ret;
	}
	for (size_t d = 0; d < s->ndefs; d++)
		for (int i = 0; i < s->ntids * s->ncpus; i++)
			ioctl(s->defs[d].fds[i], PERF_EVENT_IOC_ENABLE, 0);
	return 0;
}

static int perf_stacks(struct ev_item *it, const struct ev_sample *smp)
{
	uint64_t k[MAX_STACK], u[MAX_STACK];
	int nk, nu;

	ev_split_callchain(smp->chain, smp->nchain, k, &nk, u, &nu, MAX_STACK);
	it->kstack = copy_frames(k, nk);
	it->ustack = copy_frames(u, nu);
	if (!it->kstack || !it->ustack)
		return -ENOMEM;
	it->nkstack = nk;
	it->nustack = nu;
	return 0;
}

/* Which event a sample is of: its record's common_type. */
static void perf_count_sample(struct evstream *s, const struct ev_sample *smp)
{
	uint16_t type;

	if (smp->raw_size < sizeof(type))
		return;
	memcpy(&type, smp->raw, sizeof(type));
	for (size_t d = 0; d < s->ndefs; d++)
		if (s->defs[d].id == type) {
			s->defs[d].samples++;
			return;
		}
}

static int perf_record(struct evstream *s, const void *rec, size_t size)
{
	const struct perf_event_header *h = rec;
	struct ev_sample smp;
	uint64_t lost;

	if (h->type == PERF_RECORD_LOST && size >= sizeof(*h) + 16) {
		memcpy(&lost, (const char *)rec + sizeof(*h) + 8, 8);
		s->perf_lost += lost;
		return 0;
	}
	if (ev_perf_parse_sample(rec, size, s->opts.kstack || s->opts.ustack,
				 &smp))
		return 0;
	s->perf_samples++;
	perf_count_sample(s, &smp);
	if (ev_merge_push(&s->merge, smp.time, smp.cpu, smp.raw, smp.raw_size))
		return -ENOMEM;
	return smp.nchain ? perf_stacks(s->merge.items[s->merge.n - 1], &smp) : 0;
}

/* Read everything the kernel published up to data_head, then hand the
 * space back through data_tail. */
static int perf_drain_cpu(struct evstream *s, struct ev_cpu *c)
{
	struct perf_event_mmap_page *mp = c->ring;
	size_t pg = getpagesize();
	unsigned char *data = (unsigned char *)c->ring + pg;
	uint64_t size = c->ring_size - pg, head, tail;
	int ret = 0;

	if (!mp)
		return 0;
	head = __atomic_load_n(&mp->data_head, __ATOMIC_ACQUIRE);
	tail = mp->data_tail;
	while (tail < head && !ret) {
		uint64_t off = tail & (size - 1);
		struct perf_event_header *h = (void *)(data + off);
		void *rec = h;

		if (h->size < sizeof(*h))
			break;
		if (off + h->size > size) {
			memcpy(s->wrap, data + off, size - off);
			memcpy(s->wrap + size - off, data, h->size - (size - off));
			rec = s->wrap;
		}
		ret = perf_record(s, rec, h->size);
		tail += h->size;
	}
	__atomic_store_n(&mp->data_tail, tail, __ATOMIC_RELEASE);
	return ret;
}

/* ---- hits counted on tracefs ---- */

/* Counting only: no sample period, no ring; with inherit to follow
 * opts.pid's new tasks as set_event_pid + event-fork do. */
static int counter_open(struct evstream *s, int id, int pid, int cpu)
{
	struct perf_event_attr attr = {
		.type = PERF_TYPE_TRACEPOINT,
		.size = sizeof(attr),
		.config = id,
		.disabled = 1,
		.inherit = pid > 0,
	};
	int fd = perf_event_open(&attr, pid, cpu);

	(void)s;
	return fd < 0 ? -errno : fd;
}

static void counters_close(struct evstream *s, struct ev_def *d)
{
	for (int i = 0; d->fds && i < s->ntids * s->ncpus; i++)
		if (d->fds[i] >= 0)
			close(d->fds[i]);
	free(d->fds);
	d->fds = NULL;
}

static struct ev_def *def_find(struct evstream *s, const char *system,
			       const char *event)
{
	for (size_t d = 0; d < s->ndefs; d++)
		if (!s->defs[d].tracer && !strcmp(s->defs[d].system, system) &&
		    !strcmp(s->defs[d].name, event))
			return &s->defs[d];
	return NULL;
}

/*
 * Counters per event on each CPU (and thread): keep them to a quarter of
 * the open file limit, the rest is for the readers and the caller; and to
 * a few events: closing an event's last perf user waits for an RCU tasks
 * grace period (perf_trace_event_unreg), some 10-100 ms each.
 */
#define MAX_COUNTED_EVENTS	8

static bool counters_fit(struct evstream *s)
{
	struct rlimit rl;
	size_t open = 0, events = 0, per = (size_t)s->ntids * s->ncpus;

	for (size_t d = 0; d < s->ndefs; d++)
		events += s->defs[d].fds != NULL;
	open = events * per;
	return events < MAX_COUNTED_EVENTS && !getrlimit(RLIMIT_NOFILE, &rl) &&
	       (rl.rlim_cur == RLIM_INFINITY || open + per <= rl.rlim_cur / 4);
}

static int tracefs_count(struct evstream *s, struct ev_def *d)
{
	int id = event_id(s, d->system, d->name), n = s->ntids * s->ncpus;

	if (id < 0)
		return id;
	if (!counters_fit(s))
		return -E2BIG;
	d->fds = malloc(n * sizeof(int));
	if (!d->fds)
		return -ENOMEM;
	for (int i = 0; i < n; i++)
		d->fds[i] = -1;
	for (int t = 0; t < s->ntids; t++)
		for (int i = 0; i < s->ncpus; i++) {
			int fd = counter_open(s, id, s->tids[t], s->cpus[i].cpu), ret;

			if (fd < 0) {
				counters_close(s, d);
				return fd;
			}
			d->fds[t * s->ncpus + i] = fd;
			if (d->filter && *d->filter &&
			    ioctl(fd, PERF_EVENT_IOC_SET_FILTER, d->filter)) {
				ret = -errno;
				counters_close(s, d);
				return ret;
			}
		}
	return 0;
}

int evstream_count(struct evstream *s, const char *system, const char *event,
		   char *err, size_t errsz)
{
	struct ev_def *d = def_find(s, system, event);
	int ret;

	if (!d || s->started) {
		snprintf(err, errsz, "%s:%s: %s", system, event,
			 d ? "counted only before the start" : "not in the stream");
		return -EINVAL;
	}
	if (s->tr == EVT_PERF || d->fds)
		return 0;	/* the sampling events count their hits */
	if ((ret = tracefs_count(s, d)) == -E2BIG)
		snprintf(err, errsz, "no counter of %s:%s hits: %d events counted at most, or a quarter of the open file limit",
			 system, event, MAX_COUNTED_EVENTS);
	else if (ret)
		snprintf(err, errsz, "no counter of %s:%s hits: perf_event_open: %s",
			 system, event, strerror(-ret));
	return ret;
}

static void counters_ioctl(struct evstream *s, unsigned long op)
{
	for (size_t d = 0; d < s->ndefs; d++)
		for (int i = 0; s->defs[d].fds && i < s->ntids * s->ncpus; i++)
			if (s->defs[d].fds[i] >= 0)
				ioctl(s->defs[d].fds[i], op, 0);
}

/* ---- the common API ---- */

/* Undo def_new() (of an event that could not be added). */
static void def_drop_last(struct evstream *s)
{
	struct ev_def *d = &s->defs[--s->ndefs];

	counters_close(s, d);
	free(d->filter);
	free(d->system);
	free(d->name);
}

static struct ev_def *def_new(struct evstream *s, const char *system,
			      const char *event)
{
	struct ev_def *defs = realloc(s->defs, (s->ndefs + 1) * sizeof(*defs)), *d;

	if (!defs)
		return NULL;
	s->defs = defs;
	d = &defs[s->ndefs++];
	memset(d, 0, sizeof(*d));
	d->system = strdup(system);
	d->name = strdup(event);
	if (d->system && d->name)
		return d;
	def_drop_last(s);
	return NULL;
}

int evstream_add(struct evstream *s, const char *system, const char *event,
		 const char *filter, char *err, size_t errsz)
{
	struct ev_def *d;
	int ret;

	if (s->started) {
		snprintf(err, errsz, "events must be added before the start");
		return -EBUSY;
	}
	if (!tfs_event_exists(s->tfs, system, event)) {
		snprintf(err, errsz, "no event %s:%s in %s/events", system,
			 event, tfs_root(s->tfs));
		return -ENOENT;
	}
	if ((ret = parse_format(s, system, event, err, errsz)))
		return ret;
	if (!(d = def_new(s, system, event)))
		return -ENOMEM;
	if (s->tr == EVT_TRACEFS && filter && !(d->filter = strdup(filter)))
		ret = -ENOMEM;
	else
		ret = s->tr == EVT_PERF ? perf_add(s, d, filter, err, errsz) :
		      tracefs_add(s, system, event, filter, err, errsz);
	/* a caller may go on without it: nothing of it may stay */
	if (ret)
		def_drop_last(s);
	return ret;
}

/* set_ftrace_filter gets each function; returns how many it took. An
 * empty filter would trace every function: the caller checks. */
static int filter_functions(struct evstream *s, char *const *funcs, size_t n,
			    char *err, size_t errsz)
{
	char path[PATH_MAX];
	int fd, ok = 0, ret;

	if ((ret = tfs_instance_set(s->tfs, "set_ftrace_filter", "", ""))) {
		snprintf(err, errsz, "cannot write %s/set_ftrace_filter: %s%s",
			 tfs_instance(s->tfs), strerror(-ret), ret == -ENOENT ?
			 " (this kernel has no function tracer in instances)" : "");
		return ret;
	}
	snprintf(path, sizeof(path), "%s/set_ftrace_filter", tfs_instance(s->tfs));
	fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errsz, "cannot open %s: %s", path, strerror(errno));
		return -errno;
	}
	for (size_t i = 0; i < n; i++) {
		char name[KSYM_NAME_LEN + 2];
		int len = snprintf(name, sizeof(name), "%s\n", funcs[i]);

		/* one name per write, whitespace-ended, so that the kernel
		 * takes or refuses each on its own */
		if (write(fd, name, len) == len)
			ok++;
		else	/* e.g. notrace or in a section ftrace skips */
			vinfo("function tracer: set_ftrace_filter refused %s: %s",
			      funcs[i], strerror(errno));
	}
	close(fd);	/* the filter takes effect here */
	return ok;
}

static int start_function_tracer(struct evstream *s, char *err, size_t errsz)
{
	char *pids;
	int ret;

	if (s->opts.pid > 0) {
		if (!(pids = tid_list(s)))
			return -ENOMEM;
		ret = tfs_instance_set(s->tfs, "set_ftrace_pid", pids, "");
		free(pids);
		if (ret) {
			snprintf(err, errsz, "cannot set set_ftrace_pid: %s",
				 strerror(-ret));
			return ret;
		}
		instance_option_on(s, "function-fork");	/* 4.13+ */
	}
	if ((ret = tfs_instance_set(s->tfs, "current_tracer", "function", "nop"))) {
		snprintf(err, errsz, "cannot start the function tracer in %s: %s",
			 tfs_instance(s->tfs), strerror(-ret));
		return ret;
	}
	if (s->opts.kstack && (ret = instance_option_on(s, "func_stack_trace"))) {
		snprintf(err, errsz, "cannot record kernel stacks: %s/options/func_stack_trace: %s",
			 tfs_instance(s->tfs), strerror(-ret));
		return ret;
	}
	return 0;
}

int evstream_add_functions(struct evstream *s, char *const *funcs, size_t n,
			   char *err, size_t errsz)
{
	struct tep_event *ev;
	char filter[64];
	int ret;

	if (s->tr != EVT_TRACEFS) {
		snprintf(err, errsz, "the function tracer records into tracefs buffers only");
		return -EOPNOTSUPP;
	}
	if (s->started || s->function_id >= 0) {
		snprintf(err, errsz, "functions must be added once, before the start");
		return -EBUSY;
	}
	if (!s->prepared && (ret = tracefs_prepare(s, err, errsz)))
		return ret;
	if ((ret = ftrace_record(s, "function", &ev, err, errsz)) < 0)
		return ret;
	s->function_id = ret;
	if ((ret = filter_functions(s, funcs, n, err, errsz)) < 0)
		return ret;
	if (!ret || tfs_instance_read(s->tfs, "set_ftrace_filter", filter,
				      sizeof(filter)) <= 0 || filter[0] == '#') {
		snprintf(err, errsz, "the function tracer accepts none of the %zu function%s (see -v)",
			 n, n == 1 ? "" : "s");
		return -EINVAL;
	}
	if ((ret = start_function_tracer(s, err, errsz)))
		return ret;
	if (!def_new(s, "ftrace", "function"))
		return -ENOMEM;
	s->defs[s->ndefs - 1].tracer = true;
	return 0;
}

/* ---- sizing by rate (include/bufsize.h) ---- */

/* The busiest CPU wrote records of ~record_bytes in the window. */
static void rate_decide(struct evstream *s, uint64_t records,
			double record_bytes, int cpu, double ms)
{
	enum buf_kind kind = s->tr == EVT_PERF ? BUF_PERF : BUF_TRACEFS;
	size_t base = bufsize_bytes(kind, s->opts.busy) / 1024;
	double bps = ms > 0 ? records * record_bytes * 1000 / ms : 0;

	s->rate_kb = bufsize_for_rate(kind, s->opts.busy, bps) / 1024;
	vinfo("buffer: %zu KiB per CPU for %d CPUs, %s (busiest CPU %d: %llu records of ~%.0f bytes in %.0f ms)",
	      s->rate_kb, s->ncpus,
	      s->rate_kb > base ? "more than the CPU-count size by rate" :
				  "the CPU-count size", cpu,
	      (unsigned long long)records, record_bytes, ms);
}

/* tracefs: record with nobody reading, then read each CPU's stats. */
static int tracefs_measure_rate(struct evstream *s, char *err, size_t errsz)
{
	char path[64], text[1024], val[32];
	uint64_t best = 0, entries = 0, bytes = 0;
	size_t before = default_buffer_kb(s);
	int cpu = -1, ret;
	double ms;

	if (tfs_instance_write(s->tfs, "tracing_on", "1"))
		return 0;	/* then the CPU-count size */
	ms = bufsize_rate_window();
	tfs_instance_write(s->tfs, "tracing_on", "0");
	for (int i = 0; i < s->ncpus; i++) {
		uint64_t e, n;

		snprintf(path, sizeof(path), "per_cpu/cpu%d/stats", s->cpus[i].cpu);
		if (tfs_instance_read(s->tfs, path, text, sizeof(text)) < 0)
			continue;
		e = ev_parse_stats_field(text, "entries");
		n = e + ev_parse_stats_lost(text);
		if (cpu < 0 || n > best) {
			best = n, entries = e, cpu = s->cpus[i].cpu;
			bytes = ev_parse_stats_field(text, "bytes");
		}
	}
	rate_decide(s, best, entries ? (double)bytes / entries : 0, cpu, ms);
	snprintf(val, sizeof(val), "%zu", s->rate_kb);
	if (s->rate_kb > before &&
	    tfs_instance_write(s->tfs, "buffer_size_kb", val)) {
		vinfo("buffer: %zu KiB per CPU refused; %zu KiB it is",
		      s->rate_kb, before);
		s->rate_kb = before;
	}
	/* The window's records are nobody's: empty the buffers (their loss
	 * counts too). */
	if ((ret = tfs_instance_write(s->tfs, "trace", "")))
		snprintf(err, errsz, "cannot empty the trace buffers of %s: %s",
			 tfs_group(s->tfs), strerror(-ret));
	return ret;
}

/* A sample's bytes: header, id, tid, time, cpu, raw size and data, and
 * a callchain of some 32 frames. */
static double perf_sample_bytes(struct evstream *s, struct ev_def *d)
{
	struct tep_event *ev = tep_find_event_by_name(s->tep, d->system, d->name);
	double bytes = 8 + 8 + 8 + 8 + 8 + 4;

	for (struct tep_format_field *f = ev ? ev->format.fields : NULL; f; f = f->next)
		bytes += f->flags & TEP_FIELD_IS_DYNAMIC ? 4 + 64 : f->size;
	if (s->opts.kstack || s->opts.ustack)
		bytes += 8 + 32 * 8;
	return bytes + 8;	/* the common fields, about */
}

/* perf: the sampling events count their hits before any ring exists. */
static void perf_measure_rate(struct evstream *s)
{
	uint64_t *records = calloc(s->ncpus, sizeof(*records));
	double *bytes = calloc(s->ncpus, sizeof(*bytes));
	int best = 0, n = s->ntids * s->ncpus;
	double ms;

	if (!records || !bytes)
		goto out;
	counters_ioctl(s, PERF_EVENT_IOC_ENABLE);
	ms = bufsize_rate_window();
	counters_ioctl(s, PERF_EVENT_IOC_DISABLE);
	for (size_t d = 0; d < s->ndefs; d++) {
		double each = perf_sample_bytes(s, &s->defs[d]);

		for (int i = 0; i < n; i++) {
			uint64_t count = 0;

			if (read(s->defs[d].fds[i], &count, sizeof(count)) !=
			    sizeof(count))
				count = 0;
			records[i % s->ncpus] += count;
			bytes[i % s->ncpus] += count * each;
		}
	}
	/* from zero again: the counts judge loss (perf_lost) */
	counters_ioctl(s, PERF_EVENT_IOC_RESET);
	for (int i = 1; i < s->ncpus; i++)
		if (bytes[i] > bytes[best])
			best = i;
	rate_decide(s, records[best],
		    records[best] ? bytes[best] / records[best] : 0,
		    s->cpus[best].cpu, ms);
out:
	free(records);
	free(bytes);
}

static int size_by_rate(struct evstream *s, char *err, size_t errsz)
{
	if (s->opts.buffer_kb_per_cpu || g_opts.buffer_size) {
		vinfo("buffer: %zu KiB per CPU (--buffer-size)",
		      default_buffer_kb(s));
		return 0;
	}
	if (s->tr == EVT_PERF) {
		perf_measure_rate(s);
		return 0;
	}
	return tracefs_measure_rate(s, err, errsz);
}

int evstream_start(struct evstream *s, char *err, size_t errsz)
{
	int ret;

	if (!s->ndefs) {
		snprintf(err, errsz, "no events to stream");
		return -EINVAL;
	}
	if ((ret = size_by_rate(s, err, errsz)))
		return ret;
	if (s->tr == EVT_PERF)
		ret = perf_start(s, err, errsz);
	/* open readers last: the tracer cannot change while they are open */
	else if (!(ret = tracefs_open_cpus(s, err, errsz)) &&
		 (ret = tfs_instance_write(s->tfs, "tracing_on", "1")))
		snprintf(err, errsz, "cannot turn tracing on in %s: %s",
			 tfs_group(s->tfs), strerror(-ret));
	/* counters on while recording only: they never count a hit the
	 * buffer could not have had */
	else
		counters_ioctl(s, PERF_EVENT_IOC_ENABLE);
	s->started = !ret;
	return ret;
}

/* A record whose stacks are not read yet is not delivered before them. */
static void hold_for_stack(struct evstream *s, const struct ev_cpu *c,
			   uint64_t now, uint64_t *cutoff)
{
	const struct ev_item *it = c->last;

	if (it && s->mono && it->ts + STACK_WAIT_NS > now &&
	    it->ts <= *cutoff && awaits_stack(s, it))
		*cutoff = it->ts - 1;
}

/* Drain every CPU; returns the newest timestamp that may be delivered:
 * no CPU can still hold an unread event older than it. */
static int drain_all(struct evstream *s, uint64_t *cutoff)
{
	uint64_t start = now_mono_ns(), last = UINT64_MAX;
	int ret;

	*cutoff = s->mono ? start - HOLDBACK_NS : UINT64_MAX;
	for (int i = 0; i < s->ncpus; i++) {
		if (s->tr == EVT_PERF) {
			ret = perf_drain_cpu(s, &s->cpus[i]);
		} else {
			last = UINT64_MAX;
			ret = tracefs_drain_cpu(s, &s->cpus[i], &last);
			if (ret == 1 && last < *cutoff)
				*cutoff = last;	/* stopped early */
			hold_for_stack(s, &s->cpus[i], start, cutoff);
		}
		if (ret < 0)
			return ret;
	}
	return 0;
}

struct deliver_ctx {
	struct evstream *s;
	evstream_cb cb;
	void *ctx;
};

static void deliver(void *ctx, struct ev_item *it)
{
	struct deliver_ctx *dc = ctx;
	struct tep_record rec = {
		.ts = it->ts,
		.size = it->size,
		.record_size = it->size,
		.data = it->data,
		.cpu = it->cpu,
		.ref_count = 1,
		.locked = 1,
		.priv = it,
	};
	struct tep_event *ev = tep_find_event_by_record(dc->s->tep, &rec);

	for (int i = 0; i < dc->s->ncpus; i++)
		if (dc->s->cpus[i].last == it)
			dc->s->cpus[i].last = NULL;	/* freed after this */

	if (ev)
		dc->cb(dc->ctx, ev, &rec, it->cpu);
}

/* How long poll() may sleep: the caller's limit, the cap, and the moment
 * the oldest held-back event becomes deliverable. */
static int poll_wait_ms(struct evstream *s, uint64_t deadline)
{
	uint64_t now = now_mono_ns(), oldest = ev_merge_oldest(&s->merge);
	int cap = s->tr == EVT_PERF ? POLL_CAP_PERF_MS :
		  s->wake_on_data ? POLL_CAP_MS : POLL_CAP_NOWAKE_MS;
	int64_t ms = cap;

	if (deadline != UINT64_MAX)
		ms = deadline > now ? (int64_t)((deadline - now + 999999) / 1000000) : 0;
	if (ms > cap)
		ms = cap;
	if (oldest != UINT64_MAX && s->mono) {
		int64_t due = (int64_t)(oldest + HOLDBACK_NS - now) / 1000000 + 1;

		if (due < ms)
			ms = due < 0 ? 0 : due;
	}
	return ms;
}

int evstream_poll(struct evstream *s, int timeout_ms, evstream_cb cb,
		  void *ctx)
{
	struct deliver_ctx dc = { s, cb, ctx };
	uint64_t deadline = timeout_ms < 0 ? UINT64_MAX :
			    now_mono_ns() + timeout_ms * 1000000ull;
	uint64_t cutoff;
	size_t n;
	int ret;

	if (!s->started || s->closed)
		return -EINVAL;
	for (;;) {
		if (signals_stop_requested())
			return -EINTR;
		ret = fault_read(poll(s->pfds, s->ncpus, poll_wait_ms(s, deadline)));
		if (ret < 0 && errno != EINTR)
			return -errno;
		/* A traced task that exited hangs its perf events up. */
		for (int i = 0; i < s->ncpus; i++)
			if (s->pfds[i].revents & (POLLHUP | POLLERR))
				s->pfds[i].fd = -1;
		if ((ret = drain_all(s, &cutoff)) < 0)
			return ret;
		n = ev_merge_take(&s->merge, cutoff, deliver, &dc);
		if (n)
			return n > INT_MAX ? INT_MAX : (int)n;
		if (now_mono_ns() >= deadline)
			return 0;
	}
}

int evstream_flush(struct evstream *s, evstream_cb cb, void *ctx)
{
	struct deliver_ctx dc = { s, cb, ctx };
	uint64_t cutoff;
	int ret;

	if (!s->started || s->closed)
		return 0;
	if ((ret = drain_all(s, &cutoff)) < 0)
		return ret;
	return ev_merge_take(&s->merge, UINT64_MAX, deliver, &dc);
}

/*
 * perf writes PERF_RECORD_LOST only when the ring has room again and a
 * later sample comes, so a loss at the end of a burst may never be
 * reported. The events' own counters (matched hits; children included
 * with inherit) minus the samples read tell it: counters first, then
 * drain, so hits after the read can only make it smaller, never invent
 * a loss.
 */
static uint64_t def_counted(struct evstream *s, struct ev_def *d)
{
	uint64_t counted = 0, v;

	for (int i = 0; i < s->ntids * s->ncpus; i++)
		if (d->fds[i] >= 0 && read(d->fds[i], &v, sizeof(v)) == sizeof(v))
			counted += v;
	return counted;
}

/*
 * With -v, once at the end: which events the kernel counted more often
 * than it wrote them. Not always a full ring: some kernels count a
 * tracepoint hit in hard interrupt context (block_rq_complete,
 * irq_handler_entry) and write no sample of it, with no PERF_RECORD_LOST
 * (perf record sees the same).
 */
static void perf_explain_loss(struct evstream *s)
{
	if (s->loss_explained || !s->started)
		return;
	s->loss_explained = true;
	for (size_t d = 0; d < s->ndefs; d++) {
		struct ev_def *df = &s->defs[d];

		if (df->counted > df->samples)
			vinfo("perf: %s:%s: the kernel counted %llu hits and wrote %llu samples of them (%llu lost%s)",
			      df->system, df->name, (unsigned long long)df->counted,
			      (unsigned long long)df->samples,
			      (unsigned long long)(df->counted - df->samples),
			      s->perf_lost ? "" : "; no PERF_RECORD_LOST: not a full ring");
	}
}

static uint64_t perf_lost(struct evstream *s)
{
	uint64_t counted = 0, cutoff;

	for (size_t d = 0; d < s->ndefs; d++)
		if (!s->closed)
			s->defs[d].counted = def_counted(s, &s->defs[d]);
	for (size_t d = 0; d < s->ndefs; d++)
		counted += s->defs[d].counted;
	if (!s->closed && s->started) {
		s->perf_counted = counted;
		drain_all(s, &cutoff);	/* queued, delivered later */
		perf_explain_loss(s);
	}
	if (s->perf_counted > s->perf_samples &&
	    s->perf_counted - s->perf_samples > s->perf_lost)
		return s->perf_counted - s->perf_samples;
	return s->perf_lost;
}

static uint64_t tracefs_lost(struct evstream *s)
{
	char path[64], text[1024];
	uint64_t sum = 0;

	if (!s->prepared)
		return 0;
	for (int i = 0; i < s->ncpus; i++) {
		snprintf(path, sizeof(path), "per_cpu/cpu%d/stats",
			 s->cpus[i].cpu);
		if (tfs_instance_read(s->tfs, path, text, sizeof(text)) < 0) {
			sum = s->stats_lost;	/* instance gone: last count */
			break;
		}
		sum += ev_parse_stats_lost(text);
	}
	s->stats_lost = sum;
	/* The page marks count the same losses; they are a floor only. */
	return sum > s->missed ? sum : s->missed;
}

int evstream_hits(struct evstream *s, const char *system, const char *event,
		  uint64_t *hits)
{
	struct ev_def *d = def_find(s, system, event);

	if (!d || !d->fds || !s->started)
		return -ENOENT;
	if (!s->closed)
		d->counted = def_counted(s, d);
	*hits = d->counted;
	return 0;
}

uint64_t evstream_lost(struct evstream *s)
{
	return s->tr == EVT_PERF ? perf_lost(s) : tracefs_lost(s);
}

void evstream_stop(struct evstream *s)
{
	if (!s->started || s->closed)
		return;
	if (s->tr == EVT_TRACEFS) {
		counters_ioctl(s, PERF_EVENT_IOC_DISABLE);
		tfs_instance_write(s->tfs, "tracing_on", "0");
		return;
	}
	for (size_t d = 0; d < s->ndefs; d++)
		for (int i = 0; i < s->ntids * s->ncpus; i++)
			ioctl(s->defs[d].fds[i], PERF_EVENT_IOC_DISABLE, 0);
}

void evstream_free(struct evstream *s)
{
	struct evstream **p;

	if (!s)
		return;
	if (s->tr == EVT_TRACEFS && s->prepared && !s->closed) {
		tracefs_lost(s);	/* keep the count past teardown */
		tfs_instance_write(s->tfs, "tracing_on", "0");
		/* so that perf may open them (uprobe events serve one) */
		for (size_t d = 0; d < s->ndefs; d++)
			if (!s->defs[d].tracer)
				tfs_event_disable(s->tfs, s->defs[d].system,
						  s->defs[d].name);
	}
	close_stream_fds(s);
	for (p = &live_streams; *p; p = &(*p)->next)
		if (*p == s) {
			*p = s->next;
			break;
		}
	for (size_t d = 0; d < s->ndefs; d++) {
		free(s->defs[d].system);
		free(s->defs[d].name);
		free(s->defs[d].fds);
		free(s->defs[d].filter);
	}
	free(s->defs);
	ev_merge_clear(&s->merge);
	if (s->kbuf)
		kbuffer_free(s->kbuf);
	free(s->page);
	free(s->wrap);
	free(s->cpus);
	free(s->pfds);
	free(s->tids);
	tep_free(s->tep);
	free(s);
}
