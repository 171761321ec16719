#!/bin/sh
# 05-features: `sonde features --json` tells the truth about each profile:
# the facts KERNELS.md lists for it, and the mechanism each probe kind gets.
. "$(dirname "$0")/lib.sh"

out=$TMPDIR/features.json
"$SONDE" features --json >"$out" 2>"$TMPDIR/err" || fail "sonde features failed: $(cat "$TMPDIR/err")"
bad=0

fact() {	# NAME STATE [ERRNO]
	line=$(grep "^{\"type\":\"fact\",\"name\":\"$1\"," "$out")
	[ -n "$line" ] || { echo "fact $1 missing"; bad=1; return; }
	echo "$line" | grep -q "\"state\":\"$2\"" ||
		{ echo "fact $1: want $2, got: $line"; bad=1; return; }
	[ -z "${3:-}" ] || echo "$line" | grep -q "\"errno\":\"$3\"" ||
		{ echo "fact $1: want errno $3, got: $line"; bad=1; }
}

plan() {	# KIND RUNG
	line=$(grep "^{\"type\":\"plan\",\"kind\":\"$1\"," "$out")
	echo "$line" | grep -q "\"rung\":\"$2\"" ||
		{ echo "plan $1: want $2, got: $line"; bad=1; }
}

env_is() {	# KEY JSON-VALUE
	grep '^{"type":"env"' "$out" | grep -q "\"$1\":$2" ||
		{ echo "env $1: want $2, got: $(grep '^{"type":"env"' "$out")"; bad=1; }
}

# Facts every profile shares: tracefs and its probe files, perf software
# events, tracepoints through perf.
fact tracefs yes
fact uprobe_events yes
fact perf_sw yes
fact perf_tracepoint yes

case $PROFILE in
host)
	fact kprobe_events no ENOENT
	fact bpf_kprobe no
	fact fentry no EPERM
	fact function_tracer no EPERM
	fact hist_triggers no
	fact eprobes no
	fact bpf yes
	fact btf yes
	fact ringbuf yes
	fact bpf_uprobe yes
	plan kfunc_entry none
	plan kfunc_return none
	plan ufunc bpf_uprobe
	plan sampling bpf_perf_event
	plan aggregation bpf_maps
	plan transport bpf_ringbuf
	grep -q '"type":"note","text":"kprobes are not built into this kernel' "$out" ||
		{ echo "no plain note that kprobes are missing"; bad=1; }
	;;
full-6.1 | full-6.12)
	for f in kprobe_events eprobes hist_triggers synth_events function_tracer \
		function_graph bpf btf bpf_tracepoint bpf_tp_btf fentry bpf_kprobe ringbuf; do
		fact $f yes
	done
	plan kfunc_entry bpf_fentry
	plan kfunc_return bpf_fexit
	plan tracepoint bpf_tp_btf
	plan ufunc bpf_uprobe
	plan aggregation bpf_maps
	plan transport bpf_ringbuf
	env_is lockdown '"none"'
	;;
nobtf-6.1)
	fact btf no
	fact bpf yes
	fact bpf_tracepoint yes
	fact fentry no
	fact kprobe_events yes
	plan kfunc_entry bpf_kprobe
	plan tracepoint bpf_tracepoint
	plan aggregation bpf_maps
	;;
nobpf-6.1 | debugfs-6.1)
	fact bpf no ENOSYS
	for f in bpf_tracepoint fentry bpf_kprobe ringbuf bpf_uprobe; do
		fact $f no
	done
	fact kprobe_events yes
	fact hist_triggers yes
	plan kfunc_entry tracefs_kprobe
	plan kfunc_return tracefs_kretprobe
	plan tracepoint tracefs_event
	plan ufunc tracefs_uprobe
	plan aggregation tracefs_hist
	plan transport tracefs_raw_buffers
	plan sampling perf_sampling
	if [ "$PROFILE" = debugfs-6.1 ]; then
		env_is tracefs '"/sys/kernel/debug/tracing"'
	else
		env_is tracefs '"/sys/kernel/tracing"'
	fi
	;;
esac

# Every line is one JSON object.
awk '!/^\{.*\}$/ { print "not a JSON object: " $0; exit 1 }' "$out" || bad=1
tracefs_clean || bad=1
[ $bad -eq 0 ] || fail "features do not match profile $PROFILE"
echo "features match $PROFILE: $(grep -c '"type":"fact"' "$out") facts checked"
