#!/bin/sh
# 52-hist-trigger: `sonde hist` aggregated by ftrace hist triggers, without
# BPF (picked by itself where BPF is missing, forced with --via tracefs
# elsewhere), on work the test causes (tests/helpers/histprog.c):
#  - sleep latency, sys_enter to sys_exit of clock_nanosleep: -m (whole
#    msecs counted exactly) and -u (log2 of usecs through a second
#    synthetic event): >= 95 % of 500 x 1 ms and 100 x 10 ms sleeps in
#    their bucket;
#  - read sizes, log2 and linear: exactly 1000 x 4096 and 100 x 65536
#    (exact powers of two, which the kernel's log2 puts one bucket low);
#  - --count --by comm with a tracepoint glob: the exact number of reads;
#    every syscall (one trigger on raw_syscalls, by number);
#  - a kernel function's latency (kprobe and kretprobe events), its
#    argument and return value (exact counts), a kprobe glob, kernel
#    stacks as keys;
#  - -i 1 -d 3: three intervals adding up to the 150 paced reads;
#  - a user function's latency over its 1000 calls (-- CMD:
#    set_event_pid), and paired by --key (the process filter on the
#    start events alone);
#  - several start events (runqlat), a pairing key of two fields;
#  - what triggers cannot express (ustack) goes to user space, saying why;
#  - -v names the rung; nothing is left behind (triggers, synthetic
#    events, probes, instance), also after SIGKILL once the sweep ran.
# On the host, whose kernel has no hist triggers: the refusal and why.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/hist-lib.sh"

T=$(tracefs_dir)

# clean WHAT: nothing of our sondes in tracefs, synthetic events included
clean_all() {
	clean || fail "$1: not clean"
	for _p in $(cat "$TMPDIR/pids"); do
		grep -q "^sonde_${_p}_" "$T/synthetic_events" 2>/dev/null &&
			fail "$1: synthetic event of sonde_$_p left behind"
	done
	return 0
}
# stop NAME, and check the rung that aggregated
stop_trig() {
	for _n; do
		stop "$_n"
		grep -q "aggregated by ftrace hist triggers" "$TMPDIR/$_n.err" ||
			fail "$_n: not by hist triggers: $(cat "$TMPDIR/$_n.err")"
	done
}

if [ "$PROFILE" = host ]; then
	# No hist triggers here: --via tracefs falls to user space, and -v
	# says why the hist-trigger rung was passed over.
	run_fg "$TMPDIR/h.out" "$TMPDIR/h.err" hist -v --via tracefs -d 1 \
		--count t:syscalls:sys_enter_read || fail "host: exit $?: $(cat "$TMPDIR/h.err")"
	grep -q "ftrace hist triggers: .*hist" "$TMPDIR/h.err" ||
		fail "host: no reason for passing over hist triggers: $(cat "$TMPDIR/h.err")"
	grep -q "aggregated by user-space" "$TMPDIR/h.err" ||
		fail "host: not in user space: $(cat "$TMPDIR/h.err")"
	clean_all host
	exit 0
fi

[ -e "$T/synthetic_events" ] || skip "this kernel has no synthetic events"
case $PROFILE in
nobpf-6.1 | debugfs-6.1) via= ;;	# the rung BPF's absence leaves
*) via="--via tracefs" ;;
esac
# h NAME ARGS...: sonde hist -v ARGS in the background
h() {
	_n=$1
	shift
	launch "$_n" hist -v $via "$@"
}

h s-m -m $sleeps --comm "${name}s"
h s-u -u $sleeps --comm "${name}s"
h r-l -V 'args->count' t:syscalls:sys_enter_read --comm "${name}r"
h r-lin --linear 0,131072,4096 -V 'args->count' t:syscalls:sys_enter_read --comm "${name}r"
h c --count --by comm 't:syscalls:sys_enter_rea*'
h all --count 't:syscalls:sys_enter_*' --comm "${name}r"
h k -u vfs_read --comm "${name}r"
h a -V arg3 vfs_read --comm "${name}r"
h rv -V retval r:vfs_read --comm "${name}r"
h g --count 'vfs_rea*' --comm "${name}r"
h st --count --by kstack t:syscalls:sys_enter_read --comm "${name}r"
ready s-m s-u r-l r-lin c all k a rv g st
"$HELPERS/histprog" work "$name" >"$TMPDIR/naps" || fail "histprog failed"
stop_trig s-m s-u r-l r-lin c all k a rv g st
grep -q "hist trigger on synthetic:sonde_[0-9]*_lat: hist:" "$TMPDIR/s-u.err" ||
	fail "-v shows no trigger: $(cat "$TMPDIR/s-u.err")"
read -r _ _ ok1 _ ok10 <"$TMPDIR/naps"
atleast "1 ms sleeps in 0 -> 1 ms" "$(bucket "$TMPDIR/s-m.out" 0)" $((ok1 < 475 ? ok1 : 475)) "$TMPDIR/s-m.out"
atleast "10 ms sleeps in 8 -> 15 ms" "$(bucket "$TMPDIR/s-m.out" 8)" $((ok10 < 95 ? ok10 : 95)) "$TMPDIR/s-m.out"
exactly "sleeps in usecs" "$(total "$TMPDIR/s-u.out")" 600 "$TMPDIR/s-u.out"
atleast "10 ms sleeps in 8192 -> 16383 us" "$(bucket "$TMPDIR/s-u.out" 8192)" $((ok10 < 95 ? ok10 : 95)) "$TMPDIR/s-u.out"
exactly "4096-byte reads" "$(bucket "$TMPDIR/r-l.out" 4096)" 1000 "$TMPDIR/r-l.out"
exactly "65536-byte reads" "$(bucket "$TMPDIR/r-l.out" 65536)" 100 "$TMPDIR/r-l.out"
exactly "2048 -> 4095" "$(bucket "$TMPDIR/r-l.out" 2048)" 0 "$TMPDIR/r-l.out"
exactly "4096-byte reads, linear" "$(bucket "$TMPDIR/r-lin.out" 4096)" 1000 "$TMPDIR/r-lin.out"
exactly "65536-byte reads, linear" "$(bucket "$TMPDIR/r-lin.out" 65536)" 100 "$TMPDIR/r-lin.out"
exactly "reads counted by comm" "$(awk -v c="${name}r" '$1 == "syscalls:sys_enter_read" && $2 == c { print $3 }' "$TMPDIR/c.out")" 1100 "$TMPDIR/c.out"
exactly "reads among all syscalls" "$(awk '$1 == "syscalls:sys_enter_read" { print $2 }' "$TMPDIR/all.out")" 1100 "$TMPDIR/all.out"
grep -q "syscall events: one hist trigger on raw_syscalls:sys_enter, by syscall number" "$TMPDIR/all.err" ||
	fail "every syscall not counted on raw_syscalls: $(cat "$TMPDIR/all.err")"
grep -q "hist trigger on sonde_[0-9]*:h0_0: hist:name=sonde_[0-9]*_0:keys=common_type:vals=hitcount:size=128 " "$TMPDIR/g.err" ||
	fail "keyless tables not at the smallest size: $(cat "$TMPDIR/g.err")"
atleast "vfs_read calls" "$(total "$TMPDIR/k.out")" 1100 "$TMPDIR/k.out"
exactly "vfs_read counts of 4096" "$(bucket "$TMPDIR/a.out" 4096)" 1000 "$TMPDIR/a.out"
exactly "vfs_read counts of 65536" "$(bucket "$TMPDIR/a.out" 65536)" 100 "$TMPDIR/a.out"
exactly "vfs_read returns of 4096" "$(bucket "$TMPDIR/rv.out" 4096)" 1000 "$TMPDIR/rv.out"
exactly "vfs_read returns of 65536" "$(bucket "$TMPDIR/rv.out" 65536)" 100 "$TMPDIR/rv.out"
exactly "vfs_read calls in the glob" "$(awk '$1 == "vfs_read" { print $2 }' "$TMPDIR/g.out")" 1100 "$TMPDIR/g.out"
grep -q "do_syscall_64" "$TMPDIR/st.out" || fail "no kernel stack: $(cat "$TMPDIR/st.out")"
exactly "reads under their stacks" "$(awk '$1 == "syscalls:sys_enter_read" { s += $2 } END { print s + 0 }' "$TMPDIR/st.out")" 1100 "$TMPDIR/st.out"
clean_all work

# Several starts (runqlat: wakeup and wakeup_new, keyed by pid at the
# start and next_pid at the end) and a key of two fields.
launch rq hist --preset runqlat -v $via -d 2
h wk --from t:sched:sched_waking --to t:sched:sched_wakeup \
	--key '(args->pid << 16) ^ args->target_cpu' -d 2
ready rq wk
"$HELPERS/histprog" paced "$name" || fail "histprog paced failed"
for n in rq wk; do
	wait "$(cat "$TMPDIR/$n.pid")" || fail "$n: exit $?: $(cat "$TMPDIR/$n.err")"
	grep -q "aggregated by ftrace hist triggers" "$TMPDIR/$n.err" ||
		fail "$n: not by hist triggers: $(cat "$TMPDIR/$n.err")"
done
atleast "runqlat: wakeups" "$(total "$TMPDIR/rq.out")" 1 "$TMPDIR/rq.out"
[ "$(grep -c "hist trigger on sched:sched_switch: hist:keys=next_pid:" "$TMPDIR/rq.err")" = 2 ] ||
	fail "runqlat: not one end trigger per start: $(cat "$TMPDIR/rq.err")"
grep -q "hist trigger on sched:sched_waking: hist:keys=pid,target_cpu:" "$TMPDIR/wk.err" ||
	fail "no two-field pairing key: $(cat "$TMPDIR/wk.err")"
atleast "waking to wakeup" "$(total "$TMPDIR/wk.out")" 1 "$TMPDIR/wk.out"
clean_all "several starts"

# What triggers cannot express goes to user space, saying why.
run_fg "$TMPDIR/us.out" "$TMPDIR/us.err" hist -v $via -d 1 --by ustack \
	--count t:syscalls:sys_enter_read
grep -q "ftrace hist triggers: hist triggers cannot key by user stack" "$TMPDIR/us.err" ||
	fail "no reason for ustack: $(cat "$TMPDIR/us.err")"
clean_all ustack

# -i 1 -d 3: three intervals adding up to the 150 paced reads.
h i --json -i 1 -d 3 --count t:syscalls:sys_enter_read --comm "${name}i"
ready i
"$HELPERS/histprog" paced "$name" || fail "histprog paced failed"
wait "$(cat "$TMPDIR/i.pid")" || fail "-i 1 -d 3: exit status $?: $(cat "$TMPDIR/i.err")"
exactly "intervals" "$(grep -c '"type":"interval_end"' "$TMPDIR/i.out")" 3 "$TMPDIR/i.out"
exactly "reads in the intervals" "$(sed -n 's/.*"type":"count".*"count":\([0-9]*\)}.*/\1/p' "$TMPDIR/i.out" |
	awk '{ s += $1 } END { print s + 0 }')" 150 "$TMPDIR/i.out"
clean_all intervals

# A user function's latency over its 1000 calls; the command started by
# sonde, its events alone let through (set_event_pid).
run_fg "$TMPDIR/u.out" "$TMPDIR/u.err" hist -v $via -n \
	"u:$HELPERS/utarget_static:sonde_t_add" -- "$HELPERS/utarget_static" x 1000 ||
	fail "uprobe latency: exit $?: $(cat "$TMPDIR/u.err")"
grep -q "aggregated by ftrace hist triggers" "$TMPDIR/u.err" ||
	fail "uprobe latency: not by hist triggers: $(cat "$TMPDIR/u.err")"
exactly "calls of sonde_t_add" "$(total "$TMPDIR/u.out")" 1000 "$TMPDIR/u.out"
clean_all uprobe

# The same calls paired by --key (any task may end such a pair: the
# process filter goes on the start events alone).
run_fg "$TMPDIR/uk.out" "$TMPDIR/uk.err" hist -v $via -n \
	--from "u:$HELPERS/utarget_static:sonde_t_add" \
	--to "ur:$HELPERS/utarget_static:sonde_t_add" --key tid -- \
	"$HELPERS/utarget_static" x 1000 ||
	fail "uprobe pair by --key: exit $?: $(cat "$TMPDIR/uk.err")"
grep -q "aggregated by ftrace hist triggers" "$TMPDIR/uk.err" ||
	fail "uprobe pair by --key: not by hist triggers: $(cat "$TMPDIR/uk.err")"
grep -q "if (common_pid == [0-9]*)" "$TMPDIR/uk.err" ||
	fail "uprobe pair by --key: no process filter at the start: $(cat "$TMPDIR/uk.err")"
exactly "calls paired by --key" "$(total "$TMPDIR/uk.out")" 1000 "$TMPDIR/uk.out"
clean_all "pair by key"

# Killed: the next sonde sweeps its triggers, synthetic event and probes.
h kill -u vfs_read --comm "${name}r"
ready kill
SPID=$(cat "$TMPDIR/kill.pid")
kill -KILL "$SPID"
wait "$SPID" 2>/dev/null
[ -d "$T/instances/sonde_$SPID" ] || fail "SIGKILL left no instance to sweep"
"$SONDE" probe --clean >/dev/null 2>&1
[ -d "$T/instances/sonde_$SPID" ] && fail "the sweep left instance sonde_$SPID"
grep -q "^sonde_${SPID}_" "$T/synthetic_events" && fail "the sweep left synthetic event sonde_${SPID}_lat"
grep -q "sonde_$SPID/" "$T/dynamic_events" "$T/kprobe_events" 2>/dev/null &&
	fail "the sweep left the probes of sonde_$SPID"
clean_all sweep
exit 0
