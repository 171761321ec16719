/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A flame graph written by sonde itself: one self-contained SVG file (no
 * external script, style sheet or font) in the manner of Brendan Gregg's
 * FlameGraph — a box per frame, as wide as its share of the total, callers
 * below callees, the process names on the base. User frames are drawn in
 * warm colours, kernel frames in cool ones. The embedded script gives
 * tooltips and a details line on hover, zoom on click (the base or "Reset
 * Zoom" zooms out) and a regular-expression search that highlights the
 * matching frames and says their share.
 */
#ifndef SONDE_FLAMEGRAPH_H
#define SONDE_FLAMEGRAPH_H

#include <stdio.h>

#include "stackagg.h"

struct flamegraph_opts {
	const char *title;	/* "On-CPU stacks" */
	const char *unit;	/* what the values count: "samples", "us" */
	int width;		/* pixels, 0: 1200 */
};

/* Write agg (resolved) as an SVG to fp; 0, or -errno on a write error. */
int flamegraph_write(FILE *fp, const struct stackagg *agg,
		     const struct stack_print_opts *po,
		     const struct flamegraph_opts *fo);

/* Text with XML's five special characters escaped and anything that is
 * not printable UTF-8 replaced by '?'. */
void flamegraph_xml_text(FILE *fp, const char *s);

#endif
