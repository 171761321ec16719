#!/bin/sh
# timeout: 300
# 66-snoop-retrans: between two network namespaces the test creates,
# joined by a veth pair, a connection's receiving end loses its address
# while the sender writes, so the kernel retransmits; snoop retrans reports it with
# the connection's 4-tuple and state through every mechanism the profile
# offers, over IPv4 and IPv6 (fd00:99::/64, no DAD), in tcpretrans's
# columns; -c counts them per connection; -l adds the tail loss probe
# the lost tail of data causes first (L>, "type":"tlp"), or where
# kernel functions or BTF are missing is refused in one line; nothing is
# left behind.
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
if [ "$3" = 6 ]; then
	A=fd00:99::1 B_ADDR=fd00:99::2 PLEN=64
else
	A=10.99.0.1 B_ADDR=10.99.0.2 PLEN=24
fi
# no duplicate address detection (busybox ip has no "nodad"): an IPv6
# address is usable at once, also when B gets it back
nodad() {
	[ "$PLEN" = 24 ] || echo 0 >"/proc/sys/net/ipv6/conf/$1/accept_dad"
}
unshare -n sleep 60 &
B=$!
while [ "$(readlink /proc/$B/ns/net)" = "$(readlink /proc/self/ns/net)" ]; do sleep 0.05; done
ip link add va type veth peer name vb 2>/dev/null || { echo "skip: no veth pairs here"; exit 77; }
# busybox names the peer itself
peer=$(ip -o link | sed -n 's/^[0-9]*: \([^@:]*\)@va.*/\1/p')
ip link set "$peer" netns "$B" && nodad va && ip addr add $A/$PLEN dev va &&
	ip link set va up && ip link set lo up &&
	nsenter -t "$B" -n sh -c "[ $PLEN = 24 ] || echo 0 >/proc/sys/net/ipv6/conf/$peer/accept_dad" &&
	nsenter -t "$B" -n sh -c "ip addr add $B_ADDR/$PLEN dev $peer && ip link set $peer up && ip link set lo up" ||
	{ kill $B; exit 1; }
nsenter -t "$B" -n "$K" listen $B_ADDR "$PORT" &
S=$!
sleep 0.5
# B drops what arrives while it does not have the address (a link set
# down instead may keep the packet in the sender, which then waits)
"$K" retrans $B_ADDR "$PORT" "nsenter -t $B -n ip addr del $B_ADDR/$PLEN dev $peer" \
	"nsenter -t $B -n ip addr add $B_ADDR/$PLEN dev $peer"
rc=$?
# for a failure's message: the namespace's TCP counters (RetransSegs)
grep '^Tcp:' /proc/net/snmp | tr '\n' ' ' >&2
wait $S
kill $B
exit $rc
NET

# try_flow MECH IP RADDR: a connection over IPv$IP losing packets; its
# retransmission lines in $out.mine
try_flow() {
	out=$TMPDIR/retrans.$1.$2
	start_sonde "$out" "$out.err" snoop retrans --via "$1" --json || fail "$1: cannot start"
	unshare -n sh "$TMPDIR/net.sh" "$K" "$PORT" "$2" >"$TMPDIR/client" 2>"$TMPDIR/client.err"
	rc=$?
	nap 1
	stop_sonde INT || fail "$1: sonde exited with status $?: $(cat "$out.err")"
	[ $rc = 77 ] && skip "$(cat "$TMPDIR/client")"
	[ $rc = 0 ] || fail "the IPv$2 test connection failed: $(cat "$TMPDIR/client" "$TMPDIR/client.err")"
	lport=$(awk '{ print $4 }' "$TMPDIR/client")
	json_event "$out" lport "$lport" | grep "\"raddr\":\"$3\"" >"$out.mine"
}

# one_flow MECH IP LADDR RADDR: a retransmission while established, with
# the 4-tuple. A kernel buffer that dropped events says so in the summary;
# then (only then) the connection is tried once more.
one_flow() {
	try_flow "$1" "$2" "$4"
	if ! grep -q '"state":"ESTABLISHED"' "$out.mine" &&
	   grep -q '"type":"summary","lost":[1-9]' "$out"; then
		echo "$1: IPv$2: events lost ($(tail -n 1 "$out")): once more"
		try_flow "$1" "$2" "$4"
	fi
	line=$(grep '"state":"ESTABLISHED"' "$out.mine" | head -n 1)
	[ -n "$line" ] || line=$(head -n 1 "$out.mine")
	[ -n "$line" ] || fail "$1: no IPv$2 retransmission from port $lport: $(cat "$out"); $(cat "$TMPDIR/client.err")"
	got="$(echo "$line" | json_get ip) $(echo "$line" | json_get laddr) $(echo "$line" | json_get rport) $(echo "$line" | json_get state)"
	[ "$got" = "$2 $3 $PORT ESTABLISHED" ] || fail "$1: IPv$2: got '$got': $line"
	tracefs_clean || fail "$1: not clean after SIGINT"
	echo "$1: IPv$2 ok, $(wc -l <"$out.mine") retransmissions ($(sed -n 's/^Tracing retrans via //p' "$out.err"))"
}

for mech in $(profile_mechs); do
	one_flow "$mech" 4 10.99.0.1 10.99.0.2
	one_flow "$mech" 6 fd00:99::1 fd00:99::2
done

out=$TMPDIR/t.out
start_sonde "$out" "$TMPDIR/t.err" snoop retrans || fail "text: cannot start"
unshare -n sh "$TMPDIR/net.sh" "$K" "$PORT" 4 >"$TMPDIR/client" 2>"$TMPDIR/client.err" ||
	fail "the test connection failed: $(cat "$TMPDIR/client.err")"
nap 1
stop_sonde TERM
set -- $(cat "$TMPDIR/client"); lport=$4
head -n 1 "$out" | grep -q '^TIME  *PID  *IP  *LADDR:LPORT  *T>  *RADDR:RPORT  *STATE$' ||
	fail "text: header is '$(head -n 1 "$out")'"
awk -v l="10.99.0.1:$lport" -v r="10.99.0.2:$PORT" '$3 == 4 && $4 == l && $5 == "R>" && $6 == r && $7 == "ESTABLISHED"' "$out" |
	grep -q . || fail "text: retransmission missing: $(cat "$out")"
tracefs_clean || fail "not clean after SIGTERM"

# tcpretrans -c -6: the IPv6 connection's retransmissions counted, in one
# row of the table; as many as its lines in the JSON run above
out=$TMPDIR/c.out
start_sonde "$out" "$TMPDIR/c.err" snoop retrans -c -6 || fail "-c: cannot start"
unshare -n sh "$TMPDIR/net.sh" "$K" "$PORT" 6 >"$TMPDIR/client" 2>"$TMPDIR/client.err" ||
	fail "the test connection failed: $(cat "$TMPDIR/client.err")"
nap 1
stop_sonde TERM || fail "-c: sonde exited with status $?: $(cat "$TMPDIR/c.err")"
set -- $(cat "$TMPDIR/client"); lport=$4
grep -q '^LADDR:LPORT  *RADDR:RPORT  *RETRANSMITS$' "$out" || fail "-c: no table header: $(cat "$out")"
awk -v l="[fd00:99::1]:$lport" -v r="[fd00:99::2]:$PORT" '$1 == l && $2 == r && $3 >= 1' "$out" |
	grep -q . || fail "-c: [fd00:99::1]:$lport not counted: $(cat "$out")"
[ "$(grep -c '^\[' "$out")" = 1 ] || fail "-c: more than the one IPv6 connection: $(cat "$out")"
tracefs_clean || fail "-c: not clean after SIGTERM"

# -l where it cannot work: status 1 and one line naming what is missing
# (MATCH), before tracing anything
tlp_refused() {
	"$SONDE" snoop retrans -l -d 5 >"$TMPDIR/l.out" 2>"$TMPDIR/l.err"
	rc=$?
	[ $rc = 1 ] || fail "-l: status $rc, not 1 (refused): $(cat "$TMPDIR/l.err")"
	[ "$(wc -l <"$TMPDIR/l.err")" = 1 ] && [ ! -s "$TMPDIR/l.out" ] ||
		fail "-l: not one line of refusal: $(cat "$TMPDIR/l.out" "$TMPDIR/l.err")"
	grep -q "$1" "$TMPDIR/l.err" || fail "-l: the refusal does not say '$1': $(cat "$TMPDIR/l.err")"
	tracefs_clean || fail "-l: not clean after the refusal"
	echo "-l refused: $(cat "$TMPDIR/l.err")"
}

# tlp_flow MECH IP LADDR RADDR [TEXT]: the IPv$IP connection's tail is
# lost, so the kernel sends a tail loss probe before its first
# retransmission timeout: an L> event with the 4-tuple, state
# ESTABLISHED (in tcpretrans's columns with TEXT)
tlp_flow() {
	out=$TMPDIR/tlp.$1.$2
	if [ -n "$5" ]; then
		start_sonde "$out" "$out.err" snoop retrans -l --via "$1" || fail "-l $1: cannot start"
	else
		start_sonde "$out" "$out.err" snoop retrans -l --via "$1" --json || fail "-l $1: cannot start"
	fi
	unshare -n sh "$TMPDIR/net.sh" "$K" "$PORT" "$2" >"$TMPDIR/client" 2>"$TMPDIR/client.err" ||
		fail "the IPv$2 test connection failed: $(cat "$TMPDIR/client" "$TMPDIR/client.err")"
	nap 1
	stop_sonde INT || fail "-l $1: sonde exited with status $?: $(cat "$out.err")"
	lport=$(awk '{ print $4 }' "$TMPDIR/client")
	if [ -n "$5" ]; then
		awk -v l="$3:$lport" -v r="$4:$PORT" '$3 == 4 && $4 == l && $5 == "L>" && $6 == r && $7 == "ESTABLISHED"' "$out" |
			grep -q . || fail "-l $1: text: no L> line $3:$lport -> $4:$PORT: $(cat "$out")"
		grep -q ' R> ' "$out" || fail "-l $1: text: no R> line beside: $(cat "$out")"
	else
		line=$(json_event "$out" lport "$lport" | grep '"type":"tlp"' | grep "\"raddr\":\"$4\"" | head -n 1)
		[ -n "$line" ] || fail "-l $1: no IPv$2 tail loss probe from port $lport: $(cat "$out")"
		got="$(echo "$line" | json_get ip) $(echo "$line" | json_get laddr) $(echo "$line" | json_get rport) $(echo "$line" | json_get state)"
		[ "$got" = "$2 $3 $PORT ESTABLISHED" ] || fail "-l $1: IPv$2: got '$got': $line"
		json_event "$out" lport "$lport" | grep -q '"type":"retrans"' ||
			fail "-l $1: IPv$2: no retransmission beside the probe: $(cat "$out")"
	fi
	tracefs_clean || fail "-l $1: not clean after SIGINT"
	echo "-l $1: IPv$2${5:+ text} ok, $(grep -c 'L>\|"tlp"' "$out") tail loss probes"
}

case $PROFILE in
host)	# this machine's kernel may refuse kernel-function probes
	if ! "$SONDE" snoop retrans -l -d 0.2 >/dev/null 2>&1; then
		tlp_refused "tcp_send_loss_probe (tail loss probes have no tracepoint).*; run without -l$"
		exit 0
	fi ;;
nobtf-6.1)
	tlp_refused BTF
	exit 0 ;;
esac
for mech in $(profile_mechs); do
	tlp_flow "$mech" 4 10.99.0.1 10.99.0.2
	tlp_flow "$mech" 6 fd00:99::1 fd00:99::2
done
tlp_flow "$(profile_mechs | cut -d' ' -f1)" 4 10.99.0.1 10.99.0.2 text
exit 0
