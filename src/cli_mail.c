/* The options of sending mail (--smtp, --sendmail and their company),
 * shared by intro and matrix send. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cli_int.h"
#include "pass.h"

int
cli_mailer(struct cli *c, struct cli_mailer *m)
{
	struct err e = ERR_INIT;

	memset(m, 0, sizeof *m);
	if (c->smtp != NULL && c->sendmail != NULL)
		return cli_usage("give either --smtp URL or --sendmail COMMAND, not both");
	if ((c->given & (O_SMTP_USER | O_SMTP_PASS | O_CACERT | O_INSECURE)) && c->smtp == NULL &&
	    c->imap == NULL)
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
