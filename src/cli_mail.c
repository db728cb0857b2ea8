/* The options of sending mail (--smtp, --sendmail and their company),
 * shared by intro and matrix send. */
#include "config.h"

#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "cli_int.h"
#include "fileio.h"
#include "json.h"
#include "mailbox.h"
#include "mailset.h"
#include "op.h"
#include "pass.h"

int
cli_mailer(struct cli *c, struct cli_mailer *m)
{
	struct err e = ERR_INIT;

	memset(m, 0, sizeof *m);
	if (c->smtp != NULL && c->sendmail != NULL)
		return cli_usage("give either --smtp URL or --sendmail COMMAND, not both");
	if ((c->given & (O_SMTP_USER | O_SMTP_PASS | O_CACERT | O_INSECURE)) && c->smtp == NULL)
		return cli_usage(
			"--smtp-user, --smtp-pass-file, --cacert and --insecure go with --smtp URL");
	if (c->sendmail != NULL) {
		if (c->sendmail[0] == '\0')
			return cli_usage("--sendmail needs a command, like \"sendmail -t -i\"");
		m->m.command = c->sendmail;
		m->asked = 1;
		return 0;
	}
	if (c->smtp == NULL)
		return 0;
	if (mail_url_check(c->smtp, "smtp", m->user, sizeof m->user, &e) != 0)
		return cli_fail(c, &e);
	if (c->smtp_user != NULL)
		snprintf(m->user, sizeof m->user, "%s", c->smtp_user);
	if (c->smtp_pass_file != NULL && m->user[0] == '\0')
		return cli_usage(
			"--smtp-pass-file needs a user: --smtp-user USER or smtp://USER@host");
	m->srv.url = c->smtp;
	m->srv.user = m->user[0] ? m->user : NULL;
	m->srv.cacert = c->cacert;
	m->srv.insecure = (c->given & O_INSECURE) != 0;
	m->m.smtp = &m->srv;
	m->asked = 1;
	if (m->srv.insecure)
		cli_warn(
			"--insecure: the certificate of the mail server is not checked, so anyone between you and it could read the password and the mail");
	return 0;
}

int
cli_mailer_login(struct cli *c, struct cli_mailer *m)
{
	char what[400];
	int rc;

	if (m->m.smtp == NULL || m->srv.user == NULL || m->pass != NULL)
		return 0;
	snprintf(what, sizeof what, "%s on %s", m->srv.user, m->srv.url);
	if ((rc = cli_server_pass(c, what, c->smtp_pass_file, "--smtp-pass-file", &m->pass)) != 0)
		return rc;
	m->srv.pass = m->pass;
	return 0;
}

void
cli_mailer_clear(struct cli_mailer *m)
{
	pass_free(m->pass);
	m->pass = NULL;
	m->srv.pass = NULL;
}

/* --- mailboxes ------------------------------------------------------------- */

/* Is the Sent folder asked for an IMAP one? */
static int
sent_imap(const struct cli *c)
{
	return c->sent != NULL &&
	       (c->sent_kind != NULL ? strcmp(c->sent_kind, "imap") == 0 :
				       strncmp(c->sent, "imap://", 7) == 0 ||
					       strncmp(c->sent, "imaps://", 8) == 0);
}

/* `b` from request `r` (the inbox `in` when it is the Sent folder), the
 * IMAP password read or asked (the inbox's when the Sent folder shares its
 * login). */
static int
box_open(struct cli *c, const struct mail_box_req *r, const struct cli_box *in, struct cli_box *b,
	 const char *no_user)
{
	struct err e = ERR_INIT;
	char what[2 * MAILSET_MAX + 8];
	int rc;

	memset(b, 0, sizeof *b);
	rc = mailset_box(r, in != NULL ? &in->bx : NULL, &b->bx, &e);
	if (rc < 0)
		return cli_fail(c, &e);
	if (rc == MAILSET_NEED_USER)
		return cli_usage("%s", no_user);
	if (b->bx.mb.kind != MBX_IMAP)
		return 0;
	if (r->insecure && in == NULL)
		cli_warn(
			"--insecure: the certificate of the IMAP server is not checked, so anyone between you and it could read the password and the mail");
	if (b->bx.shares && in->bx.srv.pass != NULL) {
		b->pass = pass_dup(in->bx.srv.pass);
	} else {
		snprintf(what, sizeof what, "%s on %s", b->bx.user, b->bx.mb.path);
		if ((rc = cli_server_pass(c, what, c->imap_pass_file, "--imap-pass-file",
					  &b->pass)) != 0)
			return rc;
	}
	b->bx.srv.pass = b->pass;
	return 0;
}

int
cli_box(struct cli *c, const char *operand, struct cli_box *b)
{
	struct mail_box_req r = {.user = c->imap_user,
				 .cacert = c->cacert,
				 .insecure = (c->given & O_INSECURE) != 0};
	int n = (c->maildir != NULL) + (c->mbox != NULL) + (c->emlx != NULL) + (c->imap != NULL) +
		(operand != NULL);

	memset(b, 0, sizeof *b);
	if (n == 0)
		return -1;
	if (n > 1)
		return cli_usage(
			"give one mailbox: --maildir DIR, --mbox FILE, --emlx DIR or --imap URL");
	if (c->maildir)
		r.path = c->maildir, r.kind = "maildir";
	else if (c->mbox)
		r.path = c->mbox, r.kind = "mbox";
	else if (c->emlx)
		r.path = c->emlx, r.kind = "emlx";
	else if (c->imap)
		r.path = c->imap, r.kind = "imap";
	else
		r.path = operand;
	mailbox_of_kind(r.path, r.kind, &b->bx.mb);
	if ((c->given & (O_IMAP_USER | O_IMAP_PASS)) && b->bx.mb.kind != MBX_IMAP && !sent_imap(c))
		return cli_usage("--imap-user and --imap-pass-file go with --imap URL");
	if ((c->given & (O_CACERT | O_INSECURE)) && b->bx.mb.kind != MBX_IMAP && !sent_imap(c))
		return cli_usage("--cacert and --insecure go with --imap URL");
	return box_open(c, &r, NULL, b,
			"an IMAP server needs a user: --imap-user USER or imaps://USER@host/FOLDER");
}

int
cli_box_sent(struct cli *c, const struct cli_box *in, struct cli_box *b)
{
	struct mail_box_req r = {.path = c->sent,
				 .kind = c->sent_kind,
				 .user = c->imap_user,
				 .cacert = c->cacert,
				 .insecure = (c->given & O_INSECURE) != 0};

	return box_open(c, &r, in, b,
			"an IMAP Sent folder needs a user: --imap-user USER or imaps://USER@host/FOLDER");
}

void
cli_box_clear(struct cli_box *b)
{
	pass_free(b->pass);
	b->pass = NULL;
	b->bx.srv.pass = NULL;
}

/* --- mail settings kept in the home ------------------------------------ */

/* The settings kept in the home, read once (NULL when none could be
 * read: the error is said). */
static const struct mail_settings *
kept(struct cli *c)
{
	static struct mail_settings ms;
	static int done, ok;
	struct err e = ERR_INIT;

	if (!done) {
		done = 1;
		ok = op_mail_settings(c->s, &ms, &e) == 0;
		if (!ok)
			cli_warn("%s", e.msg);
	}
	return ok ? &ms : NULL;
}

int
cli_kept_smtp(struct cli *c)
{
	const struct mail_settings *ms = kept(c);

	if (ms == NULL || ms->smtp[0] == '\0')
		return 0;
	c->smtp = ms->smtp;
	c->given |= O_SMTP;
	if (c->smtp_user == NULL && ms->smtp_user[0]) {
		c->smtp_user = ms->smtp_user;
		c->given |= O_SMTP_USER;
	}
	if (c->cacert == NULL && ms->cacert[0]) {
		c->cacert = ms->cacert;
		c->given |= O_CACERT;
	}
	return 1;
}

int
cli_kept_box(struct cli *c)
{
	const struct mail_settings *ms = kept(c);

	if (ms == NULL || ms->box[0] == '\0')
		return 0;
	switch (ms->box_kind[0]) {
	case 'i':
		c->imap = ms->box, c->given |= O_IMAP;
		if (c->imap_user == NULL && ms->imap_user[0])
			c->imap_user = ms->imap_user, c->given |= O_IMAP_USER;
		if (c->cacert == NULL && ms->cacert[0])
			c->cacert = ms->cacert, c->given |= O_CACERT;
		break;
	case 'm': /* maildir, mbox */
		if (ms->box_kind[1] == 'a')
			c->maildir = ms->box, c->given |= O_MAILDIR;
		else
			c->mbox = ms->box, c->given |= O_MBOX;
		break;
	default: c->emlx = ms->box, c->given |= O_EMLX;
	}
	if (c->sent == NULL && ms->sent[0])
		c->sent = ms->sent, c->sent_kind = ms->sent_kind;
	return 1;
}

/* What is kept, for a person (also the lines of status). */
void
cli_print_settings(const struct mail_settings *ms, const char *indent)
{
	if (ms->smtp[0])
		printf("%ssend through   %s%s%s%s%s\n", indent, ms->smtp,
		       ms->smtp_user[0] ? " as " : "", ms->smtp_user,
		       ms->cacert[0] ? ", server checked with " : "", ms->cacert);
	if (ms->box[0])
		printf("%scheck mailbox  %s %s%s%s\n", indent, ms->box_kind, ms->box,
		       ms->imap_user[0] ? " as " : "", ms->imap_user);
	if (ms->sent[0])
		printf("%sSent folder    %s %s\n", indent, ms->sent_kind, ms->sent);
}

void
cli_jw_settings(struct jw *j, const struct mail_settings *ms)
{
	jw_open(j, '{');
	jw_field(j, "smtp", ms->smtp[0] ? ms->smtp : NULL);
	jw_field(j, "smtp_user", ms->smtp_user[0] ? ms->smtp_user : NULL);
	jw_field(j, "cacert", ms->cacert[0] ? ms->cacert : NULL);
	jw_field(j, "mailbox_kind", ms->box_kind[0] ? ms->box_kind : NULL);
	jw_field(j, "mailbox", ms->box[0] ? ms->box : NULL);
	jw_field(j, "imap_user", ms->imap_user[0] ? ms->imap_user : NULL);
	jw_field(j, "sent_kind", ms->sent_kind[0] ? ms->sent_kind : NULL);
	jw_field(j, "sent", ms->sent[0] ? ms->sent : NULL);
	jw_close(j, '}');
}

/* `*path` made absolute when it names something (realpath, into one of
 * four buffers kept for the process's life). */
static void
absolute(const char **path)
{
	static char full[4][PATH_MAX];
	static int used;

	if (*path != NULL && (*path)[0] && used < 4 && realpath(*path, full[used]) != NULL)
		*path = full[used++];
}

int
cmd_settings(struct cli *c)
{
	struct mail_settings ms;
	struct err e = ERR_INIT;
	char user[MAILSET_MAX];
	int boxes =
		(c->maildir != NULL) + (c->mbox != NULL) + (c->emlx != NULL) + (c->imap != NULL);

	if (op_mail_settings(c->s, &ms, &e) != 0)
		return cli_fail(c, &e);
	if (boxes > 1)
		return cli_usage(
			"keep one mailbox: --maildir DIR, --mbox FILE, --emlx DIR or --imap URL");
	if (c->given & ~(unsigned)O_JSON) {
		/* An empty value forgets that setting. */
		if (c->smtp != NULL && c->smtp[0] &&
		    mail_url_check(c->smtp, "smtp", user, sizeof user, &e) != 0)
			return cli_fail(c, &e);
		if (c->imap != NULL && c->imap[0] &&
		    mail_url_check(c->imap, "imap", user, sizeof user, &e) != 0)
			return cli_fail(c, &e);
		if (c->cacert != NULL && c->cacert[0] && !path_exists(c->cacert))
			return cli_usage("--cacert %s: no such file", c->cacert);
		/* Files by their whole path: used from any folder later. */
		absolute(&c->cacert);
		absolute(&c->maildir);
		absolute(&c->mbox);
		absolute(&c->emlx);
		if (c->smtp != NULL)
			snprintf(ms.smtp, sizeof ms.smtp, "%s", c->smtp);
		if (c->smtp_user != NULL)
			snprintf(ms.smtp_user, sizeof ms.smtp_user, "%s", c->smtp_user);
		if (c->cacert != NULL)
			snprintf(ms.cacert, sizeof ms.cacert, "%s", c->cacert);
		if (c->imap_user != NULL)
			snprintf(ms.imap_user, sizeof ms.imap_user, "%s", c->imap_user);
		if (c->sent != NULL) {
			struct mailbox g;
			char sent_path[PATH_MAX];
			static const char *const kn[] = {"maildir", "maildir", "mbox", "emlx",
							 "imap"};

			mailbox_guess(c->sent, &g);
			if (g.kind == MBX_EML_DIR && c->sent[0])
				return cli_usage("--sent %s: not a Maildir (cur/ and new/), Apple Mail's Messages folder (.emlx), an mbox file or an imap(s):// URL",
						 c->sent);
			if (c->sent[0] && g.kind != MBX_IMAP &&
			    realpath(c->sent, sent_path) == NULL)
				return cli_usage("--sent %s: no such mailbox", c->sent);
			snprintf(ms.sent_kind, sizeof ms.sent_kind, "%s",
				 c->sent[0] ? kn[g.kind] : "");
			if (strlen(g.kind == MBX_IMAP ? c->sent : sent_path) >= sizeof ms.sent)
				return cli_usage("--sent: the name is too long to keep");
			memcpy(ms.sent, g.kind == MBX_IMAP ? c->sent : sent_path,
			       strlen(g.kind == MBX_IMAP ? c->sent : sent_path) + 1);
			if (c->sent[0] == '\0')
				ms.sent[0] = '\0';
		}
		if (boxes) {
			const char *where = c->imap    ? c->imap :
					    c->maildir ? c->maildir :
					    c->mbox    ? c->mbox :
							 c->emlx;

			snprintf(ms.box_kind, sizeof ms.box_kind, "%s",
				 where[0] == '\0' ? "" :
				 c->imap          ? "imap" :
				 c->maildir       ? "maildir" :
				 c->mbox          ? "mbox" :
						    "emlx");
			snprintf(ms.box, sizeof ms.box, "%s", where);
		}
		if (op_mail_settings_keep(c->s, &ms, &e) != 0)
			return cli_fail(c, &e);
	}
	if (c->given & O_JSON) {
		static struct jw j;

		jw_init(&j, stdout);
		cli_jw_settings(&j, &ms);
		jw_raw(&j, "\n", 1);
		jw_flush(&j);
	} else if (!mailset_any(&ms)) {
		printf("No mail settings kept: padseal settings --smtp URL [--smtp-user USER] [--cacert FILE] [--imap URL | --maildir DIR | --mbox FILE | --emlx DIR] keeps them (never a password).\n");
	} else {
		printf("Mail settings kept in the home (never a password):\n");
		cli_print_settings(&ms, "  ");
	}
	return EXIT_OK;
}
