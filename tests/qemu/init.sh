#!/bin/busybox sh
# /init of the qemu guests built by tests/qemu/run-profiles.sh.
#
# Mounts the usual filesystems, then runs tests/integration/run.sh for each
# profile named in /sonde/run.conf (PROFILES, TESTS, TEST_TIMEOUT). Results go
# to the console (ttyS0, kept in the host's log) and to ttyS1, a serial port
# the host reads on its own so kernel messages never interleave with them.
# The last result line is "SONDE-GUEST-DONE rc=N"; then the guest powers off.

/bin/busybox mkdir -p /proc /sys /dev /tmp /sbin /usr/bin /usr/sbin
/bin/busybox --install -s
export PATH=/bin:/sbin:/usr/bin:/usr/sbin HOME=/tmp TMPDIR=/tmp

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
# the cpio may lack /dev/console, then the kernel gave us no stdio
exec </dev/console >/dev/console 2>&1
mount -t tmpfs tmpfs /tmp
mount -t tracefs tracefs /sys/kernel/tracing
mount -t debugfs debugfs /sys/kernel/debug
ip link set lo up
hostname sonde-guest

# The kernel's modules the tests need (virtio disk, veth), in dependency
# order; the ext4 disk run-profiles.sh attached is mounted for the block
# and file system tests (SONDE_TEST_DIR).
for m in $(cat /lib/modules/order 2>/dev/null); do
	insmod "/lib/modules/$m" || echo "init: cannot load $m"
done
mkdir -p /mnt/disk
if [ -b /dev/vda ] && mount -t ext4 /dev/vda /mnt/disk; then
	export SONDE_TEST_DIR=/mnt/disk
else
	echo "init: no test disk"
fi

# shellcheck disable=SC1091 # written by run-profiles.sh
. /sonde/run.conf
export TEST_TIMEOUT

# Kernel warnings, oopses and BUGs a profile's tests caused fail that profile.
check_kernel_log() {
	dmesg -c >/tmp/kernel.log
	grep -qE 'WARNING:|BUG:|Oops|general protection|Call Trace' \
		/tmp/kernel.log || return 0
	echo "FAIL $1/kernel-log"
	tail -n 40 /tmp/kernel.log | sed 's/^/    /'
	return 1
}

run_profiles() {
	rc=0
	dmesg -c >/dev/null	# boot messages are in the console log already
	for p in $PROFILES; do
		# shellcheck disable=SC2086 # $TESTS is a list of names
		sh /sonde/tests/integration/run.sh "$p" $TESTS || rc=1
		check_kernel_log "$p" || rc=1
	done
	echo "SONDE-GUEST-DONE rc=$rc"
}

if { true >/dev/ttyS1; } 2>/dev/null; then
	run_profiles 2>&1 | tee /dev/ttyS1
else
	echo "no /dev/ttyS1: results on the console only"
	run_profiles 2>&1
fi
poweroff -f
