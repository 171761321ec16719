# Shared by the hist tests (50-hist.sh, 51-hist-funcs.sh): the ways to
# aggregate a profile offers, starting and stopping sondes, reading their
# histograms. POSIX sh; sourced after lib.sh.

name=h$$
[ ${#name} -gt 11 ] && name=h$(($$ % 100000))
sleeps="--from t:syscalls:sys_enter_clock_nanosleep --to t:syscalls:sys_exit_clock_nanosleep"

# The ways to aggregate this profile offers: NAME:OPTION,OPTION
ways=
for m in $(profile_mechs); do
	case $m in
	bpf) ways="$ways bpf:--via,bpf user-bpf:--via,bpf,--user-agg" ;;
	tracefs) ways="$ways tracefs:--via,tracefs user-tracefs:--via,tracefs,--user-agg" ;;
	perf) ways="$ways perf:--via,perf" ;;
	esac
done

# Every sonde this test starts is in $TMPDIR/pids: clean() checks that
# none of them left anything in tracefs (tracefs_clean would also blame
# dead sondes of other test runs on this machine).
: >"$TMPDIR/pids"
clean() {
	_t=$(tracefs_dir)
	for _p in $(cat "$TMPDIR/pids"); do
		if [ -d "$_t/instances/sonde_$_p" ] ||
			grep -q "sonde_$_p/" "$_t/dynamic_events" "$_t/kprobe_events" \
				"$_t/uprobe_events" 2>/dev/null; then
			echo "left behind in tracefs: sonde_$_p"
			return 1
		fi
	done
}
# On any exit (a failure, the runner's timeout) no sonde of ours outlives
# the test: one left would keep its probes (and, on syscall tracepoints,
# hide their events from perf users).
reap() {
	for _p in $(cat "$TMPDIR/pids"); do
		[ "$(cat "/proc/$_p/comm" 2>/dev/null)" = sonde ] || continue
		kill -INT "$_p" 2>/dev/null && nap 0.5
		[ "$(cat "/proc/$_p/comm" 2>/dev/null)" = sonde ] && kill -KILL "$_p"
	done
	return 0
}
trap reap EXIT
trap 'exit 1' INT TERM HUP
# run_fg OUT ERR ARGS...: run sonde ARGS to its end
run_fg() {
	_o=$1 _e=$2
	shift 2
	"$SONDE" "$@" >"$_o" 2>"$_e" &
	echo $! >>"$TMPDIR/pids"
	wait $!
}

# bucket FILE LO: the count of the histogram bucket starting at LO
bucket() { awk -v lo="$2" '$2 == "->" && $1 == lo { print $5; exit }' "$1"; }
# total FILE: the count of the avg/total/count line
total() { sed -n 's/.*count: \([0-9]*\).*/\1/p' "$1" | head -1; }
# launch NAME ARGS...: start sonde ARGS in the background, output in
# $TMPDIR/NAME.out and .err; ready NAME...: wait until each says it is
# tracing (started together, they probe the kernel in parallel)
launch() {
	_n=$1
	shift
	"$SONDE" "$@" >"$TMPDIR/$_n.out" 2>"$TMPDIR/$_n.err" &
	echo $! >"$TMPDIR/$_n.pid"
	echo $! >>"$TMPDIR/pids"
}
ready() {
	for _n; do
		_i=0
		while ! grep -q '^Tracing' "$TMPDIR/$_n.err" 2>/dev/null; do
			kill -0 "$(cat "$TMPDIR/$_n.pid")" 2>/dev/null ||
				fail "$_n: sonde exited early: $(cat "$TMPDIR/$_n.err")"
			_i=$((_i + 1))
			[ $_i -gt 600 ] && fail "$_n: not ready after 60s: $(cat "$TMPDIR/$_n.err")"
			nap 0.1
		done
	done
}
stop() {
	SPID=$(cat "$TMPDIR/$1.pid")
	stop_sonde || fail "$1: exit status $?: $(cat "$TMPDIR/$1.err")"
}
# atleast/exactly WHAT GOT WANT [FILE...]: FILEs are shown on failure
atleast() {
	[ -n "$2" ] && [ "$2" -ge "$3" ] && return
	_m="$1: got '${2}', want at least $3"
	shift 3
	fail "$_m $(cat "$@" </dev/null)"
}
exactly() {
	[ "$2" = "$3" ] && return
	_m="$1: got '${2}', want $3"
	shift 3
	fail "$_m $(cat "$@" </dev/null)"
}
rung_of() { sed -n 's/.*aggregated by \(.*\)\. Ctrl-C.*/\1/p' "$TMPDIR/$1.err"; }

