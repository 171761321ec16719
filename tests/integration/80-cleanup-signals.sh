#!/bin/sh
# timeout: 600
# 80-cleanup-signals: every streaming command on each of its mechanisms
# is stopped by SIGINT, SIGTERM, SIGHUP or a closed output pipe at a
# random moment, during setup and while tracing, and must leave the
# kernel as it found it: nothing in tracefs named after it, no BPF object
# without a live holder, tracefs's global state unchanged (checked per
# run; other sondes running meanwhile are not this test's). Exit status:
# 0 (stopped by the signal or the pipe, as documented), or 128 + the
# signal when it came before sonde took the signals over (nothing made
# yet). On this machine each case is stopped each of the four ways during
# setup and while tracing; under qemu (slow: ~3 s a run) once, the way and
# the moment drawn at random (ALL=1: every way at both moments).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/cleanup-lib.sh"

[ "$PROFILE" = host ] && ALL=${ALL:-1}
# stops: "WAY MOMENT" lines, every combination or one at random
stops() {
	for way in INT TERM HUP pipe; do
		for moment in tracing setup; do
			echo "$way $moment"
		done
	done | if [ "${ALL:-0}" = 1 ]; then cat; else sed -n "$(($(rand 8) + 1))p"; fi
}

load_start
trap load_stop EXIT
global_mark
runs=0 bad=0 setup=0 tracing=0

# one_run CASE MECH HOW MOMENT ARGS...: MOMENT setup or tracing
one_run() {
	name=$1 mech=$2 how=$3 moment=$4
	shift 4
	if [ "$moment" = tracing ]; then
		# up to 0.3 s after it said "Tracing"
		res=$("$HELPERS/sigrun" -R -o "$TMPDIR/out" -e "$TMPDIR/err" "$how" 0-300000 \
			"$SONDE" --via "$mech" "$@")
	else
		# anywhere from exec to a little past the measured setup time
		max=$((${setup_us:-300000} * 5 / 4))
		res=$("$HELPERS/sigrun" -o "$TMPDIR/out" -e "$TMPDIR/err" "$how" "0-$max" \
			"$SONDE" --via "$mech" "$@")
	fi
	runs=$((runs + 1))
	# shellcheck disable=SC2086
	set -- $res
	pid=$2 delay=$4 ready=$6 status=$8
	what="$name --via $mech, $how after ${delay}us ($moment)"
	case $how in
	pipe) sig=13 ;;
	INT) sig=2 ;;
	TERM) sig=15 ;;
	HUP) sig=1 ;;
	esac
	if [ "$status" = hung ]; then
		echo "$what: still running 30 s later"
		bad=$((bad + 1))
	elif [ "$moment" = tracing ] && [ "$ready" -lt 0 ]; then
		echo "$what: sonde never started:"
		sed 's/^/    /' "$TMPDIR/err"
		bad=$((bad + 1))
	elif [ "$status" != 0 ] && [ "$status" != $((128 + sig)) ]; then
		echo "$what: exit status $status:"
		sed 's/^/    /' "$TMPDIR/err"
		bad=$((bad + 1))
	elif [ "$status" != 0 ] && [ "$ready" -ge 0 ]; then
		echo "$what: killed by the signal although it was tracing"
		bad=$((bad + 1))
	fi
	if [ "$ready" -ge 0 ]; then
		tracing=$((tracing + 1))
	else
		setup=$((setup + 1))
	fi
	[ "$moment" = tracing ] && [ "$ready" -gt 0 ] && setup_us=$ready
	owned_clean "$pid" "$what" || bad=$((bad + 1))
}

cases >"$TMPDIR/cases"
# how long setup takes here (the first case, stopped while tracing)
# bounds the moments drawn "during setup"
read -r name mech args <"$TMPDIR/cases"
# shellcheck disable=SC2086
one_run "$name" "$mech" INT tracing $args </dev/null
while read -r name mech args; do
	bpf_mark
	stops >"$TMPDIR/stops"
	while read -r how moment; do
		# shellcheck disable=SC2086
		one_run "$name" "$mech" "$how" "$moment" $args </dev/null
	done <"$TMPDIR/stops"
	bpf_clean "$name --via $mech" || bad=$((bad + 1))
done <"$TMPDIR/cases"

load_stop
trap - EXIT
global_clean || bad=$((bad + 1))
[ $bad -eq 0 ] || fail "$bad of $runs stops left something behind or ended wrongly"
echo "summary: $runs stops ($tracing while tracing, $setup during setup) over $(wc -l <"$TMPDIR/cases") command/mechanism cases: nothing left behind"
