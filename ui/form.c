#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "form.h"
#include "pass.h"

#define MARK_W 2 /* the focus mark and a space, left of the label */

/* ---- Text, as UTF-8 (a lone byte of another encoding counts as one) ---- */

static int
is_cont(unsigned char c)
{
	return (c & 0xC0) == 0x80;
}

static size_t
prev_char(const char *s, size_t at)
{
	while (at > 0 && is_cont((unsigned char)s[--at]))
		;
	return at;
}

static size_t
next_char(const char *s, size_t len, size_t at)
{
	if (at < len)
		at++;
	while (at < len && is_cont((unsigned char)s[at]))
		at++;
	return at;
}

static size_t
count_chars(const char *s, size_t n)
{
	size_t c = 0;

	for (size_t i = 0; i < n; i++)
		c += !is_cont((unsigned char)s[i]);
	return c;
}

static void
delete_range(struct field *f, size_t from, size_t to)
{
	memmove(f->text + from, f->text + to, f->len - to + 1);
	f->len -= to - from;
	/* The bytes moved out of the end still hold text: for a passphrase
	 * they must not linger. */
	pass_wipe(f->text + f->len + 1, to - from);
	if (f->cur > to)
		f->cur -= to - from;
	else if (f->cur > from)
		f->cur = from;
}

void
field_set(struct field *f, const char *s)
{
	size_t n = strlen(s);

	if (n >= sizeof f->text) /* cut at a character boundary */
		n = prev_char(s, sizeof f->text);
	pass_wipe(f->text, sizeof f->text);
	memcpy(f->text, s, n);
	f->text[n] = '\0';
	f->len = f->cur = n;
}

void
field_wipe(struct field *f)
{
	pass_wipe(f->text, sizeof f->text);
	f->len = f->cur = 0;
}

void
form_wipe(struct form *fm)
{
	for (int i = 0; i < fm->n; i++)
		if (fm->f[i].kind == FIELD_SECRET)
			field_wipe(&fm->f[i]);
}

void
field_note(struct field *f, enum role role, const char *sym, const char *fmt, ...)
{
	va_list ap;

	f->note[0] = '\0';
	f->note_role = role;
	snprintf(f->note_sym, sizeof f->note_sym, "%s", sym != NULL ? sym : "");
	if (fmt == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(f->note, sizeof f->note, fmt, ap);
	va_end(ap);
}

void
field_strength_note(const struct look *lk, struct field *f)
{
	static const char *const word[] = {"refused", "weak", "fair", "good", "strong"};
	static const enum role role[] = {R_ERROR, R_WARN, R_NORMAL, R_DONE, R_DONE};
	struct err e = ERR_INIT;
	char meter[64];
	size_t o = 0;
	int score, non_ascii = 0;

	if (f->len == 0) {
		field_note(f, R_DIM, NULL,
			   "10 characters or more; a few unrelated words are "
			   "best.");
		return;
	}
	score = pass_strength(f->text);
	pass_check_new(f->text, &non_ascii, &e);
	for (int i = 0; i < 4; i++) {
		const char *c = i < score ? lk->sym->bar_on : lk->sym->bar_off;
		size_t n = strlen(c);

		memcpy(meter + o, c, n);
		o += n;
	}
	meter[o] = '\0';
	if (score == 0)
		field_note(f, R_ERROR, meter, "%s: %s", word[0], e.msg);
	else
		field_note(f, role[score], meter, "%s%s", word[score],
			   non_ascii ? "; it has non-ASCII characters, which "
				       "systems encode differently inside "
				       "backup files: an import elsewhere may "
				       "fail" :
				       "");
}

void
field_repeat_note(const struct look *lk, struct field *rep, const struct field *pass)
{
	if (rep->len == 0)
		field_note(rep, R_NORMAL, NULL, NULL);
	else if (rep->len == pass->len && memcmp(rep->text, pass->text, rep->len) == 0)
		field_note(rep, R_DONE, lk->sym->ok, "the same");
	else if (rep->len < pass->len && memcmp(rep->text, pass->text, rep->len) == 0)
		field_note(rep, R_NORMAL, NULL, NULL); /* still typing */
	else
		field_note(rep, R_ERROR, lk->sym->bad, "not the same");
}

/* ---- Keys ---- */

static int
text_key(struct field *f, int ch)
{
	size_t p;

	switch (ch) {
	case KEY_LEFT: f->cur = prev_char(f->text, f->cur); return FORM_MOVED;
	case KEY_RIGHT: f->cur = next_char(f->text, f->len, f->cur); return FORM_MOVED;
	case KEY_HOME:
	case 'A' & 0x1f: f->cur = 0; return FORM_MOVED;
	case KEY_END:
	case 'E' & 0x1f: f->cur = f->len; return FORM_MOVED;
	case KEY_BACKSPACE:
	case 127:
	case 'H' & 0x1f:
		if (f->cur == 0)
			return FORM_MOVED;
		delete_range(f, prev_char(f->text, f->cur), f->cur);
		return FORM_EDITED;
	case KEY_DC:
		if (f->cur == f->len)
			return FORM_MOVED;
		delete_range(f, f->cur, next_char(f->text, f->len, f->cur));
		return FORM_EDITED;
	case 'U' & 0x1f: delete_range(f, 0, f->cur); return FORM_EDITED;
	case 'K' & 0x1f: delete_range(f, f->cur, f->len); return FORM_EDITED;
	case 'W' & 0x1f:
		p = f->cur;
		while (p > 0 && f->text[p - 1] == ' ')
			p--;
		while (p > 0 && f->text[p - 1] != ' ')
			p--;
		delete_range(f, p, f->cur);
		return FORM_EDITED;
	}
	/* Printable ASCII, and the bytes of other characters as the
	 * terminal sends them (UTF-8: they arrive one by one, in order). */
	if (ch < 0x20 || ch == 0x7f || ch > 0xff)
		return FORM_IGNORED;
	if (f->digits && (ch < '0' || ch > '9'))
		return FORM_MOVED; /* used, so it reaches nothing else */
	if (f->len + 1 >= sizeof f->text)
		return FORM_MOVED;
	memmove(f->text + f->cur + 1, f->text + f->cur, f->len - f->cur + 1);
	f->text[f->cur++] = (char)ch;
	f->len++;
	return FORM_EDITED;
}

/* Move the focus `dir` (+1, -1) fields; `wrap` goes round the ends.  A
 * choice list is entered with its chosen item highlighted: a highlight
 * elsewhere (and the hint that follows it) would look chosen. */
static int
move_focus(struct form *fm, int dir, int wrap)
{
	int i = fm->focus;

	for (int tries = 0; tries < fm->n; tries++) {
		i += dir;
		if (i < 0 || i >= fm->n) {
			if (!wrap)
				return FORM_MOVED;
			i = i < 0 ? fm->n - 1 : 0;
		}
		if (!fm->f[i].hidden) {
			struct field *f = &fm->f[i];

			fm->focus = i;
			if (f->kind == FIELD_CHOICE)
				f->hl = f->sel;
			return FORM_MOVED;
		}
	}
	return FORM_MOVED;
}

static int
choice_key(struct form *fm, struct field *f, int ch)
{
	switch (ch) {
	case KEY_UP:
	case 'k':
		if (f->hl > 0) {
			f->hl--;
			return FORM_MOVED;
		}
		return move_focus(fm, -1, 0);
	case KEY_DOWN:
	case 'j':
		if (f->hl < f->n_items - 1) {
			f->hl++;
			return FORM_MOVED;
		}
		return move_focus(fm, +1, 0);
	case KEY_HOME:
	case 'g': f->hl = 0; return FORM_MOVED;
	case KEY_END:
	case 'G': f->hl = f->n_items - 1; return FORM_MOVED;
	case ' ': f->sel = f->hl; return FORM_EDITED;
	case '\n':
	case '\r':
	case KEY_ENTER:
		f->sel = f->hl;
		move_focus(fm, +1, 0);
		return FORM_EDITED;
	}
	return FORM_IGNORED;
}

int
form_key(struct form *fm, int ch)
{
	struct field *f = &fm->f[fm->focus];

	switch (ch) {
	case '\t': return move_focus(fm, +1, 1);
	case KEY_BTAB: return move_focus(fm, -1, 1);
	}
	if (f->kind == FIELD_CHOICE)
		return choice_key(fm, f, ch);
	switch (ch) {
	case KEY_UP: return move_focus(fm, -1, 0);
	case KEY_DOWN: return move_focus(fm, +1, 0);
	case '\n':
	case '\r':
	case KEY_ENTER:
		if (f->kind == FIELD_BUTTON)
			return FORM_PRESSED;
		if (f->enter_submits && fm->dflt >= 0) {
			fm->focus = fm->dflt;
			return FORM_PRESSED;
		}
		return move_focus(fm, +1, 0);
	}
	if (f->kind == FIELD_BUTTON)
		return ch == ' ' ? FORM_PRESSED : FORM_IGNORED;
	return text_key(f, ch);
}

void
form_focus(struct form *fm, int i)
{
	fm->focus = i < 0 ? 0 : i >= fm->n ? fm->n - 1 : i;
	if (fm->f[fm->focus].hidden)
		move_focus(fm, +1, 1);
}

/* ---- Layout and drawing ---- */

struct place {
	const struct look *lk;
	int x, w;   /* the form's columns */
	int fx, fw; /* the field column */
	int y0, y1; /* visible rows */
};

static int
note_lines(const struct look *lk, const struct field *f, int fw)
{
	int sw = f->note_sym[0] != '\0' ? text_width(f->note_sym) + 1 : 0;

	if (f->note[0] == '\0')
		return 0;
	if (f->note_path)
		return 1;
	return draw_text(lk, 0, 0, fw - sw, 100, f->note, A_NORMAL, 0);
}

static int
body_rows(const struct field *f)
{
	return f->kind == FIELD_CHOICE ? f->n_items : 1;
}

static int
field_rows(const struct look *lk, const struct field *f, int fw)
{
	if (f->hidden)
		return 0;
	return f->gap + body_rows(f) + note_lines(lk, f, fw);
}

static void
columns(const struct form *fm, int x, int w, int *fx, int *fw)
{
	*fx = x + MARK_W + fm->label_w + (fm->label_w > 0 ? 1 : 0);
	*fw = x + w - *fx;
}

int
form_height(const struct look *lk, const struct form *fm, int w)
{
	int fx, fw, h = 0;

	columns(fm, 0, w, &fx, &fw);
	for (int i = 0; i < fm->n; i++)
		h += field_rows(lk, &fm->f[i], fw);
	return h;
}

static int
visible(const struct place *p, int y)
{
	return y >= p->y0 && y < p->y1;
}

/* The field's text as shown: itself, or a mask per character.  *dcur gets
 * the cursor's byte offset in what is returned. */
static const char *
shown_text(const struct look *lk, const struct field *f, char *buf, size_t len, size_t *dcur)
{
	size_t ml = strlen(lk->sym->mask), n = count_chars(f->text, f->len);
	size_t before = count_chars(f->text, f->cur), o = 0;

	if (f->kind != FIELD_SECRET) {
		*dcur = f->cur;
		return f->text;
	}
	for (size_t i = 0; i < n && o + ml < len; i++, o += ml)
		memcpy(buf + o, lk->sym->mask, ml);
	buf[o] = '\0';
	*dcur = before * ml < o ? before * ml : o;
	return buf;
}

/* The width of the `n` bytes at `s`. */
static int
width_n(const char *s, size_t n)
{
	char buf[FIELD_MAX * 4];

	if (n >= sizeof buf)
		n = sizeof buf - 1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return text_width(buf);
}

/* Where the shown text starts so that the cursor stays in view: as many
 * characters dropped from the left as it takes to leave one column for
 * the cursor. */
static size_t
view_start(const char *s, size_t dcur, int bw)
{
	size_t start = 0, len = strlen(s);

	while (start < dcur && width_n(s + start, dcur - start) >= bw)
		start = next_char(s, len, start);
	return start;
}

/* The cursor: the character under it (a blank at the end) drawn the
 * other way round from the focused box. */
static void
draw_cursor(int y, int x, int right, const char *s, size_t dcur)
{
	size_t cl = next_char(s, strlen(s), dcur) - dcur;
	char cell[8] = " ";

	if (cl > 0 && cl < sizeof cell) {
		memcpy(cell, s + dcur, cl);
		cell[cl] = '\0';
	}
	if (x < right)
		draw_str(y, x, right - x, cell, A_NORMAL);
}

static void
draw_input(const struct place *p, const struct field *f, int y, int focused)
{
	const struct look *lk = p->lk;
	char masked[FIELD_MAX * 4];
	size_t dcur, start;
	const char *s = shown_text(lk, f, masked, sizeof masked, &dcur);
	int bw = f->box_w > 0 && f->box_w < p->fw ? f->box_w : p->fw;
	attr_t box = focused ? lk->attr[R_SELECT] : A_UNDERLINE;

	if (bw < p->fw && f->after[0] != '\0')
		draw_clip(lk, y, p->fx + bw + 1, p->fw - bw - 1, f->after, lk->attr[f->after_role]);
	draw_fill(y, p->fx, bw, box);
	if (f->len == 0 && f->placeholder != NULL) {
		/* The hint stays while the field is empty, under the cursor
		 * too: it says what to type when it is needed. */
		draw_clip(lk, y, p->fx, bw, f->placeholder, box | lk->attr[R_DIM]);
		if (focused)
			draw_str(y, p->fx, 1, f->placeholder, A_NORMAL);
		return;
	}
	start = view_start(s, dcur, bw);
	draw_str(y, p->fx, bw, s + start, box);
	if (focused)
		draw_cursor(y, p->fx + width_n(s + start, dcur - start), p->fx + bw, s, dcur);
}

static void
draw_choice(const struct place *p, const struct field *f, int y, int focused)
{
	const struct look *lk = p->lk;

	for (int i = 0; i < f->n_items; i++, y++) {
		attr_t at = focused && i == f->hl ? lk->attr[R_SELECT] : A_NORMAL;
		const char *r = i == f->sel ? lk->sym->radio_on : lk->sym->radio_off;
		int used;

		if (!visible(p, y))
			continue;
		if (at != A_NORMAL)
			draw_fill(y, p->fx, p->fw, at);
		used = draw_str(y, p->fx, p->fw, r, at | (i == f->sel ? A_BOLD : 0));
		draw_clip(lk, y, p->fx + used + 1, p->fw - used - 1, f->items[i],
			  at | (i == f->sel ? A_BOLD : 0));
	}
}

static void
draw_button(const struct place *p, const struct field *f, int y, int focused)
{
	const struct look *lk = p->lk;
	attr_t at = focused ? lk->attr[R_SELECT] | A_BOLD : A_BOLD;
	int bw = text_width(f->label) + 4;

	draw_fill(y, p->fx, bw < p->fw ? bw : p->fw, at);
	draw_str(y, p->fx, 1, "[", at);
	draw_clip(lk, y, p->fx + 2, p->fw - 4, f->label, at);
	draw_str(y, p->fx + bw - 1, 1, "]", at);
}

static void
draw_note(const struct place *p, const struct field *f, int y)
{
	const struct look *lk = p->lk;
	attr_t at = lk->attr[f->note_role];
	int sw = 0;

	if (f->note[0] == '\0' || !visible(p, y))
		return;
	if (f->note_sym[0] != '\0') {
		sw = text_width(f->note_sym) + 1;
		draw_str(y, p->fx, sw, f->note_sym, at);
	}
	if (f->note_path)
		draw_clip_left(lk, y, p->fx + sw, p->fw - sw, f->note, at);
	else
		draw_text(lk, y, p->fx + sw, p->fw - sw, p->y1 - y, f->note, at, 1);
}

static void
draw_field(const struct place *p, const struct form *fm, int i, int y)
{
	const struct field *f = &fm->f[i];
	int focused = i == fm->focus;

	y += f->gap;
	if (visible(p, y)) {
		if (focused)
			draw_str(y, p->x, 1, ">", p->lk->attr[R_NEXT]);
		if (f->kind != FIELD_BUTTON && f->label != NULL)
			draw_clip(p->lk, y, p->x + MARK_W, fm->label_w, f->label,
				  focused ? A_BOLD : A_NORMAL);
	}
	switch (f->kind) {
	case FIELD_TEXT:
	case FIELD_SECRET:
		if (visible(p, y))
			draw_input(p, f, y, focused);
		break;
	case FIELD_CHOICE: draw_choice(p, f, y, focused); break;
	case FIELD_BUTTON:
		if (visible(p, y))
			draw_button(p, f, y, focused);
		break;
	}
	draw_note(p, f, y + body_rows(f));
}

void
form_draw(const struct look *lk, const struct form *fm, int y, int x, int w, int h)
{
	struct place p = {lk, x, w, 0, 0, y, y + h};
	int top = 0, ftop = 0, fbot = 0, off = 0, total;

	columns(fm, x, w, &p.fx, &p.fw);
	for (int i = 0; i < fm->n; i++) {
		int r = field_rows(lk, &fm->f[i], p.fw);

		if (i == fm->focus) {
			ftop = top + fm->f[i].gap;
			fbot = top + r;
		}
		top += r;
	}
	total = top;
	/* Scroll only as far as the focused field needs. */
	if (fbot > h)
		off = fbot - h;
	if (ftop < off)
		off = ftop;
	top = 0;
	for (int i = 0; i < fm->n; i++) {
		if (!fm->f[i].hidden)
			draw_field(&p, fm, i, y + top - off);
		top += field_rows(lk, &fm->f[i], p.fw);
	}
	if (off > 0)
		draw_str(y, x + w - 1, 1, lk->utf8 ? "↑" : "^", lk->attr[R_DIM]);
	if (total - off > h)
		draw_str(y + h - 1, x + w - 1, 1, lk->utf8 ? "↓" : "v", lk->attr[R_DIM]);
}

void
form_hints(const struct look *lk, const struct form *fm, const struct keyhint *extra,
	   const char *esc, struct keyhint *out, int max)
{
	const struct field *f = &fm->f[fm->focus];
	int k = 0, text = f->kind == FIELD_TEXT || f->kind == FIELD_SECRET;

#define ADD(key, what)                                              \
	do {                                                        \
		if (k < max - 1)                                    \
			out[k++] = (struct keyhint){(key), (what)}; \
	} while (0)
	switch (f->kind) {
	case FIELD_CHOICE:
		ADD(lk->sym->updown, "choose");
		ADD("Space", "select");
		ADD("Tab", "next");
		break;
	case FIELD_BUTTON:
		ADD("Enter", "press");
		ADD("Tab", "next");
		break;
	default:
		ADD("Tab", "next");
		ADD("Enter", f->enter_submits ? "confirm" : "next");
		break;
	}
	for (; extra != NULL && extra->key != NULL; extra++)
		ADD(extra->key, extra->what);
	ADD("Esc", esc != NULL ? esc : "back");
	/* In a text field ? is a character: only F1 opens help there. */
	ADD(text ? "F1" : "?", "help");
#undef ADD
	out[k] = (struct keyhint){NULL, NULL};
}
