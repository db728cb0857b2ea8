/* test_op — the operations as both front ends call them: PEER resolution
 * (every rule of DESIGN.md), the next step as data, importing, judging a
 * message into its cell, and what an operation takes back when saving
 * fails (the home as it was, no file left behind). */
#include "config.h"

#include <ctype.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "certfactory.h"
#include "checklist.h"
#include "fileio.h"
#include "matrix.h"
#include "op.h"
#include "peer.h"
#include "session.h"
#include "state.h"
#include "testutil.h"

#define PASS "correct horse battery staple"
#define NOW  "2026-06-01T12:00:00Z"

static char *base;
static time_t now;
static struct pass_fixed pf = {
	{[PASS_KEY] = PASS, [PASS_NEW_KEY] = PASS, [PASS_NEW_BACKUP] = "another good passphrase"}};
static struct pass_ask ask;

static void
setup(void)
{
	base = tu_tmpdir();
	now = iso_parse(NOW);
	pass_ask_fixed(&ask, &pf);
}

static void
teardown(void)
{
	tu_rmtree(base);
	free(base);
}

TestSuite(op, .init = setup, .fini = teardown);

static char *
at(const char *rel)
{
	return path_join(base, rel);
}

/* A person: a home with a credential (EC, quick to make). */
static struct session *
person(const char *dir, const char *name, const char *email)
{
	const char *emails[] = {email};
	struct op_create req = {.req = {name, emails, 1, "p256", 0, 0}, .now = now};
	char *path = at(dir);
	struct session *s = session_new(path);
	struct err e = ERR_INIT;
	struct ident id;

	cr_assert_eq(op_create(s, &req, &ask, &id, &e), 0, "%s", e.msg);
	ident_clear(&id);
	free(path);
	return s;
}

/* `from`'s introduction to `to`, as the file `file` under base. */
static char *
intro(struct session *from, const char *to, const char *file)
{
	char *path = at(file);
	struct sink out;
	struct sink_file f;
	struct err e = ERR_INIT;

	sink_file(&out, &f, path, 0);
	cr_assert_eq(op_intro(from, to, &out, now, &ask, &e), 0, "%s", e.msg);
	return path;
}

static void
import(struct session *s, const char *path)
{
	struct import_set *set = NULL;
	struct err e = ERR_INIT;

	cr_assert_eq(op_import_read(s, path, now, &ask, &set, &e), 0, "%s", e.msg);
	cr_assert_eq(op_import_store(s, set, "test", now, &e), 0, "%s", e.msg);
	import_free(set);
}

/* A correspondent's certificate file for `san`, imported into `s`. */
static void
import_cert(struct session *s, const char *san, const char *file)
{
	struct cf_spec spec = {.key = CF_EC, .san = san};
	X509 *x = cf_cert(&spec, now, NULL);
	char *path = at(file);

	cf_write_pem(x, path);
	import(s, path);
	X509_free(x);
	free(path);
}

static const struct state *
state_of(struct session *s)
{
	const struct state *st;
	struct err e = ERR_INIT;

	cr_assert_eq(session_state(s, &st, &e), 0, "%s", e.msg);
	return st;
}

/* --- PEER ---------------------------------------------------------------------- */

Test(op, peer_resolution_follows_every_rule)
{
	struct session *s = person("a", "Alice", "alice@example.org");
	const struct state *st;
	const struct st_peer *p, *sam1, *sam2;
	struct op_trust_res tr;
	struct err e = ERR_INIT;
	char spaced[80];

	import_cert(s, "email:sam@example.org", "sam1.pem");
	import_cert(s, "email:kim@example.org,email:Sam@Example.ORG", "sam2.pem");
	st = state_of(s);
	sam1 = state_peer(st, 0);
	sam2 = state_peer(st, 1);
	/* One certificate for an address: that one, whatever the case. */
	cr_expect_eq(peer_resolve(st, "KIM@example.org", &e), sam2);
	/* Several, none trusted: refused as a usage error naming both. */
	cr_expect_null(peer_resolve(st, "sam@example.org", &e));
	cr_expect_eq(e.code, ERR_USAGE);
	cr_expect(strstr(e.msg, "matches 2 certificates") != NULL, "%s", e.msg);
	cr_expect(strstr(e.msg, "name one by fingerprint") != NULL, "%s", e.msg);
	{
		char a[17], b[17];

		snprintf(a, sizeof a, "%.16s", sam1->hex);
		snprintf(b, sizeof b, "%.16s", sam2->hex);
		cr_expect(strstr(e.msg, a) && strstr(e.msg, b), "%s", e.msg);
	}
	/* Several, exactly one trusted: that one. */
	err_clear(&e);
	cr_assert_eq(op_trust(s, sam1->hex, VERIFY_PHONE, 0, now, &tr, &e), 0, "%s", e.msg);
	st = state_of(s);
	cr_expect_eq(peer_resolve(st, "sam@example.org", &e), state_peer_by_hex(st, tr.hex));
	/* A fingerprint prefix: 8 digits at least, any case, colons or
	 * spaces as typed. */
	p = state_peer(st, 1);
	snprintf(spaced, sizeof spaced, "%c%c:%c%c %c%c%c%c", tolower(p->hex[0]), p->hex[1],
		 p->hex[2], p->hex[3], p->hex[4], p->hex[5], p->hex[6], p->hex[7]);
	cr_expect_eq(peer_resolve(st, spaced, &e), p, "%s: %s", spaced, e.msg);
	cr_expect_eq(peer_resolve(st, p->hex, &e), p);
	err_clear(&e);
	cr_expect_null(peer_resolve(st, "ABCDEF1", &e));
	cr_expect(strstr(e.msg, "neither an address nor a fingerprint") != NULL, "%s", e.msg);
	cr_expect_eq(e.code, ERR_DATA);
	err_clear(&e);
	cr_expect_null(peer_resolve(st, "nobody@example.org", &e));
	cr_expect(strstr(e.msg, "import it first") != NULL, "%s", e.msg);
	cr_expect_eq(e.code, ERR_DATA);
	session_close(s);
}

/* --- the next step, as data ----------------------------------------------------- */

static struct next_step
next_of(struct session *s)
{
	struct checklist cl;
	struct state *st;
	struct err e = ERR_INIT;
	struct next_step n;

	cr_assert_eq(session_begin(s, HOME_READ, &st, &e), 0, "%s", e.msg);
	cr_assert_eq(checklist_build(session_home(s), st, now, &cl, &e), 0, "%s", e.msg);
	n = cl.next;
	checklist_free(&cl);
	session_end(s, 1);
	return n;
}

Test(op, the_next_step_walks_the_six_steps)
{
	char *dir = at("n");
	struct session *s = session_new(dir), *sam;
	struct p12_backup_done done;
	struct op_backup b = {.compat = P12_LEGACY, .now = 0};
	struct op_trust_res tr;
	struct op_send_res sr;
	struct err e = ERR_INIT;
	char *bk = at("bk.p12"), *path, *out = at("out");
	struct next_step n;

	n = next_of(s);
	cr_expect_eq(n.step, STEP_CREATE);
	cr_expect_eq(n.peer, NO_PEER);
	session_close(s);
	s = person("n", "Nina", "nina@example.org");
	cr_expect_eq(next_of(s).step, STEP_BACKUP);
	b.path = bk;
	b.now = now;
	cr_assert_eq(op_backup(s, &b, &ask, &done, &e), 0, "%s", e.msg);
	n = next_of(s);
	cr_expect_eq(n.step, STEP_EXCHANGE);
	cr_expect_eq(n.peer, NO_PEER, "nobody yet");
	sam = person("s", "Sam", "sam@example.org");
	path = intro(sam, "nina@example.org", "sam.eml");
	import(s, path);
	free(path);
	n = next_of(s);
	cr_expect_eq(n.step, STEP_EXCHANGE);
	cr_expect_eq(n.peer, 0, "send Sam yours");
	path = intro(s, "sam@example.org", "nina.eml");
	free(path);
	n = next_of(s);
	cr_expect_eq(n.step, STEP_VERIFY);
	cr_expect_eq(n.peer, 0);
	cr_expect_eq(n.changed, 0);
	cr_assert_eq(op_trust(s, "sam@example.org", VERIFY_PHONE, 0, now, &tr, &e), 0, "%s", e.msg);
	n = next_of(s);
	cr_expect_eq(n.step, STEP_TEST);
	cr_assert_eq(op_matrix_send(s, "sam@example.org", out, 0, now, &ask, &sr, &e), 0, "%s",
		     e.msg);
	for (int k = 0; k < KIND_COUNT; k++)
		cr_assert_eq(op_matrix_confirm(s, "sam@example.org", DIR_OUT, (enum cell_kind)k,
					       now, tr.hex, &e),
			     0, "%s", e.msg);
	cr_expect_eq(next_of(s).step, STEP_TEST, "the in cells are still open");
	/* A new certificate for Sam's address: verify again, by fingerprint. */
	import_cert(s, "email:sam@example.org", "sam-new.pem");
	n = next_of(s);
	cr_expect_eq(n.step, STEP_VERIFY);
	cr_expect_eq(n.peer, 1);
	cr_expect_eq(n.changed, 1);
	cr_expect_eq(n.by_fingerprint, 1);
	session_close(s);
	session_close(sam);
	free(dir);
	free(bk);
	free(out);
}

/* --- import ----------------------------------------------------------------------- */

Test(op, import_refusals_change_nothing)
{
	struct session *s = person("a", "Alice", "alice@example.org");
	struct import_set *set = NULL;
	struct err e = ERR_INIT;
	char *home = at("a"), *before, *after, *own = intro(s, "sam@example.org", "own.eml");
	char *junk = at("junk.txt"), *bk = at("a.p12");
	struct p12_backup_done done;
	struct op_backup b = {.path = bk, .compat = P12_LEGACY, .now = now};

	cr_assert_eq(op_backup(s, &b, &ask, &done, &e), 0, "%s", e.msg);
	tu_write(junk, "hello\n", 6);
	before = tu_tree_hash(home);
	cr_expect_eq(op_import_read(s, own, now, &ask, &set, &e), -1);
	cr_expect(strstr(e.msg, "signed by you") != NULL, "%s", e.msg);
	err_clear(&e);
	cr_expect_eq(op_import_read(s, junk, now, &ask, &set, &e), -1);
	cr_expect(strstr(e.msg, "neither a signed message nor a certificate") != NULL, "%s", e.msg);
	err_clear(&e);
	cr_expect_eq(op_import_read(s, bk, now, &ask, &set, &e), -1);
	cr_expect(strstr(e.msg, "PKCS#12 backup") != NULL, "%s", e.msg);
	{
		/* More addresses than padseal takes from a correspondent. */
		char san[8192] = "";
		struct cf_spec spec = {.key = CF_EC, .san = san};
		char *big = at("big.pem");
		X509 *x;

		for (int i = 0; i < PEER_ADDRS_MAX + 1; i++)
			snprintf(san + strlen(san), sizeof san - strlen(san),
				 "%semail:u%d@example.org", i ? "," : "", i);
		x = cf_cert(&spec, now, NULL);
		cf_write_pem(x, big);
		err_clear(&e);
		cr_expect_eq(op_import_read(s, big, now, &ask, &set, &e), -1);
		cr_expect(strstr(e.msg, "at most 64") != NULL, "%s", e.msg);
		X509_free(x);
		free(big);
	}
	{
		/* A certificate of over 64 KiB (a stuffed extension): its file
		 * would be more than a later command reads back. */
		size_t cap = 120000;
		char *nc = malloc(cap);
		struct cf_spec spec = {.key = CF_EC, .san = "email:big@example.org", .nc = nc};
		char *big = at("huge.pem");
		X509 *x;

		cr_assert_not_null(nc);
		snprintf(nc, cap, "permitted;email:big@example.org");
		for (int i = 0; strlen(nc) + 64 < cap; i++)
			snprintf(nc + strlen(nc), cap - strlen(nc),
				 ",permitted;email:u%d@example.org", i);
		x = cf_cert(&spec, now, NULL);
		cr_assert_gt(i2d_X509(x, NULL), PEER_CERT_MAX);
		cf_write_pem(x, big);
		err_clear(&e);
		cr_expect_eq(op_import_read(s, big, now, &ask, &set, &e), -1);
		cr_expect(strstr(e.msg, "padseal takes certificates of at most 65536 bytes") !=
				  NULL,
			  "%s", e.msg);
		X509_free(x);
		free(big);
		free(nc);
	}
	after = tu_tree_hash(home);
	cr_expect_str_eq(after, before);
	session_close(s);
	free(home);
	free(before);
	free(after);
	free(own);
	free(junk);
	free(bk);
}

/* Nothing a correspondent's certificate carries can make the home
 * unloadable: every field stored from it at its limit, in the characters
 * the checklist must escape, is read back by the next command; one byte
 * past a limit is refused at import with the home as it was. */
Test(op, import_at_the_limits_keeps_the_home_loadable)
{
	struct session *s = person("a", "Alice", "alice@example.org");
	struct import_set *set = NULL;
	struct err e = ERR_INIT;
	char san[PEER_ADDRS_MAX * 300] = "", name[PEER_NAME_MAX + 2], *home = at("a"), *before,
				  *after;
	const struct state *st;
	X509 *x;

	for (int i = 0; i < PEER_NAME_MAX; i++)
		name[i] = "% =\\\""[i % 5];
	name[PEER_NAME_MAX] = '\0';
	/* 64 addresses of 254 bytes, each with '%' and '=' in its local part. */
	for (int i = 0; i < PEER_ADDRS_MAX; i++) {
		char *a = san + strlen(san);

		a += sprintf(a, "%semail:%%=%02d", i ? "," : "", i);
		memset(a, '%', 60);
		a += 60;
		a += sprintf(a, "@");
		for (int j = 0; j < 3; j++)
			a += sprintf(a, "%.60s.",
				     "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd");
		memset(a, 'e', 254 - 64 - 1 - 183);
		a[254 - 64 - 1 - 183] = '\0';
	}
	{
		struct cf_spec spec = {.key = CF_EC, .san = san, .cn = name};
		char *path = at("max.pem");

		x = cf_cert(&spec, now, NULL);
		cf_write_pem(x, path);
		import(s, path);
		X509_free(x);
		free(path);
	}
	session_close(s);
	s = session_new(home);
	cr_assert_eq(session_state(s, &st, &e), 0, "%s", e.msg);
	cr_expect_eq(state_n_peers(st), 1);
	{
		/* One byte more in the name: refused, nothing changed. */
		struct cf_spec spec = {.key = CF_EC, .san = "email:bob@example.org", .cn = name};
		char *path = at("long.pem");

		name[PEER_NAME_MAX] = 'x';
		name[PEER_NAME_MAX + 1] = '\0';
		x = cf_cert(&spec, now, NULL);
		cf_write_pem(x, path);
		before = tu_tree_hash(home);
		cr_expect_eq(op_import_read(s, path, now, &ask, &set, &e), -1);
		cr_expect(strstr(e.msg, "padseal takes at most 256") != NULL, "%s", e.msg);
		after = tu_tree_hash(home);
		cr_expect_str_eq(after, before);
		X509_free(x);
		free(path);
		free(before);
		free(after);
	}
	session_close(s);
	free(home);
}

/* --- judging into cells ------------------------------------------------------------ */

static struct op_checked *
check(struct session *s, const char *path, size_t *n)
{
	struct op_checked *ck = NULL;
	struct err e = ERR_INIT;

	cr_assert_eq(op_matrix_check(s, &path, 1, now, &ask, &ck, n, &e), 0, "%s", e.msg);
	return ck;
}

Test(op, messages_are_judged_into_their_cells)
{
	struct session *a = person("a", "Alice", "alice@example.org");
	struct session *s = person("s", "Sam", "sam@example.org");
	struct op_trust_res tr;
	struct op_send_res sr;
	struct err e = ERR_INIT;
	char *ia = intro(a, "sam@example.org", "ia.eml"),
	     *is = intro(s, "alice@example.org", "is.eml");
	char *dir = at("a2s"), *kim;
	struct session *k = person("k", "Kim", "kim@example.org");
	struct op_checked *ck;
	size_t n;

	import(a, is);
	import(s, ia);
	cr_assert_eq(op_trust(a, "sam@example.org", VERIFY_PHONE, 0, now, &tr, &e), 0, "%s", e.msg);
	cr_assert_eq(op_trust(s, "alice@example.org", VERIFY_PHONE, 0, now, &tr, &e), 0, "%s",
		     e.msg);
	cr_assert_eq(op_matrix_send(a, "sam@example.org", dir, 0, now, &ask, &sr, &e), 0, "%s",
		     e.msg);
	for (int kind = 0; kind < KIND_COUNT; kind++) {
		/* Sam receives: the in cells, passed. */
		ck = check(s, sr.path[kind], &n);
		cr_assert_eq(n, 1);
		cr_expect(ck[0].judged, "%s", ck[0].err.msg);
		cr_expect_eq(ck[0].res.dir, DIR_IN);
		cr_expect_eq(ck[0].res.kind, (enum cell_kind)kind);
		cr_expect_eq(ck[0].res.state, CELL_PASSED, "%s", ck[0].res.why);
		cr_expect_str_eq(ck[0].res.peer_email, "alice@example.org");
		op_checked_free(ck, n);
		/* Alice's own copy: her out cell, passed. */
		ck = check(a, sr.path[kind], &n);
		cr_expect_eq(ck[0].res.dir, DIR_OUT);
		cr_expect_eq(ck[0].res.state, CELL_PASSED, "%s", ck[0].res.why);
		op_checked_free(ck, n);
	}
	/* A message from a stranger fits no cell; nothing is recorded. */
	kim = intro(k, "sam@example.org", "kim.eml");
	ck = check(s, kim, &n);
	cr_expect_not(ck[0].judged);
	cr_expect(strstr(ck[0].err.msg, "kim@example.org, who is not among your correspondents") !=
			  NULL,
		  "%s", ck[0].err.msg);
	op_checked_free(ck, n);
	/* A folder: every .eml in it, in name order. */
	ck = check(s, dir, &n);
	cr_expect_eq(n, 4);
	cr_expect(strstr(ck[0].file, "encrypted.eml") != NULL, "%s", ck[0].file);
	op_checked_free(ck, n);
	/* A wrong passphrase stops the check: nothing is recorded. */
	{
		struct pass_fixed wrong = {{[PASS_KEY] = "not the passphrase at all"}};
		struct pass_ask wa;
		const char *p = sr.path[KIND_ENCRYPTED];
		char *home = at("s"), *before, *after;
		struct session *fresh = session_new(home);

		pass_ask_fixed(&wa, &wrong);
		before = tu_tree_hash(home);
		ck = NULL;
		cr_expect_eq(op_matrix_check(fresh, &p, 1, now, &wa, &ck, &n, &e), -1);
		cr_expect_eq(e.code, ERR_BAD_PASS, "%s", e.msg);
		after = tu_tree_hash(home);
		cr_expect_str_eq(after, before);
		session_close(fresh);
		free(home);
		free(before);
		free(after);
	}
	session_close(a);
	session_close(s);
	session_close(k);
	free(ia);
	free(is);
	free(dir);
	free(kim);
}

/* --- taking back what a failed save leaves ------------------------------------------ */

/* Make the checklist of `s` larger than any message or backup (many
 * correspondents), so that a file-size limit between the two lets the
 * operation write its files but not save the checklist. */
static void
fatten(struct session *s)
{
	struct state *st;
	struct err e = ERR_INIT;

	cr_assert_eq(session_begin(s, HOME_WRITE, &st, &e), 0, "%s", e.msg);
	for (int i = 0; i < 200; i++) {
		char hex[FPR_HEX_LEN], addr[64];
		const char *a = addr;
		struct st_peer *p;

		snprintf(hex, sizeof hex, "%064X", i + 1);
		snprintf(addr, sizeof addr, "filler%d@example.org", i);
		p = state_peer_add(st, hex, &a, 1);
		memcpy(p->key, "EC P-256", 9);
		memcpy(p->not_before, NOW, sizeof NOW);
		memcpy(p->not_after, NOW, sizeof NOW);
		memcpy(p->received, NOW, sizeof NOW);
	}
	cr_assert_eq(state_save(session_home(s), st, &e), 0, "%s", e.msg);
	session_end(s, 1);
}

static struct rlimit saved;

static void
limit_files(rlim_t n)
{
	struct rlimit lim;

	cr_assert_eq(getrlimit(RLIMIT_FSIZE, &saved), 0);
	lim = saved;
	lim.rlim_cur = n;
	signal(SIGXFSZ, SIG_IGN);
	cr_assert_eq(setrlimit(RLIMIT_FSIZE, &lim), 0);
}

static void
unlimit_files(void)
{
	cr_assert_eq(setrlimit(RLIMIT_FSIZE, &saved), 0);
}

Test(op, a_failed_save_takes_back_what_the_operation_wrote)
{
	struct session *a = person("a", "Alice", "alice@example.org");
	struct session *s = person("s", "Sam", "sam@example.org");
	char *is = intro(s, "alice@example.org", "is.eml"), *home = at("a"), *dir = at("tests");
	char *bk = at("backup.p12"), *before, *after;
	struct op_backup b = {.path = bk, .compat = P12_LEGACY, .now = now};
	struct p12_backup_done done;
	struct op_trust_res tr;
	struct op_send_res sr;
	struct err e = ERR_INIT;

	import(a, is);
	cr_assert_eq(op_trust(a, "sam@example.org", VERIFY_IN_PERSON, 0, now, &tr, &e), 0, "%s",
		     e.msg);
	fatten(a);
	before = tu_tree_hash(home);
	limit_files(16 << 10); /* messages and backups fit; the checklist not */
	cr_expect_eq(op_matrix_send(a, "sam@example.org", dir, 0, now, &ask, &sr, &e), -1);
	cr_expect(strstr(e.msg, "the disk is full") != NULL, "%s", e.msg);
	err_clear(&e);
	cr_expect_eq(op_backup(a, &b, &ask, &done, &e), -1);
	cr_expect(strstr(e.msg, "the disk is full") != NULL, "%s", e.msg);
	unlimit_files();
	after = tu_tree_hash(home);
	cr_expect_str_eq(after, before);
	cr_expect_not(path_exists(bk), "the backup was left behind");
	{
		char *f = path_join(dir, "plain.eml");

		cr_expect_not(path_exists(f), "a test message was left behind");
		free(f);
	}
	session_close(a);
	session_close(s);
	free(is);
	free(home);
	free(dir);
	free(bk);
	free(before);
	free(after);
}
