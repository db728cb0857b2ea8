/* mime: the parser on what clients send — line ends, folding, store-added
 * headers, boundaries (quoted, unterminated, nested, prefixes of each
 * other), the exact bytes of a signed part, transfer encodings, charsets,
 * RFC 2231 and 2047, addresses — and on what they should not send: empty,
 * NUL bytes, no headers, truncated, garbage, huge header lines. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "mime.h"

static void
parse(const char *s, enum mime_strict strict, struct mime_entity *m)
{
	struct err e = ERR_INIT;

	cr_assert_eq(mime_parse((const unsigned char *)s, strlen(s), strict, NULL, m, &e), 0, "%s",
		     e.msg);
}

static void
expect_header(const struct mime_entity *m, const char *name, const char *want)
{
	char *v = mime_header(m, name);

	if (want == NULL)
		cr_expect_null(v, "%s: %s", name, v);
	else
		cr_expect(v != NULL && strcmp(v, want) == 0, "%s: got \"%s\", want \"%s\"", name, v,
			  want);
	free(v);
}

/* --- the header block ---------------------------------------------------- */

Test(mime, line_ends_folding_and_case)
{
	static const char *const forms[] = {
		"Subject: one\r\n two\r\nfrom: a@x\r\nCONTENT-TYPE: Text/HTML;\r\n\tcharset=\"utf-8\"\r\n\r\nbody\r\n",
		"Subject: one\n two\nfrom: a@x\nCONTENT-TYPE: Text/HTML;\n\tcharset=\"utf-8\"\n\nbody\r\n",
		"Subject: one\r\n two\nfrom: a@x\r\nCONTENT-TYPE: Text/HTML;\n\tcharset=\"utf-8\"\r\n\nbody\r\n",
	};

	for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
		struct mime_entity m;
		char cs[16];

		parse(forms[i], MIME_MESSAGE, &m);
		expect_header(&m, "subject", "one two");
		expect_header(&m, "From", "a@x");
		expect_header(&m, "To", NULL);
		cr_expect_str_eq(m.type, "text/html");
		cr_expect(mime_param(m.ctype, "charset", cs, sizeof cs) &&
			  strcmp(cs, "utf-8") == 0);
		cr_expect_eq(m.body_len, 6);
		cr_expect_eq(memcmp(m.body, "body\r\n", 6), 0, "form %zu", i);
		mime_entity_free(&m);
	}
}

Test(mime, store_added_headers_come_first)
{
	struct mime_entity m;

	parse("From sam@example.org Sat Aug 17 14:49:09 2024\r\n"
	      "X-Account-Key: account7\r\nX-Mozilla-Status: 0001\r\nReturn-Path: smime1@x\r\n"
	      "Received: from H270\r\n\tby H270 with ESMTPA\r\n\t; Sat, 17 Aug 2024\r\n"
	      "From: real <real@example.org>\r\nContent-Type: text/plain\r\n\r\nhi\r\n",
	      MIME_MESSAGE, &m);
	expect_header(&m, "From", "real <real@example.org>");
	expect_header(&m, "Received", "from H270\tby H270 with ESMTPA\t; Sat, 17 Aug 2024");
	cr_expect_eq(m.body_len, 4);
	mime_entity_free(&m);
}

Test(mime, not_messages)
{
	static const struct {
		const char *s;
		size_t n;
	} bad[] = {
		{"", 0},
		{"Subject: a\0b\r\n\r\nx", 16},
		{"no header here\r\n\r\nbody", 22},
		{"\r\nSubject: late\r\n", 17},
		{" continuation first: x\r\n\r\n", 26},
	};

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct err e = ERR_INIT;
		struct mime_entity m;

		cr_expect_eq(mime_parse((const unsigned char *)bad[i].s, bad[i].n, MIME_MESSAGE,
					NULL, &m, &e),
			     -1, "case %zu", i);
		cr_expect(strstr(e.msg, "not a mail message") != NULL, "case %zu: %s", i, e.msg);
		mime_entity_free(&m);
	}
}

Test(mime, lenient_entity_without_headers_is_all_body)
{
	struct mime_entity m;
	const char *s = "This is a test message to Fran.\n";

	parse(s, MIME_LENIENT, &m);
	cr_expect(!m.has_headers && m.body == (const unsigned char *)s && m.body_len == strlen(s));
	cr_expect_str_eq(m.type, "text/plain");
	mime_entity_free(&m);
	parse("Content-Type: broken\r\n\r\nx", MIME_LENIENT, &m);
	cr_expect_str_eq(m.type, "text/plain");
	mime_entity_free(&m);
	parse("X: y\r\n\r\nx", MIME_LENIENT, &m);
	cr_expect_str_eq(m.type, "text/plain");
	mime_entity_free(&m);
	{
		struct err e = ERR_INIT;

		cr_assert_eq(mime_parse((const unsigned char *)"X: y\r\n\r\n", 8, MIME_LENIENT,
					"message/rfc822", &m, &e),
			     0);
		cr_expect_str_eq(m.type, "message/rfc822");
		mime_entity_free(&m);
	}
}

Test(mime, headers_only_and_broken_header_block)
{
	struct mime_entity m;

	parse("Subject: no body", MIME_MESSAGE, &m);
	expect_header(&m, "Subject", "no body");
	cr_expect_eq(m.body_len, 0);
	mime_entity_free(&m);
	/* A line that is no header ends the block: the body starts there. */
	parse("Subject: x\r\nthis is text\r\nmore\r\n", MIME_MESSAGE, &m);
	cr_expect_eq(m.body_len, 20);
	mime_entity_free(&m);
}

Test(mime, huge_header_line_is_cut)
{
	size_t n = 3u << 20;
	char *s = malloc(n + 64);
	struct mime_entity m;
	char *v;

	strcpy(s, "Subject: ");
	memset(s + 9, 'x', n);
	strcpy(s + 9 + n, "\r\nFrom: a@x\r\n\r\nbody");
	parse(s, MIME_MESSAGE, &m);
	v = mime_header(&m, "Subject");
	cr_expect(strlen(v) <= MIME_MAX_HEADER && strlen(v) >= MIME_MAX_HEADER - 1, "%zu",
		  strlen(v));
	expect_header(&m, "From", "a@x");
	free(v);
	mime_entity_free(&m);
	free(s);
}

/* --- parameters ---------------------------------------------------------- */

Test(mime, parameters)
{
	static const struct {
		const char *value, *name, *want;
	} cases[] = {
		{"multipart/signed; boundary=\"--=_a b\"; micalg=SHA1", "boundary", "--=_a b"},
		{"multipart/signed; boundary=plain;micalg=SHA1", "boundary", "plain"},
		{"multipart/signed; BOUNDARY = \"x\"", "boundary", "x"},
		{"a/b; name=\"say \\\"hi\\\".txt\"", "name", "say \"hi\".txt"},
		{"attachment; filename*=utf-8''%E2%82%AC%20rates.pdf", "filename",
		 "\xe2\x82\xac rates.pdf"},
		{"attachment; filename*=iso-8859-1'en'caf%E9.txt", "filename", "caf\xc3\xa9.txt"},
		{"attachment; filename*0=\"long \"; filename*1=\"name.pdf\"", "filename",
		 "long name.pdf"},
		{"attachment; filename*0*=utf-8''%C3%A9t%C3%A9; filename*1=\".doc\"", "filename",
		 "\xc3\xa9t\xc3\xa9.doc"},
		{"attachment; filename=\"=?UTF-8?B?w6l0w6kucGRm?=\"", "filename",
		 "\xc3\xa9t\xc3\xa9.pdf"},
		{"attachment; filename=plain.txt; filename*=utf-8''better.txt", "filename",
		 "better.txt"},
		{"text/plain; charset=us-ascii (comment)", "charset", "us-ascii"},
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char out[64];

		cr_expect(mime_param(cases[i].value, cases[i].name, out, sizeof out), "case %zu",
			  i);
		cr_expect_str_eq(out, cases[i].want, "case %zu", i);
	}
	{
		char out[8];

		cr_expect(!mime_param("text/plain; charset=x", "name", out, sizeof out));
		cr_expect(!mime_param(NULL, "name", out, sizeof out));
		cr_expect(!mime_param("text/plain; name", "name", out, sizeof out));
		cr_expect(mime_param("a/b; name=\"0123456789\"", "name", out, sizeof out));
		cr_expect_str_eq(out, "0123456");
	}
}

/* --- multipart ----------------------------------------------------------- */

static size_t
parts(const char *msg, const char **p, size_t *n, size_t max, int *closed)
{
	struct mime_entity m;
	struct mime_iter it;
	const unsigned char *q;
	size_t k = 0, len;

	parse(msg, MIME_MESSAGE, &m);
	cr_assert_eq(mime_parts_begin(&m, &it), 0);
	while (k < max && mime_parts_next(&it, &q, &len)) {
		p[k] = (const char *)q;
		n[k++] = len;
	}
	*closed = it.closed;
	mime_entity_free(&m);
	return k;
}

#define PART(i, s)                                                                         \
	cr_expect(n[i] == strlen(s) && memcmp(p[i], s, n[i]) == 0, "part %d: \"%.*s\"", i, \
		  (int)n[i], p[i])

Test(mime, multipart_parts_are_exact_bytes)
{
	const char *p[4];
	size_t n[4];
	int closed;

	cr_assert_eq(parts("Content-Type: multipart/signed; boundary=\"b\"\r\n\r\npreamble\r\n--b\r\n"
			   "Content-Type: text/plain\r\n\r\nsigned text\r\n\r\n--b\r\nsig\r\n--b--\r\nepilogue\r\n--b\r\nno\r\n",
			   p, n, 4, &closed),
		     2);
	PART(0, "Content-Type: text/plain\r\n\r\nsigned text\r\n");
	PART(1, "sig");
	cr_expect(closed);
	/* LF only, white space after the delimiter, an empty part. */
	cr_assert_eq(parts("Content-Type: multipart/mixed; boundary=b\n\n--b  \nA\n--b\n--b\t\nC\n--b--",
			   p, n, 4, &closed),
		     3);
	PART(0, "A");
	PART(1, "");
	PART(2, "C");
}

Test(mime, unterminated_final_boundary)
{
	const char *p[4];
	size_t n[4];
	int closed;

	cr_assert_eq(parts("Content-Type: multipart/alternative; boundary=\"--------BOUNDARY\"\r\n\r\n"
			   "----------BOUNDARY\r\nfirst\r\n----------BOUNDARY\r\nsecond\r\n",
			   p, n, 4, &closed),
		     2);
	PART(0, "first");
	PART(1, "second\r\n");
	cr_expect(!closed);
}

Test(mime, boundary_lines_must_match_whole)
{
	const char *p[4];
	size_t n[4];
	int closed;

	/* "--ab" inside text, "--abc" (another boundary), "x--ab": no delimiters. */
	cr_assert_eq(parts("Content-Type: multipart/mixed; boundary=ab\r\n\r\n--ab\r\none --ab\r\n--abc\r\nx\r\n"
			   "--ab--x\r\n--ab--\r\n",
			   p, n, 4, &closed),
		     1);
	PART(0, "one --ab\r\n--abc\r\nx\r\n--ab--x");
	cr_expect(closed);
}

Test(mime, no_boundary_or_no_parts)
{
	struct mime_entity m;
	struct mime_iter it;
	const unsigned char *q;
	size_t len;

	parse("Content-Type: multipart/mixed\r\n\r\n--x\r\na\r\n", MIME_MESSAGE, &m);
	cr_expect_eq(mime_parts_begin(&m, &it), -1);
	mime_entity_free(&m);
	parse("Content-Type: multipart/mixed; boundary=zz\r\n\r\nnothing here\r\n", MIME_MESSAGE,
	      &m);
	cr_assert_eq(mime_parts_begin(&m, &it), 0);
	cr_expect_eq(mime_parts_next(&it, &q, &len), 0);
	mime_entity_free(&m);
}

/* --- transfer encodings -------------------------------------------------- */

static char *
b64(const char *in, size_t *junk)
{
	size_t n = strlen(in);
	unsigned char *out = malloc(n / 4 * 3 + 4);
	size_t k = mime_b64_decode((const unsigned char *)in, n, out, junk);

	out[k] = '\0';
	return (char *)out;
}

Test(mime, base64_any_shape)
{
	static const struct {
		const char *in, *want;
		size_t junk;
	} cases[] = {
		{"aGVsbG8gd29ybGQ=", "hello world", 0},
		{"aGVs\r\nbG8g\nd29y bGQ=\r\n", "hello world", 0},
		{"aGVsbG8gd29ybGQ", "hello world", 0}, /* no padding */
		{"aGVsbG8=d29ybGQ=",
		 "hellowor"
		 "ld",
		 0},                                      /* padding mid-way */
		{"aGVs*bG8!", "hello", 2},                /* stray characters */
		{"aGVsbG8gd29ybGQhI", "hello world!", 1}, /* a lone last char */
		{"", "", 0},
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		size_t junk = 99;
		char *got = b64(cases[i].in, &junk);

		cr_expect_str_eq(got, cases[i].want, "case %zu", i);
		cr_expect_eq(junk, cases[i].junk, "case %zu: junk %zu", i, junk);
		free(got);
	}
}

Test(mime, base64_long_lines)
{
	size_t n = 3000, junk;
	char *in = malloc(n / 3 * 4 + 1), *got;
	static const char alpha[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

	for (size_t i = 0; i < n / 3 * 4; i++)
		in[i] = alpha[i % 4 == 0 ? 16 : 0]; /* "QAAA" decodes to 0x40 0 0 */
	in[n / 3 * 4] = '\0';
	got = b64(in, &junk);
	cr_expect_eq(junk, 0);
	for (size_t i = 0; i < n; i++)
		cr_assert_eq((unsigned char)got[i], i % 3 == 0 ? 0x40 : 0, "byte %zu", i);
	free(in);
	free(got);
}

Test(mime, quoted_printable)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
		{"caf=C3=A9", "caf\xc3\xa9"},
		{"caf=c3=a9", "caf\xc3\xa9"},
		{"soft=\r\nbreak", "softbreak"},
		{"soft=  \nbreak", "softbreak"},
		{"trailing   \r\nspace", "trailing\r\nspace"},
		{"a=b=ZZ=", "a=b=ZZ"},
		{"end=", "end"},
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		size_t n = strlen(cases[i].in);
		unsigned char out[64];

		n = mime_qp_decode((const unsigned char *)cases[i].in, n, out);
		cr_expect(n == strlen(cases[i].want) && memcmp(out, cases[i].want, n) == 0,
			  "case %zu: %.*s", i, (int)n, out);
	}
}

Test(mime, decode_body_by_encoding)
{
	struct mime_entity m;
	struct mime_data d;

	parse("Content-Transfer-Encoding: BASE64\r\n\r\naGk=\r\n", MIME_LENIENT, &m);
	mime_decode_body(&m, &d);
	cr_expect(d.len == 2 && memcmp(d.p, "hi", 2) == 0 && d.owned != NULL);
	mime_data_free(&d);
	mime_entity_free(&m);
	parse("Content-Transfer-Encoding: 8bit\r\n\r\nraw\r\n", MIME_LENIENT, &m);
	mime_decode_body(&m, &d);
	cr_expect(d.len == 5 && d.p == m.body && d.owned == NULL);
	mime_data_free(&d);
	mime_entity_free(&m);
}

Test(mime, canonical_crlf)
{
	unsigned char *out;
	size_t n;
	const char *crlf = "a\r\nb\r\n";

	mime_canon((const unsigned char *)crlf, 6, &out, &n);
	cr_expect(out == NULL && n == 6);
	mime_canon((const unsigned char *)"\na\nb\r\nc\n", 8, &out, &n);
	cr_assert_not_null(out);
	cr_expect(n == 11 && memcmp(out, "\r\na\r\nb\r\nc\r\n", 11) == 0);
	free(out);
}

/* --- text, encoded words, addresses -------------------------------------- */

Test(mime, text_to_utf8)
{
	static const struct {
		const char *in, *charset, *want;
	} cases[] = {
		{"caf\xe9\r\nok", "ISO-8859-1", "caf\xc3\xa9\nok"},
		{"caf\xc3\xa9", "utf-8", "caf\xc3\xa9"},
		{"bad \xff byte", "utf-8", "bad ? byte"},
		{"plain", NULL, "plain"},
		{"lone\rCR", "us-ascii", "lone\nCR"},
		{"x\xc3\xa9", "x-unknown-charset", "x\xc3\xa9"},
		{"\x1b$B$3$s$K$A$O\x1b(B", "ISO-2022-JP",
		 "\xe3\x81\x93\xe3\x82\x93\xe3\x81\xab\xe3\x81\xa1\xe3\x81\xaf"},
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *got = mime_text_utf8((const unsigned char *)cases[i].in, strlen(cases[i].in),
					   cases[i].charset);

		cr_expect_str_eq(got, cases[i].want, "case %zu", i);
		free(got);
	}
	{
		char *got = mime_text_utf8((const unsigned char *)"a\0b", 3, NULL);

		cr_expect_str_eq(got, "a?b");
		free(got);
	}
}

Test(mime, encoded_words)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
		{"=?UTF-8?B?w6l0w6k=?=", "\xc3\xa9t\xc3\xa9"},
		{"=?iso-8859-1?q?caf=E9_cr=E8me?=", "caf\xc3\xa9 cr\xc3\xa8me"},
		{"=?us-ascii?Q?plain?= text", "plain text"},
		{"=?UTF-8?Q?a?= =?UTF-8?Q?b?=", "ab"},
		{"x =?UTF-8?Q?a?=\t=?UTF-8?Q?b?= y", "x ab y"},
		{"=?UTF-8*en?Q?lang?=", "lang"},
		{"=?broken", "=?broken"},
		{"=?UTF-8?X?nope?=", "=?UTF-8?X?nope?="},
		{"no words at all", "no words at all"},
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *got = mime_decode_words(cases[i].in);

		cr_expect_str_eq(got, cases[i].want, "case %zu", i);
		free(got);
	}
}

Test(mime, addresses)
{
	static const struct {
		const char *in, *want, *name;
		size_t n;
	} cases[] = {
		{"Sam Tester <sam@example.org>", "sam@example.org", "Sam Tester", 1},
		{"\"Tester, Sam\" <sam@example.org>, bob@example.org (Bob)",
		 "sam@example.org, bob@example.org", "Tester, Sam", 2},
		{"<smime1@hmailserver.test>", "smime1@hmailserver.test", "", 1},
		{"friends: a@x, b@y;, c@z", "a@x, b@y, c@z", "", 3},
		{"undisclosed-recipients:;", "", "", 0},
		{"=?UTF-8?B?w6l0w6k=?= <e@x>", "e@x", "\xc3\xa9t\xc3\xa9", 1},
		{"bob@example.org (Bob Smith)", "bob@example.org", "Bob Smith", 1},
		{"<@route.example:sam@example.org>", "sam@example.org", "", 1},
		{"not an address", "", "", 0},
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char out[256], name[64];
		size_t n = mime_addresses(cases[i].in, out, sizeof out, name, sizeof name);

		cr_expect_eq(n, cases[i].n, "case %zu: %zu", i, n);
		cr_expect_str_eq(out, cases[i].want, "case %zu", i);
		if (n)
			cr_expect_str_eq(name, cases[i].name, "case %zu", i);
	}
}

/* --- damaged input ------------------------------------------------------- */

Test(mime, truncated_and_garbage_never_crash)
{
	static const char msg[] =
		"Content-Type: multipart/mixed; boundary=\"q\"\r\n\r\n--q\r\n"
		"Content-Type: text/plain; charset=\"utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n=C3=A9=\r\n--q\r\n"
		"Content-Type: application/pkcs7-mime; name*0*=utf-8''%ZZ\r\nContent-Transfer-Encoding: base64\r\n\r\nMIAGCSqG\r\n--q--\r\n";
	unsigned char noise[2048];

	for (size_t cut = 0; cut <= sizeof msg - 1; cut++) {
		struct mime_entity m;
		struct mime_iter it;
		const unsigned char *q;
		size_t len;

		if (mime_parse((const unsigned char *)msg, cut, MIME_LENIENT, NULL, &m, NULL) ==
			    0 &&
		    mime_parts_begin(&m, &it) == 0)
			while (mime_parts_next(&it, &q, &len)) {
				struct mime_entity c;
				struct mime_data d;
				char name[32];

				mime_parse(q, len, MIME_LENIENT, NULL, &c, NULL);
				mime_decode_body(&c, &d);
				mime_param(c.ctype, "name", name, sizeof name);
				mime_data_free(&d);
				mime_entity_free(&c);
			}
		mime_entity_free(&m);
	}
	for (size_t i = 0; i < sizeof noise; i++)
		noise[i] = (unsigned char)((i * 2654435761u) >> 13);
	for (size_t n = 0; n <= sizeof noise; n += 97) {
		struct mime_entity m;
		struct mime_data d;
		char *t;

		mime_parse(noise, n, MIME_LENIENT, NULL, &m, NULL);
		mime_decode_body(&m, &d);
		t = mime_text_utf8(d.p, d.len, "utf-8");
		free(t);
		mime_data_free(&d);
		mime_entity_free(&m);
	}
}
