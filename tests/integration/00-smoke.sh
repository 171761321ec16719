#!/bin/sh
# 00-smoke: the test environment is complete and the sonde binary starts.
fail() { echo "$*"; exit 1; }

for var in SONDE PROFILE HELPERS TMPDIR; do
	eval "[ -n \"\${$var:-}\" ]" || fail "\$$var is not set"
done
echo scratch >"$TMPDIR/scratch" || fail "TMPDIR $TMPDIR is not writable"

if [ -e "$SONDE" ]; then
	v=$("$SONDE" --version) || fail "'$SONDE --version' failed (exit $?): $v"
	[ -n "$v" ] || fail "'$SONDE --version' printed nothing"
	echo "$v"
else
	# sonde is not built yet: still prove the harness with a real check
	r=$(uname -r) || fail "uname -r failed"
	[ -n "$r" ] || fail "uname -r printed nothing"
	echo "no sonde at $SONDE; kernel $r"
fi
