#!/bin/sh
# 01-profile: the profile's simulation really holds: kernel version, bpf(2),
# BTF and where tracefs is mounted are what $PROFILE promises.
fail() { echo "$*"; exit 1; }
tracefs_at() { grep -q "^[^ ]* $1 tracefs " /proc/mounts; }

release=$(uname -r)
case $PROFILE in
host) ;;
full-6.12) case $release in 6.12.*) ;; *) fail "kernel $release, want 6.12" ;; esac ;;
*-6.1) case $release in 6.1.*) ;; *) fail "kernel $release, want 6.1" ;; esac ;;
esac

[ -x "$HELPERS/bpfcheck" ] || fail "missing helper $HELPERS/bpfcheck"
bpf=$("$HELPERS/bpfcheck")
case $PROFILE in
nobpf-6.1 | debugfs-6.1) want=ENOSYS ;;
*) want=ok ;;
esac
[ "$bpf" = "$want" ] || fail "bpf(2) program load: $bpf, want $want"

btf=/sys/kernel/btf/vmlinux
[ -e $btf ] || fail "$btf does not exist"
# BTF starts with the magic 0xeB9F, stored little-endian
magic=$(od -An -tx1 -N2 $btf | tr -d ' ')
case $PROFILE in
nobtf-6.1) [ -z "$magic" ] || fail "$btf is not empty (starts with $magic)" ;;
*) [ "$magic" = 9feb ] || fail "$btf starts with '$magic', not the BTF magic" ;;
esac

case $PROFILE in
host) ;;
debugfs-6.1)
	! tracefs_at /sys/kernel/tracing ||
		fail "tracefs is mounted at /sys/kernel/tracing"
	[ -d /sys/kernel/debug/tracing/events/sched ] ||
		fail "no /sys/kernel/debug/tracing/events/sched"
	;;
*)
	tracefs_at /sys/kernel/tracing ||
		fail "tracefs is not mounted at /sys/kernel/tracing"
	[ -d /sys/kernel/tracing/events/sched ] ||
		fail "no /sys/kernel/tracing/events/sched"
	;;
esac
echo "$PROFILE: kernel $release, bpf $bpf, btf magic '$magic'"
grep tracefs /proc/mounts
