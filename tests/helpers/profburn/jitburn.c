// SPDX-License-Identifier: GPL-2.0
/*
 * jitburn SECONDS: burns CPU for SECONDS in code it made at run time, as a
 * JIT compiler does: a count-down loop copied into an anonymous page that
 * is then made executable, named in /tmp/perf-PID.map ("ADDR SIZE
 * sonde_jit_burn", the format perf reads) and called over and over. The
 * map file is removed on exit (SECONDS passed, or SIGTERM).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

/* x86-64: the loop the "compiler" emits */
static const unsigned char loop_code[] = {
	0x48, 0x89, 0xf8,	/* mov %rdi,%rax */
	0x48, 0xff, 0xc8,	/* 1: dec %rax */
	0x75, 0xfb,		/* jnz 1b */
	0xc3,			/* ret */
};

#define CODE_OFFSET 0x100	/* not at the page's start: a real lookup */

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
	stop = 1;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int write_map(const char *path, void *code)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -1;
	/* a neighbour first: the lookup must pick the right entry */
	fprintf(f, "%lx %x sonde_jit_other\n", (unsigned long)code - 0x80, 0x40);
	fprintf(f, "%lx %zx sonde_jit_burn\n", (unsigned long)code,
		sizeof(loop_code));
	return fclose(f);
}

int main(int argc, char **argv)
{
	double end = now() + (argc > 1 ? atof(argv[1]) : 5);
	long page = sysconf(_SC_PAGESIZE);
	char path[64];
	void (*fn)(unsigned long);
	unsigned char *mem;

	mem = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		   -1, 0);
	if (mem == MAP_FAILED) {
		perror("jitburn: mmap");
		return 1;
	}
	memcpy(mem + CODE_OFFSET, loop_code, sizeof(loop_code));
	if (mprotect(mem, page, PROT_READ | PROT_EXEC)) {
		perror("jitburn: mprotect");
		return 1;
	}
	snprintf(path, sizeof(path), "/tmp/perf-%d.map", (int)getpid());
	if (write_map(path, mem + CODE_OFFSET)) {
		perror("jitburn: cannot write the perf map");
		return 1;
	}
	signal(SIGTERM, on_term);
	fn = (void (*)(unsigned long))(mem + CODE_OFFSET);
	while (!stop && now() < end)
		fn(20000000);
	unlink(path);
	return 0;
}
