#!/bin/sh
# Command-line tests: every command answers -h; bad input exits 2 with
# exactly one line; applet routing and --install work. Walks the binary's
# own command list, so a new command is covered without editing this file.
set -u
SONDE=${SONDE:-$(cd "$(dirname "$0")/.." && pwd)/sonde}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0 failed=0

check() {	# NAME EXPECTED-STATUS EXPECTED-LINES|- CMD...
	name=$1 want=$2 lines=$3
	shift 3
	timeout 20 "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
	rc=$?
	n=$(wc -l <"$tmp/err")
	if [ "$rc" -ne "$want" ] || { [ "$lines" != - ] && [ "$n" -ne "$lines" ]; }; then
		echo "FAIL cli/$name: exit $rc (want $want), $n stderr lines (want $lines)"
		sed 's/^/    /' "$tmp/err" "$tmp/out" | head -n 20
		failed=$((failed + 1))
	else
		echo "ok cli/$name"
		passed=$((passed + 1))
	fi
}

check version 0 0 "$SONDE" --version
check help 0 0 "$SONDE" -h
check no-command 2 - "$SONDE"
for c in $("$SONDE" --list-cmds); do
	check "$c-h" 0 0 "$SONDE" "$c" -h
	"$SONDE" "$c" -h | grep -q "^usage: sonde $c" ||
		{ echo "FAIL cli/$c-usage: -h does not start with 'usage: sonde $c'"; failed=$((failed + 1)); }
	check "$c-bad-option" 2 1 "$SONDE" "$c" --no-such-option
done
for t in $("$SONDE" snoop --list-tools); do
	check "snoop-$t-h" 0 0 "$SONDE" snoop "$t" -h
	check "snoop-$t-bad-option" 2 1 "$SONDE" snoop "$t" --bogus
done
check unknown-command 2 1 "$SONDE" nosuchcommand
check typo-suggests 2 1 "$SONDE" snop
grep -q "did you mean 'snoop'" "$tmp/err" || { echo "FAIL cli/typo-suggestion-text"; failed=$((failed + 1)); }
check unknown-snoop-tool 2 1 "$SONDE" snoop nosuchtool
check bad-via 2 1 "$SONDE" snoop exec --via magic
check bad-int 2 1 "$SONDE" snoop exec -u notanumber
check bad-max-args 2 1 "$SONDE" snoop exec --max-args 0
check bad-regex 2 1 "$SONDE" snoop exec -n '('
check t-and-T 2 1 "$SONDE" snoop exec -t -T
check extra-arg 2 1 "$SONDE" snoop exec extra
check missing-value 2 1 "$SONDE" snoop exec -d
check bad-signal 2 1 "$SONDE" snoop kill -s NOSUCHSIG
check bad-open-flag 2 1 "$SONDE" snoop open -f O_BOGUS
check snoop-t-and-T 2 1 "$SONDE" snoop open -t -T

# Applets: --install makes links; a link runs its command.
mkdir "$tmp/bin"
check install 0 0 "$SONDE" --install "$tmp/bin"
for a in $("$SONDE" --install-list); do
	if [ -L "$tmp/bin/$a" ]; then
		check "applet-$a-h" 0 0 "$tmp/bin/$a" -h
	else
		echo "FAIL cli/applet-$a: no link"; failed=$((failed + 1))
	fi
done
"$tmp/bin/execsnoop" -h | grep -q '^usage: sonde snoop exec' ||
	{ echo "FAIL cli/execsnoop-routes"; failed=$((failed + 1)); }

# Bash completion asks the binary: commands, snoop tools, options, values.
complete_words() {	# WORDS... -> candidates for the last word
	PATH="$(dirname "$SONDE"):$PATH" bash -c '
		. "$1/completions/sonde.bash"; shift
		COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
		_sonde; printf "%s\n" "${COMPREPLY[@]}"' sh "$(dirname "$0")/.." "$@"
}
expect_completion() {	# NAME WANT WORDS...
	name=$1 want=$2
	shift 2
	if complete_words "$@" | grep -qx -- "$want"; then
		echo "ok cli/completion-$name"; passed=$((passed + 1))
	else
		echo "FAIL cli/completion-$name: '$want' not offered for '$*'"; failed=$((failed + 1))
	fi
}
expect_completion command snoop sonde sn
expect_completion tool exec sonde snoop e
expect_completion option --max-args sonde snoop exec --max
expect_completion via-value tracefs sonde --via tr
expect_completion help-topic features sonde help fe

# sonde never runs a shell, and makes files only with O_EXCL (lib/safefile.c):
# no system(), popen(), exec of a shell, predictable temporary names, or
# open/fopen that creates a file anywhere else.
src=$(cd "$(dirname "$0")/.." && pwd)
static_check() {	# NAME PATTERN
	hits=$(cd "$src" && grep -nE "$2" main.c lib/*.c cmd/*.c | grep -v '^lib/safefile\.c:')
	if [ -n "$hits" ]; then
		echo "FAIL cli/static-$1:"; echo "$hits" | sed 's/^/    /'
		failed=$((failed + 1))
	else
		echo "ok cli/static-$1"; passed=$((passed + 1))
	fi
}
static_check no-system '(^|[^a-z_.>])(system|popen)\('
static_check no-shell '"/(usr/)?bin/sh"|exec[lv]p?e?\("(/(usr/)?bin/)?(ba|da)?sh"'
static_check no-tmpnam '(^|[^a-z_])(tmpnam|tempnam|mktemp|tmpfile)[[:space:]]*\('
static_check no-create '(open|openat|creat)[[:space:]]*\([^;]*O_CREAT|fopen[[:space:]]*\([^;]*"[wa]'

echo "cli: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
