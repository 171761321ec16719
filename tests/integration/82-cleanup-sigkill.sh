#!/bin/sh
# timeout: 300
# 82-cleanup-sigkill: a SIGKILLed sonde cannot undo anything. Its BPF
# programs, links, maps and perf events go with its file descriptors; what
# it made in tracefs (instance, probe group, triggers where the kernel has
# hist triggers) stays until the next sonde that uses tracefs sweeps it,
# or `sonde probe --clean` does. Neither ever touches a sonde still
# running: a live one keeps tracing through every sweep and sees the
# events it should. Kills come while tracing and at random moments during
# setup.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/cleanup-lib.sh"

ut=$HELPERS/utarget_pie
t=$(tracefs_dir)
bad=0 kills=0

# killed_while_tracing MECH ARGS...: start, SIGKILL once tracing; KILLED
killed_while_tracing() {
	_m=$1
	shift
	start_sonde "$TMPDIR/k.out" "$TMPDIR/k.err" --via "$_m" "$@" || return 1
	KILLED=$SPID
	kill -KILL "$KILLED"
	wait "$KILLED" 2>/dev/null
	kills=$((kills + 1))
}

# live_sees TAG: the live sonde L saw an exec of utarget_pie with TAG
live_sees() {
	"$ut" "$1" 1 >/dev/null
	_i=0
	while [ $_i -lt 50 ]; do
		grep -q "$1" "$TMPDIR/live.out" && return 0
		nap 0.1
		_i=$((_i + 1))
	done
	echo "the live sonde $LIVE stopped seeing events ($1)"
	return 1
}

# A live sonde through every step: exec events with their arguments.
start_sonde "$TMPDIR/live.out" "$TMPDIR/live.err" --via tracefs snoop exec ||
	fail "cannot start the live sonde"
LIVE=$SPID
live_sees "first-$$" || bad=$((bad + 1))

# 1. killed while tracing a uprobe through tracefs: instance and probe
#    group stay, the next tracefs run sweeps them
killed_while_tracing tracefs trace "u:$ut:sonde_t_add" || fail "cannot start"
"$KSTATE" owned "$KILLED" >/dev/null &&
	fail "SIGKILL left nothing in tracefs: the sweep test would prove nothing"
"$SONDE" --via tracefs trace t:sched:sched_process_exec -d 0.2 >/dev/null 2>&1 ||
	fail "the sweeping run failed"
owned_clean "$KILLED" "the next tracefs run" || bad=$((bad + 1))
[ -d "$t/instances/sonde_$LIVE" ] || { echo "the sweep removed the live sonde_$LIVE"; bad=$((bad + 1)); }
live_sees "second-$$" || bad=$((bad + 1))

# 2. the same through perf (the uprobe event is ours in tracefs), swept
#    by probe --clean
killed_while_tracing perf trace "u:$ut:sonde_t_add" || fail "cannot start"
"$KSTATE" owned "$KILLED" >/dev/null && fail "SIGKILL left no uprobe event of perf's: the sweep test would prove nothing"
out=$("$SONDE" probe --clean 2>&1) || fail "probe --clean failed: $out"
case $out in "removed 0 "*) echo "probe --clean removed nothing: $out"; bad=$((bad + 1)) ;; esac
owned_clean "$KILLED" "probe --clean" || bad=$((bad + 1))
live_sees "third-$$" || bad=$((bad + 1))

# 3. hist triggers (where the kernel has them) die with the instance
if [ -e "$t/events/sched/sched_process_exec/hist" ]; then
	killed_while_tracing tracefs hist -C t:sched:sched_process_exec || fail "cannot start hist"
	"$SONDE" probe --clean >/dev/null 2>&1
	owned_clean "$KILLED" "probe --clean of a hist trigger" || bad=$((bad + 1))
fi

# 4. BPF: nothing survives the process
if [ "$PROFILE" != nobpf-6.1 ] && [ "$PROFILE" != debugfs-6.1 ]; then
	bpf_mark
	killed_while_tracing bpf trace "u:$ut:sonde_t_add" || fail "cannot start bpf"
	killed_while_tracing bpf snoop exec || fail "cannot start bpf"
	bpf_clean "SIGKILL of BPF sondes" || bad=$((bad + 1))
fi

# 5. killed at random moments during setup, each mechanism; one sweep
#    clears them all
setup_kills=0
for m in $(profile_mechs); do
	for i in 1 2 3; do
		res=$("$HELPERS/sigrun" -o /dev/null -e "$TMPDIR/s.err" KILL 0-400000 \
			"$SONDE" --via "$m" trace "u:$ut:sonde_t_add")
		# shellcheck disable=SC2086
		set -- $res
		echo "$2" >>"$TMPDIR/setup-killed"
		setup_kills=$((setup_kills + 1))
	done
done
kills=$((kills + setup_kills))
"$SONDE" probe --clean >/dev/null 2>&1 || fail "probe --clean failed"
# shellcheck disable=SC2046
"$KSTATE" owned $(cat "$TMPDIR/setup-killed") || bad=$((bad + 1))
live_sees "fourth-$$" || bad=$((bad + 1))

SPID=$LIVE
stop_sonde INT || { echo "the live sonde exited with status $?"; bad=$((bad + 1)); }
owned_clean "$LIVE" "the live sonde's SIGINT" || bad=$((bad + 1))
[ $bad -eq 0 ] || fail "$bad checks failed"
echo "summary: $kills SIGKILLs ($setup_kills during setup): BPF gone with the process, tracefs leftovers swept by the next run and probe --clean, the live sonde untouched"
