// SPDX-License-Identifier: GPL-2.0
/* Temporary files made with O_EXCL, renamed into place (safefile.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "safefile.h"

FILE *safefile_create(const char *path, mode_t mode, char *tmp, size_t size)
{
	mode_t mask;
	FILE *fp;
	int fd;

	if ((size_t)snprintf(tmp, size, "%s.XXXXXX", path) >= size) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	fd = mkostemp(tmp, O_CLOEXEC);	/* O_CREAT | O_EXCL, mode 0600 */
	if (fd < 0)
		return NULL;
	mask = umask(0);
	umask(mask);
	if (fchmod(fd, mode & ~mask) || !(fp = fdopen(fd, "w"))) {
		int err = errno;

		close(fd);
		unlink(tmp);
		errno = err;
		return NULL;
	}
	return fp;
}

int safefile_commit(FILE *fp, const char *tmp, const char *path)
{
	int bad = ferror(fp);
	int ret = 0;

	if (fclose(fp) || bad)
		ret = -(errno ? errno : EIO);
	else if (rename(tmp, path))
		ret = -errno;
	if (ret)
		unlink(tmp);
	return ret;
}
