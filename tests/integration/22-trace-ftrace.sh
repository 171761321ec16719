#!/bin/sh
# 22-trace-ftrace: `sonde trace` where the tracefs side does more than
# kprobes: kernel functions through the ftrace function tracer on a kernel
# without kprobes (simulated with SONDE_REFUTE=kprobes,fentry: the planner
# then chooses exactly as on such a kernel), and -K / -U stacks through
# tracefs and perf. Each part traces what the test causes and leaves
# nothing behind in tracefs.
. "$(dirname "$0")/lib.sh"

mechs=$(profile_mechs)
T=$(tracefs_dir)
have() {	# FILE PATTERN...: every fixed-string pattern is in FILE
	_f=$1
	shift
	for _p; do
		grep -qF -- "$_p" "$_f" || { echo "missing '$_p' in:"; cat "$_f"; return 1; }
	done
}
# The global tracer state sonde must never touch.
global_state() {
	echo "tracer=$(cat "$T/current_tracer" 2>&1)"
	head -n 3 "$T/set_ftrace_filter" 2>&1
}

# 1. The function tracer rung, where the kernel offers the function tracer.
ftrace_done=
if "$SONDE" features 2>/dev/null | grep -q '^ *function_tracer  *yes'; then
	export SONDE_REFUTE=kprobes,fentry
	before=$(global_state)
	f=$TMPDIR/sonde-ftrace-$$.txt
	echo data >"$f"
	out=$TMPDIR/fn
	start_sonde "$out" "$out.err" trace -v do_sys_openat2 'do_sys_open*' ||
		fail "function tracer: cannot start"
	sh -c 'echo $$ >"$1.pid"; exec cat "$1" >/dev/null' sh "$f"
	nap 1
	stop_sonde || fail "function tracer: exit status $?: $(cat "$out.err")"
	pid=$(cat "$f.pid")
	have "$out.err" "ftrace function tracer" "entry only, no arguments" ||
		fail "function tracer: the choice is not explained"
	grep -q "^$pid  *$pid  *cat  *do_sys_openat2" "$out" ||
		fail "function tracer: no do_sys_openat2 entry by cat $pid: $(grep "^$pid " "$out")"
	tracefs_clean || fail "function tracer: not clean"
	[ "$(global_state)" = "$before" ] ||
		fail "function tracer: global state changed: $before -> $(global_state)"

	# -- CMD: set_ftrace_pid follows only the command; -K: func_stack_trace
	"$SONDE" trace -K do_sys_openat2 -- cat "$f" >"$out.cmd" 2>"$out.cmd.err" ||
		fail "function tracer -- CMD: exit $?: $(cat "$out.cmd.err")"
	grep -q "cat  *do_sys_openat2" "$out.cmd" || fail "function tracer -- CMD: no entry: $(cat "$out.cmd")"
	[ "$(grep -c '^[0-9]' "$out.cmd")" -eq "$(grep -c '^[0-9].* cat  *do_sys_openat2' "$out.cmd")" ] ||
		fail "function tracer -- CMD: other processes traced: $(cat "$out.cmd")"
	# the stack starts in the function (not in ftrace's trampoline)
	grep -A1 "cat  *do_sys_openat2" "$out.cmd" | grep -q "^        do_sys_openat2+0x" &&
		grep -q "^        do_syscall_64+0x" "$out.cmd" ||
		fail "function tracer -K: want do_sys_openat2 ... do_syscall_64 frames: $(cat "$out.cmd")"
	tracefs_clean || fail "function tracer -- CMD: not clean"

	# What the function tracer cannot do is refused at once, with the reason.
	for spec in 'do_sys_openat2 "%s", arg2' 'do_sys_openat2 (arg1 == -100)'; do
		"$SONDE" trace "$spec" >/dev/null 2>"$out.bad" && fail "'$spec' accepted"
		[ "$(wc -l <"$out.bad")" -eq 1 ] || fail "'$spec': refusal is not one line: $(cat "$out.bad")"
		have "$out.bad" "only the ftrace function tracer" "records no arguments" \
			"kprobe_events no: refuted by SONDE_REFUTE" || fail "'$spec': refusal unclear"
	done
	"$SONDE" trace --via perf do_sys_openat2 >/dev/null 2>"$out.bad" && fail "--via perf accepted"
	have "$out.bad" "records into tracefs buffers, not perf" || fail "--via perf: refusal unclear"
	"$SONDE" trace -U do_sys_openat2 >/dev/null 2>"$out.bad" && fail "-U accepted"
	have "$out.bad" "records no user stacks" || fail "-U: refusal unclear"
	tracefs_clean || fail "refusals left state behind"
	[ "$(global_state)" = "$before" ] || fail "refusals changed the global state"
	unset SONDE_REFUTE
	ftrace_done="function tracer, "
fi

# 2. -K: the kernel stack of an exec the test causes, on every transport
# (not a syscall tracepoint: before 6.x their stacks start in user mode).
for mech in $mechs; do
	out=$TMPDIR/kstack.$mech
	"$SONDE" trace --via "$mech" -K -M 1 't:sched:sched_process_exec' -- "$TRUE" >"$out" 2>"$out.err" ||
		fail "$mech -K: exit $?: $(cat "$out.err")"
	have "$out" "filename=\"$TRUE\"" || fail "$mech -K: exec of $TRUE not traced"
	grep -q "^        bprm_execve+0x" "$out" && grep -q "^        do_syscall_64+0x" "$out" ||
		fail "$mech -K: no bprm_execve / do_syscall_64 frame: $(cat "$out")"
	tracefs_clean || fail "$mech -K: not clean"
done

# 3. -U: the user stack at a uprobe of a program that lingers after it, so
# its maps can still be read: the first frame is the probed function.
for mech in $mechs; do
	out=$TMPDIR/ustack.$mech
	"$SONDE" trace --via "$mech" -U "u:$HELPERS/probetarget:sonde_target_add" \
		-- "$HELPERS/probetarget" 1 0 1000 >"$out" 2>"$out.err" ||
		fail "$mech -U: exit $?: $(cat "$out.err")"
	grep -A1 "probetarget:sonde_target_add" "$out" |
		grep -q "^        sonde_target_add+0x0 (probetarget)" ||
		fail "$mech -U: no sonde_target_add frame: $(cat "$out")"
	tracefs_clean || fail "$mech -U: not clean"
done
echo "${ftrace_done}-K and -U traced via $mechs"
