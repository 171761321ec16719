#!/bin/sh
# 30-trace-syscalls: `sonde trace --syscalls -- sysprog` reports exactly the
# syscalls sysprog made (tests/helpers/sysprog.c), through every mechanism
# the profile offers: names, decoded arguments, string arguments where the
# mechanism can read them, results and errno names, the 10 ms sleep's
# duration, the getppid count in -s, the forked child, nothing of any other
# process; the exit status is the command's. Then -p PID of a running
# sysprog, --json, -e/--failed, and the failures that must be one line.
. "$(dirname "$0")/lib.sh"

SP=$HELPERS/sysprog
N=37		# getppid calls
CODE=3		# sysprog's exit status

[ -x "$SP" ] || fail "no $SP (build the test helpers)"

# Can MECH read string arguments on this profile? BPF reads them in the
# kernel everywhere. Without BPF they need event probes (tracefs) or
# kprobes (perf: event probes have no perf support): the Debian 6.1/6.12
# kernels have both; the host kernel (6.18, locked down) has neither, so
# there only the pointers can be checked.
strings_for() {
	case $1 in
	bpf) echo yes ;;
	*) [ "$PROFILE" = host ] && echo no || echo yes ;;
	esac
}

# A string argument as the output shows it: the string, or a pointer.
str() {	# VALUE STRINGS
	if [ "$2" = yes ]; then printf '"%s"' "$1"; else printf '0x[0-9a-f]*'; fi
}

# check_run MECH OUT TAG PID STRINGS BUFS: the sequence of sysprog.c
check_run() {
	mech=$1 out=$2 tag=$3 pid=$4 s=$5 bufs=$6
	p="sysprog/$pid"
	dat="$TMPDIR/sonde-sysprog-$tag.dat"
	expect() {	# REGEX WHAT
		grep -q -- "$1" "$out" || fail "$mech: no $2 in output (want /$1/): $(head -c 3000 "$out")"
	}
	expect "^ *[0-9.]* ( *[0-9.]* ms): [^ ]*/$pid execve(filename: " "execve first"
	first=$(grep -m1 -v '^ *$' "$out" | sed 's/.*): [^ ]* \([a-z_0-9]*\)(.*/\1/')
	[ "$first" = execve ] || fail "$mech: the first syscall is $first, not execve (missed the start?)"
	expect "$p openat(dfd: CWD, filename: $(str "/nonexistent/sonde-sysprog-$tag" "$s"), flags: RDONLY) = -1 ENOENT (No such file or directory)\$" "ENOENT openat"
	expect "$p openat(dfd: CWD, filename: $(str "$dat" "$s"), flags: WRONLY|CREAT|TRUNC|CLOEXEC, mode: 0600) = 3\$" "creating openat"
	if [ "$bufs" = yes ]; then
		expect "$p write(fd: 3, buf: \"sonde-sysprog-data\\\\n\", count: 19) = 19\$" "write with its buffer"
		expect "$p read(fd: 3, buf: \"sonde-sysprog-data\\\\n\", count: 100) = 19\$" "read with its buffer"
	else
		expect "$p write(fd: 3, buf: 0x[0-9a-f]*, count: 19) = 19\$" "write of 19 bytes"
		expect "$p read(fd: 3, buf: 0x[0-9a-f]*, count: 100) = 19\$" "read of 19 bytes"
	fi
	expect "$p openat(dfd: CWD, filename: $(str "$dat" "$s"), flags: RDONLY) = 3\$" "reading openat"
	[ "$(grep -c "$p close(fd: 3) = 0\$" "$out")" -eq 3 ] || fail "$mech: not 3 close(fd: 3) = 0"
	expect "$p openat(dfd: CWD, filename: $(str /dev/null "$s"), flags: WRONLY) = 3\$" "/dev/null openat"
	hello="hello from sysprog $tag"
	expect "$p write(fd: 3, buf: .*, count: $((${#hello} + 1))) = $((${#hello} + 1))\$" "write to /dev/null"
	expect "$p unlink(pathname: $(str "$dat" "$s")) = 0\$" "unlink"
	expect "$p exit_group(error_code: $CODE) = ?\$" "exit_group($CODE)"
	n=$(grep -c "$p getppid() = $SPID\$" "$out")
	[ "$n" -eq "$N" ] || fail "$mech: $n getppid() = $SPID lines, want $N"
	ms=$(sed -n "s|^ *[0-9.]* ( *\([0-9.]*\) ms): $p nanosleep(.*) = 0\$|\1|p" "$out")
	[ -n "$ms" ] || fail "$mech: no nanosleep line"
	awk -v ms="$ms" 'BEGIN { exit !(ms >= 10.0) }' || fail "$mech: nanosleep took $ms ms, less than 10"
	# -s: the getppid row counts every call
	awk -v n="$N" '$1 == "getppid" { found = 1; if ($2 != n || $3 != 0) exit 1 } END { exit !found }' "$out" ||
		fail "$mech: summary row of getppid is not $N calls, 0 errors: $(grep getppid "$out" | tail -n 1)"
	awk '$1 == "openat" && $3 == 2 { found = 1 } END { exit !found }' "$out" ||
		fail "$mech: summary row of openat does not count its 2 errors (parent and child)"
}

# The tids of syscall lines that are none of TIDS.
other_tids() {	# OUT TID...
	_f=$1
	shift
	awk -v ok=" $* " '
		/^ *[0-9][0-9.]* \( *([0-9.]* ms)?\): / {
			s = $0; sub(/^[^)]*\): /, "", s); sub(/ .*/, "", s)
			n = split(s, parts, "/")
			if (index(ok, " " parts[n] " ") == 0) print
		}' "$_f"
}

# Only sysprog and its forked child: every line's comm/tid is one of them.
check_only() {	# MECH OUT PID
	child=$(sed -n "s/.*[^ ]*\/$3 clone(.*) = \([0-9][0-9]*\)\$/\1/p" "$2" | head -n 1)
	[ -n "$child" ] || fail "$1: no clone() line with the child's pid"
	grep -q "/$child openat(dfd: CWD, filename: [^,]*, flags: RDONLY) = -1 ENOENT" "$2" ||
		fail "$1: the forked child $child was not followed"
	others=$(other_tids "$2" "$3" "$child")
	[ -z "$others" ] || fail "$1: syscalls of another process: $(echo "$others" | head -n 5)"
}

for mech in $(profile_mechs); do
	tag="s$$-$mech"
	out=$TMPDIR/sc.$mech err=$TMPDIR/sc.$mech.err
	"$SONDE" trace --syscalls -s -v --via "$mech" -- "$SP" -f -n "$N" -x "$CODE" "$tag" >"$out" 2>"$err" &
	SPID=$!
	wait "$SPID"
	rc=$?
	[ "$rc" -eq "$CODE" ] || fail "$mech: exit status $rc, want sysprog's $CODE: $(cat "$err")"
	pid=$(sed -n 's/^Tracing syscalls of PID \([0-9]*\) (.*sysprog) via .*/\1/p' "$err")
	[ -n "$pid" ] || fail "$mech: no 'Tracing syscalls of PID N (...sysprog) via' line: $(cat "$err")"
	s=$(strings_for "$mech")
	if [ "$s" = no ]; then
		grep -q 'strings: not read' "$err" || fail "$mech: -v does not say why strings are not read"
	fi
	bufs=no
	[ "$mech" = bpf ] && bufs=yes
	check_run "$mech" "$out" "$tag" "$pid" "$s" "$bufs"
	check_only "$mech" "$out" "$pid"
	grep -q 'events lost' "$err" && fail "$mech: lost events: $(cat "$err")"
	tracefs_clean || fail "$mech: not clean"
	echo "$mech: ok, strings $s ($(sed -n 's/^Tracing syscalls of PID [0-9]* (.*) via //p' "$err"))"

	# -p PID of a running sysprog: all of its calls after the attach, and
	# sonde ends when it exits.
	tag="p$$-$mech"
	"$SP" -w -n "$N" -x "$CODE" "$tag" >"$TMPDIR/sp.out" &
	spp=$!
	i=0
	while ! grep -q '^pid ' "$TMPDIR/sp.out"; do
		i=$((i + 1)); [ $i -gt 100 ] && fail "sysprog -w did not start"; nap 0.1
	done
	out=$TMPDIR/p.$mech
	start_sonde "$out" "$TMPDIR/p.$mech.err" trace --syscalls -s --via "$mech" -p "$spp" ||
		fail "$mech: -p: cannot start"
	kill -USR1 "$spp"
	wait "$spp"
	i=0
	while kill -0 "$SPID" 2>/dev/null; do
		i=$((i + 1)); [ $i -gt 100 ] && { kill "$SPID"; fail "$mech: -p: sonde did not end with its process"; }
		nap 0.1
	done
	wait "$SPID" || fail "$mech: -p: sonde exited with status $?: $(cat "$TMPDIR/p.$mech.err")"
	p="sysprog/$spp"
	s=$(strings_for "$mech")
	grep -q "$p openat(dfd: CWD, filename: $(str "/nonexistent/sonde-sysprog-$tag" "$s"), flags: RDONLY) = -1 ENOENT" "$out" ||
		fail "$mech: -p: no ENOENT openat: $(head -c 2000 "$out")"
	n=$(grep -c "$p getppid() = " "$out")
	[ "$n" -eq "$N" ] || fail "$mech: -p: $n getppid lines, want $N"
	grep -q "$p exit_group(error_code: $CODE) = ?" "$out" || fail "$mech: -p: no exit_group"
	awk -v n="$N" '$1 == "getppid" { found = 1; if ($2 != n) exit 1 } END { exit !found }' "$out" ||
		fail "$mech: -p: summary does not count $N getppid calls"
	others=$(other_tids "$out" "$spp")
	[ -z "$others" ] || fail "$mech: -p: lines of other processes: $(echo "$others" | head -n 5)"
	tracefs_clean || fail "$mech: -p: not clean"
	echo "$mech: -p ok"

	# Events show while the command still runs (not only at its end):
	# sysprog lingers 60 s after its calls; its getppid lines must come
	# well before that, then a SIGTERM ends both.
	out=$TMPDIR/live.$mech
	start_sonde "$out" "$TMPDIR/live.$mech.err" trace --syscalls -e getppid --via "$mech" \
		-- "$SP" -n 3 -S 60 "l$$-$mech" || fail "$mech: live: cannot start"
	i=0
	while [ "$(grep -c 'getppid() = ' "$out")" -lt 3 ]; do
		i=$((i + 1))
		[ $i -gt 300 ] && { stop_sonde TERM; pkill -f "sysprog -n 3 -S 60 l$$-"; fail "$mech: live: no getppid lines 30 s into a 60 s run: $(cat "$out" "$TMPDIR/live.$mech.err")"; }
		nap 0.1
	done
	stop_sonde TERM
	# sonde stopped first leaves its command running (documented)
	lpid=$(sed -n 's/^Tracing syscalls of PID \([0-9]*\) .*/\1/p' "$TMPDIR/live.$mech.err")
	[ -n "$lpid" ] && kill "$lpid" 2>/dev/null
	tracefs_clean || fail "$mech: live: not clean"
done

mech=$(profile_mechs | cut -d' ' -f1)

# --json: one object per syscall, decoded and raw arguments, errno names,
# and a summary object with the lost count.
tag="j$$"
out=$TMPDIR/json
"$SONDE" trace --syscalls --json -s -- "$SP" -n 3 "$tag" >"$out" 2>"$TMPDIR/json.err" ||
	fail "--json: exit status $?: $(cat "$TMPDIR/json.err")"
grep '"name":"openat"' "$out" | grep '"ret":-2,"errno":"ENOENT"' | grep -q '"args":{"dfd":"CWD",' ||
	fail "--json: no ENOENT openat object: $(head -n 20 "$out")"
grep '"name":"openat"' "$out" | grep -q '"raw":{"dfd":-100,' || fail "--json: no raw dfd -100"
grep '"name":"nanosleep"' "$out" | grep -q '"duration_ns":[1-9][0-9]\{7\}' ||
	fail "--json: nanosleep duration_ns is not >= 10 ms: $(grep nanosleep "$out")"
tail -n 1 "$out" | grep -q '^{"type":"summary","lost":0,"lost_exact":true,"syscalls":\[.*{"name":"getppid","nr":[0-9]*,"calls":3,' ||
	fail "--json: bad summary: $(tail -n 1 "$out")"

# -e and --failed select lines; the summary still counts what -e selects.
out=$TMPDIR/failed
"$SONDE" trace --syscalls -e openat,getppid --failed -- "$SP" -n 3 "f$$" >"$out" 2>/dev/null ||
	fail "--failed: exit status $?"
[ "$(grep -c ' = -1 ENOENT' "$out")" -eq 1 ] && [ "$(grep -c ' = ' "$out")" -eq 1 ] ||
	fail "-e openat,getppid --failed: want just the ENOENT openat: $(cat "$out")"
out=$TMPDIR/only
"$SONDE" trace --syscalls --summary-only -e getppid -- "$SP" -n 5 "o$$" >"$out" 2>/dev/null ||
	fail "--summary-only: exit status $?"
grep -q '^ *[0-9][0-9.]* (' "$out" && fail "--summary-only printed syscall lines: $(head -n 3 "$out")"
awk '$1 == "getppid" && $2 == 5 { f = 1 } $1 == "openat" { bad = 1 } END { exit !(f && !bad) }' "$out" ||
	fail "--summary-only -e getppid: $(cat "$out")"
tracefs_clean || fail "not clean"

# Failures: one line each.
one_line() {	# WANT-STATUS WHAT ARGS...
	want=$1 what=$2
	shift 2
	"$SONDE" "$@" >/dev/null 2>"$TMPDIR/e.err"
	rc=$?
	[ "$rc" -eq "$want" ] || fail "$what: exit $rc, want $want: $(cat "$TMPDIR/e.err")"
	[ "$(wc -l <"$TMPDIR/e.err")" -eq 1 ] || fail "$what: not one line: $(cat "$TMPDIR/e.err")"
}
one_line 2 "-p 999999" trace --syscalls -p 999999
grep -q 'no such process 999999' "$TMPDIR/e.err" || fail "-p 999999 says: $(cat "$TMPDIR/e.err")"
one_line 127 "-- /nonexistent" trace --syscalls -- /nonexistent/sonde-cmd
one_line 2 "-p with --" trace --syscalls -p 1 -- "$TRUE"
one_line 2 "unknown syscall" trace --syscalls -e no_such_call -- "$TRUE"
case $PROFILE in
nobpf-6.1 | debugfs-6.1)
	one_line 1 "--via bpf without bpf(2)" trace --syscalls --via bpf -- "$TRUE"
	grep -q ENOSYS "$TMPDIR/e.err" || fail "--via bpf does not name ENOSYS: $(cat "$TMPDIR/e.err")"
	;;
esac
tracefs_clean || fail "not clean after the failures"
exit 0
