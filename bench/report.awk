# report.awk: the tables of Documentation/performance.md from a bench run.
#   awk -f bench/report.awk machine.txt results.tsv errors.tsv
# results.tsv: CASE GROUP TOOL "key=value ..." per run (tab-separated);
# errors.tsv: CASE GROUP TOOL ERROR. Medians over runs; "sonde/peer" is
# the job's first sonde row (its default mechanism) over the peer's; with
# -v every=1 over every other row too (sonde's mechanisms compared).
BEGIN { FS = "\t" }

FILENAME ~ /machine/ { machine = machine "    " $0 "\n"; next }

FILENAME ~ /errors/ {
	nerr++
	why = $4
	gsub(/</, "\\&lt;", why)	# bcc's "<text>" is no HTML tag
	gsub(/>/, "\\&gt;", why)
	err[nerr] = "| " $1 " | " $2 " | " $3 " | " why " |"
	failed[$1, $2, $3] = $4
	order($1, $2, $3)
	next
}

{
	order($1, $2, $3)
	# a tool late to attach traced only part of the storm: its run counts
	# for memory and CPU, not for overhead or loss
	late = $4 ~ /(^| )late=1 /
	n = split($4, kv, " ")
	for (i = 1; i <= n; i++) {
		eq = index(kv[i], "=")
		key = substr(kv[i], 1, eq - 1)
		if (eq && !(late && key ~ /^(traced_|seen|lost|expected)/))
			add($1, $2, $3, key, substr(kv[i], eq + 1))
	}
	if (late)
		next
	# ratios per run, so that each pairs a traced phase with the
	# untraced one just before it
	k = $1 SUBSEP $2 SUBSEP $3 SUBSEP
	per_run($1, $2, $3, "open_x", "open_ns")
	per_run($1, $2, $3, "open_cpu_x", "open_cpu_ns")
	per_run($1, $2, $3, "ppid_x", "getppid_ns")
	per_run($1, $2, $3, "ppid_cpu_x", "getppid_cpu_ns")
	if (last[k "traced_iters_per_s"] > 0) {
		add($1, $2, $3, "slow_x", last[k "base_iters_per_s"] / last[k "traced_iters_per_s"])
		add($1, $2, $3, "slow_cpu_x", last[k "base_iters_per_cpu_s"] / last[k "traced_iters_per_cpu_s"])
	}
	if (last[k "expected"] != "") {
		silent = last[k "expected"] - last[k "seen"] - last[k "lost"]
		add($1, $2, $3, "silent", silent < 0 ? 0 : silent)
	}
	if (last[k "paced_secs"] > 0) {
		add($1, $2, $3, "rate", last[k "seen"] / last[k "paced_secs"])
		add($1, $2, $3, "achieved", last[k "paced_events"] / last[k "paced_secs"])
	}
}

# traced over untraced of one run's KEY, as NAME
function per_run(c, g, t, name, key,    k) {
	k = c SUBSEP g SUBSEP t SUBSEP
	if (last[k "base_" key] > 0 && last[k "traced_" key] > 0)
		add(c, g, t, name, last[k "traced_" key] / last[k "base_" key])
}

function order(c, g, t) {
	if (!((c, g) in gseen)) {
		gseen[c, g] = 1
		groups[c] = groups[c] (groups[c] == "" ? "" : SUBSEP) g
	}
	if (!((c, g, t) in tseen)) {
		tseen[c, g, t] = 1
		tools[c, g] = tools[c, g] (tools[c, g] == "" ? "" : SUBSEP) t
		if (t ~ /^sonde/ && !((c, g) in ref))
			ref[c, g] = t
	}
}

function add(c, g, t, key, v,    k, sep) {
	k = c SUBSEP g SUBSEP t SUBSEP key
	sep = k in vals ? " " : ""
	vals[k] = vals[k] sep v
	last[k] = v
}

function med(c, g, t, key,    a, n, i, j, x) {
	if (!((c SUBSEP g SUBSEP t SUBSEP key) in vals))
		return ""
	n = split(vals[c SUBSEP g SUBSEP t SUBSEP key], a, " ")
	for (i = 2; i <= n; i++) {
		x = a[i] + 0
		for (j = i - 1; j >= 1 && a[j] + 0 > x; j--)
			a[j + 1] = a[j]
		a[j + 1] = x
	}
	return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}

function worst(c, g, t, key, lowest,    a, n, i, w) {
	if (!((c SUBSEP g SUBSEP t SUBSEP key) in vals))
		return ""
	n = split(vals[c SUBSEP g SUBSEP t SUBSEP key], a, " ")
	w = a[1] + 0
	for (i = 2; i <= n; i++)
		if (lowest ? a[i] + 0 < w : a[i] + 0 > w)
			w = a[i] + 0
	return w
}

function runs(c, g, t,    a) {
	return split(vals[c SUBSEP g SUBSEP t SUBSEP "rss_kb"], a, " ")
}

function f(v, fmt) { return v == "" ? "—" : sprintf(fmt, v) }

# sonde's median over the peer's, for a metric where less is better
function ratio(c, g, t, key,    s, p) {
	if (t == ref[c, g])
		return "**ref**"
	if ((t ~ /^sonde/ && !every) || (c, g, t) in failed)
		return ""
	s = med(c, g, ref[c, g], key)
	p = med(c, g, t, key)
	return (s == "" || p == "" || p + 0 == 0) ? "—" : sprintf("%.2f", s / p)
}

function each_tool(c, g, list) {
	return split(tools[c, g], list, SUBSEP)
}

function mib(kb) { return kb == "" ? "" : kb / 1024 }

function ready_table(    gl, ng, i, tl, nt, j, c, g, t) {
	c = "ready"
	if (!(c in groups))
		return
	print "### Time to ready and peak RSS"
	print ""
	print "| job | tool | ready ms | sonde/peer | peak RSS MiB | sonde/peer | exit ms | CPU ms | runs |"
	print "|---|---|--:|--:|--:|--:|--:|--:|--:|"
	ng = split(groups[c], gl, SUBSEP)
	for (i = 1; i <= ng; i++) {
		g = gl[i]
		nt = each_tool(c, g, tl)
		for (j = 1; j <= nt; j++) {
			t = tl[j]
			if ((c, g, t) in failed) {
				printf "| %s | %s | cannot run here (below) | | | | | | |\n", g, t
				continue
			}
			printf "| %s | %s | %s | %s | %s | %s | %s | %s | %d |\n", g, t,
				f(med(c, g, t, "ready_ms"), "%.0f"), ratio(c, g, t, "ready_ms"),
				f(mib(med(c, g, t, "rss_kb")), "%.1f"), ratio(c, g, t, "rss_kb"),
				f(med(c, g, t, "stop_ms"), "%.0f"), f(med(c, g, t, "cpu_ms"), "%.0f"),
				runs(c, g, t)
		}
	}
	print ""
}

function size_table(    tl, nt, j, t, s) {
	if (!("size" in groups))
		return
	print "### Footprint on disk"
	print ""
	print "| tool | MiB | MiB without the C/C++ runtime | files | sonde/peer |"
	print "|---|--:|--:|--:|--:|"
	nt = each_tool("size", "footprint", tl)
	s = med("size", "footprint", ref["size", "footprint"], "bytes")
	for (j = 1; j <= nt; j++) {
		t = tl[j]
		printf "| %s | %.1f | %.1f | %d | %s |\n", t,
			med("size", "footprint", t, "bytes") / 1048576,
			med("size", "footprint", t, "bytes_noruntime") / 1048576,
			med("size", "footprint", t, "files"),
			t ~ /^sonde/ ? "" : sprintf("%.3f", s / med("size", "footprint", t, "bytes"))
	}
	print ""
}

function load_table(    gl, ng, i, tl, nt, j, c, g, t) {
	c = "load"
	if (!(c in groups))
		return
	print "### Overhead on a syscall storm (traced / untraced, per call: wall clock, CPU time)"
	print ""
	print "| mode | tool | openat+close × wall | × CPU | getppid × wall | × CPU | sonde/peer (CPU) | tool CPU ms | seen / expected (worst) | lost reported (worst) | silent loss (worst) | peak RSS MiB | runs (late) |"
	print "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|"
	ng = split(groups[c], gl, SUBSEP)
	for (i = 1; i <= ng; i++) {
		g = gl[i]
		nt = each_tool(c, g, tl)
		for (j = 1; j <= nt; j++) {
			t = tl[j]
			if ((c, g, t) in failed) {
				printf "| %s | %s | cannot run here (below) | | | | | | | | | | |\n", g, t
				continue
			}
			printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", g, t,
				f(med(c, g, t, "open_x"), "%.2f"), f(med(c, g, t, "open_cpu_x"), "%.2f"),
				f(med(c, g, t, "ppid_x"), "%.2f"), f(med(c, g, t, "ppid_cpu_x"), "%.2f"),
				ratio(c, g, t, "open_cpu_x"), f(med(c, g, t, "cpu_ms"), "%.0f"),
				seen(c, g, t), g ~ /hist$/ || t ~ /^floor/ ? "" : f(worst(c, g, t, "lost"), "%d"),
				g ~ /stream$/ ? f(worst(c, g, t, "silent"), "%d") : "",
				f(mib(med(c, g, t, "rss_kb")), "%.1f"), late_runs(c, g, t)
		}
	}
	print ""
}

function late_runs(c, g, t,    a, n, i, l) {
	n = split(vals[c SUBSEP g SUBSEP t SUBSEP "late"], a, " ")
	for (i = 1; i <= n; i++)
		l += a[i]
	return runs(c, g, t) (l ? " (" l " late)" : "")
}

function seen(c, g, t,    s, e) {
	if (g ~ /hist$/ || t ~ /^floor/)
		return ""
	s = worst(c, g, t, "seen", 1)
	e = med(c, g, t, "expected")
	if (e == "")
		return ""
	if (g ~ /count$/)
		return s > 0 ? "count " s " / " e : "no count ≥ " e
	return s " / " e
}

function rate_table(    gl, ng, i, tl, nt, j, c, g, t) {
	c = "rate"
	if (!(c in groups))
		return
	print "### Streaming throughput and loss (paced openat+close for 1 s)"
	print ""
	print "| offered /s | tool | made /s (storm) | delivered /s | lost reported (worst) | silent loss (worst) | tool CPU ms | runs |"
	print "|--:|---|--:|--:|--:|--:|--:|--:|"
	ng = split(groups[c], gl, SUBSEP)
	for (i = 1; i <= ng; i++) {
		g = gl[i]
		nt = each_tool(c, g, tl)
		for (j = 1; j <= nt; j++) {
			t = tl[j]
			if ((c, g, t) in failed)
				continue
			printf "| %s | %s | %s | %s | %s | %s | %s | %d |\n", g, t,
				f(med(c, g, t, "achieved"), "%.0f"),
				f(med(c, g, t, "rate"), "%.0f"), f(worst(c, g, t, "lost"), "%d"),
				f(worst(c, g, t, "silent"), "%d"), f(med(c, g, t, "cpu_ms"), "%.0f"),
				runs(c, g, t)
		}
	}
	print ""
}

function profile_table(    tl, nt, j, t, c) {
	c = "profile"
	if (!(c in groups))
		return
	print "### Profiling at 99 Hz"
	print ""
	print "| tool | CPU-bound loop slowdown × wall | × CPU | tool CPU ms | peak RSS MiB | sonde/peer RSS | runs |"
	print "|---|--:|--:|--:|--:|--:|--:|"
	nt = each_tool(c, "overhead", tl)
	for (j = 1; j <= nt; j++) {
		t = tl[j]
		if ((c, "overhead", t) in failed)
			continue
		printf "| %s | %s | %s | %s | %s | %s | %d |\n", t,
			f(med(c, "overhead", t, "slow_x"), "%.3f"), f(med(c, "overhead", t, "slow_cpu_x"), "%.3f"),
			f(med(c, "overhead", t, "cpu_ms"), "%.0f"),
			f(mib(med(c, "overhead", t, "rss_kb")), "%.1f"), ratio(c, "overhead", t, "rss_kb"),
			runs(c, "overhead", t)
	}
	print ""
	print "Symbolizing a big binary (clang-14: libLLVM-14, libclang-cpp), from the compiler's exit to the printed profile:"
	print ""
	print "| tool | samples | ms | sonde/peer | peak RSS MiB (symbolizer) | runs |"
	print "|---|--:|--:|--:|--:|--:|"
	nt = each_tool(c, "symbolize", tl)
	for (j = 1; j <= nt; j++) {
		t = tl[j]
		printf "| %s | %s | %s | %s | %s | %d |\n", t,
			f(med(c, "symbolize", t, "samples"), "%d"), f(med(c, "symbolize", t, "done_ms"), "%.0f"),
			ratio(c, "symbolize", t, "done_ms"), f(mib(med(c, "symbolize", t, "rss_kb")), "%.1f"),
			runs(c, "symbolize", t)
	}
	print ""
}

END {
	print "Machine and run:"
	print ""
	printf "%s\n", machine
	ready_table()
	size_table()
	load_table()
	rate_table()
	profile_table()
	if (nerr) {
		print "### Peers (and sonde paths) that cannot run a job here"
		print ""
		print "| case | job | tool | its last line |"
		print "|---|---|---|---|"
		for (i = 1; i <= nerr; i++)
			print err[i]
		print ""
	}
}
