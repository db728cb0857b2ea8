/* session — a home as a front end holds it: its directory, its state as
 * last read (read again only when another process changed the file), and
 * the keys unlocked so far.
 *
 * The command line opens one session per command; the wizard one for the
 * whole sitting, so the key's passphrase is asked once and the state of a
 * home with thousands of correspondents is not parsed again after every
 * key press.  The home is locked only while an operation works on it
 * (shared to read, exclusive to write), never while a person types.
 *
 * Unlocked keys stay in the session until session_forget_keys() (the
 * wizard calls it when it has been idle for a while) or session_close();
 * they are held in OpenSSL's secure heap when the program set one up
 * (xsecure_heap_init, at the start of cli_main), and
 * wiped when freed either way. */
#ifndef PADSEAL_SESSION_H
#define PADSEAL_SESSION_H

#include <stddef.h>

#include "err.h"
#include "home.h"
#include "state.h"

/* Which passphrase is asked for. */
enum pass_kind {
	PASS_KEY,        /* the one that unlocks your key (your credential) */
	PASS_NEW_KEY,    /* a new one to protect a key stored in the home */
	PASS_NEW_BACKUP, /* a new one to protect a backup file */
	PASS_FILE,       /* the one of a file being read (a .p12 to restore) */
};

/* How an operation asks for a passphrase.  `fn` fills *out (pass_free())
 * and returns 0, or returns -1 with `e` set: none to be had (no terminal:
 * e->code ERR_USAGE), or the person cancelled.  `what` names what it
 * protects, for a prompt ("your key", "backup.p12").  A new passphrase
 * need not be checked against the policy: the operation checks it. */
struct pass_ask {
	int (*fn)(void *arg, enum pass_kind kind, const char *what, char **out, struct err *e);
	void *arg;
};

struct session;

/* A session on the home at `dir` (nothing is read or created yet). */
struct session *session_new(const char *dir);
void session_close(struct session *s);

const char *session_dir(const struct session *s);

/* Wait at most `ms` for another padseal holding the home (default 3 s). */
void session_lock_wait(struct session *s, int ms);

/* The home's state as of now, for reading: the home is locked (shared)
 * for the moment it takes to see whether the file changed and to read it
 * again if so.  Borrowed until the next call on the session. */
int session_state(struct session *s, const struct state **out, struct err *e);

/* The home (its directory, and its lock while an operation holds it), for
 * helpers that take a `struct home`: read files through it only between
 * session_begin and session_end. */
const struct home *session_home(const struct session *s);

/* --- for the operations (op_*.c) ---------------------------------------- */

/* Lock the home (`mode`: HOME_READ shared, HOME_WRITE exclusive and
 * created when missing) and bring the state up to date.  *st stays valid
 * until session_end.  A read-only home can be read (no lock needed). */
int session_begin(struct session *s, enum home_mode mode, struct state **st, struct err *e);
/* Release the lock.  `keep` 0 drops the state's unsaved changes (the next
 * begin reads the file again): what a failed operation does. */
void session_end(struct session *s, int keep);

/* The private key of identity `hex` (current or archived), unlocked with
 * the passphrase `ask` gives (asked once per session; a wrong one is
 * refused with "the passphrase does not unlock your key", e->code
 * ERR_BAD_PASS).  The session owns the key.  Only for the core (OpenSSL
 * types).  Outside session_begin/end the home is locked just to read the
 * key file, after the passphrase was typed; operations unlock keys before
 * they begin, so that nobody waits while a person types. */
struct evp_pkey_st;
int session_key(struct session *s, const char *hex, const struct pass_ask *ask,
		struct evp_pkey_st **out, struct err *e);
/* Is the key of identity `hex` unlocked already (no passphrase needed)? */
int session_key_held(const struct session *s, const char *hex);
/* Forget every unlocked key (wiped). */
void session_forget_keys(struct session *s);

/* Keep a key unlocked elsewhere (create, restore: the person just typed
 * its passphrase).  The session takes it over. */
void session_key_adopt(struct session *s, const char *hex, struct evp_pkey_st *key);

/* msg_open's context for the session's home and state (valid while an
 * operation holds the home): envelopes for the user ask for the key's
 * passphrase through `ask`, once.  `keep` lives as long as `out`. */
struct msg_ctx;
struct session_msg {
	struct session *s;
	const struct pass_ask *ask;
};
void session_msg_ctx(struct session *s, const struct pass_ask *ask, struct session_msg *keep,
		     struct msg_ctx *out);

/* Passphrases known beforehand (the wizard's form, a test): pass[kind],
 * NULL for one not given (asking for it fails).  Borrowed. */
struct pass_fixed {
	const char *pass[PASS_FILE + 1];
};
void pass_ask_fixed(struct pass_ask *a, struct pass_fixed *f);

#endif
