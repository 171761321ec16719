#!/bin/sh
# 53-hist-presets: bcc's histogram tools as `sonde hist --preset` and
# applets, on work the test causes, with the mechanism the kernel gives:
#  - biolatency -F: 40 direct reads of 64 KiB by the test (snoopkit dio)
#    are in the read (R*) histograms, at least 40 of them;
#  - runqlat and syscount -L -P under two CPU hogs the test starts:
#    counts > 0, the hogs' time in sane buckets;
#  - syscount -p on a held process (histprog storm 500): openat counted
#    500 times, plus the one of the fifo it waited on;
#  - vfsstat: the test's 20000 one-byte reads in the READ/s column;
#  - argdist -C on the reads of a held histprog: exactly 1000 of 4096
#    bytes and 100 of 65536.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/hist-lib.sh"
K=$HELPERS/snoopkit
H=$HELPERS/histprog

hogs=
start_hogs() {
	for _i in 1 2; do
		sh -c 'while :; do :; done' &
		hogs="$hogs $!"
	done
}
stop_hogs() {
	for _p in $hogs; do kill "$_p" 2>/dev/null; done
	hogs=
}
trap 'stop_hogs; reap' EXIT

# ---- biolatency: the test's direct reads ----
dir=${SONDE_TEST_DIR:-$TMPDIR}
dev=$(df -P "$dir" | awk 'NR == 2 { print $1 }')
case $dev in
/dev/*)
	launch bio hist --preset biolatency -F
	ready bio
	"$K" dio "$dir/sonde-presets-$$" 65536 40 >/dev/null || fail "direct I/O failed"
	rm -f "$dir/sonde-presets-$$"
	nap 0.5
	stop bio
	# the count of each histogram whose flags start with R
	reads=$(awk '/^args->rwbs = / { r = ($3 ~ /^R/) } r && /count: / {
		sub(/.*count: /, ""); sub(/,.*/, ""); n += $0 } END { print n + 0 }' "$TMPDIR/bio.out")
	atleast "biolatency: direct reads" "$reads" 40 "$TMPDIR/bio.out" "$TMPDIR/bio.err"
	echo "biolatency: $reads reads ($(rung_of bio))"
	;;
*) echo "biolatency: skipped: $dir is on '$dev', not a disk" ;;
esac

# ---- runqlat and syscount under CPU hogs ----
start_hogs
launch rq hist --preset runqlat -d 2
launch sc hist --preset syscount -L -P -d 2
ready rq sc
stop rq
stop sc
stop_hogs
n=$(total "$TMPDIR/rq.out")
atleast "runqlat: wakeups" "$n" 1 "$TMPDIR/rq.out" "$TMPDIR/rq.err"
grep -q '^ *usecs  *: count  *distribution' "$TMPDIR/rq.out" ||
	fail "runqlat: no usecs histogram: $(cat "$TMPDIR/rq.out")"
head -n 1 "$TMPDIR/sc.out" | grep -q '^PID  *COMM  *COUNT  *TIME (us)$' ||
	fail "syscount -L -P: header is '$(head -n 1 "$TMPDIR/sc.out")'"
rows=$(awk 'NR > 1 && NF >= 4 && $3 > 0' "$TMPDIR/sc.out" | wc -l)
atleast "syscount -L -P: processes" "$rows" 1 "$TMPDIR/sc.out" "$TMPDIR/sc.err"
echo "runqlat: $n wakeups ($(rung_of rq)); syscount -L -P: $rows processes ($(rung_of sc))"

# ---- syscount -p: a held process's openat storm ----
held_start "$TMPDIR/fifo" exec "$H" storm 500 >/dev/null || fail "cannot hold histprog"
launch scp hist --preset syscount -p "$HELD" -T 0
ready scp
held_go "$TMPDIR/fifo"
wait "$HELD"
nap 0.5
stop scp
# the storm's 500, and the fifo's openat that returned after the go
got=$(awk '$1 == "openat" { print $2 }' "$TMPDIR/scp.out")
exactly "syscount -p: openat" "$got" 501 "$TMPDIR/scp.out" "$TMPDIR/scp.err"
echo "syscount -p: openat $got ($(rung_of scp))"

# ---- vfsstat: the test's reads ----
launch vfs hist --preset vfsstat 1
ready vfs
dd if=/dev/zero of=/dev/null bs=1 count=20000 2>/dev/null
nap 1.2
stop vfs
head -n 1 "$TMPDIR/vfs.out" | grep -q '^TIME  *READ/s  *WRITE/s  *CREATE/s  *OPEN/s  *FSYNC/s$' ||
	fail "vfsstat: header is '$(head -n 1 "$TMPDIR/vfs.out")'"
got=$(awk 'NR > 1 { n += $2 } END { print n + 0 }' "$TMPDIR/vfs.out")
atleast "vfsstat: reads" "$got" 20000 "$TMPDIR/vfs.out" "$TMPDIR/vfs.err"
echo "vfsstat: $got reads ($(grep -c . "$TMPDIR/vfs.out") lines; $(rung_of vfs))"

# ---- argdist -C: exact counts of read sizes ----
held_start "$TMPDIR/fifo" exec "$H" work "$name" >/dev/null || fail "cannot hold histprog"
launch ad hist --preset argdist -p "$HELD" -C 't:syscalls:sys_enter_read():u64:args->count'
ready ad
held_go "$TMPDIR/fifo"
wait "$HELD"
stop ad
c4=$(awk '$2 == 4096 { print $3 }' "$TMPDIR/ad.out")
c64=$(awk '$2 == 65536 { print $3 }' "$TMPDIR/ad.out")
exactly "argdist -C: reads of 4096" "$c4" 1000 "$TMPDIR/ad.out" "$TMPDIR/ad.err"
exactly "argdist -C: reads of 65536" "$c64" 100 "$TMPDIR/ad.out" "$TMPDIR/ad.err"
echo "argdist -C: 1000 x 4096, 100 x 65536 ($(rung_of ad))"

clean || fail "not clean"
exit 0
