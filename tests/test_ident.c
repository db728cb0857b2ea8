/* ident and checklist: creating identities in a real home, --replace and the
 * archive, refusals that leave the home untouched, the derived checklist. */
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
#include "state.h"
#include "testutil.h"

#define PASS "correct horse battery staple"

static char *dir;
static struct home h;
static struct state *st;

static void
setup(void)
{
	struct err e = ERR_INIT;
	char *base = tu_tmpdir();

	dir = path_join(base, "home");
	free(base);
	cr_assert_eq(home_open(&h, dir, HOME_WRITE, &e), 0, "%s", e.msg);
	cr_assert_eq(state_load(&h, &st, &e), 0, "%s", e.msg);
}

static void
teardown(void)
{
	char *base = strdup(dir);

	state_free(st);
	home_close(&h);
	*strrchr(base, '/') = '\0';
	tu_rmtree(base);
	free(base);
	free(dir);
}

TestSuite(ident, .init = setup, .fini = teardown);

static const char *const alice[] = {"alice@example.org", "Alice@Work.example"};

static int
create(const char *name, int replace, const char *pass, struct ident *out, struct err *e)
{
	struct ident_new req = {name, alice, 2, "p256", 30, replace};

	return ident_create(&h, st, &req, NULL, pass, out, e);
}

static char *
ident_path(const char *hex, const char *file)
{
	char rel[256];

	snprintf(rel, sizeof rel, IDENT_DIR "/%s/%s", hex, file);
	return home_path(&h, rel);
}

Test(ident, create_stores_encrypted_key_privately)
{
	struct err e = ERR_INIT;
	struct ident id;
	char *kp, *cp, *kpem;
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
	kp = ident_path(id.hex, "key.pem");
	cp = ident_path(id.hex, "cert.pem");
	cr_assert_eq(tu_mode(dir), 0700);
	cr_assert_eq(tu_mode(kp), 0600);
	cr_assert_eq(tu_mode(cp), 0600);
	{
		char *d = home_path(&h, IDENT_DIR), *chk = home_path(&h, STATE_FILE);

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
	{
		struct rec *r = state_find(st, "identity", "fpr", id.hex);

		cr_assert_not_null(r);
		cr_assert_str_eq(rec_get(r, "status"), "current");
	}
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
	char *before, *after;

	cr_assert_eq(create("Alice", 0, PASS, NULL, &e), 0, "%s", e.msg);
	before = tu_tree_hash(dir);
	cr_assert_eq(create("Alice", 0, PASS, NULL, &e), -1);
	cr_assert(strstr(e.msg, "already has a credential for alice@example.org") != NULL, "%s",
		  e.msg);
	cr_assert(strstr(e.msg, "--replace") != NULL);
	after = tu_tree_hash(dir);
	cr_assert_str_eq(before, after);
	free(before);
	free(after);
}

Test(ident, replace_archives_and_keeps_the_old_key)
{
	struct err e = ERR_INIT;
	struct ident a, b, *list;
	size_t n;
	char *kp;

	cr_assert_eq(create("Alice", 0, PASS, &a, &e), 0, "%s", e.msg);
	cr_assert_eq(create("Alice Two", 1, PASS, &b, &e), 0, "%s", e.msg);
	cr_assert_str_neq(a.hex, b.hex);
	cr_assert_eq(ident_list(&h, st, &list, &n, &e), 0, "%s", e.msg);
	cr_assert_eq(n, 2);
	cr_assert(list[0].current);
	cr_assert_str_eq(list[0].hex, b.hex);
	cr_assert_not(list[1].current);
	cr_assert_str_eq(list[1].hex, a.hex);
	cr_assert(strstr(list[1].reason, "replaced by") != NULL);
	cr_assert_neq(list[1].archived[0], '\0');
	kp = ident_path(a.hex, "key.pem");
	cr_assert(path_exists(kp), "the archived key must stay on disk");
	free(kp);
	ident_list_free(list, n);
	/* The state on disk says the same. */
	{
		struct state *st2;

		cr_assert_eq(state_load(&h, &st2, &e), 0);
		cr_assert_str_eq(rec_get(state_find(st2, "identity", "fpr", a.hex), "status"),
				 "archived");
		cr_assert_str_eq(rec_get(state_find(st2, "identity", "fpr", b.hex), "status"),
				 "current");
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
	} cases[] = {
		{"Super User", "Super User <user@example.org>", NULL, PASS, 0,
		 "--name \"Super User\" --email user@example.org"},
		{"Ann", "ann@example.org", "rsa1024", PASS, 0, "unknown key type"},
		{"Ann", "ann@example.org", "p256", "short", 0, "too short"},
		{"Ann", "ann@example.org", "p256", "", 0, "empty"},
		{"", "ann@example.org", "p256", PASS, 0, "a name is needed"},
	};
	char *before = tu_tree_hash(dir);

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const char *emails[1] = {cases[i].email};
		struct ident_new req = {cases[i].name, emails, 1, cases[i].key, cases[i].days, 0};
		struct err e = ERR_INIT;
		char *after;

		cr_assert_eq(ident_create(&h, st, &req, NULL, cases[i].pass, NULL, &e), -1,
			     "case %zu", i);
		cr_assert(strstr(e.msg, cases[i].msg) != NULL, "case %zu: %s", i, e.msg);
		after = tu_tree_hash(dir);
		cr_assert_str_eq(before, after, "case %zu changed the home", i);
		free(after);
	}
	free(before);
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
		struct ident_new req = {"Bob", emails, 1, "rsa2048", 30, 1};

		err_clear(&e);
		cr_assert_eq(ident_create(&h, st, &req, NULL, PASS, NULL, &e), -1);
	}
	cr_assert(strstr(e.msg, "disk is full") != NULL, "%s", e.msg);
	after = tu_tree_hash(dir);
	cr_assert_str_eq(before, after);
	free(before);
	free(after);
}

Test(ident, export_matches_the_stored_certificate)
{
	struct err e = ERR_INIT;
	struct ident id;
	unsigned char *pem, *der;
	size_t plen, dlen;
	char *cp, *file;
	size_t flen;

	cr_assert_eq(ident_cert_export(&h, st, 0, &pem, &plen, &e), -1);
	cr_assert(strstr(e.msg, "no credential yet") != NULL);
	cr_assert_eq(create("Alice", 0, PASS, &id, &e), 0);
	cr_assert_eq(ident_cert_export(&h, st, 0, &pem, &plen, &e), 0);
	cr_assert_eq(ident_cert_export(&h, st, 1, &der, &dlen, &e), 0);
	cp = ident_path(id.hex, "cert.pem");
	file = tu_read(cp, &flen);
	cr_assert_eq(plen, flen);
	cr_assert_eq(memcmp(pem, file, flen), 0);
	cr_assert_eq(der[0], 0x30);
	free(pem);
	free(der);
	free(cp);
	free(file);
	ident_clear(&id);
}

Test(ident, checklist_follows_the_steps)
{
	struct err e = ERR_INIT;
	struct checklist cl;
	struct ident id;

	cr_assert_eq(checklist_load(&h, &cl, &e), 0, "%s", e.msg);
	cr_assert_not(cl.has_ident);
	cr_assert_eq(cl.next_step, STEP_CREATE);
	cr_assert(strstr(cl.next, "padseal create") != NULL);
	checklist_free(&cl);

	cr_assert_eq(create("Alice", 0, PASS, &id, &e), 0);
	cr_assert_eq(checklist_load(&h, &cl, &e), 0, "%s", e.msg);
	cr_assert(cl.has_ident && cl.step[STEP_CREATE] && !cl.step[STEP_BACKUP]);
	cr_assert_eq(cl.next_step, STEP_BACKUP);
	cr_assert_geq(cl.n_problems, 1);
	cr_assert(strstr(cl.problems[cl.n_problems - 1], "never been backed up") != NULL);
	cr_assert(strstr(cl.problems[0], "expires on") != NULL, "30-day certificate: %s",
		  cl.problems[0]);
	checklist_free(&cl);

	rec_set(state_add(st, "backup"), "fpr", id.hex);
	cr_assert_eq(state_save(&h, st, &e), 0);
	cr_assert_eq(checklist_load(&h, &cl, &e), 0);
	cr_assert(cl.step[STEP_BACKUP]);
	cr_assert_eq(cl.next_step, STEP_EXCHANGE);
	cr_assert_eq(cl.n_peers, 0);
	checklist_free(&cl);
	ident_clear(&id);
}

Test(ident, damaged_checklist_is_reported_not_reset)
{
	struct err e = ERR_INIT;
	struct checklist cl;
	char *chk = home_path(&h, STATE_FILE), *before;

	tu_write(chk, "padseal-checklist 1\nidentity fpr=AB", 36);
	before = tu_tree_hash(dir);
	cr_assert_eq(checklist_load(&h, &cl, &e), -1);
	cr_assert(strstr(e.msg, chk) != NULL && strstr(e.msg, "damaged") != NULL, "%s", e.msg);
	{
		char *after = tu_tree_hash(dir);

		cr_assert_str_eq(before, after);
		free(after);
	}
	free(before);
	free(chk);
}
