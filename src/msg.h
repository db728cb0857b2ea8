/* msg — opening a message as a person's mail client would: the MIME
 * structure, every S/MIME layer outside-in (signatures checked over the
 * exact bytes received, envelopes opened with the current or an archived
 * identity), and the text inside.  What `read`, `import` and `matrix check`
 * (and the wizard) use.  No OpenSSL types in this header. */
#ifndef PADSEAL_MSG_H
#define PADSEAL_MSG_H

#include <stddef.h>
#include <time.h>

#include "addr.h"
#include "err.h"
#include "fpr.h"
#include "home.h"
#include "isotime.h"
#include "state.h"

#define MSG_MAX_LAYERS 8

enum layer_kind {
	LAYER_SIGNED,        /* multipart/signed (detached) or opaque signed-data */
	LAYER_ENVELOPED,     /* enveloped-data */
	LAYER_AUTH_ENVELOPED /* authEnveloped-data (AES-GCM) */
};

enum sig_state {
	SIG_VALID,       /* the signature matches the content */
	SIG_INVALID,     /* content changed after signing, or bad signature */
	SIG_UNCHECKABLE, /* no signer certificate, unsupported algorithm, ... */
};

struct msg_layer {
	enum layer_kind kind;
	int opaque;   /* signed: signed-data carrying the content */
	char alg[32]; /* "SHA-256", "AES-256-CBC", "AES-128-GCM" */
	/* signed */
	enum sig_state sig;
	char signer[ADDR_MAX];          /* signer certificate's main address */
	char signer_fpr[FPR_COLON_LEN]; /* SHA-256 colon form */
	char signer_hex[FPR_HEX_LEN];
	int trusted;                   /* the signer certificate is pinned (trusted) */
	int changed;                   /* a different certificate than the one verified */
	int from_mismatch;             /* signer's addresses do not include From */
	int expired_at_signing;        /* certificate not valid at signingTime */
	int sha1;                      /* SHA-1 digest (Thunderbird 115+ rejects it) */
	int own;                       /* signed by one of your own identities */
	int held;                      /* the signer certificate is in the home
					  (a peer record or your own) */
	char signed_at[ISO_TIME_LEN];  /* signingTime, ISO 8601 UTC, "" if absent */
	char known_fpr[FPR_COLON_LEN]; /* changed: the certificate you verified for
					  the signer's address (SHA-256 colon) */
	unsigned char *signer_der;     /* the signer certificate, DER (malloc'd,
					  freed by msg_report_free), NULL if none */
	size_t signer_der_len;
	unsigned char *signer_ca_der; /* the CA the message carries that issued
					 the signer certificate, DER (malloc'd),
					 NULL if none */
	size_t signer_ca_der_len;
	int renewed;      /* trusted: issued by the CA verified for the signer's
			     addresses, to a certificate not yet pinned (trust.h) */
	int cert_missing; /* the signature does not carry the signer's
			     certificate (it was checked with one held) */
	/* enveloped */
	int opened;                    /* decrypted */
	char recipients[512];          /* who it is for (addresses or issuer/serial) */
	char opened_with[FPR_HEX_LEN]; /* hex of the identity that opened it */
	int opened_with_archived;      /* that identity is archived */
	char note[320];                /* why a layer failed, for a person */
};

struct msg_report {
	char from[ADDR_MAX]; /* the From address (bare), "" when absent */
	char from_name[128]; /* its display name (RFC 2047 decoded) */
	size_t from_lines;   /* how many From: lines the header has: with two
				or more, which one a mail program shows is
				not defined (the first is read here) */
	char to[512];        /* bare addresses, ", "-separated */
	char subject[256];   /* RFC 2047 decoded, UTF-8 */
	char date[64];
	struct msg_layer layer[MSG_MAX_LAYERS];
	size_t n_layers;
	enum cell_kind kind;    /* plain / signed / encrypted / signed-encrypted */
	char *text;             /* the innermost text (malloc'd, may be NULL):
				   text/plain in UTF-8, else the parts line */
	char parts[512];        /* the innermost content in one line:
				   "text/html, 2 attachments: a.docx, b.pdf" */
	size_t outside;         /* parts beside the S/MIME part, not covered
				   by its signature or encryption */
	int pgp;                /* an OpenPGP signature (not checked here) */
	struct msg_spool *more; /* the text beyond `text` when it is longer
				   than MSG_TEXT_HELD: msg_text_more() */
	int ok;                 /* one From: line, every layer opened, every
				   signature valid
				   and by a trusted (or own) certificate,
				   not changed, by the From address, valid
				   when signed (SHA-1 passes: warn) */
};

/* What opening may use.  `key` gives the private key of the user's
 * identity `hex` (current or archived) for an envelope addressed to it: 0
 * with *out (borrowed: valid until msg_open returns), or -1 with `e` (no
 * passphrase to be had, a wrong one; the layer then says why it was not
 * opened).  It is called only when such an envelope is met.  NULL: no
 * envelope is opened.  session_msg_ctx() (session.h) fills one.  `h` and
 * `st` may be NULL: no identities, no correspondents.  `now` is the time
 * a signature without a signing time is judged at. */
struct evp_pkey_st;
struct msg_ctx {
	const struct home *h;
	const struct state *st;
	int (*key)(void *arg, const char *hex, struct evp_pkey_st **out, struct err *e);
	void *key_arg;
	time_t now;
};

/* Open a whole message (RFC 5322 bytes, LF or CRLF; also a bare CMS
 * structure, DER or base64, as one layer).  Like a mail client it opens
 * the first S/MIME part it finds inside multipart/mixed or /alternative;
 * the other parts are counted in `outside` and not opened (a hidden second
 * envelope is an attack: it is never decrypted).  Returns 0 when the message
 * could be read at all — failures of a layer are in the report — and -1
 * (with `e`) for input that is not a message: empty, NUL bytes in the
 * header block, no header block, too deeply nested.  Signatures are checked
 * over the bytes received in canonical CRLF form.  `ok` also requires that
 * each signer's address is the From address and that each signer's
 * certificate was valid when signing.  Decrypted data is wiped before
 * returning; only `text` remains.  `buf` is only read (never copied whole).
 * Free the report with msg_report_free() (it wipes the text). */
int msg_open(const struct msg_ctx *ctx, const unsigned char *buf, size_t len, struct msg_report *r,
	     struct err *e);
void msg_report_free(struct msg_report *r);

/* The same, read as it arrives, in bounded memory (neither the message
 * nor its plaintext is held whole): `rd` gives the next bytes into buf
 * (at most len; *got 0 at the end) and returns 0, or -1 with `e`.  The
 * common shapes of a large message are read so (an envelope, a signature
 * inside or around it, UTF-8 text inside); for any other shape, and for
 * input msg_open refuses, it returns 1 (`e` clear) and the caller opens
 * the message whole with msg_open, from the start.  Nothing of the text
 * is given before the whole message was read and every signature checked:
 * the first MSG_TEXT_HELD bytes are in r->text, the rest in a temporary
 * file encrypted with a key only this process holds (msg_text_more). */
#define MSG_TEXT_HELD (4u << 20)
struct msg_spool;
typedef int (*msg_read_fn)(void *arg, unsigned char *buf, size_t len, size_t *got, struct err *e);
int msg_open_stream(const struct msg_ctx *ctx, msg_read_fn rd, void *arg, struct msg_report *r,
		    struct err *e);
/* The next bytes of the text after r->text (at most len), 0 at its end. */
size_t msg_text_more(struct msg_report *r, char *buf, size_t len);

/* "enveloped(AES-256-CBC, to: you) > signed(SHA-256, by: sam@example.org,
 * valid, trusted)" into buf; "plain" without layers.  Signatures read
 * "valid, trusted|yours|changed|not trusted[, SHA-1]", "invalid" or
 * "uncheckable"; envelopes add ", not opened" or ", opened with an
 * archived key". */
void msg_layers_line(const struct msg_report *r, char *buf, size_t len);

#endif
