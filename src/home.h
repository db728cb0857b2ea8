/* home — the padseal home directory: where it is, its lock, its paths.
 *
 * Layout (all directories 0700, all files 0600):
 *   checklist, checklist.prev   the state file and its previous generation
 *   identities/<SHA256>/        cert.pem, key.pem (encrypted PKCS#8), chain.pem
 *   .lock                       empty; flock()ed while padseal works here
 */
#ifndef PADSEAL_HOME_H
#define PADSEAL_HOME_H

#include "err.h"

enum home_mode {
	HOME_READ,  /* never creates anything; shared lock when the home exists */
	HOME_WRITE, /* creates the home if needed; exclusive lock */
};

struct home {
	char *dir;        /* absolute or as given */
	int lockfd;       /* -1 when not locked */
	int exists;       /* the directory existed (or was created) */
	int lock_wait_ms; /* how long to wait for another process (default 3000) */
	int writing;      /* holds the exclusive lock, marked in the lock file */
};

/* Choose the directory: `opt` (--home), else $PADSEAL_HOME, else
 * ${XDG_DATA_HOME:-$HOME/.local/share}/padseal.  *out is free()d by caller. */
int home_resolve(const char *opt, char **out, struct err *e);

/* Open (and lock) the home at `dir`.  Call home_close() even on failure. */
int home_open(struct home *h, const char *dir, enum home_mode mode, struct err *e);

/* Upgrade a read-opened home to write (creating it, exclusive lock). */
int home_upgrade(struct home *h, struct err *e);

/* 0 if this user can write the home (or it does not exist yet), else -1
 * with the sentence saying why not: for an operation that asks questions
 * or changes things elsewhere before it writes the home. */
int home_check_writable(const struct home *h, struct err *e);

/* Release the lock, the home still known (h->dir).  A writer marks its
 * end in the lock file first (see home_upgrade). */
void home_unlock(struct home *h);
void home_close(struct home *h);

/* Path of `rel` inside the home, in a new string (free()). */
char *home_path(const struct home *h, const char *rel);

#endif
