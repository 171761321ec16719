// SPDX-License-Identifier: GPL-2.0
/* execsnoop without CO-RE relocations, for kernels without BTF. */
#define SONDE_NO_CORE
#include "execsnoop.bpf.c"
