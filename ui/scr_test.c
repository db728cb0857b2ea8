#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "form.h"
#include "mailer.h"
#include "matrix.h"
#include "op.h"
#include "scr_test.h"
#include "state.h"
#include "trust.h"
#include "ui.h"
#include "util.h"
#include "xalloc.h"

/* The Test screen: the 2x4 table of the test with one correspondent
 * (outgoing and incoming x plain, signed, encrypted, signed and
 * encrypted), each cell's state as a symbol, a word and a colour, and the
 * reason recorded with it.  Actions, through the operations the matrix
 * verbs call: write the four outgoing messages to a folder (s,
 * op_matrix_send), check received messages or your own sent copies, one
 * file or every .eml of a folder (c, op_matrix_check: scr_test_check.c),
 * and record what the correspondent reported of an outgoing one (Enter,
 * op_matrix_confirm). */

#define LABEL_W     15
#define TABLE_Y     4
#define ROW_LABEL_W 10
#define CELL_W      16

static const char *const kind_title[KIND_COUNT] = {"plain", "signed", "encrypted",
						   "signed+encrypted"};
/* What the correspondent's mail program shows when a cell passes. */
static const char *const kind_shows[KIND_COUNT] = {
	"arrived and could be read",
	"showed a valid signature from you",
	"opened: their mail program decrypted it",
	"opened and showed a valid signature from you",
};

/* ---- Loading ---- */

/* The correspondent's record as the session's state has it now. */
int
scr_test_load(struct app *a, struct test_scr *ts, struct err *e)
{
	const struct state *st = ui_state(a, e);
	const struct st_peer *p;
	struct trust_status s;

	if (st == NULL)
		return -1;
	if ((p = state_peer_by_hex(st, ts->hex)) == NULL)
		return err_set(e, "That certificate is no longer in this home.");
	snprintf(ts->email, sizeof ts->email, "%s", p->addr[0]);
	ui_first_name(p->name, ts->email, ts->first, sizeof ts->first);
	trust_status_peer(st, p, &s);
	ts->trusted = s.trusted;
	for (int d = 0; d < DIR_COUNT; d++)
		for (int k = 0; k < KIND_COUNT; k++) {
			const struct st_cell *c = &p->cell[d][k];

			ts->cell[d][k] = c->state;
			snprintf(ts->why[d][k], MATRIX_WHY_MAX, "%s", c->why != NULL ? c->why : "");
			snprintf(ts->by[d][k], CELL_BY_MAX, "%s", c->by != NULL ? c->by : "");
			ts->shown[d][k] = c->shown;
		}
	return 0;
}

/* Passed with padseal's own message (or one recorded before padseal kept
 * who wrote it): the rehearsal, not the test. */
static int
rehearsed(const struct test_scr *ts, int d, int k)
{
	return ts->cell[d][k] == CELL_PASSED &&
	       !matrix_by_program(ts->by[d][k][0] ? ts->by[d][k] : NULL);
}

/* Cells passed with any message, and with a mail program's (`tested`). */
static int
passed(const struct test_scr *ts, int *tested)
{
	int n = 0;

	*tested = 0;
	for (int d = 0; d < DIR_COUNT; d++)
		for (int k = 0; k < KIND_COUNT; k++) {
			n += ts->cell[d][k] == CELL_PASSED;
			*tested += ts->cell[d][k] == CELL_PASSED && !rehearsed(ts, d, k);
		}
	return n;
}

int
scr_test_say(struct test_scr *ts, enum role role, const char *text)
{
	snprintf(ts->msg, sizeof ts->msg, "%s", text);
	ts->msg_role = role;
	return APP_HANDLED | APP_REDRAW;
}

/* ---- Sending ---- */

/* Sending through the kept mail server (rather than writing files)? */
static int
sending(const struct test_scr *ts)
{
	return !ts->sf[S_HOW].hidden && ts->sf[S_HOW].sel == 0;
}

/* The send form's fields as the choice asks: the folder for files; the
 * mail password (when the server wants a login) to send. */
static void
send_fields(struct app *a, struct test_scr *ts)
{
	struct field *s = ts->sf;
	char user[MAILSET_MAX] = "";
	struct mail_server srv;
	struct err e = ERR_INIT;
	int mail = sending(ts);

	s[S_DIR].hidden = mail;
	s[S_MAILPASS].hidden = 1;
	if (!s[S_HOW].hidden && mailset_smtp(&ts->kept, NULL, user, sizeof user, &srv, &e) == 0)
		field_note(&s[S_HOW], R_DIM, NULL,
			   "Your mail server, kept with padseal settings: %s%s%s.", ts->kept.smtp,
			   user[0] ? " as " : "", user);
	s[S_MAILPASS].hidden = !mail || user[0] == '\0';
	if (s[S_MAILPASS].hidden)
		field_wipe(&s[S_MAILPASS]);
	s[S_GO].label = mail ? "Send the four messages" : "Write the four messages";
	s[S_PASS].hidden = 0;
	ui_key_field(a, &ts->sform, S_PASS);
}

static int
open_send(struct app *a, struct test_scr *ts)
{
	char stem[400], path[UI_PATH_MAX], text[600];
	struct err e = ERR_INIT;

	if (!ts->trusted) {
		snprintf(text, sizeof text,
			 "%s's certificate is not trusted yet, so padseal does "
			 "not encrypt to it: compare fingerprints (step 4) and "
			 "trust it (step 5) first.",
			 ts->first);
		return scr_test_say(ts, R_ERROR, text);
	}
	snprintf(stem, sizeof stem, "padseal-test-for-%s", ts->email);
	ui_path_fresh(stem, "", path, sizeof path);
	field_set(&ts->sf[S_DIR], path);
	field_note(&ts->sf[S_DIR], R_DIM, NULL,
		   "A folder for plain.eml, signed.eml, encrypted.eml and "
		   "signed-encrypted.eml; made if needed.");
	if (op_mail_settings(a->s, &ts->kept, &e) != 0)
		memset(&ts->kept, 0, sizeof ts->kept); /* status says what is wrong */
	ts->sf[S_HOW].hidden = ts->kept.smtp[0] == '\0';
	ts->sf[S_HOW].sel = ts->sf[S_HOW].hl = 0;
	send_fields(a, ts);
	form_focus(&ts->sform, !ts->sf[S_MAILPASS].hidden ? S_MAILPASS : S_PASS);
	ts->mode = TM_SEND;
	ts->msg[0] = '\0';
	return APP_HANDLED | APP_REDRAW;
}

/* As `padseal matrix send`: every refusal before the passphrase is
 * asked for (op_matrix_send_check), then op_matrix_send writes the four
 * messages and marks the cells, all or nothing; or, through the mail
 * server kept, op_matrix_send_mail sends them (with the password typed
 * here, never kept). */
static int
do_send(struct app *a, struct test_scr *ts)
{
	struct field *pass = &ts->sf[S_PASS], *mpass = &ts->sf[S_MAILPASS];
	char dir[UI_PATH_MAX] = "", where[UI_PATH_MAX], text[1500], user[MAILSET_MAX] = "";
	struct mail_server srv;
	struct mailer m = {.smtp = &srv};
	struct op_send_res res;
	struct ui_pass up;
	struct err e = ERR_INIT;
	time_t now = time(NULL);
	int mail = sending(ts), rc;

	if (mail) {
		if (mailset_smtp(&ts->kept, mpass->text, user, sizeof user, &srv, &e) != 0)
			return scr_test_say(ts, R_ERROR, e.msg);
		if (user[0] && mpass->len == 0) {
			form_focus(&ts->sform, S_MAILPASS);
			return scr_test_say(ts, R_ERROR,
					    "Type the password of your mail server (padseal never keeps it).");
		}
	} else {
		ui_path_expand(ts->sf[S_DIR].text, dir, sizeof dir);
		if (dir[0] == '\0')
			return scr_test_say(ts, R_ERROR, "A folder is needed for the messages.");
	}
	if (op_matrix_send_check(a->s, ts->hex, mail ? NULL : dir, 0, now, &e) != 0) {
		form_focus(&ts->sform, mail ? S_HOW : S_DIR);
		return scr_test_say(ts, R_ERROR, e.msg);
	}
	if (pass->len == 0 && ui_key_needed(a)) {
		form_focus(&ts->sform, S_PASS);
		return scr_test_say(ts, R_ERROR,
				    "Type the passphrase of your key: the "
				    "signed messages are signed with it.");
	}
	if (mail && !ts->send_now) {
		/* Sent at the next tick, so that the screen says it first: a
		 * server may take a few seconds. */
		ts->send_now = 1;
		return scr_test_say(ts, R_NORMAL,
				    "Sending the four test messages through your mail server...");
	}
	ts->send_now = 0;
	ui_pass_init(&up);
	ui_pass_set(&up, PASS_KEY, pass);
	if (mail)
		rc = op_matrix_send_mail(a->s, ts->hex, NULL, 0, now, &m, &up.ask, &res, &e);
	else
		rc = op_matrix_send(a->s, ts->hex, dir, 0, now, &up.ask, &res, &e);
	field_wipe(pass);
	field_wipe(mpass);
	if (rc != 0) {
		form_focus(&ts->sform, e.code == ERR_BAD_PASS ? S_PASS :
				       e.code == ERR_LOGIN    ? S_MAILPASS :
				       mail                   ? S_HOW :
								S_DIR);
		scr_test_load(a, ts, NULL); /* some may have gone: marked sent */
		send_fields(a, ts);         /* the key may be open now */
		return scr_test_say(ts, R_ERROR, e.msg);
	}
	scr_test_load(a, ts, &e);
	ts->mode = TM_TABLE;
	ts->cd = DIR_OUT;
	if (mail) {
		snprintf(text, sizeof text,
			 "Sent the four test messages to %s through your mail "
			 "server. When %s reports what arrived, Enter on its "
			 "cell records it; c checks your own sent copies.",
			 ts->email, ts->first);
		return scr_test_say(ts, R_DONE, text);
	}
	ui_path_label(dir, where, sizeof where);
	snprintf(text, sizeof text,
		 "Wrote the four test messages in %.300s. Send each "
		 "unchanged to %s (? says how). When %s reports what "
		 "arrived, Enter on its cell records it; c checks your own "
		 "sent copies.",
		 where, ts->email, ts->first);
	return scr_test_say(ts, R_DONE, text);
}

/* Select the first cell still open, where the user goes on. */
static void
first_open(struct test_scr *ts)
{
	for (int i = DIR_COUNT * KIND_COUNT - 1; i >= 0; i--)
		if (ts->cell[i / KIND_COUNT][i % KIND_COUNT] != CELL_PASSED) {
			ts->cd = i / KIND_COUNT;
			ts->ck = i % KIND_COUNT;
		}
}

/* ---- Confirming ---- */

/* What the person's own mail program shows of an incoming cell. */
static const char *const kind_shows_in[KIND_COUNT] = {
	"arrived and could be read",
	"showed a valid signature",
	"opened: your mail program decrypted it",
	"opened and showed a valid signature",
};

static int
ask_confirm(struct app *a, struct test_scr *ts)
{
	static const char *const buttons[] = {"Yes, it showed so", "Cancel"};
	char text[700];

	if (ts->shown[ts->cd][ts->ck])
		return scr_test_say(ts, R_NORMAL, "That one is confirmed already.");
	if (ts->cd == DIR_IN && ts->cell[DIR_IN][ts->ck] != CELL_PASSED)
		return scr_test_say(ts, R_NORMAL,
				    "Incoming messages pass when padseal checks them "
				    "(c, or m for the mailbox kept); then Enter records "
				    "that your mail program showed it correctly.");
	if (ts->cd == DIR_IN)
		snprintf(text, sizeof text,
			 "Did your mail program show %s's %s message as it should: %s?\n\n"
			 "padseal checked the message itself; this records what your "
			 "mail program made of it.",
			 ts->first, kind_title[ts->ck], kind_shows_in[ts->ck]);
	else
		snprintf(text, sizeof text,
			 "Did %s report that your %s message %s?\n\nRecord it only "
			 "on their word: that is what this cell proves.",
			 ts->first, kind_title[ts->ck], kind_shows[ts->ck]);
	ts->answer = -1;
	return app_ask(a, "Confirm", text, buttons, 2, &ts->answer);
}

/* As `padseal matrix confirm --cell out:KIND` (op_matrix_confirm). */
static int
do_confirm(struct app *a, struct test_scr *ts)
{
	char hex[FPR_HEX_LEN];
	struct err e = ERR_INIT;

	if (op_matrix_confirm(a->s, ts->hex, (enum cell_dir)ts->cd, (enum cell_kind)ts->ck,
			      time(NULL), hex, &e) != 0)
		return scr_test_say(ts, R_ERROR, e.msg);
	/* The cursor stays on the cell confirmed: moving it for them would
	 * make their next arrow key skip a cell. */
	scr_test_load(a, ts, &e);
	ts->msg[0] = '\0';
	return APP_HANDLED | APP_REDRAW;
}

/* ---- Drawing ---- */

static const char *
cell_sym(const struct look *lk, enum cell_state s)
{
	switch (s) {
	case CELL_PASSED: return lk->sym->ok;
	case CELL_FAILED: return lk->sym->bad;
	case CELL_SENT: return lk->sym->next;
	default: return lk->sym->todo;
	}
}

static enum role
cell_role(enum cell_state s, int rehearsal)
{
	return s == CELL_PASSED ? (rehearsal ? R_NEXT : R_DONE) :
	       s == CELL_FAILED ? R_ERROR :
	       s == CELL_SENT   ? R_NEXT :
				  R_TODO;
}

static const char *
cell_word(enum cell_state s, int rehearsal)
{
	return s == CELL_PASSED ? (rehearsal ? "rehearsed" : "passed") :
	       s == CELL_FAILED ? "failed" :
	       s == CELL_SENT   ? "sent" :
				  "to do";
}

static void
draw_table(const struct app *a, const struct test_scr *ts)
{
	const struct look *lk = &a->look;
	int x0 = 2 + ROW_LABEL_W;
	char text[64];

	for (int k = 0; k < KIND_COUNT; k++)
		draw_str(TABLE_Y, x0 + k * CELL_W + 2,
			 k + 1 < KIND_COUNT ? CELL_W - 2 : a->cols - 2 - x0 - k * CELL_W - 2,
			 kind_title[k], lk->attr[R_HEADING]);
	for (int d = 0; d < DIR_COUNT; d++) {
		int y = TABLE_Y + 1 + d;

		draw_str(y, 2, ROW_LABEL_W, d == DIR_OUT ? "outgoing" : "incoming", A_BOLD);
		for (int k = 0; k < KIND_COUNT; k++) {
			enum cell_state s = ts->cell[d][k];
			int sel = ts->mode == TM_TABLE && d == ts->cd && k == ts->ck;
			int r = rehearsed(ts, d, k);
			attr_t at = sel ? lk->attr[R_SELECT] | A_BOLD : lk->attr[cell_role(s, r)];

			snprintf(text, sizeof text, "%s %s", cell_sym(lk, s), cell_word(s, r));
			if (sel)
				draw_fill(y, x0 + k * CELL_W, CELL_W - 1, at);
			draw_str(y, x0 + k * CELL_W + 1, CELL_W - 2, text, at);
		}
	}
}

/* Who, and how far: the line above the table. */
static void
draw_head(const struct app *a, const struct test_scr *ts)
{
	const struct look *lk = &a->look;
	char line[600];
	int tested, n = passed(ts, &tested);

	if (n == DIR_COUNT * KIND_COUNT && tested < n) {
		draw_str(2, 2, 1, lk->sym->ok, lk->attr[R_NEXT] | A_BOLD);
		draw_clip(lk, 2, 4, a->cols - 6,
			  "Rehearsal passed (padseal's messages): now send from your mail programs.",
			  lk->attr[R_NEXT] | A_BOLD);
		return;
	}
	if (n == DIR_COUNT * KIND_COUNT) {
		snprintf(line, sizeof line,
			 "All eight passed: signed and encrypted mail works both "
			 "ways with %s.",
			 ts->first);
		draw_str(2, 2, 1, lk->sym->ok, lk->attr[R_DONE] | A_BOLD);
		draw_text(lk, 2, 4, a->cols - 6, 2, line, lk->attr[R_DONE] | A_BOLD, 1);
		return;
	}
	snprintf(line, sizeof line, "%s: %s; %d of 8 passed.", ts->email,
		 ts->trusted ? "trusted" : "not trusted yet", n);
	if (n > tested)
		snprintf(line + strlen(line) - 1, sizeof line - strlen(line) + 1,
			 " (%d with padseal's messages).", n - tested);
	draw_clip(lk, 2, 2, a->cols - 4, line, A_NORMAL);
}

/* The selected cell: its state, its reason, what to do. */
static void
draw_cell_info(const struct app *a, const struct test_scr *ts, int y, int end)
{
	const struct look *lk = &a->look;
	enum cell_state s = ts->cell[ts->cd][ts->ck];
	const char *why = ts->why[ts->cd][ts->ck], *by = ts->by[ts->cd][ts->ck];
	int r = rehearsed(ts, ts->cd, ts->ck);
	char line[1400];
	int w = a->cols - 4, rows;

	snprintf(line, sizeof line, "%s %s message: %s%s%s",
		 ts->cd == DIR_OUT ? "Outgoing" : "Incoming", kind_title[ts->ck], cell_word(s, r),
		 why[0] ? " " : "", why[0] ? lk->sym->dash : "");
	if (why[0]) {
		size_t n = strlen(line);

		snprintf(line + n, sizeof line - n, " %s", why);
	}
	if ((s == CELL_PASSED || s == CELL_FAILED) && by[0]) {
		size_t n = strlen(line);

		if (matrix_by_program(by))
			snprintf(line + n, sizeof line - n, " (written by %s)", by);
		else
			snprintf(line + n, sizeof line - n,
				 " (padseal's own message: a rehearsal; the test needs "
				 "the one a mail program writes)");
	}
	if (s == CELL_PASSED && ts->shown[ts->cd][ts->ck]) {
		size_t n = strlen(line);

		snprintf(line + n, sizeof line - n, "; shown correctly: confirmed");
	}
	/* A diagnosis with its fix takes a few lines: up to ten, leaving
	 * two for what to do. */
	rows = end - y - 3;
	rows = rows > 10 ? 10 : rows < 1 ? 1 : rows;
	y += 1 + draw_text(lk, y, 2, w, rows, line, lk->attr[cell_role(s, r)], 1);
	if (s == CELL_PASSED && !ts->shown[ts->cd][ts->ck])
		snprintf(line, sizeof line, "%s",
			 ts->cd == DIR_IN ?
				 "Enter: your mail program showed it correctly." :
				 "Enter: they report their mail program showed it correctly.");
	else if (ts->cd == DIR_OUT && s == CELL_SENT)
		snprintf(line, sizeof line,
			 "When %s reports that it %s, press Enter to record "
			 "it.",
			 ts->first, kind_shows[ts->ck]);
	else if (ts->cd == DIR_OUT && s != CELL_PASSED)
		snprintf(line, sizeof line, "s sends (or writes) the four messages for %s.",
			 ts->first);
	else if (ts->cd == DIR_IN && s == CELL_FAILED)
		snprintf(line, sizeof line, "When %s has sent it again, c checks it.", ts->first);
	else if (ts->cd == DIR_IN && s != CELL_PASSED)
		snprintf(line, sizeof line,
			 "Ask %s to send it (padseal writes theirs too). When "
			 "it has arrived, c checks your mailbox: a Maildir, "
			 "Thunderbird's mbox file, Apple Mail's folder or IMAP "
			 "(imaps://you@host/INBOX). Or save it as a file "
			 "(Thunderbird File > Save As > File; Apple Mail File > "
			 "Save As, Raw Message Source; Outlook: drag it to a "
			 "folder) and c checks the file.",
			 ts->first);
	else
		line[0] = '\0';
	if (y < end)
		draw_text(lk, y, 2, w, end - y, line, A_NORMAL, 1);
}

static void
test_draw(const struct app *a, const void *sc)
{
	static const struct keyhint tab[] = {{"Tab", "complete"}, {NULL, NULL}};
	const struct test_scr *ts = sc;
	const struct look *lk = &a->look;
	struct keyhint keys[10];
	char title[400], arrows[32];
	int end, y = TABLE_Y + 4, w = a->cols - 4;

	snprintf(title, sizeof title, "Test with %s", ts->email);
	end = app_frame(a, title, ts->msg, ts->msg_role);
	draw_head(a, ts);
	draw_table(a, ts);
	if (ts->mode == TM_TABLE) {
		draw_cell_info(a, ts, y, end);
		snprintf(arrows, sizeof arrows, "%s%s", lk->utf8 ? "←→" : "", lk->sym->updown);
		keys[0] = (struct keyhint){arrows, "cell"};
		keys[1] = (struct keyhint){"Enter", "confirm"};
		keys[2] = (struct keyhint){"s", "send"};
		keys[3] = (struct keyhint){"c", "check"};
		keys[4] = (struct keyhint){"Esc", "home"};
		keys[5] = (struct keyhint){"?", "help"};
		keys[6] = (struct keyhint){NULL, NULL};
	} else if (ts->mode == TM_SEND) {
		draw_str(y, 2, w,
			 sending(ts) ? "Send the four test messages" :
				       "Write the four test messages",
			 lk->attr[R_HEADING]);
		form_draw(lk, &ts->sform, y + 2, 2, w, end - y - 2);
		form_hints(lk, &ts->sform, NULL, "table", keys, 10);
	} else {
		draw_str(y, 2, w, "Check messages you received, or your sent copies",
			 lk->attr[R_HEADING]);
		form_draw(lk, &ts->cform, y + 2, 2, w, end - y - 2);
		form_hints(lk, &ts->cform, ts->cform.focus == C_PATH ? tab : NULL, "table", keys,
			   10);
		if (ts->cform.focus == C_PATH)
			keys[0] = (struct keyhint){lk->sym->updown, "field"};
	}
	draw_status(lk, a->rows, a->cols, keys);
}

/* ---- Keys ---- */

static int
table_key(struct app *a, struct test_scr *ts, int ch)
{
	struct err e = ERR_INIT;

	switch (ch) {
	case 27:
	case 'q': return APP_HANDLED | APP_POP;
	case KEY_LEFT:
	case 'h': ts->ck = ts->ck > 0 ? ts->ck - 1 : 0; break;
	case KEY_RIGHT:
	case 'l':
	case '\t': ts->ck = ts->ck < KIND_COUNT - 1 ? ts->ck + 1 : ts->ck; break;
	case KEY_UP:
	case 'k': ts->cd = DIR_OUT; break;
	case KEY_DOWN:
	case 'j': ts->cd = DIR_IN; break;
	case '\n':
	case '\r':
	case KEY_ENTER:
	case ' ': return ask_confirm(a, ts);
	case 's': return open_send(a, ts);
	case 'c': return scr_test_open_check(a, ts);
	case 'r':
		scr_test_load(a, ts, &e);
		if (e.set)
			return scr_test_say(ts, R_ERROR, e.msg);
		break;
	default: return 0;
	}
	ts->msg[0] = '\0';
	return APP_HANDLED | APP_REDRAW;
}

static int
form_keys(struct app *a, struct test_scr *ts, int ch)
{
	struct form *fm = ts->mode == TM_SEND ? &ts->sform : &ts->cform;
	int r;

	if (ch == 27) {
		form_wipe(fm);
		ts->mode = TM_TABLE;
		ts->msg[0] = '\0';
		return APP_HANDLED | APP_REDRAW;
	}
	if (ch == '\t' && ts->mode == TM_CHECK && fm->focus == C_PATH) {
		r = ts->tab_listed ? -1 : ui_path_complete(&ts->cf[C_PATH]);
		ts->tab_listed = r == 0;
		if (r >= 0)
			return APP_HANDLED | APP_REDRAW;
	} else {
		ts->tab_listed = 0;
	}
	/* The key may have been forgotten (idle) or unlocked meanwhile. */
	if (ts->mode == TM_SEND)
		send_fields(a, ts);
	else
		scr_test_check_fields(a, ts);
	r = form_key(fm, ch);
	if (r == FORM_IGNORED)
		return 0;
	if (r == FORM_EDITED)
		ts->msg[0] = '\0';
	if (ts->mode == TM_CHECK)
		scr_test_check_fields(a, ts);
	else
		send_fields(a, ts);
	if (r != FORM_PRESSED)
		return APP_HANDLED | APP_REDRAW;
	return ts->mode == TM_SEND ? do_send(a, ts) : scr_test_check(a, ts);
}

/* The sending said on the screen: now it is done. */
static int
test_tick(struct app *a, void *sc)
{
	struct test_scr *ts = sc;

	if (!ts->send_now || ts->mode != TM_SEND)
		return 0;
	return do_send(a, ts);
}

static int
test_key(struct app *a, void *sc, int ch)
{
	struct test_scr *ts = sc;

	if (ts->send_now)
		return APP_HANDLED; /* a key while sending waits */

	if (ts->mode == TM_TABLE)
		return table_key(a, ts, ch);
	return form_keys(a, ts, ch);
}

/* The confirmation answered. */
static int
test_resume(struct app *a, void *sc)
{
	struct test_scr *ts = sc;
	int answer = ts->answer;

	ts->answer = -1;
	if (answer == 0)
		return do_confirm(a, ts);
	return APP_REDRAW;
}

/* ---- Life cycle ---- */

static void
setup(struct test_scr *ts)
{
	struct field *s = ts->sf, *c = ts->cf;

	s[S_HOW] = (struct field){.kind = FIELD_CHOICE,
				  .label = "How",
				  .items = {"Send them now, through your mail server",
					    "Write them to a folder, to send yourself"},
				  .n_items = 2,
				  .hidden = 1};
	s[S_DIR] = (struct field){.kind = FIELD_TEXT, .label = "Folder"};
	s[S_MAILPASS] = (struct field){.kind = FIELD_SECRET,
				       .label = "Mail password",
				       .placeholder = "of your mail server; never kept",
				       .hidden = 1};
	s[S_PASS] = (struct field){.kind = FIELD_SECRET,
				   .label = "Key passphrase",
				   .placeholder = UI_KEY_PLACEHOLDER,
				   .enter_submits = 1};
	s[S_GO] =
		(struct field){.kind = FIELD_BUTTON, .label = "Write the four messages", .gap = 1};
	ts->sform = (struct form){.f = ts->sf,
				  .n = S_COUNT,
				  .focus = S_DIR,
				  .dflt = S_GO,
				  .label_w = LABEL_W};
	c[C_PATH] = (struct field){.kind = FIELD_TEXT, .label = "Messages"};
	c[C_MBPASS] = (struct field){.kind = FIELD_SECRET,
				     .label = "Mail password",
				     .placeholder = "of the mailbox; never kept",
				     .hidden = 1};
	c[C_PASS] = (struct field){.kind = FIELD_SECRET,
				   .label = "Key passphrase",
				   .placeholder = "for the encrypted ones",
				   .enter_submits = 1};
	c[C_GO] = (struct field){.kind = FIELD_BUTTON, .label = "Check them", .gap = 1};
	ts->cform = (struct form){.f = ts->cf,
				  .n = C_COUNT,
				  .focus = C_PATH,
				  .dflt = C_GO,
				  .label_w = LABEL_W};
}

static int
test_enter(struct app *a, void *sc)
{
	struct test_scr *ts = sc;
	struct err e = ERR_INIT;

	if (scr_test_load(a, ts, &e) != 0) {
		app_message_help(a, "Test", e.msg, "test");
		return -1;
	}
	setup(ts);
	ts->answer = -1;
	first_open(ts);
	return 0;
}

static void
test_leave(struct app *a, void *sc)
{
	struct test_scr *ts = sc;

	(void)a;
	form_wipe(&ts->sform);
	form_wipe(&ts->cform);
}

static const struct screen_ops test_ops = {
	.name = "test",
	.help = "test",
	.modal = 0,
	.enter = test_enter,
	.draw = test_draw,
	.key = test_key,
	.resume = test_resume,
	.tick = test_tick,
	.leave = test_leave,
};

int
scr_test_open(struct app *a, const char *hex)
{
	struct test_scr *ts = xcalloc(1, sizeof *ts);

	snprintf(ts->hex, sizeof ts->hex, "%s", hex);
	return app_push(a, &test_ops, ts);
}
