#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fpr.h"
#include "import.h"
#include "op.h"
#include "scr_exchange.h"
#include "ui.h"

/* The Exchange screen, third action: a correspondent's certificate from
 * their signed mail or their file.  op_import_read finds it (a message's
 * signature is checked first, as `padseal import` does; your own
 * certificate is refused); the screen shows what was found — addresses,
 * fingerprint, checks, duplicates, a changed certificate — and only Enter
 * stores it, untrusted (op_import_store).  The key's passphrase is asked
 * for only when the file is a message encrypted to you. */

void
scr_import_drop(struct exchange_scr *xs)
{
	import_free(xs->set);
	xs->set = NULL;
	xs->n_certs = xs->n_view = 0;
}

/* How the home sees each certificate of the set now. */
static int
fill_views(struct app *a, struct exchange_scr *xs, struct err *e)
{
	const struct state *st = ui_state(a, e);
	time_t now = time(NULL);

	if (st == NULL)
		return -1;
	xs->n_certs = import_count(xs->set);
	xs->n_view = xs->n_certs < XVIEW_MAX ? xs->n_certs : XVIEW_MAX;
	for (size_t i = 0; i < xs->n_view; i++)
		import_view(xs->set, i, st, now, &xs->view[i]);
	return 0;
}

int
scr_import_read(struct app *a, struct exchange_scr *xs)
{
	struct field *pf = &xs->f[X_IPASS];
	char path[UI_PATH_MAX], label[UI_PATH_MAX];
	struct ui_pass up;
	struct err e = ERR_INIT;
	int field = X_FILE;

	scr_import_drop(xs);
	ui_path_expand(xs->f[X_FILE].text, path, sizeof path);
	ui_path_label(path, label, sizeof label);
	if (path[0] == '\0')
		return scr_exchange_fail(xs, X_FILE,
					 "Type the name of the file they sent: "
					 "their mail saved as a file, or their "
					 "certificate.");
	ui_pass_init(&up);
	ui_pass_set(&up, PASS_KEY, pf);
	if (op_import_read(a->s, path, time(NULL), &up.ask, &xs->set, &e) == 0 &&
	    fill_views(a, xs, &e) == 0) {
		snprintf(xs->file, sizeof xs->file, "%s", path);
		xs->stage = XS_PREVIEW;
		xs->msg[0] = '\0';
	} else if (e.code == ERR_BAD_PASS) {
		field = X_IPASS;
	} else if ((up.asked & (1u << PASS_KEY)) && pf->len == 0) {
		/* Nothing typed, and the file is a message encrypted to you:
		 * the passphrase field shows, and the file is read again. */
		xs->pass_wanted = 1;
		xs->f[X_IPASS].hidden = 0;
		err_clear(&e);
		err_set(&e,
			"%s is encrypted to you: type your key's "
			"passphrase to open it, then read it again.",
			label);
		field = X_IPASS;
	}
	field_wipe(pf);
	if (xs->stage != XS_PREVIEW) {
		scr_import_drop(xs);
		scr_exchange_fail(xs, field, e.msg);
	}
	return APP_HANDLED | APP_REDRAW;
}

/* Store what was found, untrusted (op_import_store). */
static int
store(struct app *a, struct exchange_scr *xs)
{
	const char *base = strrchr(xs->file, '/');
	struct err e = ERR_INIT;

	if (op_import_store(a->s, xs->set, base ? base + 1 : xs->file, time(NULL), &e) != 0 ||
	    fill_views(a, xs, &e) != 0)
		return scr_exchange_fail(xs, -1, e.msg);
	xs->stage = XS_STORED;
	xs->msg[0] = '\0';
	return APP_HANDLED | APP_REDRAW;
}

/* ---- Drawing ---- */

/* What one certificate is: name and addresses, key and validity, the
 * fingerprint to compare.  Returns the row after. */
static int
draw_cert(const struct app *a, const struct import_view *v, int y, int end)
{
	const struct look *lk = &a->look;
	const struct peer_info *in = &v->info;
	char line[1400], grouped[FPR_GROUPED_LEN];
	size_t main_len = strcspn(in->emails, ",");
	int w = a->cols - 4;

	snprintf(line, sizeof line, "%s%s<%.*s>", in->name, in->name[0] ? " " : "", (int)main_len,
		 in->emails);
	draw_clip(lk, y++, 2, w, line, A_BOLD);
	if (in->emails[main_len] == ',') {
		snprintf(line, sizeof line, "also %s", in->emails + main_len + 1);
		draw_clip(lk, y++, 2, w, line, A_NORMAL);
	}
	snprintf(line, sizeof line, "%s, valid %.10s to %.10s", in->key, in->not_before,
		 in->not_after);
	draw_clip(lk, y++, 2, w, line, A_NORMAL);
	if (y + 3 >= end)
		return y;
	draw_str(++y, 2, w, "Fingerprint (SHA-256): the code they read out to you on the phone",
		 lk->attr[R_HEADING]);
	fpr_grouped(in->sha256, 32, grouped, sizeof grouped);
	y += 1 + draw_text(lk, y + 1, 4, w - 2, 2, grouped, A_NORMAL, 1);
	return y;
}

/* The warnings about one certificate, one line each. */
static int
draw_status_lines(const struct app *a, const struct exchange_scr *xs, const struct import_view *v,
		  int y, int end)
{
	const struct look *lk = &a->look;
	int w = a->cols - 6, stored = xs->stage == XS_STORED;
	char line[600];
	const char *addr = v->info.emails;
	size_t al = strcspn(addr, ",");

	if (v->held && !v->added && y < end) {
		draw_str(y, 2, 1, "i", lk->attr[R_DIM]);
		y += draw_text(lk, y, 4, w, end - y,
			       "You hold this certificate already; storing "
			       "it changes nothing.",
			       A_NORMAL, 1);
	}
	if (v->changed && y < end) {
		snprintf(line, sizeof line,
			 "%.*s belonged to a certificate you trusted; this one "
			 "is DIFFERENT. Verify it by phone before trusting it.",
			 (int)al, addr);
		draw_str(y, 2, 1, lk->sym->warn, lk->attr[R_ERROR] | A_BOLD);
		y += draw_text(lk, y, 4, w, end - y, line, lk->attr[R_ERROR], 1);
	}
	if (v->holders > 1 && y < end) {
		snprintf(line, sizeof line,
			 "You %s %zu certificates for %.*s; mail programs pick "
			 "one at random: keep the one you verify.",
			 stored ? "now hold" : "would hold", v->holders, (int)al, addr);
		draw_str(y, 2, 1, lk->sym->warn, lk->attr[R_WARN] | A_BOLD);
		y += draw_text(lk, y, 4, w, end - y, line, lk->attr[R_WARN], 1);
	}
	return y;
}

void
scr_import_draw(const struct app *a, const struct exchange_scr *xs)
{
	static const struct keyhint pre_keys[] = {{"Enter", "store it"},
						  {"Esc", "back"},
						  {"?", "help"},
						  {NULL, NULL}};
	static const struct keyhint done_keys[] = {{"Enter", "verify"},
						   {"Esc", "home"},
						   {"?", "help"},
						   {NULL, NULL}};
	const struct look *lk = &a->look;
	const struct import_view *v = &xs->view[0];
	int stored = xs->stage == XS_STORED, y = 2, w = a->cols - 4, end;
	char line[UI_PATH_MAX + 200], where[UI_PATH_MAX], first[256];
	const char *msg = xs->msg;
	enum role role = xs->msg_role;

	ui_first_name(v->info.name, v->info.emails, first, sizeof first);
	if (msg[0] == '\0' && stored) {
		snprintf(line, sizeof line,
			 "Next: call %s and compare fingerprints: a mail proves "
			 "nothing about who sent it. Enter opens Verify.",
			 first);
		msg = line;
		role = R_NEXT;
	} else if (msg[0] == '\0') {
		msg = "Enter stores it, untrusted: you trust it only after "
		      "comparing fingerprints with them (step 4).";
		role = R_NEXT;
	}
	end = app_frame(a, "Import a certificate", msg, role);
	ui_path_label(xs->file, where, sizeof where);
	if (stored) {
		draw_str(y, 2, 1, lk->sym->ok, lk->attr[R_DONE] | A_BOLD);
		draw_str(y, 4, w - 2,
			 import_added(xs->set) ? "Imported, not trusted yet." :
						 "Nothing new: padseal held it "
						 "already.",
			 lk->attr[R_DONE] | A_BOLD);
	} else {
		snprintf(line, sizeof line, "Found in %s:", where);
		draw_clip_left(lk, y, 2, w, line, A_NORMAL);
	}
	y = draw_cert(a, v, y + 2, end);
	y = draw_status_lines(a, xs, v, y, end);
	if (xs->n_certs > 1 && y < end) {
		size_t o = (size_t)snprintf(line, sizeof line,
					    "The file holds %zu certificates; "
					    "all are %s:",
					    xs->n_certs, stored ? "stored" : "taken");

		for (size_t i = 1; i < xs->n_view && o < sizeof line; i++)
			o += (size_t)snprintf(line + o, sizeof line - o, " %.*s",
					      (int)strcspn(xs->view[i].info.emails, ","),
					      xs->view[i].info.emails);
		y += draw_text(lk, y, 2, w, end - y, line, lk->attr[R_WARN], 1);
	}
	if (y + 1 < end) {
		draw_str(y + 1, 2, w, "Checks: will mail programs accept it?", lk->attr[R_HEADING]);
		ui_draw_lint(lk, &v->info.lint, y + 2, 2, w, end, "padseal lint shows them all");
	}
	draw_status(lk, a->rows, a->cols, stored ? done_keys : pre_keys);
}

int
scr_import_key(struct app *a, struct exchange_scr *xs, int ch)
{
	char hex[FPR_HEX_LEN];

	switch (ch) {
	case '\n':
	case '\r':
	case KEY_ENTER:
		if (xs->stage == XS_PREVIEW)
			return store(a, xs);
		/* Stored: on to the phone call. */
		snprintf(hex, sizeof hex, "%s", xs->view[0].info.hex);
		return APP_POP | scr_verify_open(a, hex);
	case 27:
		if (xs->stage == XS_STORED)
			return APP_HANDLED | APP_POP;
		scr_import_drop(xs);
		xs->stage = XS_FORM;
		xs->msg[0] = '\0';
		return APP_HANDLED | APP_REDRAW;
	case 'q': return xs->stage == XS_STORED ? APP_HANDLED | APP_POP : 0;
	}
	return 0;
}
