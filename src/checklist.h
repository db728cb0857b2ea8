/* checklist — the six steps and where the user stands, derived from the
 * home's state: what `status` prints and the wizard's home shows.  Pure
 * data: the next step and the problems are returned as what and whom, and
 * each front end phrases them in its own words. */
#ifndef PADSEAL_CHECKLIST_H
#define PADSEAL_CHECKLIST_H

#include <stddef.h>
#include <time.h>

#include "err.h"
#include "fpr.h"
#include "home.h"
#include "addr.h"
#include "ident.h"
#include "state.h"

enum step_id {
	STEP_CREATE,
	STEP_BACKUP,
	STEP_EXCHANGE,
	STEP_VERIFY,
	STEP_TRUST,
	STEP_TEST,
	STEP_COUNT
};

/* How the home sees one correspondent certificate. */
struct peer_progress {
	const struct st_peer *p;       /* borrowed from the state */
	int step[STEP_COUNT];          /* only EXCHANGE..TEST are meaningful */
	int trusted;                   /* trust.h: this certificate is pinned */
	int retired;                   /* trust withdrawn, superseded or set
					  aside: kept for old mail, not a step */
	int duplicate;                 /* another certificate in use shares an
					  address with it */
	const struct st_peer *changed; /* not NULL: an address of it belonged
					  to this other, verified certificate */
	int passed;                    /* test cells passed, 0..8 */
	int tested;                    /* ... of them with messages mail
					  programs wrote (not padseal's) */
};

/* Something the user should know, as data. */
enum problem_kind {
	PROB_LINT_ERRORS,  /* the user's certificate: `count` lint errors */
	PROB_EXPIRED,      /* the user's certificate expired on `date` */
	PROB_EXPIRES_SOON, /* ... expires on `date`, within 60 days (count 1:
			      the personal CA does, the certificate later) */
	PROB_BACKUP_STALE, /* the newest backup (`date`) holds an older one */
	PROB_NEVER_BACKED_UP,
	PROB_PEER_CHANGED,   /* peer `peer` differs from the one verified */
	PROB_PEER_DUPLICATE, /* peer `peer` shares an address with another */
};
struct problem {
	enum problem_kind kind;
	size_t peer; /* index into peers, for PROB_PEER_* */
	size_t count;
	char date[ISO_TIME_LEN];
};

/* What to do next: the first step not done and, for a correspondent's
 * step, the first correspondent it is not done for. */
struct next_step {
	enum step_id step;  /* STEP_COUNT when everything is done */
	size_t peer;        /* index into peers, or NO_PEER */
	int changed;        /* verify again: that certificate changed */
	int by_fingerprint; /* the peer's address has several
			       certificates: name it by fingerprint */
	/* Exchange with nobody left to send to: an address your certificate
	 * went to whose certificate has not come back ("" when none). */
	char awaited[ADDR_MAX];
};
#define NO_PEER ((size_t)-1)

#define CHECKLIST_PROBLEMS_MAX 16

/* A mail program prepared (install --for), its newest run for any of the
 * user's identities, against what install would give it now. */
struct install_progress {
	const struct st_install *r; /* borrowed from the state */
	int renewed;                /* made for another (older) identity */
	long days;                  /* whole days since it was made */
	size_t *added;              /* indices into peers: trusted now, not in it */
	size_t n_added;
	size_t *removed; /* indices into peers: in it, no longer trusted */
	size_t n_removed;
	size_t n_gone; /* in it, no longer in the home at all */
};
/* Does it need making again (renewed, or someone added or removed)? */
int install_progress_stale(const struct install_progress *ip);

struct checklist {
	int has_ident;
	struct ident ident; /* valid when has_ident */
	size_t n_archived;
	int backed_up;               /* the current identity has a backup */
	int step[STEP_COUNT];        /* 1 done; per-peer steps: done for all */
	struct peer_progress *peers; /* every correspondent certificate, in
					the state's order */
	size_t n_peers, n_active;    /* all, and those not retired */
	struct next_step next;
	struct problem problems[CHECKLIST_PROBLEMS_MAX];
	size_t n_problems;                 /* shown (most important first) */
	size_t n_problems_all;             /* all there are */
	struct install_progress *installs; /* one per program, newest first */
	size_t n_installs;
};

/* Derive the checklist from `st` at `now` (the current identity's files
 * are read from `h`).  Reads only. */
int checklist_build(const struct home *h, const struct state *st, time_t now, struct checklist *cl,
		    struct err *e);
void checklist_free(struct checklist *cl);

/* Does install give this correspondent's certificate to a mail program
 * (trusted now, not retired)? */
int checklist_install_gives(const struct st_peer *p);

/* One correspondent's progress (what checklist_build fills for each). */
void checklist_peer(const struct state *st, const struct st_peer *p, struct peer_progress *out);

const char *step_name(enum step_id s);  /* "create", "backup", ... */
const char *step_title(enum step_id s); /* "Create your credential", ... */

#endif
