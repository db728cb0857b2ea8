/* xalloc — padseal's one out-of-memory policy: these allocations do not
 * fail.  When memory runs out they write "padseal: out of memory" to
 * standard error and abort(); nothing is left to check at the call.  Both
 * the core and the front ends use them.  Running out of memory is the only
 * error padseal treats as fatal: bad input, missing files and refused
 * operations are errors returned to the caller, never an abort.
 *
 * Memory from xmalloc, xcalloc, xrealloc, xreallocarray, xmemdup, xstrdup,
 * xstrndup and xasprintf is the caller's, freed with free().  Sizes of 0
 * are allowed and give a unique pointer. */
#ifndef PADSEAL_XALLOC_H
#define PADSEAL_XALLOC_H

#include <stdarg.h>
#include <stddef.h>

/* Report that memory ran out, then abort(). */
_Noreturn void xalloc_die(void);

/* `p`, or xalloc_die() when it is NULL: for constructors outside this
 * family, such as OpenSSL's (`sk_X509_new_null()`, `BIO_new()`). */
void *xcheck(void *p);

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
/* realloc(); `p` may be NULL.  The old block is freed as realloc() does,
 * so never use it for a block holding a secret. */
void *xrealloc(void *p, size_t n);
/* xrealloc(p, n * size), dying when the product overflows. */
void *xreallocarray(void *p, size_t n, size_t size);
/* A new copy of the `n` bytes at `p`. */
void *xmemdup(const void *p, size_t n);
char *xstrdup(const char *s);
/* At most `n` bytes of `s`, always NUL-terminated. */
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *xvasprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

/* OPENSSL_zalloc(n): zeroed memory for a secret (a passphrase, key
 * material), freed with OPENSSL_clear_free(p, n), which wipes it. */
void *xsecret_zalloc(size_t n);

/* Set up OpenSSL's secure heap (memory locked when the limits allow it,
 * kept out of core dumps, wiped when freed) of XSECURE_HEAP_SIZE bytes:
 * private keys' numbers and decrypted data that fits are held there, the
 * rest in ordinary memory, wiped when freed.  Once, at the start of the
 * program; 1 when it is set up, 0 when not (ordinary memory is used). */
#define XSECURE_HEAP_SIZE (1u << 20)
int xsecure_heap_init(void);

/* No core dump of this process can hold a secret: the core size limit set
 * to 0 (hard too, so no child or later call raises it) and the process
 * made not dumpable (no core, no ptrace by the same user).  Once, at the
 * start, before any secret is read; both front ends pass here. */
void xno_core_dumps(void);

#endif
