// SPDX-License-Identifier: GPL-2.0
/* Lost tool events, exact or a bound (include/loss.h). */
#include "loss.h"
#include "sonde.h"

struct loss loss_records(uint64_t records_lost)
{
	return (struct loss){ .lost = records_lost, .exact = true };
}

struct loss loss_of(uint64_t records_lost, bool hits_known, uint64_t hits,
		    uint64_t made)
{
	uint64_t missing = hits > made ? hits - made : 0;

	if (!records_lost)
		return (struct loss){ 0, true };
	if (hits_known && missing <= records_lost)
		return (struct loss){ missing, true };
	return (struct loss){ records_lost, false };
}

void loss_json(FILE *f, struct loss l)
{
	fprintf(f, "\"lost\":%llu,\"lost_exact\":%s", (unsigned long long)l.lost,
		l.exact ? "true" : "false");
}

void loss_warn(struct loss l)
{
	if (l.lost)
		warning("%s%llu events lost", l.exact ? "" : "at most ",
			(unsigned long long)l.lost);
}

void loss_report(struct loss l)
{
	if (!g_opts.json) {
		loss_warn(l);
		return;
	}
	printf("{\"type\":\"summary\",");
	loss_json(stdout, l);
	printf("}\n");
}
