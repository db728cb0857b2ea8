#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "matrix.h"
#include "op.h"
#include "scr_test.h"
#include "state.h"
#include "util.h"

/* The Test screen's check: messages received (or your own sent copies),
 * one file or every .eml of a folder, opened, judged and recorded by
 * op_matrix_check, as `padseal matrix check` does. */

int
scr_test_open_check(struct app *a, struct test_scr *ts)
{
	ts->tab_listed = 0;
	ts->cf[C_PASS].hidden = 0;
	ui_key_field(a, &ts->cform, C_PASS);
	field_note(&ts->cf[C_PATH], R_DIM, NULL,
		   "One message file, or a folder: every .eml in it. Tab "
		   "completes.");
	form_focus(&ts->cform, C_PATH);
	ts->mode = TM_CHECK;
	ts->msg[0] = '\0';
	return APP_HANDLED | APP_REDRAW;
}

/* What the check found, in a few lines. */
static void
summary(struct test_scr *ts, const struct op_checked *ck, size_t n)
{
	size_t o = 0;
	int good = 0, bad = 0, other = 0, lost = 0;

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
	o += (size_t)snprintf(ts->msg, sizeof ts->msg,
			      "Checked %zu message%s: %d passed, %d failed", n, n == 1 ? "" : "s",
			      good, bad);
	if (other)
		o += (size_t)snprintf(ts->msg + o, sizeof ts->msg - o,
				      ", %d for another correspondent", other);
	o += (size_t)snprintf(ts->msg + o, sizeof ts->msg - o, ".");
	for (size_t i = 0; i < n && o < sizeof ts->msg; i++) {
		const char *base = strrchr(ck[i].file, '/');

		base = base != NULL ? base + 1 : ck[i].file;
		if (!ck[i].judged)
			o += (size_t)snprintf(ts->msg + o, sizeof ts->msg - o, " %s: %s.", base,
					      ck[i].err.msg);
		else if (ck[i].res.state == CELL_FAILED)
			o += (size_t)snprintf(ts->msg + o, sizeof ts->msg - o,
					      " %s (%s:%s) failed: %s.", base,
					      cell_dir_name(ck[i].res.dir),
					      cell_kind_name(ck[i].res.kind), ck[i].res.why);
	}
	ts->msg_role = bad || lost ? R_ERROR : R_DONE;
}

/* A failed check, said on the field it is about; nothing was recorded. */
static void
check_failed(struct test_scr *ts, const struct ui_pass *up, int typed, const struct err *e)
{
	if (e->code == ERR_BAD_PASS) {
		form_focus(&ts->cform, C_PASS);
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

int
scr_test_check(struct app *a, struct test_scr *ts)
{
	struct field *pass = &ts->cf[C_PASS];
	char path[UI_PATH_MAX], msg[UI_PATH_MAX + 40];
	const char *files[1] = {path};
	struct op_checked *ck = NULL;
	struct ui_pass up;
	struct err e = ERR_INIT;
	struct stat sb;
	size_t n = 0;
	int typed = pass->len > 0;

	ui_path_expand(ts->cf[C_PATH].text, path, sizeof path);
	if (path[0] == '\0' || stat(path, &sb) != 0) {
		field_wipe(pass);
		form_focus(&ts->cform, C_PATH);
		if (path[0] == '\0')
			return scr_test_say(ts, R_ERROR,
					    "Type the file or the folder the "
					    "messages are in.");
		snprintf(msg, sizeof msg, "%s does not exist.", path);
		return scr_test_say(ts, R_ERROR, msg);
	}
	ui_pass_init(&up);
	ui_pass_set(&up, PASS_KEY, pass);
	if (op_matrix_check(a->s, files, 1, time(NULL), &up.ask, &ck, &n, &e) != 0) {
		check_failed(ts, &up, typed, &e);
	} else {
		scr_test_load(a, ts, &e);
		ts->mode = TM_TABLE;
		summary(ts, ck, n);
	}
	field_wipe(pass);
	op_checked_free(ck, n);
	return APP_HANDLED | APP_REDRAW;
}
