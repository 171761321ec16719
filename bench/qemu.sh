#!/bin/sh
# qemu.sh: sonde's mechanisms side by side on the kernels of the qemu
# guests (what this host's locked-down kernel cannot show: ftrace hist
# triggers, BPF and tracefs on one kernel). Boots them through
# tests/qemu/run-profiles.sh with bench/guest.sh as an extra test and
# makes the tables from the guest's BENCH lines. Run by
# `sudo make bench-qemu`; not part of `make bench` (the guests are
# emulated and take minutes).
#
# Environment: KERNELS (default 6.1; 6.1,6.12 for both), OUT (default
# /tmp/sonde-bench-qemu). Runs and storm size are set in bench/guest.sh
# (the guests see none of the host's environment).
set -u
cd "$(dirname "$0")/.." || exit 1
OUT=${OUT:-/tmp/sonde-bench-qemu}
rm -rf "$OUT"
mkdir -p "$OUT/helpers"
cp bench/bin/session bench/bin/storm "$OUT/helpers/" || exit 1
start=$(date +%s)
# one guest at a time, and only the full-* profiles guest.sh runs under
HELPERS_DIR=$OUT/helpers OUTDIR=$OUT TEST_TIMEOUT=${TEST_TIMEOUT:-1400} QEMU_JOBS=1 \
	bash tests/qemu/run-profiles.sh --kernels "${KERNELS:-6.1}" \
	--profiles "full-6.1 full-6.12" \
	--tests "$PWD/bench/guest.sh" >&2
{
	echo "qemu guests (TCG, one host thread for 2 vCPUs) on $(uname -r), $(nproc) host CPUs"
	echo "kernels: ${KERNELS:-6.1}; took $(($(date +%s) - start)) s"
} > "$OUT/machine.txt"
# BENCH|PROFILE|CASE|JOB|TOOL|key=value ... -> report.awk's files, the
# job headed by its profile
cat "$OUT"/console-*.log | tr -d '\r' | awk -F'|' -v out="$OUT" '
	$1 != "BENCH" { next }
	$6 ~ /^error=/ { printf "%s\t%s %s\t%s\t%s\n", $3, $2, $4, $5, substr($6, 7) > (out "/errors.tsv"); next }
	{ printf "%s\t%s %s\t%s\t%s\n", $3, $2, $4, $5, $6 > (out "/results.tsv") }'
touch "$OUT/results.tsv" "$OUT/errors.tsv"
awk -v every=1 -f bench/report.awk "$OUT/machine.txt" "$OUT/results.tsv" "$OUT/errors.tsv" > "$OUT/report.md"
cat "$OUT/report.md"
