// SPDX-License-Identifier: GPL-2.0
/*
 * snoopkit: the events the snoop tests trace, each reported with the
 * numbers the test then looks for in sonde's output.
 *
 *   snoopkit exit CODE       a child exits with CODE;      "child PID"
 *   snoopkit signal SIG      a child is killed by SIG (sent by this
 *                            process, the child waiting); "child PID"
 *   snoopkit raise SIG       a child sends itself SIG;     "child PID"
 *   snoopkit core SIG        raise, with RLIMIT_CORE as high as allowed (the core
 *                            goes where core_pattern says)
 *                            (all four: "child PID parent PID core 0|1",
 *                            core as the parent's wait status tells)
 *   snoopkit thread CODE     a child whose second thread calls
 *                            exit_group(CODE);             "child PID"
 *   snoopkit kill PID SIG    kill(PID, SIG);               "pid SELF ret R"
 *   snoopkit open PATH [FLAGS...] [+ PATH [FLAGS...]]...
 *                            open(PATH, O_RDONLY|FLAGS) (FLAGS: creat
 *                            trunc wronly rdwr append excl; and openat2:
 *                            through openat2(2), how.flags = the flags,
 *                            how.mode 0644), one after the other; per
 *                            open "pid SELF fd FD errno E flags F"
 *   snoopkit uid UID CMD...  setgid(UID), setuid(UID), then run CMD...
 *   snoopkit linger MS CMD...  run CMD..., then stay MS ms before exiting
 *                            (a tracer reading /proc about it finds it;
 *                            tcp's client too)
 *   snoopkit wait FIFO CMD...  write "PID\n" to FIFO.pid, wait until FIFO
 *                            is opened for writing, then run CMD... (so a
 *                            tracer can start first, filtering on PID)
 *   snoopkit slowfs DIR MIB  in DIR: write MIB MiB to a file, fsync it
 *                            (slow), drop it from the page cache and read
 *                            it back in one read (slow); write a 4 KiB
 *                            file and read it twice (the second read, from
 *                            the cache, fast);
 *                            "pid SELF slow PATH fast PATH"
 *   snoopkit tcp ADDR PORT   listen on ADDR:PORT (127.0.0.1, ::1), a child
 *                            connects, this process accepts; both hold the
 *                            connection a moment;
 *                            "server PID client PID cport PORT"
 *   snoopkit listen ADDR PORT  accept one connection, read it to its end
 *   snoopkit retrans ADDR PORT DROP UNDROP  connect to ADDR:PORT, run the
 *                            shell command DROP, send 1000 bytes, wait 1.5 s
 *                            (the kernel retransmits), run UNDROP, close;
 *                            "pid SELF lport PORT"
 *   snoopkit exec PATH [ARGS...]  become PATH (after wait: a held program)
 *   snoopkit dio FILE BYTES [TIMES]  write BYTES to FILE (made and synced
 *                            first), then read them back with O_DIRECT
 *                            (TIMES times, default once);
 *                            "pid SELF bytes N"
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <linux/openat2.h>
#include <sys/wait.h>
#include <unistd.h>

static int linger_ms;		/* linger MS */

static int usage(void)
{
	fprintf(stderr, "usage: snoopkit exit CODE | signal SIG | raise SIG | core SIG | thread CODE | kill PID SIG | open PATH [FLAGS...] | dio FILE BYTES [TIMES] | slowfs DIR MIB | exec PATH [ARGS...] | tcp ADDR PORT | listen ADDR PORT | retrans ADDR PORT DROP UNDROP\n");
	return 2;
}

static void *group_exit(void *arg)
{
	syscall(SYS_exit_group, (int)(long)arg);
	return NULL;
}

/* Fork; the child runs what, the parent reports and reaps it. */
static int child(const char *what, int n)
{
	struct rlimit no_core = { 0, 0 };
	struct rlimit core;
	int go[2], status = 0;
	pid_t pid;
	char c;

	if (pipe(go))
		return 1;
	pid = fork();
	if (pid < 0)
		return 1;
	if (pid == 0) {
		pthread_t t;

		if (!strcmp(what, "core")) {
			/* as high as allowed: root may raise the hard limit */
			core.rlim_cur = core.rlim_max = RLIM_INFINITY;
			if (setrlimit(RLIMIT_CORE, &core) && !getrlimit(RLIMIT_CORE, &core)) {
				core.rlim_cur = core.rlim_max;
				setrlimit(RLIMIT_CORE, &core);
			}
			what = "raise";
		} else {
			setrlimit(RLIMIT_CORE, &no_core);
		}
		close(go[1]);
		if (read(go[0], &c, 1) < 0)
			_exit(100);
		if (!strcmp(what, "exit"))
			_exit(n);
		if (!strcmp(what, "raise"))
			kill(getpid(), n);
		if (!strcmp(what, "thread") &&
		    !pthread_create(&t, NULL, group_exit, (void *)(long)n))
			pthread_join(t, NULL);
		pause();
		_exit(101);
	}
	close(go[0]);
	if (!strcmp(what, "signal"))
		kill(pid, n);
	close(go[1]);
	waitpid(pid, &status, 0);
	printf("child %d parent %d core %d\n", pid, getpid(),
	       WIFSIGNALED(status) && WCOREDUMP(status) ? 1 : 0);
	return 0;
}

/* open PATH [FLAGS...] [+ PATH [FLAGS...]]...: one line per open */
static int do_open(int argc, char **argv)
{
	for (int i = 2; i < argc; i++) {
		const char *path = argv[i];
		int flags = O_RDONLY, fd;
		bool two = false;

		for (i++; i < argc && strcmp(argv[i], "+"); i++) {
			if (!strcmp(argv[i], "creat"))
				flags |= O_CREAT;
			else if (!strcmp(argv[i], "trunc"))
				flags |= O_TRUNC;
			else if (!strcmp(argv[i], "wronly"))
				flags |= O_WRONLY;
			else if (!strcmp(argv[i], "rdwr"))
				flags |= O_RDWR;
			else if (!strcmp(argv[i], "append"))
				flags |= O_APPEND;
			else if (!strcmp(argv[i], "excl"))
				flags |= O_EXCL;
			else if (!strcmp(argv[i], "openat2"))
				two = true;
			else
				return usage();
		}
		/* openat(AT_FDCWD, ...) is what libc's open() calls */
		if (two) {
			struct open_how how = { .flags = flags,
						.mode = flags & O_CREAT ? 0644 : 0 };

			fd = syscall(SYS_openat2, AT_FDCWD, path, &how, sizeof(how));
		} else {
			fd = open(path, flags, 0644);
		}
		printf("pid %d fd %d errno %d flags %d\n", getpid(), fd,
		       fd < 0 ? errno : 0, flags);
	}
	return 0;
}

/* One direct read of a file written and synced before: one request of
 * BYTES on the disk (ext4 allocates it contiguously). */
static int do_dio(const char *file, size_t bytes, int times)
{
	void *buf;
	ssize_t n = 0;
	int fd;

	if (posix_memalign(&buf, 4096, bytes))
		return 1;
	memset(buf, 'x', bytes);
	fd = open(file, O_CREAT | O_TRUNC | O_WRONLY, 0644);
	if (fd < 0 || write(fd, buf, bytes) != (ssize_t)bytes || fsync(fd) || close(fd)) {
		perror(file);
		return 1;
	}
	fd = open(file, O_RDONLY | O_DIRECT);
	if (fd < 0) {
		perror("O_DIRECT");
		return 1;
	}
	for (int i = 0; i < times && (i == 0 || n == (ssize_t)bytes); i++)
		n = pread(fd, buf, bytes, 0);
	close(fd);
	printf("pid %d bytes %zd\n", getpid(), n);
	return n == (ssize_t)bytes ? 0 : 1;
}

static int wait_for(const char *fifo)
{
	char path[4096], buf[1];
	FILE *f;
	int fd;

	snprintf(path, sizeof(path), "%s.pid", fifo);
	f = fopen(path, "w");
	if (!f || fprintf(f, "%d\n", getpid()) < 0 || fclose(f))
		return 1;
	fd = open(fifo, O_RDONLY);
	if (fd < 0 || read(fd, buf, 1) < 0)
		return 1;
	close(fd);
	return 0;
}

static int do_slowfs(const char *dir, size_t mib)
{
	size_t bytes = mib << 20;
	char slow[4096], fast[4096], *buf = malloc(bytes);
	int fd;

	if (!buf)
		return 1;
	snprintf(slow, sizeof(slow), "%s/sonde-slow-%d", dir, getpid());
	snprintf(fast, sizeof(fast), "%s/sonde-fast-%d", dir, getpid());
	memset(buf, 'y', bytes);
	fd = open(slow, O_CREAT | O_TRUNC | O_RDWR, 0644);
	if (fd < 0 || write(fd, buf, bytes) != (ssize_t)bytes || fsync(fd) ||
	    posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED) ||
	    pread(fd, buf, bytes, 0) != (ssize_t)bytes || close(fd)) {
		perror(slow);
		return 1;
	}
	fd = open(fast, O_CREAT | O_TRUNC | O_RDWR, 0644);
	if (fd < 0 || write(fd, buf, 4096) != 4096 || pread(fd, buf, 4096, 0) != 4096 ||
	    pread(fd, buf, 4096, 0) != 4096 || close(fd)) {
		perror(fast);
		return 1;
	}
	printf("pid %d slow %s fast %s\n", getpid(), slow, fast);
	unlink(slow);
	unlink(fast);
	return 0;
}

/* A socket address from "127.0.0.1" or "::1" and a port. */
static socklen_t sockaddr_of(const char *addr, int port, struct sockaddr_storage *ss)
{
	struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, addr, &a4->sin_addr) == 1) {
		a4->sin_family = AF_INET;
		a4->sin_port = htons(port);
		return sizeof(*a4);
	}
	if (inet_pton(AF_INET6, addr, &a6->sin6_addr) == 1) {
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons(port);
		return sizeof(*a6);
	}
	return 0;
}

static int local_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &len))
		return -1;
	return ntohs(ss.ss_family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
					     : ((struct sockaddr_in6 *)&ss)->sin6_port);
}

static int connect_to(const char *addr, int port)
{
	struct sockaddr_storage ss;
	socklen_t len = sockaddr_of(addr, port, &ss);
	int fd = len ? socket(ss.ss_family, SOCK_STREAM, 0) : -1;

	if (fd < 0 || connect(fd, (struct sockaddr *)&ss, len)) {
		perror("connect");
		return -1;
	}
	return fd;
}

static int listen_on(const char *addr, int port)
{
	struct sockaddr_storage ss;
	socklen_t len = sockaddr_of(addr, port, &ss);
	int fd = len ? socket(ss.ss_family, SOCK_STREAM, 0) : -1, one = 1;

	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(fd, (struct sockaddr *)&ss, len) || listen(fd, 8)) {
		perror("listen");
		return -1;
	}
	return fd;
}

static int do_tcp(const char *addr, int port)
{
	int lfd = listen_on(addr, port), fd, cfd, go[2], back[2], cport = -1;
	pid_t pid;
	char c;

	if (lfd < 0 || pipe(go) || pipe(back))
		return 1;
	pid = fork();
	if (pid == 0) {		/* the client */
		cfd = connect_to(addr, port);
		cport = cfd >= 0 ? local_port(cfd) : -1;
		if (write(back[1], &cport, sizeof(cport)) < 0 || read(go[0], &c, 1) < 0)
			_exit(1);
		usleep(linger_ms * 1000);
		_exit(cfd < 0);
	}
	fd = accept(lfd, NULL, NULL);
	if (fd < 0 || read(back[0], &cport, sizeof(cport)) != sizeof(cport)) {
		perror("accept");
		return 1;
	}
	usleep(200000);
	if (write(go[1], "x", 1) < 0)
		return 1;
	waitpid(pid, NULL, 0);
	printf("server %d client %d cport %d\n", getpid(), pid, cport);
	return 0;
}

static int do_listen(const char *addr, int port)
{
	int lfd = listen_on(addr, port), fd;
	char buf[4096];

	if (lfd < 0 || (fd = accept(lfd, NULL, NULL)) < 0)
		return 1;
	while (read(fd, buf, sizeof(buf)) > 0)
		;
	return 0;
}

static int do_retrans(char **argv)
{
	int fd = connect_to(argv[2], atoi(argv[3])), ret;
	char buf[1000];

	if (fd < 0)
		return 1;
	memset(buf, 'r', sizeof(buf));
	ret = system(argv[4]);
	if (ret || write(fd, buf, sizeof(buf)) != sizeof(buf))
		return 1;
	usleep(1500000);
	ret = system(argv[5]);
	printf("pid %d lport %d\n", getpid(), local_port(fd));
	shutdown(fd, SHUT_WR);
	usleep(300000);
	close(fd);
	return ret != 0;
}

static void linger(void)
{
	fflush(stdout);
	usleep(linger_ms * 1000);
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc > 3 && !strcmp(argv[1], "wait")) {
		if (wait_for(argv[2]))
			return 1;
		argv += 2;
		argc -= 2;
	}
	if (argc > 3 && !strcmp(argv[1], "linger")) {
		linger_ms = atoi(argv[2]);
		atexit(linger);
		argv += 2;
		argc -= 2;
	}
	if (argc > 3 && !strcmp(argv[1], "uid")) {
		int uid = atoi(argv[2]);

		if (setgid(uid) || setuid(uid)) {
			perror("setuid");
			return 1;
		}
		argv += 2;
		argc -= 2;
	}
	if (argc < 3)
		return usage();
	if (!strcmp(argv[1], "exit") || !strcmp(argv[1], "signal") ||
	    !strcmp(argv[1], "raise") || !strcmp(argv[1], "thread") ||
	    !strcmp(argv[1], "core"))
		return child(argv[1], atoi(argv[2]));
	if (!strcmp(argv[1], "kill") && argc == 4) {
		int ret = kill(atoi(argv[2]), atoi(argv[3]));

		printf("pid %d ret %d\n", getpid(), ret < 0 ? -errno : 0);
		return 0;
	}
	if (!strcmp(argv[1], "open"))
		return do_open(argc, argv);
	if (!strcmp(argv[1], "exec")) {
		execv(argv[2], argv + 2);
		perror(argv[2]);
		return 127;
	}
	if (!strcmp(argv[1], "tcp") && argc == 4)
		return do_tcp(argv[2], atoi(argv[3]));
	if (!strcmp(argv[1], "listen") && argc == 4)
		return do_listen(argv[2], atoi(argv[3]));
	if (!strcmp(argv[1], "retrans") && argc == 6)
		return do_retrans(argv);
	if (!strcmp(argv[1], "slowfs") && argc == 4)
		return do_slowfs(argv[2], strtoul(argv[3], NULL, 0));
	if (!strcmp(argv[1], "dio") && (argc == 4 || argc == 5))
		return do_dio(argv[2], strtoul(argv[3], NULL, 0),
			      argc == 5 ? atoi(argv[4]) : 1);
	return usage();
}
