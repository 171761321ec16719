# bash completion for sonde and its applets.
# Everything comes from the binary itself (--list-cmds, --list-opts,
# snoop --list-tools, --install-list), so it cannot drift from the code.

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

_sonde() {
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
	local prog=${COMP_WORDS[0]} i cmd= sub= nonopt=0
	for ((i = 1; i < COMP_CWORD; i++)); do
		case ${COMP_WORDS[i]} in
		--via) ((i++)) ;;
		-*) ;;
		*) if [[ -z $cmd ]]; then cmd=${COMP_WORDS[i]}; elif [[ -z $sub ]]; then sub=${COMP_WORDS[i]}; fi ;;
		esac
	done
	if [[ -z $cmd ]]; then
		_sonde_complete_with "$(_sonde_opts "$prog")" "$cur" "$prev" && return
		COMPREPLY=($(compgen -W "$("$prog" --list-cmds 2>/dev/null)" -- "$cur"))
		return
	fi
	if [[ $cmd == snoop && -z $sub ]]; then
		_sonde_complete_with "$(_sonde_opts "$prog" snoop)" "$cur" "$prev" && return
		COMPREPLY=($(compgen -W "$("$prog" snoop --list-tools 2>/dev/null)" -- "$cur"))
		return
	fi
	if [[ $cmd == help ]]; then
		COMPREPLY=($(compgen -W "$("$prog" --list-cmds 2>/dev/null)" -- "$cur"))
		return
	fi
	_sonde_complete_with "$(_sonde_opts "$prog" $cmd $sub)" "$cur" "$prev"
}

_sonde_applet() {
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
	_sonde_complete_with "$(_sonde_opts "${COMP_WORDS[0]}")" "$cur" "$prev"
}

complete -F _sonde sonde
if command -v sonde >/dev/null 2>&1; then
	complete -F _sonde_applet $(sonde --install-list 2>/dev/null)
fi
