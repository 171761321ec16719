// SPDX-License-Identifier: GPL-2.0
/*
 * sysprog: makes a known sequence of system calls, for tests of
 * `sonde trace --syscalls`. Every call goes through syscall(2), so the
 * C library cannot change which one the kernel sees.
 *
 *   sysprog [-n N] [-x CODE] [-w] [-f] TAG
 *     openat(CWD, "/nonexistent/sonde-sysprog-TAG", RDONLY)     = -1 ENOENT
 *     openat(CWD, "$TMPDIR/sonde-sysprog-TAG.dat", WRONLY|CREAT|TRUNC|CLOEXEC, 0600) = 3
 *     write(3, "sonde-sysprog-data\n", 19)                        = 19
 *     close(3)
 *     openat(CWD, "$TMPDIR/sonde-sysprog-TAG.dat", RDONLY)       = 3
 *     read(3, ..., 100)                                           = 19
 *     close(3)
 *     openat(CWD, "/dev/null", WRONLY)                            = 3
 *     write(3, "hello from sysprog TAG\n", ...)
 *     close(3)
 *     getppid() N times (default 100)
 *     nanosleep(10 ms)
 *     unlink("$TMPDIR/sonde-sysprog-TAG.dat")
 *     exit_group(CODE)
 *   -w  first print "pid N" and wait for SIGUSR1 (for sonde -p)
 *   -f  also fork a child that opens "/nonexistent/sonde-sysprog-TAG-child"
 *
 *   sysprog -b N   benchmark: N getppid calls; prints ns per call
 *   sysprog -B N   benchmark: N openat("/dev/null") + close; ns per pair
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char data[] = "sonde-sysprog-data\n";

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

static int bench(long n, int open_close)
{
	long long t0 = now_ns(), t1;

	for (long i = 0; i < n; i++) {
		if (open_close) {
			long fd = syscall(SYS_openat, AT_FDCWD, "/dev/null", O_RDONLY);

			syscall(SYS_close, fd);
		} else {
			syscall(SYS_getppid);
		}
	}
	t1 = now_ns();
	fprintf(stderr, "%.1f ns per %s\n", (double)(t1 - t0) / n,
	       open_close ? "openat+close" : "getppid");
	return 0;
}

int main(int argc, char **argv)
{
	const char *tmp = getenv("TMPDIR");
	char path[512], missing[512], hello[256], buf[100];
	int n = 100, code = 0, wait_sig = 0, do_fork = 0, linger = 0, c;
	struct timespec ten_ms = { 0, 10000000 };
	pid_t child = 0;
	long fd;

	while ((c = getopt(argc, argv, "n:x:wfS:b:B:")) != -1) {
		switch (c) {
		case 'n': n = atoi(optarg); break;
		case 'x': code = atoi(optarg); break;
		case 'w': wait_sig = 1; break;
		case 'f': do_fork = 1; break;
		case 'S': linger = atoi(optarg); break;
		case 'b': return bench(atol(optarg), 0);
		case 'B': return bench(atol(optarg), 1);
		default:
			fprintf(stderr, "usage: sysprog [-n N] [-x CODE] [-w] [-f] [-S SECS] TAG | -b N | -B N\n");
			return 2;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "sysprog: a TAG is needed\n");
		return 2;
	}
	if (!tmp || !*tmp)
		tmp = "/tmp";
	snprintf(path, sizeof(path), "%s/sonde-sysprog-%s.dat", tmp, argv[optind]);
	snprintf(missing, sizeof(missing), "/nonexistent/sonde-sysprog-%s", argv[optind]);
	snprintf(hello, sizeof(hello), "hello from sysprog %s\n", argv[optind]);

	if (wait_sig) {
		sigset_t set;
		int sig;

		sigemptyset(&set);
		sigaddset(&set, SIGUSR1);
		sigprocmask(SIG_BLOCK, &set, NULL);
		printf("pid %d\n", getpid());
		fflush(stdout);
		sigwait(&set, &sig);
	}
	if (do_fork) {
		child = fork();
		if (child == 0) {
			strcat(missing, "-child");
			syscall(SYS_openat, AT_FDCWD, missing, O_RDONLY);
			_exit(0);
		}
	}

	syscall(SYS_openat, AT_FDCWD, missing, O_RDONLY);

	fd = syscall(SYS_openat, AT_FDCWD, path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return 1;
	syscall(SYS_write, fd, data, sizeof(data) - 1);
	syscall(SYS_close, fd);

	fd = syscall(SYS_openat, AT_FDCWD, path, O_RDONLY);
	if (fd < 0)
		return 1;
	syscall(SYS_read, fd, buf, sizeof(buf));
	syscall(SYS_close, fd);

	fd = syscall(SYS_openat, AT_FDCWD, "/dev/null", O_WRONLY);
	syscall(SYS_write, fd, hello, strlen(hello));
	syscall(SYS_close, fd);

	for (int i = 0; i < n; i++)
		syscall(SYS_getppid);
	syscall(SYS_nanosleep, &ten_ms, NULL);
	syscall(SYS_unlink, path);
	/* -S: alive a while after its calls (a tracer must show them now) */
	if (linger)
		sleep(linger);
	if (child > 0)
		waitpid(child, NULL, 0);
	syscall(SYS_exit_group, code);
	return code;
}
