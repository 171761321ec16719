# Shared by the 8x cleanup tests (POSIX sh, busybox ash in guests): the
# command lines every mechanism runs, a background maker of the events
# they trace, and the checks that nothing of sonde's stayed in the kernel.
# Source after lib.sh.

[ "$(id -u)" = 0 ] || skip "needs root"
[ -d "$(tracefs_dir)/events" ] || skip "no tracefs"
for h in kstate sigrun utarget_pie; do
	[ -x "$HELPERS/$h" ] || fail "missing helper $HELPERS/$h (make test-helpers)"
done
KSTATE=$HELPERS/kstate

# The case table: "NAME MECHS ARGS..." per line, one word per argument.
# Every streaming command and each mechanism it has on this profile
# (stack and profile aggregate, but set up and tear down the same way);
# hist's kernel rungs (BPF maps, tracefs hist triggers where the kernel
# has them) and its user-space rung on each transport.
cases() {
	mechs=$(profile_mechs)
	ut=$HELPERS/utarget_pie
	for m in $mechs; do
		echo "trace-tp $m trace t:sched:sched_process_exec"
		echo "trace-uprobe $m trace u:$ut:sonde_t_add"
		echo "snoop-exec $m snoop exec"
		echo "snoop-open $m snoop open"
		echo "snoop-exit $m snoop exit"
		echo "snoop-kill $m snoop kill"
		echo "syscalls $m trace --syscalls -p $LOAD_PID"
		echo "hist-user $m hist --user-agg -i 0.2 -C t:sched:sched_process_exec"
		echo "stack $m stack t:sched:sched_process_exec"
		echo "offcpu $m stack --offcpu"
	done
	case " $mechs " in *" bpf "*)
		echo "hist-bpf bpf hist -i 0.2 -C t:sched:sched_process_exec"
		echo "profile bpf profile -F 99" ;;
	esac
	echo "hist-tracefs tracefs hist -i 0.2 -C t:sched:sched_process_exec"
	echo "profile-perf perf profile -F 99"
}

# load_start / load_stop: a loop making the events the cases trace
# (execs, exits, opens of the loader, uprobe hits, kill(2)); LOAD_PID.
load_start() {
	(
		while :; do
			"$HELPERS/utarget_pie" load 5 >/dev/null
			kill -0 $$ 2>/dev/null
			nap 0.02
		done
	) &
	LOAD_PID=$!
}
load_stop() {
	kill "$LOAD_PID" 2>/dev/null
	wait "$LOAD_PID" 2>/dev/null
}

# rand N: a random number in [0, N)
rand() {
	od -An -N4 -tu4 /dev/urandom | awk -v n="$1" '{ print $1 % n }'
}

# owned_clean PID WHAT: nothing in tracefs named after PID
owned_clean() {
	_left=$("$KSTATE" owned "$1") && return 0
	echo "after $2: left in tracefs by sonde $1:"
	echo "$_left" | sed 's/^/    /'
	return 1
}

# bpf_mark / bpf_clean WHAT: no BPF object made since the mark is left
# without a live holder (where bpf(2) works)
BPF_MARK=
bpf_mark() {
	BPF_MARK=$("$KSTATE" bpf-max 2>/dev/null)
}
bpf_clean() {
	[ -n "$BPF_MARK" ] || return 0
	# shellcheck disable=SC2086
	_left=$("$KSTATE" bpf-new $BPF_MARK 5) && return 0
	echo "after $1: BPF objects left:"
	echo "$_left" | sed 's/^/    /'
	return 1
}

# global_mark / global_clean: tracefs's global settings, options, event
# filters and triggers are as they were
global_mark() {
	"$KSTATE" global >"$TMPDIR/global.before"
}
global_clean() {
	"$KSTATE" global >"$TMPDIR/global.after"
	cmp -s "$TMPDIR/global.before" "$TMPDIR/global.after" && return 0
	echo "global tracefs state changed:"
	diff "$TMPDIR/global.before" "$TMPDIR/global.after" | sed 's/^/    /'
	return 1
}
