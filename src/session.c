/* session — a home as a front end holds it (see session.h). */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "ident.h"
#include "msg.h"
#include "pass.h"
#include "session.h"
#include "xalloc.h"

#define KEYS_MAX 32

struct held_key {
	char hex[FPR_HEX_LEN];
	EVP_PKEY *key;
};

struct session {
	char *dir;
	struct home h; /* locked between begin and end only */
	int held;      /* begin was called, end not yet */
	int lock_wait_ms;
	struct state *st; /* as last read or saved; NULL: read again */
	struct held_key keys[KEYS_MAX];
	size_t n_keys;
	char *pass; /* the key passphrase that worked (wiped) */
};

struct session *
session_new(const char *dir)
{
	struct session *s = xcalloc(1, sizeof *s);

	s->dir = xstrdup(dir);
	s->h.lockfd = -1;
	return s;
}

void
session_close(struct session *s)
{
	if (s == NULL)
		return;
	if (s->held)
		session_end(s, 0);
	session_forget_keys(s);
	state_free(s->st);
	home_close(&s->h);
	free(s->dir);
	free(s);
}

const char *
session_dir(const struct session *s)
{
	return s->dir;
}

void
session_lock_wait(struct session *s, int ms)
{
	s->lock_wait_ms = ms;
}

const struct home *
session_home(const struct session *s)
{
	return &s->h;
}

int
session_begin(struct session *s, enum home_mode mode, struct state **st, struct err *e)
{
	*st = NULL;
	if (s->held)
		session_end(s, 1);
	home_close(&s->h);
	memset(&s->h, 0, sizeof s->h);
	s->h.lockfd = -1;
	s->h.lock_wait_ms = s->lock_wait_ms;
	if (home_open(&s->h, s->dir, mode, e) != 0) {
		home_close(&s->h);
		return -1;
	}
	s->held = 1;
	if (s->st != NULL && state_stale(&s->h, s->st)) {
		state_free(s->st);
		s->st = NULL;
	}
	if (s->st == NULL && state_load(&s->h, &s->st, e) != 0) {
		session_end(s, 0);
		return -1;
	}
	*st = s->st;
	return 0;
}

void
session_end(struct session *s, int keep)
{
	if (!keep) {
		state_free(s->st);
		s->st = NULL;
	}
	/* The lock goes; the directory stays known (session_home). */
	home_unlock(&s->h);
	s->held = 0;
}

int
session_state(struct session *s, const struct state **out, struct err *e)
{
	struct state *st;

	*out = NULL;
	if (session_begin(s, HOME_READ, &st, e) != 0)
		return -1;
	session_end(s, 1);
	*out = st;
	return 0;
}

/* --- keys ----------------------------------------------------------------- */

static struct held_key *
find_key(struct session *s, const char *hex)
{
	for (size_t i = 0; i < s->n_keys; i++)
		if (strcmp(s->keys[i].hex, hex) == 0)
			return &s->keys[i];
	return NULL;
}

int
session_key_held(const struct session *s, const char *hex)
{
	for (size_t i = 0; i < s->n_keys; i++)
		if (strcmp(s->keys[i].hex, hex) == 0)
			return 1;
	return 0;
}

void
session_key_adopt(struct session *s, const char *hex, EVP_PKEY *key)
{
	struct held_key *k = find_key(s, hex);

	if (k != NULL) {
		EVP_PKEY_free(k->key);
	} else if (s->n_keys < KEYS_MAX) {
		k = &s->keys[s->n_keys++];
		memcpy(k->hex, hex, FPR_HEX_LEN);
	} else {
		EVP_PKEY_free(key);
		return;
	}
	k->key = key;
}

void
session_forget_keys(struct session *s)
{
	for (size_t i = 0; i < s->n_keys; i++)
		EVP_PKEY_free(s->keys[i].key); /* clears the private key */
	s->n_keys = 0;
	pass_free(s->pass);
	s->pass = NULL;
}

/* Unlock the key of `hex`, reading it from the home (locked for reading
 * just for that when no operation holds it). */
static int
read_key(struct session *s, const char *hex, const char *pass, EVP_PKEY **key, struct err *e)
{
	struct home h = {0};
	int rc;

	if (s->held)
		return ident_key(&s->h, hex, pass, key, e);
	h.lockfd = -1;
	h.lock_wait_ms = s->lock_wait_ms;
	rc = home_open(&h, s->dir, HOME_READ, e) == 0 ? ident_key(&h, hex, pass, key, e) : -1;
	home_close(&h);
	return rc;
}

int
session_key(struct session *s, const char *hex, const struct pass_ask *ask, EVP_PKEY **out,
	    struct err *e)
{
	struct held_key *k = find_key(s, hex);
	const struct st_ident *id = s->st ? state_ident_by_hex(s->st, hex) : NULL;
	char *pass = NULL;
	EVP_PKEY *key = NULL;
	struct err sub = ERR_INIT;

	*out = NULL;
	if (k != NULL) {
		*out = k->key;
		return 0;
	}
	/* The passphrase that unlocked another of the user's keys is tried
	 * first: archived keys usually share it. */
	if (s->pass != NULL && read_key(s, hex, s->pass, &key, &sub) == 0)
		goto have;
	if (sub.set && sub.code != ERR_BAD_PASS)
		return err_copy(e, &sub);
	err_clear(&sub);
	if (ask == NULL || ask->fn == NULL)
		return err_set(e, "a passphrase is needed to unlock your key");
	if (ask->fn(ask->arg, PASS_KEY,
		    id != NULL && !id->current ? "your archived key" : "your key", &pass, e) != 0)
		return -1;
	if (read_key(s, hex, pass, &key, e) != 0) {
		pass_free(pass);
		return -1;
	}
	pass_free(s->pass);
	s->pass = pass;
have:
	session_key_adopt(s, hex, key);
	if ((k = find_key(s, hex)) == NULL)
		return err_set(e, "too many keys unlocked at once");
	*out = k->key;
	return 0;
}

/* For msg_open: the key of an identity, asked for through `ask`. */
static int
msg_key(void *arg, const char *hex, EVP_PKEY **out, struct err *e)
{
	struct session_msg *m = arg;

	return session_key(m->s, hex, m->ask, out, e);
}

void
session_msg_ctx(struct session *s, const struct pass_ask *ask, struct session_msg *keep,
		struct msg_ctx *out)
{
	keep->s = s;
	keep->ask = ask;
	memset(out, 0, sizeof *out);
	out->h = &s->h;
	out->st = s->st;
	out->key = msg_key;
	out->key_arg = keep;
}

/* --- a passphrase given beforehand ------------------------------------------ */

static int
fixed_fn(void *arg, enum pass_kind kind, const char *what, char **out, struct err *e)
{
	const struct pass_fixed *f = arg;
	const char *p = f->pass[kind];

	(void)what;
	if (p == NULL)
		return err_set(e, "no passphrase was given");
	*out = pass_dup(p);
	return 0;
}

void
pass_ask_fixed(struct pass_ask *a, struct pass_fixed *f)
{
	a->fn = fixed_fn;
	a->arg = f;
}
