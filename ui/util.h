/* util — what several wizard screens share: paths as people type them
 * ("~/", completion, names that do not exist yet), the home opened only
 * for the moment a screen needs it, and lint findings drawn. */
#ifndef PADSEAL_UI_UTIL_H
#define PADSEAL_UI_UTIL_H

#include <stddef.h>

#include "app.h"
#include "form.h"
#include "fpr.h"
#include "home.h"
#include "lint.h"
#include "state.h"

#define UI_PATH_MAX 4096

/* What a path field means: "~/" is the user's home folder; a relative
 * path is taken from the folder padseal was started in; spaces around it
 * are dropped. */
void ui_path_expand(const char *in, char *buf, size_t len);

/* A path as the user knows it: "~/..." under $HOME. */
void ui_path_label(const char *path, char *buf, size_t len);

/* A name that does not exist yet, as typed text: ~/STEM.EXT in the home
 * folder (the current folder without one), then STEM-2.EXT, -3... `ext`
 * may be "" (a folder). */
void ui_path_fresh(const char *stem, const char *ext, char *buf, size_t len);

/* The note under a path field for a file to be made: where it goes in
 * full, or that it exists already (padseal never writes over a file).
 * Returns 0 when the path can be used. */
int ui_path_note_new(struct field *f);

/* Tab in a path field: complete the name at the end of its text from the
 * files there.  1: the text grew; 0: several names fit, listed in the
 * field's note; -1: nothing to add (no name fits, or it is whole). */
int ui_path_complete(struct field *f);

/* Open the wizard's home (waiting a moment for a command holding it) and
 * load its state.  ui_close() in any case. */
int ui_open(const struct app *a, struct home *h, enum home_mode mode, struct state **st,
	    struct err *e);
void ui_close(struct home *h, struct state *st);

/* The lint findings of `r` in rows [y, end) from column x, `w` wide, one
 * symbol and sentence each; when they do not all fit, the last row says
 * how many more and `more` (where to see them).  Returns the row after. */
int ui_draw_lint(const struct look *lk, const struct lint_report *r, int y, int x, int w, int end,
		 const char *more);

/* "AB:CD:..." without the colons into hex[FPR_HEX_LEN]. */
void ui_hex_of_colon(const char *colon, char hex[FPR_HEX_LEN]);

/* The first name of a person for sentences ("Sam" of "Sam Example"), or
 * the address when there is no name. */
void ui_first_name(const char *name, const char *email, char *buf, size_t len);

/* The passphrase a form holds, handed to msg_open (msg_ctx.ask_pass) only
 * when it meets an envelope addressed to you, and tried on your key the
 * first time, so a typing error is reported as such, not as a failed
 * message.  After the read: `wanted` an envelope needed it, `bad` it does
 * not unlock your key (`e` says why). */
struct ui_asker {
	const struct home *h;
	const struct state *st;
	const char *pass; /* NULL: none typed */
	int wanted, checked, bad;
	struct err e;
};
void ui_asker_init(struct ui_asker *q, const struct home *h, const struct state *st,
		   const char *pass);
const char *ui_asker_ask(void *arg);

#endif
