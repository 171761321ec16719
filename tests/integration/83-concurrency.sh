#!/bin/sh
# timeout: 300
# 83-concurrency: four sondes at once, mixing mechanisms (trace on each
# mechanism the profile has, and hist counting in the kernel), and, where
# perf is installed, perf at the same time with a uprobe of its own (perf
# probe: tracefs's uprobe_events) and a tracepoint counted system-wide.
# Each session traces its own copy of a test program (uprobes are per
# file), and the test runs each copy a different number of times: every
# session must see exactly its own count, perf too, and all must stop
# cleanly and leave nothing behind. Rounds: 3 here, 1 under qemu.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/cleanup-lib.sh"

[ -x "$HELPERS/utarget_static" ] || fail "missing helper utarget_static"
[ "$PROFILE" = host ] && rounds=${ROUNDS:-3} || rounds=${ROUNDS:-1}
bad=0 sessions=0

# four sessions: trace over each mechanism (round robin over those the
# profile has), and hist --count
set -- $(profile_mechs)
m1=$1 m2=${2:-$1} m3=${3:-$1}
perf_ok=
command -v perf >/dev/null 2>&1 && perf_ok=1

for u in a b c d e; do
	cp "$HELPERS/utarget_static" "$TMPDIR/u$u" || fail "cannot copy the test program"
done
# perf's own probe on copy e (group probe_ue), removed at the end
cleanup() {
	for p in $PIDS; do kill -KILL "$p" 2>/dev/null; done
	[ -n "$perf_ok" ] && perf probe -q -d "probe_ue:sondeconc$$" >/dev/null 2>&1
}
trap cleanup EXIT
if [ -n "$perf_ok" ]; then
	perf probe -q -x "$TMPDIR/ue" --add "sondeconc$$=sonde_t_add" >"$TMPDIR/perfprobe" 2>&1 ||
		{ echo "perf probe failed (perf alone, not sonde):"; cat "$TMPDIR/perfprobe"; perf_ok=; }
fi

bpf_mark
r=0
while [ $r -lt "$rounds" ]; do
	r=$((r + 1))
	PIDS=
	start_sonde "$TMPDIR/a.out" "$TMPDIR/a.err" --json --via "$m1" trace "u:$TMPDIR/ua:sonde_t_add" ||
		fail "cannot start session a"
	A=$SPID
	start_sonde "$TMPDIR/b.out" "$TMPDIR/b.err" --json --via "$m2" trace "u:$TMPDIR/ub:sonde_t_add" ||
		fail "cannot start session b"
	B=$SPID
	start_sonde "$TMPDIR/c.out" "$TMPDIR/c.err" --json --via "$m3" trace "u:$TMPDIR/uc:sonde_t_add" ||
		fail "cannot start session c"
	C=$SPID
	start_sonde "$TMPDIR/d.out" "$TMPDIR/d.err" --json hist -C "u:$TMPDIR/ud:sonde_t_add" ||
		fail "cannot start session d"
	D=$SPID
	PIDS="$A $B $C $D"
	sessions=$((sessions + 4))
	if [ -n "$perf_ok" ]; then
		perf stat -x, -e "probe_ue:sondeconc$$" -e sched:sched_process_exec -a \
			-o "$TMPDIR/perf.stat" -- sleep 3 &
		PERF=$!
		nap 0.5
	fi

	# distinct counts per session, runs interleaved
	na=$((11 + r)) nb=$((22 + r)) nc=$((33 + r)) nd=$((44 + r)) ne=$((55 + r))
	for i in 1 2; do
		"$TMPDIR/ua" a "$na" >/dev/null
		"$TMPDIR/ub" b "$nb" >/dev/null
		"$TMPDIR/uc" c "$nc" >/dev/null
		"$TMPDIR/ud" d "$nd" >/dev/null
		"$TMPDIR/ue" e "$ne" >/dev/null
	done
	if [ -n "$perf_ok" ]; then
		wait "$PERF" || { echo "perf stat failed:"; cat "$TMPDIR/perf.stat"; bad=$((bad + 1)); }
		got=$(awk -F, '/probe_ue:sondeconc/ { print $1 }' "$TMPDIR/perf.stat")
		[ "$got" = $((2 * ne)) ] || { echo "perf counted '$got' hits of its probe, expected $((2 * ne)):"; cat "$TMPDIR/perf.stat"; bad=$((bad + 1)); }
		execs=$(awk -F, '/sched_process_exec/ { print $1 }' "$TMPDIR/perf.stat")
		[ "${execs:-0}" -ge 10 ] || { echo "perf counted '$execs' execs, expected at least our 10"; bad=$((bad + 1)); }
	fi
	nap 0.5
	for p in $PIDS; do
		SPID=$p
		stop_sonde INT || { echo "session $p exited with status $?"; bad=$((bad + 1)); }
	done
	PIDS=
	for s in a b c; do
		case $s in a) want=$((2 * na)) pid=$A ;; b) want=$((2 * nb)) pid=$B ;; c) want=$((2 * nc)) pid=$C ;; esac
		got=$(grep -c '"probe":' "$TMPDIR/$s.out")
		others=$(grep '"probe":' "$TMPDIR/$s.out" | grep -vc "/u$s:sonde_t_add")
		if [ "$got" != "$want" ] || [ "$others" != 0 ]; then
			echo "session $s (round $r) saw $got events ($others not its own), expected $want:"
			head -5 "$TMPDIR/$s.err" "$TMPDIR/$s.out" | sed 's/^/    /'
			bad=$((bad + 1))
		fi
		owned_clean "$pid" "session $s" || bad=$((bad + 1))
	done
	got=$(json_get count <"$TMPDIR/d.out")
	if [ "$got" != $((2 * nd)) ]; then
		echo "session d (hist, round $r) counted '$got', expected $((2 * nd)):"
		sed 's/^/    /' "$TMPDIR/d.err" "$TMPDIR/d.out"
		bad=$((bad + 1))
	fi
	owned_clean "$D" "session d" || bad=$((bad + 1))
done
bpf_clean "the concurrent sessions" || bad=$((bad + 1))
[ $bad -eq 0 ] || fail "$bad checks failed"
echo "summary: $sessions sessions in $rounds rounds of four at once (trace via $m1, $m2, $m3; hist)${perf_ok:+, perf probe and perf stat alongside}: each saw exactly its own events, nothing left behind"
