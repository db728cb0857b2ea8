#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "form.h"
#include "install.h"
#include "op.h"
#include "pass.h"
#include "ui.h"
#include "util.h"
#include "xalloc.h"

/* The Install screen: your credential and the certificates of everyone
 * you trust, put into one mail program, as `padseal install` does
 * (op_install): which program, the new folder for its files and steps (or,
 * for Thunderbird, its profile to import into directly), the key's
 * passphrase unless the session holds the key, and the passphrase of the
 * file the program imports.  Then the steps to follow, numbered; they are
 * in the folder too (STEPS.txt). */

#define LABEL_W 16

enum { I_PROG, I_DIR, I_PROFILE, I_UNLOCK, I_PASS, I_REPEAT, I_GO, I_COUNT };

struct install_scr {
	struct field f[I_COUNT];
	struct form form;
	int dir_typed; /* the folder was typed: a program chosen keeps it */
	int working;   /* submitted: the next tick prepares it */
	int done;
	int top; /* the first paragraph of the steps shown */
	char msg[700];
	enum role msg_role;
	enum install_prog prog;
	struct op_install_res res;
	int profile; /* imported into a profile */
	char where[4096];
};

/* The folder offered for the chosen program, unless one was typed. */
static void
offer_dir(struct install_scr *is)
{
	char stem[64], path[UI_PATH_MAX];

	if (is->dir_typed)
		return;
	snprintf(stem, sizeof stem, "padseal-for-%s",
		 install_prog_name((enum install_prog)is->f[I_PROG].sel));
	ui_path_fresh(stem, "", path, sizeof path);
	field_set(&is->f[I_DIR], path);
}

/* Which fields the choices ask for, and their notes. */
static void
update(struct app *a, struct install_scr *is)
{
	struct field *f = is->f;
	int tb = f[I_PROG].sel == PROG_THUNDERBIRD;
	int profile = tb && f[I_PROFILE].len > 0;

	f[I_PROFILE].hidden = !tb;
	f[I_PROFILE].enter_submits = profile; /* nothing else is asked */
	if (!tb)
		field_wipe(&f[I_PROFILE]);
	f[I_DIR].hidden = profile;
	f[I_PASS].hidden = f[I_REPEAT].hidden = profile;
	if (profile) {
		field_wipe(&f[I_PASS]);
		field_wipe(&f[I_REPEAT]);
	}
	f[I_UNLOCK].hidden = 0;
	ui_key_field(a, &is->form, I_UNLOCK);
	if (!profile) {
		ui_path_note_new(&f[I_DIR]);
		field_strength_note(&a->look, &f[I_PASS]);
		field_repeat_note(&a->look, &f[I_REPEAT], &f[I_PASS]);
	}
	if (tb)
		field_note(&f[I_PROFILE], R_DIM, NULL,
			   profile ? "Imported straight into this profile (close Thunderbird "
				     "first); no folder is made." :
				     "Or your Thunderbird profile folder (about:profiles in "
				     "Thunderbird shows it): padseal imports into it directly.");
	is->form.dflt = I_GO;
}

static int
fail(struct install_scr *is, int field, const char *msg)
{
	snprintf(is->msg, sizeof is->msg, "%s", msg);
	is->msg_role = R_ERROR;
	form_focus(&is->form, field);
	return APP_HANDLED | APP_REDRAW;
}

/* As `padseal install`: op_install checks, unlocks the key (asking only
 * when the session does not hold it), builds and writes, records. */
static int
submit(struct app *a, struct install_scr *is)
{
	struct field *f = is->f;
	struct op_install req = {.prog = (enum install_prog)f[I_PROG].sel, .now = time(NULL)};
	char dir[4096], profile[4096], msg[700];
	struct ui_pass up;
	struct err e = ERR_INIT;
	int rc;

	is->msg[0] = '\0';
	ui_path_expand(f[I_DIR].text, dir, sizeof dir);
	ui_path_expand(f[I_PROFILE].text, profile, sizeof profile);
	if (!f[I_PROFILE].hidden && profile[0])
		req.profile = profile;
	else if (dir[0] == '\0')
		return fail(is, I_DIR, "A folder name is needed for the files.");
	else
		req.dir = dir;
	if (req.profile == NULL) {
		if (pass_check_new(f[I_PASS].text, NULL, &e) != 0) {
			snprintf(msg, sizeof msg, "This passphrase is refused: %s.", e.msg);
			return fail(is, I_PASS, msg);
		}
		if (f[I_PASS].len != f[I_REPEAT].len ||
		    memcmp(f[I_PASS].text, f[I_REPEAT].text, f[I_PASS].len) != 0) {
			field_wipe(&f[I_REPEAT]);
			return fail(is, I_REPEAT,
				    "The two passphrases differ: type the same one again "
				    "under Repeat.");
		}
	}
	if (f[I_UNLOCK].len == 0 && ui_key_needed(a))
		return fail(is, I_UNLOCK,
			    "Type the passphrase of your key: the one you chose when you "
			    "created your credential.");
	if (!is->working) {
		/* Done at the next tick, so that the screen says it first: an
		 * import into a profile runs NSS's tools for a few seconds. */
		snprintf(is->msg, sizeof is->msg, "%s: a moment.",
			 req.profile != NULL ? "Importing into the profile" : "Making the folder");
		is->msg_role = R_NORMAL;
		is->working = 1;
		return APP_HANDLED | APP_REDRAW;
	}
	is->working = 0;
	ui_pass_init(&up);
	ui_pass_set(&up, PASS_KEY, &f[I_UNLOCK]);
	ui_pass_set(&up, PASS_NEW_BACKUP, &f[I_PASS]);
	rc = op_install(a->s, &req, &up.ask, &is->res, &e);
	if (up.asked & (1u << PASS_KEY))
		field_wipe(&f[I_UNLOCK]);
	if (rc != 0) {
		snprintf(msg, sizeof msg, "%s.", e.msg);
		return fail(is,
			    e.code == ERR_BAD_PASS  ? I_UNLOCK :
			    e.code == ERR_WEAK_PASS ? I_PASS :
			    req.profile != NULL     ? I_PROFILE :
						      I_DIR,
			    msg);
	}
	is->prog = req.prog;
	is->profile = req.profile != NULL;
	ui_path_label(is->res.dir, is->where, sizeof is->where);
	form_wipe(&is->form);
	is->done = 1;
	is->top = 0;
	return APP_HANDLED | APP_REDRAW;
}

/* ---- Drawing ---- */

static void
draw_form(const struct app *a, const struct install_scr *is)
{
	const struct look *lk = &a->look;
	struct keyhint keys[10];
	int y = 2, w = a->cols - 4, end;

	end = app_frame(a, "Put it in your mail programs", is->msg, is->msg_role);
	y += draw_text(lk, y, 2, w, 2,
		       "Your credential and the certificates of everyone you trust, "
		       "ready for one mail program, with the steps to follow.",
		       A_NORMAL, 1);
	form_draw(lk, &is->form, y + 1, 2, w, end - y - 1);
	form_hints(lk, &is->form, NULL, "home", keys, 10);
	draw_status(lk, a->rows, a->cols, keys);
}

/* The paragraphs of the result: what was made, the notes, the steps. */
static size_t
paragraphs(const struct install_scr *is, char (*out)[2048], size_t max)
{
	const struct install_set *s = &is->res.set;
	size_t n = 0;

	if (is->profile)
		snprintf(out[n++], sizeof out[0],
			 "Imported your credential and %zu correspondent%s certificate%s into the Thunderbird profile %.1500s. Steps left:",
			 is->res.n_peers, is->res.n_peers == 1 ? "'s" : "s'",
			 is->res.n_peers == 1 ? "" : "s", is->where);
	else
		snprintf(out[n++], sizeof out[0],
			 "Made the folder %.1500s for %s, with your credential and %zu correspondent%s certificate%s. The steps (also in STEPS.txt there):",
			 is->where, install_prog_title(is->prog), is->res.n_peers,
			 is->res.n_peers == 1 ? "'s" : "s'", is->res.n_peers == 1 ? "" : "s");
	for (size_t i = 0; i < s->n_notes && n < max; i++)
		snprintf(out[n++], sizeof out[0], "Note: %s.", s->notes[i]);
	for (size_t i = 0; i < s->n_steps && n < max; i++)
		snprintf(out[n++], sizeof out[0], "%zu. %s", i + 1, s->steps[i]);
	return n;
}

static void
draw_done(const struct app *a, const struct install_scr *is)
{
	static const struct keyhint more[] = {{"↑↓", "scroll"},
					      {"Enter", "home"},
					      {"?", "help"},
					      {NULL, NULL}};
	const struct look *lk = &a->look;
	int y = 2, w = a->cols - 4, end;
	char(*par)[2048] = xcalloc(64, sizeof *par);
	size_t n = paragraphs(is, par, 64);

	end = app_frame(a, "Put it in your mail programs", NULL, R_NORMAL);
	draw_str(y, 2, 1, lk->sym->ok, lk->attr[R_DONE] | A_BOLD);
	draw_str(y, 4, w - 2, is->profile ? "Imported." : "Ready.", lk->attr[R_DONE] | A_BOLD);
	y += 2;
	for (size_t i = (size_t)is->top; i < n && y < end; i++) {
		int lines = draw_text(lk, y, 2, w, 99, par[i], A_NORMAL, 0);

		if (y + lines > end && i > (size_t)is->top)
			break;
		y += 1 + draw_text(lk, y, 2, w, end - y, par[i], i ? A_NORMAL : A_BOLD, 1);
	}
	free(par);
	draw_status(lk, a->rows, a->cols, more);
}

static void
install_draw(const struct app *a, const void *sc)
{
	const struct install_scr *is = sc;

	if (is->done)
		draw_done(a, is);
	else
		draw_form(a, is);
}

static int
install_tick(struct app *a, void *sc)
{
	struct install_scr *is = sc;

	if (!is->working)
		return 0;
	submit(a, is);
	return APP_REDRAW;
}

static int
install_key(struct app *a, void *sc, int ch)
{
	struct install_scr *is = sc;
	int prog = is->f[I_PROG].sel, r;

	if (is->working)
		return APP_HANDLED; /* keys wait for the work */
	if (is->done) {
		size_t n = 2 + is->res.set.n_notes + is->res.set.n_steps;

		if (ch == KEY_DOWN || ch == 'j' || ch == KEY_NPAGE)
			is->top = (size_t)is->top + 1 < n ? is->top + 1 : is->top;
		else if (ch == KEY_UP || ch == 'k' || ch == KEY_PPAGE)
			is->top = is->top > 0 ? is->top - 1 : 0;
		else if (ch == 27 || ch == '\n' || ch == '\r' || ch == KEY_ENTER || ch == 'q')
			return APP_HANDLED | APP_POP;
		else
			return 0;
		return APP_HANDLED | APP_REDRAW;
	}
	if (ch == 27)
		return APP_HANDLED | APP_POP;
	if (ch == '\t' && is->form.focus == I_DIR && ui_path_complete(&is->f[I_DIR]) >= 0)
		return APP_HANDLED | APP_REDRAW;
	ui_key_field(a, &is->form, I_UNLOCK);
	r = form_key(&is->form, ch);
	if (r == FORM_IGNORED)
		return 0;
	if (r == FORM_EDITED) {
		is->msg[0] = '\0';
		if (is->form.focus == I_DIR)
			is->dir_typed = 1;
	}
	if (is->f[I_PROG].sel != prog)
		offer_dir(is);
	update(a, is);
	if (r == FORM_PRESSED)
		return submit(a, is);
	return APP_HANDLED | APP_REDRAW;
}

/* ---- Life cycle ---- */

static void
setup(struct install_scr *is)
{
	struct field *f = is->f;

	f[I_PROG] = (struct field){.kind = FIELD_CHOICE,
				   .label = "Mail program",
				   .n_items = PROG_COUNT};
	for (int p = 0; p < PROG_COUNT; p++)
		f[I_PROG].items[p] = install_prog_title((enum install_prog)p);
	f[I_DIR] = (struct field){.kind = FIELD_TEXT, .label = "New folder", .gap = 1};
	f[I_PROFILE] = (struct field){.kind = FIELD_TEXT,
				      .label = "Profile",
				      .placeholder = "optional: import into Thunderbird directly"};
	f[I_UNLOCK] = (struct field){.kind = FIELD_SECRET,
				     .label = "Key passphrase",
				     .gap = 1,
				     .placeholder = UI_KEY_PLACEHOLDER};
	f[I_PASS] = (struct field){.kind = FIELD_SECRET,
				   .label = "File passphrase",
				   .placeholder = "new: the mail program's import asks for it"};
	f[I_REPEAT] = (struct field){.kind = FIELD_SECRET, .label = "Repeat", .enter_submits = 1};
	f[I_GO] = (struct field){.kind = FIELD_BUTTON, .label = "Prepare it", .gap = 1};
	is->form = (struct form){.f = is->f,
				 .n = I_COUNT,
				 .focus = I_PROG,
				 .dflt = I_GO,
				 .label_w = LABEL_W};
}

static int
install_enter(struct app *a, void *sc)
{
	struct install_scr *is = sc;
	struct ident id;
	struct err e = ERR_INIT;
	int rc = ui_ident(a, &id, &e);

	ident_clear(&id);
	if (rc <= 0) {
		app_message_help(a, "Mail programs",
				 rc == 0 ? "There is no credential to put in a mail program "
					   "yet: step 1 creates it." :
					   e.msg,
				 "install");
		return -1;
	}
	setup(is);
	offer_dir(is);
	update(a, is);
	return 0;
}

static void
install_leave(struct app *a, void *sc)
{
	struct install_scr *is = sc;

	(void)a;
	form_wipe(&is->form);
	if (is->done)
		op_install_res_clear(&is->res);
}

static const struct screen_ops install_ops = {
	.name = "install",
	.help = "install",
	.modal = 0,
	.enter = install_enter,
	.draw = install_draw,
	.key = install_key,
	.tick = install_tick,
	.leave = install_leave,
};

int
scr_install_open(struct app *a)
{
	return app_push(a, &install_ops, xcalloc(1, sizeof(struct install_scr)));
}
