#!/bin/sh
# 65-snoop-tcp: in a network namespace the test creates, a TCP connection
# to 127.0.0.1 and one to ::1 are reported by snoop connect (the client
# process, its addresses, the port) and snoop accept (the server process,
# the client's address and port, the local address and port), through
# every mechanism the profile offers; tcpconnect's and tcpaccept's
# columns; tcpconnect -u/-U (a connection made as uid 4242 shown with its
# UID, root's not) and -c (connects counted per address pair and port);
# nothing is left behind.
. "$(dirname "$0")/lib.sh"
K=$HELPERS/snoopkit
PORT=40100

for c in unshare ip; do
	command -v $c >/dev/null || skip "no $c here to make a network namespace"
done
unshare -n true 2>/dev/null || skip "unshare -n does not work here"

# connections OUT: one to 127.0.0.1, one to ::1, in a new namespace
connections() {
	unshare -n sh -c "ip link set lo up && '$K' tcp 127.0.0.1 $PORT && '$K' tcp ::1 $PORT" >"$1" ||
		fail "the test connections failed: $(cat "$1")"
}

# check_conn OUT MECH CLIENT IP ADDR
check_conn() {
	line=$(json_event "$1" pid "$3" | grep "\"ip\":$4,")
	[ -n "$line" ] || fail "$2: connect by $3 (IPv$4) not reported: $(cat "$1")"
	got="$(echo "$line" | json_get saddr) $(echo "$line" | json_get daddr) $(echo "$line" | json_get dport)"
	[ "$got" = "$5 $5 $PORT" ] || fail "$2: connect: '$got', want '$5 $5 $PORT': $line"
}

# check_acc OUT MECH SERVER IP ADDR CPORT
check_acc() {
	line=$(json_event "$1" pid "$3" | grep "\"ip\":$4,")
	[ -n "$line" ] || fail "$2: accept by $3 (IPv$4) not reported: $(cat "$1")"
	got="$(echo "$line" | json_get raddr) $(echo "$line" | json_get rport) $(echo "$line" | json_get laddr) $(echo "$line" | json_get lport)"
	[ "$got" = "$5 $6 $5 $PORT" ] || fail "$2: accept: '$got', want '$5 $6 $5 $PORT': $line"
}

for mech in $(profile_mechs); do
	co=$TMPDIR/connect.$mech ao=$TMPDIR/accept.$mech
	start_sonde "$co" "$co.err" snoop connect --via "$mech" --json || fail "$mech: connect cannot start"
	cpid=$SPID
	start_sonde "$ao" "$ao.err" snoop accept --via "$mech" --json || fail "$mech: accept cannot start"
	connections "$TMPDIR/conns"
	nap 1
	stop_sonde INT || fail "$mech: accept exited with status $?: $(cat "$ao.err")"
	SPID=$cpid
	stop_sonde INT || fail "$mech: connect exited with status $?: $(cat "$co.err")"
	set -- $(sed -n 1p "$TMPDIR/conns"); s4=$2 c4=$4 p4=$6
	set -- $(sed -n 2p "$TMPDIR/conns"); s6=$2 c6=$4 p6=$6
	check_conn "$co" "$mech" "$c4" 4 127.0.0.1
	check_conn "$co" "$mech" "$c6" 6 ::1
	check_acc "$ao" "$mech" "$s4" 4 127.0.0.1 "$p4"
	check_acc "$ao" "$mech" "$s6" 6 ::1 "$p6"
	tracefs_clean || fail "$mech: not clean after SIGINT"
	echo "$mech: ok ($(sed -n 's/^Tracing connect via //p' "$co.err"))"
done

# tcpconnect -P PORT -6 and tcpaccept -4: text columns and filters.
co=$TMPDIR/c.out ao=$TMPDIR/a.out
start_sonde "$co" "$co.err" snoop connect -P $PORT -6 || fail "text: connect cannot start"
cpid=$SPID
start_sonde "$ao" "$ao.err" snoop accept -4 || fail "text: accept cannot start"
connections "$TMPDIR/conns"
nap 1
stop_sonde TERM
SPID=$cpid
stop_sonde TERM
set -- $(sed -n 1p "$TMPDIR/conns"); s4=$2 c4=$4 p4=$6
set -- $(sed -n 2p "$TMPDIR/conns"); s6=$2 c6=$4
head -n 1 "$co" | grep -q '^PID  *COMM  *IP  *SADDR  *DADDR  *DPORT$' ||
	fail "connect header is '$(head -n 1 "$co")'"
awk -v p="$c6" -v port=$PORT '$1 == p && $2 == "snoopkit" && $3 == 6 && $4 == "::1" && $5 == "::1" && $6 == port' "$co" |
	grep -q . || fail "connect -6: $c6 missing: $(cat "$co")"
awk -v p="$c4" '$1 == p' "$co" | grep -q . && fail "connect -6 shows IPv4"
head -n 1 "$ao" | grep -q '^PID  *COMM  *IP  *RADDR  *RPORT  *LADDR  *LPORT$' ||
	fail "accept header is '$(head -n 1 "$ao")'"
awk -v p="$s4" -v rp="$p4" -v port=$PORT '$1 == p && $3 == 4 && $4 == "127.0.0.1" && $5 == rp && $6 == "127.0.0.1" && $7 == port' "$ao" |
	grep -q . || fail "accept -4: $s4 missing: $(cat "$ao")"
awk -v p="$s6" '$1 == p' "$ao" | grep -q . && fail "accept -4 shows IPv6"
tracefs_clean || fail "not clean after SIGTERM"

# tcpconnect -U -u 4242: the IPv4 connection is made as uid 4242 (lingering:
# where events carry no uid it is read from /proc), the IPv6 one as root.
for mech in $(profile_mechs); do
	co=$TMPDIR/u.$mech
	start_sonde "$co" "$co.err" snoop connect --via "$mech" -U -u 4242 || fail "-u $mech: cannot start"
	unshare -n sh -c "ip link set lo up && '$K' linger 700 uid 4242 tcp 127.0.0.1 $PORT && '$K' tcp ::1 $PORT" \
		>"$TMPDIR/conns" || fail "the test connections failed: $(cat "$TMPDIR/conns")"
	nap 1
	stop_sonde TERM || fail "-u $mech: sonde exited with status $?: $(cat "$co.err")"
	set -- $(sed -n 1p "$TMPDIR/conns"); c4=$4
	set -- $(sed -n 2p "$TMPDIR/conns"); c6=$4
	head -n 1 "$co" | grep -q '^UID  *PID  *COMM  *IP  *SADDR  *DADDR  *DPORT$' ||
		fail "-u $mech: header is '$(head -n 1 "$co")'"
	awk -v p="$c4" -v port=$PORT '$1 == 4242 && $2 == p && $4 == 4 && $5 == "127.0.0.1" && $7 == port' "$co" |
		grep -q . || fail "-u $mech: connect by uid 4242 ($c4) missing: $(cat "$co")"
	awk -v p="$c6" '$2 == p' "$co" | grep -q . && fail "-u $mech: root's connect shown: $(cat "$co")"
	tracefs_clean || fail "-u $mech: not clean after SIGTERM"
	echo "$mech: -u ok"
done

# tcpconnect -c: two rounds of connections, each pair counted twice.
co=$TMPDIR/count.out
start_sonde "$co" "$co.err" snoop connect -c -P $PORT || fail "-c: cannot start"
connections "$TMPDIR/conns"
connections "$TMPDIR/conns"
nap 1
stop_sonde TERM || fail "-c: sonde exited with status $?: $(cat "$co.err")"
grep -q '^LADDR  *RADDR  *RPORT  *CONNECTS$' "$co" || fail "-c: no table header: $(cat "$co")"
for a in 127.0.0.1 ::1; do
	awk -v a=$a -v port=$PORT '$1 == a && $2 == a && $3 == port && $4 == 2' "$co" | grep -q . ||
		fail "-c: $a:$PORT not counted twice: $(cat "$co")"
done
co=$TMPDIR/count.json
start_sonde "$co" "$co.err" snoop connect -c -P $PORT --json || fail "-c --json: cannot start"
connections "$TMPDIR/conns"
nap 1
stop_sonde TERM || fail "-c --json: sonde exited with status $?: $(cat "$co.err")"
grep -q "^{\"type\":\"count\",\"ip\":6,\"saddr\":\"::1\",\"daddr\":\"::1\",\"dport\":$PORT,\"connects\":1}$" "$co" ||
	fail "-c --json: ::1 not counted once: $(cat "$co")"
tracefs_clean || fail "-c: not clean after SIGTERM"
exit 0
