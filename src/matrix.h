/* matrix — the test of step 6: four kinds of message (plain, signed,
 * encrypted, signed-and-encrypted) in two directions per correspondent,
 * eight cells in all, kept in the correspondent's record (state.h).
 *
 * Sending marks the four out cells sent; checking classifies a message by
 * its structure (direction from From, kind from the S/MIME layers) and
 * marks its cell passed or failed with the reason; confirming records the
 * correspondent's word for an out cell.  Each cell keeps who wrote the
 * message that judged it; the test step is done when all eight have
 * passed with messages mail programs wrote.  No OpenSSL types here. */
#ifndef PADSEAL_MATRIX_H
#define PADSEAL_MATRIX_H

#include <stddef.h>
#include <time.h>

#include "addr.h"
#include "err.h"
#include "fpr.h"
#include "home.h"
#include "ident.h"
#include "msg.h"
#include "state.h"

struct smime_sender;

#define MATRIX_WHY_MAX CELL_WHY_MAX

/* File names of the four test messages, by kind ("plain.eml", ...). */
const char *matrix_file_name(enum cell_kind k);

/* "out:signed" -> DIR_OUT, KIND_SIGNED; -1 when it is not a cell name. */
int matrix_cell_parse(const char *spec, enum cell_dir *d, enum cell_kind *k);

/* How many of the eight cells of `p` passed (with any message), and how
 * many passed with a message a mail program wrote (not padseal: its own
 * test messages are the rehearsal).  The test step is done when all eight
 * passed with mail programs' messages. */
int matrix_passed(const struct st_peer *p);
int matrix_tested(const struct st_peer *p);
/* Is `by` (a cell's writer) a mail program, not padseal or unknown? */
int matrix_by_program(const char *by);

/* Who wrote the message `buf`: the program named by its User-Agent (else
 * X-Mailer), shortened as a person knows it ("NeoMutt 20220429",
 * "Thunderbird 115.6.0", "Apple Mail"); without those headers, the
 * program whose Message-ID shape it has: "padseal" for padseal's own
 * messages, "NeoMutt", "Mutt"; else "a mail program". */
void matrix_writer(const unsigned char *buf, size_t len, char *out, size_t outlen);

/* May the four test messages be sent to `p` into `dir`?  Refuses when the
 * certificate cannot receive encrypted mail (expired, not yet valid, wrong
 * key usage), when it is not trusted yet (unless `untrusted_ok`, for
 * testing), or when any of the four files exists in `dir` already (a
 * NULL `dir`: the messages are only mailed). */
int matrix_send_check(const struct home *h, const struct st_peer *p, const char *dir,
		      int untrusted_ok, time_t now, struct err *e);

/* Write plain.eml, signed.eml, encrypted.eml and signed-encrypted.eml
 * from the sender `s` to `p` into `dir` (created 0700 when missing; no
 * existing file is replaced — then nothing is written), and mark the four
 * out cells sent in `st`.  The caller saves, and calls matrix_unwrite()
 * when that fails. */
int matrix_send(const struct home *h, struct state *st, const struct st_peer *p,
		const struct smime_sender *s, const char *dir, int untrusted_ok, time_t now,
		struct err *e);
/* The four test messages from `s` to `p` (msg[k], len[k]; free with
 * matrix_composed_free()); matrix_send_check() first. */
int matrix_compose(const struct home *h, const struct st_peer *p, const struct smime_sender *s,
		   time_t now, char *msg[KIND_COUNT], size_t len[KIND_COUNT], struct err *e);
void matrix_composed_free(char *msg[KIND_COUNT]);
/* Write the four into `dir` (made 0700 when missing), none replaced: all
 * or none. */
int matrix_write(const char *dir, char *const msg[KIND_COUNT], const size_t len[KIND_COUNT],
		 struct err *e);
/* Mark the out cells of the kinds in `kinds` (bit 1 << kind) sent; the
 * first send records when the test started (matrix_start). */
void matrix_mark_sent(struct state *st, const struct st_peer *p, unsigned kinds, time_t now);
/* Remove the four files matrix_send wrote into `dir`. */
void matrix_unwrite(const char *dir);

/* The judgement of one message. */
struct matrix_result {
	enum cell_dir dir;
	enum cell_kind kind;
	enum cell_state state;      /* CELL_PASSED or CELL_FAILED */
	char why[MATRIX_WHY_MAX];   /* "from sam@example.org, valid signature,
				       trusted" */
	char peer_hex[FPR_HEX_LEN]; /* the correspondent's certificate */
	char peer_email[ADDR_MAX];
	int warning;              /* passed, with a caveat in `why` (SHA-1) */
	char author[CELL_BY_MAX]; /* who wrote it (matrix_writer) */
};

/* Classify and judge a message opened with msg_open (`buf` is the same
 * message: the envelope's recipients are read from it).  `me` is the
 * current identity (NULL when there is none).  Returns 0 with `res`
 * filled, -1 when the message fits no cell: no From, a sender who is
 * neither you nor a correspondent (the sentence names the address), a
 * message of yours to nobody you know. */
int matrix_judge(const struct home *h, const struct state *st, const struct ident *me,
		 const struct msg_report *rep, const unsigned char *buf, size_t len,
		 struct matrix_result *res, struct err *e);

/* Read the file `path`, open the message in it with `ctx` (msg_open) and
 * judge it (matrix_judge).  Changes nothing.  -1 with `e` when the file
 * cannot be read, holds no message, or the message fits no cell. */
int matrix_check_file(const struct msg_ctx *ctx, const struct ident *me, const char *path,
		      struct matrix_result *res, struct err *e);

/* As matrix_check_file, for a message in memory. */
int matrix_check_buf(const struct msg_ctx *ctx, const struct ident *me, const unsigned char *buf,
		     size_t len, struct matrix_result *res, struct err *e);

/* When the test with `p` started: the time recorded by the first send to
 * it or check of a message of it (test_from), else the earliest of when
 * its certificate was received and when yours went to one of its
 * addresses (neither side can send a test message before), else `now`
 * (may be (time_t)-1: not known). */
time_t matrix_start(const struct state *st, const struct st_peer *p, time_t now);

/* How far before the start a message's Date may be and still count: the
 * sender's clock may be wrong by that much. */
#define MATRIX_CLOCK_SLACK 3600

/* Could the message whose header block is `head` be a test message: from
 * you to an address of a correspondent (To or Cc), or from an address of a
 * correspondent?  MATRIX_OLDER when it could but its Date is from before
 * the test with every correspondent it concerns started (older signed
 * mail, often with an old certificate: not part of the test).  For picking
 * them out of a mailbox without opening the rest.  `me` may be NULL. */
enum { MATRIX_NOT_TEST, MATRIX_TEST, MATRIX_OLDER };
int matrix_concerns(const struct state *st, const struct ident *me, const unsigned char *head,
		    size_t len);

/* Record a result in the correspondent's record (found again by
 * fingerprint, so a freshly loaded state may be passed); the first one
 * records when the test started (matrix_start).  A cell judged by another
 * message loses its confirmation (shown).  -1 when that correspondent is
 * gone. */
int matrix_record(struct state *st, const struct matrix_result *res, struct err *e);

/* The person confirmed that a mail program showed the message of a cell
 * correctly (shown): for an out cell, the correspondent reported it (the
 * cell passes on their word when padseal has not checked a copy); for an
 * in cell, their own mail program showed the message padseal checked — -1
 * when that cell has not passed. */
int matrix_confirm(struct state *st, const struct st_peer *p, enum cell_dir d, enum cell_kind k,
		   struct err *e);
/* How many passed cells of `p` were confirmed as shown correctly. */
int matrix_shown(const struct st_peer *p);

#endif
