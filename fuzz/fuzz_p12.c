/* libFuzzer target: PKCS#12 open (p12_open), what restore reads from a
 * .p12/.pfx of any client.  Each input is tried with the passphrases of the
 * seeds (the corpus's "nss", "smime1", "smime2"; padseal's own backups in
 * fuzz/seeds/p12 use the tests' "correct horse battery staple") and the
 * empty one, so that mutations reach the bags behind the
 * integrity check as well as the check itself.  The caps on iteration
 * counts and scrypt parameters read from the file keep each try short. */
#include "config.h"

#include <stdint.h>

#include "p12.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const pass[] = {"nss", "smime1", "smime2",
					   "correct horse battery staple", ""};

	for (size_t i = 0; i < sizeof pass / sizeof *pass; i++) {
		struct p12_cred c = {0};
		struct err e = ERR_INIT;

		if (p12_open(data, size, pass[i], "fuzz", &c, &e) == 0) {
			p12_cred_clear(&c);
			break;
		}
		p12_cred_clear(&c);
	}
	return 0;
}
