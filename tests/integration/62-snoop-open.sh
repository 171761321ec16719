#!/bin/sh
# 62-snoop-open: opens of unique file names, one created, one missing and
# one through openat2(2) where the kernel has it, are reported with the opener, FD or ERR and the path through every
# mechanism the profile offers (where a mechanism cannot read the name,
# sonde must say so and still report FD and ERR); -x, -e and -f in
# opensnoop's columns (openat2's FLAGS from its struct open_how where the
# mechanism can read it); -u UID shows only the opens of a process running as
# UID and -U its UID column; nothing is left behind.
. "$(dirname "$0")/lib.sh"
K=$HELPERS/snoopkit

# check OUT MECH PID FD ERR PATH SONDE-OUT: the open of PATH (or, where
# names are unavailable, the one with that FD) by PID
check() {
	line=$(json_event "$1" path "$6")
	[ -n "$line" ] || line=$(json_event "$1" fd "$4" | grep '"path":null')
	[ -n "$line" ] || fail "$2: open of $6 by $3 not reported ($(tail -n 1 "$7"))"
	got="$(echo "$line" | json_get fd) $(echo "$line" | json_get err)"
	[ "$got" = "$4 $5" ] || fail "$2: pid $3: fd/err '$got', want '$4 $5': $line"
	path=$(echo "$line" | json_get path)
	if [ "$path" = null ]; then
		grep -q 'cannot read the file name' "$7.err" ||
			fail "$2: no path and no warning: $line"
		echo "$2: no file names here: $(grep 'cannot read the file name' "$7.err")"
	elif [ "$path" != "$6" ]; then
		fail "$2: pid $3: path '$path', want '$6'"
	fi
}

# check_how OUT MECH FD PATH FLAGS SONDE-OUT: the openat2 of PATH shows
# its struct open_how's flags (decimal) and mode 0644, where the mechanism
# reads them (BPF, event probes); elsewhere null, and sonde says why
eprobes=$("$SONDE" features 2>/dev/null | awk '$1 == "eprobes" { print $2 }')
check_how() {
	line=$(json_event "$1" path "$4")
	[ -n "$line" ] || line=$(json_event "$1" fd "$3" | grep '"path":null')
	got="$(echo "$line" | json_get flags) $(echo "$line" | json_get mode)"
	case $2 in
	bpf) can=yes ;;
	perf) can=no ;;
	*) can=$eprobes ;;
	esac
	if [ "$can" = yes ]; then
		[ "$got" = "$5 420" ] || fail "$2: openat2 of $4: flags/mode '$got', want '$5 420': $line"
		echo "summary: $2: openat2 flags $5 mode 0644 read"
	else
		[ "$got" = "null null" ] || fail "$2: openat2 flags/mode '$got' where they cannot be read: $line"
		grep -q "cannot read openat2's flags" "$6.err" ||
			fail "$2: openat2 flags unknown and no warning: $(cat "$6.err")"
		echo "$2: $(grep -o "cannot read openat2's flags.*" "$6.err")"
		echo "summary: $2: openat2 flags unknown, said why"
	fi
}

for mech in $(profile_mechs); do
	out=$TMPDIR/open.$mech
	new=$TMPDIR/sonde-open-$$-$mech-new missing=$TMPDIR/sonde-open-$$-$mech-missing
	two=$TMPDIR/sonde-open-$$-$mech-two
	# one process, held until sonde traces it (-p keeps others' opens,
	# of a busy machine, out of the kernel's buffers)
	held_start "$TMPDIR/go" open "$new" creat wronly + "$missing" + "$two" creat wronly excl openat2 \
		>"$TMPDIR/opens" || fail "cannot start snoopkit"
	start_sonde "$out" "$out.err" snoop open --via "$mech" --json -p "$HELD" ||
		fail "$mech: cannot start"
	held_go "$TMPDIR/go"
	wait "$HELD"
	set -- $(sed -n 1p "$TMPDIR/opens"); fd=$4
	[ "$fd" -ge 0 ] || fail "cannot create $new"
	nap 1
	stop_sonde INT || fail "$mech: sonde exited with status $?: $(cat "$out.err")"
	json_event "$out" pid "$HELD" >"$out.mine"
	[ "$(wc -l <"$out.mine")" -ge 2 ] || fail "$mech: $HELD's opens not reported: $(cat "$out.mine") $(tail -n 1 "$out")"
	check "$out.mine" "$mech" "$HELD" "$fd" 0 "$new" "$out"
	check "$out.mine" "$mech" "$HELD" -1 2 "$missing" "$out"
	set -- $(sed -n 3p "$TMPDIR/opens"); fd2=$4 err2=$6
	if [ "$fd2" -ge 0 ]; then
		check "$out.mine" "$mech" "$HELD" "$fd2" 0 "$two" "$out"
		check_how "$out.mine" "$mech" "$fd2" "$two" "$(sed -n 3p "$TMPDIR/opens" | awk '{ print $8 }')" "$out"
	elif [ "$err2" = 38 ]; then
		echo "$mech: no openat2 on this kernel (ENOSYS)"
	else
		fail "$mech: openat2 of $two failed: errno $err2"
	fi
	# a loaded machine may drop others' events: counted, never silent
	grep -q '"type":"summary","lost":[0-9]*,"lost_exact":[a-z]*}' "$out" || fail "$mech: no summary: $(tail -n 1 "$out")"
	tracefs_clean || fail "$mech: not clean after SIGINT"
	echo "$mech: ok ($(sed -n 's/^Tracing open via //p' "$out.err"))"
done

# opensnoop -u UID -U: a process running as UID (its open fails or not:
# TMPDIR may be closed to it), not root's; the UID column. It lingers:
# where events carry no uid (tracefs, perf) it is read from /proc.
for mech in $(profile_mechs); do
	out=$TMPDIR/u.$mech
	start_sonde "$out" "$out.err" snoop open --via "$mech" -u 4242 -U || fail "-u $mech: cannot start"
	set -- $("$K" linger 700 uid 4242 open "$TMPDIR/u-$$-$mech-theirs"); puid=$2
	set -- $("$K" open "$TMPDIR/u-$$-$mech-root"); proot=$2
	nap 1
	stop_sonde TERM || fail "-u $mech: sonde exited with status $?: $(cat "$out.err")"
	head -n 1 "$out" | grep -q '^UID  *PID  *COMM  *FD  *ERR  *PATH$' ||
		fail "-u $mech: header is '$(head -n 1 "$out")'"
	awk -v p="$puid" -v f="$TMPDIR/u-$$-$mech-theirs" '$1 == 4242 && $2 == p && $3 == "snoopkit" && ($NF == f || $NF == "unavailable]")' "$out" |
		grep -q . || fail "-u $mech: open by uid 4242 ($puid) missing: $(cat "$out")"
	awk -v p="$proot" '$2 == p' "$out" | grep -q . && fail "-u $mech: root's open shown: $(cat "$out")"
	tracefs_clean || fail "-u $mech: not clean after SIGTERM"
	echo "$mech: -u ok"
done

# opensnoop -x -e: failures only, with FLAGS; -f O_CREAT: creating opens only.
out=$TMPDIR/x.out
start_sonde "$out" "$TMPDIR/x.err" snoop open -x -e || fail "-x: cannot start"
set -- $("$K" open "$TMPDIR/x-$$-ok" creat wronly); pok=$2
set -- $("$K" open "$TMPDIR/x-$$-missing"); pmiss=$2
nap 1
stop_sonde TERM || fail "-x: sonde exited with status $?: $(cat "$TMPDIR/x.err")"
head -n 1 "$out" | grep -q '^PID  *COMM  *FD  *ERR  *FLAGS  *PATH$' ||
	fail "-x: header is '$(head -n 1 "$out")'"
awk -v p="$pmiss" '$1 == p && $2 == "snoopkit" && $3 == -1 && $4 == 2 && $5 == "00000000"' "$out" |
	grep -q . || fail "-x: failed open by $pmiss missing: $(cat "$out")"
awk -v p="$pok" '$1 == p' "$out" | grep -q . && fail "-x: successful open shown"

# -f matches openat2's flags too (read from its struct open_how), where the
# mechanism can read them; elsewhere sonde says that -f cannot match them.
out=$TMPDIR/f.out
start_sonde "$out" "$TMPDIR/f.err" snoop open -f O_CREAT || fail "-f: cannot start"
set -- $("$K" open "$TMPDIR/f-$$-new" creat wronly); pcreat=$2 fd=$4
set -- $("$K" open "$TMPDIR/f-$$-new"); pread=$2
set -- $("$K" open "$TMPDIR/f-$$-two" creat wronly openat2); ptwo=$2 fdtwo=$4 errtwo=$6
set -- $("$K" open "$TMPDIR/f-$$-two" openat2); ptworead=$2
nap 1
stop_sonde TERM || fail "-f: sonde exited with status $?: $(cat "$TMPDIR/f.err")"
awk -v p="$pcreat" -v fd="$fd" '$1 == p && $3 == fd && $4 == 0' "$out" | grep -q . ||
	fail "-f: creating open by $pcreat missing: $(cat "$out")"
awk -v p="$pread" '$1 == p' "$out" | grep -q . && fail "-f O_CREAT: a plain open shown"
awk -v p="$ptworead" '$1 == p' "$out" | grep -q . && fail "-f O_CREAT: a plain openat2 shown"
if [ "$fdtwo" -lt 0 ] && [ "$errtwo" = 38 ]; then
	echo "-f: no openat2 on this kernel (ENOSYS)"
elif grep -q "cannot read openat2's flags" "$TMPDIR/f.err"; then
	grep -q "Tracing open via BPF" "$TMPDIR/f.err" && fail "-f: BPF did not read openat2's flags"
	grep -q "and -f does not match them" "$TMPDIR/f.err" || fail "-f: no word on openat2: $(cat "$TMPDIR/f.err")"
	echo "-f: $(sed -n 's/^Tracing open via //p' "$TMPDIR/f.err"): openat2 flags unknown, said so"
else
	awk -v p="$ptwo" -v fd="$fdtwo" '$1 == p && $3 == fd && $4 == 0' "$out" | grep -q . ||
		fail "-f: creating openat2 by $ptwo missing: $(cat "$out")"
	echo "summary: -f O_CREAT matched an openat2 ($(sed -n 's/^Tracing open via \([^,.]*\).*/\1/p' "$TMPDIR/f.err"))"
fi
tracefs_clean || fail "not clean after SIGTERM"
exit 0
