/* state — the checklist file of a home, parsed once into typed records.
 *
 * The file (`checklist` in the home) is text, one record per line:
 *
 *   padseal-checklist 2
 *   # comments
 *   identity fpr=HEX status=current|archived created=ISO [archived=ISO]
 *            [reason=TEXT] [source=create|restore]
 *   backup   fpr=HEX path=PATH at=ISO compat=legacy|modern|other
 *            [source=backup|restore]
 *   sent     to=ADDR at=ISO how=mail|in-person
 *   install  fpr=HEX prog=NAME at=ISO dir=PATH [how=folder|profile]
 *            [peers=HEX,HEX,...]
 *   peer     fpr=HEX addr=ADDR [addr=ADDR ...] [name=TEXT] key=TEXT
 *            from=ISO until=ISO [isn=HEX] [sha1=HEX] [ca=HEX]
 *            [lint=CODE,CODE]
 *            received=ISO
 *            [source=TEXT] [trusted=1 | untrusted-at=ISO
 *            [superseded-by=HEX] | rejected-at=ISO] [verified=METHOD
 *            verified-at=ISO forced=0|1] [renewed-from=HEX]
 *            [out=CCCC] [in=CCCC]
 *            [why-out-plain=TEXT ...] [by-out-plain=TEXT ...]
 *   end
 *
 * Values are %-escaped (space, '%', '=', controls), so no byte of a value
 * can end it early: an address holding a comma stays one address.  Only
 * `addr` repeats.  The file ends with "end": a file cut short is
 * recognised.  Saving appends the changed records after it, each batch
 * ending in its own "end" line, and a later record replaces an earlier one
 * with the same key (the fingerprint; a backup's fingerprint and path; a
 * sent record's address; an install's fingerprint and program), so a change costs what it writes,
 * not the size of the home.  When the appended part outgrows the rest, the file is rewritten whole
 * (atomically), the previous file kept as checklist.prev. A batch cut short by a crash (no "end"
 * after it) never happened: it is ignored when read and cut off by the next save.
 *
 * Version 1 files (padseal 0.1) are read too and rewritten as version 2 by
 * the first save; reading one needs the home, whose certificate files give
 * what version 1 did not record.
 *
 * A record that lacks a required field, holds a malformed one, repeats a
 * field, or is of an unknown kind is refused when the file is loaded: the
 * error names the file and the line and says that checklist.prev holds the
 * previous generation.  Nothing in the core but this module reads or
 * writes the file's syntax. */
#ifndef PADSEAL_STATE_H
#define PADSEAL_STATE_H

#include <stddef.h>
#include <time.h>

#include "err.h"
#include "fpr.h"
#include "home.h"
#include "isotime.h"

#define STATE_FILE    "checklist"
#define STATE_PREV    "checklist.prev"
#define STATE_VERSION 2

#define ISN_LEN      FPR_ISN_LEN /* an issuer-and-serial key (isn) */
#define KEY_DESC_LEN 24          /* "RSA 3072", "EC P-256" */

/* Limits on what a correspondent's certificate may bring into the home;
 * import refuses more (nothing from outside can make a home unloadable). */
#define PEER_ADDRS_MAX  64  /* addresses of one certificate */
#define PEER_NAME_MAX   256 /* bytes of its common name */
#define PEER_SOURCE_MAX 512 /* bytes of the "where it came from" note */
#define PEER_CERT_MAX                                      \
	65536 /* bytes of one certificate (DER); real ones \
		 are a few thousand */
#define CELL_WHY_MAX                                                 \
	1000           /* bytes of a test cell's reason (a diagnosis \
			       with its fix) */
#define CELL_BY_MAX 64 /* bytes of the name of who wrote its message */

/* The test matrix: four kinds in two directions. */
enum cell_kind { KIND_PLAIN, KIND_SIGNED, KIND_ENCRYPTED, KIND_SIGNED_ENCRYPTED, KIND_COUNT };
enum cell_dir { DIR_OUT, DIR_IN, DIR_COUNT };
enum cell_state { CELL_TODO, CELL_SENT, CELL_PASSED, CELL_FAILED };

/* How a passed cell passed. */
enum cell_how {
	CELL_CHECKED,   /* padseal read the message and it held */
	CELL_CONFIRMED, /* the correspondent reported it arrived as it should */
	CELL_WARNED,    /* it held, with a caveat in `why` (a SHA-1 signature) */
};

struct st_cell {
	enum cell_state state;
	enum cell_how how; /* when passed */
	const char *why;   /* failed or warned: the reason; else NULL */
	const char *by;    /* who wrote the message that judged it (sent,
			      passed or failed): CELL_BY_PADSEAL, a mail
			      program's name, CELL_BY_PROGRAM; NULL unknown
			      (recorded before padseal kept it) */
	int shown;         /* the person confirmed that the mail program
			      that received it showed it correctly: their
			      own (an in cell) or the correspondent's, by
			      their word (an out cell) */
};
#define CELL_BY_PADSEAL "padseal"
#define CELL_BY_PROGRAM "a mail program" /* one that does not name itself */

enum verify_method { VERIFY_NONE, VERIFY_PHONE, VERIFY_IN_PERSON, VERIFY_OTHER };

/* One of the user's own identities (identities/HEX/). */
struct st_ident {
	char hex[FPR_HEX_LEN];
	int current; /* 1 current, 0 archived */
	char created[ISO_TIME_LEN];
	char archived[ISO_TIME_LEN]; /* "" while current */
	const char *reason;          /* why archived, or NULL */
	const char *source;          /* "create", "restore", or NULL */
};

/* A checked backup of an identity. */
struct st_backup {
	char hex[FPR_HEX_LEN]; /* the identity backed up */
	const char *path;      /* where the file was written or read */
	char at[ISO_TIME_LEN];
	char compat[8];     /* "legacy", "modern", "other" */
	const char *source; /* "backup", "restore", or NULL */
};

/* The user's certificate went to an address: by an introduction mail, or
 * as a file handed over in person. */
enum sent_how { SENT_MAIL, SENT_IN_PERSON };
struct st_sent {
	const char *to;
	char at[ISO_TIME_LEN];
	enum sent_how how;
};

/* A mail program prepared for an identity (install --for): when, where,
 * and the correspondents it was given, so that status can say who was
 * trusted or dropped since.  One record per identity and program (the
 * newest run). */
#define INSTALL_PROG_MAX 16
struct st_install {
	char hex[FPR_HEX_LEN];       /* the identity */
	char prog[INSTALL_PROG_MAX]; /* "thunderbird", "iphone", ... */
	char at[ISO_TIME_LEN];
	const char *dir; /* the folder written, or the profile imported into */
	int profile;     /* 1: imported into a Thunderbird profile */
	/* The correspondents' fingerprints (SHA-256 hex), sorted, ","-joined;
	 * "" when none. */
	const char *peers;
};

/* A correspondent's certificate (peers/HEX.pem) and everything padseal
 * records about it.  The certificate's facts are kept here so that the
 * lists never read thousands of files. */
struct st_peer {
	char hex[FPR_HEX_LEN];
	const char *const *addr; /* as written in the certificate, main
				    first; only valid addr-specs */
	size_t n_addr;
	const char *name;       /* its common name, or "" */
	char key[KEY_DESC_LEN]; /* "RSA 3072", "EC P-256" */
	char not_before[ISO_TIME_LEN], not_after[ISO_TIME_LEN];
	time_t not_after_t;
	char isn[ISN_LEN]; /* issuer-and-serial key (fpr_isn) */
	char sha1[41];     /* its SHA-1 fingerprint, hex */
	/* The SHA-256 of the CA that issued it (its file is peers/ca-HEX.pem),
	 * "" for a self-signed certificate or one whose CA did not come with
	 * it.  For such a correspondent the CA is what is verified and
	 * pinned (trust.h). */
	char ca[FPR_HEX_LEN];
	const char *lint; /* codes of its lint findings that do
			     not depend on the date, ","-joined */
	char received[ISO_TIME_LEN];
	const char *source; /* where it came from, for a person */
	/* Trust (trust.h says what these mean). */
	int trusted;
	enum verify_method verified;
	char verified_at[ISO_TIME_LEN];
	int forced;
	char untrusted_at[ISO_TIME_LEN];
	char superseded_by[FPR_HEX_LEN];
	char rejected_at[ISO_TIME_LEN];
	/* Trusted without a new call: issued by the CA verified for the
	 * certificate `renewed_from` (verified/verified_at are that one's). */
	char renewed_from[FPR_HEX_LEN];
	/* The test. */
	struct st_cell cell[DIR_COUNT][KIND_COUNT];
	/* When the test with this certificate started (matrix.h,
	 * matrix_start): a mailbox's older messages are not test messages.
	 * "" until the first send or check. */
	char test_from[ISO_TIME_LEN];
};

struct state;

/* Load the home's checklist; a home without one gives an empty state.  A
 * damaged file, a damaged record or an unknown version is an error naming
 * the file (and line); nothing is changed or reset.  *out: state_free(). */
int state_load(const struct home *h, struct state **out, struct err *e);

/* Correspondents' and sent records are read lazily (a large home holds
 * tens of thousands): a damaged one is found when it is first used, and
 * then every later save refuses.  state_damage says whether one was
 * found (-1 with the sentence); state_parse_all reads every record now,
 * as the lists (status, peers, the wizard's home) do. */
int state_damage(const struct state *st, struct err *e);
int state_parse_all(const struct state *st, struct err *e);

/* Has the file changed since `st` was loaded or saved (another process
 * wrote it)?  For a front end that keeps a state between actions. */
int state_stale(const struct home *h, const struct state *st);

/* Write what changed since the load (or the last save).  The home must be
 * open for writing, and `st` loaded under that lock.  Nothing changed:
 * nothing is written. */
int state_save(const struct home *h, struct state *st, struct err *e);

/* Parse and format a whole file (what load and save use; `name` for
 * messages).  state_format writes a compact file of version 2; free(). */
int state_parse(const char *buf, size_t len, const char *name, struct state **out, struct err *e);
char *state_format(const struct state *st, size_t *len);

struct state *state_new(void);
void state_free(struct state *st);

/* A copy of `s` that lives as long as `st` (for record fields). */
const char *state_str(struct state *st, const char *s);

/* --- identities, backups, sent ------------------------------------------ */

size_t state_n_idents(const struct state *st);
const struct st_ident *state_ident(const struct state *st, size_t i);
const struct st_ident *state_ident_current(const struct state *st);
const struct st_ident *state_ident_by_hex(const struct state *st, const char *hex);
/* Add (or, for an existing fingerprint, edit) an identity record. */
struct st_ident *state_ident_put(struct state *st, const char *hex);

size_t state_n_backups(const struct state *st);
const struct st_backup *state_backup(const struct state *st, size_t i);
/* The newest backup of identity `hex`, or NULL. */
const struct st_backup *state_backup_newest(const struct state *st, const char *hex);
/* The newest backup of any identity, or NULL. */
const struct st_backup *state_backup_last(const struct state *st);
/* The record of identity `hex` written to `path`, new or existing. */
struct st_backup *state_backup_put(struct state *st, const char *hex, const char *path);

/* The addresses the user's certificate went to, in the order recorded. */
size_t state_n_sent(const struct state *st);
const struct st_sent *state_sent(const struct state *st, size_t i);
/* When the user's certificate went to `addr` (any case), or NULL. */
const struct st_sent *state_sent_to(const struct state *st, const char *addr);
struct st_sent *state_sent_put(struct state *st, const char *addr);

/* The mail programs prepared (install), in the order recorded. */
size_t state_n_installs(const struct state *st);
const struct st_install *state_install(const struct state *st, size_t i);
/* The record of identity `hex` and program `prog`, or NULL. */
const struct st_install *state_install_of(const struct state *st, const char *hex,
					  const char *prog);
/* That record, new or existing, writable (saved with the next save). */
struct st_install *state_install_put(struct state *st, const char *hex, const char *prog);

/* --- correspondents ----------------------------------------------------- */

size_t state_n_peers(const struct state *st);
const struct st_peer *state_peer(const struct state *st, size_t i);
/* By SHA-256 hex (exactly), or NULL. */
const struct st_peer *state_peer_by_hex(const struct state *st, const char *hex);
/* Every certificate held for `addr` (compared ignoring case): call with
 * *it = 0 and repeat while it returns non-NULL. */
const struct st_peer *state_peer_by_addr(const struct state *st, const char *addr, size_t *it);
/* Certificates whose issuer-and-serial key is `isn` (same iteration). */
const struct st_peer *state_peer_by_isn(const struct state *st, const char *isn, size_t *it);
/* The fingerprint of record i, without reading the rest of it (for
 * matching a fingerprint prefix against thousands). */
const char *state_peer_hex(const struct state *st, size_t i);
/* Its position in the list (for a front end's selection). */
size_t state_peer_index(const struct state *st, const struct st_peer *p);
/* Is `p` a record of `st` (made by it and still its record of p->hex)? */
int state_peer_owns(const struct state *st, const struct st_peer *p);

/* A new correspondent record for `hex` (which must not be held yet) with
 * addresses `addr` (copied; 1..PEER_ADDRS_MAX valid addr-specs). */
struct st_peer *state_peer_add(struct state *st, const char *hex, const char *const *addr,
			       size_t n_addr);
/* The record, writable: it will be saved with the next state_save. */
struct st_peer *state_peer_edit(struct state *st, const struct st_peer *p);
/* Writable versions of the other records, likewise. */
struct st_ident *state_ident_edit(struct state *st, const struct st_ident *r);

/* --- definitions used everywhere ---------------------------------------- */

/* Trust withdrawn, superseded, or never given and set aside: kept to check
 * old mail, left out of the steps. */
int state_peer_retired(const struct st_peer *p);
/* Does `p` hold `addr` (any case)? */
int state_peer_has_addr(const struct st_peer *p, const char *addr);

/* "phone", "in-person", "other" (NULL for VERIFY_NONE) and back (-1). */
const char *verify_method_name(enum verify_method m);
int verify_method_parse(const char *s, enum verify_method *out);

const char *cell_state_name(enum cell_state c); /* "todo", "sent", ... */
const char *cell_kind_name(enum cell_kind k);   /* "plain", ... */
const char *cell_dir_name(enum cell_dir d);     /* "out", "in" */

#endif
