#!/bin/sh
# 64-snoop-fsslower: on an ext4 file system, a 32 MiB write, its fsync and
# a read of it from disk are slower than 1 ms and reported with the
# process, type, size and file name; a 4 KiB read from the page cache is
# not. Through the mechanism the kernel gives (its own file operations
# where kernel functions can be probed, else timed system calls, saying
# so), and --via each other mechanism the profile offers; ext4slower's
# columns; nothing is left behind.
. "$(dirname "$0")/lib.sh"
K=$HELPERS/snoopkit

dir=${SONDE_TEST_DIR:-$TMPDIR}
mnt=$(df -P "$dir" | awk 'NR == 2 { print $6 }')
fstype=$(awk -v m="$mnt" '$2 == m { t = $3 } END { print t }' /proc/mounts)
[ "$fstype" = ext4 ] || skip "$dir is on $fstype, not ext4"

# check OUT WHAT PID SLOW FAST: the slow file's W, S and R by PID are there
# (by size where file names are unknown), the fast read is not
check() {
	json_event "$1" pid "$3" >"$1.mine"
	named=$(grep -c "\"file\":\"$(basename "$4")\"" "$1.mine")
	for op in W S R; do
		line=$(grep "\"op\":\"$op\"" "$1.mine" | head -n 1)
		[ -n "$line" ] || fail "$2: no $op of the slow file by $3: $(cat "$1.mine") $(tail -n 1 "$1")"
		lat=$(echo "$line" | json_get lat_ns)
		[ "$lat" -ge 1000000 ] || fail "$2: $op took $lat ns, under the threshold: $line"
		[ "$named" -gt 0 ] || [ "$(echo "$line" | json_get file)" = null ] ||
			fail "$2: $op names another file: $line"
	done
	grep '"op":"R"' "$1.mine" | grep -q '"bytes":33554432,' ||
		fail "$2: the 32 MiB read is not there: $(cat "$1.mine")"
	grep '"op":"R"' "$1.mine" | grep -q '"bytes":4096,' &&
		fail "$2: the cached 4 KiB read is shown: $(cat "$1.mine")"
	[ "$named" -gt 0 ] || echo "$2: no file names ($(grep -o 'no kernel BTF[^"]*' "$1.err"))"
}

for mech in auto $(profile_mechs); do
	out=$TMPDIR/fs.$mech
	via="--via $mech"
	[ $mech = auto ] && via=
	if ! start_sonde "$out" "$out.err" snoop fsslower $via --json 1; then
		# refused: only where the kernel has no kernel function probes and
		# the mechanism is not BPF, with one line that says so
		[ $mech != auto ] && [ $mech != bpf ] &&
			[ "$(wc -l <"$out.err")" -eq 1 ] &&
			grep -q 'no kernel function can be probed' "$out.err" ||
			fail "$mech: cannot start: $(cat "$out.err")"
		echo "$mech: refused: $(cat "$out.err")"
		continue
	fi
	set -- $("$K" slowfs "$dir" 32) || fail "slowfs failed"
	pid=$2 slow=$4
	nap 1
	stop_sonde INT || fail "$mech: sonde exited with status $?: $(cat "$out.err")"
	check "$out" "$mech" "$pid" "$slow"
	grep -q '"type":"summary","lost":[0-9]*[,}]' "$out" || fail "$mech: no summary"
	tracefs_clean || fail "$mech: not clean after SIGINT"
	echo "$mech: ok ($(sed -n 's/^Tracing //p' "$out.err"))"
done

# ext4slower 1: text columns.
out=$TMPDIR/t.out
start_sonde "$out" "$TMPDIR/t.err" snoop ext4slower 1 || fail "text: cannot start"
set -- $("$K" slowfs "$dir" 32) || fail "slowfs failed"
pid=$2
nap 1
stop_sonde TERM || fail "text: sonde exited with status $?: $(cat "$TMPDIR/t.err")"
head -n 1 "$out" | grep -q '^TIME  *COMM  *PID  *T  *BYTES  *OFF_KB  *LAT(ms)  *FILENAME$' ||
	fail "text: header is '$(head -n 1 "$out")'"
awk -v p="$pid" '$2 == "snoopkit" && $3 == p && $4 == "S" && $7 >= 1' "$out" | grep -q . ||
	fail "text: the slow fsync by $pid is missing: $(cat "$out")"
tracefs_clean || fail "not clean after SIGTERM"
exit 0
