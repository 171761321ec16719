/* SPDX-License-Identifier: GPL-2.0 */
/* Probe names for shell completion: `sonde --complete WORD [BINARY]`. */
#ifndef SONDE_COMPLETE_H
#define SONDE_COMPLETE_H

#include <stdio.h>

/*
 * Print to out, one per line, the probe names that continue word:
 * probe heads ("t:", "u:"...), tracepoints ("t:sched:sched_switch"),
 * kernel functions ("p:tcp_connect", bare "tcp_connect"), paths and
 * functions of binaries ("u:/bin/bash:readline"), USDT probes
 * ("U:/bin/x:prov:name"). With binary (perf probe -x), word is a
 * function of it. Returns 0.
 */
int complete_probe(const char *word, const char *binary, FILE *out);

#endif
