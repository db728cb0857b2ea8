/* err — one error record per call chain: a sentence for a person, plus the
 * OpenSSL (or system) detail for --verbose.  The first error set wins, so the
 * message is written where the cause is known. */
#ifndef PADSEAL_ERR_H
#define PADSEAL_ERR_H

#include <stddef.h>

/* What kind of failure it is, for a front end that reacts differently
 * (the command line's exit status 2, the wizard's field to focus). */
enum err_code {
	ERR_DATA = 0,  /* refused because of the data or the home: exit 1 */
	ERR_USAGE,     /* misuse: no way to ask a passphrase, an ambiguous
			  PEER, ...: exit 2 */
	ERR_BAD_PASS,  /* a passphrase does not open what it should */
	ERR_WEAK_PASS, /* a new passphrase is refused by the policy */
	ERR_LOGIN,     /* a mail server refused the user name and password */
};

struct err {
	int set; /* non-zero once a message is recorded */
	enum err_code code;
	char msg[512];    /* one line for a person, no trailing period needed */
	char detail[512]; /* library detail, may be empty */
};

#define ERR_INIT                    \
	{                           \
		0, ERR_DATA, "", "" \
	}

/* Record a message unless one is already recorded.  Always returns -1 so a
 * caller can write `return err_set(e, ...)`.  `e` may be NULL. */
int err_set(struct err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* As err_set, and move the OpenSSL error queue into the detail. */
int err_ossl(struct err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* As err_set, with strerror(errno) (taken at entry) as the detail. */
int err_sys(struct err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Report `sub` as it is (the first error still wins); returns -1. */
int err_copy(struct err *e, const struct err *sub);
/* Report `sub` under a heading: "head: sub"; returns -1. */
int err_wrap(struct err *e, const struct err *sub, const char *head);

/* Say what kind of failure the recorded one is (the first code wins, as
 * the first message does); returns -1. */
int err_code(struct err *e, enum err_code code);

/* Forget any recorded error (and drain the OpenSSL queue). */
void err_clear(struct err *e);

#endif
