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

/* The SMTP server kept in `ms`, logging in as the kept user (else the
 * URL's, written into `user`) with `pass` (borrowed; unused without a
 * user), verified with the kept CA file.  -1 with a sentence when none is
 * kept or its URL is not usable. */
struct mail_server;
int mailset_smtp(const struct mail_settings *ms, const char *pass, char *user, size_t user_len,
		 struct mail_server *srv, struct err *e);

#endif
