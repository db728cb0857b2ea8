/* scale — the benchmark's homes with many correspondents.  Not installed;
 * `make bench` runs it (bench/bench.sh, section scale).
 *
 *   bench/scale build DIR N PASSFILE
 *       a home in DIR: a credential (P-256, its key under the first line of
 *       PASSFILE) and N correspondents, each a real certificate with its
 *       file and a full test matrix (all eight cells passed); then
 *       DIR/signed.eml, a signed message from the first correspondent to
 *       the credential's owner, and DIR/next.pem, a certificate not yet
 *       held.
 *   bench/scale import DIR N
 *       imports N new certificates into the home DIR, one core call at a
 *       time (op_import_read, op_import_store: what `padseal import` does),
 *       and prints the time per import of the first and the last tenth.
 *
 * The core builds the homes, so they are what padseal itself writes. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "fileio.h"
#include "op.h"
#include "pass.h"
#include "peer.h"
#include "session.h"
#include "smime.h"
#include "state.h"

static void
die(const char *what, const struct err *e)
{
	fprintf(stderr, "scale: %s: %s\n", what, e != NULL && e->set ? e->msg : "failed");
	exit(1);
}

/* A self-signed mail certificate for `addr` in the profile padseal wants. */
static X509 *
make_cert(const char *addr, time_t now, EVP_PKEY **key_out)
{
	EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	X509 *x = X509_new();
	X509_NAME *name = X509_NAME_new();
	X509V3_CTX ctx;
	char san[400];
	const struct {
		int nid;
		const char *val;
	} ext[] = {
		{NID_basic_constraints, "critical,CA:FALSE"},
		{NID_key_usage, "critical,digitalSignature,keyAgreement"},
		{NID_ext_key_usage, "emailProtection"},
		{NID_subject_alt_name, san},
		{NID_subject_key_identifier, "hash"},
	};
	unsigned char serial[16];

	if (key == NULL || x == NULL || name == NULL)
		die("a certificate", NULL);
	snprintf(san, sizeof san, "email:%s", addr);
	X509_set_version(x, 2);
	for (size_t i = 0; i < sizeof serial; i++)
		serial[i] = (unsigned char)rand();
	serial[0] &= 0x7f;
	{
		BIGNUM *bn = BN_bin2bn(serial, sizeof serial, NULL);

		BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x));
		BN_free(bn);
	}
	X509_time_adj_ex(X509_getm_notBefore(x), 0, 0, &now);
	X509_time_adj_ex(X509_getm_notAfter(x), 700, 0, &now);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)addr, -1, -1,
				   0);
	X509_set_subject_name(x, name);
	X509_set_issuer_name(x, name);
	X509_set_pubkey(x, key);
	X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
	for (size_t i = 0; i < sizeof ext / sizeof ext[0]; i++) {
		X509_EXTENSION *ex = X509V3_EXT_conf_nid(NULL, &ctx, ext[i].nid, ext[i].val);

		X509_add_ext(x, ex, -1);
		X509_EXTENSION_free(ex);
	}
	X509_sign(x, key, EVP_sha256());
	X509_NAME_free(name);
	if (key_out != NULL)
		*key_out = key;
	else
		EVP_PKEY_free(key);
	return x;
}

static void
write_pem(X509 *x, const char *path)
{
	FILE *f = fopen(path, "w");

	if (f == NULL || !PEM_write_X509(f, x) || fclose(f) != 0)
		die(path, NULL);
}

static int
build(const char *dir, long n, const char *passfile)
{
	const char *emails[] = {"bench@example.org"};
	struct op_create req = {.req = {"Bench Owner", emails, 1, "p256", 0, 0}};
	struct pass_fixed pf = {{NULL}};
	struct pass_ask ask;
	struct session *s = session_new(dir);
	struct err e = ERR_INIT;
	struct ident id;
	struct state *st;
	char *pass = NULL, *path;
	time_t now = time(NULL);
	EVP_PKEY *key1 = NULL;
	X509 *cert1 = NULL;

	if (pass_read_file(passfile, &pass, &e) != 0)
		die(passfile, &e);
	pf.pass[PASS_NEW_KEY] = pass;
	pass_ask_fixed(&ask, &pf);
	req.now = now;
	if (op_create(s, &req, &ask, &id, &e) != 0)
		die("create", &e);
	if (session_begin(s, HOME_WRITE, &st, &e) != 0)
		die("open", &e);
	for (long i = 0; i < n; i++) {
		char addr[64];
		const struct st_peer *p;
		struct st_peer *w;
		EVP_PKEY *k = NULL;
		X509 *x;
		int added;

		snprintf(addr, sizeof addr, "peer%ld@example.org", i);
		x = make_cert(addr, now, i == 0 ? &k : NULL);
		if (peer_store(session_home(s), st, x, "bench", now, &p, &added, &e) != 0)
			die("store", &e);
		w = state_peer_edit(st, p);
		w->trusted = 1;
		w->verified = VERIFY_PHONE;
		iso_time(now, w->verified_at);
		for (int d = 0; d < DIR_COUNT; d++)
			for (int kk = 0; kk < KIND_COUNT; kk++)
				w->cell[d][kk] = (struct st_cell){CELL_PASSED, CELL_CHECKED, NULL,
								  "NeoMutt", 0};
		memcpy(state_sent_put(st, addr)->at, w->verified_at, ISO_TIME_LEN);
		if (i == 0) {
			cert1 = x;
			key1 = k;
		} else {
			X509_free(x);
		}
	}
	if (state_save(session_home(s), st, &e) != 0)
		die("save", &e);
	session_end(s, 1);
	/* A signed message from the first correspondent to the owner. */
	if (cert1 != NULL) {
		struct smime_msg m = {.kind = KIND_SIGNED,
				      .from_name = "Peer Zero",
				      .from = "peer0@example.org",
				      .to_name = "Bench Owner",
				      .to = "bench@example.org",
				      .subject = "bench",
				      .date = now,
				      .cert = cert1,
				      .key = key1};
		char *msg = NULL;
		size_t len = 0;

		if (smime_compose_mem(&m, "A signed message for the bench.\n", &msg, &len, &e) != 0)
			die("compose", &e);
		path = path_join(dir, "signed.eml");
		if (file_write_atomic(path, msg, len, 0, &e) != 0)
			die(path, &e);
		free(path);
		free(msg);
	}
	{
		X509 *next = make_cert("newcomer@example.org", now, NULL);

		path = path_join(dir, "next.pem");
		write_pem(next, path);
		free(path);
		X509_free(next);
	}
	X509_free(cert1);
	EVP_PKEY_free(key1);
	ident_clear(&id);
	pass_free(pass);
	session_close(s);
	return 0;
}

static double
secs(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int
import(const char *dir, long n)
{
	struct session *s = session_new(dir);
	char *tmp = path_join(dir, "import.pem");
	struct err e = ERR_INIT;
	time_t now = time(NULL);
	double first = 0, last = 0;
	long tenth = n / 10 > 0 ? n / 10 : 1;

	for (long i = 0; i < n; i++) {
		struct import_set *set = NULL;
		char addr[64];
		X509 *x;
		double t0;

		snprintf(addr, sizeof addr, "import%ld@example.org", i);
		x = make_cert(addr, now, NULL);
		write_pem(x, tmp);
		X509_free(x);
		t0 = secs();
		if (op_import_read(s, tmp, now, NULL, &set, &e) != 0 ||
		    op_import_store(s, set, "bench", now, &e) != 0)
			die("import", &e);
		import_free(set);
		if (i < tenth)
			first += secs() - t0;
		else if (i >= n - tenth)
			last += secs() - t0;
	}
	printf("%.3f %.3f\n", first / tenth * 1e3, last / tenth * 1e3);
	free(tmp);
	session_close(s);
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc == 5 && strcmp(argv[1], "build") == 0)
		return build(argv[2], atol(argv[3]), argv[4]);
	if (argc == 4 && strcmp(argv[1], "import") == 0)
		return import(argv[2], atol(argv[3]));
	fprintf(stderr, "usage: scale build DIR N PASSFILE | scale import DIR N\n");
	return 2;
}
