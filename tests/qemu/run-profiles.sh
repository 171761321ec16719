#!/bin/bash
# run-profiles.sh - run the integration tests inside Debian kernels under qemu
#
#   tests/qemu/run-profiles.sh [--kernels 6.1,6.12] [--profiles "full-6.1 ..."]
#                              [--tests "a.sh b.sh"]
#   tests/qemu/run-profiles.sh --build-helpers
#
# Boots one guest per kernel profile (qemu TCG; QEMU_JOBS of them at once,
# default one per host core) and runs tests/integration/run.sh inside it
# under that profile. The profiles each kernel serves (see KERNELS.md):
#   6.1:  full-6.1 nobtf-6.1 nobpf-6.1 debugfs-6.1
#   6.12: full-6.12
# Prints run.sh's result lines, then "qemu: N passed, N failed, N skipped";
# exits non-zero iff something failed. Installs its packages and fetches the
# kernels itself when run as root; says "skip PROFILE/qemu: why" when qemu
# cannot run at all. --tests takes test names, or paths to extra test files
# (copied into the guest's tests/integration).
#
# Environment: SONDE_BIN (default <repo>/sonde), HELPERS_DIR (default
# tests/helpers/bin), OUTDIR (logs and initramfs, default /tmp/sonde-qemu),
# SONDE_KERNEL_CACHE (default /var/cache/sonde-test/kernels), QEMU_JOBS, QEMU_TIMEOUT
# (seconds per guest, default 1800), TEST_TIMEOUT (seconds per test, 120).
set -uo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
SONDE_BIN=${SONDE_BIN:-$root/sonde}
HELPERS_DIR=${HELPERS_DIR:-$root/tests/helpers/bin}
OUTDIR=${OUTDIR:-/tmp/sonde-qemu}
CACHE=${SONDE_KERNEL_CACHE:-/var/cache/sonde-test/kernels}
QEMU_TIMEOUT=${QEMU_TIMEOUT:-1800}
TEST_TIMEOUT=${TEST_TIMEOUT:-120}

declare -A KPKG=(
	[6.1]=linux-image-6.1.0-56-cloud-amd64
	[6.12]=linux-image-6.12.117+deb12-cloud-amd64
)
declare -A KPROFILES=(
	[6.1]="full-6.1 nobtf-6.1 nobpf-6.1 debugfs-6.1"
	[6.12]="full-6.12"
)

passed=0 failed=0 skipped=0
apt_updated='' why='' vmlinuz=''

die() { echo "run-profiles: $*" >&2; exit 2; }

# Every tests/helpers/NAME.c becomes a static HELPERS_DIR/NAME (the guest has
# no libc, so static is a must).
build_helpers() {
	local src bin
	mkdir -p "$HELPERS_DIR" || return 1
	for src in "$root"/tests/helpers/*.c; do
		[ -e "$src" ] || continue
		bin=$HELPERS_DIR/$(basename "$src" .c)
		[ "$bin" -nt "$src" ] && continue
		gcc -static -O2 -Wall -o "$bin" "$src" || {
			echo "run-profiles: cannot build $bin" >&2
			return 1
		}
	done
}

apt_update_once() {
	[ -n "$apt_updated" ] && return 0
	apt_updated=1
	apt-get update -qq >/dev/null
}

# ensure_packages: install what is missing, or fail and set $why
ensure_packages() {
	local missing=()
	command -v qemu-system-x86_64 >/dev/null || missing+=(qemu-system-x86)
	# the busybox package's /bin/busybox is dynamic: the guest needs the static one
	if [ ! -x /bin/busybox ] || LC_ALL=C readelf -l /bin/busybox 2>/dev/null |
		grep -q 'program interpreter'; then
		missing+=(busybox-static)
	fi
	command -v cpio >/dev/null || missing+=(cpio)
	command -v mkfs.ext4 >/dev/null || missing+=(e2fsprogs)
	if [ ${#missing[@]} -gt 0 ]; then
		if [ "$(id -u)" != 0 ]; then
			why="not root, cannot install ${missing[*]}"
			return 1
		fi
		apt_update_once
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			--no-install-recommends "${missing[@]}" >/dev/null 2>&1 || {
			why="apt-get install ${missing[*]} failed"
			return 1
		}
	fi
	qemu-system-x86_64 --version >/dev/null 2>&1 || {
		why="qemu-system-x86_64 does not run"
		return 1
	}
}

# Modules the guests load (with what they depend on), for the tests'
# virtio disk (block I/O, file systems) and veth pairs (TCP between
# network namespaces). The Debian cloud kernels build them as modules.
GUEST_MODULES="virtio_pci virtio_blk veth"

# add_module MODDIR NAME OUTDIR: NAME's dependencies, then NAME itself,
# decompressed into OUTDIR and appended to OUTDIR/order (built-in: nothing)
add_module() {
	local f dep
	grep -qx "$2.ko" "$3/order" 2>/dev/null && return 0
	f=$(find "$1" -name "$2.ko" -o -name "$2.ko.xz" -o -name "$2.ko.zst" | head -n 1)
	[ -n "$f" ] || return 0
	case $f in
	*.xz) xz -dc "$f" >"$3/$2.ko" ;;
	*.zst) zstd -qdc "$f" >"$3/$2.ko" ;;
	*) cp "$f" "$3/$2.ko" ;;
	esac || return 1
	for dep in $(tr '\0' '\n' <"$3/$2.ko" | sed -n 's/^depends=//p' | tr ',' ' '); do
		add_module "$1" "$dep" "$3" || return 1
	done
	echo "$2.ko" >>"$3/order"
}

# add_modules MODDIR OUTDIR: GUEST_MODULES into a fresh OUTDIR
add_modules() {
	local m
	rm -rf "$2" && mkdir -p "$2" && touch "$2/order" || return 1
	for m in $GUEST_MODULES; do
		add_module "$1" "$m" "$2" || return 1
	done
}

# fetch_kernel VERSION: cache its vmlinuz, config and GUEST_MODULES, set
# $vmlinuz to it
fetch_kernel() {
	local pkg=${KPKG[$1]} dir tmp
	dir=$CACHE/$pkg
	vmlinuz=$dir/vmlinuz
	if [ ! -s "$dir/vmlinuz" ] || [ ! -e "$dir/modules/order" ]; then
		tmp=$(mktemp -d) || return 1
		# -o APT::Sandbox::User=root: _apt could not write into our temp dir
		{ (cd "$tmp" && apt-get download -qq -o APT::Sandbox::User=root "$pkg") ||
			{ apt_update_once && (cd "$tmp" &&
			apt-get download -qq -o APT::Sandbox::User=root "$pkg"); }; } \
			>/dev/null 2>&1 && dpkg-deb -x "$tmp"/*.deb "$tmp/x" &&
			mkdir -p "$dir" &&
			cp "$tmp"/x/boot/config-* "$dir/config" &&
			add_modules "$tmp/x/lib/modules" "$dir/modules" &&
			cp "$tmp"/x/boot/vmlinuz-* "$dir/vmlinuz.$$" &&
			mv "$dir/vmlinuz.$$" "$dir/vmlinuz"
		rm -rf "$tmp"
	fi
	[ -s "$vmlinuz" ]
}

# build_initramfs VERSION PROFILES TESTS OUT STAGE: the guest's whole root
# filesystem, assembled in the directory STAGE
build_initramfs() {
	local stage=$5 t
	rm -rf "$stage"
	mkdir -p "$stage"/{bin,dev,proc,sys,tmp} "$stage"/sonde/tests/helpers/bin &&
		cp /bin/busybox "$stage/bin/" &&
		cp "$root/tests/qemu/init.sh" "$stage/init" &&
		cp -r "$root/tests/integration" "$stage/sonde/tests/" &&
		cp "$HELPERS_DIR"/* "$stage/sonde/tests/helpers/bin/" || return 1
	# The host's dynamic loader and C library, so that dynamically linked
	# test programs (a PIE with a shared library) run in the guests too.
	for f in /lib64/ld-linux-x86-64.so.2 /lib/x86_64-linux-gnu/libc.so.6; do
		mkdir -p "$stage$(dirname "$f")" && cp -L "$f" "$stage$f" || return 1
	done
	[ -e "$SONDE_BIN" ] && { cp "$SONDE_BIN" "$stage/sonde/sonde" || return 1; }
	mkdir -p "$stage/lib/modules" && cp "$CACHE/${KPKG[$1]}/modules/"* "$stage/lib/modules/" ||
		return 1
	for t in "${extra_tests[@]}"; do
		cp "$t" "$stage/sonde/tests/integration/" || return 1
	done
	mknod -m 600 "$stage/dev/console" c 5 1 2>/dev/null
	cat >"$stage/sonde/run.conf" <<-EOF
		PROFILES='$2'
		TESTS='$3'
		TEST_TIMEOUT=$TEST_TIMEOUT
	EOF
	(cd "$stage" && find . | LC_ALL=C sort |
		cpio --quiet -o -H newc -R 0:0 | gzip -1) >"$4" || return 1
	rm -rf "$stage"
}

# boot ID VMLINUZ INITRD: run one guest; its result lines (run.sh's, or
# "FAIL ID/boot: why") and a timing line go to stdout
boot() {
	local log=$OUTDIR/console-$1.log line rc='' start=$SECONDS failed=0
	local disk=$OUTDIR/disk-$1.img
	echo -n >"$log"
	# a fresh ext4 disk (/dev/vda in the guest) for block I/O and file
	# system tests
	rm -f "$disk"
	truncate -s 256M "$disk" && mkfs.ext4 -q -F "$disk" ||
		{ echo "FAIL $1/boot: cannot make $disk"; return 1; }
	# ttyS0 = console -> log; ttyS1 = result lines -> our stdin
	while IFS= read -r line; do
		line=${line%$'\r'}
		case $line in
		"FAIL "*) failed=1 ;;
		"ok "* | "skip "* | "    "*) ;;
		*": "*" passed, "*" failed, "*" skipped") ;;
		"SONDE-GUEST-DONE rc="*) rc=${line#*rc=}; continue ;;
		*) continue ;;
		esac
		echo "$line"
	# One host thread runs both vCPUs: multi-threaded TCG races the
	# kernel's live text patching (tracepoint static keys toggled while
	# another vCPU runs the code: "Oops: int3 in syscall_trace_enter",
	# soft lockups), which real hardware does not.
	done < <(timeout -k 10 "$QEMU_TIMEOUT" qemu-system-x86_64 \
		-accel tcg,thread=single -cpu max -smp 2 -m 2048 -nodefaults -display none \
		-no-reboot -kernel "$2" -initrd "$3" \
		-drive file="$disk",if=virtio,format=raw \
		-append "console=ttyS0 quiet panic=-1 softlockup_panic=1 ${SONDE_QEMU_APPEND:-}" \
		-chardev file,id=console,path="$log" -serial chardev:console \
		-serial stdio </dev/null 2>"$OUTDIR/qemu-$1.err")

	local took=$((SECONDS - start)) why=
	if [ -z "$rc" ]; then
		if [ $took -ge "$QEMU_TIMEOUT" ]; then
			why="no result after ${QEMU_TIMEOUT}s"
		else
			why="guest stopped before finishing"
		fi
		line=$(tr -d '\r' <"$log" | grep -m1 -o 'Kernel panic.*')
		[ -n "$line" ] && why+=": $line"
	elif [ "$rc" != 0 ] && [ $failed = 0 ]; then
		why="guest exited with rc=$rc but no test failed"
	fi
	if [ -n "$why" ]; then
		echo "FAIL $1/boot: $why; console log $log:"
		cat "$OUTDIR/qemu-$1.err" "$log" | tr -d '\r' | tail -n 30 |
			sed 's/^/    /'
	fi
	rm -f "$disk"
	echo "# $1: boot and tests took ${took}s (console log $log)"
}

# guest KERNEL PROFILE: build its root file system and boot it, results
# into $OUTDIR/results-PROFILE
guest() {
	local initrd=$OUTDIR/initramfs-$2.cpio.gz
	{
		if build_initramfs "$1" "$2" "$tests" "$initrd" "$OUTDIR/root-$2"; then
			boot "$2" "${vmlinuz_of[$1]}" "$initrd"
		else
			echo "FAIL $2/boot: cannot build $initrd"
		fi
		rm -f "$initrd"
	} >"$OUTDIR/results-$2"
}

kernels=6.1,6.12 tests='' only_helpers='' only_profiles=''
while [ $# -gt 0 ]; do
	case $1 in
	--kernels) kernels=${2:?}; shift 2 ;;
	--tests) tests=${2:?}; shift 2 ;;
	--profiles) only_profiles=" ${2:?} "; shift 2 ;;
	--build-helpers) only_helpers=1; shift ;;
	*) die "usage: run-profiles.sh [--kernels 6.1,6.12] [--profiles \"full-6.1 ...\"] [--tests \"a.sh b.sh\"] [--build-helpers]" ;;
	esac
done

build_helpers || exit 1
[ -n "$only_helpers" ] && exit 0

# Test paths go into the guest as extra files; the guest gets names only.
extra_tests=() names=()
for t in $tests; do
	case $t in
	*/*) [ -f "$t" ] || die "no such test: $t"
		extra_tests+=("$(realpath "$t")"); names+=("$(basename "$t")") ;;
	*) names+=("$t") ;;
	esac
done
tests=${names[*]:-}

[ -e "$SONDE_BIN" ] || echo "run-profiles: warning: no sonde binary at $SONDE_BIN" >&2
if [ -e "$SONDE_BIN" ] && LC_ALL=C readelf -l "$SONDE_BIN" 2>/dev/null |
	grep -q 'program interpreter'; then
	echo "run-profiles: warning: $SONDE_BIN is not static, it cannot run in the guests" >&2
fi
mkdir -p "$OUTDIR" || die "cannot create $OUTDIR"
# Concurrent runs would share OUTDIR's files: take turns (a run is short).
{ exec 9>"$OUTDIR/.lock" && flock 9; } || die "cannot lock $OUTDIR/.lock"

# skip_kernel VERSION WHY: count its profiles as skipped
skip_kernel() {
	local p
	for p in ${KPROFILES[$1]}; do
		echo "skip $p/qemu: $2"
		skipped=$((skipped + 1))
	done
}

IFS=, read -ra klist <<<"$kernels"
for k in "${klist[@]}"; do
	[ -n "${KPKG[$k]:-}" ] || die "unknown kernel '$k' (known: ${!KPKG[*]})"
done

# One guest per profile, QEMU_JOBS at a time: TCG runs a guest on one host
# thread, so guests side by side use the cores a single one leaves idle.
# The longest first (6.12's guest runs the most), results as each ends.
declare -A vmlinuz_of=()
jobs_max=${QEMU_JOBS:-$(nproc)}
running=0 order=()
if ! ensure_packages; then
	for k in "${klist[@]}"; do skip_kernel "$k" "$why"; done
else
	for k in "${klist[@]}"; do
		if fetch_kernel "$k"; then
			vmlinuz_of[$k]=$vmlinuz
		else
			skip_kernel "$k" "cannot fetch ${KPKG[$k]}"
		fi
	done
	for k in $(printf '%s\n' "${!vmlinuz_of[@]}" | sort -rV); do
		for p in ${KPROFILES[$k]}; do
			[ -z "$only_profiles" ] || [[ $only_profiles == *" $p "* ]] || continue
			order+=("$p")
			if [ $running -ge "$jobs_max" ]; then
				wait -n
				running=$((running - 1))
			fi
			guest "$k" "$p" &
			running=$((running + 1))
		done
	done
	wait
	for p in "${order[@]}"; do
		cat "$OUTDIR/results-$p"
		passed=$((passed + $(grep -c '^ok ' "$OUTDIR/results-$p")))
		failed=$((failed + $(grep -c '^FAIL ' "$OUTDIR/results-$p")))
		skipped=$((skipped + $(grep -c '^skip ' "$OUTDIR/results-$p")))
	done
fi

echo "qemu: $passed passed, $failed failed, $skipped skipped"
[ $failed -eq 0 ]
