/* op_handover — a credential made for someone else, handed over: the
 * bundle (handover.h) in a new folder. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "cred.h"
#include "handover.h"
#include "ident.h"
#include "isotime.h"
#include "op.h"
#include "op_int.h"
#include "p12.h"
#include "pass.h"
#include "xalloc.h"

int
op_handover_check(struct session *s, const struct op_handover *req, struct err *e)
{
	struct state *st;
	int rc;

	if (session_begin(s, HOME_READ, &st, e) != 0)
		return -1;
	if (state_ident_current(st) == NULL)
		rc = err_set(e,
			     "this home has no credential to hand over; make it first with padseal --home DIR create");
	else
		rc = handover_dir_check(req->dir, e);
	session_end(s, 1);
	return rc;
}

/* The .p12: legacy (what every mail program imports), with the chain,
 * read back before it goes into the folder. */
static int
build_p12(const struct ident *id, X509 *cert, STACK_OF(X509) * chain, EVP_PKEY *key,
	  const char *pass, unsigned char **der, size_t *len, struct err *e)
{
	const char *name = id->name != NULL && *id->name ? id->name :
			   id->n_emails                  ? id->emails[0] :
							   "";

	if (!cred_key_matches(cert, key))
		return err_set(e,
			       "the key does not belong to the certificate of this home; this identity is damaged");
	if (p12_build(cert, key, chain, name, pass, P12_LEGACY, der, len, e) != 0)
		return -1;
	if (p12_verify(*der, *len, pass, cert, P12_LEGACY, e) != 0) {
		OPENSSL_clear_free(*der, *len);
		*der = NULL;
		return -1;
	}
	return 0;
}

int
op_handover(struct session *s, const struct op_handover *req, const struct pass_ask *ask,
	    struct op_handover_res *res, struct err *e)
{
	struct handover_in in = {0};
	struct state *st;
	X509 *cert = NULL;
	STACK_OF(X509) *chain = NULL;
	EVP_PKEY *key;
	char hex[FPR_HEX_LEN], made[ISO_TIME_LEN], cwd[4096], *pass = NULL;
	unsigned char *der = NULL;
	size_t len = 0;
	int rc = -1, found;

	memset(res, 0, sizeof *res);
	if (req->dir != NULL && req->dir[0] != '/' && getcwd(cwd, sizeof cwd) != NULL &&
	    strlen(cwd) + 1 + strlen(req->dir) < sizeof res->dir)
		snprintf(res->dir, sizeof res->dir, "%.2047s/%.2047s", cwd, req->dir);
	else
		snprintf(res->dir, sizeof res->dir, "%s", req->dir != NULL ? req->dir : "");
	if (op_handover_check(s, req, e) != 0 || op_current_key(s, ask, hex, &key, e) != 0 ||
	    op_ask_new(ask, PASS_NEW_BACKUP, "the .p12 you hand over", &pass, e) != 0)
		goto out;
	res->warning = p12_pass_warning(P12_LEGACY, pass);
	if (session_begin(s, HOME_READ, &st, e) != 0)
		goto out;
	found = ident_current(session_home(s), st, req->now, &res->id, e);
	if (found == 0)
		err_set(e, "this home has no credential to hand over any more");
	else if (found == 1 && strcmp(res->id.hex, hex) != 0)
		err_set(e, "the credential of this home changed meanwhile; try again");
	else if (found == 1 && ident_cert(session_home(s), hex, &cert, &chain, e) == 0)
		rc = 0;
	session_end(s, 1);
	if (rc != 0)
		goto out;
	rc = -1;
	if (handover_dir_check(res->dir, e) != 0 ||
	    build_p12(&res->id, cert, chain, key, pass, &der, &len, e) != 0)
		goto out;
	iso_time(req->now, made);
	made[10] = '\0';
	in.id = &res->id;
	in.cert = cert;
	in.chain = chain;
	in.p12 = der;
	in.p12_len = len;
	in.made = made;
	if (handover_build(&in, &res->set, e) != 0 ||
	    install_write_dir(res->dir, &res->set, e) != 0)
		goto out;
	rc = 0;
out:
	if (rc != 0) {
		install_set_free(&res->set);
		ident_clear(&res->id);
	}
	if (der != NULL)
		OPENSSL_clear_free(der, len);
	X509_free(cert);
	sk_X509_pop_free(chain, X509_free);
	pass_free(pass);
	return rc;
}

void
op_handover_res_clear(struct op_handover_res *r)
{
	install_set_free(&r->set);
	ident_clear(&r->id);
}
