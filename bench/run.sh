#!/bin/sh
# sonde next to its peers on this machine, in one run: time to ready,
# peak RSS, footprint, overhead on a syscall storm, streaming throughput
# and loss, profiling. Run by `sudo make bench` (which installs the peers
# and builds bench/bin/). Every peer runs the same job on the same
# workload in the same round, rounds interleaved, so that the load of a
# shared machine falls on all of them alike: read the ratios, the
# absolute figures are context.
#
# Environment: OUT (default /tmp/sonde-bench), RUNS (time to ready, 5),
# LOAD_RUNS (storm, rates, profile: 3), STORM_N (calls per storm phase
# for counting and histograms, 200000; a quarter when streaming),
# CASES (default "ready size load rate profile"), QUICK=1 (one run each).
# Results: $OUT/results.tsv (one line per run), $OUT/errors.tsv (peers
# that cannot run a job here, with their last line), $OUT/out/ (each
# tool's output), $OUT/report.md (the tables, also printed at the end).
set -u
cd "$(dirname "$0")/.." || exit 1
ROOT=$PWD
SONDE=$ROOT/sonde
SESSION=$ROOT/bench/bin/session
STORM=$ROOT/bench/bin/storm
OUT=${OUT:-/tmp/sonde-bench}
RUNS=${RUNS:-5}
LOAD_RUNS=${LOAD_RUNS:-3}
N=${STORM_N:-200000}
CASES=${CASES:-ready size load rate profile}
if [ "${QUICK:-0}" = 1 ]; then
	RUNS=1 LOAD_RUNS=1 N=50000
fi
# Streaming tools slow each call 20-60 times and strace hundreds of
# times: fewer calls give the same per-call figures in a sane time.
N_STREAM=$((N / 4))
N_STRACE=$((N / 80))
MARK=424200000
# Storm on CPU 1, tracer on CPU 0: the tracer's reading and printing
# shows as its own CPU time, not as noise in the storm's per-call time.
PIN="-C 1 -c 0"
[ "$(nproc)" -ge 2 ] || PIN=

[ "$(id -u)" = 0 ] || { echo "bench: run as root (sudo make bench)" >&2; exit 1; }
for f in "$SONDE" "$SESSION" "$STORM"; do
	[ -x "$f" ] || { echo "bench: $f missing: run make bench" >&2; exit 1; }
done
rm -rf "$OUT"
mkdir -p "$OUT/out" "$OUT/marks"
ln -s /bin/true "$OUT/marks/bmark"
: > "$OUT/results.tsv"
: > "$OUT/errors.tsv"
T_START=$(date +%s)

now_ms() { echo $(($(date +%s%N) / 1000000)); }
note() { printf '[%4ds] %s\n' $(($(date +%s) - T_START)) "$*" >&2; }
slug() { printf '%s' "$*" | tr -c 'A-Za-z0-9.\n' '_' | cut -c1-80; }
has() { grep -qF "$1" "$OUT/errors.tsv"; }

# keep CASE GROUP TOOL LINE: one run's "key=value ..." line into
# results.tsv; an "error=..." line goes to errors.tsv instead, once: the
# tool is not run again for this job.
keep() {
	case $4 in
	error=*)
		err=${4#error=}
		err=${err% wall_ms=*}
		printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$err" >> "$OUT/errors.tsv"
		note "  $3: cannot run: $err"
		return 1 ;;
	esac
	printf '%s\t%s\t%s\t%s \n' "$1" "$2" "$3" "$4" >> "$OUT/results.tsv"
}

# ready GROUP TOOL [session ready options] -- COMMAND...
ready() {
	g=$1 t=$2
	shift 2
	has "ready	$g	$t	" && return
	t0=$(now_ms)
	res=$("$SESSION" ready -D "$OUT/marks" -o "$OUT/out/ready-$(slug "$g-$t").txt" "$@" 2>&1 | tail -n 1)
	keep ready "$g" "$t" "$res wall_ms=$(($(now_ms) - t0))"
}

value() { printf '%s\n' "$2" | sed -n "s/.*\\b$1=\\([0-9.]*\\).*/\\1/p"; }
# Lines in FILE with PATTERN; lost events the tool reported (the first
# number of each line saying "lost"); a count within [LO, HI] in FILE.
count_lines() { grep -cF -- "$2" "$1"; }
count_lost() { grep -i 'lost' "$1" | awk 'match($0, /[0-9]+/) { s += substr($0, RSTART, RLENGTH) } END { print s + 0 }'; }
count_in() { grep -oE '[0-9]+' "$1" | awk -v lo="$2" -v hi="$3" '$1 >= lo && $1 <= hi { f = $1 } END { print f + 0 }'; }

# load CASE GROUP TOOL SEEN [session load options] -- COMMAND...
# SEEN: what marks one of the storm's /dev/null opens in the tool's output
# (streaming), "count" (the tool prints the number of calls) or "none".
load() {
	c=$1 g=$2 t=$3 seen=$4
	shift 4
	has "$c	$g	$t	" && return
	out=$OUT/out/$c-$(slug "$g-$t").txt
	t0=$(now_ms)
	res=$("$SESSION" load -x "$STORM" $PIN -o "$out" "$@" 2>&1 | tail -n 1)
	keep "$c" "$g" "$t" "$res wall_ms=$(($(now_ms) - t0))" || return
	markers=$(value markers "$res")
	events=$(value paced_events "$res")$(value traced_calls "$res")
	if [ -z "$events" ] || [ "$seen" = none ]; then
		return
	elif [ "$seen" = count ]; then
		got=$(count_in "$out" "$events" $((events + ${markers:-0} + 50)))
	else
		got=$(count_lines "$out" "$seen")
	fi
	lost=$(count_lost "$out")
	late=0
	[ "$seen" = count ] && [ "$got" = 0 ] && [ "$lost" = 0 ] && late=1
	sed -i '$ s/$/'"expected=$events seen=$got lost=$lost late=$late /" "$OUT/results.tsv"
}

# --- 1, 2: time to ready and peak RSS --------------------------------------

BT_EXEC='tracepoint:syscalls:sys_enter_execve { join(args->argv); }'
BT_OPEN='tracepoint:syscalls:sys_enter_openat { printf("%s\n", str(args->filename)); }'
BT_CLOSE='tracepoint:syscalls:sys_enter_close { printf("%d\n", args->fd); }'
BT_COUNT="tracepoint:syscalls:sys_enter_close /args->fd >= $MARK/ { @[args->fd] = count(); }"
TP_CLOSE='t:syscalls:sys_enter_close "%d", fd'
HIST_CLOSE="t:syscalls:sys_enter_close (args->fd >= $MARK)"

ready_round() {
	# tracefs and perf cannot read exec's arguments or open's path
	# here: their markers are known by pid instead
	ready exec "sonde snoop exec" -a exec -- $SONDE snoop exec
	for v in tracefs perf; do
		ready exec "sonde --via $v snoop exec" -a exec -p -- $SONDE --via $v snoop exec
	done
	ready exec "execsnoop (libbpf-tools)" -a exec -- /usr/sbin/execsnoop
	ready exec "execsnoop-bpfcc (bcc)" -a exec -- /usr/sbin/execsnoop-bpfcc
	ready exec "bpftrace execve one-liner" -a exec -- bpftrace -e "$BT_EXEC"

	ready open "sonde snoop open" -a open -- $SONDE snoop open
	for v in tracefs perf; do
		ready open "sonde --via $v snoop open" -a open -p -- $SONDE --via $v snoop open
	done
	ready open "opensnoop (libbpf-tools)" -a open -- /usr/sbin/opensnoop
	ready open "opensnoop-bpfcc (bcc)" -a open -- /usr/sbin/opensnoop-bpfcc
	ready open "bpftrace openat one-liner" -a open -- bpftrace -e "$BT_OPEN"

	for via in "" tracefs perf; do
		v=${via:+--via $via}
		ready trace "sonde${v:+ $v} trace" -a close -- $SONDE $v trace "$TP_CLOSE"
	done
	ready trace "sonde trace --syscalls" -a close -- $SONDE trace --syscalls -e close
	ready trace "trace-bpfcc (bcc)" -a close -- /usr/sbin/trace-bpfcc 't:syscalls:sys_enter_close "%d", args->fd'
	ready trace "bpftrace printf" -a close -- bpftrace -e "$BT_CLOSE"
	ready trace "perf trace -e close" -a close -- perf trace -e close

	# Aggregating tools print only at the end: 2 s of markers, then the
	# first marker counted tells when the tool was attached.
	for via in "" tracefs perf; do
		v=${via:+--via $via}
		ready hist "sonde${v:+ $v} hist --count" -a close -W 2000 -- \
			$SONDE $v hist --count "$HIST_CLOSE" --by 'args->fd'
	done
	ready hist "bpftrace count()" -a close -W 2000 -- bpftrace -e "$BT_COUNT"
	ready hist "argdist-bpfcc -C (bcc)" -a close -W 2000 -- \
		/usr/sbin/argdist-bpfcc -C "t:syscalls:sys_enter_close():int:args->fd:args->fd>=$MARK"
}

# --- 3: footprint ----------------------------------------------------------

# Real files of packages (docs and man pages left out, as for sonde) and
# the shared libraries the given binaries load; "bytes all" and "bytes
# without the C/C++ runtime" (libc, libm, libstdc++, libgcc_s, ld.so,
# which a static sonde carries inside).
footprint() {
	name=$1 pkgs=$2 bins=$3
	files=$OUT/out/size-$(slug "$name").txt
	{
		for p in $pkgs; do dpkg -L "$p" 2>/dev/null; done |
			grep -vE '^/usr/share/(doc|man|lintian|bash-completion)/'
		for b in $bins; do
			echo "$b"
			ldd "$b" 2>/dev/null | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }'
		done
	} | while read -r f; do
		[ -f "$f" ] && readlink -f "$f"
	done | sort -u > "$files"
	all=$(xargs -r stat -c %s < "$files" | awk '{ s += $1 } END { print s + 0 }')
	rt=$(grep -vE '/(libc|libm|libstdc\+\+|libgcc_s|ld-linux-x86-64|libpthread|libdl|librt)\.so' "$files" |
		xargs -r stat -c %s | awk '{ s += $1 } END { print s + 0 }')
	printf 'size\tfootprint\t%s\tbytes=%s bytes_noruntime=%s files=%s \n' \
		"$name" "$all" "$rt" "$(wc -l < "$files")" >> "$OUT/results.tsv"
}

size_case() {
	strip -o "$OUT/sonde.stripped" "$SONDE"
	s=$(stat -c %s "$OUT/sonde.stripped")
	printf 'size\tfootprint\tsonde (static, stripped)\tbytes=%s bytes_noruntime=%s files=1 \n' \
		"$s" "$s" >> "$OUT/results.tsv"
	footprint "libbpf-tools (all 61 tools)" libbpf-tools /usr/sbin/execsnoop
	footprint "execsnoop (libbpf-tools) alone" "" /usr/sbin/execsnoop
	footprint "bpftrace" bpftrace /usr/bin/bpftrace
	py=$(readlink -f "$(command -v python3)")
	pyv=$(basename "$py")
	footprint "bcc (bpfcc-tools, python3-bpfcc, libbpfcc, $pyv)" \
		"bpfcc-tools python3-bpfcc libbpfcc $pyv-minimal lib$pyv-minimal lib$pyv-stdlib" \
		"$py $(dpkg -L libbpfcc | grep 'libbcc\.so\.' | head -1)"
	footprint "perf (linux-perf)" linux-perf "$(readlink -f "$(command -v perf)") $(find /usr/bin -name 'perf_*' | head -1)"
	footprint "trace-cmd" trace-cmd "$(command -v trace-cmd)"
	footprint "strace" strace "$(command -v strace)"
}

# --- 4: overhead on a syscall storm ----------------------------------------

BT_FLOOR='tracepoint:syscalls:sys_enter_openat { }'
BT_SCOUNT='tracepoint:syscalls:sys_enter_openat /pid == {pid}/ { @ = count(); }'
BT_HIST='tracepoint:syscalls:sys_enter_openat /pid == {pid}/ { @s[tid] = nsecs; }
tracepoint:syscalls:sys_exit_openat /@s[tid]/ { @ns = hist(nsecs - @s[tid]); delete(@s[tid]); }'
BT_VHIST='tracepoint:syscalls:sys_enter_openat /pid == {pid}/ { @ = hist(args->flags); }'
BT_STREAM='tracepoint:syscalls:sys_enter_openat /pid == {pid}/ { printf("%s\n", str(args->filename)); }'
TP_OPEN='t:syscalls:sys_enter_openat "%s", filename'
# tracefs and perf cannot read the path here (a pointer into the caller)
TP_DFD='t:syscalls:sys_enter_openat "dfd=%d", dfd'
# Tools that print nothing until the end get 2.5 s to attach (a run
# where they were late shows as a count short of the storm's, and is
# left out of the ratios); streaming tools are ready when the storm's
# marker shows, and stopped once their output has not grown for 1 s.
SETTLE="-s 2500"
QUIET="-d 1000"

# streamers CASE GROUP STORM-OPTIONS...: the tools that print every
# event, on one storm each; ready when the storm's marker shows.
streamers() {
	sc=$1 sg=$2
	shift 2
	load "$sc" "$sg" "sonde trace" /dev/null "$@" $QUIET -e bmark -- \
		$SONDE trace -p '{pid}' "$TP_OPEN"
	for v in tracefs perf; do
		load "$sc" "$sg" "sonde --via $v trace (dfd)" dfd=-100 "$@" $QUIET -e dfd=777 -- \
			$SONDE --via $v trace -p '{pid}' "$TP_DFD"
	done
	load "$sc" "$sg" "bpftrace printf" /dev/null "$@" $QUIET -e bmark -- bpftrace -e "$BT_STREAM"
	load "$sc" "$sg" "perf trace" 'dfd: CWD' "$@" $QUIET -e 'dfd: 777' -- \
		perf trace -e openat -p '{pid}'
	load "$sc" "$sg" "opensnoop (libbpf-tools)" /dev/null "$@" $QUIET -e bmark -- \
		/usr/sbin/opensnoop -p '{pid}'
}

load_round() {
	load load count "floor: empty BPF program (bpftrace)" none -n $N $SETTLE -- bpftrace -e "$BT_FLOOR"
	for via in "" tracefs perf; do
		v=${via:+--via $via}
		load load count "sonde${v:+ $v} hist --count" count -n $N $SETTLE -- \
			$SONDE $v hist --count t:syscalls:sys_enter_openat -p '{pid}'
	done
	load load count "sonde trace --syscalls --summary-only" count -n $N $SETTLE -- \
		$SONDE trace --syscalls --summary-only -e openat -p '{pid}'
	load load count "bpftrace count()" count -n $N $SETTLE -- bpftrace -e "$BT_SCOUNT"
	load load count "perf stat -e syscalls:sys_enter_openat" count -n $N $SETTLE -- \
		perf stat -e syscalls:sys_enter_openat -p '{pid}'
	load load count "perf trace -s" count -n $N $SETTLE -- perf trace -s -e openat -p '{pid}'
	load load count "syscount (libbpf-tools, all syscalls)" count -n $N $SETTLE -- \
		/usr/sbin/syscount -p '{pid}'
	load load count "strace -c" count -n $N_STRACE $SETTLE -- \
		strace -c -e trace=openat -p '{pid}'

	# latency histogram of openat, entry to exit
	for via in "" tracefs perf; do
		v=${via:+--via $via}
		load load hist "sonde${v:+ $v} hist --from/--to" none -n $N $SETTLE -- \
			$SONDE $v hist -n --from t:syscalls:sys_enter_openat \
			--to t:syscalls:sys_exit_openat -p '{pid}'
	done
	load load hist "bpftrace hist()" none -n $N $SETTLE -- bpftrace -e "$BT_HIST"
	# value histogram of an argument
	load load vhist "sonde hist -V" none -n $N $SETTLE -- \
		$SONDE hist -V 'args->flags' t:syscalls:sys_enter_openat -p '{pid}'
	load load vhist "bpftrace hist(args->flags)" none -n $N $SETTLE -- bpftrace -e "$BT_VHIST"

	# streaming every event
	streamers load stream -n $N_STREAM
	load load stream "sonde trace --syscalls" /dev/null -n $N_STREAM $QUIET -e bmark -- \
		$SONDE trace --syscalls -e openat -p '{pid}'
	load load stream "trace-bpfcc (bcc)" /dev/null -n $N_STREAM $QUIET -e bmark -- \
		/usr/sbin/trace-bpfcc -p '{pid}' 't:syscalls:sys_enter_openat "%s", args->filename'
	load load stream "strace" /dev/null -n $N_STRACE $QUIET -e bmark -- strace -e trace=openat -p '{pid}'
	# trace-cmd in an instance of its own (it would touch the global
	# buffer otherwise), removed afterwards whatever happened
	load load stream "trace-cmd record" none -n $N_STREAM $SETTLE -T 5000 -- \
		trace-cmd record -B sonde-bench -e syscalls:sys_enter_openat -P '{pid}' -o "$OUT/out/trace-cmd.dat"
	rmdir /sys/kernel/tracing/instances/sonde-bench 2>/dev/null
}

# --- 5: streaming throughput and loss --------------------------------------

RATES=${RATES:-20000 100000 400000}

rate_round() {
	for r in $RATES; do
		streamers rate "$r" -r $r -t 1
	done
}

# --- 6: profiling ----------------------------------------------------------

# CPU work in a chain of calls, untraced then profiled at 99 Hz.
profile_round() {
	load profile overhead "sonde profile -F 99" none -b 2 $SETTLE -- \
		$SONDE profile -F 99 -p '{pid}'
	load profile overhead "perf record -g -F 99" none -b 2 $SETTLE -- \
		perf record -g -F 99 -p '{pid}' -o "$OUT/out/perf-burn.data"
}

# A big binary: clang (libLLVM and libclang-cpp, some 170 MB of code and
# symbols) compiling a generated file for a few seconds; each profiler
# follows one compile, and what counts is the time from the compiler's
# exit until the profile is printed (perf: record's end plus perf report).
BIG_C=$OUT/big.c
big_compile() { clang -O2 -c -o /dev/null "$BIG_C" & }

# after_exit COMPILER PROFILER: wait for both; AFTER_MS is how long the
# profiler took past the compiler's exit
after_exit() {
	wait "$1"
	t1=$(now_ms)
	wait "$2"
	AFTER_MS=$(($(now_ms) - t1))
}

symbolize_round() {
	has "profile	symbolize	" && return
	big_compile
	pid=$!
	/usr/bin/time -f '%M' -o "$OUT/out/sonde-big.rss" \
		$SONDE profile -F 99 -p $pid > "$OUT/out/sonde-big.txt" 2>&1 &
	after_exit $pid $!
	samples=$(grep -oE '[0-9]+ samples' "$OUT/out/sonde-big.txt" | grep -oE '[0-9]+' | head -1)
	printf 'profile\tsymbolize\tsonde profile -F 99 -p\tdone_ms=%s rss_kb=%s samples=%s \n' \
		$AFTER_MS "$(tail -1 "$OUT/out/sonde-big.rss")" "${samples:-0}" >> "$OUT/results.tsv"

	big_compile
	pid=$!
	perf record -g -F 99 -p $pid -o "$OUT/out/perf-big.data" > /dev/null 2>&1 &
	after_exit $pid $!
	t2=$(now_ms)
	/usr/bin/time -f '%M' -o "$OUT/out/perf-big.rss" \
		perf report -i "$OUT/out/perf-big.data" --stdio > "$OUT/out/perf-big.txt" 2>&1
	samples=$(sed -n 's/^# Samples: \([0-9]*\).*/\1/p' "$OUT/out/perf-big.txt" | head -1)
	printf 'profile\tsymbolize\tperf record -g + perf report\tdone_ms=%s record_ms=%s rss_kb=%s samples=%s \n' \
		$((AFTER_MS + $(now_ms) - t2)) $AFTER_MS "$(tail -1 "$OUT/out/perf-big.rss")" "${samples:-0}" >> "$OUT/results.tsv"
}

gen_big_c() {
	awk 'BEGIN { for (i = 0; i < 400; i++)
		printf "int f%d(int *a, int n) { int s = %d; for (int i = 0; i < n; i++) s += a[i] * (s >> 3) + %d; return s; }\n", i, i, i }' > "$BIG_C"
}

# --- the run ---------------------------------------------------------------

{
	echo "machine: $(uname -r), $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), $(free -g | awk '/^Mem/ { print $2 }') GiB, Debian $(cat /etc/debian_version 2>/dev/null)"
	echo "kernel: lockdown $(sed 's/.*\[\(.*\)\].*/\1/' /sys/kernel/security/lockdown 2>/dev/null), perf_event_paranoid $(cat /proc/sys/kernel/perf_event_paranoid)"
	echo "load at start: $(cut -d' ' -f1-3 /proc/loadavg)"
	echo "sonde: $($SONDE --version 2>&1 | head -1), $(git -C "$ROOT" describe --always --dirty 2>/dev/null)"
	for p in bpftrace bpfcc-tools libbpf-tools trace-cmd linux-perf strace; do
		echo "$p: $(dpkg-query -W -f='${Version}' $p 2>/dev/null)"
	done
	echo "runs: $RUNS (ready), $LOAD_RUNS (storm, rate, profile); storm: $N calls per phase ($N_STREAM streaming, $N_STRACE under strace)"
} > "$OUT/machine.txt"
cat "$OUT/machine.txt" >&2

for c in $CASES; do
	case $c in
	ready)
		for r in $(seq "$RUNS"); do note "time to ready, round $r/$RUNS"; ready_round; done ;;
	size)
		note "footprint"; size_case ;;
	load)
		for r in $(seq "$LOAD_RUNS"); do note "syscall storm, round $r/$LOAD_RUNS"; load_round; done ;;
	rate)
		for r in $(seq "$LOAD_RUNS"); do note "streaming rates, round $r/$LOAD_RUNS"; rate_round; done ;;
	profile)
		if ! $SONDE profile -h > /dev/null 2>&1; then
			printf 'profile\toverhead\tsonde profile\tnot yet measurable: no sonde profile\n' >> "$OUT/errors.tsv"
			continue
		fi
		gen_big_c
		for r in $(seq "$LOAD_RUNS"); do
			note "profile, round $r/$LOAD_RUNS"; profile_round; symbolize_round
		done ;;
	esac
done
echo "load at end: $(cut -d' ' -f1-3 /proc/loadavg); took $(($(date +%s) - T_START)) s" >> "$OUT/machine.txt"
awk -f bench/report.awk "$OUT/machine.txt" "$OUT/results.tsv" "$OUT/errors.tsv" > "$OUT/report.md"
cat "$OUT/report.md"
