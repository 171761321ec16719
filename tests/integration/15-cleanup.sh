#!/bin/sh
# 15-cleanup: leftovers of a SIGKILLed sonde are swept by the next run, a
# live sonde's state is never disturbed by another, SIGHUP cleans up, and
# BPF objects go with the process.
. "$(dirname "$0")/lib.sh"

t=$(tracefs_dir)

# SIGKILL leaves the tracefs instance behind; the next run sweeps it.
start_sonde "$TMPDIR/a.out" "$TMPDIR/a.err" snoop exec --via tracefs || fail "cannot start"
killed=$SPID
kill -KILL "$killed"
wait "$killed" 2>/dev/null
[ -d "$t/instances/sonde_$killed" ] || fail "SIGKILL left no instance: the sweep test would prove nothing"

# A live sonde (B) keeps working while another (C) starts and sweeps.
start_sonde "$TMPDIR/b.out" "$TMPDIR/b.err" snoop exec --via tracefs --json || fail "cannot start B"
live=$SPID
"$SONDE" snoop exec --via tracefs -d 1 >"$TMPDIR/c.out" 2>"$TMPDIR/c.err" || fail "C failed: $(cat "$TMPDIR/c.err")"
[ -d "$t/instances/sonde_$killed" ] && fail "the next run did not sweep sonde_$killed"
[ -d "$t/instances/sonde_$live" ] || fail "the next run removed the live sonde_$live"
"$HELPERS/execburst" 1 "$TRUE" "still-alive-$$" >/dev/null
nap 1
SPID=$live
stop_sonde HUP || fail "B exited with status $? on SIGHUP"
grep -q "still-alive-$$" "$TMPDIR/b.out" || fail "the live sonde stopped seeing events after another run"
tracefs_clean || fail "not clean after SIGHUP"

# BPF programs, links and maps vanish with the process (where bpftool is).
if command -v bpftool >/dev/null && [ "$PROFILE" = host ]; then
	before=$(bpftool prog list | grep -c 'name \(enter_execve\|exit_execve\)')
	start_sonde "$TMPDIR/d.out" "$TMPDIR/d.err" snoop exec --via bpf || fail "cannot start bpf"
	during=$(bpftool prog list | grep -c 'name \(enter_execve\|exit_execve\)')
	kill -KILL "$SPID"
	wait "$SPID" 2>/dev/null
	i=0
	while [ "$(bpftool prog list | grep -c 'name \(enter_execve\|exit_execve\)')" -ne "$before" ] && [ $i -lt 50 ]; do
		nap 0.1; i=$((i + 1))
	done
	after=$(bpftool prog list | grep -c 'name \(enter_execve\|exit_execve\)')
	[ "$during" -gt "$before" ] || fail "bpftool did not see sonde's programs while it ran"
	[ "$after" -eq "$before" ] || fail "BPF programs left after SIGKILL: $before before, $after after"
fi
echo "sweep, live-session safety and SIGHUP cleanup ok"
