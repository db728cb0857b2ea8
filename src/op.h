/* op — one function per thing a person does with padseal.  The command
 * line's verbs and the wizard's screens both call these; neither reads or
 * writes the checklist, takes a lock or decides what to undo.
 *
 * Every operation follows the same sequence: read the home (shared lock)
 * and make every check that can refuse; ask for the passphrases it needs
 * (no lock held while a person types); lock the home for writing, read it
 * again and check again (another padseal may have changed it); act; save;
 * and when anything fails after it began to act, undo what it did, so a
 * refused or failed operation leaves the home as it was.  Each returns 0
 * with its result record filled, or -1 with `e` saying why in one
 * sentence (e->code says what kind of failure: a usage error, a wrong
 * passphrase, ...).
 *
 * A PEER names a correspondent certificate: an address, or at least 8 hex
 * digits of its SHA-256 fingerprint (peer_resolve).  `now` is the time
 * the operation takes as "now" (tests pass a fixed one). */
#ifndef PADSEAL_OP_H
#define PADSEAL_OP_H

#include <stddef.h>
#include <time.h>

#include "checklist.h"
#include "err.h"
#include "handover.h"
#include "ident.h"
#include "import.h"
#include "install.h"
#include "mailset.h"
#include "matrix.h"
#include "p12.h"
#include "session.h"
#include "state.h"
#include "trust.h"

/* Where a message or file goes.  `write` delivers all of it (0, or -1
 * with `e`); `undo`, when not NULL, takes it back when the operation
 * fails afterwards (a file is removed; a mail once sent cannot be). */
struct sink {
	int (*write)(void *arg, const void *buf, size_t len, struct err *e);
	void (*undo)(void *arg);
	void *arg;
	const char *label; /* where it went, for a person ("intro.eml") */
};

/* A file that does not exist yet (or, with `force`, is replaced), written
 * atomically with mode 0600; undo removes it.  The sink_file lives in the
 * caller's memory for as long as the sink is used. */
struct sink_file {
	const char *path;
	int force;
	int written;
};
void sink_file(struct sink *s, struct sink_file *f, const char *path, int force);

/* A message mailed (mailer.h) from `from` to `to`, after being given to
 * `also` first when that is not NULL (a file kept as well).  A mail once
 * sent cannot be taken back: undo only undoes `also`.  Lives in the
 * caller's memory while the sink is used. */
struct mailer;
struct sink_mail {
	const struct mailer *m;
	const char *from, *to;
	const struct sink *also;
};
void sink_mail(struct sink *s, struct sink_mail *sm, const char *label);

/* --- reading the home (each holds it, shared, just for the read) -------- */

/* The checklist (checklist_build) as of `now`; `missing` (may be NULL)
 * gets, per correspondent, whether its certificate file is missing (one
 * directory read), and *n_missing how many are.  The checklist's records
 * are the session's, as is *st_out (may be NULL), the state they come
 * from: valid until its next call that reads the home.
 * Free with checklist_free() and free(*missing). */
int op_status(struct session *s, time_t now, struct checklist *cl, unsigned char **missing,
	      size_t *n_missing, const struct state **st_out, struct err *e);
/* Every identity (ident_list) as of `now`. */
/* The mail settings kept in the home (mailset.h): read them; keep `in`
 * in their place (the old file, when damaged, is refused, not replaced). */
int op_mail_settings(struct session *s, struct mail_settings *out, struct err *e);
int op_mail_settings_keep(struct session *s, const struct mail_settings *in, struct err *e);
int op_idents(struct session *s, time_t now, struct ident **out, size_t *n, struct err *e);
/* The current identity: 1 filled, 0 none, -1 error. */
int op_ident(struct session *s, time_t now, struct ident *out, struct err *e);
/* What a person is shown of the correspondent certificate `peer` (a PEER:
 * an address or a fingerprint prefix, the whole hex included). */
int op_peer_info(struct session *s, const char *peer, time_t now, struct peer_info *out,
		 struct err *e);
/* A certificate for `fingerprint`/`lint`: yours (peer NULL) or a
 * correspondent's; `what` says whose, for a person.  *out: X509_free(). */
/* The certificate whose fingerprint is read on the phone for `peer` (yours
 * when NULL): the CA that issued it for the CA form (*ca 1; trust.h), else
 * the certificate itself (op_cert_of).  *out: X509_free(). */
int op_anchor_of(struct session *s, const char *peer, struct x509_st **out, int *ca, char *what,
		 size_t whatlen, struct err *e);
int op_cert_of(struct session *s, const char *peer, struct x509_st **out, char *what,
	       size_t whatlen, struct err *e);

/* --- create, restore ----------------------------------------------------- */

struct op_create {
	struct ident_new req;
	struct newkey *key; /* generated already (the wizard does it off its
			       loop); NULL: generated here.  Consumed. */
	time_t now;
};

/* Refusals of a create request, made before any passphrase is asked. */
int op_create_check(struct session *s, const struct ident_new *req, struct err *e);
/* Asks PASS_NEW_KEY.  *out (ident_clear) is the new identity. */
int op_create(struct session *s, struct op_create *req, const struct pass_ask *ask,
	      struct ident *out, struct err *e);

/* renew: a new mail certificate from your own CA (ident_renew).  Asks
 * PASS_KEY.  *out (ident_clear) is the new identity. */
int op_renew(struct session *s, int keep_key, int days, time_t now, const struct pass_ask *ask,
	     struct ident *out, struct err *e);

struct op_restore_res {
	int plan;              /* ADOPT_NEW, ADOPT_REPLACES: stored;
				  ADOPT_SAME, ADOPT_ARCHIVED: nothing to do */
	struct ident id;       /* the credential of the file */
	struct ident replaced; /* ADOPT_REPLACES: the one archived */
	const char *notes[8];  /* about the file (weak encryption, ...) */
	size_t n_notes;
	char notes_buf[8][320];
};
/* Asks PASS_FILE (the file's), then PASS_NEW_KEY (for the key in the
 * home).  Free the result with op_restore_res_clear(). */
int op_restore(struct session *s, const char *path, time_t now, const struct pass_ask *ask,
	       struct op_restore_res *res, struct err *e);
void op_restore_res_clear(struct op_restore_res *r);

/* --- backup -------------------------------------------------------------- */

struct op_backup {
	const char *path;
	enum p12_compat compat;
	int force;    /* replace an existing file */
	int make_dir; /* create a missing folder (0700) */
	time_t now;
	/* The read-back check (NULL: p12_verify); tests put a failing one. */
	int (*verify)(const unsigned char *der, size_t len, const char *pass, struct x509_st *cert,
		      enum p12_compat compat, struct err *e);
};
int op_backup_check(struct session *s, const struct op_backup *req, struct err *e);
/* Asks PASS_KEY (unless the session holds the key), then
 * PASS_NEW_BACKUP. */
int op_backup(struct session *s, const struct op_backup *req, const struct pass_ask *ask,
	      struct p12_backup_done *out, struct err *e);

/* --- giving your certificate --------------------------------------------- */

/* The introduction mail to `to`: signed, not encrypted, carrying the
 * certificate.  Delivered to `out`, then recorded as sent by mail.
 * Asks PASS_KEY. */
int op_intro_check(struct session *s, const char *to, struct err *e);
int op_intro(struct session *s, const char *to, const struct sink *out, time_t now,
	     const struct pass_ask *ask, struct err *e);

/* Your certificate (PEM, or DER) delivered to `out`; with `to`, recorded
 * as handed over to that address in person. */
int op_cert(struct session *s, int der, const char *to, const struct sink *out, time_t now,
	    struct err *e);

/* --- reading ----------------------------------------------------------------- */

/* Open the message in the file `path` as a mail client would (msg_open).
 * An envelope addressed to you asks PASS_KEY; when that fails (no
 * passphrase to be had, a wrong one) the operation fails with it.  *r:
 * msg_report_free(). */
int op_read(struct session *s, const char *path, time_t now, const struct pass_ask *ask,
	    struct msg_report *r, struct err *e);

/* --- correspondents' certificates ---------------------------------------- */

/* Read what the file `path` holds (import_read): nothing is stored.  A
 * message encrypted to you asks PASS_KEY.  *out: import_free(). */
int op_import_read(struct session *s, const char *path, time_t now, const struct pass_ask *ask,
		   struct import_set **out, struct err *e);
/* Store every certificate of `set` (untrusted); `source` says where they
 * came from.  Afterwards import_view() describes each. */
/* The same, trusting every certificate of `set` at once as verified by
 * `method` (`import --made-by-me`: the user made that credential, in
 * person): refused as trust refuses (lint errors, expired), with nothing
 * stored. */
int op_import_store_trusted(struct session *s, struct import_set *set, const char *source,
			    enum verify_method method, time_t now, struct err *e);
int op_import_store(struct session *s, struct import_set *set, const char *source, time_t now,
		    struct err *e);

struct op_trust_res {
	struct trust_done done;
	char hex[FPR_HEX_LEN];
	char email[ADDR_MAX];
	enum verify_method method;
	char at[ISO_TIME_LEN];
};
/* Refusals first (lint errors without `force`, expired, ...). */
int op_trust_check(struct session *s, const char *peer, int force, time_t now,
		   struct lint_report *lint, struct err *e);
int op_trust(struct session *s, const char *peer, enum verify_method method, int force, time_t now,
	     struct op_trust_res *res, struct err *e);

struct op_untrust_res {
	enum untrust_done done;
	char hex[FPR_HEX_LEN];
	char email[ADDR_MAX];
	char at[ISO_TIME_LEN]; /* untrusted-at or rejected-at */
};
int op_untrust(struct session *s, const char *peer, time_t now, struct op_untrust_res *res,
	       struct err *e);

/* --- the test ------------------------------------------------------------ */

struct op_send_res {
	char hex[FPR_HEX_LEN];
	char email[ADDR_MAX];
	char path[KIND_COUNT][4096];
};
/* The four test messages to `peer` into the folder `dir` (made 0700 when
 * missing; none of the four may exist).  `untrusted_ok` sends to a
 * certificate not trusted yet.  Asks PASS_KEY. */
int op_matrix_send_check(struct session *s, const char *peer, const char *dir, int untrusted_ok,
			 time_t now, struct err *e);
int op_matrix_send(struct session *s, const char *peer, const char *dir, int untrusted_ok,
		   time_t now, const struct pass_ask *ask, struct op_send_res *res, struct err *e);

/* As op_matrix_send, and the four are mailed through `m` one after the
 * other; `dir` may be NULL (only mailed).  When a message is refused, the
 * ones mailed before it stay marked sent (a mail cannot be taken back),
 * the error says how many went, and the files are removed when none went.
 * Asks PASS_KEY. */
int op_matrix_send_mail(struct session *s, const char *peer, const char *dir, int untrusted_ok,
			time_t now, const struct mailer *m, const struct pass_ask *ask,
			struct op_send_res *res, struct err *e);

/* One message checked. */
struct op_checked {
	char *file; /* its path */
	int judged; /* res is valid; else err says why not */
	struct matrix_result res;
	struct err err;
};
/* Check the messages in `files` (each a file, or a folder whose *.eml are
 * taken, in name order), judge each into its cell and record the results.
 * A message encrypted to you asks PASS_KEY once, whatever the number; when
 * that fails nothing is recorded.  *out (n_out entries, free with
 * op_checked_free()) holds one entry per message. */
int op_matrix_check(struct session *s, const char *const *files, size_t n, time_t now,
		    const struct pass_ask *ask, struct op_checked **out, size_t *n_out,
		    struct err *e);

void op_checked_free(struct op_checked *list, size_t n);

/* Check the test messages in a mailbox (mailbox.h), or two (the inbox
 * and the Sent folder, whose copies of your own messages pass the out
 * cells): only those from you to a correspondent or from a correspondent
 * are opened (matrix_concerns), other mail is passed over, and so are the
 * messages dated before the test with their correspondent started
 * (counted in `older`); each judged one is recorded (a cell passed by
 * any message stays passed).  The mailboxes are only read.  -1 when one
 * cannot be read, or they hold no test message at all. */
struct mailbox;
#define OP_BOXES_MAX 2
struct op_box_count {
	size_t seen;             /* messages in the mailbox */
	size_t judged;           /* test messages judged into a cell */
	size_t older;            /* test messages from before the test */
	size_t damaged;          /* damaged ones passed over */
	struct err first_damage; /* why the first of those was */
};
struct op_box_res {
	struct op_checked *list; /* the judged messages: op_checked_free() */
	size_t n;
	struct op_box_count box[OP_BOXES_MAX]; /* each mailbox, in order */
	size_t n_box;
};
int op_matrix_check_box(struct session *s, const struct mailbox *mb, size_t n_mb, time_t now,
			const struct pass_ask *ask, struct op_box_res *res, struct err *e);

/* The certificates the signed messages of mailbox `mb` carry (scan.h),
 * marked against the home; nothing is decrypted, nothing written.  *out:
 * scan_free().  `damaged` and `first_damage` as in mailbox_read. */
struct scan;
int op_scan(struct session *s, const struct mailbox *mb, time_t now, struct scan *out,
	    size_t *damaged, struct err *first_damage, struct err *e);

/* A mail program showed the message of cell `d`:`k` correctly: the
 * correspondent reported it of an out cell, or the person saw it of an in
 * cell padseal passed (matrix_confirm). */
int op_matrix_confirm(struct session *s, const char *peer, enum cell_dir d, enum cell_kind k,
		      time_t now, char hex[FPR_HEX_LEN], struct err *e);

/* --- into the mail programs ---------------------------------------------- */

struct op_install {
	enum install_prog prog;
	const char *dir; /* the folder to make (missing or empty) */
	/* Thunderbird only: import into this profile instead (dir unused). */
	const char *profile;
	time_t now;
};

struct op_install_res {
	char dir[4096];
	char hex[FPR_HEX_LEN];  /* the credential */
	size_t n_peers;         /* correspondents' certificates included */
	const char *warning;    /* about the passphrase, or NULL */
	struct install_set set; /* the files written, the steps, the notes */
};

/* Refusals before any passphrase: no credential, a folder not empty, a
 * program that cannot take this credential (gpgsm and EC); with a
 * profile, one that is not a Thunderbird profile, is open in Thunderbird,
 * or NSS's tools missing (install_profile_check). */
int op_install_check(struct session *s, const struct op_install *req, struct err *e);
/* Asks PASS_KEY (unless the session holds the key), then PASS_NEW_BACKUP
 * for the .p12 it writes (the one the program's import asks for).  Builds
 * everything for req->prog and writes it into req->dir at once (0700,
 * files 0600; nothing is left when it fails), then records in the
 * checklist which program was prepared, when, and with which
 * correspondents (struct st_install; status compares it with now).
 * With req->profile, nothing is written but the profile's certificate
 * store (install_profile_import) and only PASS_KEY is asked: the .p12
 * is made under a one-time random passphrase given to pk12util through a
 * pipe.  res->dir is then the profile; res->set holds the steps left
 * (files are not written).
 * Free with op_install_res_clear(). */
int op_install(struct session *s, const struct op_install *req, const struct pass_ask *ask,
	       struct op_install_res *res, struct err *e);
void op_install_res_clear(struct op_install_res *r);

/* --- a credential made for someone else, handed over --------------------- */

struct op_handover {
	const char *dir; /* the new folder (must not exist) */
	time_t now;
};

struct op_handover_res {
	char dir[4096];         /* absolute */
	struct ident id;        /* the credential handed over */
	const char *warning;    /* about the .p12's passphrase, or NULL */
	struct install_set set; /* the files written */
};

/* Refusals before any passphrase: no credential in the home, something
 * at `dir` already, a parent folder that is missing or not writable. */
int op_handover_check(struct session *s, const struct op_handover *req, struct err *e);
/* Run in the home made for the other person: asks PASS_KEY (unless the
 * session holds the key), then PASS_NEW_BACKUP for the .p12; writes the
 * bundle (handover.h) into the new folder req->dir at once (0700, files
 * 0600; nothing is left when it fails).  The passphrase is never written.
 * The home is only read.  Free with op_handover_res_clear(). */
int op_handover(struct session *s, const struct op_handover *req, const struct pass_ask *ask,
		struct op_handover_res *res, struct err *e);
void op_handover_res_clear(struct op_handover_res *r);

#endif
