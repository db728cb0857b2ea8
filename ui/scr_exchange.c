#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "addr.h"
#include "ident.h"
#include "op.h"
#include "scr_exchange.h"
#include "ui.h"
#include "xalloc.h"

/* The Exchange screen: certificates travel, keys never do.  Three
 * actions, one chosen at the top: write the introduction mail (signed,
 * not encrypted: the signature carries your certificate) to a file and
 * say how to send it; write your certificate file for a handover in
 * person; import a correspondent's certificate (scr_import.c).  Each
 * calls the operation the verbs intro, cert and import call. */

#define LABEL_W 15

static const char *const mode_items[] = {
	"Send yours by mail: write the introduction mail",
	"Hand yours over in person: write your certificate file",
	"Import theirs: from their signed mail or their file",
};
static const char *const fmt_items[] = {
	"PEM (.pem): every mail program imports it",
	"DER (.cer): the binary form some Windows tools want",
};

/* The action each field belongs to (X_MODE: all). */
static int
field_mode(int i)
{
	return i <= X_MODE ? -1 : i < X_FMT ? XM_INTRO : i < X_FILE ? XM_EXPORT : XM_IMPORT;
}

/* The field's text without the spaces around it. */
static void
trimmed(const struct field *f, char *buf, size_t len)
{
	const char *s = f->text;
	size_t n;

	while (*s == ' ')
		s++;
	n = strlen(s);
	while (n > 0 && s[n - 1] == ' ')
		n--;
	snprintf(buf, len, "%.*s", (int)n, s);
}

/* The bare address typed in `f` ("Name <addr>" gives its address): 0, or
 * -1 with the reason in `e`. */
static int
address_of(const struct field *f, char *addr, size_t len, struct err *e)
{
	char s[ADDR_MAX], name[256];

	trimmed(f, s, sizeof s);
	if (addr_split(s, name, sizeof name, addr, len) && addr_check(addr, NULL) == 0)
		return 0;
	snprintf(addr, len, "%s", s);
	return addr_check(addr, e);
}

/* ---- Notes, as typed ---- */

static void
note_address(const struct app *a, struct exchange_scr *xs, int i, const char *empty)
{
	const struct look *lk = &a->look;
	struct field *f = &xs->f[i];
	char s[ADDR_MAX], addr[ADDR_MAX], name[256];
	struct err e = ERR_INIT;

	trimmed(f, s, sizeof s);
	f->after[0] = '\0';
	if (s[0] == '\0') {
		field_note(f, R_DIM, NULL, "%s", empty);
		return;
	}
	if (addr_split(s, name, sizeof name, addr, sizeof addr) && addr_check(addr, NULL) == 0) {
		field_note(f, R_WARN, lk->sym->warn,
			   "A name and an address together: only the address "
			   "is used, %s.",
			   addr);
		f->after_role = R_DONE;
		snprintf(f->after, sizeof f->after, "%s", lk->sym->ok);
		return;
	}
	if (addr_check(s, &e) != 0) {
		/* Quiet while the cursor is still on the line. */
		field_note(f, xs->form.focus == i ? R_DIM : R_ERROR, NULL, "%s", e.msg);
		f->after_role = R_ERROR;
		snprintf(f->after, sizeof f->after, "%s", lk->sym->bad);
		return;
	}
	field_note(f, R_NORMAL, NULL, NULL);
	f->after_role = R_DONE;
	snprintf(f->after, sizeof f->after, "%s", lk->sym->ok);
}

/* Names that say what the files are, until the user types their own. */
static void
default_paths(struct exchange_scr *xs)
{
	char to[ADDR_MAX], stem[400], path[UI_PATH_MAX];
	struct err e = ERR_INIT;

	if (!xs->out_touched) {
		if (address_of(&xs->f[X_TO], to, sizeof to, &e) == 0)
			snprintf(stem, sizeof stem, "intro-for-%s", to);
		else
			snprintf(stem, sizeof stem, "intro");
		ui_path_fresh(stem, ".eml", path, sizeof path);
		field_set(&xs->f[X_OUT], path);
	}
	if (!xs->cpath_touched) {
		snprintf(stem, sizeof stem, "certificate-%s", xs->me[0] ? xs->me : "mine");
		ui_path_fresh(stem, xs->f[X_FMT].sel ? ".cer" : ".pem", path, sizeof path);
		field_set(&xs->f[X_CPATH], path);
	}
}

static void
note_file(struct exchange_scr *xs)
{
	struct field *f = &xs->f[X_FILE];
	char full[UI_PATH_MAX];
	struct stat sb;

	if (xs->tab_listed)
		return; /* the names Tab listed stay until the next key */
	ui_path_expand(f->text, full, sizeof full);
	if (full[0] == '\0')
		field_note(f, R_DIM, NULL,
			   "Their signed mail saved as a file (.eml), or their "
			   "certificate (.pem, .cer, .p7s). Tab completes.");
	else if (stat(full, &sb) != 0)
		field_note(f, xs->form.focus == X_FILE ? R_DIM : R_ERROR, NULL,
			   "There is no such file yet.");
	else if (S_ISDIR(sb.st_mode))
		field_note(f, R_DIM, NULL, "A folder: Tab lists its files.");
	else
		field_note(f, R_NORMAL, NULL, NULL);
}

static void
update(struct app *a, struct exchange_scr *xs)
{
	int mode = xs->f[X_MODE].sel;

	for (int i = X_MODE + 1; i < X_COUNT; i++)
		xs->f[i].hidden = field_mode(i) != mode;
	xs->f[X_IPASS].hidden = mode != XM_IMPORT || !xs->pass_wanted;
	ui_key_field(a, &xs->form, X_PASS);
	ui_key_field(a, &xs->form, X_IPASS);
	/* Enter in the last field presses the shown action's button. */
	xs->form.dflt = mode == XM_INTRO ? X_WRITE : mode == XM_EXPORT ? X_EXPORT : X_READ;
	default_paths(xs);
	note_address(a, xs, X_TO, "Their address, as their mail program sends from it.");
	note_address(a, xs, X_GIVEN,
		     "Optional: whom you give it to; padseal then counts "
		     "your certificate as sent to them.");
	ui_path_note_new(&xs->f[X_OUT]);
	ui_path_note_new(&xs->f[X_CPATH]);
	note_file(xs);
}

int
scr_exchange_fail(struct exchange_scr *xs, int field, const char *msg)
{
	snprintf(xs->msg, sizeof xs->msg, "%s", msg);
	xs->msg_role = R_ERROR;
	if (field >= 0)
		form_focus(&xs->form, field);
	return APP_HANDLED | APP_REDRAW;
}

/* ---- The introduction ---- */

/* As `padseal intro`: op_intro signs it (asking for the key's passphrase
 * only when the session does not hold the key), writes the file, then
 * records that your certificate went to them. */
static int
write_intro(struct app *a, struct exchange_scr *xs)
{
	struct field *pass = &xs->f[X_PASS];
	char to[ADDR_MAX], path[UI_PATH_MAX];
	struct sink out;
	struct sink_file file;
	struct ui_pass up;
	struct err e = ERR_INIT;
	int rc;

	if (address_of(&xs->f[X_TO], to, sizeof to, &e) != 0)
		return scr_exchange_fail(xs, X_TO, e.msg);
	ui_path_expand(xs->f[X_OUT].text, path, sizeof path);
	if (ui_path_note_new(&xs->f[X_OUT]) != 0)
		return scr_exchange_fail(xs, X_OUT, xs->f[X_OUT].note);
	if (pass->len == 0 && ui_key_needed(a))
		return scr_exchange_fail(xs, X_PASS,
					 "Type the passphrase of your key: the "
					 "introduction is signed with it.");
	sink_file(&out, &file, path, 0);
	ui_pass_init(&up);
	ui_pass_set(&up, PASS_KEY, pass);
	rc = op_intro(a->s, to, &out, time(NULL), &up.ask, &e);
	field_wipe(pass);
	if (rc != 0) {
		scr_exchange_fail(xs, e.code == ERR_BAD_PASS ? X_PASS : X_OUT, e.msg);
	} else {
		snprintf(xs->done_path, sizeof xs->done_path, "%s", path);
		snprintf(xs->done_to, sizeof xs->done_to, "%s", to);
		xs->stage = XS_INTRO_DONE;
		xs->msg[0] = '\0';
	}
	update(a, xs);
	return APP_HANDLED | APP_REDRAW;
}

/* ---- The certificate file ---- */

/* As `padseal cert --out`; with an address, also what `intro` records:
 * your certificate went to them (in person). */
static int
write_cert(struct app *a, struct exchange_scr *xs)
{
	int der = xs->f[X_FMT].sel == 1, given = xs->f[X_GIVEN].len > 0;
	char to[ADDR_MAX] = "", path[UI_PATH_MAX];
	struct sink out;
	struct sink_file file;
	struct err e = ERR_INIT;

	if (given && address_of(&xs->f[X_GIVEN], to, sizeof to, &e) != 0)
		return scr_exchange_fail(xs, X_GIVEN, e.msg);
	ui_path_expand(xs->f[X_CPATH].text, path, sizeof path);
	if (ui_path_note_new(&xs->f[X_CPATH]) != 0)
		return scr_exchange_fail(xs, X_CPATH, xs->f[X_CPATH].note);
	sink_file(&out, &file, path, 0);
	if (op_cert(a->s, der, given ? to : NULL, &out, time(NULL), &e) != 0) {
		scr_exchange_fail(xs, X_CPATH, e.msg);
	} else {
		snprintf(xs->done_path, sizeof xs->done_path, "%s", path);
		snprintf(xs->done_to, sizeof xs->done_to, "%s", to);
		xs->stage = XS_EXPORT_DONE;
		xs->msg[0] = '\0';
	}
	update(a, xs);
	return APP_HANDLED | APP_REDRAW;
}

/* ---- Drawing ---- */

static void
draw_form(const struct app *a, const struct exchange_scr *xs)
{
	static const struct keyhint tab[] = {{"Tab", "complete"}, {NULL, NULL}};
	const struct look *lk = &a->look;
	struct keyhint keys[10];
	int y = 2, w = a->cols - 4, end;

	end = app_frame(a, "Exchange certificates", xs->msg, xs->msg_role);
	y += 1 + draw_text(lk, y, 2, w, 2,
			   "Only certificates travel: yours lets others "
			   "encrypt to you and check your signature. Send "
			   "yours, then import theirs.",
			   A_NORMAL, 1);
	form_draw(lk, &xs->form, y, 2, w, end - y);
	form_hints(lk, &xs->form, xs->form.focus == X_FILE ? tab : NULL, "home", keys, 10);
	if (xs->form.focus == X_FILE) /* Tab completes; say what moves */
		keys[0] = (struct keyhint){lk->sym->updown, "field"};
	draw_status(lk, a->rows, a->cols, keys);
}

static void
draw_done(const struct app *a, const struct exchange_scr *xs)
{
	static const struct keyhint keys[] = {{"Enter", "import theirs"},
					      {"Esc", "home"},
					      {"?", "help"},
					      {NULL, NULL}};
	const struct look *lk = &a->look;
	int y = 2, w = a->cols - 4, end, intro = xs->stage == XS_INTRO_DONE;
	char line[2 * UI_PATH_MAX + 800], where[UI_PATH_MAX];

	end = app_frame(a, "Exchange certificates",
			"Next: import their certificate when it arrives "
			"(their signed mail, or their file). Enter goes there.",
			R_NEXT);
	ui_path_label(xs->done_path, where, sizeof where);
	draw_str(y, 2, 1, lk->sym->ok, lk->attr[R_DONE] | A_BOLD);
	if (intro)
		snprintf(line, sizeof line, "Wrote the introduction mail for %s.", xs->done_to);
	else
		snprintf(line, sizeof line, "Wrote your certificate file.");
	draw_clip(lk, y, 4, w - 2, line, lk->attr[R_DONE] | A_BOLD);
	y += 2;
	draw_str(y, 2, 6, "File", A_BOLD);
	draw_clip_left(lk, y, 8, w - 6, where, A_NORMAL);
	y += 2;
	if (intro) {
		snprintf(line, sizeof line,
			 "Send it to %s unchanged, as it is: it holds the To "
			 "line and is signed, not encrypted, so the signature "
			 "carries your certificate. A mail program that "
			 "rewrites a saved message can break the signature; "
			 "instead, with your backup (.p12) imported there, any "
			 "mail you send them signed but not encrypted does the "
			 "same. How to send the file itself: ? (help).",
			 xs->done_to);
		y += 1 + draw_text(lk, y, 2, w, end - y - 2, line, A_NORMAL, 1);
		snprintf(line, sizeof line,
			 "Then call %s: the mail proves nothing by itself. "
			 "Step 4 compares the fingerprints.",
			 xs->done_to);
	} else {
		y += 1 + draw_text(lk, y, 2, w, end - y - 2,
				   "Hand it over yourself: a USB stick, a file "
				   "shared while you sit together. It holds no "
				   "secret, only your public key; what matters "
				   "is that they know it came from you.",
				   A_NORMAL, 1);
		snprintf(line, sizeof line,
			 "They import it as your certificate; then you "
			 "compare fingerprints all the same (step 4)%s%s.",
			 xs->done_to[0] ? ". Recorded as given to " : "", xs->done_to);
	}
	draw_text(lk, y, 2, w, end - y, line, lk->attr[R_DIM], 1);
	draw_status(lk, a->rows, a->cols, keys);
}

static void
exchange_draw(const struct app *a, const void *sc)
{
	const struct exchange_scr *xs = sc;

	switch (xs->stage) {
	case XS_FORM: draw_form(a, xs); break;
	case XS_INTRO_DONE:
	case XS_EXPORT_DONE: draw_done(a, xs); break;
	default: scr_import_draw(a, xs);
	}
}

/* ---- Keys ---- */

static void
set_mode(struct app *a, struct exchange_scr *xs, int mode)
{
	xs->f[X_MODE].sel = xs->f[X_MODE].hl = mode;
	update(a, xs);
}

/* Tab in the file field completes the name; when it has nothing to add
 * (or listed the names already) it moves on as everywhere else. */
static int
file_tab(struct app *a, struct exchange_scr *xs)
{
	int r = xs->tab_listed ? -1 : ui_path_complete(&xs->f[X_FILE]);

	xs->tab_listed = r == 0;
	if (r >= 0)
		return APP_HANDLED | APP_REDRAW;
	form_key(&xs->form, '\t');
	update(a, xs);
	return APP_HANDLED | APP_REDRAW;
}

static int
form_keys(struct app *a, struct exchange_scr *xs, int ch)
{
	int focus = xs->form.focus, r;

	if (ch == 27)
		return APP_HANDLED | APP_POP;
	if (ch == '\t' && focus == X_FILE)
		return file_tab(a, xs);
	xs->tab_listed = 0;
	update(a, xs); /* the key may have been forgotten (idle) meanwhile */
	r = form_key(&xs->form, ch);
	if (r == FORM_IGNORED)
		return 0;
	if (r == FORM_EDITED) {
		xs->msg[0] = '\0';
		xs->out_touched |= focus == X_OUT;
		xs->cpath_touched |= focus == X_CPATH;
		if (focus == X_FILE)
			xs->pass_wanted = 0;
	}
	/* The radio buttons follow the arrow keys: the fields below show
	 * what the highlighted action needs.  Coming into the list keeps
	 * the action chosen. */
	if (focus == X_MODE && xs->form.focus == X_MODE)
		xs->f[X_MODE].sel = xs->f[X_MODE].hl;
	else if (xs->form.focus == X_MODE)
		xs->f[X_MODE].hl = xs->f[X_MODE].sel;
	update(a, xs);
	if (r != FORM_PRESSED)
		return APP_HANDLED | APP_REDRAW;
	switch (xs->form.focus) {
	case X_WRITE: return write_intro(a, xs);
	case X_EXPORT: return write_cert(a, xs);
	case X_READ: return scr_import_read(a, xs);
	}
	return APP_HANDLED | APP_REDRAW;
}

static int
exchange_key(struct app *a, void *sc, int ch)
{
	struct exchange_scr *xs = sc;

	switch (xs->stage) {
	case XS_FORM: return form_keys(a, xs, ch);
	case XS_INTRO_DONE:
	case XS_EXPORT_DONE:
		if (ch == 27 || ch == 'q')
			return APP_HANDLED | APP_POP;
		if (ch != '\n' && ch != '\r' && ch != KEY_ENTER)
			return 0;
		xs->stage = XS_FORM;
		set_mode(a, xs, XM_IMPORT);
		form_focus(&xs->form, X_FILE);
		update(a, xs);
		return APP_HANDLED | APP_REDRAW;
	default: return scr_import_key(a, xs, ch);
	}
}

/* ---- Life cycle ---- */

static void
setup(struct exchange_scr *xs)
{
	struct field *f = xs->f;

	f[X_MODE] = (struct field){.kind = FIELD_CHOICE, .label = "Do", .n_items = 3};
	for (int i = 0; i < 3; i++)
		f[X_MODE].items[i] = mode_items[i];
	f[X_TO] = (struct field){.kind = FIELD_TEXT, .label = "To", .gap = 1, .box_w = 40};
	f[X_OUT] = (struct field){.kind = FIELD_TEXT, .label = "Save to"};
	f[X_PASS] = (struct field){.kind = FIELD_SECRET,
				   .label = "Key passphrase",
				   .placeholder = UI_KEY_PLACEHOLDER,
				   .enter_submits = 1};
	f[X_WRITE] = (struct field){.kind = FIELD_BUTTON,
				    .label = "Write the introduction mail",
				    .gap = 1};
	f[X_FMT] = (struct field){.kind = FIELD_CHOICE, .label = "Form", .n_items = 2, .gap = 1};
	f[X_FMT].items[0] = fmt_items[0];
	f[X_FMT].items[1] = fmt_items[1];
	f[X_CPATH] = (struct field){.kind = FIELD_TEXT, .label = "Save to"};
	f[X_GIVEN] = (struct field){.kind = FIELD_TEXT,
				    .label = "Given to",
				    .box_w = 40,
				    .enter_submits = 1};
	f[X_EXPORT] = (struct field){.kind = FIELD_BUTTON,
				     .label = "Write the certificate file",
				     .gap = 1};
	f[X_FILE] =
		(struct field){.kind = FIELD_TEXT, .label = "File", .gap = 1, .enter_submits = 1};
	f[X_IPASS] =
		(struct field){.kind = FIELD_SECRET, .label = "Key passphrase", .enter_submits = 1};
	f[X_READ] = (struct field){.kind = FIELD_BUTTON, .label = "Read the file", .gap = 1};
	xs->form = (struct form){.f = xs->f,
				 .n = X_COUNT,
				 .focus = X_MODE,
				 .dflt = -1,
				 .label_w = LABEL_W};
}

/* Your main address, for the file names; none means nothing to send. */
static int
load(struct app *a, struct exchange_scr *xs, struct err *e)
{
	struct ident id;
	int rc = ui_ident(a, &id, e);

	if (rc == 0)
		rc = err_set(e, "There is nothing to exchange yet: step 1 "
				"creates your credential, whose certificate "
				"goes to your correspondents.");
	if (rc == 1) {
		rc = 0;
		snprintf(xs->me, sizeof xs->me, "%s", id.n_emails ? id.emails[0] : "");
	}
	ident_clear(&id);
	return rc;
}

static int
exchange_enter(struct app *a, void *sc)
{
	struct exchange_scr *xs = sc;
	struct err e = ERR_INIT;

	if (load(a, xs, &e) != 0) {
		app_message_help(a, "Exchange", e.msg, "exchange");
		return -1;
	}
	setup(xs);
	field_set(&xs->f[X_TO], xs->open_addr);
	field_set(&xs->f[X_GIVEN], xs->open_addr);
	set_mode(a, xs, xs->open_import ? XM_IMPORT : XM_INTRO);
	form_focus(&xs->form, xs->open_import ? X_FILE : xs->open_addr[0] != 0 ? X_PASS : X_TO);
	update(a, xs);
	return 0;
}

static void
exchange_leave(struct app *a, void *sc)
{
	struct exchange_scr *xs = sc;

	(void)a;
	form_wipe(&xs->form);
	scr_import_drop(xs);
}

static const struct screen_ops exchange_ops = {
	.name = "exchange",
	.help = "exchange",
	.modal = 0,
	.enter = exchange_enter,
	.draw = exchange_draw,
	.key = exchange_key,
	.leave = exchange_leave,
};

int
scr_exchange_open(struct app *a, const char *addr, int import)
{
	struct exchange_scr *xs = xcalloc(1, sizeof *xs);

	snprintf(xs->open_addr, sizeof xs->open_addr, "%s", addr != NULL ? addr : "");
	xs->open_import = import;
	return app_push(a, &exchange_ops, xs);
}
