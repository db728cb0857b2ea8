/* op — the operations on your own credential: create, restore, back up;
 * and what every operation shares (see op.h).  op_peer.c has those on
 * correspondents, op_matrix.c the test. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "fileio.h"
#include "mailer.h"
#include "msg.h"
#include "mailset.h"
#include "op.h"
#include "op_int.h"
#include "pass.h"
#include "peer.h"
#include "xalloc.h"

/* --- sinks ---------------------------------------------------------------- */

static int
file_write(void *arg, const void *buf, size_t len, struct err *e)
{
	struct sink_file *f = arg;

	if (file_write_atomic(f->path, buf, len, FILE_SWEEP | (f->force ? 0 : FILE_NOCLOBBER), e) !=
	    0) {
		if (!f->force && path_exists(f->path)) {
			err_clear(e);
			err_set(e,
				"%s already exists; padseal does not overwrite it (add --force to replace it)",
				f->path);
		}
		return -1;
	}
	f->written = 1;
	return 0;
}

static void
file_undo(void *arg)
{
	struct sink_file *f = arg;

	if (f->written)
		unlink(f->path);
	f->written = 0;
}

void
sink_file(struct sink *s, struct sink_file *f, const char *path, int force)
{
	f->path = path;
	f->force = force;
	f->written = 0;
	s->write = file_write;
	s->undo = file_undo;
	s->arg = f;
	s->label = path;
}

static int
mail_write(void *arg, const void *buf, size_t len, struct err *e)
{
	struct sink_mail *sm = arg;

	if (sm->also != NULL && sm->also->write(sm->also->arg, buf, len, e) != 0)
		return -1;
	if (mailer_send(sm->m, sm->from, sm->to, buf, len, e) != 0) {
		if (sm->also != NULL && sm->also->undo != NULL)
			sm->also->undo(sm->also->arg);
		return -1;
	}
	return 0;
}

static void
mail_undo(void *arg)
{
	struct sink_mail *sm = arg;

	if (sm->also != NULL && sm->also->undo != NULL)
		sm->also->undo(sm->also->arg);
}

void
sink_mail(struct sink *s, struct sink_mail *sm, const char *label)
{
	memset(s, 0, sizeof *s);
	s->write = mail_write;
	s->undo = mail_undo;
	s->arg = sm;
	s->label = label;
}

/* --- shared by the operations ----------------------------------------------- */

int
op_ask(const struct pass_ask *ask, enum pass_kind kind, const char *what, char **out, struct err *e)
{
	*out = NULL;
	if (ask == NULL || ask->fn == NULL)
		return err_set(e, "a passphrase is needed for %s", what);
	return ask->fn(ask->arg, kind, what, out, e);
}

int
op_ask_new(const struct pass_ask *ask, enum pass_kind kind, const char *what, char **out,
	   struct err *e)
{
	if (op_ask(ask, kind, what, out, e) != 0)
		return -1;
	if (pass_check_new(*out, NULL, e) != 0) {
		pass_free(*out);
		*out = NULL;
		return err_code(e, ERR_WEAK_PASS);
	}
	return 0;
}

int
op_need_ident(const struct state *st, const struct st_ident **out, struct err *e)
{
	if ((*out = state_ident_current(st)) == NULL)
		return err_set(e, "there is no credential yet; create one first");
	return 0;
}

int
op_current_key(struct session *s, const struct pass_ask *ask, char hex[FPR_HEX_LEN], EVP_PKEY **key,
	       struct err *e)
{
	const struct state *st;
	const struct st_ident *id;

	if (session_state(s, &st, e) != 0 || op_need_ident(st, &id, e) != 0)
		return -1;
	memcpy(hex, id->hex, FPR_HEX_LEN);
	return session_key(s, hex, ask, key, e);
}

static int
op_msg_key(void *arg, const char *hex, EVP_PKEY **out, struct err *e)
{
	struct op_msg *m = arg;

	if (m->key_err.set)
		return err_copy(e, &m->key_err);
	if (session_key(m->s, hex, m->ask, out, &m->key_err) != 0)
		return err_copy(e, &m->key_err);
	return 0;
}

void
op_msg_ctx(struct session *s, const struct pass_ask *ask, time_t now, struct op_msg *keep,
	   struct msg_ctx *out)
{
	struct session_msg ignore;

	memset(keep, 0, sizeof *keep);
	keep->s = s;
	keep->ask = ask;
	session_msg_ctx(s, ask, &ignore, out);
	out->key = op_msg_key;
	out->key_arg = keep;
	out->now = now;
}

int
op_save(struct session *s, struct state *st, struct err *e)
{
	return state_save(session_home(s), st, e);
}

/* --- reading ------------------------------------------------------------------ */

/* Messages from this size on are read as they arrive (msg_open_stream). */
#define OP_STREAM_MIN (1 << 20)

struct stream_src {
	const char *path;
	int fd;
};

static int
fd_read(void *arg, unsigned char *buf, size_t len, size_t *got, struct err *e)
{
	const struct stream_src *src = arg;
	ssize_t n;

	do
		n = read(src->fd, buf, len);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return err_sys(e, "cannot read %s", src->path);
	*got = (size_t)n;
	return 0;
}

/* A large message is read as it arrives (msg_open_stream): 0 or -1 as
 * op_read, 1 when it is small or of a shape read whole. */
static int
read_streamed(struct session *s, const char *path, time_t now, const struct pass_ask *ask,
	      struct msg_report *r, struct err *e)
{
	struct stream_src src = {.path = path};
	struct op_msg keep;
	struct msg_ctx ctx;
	struct state *st;
	struct stat sb;
	int rc = 1;

	if ((src.fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return 1; /* file_read says why */
	if (fstat(src.fd, &sb) != 0 || !S_ISREG(sb.st_mode) || sb.st_size < OP_STREAM_MIN) {
		close(src.fd);
		return 1;
	}
	if (session_begin(s, HOME_READ, &st, e) == 0) {
		op_msg_ctx(s, ask, now, &keep, &ctx);
		rc = msg_open_stream(&ctx, fd_read, &src, r, e);
		if (rc == 0 && (keep.key_err.set || state_damage(st, e) != 0)) {
			msg_report_free(r);
			rc = err_copy(e, &keep.key_err);
		}
		session_end(s, 1);
	} else {
		rc = -1;
	}
	close(src.fd);
	return rc;
}

int
op_read(struct session *s, const char *path, time_t now, const struct pass_ask *ask,
	struct msg_report *r, struct err *e)
{
	struct op_msg keep;
	struct msg_ctx ctx;
	struct state *st;
	unsigned char *buf = NULL;
	size_t len = 0;
	int rc = -1;

	memset(r, 0, sizeof *r);
	if ((rc = read_streamed(s, path, now, ask, r, e)) != 1)
		return rc;
	rc = -1;
	if (file_read(path, FILE_MAX_MSG, &buf, &len, e) != 0)
		return -1;
	if (session_begin(s, HOME_READ, &st, e) == 0) {
		op_msg_ctx(s, ask, now, &keep, &ctx);
		rc = msg_open(&ctx, buf, len, r, e);
		if (rc == 0 && (keep.key_err.set || state_damage(st, e) != 0)) {
			msg_report_free(r);
			rc = err_copy(e, &keep.key_err);
		}
		session_end(s, 1);
	}
	file_free_secret(buf, len);
	return rc;
}

/* --- reading the home --------------------------------------------------------- */

int
op_status(struct session *s, time_t now, struct checklist *cl, unsigned char **missing,
	  size_t *n_missing, const struct state **st_out, struct err *e)
{
	struct state *st;
	int rc;

	memset(cl, 0, sizeof *cl);
	if (missing != NULL)
		*missing = NULL;
	if (session_begin(s, HOME_READ, &st, e) != 0)
		return -1;
	rc = checklist_build(session_home(s), st, now, cl, e);
	if (rc == 0 && missing != NULL) {
		*missing = xcalloc(cl->n_peers ? cl->n_peers : 1, 1);
		*n_missing = peer_files_missing(session_home(s), st, *missing);
	}
	if (st_out != NULL)
		*st_out = st;
	session_end(s, 1);
	return rc;
}

int
op_mail_settings(struct session *s, struct mail_settings *out, struct err *e)
{
	struct state *st;
	int rc;

	memset(out, 0, sizeof *out);
	if (session_begin(s, HOME_READ, &st, e) != 0)
		return -1;
	rc = mailset_load(session_home(s), out, e);
	session_end(s, 1);
	return rc;
}

int
op_mail_settings_keep(struct session *s, const struct mail_settings *in, struct err *e)
{
	struct mail_settings old;
	struct state *st;
	int rc;

	if (session_begin(s, HOME_WRITE, &st, e) != 0)
		return -1;
	/* A damaged file is refused before it is replaced. */
	rc = mailset_load(session_home(s), &old, e);
	if (rc == 0)
		rc = mailset_save(session_home(s), in, e);
	session_end(s, 1);
	return rc;
}

int
op_idents(struct session *s, time_t now, struct ident **out, size_t *n, struct err *e)
{
	struct state *st;
	int rc;

	*out = NULL;
	*n = 0;
	if (session_begin(s, HOME_READ, &st, e) != 0)
		return -1;
	rc = ident_list(session_home(s), st, now, out, n, e);
	session_end(s, 1);
	return rc;
}

int
op_ident(struct session *s, time_t now, struct ident *out, struct err *e)
{
	struct state *st;
	int rc;

	memset(out, 0, sizeof *out);
	if (session_begin(s, HOME_READ, &st, e) != 0)
		return -1;
	rc = ident_current(session_home(s), st, now, out, e);
	session_end(s, 1);
	return rc;
}

int
op_peer_info(struct session *s, const char *peer, time_t now, struct peer_info *out, struct err *e)
{
	const struct st_peer *p;
	struct state *st;
	int rc = -1;

	if (session_begin(s, HOME_READ, &st, e) != 0)
		return -1;
	if ((p = peer_resolve(st, peer, e)) != NULL)
		rc = peer_info(session_home(s), p, now, out, e);
	session_end(s, 1);
	return rc;
}

int
op_cert_of(struct session *s, const char *peer, X509 **out, char *what, size_t whatlen,
	   struct err *e)
{
	const struct st_peer *p;
	const struct st_ident *id;
	struct state *st;
	int rc = -1;

	*out = NULL;
	if (session_begin(s, HOME_READ, &st, e) != 0)
		return -1;
	if (peer == NULL) {
		snprintf(what, whatlen, "your certificate");
		if (op_need_ident(st, &id, e) == 0)
			rc = ident_cert(session_home(s), id->hex, out, NULL, e);
	} else if ((p = peer_resolve(st, peer, e)) != NULL) {
		snprintf(what, whatlen, "the certificate of %s", p->addr[0]);
		rc = peer_cert(session_home(s), p, out, e);
	}
	session_end(s, 1);
	return rc;
}

int
op_anchor_of(struct session *s, const char *peer, X509 **out, int *ca, char *what, size_t whatlen,
	     struct err *e)
{
	STACK_OF(X509) *chain = NULL;
	const struct st_peer *p;
	const struct st_ident *id;
	struct state *st;
	X509 *leaf = NULL;
	int rc = -1;

	*out = NULL;
	*ca = 0;
	if (session_begin(s, HOME_READ, &st, e) != 0)
		return -1;
	if (peer == NULL) {
		snprintf(what, whatlen, "your certificate");
		if (op_need_ident(st, &id, e) == 0 &&
		    ident_cert(session_home(s), id->hex, &leaf, &chain, e) == 0) {
			X509 *c = peer_ca_find(leaf, chain);

			if (c != NULL && X509_up_ref(c)) {
				snprintf(what, whatlen, "your own CA");
				*out = c;
				*ca = 1;
				X509_free(leaf);
			} else {
				*out = leaf;
			}
			rc = 0;
		}
	} else if ((p = peer_resolve(st, peer, e)) != NULL) {
		if (p->ca[0]) {
			snprintf(what, whatlen, "the CA of %s", p->addr[0]);
			rc = peer_ca_cert(session_home(s), p, out, e);
			*ca = 1;
		} else {
			snprintf(what, whatlen, "the certificate of %s", p->addr[0]);
			rc = peer_cert(session_home(s), p, out, e);
		}
	}
	sk_X509_pop_free(chain, X509_free);
	session_end(s, 1);
	return rc;
}

/* --- create ----------------------------------------------------------------- */

int
op_create_check(struct session *s, const struct ident_new *req, struct err *e)
{
	struct state *st;
	int rc;

	if (session_begin(s, HOME_READ, &st, e) != 0)
		return -1;
	rc = ident_check_new(session_home(s), st, req, e);
	session_end(s, 1);
	return rc;
}

int
op_create(struct session *s, struct op_create *req, const struct pass_ask *ask, struct ident *out,
	  struct err *e)
{
	struct newkey *key = req->key;
	struct state *st;
	struct ident id = {0};
	char *pass = NULL;
	int rc = -1;

	req->key = NULL; /* consumed */
	if (op_create_check(s, &req->req, e) != 0 ||
	    op_ask_new(ask, PASS_NEW_KEY, "your new key", &pass, e) != 0)
		goto out;
	if (key == NULL && ident_keygen(req->req.key, &key, e) != 0)
		goto out;
	if (session_begin(s, HOME_WRITE, &st, e) != 0)
		goto out;
	if (ident_create(session_home(s), st, &req->req, key, pass, req->now, &id, e) != 0) {
		session_end(s, 0);
		goto out;
	}
	if (op_save(s, st, e) != 0) {
		ident_discard(session_home(s), id.hex);
		session_end(s, 0);
		goto out;
	}
	session_end(s, 1);
	/* The person just chose the passphrase: the key stays unlocked for
	 * the session (the wizard's sitting). */
	EVP_PKEY_up_ref(newkey_pkey(key));
	session_key_adopt(s, id.hex, newkey_pkey(key));
	if (out != NULL) {
		*out = id;
		memset(&id, 0, sizeof id);
	}
	rc = 0;
out:
	ident_clear(&id);
	newkey_free(key);
	pass_free(pass);
	return rc;
}

/* --- renew ------------------------------------------------------------------- */

int
op_renew(struct session *s, int keep_key, int days, time_t now, const struct pass_ask *ask,
	 struct ident *out, struct err *e)
{
	const struct st_ident *r;
	struct state *st;
	struct ident id = {0};
	char *pass = NULL;
	int rc = -1;

	if (session_begin(s, HOME_READ, &st, e) != 0)
		return -1;
	rc = op_need_ident(st, &r, e);
	session_end(s, 1);
	if (rc != 0 || op_ask(ask, PASS_KEY, "your key", &pass, e) != 0)
		goto fail;
	if (session_begin(s, HOME_WRITE, &st, e) != 0)
		goto fail;
	if (ident_renew(session_home(s), st, pass, keep_key, days, now, &id, e) != 0) {
		session_end(s, 0);
		goto fail;
	}
	if (op_save(s, st, e) != 0) {
		ident_discard(session_home(s), id.hex);
		session_end(s, 0);
		goto fail;
	}
	session_end(s, 1);
	if (out != NULL) {
		*out = id;
		memset(&id, 0, sizeof id);
	}
	rc = 0;
	goto out;
fail:
	rc = -1;
out:
	ident_clear(&id);
	pass_free(pass);
	return rc;
}

/* --- restore ---------------------------------------------------------------- */

void
op_restore_res_clear(struct op_restore_res *r)
{
	ident_clear(&r->id);
	ident_clear(&r->replaced);
	memset(r, 0, sizeof *r);
}

static int
restore_open(const char *path, const struct pass_ask *ask, struct p12_restore **out, struct err *e)
{
	unsigned char *buf = NULL;
	size_t len = 0;
	char *pass = NULL;
	int rc = -1;

	*out = NULL;
	if (file_read(path, FILE_MAX_CERT, &buf, &len, e) != 0)
		return -1;
	if (op_ask(ask, PASS_FILE, path, &pass, e) != 0)
		goto out;
	if (p12_restore_open(buf, len, path, pass, out, e) != 0) {
		if (strstr(e->msg, "passphrase") != NULL)
			err_code(e, ERR_BAD_PASS);
		goto out;
	}
	rc = 0;
out:
	pass_free(pass);
	file_free_secret(buf, len); /* it held the key, encrypted */
	return rc;
}

int
op_restore(struct session *s, const char *path, time_t now, const struct pass_ask *ask,
	   struct op_restore_res *res, struct err *e)
{
	struct p12_restore *r = NULL;
	struct state *st;
	char *pass = NULL, hex[FPR_HEX_LEN];
	int plan, rc = -1;

	memset(res, 0, sizeof *res);
	if (restore_open(path, ask, &r, e) != 0)
		goto out;
	res->n_notes = p12_restore_notes(r, res->notes, sizeof res->notes / sizeof res->notes[0]);
	for (size_t i = 0; i < res->n_notes; i++) {
		snprintf(res->notes_buf[i], sizeof res->notes_buf[i], "%s", res->notes[i]);
		res->notes[i] = res->notes_buf[i];
	}
	if (session_begin(s, HOME_READ, &st, e) != 0)
		goto out;
	plan = p12_restore_plan(session_home(s), st, r, now, &res->id, e);
	session_end(s, 1);
	if ((res->plan = plan) < 0)
		goto out;
	if (plan == ADOPT_SAME || plan == ADOPT_ARCHIVED) {
		rc = 0;
		goto out;
	}
	ident_clear(&res->id);
	if (op_ask_new(ask, PASS_NEW_KEY, "the restored key", &pass, e) != 0 ||
	    session_begin(s, HOME_WRITE, &st, e) != 0)
		goto out;
	/* The home may have changed while the passphrase was typed. */
	if ((plan = p12_restore_plan(session_home(s), st, r, now, &res->replaced, e)) < 0 ||
	    (res->plan = plan) == ADOPT_SAME || plan == ADOPT_ARCHIVED) {
		if (plan >= 0) { /* the one concerned is the file's own */
			res->id = res->replaced;
			memset(&res->replaced, 0, sizeof res->replaced);
		}
		session_end(s, 0);
		rc = plan < 0 ? -1 : 0;
		goto out;
	}
	if (plan == ADOPT_NEW)
		ident_clear(&res->replaced);
	if (p12_restore_store(session_home(s), st, r, pass, now, &res->id, e) != 0) {
		session_end(s, 0);
		goto out;
	}
	if (op_save(s, st, e) != 0) {
		ident_discard(session_home(s), p12_restore_hex(r, hex));
		session_end(s, 0);
		goto out;
	}
	session_end(s, 1);
	rc = 0;
out:
	if (rc != 0)
		op_restore_res_clear(res);
	p12_restore_free(r);
	pass_free(pass);
	return rc;
}

/* --- backup ----------------------------------------------------------------- */

int
op_backup_check(struct session *s, const struct op_backup *req, struct err *e)
{
	struct state *st;
	int rc;

	if (session_begin(s, HOME_READ, &st, e) != 0)
		return -1;
	rc = p12_backup_check(session_home(s), st, req->path, req->force, req->make_dir, e);
	session_end(s, 1);
	return rc;
}

/* The folder of `path`, made (0700) when missing; *made says whether it
 * was, so that a failure can take it back. */
static int
backup_dir(const char *path, int *made, struct err *e)
{
	char *copy = xstrdup(path);
	const char *dir = dirname(copy);
	int rc = 0;

	*made = 0;
	if (!path_exists(dir)) {
		rc = dir_ensure(dir, e);
		*made = rc == 0;
	}
	free(copy);
	return rc;
}

static void
backup_dir_undo(const char *path, int made)
{
	char *copy;

	if (!made)
		return;
	copy = xstrdup(path);
	rmdir(dirname(copy)); /* only when empty */
	free(copy);
}

int
op_backup(struct session *s, const struct op_backup *req, const struct pass_ask *ask,
	  struct p12_backup_done *out, struct err *e)
{
	struct p12_backup_req p = {.path = req->path,
				   .compat = req->compat,
				   .force = req->force,
				   .verify = req->verify};
	struct p12_backup *b = NULL;
	struct state *st;
	EVP_PKEY *key;
	char *pass = NULL, hex[FPR_HEX_LEN];
	unsigned char *old = NULL;
	size_t old_len = 0;
	int made = 0, rc = -1;

	memset(out, 0, sizeof *out);
	if (op_backup_check(s, req, e) != 0 || op_current_key(s, ask, hex, &key, e) != 0 ||
	    op_ask_new(ask, PASS_NEW_BACKUP, req->path, &pass, e) != 0)
		goto out;
	p.pass = pass;
	if (req->force && path_exists(req->path) &&
	    file_read(req->path, FILE_MAX_CERT, &old, &old_len, e) != 0)
		goto out;
	if (session_begin(s, HOME_WRITE, &st, e) != 0)
		goto out;
	if (p12_backup_check(session_home(s), st, req->path, req->force, req->make_dir, e) != 0 ||
	    p12_backup_open(session_home(s), st, key, &b, e) != 0 ||
	    (req->make_dir && backup_dir(req->path, &made, e) != 0) ||
	    p12_backup_write(b, session_home(s), st, &p, req->now, out, e) != 0) {
		backup_dir_undo(req->path, made);
		session_end(s, 0);
		goto out;
	}
	if (op_save(s, st, e) != 0) {
		/* Take the file back: remove a new one, put back the earlier
		 * backup a --force wrote over. */
		if (old != NULL) {
			struct err ignore = ERR_INIT;

			file_write_atomic(req->path, old, old_len, 0, &ignore);
		} else {
			unlink(req->path);
			backup_dir_undo(req->path, made);
		}
		session_end(s, 0);
		goto out;
	}
	session_end(s, 1);
	rc = 0;
out:
	if (old != NULL)
		file_free_secret(old, old_len);
	p12_backup_free(b);
	pass_free(pass);
	return rc;
}
