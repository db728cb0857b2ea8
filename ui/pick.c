#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "xalloc.h"

/* A modal list to choose one line from (which correspondent a step is
 * for): ↑↓ or j/k move, Enter picks, Esc cancels.  Drawn over the screen
 * it belongs to, as the dialogs are. */

#define PICK_MAX 64
#define PICK_W   70

struct pick {
	char title[64];
	char text[320];
	char item[PICK_MAX][PICK_W + 8];
	int n, sel, top;
	int *answer;
};

/* The list rows the box has room for at the terminal's size. */
static int
rows_for(const struct app *a, const struct pick *p, int *text_lines)
{
	int iw = a->cols - 8 < PICK_W ? a->cols - 8 : PICK_W;
	int room;

	*text_lines = draw_text(&a->look, 0, 0, iw, 3, p->text, A_NORMAL, 0);
	room = a->rows - 6 - *text_lines - 2;
	return p->n < room ? p->n : room < 1 ? 1 : room;
}

static void
pick_draw(const struct app *a, const void *sc)
{
	static const struct keyhint keys[] = {{"↑↓", "choose"},
					      {"Enter", "open"},
					      {"Esc", "cancel"},
					      {"?", "help"},
					      {NULL, NULL}};
	const struct pick *p = sc;
	const struct look *lk = &a->look;
	int iw = a->cols - 8 < PICK_W ? a->cols - 8 : PICK_W, tl, x, y;
	int rows = rows_for(a, p, &tl);
	struct keyhint k[5];

	memcpy(k, keys, sizeof k);
	k[0].key = lk->sym->updown;
	y = draw_box(lk, a->rows, a->cols, tl + rows + 4, iw + 4, p->title, &x);
	draw_text(lk, y + 1, x + 2, iw, tl, p->text, A_NORMAL, 1);
	y += tl + 2;
	for (int i = 0; i < rows && p->top + i < p->n; i++) {
		int at = p->top + i == p->sel;
		attr_t a_ = at ? lk->attr[R_SELECT] | A_BOLD : A_NORMAL;

		if (at)
			draw_fill(y + i, x + 1, iw + 2, a_);
		draw_str(y + i, x + 1, 1, at ? ">" : " ", a_);
		draw_clip(lk, y + i, x + 3, iw - 1, p->item[p->top + i], a_);
	}
	draw_status(lk, a->rows, a->cols, k);
}

static int
pick_key(struct app *a, void *sc, int ch)
{
	struct pick *p = sc;
	int tl, rows = rows_for(a, p, &tl);

	switch (ch) {
	case '\n':
	case '\r':
	case KEY_ENTER: *p->answer = p->sel; return APP_HANDLED | APP_POP;
	case 27:
	case 'q': *p->answer = -1; return APP_HANDLED | APP_POP;
	case KEY_UP:
	case 'k':
	case KEY_BTAB: p->sel = p->sel > 0 ? p->sel - 1 : 0; break;
	case KEY_DOWN:
	case 'j':
	case '\t': p->sel = p->sel < p->n - 1 ? p->sel + 1 : p->sel; break;
	case KEY_HOME:
	case 'g': p->sel = 0; break;
	case KEY_END:
	case 'G': p->sel = p->n - 1; break;
	case '?':
	case KEY_F(1): return 0;
	default: return APP_HANDLED;
	}
	if (p->sel < p->top)
		p->top = p->sel;
	if (p->sel >= p->top + rows)
		p->top = p->sel - rows + 1;
	return APP_HANDLED | APP_REDRAW;
}

static const struct screen_ops pick_ops = {
	.name = "pick",
	.help = NULL,
	.modal = 1,
	.draw = pick_draw,
	.key = pick_key,
};

int
app_pick(struct app *a, const char *title, const char *text, const char *const *items, int n,
	 int sel, int *answer)
{
	struct pick *p = xcalloc(1, sizeof *p);

	*answer = -1;
	snprintf(p->title, sizeof p->title, "%s", title);
	snprintf(p->text, sizeof p->text, "%s", text);
	p->n = n < PICK_MAX ? n : PICK_MAX;
	for (int i = 0; i < p->n; i++)
		snprintf(p->item[i], sizeof p->item[i], "%s", items[i]);
	p->sel = sel >= 0 && sel < p->n ? sel : 0;
	p->answer = answer;
	return app_push(a, &pick_ops, p);
}
