/* mime — RFC 5322 and MIME as real clients write them: header blocks with
 * folding, names in any case and store-added fields ahead of the real ones;
 * LF, CRLF or both; multiparts with quoted or bare boundaries, preambles,
 * epilogues and a missing final boundary; base64 (any line length, stray
 * whitespace, missing padding), quoted-printable; RFC 2231 parameters and
 * RFC 2047 encoded-words.
 *
 * Nothing here copies a message: entities and parts are slices of the
 * caller's buffer, which must outlive them.  Only decoded bodies and
 * header values are new memory.  No OpenSSL, no home, no printing. */
#ifndef PADSEAL_MIME_H
#define PADSEAL_MIME_H

#include <stddef.h>

#include "err.h"

#define MIME_MAX_DEPTH    32          /* multiparts inside multiparts */
#define MIME_MAX_HEADER   (64u << 10) /* an unfolded header value is cut here */
#define MIME_MAX_BOUNDARY 200         /* RFC 2046 allows 70; clients exceed it */

struct mime_entity {
	const unsigned char *raw; /* the whole entity: header block + body */
	size_t raw_len;
	const unsigned char *hdr; /* the header block, without the blank line */
	size_t hdr_len;
	const unsigned char *body; /* after the blank line */
	size_t body_len;
	int has_headers; /* 0: no header block, all of it is body */
	char type[128];  /* "text/plain", lower case; the default
			    when Content-Type is absent or broken */
	char cte[32];    /* Content-Transfer-Encoding, lower case,
			    "" when absent */
	char *ctype;     /* unfolded Content-Type value or NULL */
	char *cdisp;     /* unfolded Content-Disposition or NULL */
};

enum mime_strict {
	MIME_LENIENT, /* an inner entity: no header block means all body */
	MIME_MESSAGE, /* a whole message: a header block is required, no NUL
			 bytes in it; a leading mbox "From " line is skipped */
};

/* Split `p` into header block and body and read its Content-* fields.
 * `deftype` is the type when none is given (NULL: "text/plain"; a part of
 * multipart/digest passes "message/rfc822").  MIME_MESSAGE refuses, with a
 * sentence in `e`, input that is empty, has NUL bytes in its header block
 * or does not start with one.  Free with mime_entity_free(). */
int mime_parse(const unsigned char *p, size_t n, enum mime_strict strict, const char *deftype,
	       struct mime_entity *m, struct err *e);
void mime_entity_free(struct mime_entity *m);

/* The unfolded value of the first field `name` (any case), without
 * leading and trailing white space, in a new string (free()); NULL when the
 * entity has no such field.  Cut at MIME_MAX_HEADER bytes. */
char *mime_header(const struct mime_entity *m, const char *name);

/* How many fields `name` (any case) the entity's header has. */
size_t mime_header_count(const struct mime_entity *m, const char *name);

/* Parameter `name` of a structured field value (Content-Type,
 * Content-Disposition): token or quoted string, RFC 2231 extended values
 * (name*=utf-8''%E2%82%AC) and continuations (name*0=, name*1*=), the
 * result in UTF-8.  Returns 1 and fills `out` (cut to fit), 0 when absent. */
int mime_param(const char *value, const char *name, char *out, size_t len);

/* The parts of a multipart entity, in order.  A part is the exact bytes
 * from after its delimiter line's line end up to, not including, the line
 * end that precedes the next delimiter: for multipart/signed the first part
 * is the content as signed.  A body without the final delimiter ends at the
 * end of the input. */
struct mime_iter {
	const unsigned char *p, *start, *end;
	char delim[MIME_MAX_BOUNDARY + 3];
	size_t dlen;
	int done;
	int closed;   /* the final delimiter ("--boundary--") was seen */
	size_t count; /* parts returned so far */
};

/* -1 when the entity has no usable boundary parameter. */
int mime_parts_begin(const struct mime_entity *m, struct mime_iter *it);
/* 1 with the next part, 0 when there are no more. */
int mime_parts_next(struct mime_iter *it, const unsigned char **part, size_t *len);

/* A body decoded by its Content-Transfer-Encoding.  `p` points into the
 * entity (7bit, 8bit, binary, unknown) or to `owned`. */
struct mime_data {
	const unsigned char *p;
	size_t len;
	unsigned char *owned; /* malloc'd, or NULL */
	size_t junk;          /* base64: characters that are not base64 */
};
void mime_decode_body(const struct mime_entity *m, struct mime_data *d);
/* Wipe (decoded bodies may be secrets) and free. */
void mime_data_free(struct mime_data *d);

/* Decoders.  `out` holds at least n / 4 * 3 + 3 bytes for base64 and n
 * bytes for quoted-printable.  Base64 skips white space and counts any other
 * stray character in *junk; missing padding is tolerated. */
size_t mime_b64_decode(const unsigned char *in, size_t n, unsigned char *out, size_t *junk);
size_t mime_qp_decode(const unsigned char *in, size_t n, unsigned char *out);
/* Quoted-printable decoding in pieces: decodes what the bytes seen decide
 * into out (room for n) and answers how many of `in` it took; the rest
 * (an "=" or blanks whose meaning the next bytes decide) comes again with
 * them.  With `last` everything is taken, as mime_qp_decode does. */
size_t mime_qp_step(const unsigned char *in, size_t n, int last, unsigned char *out, size_t *olen);

/* The canonical form for signature checks: every bare LF becomes CRLF,
 * existing CRLF are kept.  *out is NULL when `p` is already canonical (use
 * `p` as it is), else a new buffer of *outlen bytes (free()). */
void mime_canon(const unsigned char *p, size_t n, unsigned char **out, size_t *outlen);

/* Text in `charset` (NULL or unknown: taken as UTF-8) as UTF-8 with LF line
 * ends, NUL-terminated, in a new string (free(); wipe first if secret). */
char *mime_text_utf8(const unsigned char *p, size_t n, const char *charset);
/* Whether `cs` names UTF-8 or ASCII (often mislabelled UTF-8), "" too. */
int mime_charset_is_utf8(const char *cs);

/* A header value with its RFC 2047 encoded-words decoded, in UTF-8, in a
 * new string (free()). */
char *mime_decode_words(const char *in);

/* The bare addresses of an address-list value ("Sam <sam@x>, b@y (Bob)",
 * groups, quoted names with commas), joined by ", " into `out`; the first
 * mailbox's display name (encoded-words decoded) into `name` when not NULL.
 * Returns the number of addresses. */
size_t mime_addresses(const char *value, char *out, size_t len, char *name, size_t namelen);

/* 1 when `type` is "major/..." (type as in struct mime_entity). */
int mime_is(const struct mime_entity *m, const char *major);

#endif
