/* op_peer — the operations between you and your correspondents: giving
 * your certificate (introduction mail, file in person), taking theirs
 * (import), trusting and untrusting it (see op.h). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "fileio.h"
#include "op.h"
#include "op_int.h"
#include "peer.h"
#include "smime.h"
#include "xalloc.h"

/* Record that the user's certificate went to `to` at `now`. */
static void
note_sent(struct state *st, const char *to, time_t now, enum sent_how how)
{
	struct st_sent *r = state_sent_put(st, to);

	iso_time(now, r->at);
	r->how = how;
}

/* Deliver `msg` to `out`, then record it as sent to `to`; undone when the
 * record cannot be saved. */
static int
deliver_and_note(struct session *s, const struct sink *out, const void *msg, size_t len,
		 const char *to, enum sent_how how, time_t now, struct err *e)
{
	struct state *st;

	if (out->write(out->arg, msg, len, e) != 0)
		return -1;
	if (to == NULL)
		return 0;
	if (session_begin(s, HOME_WRITE, &st, e) == 0) {
		note_sent(st, to, now, how);
		if (op_save(s, st, e) == 0) {
			session_end(s, 1);
			return 0;
		}
		session_end(s, 0);
	}
	if (out->undo != NULL)
		out->undo(out->arg);
	return -1;
}

int
op_intro_check(struct session *s, const char *to, struct err *e)
{
	const struct st_ident *id;
	struct state *st;
	struct ident me = {0};
	int rc = -1;

	if (addr_check(to, e) != 0 || session_begin(s, HOME_READ, &st, e) != 0)
		return -1;
	if (op_need_ident(st, &id, e) == 0 && ident_current(session_home(s), st, 0, &me, e) > 0) {
		rc = 0;
		for (size_t i = 0; i < me.n_emails; i++)
			if (addr_eq(me.emails[i], to))
				rc = err_set(e,
					     "%s is your own address; send the introduction to a correspondent",
					     to);
	}
	ident_clear(&me);
	session_end(s, 1);
	return rc;
}

int
op_intro(struct session *s, const char *to, const struct sink *out, time_t now,
	 const struct pass_ask *ask, struct err *e)
{
	struct smime_sender *snd = NULL;
	struct evp_pkey_st *key;
	struct state *st;
	char hex[FPR_HEX_LEN], *msg = NULL;
	size_t len = 0;
	int rc = -1;

	if (op_intro_check(s, to, e) != 0 || op_current_key(s, ask, hex, &key, e) != 0 ||
	    session_begin(s, HOME_READ, &st, e) != 0)
		return -1;
	rc = smime_sender_open(session_home(s), st, key, now, &snd, e) == 0 &&
			     smime_intro(snd, to, now, &msg, &len, e) == 0 ?
		     0 :
		     -1;
	session_end(s, 1);
	/* The message first: the checklist says "sent" only once it exists. */
	if (rc == 0)
		rc = deliver_and_note(s, out, msg, len, to, SENT_MAIL, now, e);
	free(msg);
	smime_sender_free(snd);
	return rc;
}

int
op_cert(struct session *s, int der, const char *to, const struct sink *out, time_t now,
	struct err *e)
{
	struct state *st;
	unsigned char *buf = NULL;
	size_t len = 0;
	int rc;

	if (to != NULL && addr_check(to, e) != 0)
		return -1;
	if (session_begin(s, HOME_READ, &st, e) != 0)
		return -1;
	rc = ident_cert_export(session_home(s), st, der, &buf, &len, e);
	session_end(s, 1);
	if (rc == 0)
		rc = deliver_and_note(s, out, buf, len, to, SENT_IN_PERSON, now, e);
	free(buf);
	return rc;
}

/* --- import ------------------------------------------------------------------- */

int
op_import_read(struct session *s, const char *path, time_t now, const struct pass_ask *ask,
	       struct import_set **out, struct err *e)
{
	struct op_msg keep;
	struct msg_ctx ctx;
	struct state *st;
	unsigned char *buf = NULL;
	size_t len = 0;
	int rc;

	*out = NULL;
	if (file_read(path, FILE_MAX_MSG, &buf, &len, e) != 0)
		return -1;
	if ((rc = session_begin(s, HOME_READ, &st, e)) == 0) {
		op_msg_ctx(s, ask, now, &keep, &ctx);
		rc = import_read(&ctx, buf, len, path, out, e);
		if (keep.key_err.set) { /* the passphrase, not the file */
			err_clear(e);
			rc = err_copy(e, &keep.key_err);
		}
		if (rc == 0)
			rc = state_damage(st, e);
		if (rc == 0)
			rc = import_check(st, *out, e);
		session_end(s, 1);
	}
	if (rc != 0) {
		import_free(*out);
		*out = NULL;
	}
	file_free_secret(buf, len);
	return rc;
}

int
op_import_store(struct session *s, struct import_set *set, const char *source, time_t now,
		struct err *e)
{
	return op_import_store_trusted(s, set, source, VERIFY_NONE, now, e);
}

int
op_import_store_trusted(struct session *s, struct import_set *set, const char *source,
			enum verify_method method, time_t now, struct err *e)
{
	struct state *st;

	if (session_begin(s, HOME_WRITE, &st, e) != 0)
		return -1;
	if (import_store(session_home(s), st, set, source, now, e) != 0 ||
	    (method != VERIFY_NONE &&
	     import_trust(session_home(s), st, set, method, now, e) != 0)) {
		import_unstore(session_home(s), set);
		session_end(s, 0);
		return -1;
	}
	if (op_save(s, st, e) != 0) {
		import_unstore(session_home(s), set);
		session_end(s, 0);
		return -1;
	}
	session_end(s, 1);
	return 0;
}

/* --- trust ---------------------------------------------------------------------- */

/* Resolve `peer` in `st` and keep its fingerprint, to find it again after
 * the home was read anew. */
static const struct st_peer *
resolve(const struct state *st, const char *peer, char hex[FPR_HEX_LEN], struct err *e)
{
	const struct st_peer *p = peer_resolve(st, peer, e);

	if (p != NULL)
		memcpy(hex, p->hex, FPR_HEX_LEN);
	return p;
}

static const struct st_peer *
again(const struct state *st, const char *hex, struct err *e)
{
	const struct st_peer *p = state_peer_by_hex(st, hex);

	if (p == NULL)
		err_set(e, "the certificate %.16s is no longer in this home", hex);
	return p;
}

int
op_trust_check(struct session *s, const char *peer, int force, time_t now, struct lint_report *lint,
	       struct err *e)
{
	const struct st_peer *p;
	struct state *st;
	char hex[FPR_HEX_LEN];
	int rc = -1;

	if (session_begin(s, HOME_READ, &st, e) != 0)
		return -1;
	if ((p = resolve(st, peer, hex, e)) != NULL)
		rc = trust_check(session_home(s), p, force, now, lint, e);
	session_end(s, 1);
	return rc;
}

int
op_trust(struct session *s, const char *peer, enum verify_method method, int force, time_t now,
	 struct op_trust_res *res, struct err *e)
{
	struct lint_report *lint = xcalloc(1, sizeof *lint);
	const struct st_peer *p;
	struct state *st;
	int rc = -1;

	memset(res, 0, sizeof *res);
	if (method == VERIFY_NONE) {
		err_set(e,
			"say how you verified the fingerprint: by phone, in person or otherwise");
		goto out;
	}
	if (session_begin(s, HOME_READ, &st, e) != 0)
		goto out;
	p = resolve(st, peer, res->hex, e);
	rc = p != NULL ? trust_check(session_home(s), p, force, now, lint, e) : -1;
	session_end(s, 1);
	if (rc != 0)
		goto out;
	rc = -1;
	if (session_begin(s, HOME_WRITE, &st, e) != 0)
		goto out;
	if ((p = again(st, res->hex, e)) == NULL ||
	    trust_apply(session_home(s), st, p, method, force, now, &res->done, e) != 0 ||
	    op_save(s, st, e) != 0) {
		session_end(s, 0);
		goto out;
	}
	snprintf(res->email, sizeof res->email, "%s", p->addr[0]);
	res->method = method;
	iso_time(now, res->at);
	session_end(s, 1);
	rc = 0;
out:
	free(lint);
	return rc;
}

int
op_untrust(struct session *s, const char *peer, time_t now, struct op_untrust_res *res,
	   struct err *e)
{
	const struct st_peer *p;
	struct state *st;

	memset(res, 0, sizeof *res);
	if (session_begin(s, HOME_READ, &st, e) != 0)
		return -1;
	if ((p = resolve(st, peer, res->hex, e)) == NULL) {
		session_end(s, 1);
		return -1;
	}
	snprintf(res->email, sizeof res->email, "%s", p->addr[0]);
	if (state_peer_retired(p)) {
		res->done = UNTRUST_ALREADY;
		snprintf(res->at, sizeof res->at, "%s",
			 p->untrusted_at[0] ? p->untrusted_at : p->rejected_at);
		session_end(s, 1);
		return 0;
	}
	session_end(s, 1);
	if (session_begin(s, HOME_WRITE, &st, e) != 0)
		return -1;
	if ((p = again(st, res->hex, e)) == NULL) {
		session_end(s, 0);
		return -1;
	}
	res->done = trust_withdraw(st, p, now);
	snprintf(res->at, sizeof res->at, "%s",
		 p->untrusted_at[0] ? p->untrusted_at : p->rejected_at);
	if (res->done != UNTRUST_ALREADY && op_save(s, st, e) != 0) {
		session_end(s, 0);
		return -1;
	}
	session_end(s, 1);
	return 0;
}
