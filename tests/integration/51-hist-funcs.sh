#!/bin/sh
# 51-hist-funcs: `sonde hist` of functions, through every aggregation rung
# the profile offers:
#  - latency of a user function over its 1000 calls (-- CMD);
#  - a kernel function's latency and a function glob's counts over the
#    reads histprog makes, or on the host the precise refusal;
#  - bad input: exit 2, one line, nothing left in tracefs.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/hist-lib.sh"

# Latency of a user function, 1000 calls, the command started by sonde.
for way in $ways; do
	w=${way%%:*}
	set -- $(echo "${way#*:}" | tr , ' ')
	run_fg "$TMPDIR/$w-u.out" "$TMPDIR/$w-u.err" hist "$@" -n \
		"u:$HELPERS/utarget_static:sonde_t_add" -- "$HELPERS/utarget_static" x 1000 ||
		fail "$w: uprobe latency: exit $?: $(cat "$TMPDIR/$w-u.err")"
	exactly "$w: calls of sonde_t_add" "$(total "$TMPDIR/$w-u.out")" 1000 "$TMPDIR/$w-u.out" "$TMPDIR/$w-u.err"
	grep -q "nsecs" "$TMPDIR/$w-u.out" || fail "$w: no nsecs histogram: $(cat "$TMPDIR/$w-u.out")"
done

# A kernel function's latency: per way in guests, refused on the host.
if [ "$PROFILE" = host ]; then
	run_fg "$TMPDIR/k.out" "$TMPDIR/k.err" hist vfs_read
	rc=$?
	exactly "kernel function on host: exit status" $rc 1
	exactly "refusal lines" "$(wc -l <"$TMPDIR/k.err")" 1
	grep -q "cannot probe kernel function entry 'vfs_read'.*kprobe" "$TMPDIR/k.err" ||
		fail "refusal unclear: $(cat "$TMPDIR/k.err")"
	clean || fail "refusal left state behind"
else
	for way in $ways; do
		w=${way%%:*}
		set -- $(echo "${way#*:}" | tr , ' ')
		k=$TMPDIR/$w-k g=$TMPDIR/$w-g
		launch "$w-k" hist "$@" -u vfs_read --comm "${name}r"
		launch "$w-g" hist "$@" --count 'vfs_rea*' --comm "${name}r"
		ready "$w-k" "$w-g"
		"$HELPERS/histprog" work "$name" >/dev/null || fail "$w: histprog failed"
		stop "$w-k"
		stop "$w-g"
		exactly "$w: vfs_read calls" "$(total "$k.out")" 1100 "$k.out" "$k.err"
		exactly "$w: vfs_read counted in vfs_rea*" \
			"$(awk '$1 == "vfs_read" { print $2 }' "$g.out")" 1100 "$g.out" "$g.err"
		clean || fail "$w: not clean"
	done
fi

# Bad input: usage errors, one line each, nothing left behind.
bad() {
	run_fg "$TMPDIR/bad.out" "$TMPDIR/bad.err" hist "$@"
	rc=$?
	[ $rc -eq 2 ] || fail "hist $*: exit $rc, want 2: $(cat "$TMPDIR/bad.err")"
	[ "$(wc -l <"$TMPDIR/bad.err")" -eq 1 ] || fail "hist $*: not one line: $(cat "$TMPDIR/bad.err")"
	clean || fail "hist $*: not clean"
}
bad
bad --from t:syscalls:sys_enter_read
bad --count -V arg1 t:syscalls:sys_enter_read
bad --linear 10,5,1 -V 'args->count' t:syscalls:sys_enter_read
bad --linear 1,x -V 'args->count' t:syscalls:sys_enter_read
bad -m --count t:syscalls:sys_enter_read
bad -m -u vfs_read
bad --by 'args->fd +' --count t:syscalls:sys_enter_read
bad --key tid -V 'args->count' t:syscalls:sys_enter_read
bad t:syscalls:sys_enter_read
bad -V 'args->nosuchfield' t:syscalls:sys_enter_read
bad --count 't:nosuchsystem:*'
bad -V 'args->count' t:syscalls:sys_enter_read t:syscalls:sys_enter_write
exit 0
