#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "mailbox.h"
#include "matrix.h"
#include "op.h"
#include "scr_test.h"
#include "state.h"
#include "util.h"

/* The Test screen's check: messages received (or your own sent copies) in
 * one file, a folder of .eml (and Outlook .msg) files, or a mailbox (a Maildir, an mbox file,
 * Apple Mail's folder, an IMAP folder), opened, judged and recorded by
 * op_matrix_check or op_matrix_check_box, as `padseal matrix check` does.
 * The mailbox kept with `padseal settings` is offered, and its Sent folder
 * read with it. */

#define PATH_NOTE                                                                     \
	"A message file, a folder of them, a Maildir, an mbox file (Thunderbird's), " \
	"Apple Mail's folder, or imaps://you@host/INBOX. Tab completes."

static int
is_imap(const char *path)
{
	return strncmp(path, "imap://", 7) == 0 || strncmp(path, "imaps://", 8) == 0;
}

int
scr_test_open_check(struct app *a, struct test_scr *ts)
{
	struct err e = ERR_INIT;

	ts->tab_listed = 0;
	if (op_mail_settings(a->s, &ts->kept, &e) != 0)
		memset(&ts->kept, 0, sizeof ts->kept); /* status says what is wrong */
	if (ts->cf[C_PATH].len == 0 && ts->kept.box[0]) {
		char label[UI_PATH_MAX];

		ui_path_label(ts->kept.box, label, sizeof label);
		field_set(&ts->cf[C_PATH], label);
	}
	scr_test_check_fields(a, ts);
	form_focus(&ts->cform, ts->cf[C_MBPASS].hidden ? C_PATH : C_MBPASS);
	ts->mode = TM_CHECK;
	ts->msg[0] = '\0';
	return APP_HANDLED | APP_REDRAW;
}

/* Is the path (as typed, or expanded) the mailbox kept in the settings? */
static int
is_kept(const struct test_scr *ts, const char *path)
{
	char full[UI_PATH_MAX];

	ui_path_expand(path, full, sizeof full);
	return ts->kept.box[0] && strcmp(full, ts->kept.box) == 0;
}

void
scr_test_check_fields(struct app *a, struct test_scr *ts)
{
	struct field *f = &ts->cf[C_PATH];
	int imap = is_imap(f->text);

	ts->cf[C_MBPASS].hidden = !imap;
	if (!imap)
		field_wipe(&ts->cf[C_MBPASS]);
	ts->cf[C_PASS].hidden = 0;
	ui_key_field(a, &ts->cform, C_PASS);
	if (is_kept(ts, f->text))
		field_note(f, R_DIM, NULL, "Your mailbox, kept with padseal settings%s. %s",
			   ts->kept.sent[0] ? ", and your Sent folder with it" : "", PATH_NOTE);
	else
		field_note(f, R_DIM, NULL, "%s", PATH_NOTE);
}

/* What the check found, in a few lines, after `head`.  A failed cell of
 * this correspondent is named and selected: its whole reason is drawn
 * under the table (the few lines here would cut it). */
static void
summary(struct test_scr *ts, const char *head, const struct op_checked *ck, size_t n)
{
	size_t o = 0;
	int good = 0, bad = 0, other = 0, lost = 0, picked = 0;

	for (size_t i = 0; i < n; i++) {
		if (!ck[i].judged)
			lost++;
		else if (strcmp(ck[i].res.peer_hex, ts->hex) != 0)
			other++;
		else if (ck[i].res.state == CELL_PASSED)
			good++;
		else
			bad++;
	}
	o += (size_t)snprintf(ts->msg, sizeof ts->msg, "%s: %d passed, %d failed", head, good, bad);
	if (other)
		o += (size_t)snprintf(ts->msg + o, sizeof ts->msg - o,
				      ", %d for another correspondent", other);
	o += (size_t)snprintf(ts->msg + o, sizeof ts->msg - o, ".");
	for (size_t i = 0; i < n && o < sizeof ts->msg; i++) {
		const char *base = strrchr(ck[i].file, '/');

		base = base != NULL ? base + 1 : ck[i].file;
		if (!ck[i].judged) {
			o += (size_t)snprintf(ts->msg + o, sizeof ts->msg - o, " %s: %s.", base,
					      ck[i].err.msg);
		} else if (ck[i].res.state != CELL_FAILED) {
			continue;
		} else if (strcmp(ck[i].res.peer_hex, ts->hex) != 0) {
			o += (size_t)snprintf(ts->msg + o, sizeof ts->msg - o, " %s failed: %s.",
					      base, ck[i].res.why);
		} else {
			o += (size_t)snprintf(ts->msg + o, sizeof ts->msg - o,
					      " %s (%s:%s) failed.", base,
					      cell_dir_name(ck[i].res.dir),
					      cell_kind_name(ck[i].res.kind));
			if (!picked) {
				ts->cd = ck[i].res.dir;
				ts->ck = ck[i].res.kind;
				picked = 1;
			}
		}
	}
	if (picked && o < sizeof ts->msg)
		snprintf(ts->msg + o, sizeof ts->msg - o, " Why is under the table%s.",
			 bad > 1 ? " (the arrows show each)" : "");
	ts->msg_role = bad || lost ? R_ERROR : R_DONE;
}

/* A failed check, said on the field it is about; nothing was recorded. */
static void
check_failed(struct test_scr *ts, const struct ui_pass *up, int typed, const struct err *e)
{
	if (e->code == ERR_BAD_PASS || e->code == ERR_LOGIN) {
		form_focus(&ts->cform, e->code == ERR_LOGIN ? C_MBPASS : C_PASS);
		scr_test_say(ts, R_ERROR, e->msg);
	} else if ((up->asked & (1u << PASS_KEY)) && !typed) {
		form_focus(&ts->cform, C_PASS);
		scr_test_say(ts, R_ERROR,
			     "Some of these messages are encrypted to you: "
			     "type your key passphrase and check again. "
			     "Nothing was recorded.");
	} else {
		form_focus(&ts->cform, C_PATH);
		scr_test_say(ts, R_ERROR, e->msg);
	}
}

/* The mailbox at `path` (`bx[0]`), with the kept Sent folder (`bx[1]`)
 * when it is the kept mailbox: an IMAP one logs in as the user in its URL
 * or the one kept for it, with the password typed.  The number of
 * mailboxes, or 0 after saying what is missing. */
static size_t
boxes(struct test_scr *ts, const char *path, struct mail_box bx[OP_BOXES_MAX])
{
	struct mail_box_req r = {.path = path,
				 .cacert = ts->kept.cacert[0] ? ts->kept.cacert : NULL};
	struct err e = ERR_INIT;
	int kept = is_kept(ts, path), rc;
	size_t n = 1;

	if (kept)
		mailset_box_req(&ts->kept, 0, &r);
	if ((rc = mailset_box(&r, NULL, &bx[0], &e)) != 0) {
		form_focus(&ts->cform, C_PATH);
		return scr_test_say(ts, R_ERROR,
				    rc < 0 ?
					    e.msg :
					    "Put your user name in the address: imaps://you@host/INBOX."),
		       0;
	}
	if (bx[0].mb.kind == MBX_IMAP && ts->cf[C_MBPASS].len == 0) {
		form_focus(&ts->cform, C_MBPASS);
		return scr_test_say(ts, R_ERROR,
				    "Type the password of the mailbox (padseal never keeps it)."),
		       0;
	}
	bx[0].srv.pass = ts->cf[C_MBPASS].text;
	/* The Sent folder: a local one, or an IMAP one read with the same
	 * login (there is one password field). */
	if (kept && mailset_box_req(&ts->kept, 1, &r) && mailset_box(&r, &bx[0], &bx[1], &e) == 0 &&
	    (bx[1].mb.kind != MBX_IMAP || bx[1].shares)) {
		bx[1].srv.pass = bx[0].srv.pass;
		n++;
	}
	return n;
}

/* The mailbox at `path`, with the kept Sent folder when it is the kept
 * mailbox: judged, recorded and summed up. */
static void
check_box(struct app *a, struct test_scr *ts, const char *path, struct ui_pass *up, int typed)
{
	struct mail_box bx[OP_BOXES_MAX];
	struct mailbox mb[OP_BOXES_MAX];
	struct op_box_res res = {0};
	struct err e = ERR_INIT;
	char head[200];
	size_t n_mb = boxes(ts, path, bx), seen = 0;

	if (n_mb == 0)
		return;
	for (size_t i = 0; i < n_mb; i++)
		mb[i] = bx[i].mb;
	if (op_matrix_check_box(a->s, mb, n_mb, time(NULL), &up->ask, &res, &e) != 0) {
		check_failed(ts, up, typed, &e);
		return;
	}
	scr_test_load(a, ts, &e);
	ts->mode = TM_TABLE;
	for (size_t i = 0; i < res.n_box; i++)
		seen += res.box[i].seen;
	snprintf(head, sizeof head, "%zu test message%s among the %zu in your mailbox%s", res.n,
		 res.n == 1 ? "" : "s", seen, res.n_box > 1 ? " and your Sent folder" : "");
	summary(ts, head, res.list, res.n);
	op_checked_free(res.list, res.n);
}

int
scr_test_check(struct app *a, struct test_scr *ts)
{
	struct field *pass = &ts->cf[C_PASS];
	char path[UI_PATH_MAX], msg[UI_PATH_MAX + 40], head[64];
	const char *files[1] = {path};
	struct op_checked *ck = NULL;
	struct mailbox mb;
	struct ui_pass up;
	struct err e = ERR_INIT;
	struct stat sb;
	size_t n = 0;
	int typed = pass->len > 0;

	ui_path_expand(ts->cf[C_PATH].text, path, sizeof path);
	if (path[0] == '\0' || (!is_imap(path) && stat(path, &sb) != 0)) {
		field_wipe(pass);
		form_focus(&ts->cform, C_PATH);
		if (path[0] == '\0')
			return scr_test_say(ts, R_ERROR,
					    "Type the file, the folder or the "
					    "mailbox the messages are in.");
		snprintf(msg, sizeof msg, "%s does not exist.", path);
		return scr_test_say(ts, R_ERROR, msg);
	}
	ui_pass_init(&up);
	ui_pass_set(&up, PASS_KEY, pass);
	mailbox_guess(path, &mb);
	if (mb.kind == MBX_EML_DIR || (mb.kind == MBX_MBOX && !mailbox_file_is_mbox(path))) {
		if (op_matrix_check(a->s, files, 1, time(NULL), &up.ask, &ck, &n, &e) != 0) {
			check_failed(ts, &up, typed, &e);
		} else {
			scr_test_load(a, ts, &e);
			ts->mode = TM_TABLE;
			snprintf(head, sizeof head, "Checked %zu message%s", n, n == 1 ? "" : "s");
			summary(ts, head, ck, n);
		}
		op_checked_free(ck, n);
	} else {
		check_box(a, ts, path, &up, typed);
	}
	field_wipe(pass);
	field_wipe(&ts->cf[C_MBPASS]);
	return APP_HANDLED | APP_REDRAW;
}
