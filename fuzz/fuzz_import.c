/* libFuzzer target: certificate import (import_read) on any file: a
 * signed message, PEM or DER certificates, a PKCS#7 bundle, a PKCS#12. */
#include "config.h"

#include <stdint.h>

#include "import.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct msg_ctx ctx = {.now = 1780000000};
	struct import_set *set = NULL;
	struct err e = ERR_INIT;

	if (import_read(&ctx, data, size, "fuzz", &set, &e) == 0)
		import_free(set);
	return 0;
}
