/* The fuzz targets without libFuzzer: `replay_TARGET FILE...` runs the
 * target's LLVMFuzzerTestOneInput on each file, whole (no size limit), and
 * says how many it ran.  `make check` runs it over the seeds, the corpus
 * and the regression inputs (tests/fuzz.sh), built like every test (under
 * ASan and UBSan with --enable-sanitizers), so an input that once broke a
 * parser keeps being read on every build, with or without clang. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
/* A target's setup, run once first when it has one (as libFuzzer does). */
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

/* All of `path` (an empty file too: an input like any other). */
static unsigned char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf = NULL;
	size_t cap = 0, n = 0, got;

	if (f == NULL)
		return NULL;
	do {
		if (n == cap) {
			unsigned char *more = realloc(buf, cap = cap ? 2 * cap : 65536);

			if (more == NULL) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = more;
		}
		got = fread(buf + n, 1, cap - n, f);
		n += got;
	} while (got > 0);
	if (ferror(f)) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	*len = n;
	return buf;
}

int
main(int argc, char **argv)
{
	int n = 0;

	if (LLVMFuzzerInitialize != NULL)
		LLVMFuzzerInitialize(&argc, &argv);
	for (int i = 1; i < argc; i++) {
		size_t len = 0;
		unsigned char *buf = slurp(argv[i], &len);

		if (buf == NULL) {
			perror(argv[i]);
			return 2;
		}
		LLVMFuzzerTestOneInput(buf, len);
		free(buf);
		n++;
	}
	printf("%d inputs\n", n);
	return 0;
}
