#!/bin/sh
# 52-hist-trigger: `sonde hist` aggregated by ftrace hist triggers, without
# BPF (picked by itself where BPF is missing, forced with --via tracefs
# elsewhere), on work the test causes (tests/helpers/histprog.c):
#  - sleep latency, sys_enter to sys_exit of clock_nanosleep: -m (whole
#    msecs counted exactly) and -u (log2 of usecs through a synthetic
#    event): >= 95 % of 500 x 1 ms and 100 x 10 ms sleeps in their bucket;
#  - read sizes, log2 and linear: exactly 1000 x 4096 and 100 x 65536
#    (exact powers of two, which the kernel's log2 puts one bucket low);
#  - --count --by comm with a tracepoint glob: the exact number of reads;
#  - -i 1 -d 3: three intervals adding up to 300 reads;
#  - a kernel function's latency (kprobe and kretprobe events), its
#    argument and return value (exact counts), a kprobe glob, kernel
#    stacks as keys;
#  - a user function's latency over its 1000 calls (-- CMD:
#    set_event_pid), and paired by --key (the process filter on the
#    start events alone);
#  - what triggers cannot express (ustack) goes to user space, saying why;
#  - -v names the rung; nothing is left behind (triggers, synthetic
#    events, probes, instance), also after SIGKILL once the sweep ran.
# On the host, whose kernel has no hist triggers: the refusal and why.
. "$(dirname "$0")/lib.sh"

name=t$$
[ ${#name} -gt 11 ] && name=t$(($$ % 100000))
sleeps="--from t:syscalls:sys_enter_clock_nanosleep --to t:syscalls:sys_exit_clock_nanosleep"
T=$(tracefs_dir)

# bucket FILE LO: the count of the histogram bucket starting at LO
bucket() { awk -v lo="$2" '$2 == "->" && $1 == lo { print $5; exit }' "$1"; }
# total FILE: the count of the avg/total/count line
total() { sed -n 's/.*count: \([0-9]*\).*/\1/p' "$1" | head -1; }
atleast() {	# WHAT GOT WANT
	[ -n "$2" ] && [ "$2" -ge "$3" ] || fail "$1: got '${2}', want at least $3"
}
exactly() {
	[ "$2" = "$3" ] || fail "$1: got '${2}', want $3"
}
start() {	# NAME ARGS...: output in $TMPDIR/NAME.out, .err
	_n=$1
	shift
	start_sonde "$TMPDIR/$_n.out" "$TMPDIR/$_n.err" hist -v $via "$@" ||
		fail "$_n: cannot start"
	echo "$SPID" >"$TMPDIR/$_n.pid"
}
stop() {
	SPID=$(cat "$TMPDIR/$1.pid")
	stop_sonde || fail "$1: exit status $?: $(cat "$TMPDIR/$1.err")"
	grep -q "aggregated by ftrace hist triggers" "$TMPDIR/$1.err" ||
		fail "$1: not by hist triggers: $(cat "$TMPDIR/$1.err")"
}
# Synthetic events of sonde processes that are gone.
synth_clean() {
	_left=
	for _n in $(cut -d' ' -f1 "$T/synthetic_events" 2>/dev/null | cut -f1 |
		grep '^sonde_[0-9]*_'); do
		_pid=${_n#sonde_}
		_pid=${_pid%%_*}
		[ "$(cat "/proc/$_pid/comm" 2>/dev/null)" = sonde ] && continue
		_left="$_left $_n"
	done
	[ -z "$_left" ] || { echo "synthetic events left behind:$_left"; return 1; }
}
clean() { tracefs_clean && synth_clean || fail "$1: not clean"; }

if [ "$PROFILE" = host ]; then
	# No hist triggers here: --via tracefs falls to user space, and -v
	# says why the hist-trigger rung was passed over.
	"$SONDE" hist -v --via tracefs -d 1 --count t:syscalls:sys_enter_read \
		>"$TMPDIR/h.out" 2>"$TMPDIR/h.err" || fail "host: exit $?: $(cat "$TMPDIR/h.err")"
	grep -q "ftrace hist triggers: .*hist" "$TMPDIR/h.err" ||
		fail "host: no reason for passing over hist triggers: $(cat "$TMPDIR/h.err")"
	grep -q "aggregated by user-space" "$TMPDIR/h.err" ||
		fail "host: not in user space: $(cat "$TMPDIR/h.err")"
	clean host
	exit 0
fi

[ -e "$T/synthetic_events" ] || skip "this kernel has no synthetic events"
case $PROFILE in
nobpf-6.1 | debugfs-6.1) via= ;;	# the rung BPF's absence leaves
*) via="--via tracefs" ;;
esac

start s-m -m $sleeps --comm "${name}s"
start s-u -u $sleeps --comm "${name}s"
start r-l -V 'args->count' t:syscalls:sys_enter_read --comm "${name}r"
start r-lin --linear 0,131072,4096 -V 'args->count' t:syscalls:sys_enter_read --comm "${name}r"
start c --count --by comm 't:syscalls:sys_enter_rea*'
start k -u vfs_read --comm "${name}r"
# kernel probes' arguments and return values, a kprobe glob, stacks
start a -V arg3 vfs_read --comm "${name}r"
start rv -V retval r:vfs_read --comm "${name}r"
start g --count 'vfs_rea*' --comm "${name}r"
start st --count --by kstack t:syscalls:sys_enter_read --comm "${name}r"
"$HELPERS/histprog" work "$name" >"$TMPDIR/naps" || fail "histprog failed"
for s in s-m s-u r-l r-lin c k a rv g st; do
	stop $s
done
grep -q "hist trigger on synthetic:sonde_[0-9]*_lat: hist:" "$TMPDIR/s-u.err" ||
	fail "-v shows no trigger: $(cat "$TMPDIR/s-u.err")"
read -r _ _ ok1 _ ok10 <"$TMPDIR/naps"
atleast "1 ms sleeps in 0 -> 1 ms" "$(bucket "$TMPDIR/s-m.out" 0)" $((ok1 < 475 ? ok1 : 475))
atleast "10 ms sleeps in 8 -> 15 ms" "$(bucket "$TMPDIR/s-m.out" 8)" $((ok10 < 95 ? ok10 : 95))
exactly "sleeps in usecs" "$(total "$TMPDIR/s-u.out")" 600
atleast "10 ms sleeps in 8192 -> 16383 us" "$(bucket "$TMPDIR/s-u.out" 8192)" $((ok10 < 95 ? ok10 : 95))
exactly "4096-byte reads" "$(bucket "$TMPDIR/r-l.out" 4096)" 1000
exactly "65536-byte reads" "$(bucket "$TMPDIR/r-l.out" 65536)" 100
exactly "2048 -> 4095" "$(bucket "$TMPDIR/r-l.out" 2048)" 0
exactly "4096-byte reads, linear" "$(bucket "$TMPDIR/r-lin.out" 4096)" 1000
exactly "65536-byte reads, linear" "$(bucket "$TMPDIR/r-lin.out" 65536)" 100
exactly "reads counted by comm" "$(awk -v c="${name}r" '$1 == "syscalls:sys_enter_read" && $2 == c { print $3 }' "$TMPDIR/c.out")" 1100
atleast "vfs_read calls" "$(total "$TMPDIR/k.out")" 1100
exactly "vfs_read counts of 4096" "$(bucket "$TMPDIR/a.out" 4096)" 1000
exactly "vfs_read counts of 65536" "$(bucket "$TMPDIR/a.out" 65536)" 100
exactly "vfs_read returns of 4096" "$(bucket "$TMPDIR/rv.out" 4096)" 1000
exactly "vfs_read returns of 65536" "$(bucket "$TMPDIR/rv.out" 65536)" 100
exactly "vfs_read calls in the glob" "$(awk '$1 == "vfs_read" { print $2 }' "$TMPDIR/g.out")" 1100
grep -q "do_syscall_64" "$TMPDIR/st.out" || fail "no kernel stack: $(cat "$TMPDIR/st.out")"
exactly "reads under their stacks" "$(awk '$1 == "syscalls:sys_enter_read" { s += $2 } END { print s + 0 }' "$TMPDIR/st.out")" 1100
clean work

# What triggers cannot express goes to user space, saying why.
"$SONDE" hist -v $via -d 1 --by ustack --count t:syscalls:sys_enter_read \
	>"$TMPDIR/us.out" 2>"$TMPDIR/us.err"
grep -q "ftrace hist triggers: hist triggers cannot key by user stack" "$TMPDIR/us.err" ||
	fail "no reason for ustack: $(cat "$TMPDIR/us.err")"
clean ustack

# -i 1 -d 3: three intervals adding up to the 300 paced reads.
start i --json -i 1 -d 3 --count t:syscalls:sys_enter_read --comm "${name}i"
"$HELPERS/histprog" paced "$name" || fail "histprog paced failed"
SPID=$(cat "$TMPDIR/i.pid")
wait "$SPID" || fail "-i 1 -d 3: exit status $?: $(cat "$TMPDIR/i.err")"
exactly "intervals" "$(grep -c '"type":"interval_end"' "$TMPDIR/i.out")" 3
exactly "reads in the intervals" "$(sed -n 's/.*"type":"count".*"count":\([0-9]*\)}.*/\1/p' "$TMPDIR/i.out" |
	awk '{ s += $1 } END { print s + 0 }')" 300
clean intervals

# A user function's latency over its 1000 calls; the command started by
# sonde, its events alone let through (set_event_pid).
"$SONDE" hist -v $via -n "u:$HELPERS/utarget_static:sonde_t_add" -- \
	"$HELPERS/utarget_static" x 1000 >"$TMPDIR/u.out" 2>"$TMPDIR/u.err" ||
	fail "uprobe latency: exit $?: $(cat "$TMPDIR/u.err")"
grep -q "aggregated by ftrace hist triggers" "$TMPDIR/u.err" ||
	fail "uprobe latency: not by hist triggers: $(cat "$TMPDIR/u.err")"
exactly "calls of sonde_t_add" "$(total "$TMPDIR/u.out")" 1000
clean uprobe

# The same calls paired by --key (any task may end such a pair: the
# process filter goes on the start events alone).
"$SONDE" hist -v $via -n --from "u:$HELPERS/utarget_static:sonde_t_add" \
	--to "ur:$HELPERS/utarget_static:sonde_t_add" --key tid -- \
	"$HELPERS/utarget_static" x 1000 >"$TMPDIR/uk.out" 2>"$TMPDIR/uk.err" ||
	fail "uprobe pair by --key: exit $?: $(cat "$TMPDIR/uk.err")"
grep -q "aggregated by ftrace hist triggers" "$TMPDIR/uk.err" ||
	fail "uprobe pair by --key: not by hist triggers: $(cat "$TMPDIR/uk.err")"
grep -q "if (common_pid == [0-9]*)" "$TMPDIR/uk.err" ||
	fail "uprobe pair by --key: no process filter at the start: $(cat "$TMPDIR/uk.err")"
exactly "calls paired by --key" "$(total "$TMPDIR/uk.out")" 1000
clean "pair by key"

# Killed: the next sonde sweeps its triggers, synthetic event and probes.
start kill -u vfs_read --comm "${name}r"
SPID=$(cat "$TMPDIR/kill.pid")
kill -KILL "$SPID"
wait "$SPID" 2>/dev/null
[ -d "$T/instances/sonde_$SPID" ] || fail "SIGKILL left no instance to sweep"
"$SONDE" probe --clean >/dev/null 2>&1
[ -d "$T/instances/sonde_$SPID" ] && fail "the sweep left instance sonde_$SPID"
grep -q "^sonde_${SPID}_" "$T/synthetic_events" && fail "the sweep left synthetic event sonde_${SPID}_lat"
grep -q "sonde_$SPID/" "$T/dynamic_events" "$T/kprobe_events" 2>/dev/null &&
	fail "the sweep left the probes of sonde_$SPID"
clean sweep
exit 0
