/* util — what several wizard screens share: paths as people type them
 * ("~/", completion, names that do not exist yet), the home read through
 * the wizard's session, passphrases typed in a form handed to the core's
 * operations, and lint findings drawn. */
#ifndef PADSEAL_UI_UTIL_H
#define PADSEAL_UI_UTIL_H

#include <stddef.h>

#include "app.h"
#include "checklist.h"
#include "form.h"
#include "fpr.h"
#include "ident.h"
#include "lint.h"
#include "peer.h"
#include "session.h"
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

/* The home's state as of now, for reading (session_state); NULL with `e`
 * when it cannot be read.  Borrowed until the next call on the session
 * (any operation may read the home again): a screen keeps copies of what
 * it shows (a fingerprint, an address), never the pointers. */
const struct state *ui_state(struct app *a, struct err *e);

/* The core's read-only helpers that take a `struct home`, each run with
 * the home held for reading just for that moment, as the command line's
 * status and show do: the checklist (checklist_build; its records are
 * borrowed as ui_state's are), the current identity (ident_current: 1
 * found, 0 none, -1 error; ident_clear()), and correspondent `hex`'s
 * certificate as a person is shown it (peer_info; -1 when it is no
 * longer held). */
int ui_status(struct app *a, struct checklist *cl, struct err *e);
int ui_ident(struct app *a, struct ident *id, struct err *e);
int ui_peer_info(struct app *a, const char *hex, struct peer_info *out, struct err *e);

/* Must the key's passphrase be typed for an operation that signs or
 * decrypts: there is a current identity and the session does not hold its
 * key unlocked yet (a key unlocked once stays so for the sitting). */
int ui_key_needed(struct app *a);

/* The key's passphrase field `i` of form `fm`: hidden while the session
 * holds the key unlocked (asked once per sitting, not again); shown, with
 * a placeholder that says what it unlocks, when it is needed — and why
 * again, when the key was forgotten after the idle time.  Call after the
 * screen sets its fields' visibility and before every key. */
void ui_key_field(struct app *a, struct form *fm, int i);
#define UI_KEY_PLACEHOLDER "unlocks your key; asked once per sitting"

/* The passphrases of a form, for an operation (pass_fixed): ui_pass_set
 * each field that holds one (an empty field gives none, and asking for it
 * fails), then hand `ask` to the op.  `asked` (bit 1 << kind) says which
 * the op asked for: a message encrypted to you asks for the key's only
 * when it is met, so "none was typed but one was needed" is told from the
 * file's own failures.  Lives where it was initialised (`ask` points into
 * it). */
struct ui_pass {
	struct pass_fixed fixed;
	struct pass_ask given; /* pass_ask_fixed on `fixed` */
	struct pass_ask ask;   /* `given`, noting what is asked */
	unsigned asked;
};
void ui_pass_init(struct ui_pass *p);
void ui_pass_set(struct ui_pass *p, enum pass_kind kind, const struct field *f);

/* The lint findings of `r` in rows [y, end) from column x, `w` wide, one
 * symbol and sentence each; when they do not all fit, the last row says
 * how many more and `more` (where to see them).  Returns the row after. */
int ui_draw_lint(const struct look *lk, const struct lint_report *r, int y, int x, int w, int end,
		 const char *more);

/* The first name of a person for sentences ("Sam" of "Sam Example"), or
 * the address when there is no name. */
void ui_first_name(const char *name, const char *email, char *buf, size_t len);

#endif
