/*
 * kstate - what sonde may leave in the kernel, for the cleanup tests
 *
 *   kstate owned PID...        tracefs objects named after these pids
 *                              (instance, probe group, synthetic events);
 *                              prints them, exit 1 if any
 *   kstate global              the global tracefs state sonde must never
 *                              change: top-level settings, options, and
 *                              every global event's filter and triggers
 *   kstate bpf-max             the highest BPF prog, map and link ids now
 *   kstate bpf-new P M L [S]   BPF objects newer than those ids that no
 *                              live process holds, waiting up to S seconds
 *                              (default 5) for them to go; prints them,
 *                              exit 1 if any remain
 *
 * "Held" means reachable from a live process: an fd of it (fdinfo
 * prog_id/map_id/link_id), a map a held program uses, a map inside a held
 * map-of-maps, or the program of a held link. Programs of types sonde
 * never loads (cgroup, XDP, ...: other tools attach those without an fd)
 * are not reported, nor maps that such a program uses.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <linux/bpf.h>

static char root[256];

static void find_tracefs(void)
{
	char dev[256], dir[200], type[64];
	FILE *fp = fopen("/proc/mounts", "r");

	while (fp && fscanf(fp, "%255s %199s %63s %*[^\n]", dev, dir, type) == 3) {
		if (!strcmp(type, "tracefs")) {
			snprintf(root, sizeof(root), "%s", dir);
			break;
		}
		if (!strcmp(type, "debugfs") && !root[0])
			snprintf(root, sizeof(root), "%s/tracing", dir);
	}
	if (fp)
		fclose(fp);
}

static int slurp(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n, total = 0;

	buf[0] = '\0';
	if (fd < 0)
		return -1;
	while ((size_t)total < size - 1 && (n = read(fd, buf + total, size - 1 - total)) > 0)
		total += n;
	close(fd);
	buf[total] = '\0';
	return total;
}

/* ---- kstate owned ---- */

static bool group_is(const char *line, const char *group)
{
	const char *colon = strchr(line, ':'), *slash;
	size_t len = strlen(group);

	if (!colon || !(slash = strchr(colon, '/')) || strchr(line, ' ') < colon)
		return false;
	return (size_t)(slash - colon - 1) == len && !strncmp(colon + 1, group, len);
}

static int owned_in_file(const char *file, const char *group, bool synth)
{
	static char text[1 << 20];
	char path[512];
	int found = 0;

	snprintf(path, sizeof(path), "%s/%s", root, file);
	if (slurp(path, text, sizeof(text)) <= 0)
		return 0;
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
		size_t len = strlen(group);
		bool mine = synth ? !strncmp(line, group, len) && line[len] == '_' :
				    group_is(line, group);

		if (mine) {
			printf("%s: %s\n", file, line);
			found++;
		}
	}
	return found;
}

static int cmd_owned(int argc, char **argv)
{
	char group[32], path[512];
	struct stat st;
	int found = 0;

	for (int i = 0; i < argc; i++) {
		snprintf(group, sizeof(group), "sonde_%d", atoi(argv[i]));
		snprintf(path, sizeof(path), "%s/instances/%s", root, group);
		if (!stat(path, &st)) {
			printf("instance %s\n", path);
			found++;
		}
		snprintf(path, sizeof(path), "%s/events/%s", root, group);
		if (!stat(path, &st)) {
			printf("event group %s\n", path);
			found++;
		}
		found += owned_in_file("dynamic_events", group, false);
		snprintf(path, sizeof(path), "%s/dynamic_events", root);
		if (stat(path, &st)) {
			found += owned_in_file("kprobe_events", group, false);
			found += owned_in_file("uprobe_events", group, false);
		}
		found += owned_in_file("synthetic_events", group, true);
	}
	return found ? 1 : 0;
}

/* ---- kstate global ---- */

static void print_file(const char *rel, int max_lines)
{
	static char text[1 << 16];
	char path[512];
	int n = 0;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	if (slurp(path, text, sizeof(text)) < 0)
		return;
	for (char *line = strtok(text, "\n"); line && n < max_lines;
	     line = strtok(NULL, "\n"), n++) {
		/* "7 (expanded: 1408)": before 6.x the kernel expands the
		 * global buffer the first time anything traces, in any
		 * instance; a one-time allocation, not a changed setting */
		char *note = strstr(line, " (expanded: ");

		if (note)
			*note = '\0';
		printf("%s: %s\n", rel, line);
	}
}

/* Global events' filters and triggers that are set (not "none", not the
 * "#" help lines). */
static void print_event_state(void)
{
	char dir[300], path[1024], text[4096];
	struct dirent *sys, *ev;
	DIR *ds, *de;

	snprintf(dir, sizeof(dir), "%s/events", root);
	if (!(ds = opendir(dir)))
		return;
	while ((sys = readdir(ds))) {
		if (sys->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%.300s/%.255s", dir, sys->d_name);
		if (!(de = opendir(path)))
			continue;
		while ((ev = readdir(de))) {
			if (ev->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "%.300s/%.255s/%.255s/filter", dir,
				 sys->d_name, ev->d_name);
			if (slurp(path, text, sizeof(text)) > 0 &&
			    strncmp(text, "none", 4))
				printf("filter %s/%s: %s", sys->d_name, ev->d_name, text);
			snprintf(path, sizeof(path), "%.300s/%.255s/%.255s/trigger", dir,
				 sys->d_name, ev->d_name);
			if (slurp(path, text, sizeof(text)) > 0 && text[0] != '#')
				printf("trigger %s/%s: %s", sys->d_name, ev->d_name, text);
		}
		closedir(de);
	}
	closedir(ds);
}

static int cmd_global(void)
{
	static const char *const files[] = {
		"tracing_on", "current_tracer", "buffer_size_kb", "trace_clock",
		"trace_options", "set_event", "set_event_pid", "set_ftrace_pid",
		"set_ftrace_notrace_pid", "set_event_notrace_pid", "tracing_cpumask",
		"events/enable", "buffer_percent", "tracing_thresh",
	};

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		print_file(files[i], 1000);
	print_file("set_ftrace_filter", 50);
	print_file("set_graph_function", 50);
	print_event_state();
	return 0;
}

/* ---- BPF objects ---- */

enum { PROG, MAP, LINK, NKINDS };
static const char *const kind_names[NKINDS] = { "prog", "map", "link" };
static const int next_cmd[NKINDS] = { BPF_PROG_GET_NEXT_ID, BPF_MAP_GET_NEXT_ID,
				      BPF_LINK_GET_NEXT_ID };
static const int fd_cmd[NKINDS] = { BPF_PROG_GET_FD_BY_ID, BPF_MAP_GET_FD_BY_ID,
				    BPF_LINK_GET_FD_BY_ID };

static long sys_bpf(int cmd, union bpf_attr *attr)
{
	return syscall(SYS_bpf, cmd, attr, sizeof(*attr));
}

static uint32_t next_id(int kind, uint32_t after)
{
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.start_id = after;
	if (sys_bpf(next_cmd[kind], &attr))
		return 0;
	return attr.next_id;
}

static int fd_by_id(int kind, uint32_t id)
{
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	if (kind == PROG)
		attr.prog_id = id;
	else if (kind == MAP)
		attr.map_id = id;
	else
		attr.link_id = id;
	return sys_bpf(fd_cmd[kind], &attr);
}

static int obj_info(int fd, void *info, uint32_t len)
{
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.info.bpf_fd = fd;
	attr.info.info_len = len;
	attr.info.info = (uintptr_t)info;
	return sys_bpf(BPF_OBJ_GET_INFO_BY_FD, &attr);
}

/* A set of ids, small and unsorted. */
struct ids {
	uint32_t *v;
	size_t n, cap;
};

static bool ids_has(const struct ids *s, uint32_t id)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i] == id)
			return true;
	return false;
}

static bool ids_add(struct ids *s, uint32_t id)
{
	if (!id || ids_has(s, id))
		return false;
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 64;
		s->v = realloc(s->v, s->cap * sizeof(*s->v));
		if (!s->v)
			exit(2);
	}
	s->v[s->n++] = id;
	return true;
}

static int cmd_bpf_max(void)
{
	for (int k = 0; k < NKINDS; k++) {
		uint32_t id = 0, last = 0;

		while ((id = next_id(k, id)))
			last = id;
		printf("%s%u", k ? " " : "", last);
	}
	printf("\n");
	return 0;
}

/* Ids in the fdinfo of every live process. */
static void held_by_processes(struct ids held[NKINDS])
{
	static const char *const keys[NKINDS] = { "prog_id:", "map_id:", "link_id:" };
	char path[800], text[4096];
	struct dirent *p, *f;
	DIR *proc, *fds;

	if (!(proc = opendir("/proc")))
		return;
	while ((p = readdir(proc))) {
		if (p->d_name[0] < '1' || p->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/fdinfo", p->d_name);
		if (!(fds = opendir(path)))
			continue;
		while ((f = readdir(fds))) {
			if (f->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "/proc/%s/fdinfo/%s", p->d_name, f->d_name);
			if (slurp(path, text, sizeof(text)) <= 0)
				continue;
			for (int k = 0; k < NKINDS; k++) {
				char *at = strstr(text, keys[k]);

				if (at)
					ids_add(&held[k], strtoul(at + strlen(keys[k]), NULL, 10));
			}
		}
		closedir(fds);
	}
	closedir(proc);
}

static bool prog_type_traces(uint32_t type)
{
	switch (type) {
	case BPF_PROG_TYPE_SOCKET_FILTER:	/* feature probes */
	case BPF_PROG_TYPE_KPROBE:
	case BPF_PROG_TYPE_TRACEPOINT:
	case BPF_PROG_TYPE_PERF_EVENT:
	case BPF_PROG_TYPE_RAW_TRACEPOINT:
	case BPF_PROG_TYPE_TRACING:
		return true;
	}
	return false;
}

/* Maps a program uses; returns its type (or -1). */
static int prog_maps(uint32_t id, struct ids *maps)
{
	struct bpf_prog_info info;
	uint32_t map_ids[64];
	int fd = fd_by_id(PROG, id), type = -1;

	if (fd < 0)
		return -1;
	memset(&info, 0, sizeof(info));
	info.nr_map_ids = 64;
	info.map_ids = (uintptr_t)map_ids;
	if (!obj_info(fd, &info, sizeof(info))) {
		type = info.type;
		for (uint32_t i = 0; i < info.nr_map_ids && i < 64; i++)
			ids_add(maps, map_ids[i]);
	}
	close(fd);
	return type;
}

/* The inner maps of a map of maps (lookups answer their ids). */
static void inner_maps(uint32_t id, struct ids *maps)
{
	struct bpf_map_info info;
	union bpf_attr attr;
	uint32_t key, next, inner;
	int fd = fd_by_id(MAP, id);
	void *prev = NULL;

	if (fd < 0)
		return;
	memset(&info, 0, sizeof(info));
	if (obj_info(fd, &info, sizeof(info)) ||
	    (info.type != BPF_MAP_TYPE_ARRAY_OF_MAPS &&
	     info.type != BPF_MAP_TYPE_HASH_OF_MAPS) || info.key_size != 4) {
		close(fd);
		return;
	}
	for (;;) {
		memset(&attr, 0, sizeof(attr));
		attr.map_fd = fd;
		attr.key = (uintptr_t)prev;
		attr.next_key = (uintptr_t)&next;
		if (sys_bpf(BPF_MAP_GET_NEXT_KEY, &attr))
			break;
		key = next;
		prev = &key;
		memset(&attr, 0, sizeof(attr));
		attr.map_fd = fd;
		attr.key = (uintptr_t)&key;
		attr.value = (uintptr_t)&inner;
		if (!sys_bpf(BPF_MAP_LOOKUP_ELEM, &attr))
			ids_add(maps, inner);
	}
	close(fd);
}

static uint32_t link_prog(uint32_t id)
{
	struct bpf_link_info info;
	int fd = fd_by_id(LINK, id);

	if (fd < 0)
		return 0;
	memset(&info, 0, sizeof(info));
	if (obj_info(fd, &info, sizeof(info)))
		info.prog_id = 0;
	close(fd);
	return info.prog_id;
}

static void describe(int kind, uint32_t id)
{
	union {
		struct bpf_prog_info prog;
		struct bpf_map_info map;
		struct bpf_link_info link;
	} info;
	int fd = fd_by_id(kind, id);

	memset(&info, 0, sizeof(info));
	printf("%s %u held by no live process", kind_names[kind], id);
	if (fd >= 0 && !obj_info(fd, &info, sizeof(info))) {
		if (kind == PROG)
			printf(": type %u name %s", info.prog.type, info.prog.name);
		else if (kind == MAP)
			printf(": type %u name %s", info.map.type, info.map.name);
		else
			printf(": type %u prog %u", info.link.type, info.link.prog_id);
	}
	printf("\n");
	if (fd >= 0)
		close(fd);
}

/* Objects newer than max[] (and not newer than limit[]) that nothing
 * live reaches; prints them when report is set and returns how many. */
static int unheld(const uint32_t max[NKINDS], const uint32_t limit[NKINDS],
		  struct ids first[NKINDS], bool init, bool report)
{
	struct ids held[NKINDS] = { 0 }, fresh[NKINDS] = { 0 }, foreign = { 0 };
	int left = 0;

	held_by_processes(held);
	for (int k = 0; k < NKINDS; k++)
		for (uint32_t id = max[k]; (id = next_id(k, id)) && id <= limit[k];)
			ids_add(&fresh[k], id);
	/* closure: links -> programs -> maps -> inner maps */
	for (size_t i = 0; i < held[LINK].n; i++)
		ids_add(&held[PROG], link_prog(held[LINK].v[i]));
	for (size_t i = 0; i < fresh[PROG].n; i++) {
		struct ids maps = { 0 };
		int type = prog_maps(fresh[PROG].v[i], &maps);

		/* another tool's program: its maps are its own too */
		if (type >= 0 && !prog_type_traces(type)) {
			ids_add(&foreign, fresh[PROG].v[i]);
			for (size_t j = 0; j < maps.n; j++)
				ids_add(&held[MAP], maps.v[j]);
		}
		free(maps.v);
	}
	for (size_t i = 0; i < held[PROG].n; i++)
		prog_maps(held[PROG].v[i], &held[MAP]);
	for (size_t i = 0; i < held[MAP].n; i++)
		inner_maps(held[MAP].v[i], &held[MAP]);
	for (int k = 0; k < NKINDS; k++)
		for (size_t i = 0; i < fresh[k].n; i++) {
			uint32_t id = fresh[k].v[i];

			if (ids_has(&held[k], id) || (k == PROG && ids_has(&foreign, id)))
				continue;
			/* unheld from the first look on, or it was a live
			 * process's that exited meanwhile */
			if (init)
				ids_add(&first[k], id);
			else if (!ids_has(&first[k], id))
				continue;
			left++;
			if (report)
				describe(k, id);
		}
	for (int k = 0; k < NKINDS; k++) {
		free(held[k].v);
		free(fresh[k].v);
	}
	free(foreign.v);
	return left;
}

static int cmd_bpf_new(int argc, char **argv)
{
	uint32_t max[NKINDS], limit[NKINDS];
	struct ids first[NKINDS] = { 0 };
	double wait = argc > 3 ? atof(argv[3]) : 5;
	struct timespec step = { 0, 100 * 1000 * 1000 };

	if (argc < 3) {
		fprintf(stderr, "usage: kstate bpf-new PROG MAP LINK [SECONDS]\n");
		return 2;
	}
	for (int k = 0; k < NKINDS; k++) {
		uint32_t id = 0;

		max[k] = strtoul(argv[k], NULL, 10);
		/* what others make from now on is not the test's */
		for (limit[k] = max[k]; (id = next_id(k, id));)
			limit[k] = id > limit[k] ? id : limit[k];
	}
	/* objects go a moment after their last fd (RCU, work queues); only
	 * those unheld at the first look are the test's */
	if (!unheld(max, limit, first, true, false))
		return 0;
	for (double t = 0; t < wait && unheld(max, limit, first, false, false); t += 0.1)
		nanosleep(&step, NULL);
	return unheld(max, limit, first, false, true) ? 1 : 0;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: kstate owned PID... | global | bpf-max | bpf-new P M L [S]\n");
		return 2;
	}
	find_tracefs();
	if (!strcmp(argv[1], "owned"))
		return cmd_owned(argc - 2, argv + 2);
	if (!strcmp(argv[1], "global"))
		return cmd_global();
	if (!strcmp(argv[1], "bpf-max"))
		return cmd_bpf_max();
	if (!strcmp(argv[1], "bpf-new"))
		return cmd_bpf_new(argc - 2, argv + 2);
	fprintf(stderr, "kstate: unknown command '%s'\n", argv[1]);
	return 2;
}
