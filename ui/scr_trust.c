#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "addr.h"
#include "form.h"
#include "fpr.h"
#include "isotime.h"
#include "op.h"
#include "peer.h"
#include "state.h"
#include "trust.h"
#include "ui.h"
#include "util.h"
#include "xalloc.h"

/* The Trust screen: the correspondent's certificate (who, key, validity,
 * fingerprint), what padseal thinks of it now, its checks, and one
 * deliberate action that trusts it and records how it was verified
 * (op_trust, as `padseal trust --verified` does).  Lint errors need an
 * extra confirmation (the --force of the command line, recorded); an
 * expired certificate is refused with the reason.  Trust can be withdrawn
 * here too (op_untrust). */

#define LABEL_W 10

enum { T_METHOD, T_TRUST, T_UNTRUST, T_COUNT };
enum tq { TQ_NONE, TQ_FORCE, TQ_UNTRUST };

/* The choices, in the order of enum verify_method from VERIFY_PHONE. */
static const char *const method_items[] = {
	"by phone: you read the fingerprints to each other on a call",
	"in person: you compared them face to face",
	"other: another channel you are sure of",
};

struct trust_scr {
	char hex[FPR_HEX_LEN];
	enum verify_method method_in; /* Verify matched just now, this way
					 (VERIFY_NONE: not just now) */
	struct peer_info *info;
	char email[ADDR_MAX], first[128];
	int trusted, forced, retired, changed;
	enum verify_method verified;
	char verified_at[ISO_TIME_LEN], received[ISO_TIME_LEN];
	char source[256];
	char until[ISO_TIME_LEN], rejected[ISO_TIME_LEN];
	char previous[FPR_COLON_LEN];
	size_t dups;
	char refusal[600]; /* why trust_check refuses even with force */
	size_t lint_errors;
	struct field f[T_COUNT];
	struct form form;
	int done; /* trusted just now */
	struct trust_done td;
	enum tq q;
	int answer;
	char msg[900];
	enum role msg_role;
};

/* ---- Loading ---- */

/* The record's facts first, from the session's state (borrowed: nothing
 * below keeps a pointer into it), then the certificate read and what
 * trusting it would meet. */
static int
load(struct app *a, struct trust_scr *ts, struct err *e)
{
	struct lint_report *lint = xcalloc(1, sizeof *lint);
	struct err why = ERR_INIT;
	const struct st_peer *p;
	const struct state *st;
	struct trust_status s;
	int rc = -1;

	if (ts->info == NULL)
		ts->info = xcalloc(1, sizeof *ts->info);
	if ((st = ui_state(a, e)) == NULL)
		goto out;
	if ((p = state_peer_by_hex(st, ts->hex)) == NULL) {
		err_set(e, "That certificate is no longer in this home.");
		goto out;
	}
	snprintf(ts->email, sizeof ts->email, "%s", p->addr[0]);
	ts->verified = p->verified;
	snprintf(ts->verified_at, sizeof ts->verified_at, "%s", p->verified_at);
	snprintf(ts->received, sizeof ts->received, "%s", p->received);
	snprintf(ts->source, sizeof ts->source, "%s", p->source != NULL ? p->source : "");
	snprintf(ts->until, sizeof ts->until, "%s", p->untrusted_at);
	snprintf(ts->rejected, sizeof ts->rejected, "%s", p->rejected_at);
	ts->forced = p->forced;
	trust_status_peer(st, p, &s);
	ts->trusted = s.trusted;
	ts->retired = s.retired;
	ts->changed = s.changed != NULL;
	ts->previous[0] = '\0';
	if (s.changed != NULL)
		peer_colon(s.changed, ts->previous);
	ts->dups = trust_duplicates(st, p, NULL, 0);
	if (ui_peer_info(a, ts->hex, ts->info, e) != 0)
		goto out;
	ui_first_name(ts->info->name, ts->email, ts->first, sizeof ts->first);
	/* What trusting would meet: force only passes lint errors, never an
	 * expired certificate. */
	ts->refusal[0] = '\0';
	if (op_trust_check(a->s, ts->hex, 1, time(NULL), lint, &why) != 0)
		snprintf(ts->refusal, sizeof ts->refusal, "%s", why.msg);
	ts->lint_errors = lint_count(&ts->info->lint, LINT_ERROR);
	rc = 0;
out:
	free(lint);
	return rc;
}

static void
labels(struct trust_scr *ts)
{
	struct field *f = ts->f;

	f[T_TRUST].label =
		ts->trusted ? "Record this verification again" : "Trust this certificate";
	f[T_UNTRUST].label = ts->trusted ? "Withdraw trust" : "Set it aside: never trust it";
	f[T_UNTRUST].hidden = ts->retired;
	if (ts->form.focus == T_UNTRUST && f[T_UNTRUST].hidden)
		form_focus(&ts->form, T_TRUST);
}

/* ---- Acting ---- */

static int
fail(struct trust_scr *ts, const char *msg)
{
	snprintf(ts->msg, sizeof ts->msg, "%s", msg);
	ts->msg_role = R_ERROR;
	return APP_HANDLED | APP_REDRAW;
}

/* As `padseal trust --verified METHOD [--force]`: op_trust checks again
 * with the home locked, records, saves. */
static int
do_trust(struct app *a, struct trust_scr *ts, int force)
{
	enum verify_method method = (enum verify_method)(VERIFY_PHONE + ts->f[T_METHOD].sel);
	struct op_trust_res res;
	struct err e = ERR_INIT;

	if (op_trust(a->s, ts->hex, method, force, time(NULL), &res, &e) != 0)
		return fail(ts, e.msg);
	ts->td = res.done;
	ts->done = 1;
	ts->msg[0] = '\0';
	load(a, ts, &e);
	labels(ts);
	return APP_HANDLED | APP_REDRAW;
}

static int
ask_trust(struct app *a, struct trust_scr *ts)
{
	/* Cancel first: Enter, pressed twice in a hurry, does not trust it. */
	static const char *const buttons[] = {"Cancel", "Trust it anyway"};
	const struct lint_report *lint = &ts->info->lint;
	const char *first = "";
	char text[1400], more[96] = "";

	if (ts->refusal[0] != '\0')
		return fail(ts, ts->refusal);
	if (ts->lint_errors == 0)
		return do_trust(a, ts, 0);
	for (size_t i = 0; i < lint->n && first[0] == '\0'; i++)
		if (lint->f[i].sev == LINT_ERROR)
			first = lint->f[i].text;
	if (ts->lint_errors > 1)
		snprintf(more, sizeof more, " And %zu more problem%s: padseal lint shows them all.",
			 ts->lint_errors - 1, ts->lint_errors == 2 ? "" : "s");
	snprintf(text, sizeof text,
		 "Some mail programs will reject this certificate, whatever you do "
		 "here: %s%s\n\nBetter: ask %s for a new certificate. Trusting this "
		 "one anyway is recorded as forced.",
		 first, more, ts->first);
	ts->q = TQ_FORCE;
	return app_ask(a, "It will not work everywhere", text, buttons, 2, &ts->answer);
}

static int
ask_untrust(struct app *a, struct trust_scr *ts)
{
	static const char *const buttons[] = {"Yes", "Cancel"};
	char text[700];

	snprintf(text, sizeof text,
		 ts->trusted ? "Stop trusting %s's certificate? Mail signed with "
			       "it then shows as not trusted. padseal keeps it, "
			       "so old signed mail stays checkable." :
			       "Set %s's certificate aside? padseal then stops "
			       "asking you to verify it and keeps it only to "
			       "check old mail.",
		 ts->first);
	ts->q = TQ_UNTRUST;
	return app_ask(a, ts->trusted ? "Withdraw trust" : "Set aside", text, buttons, 2,
		       &ts->answer);
}

/* As `padseal untrust` (op_untrust). */
static int
do_untrust(struct app *a, struct trust_scr *ts)
{
	struct op_untrust_res res;
	struct err e = ERR_INIT;

	if (op_untrust(a->s, ts->hex, time(NULL), &res, &e) != 0)
		return fail(ts, e.msg);
	load(a, ts, &e);
	labels(ts);
	snprintf(ts->msg, sizeof ts->msg, "%s",
		 res.done == UNTRUST_WITHDRAWN ?
			 "No longer trusted. padseal keeps the certificate, "
			 "so old signed mail stays checkable." :
			 "Set aside: padseal keeps it only to check old "
			 "mail.");
	ts->msg_role = R_WARN;
	return APP_HANDLED | APP_REDRAW;
}

/* ---- Drawing ---- */

static const char *
method_text(enum verify_method m)
{
	return m == VERIFY_PHONE     ? "by phone" :
	       m == VERIFY_IN_PERSON ? "in person" :
				       "by other means";
}

/* Who, key, validity, fingerprint.  Returns the row after. */
static int
draw_cert(const struct app *a, const struct trust_scr *ts, int y)
{
	const struct look *lk = &a->look;
	const struct peer_info *in = ts->info;
	size_t ml = strcspn(in->emails, ",");
	char line[1400], grouped[FPR_GROUPED_LEN];
	int w = a->cols - 4;

	snprintf(line, sizeof line, "%s%s<%s>", in->name, in->name[0] ? " " : "", ts->email);
	draw_clip(lk, y++, 2, w, line, A_BOLD);
	if (in->emails[ml] == ',') {
		snprintf(line, sizeof line, "also %s", in->emails + ml + 1);
		draw_clip(lk, y++, 2, w, line, A_NORMAL);
	}
	/* The file it came from, on the same line when it fits, else on
	 * its own, cut from the left: the end of a path tells files apart. */
	snprintf(line, sizeof line, "%s, valid until %.10s; received %.10s", in->key, in->not_after,
		 ts->received);
	if (ts->source[0] != '\0') {
		size_t n = strlen(line);

		snprintf(line + n, sizeof line - n, " from %s", ts->source);
		if (text_width(line) > w) /* the file tells more than the day */
			snprintf(line, sizeof line, "%s, until %.10s; received from %s", in->key,
				 in->not_after, ts->source);
		if (text_width(line) > w) {
			snprintf(line, sizeof line, "%s, valid until %.10s; received %.10s",
				 in->key, in->not_after, ts->received);
			draw_clip(lk, y++, 2, w, line, lk->attr[R_DIM]);
			snprintf(line, sizeof line, "from %s", ts->source);
			draw_clip_left(lk, y++, 2, w, line, lk->attr[R_DIM]);
			line[0] = '\0';
		}
	}
	if (line[0] != '\0')
		draw_clip(lk, y++, 2, w, line, lk->attr[R_DIM]);
	fpr_grouped(in->sha256, 32, grouped, sizeof grouped);
	return y + 1 + draw_text(lk, y + 1, 4, w - 2, 2, grouped, A_NORMAL, 1);
}

/* One line with a symbol: returns the row after. */
static int
mark_line(const struct app *a, int y, const char *sym, enum role role, const char *text, int end)
{
	const struct look *lk = &a->look;

	if (y >= end)
		return y;
	draw_str(y, 2, 1, sym, lk->attr[role] | A_BOLD);
	return y + draw_text(lk, y, 4, a->cols - 6, end - y, text, lk->attr[role], 1);
}

static int
draw_state(const struct app *a, const struct trust_scr *ts, int y, int end)
{
	const struct look *lk = &a->look;
	char line[700];

	if (ts->trusted) {
		snprintf(line, sizeof line, "Trusted: verified %s on %.10s%s.",
			 method_text(ts->verified), ts->verified_at,
			 ts->forced ? ", forced past lint errors" : "");
		y = mark_line(a, y, lk->sym->ok, R_DONE, line, end);
	} else if (ts->until[0] != '\0') {
		snprintf(line, sizeof line, "Not trusted: was trusted until %.10s.", ts->until);
		y = mark_line(a, y, lk->sym->warn, R_WARN, line, end);
	} else if (ts->rejected[0] != '\0') {
		snprintf(line, sizeof line, "Not trusted: set aside on %.10s.", ts->rejected);
		y = mark_line(a, y, lk->sym->warn, R_WARN, line, end);
	} else {
		y = mark_line(a, y, lk->sym->todo, R_NEXT, "Not trusted yet.", end);
	}
	if (ts->method_in != VERIFY_NONE) {
		snprintf(line, sizeof line, "You and %s compared every group just now (%s).",
			 ts->first, method_text(ts->method_in));
		y = mark_line(a, y, lk->sym->ok, R_DONE, line, end);
	}
	if (ts->changed && !ts->trusted) {
		snprintf(line, sizeof line,
			 "An address of it belonged to a certificate you "
			 "trusted%s%s: verify this one by phone first.",
			 ts->previous[0] ? ", " : "", ts->previous);
		y = mark_line(a, y, lk->sym->warn, R_ERROR, line, end);
	}
	if (ts->dups > 0) {
		snprintf(line, sizeof line,
			 "padseal holds another certificate for %s; trusting "
			 "this one withdraws trust from the other.",
			 ts->email);
		y = mark_line(a, y, lk->sym->warn, R_WARN, line, end);
	}
	if (ts->refusal[0] != '\0')
		y = mark_line(a, y, lk->sym->bad, R_ERROR, ts->refusal, end);
	return y;
}

static void
draw_form(const struct app *a, const struct trust_scr *ts)
{
	const struct look *lk = &a->look;
	struct keyhint keys[10];
	char title[400];
	int y, end, fh, w = a->cols - 4;

	snprintf(title, sizeof title, "Trust %s", ts->email);
	end = app_frame(a, title, ts->msg, ts->msg_role);
	fh = form_height(lk, &ts->form, w);
	y = draw_cert(a, ts, 2);
	y = draw_state(a, ts, y + 1, end - fh - 1);
	if (y + 2 < end - fh - 1) {
		draw_str(y + 1, 2, w, "Checks: will mail programs accept it?", lk->attr[R_HEADING]);
		ui_draw_lint(lk, &ts->info->lint, y + 2, 2, w, end - fh - 1,
			     "padseal lint shows them all");
	}
	form_draw(lk, &ts->form, end - fh, 2, w, fh);
	form_hints(lk, &ts->form, NULL, "home", keys, 10);
	draw_status(lk, a->rows, a->cols, keys);
}

static void
draw_done(const struct app *a, const struct trust_scr *ts)
{
	static const struct keyhint keys[] = {{"Enter", "test"},
					      {"i", "mail programs"},
					      {"Esc", "home"},
					      {"?", "help"},
					      {NULL, NULL}};
	const struct look *lk = &a->look;
	char title[400], line[900];
	int y = 2, w = a->cols - 4, end;

	snprintf(title, sizeof title, "Trust %s", ts->email);
	snprintf(line, sizeof line,
		 "Next: test. You and %s send each other the four kinds of "
		 "message and check what arrives. Enter opens the test.",
		 ts->first);
	end = app_frame(a, title, line, R_NEXT);
	snprintf(line, sizeof line, "%s %s's certificate, verified %s.",
		 ts->td.was_trusted ? "Still trusting" : "Trusted", ts->first,
		 method_text(ts->verified));
	y = mark_line(a, y, lk->sym->ok, R_DONE, line, end) + 1;
	y = draw_cert(a, ts, y) + 1;
	snprintf(line, sizeof line,
		 "Only this exact certificate is trusted: a new certificate "
		 "for %s will need verifying again.",
		 ts->email);
	y += 1 + draw_text(lk, y, 2, w, end - y, line, A_NORMAL, 1);
	y += 1 + draw_text(lk, y, 2, w, end - y,
			   "Trust them in your mail programs too: i prepares each one "
			   "with everyone you trust.",
			   A_NORMAL, 1);
	if (ts->td.forced)
		y = mark_line(a, y, lk->sym->warn, R_WARN,
			      "Trusted despite its lint errors (recorded): mail "
			      "programs may still reject it.",
			      end);
	if (ts->td.was_changed)
		y = mark_line(a, y, "i", R_DIM,
			      "It had been flagged as changed; you verified "
			      "this one, so the flag is cleared.",
			      end);
	if (ts->td.n_superseded > 0)
		mark_line(a, y, "i", R_DIM,
			  "The earlier certificate for the same address is no "
			  "longer trusted; padseal keeps it so old signed mail "
			  "stays checkable.",
			  end);
	draw_status(lk, a->rows, a->cols, keys);
}

static void
trust_draw(const struct app *a, const void *sc)
{
	const struct trust_scr *ts = sc;

	if (ts->done)
		draw_done(a, ts);
	else
		draw_form(a, ts);
}

/* ---- Keys and life cycle ---- */

static int
trust_key(struct app *a, void *sc, int ch)
{
	struct trust_scr *ts = sc;
	char hex[FPR_HEX_LEN];
	int r;

	if (ts->done) {
		if (ch == 27 || ch == 'q')
			return APP_HANDLED | APP_POP;
		if (ch == 'i')
			return APP_POP | scr_install_open(a);
		if (ch != '\n' && ch != '\r' && ch != KEY_ENTER)
			return 0;
		snprintf(hex, sizeof hex, "%s", ts->hex);
		return APP_POP | scr_test_open(a, hex);
	}
	if (ch == 27)
		return APP_HANDLED | APP_POP;
	r = form_key(&ts->form, ch);
	if (r == FORM_IGNORED)
		return 0;
	if (r == FORM_EDITED)
		ts->msg[0] = '\0';
	if (r != FORM_PRESSED)
		return APP_HANDLED | APP_REDRAW;
	return ts->form.focus == T_TRUST ? ask_trust(a, ts) : ask_untrust(a, ts);
}

static int
trust_resume(struct app *a, void *sc)
{
	struct trust_scr *ts = sc;
	enum tq q = ts->q;
	int answer = ts->answer;

	ts->q = TQ_NONE;
	ts->answer = -1;
	if (q == TQ_FORCE && answer == 1)
		return do_trust(a, ts, 1);
	if (q == TQ_UNTRUST && answer == 0)
		return do_untrust(a, ts);
	return APP_REDRAW;
}

static int
trust_enter(struct app *a, void *sc)
{
	struct trust_scr *ts = sc;
	struct field *f = ts->f;
	struct err e = ERR_INIT;
	enum verify_method want;

	if (load(a, ts, &e) != 0) {
		app_message_help(a, "Trust", e.msg, "trust");
		return -1;
	}
	f[T_METHOD] = (struct field){.kind = FIELD_CHOICE, .label = "Verified", .n_items = 3};
	for (int i = 0; i < 3; i++)
		f[T_METHOD].items[i] = method_items[i];
	want = ts->method_in != VERIFY_NONE ? ts->method_in : ts->verified;
	f[T_METHOD].sel = f[T_METHOD].hl = want != VERIFY_NONE ? (int)want - VERIFY_PHONE : 0;
	f[T_TRUST] = (struct field){.kind = FIELD_BUTTON, .gap = 1};
	f[T_UNTRUST] = (struct field){.kind = FIELD_BUTTON};
	ts->form = (struct form){.f = ts->f,
				 .n = T_COUNT,
				 /* Verify chose the method already. */
				 .focus = ts->method_in != VERIFY_NONE ? T_TRUST : T_METHOD,
				 .dflt = T_TRUST,
				 .label_w = LABEL_W};
	labels(ts);
	ts->answer = -1;
	return 0;
}

static void
trust_leave(struct app *a, void *sc)
{
	struct trust_scr *ts = sc;

	(void)a;
	free(ts->info);
	ts->info = NULL;
}

static const struct screen_ops trust_ops = {
	.name = "trust",
	.help = "trust",
	.modal = 0,
	.enter = trust_enter,
	.draw = trust_draw,
	.key = trust_key,
	.resume = trust_resume,
	.leave = trust_leave,
};

int
scr_trust_open(struct app *a, const char *hex, enum verify_method method)
{
	struct trust_scr *ts = xcalloc(1, sizeof *ts);

	snprintf(ts->hex, sizeof ts->hex, "%s", hex);
	ts->method_in = method;
	return app_push(a, &trust_ops, ts);
}
