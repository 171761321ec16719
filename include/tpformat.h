/* SPDX-License-Identifier: GPL-2.0 */
/* Reading tracepoint format files (events/<group>/<name>/format). */
#ifndef SONDE_TPFORMAT_H
#define SONDE_TPFORMAT_H

#include <stdbool.h>

/* One "field:TYPE NAME;\toffset:N;\tsize:N;\tsigned:N;" line. */
struct tpformat_field {
	char type[64];		/* "unsigned int", "__data_loc char[]" */
	int offset, size;
	bool is_signed;
};

/* Field of event ("sched/sched_process_fork") from its format file:
 * 0, or -1 when the event or the field is not there. */
int tpformat_field(const char *event, const char *field,
		   struct tpformat_field *out);

/* Offset of field in event ("sched/sched_process_fork"), or -1. */
int tpformat_field_offset(const char *event, const char *field);

#endif
