/* outlook — a message as Outlook keeps it (a .msg file: a Compound File of
 * MAPI properties, [MS-CFB] and [MS-OXMSG]), read back as the RFC 5322
 * message it was sent or received as.  Outlook for Windows saves mail only
 * in that form (File > Save As, or dragging a message to a folder), so
 * this is how a message from Outlook reaches padseal. */
#ifndef PADSEAL_OUTLOOK_H
#define PADSEAL_OUTLOOK_H

#include <stddef.h>

#include "err.h"

/* Does `buf` start like a Compound File (any .msg)? */
int outlook_is_msg(const unsigned char *buf, size_t len);

/* The message in the .msg `buf`: the internet headers Outlook kept with a
 * received message (or, for a copy in Sent, From, To, Cc, Subject, Date
 * and Message-ID made from its properties), then the S/MIME part Outlook
 * keeps as an attachment (the whole multipart/signed entity, or the
 * smime.p7m data as application/pkcs7-mime), or the text of a message
 * without S/MIME.  On success *out (free() it) holds *outlen bytes.  A
 * damaged file or one that is not a mail message (a meeting, a contact)
 * is refused in one sentence. */
int outlook_msg_mime(const unsigned char *buf, size_t len, unsigned char **out, size_t *outlen,
		     struct err *e);

#endif
