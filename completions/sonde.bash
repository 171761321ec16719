# bash completion for sonde and its applets.
# Everything comes from the binary itself (--list-cmds, --list-opts,
# snoop --list-tools, --install-list, --complete for probe names), so it
# cannot drift from the code or from the running kernel.

_sonde_opts() {	# words of the command line so far, without the current one
	"$@" --list-opts 2>/dev/null
}

_sonde_complete_with() {	# LINES-OF-"--opt[=]<TAB>values" CUR PREV
	local opts=$1 cur=$2 prev=$3 line name vals
	# Values of the option just typed (e.g. --via <TAB>).
	while IFS= read -r line; do
		name=${line%%$'\t'*}
		name=${name%=}
		vals=
		[[ $line == *$'\t'* ]] && vals=${line#*$'\t'}
		if [[ $prev == "$name" && -n $vals ]]; then
			COMPREPLY=($(compgen -W "$vals" -- "$cur"))
			return 0
		fi
	done <<<"$opts"
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$(cut -f1 <<<"$opts" | sed 's/=$//')" -- "$cur"))
		return 0
	fi
	return 1
}

# Probe names continuing the current word (which bash splits at ':', so
# the whole word is taken from the line and the part before its last ':'
# is stripped from the answers). PROG [BINARY]
_sonde_probes() {
	local prog=$1 bin=$2 word=${COMP_LINE:0:COMP_POINT} c
	word=${word##*[[:space:]]}
	word=${word#[\'\"]}
	local pre=${word%"${word##*:}"}
	COMPREPLY=()
	while IFS= read -r c; do
		[[ -n $c ]] && COMPREPLY+=("${c#"$pre"}")
	done < <("$prog" --complete "$word" ${bin:+"$bin"} 2>/dev/null)
	# "t:sched:" and "u:/usr/bin/" continue: no space after them
	[[ ${COMPREPLY[*]} == *[:/] || ${COMPREPLY[*]} == *[:/]\ * ]] && compopt -o nospace 2>/dev/null
	return 0
}

# Does option PREV of the command (the remaining words) take a value?
_sonde_takes_arg() {
	local prev=$1 short long arg rest
	shift
	[[ $prev == -* ]] || return 1
	while IFS= read -r rest; do	# SHORT<TAB>LONG<TAB>ARG<TAB>..., fields may be empty
		short=${rest%%$'\t'*} rest=${rest#*$'\t'}
		long=${rest%%$'\t'*} rest=${rest#*$'\t'}
		arg=${rest%%$'\t'*}
		[[ -n $arg && ( $prev == "-$short" || $prev == "--$long" ) ]] && return 0
	done < <("$@" --list-opts-described 2>/dev/null)
	return 1
}

_sonde() {
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
	local prog=${COMP_WORDS[0]} i w cmd= sub= bin=
	for ((i = 1; i < COMP_CWORD; i++)); do
		w=${COMP_WORDS[i]}
		case $w in
		--via) ((i++)) ;;
		-x | --exec) bin=${COMP_WORDS[i+1]}; ((i++)) ;;
		-*) ;;
		*) if [[ -z $cmd ]]; then cmd=$w; elif [[ -z $sub ]]; then sub=$w; fi ;;
		esac
	done
	if [[ -z $cmd ]]; then
		_sonde_complete_with "$(_sonde_opts "$prog")" "$cur" "$prev" && return
		COMPREPLY=($(compgen -W "$("$prog" --list-cmds 2>/dev/null)" -- "$cur"))
		return
	fi
	case $prev in
	-x | --exec) COMPREPLY=($(compgen -f -- "$cur")); return ;;
	esac
	case $cmd in
	snoop)
		if [[ -z $sub ]]; then
			_sonde_complete_with "$(_sonde_opts "$prog" snoop)" "$cur" "$prev" && return
			COMPREPLY=($(compgen -W "$("$prog" snoop --list-tools 2>/dev/null)" -- "$cur"))
			return
		fi ;;
	help)
		COMPREPLY=($(compgen -W "$("$prog" --list-cmds 2>/dev/null)" -- "$cur"))
		return ;;
	esac
	_sonde_complete_with "$(_sonde_opts "$prog" $cmd $sub)" "$cur" "$prev" && return
	# positional arguments and option values that are probes
	_sonde_takes_arg "$prev" "$prog" $cmd $sub && case $prev in
		-a | --add | -V | --vars | --from | --to) ;;
		*) return ;;
	esac
	case $cmd:$prev in
	trace:* | hist:* | stack:* | probe:-a | probe:--add | probe:-V | probe:--vars | \
	probe:-l | probe:--list | hist:--from | hist:--to)
		_sonde_probes "$prog" "$bin" ;;
	esac
}

_sonde_applet() {
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
	_sonde_complete_with "$(_sonde_opts "${COMP_WORDS[0]}")" "$cur" "$prev" && return
	case ${COMP_WORDS[0]##*/} in
	trace | funccount | funclatency | argdist | stackcount) _sonde_probes sonde ;;
	esac
}

complete -F _sonde sonde
if command -v sonde >/dev/null 2>&1; then
	complete -F _sonde_applet $(sonde --install-list 2>/dev/null)
fi
