/* op_matrix — the operations of the test: send the four messages, check
 * what arrived, record the correspondent's word (see op.h). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fileio.h"
#include "mailbox.h"
#include "mailer.h"
#include "msg.h"
#include "scan.h"
#include "matrix.h"
#include "op.h"
#include "op_int.h"
#include "peer.h"
#include "smime.h"
#include "xalloc.h"

/* Resolve `peer` and keep its fingerprint and address. */
static int
find(struct session *s, const char *peer, char hex[FPR_HEX_LEN], char *email, size_t len,
     struct err *e)
{
	const struct state *st;
	const struct st_peer *p;

	if (session_state(s, &st, e) != 0 || (p = peer_resolve(st, peer, e)) == NULL)
		return -1;
	memcpy(hex, p->hex, FPR_HEX_LEN);
	snprintf(email, len, "%s", p->addr[0]);
	return 0;
}

static const struct st_peer *
again(const struct state *st, const char *hex, const char *email, struct err *e)
{
	const struct st_peer *p = state_peer_by_hex(st, hex);

	if (p == NULL)
		err_set(e, "the certificate of %s was removed meanwhile", email);
	return p;
}

int
op_matrix_send_check(struct session *s, const char *peer, const char *dir, int untrusted_ok,
		     time_t now, struct err *e)
{
	const struct st_ident *id;
	const struct st_peer *p;
	struct state *st;
	int rc = -1;

	if (session_begin(s, HOME_READ, &st, e) != 0)
		return -1;
	if (op_need_ident(st, &id, e) == 0 && (p = peer_resolve(st, peer, e)) != NULL)
		rc = matrix_send_check(session_home(s), p, dir, untrusted_ok, now, e);
	session_end(s, 1);
	return rc;
}

int
op_matrix_send(struct session *s, const char *peer, const char *dir, int untrusted_ok, time_t now,
	       const struct pass_ask *ask, struct op_send_res *res, struct err *e)
{
	struct smime_sender *snd = NULL;
	struct evp_pkey_st *key;
	const struct st_peer *p;
	struct state *st;
	char me[FPR_HEX_LEN];
	int rc = -1;

	memset(res, 0, sizeof *res);
	/* Every refusal before the passphrase is asked for. */
	if (op_matrix_send_check(s, peer, dir, untrusted_ok, now, e) != 0 ||
	    find(s, peer, res->hex, res->email, sizeof res->email, e) != 0 ||
	    op_current_key(s, ask, me, &key, e) != 0 || session_begin(s, HOME_WRITE, &st, e) != 0)
		return -1;
	if ((p = again(st, res->hex, res->email, e)) == NULL ||
	    smime_sender_open(session_home(s), st, key, now, &snd, e) != 0 ||
	    matrix_send(session_home(s), st, p, snd, dir, untrusted_ok, now, e) != 0) {
		session_end(s, 0);
		goto out;
	}
	if (op_save(s, st, e) != 0) {
		matrix_unwrite(dir); /* all or nothing */
		session_end(s, 0);
		goto out;
	}
	session_end(s, 1);
	for (int k = 0; k < KIND_COUNT; k++) {
		char *path = path_join(dir, matrix_file_name((enum cell_kind)k));

		snprintf(res->path[k], sizeof res->path[k], "%s", path);
		free(path);
	}
	rc = 0;
out:
	smime_sender_free(snd);
	return rc;
}

int
op_matrix_send_mail(struct session *s, const char *peer, const char *dir, int untrusted_ok,
		    time_t now, const struct mailer *m, const struct pass_ask *ask,
		    struct op_send_res *res, struct err *e)
{
	struct smime_sender *snd = NULL;
	struct evp_pkey_st *key;
	const struct st_peer *p;
	struct state *st;
	struct err why = ERR_INIT;
	char me[FPR_HEX_LEN], *msg[KIND_COUNT] = {NULL};
	size_t len[KIND_COUNT] = {0};
	unsigned sent = 0;
	int k, rc = -1;

	memset(res, 0, sizeof *res);
	if (op_matrix_send_check(s, peer, dir, untrusted_ok, now, e) != 0 ||
	    find(s, peer, res->hex, res->email, sizeof res->email, e) != 0 ||
	    op_current_key(s, ask, me, &key, e) != 0 || session_begin(s, HOME_READ, &st, e) != 0)
		return -1;
	if ((p = again(st, res->hex, res->email, e)) == NULL ||
	    matrix_send_check(session_home(s), p, dir, untrusted_ok, now, e) != 0 ||
	    smime_sender_open(session_home(s), st, key, now, &snd, e) != 0 ||
	    matrix_compose(session_home(s), p, snd, now, msg, len, e) != 0) {
		session_end(s, 1);
		goto out;
	}
	session_end(s, 1);
	if (dir != NULL && matrix_write(dir, msg, len, e) != 0)
		goto out;
	/* No lock is held while the server takes its time. */
	for (k = 0; k < KIND_COUNT; k++) {
		if (mailer_send(m, smime_sender_address(snd), res->email, msg[k], len[k], &why) !=
		    0)
			break;
		sent |= 1u << k;
	}
	if (sent == 0) {
		err_copy(e, &why);
		if (dir != NULL)
			matrix_unwrite(dir);
		goto out;
	}
	if (session_begin(s, HOME_WRITE, &st, e) != 0)
		goto out;
	if ((p = again(st, res->hex, res->email, e)) == NULL) {
		session_end(s, 0);
		goto out;
	}
	matrix_mark_sent(st, p, sent, now);
	if (op_save(s, st, e) != 0) {
		session_end(s, 0);
		goto out;
	}
	session_end(s, 1);
	if (k < KIND_COUNT) {
		err_set(e, "%s; the first %d of the four test messages were sent", why.msg, k);
		goto out;
	}
	for (k = 0; dir != NULL && k < KIND_COUNT; k++) {
		char *path = path_join(dir, matrix_file_name((enum cell_kind)k));

		snprintf(res->path[k], sizeof res->path[k], "%s", path);
		free(path);
	}
	rc = 0;
out:
	matrix_composed_free(msg);
	smime_sender_free(snd);
	return rc;
}

int
op_matrix_confirm(struct session *s, const char *peer, enum cell_dir d, enum cell_kind k,
		  time_t now, char hex[FPR_HEX_LEN], struct err *e)
{
	const struct st_peer *p;
	struct state *st;
	char email[ADDR_MAX];

	(void)now;
	if (find(s, peer, hex, email, sizeof email, e) != 0 ||
	    session_begin(s, HOME_WRITE, &st, e) != 0)
		return -1;
	if ((p = again(st, hex, email, e)) == NULL) {
		session_end(s, 0);
		return -1;
	}
	if (matrix_confirm(st, p, d, k, e) != 0 || op_save(s, st, e) != 0) {
		session_end(s, 0);
		return -1;
	}
	session_end(s, 1);
	return 0;
}

/* --- checking ------------------------------------------------------------------ */

struct list {
	struct op_checked *v;
	size_t n, cap;
};

static void
add(struct list *l, const char *path)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 16;
		l->v = xreallocarray(l->v, l->cap, sizeof *l->v);
	}
	memset(&l->v[l->n], 0, sizeof l->v[l->n]);
	l->v[l->n].file = xstrdup(path);
	l->v[l->n].err = (struct err)ERR_INIT;
	l->n++;
}

/* The message files of the folder `dir`, in name order. */
static int
add_folder(struct list *l, const char *dir, struct err *e)
{
	char **names;
	size_t n;

	if (mailbox_folder_files(dir, &names, &n, e) != 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		add(l, names[i]);
		free(names[i]);
	}
	free(names);
	if (n == 0)
		return err_set(e,
			       "the folder %s holds no message files (.eml, or .msg from Outlook)",
			       dir);
	return 0;
}

void
op_checked_free(struct op_checked *list, size_t n)
{
	for (size_t i = 0; list != NULL && i < n; i++)
		free(list[i].file);
	free(list);
}

/* Record the judged results of `l` in order; with `passed_wins`
 * failures first, so that a cell passed by any message stays passed. */
static int
record_all(struct session *s, struct list *l, int passed_wins, struct err *e)
{
	struct state *st;

	if (session_begin(s, HOME_WRITE, &st, e) != 0)
		return -1;
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < l->n; i++) {
			struct op_checked *c = &l->v[i];

			if (c->judged &&
			    (passed_wins ? (c->res.state == CELL_PASSED) == pass : !pass) &&
			    matrix_record(st, &c->res, &c->err) != 0)
				c->judged = 0;
		}
	}
	if (op_save(s, st, e) != 0) {
		session_end(s, 0);
		return -1;
	}
	session_end(s, 1);
	return 0;
}

int
op_matrix_check(struct session *s, const char *const *files, size_t n, time_t now,
		const struct pass_ask *ask, struct op_checked **out, size_t *n_out, struct err *e)
{
	struct list l = {0};
	struct op_msg keep;
	struct msg_ctx ctx;
	struct ident me = {0};
	struct state *st;
	size_t judged = 0;
	int found = 0, rc = -1;

	*out = NULL;
	*n_out = 0;
	for (size_t i = 0; i < n; i++) {
		struct stat sb;

		if (stat(files[i], &sb) == 0 && S_ISDIR(sb.st_mode)) {
			if (add_folder(&l, files[i], e) != 0)
				goto out;
		} else {
			add(&l, files[i]);
		}
	}
	if (session_begin(s, HOME_READ, &st, e) != 0)
		goto out;
	if ((found = ident_current(session_home(s), st, now, &me, e)) < 0) {
		session_end(s, 1);
		goto out;
	}
	op_msg_ctx(s, ask, now, &keep, &ctx);
	for (size_t i = 0; i < l.n; i++) {
		struct op_checked *c = &l.v[i];

		c->judged =
			matrix_check_file(&ctx, found ? &me : NULL, c->file, &c->res, &c->err) == 0;
		if (keep.key_err.set) { /* no passphrase: nothing is recorded */
			session_end(s, 1);
			err_copy(e, &keep.key_err);
			goto out;
		}
		judged += c->judged != 0;
	}
	if (state_damage(st, e) != 0) {
		session_end(s, 1);
		goto out;
	}
	session_end(s, 1);
	if (judged > 0 && record_all(s, &l, 0, e) != 0)
		goto out;
	*out = l.v;
	*n_out = l.n;
	l.v = NULL;
	rc = 0;
out:
	op_checked_free(l.v, l.n);
	ident_clear(&me);
	return rc;
}

/* --- checking a mailbox ------------------------------------------------------- */

struct box_walk {
	struct list l;
	struct msg_ctx ctx;
	struct op_msg *keep;
	const struct state *st;
	const struct ident *me;
	struct op_box_count *count; /* of the mailbox being read */
	size_t judged;
};

static int
box_want(void *arg, const unsigned char *head, size_t len)
{
	struct box_walk *w = arg;
	int c = matrix_concerns(w->st, w->me, head, len);

	w->count->seen++;
	w->count->older += c == MATRIX_OLDER;
	return c == MATRIX_TEST;
}

static int
box_take(void *arg, const char *where, const unsigned char *msg, size_t len, struct err *e)
{
	struct box_walk *w = arg;
	struct matrix_result res;
	struct err why = ERR_INIT;

	if (matrix_check_buf(&w->ctx, w->me, msg, len, &res, &why) == 0) {
		add(&w->l, where);
		w->l.v[w->l.n - 1].judged = 1;
		w->l.v[w->l.n - 1].res = res;
		w->judged++;
		w->count->judged++;
	}
	/* a message that fits no cell is other mail: passed over */
	if (w->keep->key_err.set) /* no passphrase: stop, nothing is recorded */
		return err_copy(e, &w->keep->key_err);
	return 0;
}

int
op_matrix_check_box(struct session *s, const struct mailbox *mb, size_t n_mb, time_t now,
		    const struct pass_ask *ask, struct op_box_res *res, struct err *e)
{
	struct box_walk w = {0};
	struct op_msg keep;
	struct ident me = {0};
	struct state *st;
	size_t older = 0;
	int found, rc = -1;

	memset(res, 0, sizeof *res);
	if (n_mb == 0 || n_mb > OP_BOXES_MAX)
		return err_set(e, "matrix check reads one or two mailboxes");
	if (session_begin(s, HOME_READ, &st, e) != 0)
		return -1;
	if ((found = ident_current(session_home(s), st, now, &me, e)) < 0) {
		session_end(s, 1);
		goto out;
	}
	op_msg_ctx(s, ask, now, &keep, &w.ctx);
	w.keep = &keep;
	w.st = st;
	w.me = found ? &me : NULL;
	for (size_t i = 0; i < n_mb; i++) {
		struct op_box_count *bc = &res->box[i];

		bc->first_damage = (struct err)ERR_INIT;
		w.count = bc;
		if (mailbox_read(&mb[i], &(struct mbx_visit){box_want, box_take, &w}, &bc->damaged,
				 &bc->first_damage, e) != 0) {
			session_end(s, 1);
			goto out;
		}
		older += bc->older;
	}
	res->n_box = n_mb;
	if (state_damage(st, e) != 0) {
		session_end(s, 1);
		goto out;
	}
	session_end(s, 1);
	if (w.judged == 0) {
		char where[600];

		if (n_mb == 1)
			snprintf(where, sizeof where, "%s holds", mb[0].path);
		else
			snprintf(where, sizeof where, "neither %s nor %s holds", mb[0].path,
				 mb[1].path);
		if (older > 0)
			err_set(e,
				"%s no test message from or to a correspondent since the test started (%zu messages read, %zu of them older)",
				where, res->box[0].seen + res->box[1].seen, older);
		else
			err_set(e,
				"%s no test message from or to a correspondent (%zu messages read)",
				where, res->box[0].seen + res->box[1].seen);
		goto out;
	}
	if (record_all(s, &w.l, 1, e) != 0)
		goto out;
	res->list = w.l.v;
	res->n = w.l.n;
	w.l.v = NULL;
	rc = 0;
out:
	op_checked_free(w.l.v, w.l.n);
	ident_clear(&me);
	return rc;
}

/* --- the certificates in a mailbox ------------------------------------------- */

struct scan_walk {
	struct scan *sc;
	struct msg_ctx ctx;
};

static int
scan_want(void *arg, const unsigned char *head, size_t len)
{
	struct scan_walk *w = arg;

	w->sc->messages++;
	return scan_wants(head, len);
}

static int
scan_take(void *arg, const char *where, const unsigned char *msg, size_t len, struct err *e)
{
	struct scan_walk *w = arg;

	(void)e;
	scan_message(w->sc, &w->ctx, where, msg, len);
	return 0;
}

int
op_scan(struct session *s, const struct mailbox *mb, time_t now, struct scan *out, size_t *damaged,
	struct err *first_damage, struct err *e)
{
	struct scan_walk w = {out, {0}};
	struct ident *ids = NULL;
	struct state *st;
	size_t n_ids = 0;
	int rc = -1;

	memset(out, 0, sizeof *out);
	if (session_begin(s, HOME_READ, &st, e) != 0)
		return -1;
	/* no key: nothing is decrypted, only what is signed outside is seen */
	w.ctx = (struct msg_ctx){session_home(s), st, NULL, NULL, now};
	if (ident_list(session_home(s), st, now, &ids, &n_ids, e) == 0 &&
	    mailbox_read(mb, &(struct mbx_visit){scan_want, scan_take, &w}, damaged, first_damage,
			 e) == 0 &&
	    state_damage(st, e) == 0) {
		const char **hex = xcalloc(n_ids + 1, sizeof *hex);
		int *cur = xcalloc(n_ids + 1, sizeof *cur);

		for (size_t i = 0; i < n_ids; i++) {
			hex[i] = ids[i].hex;
			cur[i] = ids[i].current;
		}
		scan_finish(out, st, hex, cur, n_ids);
		free(hex);
		free(cur);
		rc = 0;
	}
	session_end(s, 1);
	ident_list_free(ids, n_ids);
	if (rc != 0)
		scan_free(out);
	return rc;
}
