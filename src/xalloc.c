#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "xalloc.h"

void
xalloc_die(void)
{
	static const char msg[] = "padseal: out of memory\n";
	ssize_t rc;

	/* write(2), not stdio: nothing here may need memory. */
	rc = write(STDERR_FILENO, msg, sizeof msg - 1);
	(void)rc;
	abort();
}

void *
xcheck(void *p)
{
	if (p == NULL)
		xalloc_die();
	return p;
}

void *
xmalloc(size_t n)
{
	return xcheck(malloc(n ? n : 1));
}

void *
xcalloc(size_t n, size_t size)
{
	if (n == 0 || size == 0)
		n = size = 1;
	return xcheck(calloc(n, size));
}

void *
xrealloc(void *p, size_t n)
{
	/* realloc(p, 0) may free p and return NULL: ask for a byte. */
	return xcheck(realloc(p, n ? n : 1));
}

void *
xreallocarray(void *p, size_t n, size_t size)
{
	if (size != 0 && n > (size_t)-1 / size)
		xalloc_die();
	return xrealloc(p, n * size);
}

void *
xmemdup(const void *p, size_t n)
{
	void *d = xmalloc(n);

	if (n > 0)
		memcpy(d, p, n);
	return d;
}

char *
xstrdup(const char *s)
{
	return xcheck(strdup(s));
}

char *
xstrndup(const char *s, size_t n)
{
	return xcheck(strndup(s, n));
}

char *
xvasprintf(const char *fmt, va_list ap)
{
	char *s;

	if (vasprintf(&s, fmt, ap) < 0)
		xalloc_die();
	return s;
}

char *
xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	return s;
}

void *
xsecret_zalloc(size_t n)
{
	return xcheck(OPENSSL_zalloc(n ? n : 1));
}

int
xsecure_heap_init(void)
{
	/* A power of two; 32-byte blocks at least.  Returns 2 when the
	 * memory could not be locked (RLIMIT_MEMLOCK): still apart from the
	 * rest and kept out of core dumps, so used all the same. */
	return CRYPTO_secure_malloc_init(XSECURE_HEAP_SIZE, 32) != 0;
}

void
xno_core_dumps(void)
{
	struct rlimit none = {0, 0};

	setrlimit(RLIMIT_CORE, &none);
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}
