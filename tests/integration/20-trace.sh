#!/bin/sh
# 20-trace: `sonde trace` on what the test itself causes: a kernel function
# with a string argument and its return value (or, where the kernel cannot
# probe functions, the precise refusal), a tracepoint with fields and a
# filter, uprobes and uretprobes in a PIE, a static non-PIE program and a
# shared library, and a USDT probe — through every mechanism the profile
# offers; nothing is left behind.
. "$(dirname "$0")/lib.sh"

mechs=$(profile_mechs)
have() {	# FILE PATTERN...: every fixed-string pattern is in FILE
	_f=$1
	shift
	for _p; do
		grep -qF -- "$_p" "$_f" || { echo "missing '$_p' in:"; cat "$_f"; return 1; }
	done
}

# 1. A kernel function with a string argument, and its return.
f=$TMPDIR/sonde-open-$$.txt
echo data >"$f"
if [ "$PROFILE" = host ]; then
	"$SONDE" trace 'do_sys_openat2 "%s", arg2' >"$TMPDIR/k.out" 2>"$TMPDIR/k.err"
	rc=$?
	[ $rc -eq 1 ] || fail "kernel function on host: exit $rc, want 1"
	[ "$(wc -l <"$TMPDIR/k.err")" -eq 1 ] || fail "refusal is not one line: $(cat "$TMPDIR/k.err")"
	have "$TMPDIR/k.err" "cannot probe kernel function entry 'do_sys_openat2'" \
		"fentry" "EPERM" "kprobe_events" "function tracer" \
		"try the tracepoint syscalls:sys_enter_openat" || fail "refusal lacks a reason"
	tracefs_clean || fail "refusal left state behind"
else
	for mech in $mechs; do
		out=$TMPDIR/k.$mech
		start_sonde "$out" "$out.err" trace --via "$mech" \
			'do_sys_openat2 "file=%s", arg2' 'r:do_sys_openat2 "ret=%d", retval' ||
			fail "$mech: cannot start"
		sh -c 'echo $$ >"$1.pid"; exec cat "$1" >/dev/null' sh "$f"
		nap 1
		stop_sonde || fail "$mech: exit status $?"
		pid=$(cat "$f.pid")
		grep "^$pid " "$out" | grep -qF "do_sys_openat2   file=$f" ||
			fail "$mech: open of $f by $pid not traced: $(grep -F "$f" "$out")"
		grep "^$pid " "$out" | grep -q "ret=3$" ||
			fail "$mech: return value 3 of $pid not traced: $(grep "^$pid " "$out")"
		tracefs_clean || fail "$mech: not clean"
	done
fi

# 2. A tracepoint: a string field, a number, a filter that passes and one
# that rejects.
prog=$TMPDIR/sonde-exec-$$
cp "$HELPERS/utarget_static" "$prog"
for mech in $mechs; do
	out=$TMPDIR/t.$mech
	start_sonde "$out" "$out.err" trace --via "$mech" \
		"t:sched:sched_process_exec (args->filename == \"$prog\") \"exec %s pid=%d\", args->filename, args->pid" \
		't:sched:sched_process_exec (args->pid < 0) "never"' || fail "$mech: cannot start"
	"$prog" tp 1 >/dev/null
	/bin/true
	nap 1
	stop_sonde || fail "$mech: exit status $?"
	[ "$(grep -c "exec $prog pid=" "$out")" -eq 1 ] || fail "$mech: want 1 exec of $prog: $(cat "$out")"
	grep -q never "$out" && fail "$mech: a rejecting filter let events through"
	grep -q "sched_process_exec exec /bin/true" "$out" && fail "$mech: string filter let /bin/true through"
	tracefs_clean || fail "$mech: not clean"
done

# 2b. -K: the kernel stack under each event (BPF stack maps; tracefs and
# perf in 22-trace-ftrace).
case " $mechs " in
*" bpf "*)
	out=$TMPDIR/kstack
	# (not a syscall tracepoint: before 6.x their stacks start in user mode)
	"$SONDE" trace --via bpf -K -M 1 't:sched:sched_process_exec' -- "$TRUE" >"$out" 2>"$out.err" ||
		fail "-K: exit $?: $(cat "$out.err")"
	grep -q "^        .*do_syscall_64+0x" "$out" || fail "-K: no syscall entry frame: $(cat "$out")"
	;;
esac

# 3. uprobes and uretprobes: PIE + shared library, static non-PIE; USDT.
lib=$HELPERS/libsondetarget.so
for mech in $mechs; do
	for bin in utarget_pie utarget_static; do
		b=$HELPERS/$bin tag=tag$$$bin
		libf=$lib
		[ $bin = utarget_static ] && libf=$b
		out=$TMPDIR/u.$mech.$bin
		"$SONDE" trace --via "$mech" \
			"u:$b:sonde_t_add (arg1 >= 1) \"a=%d b=%d\", arg1, arg2" \
			"ur:$b:sonde_t_add \"ret=%d\", retval" \
			"u:$b:sonde_t_greet \"name=%s\", arg1" \
			"ur:$b:sonde_t_greet \"greeting=%s\", retval" \
			"u:$libf:sonde_lib_mul \"mul %d*%d\", arg1, arg2" \
			"ur:$libf:sonde_lib_mul \"product=%d\", retval" \
			"U:$b:sonde:tick \"tick %d %s\", arg1, arg2" \
			-- "$b" "$tag" 3 >"$out" 2>"$out.err" || fail "$mech $bin: exit $?: $(cat "$out.err")"
		have "$out" "a=1 b=40" "a=2 b=40" "ret=40" "ret=41" "ret=42" \
			"name=$tag" "greeting=hello $tag" "mul 2*3" "product=6" \
			"tick 0 $tag" "tick 2 $tag" || fail "$mech $bin: uprobe values wrong"
		grep -q "a=0 b=40" "$out" && fail "$mech $bin: filter arg1 >= 1 let a=0 through"
		# parameter names from DWARF (perf probe style)
		"$SONDE" trace --via "$mech" -x "$b" 'sonde_t_add a b' -- "$b" "$tag" 2 >"$out.dw" 2>&1 ||
			fail "$mech $bin: DWARF names: $(cat "$out.dw")"
		have "$out.dw" "a=0 b=40" "a=1 b=40" || fail "$mech $bin: DWARF names wrong"
		[ "$(grep -c "tick [0-9] $tag" "$out")" -eq 3 ] || fail "$mech $bin: want 3 USDT ticks"
		tracefs_clean || fail "$mech $bin: not clean"
	done
done
# 3b. Arguments at a return: BPF saves them at entry (kretprobes and
# uretprobes; fexit has them); tracefs and perf refuse in one line.
b=$HELPERS/utarget_pie tag=ret$$
for mech in $mechs; do
	out=$TMPDIR/r.$mech
	"$SONDE" trace --via "$mech" "ur:$b:sonde_t_add \"a=%d ret=%d\", arg1, retval" \
		"ur:$b:sonde_t_greet \"%s -> %s\", arg1, retval" \
		-- "$b" "$tag" 3 >"$out" 2>"$out.err"
	rc=$?
	if [ "$mech" = bpf ]; then
		[ $rc -eq 0 ] || fail "bpf: arguments at a uretprobe: exit $rc: $(cat "$out.err")"
		have "$out" "a=0 ret=40" "a=1 ret=41" "a=2 ret=42" "$tag -> hello $tag" ||
			fail "bpf: arguments at a uretprobe wrong"
	else
		[ $rc -eq 2 ] && grep -q "needs BPF (which saves it at entry)" "$out.err" ||
			fail "$mech: arguments at a uretprobe: exit $rc: $(cat "$out.err")"
	fi
	tracefs_clean || fail "$mech: arguments at a return: not clean"
done
case " $mechs " in
*" bpf "*)
	if [ "$PROFILE" != host ]; then
		out=$TMPDIR/kr.bpf
		start_sonde "$out" "$out.err" trace --via bpf \
			'r:do_sys_openat2 "file=%s ret=%d", arg2, retval' || fail "bpf kretprobe: cannot start"
		sh -c 'echo $$ >"$1.pid"; exec cat "$1" >/dev/null' sh "$f"
		nap 1
		stop_sonde || fail "bpf kretprobe: exit status $?"
		grep "^$(cat "$f.pid") " "$out" | grep -qF "file=$f ret=3" ||
			fail "bpf: argument at the return of do_sys_openat2: $(grep -F "$f" "$out")"
	fi
	;;
esac

# 4. -- CMD follows the command's process tree: its child execs the
# uprobe target through a link named "mine"; an unrelated process (started
# before, released by the command, waited for by it) through one named
# "other". The exec tracepoint and the uprobe see the child only.
mine=$TMPDIR/sonde-mine-$$ other=$TMPDIR/sonde-other-$$
ln -s "$HELPERS/utarget_pie" "$mine"
ln -s "$HELPERS/utarget_pie" "$other"
for mech in $mechs; do
	go=$TMPDIR/go.$mech done=$TMPDIR/done.$mech out=$TMPDIR/f.$mech
	mkfifo "$go" "$done"
	sh -c 'read x <"$1"; "$3" "other-$4" 1 >/dev/null; echo done >"$2"' \
		sh "$go" "$done" "$other" $$ &
	upid=$!
	"$SONDE" trace --via "$mech" 't:sched:sched_process_exec "exec %s", args->filename' \
		"u:$HELPERS/utarget_pie:sonde_t_greet \"name=%s\", arg1" \
		-- sh -c 'echo go >"$1"; sh -c "echo \$\$ >\"\$1\"; exec \"\$2\" child-\$3 1" sh "$2" "$3" "$4" >/dev/null; read x <"$5"' \
		sh "$go" "$out.child" "$mine" $$ "$done" \
		>"$out" 2>"$out.err" || { kill $upid 2>/dev/null; fail "$mech follow: exit $?: $(cat "$out.err")"; }
	wait $upid
	child=$(cat "$out.child")
	grep "^$child " "$out" | grep -qF "exec $mine" ||
		fail "$mech: the child $child's exec not traced: $(cat "$out")"
	grep "^$child " "$out" | grep -qF "name=child-$$" ||
		fail "$mech: the child $child's uprobe not traced: $(cat "$out")"
	grep -qF -e "exec $other" -e "name=other-$$" "$out" &&
		fail "$mech: an unrelated process was traced: $(cat "$out")"
	rm -f "$go" "$done"
	tracefs_clean || fail "$mech follow: not clean"
done
# 5. Memory behind a tracepoint's pointer field: openat2's struct open_how
# (+u0(args->how) its flags, +u8(args->how) its mode) of an openat2 this
# test makes with known flags (O_CREAT|O_WRONLY, mode 0644); a filter on it
# that rejects. Where the mechanism cannot read it (perf; tracefs without
# event probes) the value is "?" and sonde says why.
eprobes=$("$SONDE" features 2>/dev/null | awk '$1 == "eprobes" { print $2 }')
how_read= how_unknown=
for mech in $mechs; do
	out=$TMPDIR/how.$mech two=$TMPDIR/sonde-how-$$-$mech
	start_sonde "$out" "$out.err" trace --via "$mech" \
		't:syscalls:sys_enter_openat2 "how %x %o", +u0(args->how), +u8(args->how)' \
		't:syscalls:sys_enter_openat2 (+u0(args->how) == 0x1234) "never"' ||
		fail "$mech how: cannot start"
	set -- $("$HELPERS/snoopkit" open "$two" creat wronly openat2); pid=$2 fd=$4 err=$6
	nap 1
	stop_sonde || fail "$mech how: exit status $?: $(cat "$out.err")"
	tracefs_clean || fail "$mech how: not clean"
	if [ "$fd" -lt 0 ] && [ "$err" = 38 ]; then
		echo "$mech: no openat2 on this kernel (ENOSYS)"
		continue
	fi
	[ "$fd" -ge 0 ] || fail "openat2 of $two failed: errno $err"
	grep "^$pid " "$out" | grep -q "never" && fail "$mech: the filter on +u0(args->how) passed: $(grep "^$pid " "$out")"
	case $mech in
	bpf) can=yes ;;
	perf) can=no ;;
	*) can=$eprobes ;;
	esac
	if [ "$can" = yes ]; then
		grep "^$pid " "$out" | grep -q "how 41 644$" ||
			fail "$mech: openat2 of $pid: want 'how 41 644': $(grep "^$pid " "$out") $(cat "$out.err")"
		how_read="$how_read $mech"
	else
		grep "^$pid " "$out" | grep -q "how ? ?$" ||
			fail "$mech: openat2 of $pid: want 'how ? ?': $(grep "^$pid " "$out")"
		grep -q "pointer field (+u0(args->NAME)) needs BPF or event probes" "$out.err" ||
			fail "$mech: unknown +u0(args->how) without a reason: $(cat "$out.err")"
		echo "$mech: +u0(args->how) unknown: $(grep -o 'needs BPF or event probes[^;]*' "$out.err" | tail -n 1)"
		how_unknown="$how_unknown $mech"
	fi
done
echo "summary: +u0(args->how) of openat2 read via:${how_read:- none}; unknown (said why) via:${how_unknown:- none}"

echo "kernel function, tracepoint, uprobe, uretprobe, shared library and USDT traced via $mechs; -- CMD follows its children"
