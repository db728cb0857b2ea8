/* checklist — the six steps and their state, derived from the home: what the
 * dashboard shows and what `status` prints. */
#ifndef PADSEAL_CHECKLIST_H
#define PADSEAL_CHECKLIST_H

#include <stddef.h>

#include "err.h"
#include "fpr.h"
#include "home.h"
#include "ident.h"

enum step_id {
	STEP_CREATE,
	STEP_BACKUP,
	STEP_EXCHANGE,
	STEP_VERIFY,
	STEP_TRUST,
	STEP_TEST,
	STEP_COUNT
};
enum cell_state { CELL_TODO, CELL_SENT, CELL_PASSED, CELL_FAILED };
enum cell_kind { KIND_PLAIN, KIND_SIGNED, KIND_ENCRYPTED, KIND_SIGNED_ENCRYPTED, KIND_COUNT };
enum cell_dir { DIR_OUT, DIR_IN, DIR_COUNT };

struct peer_progress {
	char *email;             /* main address of the certificate */
	char fpr[FPR_COLON_LEN]; /* SHA-256 colon form */
	int step[STEP_COUNT];    /* only EXCHANGE..TEST are meaningful */
	const char *verified;    /* NULL, "phone", "in-person", "other" */
	int trusted, duplicate, changed;
	int retired; /* trust withdrawn, superseded or set aside: kept
			to check old mail, left out of the steps */
	enum cell_state cell[DIR_COUNT][KIND_COUNT];
};

struct checklist {
	int has_ident;
	struct ident ident; /* valid when has_ident */
	size_t n_archived;
	int backed_up;        /* the current identity has a checked backup */
	int step[STEP_COUNT]; /* 1 done, 0 to do; per-peer steps: done for all */
	struct peer_progress *peers;
	size_t n_peers;
	enum step_id next_step; /* first step not done (STEP_COUNT when all) */
	char next[256];         /* one sentence: what to do next */
	char *problems[16];     /* sentences: lint, expiry, duplicates, ... */
	size_t n_problems;
};

/* Read the home (read-only) and derive the checklist. */
int checklist_load(const struct home *h, struct checklist *cl, struct err *e);
void checklist_free(struct checklist *cl);

const char *step_name(enum step_id s);          /* "create", "backup", ... */
const char *step_title(enum step_id s);         /* "Create your credential", ... */
const char *cell_state_name(enum cell_state c); /* "todo", "sent", ... */
const char *cell_kind_name(enum cell_kind k);   /* "plain", ... */

#endif
