#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fileio.h"
#include "form.h"
#include "ident.h"
#include "matrix.h"
#include "msg.h"
#include "peer.h"
#include "smime.h"
#include "state.h"
#include "testscr.h"
#include "ui.h"
#include "util.h"
#include "xalloc.h"

/* The Test screen: the 2x4 table of the test with one correspondent
 * (outgoing and incoming x plain, signed, encrypted, signed and
 * encrypted), each cell's state as a symbol, a word and a colour, and the
 * reason recorded with it.  Actions, as the matrix verbs do them: write
 * the four outgoing messages to a folder (s), check received messages or
 * your own sent copies, one file or every .eml of a folder (c), and
 * record what the correspondent reported of an outgoing one (Enter). */

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

int
matrix_load(const struct app *a, struct matrix_st *ms, struct err *e)
{
	struct state *st = NULL;
	struct rec *r;
	struct home h = {.lockfd = -1};
	const char *t;
	int rc = -1;

	if (ui_open(a, &h, HOME_READ, &st, e) != 0)
		goto out;
	if ((r = peer_by_hex(st, ms->hex)) == NULL) {
		err_set(e, "That certificate is no longer in this home.");
		goto out;
	}
	snprintf(ms->email, sizeof ms->email, "%s", rec_get(r, "email"));
	t = rec_get(r, "trusted");
	ms->trusted = t != NULL && *t != '\0' && strcmp(t, "0") != 0;
	for (int d = 0; d < DIR_COUNT; d++)
		for (int k = 0; k < KIND_COUNT; k++) {
			const char *why = NULL;

			ms->cell[d][k] = matrix_get(r, (enum cell_dir)d, (enum cell_kind)k, &why);
			snprintf(ms->why[d][k], MATRIX_WHY_MAX, "%s", why != NULL ? why : "");
		}
	rc = 0;
out:
	ui_close(&h, st);
	return rc;
}

/* The name for sentences, from the certificate (read once). */
static void
load_name(const struct app *a, struct matrix_st *ms)
{
	struct peer_info *in = xcalloc(1, sizeof *in);
	struct err e = ERR_INIT;
	struct state *st = NULL;
	struct rec *r;
	struct home h = {.lockfd = -1};

	ui_first_name(NULL, ms->email, ms->first, sizeof ms->first);
	if (ui_open(a, &h, HOME_READ, &st, &e) == 0 && (r = peer_by_hex(st, ms->hex)) != NULL &&
	    peer_info(&h, r, time(NULL), in, &e) == 0)
		ui_first_name(in->name, ms->email, ms->first, sizeof ms->first);
	ui_close(&h, st);
	free(in);
}

static int
passed(const struct matrix_st *ms)
{
	int n = 0;

	for (int d = 0; d < DIR_COUNT; d++)
		for (int k = 0; k < KIND_COUNT; k++)
			n += ms->cell[d][k] == CELL_PASSED;
	return n;
}

int
matrix_say(struct matrix_st *ms, enum role role, const char *text)
{
	snprintf(ms->msg, sizeof ms->msg, "%s", text);
	ms->msg_role = role;
	return APP_HANDLED | APP_REDRAW;
}

/* ---- Sending ---- */

static int
open_send(const struct app *a, struct matrix_st *ms)
{
	char stem[400], path[UI_PATH_MAX], text[600];

	if (!ms->trusted) {
		snprintf(text, sizeof text,
			 "%s's certificate is not trusted yet, so padseal does "
			 "not encrypt to it: compare fingerprints (step 4) and "
			 "trust it (step 5) first.",
			 ms->first);
		return matrix_say(ms, R_ERROR, text);
	}
	snprintf(stem, sizeof stem, "padseal-test-for-%s", ms->email);
	ui_path_fresh(stem, "", path, sizeof path);
	field_set(&ms->sf[S_DIR], path);
	field_note(&ms->sf[S_DIR], R_DIM, NULL,
		   "A folder for plain.eml, signed.eml, encrypted.eml and "
		   "signed-encrypted.eml; made if needed.");
	form_focus(&ms->sform, S_PASS);
	ms->mode = MM_SEND;
	ms->msg[0] = '\0';
	(void)a;
	return APP_HANDLED | APP_REDRAW;
}

/* As `padseal matrix send`: every refusal before the passphrase is used,
 * then the home locked, the four messages written, the cells marked. */
static int
do_send(const struct app *a, struct matrix_st *ms)
{
	struct field *pass = &ms->sf[S_PASS];
	struct smime_sender *s = NULL;
	char dir[UI_PATH_MAX], where[UI_PATH_MAX], text[1500];
	struct err e = ERR_INIT;
	struct state *st = NULL;
	struct rec *r = NULL;
	time_t now = time(NULL);
	struct home h = {.lockfd = -1};
	int field = S_DIR, ok = 0, written = 0;

	ui_path_expand(ms->sf[S_DIR].text, dir, sizeof dir);
	if (dir[0] == '\0')
		return matrix_say(ms, R_ERROR, "A folder is needed for the messages.");
	if (pass->len == 0) {
		form_focus(&ms->sform, S_PASS);
		return matrix_say(ms, R_ERROR,
				  "Type the passphrase of your key: the signed "
				  "messages are signed with it.");
	}
	if (ui_open(a, &h, HOME_READ, &st, &e) != 0)
		goto out;
	if ((r = peer_by_hex(st, ms->hex)) == NULL) {
		err_set(&e, "That certificate is no longer in this home.");
		goto out;
	}
	if (matrix_send_check(&h, r, dir, 0, now, &e) != 0)
		goto out;
	state_free(st);
	st = NULL;
	field = S_PASS;
	if (home_upgrade(&h, &e) != 0 || state_load(&h, &st, &e) != 0 ||
	    smime_sender_open(&h, st, pass->text, now, &s, &e) != 0)
		goto out;
	field_wipe(pass);
	field = S_DIR;
	if ((r = peer_by_hex(st, ms->hex)) == NULL) {
		err_set(&e, "That certificate was removed meanwhile.");
		goto out;
	}
	if (matrix_send(&h, st, r, s, dir, 0, now, &e) != 0)
		goto out;
	written = 1;
	if (state_save(&h, st, &e) != 0)
		goto out;
	ok = 1;
out:
	if (written && !ok) /* all or nothing, as the verb does */
		for (int k = 0; k < KIND_COUNT; k++) {
			char *p = path_join(dir, matrix_file_name(k));

			unlink(p);
			free(p);
		}
	field_wipe(pass);
	smime_sender_free(s);
	ui_close(&h, st);
	if (!ok) {
		form_focus(&ms->sform, field);
		return matrix_say(ms, R_ERROR, e.msg);
	}
	matrix_load(a, ms, &e);
	ms->mode = MM_TABLE;
	ms->cd = DIR_OUT;
	ui_path_label(dir, where, sizeof where);
	snprintf(text, sizeof text,
		 "Wrote the four test messages in %.300s. Send each "
		 "unchanged to %s (sendmail -t < FILE). When %s reports what "
		 "arrived, Enter on its cell records it; c checks your own "
		 "sent copies.",
		 where, ms->email, ms->first);
	return matrix_say(ms, R_DONE, text);
}

/* Select the first cell still open, where the user goes on. */
static void
first_open(struct matrix_st *ms)
{
	for (int i = DIR_COUNT * KIND_COUNT - 1; i >= 0; i--)
		if (ms->cell[i / KIND_COUNT][i % KIND_COUNT] != CELL_PASSED) {
			ms->cd = i / KIND_COUNT;
			ms->ck = i % KIND_COUNT;
		}
}

/* ---- Confirming ---- */

static int
ask_confirm(struct app *a, struct matrix_st *ms)
{
	static const char *const buttons[] = {"Yes, it arrived so", "Cancel"};
	char text[700];

	if (ms->cd == DIR_IN)
		return matrix_say(ms, R_NORMAL,
				  "Incoming messages pass when padseal checks them: "
				  "press c and give the file, or the folder you saved "
				  "them in.");
	if (ms->cell[DIR_OUT][ms->ck] == CELL_PASSED)
		return matrix_say(ms, R_NORMAL, "That one has passed already.");
	snprintf(text, sizeof text,
		 "Did %s report that your %s message %s?\n\nRecord it only "
		 "on their word: that is what this cell proves.",
		 ms->first, kind_title[ms->ck], kind_shows[ms->ck]);
	ms->answer = -1;
	return app_ask(a, "Confirm", text, buttons, 2, &ms->answer);
}

/* As `padseal matrix confirm --cell out:KIND`. */
static int
do_confirm(const struct app *a, struct matrix_st *ms)
{
	struct err e = ERR_INIT;
	struct state *st = NULL;
	struct rec *r = NULL;
	struct home h = {.lockfd = -1};
	int ok = 0;

	if (ui_open(a, &h, HOME_WRITE, &st, &e) == 0 && (r = peer_by_hex(st, ms->hex)) == NULL)
		err_set(&e, "That certificate is no longer in this home.");
	if (r != NULL) {
		matrix_confirm(r, (enum cell_kind)ms->ck);
		ok = state_save(&h, st, &e) == 0;
	}
	ui_close(&h, st);
	if (!ok)
		return matrix_say(ms, R_ERROR, e.msg);
	matrix_load(a, ms, &e);
	first_open(ms);
	ms->msg[0] = '\0';
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
cell_role(enum cell_state s)
{
	return s == CELL_PASSED ? R_DONE :
	       s == CELL_FAILED ? R_ERROR :
	       s == CELL_SENT   ? R_NEXT :
				  R_TODO;
}

static const char *
cell_word(enum cell_state s)
{
	return s == CELL_PASSED ? "passed" :
	       s == CELL_FAILED ? "failed" :
	       s == CELL_SENT   ? "sent" :
				  "to do";
}

static void
draw_table(const struct app *a, const struct matrix_st *ms)
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
			enum cell_state s = ms->cell[d][k];
			int sel = ms->mode == MM_TABLE && d == ms->cd && k == ms->ck;
			attr_t at = sel ? lk->attr[R_SELECT] | A_BOLD : lk->attr[cell_role(s)];

			snprintf(text, sizeof text, "%s %s", cell_sym(lk, s), cell_word(s));
			if (sel)
				draw_fill(y, x0 + k * CELL_W, CELL_W - 1, at);
			draw_str(y, x0 + k * CELL_W + 1, CELL_W - 2, text, at);
		}
	}
}

/* Who, and how far: the line above the table. */
static void
draw_head(const struct app *a, const struct matrix_st *ms)
{
	const struct look *lk = &a->look;
	char line[600];
	int n = passed(ms);

	if (n == DIR_COUNT * KIND_COUNT) {
		snprintf(line, sizeof line,
			 "All eight passed: signed and encrypted mail works in "
			 "both directions with %s.",
			 ms->first);
		draw_str(2, 2, 1, lk->sym->ok, lk->attr[R_DONE] | A_BOLD);
		draw_text(lk, 2, 4, a->cols - 6, 2, line, lk->attr[R_DONE] | A_BOLD, 1);
		return;
	}
	snprintf(line, sizeof line, "%s: %s; %d of 8 passed.", ms->email,
		 ms->trusted ? "trusted" : "not trusted yet", n);
	draw_clip(lk, 2, 2, a->cols - 4, line, A_NORMAL);
}

/* The selected cell: its state, its reason, what to do. */
static void
draw_cell_info(const struct app *a, const struct matrix_st *ms, int y, int end)
{
	const struct look *lk = &a->look;
	enum cell_state s = ms->cell[ms->cd][ms->ck];
	const char *why = ms->why[ms->cd][ms->ck];
	char line[900];
	int w = a->cols - 4;

	snprintf(line, sizeof line, "%s %s message: %s%s%s",
		 ms->cd == DIR_OUT ? "Outgoing" : "Incoming", kind_title[ms->ck], cell_word(s),
		 why[0] ? " " : "", why[0] ? lk->sym->dash : "");
	if (why[0]) {
		size_t n = strlen(line);

		snprintf(line + n, sizeof line - n, " %s", why);
	}
	y += 1 + draw_text(lk, y, 2, w, end - y > 3 ? 3 : end - y, line, lk->attr[cell_role(s)], 1);
	if (ms->cd == DIR_OUT && s == CELL_SENT)
		snprintf(line, sizeof line,
			 "When %s reports that it %s, press Enter to record "
			 "it.",
			 ms->first, kind_shows[ms->ck]);
	else if (ms->cd == DIR_OUT && s != CELL_PASSED)
		snprintf(line, sizeof line, "s writes the four messages to send to %s.", ms->first);
	else if (ms->cd == DIR_IN && s != CELL_PASSED)
		snprintf(line, sizeof line,
			 "Ask %s to send it (padseal writes theirs too), save "
			 "it as a file and check it with c.",
			 ms->first);
	else
		line[0] = '\0';
	if (y < end)
		draw_text(lk, y, 2, w, end - y, line, A_NORMAL, 1);
}

static void
matrix_draw(const struct app *a, const void *st)
{
	static const struct keyhint tab[] = {{"Tab", "complete"}, {NULL, NULL}};
	const struct matrix_st *ms = st;
	const struct look *lk = &a->look;
	struct keyhint keys[10];
	char title[400], arrows[32];
	int end, y = TABLE_Y + 4, w = a->cols - 4;

	snprintf(title, sizeof title, "Test with %s", ms->email);
	end = app_frame(a, title, ms->msg, ms->msg_role);
	draw_head(a, ms);
	draw_table(a, ms);
	if (ms->mode == MM_TABLE) {
		draw_cell_info(a, ms, y, end);
		snprintf(arrows, sizeof arrows, "%s%s", lk->utf8 ? "←→" : "", lk->sym->updown);
		keys[0] = (struct keyhint){arrows, "cell"};
		keys[1] = (struct keyhint){"Enter", "confirm"};
		keys[2] = (struct keyhint){"s", "send"};
		keys[3] = (struct keyhint){"c", "check"};
		keys[4] = (struct keyhint){"Esc", "home"};
		keys[5] = (struct keyhint){"?", "help"};
		keys[6] = (struct keyhint){NULL, NULL};
	} else if (ms->mode == MM_SEND) {
		draw_str(y, 2, w, "Write the four test messages", lk->attr[R_HEADING]);
		form_draw(lk, &ms->sform, y + 2, 2, w, end - y - 2);
		form_hints(lk, &ms->sform, NULL, "table", keys, 10);
	} else {
		draw_str(y, 2, w, "Check messages you received, or your sent copies",
			 lk->attr[R_HEADING]);
		form_draw(lk, &ms->cform, y + 2, 2, w, end - y - 2);
		form_hints(lk, &ms->cform, ms->cform.focus == C_PATH ? tab : NULL, "table", keys,
			   10);
		if (ms->cform.focus == C_PATH)
			keys[0] = (struct keyhint){lk->sym->updown, "field"};
	}
	draw_status(lk, a->rows, a->cols, keys);
}

/* ---- Keys ---- */

static int
table_key(struct app *a, struct matrix_st *ms, int ch)
{
	struct err e = ERR_INIT;

	switch (ch) {
	case 27:
	case 'q': return APP_HANDLED | APP_POP;
	case KEY_LEFT:
	case 'h': ms->ck = ms->ck > 0 ? ms->ck - 1 : 0; break;
	case KEY_RIGHT:
	case 'l':
	case '\t': ms->ck = ms->ck < KIND_COUNT - 1 ? ms->ck + 1 : ms->ck; break;
	case KEY_UP:
	case 'k': ms->cd = DIR_OUT; break;
	case KEY_DOWN:
	case 'j': ms->cd = DIR_IN; break;
	case '\n':
	case '\r':
	case KEY_ENTER:
	case ' ': return ask_confirm(a, ms);
	case 's': return open_send(a, ms);
	case 'c': return matrix_open_check(ms);
	case 'r':
		matrix_load(a, ms, &e);
		if (e.set)
			return matrix_say(ms, R_ERROR, e.msg);
		break;
	default: return 0;
	}
	ms->msg[0] = '\0';
	return APP_HANDLED | APP_REDRAW;
}

static int
form_keys(struct app *a, struct matrix_st *ms, int ch)
{
	struct form *fm = ms->mode == MM_SEND ? &ms->sform : &ms->cform;
	int r;

	if (ch == 27) {
		form_wipe(fm);
		ms->mode = MM_TABLE;
		ms->msg[0] = '\0';
		return APP_HANDLED | APP_REDRAW;
	}
	if (ch == '\t' && ms->mode == MM_CHECK && fm->focus == C_PATH) {
		r = ms->tab_listed ? -1 : ui_path_complete(&ms->cf[C_PATH]);
		ms->tab_listed = r == 0;
		if (r >= 0)
			return APP_HANDLED | APP_REDRAW;
	} else {
		ms->tab_listed = 0;
	}
	r = form_key(fm, ch);
	if (r == FORM_IGNORED)
		return 0;
	if (r == FORM_EDITED)
		ms->msg[0] = '\0';
	if (r != FORM_PRESSED)
		return APP_HANDLED | APP_REDRAW;
	return ms->mode == MM_SEND ? do_send(a, ms) : matrix_do_check(a, ms);
}

static int
matrix_key(struct app *a, void *st, int ch)
{
	struct matrix_st *ms = st;

	if (ms->mode == MM_TABLE)
		return table_key(a, ms, ch);
	return form_keys(a, ms, ch);
}

/* The confirmation answered. */
static int
matrix_resume(struct app *a, void *st)
{
	struct matrix_st *ms = st;
	int answer = ms->answer;

	ms->answer = -1;
	if (answer == 0)
		return do_confirm(a, ms);
	return APP_REDRAW;
}

/* ---- Life cycle ---- */

static void
setup(struct matrix_st *ms)
{
	struct field *s = ms->sf, *c = ms->cf;

	s[S_DIR] = (struct field){.kind = FIELD_TEXT, .label = "Folder"};
	s[S_PASS] = (struct field){.kind = FIELD_SECRET,
				   .label = "Key passphrase",
				   .placeholder = "the one chosen at Create",
				   .enter_submits = 1};
	s[S_GO] =
		(struct field){.kind = FIELD_BUTTON, .label = "Write the four messages", .gap = 1};
	ms->sform = (struct form){.f = ms->sf,
				  .n = S_COUNT,
				  .focus = S_DIR,
				  .dflt = S_GO,
				  .label_w = LABEL_W};
	c[C_PATH] = (struct field){.kind = FIELD_TEXT, .label = "Messages"};
	c[C_PASS] = (struct field){.kind = FIELD_SECRET,
				   .label = "Key passphrase",
				   .placeholder = "for the encrypted ones",
				   .enter_submits = 1};
	c[C_GO] = (struct field){.kind = FIELD_BUTTON, .label = "Check them", .gap = 1};
	ms->cform = (struct form){.f = ms->cf,
				  .n = C_COUNT,
				  .focus = C_PATH,
				  .dflt = C_GO,
				  .label_w = LABEL_W};
}

static int
matrix_enter(struct app *a, void *st)
{
	struct matrix_st *ms = st;
	struct err e = ERR_INIT;

	if (matrix_load(a, ms, &e) != 0) {
		app_message_help(a, "Test", e.msg, "matrix");
		return -1;
	}
	load_name(a, ms);
	setup(ms);
	ms->answer = -1;
	first_open(ms);
	return 0;
}

static void
matrix_leave(struct app *a, void *st)
{
	struct matrix_st *ms = st;

	(void)a;
	form_wipe(&ms->sform);
	form_wipe(&ms->cform);
}

static const struct screen_ops matrix_ops = {
	.name = "matrix",
	.help = "matrix",
	.modal = 0,
	.enter = matrix_enter,
	.draw = matrix_draw,
	.key = matrix_key,
	.resume = matrix_resume,
	.leave = matrix_leave,
};

int
scr_matrix_open(struct app *a, const char *hex)
{
	struct matrix_st *ms = xcalloc(1, sizeof *ms);

	snprintf(ms->hex, sizeof ms->hex, "%s", hex);
	return app_push(a, &matrix_ops, ms);
}
