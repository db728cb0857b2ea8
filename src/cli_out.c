/* cli_out — the command line's one output filter: everything padseal
 * prints on standard output and standard error passes through it, so no
 * text from outside (a certificate's name, a header, an issuer, a file
 * name) can steer the terminal, whichever verb prints it (safetext.h has
 * the rule).  Binary output (cert --der without --out) bypasses it through
 * cli_out_raw. */
#define _GNU_SOURCE /* fopencookie */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "cli_int.h"
#include "safetext.h"

struct filter {
	int fd;
	size_t n_tail;
	char tail[4]; /* the start of a character whose rest has not come yet */
};

static struct filter out_filter = {.fd = STDOUT_FILENO}, err_filter = {.fd = STDERR_FILENO};

static int
put_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Bytes that pass as they are: printable ASCII, LF and TAB. */
#define P16 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1
static const unsigned char plain[256] = {
	[0x09] = 1, [0x0a] = 1, [0x20] = P16,
	P16,        P16,        P16,
	P16,        1,          1,
	1,          1,          1,
	1,          1,          1,
	1,          1,          1,
	1,          1,          1,
	1,          0,
};
#undef P16

/* Eight bytes of printable ASCII (no byte below 0x20, none from 0x7F). */
static int
plain8(const char *p)
{
	const uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;
	uint64_t x;

	memcpy(&x, p, 8);
	return (((x - 0x20 * ones) | (x + ones) | x) & highs) == 0;
}

/* How many bytes at the start of s[0..n) pass as they are: sixteen at a
 * time where the machine has SSE2 (the lists of a large home print
 * megabytes), then eight, then one. */
static size_t
plain_run(const char *s, size_t n)
{
	size_t run = 0;

#ifdef __SSE2__
	const __m128i lo = _mm_set1_epi8(0x1f), hi = _mm_set1_epi8(0x7f), nl = _mm_set1_epi8('\n');

	while (n - run >= 16) {
		__m128i x = _mm_loadu_si128((const __m128i *)(const void *)(s + run));
		/* Signed: bytes from 0x80 are below 0x1f. */
		__m128i ok =
			_mm_or_si128(_mm_and_si128(_mm_cmpgt_epi8(x, lo), _mm_cmplt_epi8(x, hi)),
				     _mm_cmpeq_epi8(x, nl));

		if (_mm_movemask_epi8(ok) != 0xffff)
			break;
		run += 16;
	}
#endif
	while (n - run >= 8 && plain8(s + run))
		run += 8;
	while (run < n && plain[(unsigned char)s[run]])
		run++;
	return run;
}

/* Filter s[0..n) into fd; a last incomplete character stays in f->tail
 * when `more` may follow. */
static int
pass(struct filter *f, const char *s, size_t n, int more)
{
	char buf[4096], vis[SAFETEXT_VISIBLE_MAX];
	size_t used = 0;

	while (n > 0) {
		long cp;
		size_t k, add, run = 0;
		const char *from;

		/* Printable ASCII, LF and TAB pass as they are, a run at a time;
		 * a long run is written from where it is. */
		run = plain_run(s, n);
		if (run >= sizeof buf) {
			if (put_all(f->fd, buf, used) != 0 || put_all(f->fd, s, run) != 0)
				return -1;
			used = 0, s += run, n -= run, run = 0;
		}
		while (run > 0) {
			size_t c = run < sizeof buf - used ? run : sizeof buf - used;

			if (c == 0) {
				if (put_all(f->fd, buf, used) != 0)
					return -1;
				used = 0;
				continue;
			}
			memcpy(buf + used, s, c);
			used += c, s += c, n -= c, run -= c;
		}
		if (n == 0)
			break;
		if (more && n < 4 && safetext_partial(s, n)) {
			memcpy(f->tail, s, n);
			f->n_tail = n;
			break;
		}
		from = s;
		k = add = safetext_next(s, n, &cp);
		if (cp < 0 || safetext_hidden(cp, 1)) {
			safetext_visible(cp, (unsigned char)*s, vis);
			from = vis;
			add = strlen(vis);
		}
		if (used + add > sizeof buf) {
			if (put_all(f->fd, buf, used) != 0)
				return -1;
			used = 0;
		}
		memcpy(buf + used, from, add);
		used += add;
		s += k;
		n -= k;
	}
	return put_all(f->fd, buf, used);
}

static ssize_t
filter_write(void *cookie, const char *buf, size_t len)
{
	struct filter *f = cookie;
	size_t take = 0;

	/* Complete a character left over from the last write first. */
	if (f->n_tail > 0) {
		char joined[8];
		size_t had = f->n_tail;

		take = len < 4 - had ? len : 4 - had;
		memcpy(joined, f->tail, had);
		memcpy(joined + had, buf, take);
		f->n_tail = 0;
		if (safetext_partial(joined, had + take)) {
			memcpy(f->tail, joined, had + take);
			f->n_tail = had + take;
			return (ssize_t)len;
		}
		{
			long cp;
			size_t k = safetext_next(joined, had + take, &cp);

			/* An invalid start is shown byte by byte; a whole
			 * character is passed as one. */
			if (k <= had) {
				if (pass(f, joined, had, 0) != 0)
					return -1;
				take = 0;
			} else {
				if (pass(f, joined, k, 0) != 0)
					return -1;
				take = k - had;
			}
		}
	}
	if (pass(f, buf + take, len - take, 1) != 0)
		return -1;
	return (ssize_t)len;
}

static int
filter_close(void *cookie)
{
	struct filter *f = cookie;
	size_t n = f->n_tail;

	f->n_tail = 0;
	return n > 0 ? pass(f, f->tail, n, 0) : 0;
}

static FILE *
filtered(struct filter *f, int mode)
{
	cookie_io_functions_t io = {.write = filter_write, .close = filter_close};
	FILE *fp = fopencookie(f, "w", io);

	if (fp != NULL)
		setvbuf(fp, NULL, mode, BUFSIZ);
	return fp;
}

void
cli_out_filter_stderr(void)
{
	FILE *fp = filtered(&err_filter, _IONBF);

	if (fp != NULL) {
		fflush(stderr);
		stderr = fp;
	}
}

void
cli_out_filter_stdout(void)
{
	FILE *fp = filtered(&out_filter, isatty(STDOUT_FILENO) ? _IOLBF : _IOFBF);

	if (fp != NULL) {
		fflush(stdout);
		stdout = fp;
	}
}

int
cli_out_raw(const void *buf, size_t len)
{
	if (fflush(stdout) != 0)
		return -1;
	return put_all(STDOUT_FILENO, buf, len);
}
