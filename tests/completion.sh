#!/bin/bash
# completion.sh - `make install` into a temporary root, then real bash, zsh
# and fish, each started fresh in tmux with the installed completion,
# tab-complete sonde's commands, options, option values and probe names
# of the running kernel and of a binary; the completed command is run.
# Prints ok/FAIL/skip lines and "completion: N passed, N failed, N skipped".
set -u
cd "$(dirname "$0")/.." || exit 2
root=$(mktemp -d)
sock=
trap 'for s in bash zsh fish; do tmux -L "sonde-compl-$$-$s" kill-server 2>/dev/null; done; rm -rf "$root"' EXIT
pass=0 fail=0 skip=0

ok() { echo "ok completion/$1"; pass=$((pass + 1)); }
bad() { echo "FAIL completion/$1"; shift; printf '    %s\n' "$@"; fail=$((fail + 1)); }
skipped() { echo "skip completion/$1: $2"; skip=$((skip + 1)); }

make -s install DESTDIR="$root" PREFIX=/usr >/dev/null || {
	bad install "make install failed"
	echo "completion: $pass passed, $fail failed, $skip skipped"
	exit 1
}
bin=$root/usr/bin
share=$root/usr/share
for f in bin/sonde bin/execsnoop share/man/man1/sonde.1 share/man/man1/sonde-trace.1 \
	share/bash-completion/completions/sonde share/zsh/vendor-completions/_sonde \
	share/fish/vendor_completions.d/sonde.fish share/fish/vendor_completions.d/execsnoop.fish; do
	[ -e "$root/usr/$f" ] || bad install "missing $f"
done
[ $fail = 0 ] && ok install
# man finds the installed pages
if command -v man >/dev/null; then
	if MANPATH=$share/man man -P cat sonde-trace 2>/dev/null | grep -q SYNOPSIS; then
		ok man-page
	else
		bad man-page "man sonde-trace shows no SYNOPSIS from $share/man"
	fi
else
	skipped man-page "man is not installed"
fi

# The probe used below must exist on this kernel.
tracefs=$(awk '$3 == "tracefs" { print $2; exit }' /proc/mounts)
tp=syscalls/sys_enter_openat
if [ -z "$tracefs" ] || [ ! -d "$tracefs/events/$tp" ]; then
	skipped shells "no tracepoint $tp here (tracefs: ${tracefs:-not mounted})"
	echo "completion: $pass passed, $fail failed, $skip skipped"
	exit 0
fi

# start NAME SHELL-COMMAND...: a fresh shell in its own tmux server, in a
# window 200 columns wide
start() {
	sock="sonde-compl-$$-$1"
	shift
	tmux -L "$sock" -f /dev/null new-session -d -x 200 -y 50 \
		env -i HOME="$root" TERM=xterm PATH="$bin:/usr/bin:/bin:/usr/sbin:/sbin" "$@"
}
send() { tmux -L "$sock" send-keys "$@"; }
screen() { tmux -L "$sock" capture-pane -p -J | grep -v '^$'; }
# wait_for TEXT: until the screen shows TEXT (25 s: a loaded machine)
wait_for() {
	for _ in $(seq 250); do
		screen | grep -qF -- "$1" && return 0
		sleep 0.1
	done
	return 1
}

# tab TEST KEYS WANT: type KEYS then Tab; the line must then show WANT
tab() {
	send "$2" Tab
	if wait_for "$3"; then
		ok "$1"
	else
		bad "$1" "$(screen | tail -3)"
		return 1
	fi
}

# check_shell NAME: the same keys in each shell; $rc is its "$?"
check_shell() {
	local name=$1
	if ! wait_for "READY"; then
		bad "$name" "the shell did not start:" "$(screen)"
		return
	fi
	# command, tracepoint category, event, option, option value
	tab "$name-command" "sonde tr" "sonde trace " &&
		tab "$name-tracepoint-category" "t:syscal" "t:syscalls:" &&
		tab "$name-tracepoint" "sys_enter_opena" "t:syscalls:sys_enter_openat" &&
		tab "$name-option" " --vi" "--via " &&
		tab "$name-option-value" "tra" "--via tracefs" || return
	# the completed line runs (tracing a command it starts)
	send " -M 1 -- cat /dev/null; echo RC=$rc" Enter
	if wait_for "RC=0" && screen | grep -q "cat .*syscalls:sys_enter_openat dfd="; then
		ok "$name-run"
	else
		bad "$name-run" "$(screen | tail -8)"
	fi
	# a function of a binary (-x) and an applet's options
	tab "$name-user-function" "sonde probe -x /bin/bash -V readli" "readline" || return
	send C-e C-u
	tab "$name-applet" "execsnoop --fai" "execsnoop --fails" || return
	send C-e C-u
}

if command -v tmux >/dev/null && command -v bash >/dev/null; then
	cat >"$root/bashrc" <<EOF
PS1='\$ '
source $share/bash-completion/completions/sonde
echo READY
EOF
	start bash bash --noprofile --rcfile "$root/bashrc" -i
	rc='$?' check_shell bash
else
	skipped bash "tmux or bash is not installed"
fi

if command -v tmux >/dev/null && command -v zsh >/dev/null; then
	cat >"$root/.zshrc" <<EOF
PS1='%# '
fpath=($share/zsh/vendor-completions \$fpath)
autoload -U compinit && compinit -u -d $root/zcompdump
echo READY
EOF
	start zsh env ZDOTDIR="$root" zsh -i
	rc='$?' check_shell zsh
else
	skipped zsh "tmux or zsh is not installed"
fi

if command -v tmux >/dev/null && command -v fish >/dev/null; then
	mkdir -p "$root/.config/fish"
	cat >"$root/.config/fish/config.fish" <<EOF
set -g fish_greeting
set -p fish_complete_path $share/fish/vendor_completions.d
function fish_prompt; echo '> '; end
echo READY
EOF
	start fish env XDG_CONFIG_HOME="$root/.config" fish -i
	rc='$status' check_shell fish
else
	skipped fish "tmux or fish is not installed"
fi

echo "completion: $pass passed, $fail failed, $skip skipped"
[ $fail = 0 ]
