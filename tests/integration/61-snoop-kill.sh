#!/bin/sh
# 61-snoop-kill: a kill(2) of SIGUSR1 to a known target and one to a
# process that does not exist are reported with sender, signal, target and
# result through every mechanism the profile offers; -s filters by signal
# in killsnoop's columns; nothing is left behind.
. "$(dirname "$0")/lib.sh"
K=$HELPERS/snoopkit
NOPID=2147483647	# above any pid_max: ESRCH

for mech in $(profile_mechs); do
	out=$TMPDIR/kill.$mech
	sleep 30 &
	target=$!
	start_sonde "$out" "$out.err" snoop kill --via "$mech" --json || fail "$mech: cannot start"
	set -- $("$K" kill "$target" 10); sender=$2 ret=$4
	[ "$ret" = 0 ] || fail "kill of $target failed: $ret"
	set -- $("$K" kill "$NOPID" 12); sender2=$2 ret2=$4
	nap 1
	stop_sonde INT || fail "$mech: sonde exited with status $?: $(cat "$out.err")"
	wait "$target" 2>/dev/null
	line=$(json_event "$out" pid "$sender")
	[ -n "$line" ] || fail "$mech: kill by $sender not reported: $(cat "$out")"
	got="$(echo "$line" | json_get syscall) $(echo "$line" | json_get signal) $(echo "$line" | json_get signal_name) $(echo "$line" | json_get tpid) $(echo "$line" | json_get result)"
	[ "$got" = "kill 10 SIGUSR1 $target 0" ] || fail "$mech: got '$got': $line"
	line=$(json_event "$out" pid "$sender2")
	got="$(echo "$line" | json_get signal) $(echo "$line" | json_get tpid) $(echo "$line" | json_get result)"
	[ "$got" = "12 $NOPID -3" ] || fail "$mech: failed kill: got '$got': $line"
	# a loaded machine may drop others' events: counted, never silent
	grep -q '"type":"summary","lost":[0-9]*,"lost_exact":[a-z]*}' "$out" || fail "$mech: no summary: $(tail -n 1 "$out")"
	tracefs_clean || fail "$mech: not clean after SIGINT"
	echo "$mech: ok ($(sed -n 's/^Tracing kill via //p' "$out.err"))"
done

# killsnoop -s USR2 -x: text columns, only failed SIGUSR2s.
out=$TMPDIR/s.out
start_sonde "$out" "$TMPDIR/s.err" snoop kill -s USR2 -x || fail "-s: cannot start"
sleep 30 &
victim=$!
set -- $("$K" kill "$NOPID" 10); s10=$2
set -- $("$K" kill "$victim" 12); s12ok=$2
set -- $("$K" kill "$NOPID" 12); s12=$2
nap 1
wait "$victim" 2>/dev/null
stop_sonde TERM || fail "-s: sonde exited with status $?: $(cat "$TMPDIR/s.err")"
head -n 1 "$out" | grep -q '^TIME  *PID  *COMM  *SIG  *TPID  *RESULT$' ||
	fail "-s: header is '$(head -n 1 "$out")'"
awk -v p="$s12" -v t="$NOPID" '$2 == p && $3 == "snoopkit" && $4 == 12 && $5 == t && $6 == -3' "$out" |
	grep -q . || fail "-s: failed SIGUSR2 by $s12 missing: $(cat "$out")"
awk -v a="$s10" -v b="$s12ok" '$2 == a || $2 == b' "$out" | grep -q . &&
	fail "-s -x: other signals or successes shown: $(cat "$out")"
tracefs_clean || fail "not clean after SIGTERM"
exit 0
