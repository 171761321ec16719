#!/bin/sh
# manpages.sh - every command has a man page whose sections are there,
# whose SYNOPSIS names the options of the command's usage lines (-h), and
# whose OPTIONS describe exactly the options the binary takes
# (--list-opts-described). Snoop tools are checked per tool, trace's
# --syscalls form on its own. Prints "man: N passed, N failed".
set -u
cd "$(dirname "$0")/.." || exit 2
S=${SONDE:-./sonde}
pass=0 fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Text of a page with roff escapes for '-' undone.
page_text() { sed 's/\\-/-/g; s/\\(em/--/g; s/\\f[BIRP]//g' "$1"; }
# Lines of section NAME (regex) of a page.
section() {
	page_text "$1" | awk -v re="^[.]SH \"?$2" '
		/^[.]SH / { on = ($0 ~ re) ; next }
		on'
}
# Options named in text: -x and --long-name tokens.
options_in() { grep -oE '(^|[^[:alnum:]-])--?[[:alnum:]][[:alnum:]-]*' | sed 's/^[^-]*//' | sort -u; }

# The global options every command takes, documented once in sonde(1),
# and the help options every command answers.
{ "$S" features --list-opts-described | awk -F'\t' '{ if ($1 != "") print "-" $1; if ($2 != "") print "--" $2 }'
  printf '%s\n' -h --help --list-opts --list-opts-described; } | sort -u >"$tmp/globals"

# check NAME PAGE SECTION-REGEX CMD...: options of CMD against the page
check() {
	name=$1 page=$2 optsec=$3
	shift 3
	problems=""
	if [ ! -f "$page" ]; then
		echo "FAIL man/$name: no $page"
		fail=$((fail + 1))
		return
	fi
	for sec in NAME SYNOPSIS "OPTIONS|COMMON OPTIONS" MECHANISMS EXAMPLES "EXIT STATUS"; do
		page_text "$page" | grep -qE "^[.]SH \"?($sec)" || problems="$problems; no $sec section"
	done
	"$@" --list-opts-described 2>/dev/null |
		awk -F'\t' '{ if ($1 != "") print "-" $1; if ($2 != "") print "--" $2 }' |
		sort -u | comm -23 - "$tmp/globals" >"$tmp/binary"
	# the options an OPTIONS section describes: the line after each .TP
	section "$page" "($optsec)" | awk 'tp { print; tp = 0 } /^[.]TP/ { tp = 1 }' |
		options_in | sed 's/^-vv$/-v/' | sort -u | comm -23 - "$tmp/globals" >"$tmp/page"
	missing=$(comm -23 "$tmp/binary" "$tmp/page" | tr '\n' ' ')
	extra=$(comm -13 "$tmp/binary" "$tmp/page" | tr '\n' ' ')
	[ -n "$missing" ] && problems="$problems; options not in the page: $missing"
	[ -n "$extra" ] && problems="$problems; options the binary lacks: $extra"
	# SYNOPSIS names the options of every usage line of -h
	"$@" -h 2>/dev/null | sed -n 's/^ *\(usage\|or\): //p' | options_in |
		comm -23 - "$tmp/globals" >"$tmp/usage"
	section "$page" SYNOPSIS | options_in >"$tmp/synopsis"
	nosyn=$(comm -23 "$tmp/usage" "$tmp/synopsis" | tr '\n' ' ')
	[ -n "$nosyn" ] && problems="$problems; -h usage options not in SYNOPSIS: $nosyn"
	if [ -z "$problems" ]; then
		echo "ok man/$name"
		pass=$((pass + 1))
	else
		echo "FAIL man/$name${problems#;}" | fold -w 160 -s
		fail=$((fail + 1))
	fi
}

for cmd in $("$S" --list-cmds); do
	case $cmd in
	help) ;;	# help's page is sonde(1)
	snoop)
		for tool in $("$S" snoop --list-tools); do
			# a section may serve several tools: "OPTIONS (dns, bash)";
			# ext4slower and the like are fsslower's
			sec=$tool
			case $tool in *slower) sec=fsslower ;; esac
			check "snoop-$tool" Documentation/sonde-snoop.1 \
				"OPTIONS \\(([^)]*, )?$sec(, [^)]*)?\\)|COMMON OPTIONS" "$S" snoop "$tool"
		done
		;;
	trace)
		check trace Documentation/sonde-trace.1 PROBES "$S" trace
		check trace-syscalls Documentation/sonde-trace.1 OPTIONS "$S" trace --syscalls
		;;
	hist)
		check hist Documentation/sonde-hist.1 OPTIONS "$S" hist
		for p in biolatency runqlat syscount vfsstat argdist; do
			check "hist-$p" Documentation/sonde-hist.1 "PRESET OPTIONS \\($p\\)" \
				"$S" hist --preset "$p"
		done
		;;
	*) check "$cmd" "Documentation/sonde-$cmd.1" OPTIONS "$S" "$cmd" ;;
	esac
done
check sonde Documentation/sonde.1 "OPTIONS|GLOBAL OPTIONS" "$S"

echo "man: $pass passed, $fail failed"
[ "$fail" = 0 ]
