/* json — the little JSON output needs.
 *
 * Two ways to write: the json_* functions print straight to a FILE (for
 * small objects), and a `struct jw` writer, which keeps its own buffer and
 * its commas (for lists of thousands: `status --json`, `peers --json` of a
 * large home).  Keys are the program's own words and are written as they
 * are; values are escaped. */
#ifndef PADSEAL_JSON_H
#define PADSEAL_JSON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* Write `s` as a JSON string literal (NULL writes null). */
void json_str(FILE *f, const char *s);
/* The inside of a string literal, `n` bytes of it escaped (a long string
 * written in pieces, between quotes the caller writes). */
void json_str_part(FILE *f, const char *s, size_t n);
/* Write "key": before a value; `first` tracks the comma. */
void json_key(FILE *f, int *first, const char *key);

/* "key": "value" (NULL value writes null). */
void json_field(FILE *f, int *first, const char *key, const char *val);
/* "key": true|false */
void json_field_bool(FILE *f, int *first, const char *key, int b);
/* ["a","b",...] */
void json_strs(FILE *f, char *const *list, size_t n);

/* --- a buffered writer ----------------------------------------------------- */

#define JW_BUF   (64u << 10)
#define JW_DEPTH 63

struct jw {
	FILE *f;
	size_t len;
	unsigned depth;
	uint64_t comma; /* bit d: the next value at depth d needs a comma */
	char buf[JW_BUF];
};

void jw_init(struct jw *j, FILE *f);
/* Write out what is buffered; -1 when the stream failed. */
int jw_flush(struct jw *j);
/* Open '{' or '[' (as a value), close with '}' or ']'. */
void jw_open(struct jw *j, char c);
void jw_close(struct jw *j, char c);
/* "key": — the value written next belongs to it.  Inline, so that the
 * length of a literal key is known when compiling: a list of thousands
 * writes hundreds of thousands of keys. */
void jw_key_slow(struct jw *j, const char *key, size_t n);
static inline void
jw_key_n(struct jw *j, const char *key, size_t n)
{
	uint64_t bit = (uint64_t)1 << j->depth;
	char *w = j->buf + j->len;

	if (n + 4 > sizeof j->buf - j->len) {
		jw_key_slow(j, key, n);
		return;
	}
	if (j->comma & bit)
		*w++ = ',';
	*w++ = '"';
	memcpy(w, key, n);
	w += n;
	*w++ = '"';
	*w++ = ':';
	j->len = (size_t)(w - j->buf);
	j->comma &= ~bit; /* the value adds none */
}
static inline void
jw_key(struct jw *j, const char *key)
{
	jw_key_n(j, key, strlen(key));
}
/* Values: a string (NULL writes null), true/false, a whole number. */
void jw_str(struct jw *j, const char *s);
/* A string that needs no escape: the program's own words and digits. */
void jw_word_n(struct jw *j, const char *w, size_t n);
static inline void
jw_word(struct jw *j, const char *w)
{
	jw_word_n(j, w, strlen(w));
}
void jw_bool(struct jw *j, int b);
void jw_int(struct jw *j, long long v);
/* A key and its value at once. */
static inline void
jw_field(struct jw *j, const char *key, const char *val)
{
	jw_key(j, key);
	jw_str(j, val);
}
static inline void
jw_field_word(struct jw *j, const char *key, const char *w)
{
	jw_key(j, key);
	jw_word(j, w);
}
static inline void
jw_field_bool(struct jw *j, const char *key, int b)
{
	jw_key(j, key);
	jw_bool(j, b);
}
static inline void
jw_field_int(struct jw *j, const char *key, long long v)
{
	jw_key(j, key);
	jw_int(j, v);
}
/* Bytes as they are (a newline between values). */
void jw_raw(struct jw *j, const char *s, size_t n);

#endif
