#include "config.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "ident.h"
#include "matrix.h"
#include "msg.h"
#include "state.h"
#include "testscr.h"
#include "util.h"
#include "xalloc.h"

/* The Test screen's check: messages received (or your own sent copies),
 * one file or every .eml of a folder, opened and judged as `padseal matrix
 * check` does, the results recorded with the home locked. */

#define CHECK_MAX 64

/* ---- Checking ---- */

int
matrix_open_check(struct matrix_st *ms)
{
	ms->tab_listed = 0;
	field_note(&ms->cf[C_PATH], R_DIM, NULL,
		   "One message file, or a folder: every .eml in it. Tab "
		   "completes.");
	form_focus(&ms->cform, C_PATH);
	ms->mode = MM_CHECK;
	ms->msg[0] = '\0';
	return APP_HANDLED | APP_REDRAW;
}

static int
is_eml(const struct dirent *de)
{
	size_t n = strlen(de->d_name);

	return de->d_name[0] != '.' && n > 4 && strcasecmp(de->d_name + n - 4, ".eml") == 0;
}

/* The files to check: `path` itself, or every .eml in it, in name order.
 * Returns how many (at most CHECK_MAX), -1 when there is nothing. */
static int
files_of(const char *path, char (*out)[UI_PATH_MAX], struct err *e)
{
	struct dirent **list = NULL;
	struct stat sb;
	int n, k = 0;

	if (stat(path, &sb) != 0)
		return err_set(e, "%s does not exist.", path);
	if (!S_ISDIR(sb.st_mode)) {
		snprintf(out[0], UI_PATH_MAX, "%s", path);
		return 1;
	}
	if ((n = scandir(path, &list, is_eml, alphasort)) < 0)
		return err_set(e, "The folder %s cannot be read.", path);
	for (int i = 0; i < n; i++) {
		if (k < CHECK_MAX &&
		    snprintf(out[k], UI_PATH_MAX, "%s/%s", path, list[i]->d_name) < UI_PATH_MAX)
			k++; /* a longer path cannot be opened anyway */
		free(list[i]);
	}
	free(list);
	if (k == 0)
		return err_set(e, "There is no .eml file in %s.", path);
	return k;
}

struct checked {
	struct matrix_result res;
	struct err err;
	int judged;
};

/* What the check found, in a few lines. */
static void
summary(struct matrix_st *ms, char (*files)[UI_PATH_MAX], const struct checked *ck, int n)
{
	size_t o = 0;
	int good = 0, bad = 0, other = 0, lost = 0;

	for (int i = 0; i < n; i++) {
		if (!ck[i].judged)
			lost++;
		else if (strcmp(ck[i].res.peer_hex, ms->hex) != 0)
			other++;
		else if (ck[i].res.state == CELL_PASSED)
			good++;
		else
			bad++;
	}
	o += (size_t)snprintf(ms->msg, sizeof ms->msg, "Checked %d message%s: %d passed, %d failed",
			      n, n == 1 ? "" : "s", good, bad);
	if (other)
		o += (size_t)snprintf(ms->msg + o, sizeof ms->msg - o,
				      ", %d for another correspondent", other);
	o += (size_t)snprintf(ms->msg + o, sizeof ms->msg - o, ".");
	for (int i = 0; i < n && o < sizeof ms->msg; i++) {
		const char *base = strrchr(files[i], '/');

		base = base != NULL ? base + 1 : files[i];
		if (!ck[i].judged)
			o += (size_t)snprintf(ms->msg + o, sizeof ms->msg - o, " %s: %s.", base,
					      ck[i].err.msg);
		else if (ck[i].res.state == CELL_FAILED)
			o += (size_t)snprintf(ms->msg + o, sizeof ms->msg - o,
					      " %s (%s:%s) failed: %s.", base,
					      matrix_dir_name(ck[i].res.dir),
					      cell_kind_name(ck[i].res.kind), ck[i].res.why);
	}
	ms->msg_role = bad || lost ? R_ERROR : R_DONE;
}

/* Judge every file (read-only), then record the results with the home
 * locked: as `padseal matrix check` does. */
static int
judge_files(const struct app *a, struct matrix_st *ms, char (*files)[UI_PATH_MAX], int n,
	    struct checked *ck)
{
	struct field *pass = &ms->cf[C_PASS];
	struct err e = ERR_INIT;
	struct state *st = NULL;
	struct ident me = {0};
	struct ui_asker q = {0};
	struct msg_ctx ctx;
	struct home h = {.lockfd = -1};
	int found = 0, judged = 0, rc = -1;

	if (ui_open(a, &h, HOME_READ, &st, &e) != 0 || (found = ident_current(&h, st, &me, &e)) < 0)
		goto out;
	ui_asker_init(&q, &h, st, pass->len ? pass->text : NULL);
	ctx = (struct msg_ctx){&h, st, NULL, ui_asker_ask, &q};
	for (int i = 0; i < n; i++) {
		ck[i].judged = matrix_check_file(&ctx, found ? &me : NULL, files[i], &ck[i].res,
						 &ck[i].err) == 0;
		judged += ck[i].judged;
	}
	field_wipe(pass);
	if (q.bad || (q.wanted && q.pass == NULL)) {
		/* Nothing recorded: the envelopes were not opened. */
		form_focus(&ms->cform, C_PASS);
		if (q.bad)
			e = q.e;
		else
			err_set(&e, "Some of these messages are encrypted to "
				    "you: type your key passphrase and check "
				    "again. Nothing was recorded.");
		goto out;
	}
	state_free(st);
	st = NULL;
	if (judged > 0 && (home_upgrade(&h, &e) != 0 || state_load(&h, &st, &e) != 0))
		goto out;
	for (int i = 0; i < n; i++)
		if (ck[i].judged && matrix_record(st, &ck[i].res, &ck[i].err) != 0)
			ck[i].judged = 0;
	if (judged > 0 && state_save(&h, st, &e) != 0)
		goto out;
	rc = 0;
out:
	field_wipe(pass);
	ident_clear(&me);
	ui_close(&h, st);
	if (rc != 0)
		matrix_say(ms, R_ERROR, e.msg);
	return rc;
}

int
matrix_do_check(const struct app *a, struct matrix_st *ms)
{
	char path[UI_PATH_MAX], (*files)[UI_PATH_MAX] = NULL;
	struct checked *ck = NULL;
	struct err e = ERR_INIT;
	int n;

	ui_path_expand(ms->cf[C_PATH].text, path, sizeof path);
	if (path[0] == '\0') {
		field_wipe(&ms->cf[C_PASS]);
		form_focus(&ms->cform, C_PATH);
		return matrix_say(ms, R_ERROR, "Type the file or the folder the messages are in.");
	}
	files = xcalloc(CHECK_MAX, sizeof *files);
	ck = xcalloc(CHECK_MAX, sizeof *ck);
	if ((n = files_of(path, files, &e)) < 0) {
		form_focus(&ms->cform, C_PATH);
		matrix_say(ms, R_ERROR, e.msg);
	} else if (judge_files(a, ms, files, n, ck) == 0) {
		matrix_load(a, ms, &e);
		ms->mode = MM_TABLE;
		summary(ms, files, ck, n);
	}
	field_wipe(&ms->cf[C_PASS]);
	free(files);
	free(ck);
	return APP_HANDLED | APP_REDRAW;
}
