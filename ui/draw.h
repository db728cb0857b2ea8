/* draw — the small widgets every screen uses: title bar, status line with
 * the keys that work, wrapped text, dialogs, and the symbols and colours of
 * a step's state.  Everything draws on stdscr and clips to the width it is
 * given, so nothing a screen draws can spill into its neighbour. */
#ifndef PADSEAL_DRAW_H
#define PADSEAL_DRAW_H

#include <curses.h>

/* What a piece of text means; the look maps it to colour or attributes. */
enum role {
	R_NORMAL,
	R_TITLE,   /* the title bar */
	R_HEADING, /* section headings */
	R_KEY,     /* a key name in the status line */
	R_DONE,    /* a finished step */
	R_NEXT,    /* the step to do now */
	R_TODO,    /* a later step */
	R_WARN,    /* problems: something to act on */
	R_ERROR,   /* failures */
	R_DIM,     /* secondary text */
	R_SELECT,  /* the selected row */
	R_CODE,    /* commands to type */
	ROLE_COUNT
};

/* Symbols in UTF-8 or their ASCII stand-ins; all of one set share a width
 * so columns line up either way. */
struct syms {
	const char *done, *next, *todo; /* step states, `w` columns each */
	int w;
	const char *warn;                 /* before a problem */
	const char *dash;                 /* in running text */
	const char *ellip;                /* text cut short */
	const char *updown;               /* the arrow keys, for the status line */
	const char *ok, *bad;             /* a check passed / failed, one column each */
	const char *bullet;               /* list items, one column */
	const char *radio_on, *radio_off; /* a choice, three columns */
	const char *mask;                 /* one per character of a hidden passphrase */
	const char *bar_on, *bar_off;     /* a meter's cells, one column */
	const char *const *spin;          /* a progress indicator's frames, one column */
	int n_spin;
	const char *hline; /* a horizontal rule, one column */
};

struct look {
	int utf8;  /* the locale's codeset is UTF-8 */
	int color; /* colours in use (the terminal has them, NO_COLOR unset) */
	const struct syms *sym;
	attr_t attr[ROLE_COUNT];
};

/* Choose symbols and colours for the current terminal and locale.  Call
 * after curses has started. */
void look_init(struct look *lk);

/* The state of a step as the user sees it. */
enum mark { MARK_DONE, MARK_NEXT, MARK_TODO };
const char *mark_sym(const struct look *lk, enum mark m);
const char *mark_word(enum mark m); /* "done", "next", "to do" */
attr_t mark_attr(const struct look *lk, enum mark m);

/* A key and what it does, for the status line; lists end with {NULL}. */
struct keyhint {
	const char *key, *what;
};

/* Display width of `s` (UTF-8 when the locale is; a byte the locale cannot
 * decode counts as one column and is drawn as '?'). */
int text_width(const char *s);

/* Draw at most `w` columns of `s` at (y, x); returns the columns used. */
int draw_str(int y, int x, int w, const char *s, attr_t a);
/* As draw_str, with `s` cut to `w` columns ending in an ellipsis when it is
 * longer: for names and paths. */
int draw_clip(const struct look *lk, int y, int x, int w, const char *s, attr_t a);
/* As draw_clip, cutting from the left instead: the end of a path is what
 * tells files apart. */
int draw_clip_left(const struct look *lk, int y, int x, int w, const char *s, attr_t a);
/* `w` blanks at (y, x). */
void draw_fill(int y, int x, int w, attr_t a);

/* Text in paragraphs ('\n' separates them), each wrapped at spaces into
 * width `w`.  A paragraph starting with two spaces is a command: drawn in
 * R_CODE, indented, never joined with its neighbours.  At most `maxl` lines
 * from row `y`; a cut-short block ends in an ellipsis.  Returns the lines
 * used; with draw = 0 it only counts them. */
int draw_text(const struct look *lk, int y, int x, int w, int maxl, const char *text, attr_t a,
	      int draw);

/* The reversed bar on the top row: `left` and, right-aligned and cut from
 * the left when short of room, `right`. */
void draw_titlebar(const struct look *lk, int cols, const char *left, const char *right);

/* The bottom row: the keys that work now. */
void draw_status(const struct look *lk, int rows, int cols, const struct keyhint *keys);

/* A centred box of width `w` and height `h`, cleared inside, with `title`
 * in its top border.  Returns the top row; *x gets the left column. */
int draw_box(const struct look *lk, int rows, int cols, int h, int w, const char *title, int *x);

/* A dialog: `title`, `text` as in draw_text, and a highlighted button. */
void draw_dialog(const struct look *lk, int rows, int cols, const char *title, const char *text,
		 const char *button);

/* As draw_dialog with `n` buttons side by side, button `sel` highlighted
 * (the others in brackets, so the choice shows without colour). */
void draw_dialog_n(const struct look *lk, int rows, int cols, const char *title, const char *text,
		   const char *const *buttons, int n, int sel);

#endif
