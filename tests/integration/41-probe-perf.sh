#!/bin/sh
# 41-probe-perf: events added by `sonde probe --add` (group sonde) are
# ordinary tracefs events that other tools use: perf records a uprobe and a
# uretprobe with a string on a test binary and `perf script` shows the
# test's own process with the values; trace-cmd lists them where it is
# installed (its `record` is not run: on a kernel that refuses the function
# tracer it leaves global tracing state behind). Then --del removes them.
. "$(dirname "$0")/lib.sh"

command -v perf >/dev/null 2>&1 || skip "perf is not installed here (Debian: linux-perf)"
perf version >/dev/null 2>&1 || skip "perf does not run here: $(perf version 2>&1 | head -n 1)"
T=$(tracefs_dir)
[ -w "$T/uprobe_events" ] || skip "no writable uprobe_events in $T"

b=$HELPERS/utarget_pie tag=perf$$
add=sondeperf$$ ret=sondeperfret$$
cleanup() {
	"$SONDE" probe --del "$add" --del "$ret" >/dev/null 2>&1
}
trap cleanup EXIT

"$SONDE" probe -x "$b" --add "$add=sonde_t_add a b" \
	--add "$ret=sonde_t_greet%return +0(\$retval):string" >"$TMPDIR/add.out" 2>&1 ||
	fail "probe --add: $(cat "$TMPDIR/add.out")"
grep -q "^[a-z]:sonde/$add " "$T/uprobe_events" || fail "sonde:$add not in uprobe_events"

# perf: system-wide (-a), while the test runs the target itself
data=$TMPDIR/perf.data
perf record -q -a -e "sonde:$add" -e "sonde:$ret" -o "$data" -- \
	sh -c 'echo $$ >"$1"; exec "$2" "$3" 3 >/dev/null' sh "$TMPDIR/pid" "$b" "$tag" \
	>"$TMPDIR/rec.out" 2>&1 || skip "perf record cannot record here: $(tail -n 1 "$TMPDIR/rec.out")"
pid=$(cat "$TMPDIR/pid")
perf script -i "$data" >"$TMPDIR/script.out" 2>"$TMPDIR/script.err" ||
	fail "perf script: $(cat "$TMPDIR/script.err")"
for i in 0 1 2; do
	grep " $pid " "$TMPDIR/script.out" | grep -F "sonde:$add:" | grep -q "a=$i b=40" ||
		fail "perf did not record sonde_t_add($i, 40) of pid $pid: $(cat "$TMPDIR/script.out")"
done
grep " $pid " "$TMPDIR/script.out" | grep -F "sonde:$ret:" | grep -qF "\"hello $tag\"" ||
	fail "perf did not record sonde_t_greet's return \"hello $tag\": $(cat "$TMPDIR/script.out")"

if command -v trace-cmd >/dev/null 2>&1; then
	trace-cmd list -e "sonde:$add" 2>/dev/null | grep -q "sonde:$add" ||
		fail "trace-cmd does not list sonde:$add"
fi

"$SONDE" probe --del "$add" --del "$ret" >"$TMPDIR/del.out" 2>&1 || fail "probe --del: $(cat "$TMPDIR/del.out")"
grep -q "sonde/$add \|sonde/$ret " "$T/uprobe_events" && fail "--del left an event in uprobe_events"
tracefs_clean || fail "not clean"
echo "perf recorded sonde:$add and sonde:$ret of pid $pid; deleted"
