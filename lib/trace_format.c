// SPDX-License-Identifier: GPL-2.0
/* Filters and messages of trace probes, evaluated in user space. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trace_probe.h"

static int leaf(void *ctx, const struct expr *e, struct value *out)
{
	const struct tprobe_event *ev = ctx;
	int i = tprobe_slot_of(ev->probe, e);

	if (i >= 0) {
		if (ev->probe->slots[i].unknown)
			return -ENOENT;	/* shown as "?", filters fail */
		*out = ev->vals[i];
		return 0;
	}
	if (e->kind != EXPR_BUILTIN)
		return -ENOENT;
	*out = (struct value){ 0 };
	switch (e->builtin) {
	case EB_COMM: out->is_str = true; out->s = ev->comm ? ev->comm : ""; break;
	case EB_PID: out->i = ev->pid; break;
	case EB_TID: out->i = ev->tid; break;
	case EB_UID: out->i = (int32_t)ev->uid; break;
	case EB_GID: out->i = -1; break;
	case EB_CPU: out->i = ev->cpu; break;
	case EB_TS: out->i = ev->ts; break;
	}
	return 0;
}

int tprobe_eval(const struct tprobe_event *ev, const struct expr *e,
		struct value *out)
{
	return expr_eval(e, leaf, (void *)ev, out);
}

bool tprobe_filter(const struct tprobe_event *ev)
{
	struct value v;

	if (!ev->probe->spec.filter)
		return true;
	if (expr_eval(ev->probe->spec.filter, leaf, (void *)ev, &v))
		return false;
	return v.is_str ? true : v.i != 0;
}

/* The conversion's flags, width and precision with the length modifier
 * dropped and conv as the conversion: "%-8lx" -> "%-8llx" for conv "llx". */
static void conv_spec(const struct probe_conv *c, const char *conv,
		      char *spec, size_t size)
{
	size_t n = strlen(c->text), k = 0;

	for (size_t i = 0; i + 1 < n && k + 4 < size; i++)
		if (!strchr("hlzjtqL", c->text[i]))
			spec[k++] = c->text[i];
	snprintf(spec + k, size - k, "%s", conv);
}

/* Sign- or zero-extend from the width the length modifier names. */
static int64_t sized(const struct probe_conv *c, int64_t x)
{
	bool sign = c->conv == 'd' || c->conv == 'i';

	switch (c->size) {
	case 1: return sign ? (int8_t)x : (int64_t)(uint8_t)x;
	case 2: return sign ? (int16_t)x : (int64_t)(uint16_t)x;
	case 4: return sign ? (int32_t)x : (int64_t)(uint32_t)x;
	default: return x;
	}
}

static int format_one(char *buf, size_t size, const struct probe_conv *c,
		      const struct value *v)
{
	char spec[32], conv[4] = "ll";

	if (c->conv == 's' && !v->is_str)	/* a string we could not read */
		return snprintf(buf, size, "0x%llx", (unsigned long long)v->i);
	if (c->conv == 's' || v->is_str) {
		conv_spec(c, "s", spec, sizeof(spec));
		return snprintf(buf, size, spec, v->s);
	}
	switch (c->conv) {
	case 'c':
		return snprintf(buf, size, "%c", (char)v->i);
	case 'p':
	case 'K':
	case 'U':
		return snprintf(buf, size, "0x%llx", (unsigned long long)v->i);
	}
	conv[2] = c->conv == 'i' ? 'd' : c->conv;
	conv_spec(c, conv, spec, sizeof(spec));
	return snprintf(buf, size, spec, (long long)sized(c, v->i));
}

static void message_format(const struct tprobe_event *ev, char *buf, size_t size)
{
	const struct probe_spec *s = &ev->probe->spec;
	size_t n = 0;
	int ci = 0;

	for (const char *p = s->format; *p && n + 1 < size; p++) {
		if (*p != '%' || ci >= s->nconv) {
			buf[n++] = *p;
			continue;
		}
		if (p[1] == '%') {
			buf[n++] = '%';
			p++;
			continue;
		}
		const struct probe_conv *c = &s->convs[ci];
		struct value v;

		if (expr_eval(s->print[ci], leaf, (void *)ev, &v))
			v = (struct value){ .is_str = true, .s = "?" };
		int w = format_one(buf + n, size - n, c, &v);

		if (w > 0)
			n += (size_t)w < size - n ? (size_t)w : size - n - 1;
		p += strlen(c->text) - 1;
		ci++;
	}
	buf[n] = '\0';
}

static void message_args(const struct tprobe_event *ev, char *buf, size_t size)
{
	const struct tprobe *p = ev->probe;
	size_t n = 0;

	buf[0] = '\0';
	for (int i = 0; i < p->nslots && n + 1 < size; i++) {
		const struct tslot *s = &p->slots[i];
		const struct value *v = &ev->vals[i];
		char *name;

		if (s->filter_only)
			continue;
		name = s->label ? NULL : expr_str(s->e);
		if (s->unknown)
			n += snprintf(buf + n, size - n, "%s%s=?", i ? " " : "",
				      s->label ? s->label : name);
		else if (v->is_str)
			n += snprintf(buf + n, size - n, "%s%s=\"%s\"", i ? " " : "",
				      s->label ? s->label : name, v->s);
		else if (s->field_pointer)
			n += snprintf(buf + n, size - n, "%s%s=0x%llx", i ? " " : "",
				      s->label ? s->label : name, (unsigned long long)v->i);
		else
			n += snprintf(buf + n, size - n, "%s%s=%lld", i ? " " : "",
				      s->label ? s->label : name, (long long)v->i);
		free(name);
	}
}

void tprobe_message(const struct tprobe_event *ev, char *buf, size_t size)
{
	if (ev->probe->spec.format)
		message_format(ev, buf, size);
	else
		message_args(ev, buf, size);
}
