#include "config.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "app.h"
#include "form.h"
#include "handover.h"
#include "ident.h"
#include "job.h"
#include "op.h"
#include "pass.h"
#include "session.h"
#include "ui.h"
#include "util.h"
#include "xalloc.h"

/* The screen For someone else: a credential made for a person who cannot
 * make their own (the seed's Grandpa), in a home of its own that the user
 * names (not this one), with the same create as step 1 (op_create), then
 * handed over with the same op_handover as `padseal handover`: a new
 * folder with the .p12, the certificates and the instruction sheet.  Two
 * passphrases: the key's in that home (the user keeps it, for renewals)
 * and the .p12's (the person is told it by phone or on paper).  The key
 * is generated off the input loop, as at Create.  At the end, Enter trusts
 * the new certificate in the user's own home as verified in person (the
 * user made it: import --made-by-me). */

#define LABEL_W 16

enum { H_NAME, H_ADDR, H_HOME, H_OUT, H_KEYPASS, H_KEYREP, H_FILEPASS, H_FILEREP, H_GO, H_COUNT };

enum stage { ST_FORM, ST_GEN, ST_DONE };

/* The generation job's memory: the thread writes it; the screen reads it
 * once job_done() says so, or hands it to app_abandon(). */
struct hkeygen {
	char key[16];
	atomic_int cancel;
	struct newkey *nk;
	struct err e;
	int rc;
};

struct handover_scr {
	enum stage stage;
	struct field f[H_COUNT];
	struct form form;
	char msg[700];
	enum role msg_role;

	struct session *other; /* the home made for them */
	char other_dir[UI_PATH_MAX];
	int created; /* the credential is in that home: only hand over */

	struct job *job;
	struct hkeygen *kg;
	long t0;

	struct op_handover_res res; /* ST_DONE */
	char first[128];            /* their first name, for sentences */
	int trusted;                /* Enter trusted it in the user's home */
	char trust_msg[600];
	enum role trust_role;
};

/* ---- The form ---- */

static void
notes(const struct app *a, struct handover_scr *hs)
{
	struct field *h = &hs->f[H_HOME], *o = &hs->f[H_OUT];
	char full[UI_PATH_MAX];
	struct stat sb;

	ui_path_expand(h->text, full, sizeof full);
	if (hs->created)
		field_note(h, R_DONE, NULL, "Their credential is made in this home.");
	else if (full[0] != '\0' && stat(full, &sb) == 0)
		field_note(h, R_DIM, NULL, "exists: it must hold no credential yet");
	else
		field_note(h, R_DIM, NULL, "a new home, kept here: renewals are made in it");
	ui_path_note_new(o);
	field_strength_note(&a->look, &hs->f[H_KEYPASS]);
	field_repeat_note(&a->look, &hs->f[H_KEYREP], &hs->f[H_KEYPASS]);
	field_strength_note(&a->look, &hs->f[H_FILEPASS]);
	field_repeat_note(&a->look, &hs->f[H_FILEREP], &hs->f[H_FILEPASS]);
}

static int
fail(struct handover_scr *hs, int field, const char *msg)
{
	snprintf(hs->msg, sizeof hs->msg, "%s", msg);
	hs->msg_role = R_ERROR;
	form_focus(&hs->form, field);
	return APP_HANDLED | APP_REDRAW;
}

/* The request for op_create: their name and address, the default key. */
static void
request(const struct handover_scr *hs, struct ident_new *req, const char **emails)
{
	const char *dflt = NULL, *name;
	int is_dflt;

	for (size_t i = 0; (name = ident_key_type(i, NULL, &is_dflt)) != NULL; i++)
		if (is_dflt)
			dflt = name;
	emails[0] = hs->f[H_ADDR].text;
	*req = (struct ident_new){.name = hs->f[H_NAME].text,
				  .emails = emails,
				  .n_emails = 1,
				  .key = dflt};
}

/* A new passphrase and its repetition: 0, or the form's flags. */
static int
check_pass(struct handover_scr *hs, int pass, int rep, const char *which, int *flags)
{
	struct field *p = &hs->f[pass], *r = &hs->f[rep];
	struct err e = ERR_INIT;
	char msg[700];

	if (pass_check_new(p->text, NULL, &e) != 0) {
		snprintf(msg, sizeof msg, "The %s is refused: %s.", which, e.msg);
		*flags = fail(hs, pass, msg);
		return -1;
	}
	if (p->len != r->len || memcmp(p->text, r->text, p->len) != 0) {
		field_wipe(r);
		snprintf(msg, sizeof msg,
			 "The two %ss differ: type the same one again under Repeat.", which);
		*flags = fail(hs, rep, msg);
		return -1;
	}
	return 0;
}

/* The same folder (both exist and are one)? */
static int
same_dir(const char *a, const char *b)
{
	struct stat sa, sb;

	return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
	       sa.st_ino == sb.st_ino;
}

/* Everything that can refuse before the key is made. */
static int
check(struct app *a, struct handover_scr *hs, int *flags)
{
	struct ident_new req;
	const char *emails[1];
	struct err e = ERR_INIT;
	char home[UI_PATH_MAX], out[UI_PATH_MAX], msg[700];

	ui_path_expand(hs->f[H_HOME].text, home, sizeof home);
	ui_path_expand(hs->f[H_OUT].text, out, sizeof out);
	if (!hs->created) {
		if (hs->f[H_NAME].len == 0 || hs->f[H_ADDR].len == 0) {
			*flags = fail(hs, hs->f[H_NAME].len == 0 ? H_NAME : H_ADDR,
				      "Their name and their mail address are needed.");
			return -1;
		}
		if (home[0] == '\0') {
			*flags = fail(hs, H_HOME, "A folder is needed for their home.");
			return -1;
		}
		if (same_dir(home, session_dir(a->s))) {
			*flags = fail(hs, H_HOME,
				      "That is your own home: their credential goes into a "
				      "home of its own.");
			return -1;
		}
		if (hs->other == NULL || strcmp(hs->other_dir, home) != 0) {
			session_close(hs->other);
			hs->other = session_new(home);
			snprintf(hs->other_dir, sizeof hs->other_dir, "%s", home);
		}
		request(hs, &req, emails);
		if (op_create_check(hs->other, &req, &e) != 0) {
			snprintf(msg, sizeof msg, "%s.", e.msg);
			*flags = fail(hs,
				      strstr(e.msg, "address") ? H_ADDR :
				      strstr(e.msg, "name")    ? H_NAME :
								 H_HOME,
				      msg);
			return -1;
		}
	}
	if (out[0] == '\0' || handover_dir_check(out, &e) != 0) {
		snprintf(msg, sizeof msg, "%s.",
			 out[0] ? e.msg : "A new folder is needed for the hand-over");
		*flags = fail(hs, H_OUT, msg);
		return -1;
	}
	if ((!hs->created && check_pass(hs, H_KEYPASS, H_KEYREP, "key passphrase", flags) != 0) ||
	    check_pass(hs, H_FILEPASS, H_FILEREP, "hand-over passphrase", flags) != 0)
		return -1;
	if (!hs->created && hs->f[H_KEYPASS].len == hs->f[H_FILEPASS].len &&
	    memcmp(hs->f[H_KEYPASS].text, hs->f[H_FILEPASS].text, hs->f[H_KEYPASS].len) == 0) {
		field_wipe(&hs->f[H_FILEREP]);
		*flags = fail(hs, H_FILEPASS,
			      "Choose a hand-over passphrase other than the key's: the "
			      "key's stays with you, this one goes to them.");
		return -1;
	}
	return 0;
}

/* ---- Making and handing over ---- */

static void
keygen_run(void *arg)
{
	struct hkeygen *kg = arg;

	if (atomic_load(&kg->cancel)) {
		kg->rc = err_set(&kg->e, "cancelled");
		return;
	}
	kg->rc = ident_keygen(kg->key, &kg->nk, &kg->e);
	if (kg->rc == 0)
		kg->rc = newkey_add_ca(kg->nk, &kg->e);
}

static void
keygen_drop(void *arg)
{
	struct hkeygen *kg = arg;

	if (kg == NULL)
		return;
	newkey_free(kg->nk);
	free(kg);
}

static void
stop(struct app *a, struct handover_scr *hs)
{
	if (hs->job != NULL) {
		atomic_store(&hs->kg->cancel, 1);
		app_abandon(a, hs->job, keygen_drop, hs->kg);
	}
	hs->job = NULL;
	hs->kg = NULL;
}

/* op_handover into the folder; ST_DONE, or the error on its field. */
static void
hand_over(struct handover_scr *hs)
{
	struct op_handover req = {.now = time(NULL)};
	struct ui_pass up;
	struct err e = ERR_INIT;
	char out[UI_PATH_MAX];
	const struct ident *id;

	ui_path_expand(hs->f[H_OUT].text, out, sizeof out);
	req.dir = out;
	ui_pass_init(&up);
	ui_pass_set(&up, PASS_KEY, &hs->f[H_KEYPASS]);
	ui_pass_set(&up, PASS_NEW_BACKUP, &hs->f[H_FILEPASS]);
	if (op_handover(hs->other, &req, &up.ask, &hs->res, &e) != 0) {
		char msg[700];

		snprintf(msg, sizeof msg,
			 "Their credential is made, but the hand-over failed: %s. Put it right "
			 "and try again: only the hand-over is done again.",
			 e.msg);
		fail(hs, e.code == ERR_WEAK_PASS ? H_FILEPASS : H_OUT, msg);
		hs->stage = ST_FORM;
		return;
	}
	id = &hs->res.id;
	ui_first_name(id->name, id->n_emails ? id->emails[0] : "", hs->first, sizeof hs->first);
	form_wipe(&hs->form);
	hs->msg[0] = '\0';
	hs->stage = ST_DONE;
}

/* The key is there: store the credential in their home (op_create), then
 * hand it over. */
static void
store(struct handover_scr *hs, struct hkeygen *kg)
{
	struct op_create req = {.key = kg->nk, .now = time(NULL)};
	const char *emails[1];
	struct ui_pass up;
	struct ident id = {0};
	struct err e = ERR_INIT;
	char msg[700];

	kg->nk = NULL; /* op_create takes it over */
	request(hs, &req.req, emails);
	ui_pass_init(&up);
	ui_pass_set(&up, PASS_NEW_KEY, &hs->f[H_KEYPASS]);
	if (kg->rc != 0)
		e = kg->e;
	else if (op_create(hs->other, &req, &up.ask, &id, &e) == 0)
		hs->created = 1;
	keygen_drop(kg);
	ident_clear(&id);
	if (!hs->created) {
		snprintf(msg, sizeof msg, "%s.", e.msg);
		fail(hs, H_HOME, msg);
		hs->stage = ST_FORM;
		return;
	}
	hand_over(hs);
}

static int
submit(struct app *a, struct handover_scr *hs)
{
	struct ident_new req;
	const char *emails[1];
	int flags;

	hs->msg[0] = '\0';
	if (check(a, hs, &flags) != 0)
		return flags;
	if (hs->created) { /* made before; only the hand-over failed */
		hand_over(hs);
		return APP_HANDLED | APP_REDRAW;
	}
	request(hs, &req, emails);
	hs->kg = xcalloc(1, sizeof *hs->kg);
	snprintf(hs->kg->key, sizeof hs->kg->key, "%s", req.key ? req.key : "rsa3072");
	if ((hs->job = job_start(keygen_run, hs->kg)) == NULL) {
		keygen_drop(hs->kg);
		hs->kg = NULL;
		return fail(hs, H_GO,
			    "padseal could not start a thread to generate the key (the "
			    "system is short of resources); try again.");
	}
	hs->t0 = app_now_ms();
	hs->stage = ST_GEN;
	return APP_HANDLED | APP_REDRAW;
}

static int
handover_tick(struct app *a, void *sc)
{
	struct handover_scr *hs = sc;
	struct hkeygen *kg = hs->kg;

	if (hs->stage != ST_GEN)
		return 0;
	if (!job_done(hs->job))
		return APP_REDRAW; /* the indicator moves */
	job_join(hs->job);
	hs->job = NULL;
	hs->kg = NULL;
	store(hs, kg);
	notes(a, hs);
	return APP_REDRAW;
}

/* Enter on the result: the certificate trusted in the user's own home,
 * verified in person (the user made it), as import --made-by-me. */
static void
trust_here(struct app *a, struct handover_scr *hs)
{
	struct import_set *set = NULL;
	struct ui_pass up;
	struct err e = ERR_INIT;
	char *path = xasprintf("%s/%s", hs->res.dir, HANDOVER_CERT_PEM);
	time_t now = time(NULL);

	ui_pass_init(&up);
	if (op_import_read(a->s, path, now, &up.ask, &set, &e) == 0 &&
	    op_import_store_trusted(a->s, set, HANDOVER_CERT_PEM, VERIFY_IN_PERSON, now, &e) == 0) {
		hs->trusted = 1;
		snprintf(hs->trust_msg, sizeof hs->trust_msg,
			 "Trusted in your own home, as verified in person: you can write to "
			 "%s signed and encrypted.",
			 hs->first);
		hs->trust_role = R_DONE;
	} else {
		snprintf(hs->trust_msg, sizeof hs->trust_msg, "Not trusted here: %s.", e.msg);
		hs->trust_role = R_ERROR;
	}
	import_free(set);
	free(path);
}

/* ---- Drawing ---- */

static void
draw_form(const struct app *a, const struct handover_scr *hs)
{
	const struct look *lk = &a->look;
	struct keyhint keys[10];
	int y = 2, w = a->cols - 4, end;

	end = app_frame(a, "A credential for someone else", hs->msg, hs->msg_role);
	y += 1 + draw_text(lk, y, 2, w, 3,
			   "For someone who cannot make their own: padseal makes it in a "
			   "home of its own, then writes a folder to hand over with the "
			   "file, the certificates and a sheet of instructions.",
			   A_NORMAL, 1);
	form_draw(lk, &hs->form, y, 2, w, end - y);
	form_hints(lk, &hs->form, NULL, "home", keys, 10);
	draw_status(lk, a->rows, a->cols, keys);
}

static void
draw_gen(const struct app *a, const struct handover_scr *hs)
{
	static const struct keyhint keys[] = {{"Esc", "cancel"}, {"?", "help"}, {NULL, NULL}};
	const struct look *lk = &a->look;
	long ms = app_now_ms() - hs->t0;
	char line[2200];
	int y = 2, w = a->cols - 4;

	app_frame(a, "A credential for someone else", NULL, R_NORMAL);
	snprintf(line, sizeof line, "%s <%s>", hs->f[H_NAME].text, hs->f[H_ADDR].text);
	draw_clip(lk, y, 2, w, line, A_BOLD);
	y += 2;
	draw_str(y, 2, 1, lk->sym->spin[(ms / 100) % lk->sym->n_spin], lk->attr[R_NEXT]);
	snprintf(line, sizeof line, "Generating their key pair and their CA's%s %lds",
		 lk->sym->ellip, ms / 1000);
	draw_clip(lk, y, 4, w - 2, line, A_BOLD);
	y += 2;
	draw_text(lk, y, 2, w, 2, "Esc cancels: the keys are thrown away and nothing is stored.",
		  lk->attr[R_DIM], 1);
	draw_status(lk, a->rows, a->cols, keys);
}

static void
draw_done(const struct app *a, const struct handover_scr *hs)
{
	static const struct keyhint keys_trust[] = {{"Enter", "trust it in your home"},
						    {"Esc", "home"},
						    {"?", "help"},
						    {NULL, NULL}};
	static const struct keyhint keys_home[] = {{"Enter", "home"},
						   {"Esc", "home"},
						   {"?", "help"},
						   {NULL, NULL}};
	const struct look *lk = &a->look;
	const struct ident *id = &hs->res.id;
	int y = 2, w = a->cols - 4, end;
	char line[4400], home[UI_PATH_MAX], dir[UI_PATH_MAX];

	end = app_frame(a, "A credential for someone else",
			hs->trust_msg[0] ? hs->trust_msg :
					   "Enter trusts it in your own home too, as verified in "
					   "person: you made it.",
			hs->trust_msg[0] ? hs->trust_role : R_NEXT);
	draw_str(y, 2, 1, lk->sym->ok, lk->attr[R_DONE] | A_BOLD);
	snprintf(line, sizeof line, "Made and handed over: %s <%s>", id->name,
		 id->n_emails ? id->emails[0] : "");
	draw_clip(lk, y, 4, w - 2, line, lk->attr[R_DONE] | A_BOLD);
	y += 2;
	ui_path_label(hs->other_dir, home, sizeof home);
	ui_path_label(hs->res.dir, dir, sizeof dir);
	draw_str(y, 2, 12, "Their home", A_BOLD);
	draw_clip_left(lk, y++, 14, w - 12, home, A_NORMAL);
	draw_str(y, 2, 12, "Folder", A_BOLD);
	draw_clip_left(lk, y++, 14, w - 12, dir, A_NORMAL);
	y += draw_text(lk, y, 14, w - 12, 2,
		       "credential.p12, certificate.pem and .cer, ca-certificate.pem and "
		       ".cer, instructions.md and instructions.html",
		       lk->attr[R_DIM], 1);
	y++;
	snprintf(line, sizeof line,
		 "The passphrase of credential.p12 is not in the folder: tell it to %s "
		 "by phone, or write it on paper and hand that over yourself.",
		 hs->first);
	y += 1 + draw_text(lk, y, 2, w, 3, line, lk->attr[R_WARN] | A_BOLD, 1);
	y += 1 + draw_text(lk, y, 2, w, 2,
			   "Print instructions.html and give it with the folder: it says how "
			   "to set the credential up and trust its CA.",
			   A_NORMAL, 1);
	if (y + 3 <= end) {
		draw_str(y++, 2, w,
			 id->form == FORM_CA ?
				 "Fingerprint (SHA-256) of their CA, to read on the phone" :
				 "Fingerprint (SHA-256), to read on the phone",
			 lk->attr[R_HEADING]);
		draw_text(lk, y, 4, w - 2, 2, id->form == FORM_CA ? id->ca_grouped : id->grouped,
			  A_BOLD, 1);
	}
	draw_status(lk, a->rows, a->cols, hs->trusted ? keys_home : keys_trust);
}

static void
handover_draw(const struct app *a, const void *sc)
{
	const struct handover_scr *hs = sc;

	switch (hs->stage) {
	case ST_FORM: draw_form(a, hs); break;
	case ST_GEN: draw_gen(a, hs); break;
	case ST_DONE: draw_done(a, hs); break;
	}
}

static int
handover_key(struct app *a, void *sc, int ch)
{
	struct handover_scr *hs = sc;
	int r;

	if (hs->stage == ST_GEN) {
		if (ch != 27)
			return 0;
		stop(a, hs);
		hs->stage = ST_FORM;
		return fail(hs, H_KEYPASS,
			    "Cancelled: the keys were thrown away and nothing was stored.");
	}
	if (hs->stage == ST_DONE) {
		if (ch == 27 || ch == 'q')
			return APP_HANDLED | APP_POP;
		if (ch == '\n' || ch == '\r' || ch == KEY_ENTER) {
			if (hs->trusted)
				return APP_HANDLED | APP_POP;
			trust_here(a, hs);
			return APP_HANDLED | APP_REDRAW;
		}
		return 0;
	}
	if (ch == 27)
		return APP_HANDLED | APP_POP;
	r = form_key(&hs->form, ch);
	if (r == FORM_IGNORED)
		return 0;
	if (r == FORM_EDITED)
		hs->msg[0] = '\0';
	notes(a, hs);
	if (r == FORM_PRESSED)
		return submit(a, hs);
	return APP_HANDLED | APP_REDRAW;
}

/* ---- Life cycle ---- */

static void
setup(struct handover_scr *hs)
{
	struct field *f = hs->f;
	char path[UI_PATH_MAX];

	f[H_NAME] = (struct field){.kind = FIELD_TEXT,
				   .label = "Their name",
				   .placeholder = "Grandpa Example"};
	f[H_ADDR] = (struct field){.kind = FIELD_TEXT,
				   .label = "Their address",
				   .placeholder = "grandpa@example.org"};
	f[H_HOME] = (struct field){.kind = FIELD_TEXT, .label = "Their home", .gap = 1};
	ui_path_fresh("padseal-for-someone", "", path, sizeof path);
	field_set(&f[H_HOME], path);
	f[H_OUT] = (struct field){.kind = FIELD_TEXT, .label = "Hand over in"};
	ui_path_fresh("padseal-handover", "", path, sizeof path);
	field_set(&f[H_OUT], path);
	f[H_KEYPASS] = (struct field){.kind = FIELD_SECRET,
				      .label = "Key passphrase",
				      .gap = 1,
				      .placeholder = "for their key in that home: you keep it"};
	f[H_KEYREP] = (struct field){.kind = FIELD_SECRET, .label = "Repeat"};
	f[H_FILEPASS] = (struct field){.kind = FIELD_SECRET,
				       .label = "File passphrase",
				       .gap = 1,
				       .placeholder = "opens the .p12: tell it to them"};
	f[H_FILEREP] = (struct field){.kind = FIELD_SECRET, .label = "Repeat", .enter_submits = 1};
	f[H_GO] =
		(struct field){.kind = FIELD_BUTTON, .label = "Make it and hand it over", .gap = 1};
	hs->form = (struct form){.f = hs->f,
				 .n = H_COUNT,
				 .focus = H_NAME,
				 .dflt = H_GO,
				 .label_w = LABEL_W};
}

static int
handover_enter(struct app *a, void *sc)
{
	struct handover_scr *hs = sc;

	setup(hs);
	notes(a, hs);
	return 0;
}

static void
handover_leave(struct app *a, void *sc)
{
	struct handover_scr *hs = sc;

	stop(a, hs);
	form_wipe(&hs->form);
	op_handover_res_clear(&hs->res);
	session_close(hs->other);
	hs->other = NULL;
}

static const struct screen_ops handover_ops = {
	.name = "handover",
	.help = "handover",
	.modal = 0,
	.enter = handover_enter,
	.draw = handover_draw,
	.key = handover_key,
	.tick = handover_tick,
	.leave = handover_leave,
};

int
scr_handover_open(struct app *a)
{
	return app_push(a, &handover_ops, xcalloc(1, sizeof(struct handover_scr)));
}
