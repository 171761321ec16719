/* SPDX-License-Identifier: GPL-2.0 */
/* Reading tracepoint format files (events/<group>/<name>/format). */
#ifndef SONDE_TPFORMAT_H
#define SONDE_TPFORMAT_H

/* Offset of field in event ("sched/sched_process_fork"), or -1. */
int tpformat_field_offset(const char *event, const char *field);

#endif
