/* scr_create — the state the Create screen's two files share: scr_create.c
 * (the request: name, addresses, key type, validity) and
 * scr_create_key.c (the passphrase, key generation off the input loop,
 * and the result). */
#ifndef PADSEAL_SCR_CREATE_H
#define PADSEAL_SCR_CREATE_H

#include <stdatomic.h>

#include "app.h"
#include "form.h"
#include "ident.h"
#include "job.h"

#define FORM_ADDR_LINES 6 /* address lines the form offers */
#define KEYS_MAX        8

/* The request page's fields, top to bottom. */
enum {
	F_NAME,
	F_ADDR, /* FORM_ADDR_LINES lines, the unused ones hidden */
	F_ADD = F_ADDR + FORM_ADDR_LINES,
	F_KEY,
	F_DAYS,
	F_NEXT,
	F_COUNT
};

/* The passphrase page's fields. */
enum { P_PASS, P_REPEAT, P_GO, P_COUNT };

enum stage {
	ST_FORM, /* the request */
	ST_PASS, /* the passphrase, twice */
	ST_GEN,  /* the key being generated */
	ST_DONE, /* the credential made */
};

enum question { Q_NONE, Q_SPLIT, Q_REPLACE };

/* The generation job's own memory: the thread writes it, the screen reads
 * it only once job_done() says so (or the app frees it, abandoned); only
 * `cancel` is written by the loop meanwhile. */
struct keygen {
	char key[16];
	char *gate;        /* the test hook's file (scr_create_key.c), or NULL */
	atomic_int cancel; /* the user cancelled: do not start */
	struct newkey *nk;
	struct err e;
	int rc;
};

struct create_scr {
	enum stage stage;
	struct field ff[F_COUNT];
	struct form form;
	struct field pf[P_COUNT];
	struct form pform;
	int n_addr; /* address lines shown */

	/* The key types offered (ident_key_type). */
	int n_keys;
	const char *key_name[KEYS_MAX], *key_help[KEYS_MAX];
	char key_label[KEYS_MAX][48];

	/* The current identity, which a new one replaces. */
	int has_current;
	char current[320];

	/* A question asked in a dialog; resume reads the answer. */
	enum question q;
	int answer;
	int q_line; /* Q_SPLIT: the address line */
	char q_name[256], q_addr[256];

	/* The request once checked: what the key and the credential are
	 * made from. */
	char name[256];
	char addr[FORM_ADDR_LINES][256];
	const char *emails[FORM_ADDR_LINES];
	size_t n_emails;
	int key, days, replace;

	char msg[640]; /* above the status line */
	enum role msg_role;

	struct job *job; /* ST_GEN */
	struct keygen *kg;
	long t0;

	struct ident id; /* ST_DONE */
};

/* scr_create_key.c */
void scr_create_pass_enter(const struct app *a, struct create_scr *cs);
int scr_create_pass_key(struct app *a, struct create_scr *cs, int ch);
int scr_create_gen_key(struct app *a, struct create_scr *cs, int ch);
int scr_create_gen_tick(struct app *a, struct create_scr *cs);
int scr_create_done_key(struct app *a, struct create_scr *cs, int ch);
void scr_create_pass_draw(const struct app *a, const struct create_scr *cs);
void scr_create_gen_draw(const struct app *a, const struct create_scr *cs);
void scr_create_done_draw(const struct app *a, const struct create_scr *cs);
/* Cancel a generation still running and wipe every passphrase. */
void scr_create_stop(struct app *a, struct create_scr *cs);

/* The request the form holds once checked, for ident_check_new and
 * op_create (pointing into cs). */
void scr_create_request(const struct create_scr *cs, struct ident_new *req);

/* The chosen key type's name without the "(recommended)": "RSA 3072". */
void scr_create_key_short(const struct create_scr *cs, char *buf, size_t len);

/* The request's one-line summary ("Alice <alice@example.org>, RSA 3072,
 * 730 days"). */
void scr_create_summary(const struct create_scr *cs, char *buf, size_t len);

#endif
