#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "form.h"
#include "ident.h"
#include "op.h"
#include "ui.h"
#include "util.h"
#include "xalloc.h"

/* The Renew screen: a new mail certificate from your own CA, with a new
 * key, as `padseal renew` does (op_renew).  The old certificate and key are
 * archived, never deleted.  Correspondents who trust the CA take the new
 * one without a new phone call; it still has to reach them (Exchange) and
 * be backed up. */

#define LABEL_W 16

enum { R_UNLOCK, R_GO, R_COUNT };

struct renew_scr {
	struct field f[R_COUNT];
	struct form form;
	int working; /* submitted: the next tick renews (the screen says so) */
	int done;
	char old_until[32], ca_until[32];
	struct ident id; /* the new one, once done */
	char msg[700];
	enum role msg_role;
};

static int
fail(struct renew_scr *rs, const char *msg)
{
	snprintf(rs->msg, sizeof rs->msg, "%s", msg);
	rs->msg_role = R_ERROR;
	form_focus(&rs->form, rs->f[R_UNLOCK].hidden ? R_GO : R_UNLOCK);
	return APP_HANDLED | APP_REDRAW;
}

static int
submit(struct app *a, struct renew_scr *rs)
{
	struct ui_pass up;
	struct err e = ERR_INIT;
	char msg[700];
	int rc;

	if (rs->f[R_UNLOCK].len == 0 && ui_key_needed(a))
		return fail(rs, "Type the passphrase of your key: the one you chose when you "
				"created your credential.");
	if (!rs->working) {
		snprintf(rs->msg, sizeof rs->msg, "Making your new key and certificate: a moment.");
		rs->msg_role = R_NORMAL;
		rs->working = 1;
		return APP_HANDLED | APP_REDRAW;
	}
	rs->working = 0;
	ui_pass_init(&up);
	ui_pass_set(&up, PASS_KEY, &rs->f[R_UNLOCK]);
	rc = op_renew(a->s, 0, 0, time(NULL), &up.ask, &rs->id, &e);
	field_wipe(&rs->f[R_UNLOCK]);
	if (rc != 0) {
		snprintf(msg, sizeof msg, "%s.", e.msg);
		return fail(rs, msg);
	}
	rs->msg[0] = '\0';
	rs->done = 1;
	return APP_HANDLED | APP_REDRAW;
}

static int
renew_tick(struct app *a, void *sc)
{
	struct renew_scr *rs = sc;

	if (!rs->working)
		return 0;
	submit(a, rs);
	return APP_REDRAW;
}

static void
renew_draw(const struct app *a, const void *sc)
{
	static const struct keyhint done_keys[] = {{"Enter", "send it"},
						   {"Esc", "home"},
						   {"?", "help"},
						   {NULL, NULL}};
	const struct renew_scr *rs = sc;
	const struct look *lk = &a->look;
	struct keyhint keys[10];
	int y = 2, w = a->cols - 4, end;
	char line[900];

	if (rs->done) {
		end = app_frame(a, "Renew your certificate",
				"Next: send the new certificate to each correspondent (Enter "
				"opens Exchange), then back it up.",
				R_NEXT);
		draw_str(y, 2, 1, lk->sym->ok, lk->attr[R_DONE] | A_BOLD);
		draw_str(y, 4, w - 2, "Renewed.", lk->attr[R_DONE] | A_BOLD);
		y += 2;
		snprintf(line, sizeof line,
			 "A new certificate for %s <%s>, with a new key, valid until %.10s, "
			 "issued by your own CA (until %.10s).",
			 rs->id.name, rs->id.n_emails ? rs->id.emails[0] : "", rs->id.not_after,
			 rs->id.ca_not_after);
		y += 1 + draw_text(lk, y, 2, w, 3, line, A_NORMAL, 1);
		y += 1 + draw_text(lk, y, 2, w, end - y,
				   "The old certificate and its key are kept, archived: mail "
				   "encrypted to them stays readable.",
				   A_NORMAL, 1);
		draw_text(lk, y, 2, w, end - y,
			  "Your correspondents trust your CA: they take the new "
			  "certificate without a new phone call, once it reaches them "
			  "(your next signed mail carries it, or Exchange sends it now).",
			  A_NORMAL, 1);
		draw_status(lk, a->rows, a->cols, done_keys);
		return;
	}
	end = app_frame(a, "Renew your certificate", rs->msg, rs->msg_role);
	snprintf(line, sizeof line,
		 "Your certificate ends on %.10s. Your own CA (valid until %.10s) issues a "
		 "new one, with a new key; the old ones are kept to read old mail. Your "
		 "correspondents trust your CA, so they need no new phone call.",
		 rs->old_until, rs->ca_until);
	y += draw_text(lk, y, 2, w, 4, line, A_NORMAL, 1);
	form_draw(lk, &rs->form, y + 1, 2, w, end - y - 1);
	form_hints(lk, &rs->form, NULL, "home", keys, 10);
	draw_status(lk, a->rows, a->cols, keys);
}

static int
renew_key(struct app *a, void *sc, int ch)
{
	struct renew_scr *rs = sc;
	int r;

	if (rs->working)
		return APP_HANDLED; /* keys wait for the work */
	if (rs->done) {
		if (ch == '\n' || ch == '\r' || ch == KEY_ENTER)
			return APP_POP | scr_exchange_open(a, NULL, 0);
		return ch == 27 || ch == 'q' ? APP_HANDLED | APP_POP : 0;
	}
	if (ch == 27)
		return APP_HANDLED | APP_POP;
	rs->f[R_UNLOCK].hidden = 0;
	ui_key_field(a, &rs->form, R_UNLOCK);
	r = form_key(&rs->form, ch);
	if (r == FORM_IGNORED)
		return 0;
	if (r == FORM_EDITED)
		rs->msg[0] = '\0';
	if (r == FORM_PRESSED)
		return submit(a, rs);
	return APP_HANDLED | APP_REDRAW;
}

static int
renew_enter(struct app *a, void *sc)
{
	struct renew_scr *rs = sc;
	struct ident id;
	struct err e = ERR_INIT;
	int rc = ui_ident(a, &id, &e);

	if (rc == 1 && (id.form != FORM_CA || !id.ca_key))
		rc = err_set(&e, "Your credential has no CA of its own here to renew it: make a "
				 "new one (step 1) and send it to your correspondents.");
	if (rc == 0)
		rc = err_set(&e, "There is no credential to renew yet: step 1 creates it.");
	if (rc < 0) {
		ident_clear(&id);
		app_message_help(a, "Renew", e.msg, "home");
		return -1;
	}
	snprintf(rs->old_until, sizeof rs->old_until, "%s", id.not_after);
	snprintf(rs->ca_until, sizeof rs->ca_until, "%s", id.ca_not_after);
	ident_clear(&id);
	rs->f[R_UNLOCK] = (struct field){.kind = FIELD_SECRET,
					 .label = "Key passphrase",
					 .placeholder = UI_KEY_PLACEHOLDER,
					 .enter_submits = 1};
	rs->f[R_GO] = (struct field){.kind = FIELD_BUTTON, .label = "Renew it", .gap = 1};
	rs->form = (struct form){.f = rs->f,
				 .n = R_COUNT,
				 .focus = R_UNLOCK,
				 .dflt = R_GO,
				 .label_w = LABEL_W};
	ui_key_field(a, &rs->form, R_UNLOCK);
	if (rs->f[R_UNLOCK].hidden)
		form_focus(&rs->form, R_GO);
	return 0;
}

static void
renew_leave(struct app *a, void *sc)
{
	struct renew_scr *rs = sc;

	(void)a;
	form_wipe(&rs->form);
	ident_clear(&rs->id);
}

static const struct screen_ops renew_ops = {
	.name = "renew",
	.help = "home",
	.modal = 0,
	.enter = renew_enter,
	.draw = renew_draw,
	.key = renew_key,
	.tick = renew_tick,
	.leave = renew_leave,
};

int
scr_renew_open(struct app *a)
{
	return app_push(a, &renew_ops, xcalloc(1, sizeof(struct renew_scr)));
}
