// SPDX-License-Identifier: GPL-2.0
/* Minimal ELF reading: program headers only, no libelf needed. */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "elf_util.h"

static int read_at(int fd, void *buf, size_t len, off_t off)
{
	return pread(fd, buf, len, off) == (ssize_t)len ? 0 : -EIO;
}

/* Calls fn for each program header until it returns non-zero. */
static int for_each_phdr(const char *path, Elf64_Ehdr *eh,
			 int (*fn)(const Elf64_Phdr *ph, void *ctx), void *ctx)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), ret = -ENOENT;
	Elf64_Phdr ph;

	if (fd < 0)
		return -errno;
	if (read_at(fd, eh, sizeof(*eh), 0) || memcmp(eh->e_ident, ELFMAG, SELFMAG) ||
	    eh->e_ident[EI_CLASS] != ELFCLASS64) {
		close(fd);
		return -ENOEXEC;
	}
	for (int i = 0; i < eh->e_phnum; i++) {
		if (read_at(fd, &ph, sizeof(ph), eh->e_phoff + (off_t)i * eh->e_phentsize))
			break;
		if (fn(&ph, ctx)) {
			ret = 0;
			break;
		}
	}
	close(fd);
	return ret;
}

struct vaddr_query {
	uint64_t vaddr, off;
};

static int match_load(const Elf64_Phdr *ph, void *ctx)
{
	struct vaddr_query *q = ctx;

	if (ph->p_type != PT_LOAD || q->vaddr < ph->p_vaddr ||
	    q->vaddr >= ph->p_vaddr + ph->p_filesz)
		return 0;
	q->off = q->vaddr - ph->p_vaddr + ph->p_offset;
	return 1;
}

int elf_vaddr_to_offset(const char *path, uint64_t vaddr, uint64_t *off)
{
	struct vaddr_query q = { .vaddr = vaddr };
	Elf64_Ehdr eh;
	int ret = for_each_phdr(path, &eh, match_load, &q);

	if (!ret)
		*off = q.off;
	return ret;
}

static int never(const Elf64_Phdr *ph, void *ctx)
{
	return 0;
}

int elf_entry_offset(const char *path, uint64_t *off)
{
	Elf64_Ehdr eh;
	int ret = for_each_phdr(path, &eh, never, NULL);

	if (ret && ret != -ENOENT)
		return ret;
	return elf_vaddr_to_offset(path, eh.e_entry, off);
}

const char *elf_system_interpreter(void)
{
	static char path[PATH_MAX];
	static const char *const candidates[] = {
		"/lib64/ld-linux-x86-64.so.2",
		"/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2",
		"/lib/ld-musl-x86_64.so.1",
	};

	for (size_t i = 0; i < sizeof(candidates) / sizeof(candidates[0]); i++)
		if (realpath(candidates[i], path))
			return path;
	return NULL;
}
