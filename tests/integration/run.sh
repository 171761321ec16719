#!/bin/sh
# run.sh PROFILE [TEST...] - run sonde's integration tests under one profile
#
# Runs every tests/integration/[0-9]*.sh (or the named ones: "00-smoke",
# "00-smoke.sh" or a path), each under a timeout ($TEST_TIMEOUT, default 120 s,
# or more where the test's head says "# timeout: SECONDS")
# and under the profile's simulation of an older kernel, and prints
#   ok PROFILE/NAME | FAIL PROFILE/NAME + indented output | skip PROFILE/NAME: why
# then "PROFILE: N passed, N failed, N skipped". Exit 0 iff nothing failed.
#
# A passing test's "summary: ..." lines (its figures) follow its ok line.
# Tests get SONDE, PROFILE, HELPERS and a fresh TMPDIR; exit 0 = pass,
# 77 = skip (last output line is the reason), else fail. POSIX sh: this runs
# under busybox ash in the qemu guests and under bash/dash on the host.
set -u

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)

if [ $# -lt 1 ]; then
	echo "usage: run.sh PROFILE [TEST...]" >&2
	exit 2
fi
PROFILE=$1
shift
case $PROFILE in
host | full-6.1 | full-6.12 | nobtf-6.1 | nobpf-6.1 | debugfs-6.1) ;;
*)
	echo "run.sh: unknown profile '$PROFILE'" >&2
	exit 2
	;;
esac
SONDE=${SONDE:-$root/sonde}
HELPERS=${HELPERS:-$root/tests/helpers/bin}
TEST_TIMEOUT=${TEST_TIMEOUT:-120}
export SONDE PROFILE HELPERS

case $PROFILE in
nobpf-6.1 | debugfs-6.1)
	if [ ! -x "$HELPERS/nobpf" ]; then
		echo "run.sh: $HELPERS/nobpf is missing (build the test helpers)" >&2
		exit 2
	fi
	;;
esac

# Inner scripts, run by "sh -c SCRIPT sh TEST-COMMAND..." in a private mount
# namespace, so the change is seen only by the test's process tree.
# nobtf: the kernel's BTF file reads as empty.
HIDE_BTF='mount --bind /dev/null /sys/kernel/btf/vmlinux ||
	{ echo "run.sh: cannot hide /sys/kernel/btf/vmlinux"; exit 1; }
exec "$@"'
# debugfs: tracefs reachable only at /sys/kernel/debug/tracing, as before
# Linux 4.1 (the tracefs automount inside debugfs is what such kernels show).
DEBUGFS_ONLY='while grep -q "^[^ ]* /sys/kernel/tracing tracefs " /proc/mounts; do
	umount /sys/kernel/tracing || exit 1
done
[ -d /sys/kernel/debug/tracing ] || mount -t debugfs debugfs /sys/kernel/debug
[ -d /sys/kernel/debug/tracing/events ] ||
	{ echo "run.sh: no tracing under /sys/kernel/debug/tracing"; exit 1; }
exec "$@"'

# run_test FILE: run one test under the profile's simulation and the timeout
run_test() {
	_limit=$(test_timeout "$1")
	set -- sh "$1"
	case $PROFILE in
	nobtf-6.1)
		set -- unshare -m --propagation private sh -c "$HIDE_BTF" sh "$@" ;;
	nobpf-6.1)
		set -- "$HELPERS/nobpf" "$@" ;;
	debugfs-6.1)
		set -- "$HELPERS/nobpf" \
			unshare -m --propagation private sh -c "$DEBUGFS_ONLY" sh "$@" ;;
	esac
	timeout -k 5 "$_limit" "$@"
}

# A test may need longer than TEST_TIMEOUT: "# timeout: SECONDS" in its
# first lines (the larger of the two counts).
test_timeout() {
	_want=$(sed -n '2,4s/^# timeout: *\([0-9][0-9]*\)$/\1/p' "$1")
	if [ -n "$_want" ] && [ "$_want" -gt "$TEST_TIMEOUT" ]; then
		echo "$_want"
	else
		echo "$TEST_TIMEOUT"
	fi
}

base=$(mktemp -d "${TMPDIR:-/tmp}/sonde-it.XXXXXX") || exit 2
trap 'rm -rf "$base"' EXIT
trap 'exit 130' INT TERM

if [ $# -eq 0 ]; then
	set -- "$here"/[0-9]*.sh
	[ -e "$1" ] || shift
fi

passed=0 failed=0 skipped=0
for t; do
	case $t in
	*/*) ;;
	*.sh) t=$here/$t ;;
	*) t=$here/$t.sh ;;
	esac
	name=$(basename "$t" .sh)
	out=$base/$name.out
	TMPDIR=$base/$name
	export TMPDIR
	mkdir -p "$TMPDIR"

	start=$(date +%s)
	if [ -f "$t" ]; then
		run_test "$t" >"$out" 2>&1 </dev/null
		rc=$?
	else
		echo "no such test: $t" >"$out"
		rc=127
	fi
	case $rc in
	0)
		echo "ok $PROFILE/$name"
		# a test's figures (what it tried), kept in the log
		sed -n 's/^summary: /    /p' "$out"
		passed=$((passed + 1))
		;;
	77)
		reason=$(tail -n 1 "$out")
		echo "skip $PROFILE/$name: ${reason:-no reason given}"
		skipped=$((skipped + 1))
		;;
	*)
		echo "FAIL $PROFILE/$name"
		# GNU timeout exits 124, busybox's dies of the signal: use the clock
		limit=$(test_timeout "$t")
		if [ $(($(date +%s) - start)) -ge "$limit" ]; then
			echo "    timed out after ${limit}s"
		else
			echo "    exit status $rc"
		fi
		tail -n 40 "$out" | sed 's/^/    /'
		failed=$((failed + 1))
		;;
	esac
	rm -rf "$TMPDIR"
done

echo "$PROFILE: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
