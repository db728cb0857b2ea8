/* test_state — the checklist file: format, round trip, damage, versions,
 * generations, full disk, and the record helpers. */
#include "config.h"

#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <criterion/criterion.h>

#include "fileio.h"
#include "home.h"
#include "state.h"
#include "testutil.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define NAME     "/some/home/checklist" /* the name parse errors must carry */

/* What *out holds before a call that must set it to NULL on failure. */
static char poison_byte;
#define POISON ((struct state *)(void *)&poison_byte)

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

static char *
hpath(const char *rel)
{
	return home_path(&home, rel);
}

/* The home's entries, sorted and joined by spaces. */
static char *
names(void)
{
	struct dirent **list;
	int n = scandir(home.dir, &list, NULL, alphasort);
	char *out = calloc(1, 1);
	size_t len = 0;

	cr_assert_geq(n, 0);
	for (int i = 0; i < n; i++) {
		const char *d = list[i]->d_name;

		if (strcmp(d, ".") != 0 && strcmp(d, "..") != 0) {
			out = realloc(out, len + strlen(d) + 2);
			len += (size_t)sprintf(out + len, "%s%s", len ? " " : "", d);
		}
		free(list[i]);
	}
	free(list);
	return out;
}

static void
expect_names(const char *want)
{
	char *got = names();

	cr_expect_str_eq(got, want, "the home holds \"%s\", expected \"%s\"", got, want);
	free(got);
}

static void
expect_file(const char *rel, const char *want, size_t wantlen)
{
	char *p = hpath(rel), *got;
	size_t len;

	got = tu_read(p, &len);
	cr_expect_eq(len, wantlen, "%s: %zu bytes, expected %zu", rel, len, wantlen);
	cr_expect(len == wantlen && memcmp(got, want, len) == 0, "%s differs:\n%s\nexpected:\n%.*s",
		  rel, got, (int)wantlen, want);
	free(got);
	free(p);
}

/* Parse exactly `len` bytes from a buffer of exactly that size, so a read
 * past the end is caught by the address sanitizer. */
static int
parse_exact(const char *text, size_t len, struct state **out, struct err *e)
{
	char *buf = malloc(len ? len : 1);
	int rc;

	cr_assert_not_null(buf);
	memcpy(buf, text, len);
	rc = state_parse(buf, len, NAME, out, e);
	free(buf);
	return rc;
}

static void
expect_damaged_n(const char *text, size_t len, const char *what)
{
	struct state *st = POISON;
	struct err e = ERR_INIT;

	cr_expect_eq(parse_exact(text, len, &st, &e), -1, "%s: accepted", what);
	cr_expect_null(st, "%s", what);
	if (st != POISON)
		state_free(st);
	cr_expect(strstr(e.msg, NAME " is damaged") != NULL, "%s: \"%s\"", what, e.msg);
	cr_expect(strstr(e.msg, "padseal changed nothing") != NULL, "%s: \"%s\"", what, e.msg);
	cr_expect(strstr(e.msg, "put back the previous version checklist.prev") != NULL,
		  "%s: \"%s\"", what, e.msg);
}

static void
expect_damaged(const char *text, const char *what)
{
	expect_damaged_n(text, strlen(text), what);
}

/* A state with some ordinary records. */
static struct state *
sample(void)
{
	struct state *st = state_new();
	struct rec *r;

	r = state_add(st, "identity");
	rec_set(r, "fpr", "AB:CD:EF");
	rec_set(r, "name", "Super User");
	r = state_add(st, "backup");
	rec_set(r, "done", "1");
	r = state_add(st, "peer");
	rec_set(r, "email", "alice@example.org");
	rec_set(r, "trust", "phone");
	r = state_add(st, "peer");
	rec_set(r, "email", "Bob@Example.ORG");
	return st;
}

static char *
text_of(const struct state *st, size_t *len)
{
	char *t = state_format(st, len);

	cr_assert_not_null(t);
	return t;
}

/* ====================================================================== */
/* The format                                                              */
/* ====================================================================== */

Test(state, format_is_framed_and_one_record_per_line)
{
	struct state *st = sample();
	size_t len;
	char *t = text_of(st, &len);

	cr_expect_eq(strlen(t), len);
	cr_expect_eq(strncmp(t, "padseal-checklist 1\n", 20), 0, "%s", t);
	cr_expect(len >= 5 && strcmp(t + len - 5, "\nend\n") == 0, "%s", t);
	cr_expect(strstr(t, "\nidentity fpr=AB:CD:EF name=Super%20User\n"
			    "backup done=1\n"
			    "peer email=alice@example.org trust=phone\n"
			    "peer email=Bob@Example.ORG\n"
			    "end\n") != NULL,
		  "%s", t);
	free(t);
	state_free(st);
}

Test(state, an_empty_state_round_trips)
{
	struct state *st = state_new(), *back = NULL;
	struct err e = ERR_INIT;
	size_t len;
	char *t = text_of(st, &len);

	cr_expect_eq(strncmp(t, "padseal-checklist 1\n", 20), 0);
	cr_expect(strcmp(t + len - 5, "\nend\n") == 0, "%s", t);
	cr_assert_eq(parse_exact(t, len, &back, &e), 0, "%s", e.msg);
	cr_expect_null(state_first(back, NULL));
	free(t);
	state_free(st);
	state_free(back);
}

static const struct {
	const char *key, *val, *escaped; /* escaped: as it must appear */
} values[] = {
	{"space", "two words", "two%20words"},
	{"eq", "a=b", "a%3Db"},
	{"pct", "100%", "100%25"},
	{"nl", "line1\nline2", "line1%0Aline2"},
	{"crlf", "x\r\ny", "x%0D%0Ay"},
	{"tab", "a\tb", "a%09b"},
	{"del",
	 "a\x7f"
	 "b",
	 "a%7Fb"},
	{"utf8", "J\xc3\xbcrgen \xe2\x9c\x93", "J\xc3\xbcrgen%20\xe2\x9c\x93"},
	{"empty", "", ""},
	{"literal", "%41%", "%2541%25"},
	{"hash", "#not-a-comment", "#not-a-comment"},
	{"end", "end", "end"},
	{"lead", " lead and trail ", "%20lead%20and%20trail%20"},
};

static struct state *
tricky(void)
{
	struct state *st = state_new();
	struct rec *r = state_add(st, "peer");

	for (size_t i = 0; i < NELEM(values); i++)
		rec_set(r, values[i].key, values[i].val);
	r = state_add(st, "identity");
	rec_set(r, "name", "Super User");
	return st;
}

static void
expect_tricky(const struct state *st)
{
	struct rec *r = state_first(st, NULL);

	cr_assert_not_null(r);
	cr_expect_str_eq(rec_kind(r), "peer");
	for (size_t i = 0; i < NELEM(values); i++) {
		const char *v = rec_get(r, values[i].key);

		cr_expect_not_null(v, "%s lost", values[i].key);
		if (v != NULL)
			cr_expect_str_eq(v, values[i].val, "%s: \"%s\"", values[i].key, v);
	}
	r = state_next(r, NULL);
	cr_assert_not_null(r);
	cr_expect_str_eq(rec_kind(r), "identity");
	cr_expect_str_eq(rec_get(r, "name"), "Super User");
	cr_expect_null(state_next(r, NULL));
}

Test(state, values_needing_escapes_round_trip)
{
	struct state *st = tricky(), *back = NULL;
	struct err e = ERR_INIT;
	size_t len, lines = 0;
	char *t = text_of(st, &len);

	for (size_t i = 0; i < NELEM(values); i++) {
		char want[128];
		const char *at;

		snprintf(want, sizeof want, " %s=%s", values[i].key, values[i].escaped);
		at = strstr(t, want);
		cr_expect(at != NULL && (at[strlen(want)] == ' ' || at[strlen(want)] == '\n'),
			  "\"%s\" not in:\n%s", want, t);
	}
	/* header, comment, two records, end: nothing split a line */
	for (size_t i = 0; i < len; i++)
		lines += t[i] == '\n';
	cr_expect_eq(lines, 5, "%s", t);
	cr_expect_null(strchr(t, '\t'));
	cr_expect_null(strchr(t, '\r'));

	cr_assert_eq(parse_exact(t, len, &back, &e), 0, "%s", e.msg);
	expect_tricky(back);
	free(t);
	state_free(st);
	state_free(back);
}

Test(state, save_and_load_round_trip, .init = setup, .fini = teardown)
{
	struct state *st = tricky(), *back = NULL;
	struct err e = ERR_INIT;
	size_t len;
	char *t = text_of(st, &len);

	cr_assert_eq(state_save(&home, st, &e), 0, "%s", e.msg);
	expect_file(STATE_FILE, t, len);
	cr_assert_eq(state_load(&home, &back, &e), 0, "%s", e.msg);
	expect_tricky(back);
	free(t);
	state_free(st);
	state_free(back);
}

Test(state, hand_edits_are_accepted)
{
	static const char t[] = "padseal-checklist 1\n"
				"\n"
				"# a note someone added\n"
				"peer email=a%3db%3D x=%e2%9c%93\n"
				"\n"
				"backup\n"
				"end\n";
	struct state *st = NULL;
	struct err e = ERR_INIT;
	struct rec *r;

	cr_assert_eq(parse_exact(t, sizeof t - 1, &st, &e), 0, "%s", e.msg);
	r = state_first(st, NULL);
	cr_assert_not_null(r);
	cr_expect_str_eq(rec_get(r, "email"), "a=b=");
	cr_expect_str_eq(rec_get(r, "x"), "\xe2\x9c\x93");
	r = state_next(r, NULL);
	cr_assert_not_null(r);
	cr_expect_str_eq(rec_kind(r), "backup");
	cr_expect_null(rec_get(r, "email"));
	cr_expect_null(state_next(r, NULL));
	state_free(st);
}

/* ====================================================================== */
/* Damage                                                                  */
/* ====================================================================== */

Test(state, truncated_files_are_damaged)
{
	struct state *st = sample();
	size_t len;
	char *t = text_of(st, &len);
	const char *rec = strstr(t, "\npeer email=alice"), *end = t + len - 4;
	size_t cuts[] = {
		0,                      /* nothing */
		1,                      /* "p" */
		17,                     /* "padseal-checklist" */
		18,                     /* "padseal-checklist " */
		19,                     /* no newline after the version */
		20,                     /* the header alone */
		30,                     /* inside the comment */
		(size_t)(rec - t) + 1,  /* after a whole line */
		(size_t)(rec - t) + 8,  /* inside a key */
		(size_t)(rec - t) + 14, /* inside a value */
		(size_t)(end - t),      /* "end" missing */
		(size_t)(end - t) + 2,  /* "en" */
		len - 1,                /* "end" without its newline */
	};

	cr_assert_not_null(rec);
	cr_assert_str_eq(end, "end\n");
	for (size_t i = 0; i < NELEM(cuts); i++) {
		char what[64];

		snprintf(what, sizeof what, "cut at %zu of %zu", cuts[i], len);
		expect_damaged_n(t, cuts[i], what);
	}
	free(t);
	state_free(st);
}

Test(state, damage_is_located_by_line)
{
	static const struct {
		const char *text;
		const char *where;
	} t[] = {
		{"padseal-checklist 1\npeer email=a email=b\nend\n", "at line 2"},
		{"padseal-checklist 1\n# c\n\npeer a=1 a=2\nend\n", "at line 4"},
		{"padseal-checklist 1\npeer a=1\npeer b=2\npeer c=3", "at line 4"},
		{"padseal-checklist 1\nend\nend\n", "at line 3"},
		{"hello\n", "damaged or not a padseal checklist"},
	};

	for (size_t i = 0; i < NELEM(t); i++) {
		struct state *st = NULL;
		struct err e = ERR_INIT;

		cr_expect_eq(parse_exact(t[i].text, strlen(t[i].text), &st, &e), -1);
		cr_expect(strstr(e.msg, t[i].where) != NULL, "case %zu: \"%s\"", i, e.msg);
		cr_expect(strstr(e.msg, NAME) != NULL, "case %zu: \"%s\"", i, e.msg);
	}
}

Test(state, duplicate_keys_are_damage)
{
	expect_damaged("padseal-checklist 1\npeer email=a@x.org email=b@x.org\nend\n",
		       "duplicate key");
	expect_damaged("padseal-checklist 1\npeer email=a email=a\nend\n",
		       "duplicate key, same value");
}

/* Malformed headers, and record lines between a good header and "end". */
static const char *const bad_headers[] = {
	"hello world\n",
	"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
	"padseal-checklist\nend\n",
	"padseal-checklist \nend\n",
	"padseal-checklist x\nend\n",
	"padseal-checklist 1x\nend\n",
	"padseal-checklist 0\nend\n",
	"padseal-checklist -1\nend\n",
	"padseal-checklist 1 \nend\n",
	"padseal-checklistX1\nend\n",
	"PADSEAL-CHECKLIST 1\nend\n",
	"padseal-checklist 1\r\nend\r\n",
	" padseal-checklist 1\nend\n",
	"padseal-checklist +1\nend\n",
	"padseal-checklist \n1\nend\n",
};

static const char *const bad_lines[] = {
	"Peer email=a", /* kinds are lower case */
	"peer Email=a", /* keys too */
	"pe.er email=a",
	"peer email",     /* no '=' */
	"peer =a",        /* no key */
	"peer  email=a",  /* two spaces */
	"peer email=a ",  /* trailing space */
	" peer email=a",  /* leading space */
	"peer email=a b", /* raw space in a value */
	"peer email=%4",  /* cut escape */
	"peer email=a%",
	"peer email=%G0", /* not hex */
	"peer email=%00", /* NUL */
	"end ",
	"END",
	"end\r",
	"=",
	"\xef\xbb\xbfpeer email=a", /* a byte order mark */
};

Test(state, garbage_is_damage)
{
	for (size_t i = 0; i < NELEM(bad_headers); i++)
		expect_damaged(bad_headers[i], bad_headers[i]);
	for (size_t i = 0; i < NELEM(bad_lines); i++) {
		char text[256];

		snprintf(text, sizeof text, "padseal-checklist 1\n%s\nend\n", bad_lines[i]);
		expect_damaged(text, bad_lines[i]);
	}
	/* Anything after "end" means two files were run together. */
	expect_damaged("padseal-checklist 1\nend\npeer email=a\n", "after end");
	expect_damaged("padseal-checklist 1\nend\n\n", "blank after end");
}

Test(state, random_bytes_are_damage)
{
	unsigned char buf[1024];
	unsigned int x = 12345;

	for (int round = 0; round < 32; round++) {
		char what[32];

		for (size_t i = 0; i < sizeof buf; i++) {
			x = x * 1103515245u + 12345u;
			buf[i] = (unsigned char)(x >> 16);
		}
		snprintf(what, sizeof what, "random round %d", round);
		expect_damaged_n((const char *)buf, sizeof buf, what);
	}
}

Test(state, nul_bytes_are_damage)
{
	struct state *st = sample();
	size_t len;
	char *t = text_of(st, &len);
	const size_t at[] = {0, 5, 19, (size_t)(strstr(t, "alice") - t), len - 2};

	for (size_t i = 0; i < NELEM(at); i++) {
		char *copy = malloc(len), what[32];

		memcpy(copy, t, len);
		copy[at[i]] = '\0';
		snprintf(what, sizeof what, "NUL at %zu", at[i]);
		expect_damaged_n(copy, len, what);
		free(copy);
	}
	free(t);
	state_free(st);
}

Test(state, a_newer_format_is_refused_by_name)
{
	static const char *const newer[] = {
		"padseal-checklist 2\nend\n",
		"padseal-checklist 2\nsomething {new} entirely\nend\n",
		"padseal-checklist 2\n", /* even cut short: the version rules */
		"padseal-checklist 17\nend\n",
	};

	for (size_t i = 0; i < NELEM(newer); i++) {
		struct state *st = POISON;
		struct err e = ERR_INIT;

		cr_expect_eq(parse_exact(newer[i], strlen(newer[i]), &st, &e), -1);
		cr_expect_null(st);
		if (st != POISON)
			state_free(st);
		cr_expect(strstr(e.msg, NAME " was written by a newer padseal") != NULL,
			  "case %zu: \"%s\"", i, e.msg);
		cr_expect(strstr(e.msg, "this one reads 1") != NULL, "\"%s\"", e.msg);
		cr_expect(strstr(e.msg, "padseal changed nothing") != NULL, "\"%s\"", e.msg);
		cr_expect(strstr(e.msg, "damaged") == NULL, "\"%s\"", e.msg);
	}
}

/* ====================================================================== */
/* Loading from the home                                                   */
/* ====================================================================== */

Test(state, a_missing_checklist_is_an_empty_state, .init = setup, .fini = teardown)
{
	struct state *st = NULL;
	struct err e = ERR_INIT;
	char *before = tu_tree_hash(tmp), *after;

	cr_assert_eq(state_load(&home, &st, &e), 0, "%s", e.msg);
	cr_assert_not_null(st);
	cr_expect_null(state_first(st, NULL));
	after = tu_tree_hash(tmp);
	cr_expect_str_eq(after, before);
	expect_names(".lock");
	state_free(st);
	free(before);
	free(after);
}

Test(state, a_missing_home_is_an_empty_state, .init = setup, .fini = teardown)
{
	struct home h = {0};
	struct state *st = NULL;
	struct err e = ERR_INIT;
	char *dir = path_join(tmp, "not-yet");

	cr_assert_eq(home_open(&h, dir, HOME_READ, &e), 0, "%s", e.msg);
	cr_assert_eq(state_load(&h, &st, &e), 0, "%s", e.msg);
	cr_expect_null(state_first(st, NULL));
	cr_expect(!path_exists(dir));
	home_close(&h);
	state_free(st);
	free(dir);
}

/* Put `text` in the home's checklist, load, expect an error with `frag`, and
 * everything in the home as it was. */
static void
expect_load_fails(const char *text, size_t len, const char *frag)
{
	char *path = hpath(STATE_FILE), *prev = hpath(STATE_PREV);
	char *before, *after;
	struct state *st = POISON;
	struct err e = ERR_INIT;

	tu_write(path, text, len);
	tu_write(prev, "padseal-checklist 1\nend\n", 24);
	before = tu_tree_hash(tmp);
	cr_expect_eq(state_load(&home, &st, &e), -1, "%zu bytes loaded", len);
	cr_expect_null(st);
	if (st != POISON)
		state_free(st);
	cr_expect(strstr(e.msg, path) != NULL, "\"%s\" does not name %s", e.msg, path);
	cr_expect(strstr(e.msg, frag) != NULL, "\"%s\" lacks \"%s\"", e.msg, frag);
	after = tu_tree_hash(tmp);
	cr_expect_str_eq(after, before, "the home changed");
	free(before);
	free(after);
	free(path);
	free(prev);
}

Test(state, a_damaged_checklist_on_disk, .init = setup, .fini = teardown)
{
	struct state *st = sample();
	size_t len;
	char *t = text_of(st, &len);
	static const size_t cuts[] = {1, 19, 40, 100};

	for (size_t i = 0; i < NELEM(cuts); i++)
		expect_load_fails(t, cuts[i], " is damaged");
	expect_load_fails(t, len - 4, " is damaged at line 7");
	expect_load_fails("\0\0\0\0", 4, " is damaged");
	expect_load_fails("padseal-checklist 2\nend\n", 24, " was written by a newer padseal");
	free(t);
	state_free(st);
}

Test(state, an_emptied_checklist_is_damaged, .init = setup, .fini = teardown)
{
	/* Cut at zero bytes (a crash on a file system without fsync). */
	expect_load_fails("", 0, " is damaged");
	expect_load_fails("", 0, "checklist.prev");
}

/* ====================================================================== */
/* Saving                                                                  */
/* ====================================================================== */

Test(state, save_keeps_the_previous_generation, .init = setup, .fini = teardown)
{
	struct state *st = sample();
	struct err e = ERR_INIT;
	size_t l1, l2, l3;
	char *t1, *t2, *t3, *f = hpath(STATE_FILE), *p = hpath(STATE_PREV);

	umask(0);
	t1 = text_of(st, &l1);
	cr_assert_eq(state_save(&home, st, &e), 0, "%s", e.msg);
	expect_file(STATE_FILE, t1, l1);
	expect_names(".lock checklist");
	cr_expect_eq(tu_mode(f), 0600);

	rec_set(state_first(st, "backup"), "done", "2");
	t2 = text_of(st, &l2);
	cr_assert_eq(state_save(&home, st, &e), 0, "%s", e.msg);
	expect_file(STATE_FILE, t2, l2);
	expect_file(STATE_PREV, t1, l1);
	expect_names(".lock checklist checklist.prev");

	state_add(st, "peer");
	t3 = text_of(st, &l3);
	cr_assert_eq(state_save(&home, st, &e), 0, "%s", e.msg);
	expect_file(STATE_FILE, t3, l3);
	expect_file(STATE_PREV, t2, l2);
	expect_names(".lock checklist checklist.prev");
	cr_expect_eq(tu_mode(f), 0600);
	cr_expect_eq(tu_mode(p), 0600);

	free(t1);
	free(t2);
	free(t3);
	free(f);
	free(p);
	state_free(st);
}

Test(state, save_replaces_an_open_checklist, .init = setup, .fini = teardown)
{
	/* An older padseal (or a person) left the file readable by others. */
	struct state *st = sample();
	struct err e = ERR_INIT;
	char *f = hpath(STATE_FILE);

	tu_write(f, "padseal-checklist 1\nend\n", 24);
	cr_assert_eq(chmod(f, 0644), 0);
	cr_assert_eq(state_save(&home, st, &e), 0, "%s", e.msg);
	cr_expect_eq(tu_mode(f), 0600);
	expect_file(STATE_PREV, "padseal-checklist 1\nend\n", 24);
	free(f);
	state_free(st);
}

Test(state, save_clears_leftovers_of_a_crash, .init = setup, .fini = teardown)
{
	static const char old[] = "padseal-checklist 1\nbackup done=1\nend\n";
	struct state *st = sample();
	struct err e = ERR_INIT;
	char *stale = hpath("checklist.prev.tmp");
	char *f = hpath(STATE_FILE);
	size_t len;
	char *t = text_of(st, &len);

	tu_write(f, old, sizeof old - 1);
	tu_write(stale, "older", 5);
	cr_assert_eq(state_save(&home, st, &e), 0, "%s", e.msg);
	expect_file(STATE_FILE, t, len);
	expect_file(STATE_PREV, old, sizeof old - 1);
	expect_names(".lock checklist checklist.prev");
	free(t);
	free(f);
	free(stale);
	state_free(st);
}

static int
save_on_full_disk(const struct state *st, rlim_t limit, struct err *e)
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

Test(state, save_on_a_full_disk_keeps_the_checklist, .init = setup, .fini = teardown)
{
	struct state *st = sample(), *back = NULL;
	struct err e = ERR_INIT;
	char big[4096], *t1, *t2, *f = hpath(STATE_FILE), *before, *after;
	size_t l1, l2;

	t1 = text_of(st, &l1);
	cr_assert_eq(state_save(&home, st, &e), 0, "%s", e.msg);
	memset(big, 'b', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	rec_set(state_add(st, "note"), "text", big);
	t2 = text_of(st, &l2);

	before = tu_tree_hash(tmp);
	cr_expect_eq(save_on_full_disk(st, 1024, &e), -1);
	cr_expect(strstr(e.msg, "cannot write ") != NULL, "\"%s\"", e.msg);
	cr_expect(strstr(e.msg, home.dir) != NULL, "\"%s\"", e.msg);
	cr_expect(strstr(e.msg, ": the disk is full") != NULL, "\"%s\"", e.msg);
	/* Nothing in the home changed, not even checklist.prev. */
	expect_file(STATE_FILE, t1, l1);
	cr_expect_eq(tu_mode(f), 0600);
	expect_names(".lock checklist");
	after = tu_tree_hash(tmp);
	cr_expect_str_eq(after, before);
	free(before);
	free(after);

	/* Room again: the next save works and leaves nothing stray. */
	err_clear(&e);
	cr_assert_eq(state_save(&home, st, &e), 0, "%s", e.msg);
	expect_file(STATE_FILE, t2, l2);
	expect_file(STATE_PREV, t1, l1);
	expect_names(".lock checklist checklist.prev");
	cr_assert_eq(state_load(&home, &back, &e), 0, "%s", e.msg);
	cr_expect_str_eq(rec_get(state_first(back, "note"), "text"), big);

	free(t1);
	free(t2);
	free(f);
	state_free(st);
	state_free(back);
}

/* ====================================================================== */
/* Records                                                                 */
/* ====================================================================== */

Test(state, rec_set_replaces_and_removes)
{
	struct state *st = state_new();
	struct rec *r = state_add(st, "peer");
	size_t len;
	char *t;

	cr_expect_str_eq(rec_kind(r), "peer");
	cr_expect_null(rec_get(r, "a"));
	rec_set(r, "a", "1");
	rec_set(r, "b", "2");
	rec_set(r, "c", "3");
	rec_set(r, "b", "two");
	cr_expect_str_eq(rec_get(r, "b"), "two");

	rec_set(r, "b", NULL);
	cr_expect_null(rec_get(r, "b"));
	cr_expect_str_eq(rec_get(r, "a"), "1");
	cr_expect_str_eq(rec_get(r, "c"), "3");
	rec_set(r, "missing", NULL); /* no-op */
	cr_expect_null(rec_get(r, "missing"));

	t = text_of(st, &len);
	cr_expect(strstr(t, "\npeer a=1 c=3\n") != NULL, "%s", t);
	free(t);

	rec_set(r, "a", NULL);
	rec_set(r, "c", NULL);
	cr_expect_null(rec_get(r, "a"));
	cr_expect_null(rec_get(r, "c"));
	t = text_of(st, &len);
	cr_expect(strstr(t, "\npeer\nend\n") != NULL, "%s", t);
	free(t);

	/* The copy is the record's own. */
	{
		char v[] = "mutable";

		rec_set(r, "v", v);
		v[0] = 'X';
		cr_expect_str_eq(rec_get(r, "v"), "mutable");
	}
	state_free(st);
}

Test(state, find_ignores_case_of_the_value)
{
	struct state *st = sample();
	struct rec *alice = state_first(st, "peer"), *bob = state_next(alice, "peer");

	cr_assert_not_null(bob);
	cr_expect_eq(state_find(st, "peer", "email", "alice@example.org"), alice);
	cr_expect_eq(state_find(st, "peer", "email", "ALICE@Example.Org"), alice);
	cr_expect_eq(state_find(st, "peer", "email", "bob@example.org"), bob);
	cr_expect_eq(state_find(st, NULL, "email", "BOB@EXAMPLE.ORG"), bob);
	cr_expect_null(state_find(st, "peer", "email", "carol@example.org"));
	cr_expect_null(state_find(st, "peer", "email", "alice@example.or"));
	cr_expect_null(state_find(st, "identity", "email", "alice@example.org"));
	cr_expect_null(state_find(st, "peer", "EMAIL", "alice@example.org"), "keys are exact");
	cr_expect_eq(state_find(st, "identity", "name", "super user"), state_first(st, "identity"));
	state_free(st);
}

Test(state, iterate_by_kind)
{
	struct state *st = sample();
	const char *all[] = {"identity", "backup", "peer", "peer"};
	size_t n = 0;

	for (struct rec *r = state_first(st, NULL); r; r = state_next(r, NULL)) {
		cr_assert_lt(n, NELEM(all));
		cr_expect_str_eq(rec_kind(r), all[n]);
		n++;
	}
	cr_expect_eq(n, 4);
	n = 0;
	for (struct rec *r = state_first(st, "peer"); r; r = state_next(r, "peer"))
		n++;
	cr_expect_eq(n, 2);
	cr_expect_null(state_first(st, "nothing"));
	cr_expect_null(state_next(state_first(st, "backup"), "backup"));
	state_free(st);
}

Test(state, del_unlinks_the_record)
{
	struct state *st = sample();
	struct rec *alice = state_find(st, "peer", "email", "alice@example.org");
	size_t len;
	char *t;

	state_del(st, alice);
	cr_expect_null(state_find(st, "peer", "email", "alice@example.org"));
	cr_expect_str_eq(rec_get(state_first(st, "peer"), "email"), "Bob@Example.ORG");

	state_del(st, state_first(st, NULL)); /* the first */
	cr_expect_str_eq(rec_kind(state_first(st, NULL)), "backup");

	state_del(st, state_first(st, "peer")); /* the last */
	cr_expect_null(state_first(st, "peer"));
	cr_expect_str_eq(rec_kind(state_first(st, NULL)), "backup");
	cr_expect_null(state_next(state_first(st, NULL), NULL));

	t = text_of(st, &len);
	cr_expect(strstr(t, "\nbackup done=1\nend\n") != NULL, "%s", t);
	free(t);

	state_del(st, state_first(st, NULL));
	cr_expect_null(state_first(st, NULL));
	state_free(st);
	state_free(NULL);
}
