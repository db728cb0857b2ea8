#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lint.h"
#include "op.h"
#include "pass.h"
#include "scr_create.h"
#include "ui.h"
#include "util.h"
#include "xalloc.h"

/* The Create screen, second half: the passphrase (twice, masked, with its
 * strength and the reason a weak one is refused), the key generated in a
 * thread while the screen keeps moving (Esc cancels), then the credential
 * stored by op_create, which the session keeps unlocked for the sitting,
 * and the result: the fingerprint to read aloud and the lint findings. */

/* A test hook: when PADSEAL_TEST_KEYGEN_GATE names a file, key generation
 * waits until that file exists (polling every GATE_POLL_MS), so that an
 * end-to-end test can resize or cancel while the key is being generated
 * without racing how long a key type takes.  A cancel ends the wait and
 * nothing is generated. */
#define GATE_ENV     "PADSEAL_TEST_KEYGEN_GATE"
#define GATE_POLL_MS 20

#define LABEL_W 12

/* ---- The passphrase ---- */

static void pass_notes(const struct app *a, struct create_scr *cs);

void
scr_create_pass_enter(const struct app *a, struct create_scr *cs)
{
	struct field *f = cs->pf;

	form_wipe(&cs->pform);
	f[P_PASS] = (struct field){.kind = FIELD_SECRET, .label = "Passphrase"};
	f[P_REPEAT] = (struct field){.kind = FIELD_SECRET, .label = "Repeat", .enter_submits = 1};
	f[P_GO] = (struct field){.kind = FIELD_BUTTON, .label = "Create my credential", .gap = 1};
	cs->pform = (struct form){.f = cs->pf,
				  .n = P_COUNT,
				  .focus = P_PASS,
				  .dflt = P_GO,
				  .label_w = LABEL_W};
	cs->msg[0] = '\0';
	pass_notes(a, cs);
}

static void
pass_notes(const struct app *a, struct create_scr *cs)
{
	field_strength_note(&a->look, &cs->pf[P_PASS]);
	field_repeat_note(&a->look, &cs->pf[P_REPEAT], &cs->pf[P_PASS]);
}

void
scr_create_pass_draw(const struct app *a, const struct create_scr *cs)
{
	const struct look *lk = &a->look;
	struct keyhint keys[10];
	char sum[600];
	int y = 2, w = a->cols - 4, end;

	end = app_frame(a, "Create your credential", cs->msg, cs->msg_role);
	scr_create_summary(cs, sum, sizeof sum);
	y += 1 + draw_text(lk, y, 2, w, 2, sum, A_BOLD, 1);
	y += 1 + draw_text(lk, y, 2, w, 4,
			   "Choose the passphrase that protects your private "
			   "key. padseal keeps the key encrypted with it and asks "
			   "for it whenever the key is used: to back it up, sign "
			   "or read encrypted mail. It is never shown or stored; "
			   "if you forget it, the key is lost.",
			   A_NORMAL, 1);
	form_draw(lk, &cs->pform, y, 2, w, end - y);
	form_hints(lk, &cs->pform, NULL, NULL, keys, 10);
	draw_status(lk, a->rows, a->cols, keys);
}

/* The test hook's wait: 0 to go on, -1 when cancelled meanwhile. */
static int
gate_wait(struct keygen *kg)
{
	const struct timespec step = {0, GATE_POLL_MS * 1000000L};

	while (kg->gate != NULL && access(kg->gate, F_OK) != 0) {
		if (atomic_load(&kg->cancel))
			return -1;
		nanosleep(&step, NULL);
	}
	return 0;
}

static void
keygen_run(void *arg)
{
	struct keygen *kg = arg;

	if (gate_wait(kg) != 0) {
		kg->rc = err_set(&kg->e, "cancelled");
		return;
	}
	kg->rc = ident_keygen(kg->key, &kg->nk, &kg->e);
	/* The CA form (the default) needs the CA's key as well. */
	if (kg->rc == 0)
		kg->rc = newkey_add_ca(kg->nk, &kg->e);
}

/* The key is wiped by newkey_free (EVP_PKEY_free clears private keys). */
static void
keygen_drop(void *arg)
{
	struct keygen *kg = arg;

	if (kg == NULL)
		return;
	newkey_free(kg->nk);
	free(kg->gate);
	free(kg);
}

static void
pass_fail(struct create_scr *cs, int field, const char *msg)
{
	snprintf(cs->msg, sizeof cs->msg, "%s", msg);
	cs->msg_role = R_ERROR;
	form_focus(&cs->pform, field);
}

/* Both passphrases checked: generate the key off the input loop. */
static int
start(struct app *a, struct create_scr *cs)
{
	struct field *p = &cs->pf[P_PASS], *r = &cs->pf[P_REPEAT];
	struct err e = ERR_INIT;
	const char *gate;
	char msg[600];
	int same;

	if (pass_check_new(p->text, NULL, &e) != 0) {
		snprintf(msg, sizeof msg, "This passphrase is refused: %s.", e.msg);
		pass_fail(cs, P_PASS, msg);
		return APP_HANDLED | APP_REDRAW;
	}
	same = p->len == r->len && memcmp(p->text, r->text, p->len) == 0;
	field_wipe(r); /* used: the repetition has done its job */
	pass_notes(a, cs);
	if (!same) {
		pass_fail(cs, P_REPEAT,
			  "The two passphrases differ: type the same one "
			  "again under Repeat.");
		return APP_HANDLED | APP_REDRAW;
	}
	cs->kg = xcalloc(1, sizeof *cs->kg);
	snprintf(cs->kg->key, sizeof cs->kg->key, "%s", cs->key_name[cs->key]);
	if ((gate = getenv(GATE_ENV)) != NULL && *gate != '\0')
		cs->kg->gate = xstrdup(gate);
	if ((cs->job = job_start(keygen_run, cs->kg)) == NULL) {
		keygen_drop(cs->kg);
		cs->kg = NULL;
		pass_fail(cs, P_PASS,
			  "padseal could not start a thread to generate the "
			  "key (the system is short of resources); try again.");
		return APP_HANDLED | APP_REDRAW;
	}
	cs->t0 = app_now_ms();
	cs->stage = ST_GEN;
	cs->msg[0] = '\0';
	return APP_HANDLED | APP_REDRAW;
}

int
scr_create_pass_key(struct app *a, struct create_scr *cs, int ch)
{
	int r;

	if (ch == 27) { /* Esc: back to the request, passphrases forgotten */
		form_wipe(&cs->pform);
		cs->stage = ST_FORM;
		cs->msg[0] = '\0';
		return APP_HANDLED | APP_REDRAW;
	}
	r = form_key(&cs->pform, ch);
	if (r == FORM_IGNORED)
		return 0;
	if (r == FORM_EDITED)
		cs->msg[0] = '\0';
	pass_notes(a, cs);
	if (r == FORM_PRESSED)
		return start(a, cs);
	return APP_HANDLED | APP_REDRAW;
}

/* ---- Generating ---- */

void
scr_create_stop(struct app *a, struct create_scr *cs)
{
	if (cs->job != NULL) {
		atomic_store(&cs->kg->cancel, 1);
		app_abandon(a, cs->job, keygen_drop, cs->kg);
	}
	cs->job = NULL;
	cs->kg = NULL;
	form_wipe(&cs->pform);
}

void
scr_create_gen_draw(const struct app *a, const struct create_scr *cs)
{
	static const struct keyhint keys[] = {{"Esc", "cancel"}, {"?", "help"}, {NULL, NULL}};
	const struct look *lk = &a->look;
	long ms = app_now_ms() - cs->t0;
	const char *spin = lk->sym->spin[(ms / 100) % lk->sym->n_spin];
	char line[200], sum[600], key[48];
	int y = 2, w = a->cols - 4;

	app_frame(a, "Create your credential", NULL, R_NORMAL);
	scr_create_summary(cs, sum, sizeof sum);
	y += 1 + draw_text(lk, y, 2, w, 2, sum, A_BOLD, 1);
	draw_str(y, 2, 1, spin, lk->attr[R_NEXT]);
	scr_create_key_short(cs, key, sizeof key);
	snprintf(line, sizeof line, "Generating your %s key pair: %lds", key, ms / 1000);
	draw_clip(lk, y, 4, w - 2, line, A_BOLD);
	y += 2;
	y += 1 + draw_text(lk, y, 2, w, 4,
			   "The key is made here, on this computer, from "
			   "fresh random numbers; it never leaves it "
			   "unencrypted. An RSA key takes a few seconds, RSA "
			   "4096 sometimes a minute on a slow machine; EC keys "
			   "are instant.",
			   A_NORMAL, 1);
	draw_text(lk, y, 2, w, 2, "Esc cancels: the key is thrown away and nothing is stored.",
		  lk->attr[R_DIM], 1);
	draw_status(lk, a->rows, a->cols, keys);
}

int
scr_create_gen_key(struct app *a, struct create_scr *cs, int ch)
{
	if (ch != 27)
		return 0; /* ? and F1 still open help; nothing else acts */
	scr_create_stop(a, cs);
	scr_create_pass_enter(a, cs);
	cs->stage = ST_PASS;
	snprintf(cs->msg, sizeof cs->msg,
		 "Cancelled: the key was thrown away and nothing was stored. "
		 "Type a passphrase to start again, or Esc to change the "
		 "request.");
	cs->msg_role = R_WARN;
	return APP_HANDLED | APP_REDRAW;
}

/* The key is there: store the credential (op_create, which checks the
 * request again and locks the home only now), and forget the
 * passphrase. */
static void
store(struct app *a, struct create_scr *cs, struct keygen *kg)
{
	struct op_create req = {.key = kg->nk, .now = time(NULL)};
	struct ui_pass up;
	struct err e = ERR_INIT;

	kg->nk = NULL; /* op_create takes it over */
	scr_create_request(cs, &req.req);
	ui_pass_init(&up);
	ui_pass_set(&up, PASS_NEW_KEY, &cs->pf[P_PASS]);
	if (kg->rc != 0)
		e = kg->e;
	else if (op_create(a->s, &req, &up.ask, &cs->id, &e) == 0)
		cs->stage = ST_DONE;
	keygen_drop(kg);
	if (cs->stage == ST_DONE) {
		form_wipe(&cs->pform);
		cs->msg[0] = '\0';
		return;
	}
	scr_create_pass_enter(a, cs); /* wipes the passphrase */
	cs->stage = ST_PASS;
	snprintf(cs->msg, sizeof cs->msg, "%s", e.msg);
	cs->msg_role = R_ERROR;
}

int
scr_create_gen_tick(struct app *a, struct create_scr *cs)
{
	struct keygen *kg = cs->kg;

	if (!job_done(cs->job))
		return APP_REDRAW; /* the indicator moves */
	job_join(cs->job);
	cs->job = NULL;
	cs->kg = NULL;
	store(a, cs, kg);
	return APP_REDRAW;
}

/* ---- The result ---- */

/* The lint findings in rows [y, end); returns the row after them. */
static int
draw_findings(const struct app *a, const struct ident *id, int y, int end)
{
	const struct look *lk = &a->look;

	draw_str(y++, 2, a->cols - 4, "Checks: will mail programs accept it?", lk->attr[R_HEADING]);
	return ui_draw_lint(lk, &id->lint, y, 2, a->cols - 4, end, "padseal show lists them all");
}

void
scr_create_done_draw(const struct app *a, const struct create_scr *cs)
{
	static const struct keyhint keys[] = {{"Enter", "back up now"},
					      {"Esc", "home"},
					      {"?", "help"},
					      {NULL, NULL}};
	const struct look *lk = &a->look;
	const struct ident *id = &cs->id;
	int y = 2, w = a->cols - 4, end;
	char line[700];

	end = app_frame(a, "Create your credential",
			"Next: back it up. Without a backup, a broken disk "
			"makes every mail encrypted to you unreadable for "
			"good. Enter backs it up now.",
			R_NEXT);
	draw_str(y, 2, 1, lk->sym->ok, lk->attr[R_DONE] | A_BOLD);
	draw_str(y, 4, w - 2, "Your credential is made and stored in this home.",
		 lk->attr[R_DONE] | A_BOLD);
	y += 2;
	snprintf(line, sizeof line, "%s <%s>", id->name, id->n_emails ? id->emails[0] : "");
	y += draw_text(lk, y, 2, w, 2, line, A_BOLD, 1);
	if (id->n_emails > 1) {
		size_t o = (size_t)snprintf(line, sizeof line, "also");

		for (size_t i = 1; i < id->n_emails && o < sizeof line; i++)
			o += (size_t)snprintf(line + o, sizeof line - o, "%s %s", i > 1 ? "," : "",
					      id->emails[i]);
		y += draw_text(lk, y, 2, w, 2, line, A_NORMAL, 1);
	}
	/* The serial number matters to programs only: padseal show has it. */
	snprintf(line, sizeof line, "%s key, valid until %.10s", id->key, id->not_after);
	draw_clip(lk, y++, 2, w, line, A_NORMAL);
	if (id->form == FORM_CA) {
		snprintf(line, sizeof line,
			 "Issued by your own CA (until %.10s): valid in every mail program, renewals need no new call",
			 id->ca_not_after);
		y += draw_text(lk, y, 2, w, 2, line, A_NORMAL, 1);
	}
	y++;
	draw_str(y++, 2, w,
		 id->ca_hex[0] ?
			 "Fingerprint (SHA-256) of your own CA: the code you read out at Verify" :
			 "Fingerprint (SHA-256): the code you read out on the phone at Verify",
		 lk->attr[R_HEADING]);
	y += draw_text(lk, y, 4, w - 2, 2, id->ca_hex[0] ? id->ca_grouped : id->grouped, A_BOLD, 1);
	/* The grouped form is two lines of numbered groups, kept whole. */
	y++;
	draw_findings(a, id, y, end);
	draw_status(lk, a->rows, a->cols, keys);
}

int
scr_create_done_key(struct app *a, struct create_scr *cs, int ch)
{
	(void)cs;
	switch (ch) {
	case '\n':
	case '\r':
	case KEY_ENTER:
		/* Close this screen and open Back up over the home. */
		return APP_POP | scr_backup_open(a);
	case 27:
	case 'q': return APP_HANDLED | APP_POP;
	}
	return 0;
}
