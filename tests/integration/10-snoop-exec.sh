#!/bin/sh
# 10-snoop-exec: a burst of 300 short-lived execs with unique arguments is
# reported exactly, with PID, PPID, RET and ARGS, through every mechanism
# the profile offers; a failed exec shows its error with -x; nothing is
# left behind.
. "$(dirname "$0")/lib.sh"

N=300

check_burst() {	# MECH JSONFILE CHILDREN
	awk -v tag="$tag" -v n="$N" -v prog="$TRUE" -v mech="$1" '
	FNR == NR {
		if ($1 == "parent") parent = $2
		else if ($1 == "child") want[$2] = $3
		next
	}
	index($0, "\"args\":[\"" prog "\",\"" tag "\",") {
		match($0, /"pid":[0-9]+/); pid = substr($0, RSTART + 6, RLENGTH - 6)
		match($0, /"ppid":[0-9]+/); ppid = substr($0, RSTART + 7, RLENGTH - 7)
		match($0, /"ret":-?[0-9]+/); ret = substr($0, RSTART + 6, RLENGTH - 6)
		match($0, "\"" tag "\",\"[0-9]+\"\\]")
		i = substr($0, RSTART + length(tag) + 4, RLENGTH - length(tag) - 6)
		if (!(pid in want)) { print mech ": unexpected pid " pid ": " $0; bad++; next }
		if (want[pid] != i) { print mech ": pid " pid " has arg " i ", expected " want[pid]; bad++ }
		if (ppid != parent) { print mech ": pid " pid " ppid " ppid ", expected " parent; bad++ }
		if (ret != 0) { print mech ": pid " pid " ret " ret; bad++ }
		if (seen[pid]++) { print mech ": pid " pid " reported twice"; bad++ }
	}
	END {
		for (p in want) if (!(p in seen)) { missing++; if (missing < 5) print mech ": missing pid " p " (#" want[p] ")" }
		printf "%s: %d of %d execs seen, %d missing, %d wrong\n", mech, length(seen), n, missing, bad
		exit (missing || bad) ? 1 : 0
	}' "$3" "$2"
}

for mech in $(profile_mechs); do
	tag="sonde-burst-$$-$mech"
	out=$TMPDIR/exec.$mech err=$TMPDIR/exec.$mech.err
	start_sonde "$out" "$err" snoop exec --via "$mech" --json || fail "$mech: cannot start"
	"$HELPERS/execburst" "$N" "$TRUE" "$tag" >"$TMPDIR/children" || fail "execburst failed"
	"$HELPERS/execburst" --fail "/nonexistent/$tag" "$tag-fail" >"$TMPDIR/failchild"
	nap 1
	stop_sonde INT || fail "$mech: sonde exited with status $?: $(cat "$err")"
	check_burst "$mech" "$out" "$TMPDIR/children" || fail "$mech: burst not reported exactly"
	grep -q '"type":"summary","lost":0' "$out" || fail "$mech: lost events: $(tail -n 1 "$out")"
	fpid=$(awk '$1 == "child" { print $2 }' "$TMPDIR/failchild")
	grep "\"pid\":$fpid," "$out" | grep -q '"ret":-2,' ||
		fail "$mech: failed exec of pid $fpid not reported with ret -2"
	tracefs_clean || fail "$mech: not clean after SIGINT"
	echo "$mech: ok ($(sed -n 's/^Tracing exec via //p' "$err"))"
done

# -x shows only failures; text columns are bcc's.
mech=$(profile_mechs | cut -d' ' -f1)
out=$TMPDIR/x.out
start_sonde "$out" "$TMPDIR/x.err" snoop exec -x || fail "-x: cannot start"
"$HELPERS/execburst" 3 "$TRUE" "ok-$$" >/dev/null
"$HELPERS/execburst" --fail "/nonexistent/x-$$" "x-$$" >"$TMPDIR/failchild"
nap 1
stop_sonde TERM || fail "-x: sonde exited with status $?"
head -n 1 "$out" | grep -q '^PCOMM  *PID  *PPID  *RET ARGS$' || fail "-x: header is '$(head -n 1 "$out")'"
fpid=$(awk '$1 == "child" { print $2 }' "$TMPDIR/failchild")
awk -v p="$fpid" '$2 == p && $4 == -2' "$out" | grep -q . || fail "-x: failed exec $fpid missing: $(cat "$out")"
grep -q "ok-$$" "$out" && fail "-x: successful execs shown"
tracefs_clean || fail "not clean after SIGTERM"

# A closed output pipe stops sonde and it cleans up.
("$SONDE" snoop exec 2>/dev/null; echo "rc=$?" >"$TMPDIR/pipe.rc") | head -n 2 >/dev/null &
nap 2
"$HELPERS/execburst" 5 "$TRUE" "pipe-$$" >/dev/null
i=0
while [ ! -s "$TMPDIR/pipe.rc" ] && [ $i -lt 100 ]; do
	"$HELPERS/execburst" 1 "$TRUE" "pipe-$$" >/dev/null; nap 0.1; i=$((i + 1))
done
[ -s "$TMPDIR/pipe.rc" ] || fail "sonde did not stop when its reader went away"
tracefs_clean || fail "not clean after a closed pipe"

# -p: only the execs of that process (a shell that execs keeps its PID)
sh -c "sleep 2; exec $TRUE pid-mine-$$" &
mine=$!
start_sonde "$TMPDIR/p.out" "$TMPDIR/p.err" snoop exec -p "$mine" -d 6 || fail "-p: did not start"
"$HELPERS/execburst" 3 "$TRUE" "pid-other-$$" >/dev/null
wait "$mine"
wait "$SPID"
grep -q "pid-mine-$$" "$TMPDIR/p.out" || fail "-p: the process's exec missing: $(cat "$TMPDIR/p.out")"
grep -q "pid-other-$$" "$TMPDIR/p.out" && fail "-p: other processes' execs shown"

# Forcing BPF where the kernel has none fails with one clear line.
case $PROFILE in
nobpf-6.1 | debugfs-6.1)
	"$SONDE" snoop exec --via bpf -d 1 >/dev/null 2>"$TMPDIR/bpf.err" && fail "--via bpf worked without bpf(2)"
	[ "$(wc -l <"$TMPDIR/bpf.err")" -eq 1 ] || fail "--via bpf error is not one line: $(cat "$TMPDIR/bpf.err")"
	grep -q 'ENOSYS' "$TMPDIR/bpf.err" || fail "--via bpf error does not name ENOSYS: $(cat "$TMPDIR/bpf.err")"
	;;
esac
exit 0
