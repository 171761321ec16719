#!/bin/sh
# 40-probe: `sonde probe` (perf probe's job): persistent events added with
# --add fire for what the test causes and are read back by `sonde trace
# sonde:NAME`, listed by -l and removed by --del (also refused while in use);
# kernel functions where the kernel has kprobes, the precise refusal where it
# has none; a binary's functions and USDT probes listed; -V from BTF and
# DWARF; bad input exits 2; nothing is left behind.
. "$(dirname "$0")/lib.sh"

T=$(tracefs_dir)
have() {	# FILE PATTERN...: every fixed-string pattern is in FILE
	_f=$1
	shift
	for _p; do
		grep -qF -- "$_p" "$_f" || { echo "missing '$_p' in:"; cat "$_f"; return 1; }
	done
}
# status WANT ARGS...: run sonde probe ARGS, want exit status WANT and (for
# errors) one line on stderr; output in $TMPDIR/st.out, .err
status() {
	_want=$1
	shift
	"$SONDE" probe "$@" >"$TMPDIR/st.out" 2>"$TMPDIR/st.err"
	_rc=$?
	[ $_rc -eq "$_want" ] || fail "probe $*: exit $_rc, want $_want: $(cat "$TMPDIR/st.err")"
	if [ "$_want" -ne 0 ]; then
		[ "$(wc -l <"$TMPDIR/st.err")" -eq 1 ] ||
			fail "probe $*: error is not one line: $(cat "$TMPDIR/st.err")"
	fi
	return 0
}
# No event of group sonde, and nothing of a sonde session, in tracefs.
no_sonde_events() {
	for _f in dynamic_events kprobe_events uprobe_events; do
		[ -r "$T/$_f" ] || continue
		grep -E ':sonde/' "$T/$_f" && return 1
	done
	# leftovers of sonde sessions that are gone (other sessions may be
	# running on a shared host)
	for _g in $(ls "$T/instances" 2>/dev/null | grep '^sonde_') \
		$(cat "$T/dynamic_events" "$T/kprobe_events" "$T/uprobe_events" 2>/dev/null |
			sed -n 's/^[^:]*:\(sonde_[0-9]*\)\/.*/\1/p'); do
		kill -0 "${_g#sonde_}" 2>/dev/null || { echo "left behind: $_g"; return 1; }
	done
	return 0
}

no_sonde_events || fail "sonde events exist before the test; remove them first"
# On failure too, remove what this test adds (profiles share a guest's boot).
cleanup() {
	for _e in 'do_sys_openat2*' sonde_dfd sonde_t_greet__return sonde_lib_mul; do
		"$SONDE" probe --del "$_e" >/dev/null 2>&1
	done
}
trap cleanup EXIT

# 1. Kernel function: add with a string argument, see it listed, fire it,
# refuse deleting it in use, delete it.
f=$TMPDIR/sonde-probe-$$.txt
echo data >"$f"
if [ "$PROFILE" = host ]; then
	status 1 --add 'do_sys_openat2 filename=+0($arg2):string'
	have "$TMPDIR/st.err" "cannot add a persistent probe on kernel function entry 'do_sys_openat2'" \
		"kprobe_events" "try the tracepoint syscalls:sys_enter_openat" ||
		fail "kernel --add refusal lacks its reason"
	status 1 --add nosuch_kfunc_sonde_xyz
else
	status 0 --add 'do_sys_openat2 filename=+0($arg2):string'
	have "$TMPDIR/st.out" "Added new event:" "sonde:do_sys_openat2" "(on do_sys_openat2)" \
		"perf record -e sonde:do_sys_openat2 -aR sleep 1" || fail "--add output"
	status 0 -l 'sonde:*'
	have "$TMPDIR/st.out" "tracepoint:sonde:do_sys_openat2 [sonde kprobe: p:sonde/do_sys_openat2 do_sys_openat2 filename=" ||
		fail "kprobe not listed"
	[ -d "$T/events/sonde/do_sys_openat2" ] || fail "no events/sonde/do_sys_openat2"
	out=$TMPDIR/k.out
	start_sonde "$out" "$out.err" trace 'sonde:do_sys_openat2 "open %s", filename' ||
		fail "cannot trace sonde:do_sys_openat2"
	sh -c 'echo $$ >"$1.pid"; exec cat "$1" >/dev/null' sh "$f"
	nap 1
	# in use: enabled in the trace session's instance
	status 1 --del do_sys_openat2
	have "$TMPDIR/st.err" "cannot remove sonde:do_sys_openat2: it is in use" || fail "EBUSY message"
	stop_sonde || fail "trace exit status $?"
	pid=$(cat "$f.pid")
	grep "^$pid " "$out" | grep -qF "open $f" ||
		fail "open of $f by $pid not seen through sonde:do_sys_openat2: $(cat "$out")"
	# a return probe with perf's default name, and perf-style arguments
	how=how	# a parameter by name needs BTF; by position it does not
	[ -s /sys/kernel/btf/vmlinux ] || how=arg3
	status 0 --add 'do_sys_openat2%return' --add "sonde_dfd=do_sys_openat2 dfd=%di $how:x64"
	have "$TMPDIR/st.out" "sonde:do_sys_openat2__return" "sonde:sonde_dfd" || fail "two adds"
	grep -q '^r.*:sonde/do_sys_openat2__return do_sys_openat2' "$T/dynamic_events" ||
		fail "no kretprobe sonde/do_sys_openat2__return: $(cat "$T/dynamic_events")"
	grep -q "sonde/sonde_dfd do_sys_openat2 dfd=%di:s64 $how=.*:x64" "$T/dynamic_events" ||
		fail "how:x64 not kept: $(grep sonde_dfd "$T/dynamic_events")"
	status 0 --del 'do_sys_openat2*' --del sonde:sonde_dfd
	have "$TMPDIR/st.out" "Removed event: sonde:do_sys_openat2" \
		"Removed event: sonde:do_sys_openat2__return" "Removed event: sonde:sonde_dfd" ||
		fail "--del output"
	status 2 --add nosuch_kfunc_sonde_xyz
	status 1 --del do_sys_openat2
fi
no_sonde_events || fail "kernel part left events behind"

# 2. uretprobe with a string return value, on every profile.
status 0 -x "$HELPERS/utarget_pie" --add 'sonde_t_greet%return +0($retval):string'
have "$TMPDIR/st.out" "sonde:sonde_t_greet__return" "(on sonde_t_greet%return in " || fail "uprobe --add output"
status 0 -l 'sonde:*'
have "$TMPDIR/st.out" "tracepoint:sonde:sonde_t_greet__return [sonde uretprobe: r:sonde/sonde_t_greet__return " ||
	fail "uretprobe not listed"
status 0 --json -l 'sonde:sonde_t_greet*'
have "$TMPDIR/st.out" '"kind":"dynamic","type":"uretprobe","group":"sonde","name":"sonde_t_greet__return"' ||
	fail "uretprobe not in JSON list"
tag=tag$$
out=$TMPDIR/u.out
start_sonde "$out" "$out.err" trace 'sonde:sonde_t_greet__return "got %s", args->arg1' ||
	fail "cannot trace sonde:sonde_t_greet__return"
"$HELPERS/utarget_pie" "$tag" 1 >/dev/null
nap 1
stop_sonde || fail "trace exit status $?"
have "$out" "got hello $tag" || fail "uretprobe did not fire"
status 0 --json --del sonde_t_greet__return
have "$TMPDIR/st.out" '{"removed":{"group":"sonde","name":"sonde_t_greet__return"' || fail "--json --del"

# a library by name, perf-style argument; JSON
if LD_LIBRARY_PATH=$HELPERS "$SONDE" probe --json --add 'u:libsondetarget:sonde_lib_mul a=arg1 b=arg2' \
	>"$TMPDIR/l.out" 2>"$TMPDIR/l.err"; then
	have "$TMPDIR/l.out" '{"added":{"group":"sonde","name":"sonde_lib_mul"' || fail "--json --add"
	grep -q 'sonde/sonde_lib_mul .*libsondetarget.so:0x[0-9a-f]* a=%di:s64 b=%si:s64' "$T/dynamic_events" 2>/dev/null ||
		grep -q 'sonde/sonde_lib_mul .*a=%di:s64 b=%si:s64' "$T/uprobe_events" ||
		fail "library uprobe definition: $(grep sonde_lib_mul "$T"/*_events)"
	status 0 --del sonde_lib_mul
else
	fail "u:libsondetarget --add: $(cat "$TMPDIR/l.err")"
fi

# 3. Listing a binary: functions, USDT.
status 0 --funcs -x "$HELPERS/utarget_pie"
grep -qx sonde_t_add "$TMPDIR/st.out" || fail "--funcs lacks sonde_t_add: $(head "$TMPDIR/st.out")"
status 0 --funcs -x "$HELPERS/utarget_pie" 'sonde_t_g*'
[ "$(cat "$TMPDIR/st.out")" = sonde_t_greet ] || fail "--funcs GLOB: $(cat "$TMPDIR/st.out")"
status 0 -l -x "$HELPERS/utarget_static"
have "$TMPDIR/st.out" "usdt:$HELPERS/utarget_static:sonde:tick" "uprobe:$HELPERS/utarget_static:sonde_t_add" ||
	fail "-l -x lacks the USDT probe or a function"
status 0 -l 'sched:sched_process_ex*'
have "$TMPDIR/st.out" "tracepoint:sched:sched_process_exec" "tracepoint:sched:sched_process_exit" ||
	fail "-l tracepoints"

# 4. -V: kernel (BTF) and user (DWARF).
if [ -s /sys/kernel/btf/vmlinux ]; then
	status 0 -V do_sys_openat2
	have "$TMPDIR/st.out" "Available variables at do_sys_openat2" "const char *" "filename" "(arg2)" ||
		fail "-V kernel"
	status 0 --json -V do_sys_openat2
	have "$TMPDIR/st.out" '{"name":"filename","type":"const char *","arg":2' || fail "-V --json"
	status 2 -V nosuch_kfunc_sonde_xyz
else
	status 1 -V do_sys_openat2
	have "$TMPDIR/st.err" "BTF" || fail "-V without BTF: no reason"
fi
status 0 -x "$HELPERS/utarget_pie" -V sonde_t_greet
have "$TMPDIR/st.out" "Available variables at sonde_t_greet" "const char *" "name" "%di" || fail "-V user"

# 5. Bad input: exit 2, one line.
echo text >"$TMPDIR/notelf"
status 2 --funcs -x /nonexistent/sonde-bin
status 2 --funcs -x "$TMPDIR/notelf"
status 2 -x "$HELPERS/utarget_pie" --add nosuch_function_xyz
status 2 --add 'do_sys_openat2 ((('
status 2 -l --clean
status 2 --add sched:sched_process_exec
status 2 --funcs
status 2
status 1 --del no_such_event_sonde_xyz

# 6. --clean, and nothing left.
status 0 --clean
have "$TMPDIR/st.out" "removed" || fail "--clean output"
no_sonde_events || fail "events left behind"
echo "probe: --add/-l/--del/-V/--funcs/--clean checked on $PROFILE"
