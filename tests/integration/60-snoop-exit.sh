#!/bin/sh
# 60-snoop-exit: exits the test causes (status 3 and 0, killed by SIGTERM,
# by its own SIGSEGV, exit_group(7) from a second thread, by its own SIGABRT
# with cores allowed) are reported with the right PID, PPID and status or
# signal through every mechanism the profile offers, "core" as the parent's
# wait status says (the core goes where core_pattern says: a file in the
# test's directory, or a pipe helper); -x shows only failures in exitsnoop's columns; nothing is
# left behind.
. "$(dirname "$0")/lib.sh"
K=$HELPERS/snoopkit

# check OUT MECH PID PPID STATUS SIGNAL: PID's exit is there, exactly once
check() {
	line=$(json_event "$1" tid "$3" | grep "\"pid\":$3,")
	[ -n "$line" ] || fail "$2: exit of $3 not reported: $(cat "$1")"
	[ "$(echo "$line" | wc -l)" -eq 1 ] || fail "$2: exit of $3 reported twice"
	got="$(echo "$line" | json_get ppid) $(echo "$line" | json_get exit_status) $(echo "$line" | json_get signal)"
	[ "$got" = "$4 $5 $6" ] || fail "$2: pid $3: ppid/status/signal '$got', want '$4 $5 $6': $line"
}

for mech in $(profile_mechs); do
	out=$TMPDIR/exit.$mech
	start_sonde "$out" "$out.err" snoop exit --via "$mech" --json || fail "$mech: cannot start"
	set -- $("$K" exit 3); c3=$2 parent=$4
	set -- $("$K" exit 0); c0=$2 p0=$4
	set -- $("$K" signal 15); cterm=$2 pterm=$4
	set -- $("$K" raise 11); csegv=$2 psegv=$4 segvcore=$6
	set -- $("$K" thread 7); cthr=$2 pthr=$4
	set -- $(cd "$TMPDIR" && "$K" core 6); cabrt=$2 pabrt=$4 core=$6
	rm -f "$TMPDIR"/core*
	nap 1
	stop_sonde INT || fail "$mech: sonde exited with status $?: $(cat "$out.err")"
	check "$out" "$mech" "$c3" "$parent" 3 null
	check "$out" "$mech" "$c0" "$p0" 0 null
	check "$out" "$mech" "$cterm" "$pterm" null 15
	check "$out" "$mech" "$csegv" "$psegv" null 11
	check "$out" "$mech" "$cthr" "$pthr" 7 null
	check "$out" "$mech" "$cabrt" "$pabrt" null 6
	want="false signal 6 (ABRT)"
	[ "$core" = 1 ] && want="true signal 6 (ABRT), core dumped"
	line=$(json_event "$out" tid "$cabrt")
	got="$(echo "$line" | json_get core) $(echo "$line" | json_get exit_code)"
	[ "$got" = "$want" ] ||
		fail "$mech: SIGABRT of $cabrt: '$got', want '$want' (core_pattern '$(cat /proc/sys/kernel/core_pattern)'): $line"
	[ "$core" = 1 ] || echo "$mech: note: no core dumped here (core_pattern '$(cat /proc/sys/kernel/core_pattern)'): core false checked"
	# a signal that dumps core, with no core allowed: false
	line=$(json_event "$out" tid "$csegv")
	[ "$(echo "$line" | json_get core)" = false ] || [ "$segvcore" = 1 ] ||
		fail "$mech: SIGSEGV of $csegv without core limit says core: $line"
	# a loaded machine may drop others' events: counted, never silent
	grep -q '"type":"summary","lost":[0-9]*,"lost_exact":[a-z]*}' "$out" || fail "$mech: no summary: $(tail -n 1 "$out")"
	tracefs_clean || fail "$mech: not clean after SIGINT"
	echo "$mech: ok ($(sed -n 's/^Tracing exit via //p' "$out.err"))"
done

# exitsnoop -x: text columns, failures only.
out=$TMPDIR/x.out
start_sonde "$out" "$TMPDIR/x.err" snoop exit -x || fail "-x: cannot start"
set -- $("$K" exit 0); c0=$2
set -- $("$K" exit 5); c5=$2 parent=$4
set -- $("$K" signal 9); ckill=$2
nap 1
stop_sonde TERM || fail "-x: sonde exited with status $?: $(cat "$TMPDIR/x.err")"
head -n 1 "$out" | grep -q '^PCOMM  *PID  *PPID  *TID  *AGE(s)  *EXIT_CODE$' ||
	fail "-x: header is '$(head -n 1 "$out")'"
awk -v p="$c5" -v pp="$parent" '$2 == p && $3 == pp && $4 == p && $6 == "code" && $7 == 5' "$out" |
	grep -q . || fail "-x: exit 5 of $c5 missing: $(cat "$out")"
awk -v p="$ckill" '$2 == p && $6 == "signal" && $7 == 9 && $8 == "(KILL)"' "$out" |
	grep -q . || fail "-x: SIGKILL of $ckill missing: $(cat "$out")"
awk -v p="$c0" '$2 == p' "$out" | grep -q . && fail "-x: exit 0 of $c0 shown"
tracefs_clean || fail "not clean after SIGTERM"
exit 0
