// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>

#include "runloop.h"
#include "sonde.h"
#include "util.h"

int runloop_run(int (*poll)(void *ctx, int timeout_ms), void *ctx,
		double duration_s)
{
	uint64_t end = duration_s > 0 ?
		now_mono_ns() + (uint64_t)(duration_s * 1e9) : 0;

	while (!signals_stop_requested()) {
		int timeout = 100, n;

		if (end) {
			uint64_t now = now_mono_ns();

			if (now >= end)
				break;
			if ((end - now) / 1000000 < (uint64_t)timeout)
				timeout = (end - now) / 1000000 + 1;
		}
		n = poll(ctx, timeout);
		if (fflush(stdout) || ferror(stdout) || stdout_reader_gone())
			break;	/* reader gone (EPIPE): a normal way to stop */
		if (n < 0 && n != -EINTR)
			return n;
	}
	return 0;
}
