#!/bin/sh
# run.sh FUZZ_OUT - run every fuzzer in FUZZ_OUT for $FUZZ_TIME seconds
# after replaying its seeds (tests/fuzz/corpus/NAME) and recorded crash
# inputs (tests/fuzz/regressions/NAME). Prints "ok fuzz/NAME" or
# "FAIL fuzz/NAME" with the fuzzer's report, then "fuzz: N passed, N failed".
set -u
out=$1
here=$(cd "$(dirname "$0")" && pwd)
pass=0 fail=0
for bin in "$out"/fuzz_*; do
	[ -x "$bin" ] || continue
	name=${bin##*/fuzz_}
	work="$out/corpus/$name"
	mkdir -p "$work"
	log="$out/$name.log"
	dirs="$work"
	for d in "$here/corpus/$name" "$here/regressions/$name"; do
		[ -d "$d" ] && dirs="$dirs $d"
	done
	# shellcheck disable=SC2086 # dirs is a list
	if ASAN_OPTIONS=detect_leaks=1 "$bin" -max_total_time="${FUZZ_TIME:-5}" \
		-timeout=10 -rss_limit_mb=2048 -artifact_prefix="$out/crash-$name-" \
		$dirs >"$log" 2>&1; then
		echo "ok fuzz/$name ($(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$log") runs)"
		pass=$((pass + 1))
	else
		echo "FAIL fuzz/$name (log: $log)"
		grep -A30 'ERROR\|runtime error\|==ERROR' "$log" | head -40 | sed 's/^/    /'
		fail=$((fail + 1))
	fi
done
echo "fuzz: $pass passed, $fail failed"
[ "$fail" = 0 ]
