// SPDX-License-Identifier: GPL-2.0
/*
 * bpfprobe sessions: choose a program type per spec from the kernel's
 * facts, generate (lib/bpfprobe_gen.c), load with libbpf's low-level
 * bpf_prog_load(), attach, and decode the records from the ring buffer
 * (or perf buffer).
 *
 * Attaching, by program type:
 *   tracepoint     perf_event_open(PERF_TYPE_TRACEPOINT, id from tracefs)
 *   kprobe         perf_event_open(kprobe PMU, config1 = symbol or 0,
 *                  config2 = offset or address; retprobe bit from the PMU's
 *                  format/retprobe)
 *   uprobe, USDT   perf_event_open(uprobe PMU, config1 = path, config2 =
 *                  offset, the semaphore in config's ref_ctr_offset bits)
 *   kprobe_multi   bpf_link_create(BPF_TRACE_KPROBE_MULTI), cookie = point
 *   fentry/fexit   bpf_raw_tracepoint_open(NULL, prog), attach_btf_id from
 *                  vmlinux BTF; one program per function
 *   raw_tp         bpf_raw_tracepoint_open(name, prog)
 *   tp_btf         as fentry, attach_btf_id of btf_trace_<name>
 * A perf event gets its program through bpf_link_create(BPF_PERF_EVENT)
 * when the program reads the attach cookie (5.15+; one program for many
 * points), else PERF_EVENT_IOC_SET_BPF (one program per point).
 * Every fd is kept and closed by session__stop().
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/bpf.h>
#include <linux/btf.h>
#include <linux/perf_event.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "bufsize.h"
#include "bpf_util.h"
#include "bpfprobe.h"
#include "kernel_facts.h"
#include "parallel_close.h"
#include "privilege.h"
#include "tpformat.h"
#include "util.h"

struct bp_probe {
	struct bpfprobe_spec spec;	/* deep copy */
	struct bpfprobe_point *points;
	struct bpfprobe_layout lay;
	uint64_t records;		/* delivered */
	uint64_t bytes;			/* of them, as written */
	uint8_t prog;			/* chosen */
	int *fds;			/* programs, perf events, links */
	int nfds, capfds;
	int attached;			/* points attached */
	bool cookie;			/* one program reads the cookie */
	int entry_fd;			/* return probes: tid -> entry time */
	int entry_prog;			/* its entry program (perf points) */
	int agg[2], agg_outer;		/* aggregation: two hashes, and the
					 * one-slot map choosing the current */
	int agg_cur;
	char desc[160];
};

/* The map of starts shared by the specs of one pair id. */
struct bp_pair {
	uint32_t id;
	int fd;
	int nkeys;
	uint32_t max_entries;
	bool start, end;
};

struct bpfprobe_session {
	struct bpfprobe_opts opts;
	struct bp_probe *p;
	int np;
	struct bp_pair *pairs;
	int npairs;
	int events_fd, scratch_fd, counters_fd, stacks_fd, zero_fd;
	int follow_fd;			/* opts.follow_pid: followed tgids */
	int follow_fds[4];		/* its fork and free programs, events */
	bool ringbuf, started, stopped;
	bool legacy_read;
	struct ring_buffer *rb;
	struct perf_buffer *pb;
	uint64_t pb_lost;
	struct bpfprobe_failure *fail;
	int nfail;
	struct btf *vmlinux;
	int delivered, stop_ret;
	struct bpfprobe_stats final;	/* counters read at stop */
	struct bpfprobe_event ev;
	char strbuf[BPFPROBE_MAX_VALUES * (BPFPROBE_MAX_STR + 1)];
	/* perf buffer samples are only 4-byte aligned: records are copied
	 * here before they are read as structs */
	uint64_t recbuf[(BPFPROBE_MAX_SCRATCH + 64) / 8];
};

static int failf(char *err, size_t errsz, int ret, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int failf(char *err, size_t errsz, int ret, const char *fmt, ...)
{
	va_list ap;

	if (err && errsz) {
		va_start(ap, fmt);
		vsnprintf(err, errsz, fmt, ap);
		va_end(ap);
	}
	return ret;
}

/* ---- copies of specs ---- */

static char *dup_or_null(const char *s, bool *oom)
{
	char *d;

	if (!s)
		return NULL;
	d = strdup(s);
	if (!d)
		*oom = true;
	return d;
}

static void probe_free_strings(struct bp_probe *p)
{
	free((char *)p->spec.name);
	for (int i = 0; i < p->spec.nfetch; i++)
		free((char *)p->spec.fetch[i].name);
	for (int k = 0; k < p->spec.nexpr; k++)
		free((char *)p->spec.expr[k].str);
	for (int i = 0; p->points && i < p->spec.npoints; i++) {
		free((char *)p->points[i].name);
		free((char *)p->points[i].path);
	}
	free(p->points);
	free(p->fds);
}

struct bpfprobe_session *bpfprobe_session__new(const struct bpfprobe_opts *opts)
{
	struct bpfprobe_session *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	if (opts)
		s->opts = *opts;
	s->events_fd = s->scratch_fd = s->counters_fd = s->stacks_fd = -1;
	s->zero_fd = s->follow_fd = -1;
	for (int i = 0; i < 4; i++)
		s->follow_fds[i] = -1;
	return s;
}

int bpfprobe_session__add(struct bpfprobe_session *s,
			  const struct bpfprobe_spec *spec, char *err,
			  size_t errsz)
{
	struct bp_probe *np, *p;
	bool oom = false;
	int ret;

	if (s->started)
		return failf(err, errsz, -1, "the session has started");
	if (s->np >= 0xffff)
		return failf(err, errsz, -1, "too many probes");
	ret = bpfprobe_spec_check(spec, err, errsz);
	if (ret)
		return -1;
	np = realloc(s->p, (s->np + 1) * sizeof(*np));
	if (!np)
		return failf(err, errsz, -1, "out of memory");
	s->p = np;
	p = &s->p[s->np];
	memset(p, 0, sizeof(*p));
	p->spec = *spec;
	p->spec.name = dup_or_null(spec->name, &oom);
	for (int i = 0; i < spec->nfetch; i++)
		p->spec.fetch[i].name = dup_or_null(spec->fetch[i].name, &oom);
	for (int k = 0; k < spec->nexpr; k++)
		p->spec.expr[k].str = dup_or_null(spec->expr[k].str, &oom);
	p->points = calloc(spec->npoints, sizeof(*p->points));
	if (!p->points) {
		oom = true;
	} else {
		for (int i = 0; i < spec->npoints; i++) {
			p->points[i] = spec->points[i];
			p->points[i].name = dup_or_null(spec->points[i].name, &oom);
			p->points[i].path = dup_or_null(spec->points[i].path, &oom);
		}
	}
	p->spec.points = p->points;
	p->entry_fd = p->entry_prog = p->agg[0] = p->agg[1] = p->agg_outer = -1;
	if (oom) {
		probe_free_strings(p);
		return failf(err, errsz, -1, "out of memory");
	}
	bpfprobe_layout(&p->spec, &p->lay);
	return s->np++;
}

static int keep_fd(struct bp_probe *p, int fd)
{
	if (p->nfds == p->capfds) {
		int cap = p->capfds ? p->capfds * 2 : 8;
		int *n = realloc(p->fds, cap * sizeof(*n));

		if (!n) {
			close(fd);
			return -ENOMEM;
		}
		p->fds = n;
		p->capfds = cap;
	}
	p->fds[p->nfds++] = fd;
	return 0;
}

static void add_failure(struct bpfprobe_session *s, int probe, int point,
			int err, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
static void add_failure(struct bpfprobe_session *s, int probe, int point,
			int err, const char *fmt, ...)
{
	struct bpfprobe_failure *n = realloc(s->fail, (s->nfail + 1) * sizeof(*n));
	va_list ap;

	if (!n)
		return;
	s->fail = n;
	n = &s->fail[s->nfail++];
	n->probe = probe;
	n->point = point;
	n->err = err < 0 ? -err : err;
	va_start(ap, fmt);
	vsnprintf(n->msg, sizeof(n->msg), fmt, ap);
	va_end(ap);
}

/* ---- choosing ---- */

static bool fact_yes(const struct fact *f)
{
	return f->state == FACT_YES;
}

static bool uses_src(const struct bpfprobe_spec *spec, int src)
{
	for (int i = 0; i < spec->nfetch; i++)
		if (spec->fetch[i].src == src)
			return true;
	return false;
}

static int choose_prog(const struct bpfprobe_spec *spec,
		       const struct kernel_facts *kf, char *err, size_t errsz)
{
	if (spec->prog != BPP_AUTO)
		return spec->prog;
	switch (spec->kind) {
	case BPK_UFUNC: case BPK_URETFUNC: case BPK_USDT:
		if (!fact_yes(&kf->bpf_uprobe))
			return failf(err, errsz, -EOPNOTSUPP, "no BPF uprobes: %s",
				     kf->bpf_uprobe.evidence);
		return BPP_UPROBE;
	case BPK_TRACEPOINT:
		if (uses_src(spec, BPS_ARG) && !uses_src(spec, BPS_FIELD) &&
		    !uses_src(spec, BPS_FIELD_ADDR) && !uses_src(spec, BPS_DATALOC)) {
			if (fact_yes(&kf->bpf_raw_tp))
				return BPP_RAW_TP;
			return failf(err, errsz, -EOPNOTSUPP, "no BPF raw tracepoints: %s",
				     kf->bpf_raw_tp.evidence);
		}
		if (!fact_yes(&kf->bpf_tracepoint))
			return failf(err, errsz, -EOPNOTSUPP, "no BPF tracepoints: %s",
				     kf->bpf_tracepoint.evidence);
		return BPP_TRACEPOINT;
	default:
		break;
	}
	/* kernel functions */
	if (!uses_src(spec, BPS_REG) && !uses_src(spec, BPS_STACK) &&
	    fact_yes(&kf->fentry) && spec->npoints <= 16)
		return BPP_FENTRY;
	if (spec->npoints > 1 && fact_yes(&kf->kprobe_multi) && spec->points[0].name)
		return BPP_KPROBE_MULTI;
	if (fact_yes(&kf->bpf_kprobe))
		return BPP_KPROBE;
	return failf(err, errsz, -EOPNOTSUPP,
		     "no way to probe kernel functions with BPF: fentry: %s; kprobe: %s",
		     kf->fentry.evidence, kf->bpf_kprobe.evidence);
}

/* ---- loading ---- */

static __u32 kern_version(void)
{
	const struct kernel_facts *kf = features_get();
	unsigned a = 0, b = 0, c = 0;

	sscanf(kf->release, "%u.%u.%u", &a, &b, &c);
	return (a << 16) + (b << 8) + (c > 255 ? 255 : c);
}

static enum bpf_prog_type prog_type(int prog)
{
	switch (prog) {
	case BPP_FENTRY: case BPP_TP_BTF: return BPF_PROG_TYPE_TRACING;
	case BPP_TRACEPOINT: return BPF_PROG_TYPE_TRACEPOINT;
	case BPP_RAW_TP: return BPF_PROG_TYPE_RAW_TRACEPOINT;
	default: return BPF_PROG_TYPE_KPROBE;
	}
}

/* The verifier's last meaningful line, for messages. */
static void log_tail(const char *log, char *out, size_t outsz)
{
	const char *end = log + strlen(log), *start;

	while (end > log && (end[-1] == '\n' || end[-1] == ' '))
		end--;
	start = end;
	while (start > log && start[-1] != '\n')
		start--;
	/* "processed N insns" is not the reason: take the line before */
	if (!strncmp(start, "processed ", 10) && start > log) {
		end = start - 1;
		start = end;
		while (start > log && start[-1] != '\n')
			start--;
	}
	snprintf(out, outsz, "%.*s", (int)(end - start), start);
}

struct load_req {
	int prog;
	enum bpf_attach_type eat;
	__u32 btf_id;
	int nargs;
	bool cookie;
	bool entry;			/* the entry program of a return spec */
	uint32_t point;
};

static int pair_fd(const struct bpfprobe_session *s, uint32_t id)
{
	for (int i = 0; id && i < s->npairs; i++)
		if (s->pairs[i].id == id)
			return s->pairs[i].fd;
	return -1;
}

static int load_one(struct bpfprobe_session *s, int pi, const struct load_req *r,
		    char *err, size_t errsz)
{
	struct bp_probe *p = &s->p[pi];
	struct bpfprobe_gen_env env = {
		.prog = r->prog, .ringbuf = s->ringbuf, .cookie = r->cookie,
		.legacy_read = s->legacy_read, .nargs = r->nargs, .probe = pi,
		.point = r->point, .events_fd = s->events_fd,
		.scratch_fd = s->scratch_fd, .counters_fd = s->counters_fd,
		.stacks_fd = s->stacks_fd, .entry_fd = p->entry_fd,
		.entry_role = r->entry, .agg_fd = p->agg_outer,
		.zero_fd = s->zero_fd, .pair_fd = pair_fd(s, p->spec.pair.id),
		.follow = s->follow_fd >= 0, .follow_fd = s->follow_fd,
	};
	struct bpf_insn *insns;
	char name[16], gerr[256];
	int cnt, fd, e;

	snprintf(name, sizeof(name), "sonde_%c%d", r->entry ? 'e' : 'p', pi);
	for (int attempt = 0; attempt < 2; attempt++) {
		static char log[64 * 1024];
		LIBBPF_OPTS(bpf_prog_load_opts, o,
			.expected_attach_type = r->eat,
			.attach_btf_id = r->btf_id,
			.kern_version = prog_type(r->prog) == BPF_PROG_TYPE_KPROBE ?
					kern_version() : 0,
		);

		if (bpfprobe_gen(&p->spec, &env, &insns, &cnt, gerr, sizeof(gerr)))
			return failf(err, errsz, -EINVAL, "%s", gerr);
		fd = bpf_prog_load(prog_type(r->prog), name, "GPL", insns, cnt, &o);
		e = errno;
		if (fd < 0) {
			/* again with the verifier's log, for the message */
			LIBBPF_OPTS(bpf_prog_load_opts, o2,
				.expected_attach_type = r->eat,
				.attach_btf_id = r->btf_id,
				.kern_version = o.kern_version,
				.log_buf = log, .log_size = sizeof(log), .log_level = 1,
			);
			log[0] = '\0';
			if (bpf_prog_load(prog_type(r->prog), name, "GPL", insns, cnt, &o2) >= 0)
				log[0] = '\0';	/* cannot happen */
		}
		free(insns);
		if (fd >= 0)
			return fd;
		/* Before 5.5: no bpf_probe_read_{user,kernel}{,_str}. */
		if (!s->legacy_read && e == EINVAL &&
		    (strstr(log, "unknown func bpf_probe_read_") ||
		     strstr(log, "invalid func unknown#11"))) {
			s->legacy_read = env.legacy_read = true;
			continue;
		}
		if (getenv("SONDE_BPFPROBE_LOG"))
			fprintf(stderr, "%s\n", log);
		log_tail(log, gerr, sizeof(gerr));
		return failf(err, errsz, -e, "loading the %s program: %s%s%s",
			     bpfprobe_prog_name(r->prog), errno_name(e),
			     gerr[0] ? ": " : "", gerr);
	}
	return failf(err, errsz, -EINVAL, "loading failed");
}

/* ---- perf events ---- */

static int sys_perf_event_open(struct perf_event_attr *attr, pid_t pid,
			       int cpu, int group, unsigned long flags)
{
	int fd = syscall(__NR_perf_event_open, attr, pid, cpu, group,
			 flags | PERF_FLAG_FD_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

static int pmu_type(const char *pmu)
{
	char p[128];
	long long v;
	int err;

	snprintf(p, sizeof(p), "/sys/bus/event_source/devices/%s/type", pmu);
	err = read_int_file(p, &v);
	return err ? err : (int)v;
}

/* Bit position of "config:N" or "config:N-M" in a PMU format file. */
static int pmu_format_bit(const char *pmu, const char *field, int dflt)
{
	char p[160], buf[64];
	int bit;

	snprintf(p, sizeof(p), "/sys/bus/event_source/devices/%s/format/%s", pmu, field);
	if (read_text_file(p, buf, sizeof(buf)) < 0 ||
	    sscanf(buf, "config:%d", &bit) != 1)
		return dflt;
	return bit;
}

/* The id of "category/name". */
static int tracepoint_id_path(const char *event)
{
	const char *root = features_tracefs_path();
	char path[512];
	long long id;
	int err;

	if (!root)
		return -ENOENT;
	snprintf(path, sizeof(path), "%s/events/%s/id", root, event);
	err = read_int_file(path, &id);
	return err ? err : (int)id;
}

/* The id of "category:name". */
static int tracepoint_id(const char *catname)
{
	const char *colon = strchr(catname, ':');
	char ev[256];

	if (!colon || strlen(catname) >= sizeof(ev))
		return -EINVAL;
	snprintf(ev, sizeof(ev), "%.*s/%s", (int)(colon - catname), catname, colon + 1);
	return tracepoint_id_path(ev);
}

/* Open the perf event of a point: -errno or fd; what says which. */
static int open_point_event(struct bp_probe *p, int pt, bool entry, char *what,
			    size_t whatsz)
{
	const struct bpfprobe_point *P = &p->points[pt];
	struct perf_event_attr attr = { .size = sizeof(attr), .sample_period = 1,
					.wakeup_events = 1 };
	bool ret = !entry &&
		   (p->spec.kind == BPK_KRETFUNC || p->spec.kind == BPK_URETFUNC);
	int pid = -1, type;

	switch (p->prog) {
	case BPP_TRACEPOINT:
		snprintf(what, whatsz, "tracepoint %s", P->name);
		type = tracepoint_id(P->name);
		if (type < 0)
			return type;
		attr.type = PERF_TYPE_TRACEPOINT;
		attr.config = type;
		break;
	case BPP_KPROBE:
		snprintf(what, whatsz, "%s %s", ret ? "kretprobe" : "kprobe",
			 P->name ? P->name : "(address)");
		type = pmu_type("kprobe");
		if (type < 0)
			return type;
		attr.type = type;
		if (ret)
			attr.config |= 1ull << pmu_format_bit("kprobe", "retprobe", 0);
		attr.config1 = (uintptr_t)P->name;	/* NULL: config2 is an address */
		attr.config2 = P->offset;
		break;
	case BPP_UPROBE:
		snprintf(what, whatsz, "%s %s:0x%llx", ret ? "uretprobe" : "uprobe",
			 P->path, (unsigned long long)P->offset);
		type = pmu_type("uprobe");
		if (type < 0)
			return type;
		attr.type = type;
		if (ret)
			attr.config |= 1ull << pmu_format_bit("uprobe", "retprobe", 0);
		if (P->sem_offset) {
			int bit = pmu_format_bit("uprobe", "ref_ctr_offset", -1);

			if (bit < 0)
				return -EOPNOTSUPP;	/* before 4.20 */
			attr.config |= P->sem_offset << bit;
		}
		attr.config1 = (uintptr_t)P->path;
		attr.config2 = P->offset;
		if (P->pid > 0)
			pid = P->pid;
		break;
	default:
		return -EINVAL;
	}
	return sys_perf_event_open(&attr, pid, pid == -1 ? 0 : -1, -1, 0);
}

/* The ioctl way (before BPF_PERF_EVENT links): the program, enabled. */
static int perf_set_bpf(int pfd, int prog_fd)
{
	if (ioctl(pfd, PERF_EVENT_IOC_SET_BPF, prog_fd) < 0 ||
	    ioctl(pfd, PERF_EVENT_IOC_ENABLE, 0) < 0)
		return -errno;
	return 0;
}

/* Give a perf event its program: a link (with cookie) or the ioctl. */
static int perf_attach(struct bp_probe *p, int pfd, int prog_fd, bool cookie,
		       uint64_t cookie_val)
{
	int lfd;

	if (cookie) {
		LIBBPF_OPTS(bpf_link_create_opts, o, .perf_event.bpf_cookie = cookie_val);

		lfd = bpf_link_create(prog_fd, pfd, BPF_PERF_EVENT, &o);
		if (lfd < 0)
			return -errno;
		return keep_fd(p, lfd);
	}
	return perf_set_bpf(pfd, prog_fd);
}

/* ---- starting one probe ---- */

static int vmlinux_btf(struct bpfprobe_session *s, struct btf **out)
{
	if (!s->vmlinux) {
		s->vmlinux = btf__load_vmlinux_btf();
		if (!s->vmlinux)
			return -errno ? -errno : -ENOENT;
	}
	*out = s->vmlinux;
	return 0;
}

static int start_perf_points(struct bpfprobe_session *s, int pi)
{
	struct bp_probe *p = &s->p[pi];
	struct load_req r = { .prog = p->prog };
	char err[256], what[300];
	int shared = -1, fd, pfd, e;

	if (p->spec.npoints > 1) {
		r.cookie = true;
		shared = load_one(s, pi, &r, err, sizeof(err));
		if (shared >= 0 && keep_fd(p, shared))
			shared = -1;
	}
	p->cookie = shared >= 0;
	if (p->entry_fd >= 0) {
		struct load_req er = { .prog = p->prog, .entry = true };

		p->entry_prog = load_one(s, pi, &er, err, sizeof(err));
		if (p->entry_prog < 0) {
			add_failure(s, pi, 0, p->entry_prog, "entry program: %s", err);
			return 0;
		}
		if (keep_fd(p, p->entry_prog))
			return 0;
	}
	for (int pt = 0; pt < p->spec.npoints; pt++) {
		if (p->entry_prog >= 0) {
			/* the entry first: returns without one count as missed */
			pfd = open_point_event(p, pt, true, what, sizeof(what));
			if (pfd < 0) {
				add_failure(s, pi, pt, pfd, "open %s: %s", what,
					    errno_name(-pfd));
				continue;
			}
			if (keep_fd(p, pfd))
				continue;
			e = perf_attach(p, pfd, p->entry_prog, false, 0);
			if (e) {
				add_failure(s, pi, pt, e, "attach %s: %s", what,
					    errno_name(-e));
				continue;
			}
		}
		pfd = open_point_event(p, pt, false, what, sizeof(what));
		if (pfd < 0) {
			char hint[300];

			add_failure(s, pi, pt, pfd, "open %s: %s%s", what, errno_name(-pfd),
				    privilege_pmu_hint(-pfd, hint, sizeof(hint)));
			continue;
		}
		if (keep_fd(p, pfd)) {
			add_failure(s, pi, pt, ENOMEM, "out of memory");
			continue;
		}
		if (shared >= 0) {
			e = perf_attach(p, pfd, shared, true, pt);
			if (!e) {
				p->attached++;
				continue;
			}
			/* no BPF_PERF_EVENT links (before 5.15): a program per point */
		}
		r.cookie = false;
		r.point = pt;
		fd = load_one(s, pi, &r, err, sizeof(err));
		if (fd < 0) {
			add_failure(s, pi, pt, fd, "%s: %s", what, err);
			continue;
		}
		if (keep_fd(p, fd))
			continue;
		e = perf_attach(p, pfd, fd, false, 0);
		if (e) {
			add_failure(s, pi, pt, e, "attach %s: %s", what, errno_name(-e));
			continue;
		}
		p->attached++;
	}
	return 0;
}

static int start_kprobe_multi(struct bpfprobe_session *s, int pi)
{
	struct bp_probe *p = &s->p[pi];
	struct load_req r = { .prog = BPP_KPROBE_MULTI, .eat = BPF_TRACE_KPROBE_MULTI,
			      .cookie = true };
	const char **syms = calloc(p->spec.npoints, sizeof(*syms));
	__u64 *cookies = calloc(p->spec.npoints, sizeof(*cookies));
	char err[256];
	int fd, lfd, e;

	if (!syms || !cookies) {
		free(syms);
		free(cookies);
		add_failure(s, pi, 0, ENOMEM, "out of memory");
		return -ENOMEM;
	}
	for (int i = 0; i < p->spec.npoints; i++) {
		syms[i] = p->points[i].name;
		cookies[i] = i;
	}
	if (p->entry_fd >= 0) {
		struct load_req er = r;

		er.entry = true;
		fd = load_one(s, pi, &er, err, sizeof(err));
		if (fd < 0) {
			add_failure(s, pi, 0, fd, "kprobe_multi entry: %s", err);
			goto out;
		}
		if (keep_fd(p, fd))
			goto out;
		{
			LIBBPF_OPTS(bpf_link_create_opts, o,
				.kprobe_multi.syms = syms,
				.kprobe_multi.cnt = p->spec.npoints,
				.kprobe_multi.cookies = cookies,
			);
			lfd = bpf_link_create(fd, 0, BPF_TRACE_KPROBE_MULTI, &o);
			e = errno;
			if (lfd < 0) {
				add_failure(s, pi, 0, e, "attach kprobe_multi entry (%d functions): %s",
					    p->spec.npoints, errno_name(e));
				goto out;
			}
			if (keep_fd(p, lfd))
				goto out;
		}
	}
	fd = load_one(s, pi, &r, err, sizeof(err));
	if (fd < 0) {
		add_failure(s, pi, 0, fd, "kprobe_multi: %s", err);
	} else if (!keep_fd(p, fd)) {
		LIBBPF_OPTS(bpf_link_create_opts, o,
			.kprobe_multi.syms = syms,
			.kprobe_multi.cnt = p->spec.npoints,
			.kprobe_multi.cookies = cookies,
			.kprobe_multi.flags = p->spec.kind == BPK_KRETFUNC ?
					      BPF_F_KPROBE_MULTI_RETURN : 0,
		);
		lfd = bpf_link_create(fd, 0, BPF_TRACE_KPROBE_MULTI, &o);
		e = errno;
		if (lfd < 0)
			add_failure(s, pi, 0, e, "attach kprobe_multi (%d functions): %s",
				    p->spec.npoints, errno_name(e));
		else if (!keep_fd(p, lfd))
			p->attached = p->spec.npoints;
	}
out:
	free(syms);
	free(cookies);
	return 0;
}

/* fentry/fexit and tp_btf: a program per point, typed by BTF. */
static int start_btf_points(struct bpfprobe_session *s, int pi)
{
	struct bp_probe *p = &s->p[pi];
	bool ret = p->spec.kind == BPK_KRETFUNC;
	struct btf *btf = NULL;
	char err[256], name[160];
	int e = vmlinux_btf(s, &btf);

	for (int pt = 0; pt < p->spec.npoints; pt++) {
		const char *n = p->points[pt].name;
		struct load_req r = { .prog = p->prog, .point = pt };
		const struct btf_type *t;
		int id, fd, lfd;

		if (e) {
			add_failure(s, pi, pt, e, "vmlinux BTF: %s", errno_name(-e));
			continue;
		}
		if (p->prog == BPP_TP_BTF) {
			const char *c = n ? strchr(n, ':') : NULL;

			snprintf(name, sizeof(name), "btf_trace_%s", c ? c + 1 : n ? n : "");
			id = btf__find_by_name_kind(btf, name, BTF_KIND_TYPEDEF);
			r.eat = BPF_TRACE_RAW_TP;
			/* typedef -> pointer -> func_proto(void *, args...) */
			t = id > 0 ? btf__type_by_id(btf, id) : NULL;
			t = t ? btf__type_by_id(btf, t->type) : NULL;
			t = t ? btf__type_by_id(btf, t->type) : NULL;
			r.nargs = t && btf_is_func_proto(t) ? btf_vlen(t) - 1 : 0;
		} else {
			snprintf(name, sizeof(name), "%s", n ? n : "");
			id = btf__find_by_name_kind(btf, name, BTF_KIND_FUNC);
			r.eat = ret ? BPF_TRACE_FEXIT : BPF_TRACE_FENTRY;
			t = id > 0 ? btf__type_by_id(btf, id) : NULL;
			t = t ? btf__type_by_id(btf, t->type) : NULL;
			r.nargs = t && btf_is_func_proto(t) ? btf_vlen(t) : 0;
		}
		if (id <= 0) {
			add_failure(s, pi, pt, ENOENT, "%s is not in vmlinux BTF", name);
			continue;
		}
		r.btf_id = id;
		if (p->entry_fd >= 0 && p->prog == BPP_FENTRY) {
			struct load_req er = r;

			er.entry = true;
			er.eat = BPF_TRACE_FENTRY;
			fd = load_one(s, pi, &er, err, sizeof(err));
			if (fd < 0) {
				add_failure(s, pi, pt, fd, "%s entry: %s", name, err);
				continue;
			}
			if (keep_fd(p, fd))
				continue;
			lfd = bpf_raw_tracepoint_open(NULL, fd);
			if (lfd < 0) {
				add_failure(s, pi, pt, errno, "attach fentry %s: %s", name,
					    errno_name(errno));
				continue;
			}
			if (keep_fd(p, lfd))
				continue;
		}
		fd = load_one(s, pi, &r, err, sizeof(err));
		if (fd < 0) {
			add_failure(s, pi, pt, fd, "%s: %s", name, err);
			continue;
		}
		if (keep_fd(p, fd))
			continue;
		lfd = bpf_raw_tracepoint_open(NULL, fd);
		if (lfd < 0) {
			add_failure(s, pi, pt, errno, "attach %s %s: %s",
				    bpfprobe_prog_name(p->prog), name, errno_name(errno));
			continue;
		}
		if (!keep_fd(p, lfd))
			p->attached++;
	}
	return 0;
}

static int start_raw_tp(struct bpfprobe_session *s, int pi)
{
	struct bp_probe *p = &s->p[pi];
	char err[256];

	for (int pt = 0; pt < p->spec.npoints; pt++) {
		const char *n = p->points[pt].name, *c = strchr(n, ':');
		struct load_req r = { .prog = BPP_RAW_TP, .point = pt };
		int fd, lfd;

		fd = load_one(s, pi, &r, err, sizeof(err));
		if (fd < 0) {
			add_failure(s, pi, pt, fd, "raw_tp %s: %s", n, err);
			continue;
		}
		if (keep_fd(p, fd))
			continue;
		lfd = bpf_raw_tracepoint_open(c ? c + 1 : n, fd);
		if (lfd < 0) {
			add_failure(s, pi, pt, errno, "attach raw_tp %s: %s", n,
				    errno_name(errno));
			continue;
		}
		if (!keep_fd(p, lfd))
			p->attached++;
	}
	return 0;
}

/* ---- events ---- */

static int deliver(struct bpfprobe_session *s, const void *data, size_t size)
{
	const struct bpfprobe_rec *h = data;
	struct bp_probe *p;
	int ret;

	if (((uintptr_t)data & 7) && size <= sizeof(s->recbuf)) {
		memcpy(s->recbuf, data, size);
		data = h = (const void *)s->recbuf;
	}
	if (size < sizeof(*h) || h->probe >= s->np)
		return 0;
	p = &s->p[h->probe];
	if (bpfprobe_decode(&p->spec, &p->lay, data, size, &s->ev, s->strbuf,
			    sizeof(s->strbuf)))
		return 0;
	s->delivered++;
	p->records++;
	p->bytes += size;
	if (!s->opts.on_event)
		return 0;
	ret = s->opts.on_event(s->opts.ctx, &s->ev);
	if (ret) {
		s->stop_ret = ret;
		return -ECANCELED;
	}
	return 0;
}

static int on_ring(void *ctx, void *data, size_t size)
{
	return deliver(ctx, data, size);
}

static void on_perf(void *ctx, int cpu, void *data, __u32 size)
{
	struct bpfprobe_session *s = ctx;

	if (!s->stop_ret)
		deliver(s, data, size);
}

static void on_perf_lost(void *ctx, int cpu, __u64 n)
{
	((struct bpfprobe_session *)ctx)->pb_lost += n;
}

/* ---- the session ---- */

static void describe(struct bpfprobe_session *s, struct bp_probe *p)
{
	const char *what = p->prog == BPP_FENTRY ?
		(p->spec.kind == BPK_KRETFUNC ? "fexit" : "fentry") :
		p->prog == BPP_KPROBE ?
		(p->spec.kind == BPK_KRETFUNC ? "kretprobe" : "kprobe") :
		p->prog == BPP_UPROBE ?
		(p->spec.kind == BPK_URETFUNC ? "uretprobe" :
		 p->spec.kind == BPK_USDT ? "USDT uprobe" : "uprobe") :
		bpfprobe_prog_name(p->prog);
	const char *first = p->points[0].name ? p->points[0].name :
			    p->spec.name ? p->spec.name : "";

	if (p->spec.npoints > 1)
		snprintf(p->desc, sizeof(p->desc), "BPF %s (%d of %d points), %s",
			 what, p->attached, p->spec.npoints,
			 s->ringbuf ? "ring buffer" : "perf buffer");
	else
		snprintf(p->desc, sizeof(p->desc), "BPF %s %s, %s", what, first,
			 s->ringbuf ? "ring buffer" : "perf buffer");
}

static int create_maps(struct bpfprobe_session *s, uint32_t scratch, bool stacks,
		       char *err, size_t errsz)
{
	const struct kernel_facts *kf = features_get();
	int ncpus = kf->ncpus > 0 ? kf->ncpus : libbpf_num_possible_cpus();

	if (s->ringbuf) {
		uint32_t sz = s->opts.ringbuf_bytes ? s->opts.ringbuf_bytes :
			      bufsize_bytes(BUF_BPF_RING, false);
		uint32_t p2 = 4096;

		while (p2 < sz && p2 < (1u << 30))
			p2 <<= 1;
		s->events_fd = bpf_map_create(BPF_MAP_TYPE_RINGBUF, "sonde_events", 0, 0,
					      p2, NULL);
	} else {
		s->events_fd = bpf_map_create(BPF_MAP_TYPE_PERF_EVENT_ARRAY, "sonde_events",
					      4, 4, ncpus > 0 ? ncpus : 1, NULL);
	}
	if (s->events_fd < 0)
		return failf(err, errsz, -errno, "creating the %s: %s",
			     s->ringbuf ? "BPF ring buffer" : "perf event array",
			     errno_name(errno));
	s->scratch_fd = bpf_map_create(BPF_MAP_TYPE_PERCPU_ARRAY, "sonde_scratch", 4,
				       scratch, 1, NULL);
	if (s->scratch_fd < 0)
		return failf(err, errsz, -errno, "creating the scratch map (%u bytes per CPU): %s",
			     scratch, errno_name(errno));
	s->counters_fd = bpf_map_create(BPF_MAP_TYPE_PERCPU_ARRAY, "sonde_counters", 4,
					8, BPC__COUNT + s->np, NULL);
	if (s->counters_fd < 0)
		return failf(err, errsz, -errno, "creating the counter map: %s",
			     errno_name(errno));
	if (stacks) {
		s->stacks_fd = bpf_map_create(BPF_MAP_TYPE_STACK_TRACE, "sonde_stacks", 4,
					      127 * 8, s->opts.stack_entries ?
					      s->opts.stack_entries : 16384, NULL);
		if (s->stacks_fd < 0)
			return failf(err, errsz, -errno, "creating the stack map: %s",
				     errno_name(errno));
	}
	return 0;
}

/* Per-probe maps: the entry map of a return spec, the aggregation hashes. */
static int create_probe_maps(struct bpfprobe_session *s, int pi, char *err,
			     size_t errsz)
{
	struct bp_probe *p = &s->p[pi];
	const struct bpfprobe_spec *sp = &p->spec;
	uint32_t key = 0;

	if (bpfprobe_needs_entry(sp, p->prog)) {
		p->entry_fd = bpf_map_create(BPF_MAP_TYPE_HASH, "sonde_entry", 8,
					     bpfprobe_entry_size(sp, p->prog),
					     sp->entry_max ? sp->entry_max : 16384, NULL);
		if (p->entry_fd < 0)
			return failf(err, errsz, -errno, "creating the entry map: %s",
				     errno_name(errno));
	}
	if (!bpfprobe_action_aggregates(sp->action))
		return 0;
	for (int k = 0; k < 2; k++) {
		p->agg[k] = bpf_map_create(BPF_MAP_TYPE_PERCPU_HASH, "sonde_agg",
					   p->lay.keysz, bpfprobe_agg_value_size(sp),
					   sp->agg.max_entries ? sp->agg.max_entries : 10240,
					   NULL);
		if (p->agg[k] < 0)
			return failf(err, errsz, -errno,
				     "creating the aggregation map (%u-byte keys, %u-byte values): %s",
				     p->lay.keysz, bpfprobe_agg_value_size(sp),
				     errno_name(errno));
	}
	{
		LIBBPF_OPTS(bpf_map_create_opts, o, .inner_map_fd = p->agg[0]);

		p->agg_outer = bpf_map_create(BPF_MAP_TYPE_ARRAY_OF_MAPS, "sonde_aggsel",
					      4, 4, 1, &o);
	}
	if (p->agg_outer < 0)
		return failf(err, errsz, -errno, "creating the aggregation selector: %s",
			     errno_name(errno));
	if (bpf_map_update_elem(p->agg_outer, &key, &p->agg[0], BPF_ANY))
		return failf(err, errsz, -errno, "setting the aggregation map: %s",
			     errno_name(errno));
	p->agg_cur = 0;
	return 0;
}

/* One program keeping the followed-process map, on its tracepoint;
 * fds[0] the program, fds[1] the perf event. */
static int follow_prog(struct bpfprobe_session *s, const char *event,
		       const char *field, enum bpfprobe_follow_prog which,
		       int *fds, char *err, size_t errsz)
{
	struct bpfprobe_gen_env env = { .prog = BPP_TRACEPOINT,
					.counters_fd = s->counters_fd,
					.follow_fd = s->follow_fd };
	struct perf_event_attr attr = { .size = sizeof(attr),
		.type = PERF_TYPE_TRACEPOINT, .sample_period = 1 };
	int off = tpformat_field_offset(event, field);
	int id = tracepoint_id_path(event);
	struct bpf_insn *insns;
	int cnt, e;

	if (off < 0 || id < 0)
		return failf(err, errsz, -ENOENT, "following forks needs %s (its format: %s)",
			     event, errno_name(id < 0 ? -id : ENOENT));
	if (bpfprobe_gen_follow(which, off, &env, &insns, &cnt))
		return failf(err, errsz, -EINVAL, "%s: field %s at %d", event, field, off);
	fds[0] = bpf_prog_load(BPF_PROG_TYPE_TRACEPOINT, "sonde_follow", "GPL", insns,
			       cnt, NULL);
	e = errno;
	free(insns);
	if (fds[0] < 0)
		return failf(err, errsz, -e, "loading the program following forks: %s",
			     errno_name(e));
	attr.config = id;
	fds[1] = sys_perf_event_open(&attr, -1, 0, -1, 0);
	if (fds[1] < 0)
		return failf(err, errsz, fds[1], "open tracepoint %s: %s", event,
			     errno_name(-fds[1]));
	e = perf_set_bpf(fds[1], fds[0]);
	return e ? failf(err, errsz, e, "attach to tracepoint %s: %s", event,
			 errno_name(-e)) : 0;
}

/*
 * opts.follow_pid: the map of followed tgids, seeded with the pid, and
 * the programs that keep it (attached before any probe, so a child
 * forked once probes fire is followed).
 */
static int start_follow(struct bpfprobe_session *s, char *err, size_t errsz)
{
	LIBBPF_OPTS(bpf_map_create_opts, mo, .map_flags = BPF_F_NO_PREALLOC);
	uint32_t pid = s->opts.follow_pid, one = 1;
	int ret;

	s->follow_fd = bpf_map_create(BPF_MAP_TYPE_HASH, "sonde_follow", 4, 4,
				      65536, &mo);
	if (s->follow_fd < 0)
		return failf(err, errsz, -errno, "creating the followed-process map: %s",
			     errno_name(errno));
	if (bpf_map_update_elem(s->follow_fd, &pid, &one, BPF_ANY))
		return failf(err, errsz, -errno, "following pid %u: %s", pid,
			     errno_name(errno));
	ret = follow_prog(s, "sched/sched_process_fork", "child_pid", BPF_FOLLOW_FORK,
			  &s->follow_fds[0], err, errsz);
	return ret ? ret : follow_prog(s, "sched/sched_process_free", "pid",
				       BPF_FOLLOW_FREE, &s->follow_fds[2], err, errsz);
}

/* One map of starts per pair id; each id needs a start and an end whose
 * keys have the same number of values. */
static int create_pair_maps(struct bpfprobe_session *s, char *err, size_t errsz)
{
	for (int i = 0; i < s->np; i++) {
		const struct bpfprobe_spec *sp = &s->p[i].spec;
		struct bp_pair *pr = NULL, *n;

		if (!sp->pair.id)
			continue;
		for (int k = 0; k < s->npairs; k++)
			if (s->pairs[k].id == sp->pair.id)
				pr = &s->pairs[k];
		if (!pr) {
			n = realloc(s->pairs, (s->npairs + 1) * sizeof(*n));
			if (!n)
				return failf(err, errsz, -ENOMEM, "out of memory");
			s->pairs = n;
			pr = &s->pairs[s->npairs++];
			*pr = (struct bp_pair){ .id = sp->pair.id, .fd = -1,
						.nkeys = sp->pair.nkeys };
		}
		if (pr->nkeys != sp->pair.nkeys)
			return failf(err, errsz, -EINVAL,
				     "pair %u: %s has %d key values, another probe %d",
				     pr->id, sp->name ? sp->name : "a probe",
				     sp->pair.nkeys, pr->nkeys);
		if (sp->action == BPA_PAIR_START)
			pr->start = true;
		else
			pr->end = true;
		if (sp->pair.max_entries > pr->max_entries)
			pr->max_entries = sp->pair.max_entries;
	}
	for (int k = 0; k < s->npairs; k++) {
		struct bp_pair *pr = &s->pairs[k];

		if (!pr->start || !pr->end)
			return failf(err, errsz, -EINVAL, "pair %u has no %s probe", pr->id,
				     pr->start ? "end" : "start");
		pr->fd = bpf_map_create(BPF_MAP_TYPE_HASH, "sonde_pair",
					8 * (pr->nkeys ? pr->nkeys : 1), 8,
					pr->max_entries ? pr->max_entries : 16384, NULL);
		if (pr->fd < 0)
			return failf(err, errsz, -errno, "creating the pairing map: %s",
				     errno_name(errno));
	}
	return 0;
}

int bpfprobe_session__start(struct bpfprobe_session *s, char *err, size_t errsz)
{
	const struct kernel_facts *kf;
	uint32_t scratch = 64, zero = 0;
	bool stacks = false;
	int ret;

	if (s->started)
		return failf(err, errsz, -EALREADY, "already started");
	if (!s->np)
		return failf(err, errsz, -EINVAL, "no probes");
	s->started = true;
	kf = features_get();
	if (!fact_yes(&kf->bpf))
		return failf(err, errsz, -(kf->bpf.err ? kf->bpf.err : ENOSYS),
			     "no BPF: %s", kf->bpf.evidence);
	switch (s->opts.transport) {
	case BPT_RINGBUF:
		if (!fact_yes(&kf->ringbuf))
			return failf(err, errsz, -EOPNOTSUPP, "no BPF ring buffer: %s",
				     kf->ringbuf.evidence);
		s->ringbuf = true;
		break;
	case BPT_PERFBUF:
		s->ringbuf = false;
		break;
	default:
		s->ringbuf = fact_yes(&kf->ringbuf);
	}
	for (int i = 0; i < s->np; i++) {
		struct bp_probe *p = &s->p[i];

		ret = choose_prog(&p->spec, kf, err, errsz);
		if (ret < 0)
			return ret;
		p->prog = ret;
		if (p->lay.size > scratch)
			scratch = p->lay.size;
		if (uses_src(&p->spec, BPS_KSTACK) || uses_src(&p->spec, BPS_USTACK))
			stacks = true;
		if (bpfprobe_action_aggregates(p->spec.action) &&
		    bpfprobe_agg_value_size(&p->spec) > zero)
			zero = bpfprobe_agg_value_size(&p->spec);
	}
	ret = create_maps(s, (scratch + 7) & ~7u, stacks, err, errsz);
	if (ret)
		goto fail;
	if (zero) {
		s->zero_fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "sonde_zero", 4, zero, 1,
					    NULL);
		if (s->zero_fd < 0) {
			ret = failf(err, errsz, -errno, "creating the zero map: %s",
				    errno_name(errno));
			goto fail;
		}
	}
	for (int i = 0; i < s->np; i++) {
		ret = create_probe_maps(s, i, err, errsz);
		if (ret)
			goto fail;
	}
	ret = create_pair_maps(s, err, errsz);
	if (ret)
		goto fail;
	if (s->opts.follow_pid > 0) {
		ret = start_follow(s, err, errsz);
		if (ret)
			goto fail;
	}
	for (int i = 0; i < s->np; i++) {
		struct bp_probe *p = &s->p[i];

		switch (p->prog) {
		case BPP_TRACEPOINT: case BPP_KPROBE: case BPP_UPROBE:
			start_perf_points(s, i);
			break;
		case BPP_KPROBE_MULTI:
			start_kprobe_multi(s, i);
			break;
		case BPP_FENTRY: case BPP_TP_BTF:
			start_btf_points(s, i);
			break;
		case BPP_RAW_TP:
			start_raw_tp(s, i);
			break;
		default:
			ret = failf(err, errsz, -EINVAL, "program type %d", p->prog);
			goto fail;
		}
		describe(s, p);
		if (!p->attached) {
			const char *why = "nothing attached";

			for (int k = s->nfail - 1; k >= 0; k--)
				if (s->fail[k].probe == i) {
					why = s->fail[k].msg;
					ret = -s->fail[k].err;
					break;
				}
			if (ret >= 0)
				ret = -ENOENT;
			failf(err, errsz, ret, "%s: %s",
			      p->spec.name ? p->spec.name : p->desc, why);
			goto fail;
		}
	}
	if (s->ringbuf) {
		s->rb = ring_buffer__new(s->events_fd, on_ring, s, NULL);
	} else {
		s->pb = perf_buffer__new(s->events_fd, s->opts.perfbuf_pages ?
					 s->opts.perfbuf_pages :
					 bufsize_pages(BUF_BPF_PERF, false), on_perf,
					 on_perf_lost, s, NULL);
	}
	if (!s->rb && !s->pb) {
		ret = failf(err, errsz, -errno, "setting up the %s: %s",
			    s->ringbuf ? "ring buffer" : "perf buffer", errno_name(errno));
		goto fail;
	}
	return 0;
fail:
	bpfprobe_session__stop(s);
	return ret;
}

int bpfprobe_session__poll(struct bpfprobe_session *s, int timeout_ms)
{
	int ret;

	if (!s->rb && !s->pb)
		return -EBADF;
	s->delivered = 0;
	s->stop_ret = 0;
	ret = s->rb ? ring_buffer__poll(s->rb, timeout_ms)
		    : perf_buffer__poll(s->pb, timeout_ms);
	if (s->stop_ret)
		return s->stop_ret;
	if (ret < 0)
		return ret == -EINTR ? -EINTR : ret;
	return s->delivered;
}

int bpfprobe_session__consume(struct bpfprobe_session *s)
{
	int ret;

	if (!s->rb && !s->pb)
		return -EBADF;
	s->delivered = 0;
	s->stop_ret = 0;
	ret = s->rb ? ring_buffer__consume(s->rb) : perf_buffer__consume(s->pb);
	if (s->stop_ret)
		return s->stop_ret;
	return ret < 0 ? ret : s->delivered;
}

int bpfprobe_session__epoll_fd(const struct bpfprobe_session *s)
{
	return s->rb ? ring_buffer__epoll_fd(s->rb) :
	       s->pb ? perf_buffer__epoll_fd(s->pb) : -1;
}

int bpfprobe_session__hits(const struct bpfprobe_session *s, int pi,
			   uint64_t *hits)
{
	if (s->counters_fd < 0 || !s->ringbuf || pi < 0 || pi >= s->np)
		return -ENOENT;
	*hits = s->p[pi].records +
		bpf_util_sum_percpu_u64(s->counters_fd, BPC__COUNT + pi);
	return 0;
}

size_t bpfprobe_session__record_bytes(const struct bpfprobe_session *s, int pi)
{
	const struct bp_probe *p = &s->p[pi];

	/* strings are packed: the records seen say more than the layout */
	return p->records ? p->bytes / p->records : p->lay.size;
}

void bpfprobe_session__stats(const struct bpfprobe_session *s,
			     struct bpfprobe_stats *st)
{
	if (s->counters_fd < 0) {
		*st = s->final;
		return;
	}
	memset(st, 0, sizeof(*st));
	/* a record the perf buffer had no room for fails the program's
	 * output (counted) and is reported again as lost by the ring:
	 * the same records, so the larger count, not the sum */
	st->lost = bpf_util_sum_percpu_u64(s->counters_fd, BPC_LOST);
	if (s->pb_lost > st->lost)
		st->lost = s->pb_lost;
	st->entry_dropped = bpf_util_sum_percpu_u64(s->counters_fd, BPC_ENTRY_DROPPED);
	st->entry_missed = bpf_util_sum_percpu_u64(s->counters_fd, BPC_ENTRY_MISSED);
	st->agg_dropped = bpf_util_sum_percpu_u64(s->counters_fd, BPC_AGG_DROPPED);
	st->pair_dropped = bpf_util_sum_percpu_u64(s->counters_fd, BPC_PAIR_DROPPED);
	st->pair_missed = bpf_util_sum_percpu_u64(s->counters_fd, BPC_PAIR_MISSED);
	st->follow_dropped = bpf_util_sum_percpu_u64(s->counters_fd, BPC_FOLLOW_DROPPED);
}

int bpfprobe_session__failures(const struct bpfprobe_session *s,
			       const struct bpfprobe_failure **f)
{
	*f = s->fail;
	return s->nfail;
}

const char *bpfprobe_session__describe(const struct bpfprobe_session *s,
				       int probe)
{
	if (probe < 0 || probe >= s->np)
		return "";
	return s->p[probe].desc;
}

enum bpfprobe_prog bpfprobe_session__prog(const struct bpfprobe_session *s,
					  int probe)
{
	return probe >= 0 && probe < s->np ? s->p[probe].prog : BPP_AUTO;
}

int bpfprobe_session__stack(const struct bpfprobe_session *s, int64_t id,
			    uint64_t *ips, int max)
{
	uint64_t frames[127] = { 0 };
	uint32_t key = id;
	int n = 0;

	if (s->stacks_fd < 0 || id < 0)
		return -ENOENT;
	if (bpf_map_lookup_elem(s->stacks_fd, &key, frames))
		return -errno;
	while (n < 127 && n < max && frames[n]) {
		ips[n] = frames[n];
		n++;
	}
	return n;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* ---- aggregations ---- */

static void decode_key(const struct bp_probe *p, const unsigned char *key,
		       struct bpfprobe_agg_entry *e, char *buf)
{
	const struct bpfprobe_agg *a = &p->spec.agg;

	e->nkeys = a->nkeys;
	for (int k = 0; k < a->nkeys; k++) {
		const struct bpfprobe_fetch *f = &p->spec.fetch[a->keys[k]];
		struct bpfprobe_value *v = &e->key[k];

		memset(v, 0, sizeof(*v));
		v->type = f->type;
		if (f->type == BPV_INT) {
			memcpy(&v->u, key + p->lay.slot[a->keys[k]] - p->lay.key, 8);
			v->is_signed = f->is_signed;
		} else {
			memcpy(buf, key + p->lay.fixed[a->keys[k]] - p->lay.key, f->maxlen);
			buf[f->maxlen] = '\0';
			v->str = buf;
			v->len = f->type == BPV_STR ? strnlen(buf, f->maxlen) : f->maxlen;
			buf += f->maxlen + 1;
		}
	}
}

int bpfprobe_session__agg_read(struct bpfprobe_session *s, int probe,
			       bool reset, bpfprobe_agg_fn fn, void *ctx)
{
	struct bp_probe *p;
	int ncpus = libbpf_num_possible_cpus(), nb, fd, n = 0, ret = 0;
	uint32_t vsz, zero = 0;
	unsigned char *key = NULL, *next = NULL;
	uint64_t *vals = NULL, *sum = NULL;
	char *buf = NULL;
	bool sgn;

	if (probe < 0 || probe >= s->np)
		return -EINVAL;
	p = &s->p[probe];
	if (!bpfprobe_action_aggregates(p->spec.action))
		return -EINVAL;
	if (p->agg[0] < 0 || ncpus <= 0)
		return -EBADF;
	fd = p->agg[p->agg_cur];
	if (reset) {
		int nxt = !p->agg_cur;

		/* the outer map's update waits for running programs (RCU):
		 * afterwards nothing writes the old map any more */
		if (p->agg_outer >= 0) {
			if (bpf_map_update_elem(p->agg_outer, &zero, &p->agg[nxt], BPF_ANY))
				return -errno;
		}
		p->agg_cur = nxt;
	}
	nb = bpfprobe_agg_nbuckets(&p->spec);
	vsz = bpfprobe_agg_value_size(&p->spec);
	sgn = p->spec.agg.value >= 0 && p->spec.fetch[p->spec.agg.value].is_signed;
	key = calloc(1, p->lay.keysz);
	next = calloc(1, p->lay.keysz);
	vals = calloc(ncpus, vsz);
	sum = calloc(1, vsz);
	buf = calloc(BPFPROBE_MAX_KEYS, BPFPROBE_MAX_STR + 1);
	if (!key || !next || !vals || !sum || !buf) {
		ret = -ENOMEM;
		goto out;
	}
	for (void *prev = NULL; !bpf_map_get_next_key(fd, prev, next); prev = key) {
		struct bpfprobe_agg_entry e = { 0 };
		bool any = false;

		memcpy(key, next, p->lay.keysz);
		if (bpf_map_lookup_elem(fd, key, vals))
			continue;	/* deleted meanwhile */
		memset(sum, 0, vsz);
		for (int c = 0; c < ncpus; c++) {
			const uint64_t *v = (const uint64_t *)((const char *)vals + (size_t)c * vsz);

			if (!v[0])
				continue;
			sum[0] += v[0];
			sum[1] += v[1];
			if (!any || (sgn ? (int64_t)v[2] < (int64_t)sum[2] : v[2] < sum[2]))
				sum[2] = v[2];
			if (!any || (sgn ? (int64_t)v[3] > (int64_t)sum[3] : v[3] > sum[3]))
				sum[3] = v[3];
			any = true;
			for (int b = 0; b < nb; b++)
				sum[4 + b] += v[4 + b];
		}
		if (!any)
			continue;
		decode_key(p, key, &e, buf);
		e.count = sum[0];
		e.sum = sum[1];
		e.min = sum[2];
		e.max = sum[3];
		e.nbuckets = nb;
		e.buckets = sum + 4;
		n++;
		if (fn && (ret = fn(ctx, &e)))
			break;
	}
	if (reset) {
		/* empty the old map: it is the spare of the next interval */
		while (!bpf_map_get_next_key(fd, NULL, next))
			if (bpf_map_delete_elem(fd, next))
				break;
	}
out:
	free(key);
	free(next);
	free(vals);
	free(sum);
	free(buf);
	return ret ? ret : n;
}

/* The probes' programs, perf events and links, and those that follow
 * forks: all at once (each tracepoint's last close waits for a grace
 * period, see parallel_close.h), before the maps. */
static void close_attachments(struct bpfprobe_session *s)
{
	size_t n = ARRAY_SIZE(s->follow_fds), k = 0;
	int *all;

	for (int i = 0; i < s->np; i++)
		n += s->p[i].nfds;
	all = malloc(n * sizeof(*all));
	for (int i = 0; i < s->np; i++) {
		struct bp_probe *p = &s->p[i];

		for (int f = p->nfds - 1; f >= 0; f--)
			if (all)
				all[k++] = p->fds[f];
			else
				close_fd(&p->fds[f]);
		p->nfds = 0;
	}
	for (int i = ARRAY_SIZE(s->follow_fds) - 1; i >= 0; i--) {
		if (all)
			all[k++] = s->follow_fds[i];
		else
			close_fd(&s->follow_fds[i]);
		s->follow_fds[i] = -1;
	}
	if (all)
		close_fds_parallel(all, k);
	free(all);
}

void bpfprobe_session__stop(struct bpfprobe_session *s)
{
	if (!s || s->stopped)
		return;
	s->stopped = true;
	close_attachments(s);
	ring_buffer__free(s->rb);
	s->rb = NULL;
	perf_buffer__free(s->pb);
	s->pb = NULL;
	/* the counters stay readable through session__stats() */
	bpfprobe_session__stats(s, &s->final);
	close_fd(&s->counters_fd);
	close_fd(&s->events_fd);
	close_fd(&s->scratch_fd);
	close_fd(&s->stacks_fd);
	close_fd(&s->zero_fd);
	close_fd(&s->follow_fd);
	for (int i = 0; i < s->npairs; i++)
		close_fd(&s->pairs[i].fd);
	for (int i = 0; i < s->np; i++) {
		close_fd(&s->p[i].entry_fd);
		close_fd(&s->p[i].agg_outer);
		s->p[i].entry_prog = -1;	/* closed with the fds */
	}
	btf__free(s->vmlinux);
	s->vmlinux = NULL;
}

void bpfprobe_session__free(struct bpfprobe_session *s)
{
	if (!s)
		return;
	bpfprobe_session__stop(s);
	for (int i = 0; i < s->np; i++) {
		close_fd(&s->p[i].agg[0]);
		close_fd(&s->p[i].agg[1]);
		probe_free_strings(&s->p[i]);
	}
	free(s->p);
	free(s->pairs);
	free(s->fail);
	free(s);
}
