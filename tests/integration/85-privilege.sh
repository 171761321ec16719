#!/bin/sh
# 85-privilege: as nobody without capabilities, each command (trace of a
# tracepoint, snoop exec, hist -C, profile, stack --offcpu, probe --add)
# exits 1 with one line naming the missing privilege and leaves nothing in
# tracefs; with only CAP_BPF+CAP_PERFMON (kernel >= 5.8), profile samples
# a burner the test runs (or, where kernel.perf_event_paranoid=3 admits
# CAP_SYS_ADMIN only, says exactly that), and the tracepoint commands give the one line
# that says tracefs is unreadable (tracepoint ids live there), or trace
# the exec the test causes where tracefs is readable. features shows the
# capabilities. tests/helpers/privrun drops to the user and capabilities.
. "$(dirname "$0")/lib.sh"
R=$HELPERS/privrun
NOBODY=65534

[ "$(id -u)" = 0 ] || skip "needs root (to drop to nobody)"
[ -x "$R" ] || fail "$R is missing (make test-helpers)"

# nobody must reach sonde and the burner: a world-readable copy
D=$(mktemp -d /tmp/sonde-priv.XXXXXX) || fail "mktemp"
trap 'rm -rf "$D"' EXIT
chmod 755 "$D"
cp "$SONDE" "$D/sonde" && cp "$HELPERS/profburn_static" "$D/burn" || fail "cp"
chmod 755 "$D/sonde" "$D/burn"
cd "$D" || fail "cd $D"
T=$(tracefs_dir)

# as CAPS ARGS...: run sonde as nobody with CAPS ("none": no capabilities)
as() {
	_caps=$1
	shift
	"$R" $NOBODY $NOBODY "$_caps" -- "$D/sonde" "$@"
}

# refused CAPS WANT ARGS...: exit 1, exactly one line on stderr, which
# contains WANT (a grep pattern), nothing on stdout, nothing left behind
refused() {
	_caps=$1 _want=$2
	shift 2
	as "$_caps" "$@" >"$TMPDIR/out" 2>"$TMPDIR/err"
	_st=$?
	[ $_st = 1 ] || fail "$_caps: sonde $*: status $_st, want 1: $(cat "$TMPDIR/err")"
	[ "$(wc -l <"$TMPDIR/err")" -eq 1 ] ||
		fail "$_caps: sonde $*: want one line, got: $(cat "$TMPDIR/err")"
	grep -q -- "$_want" "$TMPDIR/err" ||
		fail "$_caps: sonde $*: want '$_want', got: $(cat "$TMPDIR/err")"
	[ ! -s "$TMPDIR/out" ] || fail "$_caps: sonde $*: output: $(cat "$TMPDIR/out")"
	tracefs_clean || fail "$_caps: sonde $*: not clean"
	echo "$_caps: sonde $*: $(cat "$TMPDIR/err")"
}

paranoid=$(cat /proc/sys/kernel/perf_event_paranoid)

# ---- no capabilities ----
who="uid $NOBODY with no capabilities"
bpf="needs root, or CAP_BPF and CAP_PERFMON (BPF), or read and write access to $T (tracefs): you are $who"
refused none "$bpf" trace t:sched:sched_process_exec
refused none "$bpf" snoop exec
refused none "$bpf" hist -C t:syscalls:sys_enter_read
refused none "$bpf" stack --offcpu
refused none "needs root, or write access to $T (dynamic events .*you are $who" \
	probe --add 'p:vfs_read'
if [ "$paranoid" -gt 0 ]; then
	refused none "needs root, or CAP_PERFMON .*kernel.perf_event_paranoid <= 0 (it is $paranoid).*you are $who" \
		profile -d 1
else
	echo "none: profile not checked: kernel.perf_event_paranoid=$paranoid lets anyone sample"
fi
# help and features need nothing
as none trace -h >/dev/null 2>&1 || fail "none: trace -h refused"
as none features >"$TMPDIR/f" 2>"$TMPDIR/f.err" || fail "none: features: $(cat "$TMPDIR/f.err")"
grep -q '^  effective capabilities  *none$' "$TMPDIR/f" ||
	fail "none: features does not show the capabilities: $(grep -A3 '^Privileges' "$TMPDIR/f")"
grep -q '^  BPF tracing programs  *no: needs CAP_BPF and CAP_PERFMON' "$TMPDIR/f" ||
	fail "none: features: $(grep -A8 '^Privileges' "$TMPDIR/f")"

# ---- CAP_BPF + CAP_PERFMON ----
caps=bpf,perfmon
as $caps features >"$TMPDIR/f" 2>"$TMPDIR/f.err" || fail "$caps: features: $(cat "$TMPDIR/f.err")"
grep -q '^  effective capabilities  *CAP_BPF, CAP_PERFMON$' "$TMPDIR/f" ||
	fail "$caps: features: $(grep -A3 '^Privileges' "$TMPDIR/f")"
grep -q '^  BPF tracing programs  *yes$' "$TMPDIR/f" ||
	fail "$caps: features: $(grep -A8 '^Privileges' "$TMPDIR/f")"

# profile: CAP_PERFMON samples every CPU; the burner the test runs is seen
"$D/burn" 3 >"$TMPDIR/burn.out" &
BPID=$!
nap 0.3
as $caps profile -U -F 99 -d 1 -p $BPID --folded >"$TMPDIR/prof" 2>"$TMPDIR/prof.err"
st=$?
kill $BPID 2>/dev/null
wait $BPID 2>/dev/null
if [ $st = 0 ]; then
	grep -q 'sonde_burn_three [0-9]*$' "$TMPDIR/prof" ||
		fail "$caps: profile saw no sonde_burn_three: $(cat "$TMPDIR/prof" "$TMPDIR/prof.err")"
	echo "$caps: profile -p $BPID: $(grep -c . "$TMPDIR/prof") stacks"
elif [ "$paranoid" -ge 3 ]; then
	# Debian's perf_event_paranoid=3: some kernels admit CAP_SYS_ADMIN only
	[ $st = 1 ] && [ "$(wc -l <"$TMPDIR/prof.err")" -eq 1 ] &&
		grep -q "perf_event_open is refused (EACCES): kernel.perf_event_paranoid=$paranoid admits only CAP_SYS_ADMIN on this kernel (CAP_PERFMON is not enough): you are uid $NOBODY with CAP_BPF, CAP_PERFMON" "$TMPDIR/prof.err" ||
		fail "$caps: profile: status $st: $(cat "$TMPDIR/prof.err")"
	echo "$caps: profile refused: $(cat "$TMPDIR/prof.err")"
else
	fail "$caps: profile: status $st: $(cat "$TMPDIR/prof.err")"
fi

# The raw tracepoint paths need kernel BTF and BPF raw tracepoints, as
# sonde (root) finds them (nobtf-6.1 hides BTF, nobpf-6.1 has no BPF).
# stack --offcpu on the raw sched_switch tracepoint (attached by name, no
# tracefs): stackprog, which the test runs, is seen off-CPU
raw_ok=0
"$SONDE" features >"$TMPDIR/feat" 2>/dev/null
grep -q '^  btf  *yes' "$TMPDIR/feat" && grep -q '^  bpf_raw_tp  *yes' "$TMPDIR/feat" && raw_ok=1

offcpu_raw() {
	"$HELPERS/stackprog" offcpu -w >"$TMPDIR/sp.out" &
	_sp=$!
	_i=0
	until grep -q '^pid ' "$TMPDIR/sp.out"; do
		_i=$((_i + 1))
		[ $_i -gt 100 ] && fail "stackprog did not start"
		nap 0.1
	done
	as $caps stack --offcpu -v -d 5 -p $_sp -f >"$TMPDIR/off" 2>"$TMPDIR/off.err" &
	_op=$!
	_i=0
	until grep -q '^Tracing off-CPU' "$TMPDIR/off.err"; do
		_i=$((_i + 1))
		[ $_i -gt 100 ] && fail "$caps: stack --offcpu did not start: $(cat "$TMPDIR/off.err")"
		nap 0.1
	done
	kill -USR1 $_sp
	wait $_sp || fail "stackprog offcpu failed"
	wait $_op
	_st=$?
	[ $_st = 0 ] || fail "$caps: stack --offcpu: status $_st: $(cat "$TMPDIR/off.err")"
	grep -q 'BPF raw tracepoint instead' "$TMPDIR/off.err" ||
		fail "$caps: stack --offcpu: -v does not say raw tracepoint: $(cat "$TMPDIR/off.err")"
	grep -q '^stackprog;.* [0-9][0-9]*$' "$TMPDIR/off" ||
		fail "$caps: stack --offcpu -p $_sp saw no stackprog: $(cat "$TMPDIR/off" "$TMPDIR/off.err")"
	tracefs_clean || fail "$caps: stack --offcpu: not clean"
	echo "$caps: stack --offcpu -p $_sp via raw tracepoint: $(grep -c . "$TMPDIR/off") stacks"
}

# snoop exec on raw sys_enter/sys_exit (attached by name, no tracefs): the
# exec the test causes, with its pid, and a failed one
exec_raw() {
	as $caps snoop exec -v -d 4 >"$TMPDIR/ex" 2>"$TMPDIR/ex.err" &
	_ep=$!
	_i=0
	until grep -q '^Tracing exec' "$TMPDIR/ex.err"; do
		_i=$((_i + 1))
		[ $_i -gt 100 ] && fail "$caps: snoop exec did not start: $(cat "$TMPDIR/ex.err")"
		nap 0.1
	done
	"$TRUE" sonde_cap_mark &
	_tp=$!
	wait $_tp
	"$D/no-such-program" 2>/dev/null
	wait $_ep
	_st=$?
	[ $_st = 0 ] || fail "$caps: snoop exec: status $_st: $(cat "$TMPDIR/ex.err")"
	grep -q 'BPF raw tracepoint sys_enter/sys_exit instead' "$TMPDIR/ex.err" ||
		fail "$caps: snoop exec: -v does not say raw tracepoint: $(cat "$TMPDIR/ex.err")"
	grep -q "^true  *$_tp  *[0-9]*  *0 .*sonde_cap_mark\$" "$TMPDIR/ex" ||
		fail "$caps: snoop exec saw no exec of true by $_tp: $(cat "$TMPDIR/ex" "$TMPDIR/ex.err")"
	grep -q " -2 $D/no-such-program\$" "$TMPDIR/ex" ||
		fail "$caps: snoop exec saw no failed exec: $(cat "$TMPDIR/ex")"
	tracefs_clean || fail "$caps: snoop exec: not clean"
	echo "$caps: snoop exec via raw tracepoints saw pid $_tp and the failed exec"
}

# tracepoints: their ids are in tracefs, which root alone reads by default
if "$R" $NOBODY $NOBODY $caps -- sh -c "test -r '$T/events' && test -x '$T/events'"; then
	as $caps trace -M 1 t:sched:sched_process_exec -- "$TRUE" >"$TMPDIR/tp" 2>"$TMPDIR/tp.err" ||
		fail "$caps: readable tracefs: trace: $(cat "$TMPDIR/tp.err")"
	grep -q . "$TMPDIR/tp" || fail "$caps: trace saw no exec: $(cat "$TMPDIR/tp.err")"
	echo "$caps: tracefs readable: trace saw the exec"
else
	tp="tracefs ($T: tracepoint ids and formats, tracefs probes) is not readable (EACCES): you are uid $NOBODY with CAP_BPF, CAP_PERFMON"
	refused $caps "cannot look up tracepoint 'sched:sched_process_exec': $tp" \
		trace t:sched:sched_process_exec
	if [ "$raw_ok" = 1 ]; then
		exec_raw
	else
		refused $caps "cannot trace exec: $tp" snoop exec
	fi
	refused $caps "cannot look up tracepoint 'syscalls:sys_enter_read': $tp" \
		hist -C t:syscalls:sys_enter_read
	if [ "$raw_ok" = 1 ]; then
		offcpu_raw
	else
		refused $caps "cannot trace sched:sched_switch on this kernel: $tp" stack --offcpu
	fi
fi
# trace --syscalls: raw syscall and sched tracepoints, attached by name;
# the child the shell forks is followed to its exec of true
if [ "$raw_ok" = 1 ]; then
	as $caps trace --syscalls -- /bin/sh -c "$TRUE; exit 3" >"$TMPDIR/sc" 2>"$TMPDIR/sc.err"
	st=$?
	[ $st = 3 ] || fail "$caps: trace --syscalls: status $st, want 3: $(cat "$TMPDIR/sc.err")"
	grep -q ' true/[0-9]* execve(.*= 0$' "$TMPDIR/sc" ||
		fail "$caps: trace --syscalls saw no exec of true: $(cat "$TMPDIR/sc" "$TMPDIR/sc.err")"
	# without format files the arguments have no names: values alone
	grep -q '(: \|, : ' "$TMPDIR/sc" &&
		fail "$caps: trace --syscalls printed empty argument names: $(grep -m1 '(: \|, : ' "$TMPDIR/sc")"
	grep -q ' sh/[0-9]* exit_group(' "$TMPDIR/sc" ||
		fail "$caps: trace --syscalls saw no exit_group of sh: $(cat "$TMPDIR/sc")"
	tracefs_clean || fail "$caps: trace --syscalls: not clean"
	echo "$caps: trace --syscalls -- sh: $(grep -c . "$TMPDIR/sc") calls"
fi
refused $caps "needs root, or write access to $T (dynamic events .*CAP_BPF, CAP_PERFMON" \
	probe --add 'p:vfs_read'
tracefs_clean || fail "not clean at the end"
echo ok
