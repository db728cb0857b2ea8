/* mailset_box: what both front ends make of a mailbox a person names --
 * the IMAP user (asked for, in the URL, the inbox's), the login a Sent
 * folder shares, and a mailbox that is not IMAP left as it is. */
#include "config.h"

#include <string.h>

#include <criterion/criterion.h>

#include "mailset.h"

static int
box(const struct mail_box_req *r, const struct mail_box *in, struct mail_box *b)
{
	struct err e = ERR_INIT;
	int rc = mailset_box(r, in, b, &e);

	cr_assert_eq(rc < 0, e.set, "an error says why, and only an error: %s", e.msg);
	return rc;
}

Test(mailset, user_asked_for_wins_over_url)
{
	struct mail_box b;
	struct mail_box_req r = {.path = "imaps://url-user@mail.example.org/INBOX",
				 .user = "asked@example.org",
				 .cacert = "/ca.pem"};

	cr_assert_eq(box(&r, NULL, &b), 0);
	cr_assert_eq(b.mb.kind, MBX_IMAP);
	cr_assert_str_eq(b.user, "asked@example.org");
	cr_assert_eq(b.mb.imap, &b.srv);
	cr_assert_str_eq(b.srv.url, r.path);
	cr_assert_str_eq(b.srv.cacert, "/ca.pem");
	cr_assert_null(b.srv.pass, "the password is the caller's to give");
	r.user = "";
	cr_assert_eq(box(&r, NULL, &b), 0);
	cr_assert_str_eq(b.user, "url-user");
}

Test(mailset, imap_without_a_user_is_said)
{
	struct mail_box b;
	struct mail_box_req r = {.path = "imaps://mail.example.org/INBOX"};

	cr_assert_eq(box(&r, NULL, &b), MAILSET_NEED_USER);
	r.path = "imaps://u:secret@mail.example.org/INBOX";
	cr_assert_eq(box(&r, NULL, &b), -1, "a URL that cannot be used is refused");
	r.path = "pop3://u@mail.example.org/";
	r.kind = "imap";
	cr_assert_eq(box(&r, NULL, &b), -1);
}

Test(mailset, sent_folder_shares_the_inbox_login)
{
	struct mail_box in, s;
	struct mail_box_req ri = {.path = "imaps://alice@mail.example.org/INBOX"};
	struct mail_box_req rs = {.path = "imaps://mail.example.org/Sent", .kind = "imap"};

	cr_assert_eq(box(&ri, NULL, &in), 0);
	cr_assert_eq(box(&rs, &in, &s), 0);
	cr_assert_str_eq(s.user, "alice", "the inbox's user");
	cr_assert(s.shares);
	rs.path = "imaps://MAIL.example.org/Sent"; /* host names ignore case */
	cr_assert_eq(box(&rs, &in, &s), 0);
	cr_assert(s.shares);
	rs.path = "imaps://mail.example.org:993/Sent"; /* another port */
	cr_assert_eq(box(&rs, &in, &s), 0);
	cr_assert_not(s.shares);
	rs.path = "imaps://bob@mail.example.org/Sent"; /* another user */
	cr_assert_eq(box(&rs, &in, &s), 0);
	cr_assert_not(s.shares);
	rs.path = "imap://mail.example.org/Sent"; /* another scheme */
	cr_assert_eq(box(&rs, &in, &s), 0);
	cr_assert_not(s.shares);
}

Test(mailset, local_mailboxes_are_left_as_they_are)
{
	struct mail_box in, s;
	struct mail_box_req r = {.path = "/home/alice/Mail/inbox",
				 .kind = "maildir",
				 .user = "ignored"};

	cr_assert_eq(box(&r, NULL, &in), 0);
	cr_assert_eq(in.mb.kind, MBX_MAILDIR);
	cr_assert_null(in.mb.imap);
	cr_assert_str_eq(in.user, "");
	r = (struct mail_box_req){.path = "imaps://alice@mail.example.org/Sent"};
	cr_assert_eq(box(&r, &in, &s), 0, "an IMAP Sent folder beside a local inbox");
	cr_assert_not(s.shares, "no login to share");
}

Test(mailset, kept_settings_as_requests)
{
	struct mail_settings ms;
	struct mail_box_req r;

	memset(&ms, 0, sizeof ms);
	cr_assert_eq(mailset_box_req(&ms, 0, &r), 0, "nothing kept");
	strcpy(ms.box_kind, "imap");
	strcpy(ms.box, "imaps://mail.example.org/INBOX");
	strcpy(ms.imap_user, "alice@example.org");
	strcpy(ms.cacert, "/ca.pem");
	cr_assert_eq(mailset_box_req(&ms, 0, &r), 1);
	cr_assert_str_eq(r.path, ms.box);
	cr_assert_str_eq(r.kind, "imap");
	cr_assert_str_eq(r.user, "alice@example.org");
	cr_assert_str_eq(r.cacert, "/ca.pem");
	cr_assert_eq(mailset_box_req(&ms, 1, &r), 0, "no Sent folder kept");
	strcpy(ms.sent_kind, "mbox");
	strcpy(ms.sent, "/home/alice/Sent");
	cr_assert_eq(mailset_box_req(&ms, 1, &r), 1);
	cr_assert_str_eq(r.kind, "mbox");
}
