# Shared functions for integration tests (POSIX sh; busybox ash in guests).
# Source with: . "$(dirname "$0")/lib.sh"

fail() { echo "FAIL: $*"; exit 1; }
skip() { echo "$*"; exit 77; }

# A dynamically or statically linked true(1) to exec by path (a shell's
# `command -v true` names its builtin).
TRUE=/bin/true
[ -x "$TRUE" ] || TRUE=/usr/bin/true

# Sleep a fraction of a second where sleep supports it.
nap() { sleep "${1:-0.1}" 2>/dev/null || sleep 1; }

tracefs_dir() {
	awk '$3 == "tracefs" { print $2; exit }' /proc/mounts | grep . ||
		echo /sys/kernel/debug/tracing
}

# Mechanisms a profile offers for tracepoints (what --via may pick).
profile_mechs() {
	case $PROFILE in
	nobpf-6.1 | debugfs-6.1) echo "tracefs perf" ;;
	*) echo "bpf tracefs perf" ;;
	esac
}

# start_sonde OUT ERR ARGS...: run sonde in the background and wait until
# it says it is tracing (its "Tracing ..." line on stderr). Sets SPID.
start_sonde() {
	_out=$1 _err=$2
	shift 2
	# emptied here: the child's own redirection may come after the first
	# look, which would find an earlier run's "Tracing"
	: >"$_err"
	"$SONDE" "$@" >"$_out" 2>"$_err" &
	SPID=$!
	_i=0
	while ! grep -q '^Tracing' "$_err" 2>/dev/null; do
		if ! kill -0 "$SPID" 2>/dev/null; then
			wait "$SPID"
			echo "sonde $* exited early (status $?):"
			cat "$_err"
			return 1
		fi
		_i=$((_i + 1))
		[ $_i -gt 600 ] && { echo "sonde $* not ready after 60s"; cat "$_err"; return 1; }
		nap 0.1
	done
	return 0
}

# stop_sonde [SIGNAL]: stop SPID and return its exit status.
stop_sonde() {
	kill "-${1:-INT}" "$SPID" 2>/dev/null
	wait "$SPID"
}

# Anything sonde made in tracefs that is still there (instances, probe
# groups named sonde_<pid>) and whose owner is gone; one still running
# (another test run on this machine) is not a leftover. Prints what it
# finds; true when clean.
_tracefs_leftovers() {
	_t=$(tracefs_dir)
	for _n in $(ls "$_t/instances" 2>/dev/null | grep '^sonde_[0-9]*$') \
		$(cat "$_t/dynamic_events" "$_t/kprobe_events" "$_t/uprobe_events" 2>/dev/null |
			sed -n 's/^[a-z0-9]*:\(sonde_[0-9]*\)\/.*/\1/p'); do
		_pid=${_n#sonde_}
		# a live owner (another sonde, or unit tests) is not a leftover
		[ -d "/proc/$_pid" ] || echo "$_n"
	done
}
tracefs_clean() {
	[ -z "$(_tracefs_leftovers)" ] && return 0
	# an owner that was exiting (its cleanup under way) had its moment
	nap 1
	_left=$(_tracefs_leftovers | tr '\n' ' ')
	[ -z "$_left" ] && return 0
	echo "left behind in tracefs: $_left"
	return 1
}

# json_get KEY: the value of "KEY": in each JSON line on stdin (strings
# without their quotes; lines without KEY print nothing).
json_get() {
	awk -v k="\"$1\":" '{
		i = index($0, k)
		if (!i) next
		v = substr($0, i + length(k))
		if (substr(v, 1, 1) == "\"") { v = substr(v, 2); sub(/".*/, "", v) }
		else sub(/[,}].*/, "", v)
		print v
	}'
}

# json_event FILE KEY VALUE: the JSON lines of FILE whose KEY is VALUE
# (a number, or a string given without quotes).
json_event() {
	grep -e "\"$2\":$3[,}]" -e "\"$2\":\"$3\"" "$1"
}

# held_start FIFO CMD...: start CMD in the background held before it runs
# (snoopkit wait) and set HELD to its pid; held_go FIFO lets it run.
held_start() {
	_fifo=$1
	shift
	rm -f "$_fifo" "$_fifo.pid"
	mkfifo "$_fifo" || return 1
	"$HELPERS/snoopkit" wait "$_fifo" "$@" &
	_i=0
	while [ ! -s "$_fifo.pid" ] && [ $_i -lt 100 ]; do nap 0.05; _i=$((_i + 1)); done
	HELD=$(cat "$_fifo.pid")
	[ -n "$HELD" ]
}
held_go() {
	echo go >"$1"
}
