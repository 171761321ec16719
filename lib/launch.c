// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "launch.h"
#include "sonde.h"

/*
 * Two pipes: the child blocks reading "go" until the parent closes its
 * end; "report" is close-on-exec in the child, so it reads EOF on a
 * successful exec and an errno on a failed one.
 */
int launch_prepare(struct launch *l, char *const argv[], char *err, size_t errsz)
{
	int go[2], report[2];

	memset(l, 0, sizeof(*l));
	if (pipe2(go, O_CLOEXEC) || pipe2(report, O_CLOEXEC)) {
		snprintf(err, errsz, "pipe: %s", strerror(errno));
		return -errno;
	}
	l->pid = fork();
	if (l->pid < 0) {
		snprintf(err, errsz, "fork: %s", strerror(errno));
		return -errno;
	}
	if (l->pid == 0) {
		char c;
		int e;

		close(go[1]);
		close(report[0]);
		/* sonde's own stop signals must not be inherited as handled */
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		signal(SIGPIPE, SIG_DFL);
		if (read(go[0], &c, 1) < 0)
			_exit(127);
		execvp(argv[0], argv);
		e = errno;
		if (write(report[1], &e, sizeof(e)) < 0)
			_exit(127);
		_exit(127);
	}
	close(go[0]);
	close(report[1]);
	l->go_fd = go[1];
	l->report_fd = report[0];
	return 0;
}

int launch_release(struct launch *l, char *err, size_t errsz)
{
	int e = 0;
	ssize_t n;

	close(l->go_fd);
	l->go_fd = -1;
	n = read(l->report_fd, &e, sizeof(e));
	close(l->report_fd);
	l->report_fd = -1;
	if (n == sizeof(e)) {
		snprintf(err, errsz, "cannot run the command: %s", strerror(e));
		launch_abort(l);
		return -e;
	}
	return 0;
}

bool launch_exited(struct launch *l)
{
	if (!l->exited && l->pid > 0 && waitpid(l->pid, &l->status, WNOHANG) == l->pid)
		l->exited = true;
	return l->exited;
}

void launch_abort(struct launch *l)
{
	if (l->pid <= 0 || l->exited)
		return;
	kill(l->pid, SIGKILL);
	if (waitpid(l->pid, &l->status, 0) == l->pid)
		l->exited = true;
}

int launch_exit_code(const struct launch *l)
{
	if (WIFSIGNALED(l->status))
		return 128 + WTERMSIG(l->status);
	return WIFEXITED(l->status) ? WEXITSTATUS(l->status) : 0;
}

/* PATH lookup as execvp does it, so a command that cannot run fails before
 * any tracing is set up. Returns 0 or an errno. */
static int find_command(const char *cmd)
{
	const char *path = getenv("PATH");
	char buf[4096];
	struct stat st;
	int err = ENOENT;

	if (strchr(cmd, '/')) {
		if (stat(cmd, &st))
			return errno;
		if (S_ISDIR(st.st_mode))
			return EACCES;
		return access(cmd, X_OK) ? errno : 0;
	}
	if (!path)
		path = "/usr/local/bin:/usr/bin:/bin";
	for (const char *p = path; ; ) {
		size_t len = strcspn(p, ":");

		snprintf(buf, sizeof(buf), "%.*s%s%s", (int)len, p, len ? "/" : "", cmd);
		if (!stat(buf, &st) && !S_ISDIR(st.st_mode)) {
			if (!access(buf, X_OK))
				return 0;
			err = EACCES;
		}
		if (!p[len])
			break;
		p += len + 1;
	}
	return err;
}

int launch_check_command(const char *cmd)
{
	int e = find_command(cmd);

	if (!e)
		return 0;
	/* 127 and 126, as shells, env and timeout answer */
	error("cannot run '%s': %s", cmd, strerror(e));
	return e == ENOENT ? 127 : 126;
}

int launch_start(struct launch *l, char *const argv[])
{
	char err[512];
	int status = launch_check_command(argv[0]);

	if (status)
		return status;
	if (launch_prepare(l, argv, err, sizeof(err)))
		return error("%s", err);
	return 0;
}
