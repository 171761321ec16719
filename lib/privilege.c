// SPDX-License-Identifier: GPL-2.0
/*
 * Privilege check before a command starts: an unprivileged user gets one
 * line naming the missing capability or permission, not the EPERM of
 * every rung of the ladder. See include/privilege.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <mntent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/capability.h>

#include "kernel_facts.h"
#include "privilege.h"
#include "sonde.h"
#include "util.h"

static struct privileges privs;
static bool privs_read;

static uint64_t effective_caps(void)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
		.pid = 0,
	};
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];

	memset(data, 0, sizeof(data));
	if (syscall(SYS_capget, &hdr, data))
		return 0;
	return data[0].effective | (uint64_t)data[1].effective << 32;
}

static int sysctl_int(const char *path)
{
	FILE *fp = fopen(path, "re");
	int v = -99;

	if (!fp)
		return -99;
	if (fscanf(fp, "%d", &v) != 1)
		v = -99;
	fclose(fp);
	return v;
}

/* Access as the kernel will check it: effective ids and capabilities. */
static bool can_access(const char *dir, const char *name, int mode)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return !faccessat(AT_FDCWD, path, mode, AT_EACCESS);
}

/* Where tracefs is, even when this user cannot look inside: a tracefs
 * mount, else tracing/ in a debugfs mount, else the usual place. */
static void locate_tracefs(void)
{
	const char *p = features_tracefs_path();
	FILE *fp;
	struct mntent *e;
	char debugfs[128] = "";

	if (p) {
		snprintf(privs.tracefs, sizeof(privs.tracefs), "%s", p);
		return;
	}
	snprintf(privs.tracefs, sizeof(privs.tracefs), "/sys/kernel/tracing");
	if (!(fp = setmntent("/proc/mounts", "re")))
		return;
	while ((e = getmntent(fp))) {
		if (!strcmp(e->mnt_type, "tracefs")) {
			snprintf(privs.tracefs, sizeof(privs.tracefs), "%s", e->mnt_dir);
			debugfs[0] = '\0';
			break;
		}
		if (!strcmp(e->mnt_type, "debugfs") && !debugfs[0])
			snprintf(debugfs, sizeof(debugfs), "%s", e->mnt_dir);
	}
	endmntent(fp);
	if (debugfs[0])
		snprintf(privs.tracefs, sizeof(privs.tracefs), "%s/tracing", debugfs);
}

const struct privileges *privileges_get(void)
{
	if (privs_read)
		return &privs;
	privs_read = true;
	privs.uid = getuid();
	privs.euid = geteuid();
	privs.eff = effective_caps();
	privs.perf_event_paranoid = sysctl_int("/proc/sys/kernel/perf_event_paranoid");
	privs.unprivileged_bpf_disabled =
		sysctl_int("/proc/sys/kernel/unprivileged_bpf_disabled");
	locate_tracefs();
	privs.tracefs_read = can_access(privs.tracefs, "events", R_OK | X_OK);
	privs.tracefs_write = privs.tracefs_read &&
			      can_access(privs.tracefs, "instances", W_OK | X_OK);
	return &privs;
}

bool priv_cap(const struct privileges *p, int cap)
{
	return p->eff & (1ull << cap);
}

bool priv_bpf_tracing(const struct privileges *p)
{
	return priv_cap(p, PRIV_CAP_SYS_ADMIN) ||
	       (priv_cap(p, PRIV_CAP_BPF) && priv_cap(p, PRIV_CAP_PERFMON));
}

static const struct {
	int cap;
	const char *name;
} named_caps[] = {
	{ PRIV_CAP_SYS_ADMIN, "CAP_SYS_ADMIN" },
	{ PRIV_CAP_BPF, "CAP_BPF" },
	{ PRIV_CAP_PERFMON, "CAP_PERFMON" },
	{ PRIV_CAP_DAC_OVERRIDE, "CAP_DAC_OVERRIDE" },
	{ PRIV_CAP_DAC_READ_SEARCH, "CAP_DAC_READ_SEARCH" },
};

const char *priv_caps_list(const struct privileges *p, char *buf, size_t size)
{
	size_t n = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < ARRAY_SIZE(named_caps); i++)
		if (priv_cap(p, named_caps[i].cap) && n < size)
			n += snprintf(buf + n, size - n, "%s%s", n ? ", " : "",
				      named_caps[i].name);
	if (!buf[0])
		snprintf(buf, size, "none");
	return buf;
}

const char *priv_who(const struct privileges *p, char *buf, size_t size)
{
	char caps[160];

	priv_caps_list(p, caps, sizeof(caps));
	if (!strcmp(caps, "none"))
		snprintf(buf, size, "you are uid %u with no capabilities", p->euid);
	else
		snprintf(buf, size, "you are uid %u with %s", p->euid, caps);
	return buf;
}

/*
 * Why p cannot do need, one line without the command's name; NULL when
 * some rung may work. Pure (tests/unit/test_privilege.c).
 */
const char *priv_refusal(const struct privileges *p, enum priv_need need,
			 char *buf, size_t size)
{
	bool perfmon = priv_cap(p, PRIV_CAP_PERFMON) ||
		       priv_cap(p, PRIV_CAP_SYS_ADMIN);
	char who[200];

	priv_who(p, who, sizeof(who));
	switch (need) {
	case PRIV_TRACING:
		/* BPF programs, perf PMU probes (CAP_PERFMON) or tracefs */
		if (priv_bpf_tracing(p) || perfmon || p->tracefs_write)
			return NULL;
		snprintf(buf, size, "needs root, or CAP_BPF and CAP_PERFMON (BPF), or read and write access to %s (tracefs): %s%s",
			 p->tracefs, who, priv_cap(p, PRIV_CAP_BPF) ?
			 " (CAP_BPF without CAP_PERFMON cannot load tracing programs)" : "");
		return buf;
	case PRIV_SAMPLING:
		if (perfmon || (p->perf_event_paranoid != -99 &&
				p->perf_event_paranoid <= 0))
			return NULL;
		snprintf(buf, size, "needs root, or CAP_PERFMON (with CAP_BPF to count stacks in the kernel), or kernel.perf_event_paranoid <= 0 (it is %d) to sample every CPU: %s",
			 p->perf_event_paranoid, who);
		return buf;
	case PRIV_DYNAMIC_EVENTS:
		if (p->tracefs_write)
			return NULL;
		snprintf(buf, size, "needs root, or write access to %s (dynamic events exist only in tracefs; CAP_BPF and CAP_PERFMON do not give it): %s",
			 p->tracefs, who);
		return buf;
	}
	return NULL;
}

int privilege_gate(enum priv_need need)
{
	char why[600];

	if (!priv_refusal(privileges_get(), need, why, sizeof(why)))
		return 0;
	return error("%s", why);
}

static int armed = -1;

void privilege_arm(enum priv_need need)
{
	armed = need;
}

void privilege_enforce(void)
{
	int need = armed;

	if (need < 0)
		return;
	armed = -1;	/* once; privileges_get() looks for tracefs too */
	if (privilege_gate(need)) {
		fflush(stdout);
		exit(EXIT_FAIL);
	}
}

bool privilege_tracefs_denied(char *buf, size_t size)
{
	const struct privileges *p = privileges_get();
	char who[200];

	if (p->tracefs_read)
		return false;
	snprintf(buf, size, "tracefs (%s: tracepoint ids and formats, tracefs probes) is not readable (EACCES): %s; run as root, or mount tracefs with gid= of a group you are in (CAP_BPF and CAP_PERFMON do not give read access)",
		 p->tracefs, priv_who(p, who, sizeof(who)));
	return true;
}

bool privilege_args_only_help(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--"))
			break;
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help") ||
		    !strncmp(argv[i], "--list-opts", 11) ||
		    !strcmp(argv[i], "--list-tools"))
			return true;
	}
	return false;
}

void priv_allows(const struct privileges *p, struct priv_allow out[PRIV_ALLOWS])
{
	bool perfmon = priv_cap(p, PRIV_CAP_PERFMON) ||
		       priv_cap(p, PRIV_CAP_SYS_ADMIN);

	out[0] = (struct priv_allow){ "bpf_tracing", "BPF tracing programs",
		priv_bpf_tracing(p), "CAP_BPF and CAP_PERFMON, or CAP_SYS_ADMIN" };
	out[1] = (struct priv_allow){ "tracefs_read", "tracepoint ids and formats (tracefs read)",
		p->tracefs_read, "read access to tracefs (root, or its gid= mount option)" };
	out[2] = (struct priv_allow){ "tracefs_write", "tracefs instances and dynamic events",
		p->tracefs_write, "write access to tracefs (root)" };
	out[3] = (struct priv_allow){ "perf_cpu_sampling", "perf sampling of every CPU",
		perfmon || (p->perf_event_paranoid != -99 && p->perf_event_paranoid <= 0),
		"CAP_PERFMON, or kernel.perf_event_paranoid <= 0 (at 3, CAP_SYS_ADMIN on some kernels)" };
}

bool privilege_perf_denied(int err, char *buf, size_t size)
{
	const struct privileges *p = privileges_get();
	char who[200];

	if ((err != EACCES && err != EPERM) || priv_cap(p, PRIV_CAP_SYS_ADMIN))
		return false;
	priv_who(p, who, sizeof(who));
	if (p->perf_event_paranoid >= 3)
		snprintf(buf, size, "perf_event_open is refused (%s): kernel.perf_event_paranoid=%d admits only CAP_SYS_ADMIN on this kernel (CAP_PERFMON is not enough): %s; run as root, or set kernel.perf_event_paranoid to 2 or less",
			 errno_name(err), p->perf_event_paranoid, who);
	else
		snprintf(buf, size, "perf_event_open is refused (%s) with kernel.perf_event_paranoid=%d: needs root or CAP_PERFMON: %s",
			 errno_name(err), p->perf_event_paranoid, who);
	return true;
}

const char *privilege_pmu_hint(int err, char *buf, size_t size)
{
	const struct privileges *p = privileges_get();
	char who[200];

	buf[0] = '\0';
	if ((err != EACCES && err != EPERM) || priv_cap(p, PRIV_CAP_SYS_ADMIN))
		return buf;
	snprintf(buf, size, " (this kernel's kprobe/uprobe PMU wants root or CAP_SYS_ADMIN: %s)",
		 priv_who(p, who, sizeof(who)));
	return buf;
}
