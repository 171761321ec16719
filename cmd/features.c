// SPDX-License-Identifier: GPL-2.0
/*
 * sonde features: what this kernel offers, with the evidence, and which
 * mechanism each probe kind gets (and why each better one was refused).
 */
#include <errno.h>
#include <string.h>

#include "cmds.h"
#include "kernel_facts.h"
#include "options.h"
#include "plan.h"
#include "privilege.h"
#include "sonde.h"
#include "util.h"

static const char *const features_usage[] = {
	"sonde features [-v] [--json] [--via MECH]",
	NULL,
};

static const char *mech_label(const struct plan *p)
{
	if (p->rung == RUNG_NONE)
		return NULL;
	if (p->rung == RUNG_USER_AGGREGATION)
		return "user";
	return mechanism_name(p->mech);
}

static int lockdown_active(const struct kernel_facts *f)
{
	return f->lockdown[0] && strcmp(f->lockdown, "none");
}

/* Plain sentences for what matters most; the same in text and JSON. */
static int notes_build(const struct kernel_facts *f, const struct plan *plans,
		       char notes[][200], int max)
{
	char ld[48] = "";
	int n = 0;

	if (lockdown_active(f))
		snprintf(ld, sizeof(ld), ", lockdown=%s", f->lockdown);
#define NOTE(...) do { if (n < max) snprintf(notes[n++], 200, __VA_ARGS__); } while (0)
	if (f->tracefs_mounted_by_us)
		NOTE("sonde mounted tracefs at %s", f->tracefs_path);
	if (f->bpf.state == FACT_NO && f->bpf.err == ENOSYS)
		NOTE("this kernel has no bpf(2) system call (ENOSYS): tracefs and perf_event_open only");
	else if (f->bpf.state == FACT_NO)
		NOTE("bpf(2) is refused (%s, kernel.unprivileged_bpf_disabled=%d): needs root or CAP_BPF and CAP_PERFMON",
		     errno_name(f->bpf.err), privileges_get()->unprivileged_bpf_disabled);
	if (f->bpf.state == FACT_YES && f->btf.state != FACT_YES)
		NOTE("no kernel BTF: BPF programs that read kernel structs (CO-RE) cannot run; tracepoints use their format files");
	if (f->kprobe_events.state == FACT_NO && f->kprobe_events.err == ENOENT &&
	    f->perf_kprobe_pmu.state == FACT_NO && f->perf_kprobe_pmu.err == ENOENT)
		NOTE("kprobes are not built into this kernel (no kprobe_events, no kprobe PMU)");
	if (f->fentry.state == FACT_NO && f->bpf.state == FACT_YES &&
	    f->btf.state == FACT_YES)
		NOTE("BPF fentry/fexit is refused (%s%s)", errno_name(f->fentry.err), ld);
	if (f->function_tracer.state == FACT_NO && f->function_tracer.err)
		NOTE("the ftrace function tracer is listed but refused (%s%s)",
		     errno_name(f->function_tracer.err), ld);
	if (plans[PK_KFUNC_ENTRY].rung == RUNG_NONE && g_opts.via == MECH_AUTO)
		NOTE("kernel functions cannot be probed on this kernel at all; use a tracepoint instead");
	if (f->perf_hw.state == FACT_NO && f->perf_sw.state == FACT_YES)
		NOTE("no hardware PMU (%s): sampling uses the cpu-clock software event",
		     errno_name(f->perf_hw.err));
	if (!f->is_root && !(f->cap_bpf && f->cap_perfmon) && !f->cap_sys_admin)
		NOTE("not root and without CAP_BPF+CAP_PERFMON or CAP_SYS_ADMIN: most mechanisms need them");
#undef NOTE
	return n;
}

static void print_num(const char *name, int v)
{
	if (v == -99)
		printf("  %-22s unknown\n", name);
	else
		printf("  %-22s %d\n", name, v);
}

/* What this process may do, whatever the kernel offers. */
static void print_privileges(const struct kernel_facts *f)
{
	const struct privileges *p = privileges_get();
	struct priv_allow a[PRIV_ALLOWS];
	char buf[200];

	printf("\nPrivileges:\n");
	printf("  %-42s uid %u, euid %u\n", "user", p->uid, p->euid);
	printf("  %-42s %s\n", "effective capabilities", priv_caps_list(p, buf, sizeof(buf)));
	if (p->unprivileged_bpf_disabled == -99)
		printf("  %-42s unknown\n", "kernel.unprivileged_bpf_disabled");
	else
		printf("  %-42s %d\n", "kernel.unprivileged_bpf_disabled",
		       p->unprivileged_bpf_disabled);
	priv_allows(p, a);
	/* the kernel's word where it was asked (perf_event_paranoid=3) */
	a[PRIV_ALLOWS - 1].ok = f->perf_sw.state == FACT_YES;
	for (int i = 0; i < PRIV_ALLOWS; i++)
		printf("  %-42s %s%s%s\n", a[i].what, a[i].ok ? "yes" : "no",
		       a[i].ok ? "" : ": needs ", a[i].ok ? "" : a[i].needs);
}

static void print_text(const struct kernel_facts *f, const struct plan *plans,
		       char notes[][200], int nnotes)
{
	const char *caps[3];
	int ncaps = 0;

	printf("Kernel facts:\n  %-17s %-8s %s\n", "FACT", "STATE", "EVIDENCE");
	for (size_t i = 0; i < fact_descs_count; i++) {
		const struct fact *ft = fact_get(f, i);

		printf("  %-17s %-8s %s\n", fact_descs[i].name,
		       fact_state_name(ft->state), ft->evidence);
		if (g_opts.verbose)
			printf("  %-17s %-8s (%s)\n", "", "", fact_descs[i].desc);
	}

	printf("\nEnvironment:\n");
	printf("  %-22s %s\n", "kernel release", f->release);
	printf("  %-22s %s%s\n", "tracefs", f->tracefs_path[0] ? f->tracefs_path : "none",
	       f->tracefs_mounted_by_us ? " (mounted by sonde)" : "");
	printf("  %-22s %s\n", "lockdown", f->lockdown[0] ? f->lockdown : "unknown");
	print_num("perf_event_paranoid", f->perf_event_paranoid);
	print_num("kptr_restrict", f->kptr_restrict);
	if (f->cap_sys_admin)
		caps[ncaps++] = "CAP_SYS_ADMIN";
	if (f->cap_bpf)
		caps[ncaps++] = "CAP_BPF";
	if (f->cap_perfmon)
		caps[ncaps++] = "CAP_PERFMON";
	printf("  %-22s %s;", "privileges", f->is_root ? "root" : "not root");
	if (!ncaps)
		printf(" none of CAP_SYS_ADMIN, CAP_BPF, CAP_PERFMON");
	for (int i = 0; i < ncaps; i++)
		printf(" %s", caps[i]);
	printf("\n");
	print_num("possible CPUs", f->ncpus);
	print_privileges(f);

	printf("\nMechanisms");
	if (g_opts.via != MECH_AUTO)
		printf(" (--via %s)", mechanism_name(g_opts.via));
	printf(":\n");
	for (int k = 0; k < PK__COUNT; k++) {
		const struct plan *p = &plans[k];
		const enum rung *ladder;
		int n = plan_ladder(k, &ladder);
		const char *m = mech_label(p);

		printf("  %-24s ", probe_kind_name(k));
		if (p->rung == RUNG_NONE)
			printf("NONE\n");
		else
			printf("%s [%s]\n", rung_name(p->rung), m);
		for (const char *s = p->reason; *s; ) {
			const char *nl = strchr(s, '\n');
			int len = nl ? (int)(nl - s) : (int)strlen(s);

			printf("      %.*s\n", len, s);
			s += len + (nl ? 1 : 0);
		}
		if (!g_opts.verbose || p->rung == RUNG_NONE)
			continue;
		/* -v: the fallbacks below the chosen rung too */
		bool below = false;
		for (int i = 0; i < n; i++) {
			enum fact_id bad;

			if (ladder[i] == p->rung) {
				below = true;
				continue;
			}
			if (!below)
				continue;
			if (rung_usable(ladder[i], f, &bad))
				printf("      fallback %s: usable\n", rung_name(ladder[i]));
			else
				printf("      fallback %s: %s %s: %s\n", rung_name(ladder[i]),
				       fact_descs[bad].name,
				       fact_state_name(fact_get(f, bad)->state),
				       fact_get(f, bad)->evidence);
		}
	}
	if (nnotes) {
		printf("\nNotes:\n");
		for (int i = 0; i < nnotes; i++)
			printf("  - %s\n", notes[i]);
	}
}

static void json_kv_str(const char *key, const char *val)
{
	printf(",\"%s\":", key);
	if (val)
		json_print_string(stdout, val);
	else
		fputs("null", stdout);
}

static void json_kv_int(const char *key, int v)
{
	if (v == -99)
		printf(",\"%s\":null", key);
	else
		printf(",\"%s\":%d", key, v);
}

static void json_kv_bool(const char *key, bool v)
{
	printf(",\"%s\":%s", key, v ? "true" : "false");
}

static void json_fact_fields(const struct fact *ft)
{
	json_kv_str("state", fact_state_name(ft->state));
	json_kv_str("errno", ft->err ? errno_name(ft->err) : NULL);
	json_kv_str("evidence", ft->evidence);
}

static void print_privileges_json(const struct kernel_facts *f)
{
	const struct privileges *p = privileges_get();
	struct priv_allow a[PRIV_ALLOWS];
	char buf[200];

	printf("{\"type\":\"privileges\",\"uid\":%u,\"euid\":%u", p->uid, p->euid);
	json_kv_str("capabilities", priv_caps_list(p, buf, sizeof(buf)));
	json_kv_int("perf_event_paranoid", p->perf_event_paranoid);
	json_kv_int("unprivileged_bpf_disabled", p->unprivileged_bpf_disabled);
	priv_allows(p, a);
	a[PRIV_ALLOWS - 1].ok = f->perf_sw.state == FACT_YES;
	for (int i = 0; i < PRIV_ALLOWS; i++)
		json_kv_bool(a[i].id, a[i].ok);
	printf("}\n");
}

static void print_json(const struct kernel_facts *f, const struct plan *plans,
		       char notes[][200], int nnotes)
{
	printf("{\"type\":\"env\"");
	json_kv_str("release", f->release);
	json_kv_str("tracefs", f->tracefs_path[0] ? f->tracefs_path : NULL);
	json_kv_bool("tracefs_mounted_by_us", f->tracefs_mounted_by_us);
	json_kv_str("lockdown", f->lockdown[0] ? f->lockdown : NULL);
	json_kv_int("perf_event_paranoid", f->perf_event_paranoid);
	json_kv_int("kptr_restrict", f->kptr_restrict);
	json_kv_bool("is_root", f->is_root);
	json_kv_bool("cap_sys_admin", f->cap_sys_admin);
	json_kv_bool("cap_bpf", f->cap_bpf);
	json_kv_bool("cap_perfmon", f->cap_perfmon);
	json_kv_int("ncpus", f->ncpus);
	printf("}\n");
	print_privileges_json(f);

	for (size_t i = 0; i < fact_descs_count; i++) {
		printf("{\"type\":\"fact\"");
		json_kv_str("name", fact_descs[i].name);
		json_kv_str("desc", fact_descs[i].desc);
		json_fact_fields(fact_get(f, i));
		printf("}\n");
	}

	for (int k = 0; k < PK__COUNT; k++) {
		const struct plan *p = &plans[k];

		printf("{\"type\":\"plan\"");
		json_kv_str("kind", probe_kind_id(k));
		json_kv_str("via", mechanism_name(g_opts.via));
		json_kv_str("rung", rung_id(p->rung));
		json_kv_str("rung_name", p->rung ? rung_name(p->rung) : NULL);
		json_kv_str("mechanism", mech_label(p));
		json_kv_str("reason", p->reason);
		printf(",\"rejected\":[");
		for (int i = 0; i < p->nrejected; i++) {
			const struct plan_reject *r = &p->rejected[i];

			printf("%s{\"rung\":", i ? "," : "");
			json_print_string(stdout, rung_id(r->rung));
			json_kv_str("fact", fact_descs[r->fact].name);
			json_fact_fields(fact_get(f, r->fact));
			printf("}");
		}
		printf("]}\n");
	}

	for (int i = 0; i < nnotes; i++) {
		printf("{\"type\":\"note\"");
		json_kv_str("text", notes[i]);
		printf("}\n");
	}
}

int cmd_features(int argc, char **argv)
{
	static const struct option opts[] = { OPT_END_MARK() };
	const struct kernel_facts *f;
	struct plan plans[PK__COUNT];
	char notes[12][200];
	int nnotes;

	argc = parse_options(argc, argv, opts, features_usage, 0);
	if (argc > 0)
		return usage_error("unexpected argument '%s'; see 'sonde features -h'",
				   argv[0]);
	f = features_get_attach();
	for (int k = 0; k < PK__COUNT; k++)
		plan_select(k, f, g_opts.via, &plans[k]);
	nnotes = notes_build(f, plans, notes, 12);
	if (g_opts.json)
		print_json(f, plans, notes, nnotes);
	else
		print_text(f, plans, notes, nnotes);
	return EXIT_OK;
}
