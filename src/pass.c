#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/crypto.h>

#include "fileio.h"
#include "pass.h"
#include "xalloc.h"

static size_t
count_chars(const char *p)
{
	size_t n = 0;

	for (; *p; p++)
		if (((unsigned char)*p & 0xC0) != 0x80) /* UTF-8 lead bytes */
			n++;
	return n;
}

static int
classes(const char *p, int *non_ascii)
{
	int lower = 0, upper = 0, digit = 0, other = 0;

	*non_ascii = 0;
	for (; *p; p++) {
		unsigned char c = (unsigned char)*p;

		if (c >= 0x80)
			*non_ascii = other = 1;
		else if (islower(c))
			lower = 1;
		else if (isupper(c))
			upper = 1;
		else if (isdigit(c))
			digit = 1;
		else
			other = 1;
	}
	return lower + upper + digit + other;
}

static size_t
distinct(const char *p)
{
	unsigned char seen[256] = {0};
	size_t n = 0;

	for (; *p; p++)
		if (!seen[(unsigned char)*p]++)
			n++;
	return n;
}

int
pass_check_new(const char *pass, int *non_ascii, struct err *e)
{
	size_t len = count_chars(pass);
	int na, kinds = classes(pass, &na);

	if (non_ascii != NULL)
		*non_ascii = na;
	if (len == 0)
		return err_set(e, "the passphrase is empty; a private key needs one");
	if (strlen(pass) > PASS_MAX_LEN)
		return err_set(e, "the passphrase is too long (at most %d bytes)", PASS_MAX_LEN);
	if (len < PASS_MIN_LEN)
		return err_set(e,
			       "the passphrase is too short: %zu characters, at least %d are needed (a few words make a good one)",
			       len, PASS_MIN_LEN);
	if (distinct(pass) < 5)
		return err_set(e,
			       "the passphrase uses too few different characters (%zu); a few unrelated words make a good one",
			       distinct(pass));
	if (kinds < 2 && len < PASS_LONG_LEN)
		return err_set(e,
			       "the passphrase is too weak: only one kind of character; use at least %d characters, or mix letters with digits or symbols",
			       PASS_LONG_LEN);
	return 0;
}

int
pass_strength(const char *pass)
{
	size_t len = count_chars(pass);
	int na, kinds = classes(pass, &na);

	if (pass_check_new(pass, NULL, NULL) != 0)
		return 0;
	if (len >= 20 && kinds >= 2)
		return 4;
	if (len >= 16 || (len >= 12 && kinds >= 3))
		return 3;
	return len >= 12 ? 2 : 1;
}

int
pass_read_file(const char *path, char **out, struct err *e)
{
	unsigned char *buf;
	struct stat st;
	size_t len, n;
	char *p;

	*out = NULL;
	if (stat(path, &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 0) {
		*out = xsecret_zalloc(1);
		return 0;
	}
	if (file_read(path, 64 * 1024, &buf, &len, e) != 0)
		return -1;
	for (n = 0; n < len && buf[n] != '\n' && buf[n] != '\r'; n++)
		;
	if (memchr(buf, '\0', n) != NULL) {
		file_free_secret(buf, len);
		return err_set(e, "the passphrase file %s holds a NUL byte", path);
	}
	p = xcheck(OPENSSL_malloc(n + 1));
	memcpy(p, buf, n);
	p[n] = '\0';
	file_free_secret(buf, len);
	*out = p;
	return 0;
}

char *
pass_dup(const char *pass)
{
	size_t n = strlen(pass);
	char *p = OPENSSL_malloc(n + 1);

	if (p == NULL)
		abort();
	memcpy(p, pass, n + 1);
	return p;
}

void
pass_free(char *pass)
{
	if (pass != NULL)
		OPENSSL_clear_free(pass, strlen(pass) + 1);
}

void
pass_wipe(void *p, size_t n)
{
	if (p != NULL)
		OPENSSL_cleanse(p, n);
}
