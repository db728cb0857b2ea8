/* libFuzzer target: fingerprint parsing and comparison, as typed or heard
 * by a person: fpr_parse (hex with or without colons) and compare_text
 * (hex groups, words, any form) against a fixed certificate's digests. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "compare.h"
#include "fpr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned char sha256[32] = {0x47, 0x51, 0xC3, 0x92, 0x70, 0x5C, 0x29, 0x4C,
						 0x58, 0x97, 0x61, 0xEE, 0xDF, 0x69, 0xB0, 0x15,
						 0xFC, 0xC1, 0x63, 0x66, 0xD6, 0x79, 0x38, 0x6F,
						 0x15, 0x1C, 0x4B, 0x93, 0x69, 0x05, 0xFD, 0xEC};
	static const unsigned char sha1[20] = {0x95, 0x93, 0x0E, 0x7A, 0x0C, 0x50, 0x4C,
					       0x5E, 0xFD, 0xB6, 0x76, 0x9D, 0x8B, 0x8F,
					       0x31, 0xD1, 0x2D, 0xCC, 0xBD, 0xE0};
	unsigned char out[FPR_MAX];
	struct cmp_result *r;
	char *text;

	if (size == 0 || size > 4096)
		return 0;
	/* The first byte picks what was asked for; the rest is the text. */
	text = malloc(size);
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	fpr_parse(text, out, sizeof out);
	r = calloc(1, sizeof *r);
	compare_text(sha256, sha1, text, (enum cmp_want)(data[0] % 3), r);
	free(r);
	free(text);
	return 0;
}
