// SPDX-License-Identifier: GPL-2.0
/* lib/loss.c: tool events lost from the records lost and the hits of the
 * record that defines an event. */
#include "loss.h"
#include "unit.h"

TEST(loss_nothing_lost_is_exact)
{
	struct loss l = loss_of(0, false, 0, 0);

	CHECK_INT(l.lost, 0);
	CHECK(l.exact);
}

TEST(loss_hits_minus_made)
{
	/* 100 exits counted, 60 calls made: 40 lost, 70 records dropped */
	struct loss l = loss_of(70, true, 100, 60);

	CHECK_INT(l.lost, 40);
	CHECK(l.exact);
}

TEST(loss_more_made_than_counted_is_none)
{
	struct loss l = loss_of(3, true, 10, 12);

	CHECK_INT(l.lost, 0);
	CHECK(l.exact);
}

TEST(loss_unexplained_by_records_is_a_bound)
{
	/* calls under way at the start: exits without entries */
	struct loss l = loss_of(2, true, 100, 90);

	CHECK_INT(l.lost, 2);
	CHECK(!l.exact);
	l = loss_of(5, false, 0, 0);
	CHECK_INT(l.lost, 5);
	CHECK(!l.exact);
	l = loss_records(5);
	CHECK(l.exact);
}
