#!/bin/sh
# timeout: 400
# 84-loss: under an event storm beyond the buffers' capacity (the
# smallest --buffer-size, 4K per CPU), every streaming command says how
# many events the kernel dropped, in text ("N events lost") and in JSON
# ("lost" in the summary), from the kernel's own counters (BPF ring buffer
# reservations that failed, perf's lost records and per-event hit counts,
# tracefs per-CPU overrun and dropped events). The test causes the storm
# itself and counts it:
#  - where one record is one event and only the test's events are
#    recorded (a uprobe on the test's program; syscalls of one pid over
#    BPF, which pairs entry and exit in the kernel), delivered + lost must
#    equal caused, exactly;
#  - where an event is two records (snoop open, syscalls over tracefs and
#    perf: entry and exit), sonde counts events, not records, from the
#    hits the kernel counted of the exit (perf's counters; on tracefs a
#    counting perf event on the same tracepoint): where it says so
#    ("lost_exact":true, text without "at most"), delivered + lost must
#    equal caused, exactly (snoop open: -p of a storm gated to start
#    after sonde, -x so only its failing opens count); where it says
#    "at most", the bound below;
#  - snoop kill -p, as snoop open (its -s is applied in user space, so
#    every exit the kernel counts pairs with an entry sonde saw or lost);
#    both exact over BPF too on the ring buffer (each probe's failed
#    outputs counted apart: the exit's hits are delivered + failed);
#  - snoop exec -u over BPF: the uid filter is in the kernel and the
#    program counts each exec record it could not hand over: exact, with
#    the storm run as that user;
#  - snoop kill and exec (other processes' events share the buffer: the
#    tools filter by signal or name), no event may vanish unaccounted:
#    delivered <= caused <= delivered + lost (a lost record, entry or
#    exit, costs at most one event).
# Most storms must overflow (one the reader kept up with must deliver all).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/cleanup-lib.sh"

storm=$HELPERS/storm
[ -x "$storm" ] || fail "missing helper $storm"
[ "$PROFILE" = host ] && n=${STORM:-40000} || n=${STORM:-10000}
bad=0 storms=0 overflowed=0

# lost_of: the count in the summary (JSON) or the warning (text), 0 when
# sonde said nothing; exact_of: 1 when sonde says the count is exact
lost_of() {
	if [ "$json" = 1 ]; then
		json_get lost <"$TMPDIR/out" | tail -n 1
	else
		sed -n 's/.*warning: \(at most \)\{0,1\}\([0-9]*\) events lost.*/\2/p' "$TMPDIR/err" | tail -n 1
	fi
}
exact_of() {
	if [ "$json" = 1 ]; then
		[ "$(json_get lost_exact <"$TMPDIR/out" | tail -n 1)" = true ]
	else
		! grep -q 'warning: at most [0-9]* events lost' "$TMPDIR/err"
	fi && echo 1 || echo 0
}

# storm_gated KIND N MECH ARGS...: the storm's pid is known before it
# starts (sonde ARGS -p PID is started first), and it starts after sonde
# is ready; sets D (its lines), L and X (1: L is exact)
storm_gated() {
	kind=$1 cnt=$2 mech=$3
	shift 3
	if [ "$json" = 1 ]; then set -- --json "$@"; fi
	rm -f "$TMPDIR/gate"
	mkfifo "$TMPDIR/gate" || fail "cannot make a fifo in $TMPDIR"
	sh -c 'read go; exec "$0" "$1" "$2"' "$storm" "$kind" "$cnt" <"$TMPDIR/gate" &
	storm_pid=$!
	start_sonde "$TMPDIR/out" "$TMPDIR/err" --via "$mech" --buffer-size 4K "$@" \
		-p "$storm_pid" || fail "cannot start sonde $*"
	echo go >"$TMPDIR/gate"
	wait $storm_pid
	nap 1
	stop_sonde INT >/dev/null 2>&1
	D=$(grep -c -e "\"pid\":$storm_pid,\|^\(.* \)\?$storm_pid " "$TMPDIR/out")
	L=$(lost_of)
	L=${L:-0}
	X=$(exact_of)
	storms=$((storms + 1))
	owned_clean "$SPID" "the storm" || bad=$((bad + 1))
}

# storm_under KIND N MATCH MECH ARGS...: start sonde ARGS, cause the
# storm, stop sonde; sets D (delivered events: lines of the storm's pid)
# and L (lost). With ARGS ending in "--", sonde runs the storm itself
# (D: lines with MATCH).
storm_under() {
	kind=$1 cnt=$2 match=$3 mech=$4
	shift 4
	if [ "$json" = 1 ]; then set -- --json "$@"; fi
	last=$(eval echo "\${$#}")
	if [ "$last" = -- ]; then
		"$SONDE" --via "$mech" --buffer-size 4K "$@" "$storm" "$kind" "$cnt" \
			>"$TMPDIR/out" 2>"$TMPDIR/err" </dev/null &
		SPID=$!
		wait $SPID
	else
		start_sonde "$TMPDIR/out" "$TMPDIR/err" --via "$mech" --buffer-size 4K "$@" ||
			fail "cannot start sonde $*"
		$STORM_AS "$storm" "$kind" "$cnt" &
		storm_pid=$!
		wait $storm_pid
		nap 1
		stop_sonde INT >/dev/null 2>&1
		# the storm's own lines: other processes may have the same name
		match="\"pid\":$storm_pid,\|^\(.* \)\?$storm_pid "
	fi
	D=$(grep -e "$match" "$TMPDIR/out" | grep -vc '"type":"summary"')
	L=$(lost_of)
	L=${L:-0}
	X=$(exact_of)
	storms=$((storms + 1))
	owned_clean "$SPID" "the storm" || bad=$((bad + 1))
}

# judge EXACT|BOUND|SAID WHAT CAUSED: for BOUND, each lost record (an
# entry or an exit) costs at most one event, so caused <= delivered +
# lost; SAID: exact where sonde says its count is (X), else BOUND
judge() {
	how=$1 what=$2 caused=$3
	fmt=text
	[ "$json" = 1 ] && fmt=JSON
	if [ "$how" = said ]; then
		how=bound
		[ "$X" = 1 ] && how=exact
		what="$what [$how]"
	elif [ "$how" = exact ] && [ "$X" != 1 ]; then
		echo "$what ($fmt): the loss count should be exact, sonde says it is a bound"
		bad=$((bad + 1))
	fi
	[ "$L" -gt 0 ] && overflowed=$((overflowed + 1))
	if [ "$L" -eq 0 ] && [ "$D" -ne "$caused" ]; then
		echo "$what ($fmt): no loss reported, but $D of $caused delivered"
		bad=$((bad + 1))
	elif [ "$how" = exact ] && [ $((D + L)) -ne "$caused" ]; then
		echo "$what ($fmt): delivered $D + lost $L != caused $caused"
		bad=$((bad + 1))
	elif [ "$D" -gt "$caused" ] || [ $((D + L)) -lt "$caused" ]; then
		echo "$what ($fmt): delivered $D, lost $L records for $caused caused: events vanished unaccounted"
		bad=$((bad + 1))
	elif [ "$how" = exact ]; then
		# kept in the run's log (run.sh): the figures of the exact counts
		echo "summary: $what ($fmt): caused $caused, delivered $D, lost $L"
	else
		echo "$what ($fmt): caused $caused, delivered $D, lost $L"
	fi
}

for mech in $(profile_mechs); do
	for json in 0 1; do
		# uprobe hits cost the storm more than syscalls: thrice as many
		storm_under uprobe "$((3 * n))" storm_hit "$mech" trace "u:$storm:storm_hit"
		judge exact "trace u: --via $mech" "$((3 * n))"
		if [ "$mech" = bpf ]; then
			# libbpf's perf buffer (kernels without a BPF ring
			# buffer): a record it had no room for is counted by
			# the program and by the ring, once in the total
			export SONDE_REFUTE=ringbuf
			storm_under uprobe "$n" storm_hit bpf trace "u:$storm:storm_hit"
			unset SONDE_REFUTE
			judge exact "trace u: --via bpf, perf buffer" "$n"
		fi
		storm_under getppid "$n" getppid "$mech" trace --syscalls -e getppid --
		# BPF pairs in the kernel, perf counts every event's hits
		case $mech in
		bpf|perf) judge exact "trace --syscalls --via $mech" "$n" ;;
		*) judge said "trace --syscalls --via $mech" "$n" ;;
		esac
		storm_gated open "$((n / 4))" "$mech" snoop open -x
		case $mech in
		perf) judge exact "snoop open -x -p --via $mech" "$((n / 4))" ;;
		*) judge said "snoop open -x -p --via $mech" "$((n / 4))" ;;
		esac
		storm_under kill "$((n / 4))" storm "$mech" snoop kill -s 0
		judge bound "snoop kill --via $mech" "$((n / 4))"
		# -s in user space: a declined entry's exit is not lost
		storm_gated kill "$((n / 4))" "$mech" snoop kill -s 0
		case $mech in
		perf) judge exact "snoop kill -s 0 -p --via $mech" "$((n / 4))" ;;
		*) judge said "snoop kill -s 0 -p --via $mech" "$((n / 4))" ;;
		esac
		storm_under exec "$((n / 20))" storm "$mech" snoop exec -x
		judge bound "snoop exec --via $mech" "$((n / 20))"
		# -u in the kernel (BPF): only the storm's user's execs are
		# recorded, and the program counts each one it could not hand over
		if [ "$mech" = bpf ] && [ "$(id -u)" = 0 ]; then
			STORM_AS="$HELPERS/privrun 65534 65534 none --"
			storm_under exec "$((n / 20))" storm bpf snoop exec -x -u 65534
			STORM_AS=
			judge exact "snoop exec -x -u --via bpf" "$((n / 20))"
		fi
	done
done
[ $bad -eq 0 ] || fail "$bad of $storms storms were not accounted for"
# a storm the reader kept up with proves nothing about loss
[ $((overflowed * 2)) -ge "$storms" ] || fail "only $overflowed of $storms storms overflowed the buffers"
echo "summary: $storms storms of up to $((3 * n)) events against 4K buffers ($overflowed overflowed): every loss counted, in text and JSON"
