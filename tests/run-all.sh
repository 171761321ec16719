#!/bin/sh
# The whole test suite, as `sudo make test` runs it: unit tests, command
# line tests, integration tests on this machine's kernel, then the same
# integration tests on the kernel profiles of KERNELS.md under qemu.
# Ends with the total line "N passed, N failed, N skipped".
set -u
cd "$(dirname "$0")/.." || exit 2
log=$(mktemp)
trap 'rm -f "$log"' EXIT

section() {
	echo "== $1"
	shift
	"$@" 2>&1 | tee -a "$log"
}

section "unit tests" ./.build/unit-tests
if [ -x .build-asan/unit-tests ]; then
	section "unit tests under ASan+UBSan" env ASAN_OPTIONS=detect_leaks=0 \
		./.build-asan/unit-tests
fi
section "command line" sh tests/cli.sh
section "man pages against the binary" sh tests/manpages.sh
section "fuzz smoke (each parser ${FUZZ_TIME:=5}s, recorded crashes replayed)" \
	env FUZZ_TIME="$FUZZ_TIME" sh tests/fuzz/run.sh .build-fuzz
# the bad-input table runs the sanitizer build too (host only: it is
# dynamically linked)
[ -x sonde-asan ] && export SONDE_ASAN="$PWD/sonde-asan"
if [ "$(id -u)" = 0 ]; then
	section "completion in bash, zsh and fish (make install)" bash tests/completion.sh
	section "integration: this kernel ($(uname -r))" sh tests/integration/run.sh host
else
	echo "skip integration/host: needs root" | tee -a "$log"
fi
if [ "${SONDE_SKIP_QEMU:-}" = 1 ]; then
	echo "skip qemu: SONDE_SKIP_QEMU=1" | tee -a "$log"
else
	section "integration: kernel profiles under qemu" \
		bash tests/qemu/run-profiles.sh
fi

# Sum the sections' total lines ("unit: N passed, N failed[, N skipped]");
# the qemu total already includes its per-profile lines.
awk '
/^(unit|cli|man|completion|fuzz|host|qemu): [0-9]+ passed, [0-9]+ failed/ {
	for (i = 1; i <= NF; i++) {
		if ($(i+1) ~ /^passed/) p += $i
		if ($(i+1) ~ /^failed/) f += $i
		if ($(i+1) ~ /^skipped/) s += $i
	}
}
/^skip integration\/host:/ { s++ }
END { printf "%d passed, %d failed, %d skipped\n", p, f, s; exit f ? 1 : 0 }' "$log"
