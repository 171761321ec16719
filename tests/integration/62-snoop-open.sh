#!/bin/sh
# 62-snoop-open: opens of unique file names, one created and one missing,
# are reported with the opener, FD or ERR and the path through every
# mechanism the profile offers (where a mechanism cannot read the name,
# sonde must say so and still report FD and ERR); -x, -e and -f in
# opensnoop's columns; nothing is left behind.
. "$(dirname "$0")/lib.sh"
K=$HELPERS/snoopkit

# check OUT MECH PID FD ERR PATH
check() {
	line=$(json_event "$1" pid "$3")
	[ -n "$line" ] || fail "$2: open by $3 not reported ($(tail -n 1 "$1"))"
	got="$(echo "$line" | json_get fd) $(echo "$line" | json_get err)"
	[ "$got" = "$4 $5" ] || fail "$2: pid $3: fd/err '$got', want '$4 $5': $line"
	path=$(echo "$line" | json_get path)
	if [ "$path" = null ]; then
		grep -q 'cannot read the file name' "$1.err" ||
			fail "$2: no path and no warning: $line"
		echo "$2: no file names here: $(grep 'cannot read' "$1.err")"
	elif [ "$path" != "$6" ]; then
		fail "$2: pid $3: path '$path', want '$6'"
	fi
}

for mech in $(profile_mechs); do
	out=$TMPDIR/open.$mech
	new=$TMPDIR/sonde-open-$$-$mech-new missing=$TMPDIR/sonde-open-$$-$mech-missing
	start_sonde "$out" "$out.err" snoop open --via "$mech" --json || fail "$mech: cannot start"
	set -- $("$K" open "$new" creat wronly); pnew=$2 fd=$4
	[ "$fd" -ge 0 ] || fail "cannot create $new"
	set -- $("$K" open "$missing"); pmiss=$2
	nap 1
	stop_sonde INT || fail "$mech: sonde exited with status $?: $(cat "$out.err")"
	check "$out" "$mech" "$pnew" "$fd" 0 "$new"
	check "$out" "$mech" "$pmiss" -1 2 "$missing"
	# a loaded machine may drop others' events: counted, never silent
	grep -q '"type":"summary","lost":[0-9]*}' "$out" || fail "$mech: no summary: $(tail -n 1 "$out")"
	tracefs_clean || fail "$mech: not clean after SIGINT"
	echo "$mech: ok ($(sed -n 's/^Tracing open via //p' "$out.err"))"
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

out=$TMPDIR/f.out
start_sonde "$out" "$TMPDIR/f.err" snoop open -f O_CREAT || fail "-f: cannot start"
set -- $("$K" open "$TMPDIR/f-$$-new" creat wronly); pcreat=$2 fd=$4
set -- $("$K" open "$TMPDIR/f-$$-new"); pread=$2
nap 1
stop_sonde TERM || fail "-f: sonde exited with status $?: $(cat "$TMPDIR/f.err")"
awk -v p="$pcreat" -v fd="$fd" '$1 == p && $3 == fd && $4 == 0' "$out" | grep -q . ||
	fail "-f: creating open by $pcreat missing: $(cat "$out")"
awk -v p="$pread" '$1 == p' "$out" | grep -q . && fail "-f O_CREAT: a plain open shown"
tracefs_clean || fail "not clean after SIGTERM"
exit 0
