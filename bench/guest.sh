#!/bin/sh
# guest.sh: sonde's mechanisms side by side on one kernel, inside the
# qemu guests (bench/qemu.sh boots them through tests/qemu/run-profiles.sh,
# which runs this as an integration test under each profile). POSIX sh
# for busybox ash. Each measurement goes to the console as one line,
#   BENCH|PROFILE|CASE|JOB|TOOL|key=value ...
# which bench/qemu.sh turns into a report. The guest is emulated (TCG):
# compare the mechanisms with each other, never with the host's figures.
# Runs under the full-* profiles only (the others remove mechanisms that
# full has too); exit 0, or 77 with the reason.
set -u
SESSION=$HELPERS/session
STORM=$HELPERS/storm
# rounds, and calls per storm phase (every syscall is emulated)
RUNS=3
N=4000
case $PROFILE in
full-*) ;;
*) echo "the bench runs under the full-* profiles only"; exit 77 ;;
esac
if [ ! -x "$SESSION" ] || [ ! -x "$STORM" ]; then
	echo "no bench programs in $HELPERS"
	exit 77
fi
# the pseudo-terminals the time-to-ready runs print on
[ -e /dev/pts/ptmx ] || { mkdir -p /dev/pts && mount -t devpts devpts /dev/pts; }
MARKS=$TMPDIR/marks
mkdir -p "$MARKS"
ln -sf /bin/true "$MARKS/bmark"
MARK=424200000

MECHS="bpf tracefs perf"
say() { echo "BENCH|$PROFILE|$1|$2|$3|$4" > /dev/console; }

# The aggregation sonde says it used, from its "Tracing ..." line.
rung() { sed -n 's/.*aggregated by \([^(.]*[^(. ]\).*/ [\1]/p' "$1" | head -n 1; }

ready() {	# JOB TOOL SESSION-OPTIONS -- COMMAND...
	j=$1 t=$2
	shift 2
	res=$("$SESSION" ready -T 30000 -D "$MARKS" -o "$TMPDIR/out" "$@" 2>&1 | tail -n 1)
	say ready "$j" "$t$(rung "$TMPDIR/out")" "$res"
}

load() {	# JOB TOOL SEEN SESSION-OPTIONS -- COMMAND...
	j=$1 t=$2 seen=$3
	shift 3
	out=$TMPDIR/out
	res=$("$SESSION" load -x "$STORM" -T 60000 -o "$out" "$@" 2>&1 | tail -n 1)
	case $res in
	error=*) ;;
	*)	calls=$(echo "$res" | sed -n 's/.*traced_calls=\([0-9]*\).*/\1/p')
		[ "$seen" = none ] || res="$res expected=$calls seen=$(grep -c -- "$seen" "$out") lost=$(grep -i lost "$out" |
			sed -n 's/[^0-9]*\([0-9][0-9]*\).*/\1/p' | awk '{ s += $1 } END { print s + 0 }')"
		;;
	esac
	say load "$j" "$t$(rung "$out")" "$res"
}

HIST_CLOSE="t:syscalls:sys_enter_close (args->fd >= $MARK)"
i=0
while [ $i -lt "$RUNS" ]; do
	i=$((i + 1))
	for m in $MECHS; do
		ready exec "sonde --via $m snoop exec" -a exec -p -- "$SONDE" --via $m snoop exec
		ready trace "sonde --via $m trace" -a close -- "$SONDE" --via $m trace 't:syscalls:sys_enter_close "%d", fd'
		ready hist "sonde --via $m hist --count" -a close -W 8000 -- \
			"$SONDE" --via $m hist --count "$HIST_CLOSE" --by 'args->fd'
	done
	ready hist "sonde --via tracefs hist --count --user-agg" -a close -W 8000 -- \
		"$SONDE" --via tracefs hist --user-agg --count "$HIST_CLOSE" --by 'args->fd'

	for m in $MECHS; do
		load count "sonde --via $m hist --count" none -n "$N" -s 3000 -- \
			"$SONDE" --via $m hist --count t:syscalls:sys_enter_openat -p '{pid}'
		load stream "sonde --via $m trace" dfd=-100 -n "$N" -e dfd=777 -- \
			"$SONDE" --via $m trace -p '{pid}' 't:syscalls:sys_enter_openat "dfd=%d", dfd'
	done
	load count "sonde --via tracefs hist --count --user-agg" none -n "$N" -s 3000 -- \
		"$SONDE" --via tracefs hist --user-agg --count t:syscalls:sys_enter_openat -p '{pid}'
done
exit 0
