/* The options of sending mail (--smtp, --sendmail and their company),
 * shared by intro and matrix send. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli_int.h"
#include "fileio.h"
#include "mailbox.h"
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

/* What an operand names: imap(s)://, a Maildir, a folder of .eml, or an
 * mbox file. */
static void
box_guess(const char *path, struct mailbox *mb)
{
	char *cur = path_join(path, "cur"), *new = path_join(path, "new");
	struct stat sb;

	mb->path = path;
	if (strncmp(path, "imap://", 7) == 0 || strncmp(path, "imaps://", 8) == 0)
		mb->kind = MBX_IMAP;
	else if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode))
		mb->kind = path_exists(cur) && path_exists(new) ? MBX_MAILDIR : MBX_EML_DIR;
	else
		mb->kind = MBX_MBOX;
	free(cur);
	free(new);
}

int
cli_box(struct cli *c, const char *operand, struct cli_box *b)
{
	struct err e = ERR_INIT;
	int n = (c->maildir != NULL) + (c->mbox != NULL) + (c->emlx != NULL) + (c->imap != NULL) +
		(operand != NULL);
	char what[400];
	int rc;

	memset(b, 0, sizeof *b);
	if (n == 0)
		return -1;
	if (n > 1)
		return cli_usage(
			"give one mailbox: --maildir DIR, --mbox FILE, --emlx DIR or --imap URL");
	if (c->maildir)
		b->mb = (struct mailbox){MBX_MAILDIR, c->maildir, NULL};
	else if (c->mbox)
		b->mb = (struct mailbox){MBX_MBOX, c->mbox, NULL};
	else if (c->emlx)
		b->mb = (struct mailbox){MBX_EMLX, c->emlx, NULL};
	else if (c->imap)
		b->mb = (struct mailbox){MBX_IMAP, c->imap, NULL};
	else
		box_guess(operand, &b->mb);
	if ((c->given & (O_IMAP_USER | O_IMAP_PASS)) && b->mb.kind != MBX_IMAP)
		return cli_usage("--imap-user and --imap-pass-file go with --imap URL");
	if ((c->given & (O_CACERT | O_INSECURE)) && b->mb.kind != MBX_IMAP)
		return cli_usage("--cacert and --insecure go with --imap URL");
	if (b->mb.kind != MBX_IMAP)
		return 0;
	if (mail_url_check(b->mb.path, "imap", b->user, sizeof b->user, &e) != 0)
		return cli_fail(c, &e);
	if (c->imap_user != NULL)
		snprintf(b->user, sizeof b->user, "%s", c->imap_user);
	if (b->user[0] == '\0')
		return cli_usage(
			"an IMAP server needs a user: --imap-user USER or imaps://USER@host/FOLDER");
	b->srv.url = b->mb.path;
	b->srv.user = b->user;
	b->srv.cacert = c->cacert;
	b->srv.insecure = (c->given & O_INSECURE) != 0;
	b->mb.imap = &b->srv;
	if (b->srv.insecure)
		cli_warn(
			"--insecure: the certificate of the IMAP server is not checked, so anyone between you and it could read the password and the mail");
	snprintf(what, sizeof what, "%s on %s", b->user, b->mb.path);
	if ((rc = cli_server_pass(c, what, c->imap_pass_file, "--imap-pass-file", &b->pass)) != 0)
		return rc;
	b->srv.pass = b->pass;
	return 0;
}

void
cli_box_clear(struct cli_box *b)
{
	pass_free(b->pass);
	b->pass = NULL;
	b->srv.pass = NULL;
}
