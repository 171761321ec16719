#!/bin/sh
# 70-profile: `sonde profile` on programs the test runs: CPU burnt in
# sonde_burn_three and sonde_burn_one in a 3:1 ratio of work is attributed
# in the ratio of CPU time the program measured itself (±10 %; on a loaded
# machine that drifts from 3:1 by a few %) — non-PIE static, PIE, and a
# PIE whose sonde_burn_one is in a shared library — on every sampling rung
# the profile offers; kernel
# frames of a system-call loop; a stripped binary's frames as address and
# module; a program that starts and exits during the profile is still
# named; folded output adds up to the samples. (profile keeps no state
# outside its file descriptors: nothing to clean.)
. "$(dirname "$0")/lib.sh"

case $PROFILE in
nobpf-6.1 | debugfs-6.1) mechs=perf ;;
*) mechs="bpf perf" ;;
esac
HZ=499
RATIO_HZ=999
B=$HELPERS

# burn NAME ARGS...: start a burner in the background, set BPID; its
# report goes to $TMPDIR/burn.out
burn() {
	_b=$1
	shift
	"$B/$_b" "$@" >"$TMPDIR/burn.out" &
	BPID=$!
}

# unburn: stop the burner; set MEASURED to the ratio of CPU time it saw
unburn() {
	kill $BPID 2>/dev/null
	wait $BPID 2>/dev/null
	MEASURED=$(sed -n 's/^profburn: cpu seconds .* ratio //p' "$TMPDIR/burn.out")
}

# ratio FOLDED: "three one" — samples whose innermost frame is each burner
# (user stacks only, so the innermost frame is the user one)
ratio() {
	awk '{ n = $NF; sub(/ [0-9]+$/, ""); k = split($0, f, ";");
		if (f[k] == "sonde_burn_three") t += n;
		if (f[k] == "sonde_burn_one") o += n }
		END { print t + 0, o + 0 }' "$1"
}

# check_ratio WHAT THREE ONE TRUE: THREE/ONE is TRUE within 10 % (and
# TRUE is near 3), from enough samples
check_ratio() {
	[ "$3" -ge 20 ] || fail "$1: too few samples in sonde_burn_one ($2:$3)"
	awk -v t="$2" -v o="$3" -v r="$4" 'BEGIN { q = t / o / r;
		exit !(q >= 0.9 && q <= 1.1 && r > 2.4 && r < 3.6) }' ||
		fail "$1: sonde_burn_three:sonde_burn_one = $2:$3, the program measured $4:1"
	echo "$1: $2:$3 samples, the program measured $4:1"
}

# folded_total FOLDED: the sum of the counts
folded_total() {
	awk '{ s += $NF } END { print s + 0 }' "$1"
}

# stderr_samples ERR: N from "sonde profile: N samples in M stacks"
stderr_samples() {
	sed -n 's/^sonde profile: \([0-9]*\) samples in [0-9]* stacks$/\1/p' "$1"
}

# 1. The ratio, per binary and rung; folded output adds up.
for mech in $mechs; do
	for v in static pie lib; do
		out=$TMPDIR/r.$mech.$v
		burn "profburn_$v" 60
		nap 0.5
		"$SONDE" profile --via "$mech" -U -F $RATIO_HZ -d 4 -p $BPID --folded \
			>"$out" 2>"$out.err" || fail "$mech $v: exit $?: $(cat "$out.err")"
		unburn
		set -- $(ratio "$out") "$MEASURED"
		check_ratio "$mech profburn_$v" "$1" "$2" "$3"
		grep -q "^profburn_$v;.*main;sonde_burn_three [0-9]*\$" "$out" ||
			fail "$mech $v: no main;sonde_burn_three stack: $(cat "$out")"
		[ "$(folded_total "$out")" = "$(stderr_samples "$out.err")" ] ||
			fail "$mech $v: folded counts $(folded_total "$out") != samples: $(cat "$out.err")"
	done
done

# 2. Kernel frames of a system-call loop, where kallsyms shows addresses.
if grep -q '^0000000000000000 ' /proc/kallsyms 2>/dev/null ||
	! [ -r /proc/kallsyms ]; then
	echo "kernel frames: kallsyms hides addresses here, not checked"
else
	for mech in $mechs; do
		out=$TMPDIR/k.$mech
		burn profburn_static -s 60
		nap 0.5
		"$SONDE" profile --via "$mech" -K -F $HZ -d 2 -p $BPID >"$out" 2>"$out.err" ||
			fail "$mech -K: exit $?: $(cat "$out.err")"
		unburn
		grep -q '^    do_syscall_64$' "$out" || fail "$mech -K: no do_syscall_64 frame: $(cat "$out")"
		grep -q '^    [a-z0-9_]*openat[a-z0-9_]*$' "$out" ||
			fail "$mech -K: no openat frame: $(cat "$out")"
		grep -q '^    --$' "$out" && fail "$mech -K: user frames printed"
	done
fi

# 3. A stripped binary: its frames are addresses in the binary, with its name.
for mech in $mechs; do
	out=$TMPDIR/s.$mech
	burn profburn_stripped 60
	nap 0.5
	"$SONDE" profile --via "$mech" -U -F $HZ -d 2 -p $BPID >"$out" 2>"$out.err" ||
		fail "$mech stripped: exit $?: $(cat "$out.err")"
	unburn
	grep -q '^    0x4[0-9a-f]* \[profburn_stripped\]$' "$out" ||
		fail "$mech stripped: no address+module frame: $(cat "$out")"
	grep -q sonde_burn "$out" && fail "$mech stripped: names from a stripped binary?"
done

# 4. A program that starts and exits while every process is profiled is
# named (its mappings came from perf side-band records); -p of a process
# that exits ends the profile, still named.
for mech in $mechs; do
	out=$TMPDIR/e.$mech
	start_sonde "$out" "$out.err" profile --via "$mech" -U -F $HZ -d 6 --folded ||
		fail "$mech: cannot start"
	"$B/profburn_lib" 1.5 >/dev/null
	wait $SPID || fail "$mech exit: exit status $?: $(cat "$out.err")"
	set -- $(grep '^profburn_lib;' "$out" | ratio /dev/stdin)
	[ "$1" -gt 0 ] && [ "$2" -gt 0 ] ||
		fail "$mech: the exited profburn_lib is not named: $(grep '^profburn_lib' "$out")"

	out=$TMPDIR/p.$mech
	burn profburn_pie 2
	"$SONDE" profile --via "$mech" -U -F $HZ -d 100 -p $BPID --folded >"$out" 2>"$out.err" ||
		fail "$mech -p exit: exit $?: $(cat "$out.err")"
	grep -q '^profburn_pie;.*;main;sonde_burn_three [0-9]*$' "$out" ||
		fail "$mech -p exit: not named: $(cat "$out")"
done

# 5. JSON: one object per stack, then the summary with the same total.
mech=${mechs%% *}
out=$TMPDIR/j
burn profburn_static 60
nap 0.5
"$SONDE" profile --via "$mech" --json -F $HZ -d 1 -p $BPID >"$out" 2>"$out.err" ||
	fail "json: exit $?: $(cat "$out.err")"
unburn
grep -q '^{"type":"stack","comm":"profburn_static","pid":'"$BPID"',"samples":[0-9]*,"kstack":\[.*\],"ustack":\[.*"sonde_burn_' "$out" ||
	fail "json: no stack object: $(head -3 "$out")"
sum=$(sed -n 's/.*"samples":\([0-9]*\),"kstack".*/\1/p' "$out" | awk '{ s += $1 } END { print s + 0 }')
grep -q "^{\"type\":\"summary\",\"samples\":$sum," "$out" ||
	fail "json: summary does not add up to $sum: $(tail -1 "$out")"

# 6. Bad input: one line, exit 2; a missing process: exit 1.
for args in "-F 0" "-U -K" "-p -3" "extra"; do
	"$SONDE" profile $args >/dev/null 2>"$TMPDIR/bad.err"
	rc=$?
	[ $rc -eq 2 ] || fail "profile $args: exit $rc, want 2"
	[ "$(wc -l <"$TMPDIR/bad.err")" -eq 1 ] || fail "profile $args: $(cat "$TMPDIR/bad.err")"
done
"$SONDE" profile -p 999999999 -d 1 >/dev/null 2>"$TMPDIR/bad.err"
[ $? -eq 1 ] || fail "profile of a missing process: not exit 1"
grep -q "no process 999999999" "$TMPDIR/bad.err" || fail "missing process: $(cat "$TMPDIR/bad.err")"
exit 0
