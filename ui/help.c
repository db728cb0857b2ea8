#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmark.h>

#include "app.h"
#include "help.h"
#include "xalloc.h"

/* The help screen: one page of ui/help/ rendered from its Markdown by
 * walking libcmark's tree — headings, emphasis, lists, code and links
 * drawn with attributes and indentation, paragraphs wrapped to the
 * terminal.  Nothing is kept rendered: a page is laid out again for every
 * frame (and, counting only, for every key that scrolls), so a resize
 * needs nothing special.  A page is a few hundred words; that costs
 * microseconds. */

#define TEXT_MAX_W 78 /* wider lines are hard to read */
#define LIST_DEPTH 8

struct help_scr {
	size_t page;
	int top;         /* first line shown */
	cmark_node *doc; /* the page, parsed */
};

/* ---- Rendering ---- */

struct rend {
	const struct look *lk;
	int x0, y0, w;          /* where the text goes */
	int top, h;             /* the lines [top, top + h) are drawn */
	int draw;               /* 0: only count */
	int line, col;          /* the current line and the columns used on it */
	int open;               /* the current line has text */
	int any;                /* anything was written */
	int blank;              /* the last line written is blank */
	int space;              /* a space is due before the next word */
	int indent;             /* where lines start */
	char marker[16];        /* a list item's bullet or number, not yet drawn */
	int emph, strong, code; /* inline nesting */
	attr_t base;            /* the block's attribute (headings) */
	int depth;              /* lists open */
	int list_indent[LIST_DEPTH], list_num[LIST_DEPTH];
};

static void
put(struct rend *r, const char *s, size_t len, attr_t at)
{
	char buf[256];

	if (len >= sizeof buf)
		len = sizeof buf - 1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (r->draw && r->line >= r->top && r->line < r->top + r->h)
		draw_str(r->y0 + r->line - r->top, r->x0 + r->col, r->w - r->col, buf, at);
	r->col += text_width(buf);
}

static void
newline(struct rend *r)
{
	if (!r->open)
		return;
	r->line++;
	r->open = 0;
	r->col = 0;
	r->blank = 0;
	r->space = 0;
}

/* A blank line before the next block, unless one is there already or
 * nothing was written yet. */
static void
gap(struct rend *r)
{
	newline(r);
	if (r->any && !r->blank) {
		r->line++;
		r->blank = 1;
	}
}

static void
start_line(struct rend *r)
{
	r->open = 1;
	r->any = 1;
	r->col = r->indent;
	if (r->marker[0] != '\0') {
		int mw = text_width(r->marker);

		r->col = r->indent - mw;
		put(r, r->marker, strlen(r->marker), r->lk->attr[R_HEADING]);
		r->col = r->indent;
		r->marker[0] = '\0';
	}
}

static attr_t
inline_attr(const struct rend *r)
{
	attr_t at = r->base;

	if (r->emph)
		at |= A_UNDERLINE;
	if (r->strong)
		at |= A_BOLD;
	if (r->code)
		at |= r->lk->attr[R_CODE];
	return at;
}

/* A word (no spaces): on this line if it fits, else on the next; a word
 * longer than a whole line is cut where the line ends. */
static void
word(struct rend *r, const char *s, size_t len, attr_t at, int glued)
{
	while (len > 0) {
		char buf[256];
		size_t n = len < sizeof buf - 1 ? len : sizeof buf - 1;
		int ww, room;

		memcpy(buf, s, n);
		buf[n] = '\0';
		ww = text_width(buf);
		/* `glued`: the text that follows with no space between (the
		 * ")" after a code span) goes on the same line as this word. */
		if (ww + glued > r->w - r->indent)
			glued = 0;
		if (r->open && r->col + (r->space ? 1 : 0) + ww + glued > r->w)
			newline(r);
		if (!r->open)
			start_line(r);
		else if (r->space) /* a heading is underlined as a whole */
			put(r, " ", 1, r->base);
		r->space = 0;
		room = r->w - r->col;
		if (ww <= room || room <= 0) {
			put(r, s, n, at);
			s += n;
			len -= n;
			continue;
		}
		/* Too long for any line: as much as fits, the rest below. */
		while (n > 0 && text_width(buf) > room) {
			do
				n--;
			while (n > 0 && (buf[n] & 0xC0) == 0x80);
			buf[n] = '\0';
		}
		if (n == 0)
			n = 1;
		put(r, s, n, at);
		s += n;
		len -= n;
		newline(r);
	}
}

/* Running text: words at spaces, a space kept between them. */
static void
text(struct rend *r, const char *s, attr_t at, int glued)
{
	while (*s != '\0') {
		size_t n;

		if (*s == ' ' || *s == '\t' || *s == '\n') {
			r->space = r->open;
			s++;
			continue;
		}
		n = strcspn(s, " \t\n");
		word(r, s, n, at, s[n] == '\0' ? glued : 0);
		s += n;
	}
}

/* The inline node after `n` in reading order within its paragraph:
 * into emphasis and links, out of them at their end. */
static cmark_node *
next_inline(cmark_node *n)
{
	cmark_node_type t = cmark_node_get_type(n);

	if ((t == CMARK_NODE_EMPH || t == CMARK_NODE_STRONG || t == CMARK_NODE_LINK) &&
	    cmark_node_first_child(n) != NULL)
		return cmark_node_first_child(n);
	while (n != NULL) {
		cmark_node *next = cmark_node_next(n), *up;

		if (next != NULL)
			return next;
		up = cmark_node_parent(n);
		t = up != NULL ? cmark_node_get_type(up) : CMARK_NODE_NONE;
		if (t != CMARK_NODE_EMPH && t != CMARK_NODE_STRONG && t != CMARK_NODE_LINK)
			return NULL;
		n = up;
	}
	return NULL;
}

/* The columns of text that follow `n` with no space between, up to the
 * next space or the end of the paragraph. */
static int
glued_after(cmark_node *n)
{
	int w = 0;

	for (cmark_node *m = next_inline(n); m != NULL; m = next_inline(m)) {
		cmark_node_type t = cmark_node_get_type(m);
		const char *lit;
		char buf[256];
		size_t k;

		if (t == CMARK_NODE_EMPH || t == CMARK_NODE_STRONG || t == CMARK_NODE_LINK)
			continue;
		if (t != CMARK_NODE_TEXT && t != CMARK_NODE_CODE)
			return w;
		lit = cmark_node_get_literal(m);
		k = strcspn(lit, " \t\n");
		if (k >= sizeof buf)
			k = sizeof buf - 1;
		memcpy(buf, lit, k);
		buf[k] = '\0';
		w += text_width(buf);
		if (lit[k] != '\0')
			return w;
	}
	return w;
}

/* A code block: its lines as they are, indented, cut at the edge. */
static void
code_block(struct rend *r, const char *lit)
{
	int save = r->indent;

	gap(r);
	r->indent += 4;
	while (*lit != '\0') {
		size_t n = strcspn(lit, "\n");

		start_line(r);
		put(r, lit, n, r->lk->attr[R_CODE]);
		r->open = 1;
		newline(r); /* an empty line still takes its row */
		lit += n + (lit[n] == '\n');
	}
	r->indent = save;
}

static void
rule(struct rend *r)
{
	gap(r);
	start_line(r);
	for (int i = r->col; i < r->w; i++)
		put(r, r->lk->sym->hline, strlen(r->lk->sym->hline), r->lk->attr[R_DIM]);
	newline(r);
}

/* A link's target after its text, unless the text is the target. */
static void
link_target(struct rend *r, cmark_node *n)
{
	const char *url = cmark_node_get_url(n);
	cmark_node *c = cmark_node_first_child(n);
	const char *t = c != NULL ? cmark_node_get_literal(c) : NULL;
	char buf[300];

	if (url == NULL || *url == '\0')
		return;
	if (t != NULL &&
	    (strcmp(t, url) == 0 || (strncmp(url, "mailto:", 7) == 0 && strcmp(t, url + 7) == 0)))
		return;
	snprintf(buf, sizeof buf, "<%s>", url);
	r->space = 1;
	word(r, buf, strlen(buf), r->lk->attr[R_DIM], 0);
}

static int
in_tight_list(const struct rend *r, cmark_node *n)
{
	cmark_node *item = cmark_node_parent(n);
	cmark_node *list = item != NULL ? cmark_node_parent(item) : NULL;

	(void)r;
	return item != NULL && cmark_node_get_type(item) == CMARK_NODE_ITEM && list != NULL &&
	       cmark_node_get_list_tight(list);
}

static void
list_enter(struct rend *r, cmark_node *n)
{
	if (r->depth < LIST_DEPTH) {
		r->list_indent[r->depth] = r->indent;
		r->list_num[r->depth] = cmark_node_get_list_start(n);
	}
	r->depth++;
	if (in_tight_list(r, n))
		newline(r);
	else
		gap(r);
}

static void
item_enter(struct rend *r, cmark_node *n)
{
	cmark_node *list = cmark_node_parent(n);
	int d = r->depth - 1 < LIST_DEPTH ? r->depth - 1 : LIST_DEPTH - 1;

	if (cmark_node_previous(n) != NULL) {
		if (cmark_node_get_list_tight(list))
			newline(r);
		else
			gap(r);
	}
	if (cmark_node_get_list_type(list) == CMARK_ORDERED_LIST)
		snprintf(r->marker, sizeof r->marker, "%d. ", r->list_num[d]++);
	else
		snprintf(r->marker, sizeof r->marker, "%s ", r->lk->sym->bullet);
	r->indent = r->list_indent[d] + 2 + text_width(r->marker);
}

static void
heading(struct rend *r, cmark_node *n, int enter)
{
	int level = cmark_node_get_heading_level(n);

	if (enter) {
		gap(r);
		r->base = level == 1 ? (A_BOLD | A_UNDERLINE) : r->lk->attr[R_HEADING] | A_BOLD;
		return;
	}
	newline(r);
	r->base = A_NORMAL;
	/* The page's title stands apart; a section heading sits on its
	 * text. */
	if (level == 1) {
		r->line++;
		r->blank = 1;
	} else {
		r->blank = 1; /* no gap before the text that follows */
	}
}

static void
block(struct rend *r, cmark_node *n, cmark_event_type ev)
{
	int enter = ev == CMARK_EVENT_ENTER;

	switch (cmark_node_get_type(n)) {
	case CMARK_NODE_HEADING: heading(r, n, enter); break;
	case CMARK_NODE_PARAGRAPH:
		/* The first paragraph of an item goes after its marker. */
		if (!enter)
			newline(r);
		else if (r->marker[0] == '\0')
			in_tight_list(r, n) ? newline(r) : gap(r);
		break;
	case CMARK_NODE_LIST:
		if (enter) {
			list_enter(r, n);
		} else {
			r->depth--;
			if (r->depth < LIST_DEPTH)
				r->indent = r->list_indent[r->depth];
			newline(r);
		}
		break;
	case CMARK_NODE_ITEM:
		if (enter)
			item_enter(r, n);
		else
			newline(r);
		break;
	case CMARK_NODE_BLOCK_QUOTE:
		if (enter)
			gap(r);
		r->indent += enter ? 2 : -2;
		break;
	default: break;
	}
}

static void
render_node(struct rend *r, cmark_node *n, cmark_event_type ev)
{
	int enter = ev == CMARK_EVENT_ENTER;

	switch (cmark_node_get_type(n)) {
	case CMARK_NODE_TEXT:
		text(r, cmark_node_get_literal(n), inline_attr(r), glued_after(n));
		break;
	case CMARK_NODE_CODE:
		r->code++;
		text(r, cmark_node_get_literal(n), inline_attr(r), glued_after(n));
		r->code--;
		break;
	case CMARK_NODE_SOFTBREAK: r->space = r->open; break;
	case CMARK_NODE_LINEBREAK: newline(r); break;
	case CMARK_NODE_EMPH: r->emph += enter ? 1 : -1; break;
	case CMARK_NODE_STRONG: r->strong += enter ? 1 : -1; break;
	case CMARK_NODE_LINK:
		if (!enter)
			link_target(r, n);
		break;
	case CMARK_NODE_CODE_BLOCK: code_block(r, cmark_node_get_literal(n)); break;
	case CMARK_NODE_THEMATIC_BREAK: rule(r); break;
	case CMARK_NODE_HTML_BLOCK:
	case CMARK_NODE_HTML_INLINE: break; /* not for a terminal */
	default: block(r, n, ev); break;
	}
}

/* Lay out `doc` at width `w`, drawing lines [top, top + h) at (y0, x0)
 * when `draw`.  Returns the number of lines. */
static int
render(const struct look *lk, cmark_node *doc, int y0, int x0, int w, int top, int h, int draw)
{
	struct rend r;
	cmark_iter *it = cmark_iter_new(doc);
	cmark_event_type ev;

	memset(&r, 0, sizeof r);
	r.lk = lk;
	r.y0 = y0;
	r.x0 = x0;
	r.w = w;
	r.top = top;
	r.h = h;
	r.draw = draw;
	r.base = A_NORMAL;
	while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE)
		render_node(&r, cmark_iter_get_node(it), ev);
	cmark_iter_free(it);
	newline(&r);
	/* A trailing blank line is not content. */
	return r.blank && r.line > 0 ? r.line - 1 : r.line;
}

/* ---- The screen ---- */

struct view {
	int y, x, w, h;
};

static void
view_of(const struct app *a, struct view *v)
{
	v->y = 2;
	v->h = a->rows - 3; /* title, a blank row, the status line */
	v->w = a->cols - 4 < TEXT_MAX_W ? a->cols - 4 : TEXT_MAX_W;
	v->x = 2;
}

static int
total_lines(const struct app *a, const struct help_scr *hs)
{
	struct view v;

	view_of(a, &v);
	return render(&a->look, hs->doc, 0, 0, v.w, 0, 0, 0);
}

/* The scroll position as far as the page allows at this size. */
static int
top_now(const struct app *a, const struct help_scr *hs)
{
	struct view v;
	int max;

	view_of(a, &v);
	max = total_lines(a, hs) - v.h;
	if (max < 0)
		max = 0;
	return hs->top < max ? hs->top : max;
}

/* The page's title: its first heading's text. */
static void
page_title(const struct help_scr *hs, char *buf, size_t len)
{
	cmark_node *n = cmark_node_first_child(hs->doc);
	cmark_node *t;

	snprintf(buf, len, "%s", help_pages[hs->page].topic);
	if (n != NULL && cmark_node_get_type(n) == CMARK_NODE_HEADING &&
	    (t = cmark_node_first_child(n)) != NULL && cmark_node_get_literal(t) != NULL)
		snprintf(buf, len, "%s", cmark_node_get_literal(t));
}

static void
help_draw(const struct app *a, const void *sc)
{
	static const struct keyhint keys[] = {
		{"PgDn", "page"}, {"Tab", "next topic"}, {"g/G", "top/end"},
		{"q", "back"},    {NULL, NULL},
	};
	const struct help_scr *hs = sc;
	const struct look *lk = &a->look;
	struct keyhint k[8];
	char title[160], where[64], name[120];
	int top = top_now(a, hs), total = total_lines(a, hs), n = 0;
	struct view v;

	view_of(a, &v);
	page_title(hs, name, sizeof name);
	snprintf(title, sizeof title, "Help %s %s", lk->sym->dash, name);
	if (total > v.h)
		snprintf(where, sizeof where, "lines %d-%d of %d", top + 1,
			 top + v.h < total ? top + v.h : total, total);
	else
		snprintf(where, sizeof where, "topic %zu of %zu", hs->page + 1, help_n_pages);
	draw_titlebar(lk, a->cols, title, where);
	render(lk, hs->doc, v.y, v.x, v.w, top, v.h, 1);
	k[n++] = (struct keyhint){lk->sym->updown, "scroll"};
	for (const struct keyhint *p = keys; p->key != NULL; p++)
		k[n++] = *p;
	k[n] = (struct keyhint){NULL, NULL};
	draw_status(lk, a->rows, a->cols, k);
}

static int
load(struct help_scr *hs, size_t page)
{
	const char *t = help_pages[page].text;

	if (hs->doc != NULL) /* cmark_node_free(NULL) crashes */
		cmark_node_free(hs->doc);
	hs->page = page;
	hs->top = 0;
	hs->doc = cmark_parse_document(t, strlen(t), CMARK_OPT_DEFAULT);
	return hs->doc != NULL ? 0 : -1;
}

static int
help_key(struct app *a, void *sc, int ch)
{
	struct help_scr *hs = sc;
	struct view v;
	int top = top_now(a, hs), page;

	view_of(a, &v);
	page = v.h > 1 ? v.h - 1 : 1; /* a line of context kept */
	switch (ch) {
	case 'q':
	case 27: /* Esc */
	case KEY_LEFT: return APP_HANDLED | APP_POP;
	case KEY_UP:
	case 'k': top--; break;
	case KEY_DOWN:
	case 'j':
	case '\n':
	case '\r':
	case KEY_ENTER: top++; break;
	case KEY_NPAGE:
	case ' ':
	case 'f': top += page; break;
	case KEY_PPAGE:
	case 'b': top -= page; break;
	case KEY_HOME:
	case 'g': top = 0; break;
	case KEY_END:
	case 'G': top = total_lines(a, hs); break;
	case '\t':
	case KEY_BTAB:
		if (load(hs, (hs->page + (ch == '\t' ? 1 : help_n_pages - 1)) % help_n_pages) != 0)
			return APP_HANDLED | APP_POP;
		return APP_HANDLED | APP_REDRAW;
	case '?':
	case KEY_F(1): return APP_HANDLED; /* already here */
	default: return 0;
	}
	hs->top = top < 0 ? 0 : top;
	hs->top = top_now(a, hs);
	return APP_HANDLED | APP_REDRAW;
}

static void
help_leave(struct app *a, void *sc)
{
	struct help_scr *hs = sc;

	(void)a;
	if (hs->doc != NULL)
		cmark_node_free(hs->doc);
	hs->doc = NULL;
}

static int
help_enter(struct app *a, void *sc)
{
	struct help_scr *hs = sc;

	if (load(hs, hs->page) != 0) {
		app_message(a, "Help", "This help page could not be read.");
		return -1;
	}
	return 0;
}

static const struct screen_ops help_ops = {
	.name = "help",
	.help = NULL,
	.modal = 0,
	.enter = help_enter,
	.draw = help_draw,
	.key = help_key,
	.leave = help_leave,
};

int
app_help(struct app *a, const char *topic)
{
	struct help_scr *hs;
	size_t page = 0;

	if (a->depth > 0 && a->stack[a->depth - 1].ops == &help_ops)
		return APP_HANDLED;
	for (size_t i = 0; topic != NULL && i < help_n_pages; i++)
		if (strcmp(help_pages[i].topic, topic) == 0)
			page = i;
	hs = xcalloc(1, sizeof *hs);
	hs->page = page;
	return app_push(a, &help_ops, hs);
}
