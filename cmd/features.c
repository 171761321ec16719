// SPDX-License-Identifier: GPL-2.0
/* placeholder until the real command lands (same session) */
#include "cmds.h"
#include "sonde.h"
int cmd_features(int argc, char **argv) { return error("not built yet"); }
