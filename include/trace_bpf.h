/* SPDX-License-Identifier: GPL-2.0 */
/* Trace probes compiled for the BPF probe engine (lib/bpfprobe_*). */
#ifndef SONDE_TRACE_BPF_H
#define SONDE_TRACE_BPF_H

#include "bpfprobe.h"
#include "trace_probe.h"

/*
 * Fill spec (and its points, which must hold p->nfuncs or p->nsites
 * entries) for probe p: one value per slot, in slot order, then the
 * task's comm, then -K/-U stack ids when asked. pid > 0 limits user probes to that process. 0, or -EINVAL
 * with one line in err.
 */
int trace_bpf_spec(const struct tprobe *p, int pid, bool kstack, bool ustack,
		   struct bpfprobe_spec *spec, struct bpfprobe_point *points,
		   char *err, size_t errsz);

/*
 * An integer expression of probe p as nodes appended to spec->expr (its
 * slots are values 0..nslots-1, comm is value `comm`; builtins it uses
 * become hidden values). Returns the root node, or -1 when some part
 * cannot run in the kernel. Used for the filter, and by hist for values
 * and keys computed from several slots.
 */
int trace_bpf_node(const struct tprobe *p, const struct expr *e,
		   struct bpfprobe_spec *spec, int comm);

#endif
