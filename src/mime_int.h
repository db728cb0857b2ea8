/* mime_int — what mime.c and mime_text.c share; not part of the API. */
#ifndef PADSEAL_MIME_INT_H
#define PADSEAL_MIME_INT_H

#include <stddef.h>

/* A string that grows by copying, never realloc, and wipes the block it
 * leaves (it may hold decrypted text); free(s) when done (wipe first if
 * secret). */
struct sbuf {
	char *s;
	size_t len, cap;
};

void mime_sb_add(struct sbuf *b, const void *p, size_t n);
void mime_sb_ch(struct sbuf *b, char c);
/* The string, "" rather than NULL when nothing was added. */
char *mime_sb_done(struct sbuf *b);
/* Remove leading and trailing white space in place. */
void mime_trim(char *s);
/* The value of hex digit `c`, -1 when it is not one. */
int mime_hexval(int c);

#endif
