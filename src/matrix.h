/* matrix — the test of step 6: four kinds of message (plain, signed,
 * encrypted, signed-and-encrypted) in two directions per correspondent,
 * eight cells in all.
 *
 * The cells live in the correspondent's peer record (peer.h):
 *   out-plain=todo|sent|passed|failed  out-plain-why=TEXT  ... in-...
 * `matrix send` marks the four out cells sent; `matrix check` classifies a
 * message by its structure (direction from From, kind from the S/MIME
 * layers) and marks its cell passed or failed with the reason; `matrix
 * confirm` records the correspondent's word for an out cell.  The
 * checklist's test step is done when all eight have passed.  No OpenSSL
 * types here: the wizard calls these too. */
#ifndef PADSEAL_MATRIX_H
#define PADSEAL_MATRIX_H

#include <stddef.h>
#include <time.h>

#include "addr.h"
#include "checklist.h"
#include "err.h"
#include "fpr.h"
#include "home.h"
#include "ident.h"
#include "msg.h"
#include "state.h"

struct smime_sender;

#define MATRIX_WHY_MAX 400

/* File names `matrix send` writes, by kind ("plain.eml", ...). */
const char *matrix_file_name(enum cell_kind k);
const char *matrix_dir_name(enum cell_dir d); /* "out", "in" */

/* "out:signed" -> DIR_OUT, KIND_SIGNED; -1 when it is not a cell name. */
int matrix_cell_parse(const char *spec, enum cell_dir *d, enum cell_kind *k);

/* A cell of the peer record `r`: its state, and the reason recorded with
 * it (borrowed from the record, or NULL). */
enum cell_state matrix_get(const struct rec *r, enum cell_dir d, enum cell_kind k,
			   const char **why);
/* Set a cell and its reason (NULL removes the reason). */
void matrix_set(struct rec *r, enum cell_dir d, enum cell_kind k, enum cell_state s,
		const char *why);
/* 1 when all eight cells of `r` have passed. */
int matrix_all_passed(const struct rec *r);

/* Before asking for a passphrase: may the four test messages be sent to
 * the peer `r` into `dir`?  Refuses when the peer's certificate cannot
 * receive encrypted mail (expired, not yet valid, wrong key usage), when
 * it is not trusted yet (unless `untrusted_ok`, for testing), or when any
 * of the four files exists in `dir` already. */
int matrix_send_check(const struct home *h, const struct rec *r, const char *dir, int untrusted_ok,
		      time_t now, struct err *e);

/* Write plain.eml, signed.eml, encrypted.eml and signed-encrypted.eml
 * from the sender `s` to the peer `r` into `dir` (created 0700 when
 * missing; no existing file is replaced — then nothing is written), and
 * mark the four out cells sent.  Updates `st`; the caller saves it.  The
 * home must be open for writing. */
int matrix_send(const struct home *h, struct state *st, struct rec *r, const struct smime_sender *s,
		const char *dir, int untrusted_ok, time_t now, struct err *e);

/* The judgement of one message. */
struct matrix_result {
	enum cell_dir dir;
	enum cell_kind kind;
	enum cell_state state;      /* CELL_PASSED or CELL_FAILED */
	char why[MATRIX_WHY_MAX];   /* "from sam@example.org, valid signature,
				       trusted" */
	char peer_hex[FPR_HEX_LEN]; /* the correspondent's certificate */
	char peer_email[ADDR_MAX];
	int warning; /* passed, with a caveat in `why` (SHA-1) */
};

/* Classify and judge a message opened with msg_open (`buf` is the same
 * message: the envelope's recipients are read from it).  `me` is the
 * current identity (NULL when there is none).  Returns 0 with `res` filled, -1 when the message
 * fits no cell: no From, a sender who is neither you nor a correspondent (the sentence names the
 * address), a message of yours to nobody you know. */
int matrix_judge(const struct home *h, const struct state *st, const struct ident *me,
		 const struct msg_report *rep, const unsigned char *buf, size_t len,
		 struct matrix_result *res, struct err *e);

/* Read the file `path`, open the message in it with `ctx` (msg_open) and
 * judge it (matrix_judge).  Changes nothing.  -1 with `e` when the file
 * cannot be read, holds no message, or the message fits no cell. */
int matrix_check_file(const struct msg_ctx *ctx, const struct ident *me, const char *path,
		      struct matrix_result *res, struct err *e);

/* Record a result in the peer's record (found again by fingerprint, so a
 * freshly loaded state may be passed).  -1 when that peer is gone. */
int matrix_record(struct state *st, const struct matrix_result *res, struct err *e);

/* The correspondent reported that out cell `k` arrived as it should. */
void matrix_confirm(struct rec *r, enum cell_kind k);

#endif
