#include "config.h"

#include <langinfo.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "draw.h"
#include "safetext.h"

static const char *const utf8_spin[] = {"⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"};
static const char *const ascii_spin[] = {"|", "/", "-", "\\"};

static const struct syms utf8_syms = {
	.done = "✓",
	.next = "→",
	.todo = "·",
	.w = 1,
	.warn = "!",
	.dash = "—",
	.ellip = "…",
	.updown = "↑↓",
	.ok = "✓",
	.bad = "✗",
	.bullet = "•",
	.radio_on = "(•)",
	.radio_off = "( )",
	.mask = "•",
	.bar_on = "█",
	.bar_off = "░",
	.spin = utf8_spin,
	.n_spin = 10,
	.hline = "─",
};
/* Boxes read as a checklist on any terminal; all three are three columns
 * wide so tables keep their alignment. */
static const struct syms ascii_syms = {
	.done = "[x]",
	.next = "[>]",
	.todo = "[ ]",
	.w = 3,
	.warn = "!",
	.dash = "-",
	.ellip = "...",
	.updown = "Up/Dn",
	.ok = "+",
	.bad = "x",
	.bullet = "*",
	.radio_on = "(*)",
	.radio_off = "( )",
	.mask = "*",
	.bar_on = "#",
	.bar_off = ".",
	.spin = ascii_spin,
	.n_spin = 4,
	.hline = "-",
};

/* Without colour every role still differs by attribute or by the symbol
 * and word drawn next to it, so nothing depends on colour alone. */
static const attr_t mono[ROLE_COUNT] = {
	[R_NORMAL] = A_NORMAL,  [R_TITLE] = A_REVERSE | A_BOLD,
	[R_HEADING] = A_BOLD,   [R_KEY] = A_REVERSE,
	[R_DONE] = A_NORMAL,    [R_NEXT] = A_BOLD,
	[R_TODO] = A_NORMAL,    [R_WARN] = A_BOLD,
	[R_ERROR] = A_BOLD,     [R_DIM] = A_DIM,
	[R_SELECT] = A_REVERSE, [R_CODE] = A_BOLD,
};

static void
init_colours(struct look *lk)
{
	static const struct {
		enum role role;
		short fg, bg; /* -1: the terminal's default */
		attr_t extra;
	} map[] = {
		{R_TITLE, COLOR_WHITE, COLOR_BLUE, A_BOLD}, {R_HEADING, COLOR_CYAN, -1, A_BOLD},
		{R_KEY, COLOR_BLACK, COLOR_CYAN, A_NORMAL}, {R_DONE, COLOR_GREEN, -1, A_NORMAL},
		{R_NEXT, COLOR_YELLOW, -1, A_BOLD},         {R_WARN, COLOR_YELLOW, -1, A_NORMAL},
		{R_ERROR, COLOR_RED, -1, A_BOLD},           {R_CODE, COLOR_CYAN, -1, A_NORMAL},
	};
	/* Keep the user's background where the terminal allows it. */
	short deflt = use_default_colors() == OK ? -1 : COLOR_BLACK;

	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
		short pair = (short)(i + 1);

		init_pair(pair, map[i].fg < 0 ? deflt : map[i].fg,
			  map[i].bg < 0 ? deflt : map[i].bg);
		lk->attr[map[i].role] = COLOR_PAIR(pair) | map[i].extra;
	}
}

void
look_init(struct look *lk)
{
	const char *no_color = getenv("NO_COLOR");

	lk->utf8 = strcmp(nl_langinfo(CODESET), "UTF-8") == 0;
	lk->sym = lk->utf8 ? &utf8_syms : &ascii_syms;
	memcpy(lk->attr, mono, sizeof lk->attr);
	/* https://no-color.org: set and not empty means no colour. */
	lk->color = has_colors() && (no_color == NULL || *no_color == '\0') && start_color() == OK;
	if (lk->color)
		init_colours(lk);
}

const char *
mark_sym(const struct look *lk, enum mark m)
{
	return m == MARK_DONE ? lk->sym->done : m == MARK_NEXT ? lk->sym->next : lk->sym->todo;
}

const char *
mark_word(enum mark m)
{
	return m == MARK_DONE ? "done" : m == MARK_NEXT ? "next" : "to do";
}

attr_t
mark_attr(const struct look *lk, enum mark m)
{
	return lk->attr[m == MARK_DONE ? R_DONE : m == MARK_NEXT ? R_NEXT : R_TODO];
}

/* The character at `s` (at most `left` bytes): returns its length in bytes
 * and sets its width.  *ok is 0 for a byte the locale cannot decode or a
 * character safetext hides (controls, C1, bidi): one column, drawn as '?'. */
static size_t
char_at(const char *s, size_t left, int *cols, int *ok)
{
	mbstate_t ms;
	wchar_t wc;
	size_t n;
	int w;

	memset(&ms, 0, sizeof ms);
	n = mbrtowc(&wc, s, left < MB_CUR_MAX ? left : MB_CUR_MAX, &ms);
	if (n == (size_t)-1 || n == (size_t)-2 || n == 0) {
		*cols = 1;
		*ok = 0;
		return 1;
	}
	if (safetext_hidden((long)wc, 0) || (w = wcwidth(wc)) < 0) {
		*cols = 1;
		*ok = 0;
		return n;
	}
	*cols = w;
	*ok = 1;
	return n;
}

int
text_width(const char *s)
{
	size_t left = strlen(s);
	int total = 0, cw, ok;

	while (left > 0) {
		size_t n = char_at(s, left, &cw, &ok);

		total += cw;
		s += n;
		left -= n;
	}
	return total;
}

/* At most `w` columns of the `len` bytes at `s`. */
static int
put_n(int y, int x, int w, const char *s, size_t len, attr_t a)
{
	int used = 0, cw, ok;

	attrset(a);
	move(y, x);
	while (len > 0) {
		size_t n = char_at(s, len, &cw, &ok);

		if (used + cw > w)
			break;
		if (ok)
			addnstr(s, (int)n);
		else
			addch('?');
		used += cw;
		s += n;
		len -= n;
	}
	attrset(A_NORMAL);
	return used;
}

int
draw_str(int y, int x, int w, const char *s, attr_t a)
{
	return put_n(y, x, w, s, strlen(s), a);
}

int
draw_clip(const struct look *lk, int y, int x, int w, const char *s, attr_t a)
{
	int ew = text_width(lk->sym->ellip), used;

	if (text_width(s) <= w || w <= ew)
		return draw_str(y, x, w, s, a);
	used = draw_str(y, x, w - ew, s, a);
	return used + draw_str(y, x + used, ew, lk->sym->ellip, a);
}

/* `s` without enough leading characters to fit `w` columns, after an
 * ellipsis: the end of a path is the part that tells folders apart. */
int
draw_clip_left(const struct look *lk, int y, int x, int w, const char *s, attr_t a)
{
	int ew = text_width(lk->sym->ellip), cw, ok;
	size_t left = strlen(s);

	if (text_width(s) <= w || w <= ew)
		return draw_str(y, x, w, s, a);
	while (left > 0 && text_width(s) > w - ew) {
		size_t n = char_at(s, left, &cw, &ok);

		s += n;
		left -= n;
	}
	draw_str(y, x, ew, lk->sym->ellip, a);
	return ew + draw_str(y, x + ew, w - ew, s, a);
}

void
draw_fill(int y, int x, int w, attr_t a)
{
	attrset(a);
	mvhline(y, x, ' ', w);
	attrset(A_NORMAL);
}

/* The next line of at most `w` columns of [s, e): returns its length in
 * bytes and sets *rest past it and the spaces that follow.  Breaks at the
 * last space that fits; a word longer than the line is cut. */
static size_t
wrap_line(const char *s, const char *e, int w, const char **rest)
{
	const char *p = s, *brk = NULL;
	int used = 0, cw, ok;
	size_t len;

	while (p < e) {
		size_t n = char_at(p, (size_t)(e - p), &cw, &ok);

		if (*p == ' ')
			brk = p;
		if (used + cw > w)
			break;
		used += cw;
		p += n;
	}
	if (p < e && brk != NULL && brk > s)
		p = brk;
	if (p == s) /* not even one character fits: take it anyway */
		p += char_at(p, (size_t)(e - p), &cw, &ok);
	len = (size_t)(p - s);
	while (p < e && *p == ' ')
		p++;
	*rest = p;
	return len;
}

/* One paragraph [s, e) from line `n` of the block; returns the new line
 * count, or -1 when it did not fit in `maxl`. */
static int
draw_para(const struct look *lk, int y, int x, int w, int maxl, int n, const char *s, const char *e,
	  attr_t a, int draw)
{
	int ind = 0, more = 0; /* indents of the first and further lines */

	if (e - s >= 2 && s[0] == ' ' && s[1] == ' ') {
		/* A command: its continuation lines indent further, so a
		 * wrapped command does not read as two. */
		ind = 2;
		more = 4;
		s += 2;
		a = lk->attr[R_CODE];
	}
	if (s == e) /* an empty paragraph is a blank line */
		return n < maxl ? n + 1 : -1;
	while (s < e) {
		const char *rest;
		size_t len = wrap_line(s, e, w - ind, &rest);

		if (n == maxl)
			return -1;
		if (draw)
			put_n(y + n, x + ind, w - ind, s, len, a);
		n++;
		s = rest;
		if (more)
			ind = more;
	}
	return n;
}

int
draw_text(const struct look *lk, int y, int x, int w, int maxl, const char *text, attr_t a,
	  int draw)
{
	const char *p = text;
	int n = 0;

	while (*p != '\0') {
		const char *e = strchr(p, '\n');
		int got;

		if (e == NULL)
			e = p + strlen(p);
		if ((got = draw_para(lk, y, x, w, maxl, n, p, e, a, draw)) < 0) {
			int ew = text_width(lk->sym->ellip);

			if (draw && maxl > 0)
				draw_str(y + maxl - 1, x + w - ew, ew, lk->sym->ellip, a);
			return maxl;
		}
		n = got;
		p = *e != '\0' ? e + 1 : e;
	}
	return n;
}

void
draw_titlebar(const struct look *lk, int cols, const char *left, const char *right)
{
	attr_t a = lk->attr[R_TITLE];
	int used;

	draw_fill(0, 0, cols, a);
	used = 1 + draw_str(0, 1, cols - 2, left, a);
	if (right != NULL && cols - used - 4 > 0) {
		int room = cols - used - 4; /* a gap of three, a margin of one */
		int w = text_width(right) < room ? text_width(right) : room;

		draw_clip_left(lk, 0, cols - 1 - w, w, right, a);
	}
}

void
draw_status(const struct look *lk, int rows, int cols, const struct keyhint *keys)
{
	int y = rows - 1, x = 1;

	draw_fill(y, 0, cols, A_NORMAL);
	for (const struct keyhint *k = keys; k->key != NULL; k++) {
		int need = text_width(k->key) + 3 + text_width(k->what) + 2;

		if (x + need > cols)
			break; /* lists put the most useful keys first */
		x += draw_str(y, x, need, " ", lk->attr[R_KEY]);
		x += draw_str(y, x, need, k->key, lk->attr[R_KEY]);
		x += draw_str(y, x, need, " ", lk->attr[R_KEY]);
		x += 1 + draw_str(y, x + 1, need, k->what, A_NORMAL) + 2;
	}
}

int
draw_box(const struct look *lk, int rows, int cols, int h, int w, const char *title, int *x)
{
	int y;

	h = h < rows - 2 ? h : rows - 2;
	w = w < cols - 2 ? w : cols - 2;
	y = (rows - h) / 2;
	*x = (cols - w) / 2;
	/* The rows of the box are cleared whole: the screen behind would
	 * otherwise show the ends of words cut by the frame beside it. */
	for (int r = y; r < y + h; r++)
		draw_fill(r, 0, cols, A_NORMAL);
	attrset(lk->attr[R_HEADING]);
	mvaddch(y, *x, ACS_ULCORNER);
	mvhline(y, *x + 1, ACS_HLINE, w - 2);
	mvaddch(y, *x + w - 1, ACS_URCORNER);
	mvvline(y + 1, *x, ACS_VLINE, h - 2);
	mvvline(y + 1, *x + w - 1, ACS_VLINE, h - 2);
	mvaddch(y + h - 1, *x, ACS_LLCORNER);
	mvhline(y + h - 1, *x + 1, ACS_HLINE, w - 2);
	mvaddch(y + h - 1, *x + w - 1, ACS_LRCORNER);
	attrset(A_NORMAL);
	if (title != NULL && *title != '\0') {
		int tw;

		draw_str(y, *x + 2, 1, " ", lk->attr[R_HEADING]);
		tw = draw_clip(lk, y, *x + 3, w - 6, title, lk->attr[R_HEADING]);
		draw_str(y, *x + 3 + tw, 1, " ", lk->attr[R_HEADING]);
	}
	return y;
}

void
draw_dialog(const struct look *lk, int rows, int cols, const char *title, const char *text,
	    const char *button)
{
	draw_dialog_n(lk, rows, cols, title, text, &button, 1, 0);
}

void
draw_dialog_n(const struct look *lk, int rows, int cols, const char *title, const char *text,
	      const char *const *buttons, int n, int sel)
{
	int iw = cols - 8 < 66 ? cols - 8 : 66; /* inner width */
	int maxl = rows - 7;                    /* room for the frame, the buttons, the status */
	int lines = draw_text(lk, 0, 0, iw, maxl, text, A_NORMAL, 0);
	int h = lines + 5, x, y, bx, total = 0;

	for (int i = 0; i < n; i++)
		total += text_width(buttons[i]) + 4 + (i > 0 ? 2 : 0);
	y = draw_box(lk, rows, cols, h, iw + 4, title, &x);
	draw_text(lk, y + 2, x + 2, iw, maxl, text, A_NORMAL, 1);
	bx = x + (iw + 4 - total) / 2;
	if (bx < x + 1)
		bx = x + 1;
	for (int i = 0; i < n; i++) {
		int bw = text_width(buttons[i]) + 4;
		attr_t at = i == sel ? lk->attr[R_SELECT] : A_NORMAL;

		/* "[ OK ]" unselected, reversed " OK " selected: the focus
		 * shows without colour and without reverse video alike. */
		draw_fill(y + h - 2, bx, bw, at);
		draw_str(y + h - 2, bx, 1, i == sel ? ">" : "[", at);
		draw_str(y + h - 2, bx + 2, bw - 4, buttons[i], at);
		draw_str(y + h - 2, bx + bw - 1, 1, i == sel ? "<" : "]", at);
		bx += bw + 2;
	}
}
