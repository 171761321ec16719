#!/bin/sh
# hist-storm.sh: the cost of `sonde hist` on a system call storm against
# bpftrace's hist() and count() on the same storm, in the same run.
#
#   sudo sh tests/bench/hist-storm.sh [N [REPS]]
#
# Each rep runs N openat+close pairs of /dev/null (tests/helpers/histprog
# storm) untraced, then under each tool; the storm reports its own CPU
# time per pair (a busy machine's waits for a CPU do not count). Prints
# the minimum and median per configuration, and each tool's added ns per
# openat with the sonde/bpftrace ratio.
root=$(cd "$(dirname "$0")/../.." && pwd)
SONDE=${SONDE:-$root/sonde}
H=${HELPERS:-$root/tests/helpers/bin}/histprog
N=${1:-500000} REPS=${2:-7}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
command -v bpftrace >/dev/null || { echo "bpftrace is not installed"; exit 77; }

waitfor() {
	_i=0
	while ! grep -q "$2" "$1" 2>/dev/null && [ $_i -lt 100 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
}
storm() { "$H" storm "$N" | awk '{ print $3 }'; }
under_sonde() {
	"$SONDE" hist "$@" >"$out/s.out" 2>"$out/s.err" &
	_p=$!
	waitfor "$out/s.err" Tracing
	storm
	kill -INT $_p
	wait $_p
}
under_bpftrace() {
	bpftrace -e "$1" >"$out/b.out" 2>&1 &
	_p=$!
	waitfor "$out/b.out" Attaching
	sleep 0.3
	storm
	kill -TERM $_p	# (a background job of sh ignores SIGINT)
	wait $_p
}

for rep in $(seq "$REPS"); do
	echo "base $(storm)"
	echo "sonde-hist $(under_sonde -V 'args->flags' t:syscalls:sys_enter_openat)"
	echo "bpftrace-hist $(under_bpftrace 'tracepoint:syscalls:sys_enter_openat { @ = hist(args->flags); }')"
	echo "sonde-count $(under_sonde --count --by comm t:syscalls:sys_enter_openat)"
	echo "bpftrace-count $(under_bpftrace 'tracepoint:syscalls:sys_enter_openat { @[comm] = count(); }')"
done >"$out/runs"
for c in base sonde-hist bpftrace-hist sonde-count bpftrace-count; do
	awk -v c=$c '$1 == c { print $2 }' "$out/runs" | sort -n |
		awk -v c=$c '{ v[NR] = $1 } END { printf "%s %.1f %.1f\n", c, v[1], v[int((NR + 1) / 2)] }'
done | awk '{ min[$1] = $2; med[$1] = $3; printf "%-15s min %7.1f  median %7.1f ns per openat+close\n", $1, $2, $3 }
END {
	for (k = 0; k < 2; k++) {
		w = k ? "count" : "hist"
		s = med["sonde-" w] - med["base"]; b = med["bpftrace-" w] - med["base"]
		printf "%-6s added (median): sonde %.0f ns, bpftrace %.0f ns, ratio %.2f\n", w, s, b, (b > 0 ? s / b : 0)
	}
}'
