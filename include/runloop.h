/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SONDE_RUNLOOP_H
#define SONDE_RUNLOOP_H

/*
 * Call poll(ctx, timeout_ms) until a stop signal arrives, duration_s
 * seconds pass (0: no limit), stdout's reader goes away, or poll fails.
 * Standard output is flushed after every round so `| head` and live
 * terminals see events at once. Returns 0, or the failing poll's -errno.
 */
int runloop_run(int (*poll)(void *ctx, int timeout_ms), void *ctx,
		double duration_s);

#endif
