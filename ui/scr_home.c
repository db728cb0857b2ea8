#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "addr.h"
#include "app.h"
#include "checklist.h"
#include "fpr.h"
#include "home.h"
#include "peer.h"
#include "state.h"
#include "ui.h"
#include "util.h"
#include "xalloc.h"

/* The home screen: the six steps with their state, your credential, your
 * correspondents' progress, problems and the next action — everything read
 * from the checklist, which is loaded again whenever the screen comes back
 * to the top, so it always shows what the home holds now.
 *
 *  row 0        title bar
 *  rows 2-8     Steps (left)             Your credential (right)
 *  rows 10-     Correspondents, then Problems: the room left between
 *  bottom       Next: the sentence from the checklist; the status line
 */

#define STEPS_Y     2                          /* heading; the steps follow on the next rows */
#define STEPS_W     28                         /* the steps column, selection bar included */
#define PANEL_X     34                         /* the credential panel */
#define MID_Y       (STEPS_Y + STEP_COUNT + 2) /* correspondents heading */
#define EXPIRY_WARN (30 * 86400L)

static const char *const step_label[STEP_COUNT] = {
	"Create", "Back up", "Exchange", "Verify", "Trust", "Test",
};
/* Each step's help page (ui/help/<topic>.md). */
static const char *const step_topic[STEP_COUNT] = {
	"create", "backup", "exchange", "verify", "trust", "matrix",
};

#define PICK_MAX 64

struct home_st {
	struct checklist cl;
	int loaded;      /* cl holds the checklist */
	struct err err;  /* why it does not */
	int sel;         /* the selected step, or STEP_COUNT + a
			    correspondent's row */
	size_t peer_top; /* first correspondent shown */
	/* A correspondent being picked for a step: the rows' certificates
	 * (SHA-256 hex) and the answer, read when the list closes. */
	int picking;
	enum step_id pick_step;
	char pick_hex[PICK_MAX][FPR_HEX_LEN];
	int answer;
};

/* Where the blocks below the steps go at the current size. */
struct layout {
	int w;                /* text width inside the margins */
	int peers_y, peers_h; /* correspondent rows (after their heading) */
	int probs_y, probs_h; /* problem lines (after their heading) */
	size_t probs_n;       /* how many problems they show */
	int next_y, next_h;   /* the "Next:" sentence */
};

/* ---- State ---- */

static enum mark
step_mark(const struct checklist *cl, int s)
{
	if (cl->step[s])
		return MARK_DONE;
	return s == (int)cl->next_step ? MARK_NEXT : MARK_TODO;
}

/* The step Enter should open: the first not done; when all are, Exchange,
 * where the next new correspondent starts. */
static int
resume_step(const struct checklist *cl)
{
	return cl->next_step < STEP_COUNT ? (int)cl->next_step : STEP_EXCHANGE;
}

/* Read the checklist again.  The home is opened read-only and closed at
 * once: an idle wizard must not hold the lock that a command run in another
 * terminal needs.  The selection follows the next step when it was on it,
 * so finishing a step moves on; otherwise it stays where the user put it. */
static void
reload(const struct app *a, struct home_st *hs)
{
	struct home h = {.lockfd = -1};
	struct err e = ERR_INIT;
	int follow = !hs->loaded || hs->sel == resume_step(&hs->cl);

	if (hs->loaded)
		checklist_free(&hs->cl);
	hs->loaded = 0;
	/* A command holding the home is reported (r retries) rather than
	 * waited for: the screen must not freeze. */
	h.lock_wait_ms = 250;
	if (home_open(&h, a->home_dir, HOME_READ, &e) == 0 && checklist_load(&h, &hs->cl, &e) == 0)
		hs->loaded = 1;
	home_close(&h);
	hs->err = e;
	if (hs->loaded && (follow || hs->sel >= STEP_COUNT + (int)hs->cl.n_peers))
		hs->sel = resume_step(&hs->cl);
}

/* ---- Layout ---- */

/* How many whole problems fit in `budget` lines of width `w`; *lines gets
 * the lines they take.  When not even the first fits it is shown cut short
 * rather than not at all. */
static size_t
problems_fit(const struct app *a, const struct checklist *cl, int w, int budget, int *lines)
{
	size_t i;

	*lines = 0;
	for (i = 0; i < cl->n_problems; i++) {
		int n = draw_text(&a->look, 0, 0, w, budget + 1, cl->problems[i], A_NORMAL, 0);

		if (*lines + n > budget)
			break;
		*lines += n;
	}
	if (i == 0 && cl->n_problems > 0 && budget > 0) {
		*lines = budget;
		return 1;
	}
	return i;
}

static void
next_sentence(const struct checklist *cl, char *buf, size_t len)
{
	snprintf(buf, len, "Next: %s", cl->next);
}

static void
layout(const struct app *a, const struct home_st *hs, struct layout *L)
{
	const struct checklist *cl = &hs->cl;
	char next[320];
	int avail, want_peers, keep_peers;

	L->w = a->cols - 4;
	next_sentence(cl, next, sizeof next);
	L->next_h = draw_text(&a->look, 0, 0, L->w, 2, next, A_NORMAL, 0);
	L->next_y = a->rows - 1 - L->next_h;
	/* Between the correspondents' heading and a blank row above "Next":
	 * the problems' heading and a blank row before it. */
	avail = L->next_y - 1 - (MID_Y + 1) - (cl->n_problems ? 2 : 0);
	want_peers = cl->n_peers > 0 ? (int)cl->n_peers : 1;
	/* Problems say what to do: they get their room first, short of
	 * two correspondent rows; the correspondents scroll. */
	keep_peers = want_peers < 2 ? want_peers : 2;
	L->probs_n = problems_fit(a, cl, L->w - text_width(a->look.sym->warn) - 1,
				  avail - keep_peers, &L->probs_h);
	L->peers_h = avail - L->probs_h;
	if (L->peers_h > want_peers)
		L->peers_h = want_peers;
	L->peers_y = MID_Y + 1;
	L->probs_y = L->peers_y + L->peers_h + 2;
}

/* The first correspondent shown: the scroll position kept in the state,
 * limited to what fits now (the terminal may have grown). */
static size_t
peer_first(const struct home_st *hs, const struct layout *L)
{
	size_t n = hs->cl.n_peers, h = (size_t)L->peers_h;

	if (n <= h)
		return 0;
	return hs->peer_top < n - h ? hs->peer_top : n - h;
}

/* ---- Drawing ---- */

static void
draw_steps(const struct app *a, const struct home_st *hs)
{
	const struct look *lk = &a->look;
	int sw = lk->sym->w;

	draw_str(STEPS_Y, 2, STEPS_W, "Steps", lk->attr[R_HEADING]);
	for (int s = 0; s < STEP_COUNT; s++) {
		enum mark m = step_mark(&hs->cl, s);
		int y = STEPS_Y + 1 + s, x = 2;
		/* The selection is reverse video, not colour, so that it
		 * shows on any terminal; the symbol and word keep the state. */
		attr_t sel = s == hs->sel ? lk->attr[R_SELECT] | A_BOLD : 0;
		attr_t ma = sel ? sel : mark_attr(lk, m);
		char num[12];

		snprintf(num, sizeof num, "%d", s + 1);
		if (sel)
			draw_fill(y, 1, STEPS_W, sel);
		draw_str(y, x, sw, mark_sym(lk, m), ma);
		x += sw + 1;
		draw_str(y, x, 1, num, sel);
		draw_str(y, x + 2, 9, step_label[s], sel);
		draw_str(y, x + 12, 5, mark_word(m), ma);
	}
}

/* "RSA 3072, expires 2028-11-22", coloured by how soon. */
static void
draw_expiry(const struct app *a, int y, int x, int w, const struct ident *id)
{
	const struct look *lk = &a->look;
	time_t now = time(NULL);
	char line[96];
	attr_t at = A_NORMAL;
	const char *verb = "expires";

	if (id->not_after_t < now) {
		at = lk->attr[R_ERROR];
		verb = "expired";
	} else if (id->not_after_t - now < EXPIRY_WARN) {
		at = lk->attr[R_WARN];
	}
	snprintf(line, sizeof line, "%s, %s %.10s", id->key, verb, id->not_after);
	draw_clip(lk, y, x, w, line, at);
}

static void
draw_identity(const struct app *a, const struct home_st *hs)
{
	const struct look *lk = &a->look;
	const struct checklist *cl = &hs->cl;
	int x = PANEL_X, w = a->cols - PANEL_X - 2, y = STEPS_Y + 1;
	int room = STEP_COUNT, shown;
	char line[96];

	draw_str(STEPS_Y, x, w, "Your credential", lk->attr[R_HEADING]);
	if (cl->n_archived > 0)
		room--; /* the last row tells of the archived ones */
	if (!cl->has_ident) {
		draw_str(y++, x, w, "No credential yet", lk->attr[R_NEXT]);
		draw_text(lk, y, x, w, room - 1,
			  "Step 1 makes one: a key pair and a certificate for "
			  "your mail address.",
			  lk->attr[R_DIM], 1);
	} else {
		const struct ident *id = &cl->ident;

		draw_clip(lk, y++, x, w, id->name, A_BOLD);
		/* Name, expiry and backup rows are kept; the addresses
		 * share what is left. */
		shown = (int)id->n_emails <= room - 3 ? (int)id->n_emails : room - 4;
		for (int i = 0; i < shown; i++)
			draw_clip(lk, y++, x, w, id->emails[i], A_NORMAL);
		if ((size_t)shown < id->n_emails) {
			snprintf(line, sizeof line, "and %zu more address%s",
				 id->n_emails - (size_t)shown,
				 id->n_emails - (size_t)shown == 1 ? "" : "es");
			draw_str(y++, x, w, line, lk->attr[R_DIM]);
		}
		draw_expiry(a, y++, x, w, id);
		snprintf(line, sizeof line, "%s %s", cl->backed_up ? lk->sym->done : lk->sym->warn,
			 cl->backed_up ? "backed up" : "not backed up yet");
		draw_str(y++, x, w, line, lk->attr[cl->backed_up ? R_DONE : R_WARN]);
	}
	if (cl->n_archived > 0) {
		snprintf(line, sizeof line, "%zu older credential%s kept for old mail",
			 cl->n_archived, cl->n_archived == 1 ? "" : "s");
		draw_clip(lk, STEPS_Y + STEP_COUNT, x, w, line, lk->attr[R_DIM]);
	}
}

/* Columns of the correspondents table after the address. */
static const struct {
	enum step_id step;
	const char *title;
	int w;
} peer_cols[] = {
	{STEP_EXCHANGE, "Exchange", 9},
	{STEP_VERIFY, "Verify", 7},
	{STEP_TRUST, "Trust", 6},
	{STEP_TEST, "Test", 8},
};
#define N_PEER_COLS    (sizeof peer_cols / sizeof peer_cols[0])
#define PEER_STEPS_W   (9 + 7 + 6 + 8) /* the widths above */
#define PEER_NOTE_W    14
#define PEER_EMAIL_MAX 48

/* The address column takes what the steps leave, up to a limit beyond
 * which the marks would drift too far from the names. */
static int
peer_email_w(const struct app *a)
{
	int w = a->cols - 4 - PEER_STEPS_W - PEER_NOTE_W;

	return w < PEER_EMAIL_MAX ? w : PEER_EMAIL_MAX;
}

/* One correspondent: address, a mark per step (the first not done is
 * theirs to do next), passed test messages, and what needs attention. */
static void
draw_peer(const struct app *a, int y, const struct peer_progress *p, int selected)
{
	const struct look *lk = &a->look;
	int x = 2 + peer_email_w(a), next = -1, passed = 0, failed = 0;
	const char *note = p->retired ? "set aside" : "";
	/* Selected: reverse video, as the steps; the marks keep the state. */
	attr_t sel = selected ? lk->attr[R_SELECT] | A_BOLD : 0;
	attr_t note_at = sel ? sel : lk->attr[p->retired ? R_DIM : R_WARN];
	char count[8];

	if (sel)
		draw_fill(y, 1, a->cols - 2, sel);
	draw_clip(lk, y, 2, peer_email_w(a) - 1, p->email, sel ? sel : A_NORMAL);
	for (size_t c = 0; c < N_PEER_COLS; c++) {
		enum step_id s = peer_cols[c].step;
		enum mark m = p->step[s] ? MARK_DONE : next < 0 ? MARK_NEXT : MARK_TODO;

		if (m == MARK_NEXT)
			next = (int)s;
		draw_str(y, x, lk->sym->w, mark_sym(lk, m), sel ? sel : mark_attr(lk, m));
		x += peer_cols[c].w;
	}
	for (int d = 0; d < DIR_COUNT; d++)
		for (int k = 0; k < KIND_COUNT; k++) {
			passed += p->cell[d][k] == CELL_PASSED;
			failed += p->cell[d][k] == CELL_FAILED;
		}
	/* The count of passed messages follows the Test mark. */
	snprintf(count, sizeof count, "%d/8", passed);
	draw_str(y, x - peer_cols[N_PEER_COLS - 1].w + lk->sym->w + 1,
		 peer_cols[N_PEER_COLS - 1].w - lk->sym->w - 1, count, sel ? sel : lk->attr[R_DIM]);
	if (p->changed) {
		note = "cert changed";
		note_at = sel ? sel : lk->attr[R_ERROR];
	} else if (failed) {
		note = "test failed";
		note_at = sel ? sel : lk->attr[R_ERROR];
	} else if (p->duplicate) {
		note = "duplicate";
	}
	draw_str(y, x, PEER_NOTE_W, note, note_at);
}

static void
draw_peers(const struct app *a, const struct home_st *hs, const struct layout *L)
{
	const struct look *lk = &a->look;
	const struct checklist *cl = &hs->cl;
	size_t first = peer_first(hs, L), n = cl->n_peers;
	char head[96];
	int x = 2 + peer_email_w(a);

	if (n > (size_t)L->peers_h)
		snprintf(head, sizeof head, "Correspondents (%zu-%zu of %zu)", first + 1,
			 first + (size_t)L->peers_h, n);
	else
		snprintf(head, sizeof head, "Correspondents");
	draw_str(MID_Y, 2, peer_email_w(a) - 1, head, lk->attr[R_HEADING]);
	if (n == 0) {
		draw_clip(lk, L->peers_y, 2, L->w,
			  "None yet: step 3 exchanges certificates with "
			  "someone you write to.",
			  lk->attr[R_DIM]);
		return;
	}
	for (size_t c = 0; c < N_PEER_COLS; c++) {
		draw_str(MID_Y, x, peer_cols[c].w - 1, peer_cols[c].title, lk->attr[R_HEADING]);
		x += peer_cols[c].w;
	}
	for (int i = 0; i < L->peers_h && first + (size_t)i < n; i++)
		draw_peer(a, L->peers_y + i, &cl->peers[first + (size_t)i],
			  hs->sel == STEP_COUNT + (int)(first + (size_t)i));
}

static void
draw_problems(const struct app *a, const struct home_st *hs, const struct layout *L)
{
	const struct look *lk = &a->look;
	const struct checklist *cl = &hs->cl;
	int y = L->probs_y, end = L->probs_y + L->probs_h;
	int sw = text_width(lk->sym->warn);
	char head[96];

	if (L->probs_n == 0)
		return;
	/* Never drop one silently: say how many did not fit. */
	if (L->probs_n < cl->n_problems)
		snprintf(head, sizeof head,
			 "Problems (%zu more not shown: make the terminal "
			 "taller)",
			 cl->n_problems - L->probs_n);
	else
		snprintf(head, sizeof head, "Problems");
	draw_str(y - 1, 2, L->w, head, lk->attr[R_HEADING]);
	for (size_t i = 0; i < L->probs_n && y < end; i++) {
		draw_str(y, 2, sw, lk->sym->warn, lk->attr[R_WARN]);
		y += draw_text(lk, y, 2 + sw + 1, L->w - sw - 1, end - y, cl->problems[i], A_NORMAL,
			       1);
	}
}

static void
draw_next(const struct app *a, const struct home_st *hs, const struct layout *L)
{
	const struct look *lk = &a->look;
	char next[320];

	next_sentence(&hs->cl, next, sizeof next);
	draw_text(lk, L->next_y, 2, L->w, L->next_h, next, A_NORMAL, 1);
	draw_str(L->next_y, 2, 5, "Next:", lk->attr[R_NEXT]);
}

/* A checklist that cannot be read: its message, and how to go on. */
static void
draw_error(const struct app *a, const struct home_st *hs)
{
	const struct look *lk = &a->look;
	int y = STEPS_Y, w = a->cols - 4;

	draw_str(y, 2, w, "padseal cannot read this home", lk->attr[R_ERROR]);
	y += 2;
	y += draw_text(lk, y, 2, w, a->rows - y - 4, hs->err.msg, A_BOLD, 1);
	draw_str(y + 1, 2, w, "Press r to read the home again, or q to quit.", A_NORMAL);
}

static void
home_draw(const struct app *a, const void *st)
{
	const struct home_st *hs = st;
	const struct look *lk = &a->look;
	char title[64], where[1024];
	struct layout L;
	struct keyhint keys[8];
	int k = 0;

	snprintf(title, sizeof title, "padseal %s S/MIME set-up", lk->sym->dash);
	app_home_label(a, where, sizeof where);
	draw_titlebar(lk, a->cols, title, where);
	if (!hs->loaded) {
		draw_error(a, hs);
	} else {
		layout(a, hs, &L);
		draw_steps(a, hs);
		draw_identity(a, hs);
		draw_peers(a, hs, &L);
		draw_problems(a, hs, &L);
		draw_next(a, hs, &L);
		keys[k++] = (struct keyhint){lk->sym->updown, "move"};
		keys[k++] = (struct keyhint){"Enter", "open"};
		if (hs->cl.n_peers > (size_t)L.peers_h)
			keys[k++] = (struct keyhint){"PgDn", "more"};
	}
	keys[k++] = (struct keyhint){"r", "reload"};
	keys[k++] = (struct keyhint){"?", "help"};
	keys[k++] = (struct keyhint){"q", "quit"};
	keys[k] = (struct keyhint){NULL, NULL};
	draw_status(lk, a->rows, a->cols, keys);
}

/* ---- Opening a step ---- */

/* The correspondents a step can be about: all but those set aside. */
static size_t
active_peers(const struct checklist *cl, size_t *idx, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < cl->n_peers && n < max; i++)
		if (!cl->peers[i].retired)
			idx[n++] = i;
	return n;
}

static int
open_for(struct app *a, enum step_id s, const char *hex)
{
	switch (s) {
	case STEP_VERIFY: return scr_verify_open(a, hex);
	case STEP_TRUST: return scr_trust_open(a, hex, NULL);
	default: return scr_matrix_open(a, hex);
	}
}

/* An introduction sent to an address no certificate has come from yet:
 * what Exchange waits for.  1 with the address. */
static int
waiting_for(const struct app *a, char *addr, size_t len)
{
	struct err e = ERR_INIT;
	struct state *st = NULL;
	struct home h = {.lockfd = -1};
	int found = 0;

	if (ui_open(a, &h, HOME_READ, &st, &e) == 0)
		for (struct rec *r = state_first(st, "intro"); r && !found;
		     r = state_next(r, "intro")) {
			const char *to = rec_get(r, "to");
			int held = 0;

			for (struct rec *p = state_first(st, "peer"); p && to;
			     p = state_next(p, "peer"))
				held |= peer_has_address(p, to);
			if (to != NULL && !held) {
				snprintf(addr, len, "%s", to);
				found = 1;
			}
		}
	ui_close(&h, st);
	return found;
}

/* Exchange: with whom the step is still to do (our certificate not sent
 * yet), else theirs awaited, else someone new. */
static int
open_exchange(struct app *a, const struct home_st *hs)
{
	const struct checklist *cl = &hs->cl;
	char addr[ADDR_MAX];

	if (!cl->has_ident)
		return app_message_help(a, step_title(STEP_EXCHANGE),
					"There is nothing to exchange yet: step "
					"1 creates your credential.",
					"exchange");
	for (size_t i = 0; i < cl->n_peers; i++)
		if (!cl->peers[i].retired && !cl->peers[i].step[STEP_EXCHANGE])
			return scr_exchange_open(a, cl->peers[i].email, 0);
	if (waiting_for(a, addr, sizeof addr))
		return scr_exchange_open(a, addr, 1);
	return scr_exchange_open(a, NULL, 0);
}

/* The peer's own next step, from its row. */
static int
open_peer(struct app *a, const struct peer_progress *p)
{
	char hex[FPR_HEX_LEN];

	ui_hex_of_colon(p->fpr, hex);
	if (p->retired || p->changed)
		return p->step[STEP_VERIFY] && !p->changed ? scr_trust_open(a, hex, NULL) :
							     scr_verify_open(a, hex);
	if (!p->step[STEP_EXCHANGE])
		return scr_exchange_open(a, p->email, 0);
	for (int s = STEP_VERIFY; s < STEP_TEST; s++)
		if (!p->step[s])
			return open_for(a, (enum step_id)s, hex);
	return scr_matrix_open(a, hex);
}

/* Steps 4 to 6 are about one correspondent: the only one, or the one
 * picked from a list (the first with the step still to do first). */
static int
open_peer_step(struct app *a, struct home_st *hs, enum step_id s)
{
	const struct checklist *cl = &hs->cl;
	const char *items[PICK_MAX];
	char lines[PICK_MAX][120], text[200];
	size_t idx[PICK_MAX], n = active_peers(cl, idx, PICK_MAX);
	int first = -1;

	if (n == 0)
		return app_message_help(a, step_title(s),
					"No correspondent yet: step 3 exchanges "
					"certificates with someone you write "
					"to.",
					step_topic[s]);
	for (size_t i = 0; i < n; i++) {
		const struct peer_progress *p = &cl->peers[idx[i]];

		ui_hex_of_colon(p->fpr, hs->pick_hex[i]);
		snprintf(lines[i], sizeof lines[i], "%-44.44s %s", p->email,
			 p->step[s] ? "done" : "to do");
		items[i] = lines[i];
		if (first < 0 && !p->step[s])
			first = (int)i;
	}
	if (n == 1)
		return open_for(a, s, hs->pick_hex[0]);
	snprintf(text, sizeof text, "%s: with which correspondent?", step_label[s]);
	hs->pick_step = s;
	hs->picking = 1;
	return app_pick(a, step_title(s), text, items, (int)n, first < 0 ? 0 : first, &hs->answer);
}

static int
open_step(struct app *a, struct home_st *hs)
{
	enum step_id s = (enum step_id)hs->sel;

	if (hs->sel >= STEP_COUNT)
		return open_peer(a, &hs->cl.peers[hs->sel - STEP_COUNT]);
	if (s == STEP_CREATE)
		return scr_create_open(a);
	if (s == STEP_BACKUP)
		return hs->cl.has_ident ? scr_backup_open(a) :
					  app_message_help(a, step_title(s),
							   "There is nothing to back up "
							   "yet: step 1 creates your "
							   "credential.",
							   "backup");
	if (s == STEP_EXCHANGE)
		return open_exchange(a, hs);
	return open_peer_step(a, hs, s);
}

/* ---- Keys and life cycle ---- */

static int
home_key(struct app *a, void *st, int ch)
{
	struct home_st *hs = st;
	struct layout L;
	int rows;

	switch (ch) {
	case 'q': return APP_HANDLED | APP_QUIT;
	case 'r': reload(a, hs); return APP_HANDLED | APP_REDRAW;
	}
	if (!hs->loaded)
		return 0;
	layout(a, hs, &L);
	rows = STEP_COUNT + (int)hs->cl.n_peers;
	switch (ch) {
	case KEY_UP:
	case 'k': hs->sel = hs->sel > 0 ? hs->sel - 1 : 0; break;
	case KEY_DOWN:
	case 'j': hs->sel = hs->sel < rows - 1 ? hs->sel + 1 : hs->sel; break;
	case '\t': hs->sel = (hs->sel + 1) % rows; break;
	case KEY_BTAB: hs->sel = (hs->sel + rows - 1) % rows; break;
	case KEY_HOME:
	case 'g': hs->sel = 0; break;
	case KEY_END:
	case 'G': hs->sel = rows - 1; break;
	case KEY_NPAGE:
		hs->peer_top = peer_first(hs, &L) + (size_t)L.peers_h;
		hs->peer_top = peer_first(hs, &L); /* limited to the end */
		break;
	case KEY_PPAGE:
		hs->peer_top = peer_first(hs, &L);
		hs->peer_top -= hs->peer_top < (size_t)L.peers_h ? hs->peer_top : (size_t)L.peers_h;
		break;
	case '\n':
	case '\r':
	case KEY_ENTER: return open_step(a, hs);
	default:
		if (ch >= '1' && ch < '1' + STEP_COUNT) {
			hs->sel = ch - '1';
			break;
		}
		return 0;
	}
	/* A correspondent's row selected is scrolled into view. */
	if (hs->sel >= STEP_COUNT && L.peers_h > 0) {
		size_t i = (size_t)(hs->sel - STEP_COUNT);

		if (i < peer_first(hs, &L))
			hs->peer_top = i;
		else if (i >= peer_first(hs, &L) + (size_t)L.peers_h)
			hs->peer_top = i - (size_t)L.peers_h + 1;
	}
	return APP_HANDLED | APP_REDRAW;
}

static int
home_enter(struct app *a, void *st)
{
	struct home_st *hs = st;

	hs->answer = -1;
	reload(a, hs);
	return 0;
}

/* Back on top: a step may have changed the home (so may a command run in
 * another terminal meanwhile). */
static int
home_resume(struct app *a, void *st)
{
	struct home_st *hs = st;
	int answer = hs->answer;

	reload(a, hs);
	if (hs->picking) {
		hs->picking = 0;
		hs->answer = -1;
		if (answer >= 0 && answer < PICK_MAX)
			return APP_REDRAW | open_for(a, hs->pick_step, hs->pick_hex[answer]);
	}
	return APP_REDRAW;
}

static void
home_leave(struct app *a, void *st)
{
	struct home_st *hs = st;

	(void)a;
	if (hs->loaded)
		checklist_free(&hs->cl);
	hs->loaded = 0;
}

static const struct screen_ops home_ops = {
	.name = "home",
	.help = "home",
	.modal = 0,
	.enter = home_enter,
	.draw = home_draw,
	.key = home_key,
	.resume = home_resume,
	.leave = home_leave,
};

int
scr_home_open(struct app *a)
{
	return app_push(a, &home_ops, xcalloc(1, sizeof(struct home_st)));
}
