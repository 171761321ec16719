#!/bin/sh
# 66-snoop-retrans: between two network namespaces the test creates,
# joined by a veth pair, a connection's receiving end loses its address
# while the sender writes, so the kernel retransmits; snoop retrans reports it with
# the connection's 4-tuple and state through every mechanism the profile
# offers, in tcpretrans's columns; nothing is left behind.
. "$(dirname "$0")/lib.sh"
K=$HELPERS/snoopkit
PORT=40200

for c in unshare nsenter ip; do
	command -v $c >/dev/null || skip "no $c here to make network namespaces"
done
unshare -n true 2>/dev/null || skip "unshare -n does not work here"

# The two namespaces: A (unshare -n of this script), B (a sleeper's).
cat >"$TMPDIR/net.sh" <<'NET'
K=$1 PORT=$2
unshare -n sleep 60 &
B=$!
while [ "$(readlink /proc/$B/ns/net)" = "$(readlink /proc/self/ns/net)" ]; do sleep 0.05; done
ip link add va type veth peer name vb 2>/dev/null || { echo "skip: no veth pairs here"; exit 77; }
# busybox names the peer itself
peer=$(ip -o link | sed -n 's/^[0-9]*: \([^@:]*\)@va.*/\1/p')
ip link set "$peer" netns "$B" && ip addr add 10.99.0.1/24 dev va &&
	ip link set va up && ip link set lo up &&
	nsenter -t "$B" -n sh -c "ip addr add 10.99.0.2/24 dev $peer && ip link set $peer up && ip link set lo up" ||
	{ kill $B; exit 1; }
nsenter -t "$B" -n "$K" listen 10.99.0.2 "$PORT" &
S=$!
sleep 0.5
# B drops what arrives while it does not have the address (a link set
# down instead may keep the packet in the sender, which then waits)
"$K" retrans 10.99.0.2 "$PORT" "nsenter -t $B -n ip addr del 10.99.0.2/24 dev $peer" \
	"nsenter -t $B -n ip addr add 10.99.0.2/24 dev $peer"
rc=$?
# for a failure's message: the namespace's TCP counters (RetransSegs)
grep '^Tcp:' /proc/net/snmp | tr '\n' ' ' >&2
wait $S
kill $B
exit $rc
NET

for mech in $(profile_mechs); do
	out=$TMPDIR/retrans.$mech
	start_sonde "$out" "$out.err" snoop retrans --via "$mech" --json || fail "$mech: cannot start"
	unshare -n sh "$TMPDIR/net.sh" "$K" "$PORT" >"$TMPDIR/client" 2>"$TMPDIR/client.err"
	rc=$?
	nap 1
	stop_sonde INT || fail "$mech: sonde exited with status $?: $(cat "$out.err")"
	[ $rc = 77 ] && skip "$(cat "$TMPDIR/client")"
	[ $rc = 0 ] || fail "the test connection failed: $(cat "$TMPDIR/client" "$TMPDIR/client.err")"
	set -- $(cat "$TMPDIR/client"); lport=$4
	line=$(json_event "$out" lport "$lport" | grep '"raddr":"10.99.0.2"' | head -n 1)
	[ -n "$line" ] || fail "$mech: no retransmission from port $lport: $(cat "$out"); $(cat "$TMPDIR/client.err")"
	got="$(echo "$line" | json_get ip) $(echo "$line" | json_get laddr) $(echo "$line" | json_get rport) $(echo "$line" | json_get state)"
	[ "$got" = "4 10.99.0.1 $PORT ESTABLISHED" ] || fail "$mech: got '$got': $line"
	tracefs_clean || fail "$mech: not clean after SIGINT"
	echo "$mech: ok, $(json_event "$out" lport "$lport" | wc -l) retransmissions ($(sed -n 's/^Tracing retrans via //p' "$out.err"))"
done

out=$TMPDIR/t.out
start_sonde "$out" "$TMPDIR/t.err" snoop retrans || fail "text: cannot start"
unshare -n sh "$TMPDIR/net.sh" "$K" "$PORT" >"$TMPDIR/client" 2>"$TMPDIR/client.err" ||
	fail "the test connection failed: $(cat "$TMPDIR/client.err")"
nap 1
stop_sonde TERM
set -- $(cat "$TMPDIR/client"); lport=$4
head -n 1 "$out" | grep -q '^TIME  *PID  *IP  *LADDR:LPORT  *T>  *RADDR:RPORT  *STATE$' ||
	fail "text: header is '$(head -n 1 "$out")'"
awk -v l="10.99.0.1:$lport" -v r="10.99.0.2:$PORT" '$3 == 4 && $4 == l && $5 == "R>" && $6 == r && $7 == "ESTABLISHED"' "$out" |
	grep -q . || fail "text: retransmission missing: $(cat "$out")"
tracefs_clean || fail "not clean after SIGTERM"
exit 0
