// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fault.h"
#include "util.h"

int read_text_file(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n, total = 0;

	if (fd < 0)
		return -errno;
	while ((size_t)total < size - 1) {
		n = read(fd, buf + total, size - 1 - total);
		if (n < 0) {
			int err = -errno;
			close(fd);
			return err;
		}
		if (n == 0)
			break;
		total += n;
	}
	close(fd);
	buf[total] = '\0';
	while (total > 0 && buf[total - 1] == '\n')
		buf[--total] = '\0';
	return total;
}

int read_int_file(const char *path, long long *out)
{
	char buf[64], *end;
	int n = read_text_file(path, buf, sizeof(buf));

	if (n < 0)
		return n;
	errno = 0;
	*out = strtoll(buf, &end, 0);
	if (errno || end == buf)
		return -EINVAL;
	return 0;
}

int write_text_file(const char *path, const char *text, bool append)
{
	/* removals ("-:grp/name", "!trigger") are undo steps: never failed */
	int err = text[0] == '-' || text[0] == '!' ? 0 : fault_inject(FAULT_TRACEFS);
	int fd = err ? -1 : open(path, O_WRONLY | O_CLOEXEC | (append ? O_APPEND : O_TRUNC));
	size_t len = strlen(text);
	ssize_t n;

	if (err)
		return err;
	if (fd < 0)
		return -errno;
	n = write(fd, text, len);
	if (n < 0) {
		int err = -errno;
		close(fd);
		return err;
	}
	close(fd);
	return (size_t)n == len ? 0 : -EIO;
}

void errf(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

size_t strarena_add(struct strarena *a, const char *s, size_t n)
{
	size_t off;

	if (a->len + n + 1 > a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 1 << 16;
		char *nb;

		while (cap < a->len + n + 1)
			cap *= 2;
		nb = realloc(a->buf, cap);
		if (!nb)
			return (size_t)-1;
		a->buf = nb;
		a->cap = cap;
	}
	off = a->len;
	memcpy(a->buf + off, s, n);
	a->buf[off + n] = '\0';
	a->len += n + 1;
	return off;
}

int edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	int prev[64], cur[64];

	if (lb >= ARRAY_SIZE(prev))
		return 99;
	for (size_t j = 0; j <= lb; j++)
		prev[j] = j;
	for (size_t i = 1; i <= la; i++) {
		cur[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			int sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
			int del = prev[j] + 1, ins = cur[j - 1] + 1;
			cur[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
		}
		memcpy(prev, cur, sizeof(int) * (lb + 1));
	}
	return prev[lb];
}

void json_print_mem(FILE *fp, const char *s, size_t len)
{
	fputc('"', fp);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = s[i];

		switch (c) {
		case '"': fputs("\\\"", fp); break;
		case '\\': fputs("\\\\", fp); break;
		case '\n': fputs("\\n", fp); break;
		case '\t': fputs("\\t", fp); break;
		case '\r': fputs("\\r", fp); break;
		default:
			/* Control bytes and bytes that are not UTF-8 from the
			 * traced program are escaped so the line stays valid. */
			if (c < 0x20 || c >= 0x7f)
				fprintf(fp, "\\u%04x", c);
			else
				fputc(c, fp);
		}
	}
	fputc('"', fp);
}

void json_print_string(FILE *fp, const char *s)
{
	json_print_mem(fp, s ? s : "", s ? strlen(s) : 0);
}

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

uint64_t now_mono_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

uint64_t now_real_ns(void)
{
	return clock_ns(CLOCK_REALTIME);
}

uint64_t mono_to_real_ns(uint64_t mono_ns)
{
	static int64_t offset;

	if (!offset)
		offset = (int64_t)now_real_ns() - (int64_t)now_mono_ns();
	return mono_ns + offset;
}

char *hex_text(const uint8_t *bytes, size_t n, char *buf, size_t size)
{
	size_t k = 0;

	for (size_t i = 0; i < n && k + 3 <= size; i++)
		k += snprintf(buf + k, size - k, "%02x", bytes[i]);
	if (size)
		buf[k < size ? k : size - 1] = '\0';
	return buf;
}

bool stdout_reader_gone(void)
{
	struct pollfd p = { .fd = STDOUT_FILENO };

	return poll(&p, 1, 0) == 1 && (p.revents & (POLLERR | POLLHUP));
}
