/* mailset — the mail settings kept in the home (`mail-settings`): the
 * SMTP server to send through, its user and the CA file that verifies it,
 * and the mailbox to check.  Never a password.
 *
 * The file is text, one setting a line:
 *
 *   padseal-mail-settings 1
 *   smtp=smtp://mail.example.org:587
 *   smtp-user=alice@example.org
 *   cacert=/home/alice/ca.pem
 *   mailbox=imap imaps://mail.example.org/INBOX
 *   imap-user=alice@example.org
 *   sent=imap imaps://mail.example.org/Sent
 *
 * `mailbox` (and `sent`, the Sent folder whose copies of your own
 * messages pass the out cells) is its kind (imap, maildir, mbox, emlx)
 * and where; an IMAP Sent folder is read with the same user.  A value
 * holds no control character; an unknown or repeated key, a missing first
 * line or a line without '=' is refused naming the file and the line.
 * The file is written whole and atomically, mode 0600. */
#ifndef PADSEAL_MAILSET_H
#define PADSEAL_MAILSET_H

#include "err.h"
#include "home.h"
#include "mailbox.h"
#include "mailer.h"

#define MAILSET_FILE "mail-settings"
#define MAILSET_MAX  1024 /* bytes of one value */

struct mail_settings {
	char smtp[MAILSET_MAX]; /* "" when not kept */
	char smtp_user[MAILSET_MAX];
	char cacert[MAILSET_MAX];
	char box_kind[8]; /* "imap", "maildir", "mbox", "emlx"; "" none */
	char box[MAILSET_MAX];
	char imap_user[MAILSET_MAX];
	char sent_kind[8]; /* the Sent folder, as box_kind and box */
	char sent[MAILSET_MAX];
};

/* Read the settings of `h` (all "" when the file does not exist). */
int mailset_load(const struct home *h, struct mail_settings *out, struct err *e);

/* Write `ms` as the settings of `h`, replacing the file atomically.
 * Refuses a value with a control character or too long (nothing is
 * written). */
int mailset_save(const struct home *h, const struct mail_settings *ms, struct err *e);

/* Is anything kept? */
int mailset_any(const struct mail_settings *ms);

/* A mailbox to read and how to log in to it: what both front ends make of
 * the mailbox a person names (typed, given as options, or kept). */
struct mail_box {
	struct mailbox mb;
	struct mail_server srv; /* IMAP: the login; srv.pass is the caller's */
	char user[MAILSET_MAX];
	int shares; /* a Sent folder on the inbox's server as the inbox's user:
		       read with the inbox's password */
};

/* What was asked for: `path` of `kind` ("eml", "maildir", "mbox", "emlx",
 * "imap"; NULL: guessed from the path), an IMAP one logged in as `user`
 * (NULL or "": the user in the URL, else the inbox's for a Sent folder),
 * its server verified with `cacert` (NULL: the system's store), or not at
 * all when `insecure`. */
struct mail_box_req {
	const char *path, *kind, *user, *cacert;
	int insecure;
};

/* The kept mailbox (`sent` 0) or Sent folder (1) of `ms` as a request:
 * the kept IMAP user and CA file with it.  0 when none is kept. */
int mailset_box_req(const struct mail_settings *ms, int sent, struct mail_box_req *r);

#define MAILSET_NEED_USER 1
/* `b` made from `r`; `in` is the inbox when `r` is its Sent folder (else
 * NULL).  0, or MAILSET_NEED_USER for an IMAP mailbox whose user is nowhere
 * (each front end says where to give it), or -1 with a sentence for a URL
 * that cannot be used.  The password is left to the caller (srv.pass). */
int mailset_box(const struct mail_box_req *r, const struct mail_box *in, struct mail_box *b,
		struct err *e);

/* The SMTP server kept in `ms`, logging in as the kept user (else the
 * URL's, written into `user`) with `pass` (borrowed; unused without a
 * user), verified with the kept CA file.  -1 with a sentence when none is
 * kept or its URL is not usable. */
int mailset_smtp(const struct mail_settings *ms, const char *pass, char *user, size_t user_len,
		 struct mail_server *srv, struct err *e);

#endif
