#!/bin/sh
# timeout: 900
# 81-cleanup-faults: an error at each setup step (SONDE_FAULT=SITE:N makes
# the Nth tracefs write, BPF object creation or attachment, or
# perf_event_open fail; see include/fault.h) ends or degrades every
# streaming command on each mechanism cleanly: exit status 0 (the step was
# optional, or a fallback took over) or 1 with one "error:" line, and
# nothing left in the kernel (tracefs objects of its pid, BPF objects
# without a holder, global tracefs state). A run with SONDE_FAULT=count
# first tells how many operations of each site the command makes. The
# mechanism's own site (tracefs writes for tracefs and perf, which makes
# its uprobe events in tracefs too; BPF for bpf; perf_event_open for perf)
# fails at every step on this machine (the first 20, and 10 of the rest
# at random where there are more: trace --syscalls over tracefs makes
# ~1500 writes), the other sites at two random steps; under qemu (slow)
# at two random steps and one, for fewer cases. The read path too
# (SONDE_FAULT=read:N: reads of trace_pipe_raw and hist files, the waits
# for events, BPF map reads): the first read and two at random here, one
# under qemu; where the fault fired (sonde says "fault injected") the
# command must end with exit 1 and one error line, never go on as if the
# events or counts were whole.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/cleanup-lib.sh"

load_start
trap load_stop EXIT
global_mark
runs=0 bad=0 failed=0 degraded=0 reads=0 read_fired=0

# fault_run SITE:N ARGS...
fault_run() {
	fault=$1
	shift
	SONDE_FAULT=$fault timeout -k 2 30 "$SONDE" "$@" -d 0.2 \
		>"$TMPDIR/out" 2>"$TMPDIR/err" </dev/null &
	pid=$!
	wait $pid
	status=$?
	runs=$((runs + 1))
	what="$* with SONDE_FAULT=$fault"
	errs=$(grep -c 'error:' "$TMPDIR/err")
	# a read that failed while tracing must end the command: exit 1,
	# one error line (an injected fault says "fault injected")
	case $fault in
	read:*)
		reads=$((reads + 1))
		if grep -q '^sonde: fault injected: read' "$TMPDIR/err"; then
			read_fired=$((read_fired + 1))
			if [ $status != 1 ]; then
				echo "$what: the read failed, but exit status $status:"
				sed 's/^/    /' "$TMPDIR/err"
				bad=$((bad + 1))
			fi
		fi ;;
	esac
	case $status in
	0) degraded=$((degraded + 1)) ;;
	1)
		failed=$((failed + 1))
		if [ "$errs" -ne 1 ]; then
			echo "$what: exit 1 with $errs error lines:"
			sed 's/^/    /' "$TMPDIR/err"
			bad=$((bad + 1))
		fi
		;;
	*)
		echo "$what: exit status $status:"
		sed 's/^/    /' "$TMPDIR/err"
		bad=$((bad + 1))
		;;
	esac
	owned_clean "$pid" "$what" || bad=$((bad + 1))
}

# steps COUNT ALL SOME: 1..COUNT when at most ALL, else 1..ALL and SOME
# drawn at random from the rest
steps() {
	if [ "$1" -le "$2" ]; then
		seq 1 "$1"
		return
	fi
	seq 1 "$2"
	i=0
	while [ $i -lt "$3" ]; do
		echo $(($2 + 1 + $(rand $(($1 - $2)))))
		i=$((i + 1))
	done
}

if [ "$PROFILE" = host ]; then
	own="20 10" other="0 2" reading="1 2"
	# snoop exit and kill run the same engine path as snoop open
	cases | grep -v '^snoop-exit \|^snoop-kill ' >"$TMPDIR/cases"
else
	own="0 2" other="0 1" reading="0 1"
	cases | grep -v '^snoop-\|^hist-user \|^offcpu ' >"$TMPDIR/cases"
fi
while read -r name mech args; do
	bpf_mark
	# shellcheck disable=SC2086
	SONDE_FAULT=count "$SONDE" --via "$mech" $args -d 0.2 >/dev/null 2>"$TMPDIR/count" </dev/null
	counts=$(sed -n 's/^sonde: fault sites: //p' "$TMPDIR/count")
	[ -n "$counts" ] || { echo "$name --via $mech: no fault counts:"; cat "$TMPDIR/count"; bad=$((bad + 1)); continue; }
	for kv in $counts; do
		site=${kv%=*} n=${kv#*=}
		[ "$n" -gt 0 ] || continue
		case $mech/$site in
		bpf/bpf | tracefs/tracefs | perf/perf | perf/tracefs) k=$own ;;
		*/read) k=$reading ;;
		*) k=$other ;;
		esac
		# shellcheck disable=SC2086
		for i in $(steps "$n" $k | sort -nu); do
			# shellcheck disable=SC2086
			fault_run "$site:$i" --via "$mech" $args
		done
	done
	bpf_clean "$name --via $mech" || bad=$((bad + 1))
done <"$TMPDIR/cases"

load_stop
trap - EXIT
global_clean || bad=$((bad + 1))
[ $bad -eq 0 ] || fail "$bad of $runs failed setup steps went wrong"
echo "summary: $runs setup steps and reads failed on purpose over $(wc -l <"$TMPDIR/cases") command/mechanism cases ($failed ended with one error line, $degraded went on without the step); $reads read faults asked for, $read_fired fired while tracing, each ended with exit 1: nothing left behind"
