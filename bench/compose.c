/* compose — the benchmark's way into smime_compose(): one message of the
 * given kind from a text file, streamed to a file, as padseal composes the
 * test messages.  Not installed; `make bench` runs it (bench/bench.sh).
 *
 *   bench/compose KIND SIGNER.pem KEY.pem RECIPIENT.pem TEXT OUT
 *
 * KIND is plain, signed, encrypted or signed-encrypted; KEY.pem is an
 * unencrypted private key (the bench makes its own throw-away keys). */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/pem.h>

#include "checklist.h"
#include "smime.h"

static X509 *
read_cert(const char *path)
{
	BIO *b = BIO_new_file(path, "r");
	X509 *x = b ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;

	BIO_free(b);
	return x;
}

int
main(int argc, char **argv)
{
	struct smime_msg m = {.from_name = "Bench Sender",
			      .from = "sender@example.org",
			      .to_name = "Bench Recipient",
			      .to = "recipient@example.org",
			      .subject = "padseal bench",
			      .date = time(NULL)};
	struct err e = ERR_INIT;
	BIO *kb, *in, *out;
	int k, rc = 1;

	if (argc != 7) {
		fprintf(stderr, "usage: %s KIND SIGNER.pem KEY.pem RECIPIENT.pem TEXT OUT\n",
			argv[0]);
		return 2;
	}
	for (k = 0; k < KIND_COUNT; k++)
		if (strcmp(argv[1], cell_kind_name((enum cell_kind)k)) == 0)
			break;
	if (k == KIND_COUNT) {
		fprintf(stderr, "%s: unknown kind %s\n", argv[0], argv[1]);
		return 2;
	}
	m.kind = (enum cell_kind)k;
	m.cert = read_cert(argv[2]);
	kb = BIO_new_file(argv[3], "r");
	m.key = kb ? PEM_read_bio_PrivateKey(kb, NULL, NULL, NULL) : NULL;
	BIO_free(kb);
	m.recipient = read_cert(argv[4]);
	in = BIO_new_file(argv[5], "rb");
	out = BIO_new_file(argv[6], "wb");
	if (m.cert == NULL || m.key == NULL || m.recipient == NULL || in == NULL || out == NULL)
		fprintf(stderr,
			"%s: cannot read the certificates, the key or the text, or create %s\n",
			argv[0], argv[6]);
	else if (smime_compose(&m, in, out, &e) != 0)
		fprintf(stderr, "%s: %s (%s)\n", argv[0], e.msg, e.detail);
	else
		rc = 0;
	BIO_free(in);
	if (BIO_free(out) != 1)
		rc = 1;
	X509_free(m.cert);
	X509_free(m.recipient);
	EVP_PKEY_free(m.key);
	return rc;
}
