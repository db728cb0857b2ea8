/* test_addr — email addresses as they go into certificates. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>

#include "addr.h"
#include "testutil.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* 64 characters: the longest local part RFC 5321 allows. */
#define L64 "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijkl"
#define L63 "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijk"

Test(addr, valid_addresses_are_accepted)
{
	static const char *const ok[] = {
		"user@example.org",
		"User.Name@Example.ORG",                 /* case kept, accepted */
		"user+tag@example.org",                  /* plus-addressing */
		"first.last+a.b@mail.sub.example.co.uk", /* subdomains */
		"u@x.io",
		"user_name-1@123.example.org",
		"x!#$%&'*+-/=?^_`{|}~@example.org", /* every atext symbol */
		"user@my-host.example.org",         /* '-' inside a label */
		L64 "@example.org",                 /* longest local part */
		"u@" L63 ".org",                    /* longest label */
	};

	for (size_t i = 0; i < NELEM(ok); i++) {
		struct err e = ERR_INIT;

		cr_expect_eq(addr_check(ok[i], &e), 0, "\"%s\" refused: %s", ok[i], e.msg);
		cr_expect_eq(e.set, 0, "\"%s\" left an error: %s", ok[i], e.msg);
	}
}

Test(addr, whole_address_at_the_length_limit)
{
	char a[300];
	struct err e = ERR_INIT;

	/* 64 + 1 + 189 = 254 characters: the most RFC 5321 allows. */
	snprintf(a, sizeof a, "%s@%s.%s.%.61s", L64, L63, L63, L63);
	cr_assert_eq(strlen(a), 254);
	cr_expect_eq(addr_check(a, &e), 0, "%s", e.msg);

	/* One more character in the last label: 255, refused. */
	snprintf(a, sizeof a, "%s@%s.%s.%.62s", L64, L63, L63, L63);
	cr_assert_eq(strlen(a), 255);
	err_clear(&e);
	cr_expect_eq(addr_check(a, &e), -1);
	cr_expect(strstr(e.msg, "longer than an email address may be") != NULL, "%s", e.msg);
}

struct bad {
	const char *in;
	const char *frag[2]; /* fragments the message must contain */
};

static const struct bad bad[] = {
	{"Super User <user@example.org>",
	 {"--name \"Super User\" --email user@example.org", "give them separately"}},
	{"\"Super User\" <user@example.org>",
	 {"--name \"Super User\" --email user@example.org", NULL}},
	{"<u@x.org>", {"\"<u@x.org>\" is not a bare address", "--email u@x.org"}},
	{"u@x.org (User)", {"--name \"User\" --email u@x.org", NULL}},
	{"mailto:u@x.org", {"\"mailto:u@x.org\" is not a bare address", "--email u@x.org"}},
	{"MAILTO:u@x.org", {"--email u@x.org", NULL}},
	{"Super User <not-an-address>", {"\"not-an-address\"", "has no @"}},
	{"", {"the email address is empty", NULL}},
	{"user.example.org", {"\"user.example.org\"", "has no @"}},
	{"a@b@example.org", {"\"a@b@example.org\"", "more than one @"}},
	{"@example.org", {"\"@example.org\"", "nothing before the @"}},
	{"user@", {"\"user@\"", "nothing after the @"}},
	{".user@example.org", {"\".user@example.org\"", "may not start or end with a dot"}},
	{"user.@example.org", {"\"user.@example.org\"", "may not start or end with a dot"}},
	{"us..er@example.org", {"\"us..er@example.org\"", "two in a row"}},
	{"user@localhost", {"the domain \"localhost\" has no dot", "like example.org"}},
	{"user@-example.org", {"\"user@-example.org\"", "may not start or end with '-'"}},
	{"user@example-.org", {"may not start or end with '-'", NULL}},
	{"user@.example.org", {"\"user@.example.org\"", "empty or overlong part"}},
	{"user@example..org", {"empty or overlong part", NULL}},
	{"user@example.org.", {"\"user@example.org.\"", "the domain ends with a dot"}},
	{"user@" L63 "x.org", {"empty or overlong part", NULL}},
	{"user name@example.org", {"contains a space", "give only the address"}},
	{" user@example.org", {"contains a space", NULL}},
	{"user@example.org ", {"contains a space", NULL}},
	{"user@exa\tmple.org", {"contains a space", NULL}},
	{"user@b\xc3\xbc"
	 "cher.example",
	 {"has non-ASCII characters", "plain ASCII"}},
	{"j\xc3\xbcrgen@example.org", {"has non-ASCII characters", NULL}},
	{L64 "x@example.org", {"is longer than an email address may be", NULL}},
	{"us\"er@example.org",
	 {"the character '\"' is not allowed in the part before the @", NULL}},
	{"us,er@example.org", {"the character ',' is not allowed", NULL}},
	{"user@exa_mple.org", {"the character '_' is not allowed in the domain", NULL}},
	{"user@example.org>", {"the character '>' is not allowed in the domain", NULL}},
};

Test(addr, invalid_addresses_are_refused_with_a_reason)
{
	for (size_t i = 0; i < NELEM(bad); i++) {
		struct err e = ERR_INIT;

		cr_expect_eq(addr_check(bad[i].in, &e), -1, "\"%s\" accepted", bad[i].in);
		cr_expect_eq(e.set, 1, "\"%s\": no message", bad[i].in);
		for (size_t j = 0; j < 2 && bad[i].frag[j] != NULL; j++)
			cr_expect(strstr(e.msg, bad[i].frag[j]) != NULL,
				  "\"%s\": message \"%s\" lacks \"%s\"", bad[i].in, e.msg,
				  bad[i].frag[j]);
	}
}

Test(addr, null_is_refused_and_err_may_be_null)
{
	cr_expect_eq(addr_check(NULL, NULL), -1);
	cr_expect_eq(addr_check("no-at-sign", NULL), -1);
	cr_expect_eq(addr_check("Super User <user@example.org>", NULL), -1);
	cr_expect_eq(addr_check("user@example.org", NULL), 0);
}

Test(addr, the_first_error_is_kept)
{
	struct err e = ERR_INIT;

	err_set(&e, "earlier problem");
	cr_expect_eq(addr_check("no-at-sign", &e), -1);
	cr_expect_str_eq(e.msg, "earlier problem");
}

struct split {
	const char *in;
	int rc;
	const char *name, *addr;
};

static const struct split splits[] = {
	{"Super User <user@example.org>", 1, "Super User", "user@example.org"},
	{"\"Super User\" <user@example.org>", 1, "Super User", "user@example.org"},
	{"  Super User   <  user@example.org >  ", 1, "Super User", "user@example.org"},
	{"<u@x.org>", 1, "", "u@x.org"},
	{"u@x.org (User)", 1, "User", "u@x.org"},
	{"u@x.org ( Jane Doe )", 1, "Jane Doe", "u@x.org"},
	{"mailto:u@x.org", 1, "", "u@x.org"},
	{"MailTo:U@X.org", 1, "", "U@X.org"},
	{"J\xc3\xbcrgen <j@x.org>", 1, "J\xc3\xbcrgen", "j@x.org"},
	{"u@x.org", 0, NULL, NULL},
	{"Super User user@example.org", 0, NULL, NULL},
	{"Super User <user@example.org", 0, NULL, NULL}, /* no '>' */
	{"user@example.org> <", 0, NULL, NULL},          /* '>' before '<' */
};

Test(addr, split_name_and_address)
{
	for (size_t i = 0; i < NELEM(splits); i++) {
		char name[64] = "untouched", a[64] = "untouched";
		int rc = addr_split(splits[i].in, name, sizeof name, a, sizeof a);

		cr_expect_eq(rc, splits[i].rc, "\"%s\": rc %d", splits[i].in, rc);
		if (splits[i].rc == 1) {
			cr_expect_str_eq(name, splits[i].name, "\"%s\": name \"%s\"", splits[i].in,
					 name);
			cr_expect_str_eq(a, splits[i].addr, "\"%s\": addr \"%s\"", splits[i].in, a);
		}
	}
}

Test(addr, split_truncates_to_the_buffers)
{
	char name[5], a[8];

	cr_assert_eq(addr_split("Super User <user@example.org>", name, sizeof name, a, sizeof a),
		     1);
	cr_expect_str_eq(name, "Supe");
	cr_expect_str_eq(a, "user@ex");
}

Test(addr, equality_ignores_case_only)
{
	static const struct {
		const char *a, *b;
		int eq;
	} t[] = {
		{"user@example.org", "user@example.org", 1},
		{"User@Example.ORG", "user@example.org", 1},
		{"USER+Tag@EXAMPLE.org", "user+tag@example.ORG", 1},
		{"user@example.org", "user@example.com", 0},
		{"user@example.org", "user2@example.org", 0},
		{"user@example.org", "user@example.org ", 0},
		{"user+a@example.org", "user@example.org", 0},
	};

	for (size_t i = 0; i < NELEM(t); i++)
		cr_expect_eq(!!addr_eq(t[i].a, t[i].b), t[i].eq, "\"%s\" vs \"%s\"", t[i].a,
			     t[i].b);
}
