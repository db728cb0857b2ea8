/* test_handover — the hand-over sheet: one text, two renderings, every
 * piece of a certificate's text escaped for each; the folder rule. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "fileio.h"
#include "handover.h"
#include "op.h"
#include "session.h"
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
	/* No line of running text is wider than 76 columns (a heading is one
	 * line, whatever its length). */
	for (const char *l = md; *l;) {
		size_t n = strcspn(l, "\n");

		if (*l != '#')
			cr_assert_leq(n, 76, "%.*s", (int)n, l);
		l += n + (l[n] == '\n');
	}
	cr_assert_null(strchr(html, '\001'));
	free(md);
	free(html);
}

Test(handover, the_title_is_one_line_whatever_the_name)
{
	char name[] = "Josephine Adelheid Wilhelmina von und zu Hohenzollern-Sigmaringen --- "
		      "=== 12. - Grandmother";
	char addr[] = "josephine.adelheid@example.org";
	char *emails[] = {addr};
	struct ident id;
	char *md, *html;
	size_t n;

	ident_of(&id, name, emails, 1, FORM_CA);
	sheet(&id, &md, &html);
	/* Markdown's heading ends with its line: the whole title on the first. */
	n = strcspn(md, "\n");
	cr_assert(strncmp(md, "# Secure mail for Josephine ", 28) == 0, "%s", md);
	cr_assert_not_null(strstr(md, "Grandmother \\<josephine.adelheid@example.org\\>\n\n"), "%s",
			   md);
	cr_assert_gt(n, 76);
	cr_assert(md[n] == '\n' && md[n + 1] == '\n', "%s", md);
	/* No line of the sheet starts with what Markdown reads as a rule, a
	 * heading underline or a list. */
	for (const char *l = md; *l;) {
		cr_assert(strncmp(l, "---", 3) != 0 && strncmp(l, "===", 3) != 0 &&
				  strncmp(l, "12. ", 4) != 0,
			  "%s", md);
		l += strcspn(l, "\n");
		l += *l == '\n';
	}
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

/* --- op_handover: the bundle from a home, the home only read ------------ */

#define KEYPASS  "correct horse battery staple"
#define FILEPASS "another good passphrase"

static struct session *
made_home(const char *dir, int self_signed)
{
	const char *emails[] = {"grandpa@example.org"};
	struct op_create req = {.req = {.name = "Grandpa Example",
					.emails = emails,
					.n_emails = 1,
					.key = "p256",
					.self_signed = self_signed},
				.now = tu_now()};
	struct tu_pass tp = {.pass = {[PASS_NEW_KEY] = KEYPASS}};
	struct pass_ask ask;
	struct session *s = session_new(dir);
	struct err e = ERR_INIT;
	struct ident id;

	tu_pass_ask(&ask, &tp);
	cr_assert_eq(op_create(s, &req, &ask, &id, &e), 0, "%s", e.msg);
	ident_clear(&id);
	return s;
}

Test(handover, op_writes_the_bundle_and_only_reads_the_home)
{
	char *base = tu_tmpdir(), *home = path_join(base, "g"), *out = path_join(base, "out");
	struct session *s = made_home(home, 0);
	struct tu_pass tp = {.pass = {[PASS_KEY] = KEYPASS, [PASS_NEW_BACKUP] = FILEPASS}};
	struct op_handover req = {.dir = out, .now = tu_now()};
	struct op_handover_res res;
	struct pass_ask ask;
	struct err e = ERR_INIT;
	char *before, *after;

	session_close(s);
	s = session_new(home); /* nothing unlocked: the key's passphrase is asked */
	before = tu_tree_hash(home);
	tu_pass_ask(&ask, &tp);
	cr_assert_eq(op_handover(s, &req, &ask, &res, &e), 0, "%s", e.msg);
	cr_assert_eq(tp.asked[PASS_KEY], 1);
	cr_assert_eq(tp.asked[PASS_NEW_BACKUP], 1);
	cr_assert_eq(res.set.n_files, 7);
	cr_assert_eq(res.id.form, FORM_CA);
	cr_assert_eq(tu_mode(out), 0700);
	for (size_t i = 0; i < res.set.n_files; i++) {
		char *f = path_join(out, res.set.files[i].name);
		size_t len;
		char *data = tu_read(f, &len);

		cr_assert_eq(tu_mode(f), 0600, "%s", f);
		cr_assert_null(memmem(data, len, FILEPASS, strlen(FILEPASS)), "%s", f);
		cr_assert_null(memmem(data, len, KEYPASS, strlen(KEYPASS)), "%s", f);
		free(data);
		free(f);
	}
	after = tu_tree_hash(home);
	cr_assert_str_eq(before, after);
	op_handover_res_clear(&res);

	/* Again into the same folder: refused before any passphrase. */
	memset(&tp.asked, 0, sizeof tp.asked);
	cr_assert_eq(op_handover(s, &req, &ask, &res, &e), -1);
	cr_assert_not_null(strstr(e.msg, "already exists"), "%s", e.msg);
	cr_assert_eq(tu_pass_asked(&tp), 0);
	session_close(s);
	free(before);
	free(after);
	free(home);
	free(out);
	tu_rmtree(base);
	free(base);
}

Test(handover, op_refuses_a_wrong_passphrase_and_writes_nothing)
{
	char *base = tu_tmpdir(), *home = path_join(base, "g"), *out = path_join(base, "out");
	struct session *s = made_home(home, 1);
	struct tu_pass tp = {
		.pass = {[PASS_KEY] = "wrong passphrase entirely", [PASS_NEW_BACKUP] = FILEPASS}};
	struct op_handover req = {.dir = out, .now = tu_now()};
	struct op_handover_res res;
	struct pass_ask ask;
	struct err e = ERR_INIT;
	char *before, *after;

	session_close(s);
	s = session_new(home);
	before = tu_tree_hash(home);
	tu_pass_ask(&ask, &tp);
	cr_assert_eq(op_handover(s, &req, &ask, &res, &e), -1);
	cr_assert_eq(e.code, ERR_BAD_PASS, "%s", e.msg);
	cr_assert_not(path_exists(out));
	after = tu_tree_hash(home);
	cr_assert_str_eq(before, after);
	session_close(s);
	free(before);
	free(after);
	free(home);
	free(out);
	tu_rmtree(base);
	free(base);
}

Test(handover, op_refuses_a_home_without_a_credential)
{
	char *base = tu_tmpdir(), *home = path_join(base, "empty"), *out = path_join(base, "out");
	struct session *s = session_new(home);
	struct tu_pass tp = {.pass = {[PASS_KEY] = KEYPASS, [PASS_NEW_BACKUP] = FILEPASS}};
	struct op_handover req = {.dir = out, .now = tu_now()};
	struct op_handover_res res;
	struct pass_ask ask;
	struct err e = ERR_INIT;

	tu_pass_ask(&ask, &tp);
	cr_assert_eq(op_handover(s, &req, &ask, &res, &e), -1);
	cr_assert_not_null(strstr(e.msg, "no credential to hand over"), "%s", e.msg);
	cr_assert_eq(tu_pass_asked(&tp), 0);
	cr_assert_not(path_exists(out));
	session_close(s);
	free(home);
	free(out);
	tu_rmtree(base);
	free(base);
}
