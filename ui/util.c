#include "config.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "op.h"
#include "util.h"
#include "xalloc.h"

/* ---- Paths ---- */

void
ui_path_expand(const char *in, char *buf, size_t len)
{
	const char *home = getenv("HOME");
	size_t n;

	while (*in == ' ')
		in++;
	if (strncmp(in, "~/", 2) == 0 && home != NULL && *home != '\0')
		snprintf(buf, len, "%s/%s", home, in + 2);
	else if (strcmp(in, "~") == 0 && home != NULL && *home != '\0')
		snprintf(buf, len, "%s", home);
	else
		snprintf(buf, len, "%s", in);
	n = strlen(buf);
	while (n > 0 && buf[n - 1] == ' ')
		buf[--n] = '\0';
}

void
ui_path_label(const char *path, char *buf, size_t len)
{
	const char *home = getenv("HOME");
	size_t n = home != NULL ? strlen(home) : 0;

	if (n > 1 && strncmp(path, home, n) == 0 && path[n] == '/')
		snprintf(buf, len, "~%s", path + n);
	else
		snprintf(buf, len, "%s", path);
}

void
ui_path_fresh(const char *stem, const char *ext, char *buf, size_t len)
{
	const char *home = getenv("HOME");
	int in_home = home != NULL && *home != '\0';
	char full[UI_PATH_MAX];
	struct stat sb;

	for (int i = 1; i < 100; i++) {
		char suffix[8] = "";

		if (i > 1)
			snprintf(suffix, sizeof suffix, "-%d", i);
		snprintf(buf, len, "%s%s%s%s", in_home ? "~/" : "", stem, suffix, ext);
		ui_path_expand(buf, full, sizeof full);
		if (stat(full, &sb) != 0)
			return;
	}
}

int
ui_path_note_new(struct field *f)
{
	char full[UI_PATH_MAX], cwd[UI_PATH_MAX], shown[2 * UI_PATH_MAX + 2];
	struct stat sb;

	ui_path_expand(f->text, full, sizeof full);
	f->note_path = 0;
	if (full[0] == '\0') {
		field_note(f, R_ERROR, NULL, "A file name is needed.");
		return -1;
	}
	if (stat(full, &sb) == 0) {
		field_note(f, R_ERROR, NULL,
			   "%s exists already; padseal never writes over a "
			   "file: choose another name.",
			   full);
		return -1;
	}
	if (full[0] == '/' || getcwd(cwd, sizeof cwd) == NULL)
		snprintf(shown, sizeof shown, "%s", full);
	else
		snprintf(shown, sizeof shown, "%s/%s", cwd, full);
	if (strcmp(shown, f->text) == 0) { /* it says so already */
		field_note(f, R_NORMAL, NULL, NULL);
		return 0;
	}
	field_note(f, R_DIM, NULL, "%s", shown);
	f->note_path = 1;
	return 0;
}

/* ---- Completion ---- */

#define COMPLETE_MAX 256

struct entry {
	char *name;
	int dir;
};

struct names {
	struct entry e[COMPLETE_MAX];
	int n;
};

static int
by_name(const void *a, const void *b)
{
	return strcmp(((const struct entry *)a)->name, ((const struct entry *)b)->name);
}

/* The entries of `dir` starting with `prefix` (dot files only when the
 * prefix starts with a dot, as shells do). */
static void
matching(const char *dir, const char *prefix, struct names *nm)
{
	size_t pl = strlen(prefix);
	DIR *d = opendir(dir);
	struct dirent *de;

	nm->n = 0;
	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL && nm->n < COMPLETE_MAX) {
		char path[UI_PATH_MAX];
		struct stat sb;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0 ||
		    (de->d_name[0] == '.' && prefix[0] != '.') ||
		    strncmp(de->d_name, prefix, pl) != 0)
			continue;
		nm->e[nm->n].name = xstrdup(de->d_name);
		nm->e[nm->n].dir =
			snprintf(path, sizeof path, "%s/%s", dir, de->d_name) < (int)sizeof path &&
			stat(path, &sb) == 0 && S_ISDIR(sb.st_mode);
		nm->n++;
	}
	closedir(d);
	qsort(nm->e, (size_t)nm->n, sizeof nm->e[0], by_name);
}

/* How many leading bytes all the names share. */
static size_t
common(const struct names *nm)
{
	size_t n = strlen(nm->e[0].name);

	for (int i = 1; i < nm->n; i++) {
		size_t k = 0;

		while (k < n && nm->e[i].name[k] == nm->e[0].name[k])
			k++;
		n = k;
	}
	return n;
}

static void
list_names(struct field *f, const struct names *nm)
{
	size_t o = 0;

	f->note[0] = '\0';
	for (int i = 0; i < nm->n && o + 8 < sizeof f->note; i++) {
		int w = snprintf(f->note + o, sizeof f->note - o, "%s%s%s", i ? "  " : "",
				 nm->e[i].name, nm->e[i].dir ? "/" : "");

		if (w < 0 || (size_t)w >= sizeof f->note - o) {
			f->note[o] = '\0';
			break;
		}
		o += (size_t)w;
	}
	f->note_role = R_DIM;
	f->note_sym[0] = '\0';
	f->note_path = 0;
}

int
ui_path_complete(struct field *f)
{
	char full[UI_PATH_MAX], dir[UI_PATH_MAX], add[UI_PATH_MAX];
	const char *slash, *base;
	struct names nm;
	size_t bl, cl;
	int rc = -1;

	ui_path_expand(f->text, full, sizeof full);
	slash = strrchr(full, '/');
	base = slash != NULL ? slash + 1 : full;
	if (slash == NULL)
		snprintf(dir, sizeof dir, ".");
	else if (slash == full)
		snprintf(dir, sizeof dir, "/");
	else
		snprintf(dir, sizeof dir, "%.*s", (int)(slash - full), full);
	bl = strlen(base);
	matching(dir, base, &nm);
	if (nm.n == 0) {
		field_note(f, R_WARN, NULL, "No file here starts with \"%s\".", base);
		return -1;
	}
	cl = common(&nm);
	if (cl > bl || (nm.n == 1 && nm.e[0].dir)) {
		snprintf(add, sizeof add, "%.*s%s", (int)(cl - bl), nm.e[0].name + bl,
			 nm.n == 1 && nm.e[0].dir ? "/" : "");
		if (f->len + strlen(add) + 1 < sizeof f->text) {
			f->cur = f->len; /* completion works at the end */
			for (const char *p = add; *p; p++)
				f->text[f->len++] = *p;
			f->text[f->len] = '\0';
			f->cur = f->len;
			rc = 1;
		}
		if (nm.n > 1)
			list_names(f, &nm);
		else
			field_note(f, R_NORMAL, NULL, NULL);
	} else if (nm.n > 1) {
		list_names(f, &nm);
		rc = 0;
	}
	for (int i = 0; i < nm.n; i++)
		free(nm.e[i].name);
	return rc;
}

/* ---- The home ---- */

const struct state *
ui_state(struct app *a, struct err *e)
{
	const struct state *st;

	return session_state(a->s, &st, e) == 0 ? st : NULL;
}

int
ui_status(struct app *a, struct checklist *cl, struct err *e)
{
	return op_status(a->s, time(NULL), cl, NULL, NULL, NULL, e);
}

int
ui_ident(struct app *a, struct ident *id, struct err *e)
{
	return op_ident(a->s, time(NULL), id, e);
}

int
ui_peer_info(struct app *a, const char *hex, struct peer_info *out, struct err *e)
{
	return op_peer_info(a->s, hex, time(NULL), out, e);
}

int
ui_key_needed(struct app *a)
{
	struct err e = ERR_INIT;
	const struct state *st = ui_state(a, &e);
	const struct st_ident *id = st != NULL ? state_ident_current(st) : NULL;

	return id != NULL && !session_key_held(a->s, id->hex);
}

void
ui_key_field(struct app *a, struct form *fm, int i)
{
	struct field *f = &fm->f[i];

	if (f->hidden)
		return;
	if (!ui_key_needed(a)) {
		f->hidden = 1;
		if (fm->focus == i)
			form_focus(fm, i);
		return;
	}
	if (a->keys_forgotten)
		f->placeholder = "asked again: 10 minutes without a key pressed";
}

/* ---- Passphrases ---- */

static int
pass_noted(void *arg, enum pass_kind kind, const char *what, char **out, struct err *e)
{
	struct ui_pass *p = arg;

	p->asked |= 1u << kind;
	return p->given.fn(p->given.arg, kind, what, out, e);
}

void
ui_pass_init(struct ui_pass *p)
{
	memset(p, 0, sizeof *p);
	pass_ask_fixed(&p->given, &p->fixed);
	p->ask.fn = pass_noted;
	p->ask.arg = p;
}

void
ui_pass_set(struct ui_pass *p, enum pass_kind kind, const struct field *f)
{
	p->fixed.pass[kind] = f->len > 0 ? f->text : NULL;
}

/* ---- Lint ---- */

static const char *
sev_sym(const struct look *lk, enum lint_sev s)
{
	return s == LINT_ERROR ? lk->sym->bad : s == LINT_WARNING ? "!" : "i";
}

static enum role
sev_role(enum lint_sev s)
{
	return s == LINT_ERROR ? R_ERROR : s == LINT_WARNING ? R_WARN : R_DIM;
}

int
ui_draw_lint(const struct look *lk, const struct lint_report *r, int y, int x, int w, int end,
	     const char *more)
{
	char buf[700];

	if (r->n == 0 && y < end)
		return y + draw_text(lk, y, x, w, end - y,
				     "No problems: it has everything Apple "
				     "Mail, Outlook, Thunderbird and the "
				     "others check for.",
				     lk->attr[R_DONE], 1);
	for (size_t i = 0; i < r->n && y < end; i++) {
		const struct lint_finding *f = &r->f[i];
		int h;

		snprintf(buf, sizeof buf, "%s: %s", lint_sev_name(f->sev), f->text);
		h = draw_text(lk, 0, 0, w - 2, end, buf, A_NORMAL, 0);
		/* One that does not fit whole is counted instead, with a row
		 * kept for the count when more follow. */
		if (h > end - y - (i + 1 < r->n)) {
			snprintf(buf, sizeof buf, "and %zu more: %s", r->n - i, more);
			draw_clip(lk, y++, x + 2, w - 2, buf, lk->attr[R_DIM]);
			break;
		}
		draw_str(y, x, 1, sev_sym(lk, f->sev), lk->attr[sev_role(f->sev)]);
		y += draw_text(lk, y, x + 2, w - 2, end - y, buf, lk->attr[sev_role(f->sev)], 1);
	}
	return y;
}

/* ---- Text ---- */

void
ui_first_name(const char *name, const char *email, char *buf, size_t len)
{
	size_t n = name != NULL ? strcspn(name, " ") : 0;

	if (n == 0)
		snprintf(buf, len, "%s", email != NULL ? email : "them");
	else
		snprintf(buf, len, "%.*s", (int)n, name);
}
