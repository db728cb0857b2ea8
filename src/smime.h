/* smime — composing mail as RFC 5322 and RFC 8551 describe it: the
 * introduction message and the four kinds of test message (plain, signed,
 * encrypted, signed-and-encrypted), in the profile of DESIGN.md.
 *
 * What goes out: CRLF lines; header fields From (the display name quoted,
 * or RFC 2047 encoded when it is not ASCII), To, Date, Message-ID (random,
 * at the sender's domain), Subject, MIME-Version; the text as
 * text/plain; charset=utf-8 in quoted-printable; base64 lines of 76
 * characters.  Signatures are multipart/signed (detached, SHA-256 — SHA-384
 * for P-384 keys, as cred_digest() says), with the signer's certificate and
 * chain, SMIMECapabilities (AES-256-CBC, AES-128-CBC) and the signer named
 * by issuerAndSerialNumber.  Envelopes are AES-256-CBC enveloped-data for
 * the correspondent and for the sender (so the Sent copy stays readable),
 * RSA PKCS#1 v1.5 key transport or ECDH key agreement, recipients named by
 * issuerAndSerialNumber.  Signed-and-encrypted is signed first, then the
 * whole multipart/signed entity encrypted.
 *
 * Composing streams: the text is read in blocks and every layer (digest,
 * cipher, base64) works as the bytes pass, so memory does not grow with
 * the size of the text.
 *
 * OpenSSL's types are only declared here, so front ends can use the
 * message-level calls without including OpenSSL. */
#ifndef PADSEAL_SMIME_H
#define PADSEAL_SMIME_H

#include <stddef.h>
#include <time.h>

#include "err.h"
#include "home.h"
#include "state.h"

struct x509_st;
struct evp_pkey_st;
struct stack_st_X509;
struct bio_st;

/* One message to compose.  Addresses are bare (user@example.org); names
 * may be NULL or "" and may hold any UTF-8. */
struct smime_msg {
	enum cell_kind kind;
	const char *from_name, *from;
	const char *to_name, *to;
	const char *subject; /* UTF-8 */
	time_t date;
	struct x509_st *cert;        /* the sender's certificate: signs, and
					is a recipient of every envelope */
	struct evp_pkey_st *key;     /* its private key (signed kinds) */
	struct stack_st_X509 *chain; /* sent along with the signature; NULL */
	struct x509_st *recipient;   /* the correspondent (encrypted kinds) */
};

/* Compose `m` with the text read from `body` (UTF-8; LF, CRLF or CR line
 * ends, all sent as CRLF) and write it to `out` as it is produced.  The
 * certificates are not judged here (see smime_can_*): the caller decides.
 * On error `out` holds a partial message the caller discards. */
int smime_compose(const struct smime_msg *m, struct bio_st *body, struct bio_st *out,
		  struct err *e);

/* The same for a text in memory; *msg (NUL-terminated, *len bytes without
 * the NUL) is freed with free(). */
int smime_compose_mem(const struct smime_msg *m, const char *text, char **msg, size_t *len,
		      struct err *e);

/* May mail be encrypted to `cert` at `now`?  Refused with the reason: it
 * expired, is not valid yet, its key cannot receive (RSA needs
 * keyEncipherment, EC keyAgreement, other key types cannot), or its
 * extendedKeyUsage excludes mail.  `who` starts the sentence ("the
 * certificate of sam@example.org", "your certificate"). */
int smime_can_encrypt_to(struct x509_st *cert, time_t now, const char *who, struct err *e);

/* May the own certificate sign at `now` (valid, digitalSignature)? */
int smime_can_sign(struct x509_st *cert, time_t now, struct err *e);

/* The current identity, unlocked, ready to sign and to be the sender. */
struct smime_sender;

/* The current identity with its unlocked key `key` (the sender takes a
 * reference of its own).  Refuses when there is no identity, the key is
 * not its own, or the certificate cannot sign at `now`.  Free with
 * smime_sender_free(). */
int smime_sender_open(const struct home *h, const struct state *st, struct evp_pkey_st *key,
		      time_t now, struct smime_sender **out, struct err *e);
void smime_sender_free(struct smime_sender *s);

/* The sender's main address, name, and SHA-256 hex fingerprint. */
const char *smime_sender_address(const struct smime_sender *s);
const char *smime_sender_name(const struct smime_sender *s);
const char *smime_sender_hex(const struct smime_sender *s);
/* Its certificate (borrowed). */
struct x509_st *smime_sender_cert(const struct smime_sender *s);

/* Compose a message from the sender: `to_name` may be NULL, `recipient`
 * is needed for the encrypted kinds (and then checked with
 * smime_can_encrypt_to, as is the sender's own certificate).  *msg is
 * freed with free(). */
int smime_sender_compose(const struct smime_sender *s, enum cell_kind kind, const char *to_name,
			 const char *to, struct x509_st *recipient, const char *subject,
			 const char *text, time_t now, char **msg, size_t *len, struct err *e);

/* The introduction message to `to` (checked with addr_check): signed, not
 * encrypted, carrying the certificate, with a text that explains what it
 * is for, the fingerprint to compare by phone and what to do next. */
int smime_intro(const struct smime_sender *s, const char *to, time_t now, char **msg, size_t *len,
		struct err *e);

#endif
