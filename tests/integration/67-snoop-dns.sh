#!/bin/sh
# 67-snoop-dns: a program linked with the C library looks up localhost and
# a name of /etc/hosts with getaddrinfo() and gethostbyname(); snoop dns
# reports each lookup with the process, the function and the host name
# through every mechanism the profile offers (uprobes on the C library),
# in gethostlatency's columns; nothing is left behind.
. "$(dirname "$0")/lib.sh"
L=$HELPERS/dnslookup

[ -x "$L" ] || skip "no $L (make test-helpers builds it)"
"$L" >/dev/null 2>&1 || skip "$L does not run here (no dynamic C library)"
if [ ! -e /etc/hosts ]; then	# the qemu guests have none
	mkdir -p /etc && printf '127.0.0.1 localhost\n10.99.0.7 sonde-test-host\n' >/etc/hosts
fi
name=$(awk '!/^#/ && NF >= 2 && $2 != "localhost" && $1 !~ /:/ { print $2; exit }' /etc/hosts)
[ -n "$name" ] || name=localhost

# check OUT MECH PID HOST: both lookups of HOST by PID
check() {
	for f in getaddrinfo gethostbyname; do
		json_event "$1" pid "$3" | grep "\"func\":\"$f\"" | grep -q "\"host\":\"$4\"" ||
			fail "$2: $f($4) by $3 not reported: $(cat "$1")"
	done
}

for mech in $(profile_mechs); do
	out=$TMPDIR/dns.$mech
	start_sonde "$out" "$out.err" snoop dns --via "$mech" --json || fail "$mech: cannot start"
	set -- $("$L" localhost "$name"); pid=$2
	nap 1
	stop_sonde INT || fail "$mech: sonde exited with status $?: $(cat "$out.err")"
	check "$out" "$mech" "$pid" localhost
	check "$out" "$mech" "$pid" "$name"
	json_event "$out" pid "$pid" | json_get lat_ns | grep -qv '^[0-9][0-9]*$' &&
		fail "$mech: a latency is not a number: $(cat "$out")"
	tracefs_clean || fail "$mech: not clean after SIGINT"
	echo "$mech: ok ($(sed -n 's/^Tracing dns via //p' "$out.err"))"
done

out=$TMPDIR/t.out
start_sonde "$out" "$TMPDIR/t.err" snoop dns || fail "text: cannot start"
set -- $("$L" localhost); pid=$2
nap 1
stop_sonde TERM
head -n 1 "$out" | grep -q '^TIME  *PID  *COMM  *LATms  *HOST$' || fail "text: header is '$(head -n 1 "$out")'"
[ "$(awk -v p="$pid" '$2 == p && $3 == "dnslookup" && $5 == "localhost"' "$out" | wc -l)" -eq 2 ] ||
	fail "text: lookups by $pid missing: $(cat "$out")"
tracefs_clean || fail "not clean after SIGTERM"
exit 0
