/* mailbox — the messages of a mailbox, one after the other, only read:
 * a folder of .eml files, a Maildir (cur/ and new/), an mbox file (what
 * Thunderbird keeps), Apple Mail's .emlx files (a byte count line, the
 * message, a property list), or an IMAP folder (EXAMINE and BODY.PEEK:
 * no flag changes, nothing deleted).  Nothing of a mailbox is ever
 * written.  Memory stays bounded by the largest message, whatever the
 * number of messages (an mbox is mapped, not read). */
#ifndef PADSEAL_MAILBOX_H
#define PADSEAL_MAILBOX_H

#include <stddef.h>

#include "err.h"
#include "mailer.h"

enum mbx_kind { MBX_EML_DIR, MBX_MAILDIR, MBX_MBOX, MBX_EMLX, MBX_IMAP };

struct mailbox {
	enum mbx_kind kind;
	const char *path;               /* the folder or file; the URL for IMAP */
	const struct mail_server *imap; /* MBX_IMAP: url (imaps://host/FOLDER) */
};

/* What is done with each message.  `want` (may be NULL: every message)
 * sees the message's header block (or more) and says whether the whole
 * message is needed: IMAP fetches only those.  `take` gets it, `where`
 * naming it for a person ("mbox FILE, message 12", "IMAP UID 7", a file's
 * path); the buffer is valid only during the call.  A non-zero return of
 * `take` stops the reading with that error. */
struct mbx_visit {
	int (*want)(void *arg, const unsigned char *head, size_t len);
	int (*take)(void *arg, const char *where, const unsigned char *msg, size_t len,
		    struct err *e);
	void *arg;
};

/* Read every message of `mb` in the mailbox's order.  -1 with one
 * sentence when the mailbox cannot be read at all (missing, not of the
 * kind said, a login refused); damaged messages inside (a truncated mbox,
 * an .emlx whose byte count is wrong) are counted in *damaged (may be
 * NULL), with the first one's reason in `first_damage` (may be NULL). */
int mailbox_read(const struct mailbox *mb, const struct mbx_visit *v, size_t *damaged,
		 struct err *first_damage, struct err *e);

/* What `path` names: imap:// or imaps:// an IMAP folder; a folder with
 * cur/ and new/ a Maildir; ~/Library/Mail, a V<n> folder, a folder with
 * Messages/ or with .emlx files Apple Mail's; another folder one of .eml
 * files; anything else an mbox file. */
void mailbox_guess(const char *path, struct mailbox *mb);
/* As mailbox_guess, the kind taken from `kind` when it names one ("eml",
 * "maildir", "mbox", "emlx", "imap": what the settings keep; NULL: none). */
void mailbox_of_kind(const char *path, const char *kind, struct mailbox *mb);
/* The message files of the folder `dir` (*.eml, and Outlook's *.msg), in
 * name order: *names (each and the array to free()) holds *n paths. */
int mailbox_folder_files(const char *dir, char ***names, size_t *n, struct err *e);
/* Does the file begin as an mbox does ("From ")?  Else it is one message. */
int mailbox_file_is_mbox(const char *path);

/* mailbox_imap.c */
int mailbox_read_imap(const struct mail_server *srv, const struct mbx_visit *v, struct err *e);

/* Where a message's header block ends (the offset after the blank line),
 * `len` when it has none. */
size_t mbx_head_len(const unsigned char *p, size_t len);

#endif
