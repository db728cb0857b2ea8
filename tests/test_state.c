/* test_state — the checklist, typed: every record kind round trips; every
 * kind of damage is refused with the file and the line; version 1 files
 * are read; saving appends what changed and rewrites when the appended
 * part outgrows the rest; a batch cut short by a crash never happened; a
 * full disk changes nothing; the indexes answer as the lists do. */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "fileio.h"
#include "isotime.h"
#include "home.h"
#include "state.h"
#include "testutil.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define NAME     "/some/home/checklist" /* the name parse errors must carry */

#define HEX_A  "AAAA000000000000000000000000000000000000000000000000000000000001"
#define HEX_B  "BBBB000000000000000000000000000000000000000000000000000000000002"
#define HEX_C  "CCCC000000000000000000000000000000000000000000000000000000000003"
#define HEX_ME "EEEE00000000000000000000000000000000000000000000000000000000000E"
#define T0     "2026-06-01T10:00:00Z"
#define T1     "2026-06-02T11:30:00Z"

static char *tmp;
static struct home home;

static void
setup(void)
{
	struct err e = ERR_INIT;
	char *dir;

	tmp = tu_tmpdir();
	dir = path_join(tmp, "home");
	memset(&home, 0, sizeof home);
	cr_assert_eq(home_open(&home, dir, HOME_WRITE, &e), 0, "%s", e.msg);
	free(dir);
}

static void
teardown(void)
{
	home_close(&home);
	tu_rmtree(tmp);
	free(tmp);
}

static struct state *
parse_ok(const char *text)
{
	struct state *st = NULL;
	struct err e = ERR_INIT;

	cr_assert_eq(state_parse(text, strlen(text), NAME, &st, &e), 0, "%s\n%s", e.msg, text);
	return st;
}

/* A state holding one of every kind of record, with values that need
 * escaping. */
static struct state *
sample(void)
{
	static const char *const addrs[] = {"sam@example.org", "Sam.Other@Example.ORG"};
	struct state *st = state_new();
	struct st_ident *id = state_ident_put(st, HEX_ME);
	struct st_backup *b = state_backup_put(st, HEX_ME, "/tmp/my backups/a=b%c.p12");
	struct st_sent *s = state_sent_put(st, "sam@example.org");
	struct st_peer *p = state_peer_add(st, HEX_A, addrs, 2);
	struct st_install *in = state_install_put(st, HEX_ME, "iphone");
	struct st_install *tb = state_install_put(st, HEX_ME, "thunderbird");

	memcpy(in->at, T1, sizeof T1);
	in->dir = state_str(st, "/tmp/for the phone/x=y%");
	in->peers = state_str(st, HEX_A);
	memcpy(tb->at, T0, sizeof T0);
	tb->dir = state_str(st, "/home/me/.thunderbird/abc.default");
	tb->profile = 1;
	id->current = 1;
	memcpy(id->created, T0, sizeof T0);
	id->source = state_str(st, "create");
	memcpy(b->at, T1, sizeof T1);
	memcpy(b->compat, "legacy", 7);
	b->source = state_str(st, "backup");
	memcpy(s->at, T1, sizeof T1);
	s->how = SENT_IN_PERSON;
	p->name = state_str(st, "Sam \"Tester\" 100% = ok\tyes");
	memcpy(p->key, "EC P-256", 9);
	memcpy(p->not_before, T0, sizeof T0);
	memcpy(p->not_after, "2028-06-01T10:00:00Z", 21);
	p->not_after_t = iso_parse(p->not_after);
	memcpy(p->isn, "0123456789ABCDEF", 17);
	memcpy(p->sha1, "0123456789ABCDEF0123456789ABCDEF01234567", 41);
	p->lint = state_str(st, "self-signed,validity-long");
	memcpy(p->received, T0, sizeof T0);
	p->source = state_str(st, "intro from sam.eml");
	p->trusted = 1;
	p->verified = VERIFY_PHONE;
	memcpy(p->verified_at, T1, sizeof T1);
	p->cell[DIR_OUT][KIND_PLAIN] = (struct st_cell){CELL_PASSED, CELL_CONFIRMED, NULL,
							state_str(st, CELL_BY_PROGRAM), 1};
	p->cell[DIR_OUT][KIND_SIGNED] =
		(struct st_cell){CELL_SENT, CELL_CHECKED, NULL, state_str(st, CELL_BY_PADSEAL), 0};
	p->cell[DIR_IN][KIND_SIGNED] =
		(struct st_cell){CELL_PASSED, CELL_WARNED, state_str(st, "valid signature (SHA-1)"),
				 state_str(st, "Thunderbird 115.6.0"), 1};
	p->cell[DIR_IN][KIND_ENCRYPTED] =
		(struct st_cell){CELL_FAILED, CELL_CHECKED,
				 state_str(st, "could not be decrypted: no key of yours opens it"),
				 state_str(st, "NeoMutt 20220429"), 0};
	memcpy(p->test_from, T1, sizeof T1);
	return st;
}

static void
expect_same(const struct state *a, const struct state *b)
{
	size_t la, lb;
	char *ta = state_format(a, &la), *tb = state_format(b, &lb);

	cr_expect_str_eq(ta, tb);
	free(ta);
	free(tb);
}

Test(state, every_record_round_trips)
{
	struct state *st = sample(), *back;
	const struct st_peer *p;
	size_t len;
	char *text = state_format(st, &len);

	back = parse_ok(text);
	expect_same(st, back);
	p = state_peer_by_hex(back, HEX_A);
	cr_assert_not_null(p);
	cr_expect_eq(p->n_addr, 2);
	cr_expect_str_eq(p->addr[1], "Sam.Other@Example.ORG");
	cr_expect_str_eq(p->name, "Sam \"Tester\" 100% = ok\tyes");
	cr_expect_eq(p->trusted, 1);
	cr_expect_eq(p->verified, VERIFY_PHONE);
	cr_expect_eq(p->cell[DIR_OUT][KIND_PLAIN].how, CELL_CONFIRMED);
	cr_expect_eq(p->cell[DIR_IN][KIND_SIGNED].how, CELL_WARNED);
	cr_expect_str_eq(p->cell[DIR_IN][KIND_ENCRYPTED].why,
			 "could not be decrypted: no key of yours opens it");
	/* Who wrote each cell's message, spaces and all. */
	cr_expect_str_eq(p->cell[DIR_IN][KIND_ENCRYPTED].by, "NeoMutt 20220429");
	cr_expect_str_eq(p->cell[DIR_IN][KIND_SIGNED].by, "Thunderbird 115.6.0");
	cr_expect_str_eq(p->cell[DIR_OUT][KIND_SIGNED].by, CELL_BY_PADSEAL);
	cr_expect_str_eq(p->cell[DIR_OUT][KIND_PLAIN].by, CELL_BY_PROGRAM);
	cr_expect_null(p->cell[DIR_IN][KIND_PLAIN].by);
	cr_expect_eq(p->cell[DIR_IN][KIND_PLAIN].state, CELL_TODO);
	/* Confirmed as shown, and when the test started. */
	cr_expect_eq(p->cell[DIR_OUT][KIND_PLAIN].shown, 1);
	cr_expect_eq(p->cell[DIR_IN][KIND_SIGNED].shown, 1);
	cr_expect_eq(p->cell[DIR_IN][KIND_ENCRYPTED].shown, 0);
	cr_expect_str_eq(p->test_from, T1);
	cr_expect_not_null(strstr(text, " shown=10000100"));
	cr_expect_str_eq(state_backup_newest(back, HEX_ME)->path, "/tmp/my backups/a=b%c.p12");
	cr_expect_eq(state_sent_to(back, "SAM@example.org")->how, SENT_IN_PERSON);
	cr_expect_eq(state_ident_current(back) != NULL, 1);
	cr_expect_eq(state_n_installs(back), 2);
	cr_expect_str_eq(state_install_of(back, HEX_ME, "iphone")->dir, "/tmp/for the phone/x=y%");
	cr_expect_str_eq(state_install_of(back, HEX_ME, "iphone")->peers, HEX_A);
	cr_expect_eq(state_install_of(back, HEX_ME, "iphone")->profile, 0);
	cr_expect_eq(state_install_of(back, HEX_ME, "thunderbird")->profile, 1);
	cr_expect_str_eq(state_install_of(back, HEX_ME, "thunderbird")->peers, "");
	cr_expect_null(state_install_of(back, HEX_A, "iphone"));
	/* One record a line: nothing a value holds breaks a line. */
	cr_expect_eq(strchr(strstr(text, "\npeer "), '\t') == NULL ||
			     strchr(strstr(text, "\npeer "), '\t') >
				     strstr(strstr(text, "\npeer ") + 1, "\n"),
		     1);
	free(text);
	state_free(st);
	state_free(back);
}

Test(state, an_address_holding_a_comma_stays_one_address)
{
	static const char text[] =
		"padseal-checklist 2\n"
		"peer fpr=" HEX_A " addr=\"mallory,alice\"@evil.org key=RSA%203072 from=" T0
		" until=" T1 " received=" T0 "\n"
		"end\n";
	struct state *st = NULL;
	struct err e = ERR_INIT;

	/* Not an addr-spec padseal takes: refused, never split in two. */
	cr_expect_eq(state_parse(text, sizeof text - 1, NAME, &st, &e), -1);
	cr_expect(strstr(e.msg, "is not an address") != NULL, "%s", e.msg);
}

/* --- damage ------------------------------------------------------------------ */

#define GOOD_PEER                                                                      \
	"peer fpr=" HEX_A " addr=sam@example.org key=EC%20P-256 from=" T0 " until=" T1 \
	" received=" T0
static const struct {
	const char *line; /* the record on line 2 */
	const char *why;  /* what the message must say */
} damage[] = {
	{"peer addr=sam@example.org key=x from=" T0 " until=" T1 " received=" T0, "has no fpr"},
	{"peer fpr=1234 addr=sam@example.org key=x from=" T0 " until=" T1 " received=" T0,
	 "fpr is not a SHA-256"},
	{"peer fpr=" HEX_A " key=x from=" T0 " until=" T1 " received=" T0, "has no address"},
	{"peer fpr=" HEX_A " addr=sam@example.org from=" T0 " until=" T1 " received=" T0,
	 "has no key"},
	{"peer fpr=" HEX_A " addr=sam@example.org key=x from=" T0 " until=" T1, "has no received"},
	{GOOD_PEER " trusted=yes", "trusted is neither 0 nor 1"},
	{GOOD_PEER " verified=telepathy verified-at=" T0, "verified is not phone"},
	{GOOD_PEER " verified=phone", "verified is given without verified-at"},
	{GOOD_PEER " out=ppp", "does not hold four cells"},
	{GOOD_PEER " shown=1010", "shown does not hold eight 0 or 1"},
	{GOOD_PEER " shown=1010x010", "shown does not hold eight 0 or 1"},
	{GOOD_PEER " test-from=yesterday", "test-from"},
	{GOOD_PEER " in=ppxp", "holds a cell that is not one of"},
	{GOOD_PEER " received=" T1, "appears twice"},
	{GOOD_PEER " colour=blue", "the field colour is unknown"},
	{GOOD_PEER " until2=x", "unknown"},
	{GOOD_PEER " from=yesterday", "appears twice"},
	{"peer fpr=" HEX_A " addr=sam@example.org key=x from=tomorrow until=" T1 " received=" T0,
	 "from is not a time"},
	{GOOD_PEER " isn=xyz", "isn is not 16 hex digits"},
	{GOOD_PEER " lint=Bad%20Code", "lint is not a list"},
	{GOOD_PEER " name=%0", "broken %-escape"},
	{GOOD_PEER " name=%00", "broken %-escape"},
	{GOOD_PEER " name=", "is empty"},
	{"identity status=current created=" T0, "has no fpr"},
	{"identity fpr=" HEX_ME " status=maybe created=" T0, "neither current nor archived"},
	{"identity fpr=" HEX_ME " status=current", "has no created"},
	{"backup fpr=" HEX_ME " at=" T0, "has no path"},
	{"backup fpr=" HEX_ME " path=/x.p12", "has no at"},
	{"install prog=iphone at=" T0, "has no fpr"},
	{"install fpr=" HEX_ME " at=" T0, "has no prog"},
	{"install fpr=" HEX_ME " prog=iphone", "has no at"},
	{"install fpr=" HEX_ME " prog=Palm%20Pilot at=" T0, "not the name of a mail program"},
	{"install fpr=" HEX_ME " prog=iphone at=" T0 " how=carrier", "neither folder nor profile"},
	{"install fpr=" HEX_ME " prog=iphone at=" T0 " peers=" HEX_ME ",1234", "not a sorted list"},
	{"install fpr=" HEX_ME " prog=iphone at=" T0 " peers=" HEX_ME "," HEX_ME,
	 "not a sorted list"},
	{"sent at=" T0, "has no to"},
	{"sent to=Sam%20<sam@example.org> at=" T0, "to is not an address"},
	{"sent to=sam@example.org at=" T0 " how=pigeon", "how is neither mail nor in-person"},
	{"intro to=sam@example.org at=" T0, "is not a kind of record"},
	{"frobnicate x=1", "is not a kind of record"},
	{"Peer fpr=" HEX_A, "kind is not a word"},
	{" peer fpr=" HEX_A, "starts with a space"},
	{"peer fpr", "key=value"},
};

Test(state, every_kind_of_damage_names_the_file_the_line_and_the_remedy)
{
	for (size_t i = 0; i < NELEM(damage); i++) {
		char text[1024];
		struct state *st = NULL;
		struct err e = ERR_INIT;

		snprintf(text, sizeof text, "padseal-checklist 2\n%s\nend\n", damage[i].line);
		cr_expect_eq(state_parse(text, strlen(text), NAME, &st, &e), -1, "accepted: %s",
			     damage[i].line);
		cr_expect_null(st);
		cr_expect(strstr(e.msg, NAME " is damaged at line 2") != NULL, "%s: %s",
			  damage[i].line, e.msg);
		cr_expect(strstr(e.msg, damage[i].why) != NULL, "%s: wanted \"%s\" in \"%s\"",
			  damage[i].line, damage[i].why, e.msg);
		cr_expect(strstr(e.msg, STATE_PREV) != NULL, "the remedy: %s", e.msg);
		cr_expect(strstr(e.msg, "padseal changed nothing") != NULL, "%s", e.msg);
	}
}

Test(state, a_later_record_may_not_change_a_certificate_s_addresses)
{
	static const char text[] = "padseal-checklist 2\n" GOOD_PEER "\nend\n"
				   "peer fpr=" HEX_A " addr=mallory@example.org key=x from=" T0
				   " until=" T1 " received=" T0 "\nend\n";
	struct state *st = NULL;
	struct err e = ERR_INIT;

	cr_expect_eq(state_parse(text, sizeof text - 1, NAME, &st, &e), -1);
	cr_expect(strstr(e.msg, "at line 4") != NULL, "%s", e.msg);
	cr_expect(strstr(e.msg, "other addresses") != NULL, "%s", e.msg);
}

Test(state, cut_short_garbage_nul_and_future_files)
{
	static const struct {
		const char *text;
		size_t len;
		const char *want;
	} cases[] = {
		{"", 0, "not a padseal checklist"},
		{"hello\n", 6, "not a padseal checklist"},
		{"padseal-checklist 2\n", 20, "cut short"},
		{"padseal-checklist 2\n" GOOD_PEER "\n",
		 sizeof("padseal-checklist 2\n" GOOD_PEER "\n") - 1, "at line 3"},
		{"padseal-checklist 2\nend", 23, "cut short"},
		{"padseal-checklist x\nend\n", 24, "at line 1"},
		{"padseal-checklist 2\nend\n\0", 25, "NUL"},
		{"padseal-checklist 3\nend\n", 24, "newer padseal"},
	};

	for (size_t i = 0; i < NELEM(cases); i++) {
		struct state *st = NULL;
		struct err e = ERR_INIT;

		cr_expect_eq(state_parse(cases[i].text, cases[i].len, NAME, &st, &e), -1,
			     "case %zu", i);
		cr_expect(strstr(e.msg, cases[i].want) != NULL, "case %zu: %s", i, e.msg);
		cr_expect(strstr(e.msg, NAME) != NULL, "case %zu: %s", i, e.msg);
	}
}

Test(state, random_bytes_never_crash)
{
	unsigned char buf[512];

	srand(7);
	for (int round = 0; round < 2000; round++) {
		size_t n = (size_t)(rand() % (int)sizeof buf);
		struct state *st = NULL;
		struct err e = ERR_INIT;

		memcpy(buf, "padseal-checklist 2\n", 20);
		for (size_t i = 20; i < n; i++)
			buf[i] = (unsigned char)(" \n=%peraditdnf0123456789ABCDEF@.-"[rand() % 33]);
		if (state_parse((const char *)buf, n, NAME, &st, &e) == 0)
			state_free(st);
	}
}

/* --- version 1 ------------------------------------------------------------------ */

Test(state, version_1_is_read_as_it_was_meant)
{
	static const char text[] =
		"padseal-checklist 1\n"
		"# Written by padseal\n"
		"identity fpr=" HEX_ME " status=current created=" T0 "\n"
		"backup fpr=" HEX_ME " path=/x.p12 at=" T1 " compat=legacy source=backup\n"
		"intro to=sam@example.org at=" T1 "\n"
		"peer fpr=" HEX_A
		" fpr-colon=AA:AA email=sam@example.org emails=sam@example.org,s@example.org received=" T0
		" source=x.eml sent=" T1 " trusted=1 verified=phone verified-at=" T1
		" forced=0 changed=1"
		" out-plain=passed out-plain-why=confirmed%20by%20correspondent out-signed=sent"
		" in-signed=passed in-signed-why=valid%20signature%20(SHA-1:%20Thunderbird)%20trusted"
		" in-encrypted=failed in-encrypted-why=could%20not%20be%20decrypted"
		" in-plain=passed in-plain-why=from%20sam\n"
		"peer fpr=" HEX_B " email=sam@example.org emails=sam@example.org received=" T0
		" trusted=yes\n"
		"end\n";
	struct state *st = parse_ok(text);
	const struct st_peer *p = state_peer_by_hex(st, HEX_A), *q = state_peer_by_hex(st, HEX_B);

	cr_assert_not_null(p);
	cr_expect_eq(p->n_addr, 2);
	cr_expect_eq(p->trusted, 1);
	cr_expect_eq(q->trusted, 1, "version 1 read any value but 0 as trusted");
	cr_expect_eq(p->cell[DIR_OUT][KIND_PLAIN].how, CELL_CONFIRMED);
	cr_expect_eq(p->cell[DIR_OUT][KIND_SIGNED].state, CELL_SENT);
	cr_expect_eq(p->cell[DIR_IN][KIND_SIGNED].how, CELL_WARNED);
	cr_expect_str_eq(p->cell[DIR_IN][KIND_ENCRYPTED].why, "could not be decrypted");
	cr_expect_eq(p->cell[DIR_IN][KIND_PLAIN].how, CELL_CHECKED);
	cr_expect_null(p->cell[DIR_IN][KIND_PLAIN].why);
	cr_expect_not_null(state_sent_to(st, "sam@example.org"));
	cr_expect_eq(state_sent_to(st, "sam@example.org")->how, SENT_MAIL);
	state_free(st);
}

/* --- saving --------------------------------------------------------------------- */

static char *
hpath(const char *rel)
{
	return home_path(&home, rel);
}

static struct state *
load_ok(void)
{
	struct state *st = NULL;
	struct err e = ERR_INIT;

	cr_assert_eq(state_load(&home, &st, &e), 0, "%s", e.msg);
	return st;
}

static void
save_ok(struct state *st)
{
	struct err e = ERR_INIT;

	cr_assert_eq(state_save(&home, st, &e), 0, "%s", e.msg);
}

static size_t
file_size(const char *rel)
{
	char *p = hpath(rel);
	struct stat sb;
	size_t n = stat(p, &sb) == 0 ? (size_t)sb.st_size : 0;

	free(p);
	return n;
}

static struct st_peer *
add_peer(struct state *st, const char *hex, const char *addr)
{
	struct st_peer *p = state_peer_add(st, hex, &addr, 1);

	memcpy(p->key, "EC P-256", 9);
	memcpy(p->not_before, T0, sizeof T0);
	memcpy(p->not_after, T1, sizeof T1);
	memcpy(p->received, T0, sizeof T0);
	return p;
}

Test(state, a_change_is_appended_then_the_file_is_rewritten, .init = setup, .fini = teardown)
{
	struct state *st = sample(), *back;
	size_t base, after;
	char *f = hpath(STATE_FILE);

	save_ok(st);
	base = file_size(STATE_FILE);
	cr_expect_eq(tu_mode(f), 0600);
	/* One changed record: its line and an "end" go after what is there. */
	state_peer_edit(st, state_peer_by_hex(st, HEX_A))->trusted = 0;
	save_ok(st);
	after = file_size(STATE_FILE);
	cr_expect(after > base && after - base < 900, "appended %zu bytes", after - base);
	back = load_ok();
	cr_expect_eq(state_peer_by_hex(back, HEX_A)->trusted, 0);
	expect_same(st, back);
	state_free(back);
	/* Nothing changed: nothing is written. */
	save_ok(st);
	cr_expect_eq(file_size(STATE_FILE), after);
	/* Appends grow until they outweigh the rest (at least 64 KiB); then
	 * the file is written whole again, the old one kept. */
	for (int i = 0; i < 400; i++) {
		char at[ISO_TIME_LEN];

		iso_time(1780000000 + i, at);
		memcpy(state_peer_edit(st, state_peer_by_hex(st, HEX_A))->received, at, sizeof at);
		save_ok(st);
	}
	cr_expect(file_size(STATE_FILE) < 70u << 10, "%zu bytes", file_size(STATE_FILE));
	cr_expect(file_size(STATE_PREV) > 0, "the previous generation is kept");
	back = load_ok();
	expect_same(st, back);
	state_free(back);
	state_free(st);
	free(f);
}

Test(state, a_batch_cut_short_never_happened, .init = setup, .fini = teardown)
{
	struct state *st = sample(), *back;
	char *f = hpath(STATE_FILE), *text;
	size_t len;
	FILE *out;

	save_ok(st);
	text = tu_read(f, &len);
	/* A crash in the middle of appending a record. */
	out = fopen(f, "a");
	fputs("peer fpr=" HEX_B " addr=kim@exa", out);
	fclose(out);
	back = load_ok();
	cr_expect_null(state_peer_by_hex(back, HEX_B));
	expect_same(st, back);
	/* The next save cuts it off before it appends its own batch. */
	add_peer(back, HEX_C, "kim@example.org");
	save_ok(back);
	state_free(back);
	back = load_ok();
	cr_expect_not_null(state_peer_by_hex(back, HEX_C));
	cr_expect_null(state_peer_by_hex(back, HEX_B));
	state_free(back);
	state_free(st);
	free(text);
	free(f);
}

Test(state, stale_says_when_another_process_wrote, .init = setup, .fini = teardown)
{
	struct state *st = sample(), *other;

	save_ok(st);
	other = load_ok();
	cr_expect_eq(state_stale(&home, other), 0);
	add_peer(st, HEX_B, "kim@example.org");
	save_ok(st);
	cr_expect_eq(state_stale(&home, other), 1);
	cr_expect_eq(state_stale(&home, st), 0);
	state_free(other);
	state_free(st);
}

Test(state, a_missing_checklist_is_empty_unless_its_previous_version_is_there, .init = setup,
     .fini = teardown)
{
	struct state *st = load_ok();
	struct err e = ERR_INIT;
	char *prev = hpath(STATE_PREV);

	cr_expect_eq(state_n_peers(st), 0);
	state_free(st);
	tu_write(prev, "padseal-checklist 2\nend\n", 24);
	st = NULL;
	cr_expect_eq(state_load(&home, &st, &e), -1);
	cr_expect(strstr(e.msg, "cp ") != NULL, "%s", e.msg);
	free(prev);
}

static int
save_with_limit(struct state *st, rlim_t limit, struct err *e)
{
	struct rlimit old, lim;
	int rc;

	cr_assert_eq(getrlimit(RLIMIT_FSIZE, &old), 0);
	lim = old;
	lim.rlim_cur = limit;
	signal(SIGXFSZ, SIG_IGN);
	cr_assert_eq(setrlimit(RLIMIT_FSIZE, &lim), 0);
	rc = state_save(&home, st, e);
	cr_assert_eq(setrlimit(RLIMIT_FSIZE, &old), 0);
	return rc;
}

Test(state, a_full_disk_changes_nothing_whether_appending_or_rewriting, .init = setup,
     .fini = teardown)
{
	struct state *st = sample(), *back;
	struct err e = ERR_INIT;
	char *before, *after;
	size_t base;

	save_ok(st);
	base = file_size(STATE_FILE);
	state_peer_edit(st, state_peer_by_hex(st, HEX_A))->name =
		state_str(st, "a much longer name than before, to need room");
	before = tu_tree_hash(tmp);
	cr_expect_eq(save_with_limit(st, base + 10, &e), -1);
	cr_expect(strstr(e.msg, "the disk is full") != NULL, "%s", e.msg);
	after = tu_tree_hash(tmp);
	cr_expect_str_eq(after, before, "a failed append is cut back");
	free(after);
	/* The version 1 file of an older padseal is rewritten whole: also
	 * nothing changes when that fails. */
	{
		char *f = hpath(STATE_FILE);
		static const char v1[] = "padseal-checklist 1\nend\n";

		tu_write(f, v1, sizeof v1 - 1);
		state_free(st);
		st = load_ok();
		add_peer(st, HEX_B, "kim@example.org");
		free(before);
		before = tu_tree_hash(tmp);
		err_clear(&e);
		cr_expect_eq(save_with_limit(st, 20, &e), -1);
		after = tu_tree_hash(tmp);
		cr_expect_str_eq(after, before);
		free(after);
		err_clear(&e);
		save_ok(st);
		back = load_ok();
		cr_expect_not_null(state_peer_by_hex(back, HEX_B));
		state_free(back);
		free(f);
	}
	free(before);
	state_free(st);
}

/* --- indexes ---------------------------------------------------------------------- */

Test(state, lookups_by_address_ignore_case_and_keep_order)
{
	struct state *st = state_new();
	const struct st_peer *p;
	size_t it = 0, n = 0;

	add_peer(st, HEX_A, "sam@example.org");
	add_peer(st, HEX_B, "kim@example.org");
	add_peer(st, HEX_C, "Sam@Example.org");
	while ((p = state_peer_by_addr(st, "SAM@EXAMPLE.ORG", &it)) != NULL) {
		cr_expect_str_eq(p->hex, n == 0 ? HEX_A : HEX_C);
		n++;
	}
	cr_expect_eq(n, 2);
	cr_expect_eq(state_peer_index(st, state_peer_by_hex(st, HEX_C)), 2);
	cr_expect_null(
		state_peer_by_hex(st,
				  "aaaa000000000000000000000000000000000000000000000000000000000001"));
	state_free(st);
}

Test(state, ten_thousand_peers_index_and_round_trip)
{
	struct state *st = state_new(), *back;
	size_t len;
	char *text;

	for (int i = 0; i < 10000; i++) {
		char hex[FPR_HEX_LEN], addr[64];

		snprintf(hex, sizeof hex, "%064X", i);
		snprintf(addr, sizeof addr, "p%d@example.org", i % 9000);
		add_peer(st, hex, addr);
	}
	text = state_format(st, &len);
	back = parse_ok(text);
	cr_expect_eq(state_n_peers(back), 10000);
	{
		size_t it = 0, n = 0;

		while (state_peer_by_addr(back, "p42@example.org", &it) != NULL)
			n++;
		cr_expect_eq(n, 2);
	}
	state_free(st);
	state_free(back);
	free(text);
}

Test(state, definitions)
{
	struct state *st = state_new();
	struct st_peer *p = add_peer(st, HEX_A, "sam@example.org");
	enum verify_method m;

	cr_expect_eq(state_peer_retired(p), 0);
	memcpy(p->untrusted_at, T1, sizeof T1);
	cr_expect_eq(state_peer_retired(p), 1);
	p->trusted = 1;
	cr_expect_eq(state_peer_retired(p), 0, "trusted is never retired");
	p->trusted = 0;
	p->untrusted_at[0] = '\0';
	memcpy(p->rejected_at, T1, sizeof T1);
	cr_expect_eq(state_peer_retired(p), 1);
	cr_expect_eq(state_peer_has_addr(p, "SAM@example.org"), 1);
	cr_expect_eq(state_peer_has_addr(p, "sam@example.or"), 0);
	cr_expect_eq(verify_method_parse("in-person", &m), 0);
	cr_expect_eq(m, VERIFY_IN_PERSON);
	cr_expect_eq(verify_method_parse("Phone", &m), -1);
	cr_expect_str_eq(verify_method_name(VERIFY_OTHER), "other");
	cr_expect_eq(iso_parse("2026-02-30T00:00:00Z") != (time_t)-1, 1, "normalised by timegm");
	cr_expect_eq(iso_parse("2026-13-01T00:00:00Z"), (time_t)-1);
	cr_expect_eq(iso_parse("2026-01-01 00:00:00Z"), (time_t)-1);
	state_free(st);
}

Test(isotime, a_message_s_date_line_in_its_forms)
{
	static const struct {
		const char *in, *want; /* want "" : not a date */
	} cases[] = {
		{"Sun, 06 Dec 2026 04:32:15 +0000", "2026-12-06T04:32:15Z"},
		{"6 Dec 2026 05:32:15 +0100", "2026-12-06T04:32:15Z"},
		{"Sat, 17 Aug 2024 10:01:00 +0900 (JST)", "2024-08-17T01:01:00Z"},
		{"Tue, 3 Mar 2020 09:00 -0500", "2020-03-03T14:00:00Z"},
		{"Fri, 21 Nov 97 09:55:06 GMT", "1997-11-21T09:55:06Z"},
		{"Thu, 13 Feb 1969 23:32:54 EST", "1969-02-14T04:32:54Z"},
		{" (comment) Mon, 1 Jan 2001 00:00:00 +0000", "2001-01-01T00:00:00Z"},
		{"yesterday", ""},
		{"Mon, 32 Jan 2001 00:00:00 +0000", ""},
		{"Mon, 1 Foo 2001 00:00:00 +0000", ""},
		{"Mon, 1 Jan 2001 25:00:00 +0000", ""},
		{"", ""},
	};

	for (size_t i = 0; i < NELEM(cases); i++) {
		time_t t = mail_date_parse(cases[i].in);
		char got[ISO_TIME_LEN] = "";

		if (t != (time_t)-1)
			iso_time(t, got);
		cr_expect_str_eq(got, cases[i].want, "%s", cases[i].in);
	}
}
