#include "config.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "addr.h"
#include "checklist.h"
#include "isotime.h"
#include "peer.h"
#include "state.h"
#include "trust.h"
#include "xalloc.h"

#define EXPIRY_WARN_DAYS 60 /* renewing means re-verifying with everyone */

static const char *const step_names[STEP_COUNT] = {
	"create", "backup", "exchange", "verify", "trust", "test",
};
static const char *const step_titles[STEP_COUNT] = {
	"Create your credential", "Back up your credential",   "Exchange certificates",
	"Verify fingerprints",    "Trust your correspondents", "Test all eight messages",
};
static const char *const cell_names[] = {"todo", "sent", "passed", "failed"};
static const char *const kind_names[KIND_COUNT] = {
	"plain",
	"signed",
	"encrypted",
	"signed-encrypted",
};

const char *
step_name(enum step_id s)
{
	return step_names[s];
}

const char *
step_title(enum step_id s)
{
	return step_titles[s];
}

const char *
cell_state_name(enum cell_state c)
{
	return cell_names[c];
}

const char *
cell_kind_name(enum cell_kind k)
{
	return kind_names[k];
}

static void problem(struct checklist *cl, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
problem(struct checklist *cl, const char *fmt, ...)
{
	va_list ap;
	char *s;

	if (cl->n_problems >= sizeof cl->problems / sizeof cl->problems[0])
		return;
	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	s[0] = (char)toupper((unsigned char)s[0]); /* a sentence */
	for (size_t i = 0; i < cl->n_problems; i++) {
		if (strcmp(cl->problems[i], s) == 0) { /* said once is enough */
			free(s);
			return;
		}
	}
	cl->problems[cl->n_problems++] = s;
}

static enum cell_state
parse_cell(const char *v)
{
	for (int i = 0; i < 4; i++)
		if (v != NULL && strcmp(v, cell_names[i]) == 0)
			return (enum cell_state)i;
	return CELL_TODO;
}

static int
has(const struct rec *r, const char *key)
{
	const char *v = rec_get(r, key);

	return v != NULL && *v != '\0' && strcmp(v, "0") != 0;
}

/* One correspondent's progress from its "peer" record. */
static void
peer_from_rec(const struct rec *r, struct peer_progress *p)
{
	const char *email = rec_get(r, "email");
	int all = 1;

	memset(p, 0, sizeof *p);
	p->email = xstrdup(email ? email : "");
	snprintf(p->fpr, sizeof p->fpr, "%s",
		 rec_get(r, "fpr-colon") ? rec_get(r, "fpr-colon") : "");
	p->trusted = has(r, "trusted");
	p->retired = trust_retired(r);
	p->verified = NULL;
	if (rec_get(r, "verified") != NULL) {
		static const char *const methods[] = {"phone", "in-person", "other"};

		for (size_t i = 0; i < 3; i++)
			if (strcmp(rec_get(r, "verified"), methods[i]) == 0)
				p->verified = methods[i];
	}
	for (int d = 0; d < DIR_COUNT; d++) {
		for (int k = 0; k < KIND_COUNT; k++) {
			char key[32];

			snprintf(key, sizeof key, "%s-%s", d == DIR_OUT ? "out" : "in",
				 kind_names[k]);
			p->cell[d][k] = parse_cell(rec_get(r, key));
			all &= p->cell[d][k] == CELL_PASSED;
		}
	}
	p->step[STEP_EXCHANGE] = has(r, "received") && has(r, "sent");
	p->step[STEP_VERIFY] = p->verified != NULL;
	p->step[STEP_TRUST] = p->trusted;
	p->step[STEP_TEST] = all;
}

/* Duplicates: another certificate still in use (not retired) shares an
 * address.  Changed: as trust.h defines it.  Records and cl->peers are in
 * the same order. */
static void
mark_duplicates(struct checklist *cl, const struct state *st)
{
	struct rec *r = state_first(st, "peer");

	for (size_t i = 0; i < cl->n_peers && r; i++, r = state_next(r, "peer")) {
		struct peer_progress *p = &cl->peers[i];
		struct trust_status ts;

		for (struct rec *o = state_first(st, "peer"); o && !p->retired;
		     o = state_next(o, "peer"))
			if (o != r && !trust_retired(o) && peer_shares_address(r, o))
				p->duplicate = 1;
		trust_status_rec(st, r, &ts);
		p->changed = ts.changed;
		if (p->retired)
			continue;
		if (p->changed)
			problem(cl,
				"the certificate of %s changed since you verified it \u2014 verify again: you verified %s, this one is %s",
				p->email, ts.previous[0] ? ts.previous : "another one", p->fpr);
		else if (p->duplicate)
			problem(cl,
				"the address %s has more than one certificate; clients pick one at random: keep the verified one and set the others aside with padseal untrust FINGERPRINT",
				p->email);
	}
}

/* When the newest backup of any identity was made ("" when none): a home
 * with backups but none of the current identity changed since then. */
static void
last_backup(const struct state *st, char at[ISO_TIME_LEN])
{
	at[0] = '\0';
	for (struct rec *r = state_first(st, "backup"); r; r = state_next(r, "backup")) {
		const char *v = rec_get(r, "at");

		if (v == NULL || *v == '\0')
			v = "an unrecorded date";
		if (at[0] == '\0' || (isdigit((unsigned char)*v) &&
				      (!isdigit((unsigned char)at[0]) || strcmp(v, at) > 0)))
			snprintf(at, ISO_TIME_LEN, "%s", v);
	}
}

static void
ident_problems(struct checklist *cl, const char *last)
{
	time_t now = time(NULL);
	size_t errors = lint_count(&cl->ident.lint, LINT_ERROR);

	if (errors)
		problem(cl, "your certificate has %zu lint error%s: see padseal lint", errors,
			errors == 1 ? "" : "s");
	if (cl->ident.not_after_t != (time_t)-1 && cl->ident.not_after_t < now)
		problem(cl,
			"your certificate expired on %s: create a new one with padseal create --replace",
			cl->ident.not_after);
	else if (cl->ident.not_after_t - now < EXPIRY_WARN_DAYS * 86400L)
		problem(cl,
			"your certificate expires on %s: make a new one soon (padseal create --replace) and send it to your correspondents",
			cl->ident.not_after);
	if (!cl->backed_up && *last)
		problem(cl,
			"your credential changed since the last backup (%s), which holds an older one: back up the current one with padseal backup",
			last);
	else if (!cl->backed_up)
		problem(cl,
			"your credential has never been backed up: without a backup of the key, mail encrypted to you is lost with this machine");
}

static void
next_action(struct checklist *cl)
{
	const struct peer_progress *p = NULL;
	char who[40] = "";

	cl->next_step = STEP_COUNT;
	for (int s = 0; s < STEP_COUNT; s++) {
		if (!cl->step[s]) {
			cl->next_step = (enum step_id)s;
			break;
		}
	}
	for (size_t i = 0; i < cl->n_peers && p == NULL; i++)
		if (!cl->peers[i].retired &&
		    !cl->peers[i].step[cl->next_step < STEP_COUNT ? cl->next_step : STEP_TEST])
			p = &cl->peers[i];
	/* An address with several certificates names the trusted one; the
	 * others are named by fingerprint (16 hex digits). */
	if (p != NULL && p->duplicate && !p->trusted) {
		size_t n = 0;

		for (const char *c = p->fpr; *c && n < 16; c++)
			if (*c != ':')
				who[n++] = *c;
		who[n] = '\0';
	} else if (p != NULL) {
		snprintf(who, sizeof who, "%s", p->email);
	}
	if (p != NULL && p->changed && cl->next_step == STEP_VERIFY) {
		snprintf(cl->next, sizeof cl->next,
			 "The certificate of %s changed since you verified it: compare fingerprints again by phone: padseal compare %s \"what they read\"",
			 p->email, who);
		return;
	}
	switch (cl->next_step) {
	case STEP_CREATE:
		snprintf(cl->next, sizeof cl->next,
			 "Create your credential: padseal create --name \"Your Name\" --email you@example.org");
		break;
	case STEP_BACKUP:
		snprintf(cl->next, sizeof cl->next,
			 "Back up your credential: padseal backup --out padseal-backup.p12, then keep a copy off this machine");
		break;
	case STEP_EXCHANGE:
		if (p == NULL)
			snprintf(cl->next, sizeof cl->next,
				 "Send your certificate to a correspondent: padseal intro --to them@example.org --out intro.eml, and import theirs with padseal import FILE");
		else
			snprintf(cl->next, sizeof cl->next,
				 "Exchange certificates with %s: padseal intro --to %s --out intro.eml",
				 p->email, p->email);
		break;
	case STEP_VERIFY:
		snprintf(cl->next, sizeof cl->next,
			 "Compare fingerprints with %s by phone: padseal compare %s \"what they read\"",
			 p->email, who);
		break;
	case STEP_TRUST:
		snprintf(cl->next, sizeof cl->next,
			 "Trust %s's verified certificate: padseal trust %s --verified phone",
			 p->email, who);
		break;
	case STEP_TEST:
		snprintf(cl->next, sizeof cl->next,
			 "Test with %s: padseal matrix send --to %s --out DIR, then check what comes back",
			 p->email, p->email);
		break;
	default:
		snprintf(cl->next, sizeof cl->next,
			 "All done: you and your correspondents exchange signed and encrypted mail, proven both ways");
	}
}

int
checklist_load(const struct home *h, struct checklist *cl, struct err *e)
{
	struct state *st = NULL;
	int rc = -1, found;

	memset(cl, 0, sizeof *cl);
	if (state_load(h, &st, e) != 0)
		return -1;
	if ((found = ident_current(h, st, &cl->ident, e)) < 0)
		goto out;
	cl->has_ident = found;
	for (struct rec *r = state_first(st, "identity"); r; r = state_next(r, "identity"))
		cl->n_archived +=
			rec_get(r, "status") && strcmp(rec_get(r, "status"), "archived") == 0;
	if (found)
		cl->backed_up = state_find(st, "backup", "fpr", cl->ident.hex) != NULL;
	for (struct rec *r = state_first(st, "peer"); r; r = state_next(r, "peer")) {
		cl->peers = xreallocarray(cl->peers, cl->n_peers + 1, sizeof *cl->peers);
		peer_from_rec(r, &cl->peers[cl->n_peers++]);
	}
	cl->step[STEP_CREATE] = cl->has_ident;
	cl->step[STEP_BACKUP] = cl->has_ident && cl->backed_up;
	for (int s = STEP_EXCHANGE; s < STEP_COUNT; s++) {
		size_t active = 0;

		cl->step[s] = 1;
		for (size_t i = 0; i < cl->n_peers; i++) {
			if (cl->peers[i].retired)
				continue;
			active++;
			cl->step[s] &= cl->peers[i].step[s];
		}
		cl->step[s] &= active > 0;
	}
	if (found) {
		char last[ISO_TIME_LEN];

		last_backup(st, last);
		ident_problems(cl, last);
	}
	mark_duplicates(cl, st);
	next_action(cl);
	rc = 0;
out:
	state_free(st);
	if (rc != 0)
		checklist_free(cl);
	return rc;
}

void
checklist_free(struct checklist *cl)
{
	ident_clear(&cl->ident);
	for (size_t i = 0; i < cl->n_peers; i++)
		free(cl->peers[i].email);
	free(cl->peers);
	for (size_t i = 0; i < cl->n_problems; i++)
		free(cl->problems[i]);
	memset(cl, 0, sizeof *cl);
}
