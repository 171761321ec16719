// SPDX-License-Identifier: GPL-2.0
/* Flame graphs as self-contained SVG: layout in C, interaction in script. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "flamegraph.h"

#define FRAME_H		16	/* pixels per stack level */
#define PAD		10	/* left and right margin */
#define TOP		40	/* title, buttons */
#define BOTTOM		30	/* the details line */
#define CHAR_W		7.2	/* monospace 12px, wide enough */
#define MIN_W		0.1	/* narrower frames are not drawn */

struct fnode {
	const char *name;
	bool kernel;
	uint64_t value;
	struct fnode *child, *next;
};

struct tree {
	struct fnode root;
	int depth;		/* deepest level (root 0) */
	bool nomem;
};

static struct fnode *child_of(struct tree *t, struct fnode *n, const char *name,
			      bool kernel)
{
	struct fnode *c;

	for (c = n->child; c; c = c->next)
		if (c->kernel == kernel && !strcmp(c->name, name))
			return c;
	if (!(c = calloc(1, sizeof(*c)))) {
		t->nomem = true;
		return NULL;
	}
	c->name = name;
	c->kernel = kernel;
	c->next = n->child;
	n->child = c;
	return c;
}

static void add_stack(void *ctx, const char *const *frames, const bool *kernel,
		      int n, uint64_t value)
{
	struct tree *t = ctx;
	struct fnode *node = &t->root;

	node->value += value;
	for (int i = 0; i < n && node; i++) {
		node = child_of(t, node, frames[i], kernel[i]);
		if (node)
			node->value += value;
	}
	if (n > t->depth)
		t->depth = n;
}

static void free_nodes(struct fnode *n)
{
	while (n) {
		struct fnode *next = n->next;

		free_nodes(n->child);
		free(n);
		n = next;
	}
}

/* ---- text ---- */

/* Length of the valid UTF-8 sequence at s, or 0. */
static int utf8_len(const unsigned char *s)
{
	int n = s[0] >= 0xf0 && s[0] <= 0xf4 ? 4 : s[0] >= 0xe0 ? 3 :
		s[0] >= 0xc2 && s[0] < 0xe0 ? 2 : 0;

	for (int i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

void flamegraph_xml_text(FILE *fp, const char *s)
{
	for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
		int n;

		switch (*c) {
		case '&': fputs("&amp;", fp); continue;
		case '<': fputs("&lt;", fp); continue;
		case '>': fputs("&gt;", fp); continue;
		case '"': fputs("&quot;", fp); continue;
		case '\'': fputs("&apos;", fp); continue;
		}
		if (*c < 0x20 || *c == 0x7f) {
			fputc('?', fp);
		} else if (*c < 0x80) {
			fputc(*c, fp);
		} else if ((n = utf8_len(c))) {
			fwrite(c, 1, n, fp);
			c += n - 1;
		} else {
			fputc('?', fp);
		}
	}
}

/* The label that fits w pixels: the name, cut with "..", or nothing. */
static void label(FILE *fp, const char *name, double w)
{
	size_t fit = w > 6 ? (size_t)((w - 6) / CHAR_W) : 0;
	char buf[512];

	if (fit < 3)
		return;
	if (strlen(name) <= fit) {
		flamegraph_xml_text(fp, name);
		return;
	}
	if (fit > sizeof(buf) - 1)
		fit = sizeof(buf) - 1;
	/* cut on a character boundary */
	while (fit > 2 && ((unsigned char)name[fit - 2] & 0xc0) == 0x80)
		fit--;
	snprintf(buf, sizeof(buf), "%.*s..", (int)fit - 2, name);
	flamegraph_xml_text(fp, buf);
}

/* ---- colours ---- */

static uint32_t name_hash(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

/* User frames warm (red to yellow), kernel frames cool (teal to blue),
 * process names grey-violet; a frame keeps its colour from run to run. */
static void colour(const struct fnode *n, int level, char *buf, size_t size)
{
	uint32_t h = name_hash(n->name);
	unsigned a = h & 0xff, b = (h >> 8) & 0xff, c = (h >> 16) & 0xff;

	if (level == 0)
		snprintf(buf, size, "rgb(210,210,210)");
	else if (level == 1)
		snprintf(buf, size, "rgb(%u,%u,%u)", 190 + a % 30, 180 + b % 30, 215 + c % 30);
	else if (n->kernel)
		snprintf(buf, size, "rgb(%u,%u,%u)", 40 + a % 70, 150 + b % 70, 200 + c % 55);
	else
		snprintf(buf, size, "rgb(%u,%u,%u)", 205 + a % 50, 80 + b % 150, 30 + c % 50);
}

/* ---- the document ---- */

struct draw {
	FILE *fp;
	double scale;		/* pixels per unit */
	int height;
	uint64_t total;
	const char *unit;
};

static int by_name(const void *x, const void *y)
{
	const struct fnode *a = *(const struct fnode *const *)x;
	const struct fnode *b = *(const struct fnode *const *)y;
	int c = strcmp(a->name, b->name);

	return c ? c : a->kernel - b->kernel;
}

/* Children in name order, as FlameGraph draws them (the order of a
 * merged tree means nothing). */
static struct fnode **sorted_children(const struct fnode *n, size_t *count)
{
	struct fnode **v;
	size_t k = 0;

	for (const struct fnode *c = n->child; c; c = c->next)
		k++;
	*count = 0;
	if (!k || !(v = malloc(k * sizeof(*v))))
		return NULL;
	k = 0;
	for (struct fnode *c = n->child; c; c = c->next)
		v[k++] = c;
	qsort(v, k, sizeof(*v), by_name);
	*count = k;
	return v;
}

static void draw_node(struct draw *d, const struct fnode *n, int level,
		      uint64_t start)
{
	struct fnode **kids;
	size_t nkids;
	double x = PAD + start * d->scale, w = n->value * d->scale;
	int y = d->height - BOTTOM - (level + 1) * FRAME_H;
	char fill[32];

	if (w < MIN_W)
		return;
	colour(n, level, fill, sizeof(fill));
	fprintf(d->fp, "<g class=\"f\"><title>");
	flamegraph_xml_text(d->fp, n->name);
	fprintf(d->fp, " (%llu %s, %.2f%%)</title><rect x=\"%.2f\" y=\"%d\" width=\"%.2f\" "
		"height=\"%d\" fill=\"%s\" rx=\"2\"/><text x=\"%.2f\" y=\"%d\">",
		(unsigned long long)n->value, d->unit,
		d->total ? 100.0 * n->value / d->total : 0.0, x, y, w, FRAME_H - 1,
		fill, x + 3, y + FRAME_H - 4);
	label(d->fp, n->name, w);
	fprintf(d->fp, "</text></g>\n");
	kids = sorted_children(n, &nkids);
	for (size_t i = 0; i < nkids; i++) {
		draw_node(d, kids[i], level + 1, start);
		start += kids[i]->value;
	}
	free(kids);
}

/* The interaction, in the file: hover, zoom, search. */
static const char script[] =
"var W, frames = [], details, matched, unzoomBtn, searchBtn, searching = false;\n"
"function attr(e, a) { return parseFloat(e.getAttribute(a)); }\n"
"function init(evt) {\n"
"  var svg = document.documentElement;\n"
"  W = attr(svg, 'width');\n"
"  details = document.getElementById('details');\n"
"  matched = document.getElementById('matched');\n"
"  unzoomBtn = document.getElementById('unzoom');\n"
"  searchBtn = document.getElementById('search');\n"
"  var gs = document.getElementById('frames').getElementsByTagName('g');\n"
"  for (var i = 0; i < gs.length; i++) {\n"
"    var g = gs[i], r = g.getElementsByTagName('rect')[0];\n"
"    var t = g.getElementsByTagName('title')[0].textContent;\n"
"    var f = { g: g, r: r, t: g.getElementsByTagName('text')[0],\n"
"      x: attr(r, 'x'), w: attr(r, 'width'), y: attr(r, 'y'),\n"
"      fill: r.getAttribute('fill'), info: t,\n"
"      name: t.substring(0, t.lastIndexOf(' (')) };\n"
"    frames.push(f);\n"
"    g.onmouseover = (function (f) { return function () { details.textContent = f.info; }; })(f);\n"
"    g.onmouseout = function () { details.textContent = ' '; };\n"
"    g.onclick = (function (f) { return function () { zoom(f); }; })(f);\n"
"  }\n"
"}\n"
"function fit(f, w) {\n"
"  var n = Math.floor((w - 6) / 7.2), s = f.name;\n"
"  f.t.textContent = n < 3 ? '' : s.length <= n ? s : s.substring(0, n - 2) + '..';\n"
"}\n"
"function place(f, x, w) {\n"
"  f.r.setAttribute('x', x.toFixed(2)); f.r.setAttribute('width', w.toFixed(2));\n"
"  f.t.setAttribute('x', (x + 3).toFixed(2)); fit(f, w);\n"
"}\n"
"function zoom(z) {\n"
"  var scale = (W - 2 * 10) / z.w, eps = 0.0001;\n"
"  if (z.y == frames[0].y) { unzoom(); return; }\n"
"  unzoomBtn.style.visibility = 'visible';\n"
"  for (var i = 0; i < frames.length; i++) {\n"
"    var f = frames[i];\n"
"    f.g.style.opacity = 1;\n"
"    if (f.y > z.y && f.x <= z.x + eps && f.x + f.w >= z.x + z.w - eps) {\n"
"      f.g.style.display = ''; f.g.style.opacity = 0.6; place(f, 10, W - 20);\n"
"    } else if (f.y <= z.y && f.x >= z.x - eps && f.x + f.w <= z.x + z.w + eps) {\n"
"      f.g.style.display = ''; place(f, 10 + (f.x - z.x) * scale, f.w * scale);\n"
"    } else {\n"
"      f.g.style.display = 'none';\n"
"    }\n"
"  }\n"
"}\n"
"function unzoom() {\n"
"  unzoomBtn.style.visibility = 'hidden';\n"
"  for (var i = 0; i < frames.length; i++) {\n"
"    var f = frames[i];\n"
"    f.g.style.display = ''; f.g.style.opacity = 1; place(f, f.x, f.w);\n"
"  }\n"
"}\n"
"function search(re) {\n"
"  var spans = [], total = frames[0].w, sum = 0, end = -1;\n"
"  for (var i = 0; i < frames.length; i++) {\n"
"    var f = frames[i], hit = re !== null && re.test(f.name);\n"
"    f.r.setAttribute('fill', hit ? 'rgb(230,0,230)' : f.fill);\n"
"    if (hit) spans.push([f.x, f.x + f.w]);\n"
"  }\n"
"  spans.sort(function (a, b) { return a[0] - b[0]; });\n"
"  for (var j = 0; j < spans.length; j++) {\n"
"    var a = Math.max(spans[j][0], end);\n"
"    if (spans[j][1] > a) sum += spans[j][1] - a;\n"
"    end = Math.max(end, spans[j][1]);\n"
"  }\n"
"  matched.textContent = re === null ? ' ' : 'Matched: ' + (100 * sum / total).toFixed(1) + '%';\n"
"  searchBtn.textContent = re === null ? 'Search' : 'Reset Search';\n"
"  searching = re !== null;\n"
"}\n"
"function search_prompt() {\n"
"  if (searching) { search(null); return; }\n"
"  var s = prompt('Search for (a regular expression):', '');\n"
"  if (s) { try { search(new RegExp(s)); } catch (e) { alert(e); } }\n"
"}\n";

static void document(struct draw *d, const struct tree *t,
		     const struct flamegraph_opts *fo, int width)
{
	FILE *fp = d->fp;

	fprintf(fp, "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
		"<svg version=\"1.1\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
		"xmlns=\"http://www.w3.org/2000/svg\" onload=\"init(evt)\">\n", width,
		d->height, width, d->height);
	fprintf(fp, "<!-- a flame graph written by sonde -->\n<style type=\"text/css\">\n"
		"text { font-family: monospace; font-size: 12px; fill: rgb(0,0,0); }\n"
		"#title { font-size: 17px; text-anchor: middle; }\n"
		".f { cursor: pointer; }\n"
		".f:hover rect { stroke: rgb(0,0,0); stroke-width: 0.5; }\n"
		".button { cursor: pointer; fill: rgb(0,0,160); }\n"
		"#matched { text-anchor: end; }\n#search { text-anchor: end; }\n"
		"</style>\n<script type=\"text/ecmascript\"><![CDATA[\n%s]]></script>\n",
		script);
	fprintf(fp, "<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"rgb(248,248,248)\"/>\n",
		width, d->height);
	fprintf(fp, "<text id=\"title\" x=\"%d\" y=\"24\">", width / 2);
	flamegraph_xml_text(fp, fo->title ? fo->title : "Flame graph");
	fprintf(fp, "</text>\n<text id=\"unzoom\" class=\"button\" x=\"%d\" y=\"24\" "
		"style=\"visibility: hidden\" onclick=\"unzoom()\">Reset Zoom</text>\n"
		"<text id=\"search\" class=\"button\" x=\"%d\" y=\"24\" "
		"onclick=\"search_prompt()\">Search</text>\n"
		"<text id=\"details\" x=\"%d\" y=\"%d\"> </text>\n"
		"<text id=\"matched\" x=\"%d\" y=\"%d\"> </text>\n<g id=\"frames\">\n",
		PAD, width - PAD, PAD, d->height - 10, width - PAD, d->height - 10);
	draw_node(d, &t->root, 0, 0);
	fprintf(fp, "</g>\n</svg>\n");
}

int flamegraph_write(FILE *fp, const struct stackagg *agg,
		     const struct stack_print_opts *po,
		     const struct flamegraph_opts *fo)
{
	struct tree t = { .root = { .name = "all" } };
	int width = fo->width > 0 ? fo->width : 1200;
	struct draw d = { .fp = fp, .unit = fo->unit ? fo->unit : "samples" };

	stackagg_walk_folded(agg, po, add_stack, &t);
	d.total = t.root.value;
	d.scale = d.total ? (double)(width - 2 * PAD) / d.total : 0;
	d.height = TOP + (t.depth + 1) * FRAME_H + BOTTOM;
	document(&d, &t, fo, width);
	free_nodes(t.root.child);
	if (t.nomem)
		return -ENOMEM;
	return fflush(fp) || ferror(fp) ? -EIO : 0;
}
