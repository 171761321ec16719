#!/bin/sh
# 68-snoop-bash: a line typed into an interactive bash running under tmux
# is reported by snoop bash (a uretprobe on readline) with that bash's
# pid, through every mechanism the profile offers, in bashreadline's
# columns; nothing is left behind.
. "$(dirname "$0")/lib.sh"

BASH_BIN=$(command -v bash) || skip "no bash here"
command -v tmux >/dev/null || skip "no tmux here to type into bash"
SOCK=sonde-test-$$
trap 'tmux -L $SOCK kill-server 2>/dev/null' EXIT

# type LINE: into a new interactive bash; prints the bash's pid
type_line() {
	tmux -L $SOCK new-session -d -s s "$BASH_BIN --norc --noprofile" || fail "tmux failed"
	_pid=$(tmux -L $SOCK list-panes -t s -F '#{pane_pid}')
	nap 0.5
	tmux -L $SOCK send-keys -t s "$1" Enter
	nap 0.5
	tmux -L $SOCK kill-session -t s
	echo "$_pid"
}

for mech in $(profile_mechs); do
	out=$TMPDIR/bash.$mech
	start_sonde "$out" "$out.err" snoop bash --bash "$BASH_BIN" --via "$mech" --json ||
		fail "$mech: cannot start"
	line="echo sonde-typed-$$-$mech"
	pid=$(type_line "$line")
	nap 1
	stop_sonde INT || fail "$mech: sonde exited with status $?: $(cat "$out.err")"
	json_event "$out" pid "$pid" | grep -q "\"command\":\"$line\"" ||
		fail "$mech: '$line' in bash $pid not reported: $(cat "$out")"
	tracefs_clean || fail "$mech: not clean after SIGINT"
	echo "$mech: ok ($(sed -n 's/^Tracing bash via //p' "$out.err"))"
done

out=$TMPDIR/t.out
start_sonde "$out" "$TMPDIR/t.err" snoop bash --bash "$BASH_BIN" || fail "text: cannot start"
pid=$(type_line "echo sonde-text-$$")
nap 1
stop_sonde TERM
head -n 1 "$out" | grep -q '^TIME  *PID  *COMMAND$' || fail "text: header is '$(head -n 1 "$out")'"
awk -v p="$pid" -v l="sonde-text-$$" '$2 == p && $3 == "echo" && $4 == l' "$out" | grep -q . ||
	fail "text: the line typed into $pid is missing: $(cat "$out")"
tracefs_clean || fail "not clean after SIGTERM"
exit 0
