#!/bin/sh
# 26-bad-input: a table of bad command lines across every command — bad
# options and values, conflicting options, unknown names, missing or
# non-ELF binaries, PIDs that do not exist, huge and non-UTF-8 strings.
# Each must get its documented exit status (2: usage, 1: the system said
# no) and exactly one line on stderr, leave nothing in tracefs, and (when
# the test runs the ASan+UBSan build, $SONDE_ASAN) no sanitizer report.
. "$(dirname "$0")/lib.sh"

S=${SONDE_ASAN:-$SONDE}
export ASAN_OPTIONS=detect_leaks=0:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1
bin=$HELPERS/utarget_static
notelf=$TMPDIR/not-an-elf	# a text file without execute permission
echo 'not a program' >"$notelf"
chmod 644 "$notelf"
n=0 bad=0

# expect STATUS ARGS...: sonde ARGS must exit STATUS with one stderr line
expect() {
	want=$1
	shift
	n=$((n + 1))
	timeout 5 "$S" "$@" >"$TMPDIR/out" 2>"$TMPDIR/err" </dev/null
	rc=$?
	lines=$(wc -l <"$TMPDIR/err")
	if [ $rc -ne "$want" ] || [ "$lines" -ne 1 ] ||
		grep -q 'Sanitizer\|runtime error' "$TMPDIR/err"; then
		echo "sonde $*: exit $rc (want $want), $lines lines:"
		head -c 2000 "$TMPDIR/err" | sed 's/^/    /'
		bad=$((bad + 1))
	fi
}

# Long and odd strings.
long=$(head -c 5000 /dev/zero | tr '\0' 'a')
utf=$(printf 'caf\351\377\376')
pid_gone=4194303	# above any pid_max default: never a live process

# global options and commands
expect 2 nosuchcommand
expect 2 --nosuchoption
expect 2 --via nosuchmech features
expect 2 --via "$utf" features
expect 2 features extra-argument
expect 2 help nosuchcommand
expect 2 "$long"
expect 2 "$utf"
# trace: options
expect 2 trace
expect 2 trace -p
expect 2 trace -p abc 't:syscalls:sys_enter_openat'
expect 2 trace -p -5 't:syscalls:sys_enter_openat'
expect 2 trace -p $pid_gone 't:syscalls:sys_enter_openat'
expect 2 trace --tid x 't:syscalls:sys_enter_openat'
expect 2 trace -d abc 't:syscalls:sys_enter_openat'
expect 2 trace -d -1 't:syscalls:sys_enter_openat'
expect 2 trace -M 0x 't:syscalls:sys_enter_openat'
expect 2 trace --comm "$long" 't:syscalls:sys_enter_openat'
expect 2 trace -x /nonexistent/binary 'main'
expect 2 trace -x $notelf 'main'
expect 2 trace -x "$bin" "$long"
# a kernel function nobody has: unknown where kernel functions can be
# probed, refused (status 1) where they cannot
case $PROFILE in
host) expect 1 trace "$long" ;;
*) expect 2 trace "$long" ;;
esac
expect 2 trace "t:syscalls:$long"
expect 2 trace "u:$bin:$utf"
expect 2 trace "t:$utf:x"
expect 2 trace 't:syscalls:sys_enter_openat "%s %s %s %s %s %s %s %s %s %s %s %s %s %s %s %s %s", args->filename, args->filename, args->filename, args->filename, args->filename, args->filename, args->filename, args->filename, args->filename, args->filename, args->filename, args->filename, args->filename, args->filename, args->filename, args->filename, args->filename'
expect 2 trace 't:syscalls:sys_enter_openat (args->flags == "x")'
expect 2 trace 't:sched:sched_switch (prev_comm == 5)'
expect 2 trace "t:syscalls:sys_enter_openat ($(head -c 20000 /dev/zero | tr '\0' '('))"
expect 2 trace 't:syscalls:sys_enter_openat "%s", args->filename->x'
expect 2 trace 't:syscalls:sys_enter_openat "%d", 99999999999999999999999'
expect 2 trace "u:$bin:sonde_t_add \"%d\", ((struct nosuch *)arg1)->x"
# C's unary '*' (was read as the pointer itself): the fetch forms only
expect 2 trace 't:syscalls:sys_enter_openat "%llx", *args->filename'
expect 2 trace 't:syscalls:sys_enter_openat (*args->filename == 3)'
expect 2 hist -V '*args->filename' t:syscalls:sys_enter_openat
expect 127 trace 't:syscalls:sys_enter_openat' -- /nonexistent/command
expect 126 trace 't:syscalls:sys_enter_openat' -- $notelf
expect 2 trace -p 1 't:syscalls:sys_enter_openat' -- "$TRUE"
expect 2 trace --syscalls -p 1 -- "$TRUE"
# trace --syscalls
expect 2 trace --syscalls -e nosuchsyscall -- "$TRUE"
expect 2 trace --syscalls -e '' -- "$TRUE"
expect 2 trace --syscalls -e "$utf" -- "$TRUE"
expect 2 trace --syscalls --duration abc -- "$TRUE"
expect 2 trace --syscalls -p $pid_gone
expect 127 trace --syscalls -- /nonexistent/command
expect 126 trace --syscalls -- $notelf
expect 127 hist -C 't:syscalls:sys_enter_openat' -- /nonexistent/command
expect 126 hist -C 't:syscalls:sys_enter_openat' -- $notelf
expect 127 stack 't:syscalls:sys_enter_openat' -- /nonexistent/command
expect 126 stack 't:syscalls:sys_enter_openat' -- $notelf
expect 2 trace --syscalls -e , -- "$TRUE"
# probe
expect 2 probe
expect 2 probe -l --add 'x=do_sys_openat2'
expect 2 probe --funcs
expect 2 probe --funcs -x /nonexistent/binary
expect 2 probe --funcs -x $notelf
expect 2 probe -V
expect 2 probe -x "$bin" -V no_such_function_xyz
expect 2 probe -x $notelf -V main
expect 2 probe --add ''
expect 2 probe --add "$long=do_sys_openat2"
expect 2 probe -x "$bin" --add 'no_such_function_xyz'
expect 2 probe -x "$bin" --add 'sonde_t_add%return +0($retval):nosuchtype'
expect 2 probe -x "$bin" --add 'sonde_t_add arg1:string:extra'
expect 2 probe --del ''
expect 1 probe --del "$utf"
expect 2 probe --clean extra-argument
expect 2 probe -l -x /nonexistent/binary
# snoop
expect 2 snoop
expect 2 snoop nosuchtool
expect 2 snoop exec extra-argument
expect 2 snoop exec -u abc
expect 2 snoop exec -P abc
expect 2 snoop exec -n '('
expect 2 snoop exec -l '[unclosed'
expect 2 snoop exec --max-args 0
expect 2 snoop exec --max-args 100000
expect 2 snoop exec -d abc
expect 2 snoop exec -t -T
expect 2 snoop exec --via nosuchmech
# a bare address where a kernel function is meant (once crashed hist)
expect 2 hist --count -d 1 0x10
expect 2 stack -d 1 1
# snoop tools beyond exec
expect 2 snoop exec -p $pid_gone
expect 2 snoop open -p $pid_gone
expect 2 snoop open -p abc
expect 2 snoop open -f O_NOSUCH
expect 2 snoop exit -p $pid_gone
expect 2 snoop kill -s NOSUCHSIG
expect 2 snoop kill -s 99
expect 2 snoop bio -d abc
expect 2 snoop fsslower -t nosuchfs
expect 2 snoop fsslower abc
expect 2 snoop fsslower -- -5
expect 2 snoop ext4slower abc
expect 2 snoop connect -P 99999
expect 2 snoop connect -P abc
expect 2 snoop connect -4 -6
expect 2 snoop accept -P -1
expect 2 snoop retrans extra
expect 2 snoop dns -p abc
expect 2 snoop bash -x
# hist
expect 2 hist
expect 2 hist --from t:syscalls:sys_enter_read
expect 2 hist -V 'arg1'
expect 2 hist -n -u vfs_read
expect 2 hist -i -1 -C t:syscalls:sys_enter_read
expect 2 hist -p $pid_gone -C t:syscalls:sys_enter_read
expect 2 hist --by nosuchkey -C t:syscalls:sys_enter_read
expect 2 hist -V 'args->nosuchfield' t:syscalls:sys_enter_read
expect 2 hist --key 'args->fd' t:syscalls:sys_enter_read
expect 2 hist -C "t:nosuch:event"
expect 2 hist -C "u:$bin:no_such_function_xyz"
expect 2 hist -x /nonexistent/binary -C main
# profile and stack
expect 2 profile -F 0
expect 2 profile -F abc
expect 2 profile -F 100000000
expect 1 profile -p $pid_gone
expect 2 profile -U -K
expect 2 profile extra
expect 2 profile --svg
expect 2 stack
expect 2 stack --offcpu t:sched:sched_switch
expect 2 stack -m abc --offcpu
expect 2 stack -m 10 -M 5 --offcpu
expect 2 stack -p $pid_gone t:sched:sched_switch
expect 2 stack -U -K t:sched:sched_switch
expect 2 stack "t:nosuch:event"
expect 2 stack -x /nonexistent/binary main
# global options
expect 2 --buffer-size 0 trace t:sched:sched_switch
expect 2 --buffer-size 2G snoop exec
expect 2 --buffer-size abc snoop exec
expect 2 --buffer-size -4K snoop exec
expect 2 --buffer-size "$utf" snoop exec
expect 2 trace --buffer-size 4X t:sched:sched_switch
# features
expect 2 features -x
expect 2 features --json --nosuch

tracefs_clean || bad=$((bad + 1))
[ $bad -eq 0 ] || fail "$bad of $n bad inputs were not refused cleanly"
echo "summary: $n bad inputs refused with their status and one line${SONDE_ASAN:+ (ASan+UBSan build)}"
