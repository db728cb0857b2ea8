/* ident and checklist: creating identities in a real home (the create
 * operation, which saves), --replace and the archive, refusals that leave
 * the home untouched, the derived checklist. */
#include "config.h"

#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <openssl/pem.h>

#include "checklist.h"
#include "cred.h"
#include "fileio.h"
#include "ident.h"
#include "op.h"
#include "session.h"
#include "state.h"
#include "testutil.h"

#define PASS  "correct horse battery staple"
#define PASS2 "another good passphrase 42"

static char *base, *dir;
static struct session *s;
static time_t now;

static void
setup(void)
{
	struct err e = ERR_INIT;
	struct home h = {0};

	base = tu_tmpdir();
	dir = path_join(base, "home");
	/* An existing, empty home. */
	cr_assert_eq(home_open(&h, dir, HOME_WRITE, &e), 0, "%s", e.msg);
	home_close(&h);
	s = session_new(dir);
	now = tu_now();
}

static void
teardown(void)
{
	session_close(s);
	tu_rmtree(base);
	free(base);
	free(dir);
}

TestSuite(ident, .init = setup, .fini = teardown);

static const char *const alice[] = {"alice@example.org", "Alice@Work.example"};

/* The create operation with `pass` for the new key. */
static int
create(const char *name, int replace, const char *pass, struct ident *out, struct err *e)
{
	struct op_create req = {{name, alice, 2, "p256", 30, replace, 0, 0}, NULL, now};
	struct tu_pass tp = {{[PASS_NEW_KEY] = pass}, {0}};
	struct pass_ask ask;

	tu_pass_ask(&ask, &tp);
	return op_create(s, &req, &ask, out, e);
}

static char *
ident_path(const char *hex, const char *file)
{
	char *p;

	cr_assert_geq(asprintf(&p, "%s/" IDENT_DIR "/%s/%s", dir, hex, file), 0);
	return p;
}

/* The checklist as saved, read afresh (not the session's copy). */
static struct state *
load_saved(void)
{
	struct err e = ERR_INIT;
	struct home h = {0};
	struct state *st;

	cr_assert_eq(home_open(&h, dir, HOME_READ, &e), 0, "%s", e.msg);
	cr_assert_eq(state_load(&h, &st, &e), 0, "%s", e.msg);
	home_close(&h);
	return st;
}

Test(ident, create_stores_encrypted_key_privately)
{
	struct err e = ERR_INIT;
	struct ident id;
	char *kp, *cp, *kpem, iso[ISO_TIME_LEN];
	size_t klen;
	EVP_PKEY *key;
	X509 *cert;
	unsigned char *cbuf;
	size_t clen;

	cr_assert_eq(create("Alice", 0, PASS, &id, &e), 0, "%s", e.msg);
	cr_assert_eq(strlen(id.hex), 64);
	cr_assert(id.current);
	cr_assert_str_eq(id.emails[0], "alice@example.org");
	cr_assert_str_eq(id.key, "EC P-256");
	iso_time(now, iso);
	cr_assert_str_eq(id.created, iso);
	kp = ident_path(id.hex, "key.pem");
	cp = ident_path(id.hex, "cert.pem");
	cr_assert_eq(tu_mode(dir), 0700);
	cr_assert_eq(tu_mode(kp), 0600);
	cr_assert_eq(tu_mode(cp), 0600);
	{
		char *d = path_join(dir, IDENT_DIR), *chk = path_join(dir, STATE_FILE);

		cr_assert_eq(tu_mode(d), 0700);
		cr_assert_eq(tu_mode(chk), 0600);
		free(d);
		free(chk);
	}
	kpem = tu_read(kp, &klen);
	cr_assert(strstr(kpem, "BEGIN ENCRYPTED PRIVATE KEY") != NULL);
	cr_assert_eq(cred_key_decrypt(kpem, klen, PASS, "key", &key, &e), 0, "%s", e.msg);
	cr_assert_eq(file_read(cp, FILE_MAX_CERT, &cbuf, &clen, &e), 0);
	cr_assert_eq(cert_parse(cbuf, clen, "cert", &cert, &e), 0);
	cr_assert(cred_key_matches(cert, key));
	/* Saved in the checklist, as the current identity. */
	{
		struct state *st = load_saved();
		const struct st_ident *r = state_ident_by_hex(st, id.hex);

		cr_assert_not_null(r);
		cr_assert(r->current);
		cr_assert_str_eq(r->created, iso);
		cr_assert_str_eq(r->source, "create");
		cr_assert_eq(state_ident_current(st), r);
		state_free(st);
	}
	/* The person just chose the passphrase: the key stays unlocked. */
	cr_assert(session_key_held(s, id.hex));
	EVP_PKEY_free(key);
	X509_free(cert);
	free(cbuf);
	free(kpem);
	free(kp);
	free(cp);
	ident_clear(&id);
}

Test(ident, second_create_refused_and_home_untouched)
{
	struct err e = ERR_INIT;
	struct op_create req = {{"Alice", alice, 2, "p256", 30, 0, 0, 0}, NULL, 0};
	struct tu_pass tp = {{[PASS_NEW_KEY] = PASS}, {0}};
	struct pass_ask ask;
	char *before, *after;

	req.now = now;
	cr_assert_eq(create("Alice", 0, PASS, NULL, &e), 0, "%s", e.msg);
	before = tu_tree_hash(dir);
	tu_pass_ask(&ask, &tp);
	cr_assert_eq(op_create(s, &req, &ask, NULL, &e), -1);
	cr_assert(strstr(e.msg, "already has a credential for alice@example.org") != NULL, "%s",
		  e.msg);
	cr_assert(strstr(e.msg, "--replace") != NULL);
	cr_assert_eq(e.code, ERR_DATA);
	cr_assert_eq(tu_pass_asked(&tp), 0, "a passphrase was asked for a refused create");
	err_clear(&e);
	cr_assert_eq(op_create_check(s, &req.req, &e), -1);
	cr_assert(strstr(e.msg, "already has a credential") != NULL, "%s", e.msg);
	after = tu_tree_hash(dir);
	cr_assert_str_eq(before, after);
	free(before);
	free(after);
}

Test(ident, replace_archives_and_keeps_the_old_key)
{
	struct err e = ERR_INIT;
	struct ident a, b, *list;
	struct state *st;
	size_t n;
	char *kp, iso[ISO_TIME_LEN];

	cr_assert_eq(create("Alice", 0, PASS, &a, &e), 0, "%s", e.msg);
	now += 3600;
	cr_assert_eq(create("Alice Two", 1, PASS, &b, &e), 0, "%s", e.msg);
	cr_assert_str_neq(a.hex, b.hex);
	cr_assert_eq(session_begin(s, HOME_READ, &st, &e), 0, "%s", e.msg);
	cr_assert_eq(ident_list(session_home(s), st, now, &list, &n, &e), 0, "%s", e.msg);
	session_end(s, 1);
	cr_assert_eq(n, 2);
	cr_assert(list[0].current);
	cr_assert_str_eq(list[0].hex, b.hex);
	cr_assert_not(list[1].current);
	cr_assert_str_eq(list[1].hex, a.hex);
	cr_assert(strstr(list[1].reason, "replaced by") != NULL);
	iso_time(now, iso);
	cr_assert_str_eq(list[1].archived, iso);
	kp = ident_path(a.hex, "key.pem");
	cr_assert(path_exists(kp), "the archived key must stay on disk");
	free(kp);
	ident_list_free(list, n);
	/* The state on disk says the same. */
	{
		struct state *st2 = load_saved();

		cr_assert_not(state_ident_by_hex(st2, a.hex)->current);
		cr_assert_str_eq(state_ident_by_hex(st2, a.hex)->archived, iso);
		cr_assert(state_ident_by_hex(st2, b.hex)->current);
		cr_assert_eq(state_n_idents(st2), 2);
		state_free(st2);
	}
	ident_clear(&a);
	ident_clear(&b);
}

Test(ident, refusals_before_anything_is_written)
{
	static const struct {
		const char *name, *email, *key, *pass;
		int days;
		const char *msg;
		enum err_code code;
	} cases[] = {
		{"Super User", "Super User <user@example.org>", NULL, PASS, 0,
		 "--name \"Super User\" --email user@example.org", ERR_DATA},
		{"Ann", "ann@example.org", "rsa1024", PASS, 0, "unknown key type", ERR_DATA},
		{"Ann", "ann@example.org", "p256", "short", 0, "too short", ERR_WEAK_PASS},
		{"Ann", "ann@example.org", "p256", "", 0, "empty", ERR_WEAK_PASS},
		{"", "ann@example.org", "p256", PASS, 0, "a name is needed", ERR_DATA},
	};
	char *before = tu_tree_hash(dir);

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const char *emails[1] = {cases[i].email};
		struct op_create req = {{cases[i].name, emails, 1, cases[i].key, cases[i].days, 0,
					 0, 0},
					NULL,
					now};
		struct tu_pass tp = {{[PASS_NEW_KEY] = cases[i].pass}, {0}};
		struct pass_ask ask;
		struct err e = ERR_INIT;
		char *after;

		/* The operation: the request is refused before the passphrase
		 * is asked for, a weak passphrase when it is given. */
		tu_pass_ask(&ask, &tp);
		cr_assert_eq(op_create(s, &req, &ask, NULL, &e), -1, "case %zu", i);
		cr_assert(strstr(e.msg, cases[i].msg) != NULL, "case %zu: %s", i, e.msg);
		cr_assert_eq(e.code, cases[i].code, "case %zu: code %d", i, e.code);
		cr_assert_eq(tp.asked[PASS_NEW_KEY], cases[i].code == ERR_WEAK_PASS, "case %zu", i);
		after = tu_tree_hash(dir);
		cr_assert_str_eq(before, after, "case %zu changed the home", i);
		free(after);
		/* The module refuses the same on its own. */
		{
			struct state *st;

			err_clear(&e);
			cr_assert_eq(session_begin(s, HOME_WRITE, &st, &e), 0, "%s", e.msg);
			cr_assert_eq(ident_create(session_home(s), st, &req.req, NULL,
						  cases[i].pass, now, NULL, &e),
				     -1, "case %zu", i);
			cr_assert(strstr(e.msg, cases[i].msg) != NULL, "case %zu: %s", i, e.msg);
			cr_assert_eq(e.code, cases[i].code, "case %zu: code %d", i, e.code);
			cr_assert_eq(state_n_idents(st), 0, "case %zu", i);
			session_end(s, 0);
		}
		after = tu_tree_hash(dir);
		cr_assert_str_eq(before, after, "case %zu changed the home", i);
		free(after);
	}
	free(before);
}

/* No passphrase to be had (no terminal): refused with that error, and the
 * home untouched. */
Test(ident, no_passphrase_no_credential)
{
	struct err e = ERR_INIT;
	char *before = tu_tree_hash(dir), *after;

	cr_assert_eq(create("Alice", 0, NULL, NULL, &e), -1);
	cr_assert_eq(e.code, ERR_USAGE);
	cr_assert_str_eq(e.msg, "no passphrase was given");
	after = tu_tree_hash(dir);
	cr_assert_str_eq(before, after);
	free(before);
	free(after);
}

Test(ident, full_disk_leaves_home_as_it_was)
{
	struct err e = ERR_INIT;
	struct rlimit rl = {1024, 1024};
	char *before, *after;

	cr_assert_eq(create("Alice", 0, PASS, NULL, &e), 0, "%s", e.msg);
	before = tu_tree_hash(dir);
	signal(SIGXFSZ, SIG_IGN);
	cr_assert_eq(setrlimit(RLIMIT_FSIZE, &rl), 0);
	{
		const char *emails[1] = {"bob@example.org"};
		/* An RSA 2048 encrypted key is about 1.8 KiB: its write fails. */
		struct op_create req = {{"Bob", emails, 1, "rsa2048", 30, 1, 0, 0}, NULL, now};
		struct tu_pass tp = {{[PASS_NEW_KEY] = PASS}, {0}};
		struct pass_ask ask;

		tu_pass_ask(&ask, &tp);
		err_clear(&e);
		cr_assert_eq(op_create(s, &req, &ask, NULL, &e), -1);
	}
	cr_assert(strstr(e.msg, "disk is full") != NULL, "%s", e.msg);
	after = tu_tree_hash(dir);
	cr_assert_str_eq(before, after);
	free(before);
	free(after);
}

/* The checklist cannot be saved (its write fails): the identity's files
 * just written are taken back, and the home is as it was. */
Test(ident, failed_save_takes_the_files_back)
{
	struct err e = ERR_INIT;
	struct rlimit rl;
	char *before, *after;
	struct ident id;

	/* A home whose checklist is already larger than the limit below,
	 * so that saving (which appends) fails while the key still fits. */
	cr_assert_eq(create("Alice", 0, PASS, &id, &e), 0, "%s", e.msg);
	for (int i = 0; i < 12; i++) {
		struct op_create req = {{"Alice", alice, 2, "p256", 30, 1, 0, 0},
					NULL,
					now + i + 1};
		struct tu_pass tp = {{[PASS_NEW_KEY] = PASS}, {0}};
		struct pass_ask ask;

		tu_pass_ask(&ask, &tp);
		cr_assert_eq(op_create(s, &req, &ask, NULL, &e), 0, "%s", e.msg);
	}
	{
		char *chk = path_join(dir, STATE_FILE);
		size_t len;

		free(tu_read(chk, &len));
		free(chk);
		cr_assert_gt(len, 1400, "the checklist is only %zu bytes", len);
		rl.rlim_cur = rl.rlim_max = len;
	}
	before = tu_tree_hash(dir);
	signal(SIGXFSZ, SIG_IGN);
	cr_assert_eq(setrlimit(RLIMIT_FSIZE, &rl), 0);
	err_clear(&e);
	cr_assert_eq(create("Alice", 1, PASS, NULL, &e), -1, "saving did not fail");
	cr_assert(strstr(e.msg, "disk is full") != NULL && strstr(e.msg, "/" STATE_FILE) != NULL,
		  "%s", e.msg);
	after = tu_tree_hash(dir);
	cr_assert_str_eq(before, after);
	free(before);
	free(after);
	ident_clear(&id);
}

Test(ident, export_matches_the_stored_certificate)
{
	struct err e = ERR_INIT;
	struct ident id;
	struct state *st;
	unsigned char *pem, *der;
	size_t plen, dlen;
	char *cp, *file;
	size_t flen;

	cr_assert_eq(session_begin(s, HOME_READ, &st, &e), 0, "%s", e.msg);
	cr_assert_eq(ident_cert_export(session_home(s), st, 0, &pem, &plen, &e), -1);
	cr_assert(strstr(e.msg, "no credential yet") != NULL, "%s", e.msg);
	session_end(s, 1);
	cr_assert_eq(create("Alice", 0, PASS, &id, &e), 0);
	cr_assert_eq(session_begin(s, HOME_READ, &st, &e), 0, "%s", e.msg);
	cr_assert_eq(ident_cert_export(session_home(s), st, 0, &pem, &plen, &e), 0, "%s", e.msg);
	cr_assert_eq(ident_cert_export(session_home(s), st, 1, &der, &dlen, &e), 0, "%s", e.msg);
	session_end(s, 1);
	cp = ident_path(id.hex, "cert.pem");
	file = tu_read(cp, &flen);
	/* The CA form: the certificate, then the CA (chain.pem). */
	cr_assert_gt(plen, flen);
	cr_assert_eq(memcmp(pem, file, flen), 0);
	free(file);
	free(cp);
	cp = ident_path(id.hex, "chain.pem");
	file = tu_read(cp, &dlen);
	cr_assert_eq(plen, flen + dlen);
	cr_assert_eq(memcmp(pem + flen, file, dlen), 0);
	free(pem);
	free(der);
	cr_assert_eq(session_begin(s, HOME_READ, &st, &e), 0, "%s", e.msg);
	cr_assert_eq(ident_cert_export(session_home(s), st, 1, &der, &dlen, &e), 0, "%s", e.msg);
	session_end(s, 1);
	cr_assert_eq(der[0], 0x30);
	{
		const unsigned char *q = der;
		X509 *x = d2i_X509(NULL, &q, (long)dlen);

		cr_assert_not_null(x);
		cr_assert_eq(q, der + dlen, "--der is the mail certificate alone");
		cr_assert_not(cred_is_ca(x));
		X509_free(x);
	}
	free(der);
	free(cp);
	free(file);
	ident_clear(&id);
}

static void
build(struct checklist *cl)
{
	struct err e = ERR_INIT;
	struct state *st;

	cr_assert_eq(session_begin(s, HOME_READ, &st, &e), 0, "%s", e.msg);
	cr_assert_eq(checklist_build(session_home(s), st, now, cl, &e), 0, "%s", e.msg);
	session_end(s, 1);
}

Test(ident, checklist_follows_the_steps)
{
	struct err e = ERR_INIT;
	struct checklist cl;
	struct ident id;

	build(&cl);
	cr_assert_not(cl.has_ident);
	cr_assert_not(cl.step[STEP_CREATE]);
	cr_assert_eq(cl.next.step, STEP_CREATE);
	cr_assert_eq(cl.next.peer, NO_PEER);
	checklist_free(&cl);

	cr_assert_eq(create("Alice", 0, PASS, &id, &e), 0, "%s", e.msg);
	build(&cl);
	cr_assert(cl.has_ident && cl.step[STEP_CREATE] && !cl.step[STEP_BACKUP]);
	cr_assert_str_eq(cl.ident.hex, id.hex);
	cr_assert_eq(cl.next.step, STEP_BACKUP);
	cr_assert_geq(cl.n_problems, 2);
	cr_assert_eq(cl.problems[cl.n_problems - 1].kind, PROB_NEVER_BACKED_UP);
	/* A 30-day certificate expires soon. */
	cr_assert_eq(cl.problems[0].kind, PROB_EXPIRES_SOON, "kind %d", cl.problems[0].kind);
	cr_assert_str_eq(cl.problems[0].date, id.not_after);
	checklist_free(&cl);

	/* A checked backup, through the operation. */
	{
		struct tu_pass tp = {{[PASS_KEY] = PASS, [PASS_NEW_BACKUP] = PASS2}, {0}};
		struct op_backup req = {0};
		struct p12_backup_done d;
		struct pass_ask ask;
		char *file = path_join(base, "alice.p12");

		req.path = file;
		req.compat = P12_LEGACY;
		req.now = now;
		tu_pass_ask(&ask, &tp);
		cr_assert_eq(op_backup(s, &req, &ask, &d, &e), 0, "%s", e.msg);
		cr_assert_eq(tp.asked[PASS_KEY], 0,
			     "the key unlocked at create was asked for again");
		free(file);
	}
	build(&cl);
	cr_assert(cl.backed_up && cl.step[STEP_BACKUP]);
	cr_assert_eq(cl.next.step, STEP_EXCHANGE);
	cr_assert_eq(cl.n_peers, 0);
	for (size_t i = 0; i < cl.n_problems; i++)
		cr_assert_neq(cl.problems[i].kind, PROB_NEVER_BACKED_UP);
	checklist_free(&cl);
	ident_clear(&id);
}

Test(ident, damaged_checklist_is_reported_not_reset)
{
	struct err e = ERR_INIT;
	const struct state *st;
	char *chk = path_join(dir, STATE_FILE), *before;

	tu_write(chk, "padseal-checklist 1\nidentity fpr=AB", 36);
	before = tu_tree_hash(dir);
	cr_assert_eq(session_state(s, &st, &e), -1);
	cr_assert(strstr(e.msg, chk) != NULL && strstr(e.msg, "damaged") != NULL, "%s", e.msg);
	/* An operation is refused with the same error. */
	err_clear(&e);
	cr_assert_eq(create("Alice", 1, PASS, NULL, &e), -1);
	cr_assert(strstr(e.msg, chk) != NULL && strstr(e.msg, "damaged") != NULL, "%s", e.msg);
	{
		char *after = tu_tree_hash(dir);

		cr_assert_str_eq(before, after);
		free(after);
	}
	free(before);
	free(chk);
}

/* The two forms: the CA form by default, --self-signed beside it; the form
 * is read back from the certificates, not from the checklist. */
static int
create_form(int self_signed, int ca_days, struct ident *out, struct err *e)
{
	struct op_create req = {{"Alice", alice, 2, "p256", 30, 0, self_signed, ca_days},
				NULL,
				now};
	struct tu_pass tp = {{[PASS_NEW_KEY] = PASS}, {0}};
	struct pass_ask ask;

	tu_pass_ask(&ask, &tp);
	return op_create(s, &req, &ask, out, e);
}

Test(ident, ca_form_by_default)
{
	struct err e = ERR_INIT;
	struct ident id, back;
	struct home h = {0};
	X509 *cert, *ca;
	STACK_OF(X509) * chain;
	EVP_PKEY *cakey = NULL;
	char *kp, *kpem;
	size_t klen;

	cr_assert_eq(create_form(0, 0, &id, &e), 0, "%s", e.msg);
	cr_assert_eq(id.form, FORM_CA);
	cr_assert(id.ca_key);
	cr_assert_eq(id.n_chain, 1);
	cr_assert_eq(strlen(id.ca_hex), 64);
	cr_assert_str_neq(id.ca_hex, id.hex);
	cr_assert_str_eq(ident_form_name(id.form), "ca");
	cr_assert_eq(id.ca_not_after_t - now, 3650L * 86400);
	cr_assert_eq(id.not_after_t - now, 30L * 86400);
	/* Read back from the home: the same. */
	cr_assert_eq(op_ident(s, now, &back, &e), 1, "%s", e.msg);
	cr_assert_eq(back.form, FORM_CA);
	cr_assert_str_eq(back.ca_fpr, id.ca_fpr);
	cr_assert_str_eq(back.ca_not_after, id.ca_not_after);
	cr_assert(back.ca_key);
	ident_clear(&back);
	/* The CA in chain.pem issued the certificate; its key is encrypted
	 * under the passphrase and is the CA's. */
	cr_assert_eq(home_open(&h, dir, HOME_READ, &e), 0, "%s", e.msg);
	cr_assert_eq(ident_cert(&h, id.hex, &cert, &chain, &e), 0, "%s", e.msg);
	home_close(&h);
	cr_assert_eq(sk_X509_num(chain), 1);
	ca = sk_X509_value(chain, 0);
	cr_assert(cred_is_ca(ca) && cred_issued_by(cert, ca));
	kp = ident_path(id.hex, "ca-key.pem");
	cr_assert_eq(tu_mode(kp), 0600);
	kpem = tu_read(kp, &klen);
	cr_assert_eq(cred_key_decrypt(kpem, klen, PASS2, "k", &cakey, &e), -1);
	cr_assert_eq(cred_key_decrypt(kpem, klen, PASS, "k", &cakey, &e), 0, "%s", e.msg);
	cr_assert(cred_key_matches(ca, cakey));
	EVP_PKEY_free(cakey);
	free(kpem);
	free(kp);
	X509_free(cert);
	sk_X509_pop_free(chain, X509_free);
	ident_clear(&id);
}

Test(ident, self_signed_form)
{
	struct err e = ERR_INIT;
	struct ident id;
	char *p;

	cr_assert_eq(create_form(1, 0, &id, &e), 0, "%s", e.msg);
	cr_assert_eq(id.form, FORM_SELF_SIGNED);
	cr_assert_not(id.ca_key);
	cr_assert_str_eq(id.ca_hex, "");
	p = ident_path(id.hex, "ca-key.pem");
	cr_assert_not(path_exists(p));
	free(p);
	p = ident_path(id.hex, "chain.pem");
	cr_assert_not(path_exists(p));
	free(p);
	ident_clear(&id);
	cr_assert_eq(op_ident(s, now, &id, &e), 1, "%s", e.msg);
	cr_assert_eq(id.form, FORM_SELF_SIGNED);
	ident_clear(&id);
}

Test(ident, ca_days_refused_untouched)
{
	struct err e = ERR_INIT;
	char *before = tu_tree_hash(dir), *after;

	cr_assert_eq(create_form(0, 36501, NULL, &e), -1);
	cr_assert_str_eq(e.msg, "the CA's validity must be between 1 and 36500 days");
	after = tu_tree_hash(dir);
	cr_assert_str_eq(before, after);
	free(before);
	free(after);
}
