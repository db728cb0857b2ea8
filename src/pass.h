/* pass — passphrases: the policy for new ones, reading them from files, and
 * wiping them.  Reading from a terminal is the front end's job (cli.c, ui/). */
#ifndef PADSEAL_PASS_H
#define PADSEAL_PASS_H

#include <stddef.h>

#include "err.h"

#define PASS_MIN_LEN  10 /* below this: refused */
#define PASS_LONG_LEN 16 /* from this length, one kind of character will do */
#define PASS_MAX_LEN  1023

/* Judge a new passphrase.  Returns 0 when acceptable, else -1 with the reason
 * in `e` ("too short: 6 characters, at least 10 are needed").  *non_ascii (if
 * not NULL) is set when it holds non-ASCII characters: acceptable, but
 * platforms encode those differently inside PKCS#12 files. */
int pass_check_new(const char *pass, int *non_ascii, struct err *e);

/* A 0..4 strength score for a meter (0 = refused). */
int pass_strength(const char *pass);

/* The first line of `path` (without the line end), in a new buffer to be
 * freed with pass_free().  An empty first line is returned as "" — the
 * caller decides whether that is acceptable. */
int pass_read_file(const char *path, char **out, struct err *e);

/* A copy of `pass` to be freed with pass_free(). */
char *pass_dup(const char *pass);

/* Wipe and free a passphrase (NULL is fine). */
void pass_free(char *pass);

/* Wipe `n` bytes at `p` in a way the compiler cannot drop (OPENSSL_cleanse):
 * for passphrases in fixed buffers, such as a front end's input fields. */
void pass_wipe(void *p, size_t n);

#endif
