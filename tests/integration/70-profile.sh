#!/bin/sh
# 70-profile: `sonde profile` on programs the test runs: CPU burnt in
# sonde_burn_three and sonde_burn_one in a 3:1 ratio of work is attributed
# in that ratio within 10 % — non-PIE static, PIE, and a PIE whose
# sonde_burn_one is in a shared library — on every sampling rung the
# profile offers. The reference is the split of CPU time the program
# measured itself (on a loaded machine the same work can take 3.3 times
# as long one way: hyperthread siblings compete); under qemu's emulation
# the 3:1 of work counts as well (a stalled virtual CPU's clock runs on,
# which the program's own timing sees and sampling mostly does not); kernel
# frames of a system-call loop; a stripped binary's frames as address and
# module, or named from its debug file (build-id, .gnu_debuglink, under
# SONDE_DEBUG_DIR); JIT code named by /tmp/perf-PID.map; --inline names a
# function inlined into its caller (DWARF), and only with it; a program that starts and exits during the profile is still
# named, and one in another root (chroot, as in a container); folded
# output adds up to the samples; JSON; the flame graph. (profile keeps no state
# outside its file descriptors: nothing to clean.)
. "$(dirname "$0")/lib.sh"

case $PROFILE in
nobpf-6.1 | debugfs-6.1) mechs=perf ;;
*) mechs="bpf perf" ;;
esac
HZ=499
RATIO_HZ=999
B=$HELPERS

# burn NAME ARGS...: start a burner in the background, set BPID; its
# report goes to $TMPDIR/burn.out
burn() {
	_b=$1
	shift
	"$B/$_b" "$@" >"$TMPDIR/burn.out" &
	BPID=$!
}

# unburn: stop the burner; set MEASURED to the ratio of CPU time it saw
unburn() {
	kill $BPID 2>/dev/null
	wait $BPID 2>/dev/null
	MEASURED=$(sed -n 's/^profburn: cpu seconds .* ratio //p' "$TMPDIR/burn.out")
}

# ratio FOLDED: "three one" — samples whose innermost frame is each burner
# (user stacks only, so the innermost frame is the user one)
ratio() {
	awk '{ n = $NF; sub(/ [0-9]+$/, ""); k = split($0, f, ";");
		if (f[k] == "sonde_burn_three") t += n;
		if (f[k] == "sonde_burn_one") o += n }
		END { print t + 0, o + 0 }' "$1"
}

# check_ratio WHAT THREE ONE MEASURED: THREE/ONE is the reference within
# 10 % — or, when the samples are few, within three standard errors of
# sampling at random (a virtual CPU stalled by its overloaded host wakes to
# one sample wherever it was: the sampling loses its regularity)
check_ratio() {
	_emu=1 _or=" or 3:1"
	[ "$PROFILE" = host ] && _emu=0 _or=
	[ "$3" -ge 20 ] || fail "$1: too few samples in sonde_burn_one ($2:$3)"
	awk -v t="$2" -v o="$3" -v m="$4" -v emu=$_emu '
		# (squared: busybox awk has no sqrt)
		function ok(ref,  q, p, pr) {
			q = t / o / ref; p = o / (t + o); pr = 1 / (1 + ref);
			return (q >= 0.9 && q <= 1.1) ||
				(p - pr) * (p - pr) <= 9 * pr * (1 - pr) / (t + o)
		}
		BEGIN { exit !(ok(m) || (emu && ok(3))) }' ||
		fail "$1: sonde_burn_three:sonde_burn_one = $2:$3, want $4:1$_or within 10 %"
	echo "$1: $2:$3 samples, the program measured $4:1"
}

# folded_total FOLDED: the sum of the counts
folded_total() {
	awk '{ s += $NF } END { print s + 0 }' "$1"
}

# stderr_samples ERR: N from "sonde profile: N samples in M stacks"
stderr_samples() {
	sed -n 's/^sonde profile: \([0-9]*\) samples in [0-9]* stacks$/\1/p' "$1"
}

# 1. The ratio, per binary and rung; folded output adds up.
for mech in $mechs; do
	for v in static pie lib; do
		out=$TMPDIR/r.$mech.$v
		burn "profburn_$v" 60
		nap 0.5
		"$SONDE" profile --via "$mech" -U -F $RATIO_HZ -d 4 -p $BPID --folded \
			>"$out" 2>"$out.err" || fail "$mech $v: exit $?: $(cat "$out.err")"
		unburn
		set -- $(ratio "$out") "$MEASURED"
		check_ratio "$mech profburn_$v" "$1" "$2" "$3"
		grep -q "^profburn_$v;.*main;sonde_burn_three [0-9]*\$" "$out" ||
			fail "$mech $v: no main;sonde_burn_three stack: $(cat "$out")"
		[ "$(folded_total "$out")" = "$(stderr_samples "$out.err")" ] ||
			fail "$mech $v: folded counts $(folded_total "$out") != samples: $(cat "$out.err")"
	done
done

# 2. Kernel frames of a system-call loop, where kallsyms shows addresses.
# (per-CPU symbols sit at 0 even when nothing is hidden: look at text)
if ! grep -m 1 ' [tT] ' /proc/kallsyms 2>/dev/null | grep -q '^[0-9a-f]*[1-9a-f]'; then
	echo "kernel frames: kallsyms hides addresses here, not checked"
else
	for mech in $mechs; do
		out=$TMPDIR/k.$mech
		burn profburn_static -s 60
		nap 0.5
		"$SONDE" profile --via "$mech" -K -F $HZ -d 2 -p $BPID >"$out" 2>"$out.err" ||
			fail "$mech -K: exit $?: $(cat "$out.err")"
		unburn
		grep -q '^    do_syscall_64$' "$out" || fail "$mech -K: no do_syscall_64 frame: $(cat "$out")"
		grep -q '^    [a-z0-9_]*openat[a-z0-9_]*$' "$out" ||
			fail "$mech -K: no openat frame: $(cat "$out")"
		grep -q '^    --$' "$out" && fail "$mech -K: user frames printed"
	done
fi

# 2b. kptr_restrict=2 hides kernel addresses: frames print as addresses
# and a warning says why (in the guests only: the host is shared).
if [ "$PROFILE" != host ] && [ -w /proc/sys/kernel/kptr_restrict ]; then
	saved=$(cat /proc/sys/kernel/kptr_restrict)
	echo 2 >/proc/sys/kernel/kptr_restrict
	burn profburn_static -s 60
	nap 0.5
	"$SONDE" profile -K -F $HZ -d 1 -p $BPID >"$TMPDIR/kr" 2>"$TMPDIR/kr.err"
	rc=$?
	unburn
	echo "$saved" >/proc/sys/kernel/kptr_restrict
	[ $rc -eq 0 ] || fail "kptr_restrict=2: exit $rc: $(cat "$TMPDIR/kr.err")"
	grep -q 'hides kernel addresses (kptr_restrict=2)' "$TMPDIR/kr.err" ||
		fail "kptr_restrict=2: no warning: $(cat "$TMPDIR/kr.err")"
	grep -q '^    0xffff[0-9a-f]* \[kernel\]$' "$TMPDIR/kr" ||
		fail "kptr_restrict=2: kernel frames not addresses: $(head -5 "$TMPDIR/kr")"
fi

# 3. A stripped binary: its frames are addresses in the binary, with its name.
for mech in $mechs; do
	out=$TMPDIR/s.$mech
	burn profburn_stripped 60
	nap 0.5
	"$SONDE" profile --via "$mech" -U -F $HZ -d 2 -p $BPID >"$out" 2>"$out.err" ||
		fail "$mech stripped: exit $?: $(cat "$out.err")"
	unburn
	grep -q '^    0x4[0-9a-f]* \[profburn_stripped\]$' "$out" ||
		fail "$mech stripped: no address+module frame: $(cat "$out")"
	grep -q sonde_burn "$out" && fail "$mech stripped: names from a stripped binary?"
done

# 3b. Stripped binaries whose symbols are in a separate debug file, under
# a debug directory given by SONDE_DEBUG_DIR (not /usr/lib/debug: the
# test writes nothing outside its directory): found by build-id
# (DEBUG/.build-id/NN/REST.debug), and by .gnu_debuglink (DEBUG/DIR/NAME,
# DIR the binary's directory; a copy of the binary with no debug file
# beside it). The debug files were made on the build machine.
bid=$(cat "$B/profburn_bid.id")
mkdir -p "$TMPDIR/dbg1/.build-id/${bid%"${bid#??}"}" "$TMPDIR/dl"
cp "$B/profburn_bid.debug" "$TMPDIR/dbg1/.build-id/${bid%"${bid#??}"}/${bid#??}.debug"
cp "$B/profburn_dlink" "$TMPDIR/dl/"
mkdir -p "$TMPDIR/dbg2$TMPDIR/dl"
cp "$B/profburn_dlink.debug" "$TMPDIR/dbg2$TMPDIR/dl/"
for mech in $mechs; do
	for how in bid dlink; do
		out=$TMPDIR/d.$mech.$how
		if [ $how = bid ]; then
			dbg=$TMPDIR/dbg1
			burn profburn_bid 60
		else
			dbg=$TMPDIR/dbg2
			"$TMPDIR/dl/profburn_dlink" 60 >"$TMPDIR/burn.out" &
			BPID=$!
		fi
		nap 0.5
		SONDE_DEBUG_DIR=$dbg "$SONDE" -v profile --via "$mech" -U -F $HZ -d 2 -p $BPID \
			--folded >"$out" 2>"$out.err" || fail "$mech $how: exit $?: $(cat "$out.err")"
		unburn
		grep -q "^profburn_$how;.*main;sonde_burn_three [0-9]*\$" "$out" ||
			fail "$mech $how: not named from the debug file: $(cat "$out") $(cat "$out.err")"
		grep -q "symbols: .*profburn_$how from $dbg/" "$out.err" ||
			fail "$mech $how: -v does not name the debug file: $(cat "$out.err")"
	done
done

# 3c. JIT code: a program runs a loop it copied into anonymous executable
# memory and names it in /tmp/perf-PID.map; the samples there are named.
for mech in $mechs; do
	out=$TMPDIR/jit.$mech
	burn jitburn 60
	nap 0.5
	[ -s /tmp/perf-$BPID.map ] || fail "jitburn wrote no /tmp/perf-$BPID.map"
	"$SONDE" profile --via "$mech" -U -F $HZ -d 2 -p $BPID --folded \
		>"$out" 2>"$out.err" || fail "$mech jit: exit $?: $(cat "$out.err")"
	unburn
	rm -f /tmp/perf-$BPID.map
	# most of its CPU time is in the loop (sampled per CPU time: no timing)
	awk '{ n = $NF; t += n; if ($0 ~ /;sonde_jit_burn [0-9]+$/) j += n }
		END { exit !(j > 0 && 2 * j > t) }' "$out" ||
		fail "$mech jit: sonde_jit_burn not the innermost frame of most samples: $(cat "$out")"
	grep -q sonde_jit_other "$out" && fail "$mech jit: the neighbouring entry named: $(cat "$out")"
done

# 3d. --inline: sonde_inline_spin, forced inline (always_inline) into
# sonde_inline_caller of a program built -O2 -g, burns the CPU: with
# --inline most samples end in "sonde_inline_caller;sonde_inline_spin
# [inlined]", without it the name is nowhere (the symbol table knows only
# the caller). A file without DWARF (the stripped one) keeps its plain
# frames.
for mech in $mechs; do
	out=$TMPDIR/inl.$mech
	burn profburn_inline 60
	nap 0.5
	"$SONDE" profile --via "$mech" -U -F $HZ -d 2 -p $BPID --folded --inline \
		>"$out" 2>"$out.err" || fail "$mech --inline: exit $?: $(cat "$out.err")"
	"$SONDE" profile --via "$mech" -U -F $HZ -d 1 -p $BPID --folded \
		>"$out.plain" 2>"$out.plain.err" || fail "$mech plain: exit $?: $(cat "$out.plain.err")"
	unburn
	awk '{ n = $NF; t += n }
		/;sonde_inline_caller;sonde_inline_spin \[inlined\] [0-9]+$/ { j += n }
		END { exit !(j > 0 && 2 * j > t) }' "$out" ||
		fail "$mech --inline: sonde_inline_spin [inlined] not innermost in most samples: $(cat "$out")"
	grep -q ';sonde_inline_caller [0-9]*$' "$out.plain" ||
		fail "$mech plain: no sonde_inline_caller: $(cat "$out.plain")"
	grep -q 'sonde_inline_spin\|inlined' "$out.plain" &&
		fail "$mech plain: inlined frames without --inline: $(cat "$out.plain")"
done
out=$TMPDIR/inl.stripped
burn profburn_stripped 60
nap 0.5
"$SONDE" profile -U -F $HZ -d 1 -p $BPID --inline >"$out" 2>"$out.err" ||
	fail "stripped --inline: exit $?: $(cat "$out.err")"
unburn
grep -q '^    0x4[0-9a-f]* \[profburn_stripped\]$' "$out" && ! grep -q inlined "$out" ||
	fail "stripped --inline: not plain address frames: $(cat "$out")"

# 4. A program that starts and exits while every process is profiled is
# named (its mappings came from perf side-band records); -p of a process
# that exits ends the profile, still named.
for mech in $mechs; do
	out=$TMPDIR/e.$mech
	start_sonde "$out" "$out.err" profile --via "$mech" -U -F $HZ -d 6 --folded ||
		fail "$mech: cannot start"
	"$B/profburn_lib" 1.5 >/dev/null
	wait $SPID || fail "$mech exit: exit status $?: $(cat "$out.err")"
	grep '^profburn_lib;' "$out" >"$out.lib"
	set -- $(ratio "$out.lib")
	[ "$1" -gt 0 ] && [ "$2" -gt 0 ] ||
		fail "$mech: the exited profburn_lib is not named: $(grep '^profburn_lib' "$out")"

	out=$TMPDIR/p.$mech
	burn profburn_pie 2
	"$SONDE" profile --via "$mech" -U -F $HZ -d 100 -p $BPID --folded >"$out" 2>"$out.err" ||
		fail "$mech -p exit: exit $?: $(cat "$out.err")"
	grep -q '^profburn_pie;.*;main;sonde_burn_three [0-9]*$' "$out" ||
		fail "$mech -p exit: not named: $(cat "$out")"
done

# 4b. A process in another root (as in a container): its mmap records
# name files in its root, read through /proc/PID/root while it lives.
if command -v chroot >/dev/null; then
	root=$TMPDIR/root
	mkdir -p "$root"
	cp "$B/profburn_static" "$root/burnbox"
	mech=${mechs%% *}
	out=$TMPDIR/c.$mech
	start_sonde "$out" "$out.err" profile --via "$mech" -U -F $HZ -d 6 --folded ||
		fail "$mech chroot: cannot start"
	chroot "$root" /burnbox 1.5 >/dev/null || fail "cannot chroot"
	wait $SPID || fail "$mech chroot: exit status $?: $(cat "$out.err")"
	grep -q '^burnbox;.*;main;sonde_burn_three [0-9]*$' "$out" ||
		fail "$mech chroot: /burnbox not named: $(grep '^burnbox' "$out")"
else
	echo "no chroot here: a process in another root not checked"
fi

# 5. JSON: one object per stack, then the summary with the same total.
mech=${mechs%% *}
out=$TMPDIR/j
burn profburn_static 60
nap 0.5
"$SONDE" profile --via "$mech" --json -F $HZ -d 1 -p $BPID >"$out" 2>"$out.err" ||
	fail "json: exit $?: $(cat "$out.err")"
unburn
grep -q '^{"type":"stack","comm":"profburn_static","pid":'"$BPID"',"samples":[0-9]*,"kstack":\[.*\],"ustack":\[.*"sonde_burn_' "$out" ||
	fail "json: no stack object: $(head -3 "$out")"
sum=$(sed -n 's/.*"samples":\([0-9]*\),"kstack".*/\1/p' "$out" | awk '{ s += $1 } END { print s + 0 }')
grep -q "^{\"type\":\"summary\",\"samples\":$sum," "$out" ||
	fail "json: summary does not add up to $sum: $(tail -1 "$out")"

# 6. --svg: one self-contained, well-formed SVG that names the program's
# functions; where a headless Chromium is installed it is rendered
# (screenshot) and its script zooms into a frame and searches.
svg=$TMPDIR/fg.svg
burn profburn_lib 60
nap 0.5
"$SONDE" profile -F $HZ -d 2 -p $BPID --svg "$svg" >"$TMPDIR/svg.out" 2>"$TMPDIR/svg.err" ||
	fail "--svg: exit $?: $(cat "$TMPDIR/svg.err")"
unburn
[ -s "$TMPDIR/svg.out" ] && fail "--svg printed stacks as well: $(head -3 "$TMPDIR/svg.out")"
grep -q "flame graph in $svg\$" "$TMPDIR/svg.err" || fail "--svg: $(cat "$TMPDIR/svg.err")"
head -n 1 "$svg" | grep -q '^<?xml ' && tail -n 1 "$svg" | grep -q '^</svg>$' ||
	fail "--svg: not an SVG document"
for f in sonde_burn_three sonde_burn_one main profburn_lib; do
	grep -q "<title>$f ([0-9]* samples, " "$svg" || fail "--svg: no frame $f"
done
grep -q 'href=\|@import\|url(' "$svg" && fail "--svg: refers to another file"
if command -v xmllint >/dev/null; then
	xmllint --noout "$svg" || fail "--svg: not well-formed XML"
elif command -v python3 >/dev/null; then
	python3 -c 'import sys, xml.dom.minidom; xml.dom.minidom.parse(sys.argv[1])' "$svg" ||
		fail "--svg: not well-formed XML"
else
	echo "--svg: no XML parser here, well-formedness not checked"
fi
chrome=
for c in chromium-headless-shell chromium chromium-browser google-chrome; do
	command -v $c >/dev/null && { chrome=$c; break; }
done
if [ -z "$chrome" ]; then
	echo "--svg: no headless Chromium here, not rendered"
else
	timeout 60 $chrome --headless --no-sandbox --disable-gpu --window-size=1200,600 \
		--screenshot="$TMPDIR/fg.png" "file://$svg" >/dev/null 2>&1
	[ -s "$TMPDIR/fg.png" ] || fail "--svg: $chrome made no screenshot"
	# after the graph's own onload: zoom into sonde_burn_one, search for
	# sonde_burn_three, write what happened into the title
	sed 's#^</svg>$#<script type="text/ecmascript"><![CDATA[\
window.addEventListener("load", function () { setTimeout(function () {\
  var z, r = [];\
  for (var i = 0; i < frames.length; i++) if (frames[i].name == "sonde_burn_one") z = frames[i];\
  zoom(z);\
  for (var i = 0; i < frames.length; i++) if (frames[i].name.indexOf("sonde_burn_") == 0)\
    r.push(frames[i].name + "=" + (frames[i].g.style.display || "shown") + ":" + frames[i].r.getAttribute("width"));\
  search(new RegExp("^sonde_burn_three$"));\
  document.getElementById("title").textContent = "CHECK " + r.join(" ") + " " + matched.textContent;\
}, 0); });\
]]></script>\
</svg>#' "$svg" >"$TMPDIR/fgt.svg"
	timeout 60 $chrome --headless --no-sandbox --disable-gpu --dump-dom \
		"file://$TMPDIR/fgt.svg" 2>/dev/null | grep -o 'CHECK [^<]*' >"$TMPDIR/dom" || true
	grep -q 'sonde_burn_one=shown:1180.00 sonde_burn_three=none:[0-9.]* Matched: [67][0-9]\.[0-9]%' "$TMPDIR/dom" ||
		fail "--svg in $chrome: zoom or search did not work: $(cat "$TMPDIR/dom")"
	echo "--svg: rendered by $chrome ($(wc -c <"$TMPDIR/fg.png") bytes of PNG); $(cat "$TMPDIR/dom")"
fi

# 7. Bad input: one line, exit 2; a missing process: exit 1.
for args in "-F 0" "-U -K" "-p -3" "extra" "--folded --json" "--svg $TMPDIR/x --folded"; do
	"$SONDE" profile $args >/dev/null 2>"$TMPDIR/bad.err"
	rc=$?
	[ $rc -eq 2 ] || fail "profile $args: exit $rc, want 2"
	[ "$(wc -l <"$TMPDIR/bad.err")" -eq 1 ] || fail "profile $args: $(cat "$TMPDIR/bad.err")"
done
"$SONDE" profile -p 999999999 -d 1 >/dev/null 2>"$TMPDIR/bad.err"
[ $? -eq 1 ] || fail "profile of a missing process: not exit 1"
grep -q "no process 999999999" "$TMPDIR/bad.err" || fail "missing process: $(cat "$TMPDIR/bad.err")"
exit 0
