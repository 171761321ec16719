/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Files sonde writes outside tracefs (a flame graph, the completion
 * cache) are written to a new temporary file beside the target, made with
 * O_EXCL (mkostemp), then renamed over it: a file or symlink planted at a
 * predictable name is never followed, and no half-written file is left.
 */
#ifndef SONDE_SAFEFILE_H
#define SONDE_SAFEFILE_H

#include <stdio.h>
#include <sys/types.h>

/* Open a new "PATH.XXXXXX" for writing (its name in tmp) with mode less
 * the umask. NULL with errno set. */
FILE *safefile_create(const char *path, mode_t mode, char *tmp, size_t size);

/* Close fp and rename tmp to path; on any failure unlink tmp. 0 or -errno. */
int safefile_commit(FILE *fp, const char *tmp, const char *path);

#endif
