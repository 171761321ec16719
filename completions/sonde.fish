# fish completion for sonde and its applets. Everything comes from the
# binary itself (--list-cmds, --list-opts-described, snoop --list-tools,
# --complete for probe names of the running kernel and of binaries).
# `make install` writes one small file per applet that loads this one.

function __sonde_complete
	set -l tokens (commandline -opc)
	set -l cur (commandline -ct)
	set -l prog $tokens[1]
	set -l applet (basename -- $prog)
	set -l cmd
	set -l sub
	set -l bin
	set -l skip
	for t in $tokens[2..-1]
		if test -n "$skip"
			test "$skip" = bin; and set bin $t
			set skip
			continue
		end
		switch $t
			case --via
				set skip via
			case -x --exec
				set skip bin
			case '-*'
			case '*'
				if test -z "$cmd"
					set cmd $t
				else if test -z "$sub"
					set sub $t
				end
		end
	end
	set -l cmdpath $prog
	if test "$applet" != sonde
		set prog sonde
	else
		test -n "$cmd"; and set -a cmdpath $cmd
		test "$cmd" = snoop -a -n "$sub"; and set -a cmdpath $sub
	end
	set -l prev $tokens[-1]
	set -l opts
	for line in ($cmdpath --list-opts-described 2>/dev/null)
		set -l f (string split \t -- $line)
		if test -n "$f[3]"; and begin; test "$prev" = "-$f[1]"; or test "$prev" = "--$f[2]"; end
			if test -n "$f[4]"
				string split ' ' -- $f[4]
				return
			end
			switch $f[2]
				case exec
					__fish_complete_path $cur
				case add vars from to
					$prog --complete $cur $bin 2>/dev/null
			end
			return
		end
		test -n "$f[2]"; and set -a opts "--$f[2]"\t"$f[5]"
		test -n "$f[1]"; and set -a opts "-$f[1]"\t"$f[5]"
	end
	if string match -q -- '-*' $cur
		printf '%s\n' $opts
		return
	end
	if test "$applet" != sonde
		switch $applet
			case trace funccount funclatency argdist stackcount
				$prog --complete $cur 2>/dev/null
		end
		return
	end
	if test -z "$cmd"
		$prog --list-cmds 2>/dev/null
		return
	end
	switch $cmd
		case snoop
			test -z "$sub"; and $prog snoop --list-tools 2>/dev/null
		case help
			$prog --list-cmds 2>/dev/null
		case trace hist stack
			$prog --complete $cur $bin 2>/dev/null
	end
end

complete -c sonde -f -a '(__sonde_complete)'
