/* msg: every message of the real-client corpus read with the outcome its
 * MANIFEST records; messages made here with OpenSSL's CMS API for each
 * verdict read can give (trusted, changed, own, not the sender, expired,
 * tampered body / signature / signer certificate, a certificate copying
 * another's issuer and serial, not for you, passphrase missing or wrong,
 * AES-GCM, bare CMS); damaged and huge input; and the home left
 * byte-identical by every read (through a session, as the operations
 * read). */
#include "config.h"

#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <openssl/cms.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "certfactory.h"
#include "cred.h"
#include "fileio.h"
#include "fpr.h"
#include "home.h"
#include "mime.h"
#include "msg.h"
#include "isotime.h"
#include "op.h"
#include "p12.h"
#include "peer.h"
#include "session.h"
#include "state.h"
#include "testutil.h"
#include "xalloc.h"

#define PASS "correct horse battery staple"

/* --- a home with identities and correspondents, made by hand ------------- */

static char *base, *dir;
static time_t now;

static void
setup(void)
{
	struct err e = ERR_INIT;
	struct home h = {0};

	base = tu_tmpdir();
	dir = path_join(base, "home");
	cr_assert_eq(home_open(&h, dir, HOME_WRITE, &e), 0, "%s", e.msg);
	home_close(&h);
	now = tu_now();
}

static void
teardown(void)
{
	tu_rmtree(base);
	free(base);
	free(dir);
}

/* The home held for writing, its state loaded; edit() saves and lets go. */
static struct home h;

static struct state *
edit(void)
{
	struct err e = ERR_INIT;
	struct state *st;

	memset(&h, 0, sizeof h);
	cr_assert_eq(home_open(&h, dir, HOME_WRITE, &e), 0, "%s", e.msg);
	cr_assert_eq(state_load(&h, &st, &e), 0, "%s", e.msg);
	return st;
}

static void
edit_done(struct state *st)
{
	struct err e = ERR_INIT;

	cr_assert_eq(state_save(&h, st, &e), 0, "%s", e.msg);
	state_free(st);
	home_close(&h);
}

/* identities/<HEX>/{cert,key}.pem and the record, as ident.c writes them. */
static void
place_identity(X509 *cert, EVP_PKEY *key, int archived)
{
	struct err e = ERR_INIT;
	char hex[FPR_HEX_LEN], rel[128], *idir, *p, *pem;
	size_t len;
	struct state *st = edit();
	struct st_ident *r;

	fpr_cert_hex(cert, hex);
	snprintf(rel, sizeof rel, "identities/%s", hex);
	idir = home_path(&h, rel);
	cr_assert_eq(dir_ensure(idir, &e), 0, "%s", e.msg);
	p = path_join(idir, "cert.pem");
	pem = cert_to_pem(cert, &len);
	cr_assert_eq(file_write_atomic(p, pem, len, 0, &e), 0, "%s", e.msg);
	free(p);
	OPENSSL_free(pem);
	cr_assert_eq(cred_key_encrypt(key, PASS, &pem, &len, &e), 0, "%s", e.msg);
	p = path_join(idir, "key.pem");
	cr_assert_eq(file_write_atomic(p, pem, len, 0, &e), 0, "%s", e.msg);
	free(p);
	OPENSSL_free(pem);
	free(idir);
	r = state_ident_put(st, hex);
	r->current = !archived;
	iso_time(now, r->created);
	if (archived)
		iso_time(now, r->archived);
	edit_done(st);
}

/* The current identity becomes an archived one (create --replace). */
static void
archive_current(void)
{
	struct state *st = edit();
	const struct st_ident *cur = state_ident_current(st);
	struct st_ident *r;

	cr_assert_not_null(cur);
	r = state_ident_edit(st, cur);
	r->current = 0;
	iso_time(now, r->archived);
	edit_done(st);
}

/* The credential of a corpus .p12/.pfx as an identity of the home. */
static void
place_p12(const char *rel, const char *pass, int archived)
{
	struct err e = ERR_INIT;
	struct p12_cred pc;
	unsigned char *buf;
	size_t len;
	char *path = path_join(tu_corpus(), rel);

	cr_assert_eq(file_read(path, FILE_MAX_CERT, &buf, &len, &e), 0, "%s", e.msg);
	cr_assert_eq(p12_open(buf, len, pass, path, &pc, &e), 0, "%s: %s", path, e.msg);
	place_identity(pc.cert, pc.key, archived);
	p12_cred_clear(&pc);
	free(buf);
	free(path);
}

/* Mark the held certificate `hex` trusted, as trust.c records it. */
static void
set_trusted(const char *hex)
{
	struct state *st = edit();
	const struct st_peer *p = state_peer_by_hex(st, hex);
	struct st_peer *w;

	cr_assert_not_null(p);
	w = state_peer_edit(st, p);
	w->trusted = 1;
	w->verified = VERIFY_PHONE;
	iso_time(now, w->verified_at);
	edit_done(st);
}

/* A correspondent's certificate, optionally trusted. */
static void
place_peer(X509 *cert, int trusted)
{
	struct err e = ERR_INIT;
	char hex[FPR_HEX_LEN];
	struct state *st = edit();
	int added;

	cr_assert_eq(peer_store(&h, st, cert, "test", now, NULL, &added, &e), 0, "%s", e.msg);
	cr_assert(added);
	edit_done(st);
	fpr_cert_hex(cert, hex);
	if (trusted)
		set_trusted(hex);
}

static X509 *
corpus_cert(const char *rel)
{
	struct err e = ERR_INIT;
	char *path = path_join(tu_corpus(), rel);
	unsigned char *buf;
	size_t len;
	X509 *x;

	cr_assert_eq(file_read(path, FILE_MAX_CERT, &buf, &len, &e), 0, "%s", e.msg);
	cr_assert_eq(cert_parse(buf, len, path, &x, &e), 0, "%s", e.msg);
	free(buf);
	free(path);
	return x;
}

/* msg_open_stream's input: `buf` handed on `step` bytes at a time. */
struct memsrc {
	const unsigned char *p;
	size_t n, off, step;
};

static int
mem_read(void *arg, unsigned char *buf, size_t len, size_t *got, struct err *e)
{
	struct memsrc *m = arg;
	size_t k = m->n - m->off;

	(void)e;
	if (k > len)
		k = len;
	if (k > m->step)
		k = m->step;
	memcpy(buf, m->p + m->off, k);
	m->off += k;
	*got = k;
	return 0;
}

/* 0: open_msg_ex reads with msg_open; else with msg_open_stream, this
 * many bytes at a time. */
static size_t stream_step;

/* Open `buf` as an operation does: a session on the home, locked for
 * reading, envelopes for the user asking for `pass` (NULL: no passphrase
 * to be had), at `now`; the home must not change.  *asked (may be NULL)
 * gets how often the passphrase was asked for. */
static int
open_msg_ex(const unsigned char *buf, size_t len, const char *pass, struct msg_report *r,
	    unsigned *asked, struct err *e)
{
	struct tu_pass tp = {{[PASS_KEY] = pass}, {0}};
	struct session *s = session_new(dir);
	struct session_msg keep;
	struct msg_ctx ctx;
	struct pass_ask ask;
	struct state *st;
	char *before = tu_tree_hash(dir), *after;
	int rc;

	tu_pass_ask(&ask, &tp);
	cr_assert_eq(session_begin(s, HOME_READ, &st, e), 0, "%s", e->msg);
	session_msg_ctx(s, &ask, &keep, &ctx);
	ctx.now = now;
	cr_assert_eq(ctx.st, st);
	if (stream_step != 0) {
		struct memsrc src = {buf, len, 0, stream_step};

		rc = msg_open_stream(&ctx, mem_read, &src, r, e);
	} else {
		rc = msg_open(&ctx, buf, len, r, e);
	}
	session_end(s, 1);
	session_close(s);
	after = tu_tree_hash(dir);
	cr_assert_str_eq(before, after, "reading changed the home");
	free(before);
	free(after);
	if (asked != NULL)
		*asked = tp.asked[PASS_KEY];
	return rc;
}

static int
open_msg(const unsigned char *buf, size_t len, const char *pass, struct msg_report *r,
	 struct err *e)
{
	return open_msg_ex(buf, len, pass, r, NULL, e);
}

static int
open_str(const char *msg, const char *pass, struct msg_report *r, struct err *e)
{
	return open_msg((const unsigned char *)msg, strlen(msg), pass, r, e);
}

/* "E:AES-128-CBC[:archived|:closed] > S:valid:SHA-256:signer" */
static void
layers_spec(const struct msg_report *r, char *out, size_t len)
{
	static const char *const sig[] = {"valid", "invalid", "uncheckable"};

	out[0] = '\0';
	for (size_t i = 0; i < r->n_layers; i++) {
		const struct msg_layer *l = &r->layer[i];
		size_t used = strlen(out);

		if (l->kind == LAYER_SIGNED)
			snprintf(out + used, len - used, "%sS:%s:%s:%s", i ? " > " : "",
				 sig[l->sig], l->alg, l->signer);
		else
			snprintf(out + used, len - used, "%s%s:%s%s", i ? " > " : "",
				 l->kind == LAYER_ENVELOPED ? "E" : "A", l->alg,
				 !l->opened              ? ":closed" :
				 l->opened_with_archived ? ":archived" :
							   "");
	}
}

/* Equal, where a "?" signer in `want` matches any signer. */
static int
spec_matches(const char *want, const char *got)
{
	while (*want && *got) {
		if (want[0] == '?' && (want[1] == '\0' || want[1] == ' ')) {
			want++;
			while (*got && *got != ' ')
				got++;
			continue;
		}
		if (*want++ != *got++)
			return 0;
	}
	return *want == '\0' && *got == '\0';
}

static enum cell_kind
spec_kind(const char *spec)
{
	int e = strstr(spec, "E:") != NULL || strstr(spec, "A:") != NULL,
	    s = strstr(spec, "S:") != NULL;

	return e && s ? KIND_SIGNED_ENCRYPTED : e ? KIND_ENCRYPTED : s ? KIND_SIGNED : KIND_PLAIN;
}

/* --- the corpus, as its MANIFEST.md files record it ---------------------- */

enum corpus_home { H_NONE, H_BOB, H_FRAN, H_FRANEC, H_SMIME2 };

struct corpus_case {
	const char *file;   /* under $PADSEAL_CORPUS */
	const char *layers; /* outside-in, from the MANIFEST's measured result */
	enum corpus_home home;
	const char *text; /* in the text (or the parts line) */
	size_t outside;   /* parts beside the S/MIME part */
	int pgp;          /* an OpenPGP signature (not S/MIME) */
};

static const struct corpus_case corpus[] = {
	{"thunderbird-comm-central/smime/alice.dsig.SHA1.multipart.bad.eml", "S:invalid:SHA-1:?",
	 H_NONE, "This is a FAKE message NOT from Alice to Bob.", 0, 0},
	{"thunderbird-comm-central/smime/alice.dsig.SHA1.multipart.eml",
	 "S:valid:SHA-1:Alice@example.com", H_NONE, "This is a test message from Alice to Bob.", 0,
	 0},
	{"thunderbird-comm-central/smime/alice.dsig.SHA1.multipart.env.eml",
	 "E:AES-128-CBC > S:valid:SHA-1:Alice@example.com", H_BOB,
	 "This is a test message from Alice to Bob.", 0, 0},
	{"thunderbird-comm-central/smime/alice.dsig.SHA1.multipart.mismatch-econtent.eml",
	 "S:invalid:SHA-1:?", H_NONE, "This is a FAKE message NOT from Alice to Bob.", 0, 0},
	{"thunderbird-comm-central/smime/alice.dsig.SHA256.multipart.bad.eml",
	 "S:invalid:SHA-256:?", H_NONE, "This is a FAKE message NOT from Alice to Bob.", 0, 0},
	{"thunderbird-comm-central/smime/alice.dsig.SHA256.multipart.eml",
	 "S:valid:SHA-256:Alice@example.com", H_NONE, "This is a test message from Alice to Bob.",
	 0, 0},
	{"thunderbird-comm-central/smime/alice.dsig.SHA256.multipart.env.eml",
	 "E:AES-128-CBC > S:valid:SHA-256:Alice@example.com", H_BOB,
	 "This is a test message from Alice to Bob.", 0, 0},
	{"thunderbird-comm-central/smime/alice.dsig.SHA256.multipart.mismatch-econtent.eml",
	 "S:invalid:SHA-256:?", H_NONE, "This is a FAKE message NOT from Alice to Bob.", 0, 0},
	{"thunderbird-comm-central/smime/alice.dsig.SHA384.multipart.bad.eml",
	 "S:invalid:SHA-384:?", H_NONE, "This is a FAKE message NOT from Alice to Bob.", 0, 0},
	{"thunderbird-comm-central/smime/alice.dsig.SHA384.multipart.eml",
	 "S:valid:SHA-384:Alice@example.com", H_NONE, "This is a test message from Alice to Bob.",
	 0, 0},
	{"thunderbird-comm-central/smime/alice.dsig.SHA384.multipart.env.eml",
	 "E:AES-128-CBC > S:valid:SHA-384:Alice@example.com", H_BOB,
	 "This is a test message from Alice to Bob.", 0, 0},
	{"thunderbird-comm-central/smime/alice.dsig.SHA384.multipart.mismatch-econtent.eml",
	 "S:invalid:SHA-384:?", H_NONE, "This is a FAKE message NOT from Alice to Bob.", 0, 0},
	{"thunderbird-comm-central/smime/alice.dsig.SHA512.multipart.bad.eml",
	 "S:invalid:SHA-512:?", H_NONE, "This is a FAKE message NOT from Alice to Bob.", 0, 0},
	{"thunderbird-comm-central/smime/alice.dsig.SHA512.multipart.eml",
	 "S:valid:SHA-512:Alice@example.com", H_NONE, "This is a test message from Alice to Bob.",
	 0, 0},
	{"thunderbird-comm-central/smime/alice.dsig.SHA512.multipart.env.eml",
	 "E:AES-128-CBC > S:valid:SHA-512:Alice@example.com", H_BOB,
	 "This is a test message from Alice to Bob.", 0, 0},
	{"thunderbird-comm-central/smime/alice.dsig.SHA512.multipart.mismatch-econtent.eml",
	 "S:invalid:SHA-512:?", H_NONE, "This is a FAKE message NOT from Alice to Bob.", 0, 0},
	{"thunderbird-comm-central/smime/alice.env.dsig.SHA1.multipart.dave.sig.SHA1.opaque.eml",
	 "S:valid:SHA-1:Dave@example.com > S:invalid:SHA-1:Alice@example.com > E:AES-128-CBC",
	 H_BOB, "This is a test message from Alice to Bob.", 0, 0},
	{"thunderbird-comm-central/smime/alice.env.dsig.SHA1.multipart.eml",
	 "S:invalid:SHA-1:Alice@example.com > E:AES-128-CBC", H_BOB,
	 "This is a test message from Alice to Bob.", 0, 0},
	{"thunderbird-comm-central/smime/alice.env.dsig.SHA256.multipart.dave.sig.SHA256.opaque.eml",
	 "S:valid:SHA-256:Dave@example.com > S:invalid:SHA-256:Alice@example.com > E:AES-128-CBC",
	 H_BOB, "This is a test message from Alice to Bob.", 0, 0},
	{"thunderbird-comm-central/smime/alice.env.dsig.SHA256.multipart.eml",
	 "S:invalid:SHA-256:Alice@example.com > E:AES-128-CBC", H_BOB,
	 "This is a test message from Alice to Bob.", 0, 0},
	{"thunderbird-comm-central/smime/alice.env.dsig.SHA384.multipart.dave.sig.SHA384.opaque.eml",
	 "S:valid:SHA-384:Dave@example.com > S:invalid:SHA-384:Alice@example.com > E:AES-128-CBC",
	 H_BOB, "This is a test message from Alice to Bob.", 0, 0},
	{"thunderbird-comm-central/smime/alice.env.dsig.SHA384.multipart.eml",
	 "S:invalid:SHA-384:Alice@example.com > E:AES-128-CBC", H_BOB,
	 "This is a test message from Alice to Bob.", 0, 0},
	{"thunderbird-comm-central/smime/alice.env.dsig.SHA512.multipart.dave.sig.SHA512.opaque.eml",
	 "S:valid:SHA-512:Dave@example.com > S:invalid:SHA-512:Alice@example.com > E:AES-128-CBC",
	 H_BOB, "This is a test message from Alice to Bob.", 0, 0},
	{"thunderbird-comm-central/smime/alice.env.dsig.SHA512.multipart.eml",
	 "S:invalid:SHA-512:Alice@example.com > E:AES-128-CBC", H_BOB,
	 "This is a test message from Alice to Bob.", 0, 0},
	{"thunderbird-comm-central/smime/alice.env.eml", "E:AES-128-CBC", H_BOB,
	 "This is a test message from Alice to Bob.", 0, 0},
	{"thunderbird-comm-central/smime/alice.env.sig.SHA1.opaque.dave.sig.SHA1.opaque.eml",
	 "S:valid:SHA-1:Dave@example.com > S:valid:SHA-1:Alice@example.com > E:AES-128-CBC", H_BOB,
	 "This is a test message from Alice to Bob.", 0, 0},
	{"thunderbird-comm-central/smime/alice.env.sig.SHA1.opaque.eml",
	 "S:valid:SHA-1:Alice@example.com > E:AES-128-CBC", H_BOB,
	 "This is a test message from Alice to Bob.", 0, 0},
	{"thunderbird-comm-central/smime/alice.env.sig.SHA256.opaque.dave.sig.SHA256.opaque.eml",
	 "S:valid:SHA-256:Dave@example.com > S:valid:SHA-256:Alice@example.com > E:AES-128-CBC",
	 H_BOB, "This is a test message from Alice to Bob.", 0, 0},
	{"thunderbird-comm-central/smime/alice.env.sig.SHA256.opaque.eml",
	 "S:valid:SHA-256:Alice@example.com > E:AES-128-CBC", H_BOB,
	 "This is a test message from Alice to Bob.", 0, 0},
	{"thunderbird-comm-central/smime/alice.env.sig.SHA384.opaque.dave.sig.SHA384.opaque.eml",
	 "S:valid:SHA-384:Dave@example.com > S:valid:SHA-384:Alice@example.com > E:AES-128-CBC",
	 H_BOB, "This is a test message from Alice to Bob.", 0, 0},
	{"thunderbird-comm-central/smime/alice.env.sig.SHA384.opaque.eml",
	 "S:valid:SHA-384:Alice@example.com > E:AES-128-CBC", H_BOB,
	 "This is a test message from Alice to Bob.", 0, 0},
	{"thunderbird-comm-central/smime/alice.env.sig.SHA512.opaque.dave.sig.SHA512.opaque.eml",
	 "S:valid:SHA-512:Dave@example.com > S:valid:SHA-512:Alice@example.com > E:AES-128-CBC",
	 H_BOB, "This is a test message from Alice to Bob.", 0, 0},
	{"thunderbird-comm-central/smime/alice.env.sig.SHA512.opaque.eml",
	 "S:valid:SHA-512:Alice@example.com > E:AES-128-CBC", H_BOB,
	 "This is a test message from Alice to Bob.", 0, 0},
	{"thunderbird-comm-central/smime/alice.future.dsig.SHA256.multipart.eml",
	 "S:valid:SHA-256:Alice@example.com", H_NONE, "This is a test message from Alice to Bob.",
	 0, 0},
	{"thunderbird-comm-central/smime/alice.html.sig.SHA1.opaque.eml",
	 "S:valid:SHA-1:Alice@example.com", H_NONE, "text/html", 0, 0},
	{"thunderbird-comm-central/smime/alice.html.sig.SHA1.opaque.env.eml",
	 "E:AES-128-CBC > S:valid:SHA-1:Alice@example.com", H_BOB, "text/html", 0, 0},
	{"thunderbird-comm-central/smime/alice.html.sig.SHA256.opaque.eml",
	 "S:valid:SHA-256:Alice@example.com", H_NONE, "text/html", 0, 0},
	{"thunderbird-comm-central/smime/alice.html.sig.SHA256.opaque.env.eml",
	 "E:AES-128-CBC > S:valid:SHA-256:Alice@example.com", H_BOB, "text/html", 0, 0},
	{"thunderbird-comm-central/smime/alice.html.sig.SHA384.opaque.eml",
	 "S:valid:SHA-384:Alice@example.com", H_NONE, "text/html", 0, 0},
	{"thunderbird-comm-central/smime/alice.html.sig.SHA384.opaque.env.eml",
	 "E:AES-128-CBC > S:valid:SHA-384:Alice@example.com", H_BOB, "text/html", 0, 0},
	{"thunderbird-comm-central/smime/alice.html.sig.SHA512.opaque.eml",
	 "S:valid:SHA-512:Alice@example.com", H_NONE, "text/html", 0, 0},
	{"thunderbird-comm-central/smime/alice.html.sig.SHA512.opaque.env.eml",
	 "E:AES-128-CBC > S:valid:SHA-512:Alice@example.com", H_BOB, "text/html", 0, 0},
	{"thunderbird-comm-central/smime/alice.plain.dsig.SHA1.multipart.dave.dsig.SHA1.multipart.eml",
	 "S:valid:SHA-1:Dave@example.com > S:valid:SHA-1:Alice@example.com", H_NONE,
	 "This is a test message from Alice to Bob.", 0, 0},
	{"thunderbird-comm-central/smime/alice.plain.dsig.SHA1.multipart.dave.sig.SHA1.opaque.eml",
	 "S:valid:SHA-1:Dave@example.com > S:valid:SHA-1:Alice@example.com", H_NONE,
	 "This is a test message from Alice to Bob.", 0, 0},
	{"thunderbird-comm-central/smime/alice.plain.dsig.SHA256.multipart.dave.dsig.SHA256.multipart.eml",
	 "S:valid:SHA-256:Dave@example.com > S:valid:SHA-256:Alice@example.com", H_NONE,
	 "This is a test message from Alice to Bob.", 0, 0},
	{"thunderbird-comm-central/smime/alice.plain.dsig.SHA256.multipart.dave.sig.SHA256.opaque.eml",
	 "S:valid:SHA-256:Dave@example.com > S:valid:SHA-256:Alice@example.com", H_NONE,
	 "This is a test message from Alice to Bob.", 0, 0},
	{"thunderbird-comm-central/smime/alice.plain.dsig.SHA384.multipart.dave.dsig.SHA384.multipart.eml",
	 "S:valid:SHA-384:Dave@example.com > S:valid:SHA-384:Alice@example.com", H_NONE,
	 "This is a test message from Alice to Bob.", 0, 0},
	{"thunderbird-comm-central/smime/alice.plain.dsig.SHA384.multipart.dave.sig.SHA384.opaque.eml",
	 "S:valid:SHA-384:Dave@example.com > S:valid:SHA-384:Alice@example.com", H_NONE,
	 "This is a test message from Alice to Bob.", 0, 0},
	{"thunderbird-comm-central/smime/alice.plain.dsig.SHA512.multipart.dave.dsig.SHA512.multipart.eml",
	 "S:valid:SHA-512:Dave@example.com > S:valid:SHA-512:Alice@example.com", H_NONE,
	 "This is a test message from Alice to Bob.", 0, 0},
	{"thunderbird-comm-central/smime/alice.plain.dsig.SHA512.multipart.dave.sig.SHA512.opaque.eml",
	 "S:valid:SHA-512:Dave@example.com > S:valid:SHA-512:Alice@example.com", H_NONE,
	 "This is a test message from Alice to Bob.", 0, 0},
	{"thunderbird-comm-central/smime/alice.plain.sig.SHA1.opaque.dave.dsig.SHA1.multipart.eml",
	 "S:valid:SHA-1:Dave@example.com > S:valid:SHA-1:Alice@example.com", H_NONE,
	 "This is a test message from Alice to Bob.", 0, 0},
	{"thunderbird-comm-central/smime/alice.plain.sig.SHA1.opaque.dave.sig.SHA1.opaque.eml",
	 "S:valid:SHA-1:Dave@example.com > S:valid:SHA-1:Alice@example.com", H_NONE,
	 "This is a test message from Alice to Bob.", 0, 0},
	{"thunderbird-comm-central/smime/alice.plain.sig.SHA256.opaque.dave.dsig.SHA256.multipart.eml",
	 "S:valid:SHA-256:Dave@example.com > S:valid:SHA-256:Alice@example.com", H_NONE,
	 "This is a test message from Alice to Bob.", 0, 0},
	{"thunderbird-comm-central/smime/alice.plain.sig.SHA256.opaque.dave.sig.SHA256.opaque.eml",
	 "S:valid:SHA-256:Dave@example.com > S:valid:SHA-256:Alice@example.com", H_NONE,
	 "This is a test message from Alice to Bob.", 0, 0},
	{"thunderbird-comm-central/smime/alice.plain.sig.SHA384.opaque.dave.dsig.SHA384.multipart.eml",
	 "S:valid:SHA-384:Dave@example.com > S:valid:SHA-384:Alice@example.com", H_NONE,
	 "This is a test message from Alice to Bob.", 0, 0},
	{"thunderbird-comm-central/smime/alice.plain.sig.SHA384.opaque.dave.sig.SHA384.opaque.eml",
	 "S:valid:SHA-384:Dave@example.com > S:valid:SHA-384:Alice@example.com", H_NONE,
	 "This is a test message from Alice to Bob.", 0, 0},
	{"thunderbird-comm-central/smime/alice.plain.sig.SHA512.opaque.dave.dsig.SHA512.multipart.eml",
	 "S:valid:SHA-512:Dave@example.com > S:valid:SHA-512:Alice@example.com", H_NONE,
	 "This is a test message from Alice to Bob.", 0, 0},
	{"thunderbird-comm-central/smime/alice.plain.sig.SHA512.opaque.dave.sig.SHA512.opaque.eml",
	 "S:valid:SHA-512:Dave@example.com > S:valid:SHA-512:Alice@example.com", H_NONE,
	 "This is a test message from Alice to Bob.", 0, 0},
	{"thunderbird-comm-central/smime/alice.sig.SHA1.opaque.eml",
	 "S:valid:SHA-1:Alice@example.com", H_NONE, "This is a test message from Alice to Bob.", 0,
	 0},
	{"thunderbird-comm-central/smime/alice.sig.SHA1.opaque.env.eml",
	 "E:AES-128-CBC > S:valid:SHA-1:Alice@example.com", H_BOB,
	 "This is a test message from Alice to Bob.", 0, 0},
	{"thunderbird-comm-central/smime/alice.sig.SHA256.opaque.eml",
	 "S:valid:SHA-256:Alice@example.com", H_NONE, "This is a test message from Alice to Bob.",
	 0, 0},
	{"thunderbird-comm-central/smime/alice.sig.SHA256.opaque.env.eml",
	 "E:AES-128-CBC > S:valid:SHA-256:Alice@example.com", H_BOB,
	 "This is a test message from Alice to Bob.", 0, 0},
	{"thunderbird-comm-central/smime/alice.sig.SHA384.opaque.eml",
	 "S:valid:SHA-384:Alice@example.com", H_NONE, "This is a test message from Alice to Bob.",
	 0, 0},
	{"thunderbird-comm-central/smime/alice.sig.SHA384.opaque.env.eml",
	 "E:AES-128-CBC > S:valid:SHA-384:Alice@example.com", H_BOB,
	 "This is a test message from Alice to Bob.", 0, 0},
	{"thunderbird-comm-central/smime/alice.sig.SHA512.opaque.eml",
	 "S:valid:SHA-512:Alice@example.com", H_NONE, "This is a test message from Alice to Bob.",
	 0, 0},
	{"thunderbird-comm-central/smime/alice.sig.SHA512.opaque.env.eml",
	 "E:AES-128-CBC > S:valid:SHA-512:Alice@example.com", H_BOB,
	 "This is a test message from Alice to Bob.", 0, 0},
	{"thunderbird-comm-central/smime-manual/alice.dsig.SHA256.multipart.env.dsig.eml",
	 "S:invalid:SHA-256:? > E:AES-128-CBC > S:valid:SHA-256:Alice@example.com", H_BOB,
	 "This is a test message from Alice to Bob.", 0, 0},
	{"thunderbird-comm-central/smime-manual/alice.env.mixed.dsig.SHA256.multipart.eml",
	 "S:invalid:SHA-256:? > E:AES-128-CBC:archived", H_BOB,
	 "This is a test message from Alice to Bob.", 1, 0},
	{"thunderbird-comm-central/smime-manual/outer-pgp-sig-inner-smime-enc-sig.eml",
	 "E:AES-128-CBC:archived > S:valid:SHA-256:Alice@example.com", H_BOB,
	 "This is a test message from Alice to Bob.", 0, 1},
	{"thunderbird-comm-central/smime-manual/outer-pgp-sig-inner-smime-enc.eml",
	 "E:AES-128-CBC:archived", H_BOB, "This is a test message from Alice to Bob.", 0, 1},
	{"thunderbird-comm-central/smime-manual/outer-smime-bad-sig-inner-smime-enc-sig.eml",
	 "S:invalid:SHA-256:? > E:AES-128-CBC > S:valid:SHA-256:Alice@example.com", H_BOB,
	 "This is a test message from Alice to Bob.", 0, 0},
	{"thunderbird-comm-central/smime-manual/outer-smime-bad-sig-inner-smime-enc.eml",
	 "S:invalid:SHA-256:? > E:AES-128-CBC", H_BOB, "This is a test message from Alice to Bob.",
	 0, 0},
	{"thunderbird-comm-central/browser-smime-data/alice.dsig.SHA256.multipart.in.mixed.eml",
	 "S:valid:SHA-256:Alice@example.com", H_NONE, "This is a test message from Alice to Bob.",
	 1, 0},
	{"thunderbird-comm-central/browser-smime-data/alice.dsig.SHA256.multipart.in.mixed.with.header.eml",
	 "S:valid:SHA-256:Alice@example.com", H_NONE, "This is a test message from Alice to Bob.",
	 2, 0},
	{"thunderbird-comm-central/browser-smime-data/alice.html.sig.SHA256.opaque.eml",
	 "S:valid:SHA-256:Alice@example.com", H_NONE, "text/html", 0, 0},
	/* Two envelopes side by side (an attack: the second hides a stolen
	 * secret).  Like a careful client, padseal opens only the first S/MIME
	 * part and reports the rest as outside. */
	{"thunderbird-comm-central/browser-smime-data/multipart-alternative.eml", "E:AES-128-CBC",
	 H_BOB, "text/html", 2, 0},
	{"thunderbird-comm-central/browser-smime-data/nested-sigs.eml", "S:invalid:SHA-512:?",
	 H_NONE, "level 1", 0, 0},
	{"thunderbird-comm-central/smime-interop/fran-ec_ossl-aes128-sha256.env", "E:AES-128-CBC",
	 H_FRANEC, "This is a test message to Fran.", 0, 0},
	{"thunderbird-comm-central/smime-interop/fran-ec_ossl-aes256-sha512.env", "E:AES-256-CBC",
	 H_FRANEC, "This is a test message to Fran.", 0, 0},
	{"thunderbird-comm-central/smime-interop/fran-oaep-label_ossl.env", "E:AES-256-CBC", H_FRAN,
	 "This is a test message to Fran.", 0, 0},
	{"thunderbird-comm-central/smime-interop/fran-oaep-sha256hash-sha256mgf_ossl.env",
	 "E:AES-256-CBC", H_FRAN, "This is a test message to Fran.", 0, 0},
	{"thunderbird-comm-central/smime-interop/fran-oaep-sha256hash_ossl.env", "E:AES-128-CBC",
	 H_FRAN, "This is a test message to Fran.", 0, 0},
	{"thunderbird-comm-central/smime-interop/fran-oaep_ossl.env", "E:3DES-CBC", H_FRAN,
	 "This is a test message to Fran.", 0, 0},
	{"hiraoka-smime_mail_samples/received-at-smime2/Message from smime1 to smime2 (encrypted).eml",
	 "E:AES-256-CBC", H_SMIME2, "Message from smime1 to smime2 (encrypted)", 0, 0},
	{"hiraoka-smime_mail_samples/received-at-smime2/Message from smime1 to smime2 (plain).eml",
	 "", H_SMIME2, "Message from smime1 to smime2 (plain)", 0, 0},
	{"hiraoka-smime_mail_samples/received-at-smime2/Message from smime1 to smime2 (signed and encrypted).eml",
	 "E:AES-256-CBC > S:valid:SHA-1:smime1@hmailserver.test", H_SMIME2,
	 "Message from smime1 to smime2 (signed and encrypted)", 0, 0},
	{"hiraoka-smime_mail_samples/received-at-smime2/Message from smime1 to smime2 (signed).eml",
	 "S:valid:SHA-1:smime1@hmailserver.test", H_SMIME2,
	 "Message from smime1 to smime2 (signed)", 0, 0},
	{"hiraoka-smime_mail_samples/received-at-smime2/Writing from smime1 to smime2 (encrypted).eml",
	 "E:AES-128-CBC", H_SMIME2, "Writing from smime1 to smime2 (encrypted)", 0, 0},
	{"hiraoka-smime_mail_samples/received-at-smime2/Writing from smime1 to smime2 (plain).eml",
	 "", H_SMIME2, "Writing from smime1 to smime2 (plain)", 0, 0},
	{"hiraoka-smime_mail_samples/received-at-smime2/Writing from smime1 to smime2 (signed and encrypted).eml",
	 "E:AES-128-CBC > S:valid:SHA-256:smime1@hmailserver.test", H_SMIME2,
	 "Writing from smime1 to smime2 (signed and encrypted)", 0, 0},
	{"hiraoka-smime_mail_samples/received-at-smime2/Writing from smime1 to smime2 (signed).eml",
	 "S:valid:SHA-256:smime1@hmailserver.test", H_SMIME2,
	 "Writing from smime1 to smime2 (signed)", 0, 0},
	{"hiraoka-smime_mail_samples/sent-from-smime1/Writing from smime1 to smime2 (encrypted).eml",
	 "E:AES-128-CBC", H_SMIME2, "Writing from smime1 to smime2 (encrypted)", 0, 0},
	{"hiraoka-smime_mail_samples/sent-from-smime1/Writing from smime1 to smime2 (plain).eml",
	 "", H_SMIME2, "Writing from smime1 to smime2 (plain)", 0, 0},
	{"hiraoka-smime_mail_samples/sent-from-smime1/Writing from smime1 to smime2 (signed and encrypted).eml",
	 "E:AES-128-CBC > S:valid:SHA-256:smime1@hmailserver.test", H_SMIME2,
	 "Writing from smime1 to smime2 (signed and encrypted)", 0, 0},
	{"hiraoka-smime_mail_samples/sent-from-smime1/Writing from smime1 to smime2 (signed).eml",
	 "S:valid:SHA-256:smime1@hmailserver.test", H_SMIME2,
	 "Writing from smime1 to smime2 (signed)", 0, 0},
	/* The same messages as Outlook keeps them (.msg), read as the message
	 * each was: the internet headers kept, or made from its properties. */
	{"hiraoka-smime_mail_samples/received-at-smime2/Message from smime1 to smime2 (encrypted).msg",
	 "E:AES-256-CBC", H_SMIME2, "Message from smime1 to smime2 (encrypted)", 0, 0},
	{"hiraoka-smime_mail_samples/received-at-smime2/Message from smime1 to smime2 (plain).msg",
	 "", H_SMIME2, "Message from smime1 to smime2 (plain)", 0, 0},
	{"hiraoka-smime_mail_samples/received-at-smime2/Message from smime1 to smime2 (signed and encrypted).msg",
	 "E:AES-256-CBC > S:valid:SHA-1:smime1@hmailserver.test", H_SMIME2,
	 "Message from smime1 to smime2 (signed and encrypted)", 0, 0},
	{"hiraoka-smime_mail_samples/received-at-smime2/Message from smime1 to smime2 (signed).msg",
	 "S:valid:SHA-1:smime1@hmailserver.test", H_SMIME2,
	 "Message from smime1 to smime2 (signed)", 0, 0},
	{"hiraoka-smime_mail_samples/received-at-smime2/Writing from smime1 to smime2 (encrypted).msg",
	 "E:AES-128-CBC", H_SMIME2, "Writing from smime1 to smime2 (encrypted)", 0, 0},
	{"hiraoka-smime_mail_samples/received-at-smime2/Writing from smime1 to smime2 (plain).msg",
	 "", H_SMIME2, "Writing from smime1 to smime2 (plain)", 0, 0},
	{"hiraoka-smime_mail_samples/received-at-smime2/Writing from smime1 to smime2 (signed and encrypted).msg",
	 "E:AES-128-CBC > S:valid:SHA-256:smime1@hmailserver.test", H_SMIME2,
	 "Writing from smime1 to smime2 (signed and encrypted)", 0, 0},
	{"hiraoka-smime_mail_samples/received-at-smime2/Writing from smime1 to smime2 (signed).msg",
	 "S:valid:SHA-256:smime1@hmailserver.test", H_SMIME2,
	 "Writing from smime1 to smime2 (signed)", 0, 0},
	{"hiraoka-smime_mail_samples/sent-from-smime1/Message from smime1 to smime2 (encrypted).msg",
	 "E:AES-256-CBC", H_SMIME2, "Message from smime1 to smime2 (encrypted)", 0, 0},
	{"hiraoka-smime_mail_samples/sent-from-smime1/Message from smime1 to smime2 (plain).msg",
	 "", H_SMIME2, "Message from smime1 to smime2 (plain)", 0, 0},
	{"hiraoka-smime_mail_samples/sent-from-smime1/Message from smime1 to smime2 (signed and encrypted).msg",
	 "E:AES-256-CBC > S:valid:SHA-1:smime1@hmailserver.test", H_SMIME2,
	 "Message from smime1 to smime2 (signed and encrypted)", 0, 0},
	{"hiraoka-smime_mail_samples/sent-from-smime1/Message from smime1 to smime2 (signed).msg",
	 "S:valid:SHA-1:smime1@hmailserver.test", H_SMIME2,
	 "Message from smime1 to smime2 (signed)", 0, 0},
};

#define N_CORPUS (sizeof corpus / sizeof corpus[0])

static void
corpus_home(enum corpus_home which)
{
	X509 *x;

	switch (which) {
	case H_NONE: break;
	case H_BOB: /* the current key, and the 2023 one some messages need */
		place_p12("thunderbird-comm-central/smime/Bob.p12", "nss", 0);
		place_p12("thunderbird-comm-central/smime@93266e19/Bob.p12", "nss", 1);
		break;
	case H_FRAN: place_p12("thunderbird-comm-central/smime-interop/Fran.p12", "nss", 0); break;
	case H_FRANEC:
		place_p12("thunderbird-comm-central/smime-interop/Fran-ec.p12", "nss", 0);
		break;
	case H_SMIME2: /* RC2-40 pfx: p12_open loads the legacy provider */
		place_p12("hiraoka-smime_mail_samples/certs/smime-2-secret.pfx", "smime2", 0);
		x = corpus_cert("hiraoka-smime_mail_samples/certs/smime-1.crt");
		place_peer(x, 1);
		X509_free(x);
		break;
	}
}

static unsigned char *
corpus_file(const char *rel, size_t *len)
{
	struct err e = ERR_INIT;
	char *path = path_join(tu_corpus(), rel);
	unsigned char *buf;

	cr_assert_eq(file_read(path, FILE_MAX_MSG, &buf, len, &e), 0, "%s", e.msg);
	free(path);
	return buf;
}

/* The hiraoka file names say the kind: "(signed and encrypted)". */
static enum cell_kind
name_kind(const char *file)
{
	return strstr(file, "(signed and encrypted)") ? KIND_SIGNED_ENCRYPTED :
	       strstr(file, "(signed)")               ? KIND_SIGNED :
	       strstr(file, "(encrypted)")            ? KIND_ENCRYPTED :
							KIND_PLAIN;
}

ParameterizedTestParameters(msg, corpus_as_manifest)
{
	static int idx[N_CORPUS];

	for (size_t i = 0; i < N_CORPUS; i++)
		idx[i] = (int)i;
	return cr_make_param_array(int, idx, N_CORPUS);
}

ParameterizedTest(int *i, msg, corpus_as_manifest, .init = setup, .fini = teardown)
{
	const struct corpus_case *c = &corpus[*i];
	struct err e = ERR_INIT;
	struct msg_report r;
	unsigned char *buf;
	size_t len;
	char got[1024];
	int signed_layers = 0;

	corpus_home(c->home);
	buf = corpus_file(c->file, &len);
	cr_assert_eq(open_msg(buf, len, PASS, &r, &e), 0, "%s: %s", c->file, e.msg);
	layers_spec(&r, got, sizeof got);
	cr_expect(spec_matches(c->layers, got), "%s:\n  read    %s\n  MANIFEST %s", c->file, got,
		  c->layers);
	cr_expect_eq(r.kind, spec_kind(c->layers), "%s: kind %s", c->file, cell_kind_name(r.kind));
	if (c->home == H_SMIME2)
		cr_expect_eq(r.kind, name_kind(c->file), "%s: kind %s", c->file,
			     cell_kind_name(r.kind));
	cr_expect(r.text != NULL && strstr(r.text, c->text) != NULL, "%s: text %s", c->file,
		  r.text);
	cr_expect(r.text == NULL || strstr(r.text, "SECRET-TEXT") == NULL, "%s shows a hidden part",
		  c->file);
	cr_expect_eq(r.outside, c->outside, "%s: %zu parts outside", c->file, r.outside);
	cr_expect_eq(r.pgp, c->pgp, "%s: pgp", c->file);
	for (size_t k = 0; k < r.n_layers; k++) {
		const struct msg_layer *l = &r.layer[k];

		if (l->kind != LAYER_SIGNED) {
			cr_expect(l->opened && strlen(l->opened_with) == 64,
				  "%s: layer %zu not opened: %s", c->file, k, l->note);
			continue;
		}
		signed_layers++;
		cr_expect_eq(l->sha1, strcmp(l->alg, "SHA-1") == 0, "%s: SHA-1 flag", c->file);
		cr_expect_eq(l->trusted, c->home == H_SMIME2, "%s: trust", c->file);
		/* Dave wraps Alice's message; kaie signed a message from nobody1. */
		cr_expect_eq(l->from_mismatch,
			     (k > 0 && strstr(c->file, "dave") != NULL) ||
				     strstr(c->file, "nested-sigs") != NULL,
			     "%s: layer %zu from mismatch", c->file, k);
		if (l->sig == SIG_INVALID)
			cr_expect(strstr(l->note, "changed after signing") != NULL, "%s: %s",
				  c->file, l->note);
		else
			cr_expect(strlen(l->signer_hex) == 64 && l->signer_der != NULL,
				  "%s: signer", c->file);
	}
	/* Every envelope opens in these homes; only pinned signers pass. */
	cr_expect_eq(r.ok, signed_layers == 0 || c->home == H_SMIME2, "%s: ok %d", c->file, r.ok);
	msg_report_free(&r);
	free(buf);
}

/* No .eml (or Outlook .msg) of the corpus escapes the table above. */
static void
walk_corpus(const char *path, const char *rel, size_t *n)
{
	DIR *d = opendir(path);
	struct dirent *de;

	cr_assert_not_null(d, "cannot list %s", path);
	while ((de = readdir(d)) != NULL) {
		char *sub, *subrel;
		size_t len = strlen(de->d_name);

		if (de->d_name[0] == '.')
			continue;
		sub = path_join(path, de->d_name);
		if (asprintf(&subrel, "%s%s%s", rel, *rel ? "/" : "", de->d_name) < 0)
			abort();
		if (de->d_type == DT_DIR) {
			walk_corpus(sub, subrel, n);
		} else if (len > 4 && (strcmp(de->d_name + len - 4, ".eml") == 0 ||
				       strcmp(de->d_name + len - 4, ".msg") == 0)) {
			size_t i = 0;

			while (i < N_CORPUS && strcmp(corpus[i].file, subrel) != 0)
				i++;
			cr_expect_lt(i, N_CORPUS, "%s is not in the corpus table", subrel);
			(*n)++;
		}
		free(sub);
		free(subrel);
	}
	closedir(d);
}

Test(msg, corpus_table_covers_every_eml)
{
	size_t n = 0;

	walk_corpus(tu_corpus(), "", &n);
	cr_assert_geq(n, 101, "only %zu .eml and .msg files found", n);
}

/* The real-client messages are trusted only once smime1 is pinned. */
Test(msg, hiraoka_trusted_only_after_pinning, .init = setup, .fini = teardown)
{
	static const char *const files[] = {
		"received-at-smime2/Message from smime1 to smime2 (signed).eml",
		"received-at-smime2/Message from smime1 to smime2 (signed and encrypted).eml",
		"received-at-smime2/Writing from smime1 to smime2 (signed).eml",
		"received-at-smime2/Writing from smime1 to smime2 (signed and encrypted).eml",
		"sent-from-smime1/Writing from smime1 to smime2 (signed).eml",
	};
	X509 *smime1 = corpus_cert("hiraoka-smime_mail_samples/certs/smime-1.crt");
	char hex[FPR_HEX_LEN], rel[200];

	place_p12("hiraoka-smime_mail_samples/certs/smime-2-secret.pfx", "smime2", 0);
	fpr_cert_hex(smime1, hex);
	for (int stage = 0; stage < 3; stage++) {
		if (stage == 1)
			place_peer(smime1, 0);
		if (stage == 2)
			set_trusted(hex);
		for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
			struct err e = ERR_INIT;
			struct msg_report r;
			unsigned char *buf;
			size_t len;
			const struct msg_layer *l;

			snprintf(rel, sizeof rel, "hiraoka-smime_mail_samples/%s", files[i]);
			buf = corpus_file(rel, &len);
			cr_assert_eq(open_msg(buf, len, PASS, &r, &e), 0, "%s", e.msg);
			l = &r.layer[r.n_layers - 1];
			cr_assert_eq(l->kind, LAYER_SIGNED, "%s", files[i]);
			cr_expect_eq(l->sig, SIG_VALID, "%s: %s", files[i], l->note);
			cr_expect_str_eq(l->signer_hex, hex);
			cr_expect_eq(l->held, stage > 0, "%s stage %d", files[i], stage);
			cr_expect_eq(l->trusted, stage == 2, "%s stage %d", files[i], stage);
			cr_expect_eq(r.ok, stage == 2, "%s stage %d", files[i], stage);
			cr_expect_eq(l->sha1, strstr(files[i], "Message from") != NULL,
				     "%s: Outlook signs with SHA-1", files[i]);
			cr_expect(!l->from_mismatch && !l->expired_at_signing && !l->changed, "%s",
				  files[i]);
			msg_report_free(&r);
			free(buf);
		}
	}
	X509_free(smime1);
}

/* --- messages made here with OpenSSL's CMS API --------------------------- */

#define TEXT "Content-Type: text/plain; charset=utf-8\r\n\r\nHello Alice, this is Sam.\r\n"

static X509 *
mkcert(const char *san, EVP_PKEY **key)
{
	struct cf_spec s = {.key = CF_RSA, .bits = 2048, .cn = "Test Person", .san = san};

	return cf_cert(&s, time(NULL), key);
}

/* Base64 in lines of 76, CRLF. */
static char *
b64(const unsigned char *d, size_t n)
{
	char *out = malloc(n / 57 * 80 + 84), *o = out;

	cr_assert_not_null(out);
	for (size_t i = 0; i < n; i += 57) {
		o += EVP_EncodeBlock((unsigned char *)o, d + i, (int)(n - i < 57 ? n - i : 57));
		*o++ = '\r';
		*o++ = '\n';
	}
	*o = '\0';
	return out;
}

static unsigned char *
der_of(CMS_ContentInfo *cms, size_t *n)
{
	unsigned char *der = NULL;
	int len = i2d_CMS_ContentInfo(cms, &der);

	cr_assert_gt(len, 0);
	*n = (size_t)len;
	return der;
}

typedef void (*mangle_fn)(unsigned char *der, size_t n);

/* A signed MIME entity over `inner` (multipart/signed, or opaque); the
 * builders take (and free) the malloc'd `inner`. */
static char *
signed_build(X509 *c, EVP_PKEY *k, STACK_OF(X509) * certs, unsigned flags, char *inner, int opaque,
	     mangle_fn mangle)
{
	static int bnum;
	BIO *in = BIO_new_mem_buf(inner, -1);
	CMS_ContentInfo *cms =
		CMS_sign(c, k, certs, in, CMS_BINARY | flags | (opaque ? 0 : CMS_DETACHED));
	unsigned char *der;
	size_t n;
	char *enc, *out;
	int rc;

	cr_assert_not_null(cms);
	der = der_of(cms, &n);
	if (mangle)
		mangle(der, n);
	enc = b64(der, n);
	if (opaque)
		rc = asprintf(&out,
			      "Content-Type: application/pkcs7-mime; smime-type=signed-data; name=smime.p7m\r\n"
			      "Content-Transfer-Encoding: base64\r\n\r\n%s",
			      enc);
	else
		rc = asprintf(&out,
			      "Content-Type: multipart/signed; protocol=\"application/pkcs7-signature\"; micalg=sha-256;\r\n"
			      "\tboundary=\"b%d\"\r\n\r\nThis is an S/MIME signed message.\r\n\r\n--b%d\r\n%s\r\n--b%d\r\n"
			      "Content-Type: application/pkcs7-signature; name=smime.p7s\r\nContent-Transfer-Encoding: base64\r\n\r\n%s--b%d--\r\n",
			      bnum, bnum, inner, bnum, enc, bnum);
	cr_assert_geq(rc, 0);
	bnum++;
	OPENSSL_free(der);
	free(enc);
	CMS_ContentInfo_free(cms);
	BIO_free(in);
	free(inner);
	return out;
}

static char *
signed_ex(X509 *c, EVP_PKEY *k, char *inner, int opaque, mangle_fn mangle)
{
	return signed_build(c, k, NULL, 0, inner, opaque, mangle);
}

static char *
signed_entity(X509 *c, EVP_PKEY *k, char *inner, int opaque)
{
	return signed_ex(c, k, inner, opaque, NULL);
}

static char *
enveloped_entity(X509 *to1, X509 *to2, char *inner, const EVP_CIPHER *ciph)
{
	STACK_OF(X509) *sk = sk_X509_new_null();
	BIO *in = BIO_new_mem_buf(inner, -1);
	CMS_ContentInfo *cms;
	unsigned char *der;
	size_t n;
	char *enc, *out;

	sk_X509_push(sk, to1);
	if (to2)
		sk_X509_push(sk, to2);
	cms = CMS_encrypt(sk, in, ciph, CMS_BINARY);
	cr_assert_not_null(cms);
	der = der_of(cms, &n);
	enc = b64(der, n);
	cr_assert_geq(asprintf(&out,
			       "Content-Type: application/pkcs7-mime; smime-type=enveloped-data; name=smime.p7m\r\n"
			       "Content-Transfer-Encoding: base64\r\n\r\n%s",
			       enc),
		      0);
	OPENSSL_free(der);
	free(enc);
	CMS_ContentInfo_free(cms);
	BIO_free(in);
	sk_X509_free(sk);
	free(inner);
	return out;
}

static char *
message(const char *from, char *entity)
{
	char *out;

	cr_assert_geq(asprintf(&out,
			       "From: Sam <%s>\r\nTo: alice@example.org\r\nSubject: =?UTF-8?B?VGVzdCDinJM=?=\r\n"
			       "Date: Mon, 1 Jan 2024 10:00:00 +0000\r\nMIME-Version: 1.0\r\n%s",
			       from, entity),
		      0);
	free(entity);
	return out;
}

/* Alice (the home's identity) and Sam (a correspondent). */
static X509 *me, *sam;
static EVP_PKEY *me_key, *sam_key;

static void
people(void)
{
	setup();
	me = mkcert("email:alice@example.org", &me_key);
	sam = mkcert("email:sam@example.org", &sam_key);
	place_identity(me, me_key, 0);
}

static void
people_done(void)
{
	X509_free(me);
	X509_free(sam);
	EVP_PKEY_free(me_key);
	EVP_PKEY_free(sam_key);
	teardown();
}

static void
read_ok(const char *msg, const char *pass, struct msg_report *r)
{
	struct err e = ERR_INIT;

	cr_assert_eq(open_str(msg, pass, r, &e), 0, "%s", e.msg);
}

Test(msg, signed_by_a_pinned_peer_is_ok_in_any_line_ending, .init = people, .fini = people_done)
{
	struct msg_report r;
	char line[512], *m, *lf;
	size_t o = 0;

	place_peer(sam, 1);
	m = message("sam@example.org", signed_entity(sam, sam_key, strdup(TEXT), 0));
	/* The same message with LF line ends, as a Unix mail store keeps it. */
	lf = strdup(m);
	for (size_t i = 0; m[i]; i++)
		if (m[i] != '\r')
			lf[o++] = m[i];
	lf[o] = '\0';
	for (int v = 0; v < 2; v++) {
		read_ok(v ? lf : m, NULL, &r);
		msg_layers_line(&r, line, sizeof line);
		cr_expect_str_eq(line, "signed(SHA-256, by: sam@example.org, valid, trusted)");
		cr_expect(r.ok && r.kind == KIND_SIGNED && r.layer[0].held && !r.layer[0].opaque);
		cr_expect_str_eq(r.from, "sam@example.org");
		cr_expect_str_eq(r.from_name, "Sam");
		cr_expect_str_eq(r.subject, "Test \xe2\x9c\x93");
		cr_expect_str_eq(r.text, "Hello Alice, this is Sam.\n");
		msg_report_free(&r);
	}
	free(m);
	free(lf);
	m = message("sam@example.org", signed_entity(sam, sam_key, strdup(TEXT), 1));
	read_ok(m, NULL, &r);
	cr_expect(r.ok && r.layer[0].opaque && r.layer[0].sig == SIG_VALID);
	msg_report_free(&r);
	free(m);
}

Test(msg, valid_but_not_pinned_is_not_ok, .init = people, .fini = people_done)
{
	struct msg_report r;
	char *m = message("sam@example.org", signed_entity(sam, sam_key, strdup(TEXT), 0));
	const unsigned char *q;
	X509 *x;

	read_ok(m, NULL, &r);
	cr_expect(r.layer[0].sig == SIG_VALID && !r.layer[0].trusted && !r.layer[0].held && !r.ok);
	/* The signer certificate travels with the report (for import). */
	q = r.layer[0].signer_der;
	x = d2i_X509(NULL, &q, (long)r.layer[0].signer_der_len);
	cr_assert_not_null(x);
	cr_expect_eq(X509_cmp(x, sam), 0);
	X509_free(x);
	msg_report_free(&r);
	place_peer(sam, 0);
	read_ok(m, NULL, &r);
	cr_expect(r.layer[0].held && !r.layer[0].trusted && !r.ok);
	msg_report_free(&r);
	free(m);
}

Test(msg, a_new_certificate_for_a_pinned_address_is_changed, .init = people, .fini = people_done)
{
	struct msg_report r;
	EVP_PKEY *k2;
	X509 *sam2 = mkcert("email:Sam@Example.org", &k2);
	char old[FPR_COLON_LEN], *m;

	place_peer(sam, 1);
	fpr_cert_colon(sam, old);
	m = message("sam@example.org", signed_entity(sam2, k2, strdup(TEXT), 0));
	read_ok(m, NULL, &r);
	cr_expect(r.layer[0].sig == SIG_VALID && r.layer[0].changed && !r.layer[0].trusted &&
		  !r.ok);
	cr_expect_str_eq(r.layer[0].known_fpr, old);
	msg_report_free(&r);
	free(m);
	X509_free(sam2);
	EVP_PKEY_free(k2);
}

Test(msg, own_sent_copy_is_trusted, .init = people, .fini = people_done)
{
	struct msg_report r;
	char *m = message("alice@example.org", signed_entity(me, me_key, strdup(TEXT), 0));

	read_ok(m, NULL, &r);
	cr_expect(r.layer[0].own && r.layer[0].trusted && r.ok);
	msg_report_free(&r);
	free(m);
}

Test(msg, signer_not_the_sender, .init = people, .fini = people_done)
{
	struct msg_report r;
	char *m = message("mallory@example.org", signed_entity(sam, sam_key, strdup(TEXT), 0));

	place_peer(sam, 1);
	read_ok(m, NULL, &r);
	cr_expect(r.layer[0].sig == SIG_VALID && r.layer[0].trusted && r.layer[0].from_mismatch &&
		  !r.ok);
	msg_report_free(&r);
	free(m);
}

Test(msg, certificate_expired_at_signing, .init = people, .fini = people_done)
{
	struct cf_spec s = {.key = CF_EC,
			    .san = "email:old@example.org",
			    .not_before = -86400L * 400,
			    .days = 30};
	struct msg_report r;
	EVP_PKEY *k;
	X509 *old = cf_cert(&s, time(NULL), &k);
	char *m = message("old@example.org", signed_entity(old, k, strdup(TEXT), 0));

	place_peer(old, 1);
	read_ok(m, NULL, &r);
	cr_expect(r.layer[0].sig == SIG_VALID && r.layer[0].expired_at_signing && !r.ok);
	cr_expect_neq(r.layer[0].signed_at[0], '\0');
	msg_report_free(&r);
	free(m);
	X509_free(old);
	EVP_PKEY_free(k);
}

Test(msg, tampered_body_is_invalid, .init = people, .fini = people_done)
{
	struct msg_report r;
	char *m = message("sam@example.org", signed_entity(sam, sam_key, strdup(TEXT), 0)),
	     *p = strstr(m, "Hello");

	place_peer(sam, 1);
	*p = 'J';
	read_ok(m, NULL, &r);
	cr_expect_eq(r.layer[0].sig, SIG_INVALID);
	cr_expect_str_eq(r.layer[0].note, "the content was changed after signing");
	cr_expect(!r.ok && strstr(r.text, "Jello") != NULL);
	msg_report_free(&r);
	free(m);
}

/* The signature value is the last element of the SignerInfo. */
static void
flip_signature(unsigned char *der, size_t n)
{
	der[n - 20] ^= 0x01;
}

Test(msg, tampered_signature_is_invalid, .init = people, .fini = people_done)
{
	struct msg_report r;
	char *m = message("sam@example.org",
			  signed_ex(sam, sam_key, strdup(TEXT), 0, flip_signature));

	read_ok(m, NULL, &r);
	cr_expect_eq(r.layer[0].sig, SIG_INVALID, "%s", r.layer[0].note);
	cr_expect_str_eq(r.layer[0].note, "the signature does not match: it was damaged or forged");
	msg_report_free(&r);
	free(m);
}

/* SignedData's list of digest algorithms comes first, before the
 * SignerInfo's own: the first SHA-256 identifier made unknown
 * (2.16.840.1.101.3.4.2.127) fails only when the content is digested. */
static void
unknown_digest(unsigned char *der, size_t n)
{
	static const unsigned char sha256[] = {0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
					       0x65, 0x03, 0x04, 0x02, 0x01};
	unsigned char *at = memmem(der, n, sha256, sizeof sha256);

	cr_assert_not_null(at);
	at[sizeof sha256 - 1] = 0x7f;
}

Test(msg, unknown_digest_algorithm_is_uncheckable, .init = people, .fini = people_done)
{
	struct msg_report r;
	char *m = message("sam@example.org",
			  signed_ex(sam, sam_key, strdup(TEXT), 0, unknown_digest));

	place_peer(sam, 1);
	read_ok(m, NULL, &r);
	cr_expect(r.n_layers == 1 && r.layer[0].sig == SIG_UNCHECKABLE && !r.ok, "%s",
		  r.layer[0].note);
	cr_expect(strncmp(r.layer[0].note, "the signature cannot be checked (", 33) == 0, "%s",
		  r.layer[0].note);
	cr_expect(strstr(r.text, "Hello") != NULL);
	msg_report_free(&r);
	free(m);
}

/* The signer's certificate swapped for one with the same names and serial
 * but another key (an impostor's). */
static X509 *impostor;

static void
swap_cert(unsigned char *der, size_t n)
{
	unsigned char *a = NULL, *b = NULL, *at;
	int an = i2d_X509(sam, &a), bn = i2d_X509(impostor, &b);

	cr_assert_eq(an, bn, "the impostor certificate must have the same length");
	at = memmem(der, n, a, (size_t)an);
	cr_assert_not_null(at);
	memcpy(at, b, (size_t)bn);
	OPENSSL_free(a);
	OPENSSL_free(b);
}

Test(msg, swapped_signer_certificate_is_invalid, .init = people, .fini = people_done)
{
	struct msg_report r;
	EVP_PKEY *k2 = NULL;
	char *m, sam_fpr[FPR_HEX_LEN];

	X509_free(mkcert("email:x@example.org", &k2));
	impostor = X509_dup(sam);
	X509_set_pubkey(impostor, k2);
	cr_assert_gt(X509_sign(impostor, k2, EVP_sha256()), 0);
	m = message("sam@example.org", signed_ex(sam, sam_key, strdup(TEXT), 0, swap_cert));
	place_peer(impostor, 0);
	read_ok(m, NULL, &r);
	fpr_cert_hex(sam, sam_fpr);
	cr_expect_eq(r.layer[0].sig, SIG_INVALID, "%s", r.layer[0].note);
	cr_expect_str_neq(r.layer[0].signer_hex, sam_fpr);
	cr_expect(!r.ok);
	msg_report_free(&r);
	free(m);
	X509_free(impostor);
	EVP_PKEY_free(k2);
}

/* A correspondent Mallory whose certificate copies Alice's issuer name and
 * serial number (both public), held in the home beside Alice's trusted
 * certificate, first or second in the list: a signer named by issuer and
 * serial is the certificate whose key verifies the signature, never the
 * one that merely carries the same name and number. */
static X509 *alice, *mallory;
static EVP_PKEY *alice_key, *mallory_key;

ParameterizedTestParameters(msg, issuer_and_serial_spoofing)
{
	static int order[] = {0, 1};

	return cr_make_param_array(int, order, 2);
}

/* A message from `from` signed by (c, k), carrying `certs` (and the
 * signer's certificate unless `nocerts`). */
static char *
spoof_msg(const char *from, X509 *c, EVP_PKEY *k, X509 *carry, int nocerts)
{
	STACK_OF(X509) *certs = sk_X509_new_null();
	char *m;

	if (carry != NULL)
		sk_X509_push(certs, carry);
	m = message(from,
		    signed_build(c, k, certs, nocerts ? CMS_NOCERTS : 0, strdup(TEXT), 0, NULL));
	sk_X509_free(certs);
	return m;
}

ParameterizedTest(int *mallory_first, msg, issuer_and_serial_spoofing, .init = people,
		  .fini = people_done)
{
	struct cf_spec ms = {.key = CF_RSA,
			     .bits = 2048,
			     .cn = "Mallory",
			     .san = "email:mallory@example.org"};
	struct cf_spec as = {.key = CF_RSA,
			     .bits = 2048,
			     .cn = "Alice Sender",
			     .san = "email:alice.sender@example.org"};
	char ahex[FPR_HEX_LEN], mhex[FPR_HEX_LEN], line[512];
	const struct msg_layer *l;
	struct msg_report r;
	char *m;

	alice = cf_cert(&as, time(NULL), &alice_key);
	ms.isn_of = alice;
	mallory = cf_cert(&ms, time(NULL), &mallory_key);
	cr_assert_eq(X509_NAME_cmp(X509_get_issuer_name(alice), X509_get_issuer_name(mallory)), 0);
	cr_assert_eq(ASN1_INTEGER_cmp(X509_get0_serialNumber(alice),
				      X509_get0_serialNumber(mallory)),
		     0);
	fpr_cert_hex(alice, ahex);
	fpr_cert_hex(mallory, mhex);
	if (*mallory_first)
		place_peer(mallory, 0);
	place_peer(alice, 1);
	if (!*mallory_first)
		place_peer(mallory, 0);

	/* Alice's genuine message, with her certificate and without it (then
	 * it is found by issuer and serial: Mallory's matches too). */
	for (int nocerts = 0; nocerts < 2; nocerts++) {
		m = spoof_msg("alice.sender@example.org", alice, alice_key, NULL, nocerts);
		read_ok(m, NULL, &r);
		l = &r.layer[0];
		msg_layers_line(&r, line, sizeof line);
		cr_expect_str_eq(line,
				 "signed(SHA-256, by: alice.sender@example.org, valid, trusted)",
				 "nocerts %d", nocerts);
		cr_expect_eq(l->sig, SIG_VALID, "nocerts %d: %s", nocerts, l->note);
		cr_expect_str_eq(l->signer_hex, ahex,
				 "nocerts %d: Alice's message read as signed by another", nocerts);
		cr_expect(l->trusted && l->held && !l->changed && !l->own && !l->from_mismatch,
			  "nocerts %d", nocerts);
		cr_expect(r.ok, "nocerts %d", nocerts);
		msg_report_free(&r);
		free(m);
	}
	/* Alice's genuine message with Mallory's certificate put into its
	 * certificate set on the way (the set is not signed), instead of
	 * hers or beside it. */
	for (int both = 0; both < 2; both++) {
		m = spoof_msg("alice.sender@example.org", alice, alice_key, mallory, !both);
		read_ok(m, NULL, &r);
		l = &r.layer[0];
		cr_expect_eq(l->sig, SIG_VALID, "both %d: %s", both, l->note);
		cr_expect_str_eq(l->signer_hex, ahex,
				 "both %d: a certificate added on the way took Alice's signature",
				 both);
		cr_expect(l->trusted && r.ok, "both %d", both);
		msg_report_free(&r);
		free(m);
	}
	/* Mallory's own message, with his certificate and without it. */
	for (int nocerts = 0; nocerts < 2; nocerts++) {
		m = spoof_msg("mallory@example.org", mallory, mallory_key, NULL, nocerts);
		read_ok(m, NULL, &r);
		l = &r.layer[0];
		cr_expect_eq(l->sig, SIG_VALID, "nocerts %d: %s", nocerts, l->note);
		cr_expect_str_eq(l->signer_hex, mhex,
				 "nocerts %d: Mallory's signature named another signer", nocerts);
		cr_expect_str_eq(l->signer, "mallory@example.org");
		cr_expect(!l->trusted && l->held && !l->own, "nocerts %d", nocerts);
		cr_expect(!r.ok, "nocerts %d", nocerts);
		msg_report_free(&r);
		free(m);
	}
	/* Mallory signing as Alice: From her address, carrying nothing, or
	 * carrying Alice's genuine certificate instead of his. */
	for (int v = 0; v < 2; v++) {
		m = spoof_msg("alice.sender@example.org", mallory, mallory_key, v ? alice : NULL,
			      1);
		read_ok(m, NULL, &r);
		l = &r.layer[0];
		cr_expect_str_eq(l->signer_hex, mhex,
				 "variant %d: Mallory's signature taken for Alice's", v);
		cr_expect_eq(l->sig, SIG_VALID, "variant %d: %s", v, l->note);
		cr_expect(!l->trusted && l->from_mismatch && !r.ok, "variant %d", v);
		msg_report_free(&r);
		free(m);
	}
	X509_free(alice);
	X509_free(mallory);
	EVP_PKEY_free(alice_key);
	EVP_PKEY_free(mallory_key);
}

/* The same against the user's own identity: a certificate copying its
 * issuer and serial does not make a message "yours". */
Test(msg, own_issuer_and_serial_spoofed, .init = people, .fini = people_done)
{
	struct cf_spec ms = {.key = CF_RSA,
			     .bits = 2048,
			     .cn = "Mallory",
			     .san = "email:mallory@example.org",
			     .isn_of = NULL};
	char myhex[FPR_HEX_LEN], mhex[FPR_HEX_LEN];
	struct msg_report r;
	char *m;

	ms.isn_of = me;
	mallory = cf_cert(&ms, time(NULL), &mallory_key);
	fpr_cert_hex(me, myhex);
	fpr_cert_hex(mallory, mhex);
	m = spoof_msg("alice@example.org", mallory, mallory_key, NULL, 0);
	read_ok(m, NULL, &r);
	cr_expect_eq(r.layer[0].sig, SIG_VALID, "%s", r.layer[0].note);
	cr_expect_str_eq(r.layer[0].signer_hex, mhex);
	cr_expect(!r.layer[0].own && !r.layer[0].trusted && !r.ok);
	msg_report_free(&r);
	free(m);
	/* The genuine one still reads as yours. */
	m = spoof_msg("alice@example.org", me, me_key, NULL, 1);
	read_ok(m, NULL, &r);
	cr_expect_eq(r.layer[0].sig, SIG_VALID, "%s", r.layer[0].note);
	cr_expect_str_eq(r.layer[0].signer_hex, myhex);
	cr_expect(r.layer[0].own && r.ok);
	msg_report_free(&r);
	free(m);
	X509_free(mallory);
	EVP_PKEY_free(mallory_key);
}

/* With the program's secure heap set up (xsecure_heap_init: each
 * Criterion test runs in a process of its own), a plaintext larger than
 * the heap is still read, from ordinary memory, and nothing of the
 * secure heap stays in use after the report is freed. */
Test(msg, secure_heap_holds_what_fits, .init = people, .fini = people_done)
{
	size_t big = 3 * XSECURE_HEAP_SIZE / 2, before;
	struct msg_report r;
	char *text = malloc(big + 1), *m;

	cr_assert_eq(xsecure_heap_init(), 1);
	cr_assert(CRYPTO_secure_malloc_initialized());
	for (size_t i = 0; i < big; i++)
		text[i] = (i + 1) % 64 == 0 ? '\n' : (char)('a' + i % 26);
	text[big] = '\0';
	before = CRYPTO_secure_used();
	for (int v = 0; v < 2; v++) {
		/* Small: in the secure heap; large: beyond it. */
		char *t = v ? strdup(text) : strdup(TEXT);

		m = message("sam@example.org", enveloped_entity(me, NULL, t, EVP_aes_256_cbc()));
		read_ok(m, PASS, &r);
		cr_expect(r.layer[0].opened, "v %d: %s", v, r.layer[0].note);
		cr_expect_not_null(r.text);
		if (v)
			cr_expect_eq(strlen(r.text), big);
		msg_report_free(&r);
		free(m);
	}
	cr_expect_eq(CRYPTO_secure_used(), before, "decrypted data left in the secure heap");
	free(text);
}

Test(msg, the_four_kinds, .init = people, .fini = people_done)
{
	struct msg_report r;
	char line[512], *m;

	place_peer(sam, 1);
	m = message("sam@example.org", strdup(TEXT));
	read_ok(m, PASS, &r);
	cr_expect(r.kind == KIND_PLAIN && r.ok && r.n_layers == 0);
	msg_report_free(&r);
	free(m);
	m = message("sam@example.org", enveloped_entity(me, sam, strdup(TEXT), EVP_aes_256_cbc()));
	read_ok(m, PASS, &r);
	msg_layers_line(&r, line, sizeof line);
	cr_expect_str_eq(line, "enveloped(AES-256-CBC, to: you, sam@example.org)");
	cr_expect(r.kind == KIND_ENCRYPTED && r.ok &&
		  strcmp(r.text, "Hello Alice, this is Sam.\n") == 0);
	msg_report_free(&r);
	free(m);
	/* Sign first, then encrypt. */
	m = message("sam@example.org",
		    enveloped_entity(me, NULL, signed_entity(sam, sam_key, strdup(TEXT), 0),
				     EVP_aes_256_cbc()));
	read_ok(m, PASS, &r);
	msg_layers_line(&r, line, sizeof line);
	cr_expect_str_eq(line,
			 "enveloped(AES-256-CBC, to: you) > signed(SHA-256, by: sam@example.org, valid, trusted)");
	cr_expect(r.kind == KIND_SIGNED_ENCRYPTED && r.ok);
	msg_report_free(&r);
	free(m);
	/* Encrypt, then sign (the envelope inside the signature). */
	m = message("sam@example.org",
		    signed_entity(sam, sam_key,
				  enveloped_entity(me, NULL, strdup(TEXT), EVP_aes_128_cbc()), 1));
	read_ok(m, PASS, &r);
	cr_expect(r.kind == KIND_SIGNED_ENCRYPTED && r.ok && r.n_layers == 2);
	msg_report_free(&r);
	free(m);
}

Test(msg, aes_gcm_and_ecdh_envelopes, .init = people, .fini = people_done)
{
	struct cf_spec s = {.key = CF_EC, .san = "email:alice@example.org"};
	struct msg_report r;
	EVP_PKEY *eck;
	X509 *ec = cf_cert(&s, time(NULL), &eck);
	char *m;

	m = message("sam@example.org", enveloped_entity(me, NULL, strdup(TEXT), EVP_aes_256_gcm()));
	read_ok(m, PASS, &r);
	cr_expect(r.n_layers == 1 && r.layer[0].kind == LAYER_AUTH_ENVELOPED && r.layer[0].opened,
		  "%s", r.layer[0].note);
	cr_expect_str_eq(r.layer[0].alg, "AES-256-GCM");
	cr_expect(r.kind == KIND_ENCRYPTED && r.ok);
	msg_report_free(&r);
	free(m);
	/* An EC identity: key agreement (kari) instead of key transport. */
	place_identity(ec, eck, 1);
	m = message("sam@example.org", enveloped_entity(ec, NULL, strdup(TEXT), EVP_aes_128_cbc()));
	read_ok(m, PASS, &r);
	cr_expect(r.layer[0].opened && r.layer[0].opened_with_archived, "%s", r.layer[0].note);
	cr_expect_str_eq(r.layer[0].recipients, "you");
	msg_report_free(&r);
	free(m);
	X509_free(ec);
	EVP_PKEY_free(eck);
}

Test(msg, not_for_me_lists_the_recipients, .init = people, .fini = people_done)
{
	struct msg_report r;
	char *m = message("sam@example.org",
			  enveloped_entity(sam, NULL, strdup(TEXT), EVP_aes_256_cbc()));

	place_peer(sam, 0);
	read_ok(m, PASS, &r);
	cr_expect(!r.layer[0].opened && !r.ok && r.kind == KIND_ENCRYPTED);
	cr_expect_str_eq(r.layer[0].note, "it is not addressed to you: it is for sam@example.org");
	cr_expect_null(strstr(r.text ? r.text : "", "Hello"));
	msg_report_free(&r);
	free(m);
}

Test(msg, passphrase_missing_wrong_or_asked_only_when_needed, .init = people, .fini = people_done)
{
	struct err e = ERR_INIT;
	struct msg_report r;
	char *enc = message("sam@example.org",
			    enveloped_entity(me, NULL, strdup(TEXT), EVP_aes_256_cbc()));
	char *sig = message("sam@example.org", signed_entity(sam, sam_key, strdup(TEXT), 0));
	unsigned asked;

	/* No way to unlock a key at all. */
	{
		struct msg_ctx ctx = {NULL, NULL, NULL, NULL, 0};
		struct home hh = {0};
		struct state *st;

		ctx.now = now;
		cr_assert_eq(home_open(&hh, dir, HOME_READ, &e), 0, "%s", e.msg);
		cr_assert_eq(state_load(&hh, &st, &e), 0, "%s", e.msg);
		ctx.h = &hh;
		ctx.st = st;
		cr_assert_eq(msg_open(&ctx, (unsigned char *)enc, strlen(enc), &r, &e), 0, "%s",
			     e.msg);
		cr_expect_str_eq(r.layer[0].note, "a passphrase is needed to open it");
		cr_expect(!r.layer[0].opened && !r.ok);
		msg_report_free(&r);
		state_free(st);
		home_close(&hh);
	}
	/* None to be had: the layer says why, the message is still read. */
	cr_assert_eq(open_msg_ex((unsigned char *)enc, strlen(enc), NULL, &r, &asked, &e), 0, "%s",
		     e.msg);
	cr_expect_str_eq(r.layer[0].note, "no passphrase was given");
	cr_expect(!r.layer[0].opened && !r.ok);
	cr_expect_eq(asked, 1);
	msg_report_free(&r);
	read_ok(enc, "wrong passphrase entirely", &r);
	cr_expect_str_eq(r.layer[0].note, "the passphrase does not unlock your key");
	cr_expect(!r.layer[0].opened && !r.ok);
	msg_report_free(&r);
	cr_assert_eq(open_msg_ex((unsigned char *)sig, strlen(sig), PASS, &r, &asked, &e), 0, "%s",
		     e.msg);
	cr_expect_eq(asked, 0, "asked for a passphrase without an envelope");
	msg_report_free(&r);
	cr_assert_eq(open_msg_ex((unsigned char *)enc, strlen(enc), PASS, &r, &asked, &e), 0, "%s",
		     e.msg);
	cr_expect_eq(asked, 1);
	cr_expect(r.layer[0].opened);
	msg_report_free(&r);
	/* The read operation fails with the passphrase's error, and says
	 * what kind it is. */
	{
		char *path = path_join(base, "enc.eml");
		struct tu_pass tp = {{[PASS_KEY] = "wrong passphrase entirely"}, {0}};
		struct session *s = session_new(dir);
		struct pass_ask ask;
		char *before = tu_tree_hash(dir), *after;

		tu_write(path, enc, strlen(enc));
		tu_pass_ask(&ask, &tp);
		err_clear(&e);
		cr_assert_eq(op_read(s, path, now, &ask, &r, &e), -1);
		cr_expect_eq(e.code, ERR_BAD_PASS);
		cr_expect_str_eq(e.msg, "the passphrase does not unlock your key");
		tp.pass[PASS_KEY] = NULL;
		err_clear(&e);
		session_forget_keys(s);
		cr_assert_eq(op_read(s, path, now, &ask, &r, &e), -1);
		cr_expect_eq(e.code, ERR_USAGE, "code %d: %s", e.code, e.msg);
		tp.pass[PASS_KEY] = PASS;
		err_clear(&e);
		cr_assert_eq(op_read(s, path, now, &ask, &r, &e), 0, "%s", e.msg);
		cr_expect(r.ok && r.layer[0].opened);
		msg_report_free(&r);
		after = tu_tree_hash(dir);
		cr_assert_str_eq(before, after, "reading changed the home");
		free(before);
		free(after);
		session_close(s);
		free(path);
	}
	free(enc);
	free(sig);
}

Test(msg, archived_identity_opens_old_mail, .init = people, .fini = people_done)
{
	struct msg_report r;
	EVP_PKEY *k2;
	X509 *newer = mkcert("email:alice@example.org", &k2);
	char hex[FPR_HEX_LEN],
		*m = message("sam@example.org",
			     enveloped_entity(me, NULL, strdup(TEXT), EVP_aes_256_cbc()));

	/* Alice replaced her credential: the first one is now archived. */
	archive_current();
	place_identity(newer, k2, 0);
	read_ok(m, PASS, &r);
	fpr_cert_hex(me, hex);
	cr_expect(r.layer[0].opened && r.layer[0].opened_with_archived);
	cr_expect_str_eq(r.layer[0].opened_with, hex);
	msg_report_free(&r);
	free(m);
	X509_free(newer);
	EVP_PKEY_free(k2);
}

Test(msg, truncated_base64_is_a_damaged_layer, .init = people, .fini = people_done)
{
	struct msg_report r;
	char *enc = message("sam@example.org",
			    enveloped_entity(me, NULL, strdup(TEXT), EVP_aes_256_cbc()));
	char *sig = message("sam@example.org", signed_entity(sam, sam_key, strdup(TEXT), 0));

	enc[strlen(enc) * 2 / 3] = '\0';
	read_ok(enc, PASS, &r);
	cr_expect(r.n_layers == 1 && !r.layer[0].opened && !r.ok);
	cr_expect_str_eq(r.layer[0].note,
			 "the S/MIME part is damaged or cut short: it cannot be read");
	msg_report_free(&r);
	/* Cut inside the signature part: the final boundary is gone too. */
	sig[strlen(sig) - 200] = '\0';
	read_ok(sig, PASS, &r);
	cr_expect(r.n_layers == 1 && r.layer[0].sig == SIG_UNCHECKABLE && !r.ok);
	cr_expect(strstr(r.text, "Hello Alice") != NULL);
	msg_report_free(&r);
	free(enc);
	free(sig);
}

Test(msg, not_a_message, .init = setup, .fini = teardown)
{
	static const struct {
		const char *data;
		size_t len;
		const char *why;
	} bad[] = {
		{"", 0, "the file is empty: it is not a mail message"},
		{"Subject: x\0y\r\n\r\nbody", 20,
		 "the file has NUL bytes in its header lines: it is not a mail message"},
		{"Just some text\nwithout any headers\n", 35,
		 "the file does not start with header lines (From:, To:, Subject: ...): it is not a mail message"},
		{"\x30\x82\x01\x00garbage", 11,
		 "the file does not start with header lines (From:, To:, Subject: ...): it is not a mail message"},
		{"\r\n\r\nbody only", 13,
		 "the file does not start with header lines (From:, To:, Subject: ...): it is not a mail message"},
	};
	unsigned char noise[4096];

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct err e = ERR_INIT;
		struct msg_report r;

		cr_expect_eq(open_msg((const unsigned char *)bad[i].data, bad[i].len, PASS, &r, &e),
			     -1, "case %zu", i);
		cr_expect_str_eq(e.msg, bad[i].why, "case %zu", i);
	}
	for (size_t i = 0; i < sizeof noise; i++)
		noise[i] = (unsigned char)(i * 7919 % 251);
	for (size_t n = 1; n < sizeof noise; n = n * 3 + 1) {
		struct err e = ERR_INIT;
		struct msg_report r;

		if (open_msg(noise, n, PASS, &r, &e) == 0)
			msg_report_free(&r);
	}
}

static char *
nested_mixed(int levels)
{
	char *m = strdup("Content-Type: text/plain\r\n\r\ndeep\r\n"), *next;

	for (int i = 0; i < levels; i++) {
		cr_assert_geq(asprintf(&next,
				       "Content-Type: multipart/mixed; boundary=\"d%d\"\r\n\r\n--d%d\r\n%s\r\n--d%d--\r\n",
				       i, i, m, i),
			      0);
		free(m);
		m = next;
	}
	return message("a@example.org", m);
}

Test(msg, nesting_limits, .init = people, .fini = people_done)
{
	struct err e = ERR_INIT;
	struct msg_report r;
	char *m = nested_mixed(MIME_MAX_DEPTH - 2);

	read_ok(m, NULL, &r);
	cr_expect_str_eq(r.text, "deep\n");
	msg_report_free(&r);
	free(m);
	m = nested_mixed(MIME_MAX_DEPTH + 8);
	cr_expect_eq(open_str(m, NULL, &r, &e), -1);
	cr_expect_str_eq(e.msg,
			 "the message is nested more than 32 levels deep; padseal stops there");
	free(m);
	/* Nine signatures inside each other: more layers than a report holds. */
	m = strdup(TEXT);
	for (int i = 0; i <= MSG_MAX_LAYERS; i++)
		m = signed_entity(sam, sam_key, m, 1);
	m = message("sam@example.org", m);
	err_clear(&e);
	cr_expect_eq(open_str(m, NULL, &r, &e), -1);
	cr_expect_str_eq(e.msg,
			 "the message has more than 8 S/MIME layers inside each other; padseal stops there");
	free(m);
}

Test(msg, bare_cms_is_one_layer, .init = people, .fini = people_done)
{
	struct msg_report r;
	BIO *in = BIO_new_mem_buf(TEXT, -1);
	CMS_ContentInfo *cms = CMS_sign(sam, sam_key, NULL, in, CMS_BINARY);
	unsigned char *der;
	size_t n;
	char *text;

	cr_assert_not_null(cms);
	der = der_of(cms, &n);
	text = b64(der, n);
	for (int v = 0; v < 2; v++) {
		struct err e = ERR_INIT;

		cr_assert_eq(open_msg(v ? (unsigned char *)text : der, v ? strlen(text) : n, NULL,
				      &r, &e),
			     0, "%s", e.msg);
		cr_expect(r.n_layers == 1 && r.layer[0].opaque && r.layer[0].sig == SIG_VALID);
		cr_expect_str_eq(r.text, "Hello Alice, this is Sam.\n");
		cr_expect_str_eq(r.from, "");
		msg_report_free(&r);
	}
	OPENSSL_free(der);
	free(text);
	CMS_ContentInfo_free(cms);
	BIO_free(in);
}

/* A 200 MB attachment: read finishes, with memory near one copy of the
 * file (it is never decoded: only text parts are). */
Test(msg, huge_attachment, .init = setup, .fini = teardown, .timeout = 120)
{
	static const char head[] =
		"From: big@example.org\r\nTo: alice@example.org\r\nSubject: big\r\nMIME-Version: 1.0\r\n"
		"Content-Type: multipart/mixed; boundary=\"big\"\r\n\r\n--big\r\nContent-Type: text/plain\r\n\r\nSee the attachment.\r\n"
		"--big\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=\"disk.img\"\r\n"
		"Content-Transfer-Encoding: base64\r\n\r\n";
	struct err e = ERR_INIT;
	struct msg_report r;
	struct rusage ru;
	char *path = path_join(base, "big.eml"), line[78];
	unsigned char *buf;
	size_t len;
	long before;
	FILE *f = fopen(path, "wb");

	cr_assert_not_null(f);
	fputs(head, f);
	for (int i = 0; i < 76; i++)
		line[i] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"[(i *
											      13) %
											     64];
	line[76] = '\r', line[77] = '\n';
	for (long i = 0; i < 200L * 1024 * 1024 / 57; i++)
		cr_assert_eq(fwrite(line, 1, sizeof line, f), sizeof line);
	fputs("--big--\r\n", f);
	cr_assert_eq(fclose(f), 0);
	/* Read it in one piece of the right size, then measure the reading. */
	f = fopen(path, "rb");
	cr_assert(f != NULL && fseek(f, 0, SEEK_END) == 0);
	len = (size_t)ftell(f);
	rewind(f);
	buf = malloc(len);
	cr_assert(buf != NULL && fread(buf, 1, len, f) == len);
	fclose(f);
	getrusage(RUSAGE_SELF, &ru);
	before = ru.ru_maxrss;
	cr_assert_eq(open_msg(buf, len, NULL, &r, &e), 0, "%s", e.msg);
	cr_expect_str_eq(r.parts, "text/plain, 1 attachment: disk.img");
	cr_expect_str_eq(r.text, "See the attachment.");
	cr_expect(r.ok && r.kind == KIND_PLAIN);
	getrusage(RUSAGE_SELF, &ru);
	cr_expect_lt((ru.ru_maxrss - before) * 1024L, (long)len / 8,
		     "reading used %ld KiB for a %zu byte file", ru.ru_maxrss - before, len);
	msg_report_free(&r);
	free(buf);
	free(path);
}

Test(msg, layers_line_forms, .init = setup, .fini = teardown)
{
	struct msg_report r = {0};
	char line[512];

	msg_layers_line(&r, line, sizeof line);
	cr_expect_str_eq(line, "plain");
	r.pgp = 1;
	msg_layers_line(&r, line, sizeof line);
	cr_expect_str_eq(line, "plain (with an OpenPGP signature, not checked)");
	r.n_layers = 3;
	r.layer[0] = (struct msg_layer){.kind = LAYER_SIGNED,
					.alg = "SHA-1",
					.sig = SIG_VALID,
					.signer = "a@x",
					.sha1 = 1,
					.changed = 1};
	r.layer[1] = (struct msg_layer){.kind = LAYER_AUTH_ENVELOPED,
					.alg = "AES-128-GCM",
					.recipients = "you",
					.opened = 1,
					.opened_with_archived = 1};
	r.layer[2] = (struct msg_layer){.kind = LAYER_SIGNED, .alg = "SHA-256", .sig = SIG_INVALID};
	msg_layers_line(&r, line, sizeof line);
	cr_expect_str_eq(line,
			 "signed(SHA-1, by: a@x, valid, changed, SHA-1) > authenveloped(AES-128-GCM, to: you, opened with an archived key) > signed(SHA-256, by: unknown, invalid)");
	msg_layers_line(&r, line, 20);
	cr_expect_eq(strlen(line), 19);
}

/* --- the streamed read: the same report as the whole read ---------------- */

/* Everything a person is shown of a report, in one string. */
static char *
report_text(struct msg_report *r)
{
	char line[1024], *out = NULL, more[4096];
	size_t n, len = 0;
	FILE *f = open_memstream(&out, &len);

	msg_layers_line(r, line, sizeof line);
	fprintf(f, "%s|%d|%d|%s|%s|%s|%s|%zu\n", line, r->kind, r->ok, r->from, r->to, r->subject,
		r->parts, r->outside);
	for (size_t i = 0; i < r->n_layers; i++)
		fprintf(f, "%d %d %s %s %d %d %s|%s\n", r->layer[i].kind, r->layer[i].sig,
			r->layer[i].signer_hex, r->layer[i].alg, r->layer[i].opened,
			r->layer[i].trusted, r->layer[i].recipients, r->layer[i].note);
	fputs(r->text ? r->text : "(null)", f);
	while ((n = msg_text_more(r, more, sizeof more)) > 0)
		fwrite(more, 1, n, f);
	fclose(f);
	return out;
}

/* A text/plain entity of `n` bytes: lines of up to 70, CRLF or LF. */
static char *
text_entity(size_t n, int lf)
{
	const char *hdr = lf ? "Content-Type: text/plain; charset=utf-8\n\n" :
			       "Content-Type: text/plain; charset=utf-8\r\n\r\n";
	size_t hl = strlen(hdr);
	char *t = malloc(hl + n + 1);

	memcpy(t, hdr, hl);
	for (size_t i = 0; i < n; i++) {
		size_t col = i % 71;

		t[hl + i] = col == 70 ? '\n' : col == 69 && !lf ? '\r' : (char)('a' + i % 23);
		if (i % 997 == 5)
			t[hl + i] = (char)0xc3; /* a UTF-8 sequence cut by the line end */
	}
	t[hl + n] = '\0';
	return t;
}

static char *
shape(int k, char *inner)
{
	switch (k) {
	case 0: return signed_entity(sam, sam_key, inner, 0);
	case 1: return signed_entity(sam, sam_key, inner, 1);
	case 2: return enveloped_entity(me, NULL, inner, EVP_aes_256_cbc());
	case 3:
		return enveloped_entity(me, NULL, signed_entity(sam, sam_key, inner, 0),
					EVP_aes_256_cbc());
	case 4:
		return enveloped_entity(me, NULL, signed_entity(sam, sam_key, inner, 1),
					EVP_aes_128_cbc());
	default: { /* text without a header block, as `openssl cms -sign` signs a file */
		char *bare = strdup(strstr(inner, "\n\n") ? strstr(inner, "\n\n") + 2 :
							    strstr(inner, "\r\n\r\n") + 4);

		free(inner);
		return enveloped_entity(me, NULL, signed_entity(sam, sam_key, bare, 0),
					EVP_aes_256_cbc());
	}
	}
}

/* Every shape the streamed read takes (signed, opaque signed, encrypted,
 * both ways round), texts of 0 and 1 bytes, one base64 line, and larger
 * than the stages' buffers, CRLF and LF, handed on in pieces of every
 * size from 1 byte: the report (layers, verdicts, notes, text) is the
 * one msg_open makes, and the stream did not give up on it. */
Test(msg, streamed_read_is_the_whole_read, .init = people, .fini = people_done, .timeout = 300)
{
	static const size_t sizes[] = {0, 1, 57, 200, 70000};
	static const size_t steps[] = {1, 2, 3, 5, 7, 13, 64, 1000, 65536, 1u << 22};
	struct err e = ERR_INIT;
	struct msg_report r;

	place_peer(sam, 1);
	for (int k = 0; k < 6; k++)
		for (size_t si = 0; si < sizeof sizes / sizeof sizes[0]; si++)
			for (int lf = 0; lf < 2; lf++) {
				char *m = message("sam@example.org",
						  shape(k, text_entity(sizes[si], lf)));
				char *want, *got;

				stream_step = 0;
				cr_assert_eq(open_str(m, PASS, &r, &e), 0, "%s", e.msg);
				want = report_text(&r);
				cr_expect(r.n_layers > 0);
				msg_report_free(&r);
				for (size_t st = 0; st < sizeof steps / sizeof steps[0]; st++) {
					if (sizes[si] > 1000 && steps[st] < 7)
						continue;
					stream_step = steps[st];
					if (open_str(m, PASS, &r, &e) != 0) {
						cr_expect_fail("shape %d size %zu lf %d step %zu: %s",
							       k, sizes[si], lf, steps[st], e.msg);
						break;
					}
					got = report_text(&r);
					cr_expect_str_eq(got, want,
							 "shape %d size %zu lf %d step %zu", k,
							 sizes[si], lf, steps[st]);
					free(got);
					msg_report_free(&r);
				}
				stream_step = 0;
				free(want);
				free(m);
			}
}

/* Text in another transfer encoding or charset, `n` bytes of body: the
 * pattern of `kind` repeated and cut anywhere, so that escapes, soft line
 * breaks, blanks before a line end and multibyte or shifted sequences fall
 * on every boundary and at the very end. */
static char *
coded_entity(int kind, size_t n, int lf)
{
	static const struct {
		const char *hdr, *pat;
	} kinds[] = {
		{"text/plain; charset=utf-8\nContent-Transfer-Encoding: quoted-printable",
		 "caf=C3=A9 =c3=a9t=C3=\n=\nsoft  =  \ntrail \t \n= not=ZZ =3D=\nx=\n"},
		{"text/plain; charset=iso-8859-1\nContent-Transfer-Encoding: 8bit",
		 "caf\xe9 na\xefve \xa9\n\x80\xff \n"},
		{"text/plain; charset=iso-2022-jp\nContent-Transfer-Encoding: 7bit",
		 "a \x1b$B$3$s\x1b(B b\n\x1b$B$K\x1b(B\n"},
		{"text/plain; charset=windows-1252\nContent-Transfer-Encoding: quoted-printable",
		 "=93quoted=94 =80 5 =E9t=E9=\n and =\n more\n"},
		{"text/plain; charset=x-no-such-charset", "plain \xc3\xa9 \xff\n"},
	};
	const char *pat = kinds[kind].pat;
	size_t pl = strlen(pat), hl;
	char hdr[256], *t;

	snprintf(hdr, sizeof hdr, "Content-Type: %s\n\n", kinds[kind].hdr);
	hl = strlen(hdr);
	t = malloc(2 * (hl + n) + 2);
	for (size_t i = 0, o = 0;; i++) { /* the header's line ends as the body's */
		if (i == hl) {
			t[o] = '\0';
			hl = o;
			break;
		}
		if (hdr[i] == '\n' && !lf)
			t[o++] = '\r';
		t[o++] = hdr[i];
	}
	for (size_t i = 0, o = hl; i < n; i++) { /* n bytes, CR-LF counted as one */
		if (pat[i % pl] == '\n' && !lf)
			t[o++] = '\r';
		t[o++] = pat[i % pl];
		t[o] = '\0';
	}
	return t;
}

/* Quoted-printable, charsets other than UTF-8, a charset iconv does not
 * know: the streamed read takes them too (it does not give up on them),
 * and its text is the whole read's, however the input is cut. */
Test(msg, streamed_read_of_other_encodings, .init = people, .fini = people_done, .timeout = 300)
{
	static const size_t sizes[] = {1, 57, 200, 70000};
	static const size_t steps[] = {1, 2, 3, 5, 7, 13, 64, 1000, 65536, 1u << 22};
	static const int shapes[] = {0, 3};
	struct err e = ERR_INIT;
	struct msg_report r;

	place_peer(sam, 1);
	for (int kind = 0; kind < 5; kind++)
		for (size_t k = 0; k < sizeof shapes / sizeof shapes[0]; k++)
			for (size_t si = 0; si < sizeof sizes / sizeof sizes[0]; si++)
				for (int lf = 0; lf < 2; lf++) {
					char *m = message("sam@example.org",
							  shape(shapes[k],
								coded_entity(kind, sizes[si], lf)));
					char *want, *got;

					stream_step = 0;
					cr_assert_eq(open_str(m, PASS, &r, &e), 0, "%s", e.msg);
					want = report_text(&r);
					/* Signed as CR-LF (signed_build signs the bytes as
					 * they are): only those verify. */
					cr_expect(lf || r.ok, "kind %d shape %d size %zu: not ok",
						  kind, shapes[k], sizes[si]);
					msg_report_free(&r);
					for (size_t st = 0; st < sizeof steps / sizeof steps[0];
					     st++) {
						if (sizes[si] > 1000 && steps[st] < 7)
							continue;
						stream_step = steps[st];
						if (open_str(m, PASS, &r, &e) != 0) {
							cr_expect_fail("kind %d shape %d size %zu lf %d step %zu: %s",
								       kind, shapes[k], sizes[si],
								       lf, steps[st], e.msg);
							break;
						}
						got = report_text(&r);
						cr_expect_str_eq(got, want,
								 "kind %d shape %d size %zu lf %d step %zu",
								 kind, shapes[k], sizes[si], lf,
								 steps[st]);
						free(got);
						msg_report_free(&r);
					}
					stream_step = 0;
					free(want);
					free(m);
				}
}

/* Changed at the start, the middle or the end: the streamed read says
 * what the whole read says (invalid, or not opened: then the text is
 * dropped), and the report is not ok; the text it keeps is never claimed
 * valid. */
Test(msg, streamed_read_of_tampered_messages, .init = people, .fini = people_done, .timeout = 300)
{
	struct err e = ERR_INIT;
	struct msg_report r;
	int rc;

	place_peer(sam, 1);
	for (int k = 0; k < 5; k++)
		for (int where = 0; where < 3; where++) {
			char *m = message("sam@example.org", shape(k, text_entity(70000, 0)));
			char *body = strstr(m, "\r\n\r\n") + 4, *want, *got;
			size_t n = strlen(body), at;

			/* A base64 or text character: shapes 0 and 3 keep
			 * their text apart from the signature, which ends
			 * the message. */
			at = where == 0 ? n / 50 : where == 1 ? n / 2 : n - n / 40;
			if (k == 0 && where == 2)
				at = n / 3 * 2;
			while (!((body[at] >= 'a' && body[at] <= 'w') ||
				 (body[at] >= 'A' && body[at] <= 'W')))
				at++;
			body[at] = body[at] == 'a' ? 'b' : 'a';
			stream_step = 0;
			cr_assert_eq(open_str(m, PASS, &r, &e), 0, "%s", e.msg);
			want = report_text(&r);
			/* Encrypted only (CBC): nothing can tell, a block is
			 * garbled; the streamed read says the same. */
			cr_expect(k == 2 || !r.ok, "shape %d where %d: a changed message reads ok",
				  k, where);
			msg_report_free(&r);
			stream_step = 4096;
			/* 1: the stream gave up on BER it does not expect
			 * (the content of a garbled envelope); op_read then
			 * reads it whole, as above. */
			rc = open_str(m, PASS, &r, &e);
			cr_assert(rc == 0 || (rc == 1 && !e.set), "shape %d where %d: %s", k, where,
				  e.msg);
			if (rc == 1) {
				stream_step = 0;
				free(want);
				free(m);
				continue;
			}
			got = report_text(&r);
			cr_expect(k == 2 || !r.ok, "shape %d where %d: a changed message reads ok",
				  k, where);
			cr_expect_str_eq(got, want, "shape %d where %d", k, where);
			msg_report_free(&r);
			stream_step = 0;
			free(got);
			free(want);
			free(m);
		}
}
