/* libFuzzer target: the message reader (msg_open) on any bytes, as a
 * message arrives from anyone, in a home with a credential (made once, in
 * a folder of its own, removed at exit).  Each input is read twice: as
 * it is, and as the content of an envelope made here for the home's
 * certificate, so that what an attacker encrypts to you (nested layers,
 * MIME, text) is read behind the decryption too. */
#include "config.h"

#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "ident.h"
#include "msg.h"
#include "op.h"
#include "session.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[64];
static struct session *sess;
static struct session_msg keep;
static struct pass_fixed fixed;
static struct pass_ask ask;
static struct msg_ctx ctx;
static X509 *mine;

static int
rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb, (void)flag, (void)ftw;
	return remove(path);
}

static void
cleanup(void)
{
	session_close(sess);
	X509_free(mine);
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void
die(const char *what, const struct err *e)
{
	fprintf(stderr, "fuzz_msg: %s: %s\n", what, e->msg);
	exit(1);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char *emails[] = {"fuzz@example.org"};
	struct op_create req = {.req = {"Fuzz Reader", emails, 1, "p256", 0, 0}};
	struct err e = ERR_INIT;
	struct ident id;
	struct state *st;
	char home[96];

	(void)argc, (void)argv;
	snprintf(dir, sizeof dir, "%s", "/tmp/padseal-fuzz-XXXXXX");
	if (mkdtemp(dir) == NULL) {
		perror("fuzz_msg: mkdtemp");
		exit(1);
	}
	snprintf(home, sizeof home, "%s/home", dir);
	sess = session_new(home);
	atexit(cleanup);
	fixed.pass[PASS_NEW_KEY] = fixed.pass[PASS_KEY] = "fuzz reader passphrase 1";
	pass_ask_fixed(&ask, &fixed);
	req.now = time(NULL);
	if (op_create(sess, &req, &ask, &id, &e) != 0)
		die("create", &e);
	/* Held for the whole run: the key is unlocked once, then kept. */
	if (session_begin(sess, HOME_READ, &st, &e) != 0)
		die("open", &e);
	if (ident_cert(session_home(sess), id.hex, &mine, NULL, &e) != 0)
		die("certificate", &e);
	ident_clear(&id);
	session_msg_ctx(sess, &ask, &keep, &ctx);
	ctx.now = req.now;
	return 0;
}

static void
read_one(const unsigned char *buf, size_t len)
{
	struct msg_report r;
	struct err e = ERR_INIT;

	memset(&r, 0, sizeof r);
	msg_open(&ctx, buf, len, &r, &e);
	msg_report_free(&r);
}

/* `data` as the content of an envelope for the home's certificate. */
static void
read_enveloped(const uint8_t *data, size_t size)
{
	static const char head[] =
		"From: fuzz@example.org\r\nTo: fuzz@example.org\r\n"
		"MIME-Version: 1.0\r\n"
		"Content-Type: application/pkcs7-mime; smime-type=enveloped-data\r\n"
		"Content-Transfer-Encoding: base64\r\n\r\n";
	STACK_OF(X509) *to = sk_X509_new_null();
	BIO *in = BIO_new_mem_buf(data, (int)size);
	CMS_ContentInfo *cms;
	unsigned char *der = NULL, *msg;
	int n;

	sk_X509_push(to, mine);
	cms = CMS_encrypt(to, in, EVP_aes_128_cbc(), CMS_BINARY);
	if (cms != NULL && (n = i2d_CMS_ContentInfo(cms, &der)) > 0) {
		size_t hl = sizeof head - 1;

		msg = malloc(hl + 4 * ((size_t)n + 2) / 3 + 8);
		memcpy(msg, head, hl);
		n = EVP_EncodeBlock(msg + hl, der, n);
		read_one(msg, hl + (size_t)n);
		free(msg);
	}
	OPENSSL_free(der);
	CMS_ContentInfo_free(cms);
	BIO_free(in);
	sk_X509_free(to);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	read_one(data, size);
	if (size > 0 && size < (1u << 20))
		read_enveloped(data, size);
	return 0;
}
