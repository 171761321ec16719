#!/bin/sh
# 25-trace-bad: malformed and unresolvable probes each get exit 2 and one
# line naming the problem, and leave nothing behind in tracefs.
. "$(dirname "$0")/lib.sh"

bin=$HELPERS/utarget_static
n=0 bad=0
try() {	# SPEC... : must fail with status 2 and one stderr line
	n=$((n + 1))
	"$SONDE" trace -d 1 "$@" >"$TMPDIR/out" 2>"$TMPDIR/err" </dev/null
	rc=$?
	lines=$(wc -l <"$TMPDIR/err")
	if [ $rc -ne 2 ] || [ "$lines" -ne 1 ]; then
		echo "'$*': exit $rc, $lines lines: $(cat "$TMPDIR/err")"
		bad=$((bad + 1))
	fi
}

try 'do_sys_openat2 "%s'
try 'do_sys_openat2 "%s %d", arg2'
try 'do_sys_openat2 (arg1 == ) "x"'
try 'do_sys_openat2 (arg1 == 1'
try 'x:foo'
try 'p:'
try 'u::'
try 'U:/bin/true:onlyprovider'
try 't:syscalls:'
try 't:nosuchsys:nosuchevent'
try 'syscalls:sys_enter_openat_nope'
try 't:syscalls:sys_enter_openat "%d", args->nosuchfield'
try 't:syscalls:sys_enter_openat "%d", arg1'
try 'do_sys_openat2 "%d", retval'
try "u:/nonexistent/bin:main"
try "u:/etc/passwd:main"
try "u:$bin:no_such_function_xyz"
try "u:nosuchlibrary_xyz:malloc"
try "U:$bin:sonde:no_such_probe"
try "u:$bin:sonde_t_add \"%d\", arg9"
try 'do_sys_openat2 "%d", 08'
try 'do_sys_openat2 "%d", arg1 +'
try 'do_sys_openat2 "%q", arg1'
try 'do_sys_openat2 "%d", "unterminated'
try '-:sonde/x'
try 't:sched:sched_switch (prev_comm == ) "x"'
try "ur:$bin:sonde_t_add \"%d\", arg7"	# only 6 are saved at entry
try 'r:do_sys_openat2 "%d" retval'
try "u:$bin:sonde_t_add+999999"
try ''
case $PROFILE in
host) ;;	# kernel functions are refused before they are looked up
*)
	try 'no_such_kernel_function_xyz'
	try 'no_such_prefix_xyz_*'
	;;
esac
try 't:syscalls:sys_enter_openat' -- 
try -M -1 't:syscalls:sys_enter_openat'
try -T -t 't:syscalls:sys_enter_openat'

tracefs_clean || bad=$((bad + 1))
[ $bad -eq 0 ] || fail "$bad of $n bad inputs were not refused cleanly"
echo "$n bad inputs refused with exit 2 and one line"
