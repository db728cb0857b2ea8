/* op_int — what the operation files (op*.c) share. */
#ifndef PADSEAL_OP_INT_H
#define PADSEAL_OP_INT_H

#include <time.h>

#include "err.h"
#include "session.h"
#include "state.h"

struct evp_pkey_st;

/* Ask for a passphrase through `ask` (an error when there is no asker). */
int op_ask(const struct pass_ask *ask, enum pass_kind kind, const char *what, char **out,
	   struct err *e);
/* The same for a new one, checked against the policy (ERR_WEAK_PASS). */
int op_ask_new(const struct pass_ask *ask, enum pass_kind kind, const char *what, char **out,
	       struct err *e);

/* The current identity, or "there is no credential yet". */
int op_need_ident(const struct state *st, const struct st_ident **out, struct err *e);

/* The current identity's fingerprint and unlocked key (asked for through
 * `ask` unless the session holds it); the session owns the key.  Called
 * before an operation begins, so no lock is held while a person types. */
int op_current_key(struct session *s, const struct pass_ask *ask, char hex[FPR_HEX_LEN],
		   struct evp_pkey_st **key, struct err *e);

/* msg_open's context for an operation: like session_msg_ctx, and the
 * first failure to unlock a key (no passphrase to be had, a wrong one) is
 * kept in `key_err`, so that the operation stops with it instead of
 * counting a typing error as a message that does not open. */
struct op_msg {
	struct session *s;
	const struct pass_ask *ask;
	struct err key_err;
};
struct msg_ctx;
void op_msg_ctx(struct session *s, const struct pass_ask *ask, time_t now, struct op_msg *keep,
		struct msg_ctx *out);

/* Save the state of the operation in progress. */
int op_save(struct session *s, struct state *st, struct err *e);

#endif
