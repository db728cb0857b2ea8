/* msg_int — what msg.c (the walk through a message and the report) and
 * msg_cms.c (its S/MIME layers) share: the state of one walk, with the
 * identities and correspondents it may use and the decrypted contents it
 * keeps until it ends, and the calls each file makes into the other.
 * Private to those two files; everyone else uses msg.h. */
#ifndef PADSEAL_MSG_INT_H
#define PADSEAL_MSG_INT_H

#include <stddef.h>

#include <openssl/buffer.h>
#include <openssl/cms.h>
#include <openssl/x509.h>

#include "err.h"
#include "fpr.h"
#include "mime.h"
#include "msg.h"

#define MAX_OWN  32
#define MAX_KEEP (MSG_MAX_LAYERS + 1)

struct own {
	X509 *cert;
	EVP_PKEY *key; /* unlocked when needed (borrowed from ctx->key) */
	char hex[FPR_HEX_LEN];
	int archived;
	int locked; /* the passphrase did not unlock it */
};

struct walk {
	const struct msg_ctx *ctx;
	struct msg_report *r;
	struct err *e;
	struct own own[MAX_OWN];
	size_t n_own;
	BUF_MEM *plain[MAX_KEEP]; /* decrypted contents (wiped when freed) */
	size_t n_plain;
	CMS_ContentInfo *opaque[MAX_KEEP]; /* signed-data whose content we walk */
	size_t n_opaque;
};

/* --- msg.c --------------------------------------------------------------- */

/* Copy `src` (NULL: "") into `dst`, cutting to fit (fields are for
 * display; cutting is fine). */
void msg_copy(char *dst, size_t len, const char *src);

/* One entity (`p`, `n` bytes, borrowed): an S/MIME layer, a container to
 * search, or the content.  0, or -1 with w->e set (nested too deeply, too
 * many layers). */
int msg_walk(struct walk *w, const unsigned char *p, size_t n, int depth);

/* Append `name` to the ", "-separated `list` unless it is there already;
 * cut to fit. */
void msg_add_name(char *list, size_t len, const char *name);

/* The identities of the home into w->own (certificates; keys are
 * unlocked when an envelope needs them). */
void msg_load_own(struct walk *w);
/* Free what the walk holds (decrypted contents wiped). */
void msg_free_walk(struct walk *w);
/* From, To, Subject, Date of the message's header block into `r`. */
void msg_headers(const struct mime_entity *m, struct msg_report *r);
/* r->ok and r->kind from the layers. */
void msg_classify(struct msg_report *r);
/* An S/MIME part (application/pkcs7-mime, x-pkcs7-mime, a .p7m). */
int msg_is_p7m(const struct mime_entity *m);
/* An attachment (its file name into `file`) rather than the text. */
int msg_is_attachment(const struct mime_entity *m, char *file, size_t len);

/* --- msg_cms.c ----------------------------------------------------------- */

/* multipart/signed `m`: a signed layer for its signature, then the walk
 * goes on into the first part as received. */
int msg_detached(struct walk *w, const struct mime_entity *m, int depth);

/* A CMS structure in DER/BER (`d`, freed here as soon as it is parsed, so
 * that a large message is not held twice): a layer for it by its content
 * type (`hint`, the smime-type parameter, when it cannot be parsed), and
 * the walk goes on into what it carries. */
int msg_cms_layer(struct walk *w, struct mime_data *d, const char *hint, int depth);

/* A new layer of the report (NULL with w->e: too many). */
struct msg_layer *msg_add_layer(struct walk *w, enum layer_kind kind);
/* The name of an algorithm ("SHA-256", "AES-256-CBC") into out. */
void msg_alg_name(int nid, const ASN1_OBJECT *obj, char *out, size_t len);
/* A CMS structure from DER/BER in memory, NULL when it is not one. */
CMS_ContentInfo *msg_parse_cms(const unsigned char *p, size_t n);
/* Check the signature of `cms` and fill the signed layer `l`: over
 * `dcont` (detached content, a BIO rewound for each try), over the
 * content inside `cms`, or, with `digested`, over content already hashed
 * into that chain of digest BIOs (one signer only: -1 for more, the
 * caller then reads the message whole).  0 otherwise. */
int msg_verify(struct walk *w, CMS_ContentInfo *cms, struct msg_layer *l, BIO *dcont,
	       BIO *digested);
/* The recipients of an envelope into `l`; mine[i] set for each own
 * identity it is for.  Returns how many of those. */
int msg_recipients(struct walk *w, CMS_ContentInfo *cms, struct msg_layer *l, int *mine);
/* Unlock a key the envelope `cms` (its content detached) is for and
 * prepare its decryption: 0 with *cipher (CMS_dataInit's BIO; its
 * cipher context decrypts the content as it comes; BIO_free_all), or -1
 * with the layer's note saying why (as msg_open says it). */
int msg_envelope_key(struct walk *w, CMS_ContentInfo *cms, struct msg_layer *l, const int *mine,
		     BIO **cipher);

/* --- msg_stream.c -------------------------------------------------------- */

void msg_spool_free(struct msg_spool *s);

/* A bare CMS structure instead of a message: DER, or base64 of it.  1 with
 * its DER in `d` (free with mime_data_free()), 0 when `p` is not one. */
int msg_bare_cms(const unsigned char *p, size_t n, struct mime_data *d);

#endif
