/* op_install — put the credential and the trusted correspondents into a
 * mail program: a new folder with the files and the steps. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include "cred.h"
#include "isotime.h"
#include "ident.h"
#include "op.h"
#include "op_int.h"
#include "p12.h"
#include "pass.h"
#include "peer.h"
#include "xalloc.h"

/* What the home holds for the install, read under one lock. */
struct install_src {
	X509 *cert;
	STACK_OF(X509) * chain;
	char hex[FPR_HEX_LEN];
	char *name, *addr;
	int ec;
	struct install_peer *peers;
	size_t n_peers;
	char **peer_names, **peer_addrs;
};

static void
src_clear(struct install_src *c)
{
	X509_free(c->cert);
	sk_X509_pop_free(c->chain, X509_free);
	free(c->name);
	free(c->addr);
	for (size_t i = 0; i < c->n_peers; i++) {
		X509_free(c->peers[i].cert);
		X509_free(c->peers[i].ca);
		free(c->peer_names[i]);
		free(c->peer_addrs[i]);
	}
	free(c->peers);
	free(c->peer_names);
	free(c->peer_addrs);
	memset(c, 0, sizeof *c);
}

static int
is_ec(X509 *cert)
{
	EVP_PKEY *k = X509_get0_pubkey(cert);

	return k != NULL && EVP_PKEY_is_a(k, "EC");
}

/* The current credential (certificate, chain, name, main address). */
static int
src_ident(const struct home *h, const struct state *st, struct install_src *c, struct err *e)
{
	const struct st_ident *id;
	char **emails;
	size_t n;

	if (op_need_ident(st, &id, e) != 0 || ident_cert(h, id->hex, &c->cert, &c->chain, e) != 0)
		return -1;
	memcpy(c->hex, id->hex, FPR_HEX_LEN);
	c->ec = is_ec(c->cert);
	n = cert_emails(c->cert, &emails);
	c->addr = xstrdup(n ? emails[0] : "");
	cert_emails_free(emails, n);
	c->name = cert_common_name(c->cert);
	if (*c->name == '\0') {
		free(c->name);
		c->name = xstrdup(c->addr);
	}
	return 0;
}

/* Has an earlier correspondent brought the CA `hex` already? */
static int
ca_seen(const struct install_src *c, const char *hex)
{
	char got[FPR_HEX_LEN];

	for (size_t i = 0; i < c->n_peers; i++) {
		if (c->peers[i].ca == NULL)
			continue;
		fpr_cert_hex(c->peers[i].ca, got);
		if (strcmp(got, hex) == 0)
			return 1;
	}
	return 0;
}

/* Every correspondent trusted now (not retired), with the CA of each one
 * of the CA form. */
static int
src_peers(const struct home *h, const struct state *st, struct install_src *c, struct err *e)
{
	size_t n = state_n_peers(st);

	if (state_parse_all(st, e) != 0)
		return -1;
	c->peers = xcalloc(n + 1, sizeof *c->peers);
	c->peer_names = xcalloc(n + 1, sizeof *c->peer_names);
	c->peer_addrs = xcalloc(n + 1, sizeof *c->peer_addrs);
	for (size_t i = 0; i < n; i++) {
		const struct st_peer *p = state_peer(st, i);
		struct install_peer *ip = &c->peers[c->n_peers];

		if (p == NULL || !p->trusted || state_peer_retired(p))
			continue;
		if (peer_cert(h, p, &ip->cert, e) != 0)
			return -1;
		if (p->ca[0] && !ca_seen(c, p->ca) && peer_ca_cert(h, p, &ip->ca, e) != 0) {
			X509_free(ip->cert);
			ip->cert = NULL;
			return -1;
		}
		memcpy(ip->hex, p->hex, FPR_HEX_LEN);
		c->peer_names[c->n_peers] = xstrdup(p->name ? p->name : "");
		c->peer_addrs[c->n_peers] = xstrdup(p->n_addr ? p->addr[0] : "");
		ip->name = c->peer_names[c->n_peers];
		ip->addr = c->peer_addrs[c->n_peers];
		c->n_peers++;
	}
	return 0;
}

int
op_install_check(struct session *s, const struct op_install *req, struct err *e)
{
	struct install_src c = {0};
	struct state *st;
	int rc;

	if (session_begin(s, HOME_READ, &st, e) != 0)
		return -1;
	rc = src_ident(session_home(s), st, &c, e) == 0 &&
			     home_check_writable(session_home(s), e) == 0 &&
			     install_check(req->prog, c.ec, e) == 0 &&
			     (req->profile != NULL ? install_profile_check(req->profile, e) :
						     install_dir_check(req->dir, e)) == 0 ?
		     0 :
		     -1;
	session_end(s, 1);
	src_clear(&c);
	return rc;
}

/* The .p12 for the program: legacy (what every one of them imports), with
 * the chain, read back before it is used. */
static int
build_p12(const struct install_src *c, EVP_PKEY *key, const char *pass, unsigned char **der,
	  size_t *len, struct err *e)
{
	if (!cred_key_matches(c->cert, key))
		return err_set(e,
			       "the key does not belong to your current certificate; this identity is damaged");
	if (p12_build(c->cert, key, c->chain, c->name, pass, P12_LEGACY, der, len, e) != 0)
		return -1;
	if (p12_verify(*der, *len, pass, c->cert, P12_LEGACY, e) != 0) {
		OPENSSL_clear_free(*der, *len);
		*der = NULL;
		return -1;
	}
	return 0;
}

static int
cmp_peer_hex(const void *a, const void *b)
{
	return strcmp(((const struct install_peer *)a)->hex, ((const struct install_peer *)b)->hex);
}

/* Remember the program prepared: one record per identity and program. */
static int
record_install(struct session *s, const struct install_src *c, enum install_prog prog,
	       const char *dir, int profile, time_t now, struct err *e)
{
	struct install_peer *sorted = xmemdup(c->peers, (c->n_peers + 1) * sizeof *c->peers);
	char *list = xcalloc(c->n_peers * 65 + 1, 1);
	struct st_install *r;
	struct state *st;
	int rc;

	qsort(sorted, c->n_peers, sizeof *sorted, cmp_peer_hex);
	for (size_t i = 0; i < c->n_peers; i++) {
		if (i > 0 && strcmp(sorted[i - 1].hex, sorted[i].hex) == 0)
			continue;
		if (*list)
			strcat(list, ",");
		strcat(list, sorted[i].hex);
	}
	free(sorted);
	if (session_begin(s, HOME_WRITE, &st, e) != 0) {
		free(list);
		return -1;
	}
	r = state_install_put(st, c->hex, install_prog_name(prog));
	iso_time(now, r->at);
	r->dir = state_str(st, dir);
	r->profile = profile;
	r->peers = state_str(st, list);
	free(list);
	rc = op_save(s, st, e);
	session_end(s, rc == 0);
	return rc;
}

int
op_install(struct session *s, const struct op_install *req, const struct pass_ask *ask,
	   struct op_install_res *res, struct err *e)
{
	struct install_src c = {0};
	struct install_in in = {.prog = req->prog, .dir = req->dir};
	struct state *st;
	EVP_PKEY *key;
	char hex[FPR_HEX_LEN], what[200], cwd[4096], *pass = NULL, *dir = NULL;
	unsigned char *der = NULL;
	size_t len = 0;
	int rc = -1;

	memset(res, 0, sizeof *res);
	if (req->profile != NULL) {
		if (req->prog != PROG_THUNDERBIRD) {
			err_set(e, "only Thunderbird has a profile to import into");
			return -1;
		}
		in.dir = req->profile;
		in.profile = 1;
	}
	if (in.dir[0] != '/' && getcwd(cwd, sizeof cwd) != NULL) {
		dir = xasprintf("%s/%s", cwd, in.dir);
		in.dir = dir;
	}
	snprintf(what, sizeof what, "the .p12 for %s", install_prog_title(req->prog));
	if (op_install_check(s, req, e) != 0 || op_current_key(s, ask, hex, &key, e) != 0)
		goto out;
	if (in.profile) {
		/* A passphrase for this import only, never shown or written. */
		unsigned char raw[24];

		if (RAND_bytes(raw, sizeof raw) != 1) {
			err_set(e, "no random numbers for the import");
			goto out;
		}
		pass = xsecret_zalloc(2 * sizeof raw + 1);
		for (size_t i = 0; i < sizeof raw; i++)
			snprintf(pass + 2 * i, 3, "%02x", raw[i]);
		OPENSSL_cleanse(raw, sizeof raw);
	} else if (op_ask_new(ask, PASS_NEW_BACKUP, what, &pass, e) != 0) {
		goto out;
	}
	if (req->prog == PROG_GPGSM && strlen(pass) > P12_GPGSM_MAX_PASS) {
		err_set(e,
			"gpgsm 2.2 refuses passphrases longer than %d bytes; choose a shorter one",
			P12_GPGSM_MAX_PASS);
		err_code(e, ERR_WEAK_PASS);
		goto out;
	}
	res->warning = p12_pass_warning(P12_LEGACY, pass);
	if (req->prog == PROG_GPGSM || in.profile)
		res->warning = NULL;
	if (session_begin(s, HOME_READ, &st, e) != 0)
		goto out;
	rc = src_ident(session_home(s), st, &c, e);
	if (rc == 0 && strcmp(c.hex, hex) != 0)
		rc = err_set(e, "your current credential changed meanwhile; try again");
	if (rc == 0)
		rc = src_peers(session_home(s), st, &c, e);
	session_end(s, 1);
	if (rc != 0 || (rc = build_p12(&c, key, pass, &der, &len, e)) != 0)
		goto out;
	in.cert = c.cert;
	in.chain = c.chain;
	in.p12 = der;
	in.p12_len = len;
	in.name = c.name;
	in.addr = c.addr;
	memcpy(in.hex, c.hex, FPR_HEX_LEN);
	in.ec = c.ec;
	in.peers = c.peers;
	in.n_peers = c.n_peers;
	rc = -1;
	if (install_build(&in, &res->set, e) != 0)
		goto out;
	if (in.profile) {
		/* Checked again: Thunderbird may have started while the
		 * passphrase was typed. */
		if (install_profile_check(in.dir, e) != 0 ||
		    install_profile_import(in.dir, &in, pass, e) != 0 ||
		    record_install(s, &c, req->prog, in.dir, 1, req->now, e) != 0)
			goto out;
	} else {
		if (install_write_dir(in.dir, &res->set, e) != 0)
			goto out;
		if (record_install(s, &c, req->prog, in.dir, 0, req->now, e) != 0) {
			install_remove_dir(in.dir, &res->set);
			goto out;
		}
	}
	snprintf(res->dir, sizeof res->dir, "%s", in.dir);
	memcpy(res->hex, c.hex, FPR_HEX_LEN);
	res->n_peers = c.n_peers;
	rc = 0;
out:
	if (rc != 0)
		install_set_free(&res->set);
	if (der != NULL)
		OPENSSL_clear_free(der, len);
	src_clear(&c);
	pass_free(pass);
	free(dir);
	return rc;
}

void
op_install_res_clear(struct op_install_res *r)
{
	install_set_free(&r->set);
}
