// SPDX-License-Identifier: GPL-2.0
/*
 * execburst N PROG TAG    fork N children at once; child i execs
 *                         PROG TAG i. Prints "parent PID" then
 *                         "child PID i" per child, after all have exited.
 * execburst --fail PATH TAG  one child execs PATH (which must not exist)
 *                         with args PATH TAG; prints "child PID -ERRNO".
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int fail = argc > 1 && !strcmp(argv[1], "--fail");
	int n = fail ? 1 : (argc > 1 ? atoi(argv[1]) : 0);
	const char *prog = argc > 2 ? argv[2] : NULL, *tag = argc > 3 ? argv[3] : NULL;
	pid_t *pids;
	int *errs;

	if (n <= 0 || !prog || !tag) {
		fprintf(stderr, "usage: execburst N PROG TAG | --fail PATH TAG\n");
		return 2;
	}
	pids = calloc(n, sizeof(*pids));
	errs = calloc(n, sizeof(*errs));
	for (int i = 0; i < n; i++) {
		int pfd[2];

		if (pipe(pfd))
			return 1;
		pids[i] = fork();
		if (pids[i] < 0) {
			perror("fork");
			return 1;
		}
		if (pids[i] == 0) {
			char num[16];

			snprintf(num, sizeof(num), "%d", i);
			close(pfd[0]);
			if (fail)
				execl(prog, prog, tag, (char *)NULL);
			else
				execl(prog, prog, tag, num, (char *)NULL);
			int e = errno;
			if (write(pfd[1], &e, sizeof(e)) < 0)
				_exit(126);
			_exit(127);
		}
		close(pfd[1]);
		/* Reading the pipe only in fail mode keeps the burst fast. */
		if (fail && read(pfd[0], &errs[i], sizeof(errs[i])) < 0)
			errs[i] = 0;
		close(pfd[0]);
	}
	for (int i = 0; i < n; i++)
		waitpid(pids[i], NULL, 0);
	printf("parent %d\n", getpid());
	for (int i = 0; i < n; i++) {
		if (fail)
			printf("child %d -%d\n", pids[i], errs[i]);
		else
			printf("child %d %d\n", pids[i], i);
	}
	return 0;
}
