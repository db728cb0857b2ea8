/* safetext — text that came from outside (certificate names, addresses,
 * headers, message text, file names), made safe to show.
 *
 * One rule for every front end: a character that can steer a terminal or
 * reorder what a person reads never reaches it as is.  Those are the C0
 * controls (but line feed and tab where the caller allows them), DEL, the
 * C1 controls U+0080..U+009F (CSI is U+009B) and the bidirectional
 * controls U+061C, U+200E, U+200F, U+202A..U+202E and U+2066..U+2069.  The
 * command line shows each such character as "<U+XXXX>" and each byte that
 * is not part of valid UTF-8 (a raw 0x9B, 0xFF, an overlong form, a
 * surrogate) as "<0xXX>"; the wizard draws one '?' for either; JSON
 * escapes them (json.h).  No OpenSSL, no curses: both front ends use it. */
#ifndef PADSEAL_SAFETEXT_H
#define PADSEAL_SAFETEXT_H

#include <stddef.h>

/* Longest visible form of one character or byte, with its NUL. */
#define SAFETEXT_VISIBLE_MAX 12

/* Decode the UTF-8 character at s (len > 0 bytes available): returns the
 * bytes it takes (1..4) and sets *cp to its code point, or returns 1 and
 * sets *cp to -1 when s[0] starts no valid sequence within len bytes. */
size_t safetext_next(const char *s, size_t len, long *cp);

/* 1 when s[0..len) (len 1..3) is the start of a valid sequence that needs
 * more bytes; a stream keeps such a tail until the rest arrives. */
int safetext_partial(const char *s, size_t len);

/* 1 when code point `cp` must not reach a terminal as is (see above);
 * `keep_lines` lets line feed and tab through. */
int safetext_hidden(long cp, int keep_lines);

/* The visible form of a hidden code point (cp >= 0) or of the invalid byte
 * `byte` (cp == -1) into buf (at least SAFETEXT_VISIBLE_MAX bytes). */
void safetext_visible(long cp, unsigned char byte, char *buf);

/* `s` with every hidden character and invalid byte in its visible form:
 * free() the result. */
char *safetext_dup(const char *s, int keep_lines);

#endif
