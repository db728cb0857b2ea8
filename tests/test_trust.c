/* trust: pinning the exact certificate that was verified, and every way
 * trust must NOT be obtained — a second certificate for the address, a
 * certificate from a trusted peer's CA, a changed certificate, lint errors
 * without --force, expiry — plus untrust and the checklist it feeds. */
#include "config.h"

#include <string.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <openssl/x509v3.h>

#include "certfactory.h"
#include "checklist.h"
#include "fileio.h"
#include "fpr.h"
#include "ident.h"
#include "isotime.h"
#include "peer.h"
#include "state.h"
#include "testutil.h"
#include "trust.h"

static char *base, *dir;
static struct home h;
static struct state *st;
static time_t now;

static void
setup(void)
{
	struct err e = ERR_INIT;

	base = tu_tmpdir();
	dir = path_join(base, "home");
	/* A fixed clock: nothing here depends on the second the test runs. */
	now = iso_parse("2026-06-01T12:00:00Z");
	cr_assert_eq(home_open(&h, dir, HOME_WRITE, &e), 0, "%s", e.msg);
	cr_assert_eq(state_load(&h, &st, &e), 0, "%s", e.msg);
}

static void
teardown(void)
{
	state_free(st);
	home_close(&h);
	tu_rmtree(base);
	free(base);
	free(dir);
}

TestSuite(trust, .init = setup, .fini = teardown);

/* A correspondent's certificate for `san` (certfactory profile, EC). */
static X509 *
leaf(const char *san, long not_before, long days)
{
	struct cf_spec s = {.key = CF_EC, .san = san, .not_before = not_before, .days = days};

	return cf_cert(&s, now, NULL);
}

/* Store `cert` as a correspondent's and return its record. */
static const struct st_peer *
store(X509 *cert)
{
	const struct st_peer *p = NULL;
	struct err e = ERR_INIT;
	char hex[FPR_HEX_LEN];
	int added = 0;

	cr_assert_eq(peer_store(&h, st, cert, "test", now, &p, &added, &e), 0, "%s", e.msg);
	cr_assert_eq(added, 1);
	fpr_cert_hex(cert, hex);
	cr_assert_eq(state_peer_by_hex(st, hex), p);
	return p;
}

static int
trust(const struct st_peer *r, const char *method, int force, struct trust_done *done,
      struct err *e)
{
	enum verify_method m = VERIFY_NONE;

	if (method != NULL && verify_method_parse(method, &m) != 0)
		m = VERIFY_NONE;
	return trust_apply(&h, st, r, m, force, now, done, e);
}

/* The checklist of the state as it is. */
static void
build(struct checklist *cl)
{
	struct err e = ERR_INIT;

	cr_assert_eq(checklist_build(&h, st, now, cl, &e), 0, "%s", e.msg);
}

static int
trusted(X509 *cert)
{
	struct trust_status ts;

	trust_status_cert(st, cert, &ts);
	return ts.trusted;
}

/* The state as it would be saved: equal means nothing changed. */
static char *
snapshot(void)
{
	size_t len;

	return state_format(st, &len);
}

/* An identity with a backup, and our certificate sent to every peer: the
 * checklist's next step is then about the correspondents. */
static void
ready_for_peers(void)
{
	static const char *const me[] = {"me@example.org"};
	struct ident_new req = {"Me", me, 1, "p256", 365, 0, 0, 0};
	struct err e = ERR_INIT;
	struct ident id;
	struct st_backup *b;

	cr_assert_eq(ident_create(&h, st, &req, NULL, "correct horse battery staple", now, &id, &e),
		     0, "%s", e.msg);
	b = state_backup_put(st, id.hex, "/backup.p12");
	memcpy(b->at, "2026-01-01T00:00:00Z", 21);
	memcpy(b->compat, "legacy", 7);
	for (size_t i = 0; i < state_n_peers(st); i++)
		memcpy(state_sent_put(st, state_peer(st, i)->addr[0])->at, "2026-01-01T00:00:00Z",
		       21);
	ident_clear(&id);
}

Test(trust, pins_the_exact_certificate_with_method_and_date)
{
	struct err e = ERR_INIT;
	struct trust_done done;
	X509 *sam = leaf("email:sam@example.org", 0, 0);
	const struct st_peer *r = store(sam);
	char at[ISO_TIME_LEN];
	struct checklist cl;

	cr_assert_not(trusted(sam));
	cr_assert_eq(trust(r, "phone", 0, &done, &e), 0, "%s", e.msg);
	iso_time(now, at);
	cr_assert_eq(r->trusted, 1);
	cr_assert_eq(r->verified, VERIFY_PHONE);
	cr_assert_str_eq(r->verified_at, at);
	cr_assert_eq(r->forced, 0);
	cr_assert_str_eq(r->untrusted_at, "");
	cr_assert_not(done.was_trusted || done.was_changed || done.forced || done.n_superseded);
	cr_assert(trusted(sam));

	/* It survives saving and loading; verify and trust are done. */
	cr_assert_eq(state_save(&h, st, &e), 0, "%s", e.msg);
	state_free(st);
	cr_assert_eq(state_load(&h, &st, &e), 0, "%s", e.msg);
	build(&cl);
	cr_assert_eq(cl.n_peers, 1);
	cr_assert(cl.peers[0].step[STEP_VERIFY] && cl.peers[0].step[STEP_TRUST]);
	cr_assert_eq(cl.peers[0].p->verified, VERIFY_PHONE);
	cr_assert(cl.peers[0].trusted);
	cr_assert_not(cl.peers[0].changed || cl.peers[0].duplicate || cl.peers[0].retired);
	checklist_free(&cl);
	X509_free(sam);
}

Test(trust, every_method_and_only_those)
{
	static const char *const ok[] = {"phone", "in-person", "other"};
	struct err e = ERR_INIT;
	struct trust_done done;
	X509 *sam = leaf("email:sam@example.org", 0, 0);
	const struct st_peer *r = store(sam);
	char *before = snapshot(), *after;

	cr_assert_neq(trust(r, "email", 0, &done, &e), 0);
	cr_assert(strstr(e.msg, "phone, in-person or other") != NULL, "%s", e.msg);
	cr_assert_neq(trust(r, NULL, 0, &done, &e), 0);
	after = snapshot();
	cr_assert_str_eq(before, after);
	for (size_t i = 0; i < 3; i++) {
		err_clear(&e);
		cr_assert_eq(trust(r, ok[i], 0, &done, &e), 0, "%s", e.msg);
		cr_assert_str_eq(verify_method_name(r->verified), ok[i]);
		cr_assert_eq(done.was_trusted, i > 0);
	}
	free(before);
	free(after);
	X509_free(sam);
}

Test(trust, second_certificate_for_the_address_is_not_trusted)
{
	struct err e = ERR_INIT;
	struct trust_done done;
	X509 *sam = leaf("email:sam@example.org", 0, 0);
	X509 *other = leaf("email:Sam@Example.org,email:sam@other.example", 0, 0);
	const struct st_peer *r = store(sam), *r2, *got = NULL;
	struct trust_status ts;
	char colon[FPR_COLON_LEN];

	cr_assert_eq(trust(r, "phone", 0, &done, &e), 0, "%s", e.msg);
	r2 = store(other);
	cr_assert_not(trusted(other));
	cr_assert(trusted(sam));
	trust_status_cert(st, other, &ts);
	cr_assert_eq(ts.changed, r);
	trust_status_peer(st, r2, &ts);
	cr_assert_eq(ts.changed, r);
	fpr_cert_colon(sam, colon);
	(void)colon;
	/* The address names the trusted certificate, not the new one. */
	got = peer_resolve(st, "SAM@example.org", &e);
	cr_assert_eq(got, r, "%s", e.msg);
	X509_free(sam);
	X509_free(other);
}

/* A small CA and certificates it issues (real chains, not self-issued). */
static X509 *
issue(X509 *ca, EVP_PKEY *ca_key, EVP_PKEY *key, const char *cn, const char *san, int is_ca)
{
	X509 *x = X509_new();
	X509_NAME *name = X509_NAME_new();
	X509V3_CTX ctx;
	const struct {
		int nid;
		const char *val;
	} ext[] = {
		{NID_basic_constraints, is_ca ? "critical,CA:TRUE" : "critical,CA:FALSE"},
		{NID_key_usage,
		 is_ca ? "critical,keyCertSign,cRLSign" : "critical,digitalSignature,keyAgreement"},
		{NID_ext_key_usage, "emailProtection"},
		{NID_subject_alt_name, san},
		{NID_subject_key_identifier, "hash"},
		{NID_authority_key_identifier, "keyid"},
	};

	cr_assert_not_null(x);
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), (long)(rand() & 0x7fffffff) + 1);
	X509_time_adj_ex(X509_getm_notBefore(x), 0, 0, &now);
	X509_time_adj_ex(X509_getm_notAfter(x), 365, 0, &now);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1, -1, 0);
	X509_set_subject_name(x, name);
	X509_set_issuer_name(x, ca ? X509_get_subject_name(ca) : name);
	X509_set_pubkey(x, key);
	X509V3_set_ctx(&ctx, ca ? ca : x, x, NULL, NULL, 0);
	for (size_t i = 0; i < sizeof ext / sizeof ext[0]; i++) {
		X509_EXTENSION *ex = X509V3_EXT_conf_nid(NULL, &ctx, ext[i].nid, ext[i].val);

		cr_assert_not_null(ex, "extension %d", ext[i].nid);
		X509_add_ext(x, ex, -1);
		X509_EXTENSION_free(ex);
	}
	cr_assert_gt(X509_sign(x, ca ? ca_key : key, EVP_sha256()), 0);
	X509_NAME_free(name);
	return x;
}

Test(trust, never_extends_to_the_ca_or_what_it_issues)
{
	struct cf_spec ec = {.key = CF_EC};
	EVP_PKEY *ca_key = cf_key(&ec), *k1 = cf_key(&ec), *k2 = cf_key(&ec);
	X509 *ca = issue(NULL, ca_key, ca_key, "Sam's CA", "email:ca@example.org", 1);
	X509 *sam = issue(ca, ca_key, k1, "Sam", "email:sam@example.org", 0);
	X509 *sam2 = issue(ca, ca_key, k2, "Sam (laptop)", "email:sam@example.org", 0);
	X509 *eve = issue(ca, ca_key, k2, "Eve", "email:eve@example.org", 0);
	struct err e = ERR_INIT;
	struct trust_done done;
	const struct st_peer *r = store(sam), *rca;

	cr_assert_eq(X509_verify(sam, ca_key), 1);
	cr_assert_eq(trust(r, "in-person", 0, &done, &e), 0, "%s", e.msg);
	store(sam2);
	store(eve);
	cr_assert(trusted(sam));
	cr_assert_not(trusted(sam2));
	cr_assert_not(trusted(eve));
	/* The CA itself is refused (CA:TRUE on a mail certificate) ... */
	rca = store(ca);
	err_clear(&e);
	cr_assert_neq(trust(rca, "phone", 0, &done, &e), 0);
	cr_assert(strstr(e.msg, "will not work for mail") != NULL, "%s", e.msg);
	/* ... and even trusted by force, it vouches for nothing it issued. */
	err_clear(&e);
	cr_assert_eq(trust(rca, "phone", 1, &done, &e), 0, "%s", e.msg);
	cr_assert(trusted(ca));
	cr_assert_not(trusted(sam2));
	cr_assert_not(trusted(eve));
	X509_free(ca);
	X509_free(sam);
	X509_free(sam2);
	X509_free(eve);
	EVP_PKEY_free(ca_key);
	EVP_PKEY_free(k1);
	EVP_PKEY_free(k2);
}

Test(trust, changed_certificate_needs_its_own_verification)
{
	struct err e = ERR_INIT;
	struct trust_done done;
	X509 *old = leaf("email:sam@example.org", 0, 0);
	X509 *renewed = leaf("email:sam@example.org", 0, 0);
	const struct st_peer *r = store(old), *r2;
	char *path, rel[128];
	struct checklist cl;

	cr_assert_eq(trust(r, "phone", 0, &done, &e), 0, "%s", e.msg);
	r2 = store(renewed);
	cr_assert_not(trusted(renewed));
	ready_for_peers();
	build(&cl);
	cr_assert_eq(cl.n_peers, 2);
	cr_assert(cl.peers[1].changed == r && cl.peers[1].duplicate && !cl.peers[1].trusted);
	cr_assert_not(cl.peers[1].step[STEP_VERIFY]);
	cr_assert_null(cl.peers[0].changed);
	cr_assert(cl.peers[0].duplicate);
	cr_assert_eq(cl.next.step, STEP_VERIFY);
	cr_assert_eq(cl.next.peer, 1);
	cr_assert(cl.next.changed);
	/* Named by fingerprint: the address would name the trusted old one. */
	cr_assert(cl.next.by_fingerprint);
	{
		int seen = 0;

		for (size_t i = 0; i < cl.n_problems; i++)
			seen |= cl.problems[i].kind == PROB_PEER_CHANGED &&
				cl.problems[i].peer == 1;
		cr_assert(seen, "no problem names the change");
	}
	checklist_free(&cl);

	/* Verified now (that is what --verified says): trusted, flag gone,
	 * and the old one is no longer trusted, but kept. */
	cr_assert_eq(trust(r2, "phone", 0, &done, &e), 0, "%s", e.msg);
	cr_assert(done.was_changed);
	cr_assert_eq(done.n_superseded, 1);
	cr_assert_str_eq(done.superseded[0], r->hex);
	cr_assert(trusted(renewed));
	cr_assert_not(trusted(old));
	{
		struct trust_status ts;

		trust_status_peer(st, r2, &ts);
		cr_assert_null(ts.changed);
	}
	cr_assert_not(r->trusted);
	cr_assert_str_neq(r->untrusted_at, "");
	cr_assert_str_eq(r->superseded_by, r2->hex);
	snprintf(rel, sizeof rel, PEER_DIR "/%s.pem", r->hex);
	path = home_path(&h, rel);
	cr_assert(path_exists(path), "the old certificate file is gone");
	free(path);
	build(&cl);
	cr_assert(cl.peers[0].retired && !cl.peers[0].duplicate && !cl.peers[0].changed);
	cr_assert(!cl.peers[1].retired && !cl.peers[1].duplicate && !cl.peers[1].changed);
	cr_assert(cl.step[STEP_VERIFY] && cl.step[STEP_TRUST]);
	checklist_free(&cl);
	X509_free(old);
	X509_free(renewed);
}

Test(trust, lint_errors_refused_unless_forced)
{
	struct cf_spec s = {.key = CF_EC, .san = "email:sam@example.org", .ku = ""};
	X509 *bad = cf_cert(&s, now, NULL);
	struct err e = ERR_INIT;
	struct trust_done done;
	const struct st_peer *r = store(bad);
	char *before = snapshot(), *after;

	cr_assert_neq(trust(r, "phone", 0, &done, &e), 0);
	cr_assert(strstr(e.msg,
			 "will not work for mail: the certificate has no Key Usage "
			 "extension, so Apple Mail (macOS 10.12 and later) rejects "
			 "it; it cannot be repaired, only replaced (ku-missing). Ask") != NULL,
		  "%s", e.msg);
	cr_assert(strstr(e.msg, "--force") != NULL, "%s", e.msg);
	after = snapshot();
	cr_assert_str_eq(before, after, "a refused trust changed the state");
	cr_assert_not(trusted(bad));
	err_clear(&e);
	cr_assert_eq(trust(r, "phone", 1, &done, &e), 0, "%s", e.msg);
	cr_assert(done.forced);
	cr_assert_eq(r->forced, 1);
	cr_assert(trusted(bad));
	free(before);
	free(after);
	X509_free(bad);
}

Test(trust, expired_refused_even_with_force)
{
	X509 *old = leaf("email:sam@example.org", -800L * 86400, 30);
	struct err e = ERR_INIT;
	struct trust_done done;
	struct lint_report lint;
	const struct st_peer *r = store(old);
	char *before = snapshot(), *after;

	cr_assert_neq(trust_check(&h, r, 1, now, &lint, &e), 0);
	cr_assert(strstr(e.msg, "expired on") != NULL, "%s", e.msg);
	cr_assert(strstr(e.msg, "not even with --force") != NULL, "%s", e.msg);
	err_clear(&e);
	cr_assert_neq(trust(r, "in-person", 1, &done, &e), 0);
	cr_assert_neq(trust(r, "in-person", 0, &done, &e), 0);
	after = snapshot();
	cr_assert_str_eq(before, after);
	cr_assert_not(trusted(old));
	free(before);
	free(after);
	X509_free(old);
}

Test(trust, only_certificates_padseal_holds)
{
	struct err e = ERR_INIT;
	const struct st_peer *got = NULL;
	X509 *sam = leaf("email:sam@example.org", 0, 0);
	X509 *stranger = leaf("email:sam@example.org", 0, 0);

	store(sam);
	got = peer_resolve(st, "nobody@example.org", &e);
	cr_assert_null(got);
	cr_assert(strstr(e.msg, "no correspondent's certificate matches") != NULL, "%s", e.msg);
	err_clear(&e);
	cr_assert_null(peer_resolve(st, "00000000", &e));
	/* A certificate merely seen (not stored) is not trusted, whatever
	 * its address. */
	cr_assert_not(trusted(stranger));
	X509_free(sam);
	X509_free(stranger);
}

Test(trust, the_file_must_be_the_recorded_certificate)
{
	X509 *sam = leaf("email:sam@example.org", 0, 0);
	X509 *swap = leaf("email:sam@example.org", 0, 0);
	struct err e = ERR_INIT;
	struct trust_done done;
	const struct st_peer *r = store(sam);
	char rel[128], *path;

	snprintf(rel, sizeof rel, PEER_DIR "/%s.pem", r->hex);
	path = home_path(&h, rel);
	unlink(path);
	cf_write_pem(swap, path);
	cr_assert_neq(trust(r, "phone", 0, &done, &e), 0);
	cr_assert(strstr(e.msg, "not the one padseal recorded") != NULL, "%s", e.msg);
	cr_assert_not(r->trusted);
	/* Missing altogether: the sentence says how to put it back. */
	unlink(path);
	err_clear(&e);
	cr_assert_neq(trust(r, "phone", 0, &done, &e), 0);
	cr_assert(strstr(e.msg, "is missing; import their certificate again") != NULL, "%s", e.msg);
	free(path);
	X509_free(sam);
	X509_free(swap);
}

Test(trust, untrust_keeps_the_certificate)
{
	struct err e = ERR_INIT;
	struct trust_done done;
	struct trust_status ts;
	X509 *sam = leaf("email:sam@example.org", 0, 0);
	X509 *eve = leaf("email:eve@example.org", 0, 0);
	const struct st_peer *r = store(sam), *r2 = store(eve);
	char at[ISO_TIME_LEN], *path, rel[128];
	struct checklist cl;

	cr_assert_eq(trust(r, "phone", 0, &done, &e), 0, "%s", e.msg);
	cr_assert_eq(trust_withdraw(st, r, now + 60), UNTRUST_WITHDRAWN);
	iso_time(now + 60, at);
	cr_assert_not(r->trusted);
	cr_assert_str_eq(r->untrusted_at, at);
	cr_assert_eq(r->verified, VERIFY_PHONE); /* history stays */
	trust_status_cert(st, sam, &ts);
	cr_assert(!ts.trusted && ts.retired && ts.known);
	cr_assert_str_eq(ts.until, at);
	snprintf(rel, sizeof rel, PEER_DIR "/%s.pem", r->hex);
	path = home_path(&h, rel);
	cr_assert(path_exists(path));
	free(path);
	cr_assert_eq(trust_withdraw(st, r, now + 120), UNTRUST_ALREADY);
	cr_assert_str_eq(r->untrusted_at, at);
	/* A never-trusted one is set aside instead. */
	cr_assert_eq(trust_withdraw(st, r2, now), UNTRUST_REJECTED);
	cr_assert_str_neq(r2->rejected_at, "");
	ready_for_peers();
	build(&cl);
	cr_assert(cl.peers[0].retired && cl.peers[1].retired);
	cr_assert_not(cl.step[STEP_TRUST]);
	cr_assert_eq(cl.next.step, STEP_EXCHANGE);
	cr_assert_eq(cl.next.peer, NO_PEER);
	checklist_free(&cl);
	/* Trusting it again (verified again) brings it back. */
	cr_assert_eq(trust(r, "in-person", 0, &done, &e), 0, "%s", e.msg);
	cr_assert_str_eq(r->untrusted_at, "");
	cr_assert(trusted(sam));
	X509_free(sam);
	X509_free(eve);
}

Test(trust, a_new_certificate_after_untrust_is_changed)
{
	struct err e = ERR_INIT;
	struct trust_done done;
	struct trust_status ts;
	X509 *sam = leaf("email:sam@example.org", 0, 0);
	X509 *next = leaf("email:sam@example.org", 0, 0);
	const struct st_peer *r = store(sam);

	cr_assert_eq(trust(r, "phone", 0, &done, &e), 0, "%s", e.msg);
	trust_withdraw(st, r, now);
	store(next);
	trust_status_cert(st, next, &ts);
	cr_assert(ts.changed && !ts.trusted);
	X509_free(sam);
	X509_free(next);
}

Test(trust, own_identity_is_not_a_peer_but_is_trusted_for_reading)
{
	struct err e = ERR_INIT;
	struct trust_status ts;
	X509 *me = leaf("email:me@example.org", 0, 0);
	char hex[FPR_HEX_LEN];
	struct st_ident *r;
	int added = 1;

	fpr_cert_hex(me, hex);
	r = state_ident_put(st, hex);
	r->current = 1;
	cr_assert_neq(peer_store(&h, st, me, "test", now, NULL, &added, &e), 0);
	cr_assert(strstr(e.msg, "your own certificate") != NULL, "%s", e.msg);
	trust_status_cert(st, me, &ts);
	cr_assert(ts.own && !ts.trusted && !ts.changed);
	X509_free(me);
}
