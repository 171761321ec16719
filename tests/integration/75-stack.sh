#!/bin/sh
# 75-stack: `sonde stack` on stackprog (tests/helpers/profburn/stackprog.c):
# at a tracepoint and at a uprobe it counts exactly the calls the program
# made, per stack (7 getppid from sonde_stack_a, 3 from sonde_stack_b;
# sonde_stack_leaf 4 and 2 times); kernel stacks at an exec; --offcpu
# sees 20 x 50 ms in nanosleep and 10 x 100 ms reading a pipe as two
# stacks with the time the program measured itself around them (within
# 15 %; about a second each, more where sleeps oversleep), and with
# --min-block 90000 what the program timed in its calls of 90 ms or more
# (the 100 ms reads, no 50 ms sleep unless it overslept) — through every
# mechanism the profile offers; nothing is left behind.
. "$(dirname "$0")/lib.sh"

mechs=$(profile_mechs)
P=$HELPERS/stackprog

# count FOLDED PATTERN: the sum of the counts of lines matching PATTERN
count() {
	grep -e "$2" "$1" | awk '{ s += $NF } END { print s + 0 }'
}

# want FILE WHAT PATTERN N: lines matching PATTERN add up to N
want() {
	_n=$(count "$1" "$3")
	[ "$_n" = "$4" ] || fail "$2: $_n, want $4: $(cat "$1")"
}

# 1. A tracepoint and a uprobe: exact counts, per user stack.
for mech in $mechs; do
	out=$TMPDIR/tp.$mech
	"$SONDE" stack --via "$mech" -U --folded t:syscalls:sys_enter_getppid -- "$P" calls \
		>"$out" 2>"$out.err" || fail "$mech tracepoint: exit $?: $(cat "$out.err")"
	want "$out" "$mech tracepoint: getppid from sonde_stack_a" '^stackprog;.*;sonde_stack_a;' 7
	want "$out" "$mech tracepoint: getppid from sonde_stack_b" '^stackprog;.*;sonde_stack_b;' 3
	want "$out" "$mech tracepoint: stackprog's getppid" '^stackprog;' 10

	out=$TMPDIR/u.$mech
	"$SONDE" stack --via "$mech" -U --folded "u:$P:sonde_stack_leaf" -- "$P" calls \
		>"$out" 2>"$out.err" || fail "$mech uprobe: exit $?: $(cat "$out.err")"
	want "$out" "$mech uprobe: leaf from sonde_stack_a" '^stackprog;.*;sonde_stack_a;.*sonde_stack_leaf [0-9]*$' 4
	want "$out" "$mech uprobe: leaf from sonde_stack_b" '^stackprog;.*;sonde_stack_b;.*sonde_stack_leaf [0-9]*$' 2
	want "$out" "$mech uprobe: all calls" '^stackprog;' 6
	tracefs_clean || fail "$mech: not clean"
done

# 2. Kernel stacks: the program's one exec, where kernel names are known
# (kallsyms readable, or hist triggers naming the frames themselves).
if grep -m 1 ' [tT] ' /proc/kallsyms 2>/dev/null | grep -q '^[0-9a-f]*[1-9a-f]'; then
	for mech in $mechs; do
		out=$TMPDIR/k.$mech
		"$SONDE" stack --via "$mech" -K --folded t:sched:sched_process_exec -- "$P" calls \
			>"$out" 2>"$out.err" || fail "$mech -K: exit $?: $(cat "$out.err")"
		want "$out" "$mech -K: the exec" '^stackprog;' 1
		grep -q '^stackprog;.*execve.* 1$' "$out" || fail "$mech -K: no execve frame: $(cat "$out")"
		grep -q '__traceiter\|perf_trace_\|trace_event_raw' "$out" &&
			fail "$mech -K: tracing machinery left in: $(cat "$out")"
	done
else
	echo "kernel stacks: kallsyms hides addresses here, not checked"
fi

# 3. Off-CPU time: two stacks of about a second each.
# offcpu MECH OUT ARGS...: run stackprog offcpu under stack --offcpu
offcpu() {
	_mech=$1 _out=$2
	shift 2
	"$P" offcpu -w >"$TMPDIR/sp.out" &
	_sp=$!
	_i=0
	until grep -q '^pid ' "$TMPDIR/sp.out"; do
		_i=$((_i + 1))
		[ $_i -gt 100 ] && fail "stackprog did not start"
		nap 0.1
	done
	start_sonde "$_out" "$_out.err" stack --via "$_mech" --offcpu -p $_sp --folded "$@" ||
		fail "$_mech --offcpu: cannot start"
	kill -USR1 $_sp
	wait $_sp || fail "stackprog offcpu failed"
	stop_sonde || fail "$_mech --offcpu: exit status $?: $(cat "$_out.err")"
	# "stackprog: sleep US (US in calls of 90 ms+) pipe US (US)"
	set -- $(sed -n 's/^stackprog: sleep \([0-9]*\) (\([0-9]*\)) pipe \([0-9]*\) (\([0-9]*\))$/\1 \2 \3 \4/p' "$TMPDIR/sp.out")
	[ $# -eq 4 ] || fail "stackprog said: $(cat "$TMPDIR/sp.out")"
	SLEEP=$1 SLEEP_LONG=$2 PIPE=$3 PIPE_LONG=$4
}

# near FILE WHAT PATTERN US: the lines matching add up to US within 15 %
# — less what sonde says it lost (perf does not report every switch the
# idle task makes), at most a 110 ms block each
near() {
	_n=$(count "$1" "$3")
	_lost=$(sed -n 's/.*warning: \([0-9]*\) blocks lost.*/\1/p' "$1.err")
	awk -v n="$_n" -v w="$4" -v l="${_lost:-0}" \
		'BEGIN { exit !(n >= (w - l * 110000) * 0.85 && n <= w * 1.15) }' ||
		fail "$2: $_n us, the program measured $4 (within 15 %): $(cat "$1" "$1.err")"
	echo "$2: $_n us, the program measured $4${_lost:+ ($_lost blocks lost, said so)}"
}

for mech in $mechs; do
	out=$TMPDIR/off.$mech
	offcpu "$mech" "$out"
	near "$out" "$mech --offcpu: nanosleep" '^stackprog;.*;sonde_sleep_path;' $SLEEP
	near "$out" "$mech --offcpu: pipe read" '^stackprog;.*;sonde_pipe_path;' $PIPE
	tracefs_clean || fail "$mech --offcpu: not clean"
done
# --min-block 90000: what is left of each path is what the program timed
# in its calls of 90 ms or more (none of the 50 ms sleeps where they do
# not oversleep), give or take 15 % and one block at the edge (a call
# the program timed at 90.2 ms the kernel may see at 89.9)
mech=${mechs%% *}
out=$TMPDIR/min
offcpu "$mech" "$out" --min-block 90000
for path in sleep:$SLEEP_LONG pipe:$PIPE_LONG; do
	_n=$(count "$out" "^stackprog;.*;sonde_${path%%:*}_path;")
	awk -v n="$_n" -v w="${path#*:}" 'BEGIN { d = n - w; if (d < 0) d = -d;
		exit !(d <= w * 0.15 + 100000) }' ||
		fail "--min-block 90000: ${path%%:*} $_n us, the program timed ${path#*:} us in calls of 90 ms+: $(cat "$out")"
	echo "--min-block 90000: ${path%%:*} $_n us, the program timed ${path#*:} us in calls of 90 ms+"
done

# 4. Bad input: one line, exit 2.
for args in "" "--offcpu t:sched:sched_switch" "--min-block 5 t:sched:sched_switch" \
	"--offcpu --min-block 9 --max-block 3" "-U -K --offcpu" "--offcpu --folded --json"; do
	"$SONDE" stack $args >/dev/null 2>"$TMPDIR/bad.err"
	rc=$?
	[ $rc -eq 2 ] || fail "stack $args: exit $rc, want 2"
	[ "$(wc -l <"$TMPDIR/bad.err")" -eq 1 ] || fail "stack $args: $(cat "$TMPDIR/bad.err")"
done
tracefs_clean || fail "left state behind"
exit 0
