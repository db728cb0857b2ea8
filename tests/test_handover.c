/* test_handover — the hand-over sheet: one text, two renderings, every
 * piece of a certificate's text escaped for each; the folder rule. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "handover.h"
#include "testutil.h"

static void
ident_of(struct ident *id, char *name, char **emails, size_t n, enum ident_form form)
{
	memset(id, 0, sizeof *id);
	id->name = name;
	id->emails = emails;
	id->n_emails = n;
	id->form = form;
	id->n_chain = form == FORM_SELF_SIGNED ? 0 : 1;
	snprintf(id->not_after, sizeof id->not_after, "2028-01-02T03:04:05Z");
	snprintf(id->ca_not_after, sizeof id->ca_not_after, "2036-01-02T03:04:05Z");
	snprintf(id->grouped, sizeof id->grouped, " 1 AAAA   2 BBBB");
	snprintf(id->ca_grouped, sizeof id->ca_grouped, " 1 CCCC   2 DDDD");
}

static void
sheet(const struct ident *id, char **md, char **html)
{
	struct handover_in in = {.id = id, .made = "2026-12-06"};

	handover_sheet(&in, md, html);
}

Test(handover, names_are_escaped_for_markdown_and_html)
{
	char name[] = "<script>alert('x')</script> & *Bo* _b_ [l](u) \001`c`\002";
	char addr[] = "bo@example.org";
	char *emails[] = {addr};
	struct ident id;
	char *md, *html;

	ident_of(&id, name, emails, 1, FORM_CA);
	sheet(&id, &md, &html);
	cr_assert_null(strstr(html, "<script>"));
	cr_assert_not_null(strstr(html,
				  "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; *Bo*"),
			   "%s", html);
	/* A control character in the name never becomes a code mark. */
	cr_assert_null(strstr(html, "<code>`c`"));
	cr_assert_not_null(strstr(html, "&lt;U+0001&gt;`c`&lt;U+0002&gt;"), "%s", html);
	cr_assert_not_null(strstr(md,
				  "\\<script\\>alert('x')\\</script\\> & \\*Bo\\* \\_b\\_ \\[l\\](u)"),
			   "%s", md);
	cr_assert_null(strchr(md, '\001'));
	/* No line of running text is wider than 76 columns. */
	for (const char *l = md; *l;) {
		size_t n = strcspn(l, "\n");

		cr_assert_leq(n, 76, "%.*s", (int)n, l);
		l += n + (l[n] == '\n');
	}
	cr_assert_null(strchr(html, '\001'));
	free(md);
	free(html);
}

Test(handover, the_ca_form_names_the_ca_and_its_fingerprint)
{
	char name[] = "Grandpa";
	char a1[] = "g@example.org", a2[] = "g2@example.org";
	char *emails[] = {a1, a2};
	struct ident id;
	char *md, *html;

	ident_of(&id, name, emails, 2, FORM_CA);
	sheet(&id, &md, &html);
	cr_assert_not_null(strstr(md, "`ca-certificate.pem`"));
	cr_assert_not_null(strstr(md, "    1 CCCC   2 DDDD"), "%s", md);
	cr_assert_null(strstr(md, "AAAA"));
	cr_assert_not_null(strstr(html, "your certificate authority until 2036-01-02."), "%s",
			   html);
	cr_assert_not_null(strstr(html, "g@example.org and g2@example.org"), "%s", html);
	cr_assert_null(strstr(md, "self-signed"));
	cr_assert_not_null(strstr(html, "<pre> 1 CCCC   2 DDDD</pre>"), "%s", html);
	cr_assert_not_null(strstr(html, "<ol>\n<li>"));
	free(md);
	free(html);
}

Test(handover, a_self_signed_credential_says_what_differs)
{
	char name[] = "Sam";
	char addr[] = "sam@example.org";
	char *emails[] = {addr};
	struct ident id;
	char *md, *html;

	ident_of(&id, name, emails, 1, FORM_SELF_SIGNED);
	sheet(&id, &md, &html);
	cr_assert_not_null(strstr(md, "## What is different about this credential"));
	cr_assert_not_null(strstr(md, "    1 AAAA   2 BBBB"));
	cr_assert_null(strstr(md, "ca-certificate"));
	cr_assert_null(strstr(md, "Trust this CA"));
	cr_assert_not_null(strstr(html, "<h2>What is different about this credential</h2>"));
	free(md);
	free(html);
}

Test(handover, the_folder_must_not_exist)
{
	char dir[] = "/tmp/padseal-handover-XXXXXX";
	char *sub;
	struct err e = ERR_INIT;

	cr_assert_not_null(mkdtemp(dir));
	cr_assert_eq(handover_dir_check(dir, &e), -1);
	cr_assert_not_null(strstr(e.msg, "already exists"), "%s", e.msg);
	sub = malloc(strlen(dir) + 20);
	sprintf(sub, "%s/new", dir);
	e = (struct err)ERR_INIT;
	cr_assert_eq(handover_dir_check(sub, &e), 0, "%s", e.msg);
	sprintf(sub, "%s/no/new", dir);
	cr_assert_eq(handover_dir_check(sub, &e), -1);
	cr_assert_not_null(strstr(e.msg, "does not exist"), "%s", e.msg);
	rmdir(dir);
	free(sub);
}
