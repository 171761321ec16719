#!/bin/sh
# timeout: 200
# 86-buffer-rate: without --buffer-size, a tracefs or perf stream first
# records its events for a moment with nobody reading, and sizes each
# CPU's buffer by what the busiest CPU wrote; trace over BPF runs its
# programs on a small ring first and sizes the ring buffer (one for all
# CPUs) by what they wrote. -v says so:
#   buffer: N KiB per CPU for C CPUs, ... (busiest CPU c: R records of
#   ~B bytes in M ms)
#   buffer: N KiB BPF ring buffer, ... (all CPUs: R records of ~B bytes
#   in M ms)
# The test causes the rate itself, a uprobe on storm_hit() of its own
# process, -p that process:
#  - quiet (a process that never calls it): 0 records, the CPU-count size;
#  - paced at P calls a second: R is P x M / 1000 within a factor of two;
#  - flat out: the size is above the CPU-count size exactly when a
#    second of that rate (R x B x 1000 / M bytes) is more than it holds;
#  - --buffer-size 64K: nothing measured, "64 KiB per CPU (--buffer-size)"
#    (BPF: "(--buffer-size)", 64K times the CPUs).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/cleanup-lib.sh"

storm=$HELPERS/storm
[ -x "$storm" ] || fail "missing helper $storm"
paced=5000
bad=0 tried=0

# measure MECH PID [ARGS...]: start sonde -v on the storm's uprobe for
# PID; sets LINE (the buffer line), KB, R, B and M from it
measure() {
	mech=$1 pid=$2
	shift 2
	start_sonde "$TMPDIR/out" "$TMPDIR/err" -v --via "$mech" "$@" \
		trace "u:$storm:storm_hit" -p "$pid" || fail "cannot start sonde --via $mech"
	stop_sonde INT >/dev/null 2>&1
	owned_clean "$SPID" "buffer rate" || bad=$((bad + 1))
	tried=$((tried + 1))
	LINE=$(grep 'buffer: [0-9]* KiB' "$TMPDIR/err" | head -n 1)
	[ -n "$LINE" ] || { cat "$TMPDIR/err"; fail "--via $mech: no buffer line with -v"; }
	KB=$(echo "$LINE" | sed -n 's/.*buffer: \([0-9]*\) KiB.*/\1/p')
	R=$(echo "$LINE" | sed -n 's/.*: \([0-9]*\) records of.*/\1/p')
	B=$(echo "$LINE" | sed -n 's/.*records of ~\([0-9]*\) bytes.*/\1/p')
	M=$(echo "$LINE" | sed -n 's/.* in \([0-9]*\) ms).*/\1/p')
}

mechs="tracefs perf"
case " $(profile_mechs) " in *" bpf "*) mechs="$mechs bpf" ;; esac
for mech in $mechs; do
	# quiet: the probe's binary is never run by the -p process
	sleep 60 &
	quiet=$!
	measure "$mech" "$quiet"
	kill $quiet 2>/dev/null
	wait $quiet 2>/dev/null
	case $LINE in
	*"the CPU-count size ("*" 0 records"*) base=$KB ;;
	*) echo "--via $mech quiet: $LINE"; bad=$((bad + 1)); base=$KB ;;
	esac

	"$storm" paced "$paced" &
	sp=$!
	nap 0.3
	measure "$mech" "$sp"
	want=$((paced * M / 1000))
	if [ "$R" -lt $((want / 2)) ] || [ "$R" -gt $((want * 2)) ]; then
		echo "--via $mech paced at $paced/s: $R records in $M ms, not about $want: $LINE"
		bad=$((bad + 1))
	fi
	kill $sp
	wait $sp 2>/dev/null

	"$storm" uprobe 1000000000 &
	sp=$!
	nap 0.3
	measure "$mech" "$sp"
	kill $sp
	wait $sp 2>/dev/null
	second_kb=$((R * B * 1000 / (M > 0 ? M : 1) / 1024))
	if [ "$R" -eq 0 ]; then
		echo "--via $mech flat out: no records measured: $LINE"
		bad=$((bad + 1))
	elif [ "$second_kb" -gt "$base" ] && [ "$KB" -le "$base" ]; then
		echo "--via $mech flat out: a second is $second_kb KiB, the buffer stayed $KB KiB: $LINE"
		bad=$((bad + 1))
	elif [ "$second_kb" -le "$base" ] && [ "$KB" -ne "$base" ]; then
		echo "--via $mech flat out: a second is $second_kb KiB, yet $KB KiB (base $base): $LINE"
		bad=$((bad + 1))
	else
		echo "summary: --via $mech flat out: $R records of ~$B bytes in $M ms: $KB KiB (CPU-count size $base)"
	fi

	sleep 60 &
	quiet=$!
	measure "$mech" "$quiet" --buffer-size 64K
	kill $quiet 2>/dev/null
	wait $quiet 2>/dev/null
	case $LINE in
	*"buffer: 64 KiB per CPU (--buffer-size)"* | *"BPF ring buffer (--buffer-size)"*) ;;
	*) echo "--via $mech --buffer-size 64K: $LINE"; bad=$((bad + 1)) ;;
	esac
done
[ $bad -eq 0 ] || fail "$bad of $tried runs sized their buffers wrongly"
echo "summary: $tried runs: buffers by rate as measured, --buffer-size obeyed"
