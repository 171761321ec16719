/*
 * privrun - run a program as another user with only the capabilities
 * named, for the privilege tests (busybox guests have no setpriv/capsh)
 *
 *   privrun UID GID [CAP,...] -- PROG [ARG...]
 *
 * CAP is a name (bpf, perfmon, sys_admin, syslog, dac_read_search) or a
 * number; "none" or nothing keeps none. The capabilities become
 * permitted, effective, inheritable and ambient, so PROG (not set-uid, no
 * file capabilities) keeps exactly them across execve. Groups are cleared.
 * Must start as root.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <grp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/capability.h>

static const struct {
	const char *name;
	int cap;
} names[] = {
	{ "dac_override", 1 }, { "dac_read_search", 2 }, { "sys_admin", 21 },
	{ "syslog", 34 }, { "perfmon", 38 }, { "bpf", 39 },
};

static void die(const char *what)
{
	fprintf(stderr, "privrun: %s: %s\n", what, strerror(errno));
	exit(125);
}

static int cap_number(const char *s)
{
	char *end;
	long v;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(s, names[i].name))
			return names[i].cap;
	v = strtol(s, &end, 10);
	if (*end || v < 0 || v > 63) {
		fprintf(stderr, "privrun: unknown capability '%s'\n", s);
		exit(125);
	}
	return v;
}

static uint64_t parse_caps(char *list)
{
	uint64_t set = 0;

	if (!strcmp(list, "none") || !*list)
		return 0;
	for (char *t = strtok(list, ","); t; t = strtok(NULL, ","))
		set |= 1ull << cap_number(t);
	return set;
}

static void set_caps(uint64_t set)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];

	for (int i = 0; i < 2; i++) {
		d[i].effective = d[i].permitted = d[i].inheritable =
			(uint32_t)(set >> (32 * i));
	}
	if (syscall(SYS_capset, &hdr, d))
		die("capset");
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0))
		die("clear ambient capabilities");
	for (int c = 0; c < 64; c++)
		if ((set & (1ull << c)) &&
		    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, c, 0, 0))
			die("raise an ambient capability");
}

int main(int argc, char **argv)
{
	uint64_t caps = 0;
	int prog = 3;
	uid_t uid;
	gid_t gid;

	if (argc < 5) {
		fprintf(stderr, "usage: privrun UID GID [CAP,...] -- PROG [ARG...]\n");
		return 125;
	}
	uid = strtoul(argv[1], NULL, 10);
	gid = strtoul(argv[2], NULL, 10);
	if (strcmp(argv[3], "--")) {
		caps = parse_caps(argv[3]);
		prog = 4;
	}
	if (prog >= argc || strcmp(argv[prog], "--") || prog + 1 >= argc) {
		fprintf(stderr, "privrun: '--' and a program are needed\n");
		return 125;
	}
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0))
		die("PR_SET_KEEPCAPS");
	if (setgroups(0, NULL))
		die("setgroups");
	if (setresgid(gid, gid, gid))
		die("setresgid");
	if (setresuid(uid, uid, uid))
		die("setresuid");
	set_caps(caps);
	execvp(argv[prog + 1], argv + prog + 1);
	die(argv[prog + 1]);
	return 125;
}
