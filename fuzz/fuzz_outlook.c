/* libFuzzer target: Outlook's .msg files (outlook_msg_mime), the compound
 * file and the MAPI properties read back as a message; what it makes must
 * not be another compound file, and must be as long as it says. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "outlook.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char *out = NULL;
	size_t len = 0;
	struct err e = ERR_INIT;

	if (outlook_msg_mime(data, size, &out, &len, &e) == 0) {
		if (outlook_is_msg(out, len) || strlen((char *)out) > len)
			abort();
		free(out);
	} else if (out != NULL || e.msg[0] == '\0') {
		abort(); /* a refusal says why and leaves nothing */
	}
	return 0;
}
