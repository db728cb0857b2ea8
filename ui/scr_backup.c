#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "app.h"
#include "fileio.h"
#include "form.h"
#include "ident.h"
#include "op.h"
#include "p12.h"
#include "pass.h"
#include "ui.h"
#include "util.h"
#include "xalloc.h"

/* The Back up screen: the current credential into a passphrase-protected
 * PKCS#12 file — where, in which form (and who imports it), the key's own
 * passphrase to unlock it (unless the session holds the key already), the
 * backup's new passphrase twice — then the file written, read back and
 * checked by op_backup, and the reminder that makes a backup worth
 * having. */

#define LABEL_W 16

enum { B_PATH, B_COMPAT, B_UNLOCK, B_PASS, B_REPEAT, B_GO, B_COUNT };

struct backup_scr {
	int done;
	struct field f[B_COUNT];
	struct form form;
	char who[320];  /* the credential, for a person */
	char last[600]; /* its last backup, or "" */
	int ec;         /* an EC key: gpgsm 2.2 cannot import it */
	char compat_label[2][64];
	char msg[700];
	enum role msg_role;
	struct p12_backup_done out;
	enum p12_compat compat;
	int writing;       /* submitted: the next tick writes (the screen
			      says so first) */
	int asked_mkdir;   /* the question "create the folder?" is open */
	int answer;        /* its answer */
	char folder[4096]; /* the folder it is about */
};

/* ---- The path ---- */

/* A name that does not exist yet: padseal-backup-DATE.p12, then -2, -3...
 * In the home folder, where people look for their files; in the current
 * folder when there is no home folder. */
static void
default_path(char *buf, size_t len)
{
	const char *home = getenv("HOME");
	char date[16], full[4096];
	time_t now = time(NULL);
	struct tm tm;
	struct stat sb;

	localtime_r(&now, &tm);
	strftime(date, sizeof date, "%Y-%m-%d", &tm);
	for (int i = 1; i < 100; i++) {
		char suffix[8] = "";

		if (i > 1)
			snprintf(suffix, sizeof suffix, "-%d", i);
		if (home != NULL && *home != '\0')
			snprintf(buf, len, "~/padseal-backup-%s%s.p12", date, suffix);
		else
			snprintf(buf, len, "padseal-backup-%s%s.p12", date, suffix);
		ui_path_expand(buf, full, sizeof full);
		if (stat(full, &sb) != 0)
			return;
	}
}

static void
update_notes(const struct app *a, struct backup_scr *bs)
{
	struct field *c = &bs->f[B_COMPAT], *p = &bs->f[B_PASS];
	int shown = bs->form.focus == B_COMPAT ? c->hl : c->sel;
	const char *warn;

	ui_path_note_new(&bs->f[B_PATH]);
	field_note(c, R_DIM, NULL, "Imports in: %s.",
		   p12_compat_readers((enum p12_compat)shown, bs->ec));
	field_strength_note(&a->look, p);
	warn = p12_pass_warning((enum p12_compat)c->sel, p->text);
	if (warn != NULL && p->note_role != R_ERROR) {
		size_t n = strlen(p->note);

		snprintf(p->note + n, sizeof p->note - n, "; %s", warn);
		p->note_role = R_WARN;
	}
	field_repeat_note(&a->look, &bs->f[B_REPEAT], p);
}

/* ---- Writing ---- */

static int
fail(struct backup_scr *bs, int field, const char *msg)
{
	snprintf(bs->msg, sizeof bs->msg, "%s", msg);
	bs->msg_role = R_ERROR;
	form_focus(&bs->form, field);
	/* Once the path is put right, Enter there writes: no walk back
	 * through every field to the button. */
	if (field == B_PATH)
		bs->f[B_PATH].enter_submits = 1;
	return APP_HANDLED | APP_REDRAW;
}

/* The folder of `path` does not exist: offer to create it. */
static int
ask_folder(struct app *a, struct backup_scr *bs, const char *path)
{
	static const char *const buttons[] = {"Create it", "Change the path"};
	char text[4400];
	const char *slash = strrchr(path, '/');
	struct stat sb;

	if (slash == NULL || slash == path)
		return 0;
	snprintf(bs->folder, sizeof bs->folder, "%.*s", (int)(slash - path), path);
	if (stat(bs->folder, &sb) == 0 || errno != ENOENT)
		return 0;
	snprintf(text, sizeof text,
		 "The folder %s does not exist yet. Create it for the backup? "
		 "Only you will be able to open it.",
		 bs->folder);
	bs->asked_mkdir = 1;
	bs->answer = -1;
	return app_ask(a, "No such folder", text, buttons, 2, &bs->answer);
}

/* As `padseal backup`: op_backup checks the path, unlocks the key (asking
 * for its passphrase only when the session does not hold it), writes,
 * reads back, records.  A failure is reported on the field it is about. */
static int
write_backup(struct app *a, struct backup_scr *bs, const char *path)
{
	struct op_backup req = {
		.path = path,
		.compat = (enum p12_compat)bs->f[B_COMPAT].sel,
		.now = time(NULL),
	};
	struct ui_pass up;
	struct err e = ERR_INIT;
	int rc;

	ui_pass_init(&up);
	ui_pass_set(&up, PASS_KEY, &bs->f[B_UNLOCK]);
	ui_pass_set(&up, PASS_NEW_BACKUP, &bs->f[B_PASS]);
	rc = op_backup(a->s, &req, &up.ask, &bs->out, &e);
	if (up.asked & (1u << PASS_KEY))
		field_wipe(&bs->f[B_UNLOCK]); /* used, or wrong */
	if (rc == 0) {
		bs->compat = req.compat;
		return 0;
	}
	fail(bs,
	     e.code == ERR_BAD_PASS  ? B_UNLOCK :
	     e.code == ERR_WEAK_PASS ? B_PASS :
				       B_PATH,
	     e.msg);
	return -1;
}

static int
submit(struct app *a, struct backup_scr *bs)
{
	struct field *p = &bs->f[B_PASS], *r = &bs->f[B_REPEAT];
	struct err e = ERR_INIT;
	char path[4096], msg[700];
	int same, asked;

	bs->msg[0] = '\0';
	ui_path_expand(bs->f[B_PATH].text, path, sizeof path);
	if (path[0] == '\0')
		return fail(bs, B_PATH, "A file name is needed for the backup.");
	if (pass_check_new(p->text, NULL, &e) != 0) {
		snprintf(msg, sizeof msg, "This passphrase is refused: %s.", e.msg);
		return fail(bs, B_PASS, msg);
	}
	same = p->len == r->len && memcmp(p->text, r->text, p->len) == 0;
	if (!same) {
		field_wipe(r);
		update_notes(a, bs);
		return fail(bs, B_REPEAT,
			    "The two backup passphrases differ: type the same "
			    "one again under Repeat.");
	}
	if (bs->f[B_UNLOCK].len == 0 && ui_key_needed(a))
		return fail(bs, B_UNLOCK,
			    a->keys_forgotten ?
				    "Type the passphrase of your key: padseal forgot "
				    "the unlocked key after 10 minutes without a key "
				    "pressed." :
				    "Type the passphrase of your key: the one you chose "
				    "when you created your credential.");
	if ((asked = ask_folder(a, bs, path)) != 0)
		return asked;
	/* Written at the next tick, so that the screen says it first. */
	snprintf(bs->msg, sizeof bs->msg,
		 "Writing the backup, then reading it back to check it: a "
		 "moment.");
	bs->msg_role = R_NORMAL;
	bs->writing = 1;
	return APP_HANDLED | APP_REDRAW;
}

static int
backup_tick(struct app *a, void *sc)
{
	struct backup_scr *bs = sc;
	char path[4096];

	if (!bs->writing)
		return 0;
	bs->writing = 0;
	bs->msg[0] = '\0';
	ui_path_expand(bs->f[B_PATH].text, path, sizeof path);
	if (write_backup(a, bs, path) != 0) {
		update_notes(a, bs);
		return APP_REDRAW;
	}
	form_wipe(&bs->form);
	bs->done = 1;
	return APP_REDRAW;
}

/* The folder question answered: create it and write, or let the path be
 * changed. */
static int
backup_resume(struct app *a, void *sc)
{
	struct backup_scr *bs = sc;
	struct err e = ERR_INIT;
	char msg[700];

	if (!bs->asked_mkdir)
		return APP_REDRAW;
	bs->asked_mkdir = 0;
	if (bs->answer != 0)
		return fail(bs, B_PATH,
			    "Change the path to a folder that exists, or let padseal create it.") &
		       ~APP_HANDLED;
	if (dir_ensure(bs->folder, &e) != 0) {
		snprintf(msg, sizeof msg, "%s.", e.msg);
		return fail(bs, B_PATH, msg) & ~APP_HANDLED;
	}
	return submit(a, bs) & ~APP_HANDLED;
}

/* ---- Drawing ---- */

static void
draw_form(const struct app *a, const struct backup_scr *bs)
{
	const struct look *lk = &a->look;
	struct keyhint keys[10];
	int y = 2, w = a->cols - 4, end;
	char line[1200];

	end = app_frame(a, "Back up your credential", bs->msg, bs->msg_role);
	snprintf(line, sizeof line,
		 "%s: certificate and private key go into one file under a "
		 "new passphrase, then padseal reads it back to check it.",
		 bs->who);
	y += draw_text(lk, y, 2, w, 3, line, A_NORMAL, 1);
	if (bs->last[0] != '\0')
		y += draw_text(lk, y, 2, w, 3, bs->last, lk->attr[R_DIM], 1);
	form_draw(lk, &bs->form, y + 1, 2, w, end - y - 1);
	form_hints(lk, &bs->form, NULL, "home", keys, 10);
	draw_status(lk, a->rows, a->cols, keys);
}

static void
draw_done(const struct app *a, const struct backup_scr *bs)
{
	static const struct keyhint keys[] = {{"Enter", "home"},
					      {"i", "mail programs"},
					      {"Esc", "home"},
					      {"?", "help"},
					      {NULL, NULL}};
	const struct look *lk = &a->look;
	int y = 2, w = a->cols - 4, end;
	char line[4400];

	end = app_frame(a, "Back up your credential", NULL, R_NORMAL);
	draw_str(y, 2, 1, lk->sym->ok, lk->attr[R_DONE] | A_BOLD);
	draw_str(y, 4, w - 2, "Backed up.", lk->attr[R_DONE] | A_BOLD);
	y += 2;
	draw_str(y, 2, 12, "File", A_BOLD);
	draw_clip(lk, y++, 14, w - 12, bs->out.path, A_NORMAL);
	snprintf(line, sizeof line, "%s%s", p12_compat_name(bs->compat),
		 bs->out.n_chain ? ", with its chain" : "");
	draw_str(y, 2, 12, "Form", A_BOLD);
	draw_clip(lk, y++, 14, w - 12, line, A_NORMAL);
	draw_str(y, 2, 12, "Imports in", A_BOLD);
	y += 1 + draw_text(lk, y, 14, w - 12, 3, p12_compat_readers(bs->compat, bs->out.ec),
			   A_NORMAL, 1);
	y += 1 + draw_text(lk, y, 2, w, 3,
			   "Read back and checked: it opens with that passphrase and "
			   "holds your certificate and its key. Importing it asks for "
			   "this backup passphrase, not your key's.",
			   lk->attr[R_DONE], 1);
	y += 1 + draw_text(lk, y, 2, w, end - y,
			   "Keep a copy off this computer (a USB stick in a drawer) and "
			   "the passphrase somewhere safe apart from it: without both, "
			   "mail encrypted to you cannot be read.",
			   A_NORMAL, 1);
	y += 1 + draw_text(lk, y, 2, w, end - y,
			   "Never delete old keys or old backups: old mail needs them.",
			   lk->attr[R_WARN], 1);
	draw_text(lk, y, 2, w, end - y,
		  "i puts it in your mail programs (a phone, Thunderbird, Apple "
		  "Mail, Outlook).",
		  lk->attr[R_DIM], 1);
	draw_status(lk, a->rows, a->cols, keys);
}

static void
backup_draw(const struct app *a, const void *sc)
{
	const struct backup_scr *bs = sc;

	if (bs->done)
		draw_done(a, bs);
	else
		draw_form(a, bs);
}

static int
backup_key(struct app *a, void *sc, int ch)
{
	struct backup_scr *bs = sc;
	int r;

	if (bs->writing)
		return APP_HANDLED; /* keys wait for the write */
	if (bs->done)
		return ch == 'i' ? APP_POP | scr_install_open(a) :
		       ch == 27 || ch == '\n' || ch == '\r' || ch == KEY_ENTER || ch == 'q' ?
				   APP_HANDLED | APP_POP :
				   0;
	if (ch == 27)
		return APP_HANDLED | APP_POP;
	ui_key_field(a, &bs->form, B_UNLOCK);
	r = form_key(&bs->form, ch);
	if (r == FORM_IGNORED)
		return 0;
	if (r == FORM_EDITED)
		bs->msg[0] = '\0';
	update_notes(a, bs);
	if (r == FORM_PRESSED)
		return submit(a, bs);
	return APP_HANDLED | APP_REDRAW;
}

/* ---- Life cycle ---- */

static int
load(struct app *a, struct backup_scr *bs, struct err *e)
{
	struct ident id;
	int rc;

	if ((rc = ui_ident(a, &id, e)) == 0)
		rc = err_set(e, "There is no credential to back up yet: step 1 "
				"creates it.");
	if (rc == 1) {
		rc = 0;
		bs->ec = strncmp(id.key, "EC", 2) == 0;
		snprintf(bs->who, sizeof bs->who, "%s <%s>, %s", id.name,
			 id.n_emails ? id.emails[0] : "", id.key);
		if (id.backed_up) {
			char where[512] = "";

			if (id.backup_path)
				ui_path_label(id.backup_path, where, sizeof where);
			snprintf(bs->last, sizeof bs->last,
				 "Last backup %.10s%s%s; another copy does no "
				 "harm.",
				 id.backup_at, where[0] ? ": " : "", where);
		}
	}
	ident_clear(&id);
	return rc;
}

static void
setup(struct backup_scr *bs)
{
	struct field *f = bs->f;
	char path[4096];

	f[B_PATH] = (struct field){.kind = FIELD_TEXT, .label = "Save to"};
	default_path(path, sizeof path);
	field_set(&f[B_PATH], path);
	f[B_COMPAT] = (struct field){.kind = FIELD_CHOICE, .label = "Form", .n_items = 2, .gap = 1};
	snprintf(bs->compat_label[P12_LEGACY], sizeof bs->compat_label[0],
		 "legacy: every system imports it (recommended)");
	snprintf(bs->compat_label[P12_MODERN], sizeof bs->compat_label[0],
		 "modern: locked more strongly, newer systems only");
	f[B_COMPAT].items[P12_LEGACY] = bs->compat_label[P12_LEGACY];
	f[B_COMPAT].items[P12_MODERN] = bs->compat_label[P12_MODERN];
	f[B_COMPAT].sel = f[B_COMPAT].hl = P12_COMPAT_DEFAULT;
	f[B_UNLOCK] = (struct field){.kind = FIELD_SECRET,
				     .label = "Key passphrase",
				     .gap = 1,
				     .placeholder = UI_KEY_PLACEHOLDER};
	f[B_PASS] = (struct field){.kind = FIELD_SECRET,
				   .label = "New passphrase",
				   .placeholder = "the backup's own: importing it asks for this"};
	f[B_REPEAT] = (struct field){.kind = FIELD_SECRET, .label = "Repeat", .enter_submits = 1};
	f[B_GO] = (struct field){.kind = FIELD_BUTTON,
				 .label = "Write and check the backup",
				 .gap = 1};
	bs->form = (struct form){.f = bs->f,
				 .n = B_COUNT,
				 .focus = B_PATH,
				 .dflt = B_GO,
				 .label_w = LABEL_W};
}

static int
backup_enter(struct app *a, void *sc)
{
	struct backup_scr *bs = sc;
	struct err e = ERR_INIT;

	if (load(a, bs, &e) != 0) {
		app_message_help(a, "Back up", e.msg, "backup");
		return -1;
	}
	setup(bs);
	ui_key_field(a, &bs->form, B_UNLOCK);
	update_notes(a, bs);
	return 0;
}

static void
backup_leave(struct app *a, void *sc)
{
	struct backup_scr *bs = sc;

	(void)a;
	form_wipe(&bs->form);
}

static const struct screen_ops backup_ops = {
	.name = "backup",
	.help = "backup",
	.modal = 0,
	.enter = backup_enter,
	.draw = backup_draw,
	.key = backup_key,
	.resume = backup_resume,
	.tick = backup_tick,
	.leave = backup_leave,
};

int
scr_backup_open(struct app *a)
{
	return app_push(a, &backup_ops, xcalloc(1, sizeof(struct backup_scr)));
}
