#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "checklist.h"
#include "isotime.h"
#include "matrix.h"
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

/* Record a problem; the count goes on when there is no room left. */
static struct problem *
problem(struct checklist *cl, enum problem_kind kind)
{
	struct problem *p;

	cl->n_problems_all++;
	if (cl->n_problems == CHECKLIST_PROBLEMS_MAX)
		return NULL;
	p = &cl->problems[cl->n_problems++];
	memset(p, 0, sizeof *p);
	p->kind = kind;
	p->peer = NO_PEER;
	return p;
}

/* Was the user's certificate sent (by mail or in person) to an address
 * of `p`? */
static int
sent_to(const struct state *st, const struct st_peer *p)
{
	for (size_t i = 0; i < p->n_addr; i++)
		if (state_sent_to(st, p->addr[i]) != NULL)
			return 1;
	return 0;
}

void
checklist_peer(const struct state *st, const struct st_peer *p, struct peer_progress *out)
{
	struct trust_status ts;

	memset(out, 0, sizeof *out);
	out->p = p;
	trust_status_peer(st, p, &ts);
	out->trusted = ts.trusted;
	out->retired = ts.retired;
	out->changed = ts.changed;
	out->duplicate = trust_duplicates(st, p, NULL, 0) > 0;
	out->passed = matrix_passed(p);
	out->step[STEP_EXCHANGE] = sent_to(st, p);
	out->step[STEP_VERIFY] = p->verified != VERIFY_NONE;
	out->step[STEP_TRUST] = out->trusted;
	out->tested = matrix_tested(p);
	/* padseal's own messages are the rehearsal: the mail programs' make
	 * the test. */
	out->step[STEP_TEST] = out->tested == DIR_COUNT * KIND_COUNT;
}

static void
ident_problems(struct checklist *cl, const struct state *st, time_t now)
{
	size_t errors = lint_count(&cl->ident.lint, LINT_ERROR);
	const struct st_backup *last = state_backup_last(st);
	struct problem *p;

	if (errors && (p = problem(cl, PROB_LINT_ERRORS)) != NULL)
		p->count = errors;
	if (cl->ident.not_after_t != (time_t)-1 && cl->ident.not_after_t < now) {
		if ((p = problem(cl, PROB_EXPIRED)) != NULL)
			snprintf(p->date, sizeof p->date, "%s", cl->ident.not_after);
	} else if (cl->ident.not_after_t - now < EXPIRY_WARN_DAYS * 86400L) {
		if ((p = problem(cl, PROB_EXPIRES_SOON)) != NULL)
			snprintf(p->date, sizeof p->date, "%s", cl->ident.not_after);
	} else if (cl->ident.form == FORM_CA &&
		   cl->ident.ca_not_after_t - now < EXPIRY_WARN_DAYS * 86400L) {
		/* The CA ends first: count 1 says it is the CA's date. */
		if ((p = problem(cl, PROB_EXPIRES_SOON)) != NULL) {
			snprintf(p->date, sizeof p->date, "%s", cl->ident.ca_not_after);
			p->count = 1;
		}
	}
	if (!cl->backed_up && last != NULL) {
		if ((p = problem(cl, PROB_BACKUP_STALE)) != NULL)
			snprintf(p->date, sizeof p->date, "%s", last->at);
	} else if (!cl->backed_up) {
		problem(cl, PROB_NEVER_BACKED_UP);
	}
}

static void
peer_problems(struct checklist *cl)
{
	for (size_t i = 0; i < cl->n_peers; i++) {
		const struct peer_progress *pp = &cl->peers[i];
		struct problem *p = NULL;

		if (pp->retired)
			continue;
		if (pp->changed != NULL)
			p = problem(cl, PROB_PEER_CHANGED);
		else if (pp->duplicate)
			p = problem(cl, PROB_PEER_DUPLICATE);
		if (p != NULL)
			p->peer = i;
	}
}

static void
next_step(struct checklist *cl, const struct state *st)
{
	struct next_step *n = &cl->next;
	enum step_id s;

	n->step = STEP_COUNT;
	n->peer = NO_PEER;
	for (s = 0; s < STEP_COUNT; s++)
		if (!cl->step[s])
			break;
	n->step = s;
	if (s < STEP_EXCHANGE)
		return;
	if (s == STEP_EXCHANGE) {
		/* Sent to someone whose certificate is not held yet? */
		for (size_t i = 0; i < state_n_sent(st) && !n->awaited[0]; i++) {
			const struct st_sent *t = state_sent(st, i);
			size_t it = 0;

			if (state_peer_by_addr(st, t->to, &it) == NULL)
				snprintf(n->awaited, sizeof n->awaited, "%s", t->to);
		}
	}
	for (size_t i = 0; i < cl->n_peers && n->peer == NO_PEER; i++)
		if (!cl->peers[i].retired && !cl->peers[i].step[s < STEP_COUNT ? s : STEP_TEST])
			n->peer = i;
	if (n->peer == NO_PEER)
		return;
	{
		const struct peer_progress *pp = &cl->peers[n->peer];
		const struct st_peer *o;
		size_t it = 0, holders = 0;

		n->changed = pp->changed != NULL && s == STEP_VERIFY;
		/* An address with several certificates names the trusted one;
		 * the others are named by fingerprint. */
		while ((o = state_peer_by_addr(st, pp->p->addr[0], &it)) != NULL)
			holders++;
		n->by_fingerprint = holders > 1 && !pp->trusted;
	}
}

int
checklist_install_gives(const struct st_peer *p)
{
	return p != NULL && p->trusted && !state_peer_retired(p);
}

int
install_progress_stale(const struct install_progress *ip)
{
	return ip->renewed || ip->n_added || ip->n_removed || ip->n_gone;
}

static int
cmp_hex(const void *a, const void *b)
{
	return memcmp(a, *(const char *const *)b, 64);
}

/* For each program, the newest install record of any identity, compared
 * with the correspondents install would give it now. */
static void
installs(struct checklist *cl, const struct state *st, time_t now)
{
	size_t n = state_n_installs(st);

	cl->installs = xcalloc(n ? n : 1, sizeof *cl->installs);
	for (size_t i = 0; i < n; i++) {
		const struct st_install *r = state_install(st, i);
		struct install_progress *ip = NULL;
		const char **given;
		size_t n_given = 0;

		for (size_t k = 0; k < cl->n_installs && ip == NULL; k++)
			if (strcmp(cl->installs[k].r->prog, r->prog) == 0)
				ip = &cl->installs[k];
		if (ip != NULL && strcmp(ip->r->at, r->at) > 0)
			continue;
		if (ip == NULL)
			ip = &cl->installs[cl->n_installs++];
		free(ip->added);
		free(ip->removed);
		memset(ip, 0, sizeof *ip);
		ip->r = r;
		ip->renewed = !cl->has_ident || strcmp(r->hex, cl->ident.hex) != 0;
		ip->days = now > iso_parse(r->at) ? (long)((now - iso_parse(r->at)) / 86400) : 0;
		/* The list is sorted (the parser checks): bsearch it. */
		given = xcalloc(strlen(r->peers) / 65 + 1, sizeof *given);
		for (const char *h = r->peers; *h; h += h[64] ? 65 : 64)
			given[n_given++] = h;
		ip->added = xcalloc(cl->n_peers + 1, sizeof *ip->added);
		ip->removed = xcalloc(n_given + 1, sizeof *ip->removed);
		for (size_t k = 0; k < cl->n_peers; k++)
			if (checklist_install_gives(cl->peers[k].p) &&
			    bsearch(cl->peers[k].p->hex, given, n_given, sizeof *given, cmp_hex) ==
				    NULL)
				ip->added[ip->n_added++] = k;
		for (size_t k = 0; k < n_given; k++) {
			char hex[FPR_HEX_LEN];
			const struct st_peer *p;

			memcpy(hex, given[k], 64);
			hex[64] = '\0';
			p = state_peer_by_hex(st, hex);
			if (p == NULL)
				ip->n_gone++;
			else if (!checklist_install_gives(p))
				ip->removed[ip->n_removed++] = state_peer_index(st, p);
		}
		free(given);
	}
	/* Newest first. */
	for (size_t i = 1; i < cl->n_installs; i++)
		for (size_t k = i;
		     k > 0 && strcmp(cl->installs[k - 1].r->at, cl->installs[k].r->at) < 0; k--) {
			struct install_progress t = cl->installs[k];

			cl->installs[k] = cl->installs[k - 1];
			cl->installs[k - 1] = t;
		}
}

int
checklist_build(const struct home *h, const struct state *st, time_t now, struct checklist *cl,
		struct err *e)
{
	int found;

	memset(cl, 0, sizeof *cl);
	if (state_parse_all(st, e) != 0 || (found = ident_current(h, st, now, &cl->ident, e)) < 0)
		return -1;
	cl->has_ident = found;
	for (size_t i = 0; i < state_n_idents(st); i++)
		cl->n_archived += !state_ident(st, i)->current;
	if (found)
		cl->backed_up = state_backup_newest(st, cl->ident.hex) != NULL;
	cl->n_peers = state_n_peers(st);
	cl->peers = xcalloc(cl->n_peers ? cl->n_peers : 1, sizeof *cl->peers);
	for (size_t i = 0; i < cl->n_peers; i++) {
		checklist_peer(st, state_peer(st, i), &cl->peers[i]);
		cl->n_active += !cl->peers[i].retired;
	}
	cl->step[STEP_CREATE] = cl->has_ident;
	cl->step[STEP_BACKUP] = cl->has_ident && cl->backed_up;
	for (int s = STEP_EXCHANGE; s < STEP_COUNT; s++) {
		cl->step[s] = cl->n_active > 0;
		for (size_t i = 0; i < cl->n_peers && cl->step[s]; i++)
			if (!cl->peers[i].retired && !cl->peers[i].step[s])
				cl->step[s] = 0;
	}
	if (found)
		ident_problems(cl, st, now);
	peer_problems(cl);
	next_step(cl, st);
	installs(cl, st, now);
	return 0;
}

void
checklist_free(struct checklist *cl)
{
	ident_clear(&cl->ident);
	for (size_t i = 0; i < cl->n_installs; i++) {
		free(cl->installs[i].added);
		free(cl->installs[i].removed);
	}
	free(cl->installs);
	free(cl->peers);
	memset(cl, 0, sizeof *cl);
}
