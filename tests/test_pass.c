/* test_pass — the policy for new passphrases and passphrase files. */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "pass.h"
#include "testutil.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static char *dir;
static char poison[] = "poison"; /* *out before a call that must clear it */

static void
setup(void)
{
	dir = tu_tmpdir();
}

static void
teardown(void)
{
	tu_rmtree(dir);
	free(dir);
}

static char *
in_dir(const char *name)
{
	char *p;

	cr_assert(asprintf(&p, "%s/%s", dir, name) > 0);
	return p;
}

/* --- pass_check_new --- */

struct refused {
	const char *pass;
	const char *frag[2];
};

static const struct refused refused[] = {
	{"", {"the passphrase is empty", "needs one"}},
	{"a", {"too short: 1 characters, at least 10 are needed", NULL}},
	{"abc123", {"too short: 6 characters, at least 10 are needed", NULL}},
	{"abcd1234!", {"too short: 9 characters", NULL}},
	/* Characters, not bytes: 9 two-byte letters are still 9. */
	{"\xc3\xa4\xc3\xb6\xc3\xbc\xc3\xa4\xc3\xb6\xc3\xbc\xc3\xa4\xc3\xb6\xc3"
	 "\xbc",
	 {"too short: 9 characters", NULL}},
	{"aaaaaaaaaaaa", {"too few different characters (1)", NULL}},
	{"abababababababababab", {"different characters (2)", "unrelated words"}},
	{"abcdabcdabcdabcdabcd", {"different characters (4)", NULL}}, /* long, still refused */
	{"abcdefghijkl", {"too weak: only one kind of character", "at least 16"}},
	{"ABCDEFGHIJKLMNO", {"too weak", NULL}},
	{"123456789012345", {"too weak", NULL}},
};

Test(pass, weak_passphrases_are_refused_with_a_reason)
{
	for (size_t i = 0; i < NELEM(refused); i++) {
		struct err e = ERR_INIT;
		int na = -1;

		cr_expect_eq(pass_check_new(refused[i].pass, &na, &e), -1, "\"%s\" accepted",
			     refused[i].pass);
		cr_expect_eq(pass_strength(refused[i].pass), 0, "\"%s\"", refused[i].pass);
		for (size_t j = 0; j < 2 && refused[i].frag[j] != NULL; j++)
			cr_expect(strstr(e.msg, refused[i].frag[j]) != NULL,
				  "\"%s\": message \"%s\" lacks \"%s\"", refused[i].pass, e.msg,
				  refused[i].frag[j]);
	}
}

Test(pass, too_long_is_refused)
{
	char p[PASS_MAX_LEN + 2];
	struct err e = ERR_INIT;

	for (size_t i = 0; i < sizeof p - 1; i++)
		p[i] = "abcdefghij0123456789"[i % 20];
	p[sizeof p - 1] = '\0';
	cr_expect_eq(pass_check_new(p, NULL, &e), -1);
	cr_expect(strstr(e.msg, "too long (at most 1023 bytes)") != NULL, "%s", e.msg);
	p[PASS_MAX_LEN] = '\0';
	err_clear(&e);
	cr_expect_eq(pass_check_new(p, NULL, &e), 0, "%s", e.msg);
}

Test(pass, good_passphrases_are_accepted)
{
	static const struct {
		const char *pass;
		int non_ascii;
	} ok[] = {
		{"correcthorsebattery", 0}, /* 16+ lowercase only */
		{"abcdefghijklmnop", 0},    /* exactly 16, one kind */
		{"correct horse battery staple", 0},
		{"abcde12345", 0}, /* mixed, exactly 10 */
		{"Tr0ub4dor&3", 0},
		{"abcdabcdabcd1", 0},       /* 5 different characters */
		{"p\xc3\xa4sswort-gut", 1}, /* "pässwort-gut" */
		{"Gr\xc3\xbc\xc3\x9f"
		 "e aus K\xc3\xb6ln",
		 1}, /* "Grüße aus Köln" */
	};

	for (size_t i = 0; i < NELEM(ok); i++) {
		struct err e = ERR_INIT;
		int na = -1;

		cr_expect_eq(pass_check_new(ok[i].pass, &na, &e), 0, "\"%s\" refused: %s",
			     ok[i].pass, e.msg);
		cr_expect_eq(na, ok[i].non_ascii, "\"%s\": non_ascii %d", ok[i].pass, na);
		cr_expect_gt(pass_strength(ok[i].pass), 0, "\"%s\"", ok[i].pass);
	}
}

Test(pass, non_ascii_is_reported_even_when_refused)
{
	struct err e = ERR_INIT;
	int na = 0;

	cr_expect_eq(pass_check_new("\xc3\xa4\xc3\xb6", &na, &e), -1);
	cr_expect_eq(na, 1);
	cr_expect(strstr(e.msg, "too short: 2 characters") != NULL, "%s", e.msg);
}

Test(pass, strength_orders_passphrases)
{
	/* Each at least as strong as the one before; the scores are exact. */
	static const struct {
		const char *pass;
		int score;
	} t[] = {
		{"", 0},
		{"aaaaaaaaaaaa", 0},
		{"abcde12345", 1},                   /* 10, two kinds */
		{"abcdef123456", 2},                 /* 12, two kinds */
		{"abcdEF12345!", 3},                 /* 12, four kinds */
		{"correcthorsebattery", 3},          /* 19, one kind */
		{"correct horse battery staple", 4}, /* 28, two kinds */
	};
	int last = 0;

	for (size_t i = 0; i < NELEM(t); i++) {
		int s = pass_strength(t[i].pass);

		cr_expect_eq(s, t[i].score, "\"%s\": %d, expected %d", t[i].pass, s, t[i].score);
		cr_expect_geq(s, last, "\"%s\" weaker than the one before", t[i].pass);
		last = s;
	}
}

/* --- pass_read_file --- */

struct rf {
	const char *content;
	size_t len;
	const char *want;
};

#define RF(s, w)                    \
	{                           \
		s, sizeof(s) - 1, w \
	}

static const struct rf rfs[] = {
	RF("secret passphrase", "secret passphrase"), /* no line end */
	RF("secret passphrase\n", "secret passphrase"),
	RF("secret passphrase\r\n", "secret passphrase"),
	RF("first line\nsecond line\n", "first line"),
	RF("first line\r\nsecond line\r\n", "first line"),
	RF("  spaces kept  \n", "  spaces kept  "),
	RF("\n", ""),
	RF("\r\n", ""),
	RF("\nsecond line\n", ""),
	RF("p\xc3\xa4ss\n", "p\xc3\xa4ss"),
	RF("first\nsec\0nd\n", "first"), /* a NUL after the first line */
};

Test(pass, read_file_takes_the_first_line, .init = setup, .fini = teardown)
{
	char *path = in_dir("pass.txt");

	for (size_t i = 0; i < NELEM(rfs); i++) {
		struct err e = ERR_INIT;
		char *p = NULL;

		tu_write(path, rfs[i].content, rfs[i].len);
		cr_expect_eq(pass_read_file(path, &p, &e), 0, "case %zu: %s", i, e.msg);
		cr_expect_not_null(p, "case %zu", i);
		if (p != NULL)
			cr_expect_str_eq(p, rfs[i].want, "case %zu: \"%s\"", i, p);
		pass_free(p);
	}
	free(path);
}

Test(pass, read_file_empty_gives_empty_passphrase, .init = setup, .fini = teardown)
{
	char *path = in_dir("empty");
	struct err e = ERR_INIT;
	char *p = NULL;

	tu_write(path, "", 0);
	cr_assert_eq(pass_read_file(path, &p, &e), 0, "%s", e.msg);
	cr_assert_not_null(p);
	cr_expect_str_eq(p, "");
	cr_expect_eq(e.set, 0);
	pass_free(p);
	free(path);
}

Test(pass, read_file_missing_is_an_error, .init = setup, .fini = teardown)
{
	char *path = in_dir("nope");
	struct err e = ERR_INIT;
	char *p = poison;

	cr_expect_eq(pass_read_file(path, &p, &e), -1);
	cr_expect_null(p);
	cr_expect(strstr(e.msg, path) != NULL, "%s", e.msg);
	cr_expect(strstr(e.msg, "does not exist") != NULL, "%s", e.msg);
	free(path);
}

Test(pass, read_file_directory_is_an_error, .init = setup, .fini = teardown)
{
	struct err e = ERR_INIT;
	char *p = poison;

	cr_expect_eq(pass_read_file(dir, &p, &e), -1);
	cr_expect_null(p);
	cr_expect(strstr(e.msg, "is a directory") != NULL, "%s", e.msg);
}

Test(pass, read_file_nul_byte_is_an_error, .init = setup, .fini = teardown)
{
	static const char *const cases[] = {"sec\0ret\n", "\0secret\n", "secret\0"};
	static const size_t lens[] = {8, 8, 7};
	char *path = in_dir("nul");

	for (size_t i = 0; i < NELEM(cases); i++) {
		struct err e = ERR_INIT;
		char *p = poison;

		tu_write(path, cases[i], lens[i]);
		cr_expect_eq(pass_read_file(path, &p, &e), -1, "case %zu", i);
		cr_expect_null(p, "case %zu", i);
		cr_expect(strstr(e.msg, "holds a NUL byte") != NULL, "case %zu: %s", i, e.msg);
		cr_expect(strstr(e.msg, path) != NULL, "case %zu: %s", i, e.msg);
	}
	free(path);
}

Test(pass, read_file_too_large_is_an_error, .init = setup, .fini = teardown)
{
	size_t n = 64 * 1024 + 1;
	char *big = malloc(n), *path = in_dir("big");
	struct err e = ERR_INIT;
	char *p = poison;

	cr_assert_not_null(big);
	memset(big, 'x', n);
	tu_write(path, big, n);
	cr_expect_eq(pass_read_file(path, &p, &e), -1);
	cr_expect_null(p);
	cr_expect(strstr(e.msg, "too large") != NULL, "%s", e.msg);
	free(big);
	free(path);
}

Test(pass, read_file_from_a_pipe, .init = setup, .fini = teardown)
{
	char *path = in_dir("fifo");
	struct err e = ERR_INIT;
	char *p = NULL;
	pid_t pid;
	int status;

	cr_assert_eq(mkfifo(path, 0600), 0);
	if ((pid = fork()) == 0) {
		int fd = open(path, O_WRONLY);

		_exit(fd >= 0 && write(fd, "from a pipe\nrest\n", 17) == 17 ? 0 : 1);
	}
	cr_assert_gt(pid, 0);
	cr_expect_eq(pass_read_file(path, &p, &e), 0, "%s", e.msg);
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	cr_assert_not_null(p);
	cr_expect_str_eq(p, "from a pipe");
	pass_free(p);
	free(path);
}

Test(pass, free_null_is_fine)
{
	pass_free(NULL);
}
