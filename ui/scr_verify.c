#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "addr.h"
#include "compare.h"
#include "fpr.h"
#include "ident.h"
#include "state.h"
#include "trust.h"
#include "ui.h"
#include "util.h"
#include "words.h"
#include "xalloc.h"

/* The Verify screen: the two fingerprints side by side, for a phone call
 * or a meeting.  Both people have it open, so both screens must tell the
 * same conversation: the one whose own SHA-256 fingerprint sorts first
 * reads first (both screens hold both fingerprints, so both agree, and say
 * so by name).  While the other reads, the user types each group on the
 * right as it is heard; compare_group judges a group as soon as it is
 * complete (a tick or a cross, in colour and as a symbol).  Only whole
 * groups are judged, so the screen never hints at a digit.  While the user
 * reads, the other types, and the user ticks each group the other
 * confirms (or all at once).  Each fingerprint is read aloud once.  Then
 * how it was done (phone, in person, other) goes on to Trust, which
 * records it.
 *
 *   row 0       title bar
 *   row 2       who reads first, by name
 *   rows 3-4    what to do now
 *   row 5       the two headings
 *   rows 6-13   yours (left), theirs (right): 2 columns of 8 groups each
 *   bottom      the verdict, the status line
 * The word form needs a column of 16 rows per side: the text above goes. */

#define VG_MAX          CMP_GROUPS_MAX
#define VTYPE_MAX       32
#define LEFT_X          2
#define RIGHT_X         42
#define HEX_COL_W       18 /* between the two columns of a side */
#define WORDS_TYPED_MAX 22 /* two words of the lists and a space fit */

enum vphase { VP_LISTEN, VP_READ, VP_DONE };

/* The answers of the method question, in its buttons' order. */
static const enum verify_method methods[] = {VERIFY_PHONE, VERIFY_IN_PERSON, VERIFY_OTHER};

struct verify_scr {
	char hex[FPR_HEX_LEN];
	char email[ADDR_MAX], first[128];
	unsigned char mine[2][FPR_MAX], theirs[2][FPR_MAX]; /* SHA-256, SHA-1 */
	size_t n_mine[2], n_theirs[2];
	int alg;   /* 0 SHA-256, 1 SHA-1 */
	int words; /* the PGP word form */
	enum vphase phase;
	int me_first; /* you read first: your fingerprint sorts first */
	int heard;    /* every group of theirs typed right */
	int read;     /* they confirmed every group of yours */
	char me[128]; /* your first name, for the order */
	char typed[VG_MAX][VTYPE_MAX];
	int left[VG_MAX]; /* the cursor has left the group: judge it */
	int cur;          /* the group typed into */
	int ticked[VG_MAX];
	int rcur; /* the group read aloud */
	int answer;
	int changed;         /* an earlier certificate of theirs was trusted */
	int my_ca, their_ca; /* the fingerprint read is a CA's (the CA form) */
	char msg[700];
	enum role msg_role;
};

/* ---- The groups ---- */

static size_t
n_groups(const struct verify_scr *vs)
{
	return compare_n_groups(vs->n_theirs[vs->alg]);
}

/* Group g of a digest as read aloud: "9781" or "preshrunk millionaire". */
static void
group_text(const unsigned char *d, size_t n, size_t g, int words, char *buf, size_t len)
{
	char hex[FPR_HEX_LEN];
	size_t b = g * WORDS_PER_GROUP;

	if (!words) {
		fpr_hex(d, n, hex);
		snprintf(buf, len, "%.4s", hex + 4 * g);
	} else if (b + 1 < n) {
		snprintf(buf, len, "%s %s", words_word(d[b], b), words_word(d[b + 1], b + 1));
	} else {
		snprintf(buf, len, "%s", b < n ? words_word(d[b], b) : "");
	}
}

/* The group is whole: its 4 digits, or its two words followed by a
 * separator (or by the cursor moving on).  Only a whole group is judged:
 * a verdict on part of one would tell a digit or a word without it being
 * heard. */
static int
complete(const struct verify_scr *vs, size_t g)
{
	const char *t = vs->typed[g];
	size_t n = 0;

	if (!vs->words)
		return strlen(t) >= FPR_GROUP_HEX;
	for (const char *p = t; *p;) {
		size_t k;

		p += strspn(p, " -");
		k = strcspn(p, " -");
		if (k == 0)
			break;
		n++;
		p += k;
		if (n >= 2 && (*p != '\0' || vs->left[g]))
			return 1; /* the second word is finished */
	}
	return n > 2;
}

/* What the group shows: right, wrong, or nothing yet. */
static enum cmp_group
shown(const struct verify_scr *vs, size_t g)
{
	enum cmp_group v = compare_group(vs->theirs[vs->alg], vs->n_theirs[vs->alg], g,
					 vs->typed[g], vs->words ? CMP_FORM_WORDS : CMP_FORM_HEX);

	if (v == CMP_GROUP_WRONG && !complete(vs, g))
		return CMP_GROUP_INCOMPLETE;
	return v;
}

static size_t
count_right(const struct verify_scr *vs)
{
	size_t n = 0;

	for (size_t g = 0; g < n_groups(vs); g++)
		n += shown(vs, g) == CMP_GROUP_RIGHT;
	return n;
}

/* ---- Messages ---- */

static void say(struct verify_scr *vs, enum role role, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
say(struct verify_scr *vs, enum role role, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(vs->msg, sizeof vs->msg, fmt, ap);
	va_end(ap);
	vs->msg_role = role;
}

/* Every group right: the whole fingerprint once more, as `compare` does,
 * then the roles swap. */
static void
all_right(struct verify_scr *vs)
{
	char text[VG_MAX * VTYPE_MAX + 1] = "";
	struct cmp_result *r = xcalloc(1, sizeof *r);

	for (size_t g = 0; g < n_groups(vs); g++) {
		strcat(text, vs->typed[g]);
		strcat(text, " ");
	}
	compare_text(vs->theirs[0], vs->theirs[1], text, vs->alg ? CMP_WANT_SHA1 : CMP_WANT_SHA256,
		     r);
	if (r->verdict != CMP_MATCH) {
		say(vs, R_ERROR, "%s", r->msg);
	} else if (vs->read) {
		vs->heard = 1;
		say(vs, R_DONE,
		    "All %zu groups match the certificate you hold for %s. "
		    "Tell %s: \"all %zu match\".",
		    n_groups(vs), vs->first, vs->first, n_groups(vs));
		vs->phase = VP_DONE;
	} else {
		vs->heard = 1;
		vs->phase = VP_READ;
		vs->rcur = 0;
		memset(vs->ticked, 0, sizeof vs->ticked);
		say(vs, R_DONE,
		    "All %zu groups match the certificate you hold for %s. "
		    "Tell %s: \"all %zu match; now I read mine\".",
		    n_groups(vs), vs->first, vs->first, n_groups(vs));
	}
	free(r);
}

/* They confirmed every group of yours: on to the other half, or done. */
static void
all_confirmed(struct verify_scr *vs)
{
	vs->read = 1;
	if (vs->heard) {
		vs->phase = VP_DONE;
		return;
	}
	vs->phase = VP_LISTEN;
	vs->cur = 0;
	say(vs, R_DONE,
	    "%s confirmed all your groups. Now %s reads theirs: type each "
	    "group on the right as you hear it.",
	    vs->first, vs->first);
}

/* The message while typing: the first group that is wrong, if any. */
static void
refresh_msg(struct verify_scr *vs)
{
	for (size_t g = 0; g < n_groups(vs); g++) {
		if (shown(vs, g) != CMP_GROUP_WRONG)
			continue;
		say(vs, R_ERROR,
		    "Group %zu is wrong: the certificate you hold for %s has "
		    "something else there. Ask %s: \"group %zu again, "
		    "please\", then go back to it (up arrow) and type it "
		    "over the old one. If it still differs, stop: this "
		    "certificate is not %s's.",
		    g + 1, vs->first, vs->first, g + 1, vs->first);
		return;
	}
	vs->msg[0] = '\0';
}

/* The group to type next after g: the next empty one, wrapping round;
 * -1 when every group holds something. */
static int
next_empty(const struct verify_scr *vs, size_t g)
{
	size_t n = n_groups(vs);

	for (size_t i = 1; i < n; i++) {
		size_t k = (g + i) % n;

		if (vs->typed[k][0] == '\0')
			return (int)k;
	}
	return -1;
}

/* After group g changed: judge it, move on to the next empty group once
 * it is complete, and go on when every group is right. */
static void
judged(struct verify_scr *vs, size_t g)
{
	enum cmp_group v = shown(vs, g);
	int next;

	refresh_msg(vs);
	if (count_right(vs) == n_groups(vs)) {
		all_right(vs);
		return;
	}
	if (g == (size_t)vs->cur && v != CMP_GROUP_INCOMPLETE && complete(vs, g) &&
	    (next = next_empty(vs, g)) >= 0) {
		vs->left[g] = 1;
		vs->cur = next;
	}
}

/* ---- Keys ---- */

static void
move_to(struct verify_scr *vs, int g)
{
	int n = (int)n_groups(vs);

	if (g < 0 || g >= n)
		return;
	if (vs->phase == VP_LISTEN) {
		vs->left[vs->cur] = vs->typed[vs->cur][0] != '\0';
		vs->cur = g;
	} else {
		vs->rcur = g;
	}
}

/* The other form (words or digits): a group already right stays right,
 * shown the new way; the others are typed again. */
static void
toggle_words(struct verify_scr *vs)
{
	size_t n = n_groups(vs);
	int right[VG_MAX];

	for (size_t g = 0; g < n; g++)
		right[g] = shown(vs, g) == CMP_GROUP_RIGHT;
	vs->words = !vs->words;
	for (size_t g = 0; g < n; g++) {
		if (right[g])
			group_text(vs->theirs[vs->alg], vs->n_theirs[vs->alg], g, vs->words,
				   vs->typed[g], VTYPE_MAX);
		else
			vs->typed[g][0] = '\0';
		vs->left[g] = right[g];
	}
	vs->msg[0] = '\0';
}

/* SHA-1 or SHA-256: another fingerprint, so everything starts again. */
static void
toggle_alg(struct verify_scr *vs)
{
	vs->alg = !vs->alg;
	memset(vs->typed, 0, sizeof vs->typed);
	memset(vs->left, 0, sizeof vs->left);
	memset(vs->ticked, 0, sizeof vs->ticked);
	vs->cur = vs->rcur = 0;
	vs->heard = vs->read = 0;
	vs->phase = vs->me_first ? VP_READ : VP_LISTEN;
	if (vs->alg)
		say(vs, R_WARN,
		    "Comparing SHA-1 fingerprints: the legacy form older mail "
		    "programs show. Both of you must read the same kind; "
		    "SHA-256 is the stronger check.");
	else
		vs->msg[0] = '\0';
}

static int
typed_key(struct verify_scr *vs, int ch)
{
	char *t = vs->typed[vs->cur];
	size_t len = strlen(t);
	int ok;

	if (vs->words)
		ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch == ' ' || ch == '-';
	else
		ok = (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') ||
		     (ch >= 'A' && ch <= 'F') || ch == 'o' || ch == 'O';
	if (!ok)
		return 0;
	/* A whole group typed into again is typed over: the person heard
	 * it again and types what they heard. */
	if (len > 0 && (ch != ' ' && ch != '-') &&
	    (len >= (vs->words ? WORDS_TYPED_MAX : FPR_GROUP_HEX) ||
	     complete(vs, (size_t)vs->cur))) {
		t[0] = '\0';
		len = 0;
	}
	if (len >= (vs->words ? WORDS_TYPED_MAX : FPR_GROUP_HEX))
		return APP_HANDLED;
	if (vs->words && (ch == ' ' || ch == '-') && (len == 0 || t[len - 1] == ' '))
		return APP_HANDLED; /* no leading or double separators */
	t[len] = (char)(vs->words ? ch : ch >= 'a' ? ch - 'a' + 'A' : ch);
	t[len + 1] = '\0';
	vs->left[vs->cur] = 0;
	judged(vs, (size_t)vs->cur);
	return APP_HANDLED | APP_REDRAW;
}

static int
listen_key(struct verify_scr *vs, int ch)
{
	char *t = vs->typed[vs->cur];
	size_t len = strlen(t);
	int rows = vs->words ? (int)n_groups(vs) : ((int)n_groups(vs) + 1) / 2;

	switch (ch) {
	case KEY_BACKSPACE:
	case 127:
	case 'H' & 0x1f:
		if (len == 0) {
			move_to(vs, vs->cur - 1);
		} else {
			t[len - 1] = '\0';
			vs->left[vs->cur] = 0;
		}
		break;
	case 'U' & 0x1f:
		t[0] = '\0';
		vs->left[vs->cur] = 0;
		break;
	case '\t':
	case '\n':
	case '\r':
	case KEY_ENTER:
	case KEY_DOWN: move_to(vs, vs->cur + 1); break;
	case KEY_BTAB:
	case KEY_UP: move_to(vs, vs->cur - 1); break;
	case KEY_LEFT:
	case KEY_RIGHT:
		if (!vs->words)
			move_to(vs, vs->cur + (ch == KEY_RIGHT ? rows : -rows));
		break;
	case KEY_HOME: move_to(vs, 0); break;
	default: return typed_key(vs, ch);
	}
	/* A group left half typed is judged as it stands. */
	refresh_msg(vs);
	if (count_right(vs) == n_groups(vs))
		all_right(vs);
	return APP_HANDLED | APP_REDRAW;
}

static int ask_method(struct app *a, struct verify_scr *vs);

static int
read_key(struct app *a, struct verify_scr *vs, int ch)
{
	int n = (int)n_groups(vs);

	switch (ch) {
	case ' ':
	case 'y':
	case '\n':
	case '\r':
	case KEY_ENTER:
		if (vs->phase == VP_DONE)
			return ask_method(a, vs);
		vs->ticked[vs->rcur] = 1;
		if (vs->rcur + 1 < n)
			vs->rcur++;
		break;
	case 'a': /* they confirmed them all at once */
		for (int g = 0; g < n; g++)
			vs->ticked[g] = 1;
		break;
	case KEY_BACKSPACE:
	case 127:
	case 'H' & 0x1f:
		if (vs->phase == VP_DONE)
			return APP_HANDLED;
		vs->ticked[vs->rcur] = 0;
		return APP_HANDLED | APP_REDRAW;
	case KEY_UP:
	case 'k':
	case KEY_BTAB: move_to(vs, vs->rcur - 1); return APP_HANDLED | APP_REDRAW;
	case KEY_DOWN:
	case 'j':
	case '\t': move_to(vs, vs->rcur + 1); return APP_HANDLED | APP_REDRAW;
	case 'x':
		return app_message_help(a, "They heard something else",
					"Then the certificate they hold for you is not yours: "
					"it may have been replaced on its way. They must not "
					"trust it. Give them your certificate again by a way "
					"you both trust (in person is best) and compare again.",
					"verify");
	default: return 0;
	}
	for (int g = 0; g < n; g++)
		if (!vs->ticked[g])
			return APP_HANDLED | APP_REDRAW;
	all_confirmed(vs);
	if (vs->phase == VP_DONE)
		return ask_method(a, vs);
	return APP_HANDLED | APP_REDRAW;
}

/* Both ways matched: how, for the record Trust makes. */
static int
ask_method(struct app *a, struct verify_scr *vs)
{
	static const char *const buttons[] = {"By phone", "In person", "Other"};
	char text[900], tell[300] = "";

	/* Who listened last tells the other that it all matched. */
	if (vs->me_first)
		snprintf(tell, sizeof tell, "Tell %s: \"all %zu match\".\n\n", vs->first,
			 n_groups(vs));
	snprintf(text, sizeof text,
		 "%sBoth fingerprints match, read aloud both ways. How did you "
		 "and %s compare them? Trust records it.\n\nBy phone: on a "
		 "call, a voice you know. In person: face to face. Other: "
		 "another channel you are sure of.",
		 tell, vs->first);
	say(vs, R_DONE,
	    "Both fingerprints match. Enter says how you compared them, "
	    "then Trust records it.");
	return app_ask(a, "Verified", text, buttons, 3, &vs->answer);
}

static int
verify_key(struct app *a, void *sc, int ch)
{
	struct verify_scr *vs = sc;

	switch (ch) {
	case 27: return APP_HANDLED | APP_POP;
	case KEY_F(2): toggle_words(vs); return APP_HANDLED | APP_REDRAW;
	case KEY_F(3): toggle_alg(vs); return APP_HANDLED | APP_REDRAW;
	case 'w':
		/* No hex digit: a toggle while digits are typed. */
		if (vs->words && vs->phase == VP_LISTEN)
			break;
		toggle_words(vs);
		return APP_HANDLED | APP_REDRAW;
	}
	if (vs->phase == VP_LISTEN) {
		int r = listen_key(vs, ch);

		return vs->phase == VP_DONE ? ask_method(a, vs) : r;
	}
	return read_key(a, vs, ch);
}

/* The method chosen: on to Trust, which records it. */
static int
verify_resume(struct app *a, void *sc)
{
	struct verify_scr *vs = sc;
	char hex[FPR_HEX_LEN];

	if (vs->phase != VP_DONE || vs->answer < 0 || vs->answer > 2)
		return APP_REDRAW;
	snprintf(hex, sizeof hex, "%s", vs->hex);
	return APP_POP | scr_trust_open(a, hex, methods[vs->answer]);
}

/* ---- Drawing ---- */

struct grid {
	int top;  /* the first row of groups */
	int rows; /* groups per column */
	int colw; /* between columns of one side (0: one column) */
};

static void
layout(const struct verify_scr *vs, struct grid *gr)
{
	int n = (int)n_groups(vs);

	gr->rows = vs->words ? n : (n + 1) / 2;
	gr->colw = vs->words ? 0 : HEX_COL_W;
	gr->top = vs->words ? 3 : 6;
}

static void
cell_at(const struct grid *gr, int g, int x0, int *y, int *x)
{
	*y = gr->top + g % gr->rows;
	*x = x0 + (g / gr->rows) * gr->colw;
}

/* Your group g, to read aloud; ticked once they confirmed it. */
static void
draw_mine(const struct app *a, const struct verify_scr *vs, const struct grid *gr, int g)
{
	const struct look *lk = &a->look;
	int reading = vs->phase != VP_LISTEN, y, x;
	int at = reading && vs->phase == VP_READ && g == vs->rcur;
	char num[12], text[VTYPE_MAX];
	attr_t ta = at ? lk->attr[R_SELECT] | A_BOLD : A_BOLD;

	cell_at(gr, g, LEFT_X, &y, &x);
	group_text(vs->mine[vs->alg], vs->n_mine[vs->alg], (size_t)g, vs->words, text, sizeof text);
	snprintf(num, sizeof num, "%2d", g + 1);
	draw_str(y, x, 2, num, lk->attr[R_DIM]);
	if (at)
		draw_fill(y, x + 3, text_width(text) + 2, ta);
	draw_str(y, x + 4, 30, text, ta);
	if (reading && vs->ticked[g])
		draw_str(y, x + 4 + (vs->words ? 23 : 5), 1, lk->sym->ok,
			 lk->attr[R_DONE] | A_BOLD);
}

/* Their group g as typed, with its verdict. */
static void
draw_theirs(const struct app *a, const struct verify_scr *vs, const struct grid *gr, int g)
{
	const struct look *lk = &a->look;
	int focus = vs->phase == VP_LISTEN && g == vs->cur, y, x;
	int bw = vs->words ? 24 : 6;
	enum cmp_group v = shown(vs, (size_t)g);
	attr_t box = focus ? lk->attr[R_SELECT] : A_UNDERLINE;
	char num[12];

	cell_at(gr, g, RIGHT_X, &y, &x);
	snprintf(num, sizeof num, "%2d", g + 1);
	draw_str(y, x, 2, num, focus ? A_BOLD : lk->attr[R_DIM]);
	draw_fill(y, x + 3, bw, box);
	draw_str(y, x + 4, bw - 2, vs->typed[g],
		 box | (v == CMP_GROUP_WRONG ? lk->attr[R_ERROR] : A_BOLD));
	if (focus) /* the cursor: a block after the text */
		draw_str(y, x + 4 + text_width(vs->typed[g]), 1, " ", A_NORMAL);
	if (v == CMP_GROUP_RIGHT)
		draw_str(y, x + 3 + bw + 1, 1, lk->sym->ok, lk->attr[R_DONE] | A_BOLD);
	else if (v == CMP_GROUP_WRONG)
		draw_str(y, x + 3 + bw + 1, 1, lk->sym->bad, lk->attr[R_ERROR] | A_BOLD);
}

static void
draw_heads(const struct app *a, const struct verify_scr *vs, const struct grid *gr)
{
	const struct look *lk = &a->look;
	int listen = vs->phase == VP_LISTEN;
	size_t n = n_groups(vs), ticks = 0;
	char left[200], right[400], whose_col[140];

	for (size_t g = 0; g < n; g++)
		ticks += vs->ticked[g];
	/* With names, or "they" and "Theirs" when a name makes the heading
	 * wider than its column. */
	for (int brief = 0; brief < 2; brief++) {
		const char *f = brief ? "they" : vs->first;

		if (vs->read)
			snprintf(left, sizeof left, "Yours %s %s confirmed it (%zu/%zu)",
				 lk->sym->dash, f, n, n);
		else if (listen)
			snprintf(left, sizeof left, "Yours %s you read it next", lk->sym->dash);
		else
			snprintf(left, sizeof left, "Yours %s read it aloud (%zu/%zu)",
				 lk->sym->dash, ticks, n);
		if (text_width(left) <= RIGHT_X - LEFT_X - 2)
			break;
	}
	for (int brief = 0; brief < 2; brief++) {
		snprintf(whose_col, sizeof whose_col, "%s%s", brief ? "Theirs" : vs->first,
			 brief ? "" : "'s");
		if (vs->heard)
			snprintf(right, sizeof right, "%s %s all heard right (%zu/%zu)", whose_col,
				 lk->sym->dash, n, n);
		else if (listen)
			snprintf(right, sizeof right, "%s %s type what you hear (%zu/%zu)",
				 whose_col, lk->sym->dash, count_right(vs), n);
		else if (!brief)
			snprintf(right, sizeof right, "%s %s %s reads it after you", whose_col,
				 lk->sym->dash, vs->first);
		else
			snprintf(right, sizeof right, "%s %s read after yours", whose_col,
				 lk->sym->dash);
		if (text_width(right) <= a->cols - RIGHT_X - 2)
			break;
	}
	draw_clip(lk, gr->top - 1, LEFT_X, RIGHT_X - LEFT_X - 2, left,
		  listen ? lk->attr[R_DIM] : lk->attr[R_NEXT]);
	draw_clip(lk, gr->top - 1, RIGHT_X, a->cols - RIGHT_X - 2, right,
		  listen ? lk->attr[R_NEXT] : lk->attr[R_DIM]);
}

static void
keys_for(const struct app *a, const struct verify_scr *vs, struct keyhint *k)
{
	const struct look *lk = &a->look;
	int i = 0;

	if (vs->phase == VP_LISTEN) {
		k[i++] = (struct keyhint){vs->words ? "a-z" : "0-9 A-F", "type"};
		k[i++] = (struct keyhint){lk->sym->updown, "group"};
		k[i++] = (struct keyhint){vs->words ? "F2" : "w", vs->words ? "digits" : "words"};
	} else if (vs->phase == VP_READ) {
		k[i++] = (struct keyhint){"Space", "same"};
		k[i++] = (struct keyhint){"a", "all same"};
		k[i++] = (struct keyhint){"x", "differs"};
		k[i++] = (struct keyhint){"w", vs->words ? "digits" : "words"};
	} else {
		k[i++] = (struct keyhint){"Enter", "how you compared"};
	}
	k[i++] = (struct keyhint){"F3", vs->alg ? "SHA-256" : "SHA-1"};
	k[i++] = (struct keyhint){"Esc", "home"};
	k[i++] = (struct keyhint){"F1", "help"};
	k[i] = (struct keyhint){NULL, NULL};
}

/* Whose fingerprints these are, in words, when one is a CA's (the CA
 * form: the long-lived one, read once for every renewal), into `buf`;
 * `brief` for one line.  NULL when neither is. */
static const char *
whose(const struct verify_scr *vs, int brief, char *buf, size_t len)
{
	const char *f = vs->first;

	if (!vs->their_ca && !vs->my_ca)
		return NULL;
	if (brief)
		snprintf(buf, len, "%s: %s.",
			 vs->their_ca ? "Theirs is their CA's" : "Theirs is the certificate's",
			 vs->my_ca ? "yours is your CA's" : "yours is the certificate's");
	else if (vs->their_ca && vs->my_ca)
		snprintf(buf, len,
			 "Both are fingerprints of certificate authorities: %s's own CA, "
			 "which issued %s's mail certificate, and yours. They last for "
			 "years: a renewal by the same CA needs no new call.",
			 f, f);
	else if (vs->their_ca)
		snprintf(buf, len,
			 "%s's is the fingerprint of %s's own certificate authority (CA), "
			 "which issued %s's mail certificate: it lasts for years, and a "
			 "renewal by it needs no new call.",
			 f, f, f);
	else
		snprintf(buf, len,
			 "Yours is the fingerprint of your own certificate authority (CA), "
			 "which issued your mail certificate; %s's is that of the "
			 "certificate itself.",
			 f);
	return buf;
}

/* Who reads first, by name, the same on both screens: in the longest form
 * that fits `w` columns (long names drop the call, then the second
 * reader). */
static void
order_line(const struct verify_scr *vs, int w, char *buf, size_t len)
{
	const char *one = vs->me_first ? vs->me : vs->first;
	const char *two = vs->me_first ? vs->first : vs->me;

	snprintf(buf, len, "Call %s on a number you know, or meet. %s reads first, then %s.",
		 vs->first, one, two);
	if (text_width(buf) > w)
		snprintf(buf, len, "%s reads first, then %s.", one, two);
	if (text_width(buf) > w)
		snprintf(buf, len, "%s", vs->me_first ? "You read first." : "They read first.");
}

/* What to do now, in the order both screens agree on; `brief` says
 * "they" for a name too long for two lines. */
static const char *
instruction(const struct verify_scr *vs, int brief, char *buf, size_t len)
{
	const char *f = vs->first;

	if (brief && vs->phase == VP_LISTEN)
		snprintf(buf, len,
			 "They read out the groups of their fingerprint: type each one on the "
			 "right as you hear it. A cross: ask again.");
	else if (brief && vs->phase == VP_READ)
		snprintf(buf, len,
			 "%s: say each group on the left; they type it. Space for each one "
			 "they confirm; a when they say all match.",
			 vs->heard ? "Now you read" : "You read");
	else if (vs->phase == VP_DONE)
		snprintf(buf, len,
			 "Both fingerprints match, read aloud once each way. "
			 "Enter: say how you compared them.");
	else if (vs->phase == VP_LISTEN)
		snprintf(buf, len,
			 "%s reads out the groups of %s's fingerprint: type each "
			 "one on the right as you hear it. A cross: ask again.",
			 f, f);
	else if (!vs->heard)
		snprintf(buf, len,
			 "You read: say each group on the left to %s, who types it. "
			 "Space for each one %s confirms; a when %s says all match.",
			 f, f, f);
	else
		snprintf(buf, len,
			 "Now you read: say each group on the left to %s. Space "
			 "for each one %s confirms; a when %s says all match.",
			 f, f, f);
	return buf;
}

static void
verify_draw(const struct app *a, const void *sc)
{
	const struct verify_scr *vs = sc;
	const struct look *lk = &a->look;
	struct keyhint keys[10];
	struct grid gr;
	char title[400], line[600];
	int n = (int)n_groups(vs), w = a->cols - 4, y, end;

	snprintf(title, sizeof title, "Verify %s", vs->email);
	end = app_frame(a, title, vs->msg, vs->msg_role);
	layout(vs, &gr);
	/* The same sentence on both screens; the word form's column of 16
	 * rows leaves only the row under the title for it. */
	order_line(vs, w, line, sizeof line);
	draw_clip(lk, vs->words ? 1 : 2, 2, w, line, A_BOLD);
	if (!vs->words) {
		instruction(vs, 0, line, sizeof line);
		if (draw_text(lk, 3, 2, w, 99, line, A_NORMAL, 0) > 2)
			instruction(vs, 1, line, sizeof line);
		draw_text(lk, 3, 2, w, 2, line, A_NORMAL, 1);
	}
	draw_heads(a, vs, &gr);
	for (int g = 0; g < n; g++) {
		draw_mine(a, vs, &gr, g);
		draw_theirs(a, vs, &gr, g);
	}
	y = gr.top + gr.rows + 1;
	if (y < a->rows - 6) {
		snprintf(line, sizeof line, "%s %s %s",
			 vs->alg ? "SHA-1 (the older kind)" : "SHA-256", lk->sym->dash,
			 vs->words ? "each group said as two words" :
				     "4 characters (0-9, A-F) per group; w says "
				     "them as words");
		draw_clip(lk, y, 2, w, line, lk->attr[R_DIM]);
		/* Whole or in its short form, never cut: the message below
		 * may take the room. */
		if (whose(vs, 0, line, sizeof line) != NULL) {
			int room = end - y - 2;

			if (draw_text(lk, y + 2, 2, w, 99, line, A_NORMAL, 0) > room)
				whose(vs, 1, line, sizeof line);
			if (draw_text(lk, y + 2, 2, w, 99, line, A_NORMAL, 0) <= room)
				draw_text(lk, y + 2, 2, w, room, line, A_NORMAL, 1);
		}
	} else if (vs->words) {
		/* The word form's column leaves no room above it: what to do
		 * goes under it, whole (or in its short form) or not at all. */
		int room = end - y + 1;

		instruction(vs, 0, line, sizeof line);
		if (draw_text(lk, y, 2, w, 99, line, A_NORMAL, 0) > room)
			instruction(vs, 1, line, sizeof line);
		if (draw_text(lk, y, 2, w, 99, line, A_NORMAL, 0) <= room)
			draw_text(lk, y, 2, w, room, line, A_NORMAL, 1);
	}
	keys_for(a, vs, keys);
	draw_status(lk, a->rows, a->cols, keys);
}

/* ---- Life cycle ---- */

/* Both fingerprints (yours from your identity, theirs from the
 * certificate held), their name, and whether it replaces one verified
 * before. */
static int
load(struct app *a, struct verify_scr *vs, struct err *e)
{
	struct peer_info *in = xcalloc(1, sizeof *in);
	const struct st_peer *p;
	const struct state *st;
	struct trust_status ts;
	struct ident id;
	int rc = -1, found;

	if ((found = ui_ident(a, &id, e)) < 0)
		goto out;
	if (!found) {
		err_set(e, "There is nothing to compare yet: step 1 creates "
			   "your credential.");
		goto out;
	}
	if (ui_peer_info(a, vs->hex, in, e) != 0 || (st = ui_state(a, e)) == NULL)
		goto out;
	if ((p = state_peer_by_hex(st, vs->hex)) == NULL) {
		err_set(e, "That certificate is no longer in this home.");
		goto out;
	}
	/* The CA form: the CA's fingerprints are the ones read (trust.h),
	 * as `padseal fingerprint` prints them. */
	vs->n_mine[0] = fpr_parse(id.ca_hex[0] ? id.ca_hex : id.hex, vs->mine[0], FPR_MAX);
	vs->n_mine[1] =
		fpr_parse(id.ca_hex[0] ? id.ca_fpr_sha1 : id.fpr_sha1, vs->mine[1], FPR_MAX);
	vs->my_ca = id.ca_hex[0] != '\0';
	vs->their_ca = in->has_ca;
	memcpy(vs->theirs[0], in->has_ca ? in->ca_sha256 : in->sha256, FPR_MAX);
	memcpy(vs->theirs[1], in->has_ca ? in->ca_sha1 : in->sha1, FPR_MAX);
	vs->n_theirs[0] = 32;
	vs->n_theirs[1] = 20;
	if (vs->n_mine[0] != 32 || vs->n_mine[1] != 20) {
		err_set(e, "The fingerprint of your certificate cannot be "
			   "read from this home.");
		goto out;
	}
	snprintf(vs->email, sizeof vs->email, "%s", p->addr[0]);
	ui_first_name(in->name, vs->email, vs->first, sizeof vs->first);
	ui_first_name(id.name, id.n_emails ? id.emails[0] : NULL, vs->me, sizeof vs->me);
	/* Both sides hold both fingerprints: both pick the same reader. */
	vs->me_first = memcmp(vs->mine[0], vs->theirs[0], 32) < 0;
	vs->phase = vs->me_first ? VP_READ : VP_LISTEN;
	trust_status_peer(st, p, &ts);
	vs->changed = ts.changed != NULL;
	if (vs->changed)
		say(vs, R_WARN,
		    "Their certificate changed since you last verified one: "
		    "compare it whole.");
	rc = 0;
out:
	free(in);
	ident_clear(&id);
	return rc;
}

static int
verify_enter(struct app *a, void *sc)
{
	struct verify_scr *vs = sc;
	struct err e = ERR_INIT;

	if (load(a, vs, &e) != 0) {
		app_message_help(a, "Verify", e.msg, "verify");
		return -1;
	}
	vs->answer = -1;
	return 0;
}

static const struct screen_ops verify_ops = {
	.name = "verify",
	.help = "verify",
	.modal = 0,
	.enter = verify_enter,
	.draw = verify_draw,
	.key = verify_key,
	.resume = verify_resume,
};

int
scr_verify_open(struct app *a, const char *hex)
{
	struct verify_scr *vs = xcalloc(1, sizeof *vs);

	snprintf(vs->hex, sizeof vs->hex, "%s", hex);
	return app_push(a, &verify_ops, vs);
}
