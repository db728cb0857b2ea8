#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "addr.h"
#include "op.h"
#include "scr_create.h"
#include "ui.h"
#include "util.h"
#include "xalloc.h"

/* The Create screen, first page: the request — name, addresses (checked
 * as they are typed; "Name <addr>" is offered a split), key type and
 * validity — checked whole by ident_check_new before any passphrase is
 * asked.  The passphrase, the key and the result are scr_create_key.c. */

#define LABEL_W    12
#define ADDR_BOX_W 46

/* ---- Reading the fields ---- */

/* `s` without the spaces around it, into buf. */
static void
trimmed(const char *s, char *buf, size_t len)
{
	size_t n;

	while (*s == ' ' || *s == '\t')
		s++;
	n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (n >= len)
		n = len - 1;
	memcpy(buf, s, n);
	buf[n] = '\0';
}

/* The days typed, or -1 when not a number in range. */
static int
days_of(const struct create_scr *cs)
{
	const char *t = cs->ff[F_DAYS].text;
	long d;

	if (*t == '\0' || strlen(t) > 6)
		return -1;
	d = strtol(t, NULL, 10);
	return d >= 1 && d <= IDENT_MAX_DAYS ? (int)d : -1;
}

static void
date_after(int days, char *buf, size_t len)
{
	time_t t = time(NULL) + (time_t)days * 86400;
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%d", &tm);
}

/* ---- Checks as typed ---- */

static void
note_address(const struct app *a, struct create_scr *cs, int i)
{
	const struct look *lk = &a->look;
	struct field *f = &cs->ff[F_ADDR + i];
	char s[256], name[256], addr[256];
	struct err e = ERR_INIT;

	trimmed(f->text, s, sizeof s);
	field_note(f, R_NORMAL, NULL, NULL);
	f->after[0] = '\0';
	if (s[0] == '\0')
		return;
	f->after_role = R_ERROR;
	snprintf(f->after, sizeof f->after, "%s", lk->sym->bad);
	if (addr_split(s, name, sizeof name, addr, sizeof addr) && addr_check(addr, NULL) == 0) {
		field_note(f, R_WARN, lk->sym->warn,
			   "A name and an address together; a certificate "
			   "holds the bare address. Enter splits them.");
		return;
	}
	if (addr_check(s, &e) != 0) {
		/* Typing is not finished while the cursor is here: the
		 * verdict is quiet until the user leaves the line. */
		field_note(f, cs->form.focus == F_ADDR + i ? R_DIM : R_ERROR, NULL, "%s", e.msg);
		return;
	}
	f->after_role = R_DONE;
	snprintf(f->after, sizeof f->after, "%s", lk->sym->ok);
}

static void
update_notes(const struct app *a, struct create_scr *cs)
{
	struct field *k = &cs->ff[F_KEY], *d = &cs->ff[F_DAYS];
	int days = days_of(cs), shown;
	char date[16];

	for (int i = 0; i < cs->n_addr; i++)
		note_address(a, cs, i);
	/* The explanation of the key type under the cursor, so that moving
	 * through the list reads them all. */
	shown = cs->form.focus == F_KEY ? k->hl : k->sel;
	field_note(k, R_DIM, NULL, "%s", cs->key_help[shown]);
	if (days < 0) {
		d->after_role = R_ERROR;
		snprintf(d->after, sizeof d->after, "days: 1 to %d", IDENT_MAX_DAYS);
	} else {
		date_after(days, date, sizeof date);
		d->after_role = R_NORMAL;
		snprintf(d->after, sizeof d->after, "days, until %s", date);
	}
	cs->ff[F_ADD].hidden = cs->n_addr >= FORM_ADDR_LINES;
}

static void
set_msg(struct create_scr *cs, enum role role, const char *s)
{
	cs->msg_role = role;
	snprintf(cs->msg, sizeof cs->msg, "%s", s);
}

/* ---- Address lines ---- */

/* A new address line, only when the last one holds an address: an empty
 * line would be dropped later without a word. */
static int
add_address(const struct app *a, struct create_scr *cs)
{
	char last[256];

	if (cs->n_addr >= FORM_ADDR_LINES)
		return APP_HANDLED;
	trimmed(cs->ff[F_ADDR + cs->n_addr - 1].text, last, sizeof last);
	if (last[0] == '\0') {
		form_focus(&cs->form, F_ADDR + cs->n_addr - 1);
		set_msg(cs, R_WARN,
			"Type an address in the empty line first; then Add another "
			"address gives you one more.");
		return APP_HANDLED | APP_REDRAW;
	}
	cs->ff[F_ADDR + cs->n_addr].hidden = 0;
	form_focus(&cs->form, F_ADDR + cs->n_addr);
	cs->n_addr++;
	update_notes(a, cs);
	return APP_HANDLED | APP_REDRAW;
}

static int
remove_address(const struct app *a, struct create_scr *cs, int i)
{
	if (cs->n_addr <= 1)
		return APP_HANDLED;
	for (int j = i; j < cs->n_addr - 1; j++)
		field_set(&cs->ff[F_ADDR + j], cs->ff[F_ADDR + j + 1].text);
	cs->n_addr--;
	field_set(&cs->ff[F_ADDR + cs->n_addr], "");
	cs->ff[F_ADDR + cs->n_addr].hidden = 1;
	form_focus(&cs->form, F_ADDR + (i < cs->n_addr ? i : cs->n_addr - 1));
	update_notes(a, cs);
	return APP_HANDLED | APP_REDRAW;
}

/* ---- Questions ---- */

/* "Name <addr>" on address line i: ask how to split it. */
static int
ask_split(struct app *a, struct create_scr *cs, int i)
{
	static const char *const both[] = {"Split", "Keep editing"};
	static const char *const three[] = {"Use both", "Address only", "Keep editing"};
	char s[256], cur[256], text[2400];
	int named;

	trimmed(cs->ff[F_ADDR + i].text, s, sizeof s);
	if (!addr_split(s, cs->q_name, sizeof cs->q_name, cs->q_addr, sizeof cs->q_addr))
		return 0;
	trimmed(cs->ff[F_NAME].text, cur, sizeof cur);
	cs->q = Q_SPLIT;
	cs->q_line = i;
	named = cs->q_name[0] != '\0' && cur[0] != '\0' && strcmp(cur, cs->q_name) != 0;
	if (!named) {
		snprintf(text, sizeof text,
			 "\"%s\" is a name and an address together. A "
			 "certificate holds the bare address, %s, and the name "
			 "separately: it is what mail clients show.\n\nSplit "
			 "puts %s on this line%s%s%s.",
			 s, cs->q_addr, cs->q_addr, cs->q_name[0] != '\0' ? " and \"" : "",
			 cs->q_name[0] != '\0' ? cs->q_name : "",
			 cs->q_name[0] != '\0' ? "\" in the name field" : "");
		return app_ask(a, "A name and an address", text, both, 2, &cs->answer);
	}
	snprintf(text, sizeof text,
		 "\"%s\" is a name and an address together. A certificate "
		 "holds the bare address, %s, and the name separately.\n\n"
		 "Use both: %s here and \"%s\" as your name.\nAddress only: "
		 "%s here; your name stays \"%s\".",
		 s, cs->q_addr, cs->q_addr, cs->q_name, cs->q_addr, cur);
	return app_ask(a, "A name and an address", text, three, 3, &cs->answer);
}

static void
apply_split(const struct app *a, struct create_scr *cs)
{
	char cur[256];
	int named;

	trimmed(cs->ff[F_NAME].text, cur, sizeof cur);
	named = cs->q_name[0] != '\0' && cur[0] != '\0' && strcmp(cur, cs->q_name) != 0;
	if (cs->answer < 0 || cs->answer == (named ? 2 : 1))
		return; /* keep editing */
	field_set(&cs->ff[F_ADDR + cs->q_line], cs->q_addr);
	if (cs->q_name[0] != '\0' && (!named || cs->answer == 0))
		field_set(&cs->ff[F_NAME], cs->q_name);
	set_msg(cs, R_DONE, "Split: the address line holds the bare address now.");
	update_notes(a, cs);
}

static int
ask_replace(struct app *a, struct create_scr *cs)
{
	static const char *const b[] = {"Replace it", "Cancel"};
	char text[1200];

	cs->q = Q_REPLACE;
	snprintf(text, sizeof text,
		 "This home already has your credential: %s.\n\nA new one "
		 "replaces it. The old one is archived, never deleted: its "
		 "key stays here so that mail encrypted to it can still be "
		 "read. Your correspondents must get your new certificate, "
		 "and its backup must be made again.\n\nReplace it only "
		 "when it is lost, expiring or broken.",
		 cs->current);
	return app_ask(a, "Replace your credential?", text, b, 2, &cs->answer);
}

/* ---- The request ---- */

/* The fields into cs's request.  Returns 0 when they make one; else the
 * flags of what happened (a message, a question) with the focus on the
 * field at fault. */
static int
collect(struct app *a, struct create_scr *cs)
{
	struct err e = ERR_INIT;

	trimmed(cs->ff[F_NAME].text, cs->name, sizeof cs->name);
	cs->n_emails = 0;
	for (int i = 0; i < cs->n_addr; i++) {
		char *s = cs->addr[cs->n_emails], name[256], addr[256];

		trimmed(cs->ff[F_ADDR + i].text, s, sizeof cs->addr[0]);
		if (s[0] == '\0')
			continue; /* an empty extra line is no address */
		if (addr_split(s, name, sizeof name, addr, sizeof addr)) {
			form_focus(&cs->form, F_ADDR + i);
			return APP_REDRAW | ask_split(a, cs, i);
		}
		if (addr_check(s, &e) != 0) {
			form_focus(&cs->form, F_ADDR + i);
			set_msg(cs, R_ERROR, e.msg);
			return APP_HANDLED | APP_REDRAW;
		}
		cs->emails[cs->n_emails] = s;
		cs->n_emails++;
	}
	if (cs->n_emails == 0) {
		form_focus(&cs->form, F_ADDR);
		set_msg(cs, R_ERROR,
			"An address is needed: the one you send mail from, "
			"like you@example.org.");
		return APP_HANDLED | APP_REDRAW;
	}
	cs->key = cs->ff[F_KEY].sel;
	if ((cs->days = days_of(cs)) < 0) {
		form_focus(&cs->form, F_DAYS);
		set_msg(cs, R_ERROR,
			"The validity is a number of days, from 1 to "
			"36500; 730 (two years) is usual.");
		return APP_HANDLED | APP_REDRAW;
	}
	return 0;
}

void
scr_create_request(const struct create_scr *cs, struct ident_new *req)
{
	*req = (struct ident_new){
		.name = cs->name,
		.emails = cs->emails,
		.n_emails = cs->n_emails,
		.key = cs->key_name[cs->key],
		.days = cs->days,
		.replace = cs->replace,
	};
}

static int
submit(struct app *a, struct create_scr *cs, int confirmed)
{
	struct ident_new req;
	struct err e = ERR_INIT;
	int fl;

	if (!confirmed) {
		cs->msg[0] = '\0';
		if ((fl = collect(a, cs)) != 0)
			return fl;
		/* The whole request is checked before the question, so that
		 * a "yes" leads straight on. */
		cs->replace = cs->has_current;
		scr_create_request(cs, &req);
		if (op_create_check(a->s, &req, &e) != 0) {
			set_msg(cs, R_ERROR, e.msg);
			return APP_HANDLED | APP_REDRAW;
		}
		if (cs->has_current)
			return APP_REDRAW | ask_replace(a, cs);
	}
	cs->stage = ST_PASS;
	scr_create_pass_enter(a, cs);
	return APP_HANDLED | APP_REDRAW;
}

void
scr_create_key_short(const struct create_scr *cs, char *buf, size_t len)
{
	const char *l = cs->key_label[cs->key], *p = strstr(l, " (");

	snprintf(buf, len, "%.*s", p != NULL ? (int)(p - l) : (int)strlen(l), l);
}

void
scr_create_summary(const struct create_scr *cs, char *buf, size_t len)
{
	char date[16], key[48];
	size_t o;

	date_after(cs->days, date, sizeof date);
	scr_create_key_short(cs, key, sizeof key);
	o = (size_t)snprintf(buf, len, "%s <%s>", cs->name, cs->emails[0]);
	if (cs->n_emails > 1 && o < len)
		o += (size_t)snprintf(buf + o, len - o, " and %zu more", cs->n_emails - 1);
	if (o < len)
		snprintf(buf + o, len - o, ", %s, valid until %s", key, date);
}

/* ---- The page ---- */

static void
form_page_draw(const struct app *a, const struct create_scr *cs)
{
	const struct look *lk = &a->look;
	struct keyhint keys[10];
	static const struct keyhint rm[] = {{"^D", "remove line"}, {NULL, NULL}};
	int focus = cs->form.focus, end, y = 2, w = a->cols - 4;
	int line_focus = focus > F_ADDR && focus < F_ADDR + cs->n_addr;

	end = app_frame(a, "Create your credential", cs->msg, cs->msg_role);
	if (cs->has_current)
		y += 1 + draw_text(lk, y, 2, w, 3,
				   "You have a credential already; a new one "
				   "replaces it (the old one is archived, never "
				   "deleted).",
				   lk->attr[R_WARN], 1);
	else
		y += 1 + draw_text(lk, y, 2, w, 3,
				   "Your credential: a secret key that stays with "
				   "you, and a certificate, your ID card for mail, "
				   "with your name as people know it and the bare "
				   "address(es) you send mail from.",
				   A_NORMAL, 1);
	form_draw(lk, &cs->form, y, 2, w, end - y);
	form_hints(lk, &cs->form, line_focus ? rm : NULL, "home", keys, 10);
	draw_status(lk, a->rows, a->cols, keys);
}

static int
form_page_key(struct app *a, struct create_scr *cs, int ch)
{
	int focus = cs->form.focus, r;
	int line = focus - F_ADDR;

	if (ch == 27) /* Esc */
		return APP_HANDLED | APP_POP;
	if (line >= 0 && line < cs->n_addr) {
		char s[256], n[256], ad[256];

		if (ch == ('D' & 0x1f) && line > 0)
			return remove_address(a, cs, line);
		trimmed(cs->ff[focus].text, s, sizeof s);
		if ((ch == '\n' || ch == '\r' || ch == KEY_ENTER) &&
		    addr_split(s, n, sizeof n, ad, sizeof ad))
			return APP_HANDLED | APP_REDRAW | ask_split(a, cs, line);
	}
	r = form_key(&cs->form, ch);
	if (r == FORM_IGNORED)
		return 0;
	if (r == FORM_EDITED)
		cs->msg[0] = '\0';
	update_notes(a, cs);
	if (r == FORM_PRESSED && cs->form.focus == F_ADD)
		return add_address(a, cs);
	if (r == FORM_PRESSED && cs->form.focus == F_NEXT)
		return submit(a, cs, 0);
	return APP_HANDLED | APP_REDRAW;
}

/* ---- The screen ---- */

static void
create_draw(const struct app *a, const void *sc)
{
	const struct create_scr *cs = sc;

	switch (cs->stage) {
	case ST_FORM: form_page_draw(a, cs); break;
	case ST_PASS: scr_create_pass_draw(a, cs); break;
	case ST_GEN: scr_create_gen_draw(a, cs); break;
	case ST_DONE: scr_create_done_draw(a, cs); break;
	}
}

static int
create_key(struct app *a, void *sc, int ch)
{
	struct create_scr *cs = sc;

	switch (cs->stage) {
	case ST_FORM: return form_page_key(a, cs, ch);
	case ST_PASS: return scr_create_pass_key(a, cs, ch);
	case ST_GEN: return scr_create_gen_key(a, cs, ch);
	case ST_DONE: return scr_create_done_key(a, cs, ch);
	}
	return 0;
}

static int
create_resume(struct app *a, void *sc)
{
	struct create_scr *cs = sc;
	enum question q = cs->q;

	cs->q = Q_NONE;
	if (q == Q_SPLIT)
		apply_split(a, cs);
	else if (q == Q_REPLACE && cs->answer == 0)
		return submit(a, cs, 1);
	return APP_REDRAW;
}

static int
create_tick(struct app *a, void *sc)
{
	struct create_scr *cs = sc;

	return cs->stage == ST_GEN ? scr_create_gen_tick(a, cs) : 0;
}

/* The current identity, described for the replace question. */
static int
load_current(struct app *a, struct create_scr *cs, struct err *e)
{
	struct ident id;
	int rc;

	if ((rc = ui_ident(a, &id, e)) == 1) {
		cs->has_current = 1;
		snprintf(cs->current, sizeof cs->current, "%s <%s>, %s, created %.10s", id.name,
			 id.n_emails ? id.emails[0] : "", id.key, id.created);
		/* A replacement is usually for the same person and
		 * addresses: start from those. */
		field_set(&cs->ff[F_NAME], id.name);
		for (size_t i = 0; i < id.n_emails && i < FORM_ADDR_LINES; i++) {
			field_set(&cs->ff[F_ADDR + i], id.emails[i]);
			cs->ff[F_ADDR + i].hidden = 0;
			cs->n_addr = (int)i + 1;
		}
		rc = 0;
	}
	ident_clear(&id);
	return rc;
}

static void
setup_fields(struct create_scr *cs)
{
	struct field *f = cs->ff;
	char days[16];
	int dflt = 0;

	f[F_NAME] = (struct field){.kind = FIELD_TEXT,
				   .label = "Name",
				   .placeholder = "as people know you"};
	for (int i = 0; i < FORM_ADDR_LINES; i++)
		f[F_ADDR + i] = (struct field){.kind = FIELD_TEXT,
					       .label = i ? "" : "Address",
					       .box_w = ADDR_BOX_W,
					       .hidden = i > 0};
	f[F_ADDR].placeholder = "you@example.org";
	f[F_ADD] = (struct field){.kind = FIELD_BUTTON, .label = "Add another address"};
	f[F_KEY] = (struct field){.kind = FIELD_CHOICE, .label = "Key type", .gap = 1};
	for (size_t i = 0; i < KEYS_MAX; i++) {
		const char *help, *name = ident_key_type(i, &help, &dflt);

		if (name == NULL)
			break;
		cs->key_name[i] = name;
		cs->key_help[i] = help;
		/* "RSA 3072", the words before the colon of its help. */
		snprintf(cs->key_label[i], sizeof cs->key_label[i], "%.*s%s",
			 (int)strcspn(help, ":"), help, dflt ? " (recommended)" : "");
		f[F_KEY].items[i] = cs->key_label[i];
		if (dflt)
			f[F_KEY].sel = f[F_KEY].hl = (int)i;
		cs->n_keys = (int)i + 1;
	}
	f[F_KEY].n_items = cs->n_keys;
	f[F_DAYS] = (struct field){.kind = FIELD_TEXT,
				   .label = "Valid for",
				   .digits = 1,
				   .box_w = 7,
				   .gap = 1};
	snprintf(f[F_DAYS].after, sizeof f[F_DAYS].after, "days");
	snprintf(days, sizeof days, "%d", IDENT_DEFAULT_DAYS);
	field_set(&f[F_DAYS], days);
	f[F_NEXT] = (struct field){.kind = FIELD_BUTTON, .label = "Continue", .gap = 1};
	cs->form = (struct form){.f = cs->ff,
				 .n = F_COUNT,
				 .focus = F_NAME,
				 .dflt = F_NEXT,
				 .label_w = LABEL_W};
	cs->n_addr = 1;
}

static int
create_enter(struct app *a, void *sc)
{
	struct create_scr *cs = sc;
	struct err e = ERR_INIT;

	setup_fields(cs);
	if (load_current(a, cs, &e) < 0) {
		app_message(a, "Create", e.msg);
		return -1;
	}
	update_notes(a, cs);
	return 0;
}

static void
create_leave(struct app *a, void *sc)
{
	struct create_scr *cs = sc;

	scr_create_stop(a, cs);
	ident_clear(&cs->id);
}

static const struct screen_ops create_ops = {
	.name = "create",
	.help = "create",
	.modal = 0,
	.enter = create_enter,
	.draw = create_draw,
	.key = create_key,
	.resume = create_resume,
	.tick = create_tick,
	.leave = create_leave,
};

int
scr_create_open(struct app *a)
{
	return app_push(a, &create_ops, xcalloc(1, sizeof(struct create_scr)));
}
