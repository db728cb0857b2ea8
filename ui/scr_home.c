#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "addr.h"
#include "app.h"
#include "checklist.h"
#include "fpr.h"
#include "install.h"
#include "state.h"
#include "ui.h"
#include "util.h"
#include "xalloc.h"

/* The home screen: the six steps with their state, your credential, your
 * correspondents' progress, problems and the next action — everything from
 * the checklist (checklist_build), read again whenever the screen comes
 * back to the top, so it always shows what the home holds now.  The
 * checklist gives the next step and the problems as data; this screen
 * says them in the wizard's words (one function per kind, below), naming
 * the screen that does it, never a command line.
 *
 *  row 0        title bar
 *  rows 2-8     Steps (left)             Your credential (right)
 *  rows 10-     Correspondents, then Problems: the room left between
 *  bottom       Next: what to do next; the status line
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
	"create", "backup", "exchange", "verify", "trust", "test",
};

#define PICK_MAX 64
#define SAY_MAX  400 /* one sentence for the user */

/* A correspondent's row, copied from the checklist: the records it points
 * into are the session's, and any operation may read the home anew. */
struct home_peer {
	char hex[FPR_HEX_LEN];
	char email[ADDR_MAX]; /* the certificate's main address */
	int step[STEP_COUNT]; /* only EXCHANGE..TEST are meaningful */
	int retired, duplicate, changed;
	int passed, failed; /* test cells */
	int tested;         /* passed with mail programs' messages */
};

struct home_scr {
	int loaded;     /* the fields below hold the checklist */
	struct err err; /* why they do not */
	/* The checklist as last read, in the screen's own copies. */
	int has_ident;
	struct ident id; /* when has_ident */
	size_t n_archived;
	int backed_up;
	int step[STEP_COUNT];
	enum step_id next_step; /* STEP_COUNT when all are done */
	struct home_peer *peers;
	size_t n_peers;
	char next[SAY_MAX];     /* "Next: ...", phrased here */
	char awaited[ADDR_MAX]; /* a certificate awaited (Exchange) */
	char problems[CHECKLIST_PROBLEMS_MAX][SAY_MAX];
	size_t n_problems, n_problems_all;
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

/* ---- In the wizard's words ----
 *
 * The next step and each problem as the checklist gives them (what, and
 * whom), said as a sentence that names the step to open.  One function per
 * kind; they run while the checklist is fresh (its records borrowed). */

/* How the sentences name a correspondent: their first name ("Sam"), else
 * their address.  When the address has several certificates, `start` is
 * the first digits of this one's fingerprint, else "". */
typedef void next_fn(const char *who, const char *start, char *buf, size_t len);

static void
next_create(const char *w, const char *start, char *buf, size_t len)
{
	(void)w;
	(void)start;
	snprintf(buf, len,
		 "Next: make your credential, for your name and the address "
		 "you send mail from (Create)");
}

static void
next_backup(const char *w, const char *start, char *buf, size_t len)
{
	(void)w;
	(void)start;
	snprintf(buf, len,
		 "Next: back up your credential into a file under a "
		 "passphrase, and keep a copy off this computer (Back up)");
}

static void
next_exchange(const char *w, const char *start, char *buf, size_t len)
{
	(void)start;
	if (w == NULL)
		snprintf(buf, len,
			 "Next: send your certificate to someone you write to, "
			 "and import theirs (Exchange)");
	else
		snprintf(buf, len, "Next: send your certificate to %s (Exchange)", w);
}

static void
next_verify(const char *w, const char *start, char *buf, size_t len)
{
	snprintf(buf, len, "Next: compare fingerprints with %s by phone%s%s (Verify)", w,
		 start[0] ? ", for the certificate starting " : "", start);
}

/* The verification to do again: their certificate is not the one
 * verified before. */
static void
next_verify_changed(const char *w, const char *start, char *buf, size_t len)
{
	(void)start;
	snprintf(buf, len,
		 "Next: %s's certificate changed since you verified it: "
		 "compare fingerprints again by phone (Verify)",
		 w);
}

static void
next_trust(const char *w, const char *start, char *buf, size_t len)
{
	snprintf(buf, len, "Next: trust %s's verified certificate%s%s (Trust)", w,
		 start[0] ? " starting " : "", start);
}

static void
next_test(const char *w, const char *start, char *buf, size_t len)
{
	(void)start;
	snprintf(buf, len,
		 "Next: send %s the four test messages and check the four "
		 "that come back (Test)",
		 w);
}

static void
next_done(const char *w, const char *start, char *buf, size_t len)
{
	(void)w;
	(void)start;
	snprintf(buf, len,
		 "All done: you and your correspondents exchange signed and "
		 "encrypted mail, proven both ways");
}

static next_fn *const next_say[STEP_COUNT + 1] = {
	next_create, next_backup, next_exchange, next_verify, next_trust, next_test, next_done,
};

static void
say_next(const struct checklist *cl, char *buf, size_t len)
{
	const struct next_step *n = &cl->next;
	const struct st_peer *p = NULL;
	char who[128] = "", start[9] = "";

	if (n->peer != NO_PEER && n->peer < cl->n_peers) {
		p = cl->peers[n->peer].p;
		ui_first_name(p->name, p->addr[0], who, sizeof who);
		if (n->by_fingerprint)
			snprintf(start, sizeof start, "%.8s", p->hex);
	}
	if (n->changed && p != NULL)
		next_verify_changed(who, start, buf, len);
	else if (n->step == STEP_TEST && p != NULL &&
		 cl->peers[n->peer].passed == DIR_COUNT * KIND_COUNT)
		snprintf(buf, len,
			 "Next: the rehearsal with %s passed; now each of you sends the "
			 "four kinds from your mail program (Test)",
			 who);
	else if (n->step == STEP_EXCHANGE && p == NULL && n->awaited[0])
		snprintf(buf, len, "Next: import %s's certificate when it comes (Exchange)",
			 n->awaited);
	else
		next_say[n->step](p != NULL ? who : NULL, start, buf, len);
}

typedef void problem_fn(const struct checklist *cl, const struct problem *p, char *buf, size_t len);

static void
problem_lint(const struct checklist *cl, const struct problem *p, char *buf, size_t len)
{
	(void)cl;
	snprintf(buf, len,
		 "Your certificate has %zu error%s that mail programs reject: "
		 "make a new one (Create) and send it to your correspondents.",
		 p->count, p->count == 1 ? "" : "s");
}

/* Can the credential be renewed from its own CA (n on the home screen)? */
static int
renewable(const struct checklist *cl)
{
	return cl->ident.form == FORM_CA && cl->ident.ca_key;
}

static void
problem_expired(const struct checklist *cl, const struct problem *p, char *buf, size_t len)
{
	if (renewable(cl))
		snprintf(buf, len,
			 "Your certificate expired on %.10s: n renews it from your own "
			 "CA; your correspondents need no new phone call.",
			 p->date);
	else
		snprintf(buf, len,
			 "Your certificate expired on %.10s: make a new one (Create) "
			 "and send it to your correspondents.",
			 p->date);
}

static void
problem_expires_soon(const struct checklist *cl, const struct problem *p, char *buf, size_t len)
{
	if (p->count == 1) /* the CA's date */
		snprintf(buf, len,
			 "Your own CA expires on %.10s: make a new credential (Create) "
			 "and compare fingerprints with your correspondents again.",
			 p->date);
	else if (renewable(cl))
		snprintf(buf, len,
			 "Your certificate expires on %.10s: n renews it from your own "
			 "CA; your correspondents need no new phone call.",
			 p->date);
	else
		snprintf(buf, len,
			 "Your certificate expires on %.10s: make a new one soon "
			 "(Create) and send it to your correspondents.",
			 p->date);
}

static void
problem_backup_stale(const struct checklist *cl, const struct problem *p, char *buf, size_t len)
{
	(void)cl;
	snprintf(buf, len,
		 "Your credential changed since the last backup (%.10s), which "
		 "holds an older one: back up the current one (Back up).",
		 p->date);
}

static void
problem_never_backed_up(const struct checklist *cl, const struct problem *p, char *buf, size_t len)
{
	(void)cl;
	(void)p;
	snprintf(buf, len,
		 "Your credential has never been backed up: without a backup "
		 "of the key, mail encrypted to you is lost with this "
		 "machine.");
}

static void
problem_peer_changed(const struct checklist *cl, const struct problem *p, char *buf, size_t len)
{
	const struct peer_progress *pp = &cl->peers[p->peer];

	snprintf(buf, len,
		 "The certificate of %s changed since you verified it: "
		 "compare fingerprints again (Verify). You verified one "
		 "starting %.8s, this one starts %.8s.",
		 pp->p->addr[0], pp->changed->hex, pp->p->hex);
}

static void
problem_peer_duplicate(const struct checklist *cl, const struct problem *p, char *buf, size_t len)
{
	snprintf(buf, len,
		 "The address %s has more than one certificate, and mail "
		 "programs pick one at random: keep the one you verify and set "
		 "the others aside (Trust).",
		 cl->peers[p->peer].p->addr[0]);
}

static problem_fn *const problem_say[] = {
	[PROB_LINT_ERRORS] = problem_lint,
	[PROB_EXPIRED] = problem_expired,
	[PROB_EXPIRES_SOON] = problem_expires_soon,
	[PROB_BACKUP_STALE] = problem_backup_stale,
	[PROB_NEVER_BACKED_UP] = problem_never_backed_up,
	[PROB_PEER_CHANGED] = problem_peer_changed,
	[PROB_PEER_DUPLICATE] = problem_peer_duplicate,
};

/* A mail program prepared before the trusted set (or the credential)
 * changed: "iPhone or iPad: made 3 days ago; Sam's certificate added
 * since: make it again (i)".  Cut short rather than overflow. */
static void __attribute__((format(printf, 3, 4))) sayf(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
}

static void
say_whose(const struct checklist *cl, const size_t *idx, size_t n, const char *since, char *buf,
	  size_t len)
{
	char a[128], b[128];

	if (n > 2) {
		sayf(buf, len, "%zu people's certificates %s", n, since);
		return;
	}
	ui_first_name(cl->peers[idx[0]].p->name, cl->peers[idx[0]].p->addr[0], a, sizeof a);
	if (n == 1) {
		sayf(buf, len, "%s's certificate %s", a, since);
		return;
	}
	ui_first_name(cl->peers[idx[1]].p->name, cl->peers[idx[1]].p->addr[0], b, sizeof b);
	sayf(buf, len, "the certificates of %s and %s %s", a, b, since);
}

static void
say_install(const struct checklist *cl, const struct install_progress *ip, char *buf, size_t len)
{
	enum install_prog prog;
	char when[32], add[SAY_MAX] = "", rem[SAY_MAX] = "";

	if (ip->days <= 0)
		sayf(when, sizeof when, "today");
	else if (ip->days == 1)
		sayf(when, sizeof when, "yesterday");
	else
		sayf(when, sizeof when, "%ld days ago", ip->days);
	if (ip->n_added)
		say_whose(cl, ip->added, ip->n_added, "added since", add, sizeof add);
	if (ip->n_removed)
		say_whose(cl, ip->removed, ip->n_removed, "no longer trusted", rem, sizeof rem);
	else if (ip->n_gone)
		sayf(rem, sizeof rem, "%zu certificate%s no longer trusted", ip->n_gone,
		     ip->n_gone == 1 ? "" : "s");
	sayf(buf, len, "%s: %s %s; %s%s%s%s%s: make it again (i, mail programs)",
	     install_prog_parse(ip->r->prog, &prog) == 0 ? install_prog_title(prog) : ip->r->prog,
	     ip->r->profile ? "imported" : "made", when,
	     ip->renewed ? "made for your previous credential" : "",
	     ip->renewed && *add ? "; " : "", add, (ip->renewed || *add) && *rem ? "; " : "", rem);
}

/* ---- State ---- */

static enum mark
step_mark(const struct home_scr *hs, int s)
{
	if (hs->step[s])
		return MARK_DONE;
	return s == (int)hs->next_step ? MARK_NEXT : MARK_TODO;
}

/* The step Enter should open: the first not done; when all are, Exchange,
 * where the next new correspondent starts. */
static int
resume_step(const struct home_scr *hs)
{
	return hs->next_step < STEP_COUNT ? (int)hs->next_step : STEP_EXCHANGE;
}

static void
forget(struct home_scr *hs)
{
	ident_clear(&hs->id);
	free(hs->peers);
	hs->peers = NULL;
	hs->n_peers = 0;
	hs->loaded = 0;
}

/* What the screen shows of the checklist, copied while it is fresh; the
 * identity is taken over. */
static void
take(struct home_scr *hs, struct checklist *cl)
{
	hs->has_ident = cl->has_ident;
	hs->n_archived = cl->n_archived;
	hs->backed_up = cl->backed_up;
	memcpy(hs->step, cl->step, sizeof hs->step);
	hs->next_step = cl->next.step;
	memcpy(hs->awaited, cl->next.awaited, sizeof hs->awaited);
	hs->n_peers = cl->n_peers;
	hs->peers = xcalloc(cl->n_peers ? cl->n_peers : 1, sizeof *hs->peers);
	for (size_t i = 0; i < cl->n_peers; i++) {
		const struct peer_progress *pp = &cl->peers[i];
		struct home_peer *r = &hs->peers[i];

		snprintf(r->hex, sizeof r->hex, "%s", pp->p->hex);
		snprintf(r->email, sizeof r->email, "%s", pp->p->addr[0]);
		memcpy(r->step, pp->step, sizeof r->step);
		r->retired = pp->retired;
		r->duplicate = pp->duplicate;
		r->changed = pp->changed != NULL;
		r->passed = pp->passed;
		r->tested = pp->tested;
		for (int d = 0; d < DIR_COUNT; d++)
			for (int k = 0; k < KIND_COUNT; k++)
				r->failed += pp->p->cell[d][k].state == CELL_FAILED;
	}
	say_next(cl, hs->next, sizeof hs->next);
	hs->n_problems = cl->n_problems;
	hs->n_problems_all = cl->n_problems_all;
	for (size_t i = 0; i < cl->n_problems; i++)
		problem_say[cl->problems[i].kind](cl, &cl->problems[i], hs->problems[i], SAY_MAX);
	for (size_t i = 0; i < cl->n_installs; i++) {
		if (!install_progress_stale(&cl->installs[i]))
			continue;
		hs->n_problems_all++;
		if (hs->n_problems < CHECKLIST_PROBLEMS_MAX)
			say_install(cl, &cl->installs[i], hs->problems[hs->n_problems++], SAY_MAX);
	}
	/* Last: the problems above are phrased with it. */
	hs->id = cl->ident;
	memset(&cl->ident, 0, sizeof cl->ident);
}

/* Read the checklist again.  The home is held only for the moment of
 * reading: an idle wizard must not hold the lock that a command run in
 * another terminal needs.  The selection follows the next step when it
 * was on it, so finishing a step moves on; otherwise it stays where the
 * user put it. */
static void
reload(struct app *a, struct home_scr *hs)
{
	struct checklist cl;
	struct err e = ERR_INIT;
	int follow = !hs->loaded || hs->sel == resume_step(hs);

	forget(hs);
	if (ui_status(a, &cl, &e) == 0) {
		take(hs, &cl);
		hs->loaded = 1;
	}
	checklist_free(&cl);
	hs->err = e;
	if (hs->loaded && (follow || hs->sel >= STEP_COUNT + (int)hs->n_peers))
		hs->sel = resume_step(hs);
}

/* ---- Layout ---- */

/* How many whole problems fit in `budget` lines of width `w`; *lines gets
 * the lines they take.  When not even the first fits it is shown cut short
 * rather than not at all. */
static size_t
problems_fit(const struct app *a, const struct home_scr *hs, int w, int budget, int *lines)
{
	size_t i;

	*lines = 0;
	for (i = 0; i < hs->n_problems; i++) {
		int n = draw_text(&a->look, 0, 0, w, budget + 1, hs->problems[i], A_NORMAL, 0);

		if (*lines + n > budget)
			break;
		*lines += n;
	}
	if (i == 0 && hs->n_problems > 0 && budget > 0) {
		*lines = budget;
		return 1;
	}
	return i;
}

static void
layout(const struct app *a, const struct home_scr *hs, struct layout *L)
{
	int avail, want_peers, keep_peers;

	L->w = a->cols - 4;
	L->next_h = draw_text(&a->look, 0, 0, L->w, 2, hs->next, A_NORMAL, 0);
	L->next_y = a->rows - 1 - L->next_h;
	/* Between the correspondents' heading and a blank row above "Next":
	 * the problems' heading and a blank row before it. */
	avail = L->next_y - 1 - (MID_Y + 1) - (hs->n_problems ? 2 : 0);
	want_peers = hs->n_peers > 0 ? (int)hs->n_peers : 1;
	/* Problems say what to do: they get their room first, short of
	 * two correspondent rows; the correspondents scroll. */
	keep_peers = want_peers < 2 ? want_peers : 2;
	L->probs_n = problems_fit(a, hs, L->w - text_width(a->look.sym->warn) - 1,
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
peer_first(const struct home_scr *hs, const struct layout *L)
{
	size_t n = hs->n_peers, h = (size_t)L->peers_h;

	if (n <= h)
		return 0;
	return hs->peer_top < n - h ? hs->peer_top : n - h;
}

/* ---- Drawing ---- */

static void
draw_steps(const struct app *a, const struct home_scr *hs)
{
	const struct look *lk = &a->look;
	int sw = lk->sym->w;

	draw_str(STEPS_Y, 2, STEPS_W, "Steps", lk->attr[R_HEADING]);
	for (int s = 0; s < STEP_COUNT; s++) {
		enum mark m = step_mark(hs, s);
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
	snprintf(line, sizeof line, "%s%s, %s %.10s", id->key,
		 id->form == FORM_CA          ? ", own CA" :
		 id->form == FORM_SELF_SIGNED ? ", self-signed" :
						"",
		 verb, id->not_after);
	draw_clip(lk, y, x, w, line, at);
}

static void
draw_identity(const struct app *a, const struct home_scr *hs)
{
	const struct look *lk = &a->look;
	int x = PANEL_X, w = a->cols - PANEL_X - 2, y = STEPS_Y + 1;
	int room = STEP_COUNT, shown;
	char line[96];

	draw_str(STEPS_Y, x, w, "Your credential", lk->attr[R_HEADING]);
	if (hs->n_archived > 0)
		room--; /* the last row tells of the archived ones */
	if (!hs->has_ident) {
		draw_str(y++, x, w, "No credential yet", lk->attr[R_NEXT]);
		draw_text(lk, y, x, w, room - 1,
			  "Step 1 makes one: a key pair and a certificate for "
			  "your mail address.",
			  lk->attr[R_DIM], 1);
	} else {
		const struct ident *id = &hs->id;

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
		snprintf(line, sizeof line, "%s %s", hs->backed_up ? lk->sym->done : lk->sym->warn,
			 hs->backed_up ? "backed up" : "not backed up yet");
		draw_str(y++, x, w, line, lk->attr[hs->backed_up ? R_DONE : R_WARN]);
	}
	if (hs->n_archived > 0) {
		snprintf(line, sizeof line, "%zu older credential%s kept for old mail",
			 hs->n_archived, hs->n_archived == 1 ? "" : "s");
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
draw_peer(const struct app *a, int y, const struct home_peer *p, int selected)
{
	const struct look *lk = &a->look;
	int x = 2 + peer_email_w(a), next = -1;
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
	/* The count of messages passed with the mail programs follows the
	 * Test mark (padseal's own are the rehearsal). */
	snprintf(count, sizeof count, "%d/%d", p->tested, DIR_COUNT * KIND_COUNT);
	draw_str(y, x - peer_cols[N_PEER_COLS - 1].w + lk->sym->w + 1,
		 peer_cols[N_PEER_COLS - 1].w - lk->sym->w - 1, count, sel ? sel : lk->attr[R_DIM]);
	if (p->changed) {
		note = "cert changed";
		note_at = sel ? sel : lk->attr[R_ERROR];
	} else if (p->failed) {
		note = "test failed";
		note_at = sel ? sel : lk->attr[R_ERROR];
	} else if (p->duplicate) {
		note = "duplicate";
	} else if (!p->retired && p->passed > p->tested) {
		note = "rehearsed";
		note_at = sel ? sel : lk->attr[R_DIM];
	}
	draw_str(y, x, PEER_NOTE_W, note, note_at);
}

static void
draw_peers(const struct app *a, const struct home_scr *hs, const struct layout *L)
{
	const struct look *lk = &a->look;
	size_t first = peer_first(hs, L), n = hs->n_peers;
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
		draw_peer(a, L->peers_y + i, &hs->peers[first + (size_t)i],
			  hs->sel == STEP_COUNT + (int)(first + (size_t)i));
}

static void
draw_problems(const struct app *a, const struct home_scr *hs, const struct layout *L)
{
	const struct look *lk = &a->look;
	int y = L->probs_y, end = L->probs_y + L->probs_h;
	int sw = text_width(lk->sym->warn);
	char head[96];

	if (L->probs_n == 0)
		return;
	/* Never drop one silently: say how many did not fit. */
	if (L->probs_n < hs->n_problems)
		snprintf(head, sizeof head,
			 "Problems (%zu more not shown: make the terminal "
			 "taller)",
			 hs->n_problems_all - L->probs_n);
	else if (hs->n_problems < hs->n_problems_all)
		snprintf(head, sizeof head, "Problems (%zu more not shown)",
			 hs->n_problems_all - hs->n_problems);
	else
		snprintf(head, sizeof head, "Problems");
	draw_str(y - 1, 2, L->w, head, lk->attr[R_HEADING]);
	for (size_t i = 0; i < L->probs_n && y < end; i++) {
		draw_str(y, 2, sw, lk->sym->warn, lk->attr[R_WARN]);
		y += draw_text(lk, y, 2 + sw + 1, L->w - sw - 1, end - y, hs->problems[i], A_NORMAL,
			       1);
	}
}

static void
draw_next(const struct app *a, const struct home_scr *hs, const struct layout *L)
{
	const struct look *lk = &a->look;
	int label = (int)strcspn(hs->next, ":") + 1; /* "Next:", "All done:" */

	draw_text(lk, L->next_y, 2, L->w, L->next_h, hs->next, A_NORMAL, 1);
	draw_str(L->next_y, 2, label, hs->next, lk->attr[R_NEXT]);
}

/* A checklist that cannot be read: its message, and how to go on. */
static void
draw_error(const struct app *a, const struct home_scr *hs)
{
	const struct look *lk = &a->look;
	int y = STEPS_Y, w = a->cols - 4;

	draw_str(y, 2, w, "padseal cannot read this home", lk->attr[R_ERROR]);
	y += 2;
	y += draw_text(lk, y, 2, w, a->rows - y - 4, hs->err.msg, A_BOLD, 1);
	draw_str(y + 1, 2, w, "Press r to read the home again, or q to quit.", A_NORMAL);
}

static void
home_draw(const struct app *a, const void *sc)
{
	const struct home_scr *hs = sc;
	const struct look *lk = &a->look;
	char title[64], where[1024];
	struct layout L;
	struct keyhint keys[10];
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
		if (hs->n_peers > (size_t)L.peers_h)
			keys[k++] = (struct keyhint){"PgDn", "more"};
	}
	keys[k++] = (struct keyhint){"?", "help"};
	keys[k++] = (struct keyhint){"q", "quit"};
	/* Last: dropped when PgDn needs the room (help names them, and r,
	 * which reloads). */
	keys[k++] = (struct keyhint){"i", "mail apps"};
	keys[k++] = (struct keyhint){"o", "for others"};
	keys[k] = (struct keyhint){NULL, NULL};
	draw_status(lk, a->rows, a->cols, keys);
}

/* ---- Opening a step ---- */

/* The correspondents a step can be about: all but those set aside. */
static size_t
active_peers(const struct home_scr *hs, size_t *idx, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < hs->n_peers && n < max; i++)
		if (!hs->peers[i].retired)
			idx[n++] = i;
	return n;
}

static int
open_for(struct app *a, enum step_id s, const char *hex)
{
	switch (s) {
	case STEP_VERIFY: return scr_verify_open(a, hex);
	case STEP_TRUST: return scr_trust_open(a, hex, VERIFY_NONE);
	default: return scr_test_open(a, hex);
	}
}

/* Exchange: with whom the step is still to do (our certificate not sent
 * yet), else theirs awaited (Import), else someone new. */
static int
open_exchange(struct app *a, const struct home_scr *hs)
{
	if (!hs->has_ident)
		return app_message_help(a, step_title(STEP_EXCHANGE),
					"There is nothing to exchange yet: step "
					"1 creates your credential.",
					"exchange");
	for (size_t i = 0; i < hs->n_peers; i++)
		if (!hs->peers[i].retired && !hs->peers[i].step[STEP_EXCHANGE])
			return scr_exchange_open(a, hs->peers[i].email, 0);
	if (hs->awaited[0])
		return scr_exchange_open(a, hs->awaited, 1);
	return scr_exchange_open(a, NULL, 0);
}

/* The peer's own next step, from its row. */
static int
open_peer(struct app *a, const struct home_peer *p)
{
	const char *hex = p->hex;

	if (p->retired || p->changed)
		return p->step[STEP_VERIFY] && !p->changed ? scr_trust_open(a, hex, VERIFY_NONE) :
							     scr_verify_open(a, hex);
	if (!p->step[STEP_EXCHANGE])
		return scr_exchange_open(a, p->email, 0);
	for (int s = STEP_VERIFY; s < STEP_TEST; s++)
		if (!p->step[s])
			return open_for(a, (enum step_id)s, hex);
	return scr_test_open(a, hex);
}

/* Steps 4 to 6 are about one correspondent: the only one, or the one
 * picked from a list (the first with the step still to do first). */
static int
open_peer_step(struct app *a, struct home_scr *hs, enum step_id s)
{
	const char *items[PICK_MAX];
	char lines[PICK_MAX][120], text[200];
	size_t idx[PICK_MAX], n = active_peers(hs, idx, PICK_MAX);
	int first = -1;

	if (n == 0)
		return app_message_help(a, step_title(s),
					"No correspondent yet: step 3 exchanges "
					"certificates with someone you write "
					"to.",
					step_topic[s]);
	for (size_t i = 0; i < n; i++) {
		const struct home_peer *p = &hs->peers[idx[i]];

		snprintf(hs->pick_hex[i], sizeof hs->pick_hex[i], "%s", p->hex);
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
open_step(struct app *a, struct home_scr *hs)
{
	enum step_id s = (enum step_id)hs->sel;

	if (hs->sel >= STEP_COUNT)
		return open_peer(a, &hs->peers[hs->sel - STEP_COUNT]);
	if (s == STEP_CREATE)
		return scr_create_open(a);
	if (s == STEP_BACKUP)
		return hs->has_ident ? scr_backup_open(a) :
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
home_key(struct app *a, void *sc, int ch)
{
	struct home_scr *hs = sc;
	struct layout L;
	int rows;

	switch (ch) {
	case 'q': return APP_HANDLED | APP_QUIT;
	case 'r': reload(a, hs); return APP_HANDLED | APP_REDRAW;
	case 'o': return scr_handover_open(a);
	case 'i': return scr_install_open(a);
	case 'n': return scr_renew_open(a);
	}
	if (!hs->loaded)
		return 0;
	layout(a, hs, &L);
	rows = STEP_COUNT + (int)hs->n_peers;
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
home_enter(struct app *a, void *sc)
{
	struct home_scr *hs = sc;

	hs->answer = -1;
	reload(a, hs);
	return 0;
}

/* Back on top: a step may have changed the home (so may a command run in
 * another terminal meanwhile). */
static int
home_resume(struct app *a, void *sc)
{
	struct home_scr *hs = sc;
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
home_leave(struct app *a, void *sc)
{
	struct home_scr *hs = sc;

	(void)a;
	forget(hs);
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
	return app_push(a, &home_ops, xcalloc(1, sizeof(struct home_scr)));
}
