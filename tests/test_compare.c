/* compare and words: the comparison table of issue 5 — what a person types
 * while listening, in every accepted notation, and every way it can be
 * wrong — plus the per-group API of the wizard and the PGP word list. */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <openssl/evp.h>

#include "certfactory.h"
#include "compare.h"
#include "fpr.h"
#include "words.h"

#define HEX256 "9781501A8BA647BA2CE45E2F471F1CB63EABF7D135EAC3472E5E42062A6CE8F1"
#define HEX1   "A94A8FE5CCB19BA61C4C0873D391E987982FBBD3"

static unsigned char d256[32], d1[20];

static void
unhex(const char *hex, unsigned char *out, size_t n)
{
	for (size_t i = 0; i < n; i++)
		cr_assert_eq(sscanf(hex + 2 * i, "%2hhx", &out[i]), 1);
}

static void
setup(void)
{
	unhex(HEX256, d256, 32);
	unhex(HEX1, d1, 20);
}

TestSuite(compare, .init = setup);
TestSuite(words, .init = setup);

static struct cmp_result res;

static enum cmp_verdict
cmp(const char *text, enum cmp_want want)
{
	compare_text(d256, d1, text, want, &res);
	cr_assert_neq(res.msg[0], '\0', "no sentence for \"%s\"", text);
	return res.verdict;
}

/* The fingerprint as words, joined by `sep`. */
static void
as_words(const unsigned char *d, size_t n, const char *sep, char *out, size_t len)
{
	out[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		strncat(out, i ? sep : "", len - strlen(out) - 1);
		strncat(out, words_word(d[i], i), len - strlen(out) - 1);
	}
}

/* ---- exact matches in every accepted notation ---- */

static const char *const notations[] = {
	/* as openssl prints it */
	"97:81:50:1A:8B:A6:47:BA:2C:E4:5E:2F:47:1F:1C:B6:3E:AB:F7:D1:35:EA:C3:"
	"47:2E:5E:42:06:2A:6C:E8:F1",
	/* and with its label */
	"sha256 "
	"Fingerprint=97:81:50:1A:8B:A6:47:BA:2C:E4:5E:2F:47:1F:1C:B6:3E:AB:F7:"
	"D1:35:EA:C3:47:2E:5E:42:06:2A:6C:E8:F1",
	"SHA-256: "
	"9781501A8BA647BA2CE45E2F471F1CB63EABF7D135EAC3472E5E42062A6CE8F1",
	/* no separators, lower case, mixed case */
	HEX256,
	"9781501a8ba647ba2ce45e2f471f1cb63eabf7d135eac3472e5e42062a6ce8f1",
	"9781501a8BA647ba2Ce45e2F471f1CB63eabF7D135eac3472E5E42062a6cE8f1",
	/* groups of four with spaces, dashes, newlines */
	"9781 501A 8BA6 47BA 2CE4 5E2F 471F 1CB6 3EAB F7D1 35EA C347 2E5E 4206 "
	"2A6C E8F1",
	"9781-501a-8ba6-47ba-2ce4-5e2f-471f-1cb6-3eab-f7d1-35ea-c347-2e5e-4206-"
	"2a6c-e8f1",
	"9781 501A 8BA6 47BA 2CE4 5E2F 471F 1CB6\n3EAB F7D1 35EA C347 2E5E "
	"4206 2A6C E8F1\n",
	/* pairs, missing and extra separators, as typed while listening */
	"97 81 50 1a 8b a6 47 ba 2c e4 5e 2f 47 1f 1c b6 3e ab f7 d1 35 ea c3 "
	"47 2e 5e 42 06 2a 6c e8 f1",
	"9781501A 8BA6  47BA2CE4 ::5E2F--471F 1CB6 3EAB F7D1, 35EA; C347 "
	"2E5E.4206 2A6C/E8F1",
	"  97815 01A8B A647B A2CE4 5E2F4 71F1C B63EA BF7D1 35EAC 3472E 5E420 "
	"62A6C E8F1  ",
	/* the letter O said for zero */
	"9781 5O1A 8BA6 47BA 2CE4 5E2F 471F 1CB6 3EAB F7D1 35EA C347 2E5E 42o6 "
	"2A6C E8F1",
	/* the grouped form, numbers and all (copied from padseal fingerprint)
	 */
	" 1 9781   2 501A   3 8BA6   4 47BA   5 2CE4   6 5E2F   7 471F   8 "
	"1CB6\n"
	" 9 3EAB  10 F7D1  11 35EA  12 C347  13 2E5E  14 4206  15 2A6C  16 "
	"E8F1",
	"1. 9781 2. 501A 3. 8BA6 4. 47BA 5. 2CE4 6. 5E2F 7. 471F 8. 1CB6 9. "
	"3EAB 10. F7D1 11. 35EA 12. C347 13. 2E5E 14. 4206 15. 2A6C 16. E8F1",
};

ParameterizedTestParameters(compare, every_notation_matches)
{
	static int idx[sizeof notations / sizeof notations[0]];

	for (size_t i = 0; i < sizeof idx / sizeof idx[0]; i++)
		idx[i] = (int)i;
	return cr_make_param_array(int, idx, sizeof idx / sizeof idx[0]);
}

ParameterizedTest(int *i, compare, every_notation_matches)
{
	cr_assert_eq(cmp(notations[*i], CMP_AUTO), CMP_MATCH, "\"%s\": %s", notations[*i], res.msg);
	cr_assert_eq(res.alg, FPR_SHA256);
	cr_assert_eq(res.given, 64);
	cr_assert_not(res.words);
	cr_assert(strstr(res.msg, "SHA-256 fingerprint matches") != NULL, "%s", res.msg);
}

Test(compare, letter_o_is_said_and_noted)
{
	cr_assert_eq(cmp(notations[12], CMP_AUTO), CMP_MATCH);
	cr_assert(res.zero_as_o);
	cr_assert(strstr(res.msg, "O was read as zero") != NULL, "%s", res.msg);
}

Test(compare, word_form_in_every_accepted_notation)
{
	static const char *const seps[] = {" ", "-", ", ", ",", "  \n", " - "};
	char text[1024], grouped[WORDS_GROUPED_LEN];

	for (size_t s = 0; s < sizeof seps / sizeof seps[0]; s++) {
		as_words(d256, 32, seps[s], text, sizeof text);
		cr_assert_eq(cmp(text, CMP_AUTO), CMP_MATCH, "\"%s\": %s", text, res.msg);
		cr_assert(res.words);
		cr_assert_eq(res.given, 32);
		for (char *p = text; *p; p++) /* any case */
			*p = (char)(s % 2 ? toupper((unsigned char)*p) :
					    tolower((unsigned char)*p));
		cr_assert_eq(cmp(text, CMP_AUTO), CMP_MATCH, "\"%s\": %s", text, res.msg);
	}
	/* The grouped word form, numbers and all. */
	words_grouped(d256, 32, grouped, sizeof grouped);
	cr_assert_eq(cmp(grouped, CMP_AUTO), CMP_MATCH, "%s", res.msg);
}

/* ---- one wrong hex digit in every position of every group ---- */

Test(compare, one_wrong_digit_names_its_group)
{
	for (size_t pos = 0; pos < 64; pos++) {
		char text[FPR_HEX_LEN], want[160];
		size_t g = pos / 4;

		memcpy(text, HEX256, sizeof text);
		text[pos] = text[pos] == '0' ? '1' : '0';
		cr_assert_eq(cmp(text, CMP_AUTO), CMP_DIFFER, "digit %zu: %s", pos, res.msg);
		for (size_t k = 0; k < 16; k++)
			cr_assert_eq(res.differ[k], k == g, "digit %zu marks group %zu", pos,
				     k + 1);
		snprintf(want, sizeof want,
			 "group %zu differs: you heard %.4s, the certificate "
			 "has %.4s",
			 g + 1, text + 4 * g, HEX256 + 4 * g);
		cr_assert(strstr(res.msg, want) != NULL, "\"%s\" not in \"%s\"", want, res.msg);
	}
}

Test(compare, two_groups_differ_both_named)
{
	/* "groups 3 and 11 differ": group 3 is 8BA6, group 11 is 35EA. */
	cr_assert_eq(cmp("9781 501A 8B6A 47BA 2CE4 5E2F 471F 1CB6 3EAB F7D1 "
			 "35AE C347 2E5E 4206 2A6C E8F1",
			 CMP_AUTO),
		     CMP_DIFFER);
	cr_assert(strstr(res.msg, "groups 3 and 11 differ: in group 3 you "
				  "heard 8B6A, the certificate has 8BA6; "
				  "in group 11 you heard 35AE, the certificate "
				  "has 35EA") != NULL,
		  "%s", res.msg);
	cr_assert_not(res.swapped);
}

Test(compare, transposed_groups)
{
	cr_assert_eq(cmp("9781 501A 47BA 8BA6 2CE4 5E2F 471F 1CB6 3EAB F7D1 "
			 "35EA C347 2E5E 4206 2A6C E8F1",
			 CMP_AUTO),
		     CMP_DIFFER);
	cr_assert(res.swapped);
	cr_assert(res.differ[2] && res.differ[3]);
	cr_assert(strstr(res.msg, "groups 3 and 4 differ: they are swapped") != NULL, "%s",
		  res.msg);
	/* Two distant groups swapped, and digits swapped inside a group. */
	cr_assert_eq(cmp("E8F1 501A 8BA6 47BA 2CE4 5E2F 471F 1CB6 3EAB F7D1 "
			 "35EA C347 2E5E 4206 2A6C 9781",
			 CMP_AUTO),
		     CMP_DIFFER);
	cr_assert(res.swapped && res.differ[0] && res.differ[15]);
	cr_assert_eq(cmp("9781 501A 8BA6 47BA 2CE4 5E2F 471F 1CB6 3EAB F7D1 "
			 "35EA C374 2E5E 4206 2A6C E8F1",
			 CMP_AUTO),
		     CMP_DIFFER);
	cr_assert(strstr(res.msg, "group 12 differs: you heard C374, the "
				  "certificate has C347") != NULL,
		  "%s", res.msg);
}

Test(compare, many_differences_say_it_is_another_certificate)
{
	cr_assert_eq(cmp("00000000000000000000000000000000000000000000000000000"
			 "00000000000",
			 CMP_AUTO),
		     CMP_DIFFER);
	cr_assert(strstr(res.msg, "16 of the 16 groups differ") != NULL, "%s", res.msg);
	cr_assert(strstr(res.msg, "not the certificate you were read") != NULL, "%s", res.msg);
}

/* ---- a prefix is never a match; missing and extra digits ---- */

Test(compare, correct_prefix_only_is_not_a_match)
{
	static const size_t lens[] = {1, 8, 16, 32, 60, 62, 63};

	for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
		char text[FPR_HEX_LEN];

		snprintf(text, sizeof text, "%.*s", (int)lens[i], HEX256);
		cr_assert_eq(cmp(text, CMP_AUTO), CMP_SHORT, "%zu digits: %s", lens[i], res.msg);
		cr_assert(strstr(res.msg, "never a match") != NULL, "%s", res.msg);
		cr_assert_eq(res.given, lens[i]);
	}
	cr_assert_eq(cmp("9781501A8BA647BA2CE45E2F471F1CB63EABF7D135EAC3472E5E4"
			 "2062A6C",
			 CMP_AUTO),
		     CMP_SHORT);
	cr_assert(strstr(res.msg, "you gave 60 of the 64 hex digits of the "
				  "SHA-256 fingerprint, and they are its "
				  "start: group 16 is missing") != NULL,
		  "%s", res.msg);
	cr_assert_eq(cmp("9781501A8BA647BA2CE45E2F471F1CB63EABF7D135EAC3472E5E4"
			 "2062A6CE8",
			 CMP_AUTO),
		     CMP_SHORT);
	cr_assert(strstr(res.msg, "group 16 is incomplete") != NULL, "%s", res.msg);
}

Test(compare, missing_group_in_the_middle_is_located)
{
	/* Group 5 (2CE4) left out. */
	cr_assert_eq(cmp("9781 501A 8BA6 47BA 5E2F 471F 1CB6 3EAB F7D1 35EA "
			 "C347 2E5E 4206 2A6C E8F1",
			 CMP_AUTO),
		     CMP_SHORT);
	cr_assert(strstr(res.msg, "you gave 60 of the 64 hex digits") != NULL, "%s", res.msg);
	cr_assert(strstr(res.msg, "4 are missing in group 5") != NULL, "%s", res.msg);
	cr_assert(res.differ[4]);
}

Test(compare, extra_digits_are_counted)
{
	cr_assert_eq(cmp(HEX256 "AB", CMP_AUTO), CMP_LONG);
	cr_assert(strstr(res.msg, "you gave 66 hex digits, 2 more than the 64") != NULL, "%s",
		  res.msg);
	cr_assert_eq(cmp("9781 501A 8BA6 47BA 2CE4 2CE4 5E2F 471F 1CB6 3EAB "
			 "F7D1 35EA C347 2E5E 4206 2A6C E8F1",
			 CMP_AUTO),
		     CMP_LONG);
	cr_assert(strstr(res.msg, "has 4 extra") != NULL, "%s", res.msg);
}

/* ---- SHA-1 and SHA-256 ---- */

Test(compare, sha1_is_recognised_and_labelled_legacy)
{
	cr_assert_eq(cmp("A9:4A:8F:E5:CC:B1:9B:A6:1C:4C:08:73:D3:91:E9:87:98:"
			 "2F:BB:D3",
			 CMP_AUTO),
		     CMP_MATCH, "%s", res.msg);
	cr_assert_eq(res.alg, FPR_SHA1);
	cr_assert(strstr(res.msg, "legacy form older clients show") != NULL, "%s", res.msg);
	cr_assert_eq(cmp(HEX1, CMP_WANT_SHA1), CMP_MATCH);
	/* One wrong digit in the SHA-1 form names its group (of 10). */
	cr_assert_eq(cmp("A94A 8FE5 CCB1 9BA6 1C4C 0873 D391 E987 982F BBD4", CMP_AUTO),
		     CMP_DIFFER);
	cr_assert_eq(res.n_groups, 10);
	cr_assert(strstr(res.msg, "group 10 differs") != NULL, "%s", res.msg);
}

Test(compare, sha1_text_against_a_sha256_request_and_back)
{
	cr_assert_eq(cmp(HEX1, CMP_WANT_SHA256), CMP_SHORT, "%s", res.msg);
	cr_assert(res.other_alg);
	cr_assert(strstr(res.msg, "is the certificate's SHA-1 fingerprint, but "
				  "its SHA-256 fingerprint was asked for") != NULL,
		  "%s", res.msg);
	cr_assert_eq(cmp(HEX256, CMP_WANT_SHA1), CMP_LONG, "%s", res.msg);
	cr_assert(res.other_alg);
	cr_assert(strstr(res.msg, "is the certificate's SHA-256 fingerprint, "
				  "but its SHA-1 fingerprint was asked for") != NULL,
		  "%s", res.msg);
	/* A label naming the other algorithm does not override the request. */
	cr_assert_neq(cmp("SHA1 Fingerprint=" HEX1, CMP_WANT_SHA256), CMP_MATCH);
	cr_assert_eq(cmp("SHA1 Fingerprint=" HEX1, CMP_AUTO), CMP_MATCH);
	/* A SHA-1 of a different certificate is no match either. */
	cr_assert_eq(cmp("A94A8FE5CCB19BA61C4C0873D391E987982FBBD4", CMP_AUTO), CMP_DIFFER);
}

/* ---- the word form ---- */

Test(compare, one_wrong_word_in_every_position)
{
	for (size_t pos = 0; pos < 32; pos++) {
		unsigned char d[32];
		char text[1024], want[128];

		memcpy(d, d256, 32);
		d[pos] ^= 0x01; /* a valid word for a different byte */
		as_words(d, 32, " ", text, sizeof text);
		cr_assert_eq(cmp(text, CMP_AUTO), CMP_DIFFER, "word %zu: %s", pos + 1, res.msg);
		for (size_t g = 0; g < 16; g++)
			cr_assert_eq(res.differ[g], g == pos / 2);
		snprintf(want, sizeof want, "group %zu differs: you heard \"", pos / 2 + 1);
		cr_assert(strstr(res.msg, want) != NULL, "%s", res.msg);
		cr_assert(strstr(res.msg, words_word(d[pos], pos)) != NULL, "%s", res.msg);
	}
}

/* A fingerprint whose words have close neighbours in the lists:
 * byte 0 0xA9 "revenge" (one letter from the odd "revenue"), byte 2 0x0A
 * "allow" (two from "willow": "wallow" is one from both), byte 4 0x71
 * "hamlet" (two from the odd "amulet": "hamulet" is one from both). */
static void
neighbours(unsigned char d[32])
{
	memcpy(d, d256, 32);
	d[0] = 0xA9;
	d[2] = 0x0A;
	d[4] = 0x71;
}

static enum cmp_verdict
cmp_words(const unsigned char *d, size_t pos, const char *typed)
{
	char text[1024] = "";

	for (size_t i = 0; i < 32; i++) {
		strcat(text, i ? " " : "");
		strcat(text, i == pos ? typed : words_word(d[i], i));
	}
	compare_text(d, d1, text, CMP_AUTO, &res);
	return res.verdict;
}

Test(compare, unambiguous_mishearings_are_accepted_and_said)
{
	unsigned char d[32];

	neighbours(d);
	/* One letter dropped, added, replaced: one word that close. */
	cr_assert_eq(cmp_words(d, 6, "dashbord"), CMP_MATCH, "%s", res.msg); /* d[6] 0x47 */
	cr_assert_eq(res.n_near, 1);
	cr_assert_str_eq(res.near[0].typed, "dashbord");
	cr_assert_str_eq(res.near[0].taken_for, "dashboard");
	cr_assert(strstr(res.msg, "\"dashbord\" was taken for \"dashboard\"") != NULL, "%s",
		  res.msg);
	cr_assert_eq(cmp_words(d, 1, "inventives"), CMP_MATCH, "%s", res.msg);
	cr_assert_eq(cmp_words(d, 3, "Bradbery"), CMP_MATCH, "%s", res.msg);
}

Test(compare, ambiguous_near_words_are_refused)
{
	unsigned char d[32];

	neighbours(d);
	/* One letter from "revenge" (even) and from "revenue" (odd). */
	cr_assert_eq(cmp_words(d, 0, "revenve"), CMP_UNREADABLE, "%s", res.msg);
	cr_assert(strstr(res.msg, "word 1, \"revenve\", is not in the PGP word list and "
				  "is one letter away from more than one word") != NULL,
		  "%s", res.msg);
	/* One letter from "allow" and from "willow" (both even). */
	cr_assert_eq(cmp_words(d, 2, "wallow"), CMP_UNREADABLE, "%s", res.msg);
	/* One letter from "hamlet" (even) and from "amulet" (odd). */
	cr_assert_eq(cmp_words(d, 4, "hamulet"), CMP_UNREADABLE, "%s", res.msg);
	/* One letter from a word of the other list only: not this position's.
	 */
	cr_assert_eq(cmp_words(d, 0, "adroitnes"), CMP_UNREADABLE, "%s", res.msg);
	cr_assert_eq(cmp_words(d, 0, "zzzzz"), CMP_UNREADABLE, "%s", res.msg);
	cr_assert(strstr(res.msg, "word 1, \"zzzzz\", is not in the PGP word list") != NULL, "%s",
		  res.msg);
}

Test(compare, a_valid_word_is_never_corrected)
{
	unsigned char d[32];

	neighbours(d);
	/* "revenue" is a word (odd list): at an even position it is the wrong
	 * list, never "revenge" one letter away. */
	cr_assert_eq(cmp_words(d, 0, "revenue"), CMP_DIFFER, "%s", res.msg);
	cr_assert_eq(res.other_list, 1);
	cr_assert(strstr(res.msg, "Word 1 is a three-syllable word where a "
				  "two-syllable one belongs") != NULL,
		  "%s", res.msg);
	/* "willow" is a word for byte 0xFD, not a mishearing of "allow". */
	cr_assert_eq(cmp_words(d, 2, "willow"), CMP_DIFFER, "%s", res.msg);
	cr_assert(strstr(res.msg, "group 2 differs: you heard \"willow Bradbury\", the "
				  "certificate has \"allow Bradbury\"") != NULL,
		  "%s", res.msg);
}

Test(compare, skipped_word_is_located)
{
	char text[1024] = "";

	for (size_t i = 1; i < 32; i++) { /* word 1 not heard */
		strcat(text, i > 1 ? " " : "");
		strcat(text, words_word(d256[i], i));
	}
	cr_assert_eq(cmp(text, CMP_AUTO), CMP_SHORT, "%s", res.msg);
	cr_assert(strstr(res.msg, "you gave 31 of the 32 words") != NULL, "%s", res.msg);
	cr_assert(res.other_list == 1, "%zu", res.other_list);
	cr_assert(strstr(res.msg, "skipped or said twice") != NULL, "%s", res.msg);
}

Test(compare, sha1_in_words)
{
	char text[1024];

	as_words(d1, 20, " ", text, sizeof text);
	cr_assert_eq(cmp(text, CMP_AUTO), CMP_MATCH, "%s", res.msg);
	cr_assert_eq(res.alg, FPR_SHA1);
	as_words(d1, 16, " ", text, sizeof text);
	cr_assert_eq(cmp(text, CMP_AUTO), CMP_SHORT, "%s", res.msg);
}

/* ---- empty and garbage ---- */

static const struct {
	const char *text;
	const char *says;
} garbage[] = {
	{"", "the text is empty"},
	{"   \n\t ", "the text is empty"},
	{":::--::", "the text is empty"},
	{"97:81:5!", "\"!\", which is neither a hex digit nor a separator"},
	{"9781 501A \xc3\xa9", "a character that is neither a hex digit nor a separator"},
	{"hello world", "word 1, \"hello\", is not in the PGP word list"},
	{"tr4cker", "\"tr4cker\" is neither a word of the PGP word list nor a "
		    "group number"},
	{"preshrunk 7 inventive", "mixes numbers with the words"},
	{"1 preshrunk inventive drumbeat Bradbury", "group 2 has no number"},
	{"sha256 Fingerprint=", "the text is empty"},
};

ParameterizedTestParameters(compare, garbage_is_unreadable_with_a_sentence)
{
	static int idx[sizeof garbage / sizeof garbage[0]];

	for (size_t i = 0; i < sizeof idx / sizeof idx[0]; i++)
		idx[i] = (int)i;
	return cr_make_param_array(int, idx, sizeof idx / sizeof idx[0]);
}

ParameterizedTest(int *i, compare, garbage_is_unreadable_with_a_sentence)
{
	cr_assert_eq(cmp(garbage[*i].text, CMP_AUTO), CMP_UNREADABLE, "\"%s\": %s",
		     garbage[*i].text, res.msg);
	cr_assert(strstr(res.msg, garbage[*i].says) != NULL, "\"%s\" not in \"%s\"",
		  garbage[*i].says, res.msg);
	cr_assert_null(strchr(res.msg, '\n'));
}

Test(compare, huge_input_is_too_long_not_a_crash)
{
	size_t n = 100000;
	char *text = malloc(n + 1);

	memset(text, 'A', n);
	text[n] = '\0';
	cr_assert_eq(cmp(text, CMP_AUTO), CMP_LONG);
	cr_assert_eq(res.given, n);
	memcpy(text, HEX256, 64); /* the right start does not help */
	cr_assert_eq(cmp(text, CMP_AUTO), CMP_LONG);
	for (size_t i = 0; i < n; i++)
		text[i] = i % 10 == 9 ? ' ' : "preshrunk"[i % 10];
	cr_assert_eq(cmp(text, CMP_AUTO), CMP_LONG, "%s", res.msg);
	free(text);
}

/* ---- a real certificate, as fpr prints it ---- */

Test(compare, real_certificate_colon_and_grouped_forms)
{
	struct cf_spec spec = {.key = CF_EC};
	X509 *cert = cf_cert(&spec, time(NULL), NULL);
	unsigned char a[FPR_MAX], b[FPR_MAX];
	char colon[FPR_COLON_LEN], grouped[FPR_GROUPED_LEN];

	cr_assert_eq(fpr_digest(cert, FPR_SHA256, a), 32);
	cr_assert_eq(fpr_digest(cert, FPR_SHA1, b), 20);
	fpr_colon(a, 32, colon);
	fpr_grouped(a, 32, grouped, sizeof grouped);
	compare_text(a, b, colon, CMP_AUTO, &res);
	cr_assert_eq(res.verdict, CMP_MATCH, "%s", res.msg);
	compare_text(a, b, grouped, CMP_AUTO, &res);
	cr_assert_eq(res.verdict, CMP_MATCH, "%s", res.msg);
	fpr_colon(b, 20, colon);
	compare_text(a, b, colon, CMP_AUTO, &res);
	cr_assert_eq(res.verdict, CMP_MATCH, "%s", res.msg);
	cr_assert_eq(res.alg, FPR_SHA1);
	X509_free(cert);
}

/* ---- one group at a time (the wizard's side-by-side screen) ---- */

Test(compare, group_api_hex)
{
	static const char *const groups[16] = {"9781", "501A", "8BA6", "47BA", "2CE4", "5E2F",
					       "471F", "1CB6", "3EAB", "F7D1", "35EA", "C347",
					       "2E5E", "4206", "2A6C", "E8F1"};

	cr_assert_eq(compare_n_groups(32), 16);
	cr_assert_eq(compare_n_groups(20), 10);
	for (size_t g = 0; g < 16; g++) {
		char typed[16];

		cr_assert_eq(compare_group(d256, 32, g, groups[g], CMP_FORM_AUTO), CMP_GROUP_RIGHT,
			     "group %zu", g + 1);
		cr_assert_eq(compare_group(d256, 32, g, groups[(g + 1) % 16], CMP_FORM_HEX),
			     CMP_GROUP_WRONG);
		snprintf(typed, sizeof typed, "%.2s", groups[g]);
		cr_assert_eq(compare_group(d256, 32, g, typed, CMP_FORM_HEX), CMP_GROUP_INCOMPLETE);
	}
	cr_assert_eq(compare_group(d256, 32, 0, "", CMP_FORM_AUTO), CMP_GROUP_INCOMPLETE);
	cr_assert_eq(compare_group(d256, 32, 0, " : ", CMP_FORM_AUTO), CMP_GROUP_INCOMPLETE);
	cr_assert_eq(compare_group(d256, 32, 0, "97:81", CMP_FORM_AUTO), CMP_GROUP_RIGHT);
	cr_assert_eq(compare_group(d256, 32, 1, "5o1a", CMP_FORM_AUTO), CMP_GROUP_RIGHT);
	cr_assert_eq(compare_group(d256, 32, 0, "98", CMP_FORM_AUTO), CMP_GROUP_WRONG);
	cr_assert_eq(compare_group(d256, 32, 0, "97815", CMP_FORM_AUTO), CMP_GROUP_WRONG);
	cr_assert_eq(compare_group(d256, 32, 0, "97!", CMP_FORM_HEX), CMP_GROUP_WRONG);
	cr_assert_eq(compare_group(d256, 32, 16, "9781", CMP_FORM_AUTO), CMP_GROUP_WRONG);
	cr_assert_eq(compare_group(d1, 20, 9, "BBD3", CMP_FORM_AUTO), CMP_GROUP_RIGHT);
	cr_assert_eq(compare_group(d1, 20, 10, "", CMP_FORM_AUTO), CMP_GROUP_WRONG);
}

Test(compare, group_api_words)
{
	/* Group 1 is 97 81: "preshrunk inventive". */
	cr_assert_eq(compare_group(d256, 32, 0, "preshrunk inventive", CMP_FORM_AUTO),
		     CMP_GROUP_RIGHT);
	cr_assert_eq(compare_group(d256, 32, 0, "PRESHRUNK-Inventive", CMP_FORM_AUTO),
		     CMP_GROUP_RIGHT);
	cr_assert_eq(compare_group(d256, 32, 0, "preshrnk inventive", CMP_FORM_AUTO),
		     CMP_GROUP_RIGHT);
	cr_assert_eq(compare_group(d256, 32, 0, "p", CMP_FORM_WORDS), CMP_GROUP_INCOMPLETE);
	cr_assert_eq(compare_group(d256, 32, 0, "a", CMP_FORM_WORDS), CMP_GROUP_WRONG);
	cr_assert_eq(compare_group(d256, 32, 0, "presh", CMP_FORM_AUTO), CMP_GROUP_INCOMPLETE);
	cr_assert_eq(compare_group(d256, 32, 0, "preshrunk", CMP_FORM_AUTO), CMP_GROUP_INCOMPLETE);
	cr_assert_eq(compare_group(d256, 32, 0, "preshrunk ", CMP_FORM_AUTO), CMP_GROUP_INCOMPLETE);
	cr_assert_eq(compare_group(d256, 32, 0, "preshrunk inv", CMP_FORM_AUTO),
		     CMP_GROUP_INCOMPLETE);
	cr_assert_eq(compare_group(d256, 32, 0, "presh inventive", CMP_FORM_AUTO), CMP_GROUP_WRONG);
	cr_assert_eq(compare_group(d256, 32, 0, "preshrunk adroitness", CMP_FORM_AUTO),
		     CMP_GROUP_WRONG);
	cr_assert_eq(compare_group(d256, 32, 0, "inventive preshrunk", CMP_FORM_AUTO),
		     CMP_GROUP_WRONG);
	cr_assert_eq(compare_group(d256, 32, 0, "preshrunk inventive drumbeat", CMP_FORM_AUTO),
		     CMP_GROUP_WRONG);
	cr_assert_eq(compare_group(d256, 32, 0, "preshrunk 42", CMP_FORM_AUTO), CMP_GROUP_WRONG);
	/* Group 16 is E8 F1: "trauma vacancy". */
	cr_assert_eq(compare_group(d256, 32, 15, "trauma vacancy", CMP_FORM_AUTO), CMP_GROUP_RIGHT);
}

/* ---- the word list itself ---- */

Test(words, lists_are_the_published_standard)
{
	unsigned char md[32];
	char hex[65];
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();

	/* SHA-256 of the two lists, one word a line, even list first, as
	 * published (Juola and Zimmermann, PGPfone). */
	EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
	for (int list = 0; list < 2; list++)
		for (int b = 0; b < 256; b++) {
			EVP_DigestUpdate(ctx, words_word((unsigned char)b, (size_t)list),
					 strlen(words_word((unsigned char)b, (size_t)list)));
			EVP_DigestUpdate(ctx, "\n", 1);
		}
	EVP_DigestFinal_ex(ctx, md, NULL);
	EVP_MD_CTX_free(ctx);
	for (int i = 0; i < 32; i++)
		sprintf(hex + 2 * i, "%02x", md[i]);
	cr_assert_str_eq(hex, "7e5237abee2c4ed4374b29a853b0ac3ac108a0ea11e8c7f5"
			      "0f6dc667402a49b6");
	cr_assert_str_eq(words_word(0x00, 0), "aardvark");
	cr_assert_str_eq(words_word(0x00, 1), "adroitness");
	cr_assert_str_eq(words_word(0xFF, 30), "Zulu");
	cr_assert_str_eq(words_word(0xFF, 31), "Yucatan");
	cr_assert_str_eq(words_word(0xE6, 2), "tracker");
	cr_assert_str_eq(words_word(0xE6, 3), "trombonist");
}

Test(words, every_word_looks_up_to_its_byte_in_any_case)
{
	for (int b = 0; b < 256; b++) {
		for (size_t pos = 0; pos < 2; pos++) {
			const char *w = words_word((unsigned char)b, pos);
			char up[WORDS_MAX_LEN + 1];
			unsigned char got = 0;
			int o = 0;

			cr_assert_leq(strlen(w), WORDS_MAX_LEN);
			cr_assert_eq(words_lookup(w, strlen(w), pos, &got, NULL), WORDS_EXACT);
			cr_assert_eq(got, b);
			for (size_t i = 0; i <= strlen(w); i++)
				up[i] = (char)toupper((unsigned char)w[i]);
			cr_assert_eq(words_lookup(up, strlen(up), pos + 2, &got, NULL),
				     WORDS_EXACT);
			cr_assert_eq(words_lookup(w, strlen(w), pos + 1, &got, NULL),
				     WORDS_OTHER_LIST, "%s", w);
			/* No word is made of hex letters and O only, so the
			 * word form is always told from hex. */
			for (const char *p = w; *p; p++)
				o |= !strchr("abcdefoABCDEFO", *p);
			cr_assert(o, "%s looks like hex", w);
		}
	}
}

Test(words, grouped_form_fits_80_columns)
{
	char out[WORDS_GROUPED_LEN], small[40];
	size_t lines = 1, col = 0, max = 0;

	words_grouped(d256, 32, out, sizeof out);
	for (const char *p = out; *p; p++) {
		if (*p == '\n') {
			lines++;
			col = 0;
			cr_assert_neq(p[-1], ' ', "trailing space");
			continue;
		}
		if (++col > max)
			max = col;
	}
	cr_assert_leq(max, 78);
	cr_assert_eq(lines, 6);
	cr_assert(strncmp(out,
			  " 1 preshrunk inventive     2 drumbeat  Bradbury     "
			  " 3 obtuse    paragon\n",
			  73) == 0,
		  "%s", out);
	cr_assert(strstr(out, "\n16 trauma    vacancy") != NULL, "%s", out);
	cr_assert_neq(out[strlen(out) - 1], ' ');
	words_grouped(d256, 32, small, sizeof small); /* cut after a whole group */
	cr_assert_str_eq(small, " 1 preshrunk inventive");
	words_grouped(d1, 20, out, sizeof out);
	cr_assert(strstr(out, "\n10 shamrock  sociable") != NULL, "%s", out);
}
