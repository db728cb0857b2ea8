/* libFuzzer target: the message reader (msg_open) on any bytes, as a
 * message arrives from anyone.  No home: no envelope is opened, every
 * signature is checked against no correspondent. */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct msg_ctx ctx = {.now = 1780000000};
	struct msg_report r;
	struct err e = ERR_INIT;

	memset(&r, 0, sizeof r);
	msg_open(&ctx, data, size, &r, &e);
	msg_report_free(&r);
	return 0;
}
