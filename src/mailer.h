/* mailer — handing a finished message to the mail system, byte for byte:
 * an SMTP server (libcurl; smtp:// with STARTTLS required, or smtps://) or
 * a local command that reads the message on its standard input (sendmail
 * -t -i, msmtp -t).  Also the connection settings an IMAP mailbox shares
 * (mailbox.h).  Passwords travel only in memory: never in argv, the
 * environment or an error message. */
#ifndef PADSEAL_MAILER_H
#define PADSEAL_MAILER_H

#include <stddef.h>

#include "err.h"

/* A server and how to log in.  All borrowed. */
struct mail_server {
	const char *url;    /* smtp://host:587, smtps://host:465, imaps://host/INBOX */
	const char *user;   /* NULL: the user in the URL, if any */
	const char *pass;   /* NULL: no login */
	const char *cacert; /* PEM file of the CA that issued the server's
			       certificate; NULL: the system's store */
	int insecure;       /* do not verify the server's certificate (the
			       front end says so aloud) */
};

/* Where messages go: an SMTP server, or else a shell command. */
struct mailer {
	const struct mail_server *smtp;
	const char *command;
};

/* Is `url` one padseal can use for `scheme` ("smtp" or "imap"): that
 * scheme (with STARTTLS) or its TLS form ("smtps", "imaps"), and a host?
 * `user` (may be NULL) receives the URL's user name ("" if none).  -1 with
 * a usage error naming what is wrong. */
int mail_url_check(const char *url, const char *scheme, char *user, size_t user_len, struct err *e);

/* The URL without its path ("imaps://user@host:993/"), in a new string
 * (free()), and the folder the path names ("INBOX" when none) in
 * `folder`; NULL when `url` is not a URL. */
char *mail_url_split(const char *url, char *folder, size_t len);

/* Send `msg` (`len` bytes, exactly as given) from `from` to `to` (the SMTP
 * envelope; a command reads the recipients from the header).  A refusal
 * says in one sentence what the server or the command said. */
int mailer_send(const struct mailer *m, const char *from, const char *to, const void *msg,
		size_t len, struct err *e);

/* Internal to mailer.c and mailbox_imap.c: a libcurl easy handle set up
 * for `srv` (TLS required, verified unless `insecure`, login), with the
 * server's last reply line kept in `last` for error sentences. */
struct mail_conn {
	void *curl; /* CURL * */
	char last[400];
	char errbuf[256];
};
int mail_conn_open(struct mail_conn *c, const struct mail_server *srv, struct err *e);
/* A failed transfer as one sentence: "the IMAP server at HOST refused:
 * REPLY" or the connection problem. */
int mail_conn_fail(struct mail_conn *c, int code, const char *what, struct err *e);
void mail_conn_close(struct mail_conn *c);

#endif
