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

/* --- msg_cms.c ----------------------------------------------------------- */

/* multipart/signed `m`: a signed layer for its signature, then the walk
 * goes on into the first part as received. */
int msg_detached(struct walk *w, const struct mime_entity *m, int depth);

/* A CMS structure in DER/BER (`d`, freed here as soon as it is parsed, so
 * that a large message is not held twice): a layer for it by its content
 * type (`hint`, the smime-type parameter, when it cannot be parsed), and
 * the walk goes on into what it carries. */
int msg_cms_layer(struct walk *w, struct mime_data *d, const char *hint, int depth);

/* A bare CMS structure instead of a message: DER, or base64 of it.  1 with
 * its DER in `d` (free with mime_data_free()), 0 when `p` is not one. */
int msg_bare_cms(const unsigned char *p, size_t n, struct mime_data *d);

#endif
