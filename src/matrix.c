/* matrix — the eight cells of the test, the four test messages, and the
 * judgement of a message by its structure (see matrix.h). */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/x509.h>

#include "addr.h"
#include "cred.h"
#include "fileio.h"
#include "isotime.h"
#include "matrix.h"
#include "mime.h"
#include "outlook.h"
#include "peer.h"
#include "smime.h"
#include "xalloc.h"

static const char *const file_names[KIND_COUNT] = {
	"plain.eml",
	"signed.eml",
	"encrypted.eml",
	"signed-encrypted.eml",
};

const char *
matrix_file_name(enum cell_kind k)
{
	return file_names[k];
}

int
matrix_cell_parse(const char *spec, enum cell_dir *d, enum cell_kind *k)
{
	const char *colon = strchr(spec, ':');
	size_t n = colon ? (size_t)(colon - spec) : 0;

	if (colon == NULL)
		return -1;
	if (n == 3 && strncasecmp(spec, "out", 3) == 0)
		*d = DIR_OUT;
	else if (n == 2 && strncasecmp(spec, "in", 2) == 0)
		*d = DIR_IN;
	else
		return -1;
	for (int i = 0; i < KIND_COUNT; i++) {
		if (strcasecmp(colon + 1, cell_kind_name((enum cell_kind)i)) == 0) {
			*k = (enum cell_kind)i;
			return 0;
		}
	}
	return -1;
}

int
matrix_passed(const struct st_peer *p)
{
	int n = 0;

	for (int d = 0; d < DIR_COUNT; d++)
		for (int k = 0; k < KIND_COUNT; k++)
			n += p->cell[d][k].state == CELL_PASSED;
	return n;
}

int
matrix_confirm(struct state *st, const struct st_peer *p, enum cell_dir d, enum cell_kind k,
	       struct err *e)
{
	const struct st_cell *old = &p->cell[d][k];
	struct st_cell *c;

	if (d == DIR_IN && old->state != CELL_PASSED)
		return err_set(e,
			       "in:%s has not passed yet: padseal checks the message first (padseal matrix check), then you confirm what your mail program showed",
			       cell_kind_name(k));
	c = &state_peer_edit(st, p)->cell[d][k];
	c->shown = 1;
	if (d == DIR_IN)
		return 0;
	/* Sent by padseal: a rehearsal still; else their mail program's. */
	if (c->by == NULL)
		c->by = state_str(st, CELL_BY_PROGRAM);
	if (c->state != CELL_PASSED) {
		c->state = CELL_PASSED;
		c->how = CELL_CONFIRMED;
		c->why = NULL;
	}
	return 0;
}

int
matrix_shown(const struct st_peer *p)
{
	int n = 0;

	for (int d = 0; d < DIR_COUNT; d++)
		for (int k = 0; k < KIND_COUNT; k++)
			n += p->cell[d][k].state == CELL_PASSED && p->cell[d][k].shown;
	return n;
}

/* --- sending ------------------------------------------------------------ */

int
matrix_send_check(const struct home *h, const struct st_peer *p, const char *dir, int untrusted_ok,
		  time_t now, struct err *e)
{
	const char *email = p->addr[0];
	char who[400];
	X509 *cert = NULL;
	int rc;

	snprintf(who, sizeof who, "the certificate of %s", email);
	if (peer_cert(h, p, &cert, e) != 0)
		return -1;
	rc = smime_can_encrypt_to(cert, now, who, e);
	X509_free(cert);
	if (rc != 0)
		return -1;
	if (!p->trusted && !untrusted_ok)
		return err_set(e,
			       "%s is not trusted yet, so padseal does not encrypt to it: compare fingerprints by phone (padseal compare %s \"what they read\"), then padseal trust %s --verified phone (--force sends anyway, for testing)",
			       who, email, email);
	for (int k = 0; dir != NULL && k < KIND_COUNT; k++) {
		char *path = path_join(dir, file_names[k]);
		int exists = path_exists(path);

		if (exists)
			err_set(e,
				"%s already exists; padseal does not overwrite test messages: choose another --out directory or move the old ones away",
				path);
		free(path);
		if (exists)
			return -1;
	}
	return 0;
}

/* The text of test message k: which of the four it is, what the
 * recipient's client should show, and how to report it.  free(). */
static char *
test_text(enum cell_kind k, const struct smime_sender *s, const char *to)
{
	static const char *const what[KIND_COUNT] = {
		"PLAIN: neither signed nor encrypted",
		"SIGNED, not encrypted",
		"ENCRYPTED, not signed",
		"SIGNED AND ENCRYPTED",
	};
	const char *me = smime_sender_address(s);
	char show[400], *text;

	switch (k) {
	case KIND_PLAIN:
		snprintf(show, sizeof show, "no signature and no encryption, just this text.");
		break;
	case KIND_SIGNED:
		snprintf(show, sizeof show, "a valid signature by %s, not encrypted.", me);
		break;
	case KIND_ENCRYPTED:
		snprintf(show, sizeof show, "encrypted (usually a lock), and no signature.");
		break;
	default:
		snprintf(show, sizeof show,
			 "encrypted (usually a lock) AND a valid signature by %s.", me);
	}
	text = xasprintf("Hello,\n\n"
			 "this is test message %d of 4 from %s <%s>. We are checking\n"
			 "that signed and encrypted mail works between us: each of us sends\n"
			 "the other one message of each kind.\n\n"
			 "This one is %s.\n\n"
			 "Your client should show: %s\n\n"
			 "If it does, please tell me; I record it with\n"
			 "  padseal matrix confirm --to %s --cell out:%s\n"
			 "If you use padseal, save this message as a file and run\n"
			 "  padseal matrix check FILE\n"
			 "If your client shows anything else, tell me exactly what it says.\n\n"
			 "%s\n",
			 (int)k + 1, smime_sender_name(s), me, what[k], show, to, cell_kind_name(k),
			 smime_sender_name(s));
	return text;
}

/* Remove the first `upto` files of a send. */
static void
unwrite(const char *dir, int upto)
{
	for (int k = 0; k < upto; k++) {
		char *path = path_join(dir, file_names[k]);

		unlink(path);
		free(path);
	}
}

void
matrix_unwrite(const char *dir)
{
	unwrite(dir, KIND_COUNT);
}

int
matrix_compose(const struct home *h, const struct st_peer *p, const struct smime_sender *s,
	       time_t now, char *msg[KIND_COUNT], size_t len[KIND_COUNT], struct err *e)
{
	const char *to = p->addr[0];
	char *name = NULL;
	X509 *cert = NULL;
	int k, rc = -1;

	for (k = 0; k < KIND_COUNT; k++)
		msg[k] = NULL, len[k] = 0;
	if (peer_cert(h, p, &cert, e) != 0)
		return -1;
	name = cert_common_name(cert);
	for (k = 0; k < KIND_COUNT; k++) {
		char subject[80], *text = test_text((enum cell_kind)k, s, to);
		int bad;

		snprintf(subject, sizeof subject, "padseal test %d of 4: %s", k + 1,
			 cell_kind_name((enum cell_kind)k));
		bad = smime_sender_compose(s, (enum cell_kind)k, name, to, cert, subject, text, now,
					   &msg[k], &len[k], e);
		free(text);
		if (bad)
			goto out;
	}
	rc = 0;
out:
	if (rc != 0)
		matrix_composed_free(msg);
	free(name);
	X509_free(cert);
	return rc;
}

void
matrix_composed_free(char *msg[KIND_COUNT])
{
	for (int k = 0; k < KIND_COUNT; k++) {
		free(msg[k]);
		msg[k] = NULL;
	}
}

int
matrix_write(const char *dir, char *const msg[KIND_COUNT], const size_t len[KIND_COUNT],
	     struct err *e)
{
	if (dir_ensure(dir, e) != 0)
		return -1;
	for (int k = 0; k < KIND_COUNT; k++) {
		char *path = path_join(dir, file_names[k]);
		int bad = file_write_atomic(path, msg[k], len[k], FILE_SWEEP | FILE_NOCLOBBER, e);

		free(path);
		if (bad) {
			unwrite(dir, k);
			return -1;
		}
	}
	return 0;
}

time_t
matrix_start(const struct state *st, const struct st_peer *p, time_t now)
{
	time_t t = iso_parse(p->test_from), start = now;

	if (t != (time_t)-1)
		return t;
	if ((t = iso_parse(p->received)) != (time_t)-1 && (start == (time_t)-1 || t < start))
		start = t;
	for (size_t i = 0; i < p->n_addr; i++) {
		const struct st_sent *sent = state_sent_to(st, p->addr[i]);

		if (sent != NULL && (t = iso_parse(sent->at)) != (time_t)-1 &&
		    (start == (time_t)-1 || t < start))
			start = t;
	}
	return start;
}

/* Record when the test with `p` started, the first time it is asked. */
static void
mark_start(struct state *st, const struct st_peer *p, time_t now)
{
	time_t t;

	if (p->test_from[0] || (t = matrix_start(st, p, now)) == (time_t)-1)
		return;
	iso_time(t, state_peer_edit(st, p)->test_from);
}

void
matrix_mark_sent(struct state *st, const struct st_peer *p, unsigned kinds, time_t now)
{
	struct st_peer *w;

	mark_start(st, p, now);
	w = state_peer_edit(st, p);
	for (int k = 0; k < KIND_COUNT; k++)
		if (kinds & (1u << k))
			w->cell[DIR_OUT][k] = (struct st_cell){CELL_SENT, CELL_CHECKED, NULL,
							       state_str(st, CELL_BY_PADSEAL), 0};
}

int
matrix_send(const struct home *h, struct state *st, const struct st_peer *p,
	    const struct smime_sender *s, const char *dir, int untrusted_ok, time_t now,
	    struct err *e)
{
	char *msg[KIND_COUNT];
	size_t len[KIND_COUNT];
	int rc = -1;

	if (matrix_send_check(h, p, dir, untrusted_ok, now, e) != 0 ||
	    matrix_compose(h, p, s, now, msg, len, e) != 0)
		return -1;
	if (matrix_write(dir, msg, len, e) == 0) {
		matrix_mark_sent(st, p, (1u << KIND_COUNT) - 1, now);
		rc = 0;
	}
	matrix_composed_free(msg);
	return rc;
}

/* --- judging a message ------------------------------------------------ */

/* Add a piece to the reason, ", " between pieces. */
static void why_add(struct matrix_result *res, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
why_add(struct matrix_result *res, const char *fmt, ...)
{
	size_t used = strlen(res->why);
	va_list ap;

	if (used && used + 2 < sizeof res->why)
		used += (size_t)snprintf(res->why + used, sizeof res->why - used, ", ");
	if (used >= sizeof res->why - 1)
		return;
	va_start(ap, fmt);
	vsnprintf(res->why + used, sizeof res->why - used, fmt, ap);
	va_end(ap);
}

#define FAIL(res, ...) ((res)->state = CELL_FAILED, why_add((res), __VA_ARGS__))

static int
is_own_address(const struct ident *me, const char *addr)
{
	for (size_t i = 0; me != NULL && i < me->n_emails; i++)
		if (addr_eq(me->emails[i], addr))
			return 1;
	return 0;
}

/* What the outermost envelope of a message holds: whether the
 * correspondent's certificate is among its recipients, and its
 * key-agreement (ECDH) entries. */
struct env_facts {
	int names_peer;
	int n_kari;    /* ECDH recipient entries */
	int kari_peer; /* one of them is the correspondent's */
};

/* -1 when there is no envelope outside (or it cannot be read here: then
 * msg.c says why). */
static int
outer_envelope(const unsigned char *buf, size_t len, X509 *cert, struct env_facts *f)
{
	struct mime_entity m;
	struct mime_data d = {0};
	struct err e = ERR_INIT;
	CMS_ContentInfo *cms = NULL;
	STACK_OF(CMS_RecipientInfo) * ris;
	const unsigned char *p;
	int rc = -1;

	memset(f, 0, sizeof *f);
	if (mime_parse(buf, len, MIME_MESSAGE, NULL, &m, &e) != 0)
		return -1;
	if (strcmp(m.type, "application/pkcs7-mime") != 0 &&
	    strcmp(m.type, "application/x-pkcs7-mime") != 0)
		goto out;
	mime_decode_body(&m, &d);
	p = d.p;
	if ((cms = d2i_CMS_ContentInfo(NULL, &p, (long)d.len)) == NULL ||
	    (ris = CMS_get0_RecipientInfos(cms)) == NULL)
		goto out;
	rc = 0;
	for (int i = 0; i < sk_CMS_RecipientInfo_num(ris); i++) {
		CMS_RecipientInfo *ri = sk_CMS_RecipientInfo_value(ris, i);
		STACK_OF(CMS_RecipientEncryptedKey) * reks;

		switch (CMS_RecipientInfo_type(ri)) {
		case CMS_RECIPINFO_TRANS:
			if (cert != NULL && CMS_RecipientInfo_ktri_cert_cmp(ri, cert) == 0)
				f->names_peer = 1;
			break;
		case CMS_RECIPINFO_AGREE:
			reks = CMS_RecipientInfo_kari_get0_reks(ri);
			for (int j = 0; j < sk_CMS_RecipientEncryptedKey_num(reks); j++) {
				f->n_kari++;
				if (cert != NULL &&
				    CMS_RecipientEncryptedKey_cert_cmp(
					    sk_CMS_RecipientEncryptedKey_value(reks, j), cert) == 0)
					f->names_peer = f->kari_peer = 1;
			}
			break;
		default: break;
		}
	}
out:
	err_clear(&e); /* a message we cannot parse here is msg.c's to report */
	ERR_clear_error();
	CMS_ContentInfo_free(cms);
	mime_data_free(&d);
	mime_entity_free(&m);
	return rc;
}

/* Where a person removes a certificate from the common mail programs:
 * where a mail program keeps your own certificates, and where it keeps
 * those of the people you write to. */
#define HOW_REMOVE_OWN \
	"Thunderbird: Settings > Privacy & Security > Manage Certificates > Your Certificates; Apple Mail: Keychain Access > My Certificates; Outlook: File > Options > Trust Center > Email Security"
#define HOW_REMOVE_THEIRS \
	"Thunderbird: Settings > Privacy & Security > Manage Certificates > People; Apple Mail: Keychain Access > login > Certificates; Outlook: the Certificates page of your contact"

/* A cipher nobody should use: 2 weak (RC2, single DES: padseal refuses
 * them), 1 old (3DES), 0 fine. */
static int
weak_cipher(const char *alg)
{
	if (strncmp(alg, "RC2", 3) == 0 || strcmp(alg, "DES-CBC") == 0 ||
	    strncasecmp(alg, "rc2", 3) == 0 || strcasecmp(alg, "des-cbc") == 0)
		return 2;
	if (strncmp(alg, "3DES", 4) == 0 || strncasecmp(alg, "des-ede3", 8) == 0)
		return 1;
	return 0;
}

/* A fingerprint (colon form) cut for a sentence: its first 8 bytes. */
static void
fpr_short(const char *colon, char out[32])
{
	snprintf(out, 32, "%.23s%s", colon, strlen(colon) > 23 ? "..." : "");
}

/* The short SHA-256 of the certificate `hex` (64 hex digits). */
static void
hex_short(const char *hex, char out[32])
{
	size_t o = 0;

	for (size_t i = 0; i < 16 && hex[i] && o + 4 < 32; i += 2) {
		if (i)
			out[o++] = ':';
		out[o++] = hex[i];
		out[o++] = hex[i + 1];
	}
	snprintf(out + o, 32 - o, "...");
}

/* The judgement of an envelope (`outer`: the outermost layer). */
static void
judge_envelope(const struct home *h, const struct st_peer *peer, const struct ident *me, int out,
	       const struct msg_layer *l, int outer, const unsigned char *buf, size_t len,
	       struct matrix_result *res)
{
	const char *email = peer->addr[0];
	struct err e = ERR_INIT;
	struct env_facts f;
	X509 *cert = NULL;
	int facts = -1, weak = weak_cipher(l->alg);
	char which[32];

	if (outer && peer_cert(h, peer, &cert, &e) == 0)
		facts = outer_envelope(buf, len, cert, &f);
	X509_free(cert);
	if (facts < 0) { /* not on the outside: what msg.c read from it */
		memset(&f, 0, sizeof f);
		f.names_peer = strcasestr(l->recipients, email) != NULL;
	}
	if (weak == 2) {
		if (out)
			FAIL(res,
			     "your mail program encrypted it with %s, a weak cipher anyone can break (padseal does not open it): set it to AES (Outlook: File > Options > Trust Center > Email Security > Settings > Encryption algorithm; Thunderbird always uses AES)",
			     l->alg);
		else
			FAIL(res,
			     "encrypted with %s, a weak cipher anyone can break (padseal does not open it): ask %s to set their mail program to AES (Outlook: File > Options > Trust Center > Email Security > Settings > Encryption algorithm; Thunderbird always uses AES)",
			     l->alg, email);
		return;
	}
	if (!l->opened) {
		if (strncmp(l->recipients, "you", 3) != 0 && out)
			FAIL(res,
			     "your mail program did not encrypt the copy it keeps to you (it is for %s only), so you cannot read your own sent mail: choose your own certificate for encryption in the account's S/MIME settings",
			     l->recipients[0] ? l->recipients : "nobody named");
		else if (strncmp(l->recipients, "you", 3) != 0)
			FAIL(res,
			     "encrypted to none of your certificates (it is for %s): %s's mail program holds a certificate for your address that is not your current one; send them your introduction again and ask them to remove the other one from their mail program (%s)",
			     l->recipients[0] ? l->recipients : "nobody named", email,
			     HOW_REMOVE_THEIRS);
		else
			FAIL(res, "%s: %s",
			     out ? "your own copy could not be decrypted" :
				   "could not be decrypted",
			     l->note[0] ? l->note : "no key of yours opens it");
		return;
	}
	if (l->opened_with_archived) {
		hex_short(l->opened_with, which);
		if (out)
			FAIL(res,
			     "your copy is encrypted to your archived certificate (SHA-256 %s), not your current one (SHA-256 %s): your mail program still holds the old one; remove it (%s) or choose the current one in the account's S/MIME settings",
			     which, me != NULL ? me->fpr : "?", HOW_REMOVE_OWN);
		else
			FAIL(res,
			     "encrypted to your archived certificate (SHA-256 %s), not your current one: %s's mail program still holds your old certificate; send them your introduction again and ask them to remove the old one for your address (%s)",
			     which, email, HOW_REMOVE_THEIRS);
		return;
	}
	if (!out) {
		why_add(res, "decrypted (%s)", l->alg);
		if (facts == 0 && !f.names_peer) {
			why_add(res,
				"not encrypted to %s's own certificate: the copy in their Sent folder is unreadable to them (their mail program should encrypt to its own certificate too: check the one chosen in the account's S/MIME settings)",
				email);
			res->warning = 1;
		}
	} else if (!f.names_peer) {
		FAIL(res, "encrypted only to you, not to %s: they cannot read it", email);
		return;
	} else {
		why_add(res, "encrypted (%s) to %s and to you", l->alg, email);
	}
	if (weak == 1) {
		why_add(res,
			"%s is an old cipher: %s mail program should use AES (Outlook: Trust Center > Email Security > Settings > Encryption algorithm)",
			l->alg, out ? "your" : "their");
		res->warning = 1;
	}
	/* The sender's own copy as an ECDH entry: theirs (in), yours (out). */
	if (facts == 0 && (out ? f.n_kari > f.kari_peer : f.kari_peer)) {
		why_add(res,
			"the sender's own copy is an ECDH entry (an EC certificate): Thunderbird 115 and older (NSS before 3.100) and node-forge cannot parse it, so there the whole message is unreadable, even for an RSA recipient; the reader needs Thunderbird 128 or later, or the sender an RSA certificate");
		res->warning = 1;
	}
}

static void
judge_signature(const struct state *st, const struct ident *me, const struct st_peer *peer, int out,
		const struct msg_layer *l, const char *from, struct matrix_result *res)
{
	const char *email = peer->addr[0];
	const struct st_peer *held;
	char this_one[32], verified[32];

	fpr_short(l->signer_fpr, this_one);
	hex_short(peer->hex, verified);
	if (l->sig == SIG_INVALID)
		FAIL(res,
		     "the signature is invalid: %s. The message was changed after it was signed, most often on its way (a server or mailing list re-encoding it or changing its line endings): %s",
		     l->note[0] ? l->note : "the content does not match it",
		     out ? "your mail program or server altered it; send it again directly" :
			   "ask them to send it again directly, not through a list or a forward");
	else if (l->sig != SIG_VALID)
		FAIL(res, "the signature could not be checked%s%s", l->note[0] ? ": " : "",
		     l->note);
	else if (out && strcmp(l->signer_hex, me->hex) != 0 && l->own)
		FAIL(res,
		     "your mail program signed with your archived certificate (SHA-256 %s), not your current one (SHA-256 %s): it holds both; remove the archived one from it (%s) or choose the current one in the account's S/MIME settings",
		     this_one, me->fpr, HOW_REMOVE_OWN);
	else if (out && strcmp(l->signer_hex, me->hex) != 0)
		FAIL(res, "signed by %s, a certificate that is not yours",
		     l->signer[0] ? l->signer : l->signer_fpr);
	else if (!out && strcmp(l->signer_hex, peer->hex) != 0 && l->renewed)
		FAIL(res,
		     "signed with a renewed certificate of %s (%s), issued by the CA you verified: import it (the message carries it; no new call is needed) and check again",
		     email, l->signer_fpr);
	else if (!out && strcmp(l->signer_hex, peer->hex) != 0 &&
		 (held = state_peer_by_hex(st, l->signer_hex)) != NULL &&
		 state_peer_has_addr(held, email))
		FAIL(res,
		     "signed with %s certificate of %s (SHA-256 %s, valid until %.10s), not the one you verified (SHA-256 %s): their mail program holds both for the address and picked that one; ask them to remove it from their mail program (%s) or to choose the verified one in the account's S/MIME settings",
		     strcmp(held->not_before, peer->not_before) < 0 ? "an older" : "another", email,
		     this_one, held->not_after, verified, HOW_REMOVE_OWN);
	else if (!out && strcmp(l->signer_hex, peer->hex) != 0)
		FAIL(res,
		     "signed with a certificate other than the one you verified for %s (this one: SHA-256 %s; verified: SHA-256 %s): if they made a new one, import it and compare fingerprints again; if not, their mail program holds two certificates for the address and should lose the one it used (%s)",
		     email, this_one, verified, HOW_REMOVE_OWN);
	else if (l->from_mismatch)
		FAIL(res, "signed by %s, but the message says it is from %s", l->signer, from);
	else if (l->expired_at_signing)
		FAIL(res, "the signer's certificate was not valid when the message was signed%s%s",
		     l->signed_at[0] ? " on " : "", l->signed_at);
	else if (!out && !peer->trusted)
		FAIL(res,
		     "valid signature, but you have not trusted the certificate of %s yet: compare fingerprints with them, then trust it",
		     email);
	else {
		if (l->sha1)
			why_add(res,
				"valid signature%s (SHA-1: Thunderbird 115 and later reject it; %s mail program should sign with SHA-256, in Outlook: Trust Center > Email Security > Settings > Hash algorithm)",
				out ? " by you" : "", out ? "your" : "their");
		else
			why_add(res, "valid signature%s", out ? " by you" : "");
		if (!out)
			why_add(res, "trusted");
		if (l->cert_missing) {
			why_add(res,
				"the signature does not carry %s certificate (padseal checked it with the one you hold): a program that does not hold it yet cannot check it; %s mail program should include it (Outlook: Trust Center > Email Security > Settings > Send these certificates with signed messages)",
				out ? "your" : "their", out ? "your" : "their");
			res->warning = 1;
		}
		res->warning |= l->sha1;
	}
}

/* The correspondent of an incoming message: the one whose certificate
 * signed it when that certificate has the From address, else the From
 * address's. */
static const struct st_peer *
from_peer(const struct state *st, const struct msg_report *rep, struct err *e)
{
	const struct st_peer *p;
	struct err e2 = ERR_INIT;

	const struct st_peer *signer = NULL;
	size_t it = 0;

	for (size_t i = 0; i < rep->n_layers && signer == NULL; i++) {
		if (rep->layer[i].kind == LAYER_SIGNED && rep->layer[i].signer_hex[0] &&
		    (p = state_peer_by_hex(st, rep->layer[i].signer_hex)) != NULL &&
		    state_peer_has_addr(p, rep->from))
			signer = p;
	}
	if (signer != NULL && signer->trusted)
		return signer;
	/* Signed with a certificate you hold but did not trust, while you
	 * trust another one for the address: the message belongs to the
	 * verified one's test (and is judged as signed with another). */
	while (signer != NULL && (p = state_peer_by_addr(st, rep->from, &it)) != NULL)
		if (p->trusted)
			return p;
	if (signer != NULL)
		return signer;
	if ((p = peer_resolve(st, rep->from, &e2)) != NULL)
		return p;
	if (e2.code == ERR_USAGE)
		err_copy(e, &e2);
	else
		err_set(e,
			"the message is from %s, who is not among your correspondents: import their certificate first (their introduction carries it)",
			rep->from);
	return NULL;
}

/* The correspondent of an outgoing message: the first To address that
 * names one. */
static const struct st_peer *
to_peer(const struct state *st, const struct msg_report *rep, struct err *e)
{
	struct err first = ERR_INIT;
	const char *p = rep->to;

	if (*p == '\0') {
		err_set(e,
			"the message is from you but has no To address, so it belongs to no correspondent");
		return NULL;
	}
	while (*p) {
		size_t n = strcspn(p, ",");
		char addr[ADDR_MAX];
		struct err e2 = ERR_INIT;
		const struct st_peer *found;

		while (n > 0 && *p == ' ')
			p++, n--;
		snprintf(addr, sizeof addr, "%.*s", (int)n, p);
		if (*addr && (found = peer_resolve(st, addr, &e2)) != NULL)
			return found;
		if (*addr && e2.code == ERR_USAGE && !first.set)
			first = e2; /* ambiguous: the most useful sentence */
		p += n + (p[n] == ',');
	}
	if (first.set)
		return err_copy(e, &first), NULL;
	err_set(e, "the message is from you to %s, who is not among your correspondents", rep->to);
	return NULL;
}

int
matrix_judge(const struct home *h, const struct state *st, const struct ident *me,
	     const struct msg_report *rep, const unsigned char *buf, size_t len,
	     struct matrix_result *res, struct err *e)
{
	const struct st_peer *peer;
	int out;

	memset(res, 0, sizeof *res);
	res->kind = rep->kind;
	res->state = CELL_PASSED;
	if (rep->from[0] == '\0')
		return err_set(e, "the message has no From address, so it belongs to no cell");
	out = is_own_address(me, rep->from);
	res->dir = out ? DIR_OUT : DIR_IN;
	if ((peer = out ? to_peer(st, rep, e) : from_peer(st, rep, e)) == NULL)
		return -1;
	snprintf(res->peer_hex, sizeof res->peer_hex, "%s", peer->hex);
	snprintf(res->peer_email, sizeof res->peer_email, "%s", peer->addr[0]);
	why_add(res, out ? "to %s" : "from %s", out ? res->peer_email : rep->from);
	if (rep->from_lines > 1)
		FAIL(res,
		     "the message has %zu From: lines: mail programs differ on which one they show, so who sent it is unclear",
		     rep->from_lines);
	else if (rep->n_layers == 0)
		why_add(res, "arrived as plain text");
	for (size_t i = 0; i < rep->n_layers && res->state == CELL_PASSED; i++) {
		if (rep->layer[i].kind == LAYER_SIGNED)
			judge_signature(st, me, peer, out, &rep->layer[i], rep->from, res);
		else
			judge_envelope(h, peer, me, out, &rep->layer[i], i == 0, buf, len, res);
	}
	return 0;
}

/* Is `id` (a Message-ID) of the shape padseal writes: 32 hex digits, '@'? */
static int
padseal_msgid(const char *id)
{
	size_t n = 0;

	while (*id == ' ' || *id == '\t')
		id++;
	if (*id++ != '<')
		return 0;
	while (n < 33 && ((id[n] >= '0' && id[n] <= '9') || (id[n] >= 'a' && id[n] <= 'f')))
		n++;
	return n == 32 && id[32] == '@';
}

/* The program a Message-ID's shape names, for those that write no
 * User-Agent by default: NeoMutt's "<YYYYMMDDhhmmss.random@host>" (a
 * dozen or more lowercase letters and digits), Mutt's
 * "<YYYYMMDDhhmmss.GA1234@host>".  NULL when the shape names none. */
static const char *
msgid_program(const char *id)
{
	size_t n = 0, r = 0;

	while (*id == ' ' || *id == '\t')
		id++;
	if (*id++ != '<')
		return NULL;
	while (n < 14 && id[n] >= '0' && id[n] <= '9')
		n++;
	if (n != 14 || id[14] != '.')
		return NULL;
	id += 15;
	if (id[0] == 'G' && id[1] >= 'A' && id[1] <= 'Z') {
		for (r = 2; id[r] >= '0' && id[r] <= '9'; r++)
			;
		return r > 2 && id[r] == '@' ? "Mutt" : NULL;
	}
	while ((id[r] >= 'a' && id[r] <= 'z') || (id[r] >= '0' && id[r] <= '9'))
		r++;
	return r >= 12 && id[r] == '@' ? "NeoMutt" : NULL;
}

/* A program's name as a person knows it, from a User-Agent or X-Mailer
 * value: "Name/1.2" words become "Name 1.2", a Mozilla string gives its
 * Thunderbird (or last) product, "Apple Mail (2.3731)" stops before the
 * parenthesis.  Printable ASCII only. */
static void
program_name(const char *v, char *out, size_t outlen)
{
	const char *start = v, *tb = strstr(v, "Thunderbird/");
	size_t n = 0;

	if (strncmp(v, "Mozilla/", 8) == 0) {
		const char *sp = strrchr(v, ' ');

		start = tb != NULL ? tb : sp != NULL ? sp + 1 : v;
	}
	while (*start == ' ')
		start++;
	for (const char *p = start; *p && *p != '(' && *p != ';' && n + 1 < outlen; p++) {
		char ch = *p >= 0x20 && *p < 0x7f ? *p : '?';

		out[n++] = ch == '/' && start == tb ? ' ' : ch;
	}
	while (n > 0 && out[n - 1] == ' ')
		n--;
	out[n] = '\0';
	if (strchr(out, ' ') == NULL && strchr(out, '/') != NULL)
		*strchr(out, '/') = ' '; /* NeoMutt/20220429 */
}

void
matrix_writer(const unsigned char *buf, size_t len, char *out, size_t outlen)
{
	struct mime_entity m;
	struct err e = ERR_INIT;
	char *v = NULL;

	snprintf(out, outlen, "%s", CELL_BY_PROGRAM);
	if (mime_parse(buf, len, MIME_MESSAGE, NULL, &m, &e) != 0)
		return;
	if ((v = mime_header(&m, "User-Agent")) == NULL)
		v = mime_header(&m, "X-Mailer");
	if (v != NULL) {
		program_name(v, out, outlen);
		if (out[0] == '\0' || strncasecmp(out, "padseal", 7) == 0)
			snprintf(out, outlen, "%s", out[0] ? CELL_BY_PADSEAL : CELL_BY_PROGRAM);
	} else if ((v = mime_header(&m, "Message-ID")) != NULL) {
		if (padseal_msgid(v))
			snprintf(out, outlen, "%s", CELL_BY_PADSEAL);
		else if (msgid_program(v) != NULL)
			snprintf(out, outlen, "%s", msgid_program(v));
	}
	free(v);
	mime_entity_free(&m);
}

int
matrix_by_program(const char *by)
{
	return by != NULL && strcmp(by, CELL_BY_PADSEAL) != 0;
}

int
matrix_tested(const struct st_peer *p)
{
	int n = 0;

	for (int d = 0; d < DIR_COUNT; d++)
		for (int k = 0; k < KIND_COUNT; k++)
			n += p->cell[d][k].state == CELL_PASSED &&
			     matrix_by_program(p->cell[d][k].by);
	return n;
}

int
matrix_check_buf(const struct msg_ctx *ctx, const struct ident *me, const unsigned char *buf,
		 size_t len, struct matrix_result *res, struct err *e)
{
	struct msg_report rep;
	int rc = -1;

	memset(res, 0, sizeof *res);
	memset(&rep, 0, sizeof rep);
	if (outlook_is_msg(buf, len)) { /* judged as the message it was */
		unsigned char *mime;
		size_t n;

		if (outlook_msg_mime(buf, len, &mime, &n, e) != 0)
			return -1;
		rc = matrix_check_buf(ctx, me, mime, n, res, e);
		free(mime);
		return rc;
	}
	if (msg_open(ctx, buf, len, &rep, e) == 0) {
		rc = matrix_judge(ctx->h, ctx->st, me, &rep, buf, len, res, e);
		msg_report_free(&rep);
	}
	if (rc == 0)
		matrix_writer(buf, len, res->author, sizeof res->author);
	return rc;
}

int
matrix_check_file(const struct msg_ctx *ctx, const struct ident *me, const char *path,
		  struct matrix_result *res, struct err *e)
{
	unsigned char *buf = NULL;
	size_t len = 0;
	int rc = -1;

	memset(res, 0, sizeof *res);
	if (file_read(path, FILE_MAX_MSG, &buf, &len, e) == 0)
		rc = matrix_check_buf(ctx, me, buf, len, res, e);
	free(buf);
	return rc;
}

/* Is `addr` held for a correspondent? */
static int
is_peer_address(const struct state *st, const char *addr)
{
	size_t it = 0;

	return addr[0] != '\0' && state_peer_by_addr(st, addr, &it) != NULL;
}

/* The earliest start of the test with any correspondent holding `addr`. */
static time_t
addr_start(const struct state *st, const char *addr, time_t start)
{
	const struct st_peer *p;
	size_t it = 0;

	while (addr[0] != '\0' && (p = state_peer_by_addr(st, addr, &it)) != NULL) {
		time_t t = matrix_start(st, p, (time_t)-1);

		if (t == (time_t)-1) /* never known: every message counts */
			return 0;
		if (start == (time_t)-1 || t < start)
			start = t;
	}
	return start;
}

int
matrix_concerns(const struct state *st, const struct ident *me, const unsigned char *head,
		size_t len)
{
	struct mime_entity m;
	struct err e = ERR_INIT;
	char from[ADDR_MAX] = "", to[2048] = "", *v;
	time_t start = (time_t)-1, date;
	int rc = MATRIX_NOT_TEST;

	if (mime_parse(head, len, MIME_MESSAGE, NULL, &m, &e) != 0)
		return MATRIX_NOT_TEST;
	if ((v = mime_header(&m, "From")) != NULL)
		mime_addresses(v, from, sizeof from, NULL, 0);
	free(v);
	if (strchr(from, ',') != NULL)
		*strchr(from, ',') = '\0';
	if (is_own_address(me, from)) {
		static const char *const fields[] = {"To", "Cc"};

		for (size_t f = 0; f < 2; f++) {
			char *save = NULL;

			if ((v = mime_header(&m, fields[f])) == NULL)
				continue;
			mime_addresses(v, to, sizeof to, NULL, 0);
			free(v);
			for (char *a = strtok_r(to, ", ", &save); a != NULL;
			     a = strtok_r(NULL, ", ", &save)) {
				if (is_peer_address(st, a)) {
					rc = MATRIX_TEST;
					start = addr_start(st, a, start);
				}
			}
		}
	} else if (is_peer_address(st, from)) {
		rc = MATRIX_TEST;
		start = addr_start(st, from, start);
	}
	if (rc == MATRIX_TEST && start != (time_t)-1 && (v = mime_header(&m, "Date")) != NULL) {
		date = mail_date_parse(v);
		if (date != (time_t)-1 && date < start - MATRIX_CLOCK_SLACK)
			rc = MATRIX_OLDER;
		free(v);
	}
	mime_entity_free(&m);
	return rc;
}

int
matrix_record(struct state *st, const struct matrix_result *res, struct err *e)
{
	const struct st_peer *p = state_peer_by_hex(st, res->peer_hex);
	const struct st_cell *old;
	struct st_cell *c;

	if (p == NULL)
		return err_set(e,
			       "the certificate of %s is no longer in the home; nothing was recorded",
			       res->peer_email);
	old = &p->cell[res->dir][res->kind];
	/* A rehearsal never replaces what a mail program's message showed. */
	if (!matrix_by_program(res->author) && matrix_by_program(old->by) &&
	    (old->state == CELL_PASSED || old->state == CELL_FAILED))
		return 0;
	mark_start(st, p, (time_t)-1);
	c = &state_peer_edit(st, p)->cell[res->dir][res->kind];
	if (c->state != res->state || c->by == NULL ||
	    strcmp(c->by, res->author[0] ? res->author : CELL_BY_PROGRAM) != 0)
		c->shown = 0; /* a confirmation was for the message judged before */
	c->by = state_str(st, res->author[0] ? res->author : CELL_BY_PROGRAM);
	c->state = res->state;
	c->how = res->warning ? CELL_WARNED : CELL_CHECKED;
	c->why = res->state == CELL_FAILED || res->warning ? state_str(st, res->why) : NULL;
	return 0;
}
