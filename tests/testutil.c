#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <openssl/evp.h>

#include "err.h"
#include "isotime.h"
#include "pass.h"
#include "testutil.h"

char *
tu_tmpdir(void)
{
	const char *base = getenv("TMPDIR");
	char *p;

	if (base == NULL || *base == '\0')
		base = "/tmp";
	if (asprintf(&p, "%s/padseal-test.XXXXXX", base) < 0 || mkdtemp(p) == NULL)
		cr_assert_fail("cannot make a temporary directory");
	return p;
}

void
tu_rmtree(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *de;

	if (d == NULL) {
		unlink(path);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		char *p;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (asprintf(&p, "%s/%s", path, de->d_name) < 0)
			abort();
		chmod(p, 0700);
		tu_rmtree(p);
		free(p);
	}
	closedir(d);
	rmdir(path);
}

void
tu_write(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	cr_assert_not_null(f, "cannot write %s", path);
	cr_assert_eq(fwrite(data, 1, len, f), len);
	cr_assert_eq(fclose(f), 0);
}

char *
tu_read(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, n = 0, got;

	cr_assert_not_null(f, "cannot read %s", path);
	do {
		if (n + 4096 + 1 > cap) {
			cap = (n + 4096 + 1) * 2;
			buf = realloc(buf, cap);
			cr_assert_not_null(buf);
		}
		got = fread(buf + n, 1, 4096, f);
		n += got;
	} while (got > 0);
	fclose(f);
	buf[n] = '\0';
	if (len != NULL)
		*len = n;
	return buf;
}

static int
cmpstr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
hash_tree(EVP_MD_CTX *md, const char *dir, const char *rel)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char **names = NULL;
	size_t n = 0;

	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		names = realloc(names, (n + 1) * sizeof *names);
		names[n++] = strdup(de->d_name);
	}
	closedir(d);
	if (n > 0)
		qsort(names, n, sizeof *names, cmpstr);
	for (size_t i = 0; i < n; i++) {
		char *p, *r, mode[32];
		struct stat st;

		if (asprintf(&p, "%s/%s", dir, names[i]) < 0 ||
		    asprintf(&r, "%s/%s", rel, names[i]) < 0)
			abort();
		lstat(p, &st);
		snprintf(mode, sizeof mode, " %o\n", (unsigned)(st.st_mode & 07777));
		EVP_DigestUpdate(md, r, strlen(r));
		EVP_DigestUpdate(md, mode, strlen(mode));
		if (S_ISDIR(st.st_mode)) {
			hash_tree(md, p, r);
		} else if (S_ISREG(st.st_mode)) {
			size_t len;
			char *c = tu_read(p, &len);

			EVP_DigestUpdate(md, c, len);
			free(c);
		}
		free(p);
		free(r);
		free(names[i]);
	}
	free(names);
}

char *
tu_tree_hash(const char *dir)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned char d[32];
	unsigned int dl;
	char *hex = malloc(65);

	EVP_DigestInit_ex(md, EVP_sha256(), NULL);
	hash_tree(md, dir, "");
	EVP_DigestFinal_ex(md, d, &dl);
	EVP_MD_CTX_free(md);
	for (unsigned i = 0; i < dl; i++)
		sprintf(hex + 2 * i, "%02x", d[i]);
	return hex;
}

int
tu_mode(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? (int)(st.st_mode & 07777) : -1;
}

const char *
tu_corpus(void)
{
	const char *c = getenv("PADSEAL_CORPUS");
	struct stat st;

	cr_assert(c != NULL && *c != '\0', "PADSEAL_CORPUS is not set (make check sets it)");
	cr_assert(stat(c, &st) == 0 && S_ISDIR(st.st_mode),
		  "the corpus %s is missing: put ../shared beside the source tree or configure --with-corpus=DIR",
		  c);
	return c;
}

time_t
tu_now(void)
{
	time_t t = iso_parse(TU_NOW_ISO);

	cr_assert_neq(t, (time_t)-1);
	return t;
}

static int
tu_pass_fn(void *arg, enum pass_kind kind, const char *what, char **out, struct err *e)
{
	struct tu_pass *p = arg;

	(void)what;
	p->asked[kind]++;
	if (p->pass[kind] == NULL) {
		err_set(e, "no passphrase was given");
		return err_code(e, ERR_USAGE);
	}
	*out = pass_dup(p->pass[kind]);
	return 0;
}

void
tu_pass_ask(struct pass_ask *a, struct tu_pass *p)
{
	a->fn = tu_pass_fn;
	a->arg = p;
}

unsigned
tu_pass_asked(const struct tu_pass *p)
{
	unsigned n = 0;

	for (size_t i = 0; i < sizeof p->asked / sizeof p->asked[0]; i++)
		n += p->asked[i];
	return n;
}
