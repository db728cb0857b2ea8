/* libFuzzer target: the checklist parser.  Whatever it accepts (every
 * record read) must format to a file that parses again and formats to the
 * same bytes: parse -> format -> parse -> format is the identity from the
 * first format on. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "state.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct state *st = NULL, *again = NULL;
	struct err e = ERR_INIT;
	char *one, *two;
	size_t n1, n2;

	if (state_parse((const char *)data, size, "fuzz", &st, &e) != 0)
		return 0;
	if (state_parse_all(st, &e) != 0) {
		state_free(st);
		return 0;
	}
	one = state_format(st, &n1);
	err_clear(&e);
	if (state_parse(one, n1, "formatted", &again, &e) != 0 || state_parse_all(again, &e) != 0)
		abort(); /* padseal wrote what it cannot read: an unloadable home */
	two = state_format(again, &n2);
	if (n1 != n2 || memcmp(one, two, n1) != 0)
		abort(); /* the round trip changed the records */
	free(one);
	free(two);
	state_free(st);
	state_free(again);
	return 0;
}
