#!/bin/sh
# timeout: 400
# 90-applets: every applet sonde installs (sonde --install DIR) answers -h
# with its usage, and takes a typical command line of the bcc tool it
# stands for — bcc's options and positional arguments. Where the kernel
# cannot serve the tool, it must say so in one line (exit 1); a usage
# error (exit 2) means the bcc command line was not understood.
. "$(dirname "$0")/lib.sh"

bindir=$TMPDIR/applets
mkdir -p "$bindir"
"$SONDE" --install "$bindir" >/dev/null || fail "sonde --install $bindir failed"

# A typical command line per applet (bcc's tools/*_example.txt style);
# commands that run until stopped get SIGINT after a second.
typical() {
	case $1 in
	execsnoop) echo "-x -t" ;;
	exitsnoop) echo "-t" ;;
	killsnoop) echo "-x" ;;
	opensnoop) echo "-x -n cat" ;;
	biosnoop) echo "-Q" ;;
	tcpconnect) echo "-t" ;;
	tcpaccept) echo "-t" ;;
	tcpretrans) echo "" ;;
	ext4slower | xfsslower | btrfsslower) echo "5" ;;
	fileslower) echo "10" ;;
	gethostlatency) echo "" ;;
	bashreadline) echo "" ;;
	biolatency) echo "-m 1 2" ;;
	runqlat) echo "-m 1 2" ;;
	funccount) echo "-d 1 t:syscalls:sys_enter_open*" ;;
	funclatency) echo "-m -d 1 do_sys_openat2" ;;
	argdist) echo "-d 1 -H t:syscalls:sys_enter_read():u64:args->count" ;;
	syscount) echo "-L -d 1" ;;
	vfsstat) echo "1 2" ;;
	profile) echo "-F 99 -f 1" ;;
	stackcount) echo "-D 1 t:sched:sched_switch" ;;
	offcputime) echo "1" ;;
	trace) echo "-M 1 t:syscalls:sys_enter_openat" ;;
	*) return 1 ;;
	esac
}

n=0 bad=0
for path in "$bindir"/*; do
	a=${path##*/}
	n=$((n + 1))
	# -h: usage on stdout naming the applet or its command, exit 0
	if ! "$path" -h >"$TMPDIR/out" 2>"$TMPDIR/err" || ! grep -qi usage "$TMPDIR/out"; then
		echo "$a -h: exit $?, $(head -3 "$TMPDIR/out" "$TMPDIR/err")"
		bad=$((bad + 1))
		continue
	fi
	if ! args=$(typical "$a"); then
		echo "$a: no typical command line in this test's table; add one"
		bad=$((bad + 1))
		continue
	fi
	# shellcheck disable=SC2086 # args are words
	"$path" $args >"$TMPDIR/out" 2>"$TMPDIR/err" </dev/null &
	pid=$!
	i=0
	while kill -0 $pid 2>/dev/null && [ $i -lt 15 ]; do
		nap 0.1
		i=$((i + 1))
	done
	kill -INT $pid 2>/dev/null
	# an applet that does not stop on SIGINT within 10 s is a failure
	i=0
	while kill -0 $pid 2>/dev/null && [ $i -lt 100 ]; do
		nap 0.1
		i=$((i + 1))
	done
	if kill -0 $pid 2>/dev/null; then
		kill -KILL $pid 2>/dev/null
		wait $pid
		echo "$a $args: still running 10 s after SIGINT"
		bad=$((bad + 1))
		continue
	fi
	wait $pid
	rc=$?
	lines=$(wc -l <"$TMPDIR/err")
	case $rc in
	0) ;;
	1) [ "$lines" -le 2 ] || { echo "$a $args: refused in $lines lines:"; cat "$TMPDIR/err"; bad=$((bad + 1)); } ;;
	*)
		echo "$a $args: exit $rc:"
		head -5 "$TMPDIR/err"
		bad=$((bad + 1))
		;;
	esac
done
[ $n -gt 0 ] || fail "sonde --install made no applets"
tracefs_clean || bad=$((bad + 1))
[ $bad -eq 0 ] || fail "$bad of $n applets failed"
echo "$n applets answer -h and a typical bcc command line"
