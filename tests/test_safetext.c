/* test_safetext — outside text made safe to show; JSON always valid UTF-8. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "json.h"
#include "safetext.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

struct row {
	const char *in, *shown;
};

Test(safetext, controls_c1_bidi_and_invalid_bytes_are_shown_visibly)
{
	static const struct row rows[] = {
		{"plain text", "plain text"},
		{"Zoë Ünal — 日本 🙂", "Zoë Ünal — 日本 🙂"}, /* kept as they are */
		{"a\033]52;c;SGk=\007b", "a<U+001B>]52;c;SGk=<U+0007>b"},
		{"a\033[31mred", "a<U+001B>[31mred"},
		{"back\bspace\rcr\x7f", "back<U+0008>space<U+000D>cr<U+007F>"},
		{"csi \xc2\x9b"
		 "31m",
		 "csi <U+009B>31m"},              /* C1 CSI, encoded */
		{"nel \xc2\x85", "nel <U+0085>"}, /* C1 NEL */
		{"raw \x9b"
		 "31m \xff",
		 "raw <0x9B>31m <0xFF>"}, /* bytes, not UTF-8 */
		{"rlo \xe2\x80\xae"
		 "fdp.exe",
		 "rlo <U+202E>fdp.exe"},
		{"\xe2\x80\xaa\xe2\x80\xab\xe2\x80\xac\xe2\x80\xad",
		 "<U+202A><U+202B><U+202C><U+202D>"},
		{"\xe2\x81\xa6\xe2\x81\xa7\xe2\x81\xa8\xe2\x81\xa9",
		 "<U+2066><U+2067><U+2068><U+2069>"},
		{"\xe2\x80\x8e\xe2\x80\x8f\xd8\x9c", "<U+200E><U+200F><U+061C>"},
		{"over \xc0\xaf", "over <0xC0><0xAF>"},           /* overlong '/' */
		{"surr \xed\xa0\x80", "surr <0xED><0xA0><0x80>"}, /* a surrogate */
		{"cut \xe2\x80", "cut <0xE2><0x80>"},             /* cut short */
		{"big \xf4\x90\x80\x80", "big <0xF4><0x90><0x80><0x80>"},
		{"line\nand\ttab", "line<U+000A>and<U+0009>tab"},
	};

	for (size_t i = 0; i < NELEM(rows); i++) {
		char *got = safetext_dup(rows[i].in, 0);

		cr_expect_str_eq(got, rows[i].shown, "row %zu", i);
		free(got);
	}
	{
		char *got = safetext_dup("line\nand\ttab\r", 1);

		cr_expect_str_eq(got, "line\nand\ttab<U+000D>");
		free(got);
	}
}

Test(safetext, a_partial_character_is_recognised)
{
	cr_expect(safetext_partial("\xe2", 1));
	cr_expect(safetext_partial("\xe2\x80", 2));
	cr_expect(safetext_partial("\xf0\x9f\x99", 3));
	cr_expect(!safetext_partial("\xe2\x41", 2)); /* broken, not partial */
	cr_expect(!safetext_partial("a", 1));
	cr_expect(!safetext_partial("\xff", 1));
	cr_expect(!safetext_partial("\xc2\x9b", 2)); /* complete */
}

/* What json_str writes for `s`. */
static char *
json_of(const char *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	cr_assert(f != NULL);
	json_str(f, s);
	fclose(f);
	return buf;
}

Test(json, invalid_utf8_becomes_ufffd_and_controls_are_escaped)
{
	static const struct row rows[] = {
		{"Zoë 🙂", "\"Zoë 🙂\""},
		{"a\"b\\c\nd", "\"a\\\"b\\\\c\\nd\""},
		{"\033]52;\007", "\"\\u001b]52;\\u0007\""},
		{"\x7f", "\"\\u007f\""},
		{"\xc2\x9b"
		 "1m",
		 "\"\\u009b1m\""},
		{"\xe2\x80\xae"
		 "x",
		 "\"\\u202ex\""},
		{"raw \x9b\xff!", "\"raw \\ufffd\\ufffd!\""},
		{"cut \xe2\x80", "\"cut \\ufffd\\ufffd\""},
		{"\xc0\xaf", "\"\\ufffd\\ufffd\""},
	};

	for (size_t i = 0; i < NELEM(rows); i++) {
		char *got = json_of(rows[i].in);

		cr_expect_str_eq(got, rows[i].shown, "row %zu", i);
		free(got);
	}
}
