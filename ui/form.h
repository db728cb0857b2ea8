/* form — the widgets of the wizard's forms: one-line text fields (plain or
 * masked), a choice list, buttons, and the vertical layout that holds
 * them, with focus, scrolling and the status-line hints for the focused
 * widget.
 *
 * A form is an array of fields the screen owns (in its state); the screen
 * sets labels and notes, the form draws and edits.  Keys:
 *
 *   Tab, ↓ / Shift-Tab, ↑   next / previous field (↑↓ move inside a
 *                           choice list first)
 *   ← → Home End            move in a text field (also Ctrl-A, Ctrl-E)
 *   Backspace Delete        delete before / at the cursor
 *   Ctrl-U / Ctrl-K / Ctrl-W delete to the start / to the end / a word
 *   Space                   select the highlighted choice
 *   Enter                   next field; on a choice: select, then next;
 *                           on a button: press it; in a field marked
 *                           `enter_submits`: press the default button
 *
 * Esc is the screen's: it means "back".  Text fields take every printable
 * key, `?` and `q` included; F1 still opens help. */
#ifndef PADSEAL_FORM_H
#define PADSEAL_FORM_H

#include <stddef.h>

#include "app.h"
#include "draw.h"

/* A text field's room in bytes, NUL included: a passphrase of the longest
 * length pass.h accepts (PASS_MAX_LEN) fits, so a longer one is refused
 * by policy with its reason instead of being cut silently. */
#define FIELD_MAX      1025
#define FORM_MAX_ITEMS 8

enum field_kind {
	FIELD_TEXT,   /* one line of text */
	FIELD_SECRET, /* a passphrase: drawn as one mask per character */
	FIELD_CHOICE, /* options, one selected */
	FIELD_BUTTON, /* an action; `label` is its text */
};

struct field {
	enum field_kind kind;
	const char *label;       /* left of the field; a button's text */
	const char *placeholder; /* TEXT: dim text while empty */
	int hidden;              /* neither drawn nor focusable */
	int gap;                 /* blank rows above it */
	int digits;              /* TEXT: only 0-9 */
	int enter_submits;       /* Enter presses the form's default button */
	int box_w;               /* TEXT, SECRET: the box's width (0: all) */
	char after[96];          /* right of a narrower box: a unit, a mark */
	enum role after_role;
	/* TEXT and SECRET */
	char text[FIELD_MAX];
	size_t len, cur; /* bytes used; the cursor (a byte offset) */
	/* CHOICE */
	const char *items[FORM_MAX_ITEMS];
	int n_items, sel, hl; /* the selected and the highlighted item */
	/* Below the field: a sentence (a check's verdict, a hint) in `role`,
	 * after a symbol or a meter ("": none). */
	char note[512];
	enum role note_role;
	char note_sym[32];
	int note_path; /* the note is a path: one line, cut from
			  the left when too long */
};

struct form {
	struct field *f;
	int n;
	int focus;   /* the focused field */
	int dflt;    /* the default button (for enter_submits), or -1 */
	int label_w; /* the label column's width */
};

/* What form_key did. */
enum {
	FORM_IGNORED = 0, /* not a form key: the screen may use it */
	FORM_MOVED,       /* the focus or a highlight moved */
	FORM_EDITED,      /* the focused field's value changed */
	FORM_PRESSED,     /* a button was pressed: the focused field */
};

int form_key(struct form *fm, int ch);

/* Draw the form in rows [y, y + h) from column x, `w` wide.  When it is
 * taller than that it scrolls so that the focused field shows whole, with
 * "more" marks at the right edge. */
void form_draw(const struct look *lk, const struct form *fm, int y, int x, int w, int h);

/* The rows the form takes at width `w`. */
int form_height(const struct look *lk, const struct form *fm, int w);

/* Focus field `i` (the next focusable from it when it is not). */
void form_focus(struct form *fm, int i);

/* The status-line hints for the focused field, then `extra` (may be NULL),
 * then Esc with `esc` (NULL: "back") and F1/? help; ends with {NULL}. */
void form_hints(const struct look *lk, const struct form *fm, const struct keyhint *extra,
		const char *esc, struct keyhint *out, int max);

/* Set a field's text (cursor at the end); too long is cut at a character
 * boundary. */
void field_set(struct field *f, const char *s);
/* The field's note; `fmt` as printf.  field_note(f, 0, NULL, NULL) clears
 * it. */
void field_note(struct field *f, enum role role, const char *sym, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Wipe a field's text (pass_wipe) and empty it: for passphrases, as soon
 * as they are used or abandoned. */
void field_wipe(struct field *f);
/* Wipe every SECRET field of the form. */
void form_wipe(struct form *fm);

/* The note under a new passphrase: a strength meter (pass_strength) with
 * a word, or why it is refused (pass_check_new), and a warning when it
 * holds non-ASCII characters. */
void field_strength_note(const struct look *lk, struct field *f);
/* The note under its repetition: the same, or not. */
void field_repeat_note(const struct look *lk, struct field *rep, const struct field *pass);

#endif
