/* state_file — the checklist's syntax (state.h describes it): parse a file
 * of version 1 or 2 into records, format version 2, and save a batch of
 * changed records at the end of the file. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "addr.h"
#include "fileio.h"
#include "peer.h"
#include "state.h"
#include "state_int.h"
#include "xalloc.h"

#define MAGIC        "padseal-checklist"
#define FIELDS_MAX   (PEER_ADDRS_MAX + 40)
#define APPEND_FLOOR (64 << 10) /* appended bytes allowed before rewriting */

/* --- reading ------------------------------------------------------------ */

/* Every key a record of either version can hold. */
enum key {
	K_FPR,
	K_ADDR,
	K_ISN,
	K_NAME,
	K_KEY,
	K_FROM,
	K_UNTIL,
	K_SHA1,
	K_CA,
	K_LINT,
	K_RECEIVED,
	K_SOURCE,
	K_TRUSTED,
	K_VERIFIED,
	K_VERIFIED_AT,
	K_FORCED,
	K_UNTRUSTED_AT,
	K_SUPERSEDED_BY,
	K_REJECTED_AT,
	K_RENEWED_FROM,
	K_OUT,
	K_IN,
	K_WHY_OUT_PLAIN,
	K_WHY_OUT_SIGNED,
	K_WHY_OUT_ENCRYPTED,
	K_WHY_OUT_SIGNED_ENCRYPTED,
	K_WHY_IN_PLAIN,
	K_WHY_IN_SIGNED,
	K_WHY_IN_ENCRYPTED,
	K_WHY_IN_SIGNED_ENCRYPTED,
	K_STATUS,
	K_CREATED,
	K_ARCHIVED,
	K_REASON,
	K_PATH,
	K_AT,
	K_COMPAT,
	K_TO,
	K_HOW,
	K_EMAILS,
	K_EMAIL,
	K_FPR_COLON,
	K_SENT,
	K_CHANGED,
	K_OUT_PLAIN,
	K_OUT_PLAIN_WHY,
	K_OUT_SIGNED,
	K_OUT_SIGNED_WHY,
	K_OUT_ENCRYPTED,
	K_OUT_ENCRYPTED_WHY,
	K_OUT_SIGNED_ENCRYPTED,
	K_OUT_SIGNED_ENCRYPTED_WHY,
	K_IN_PLAIN,
	K_IN_PLAIN_WHY,
	K_IN_SIGNED,
	K_IN_SIGNED_WHY,
	K_IN_ENCRYPTED,
	K_IN_ENCRYPTED_WHY,
	K_IN_SIGNED_ENCRYPTED,
	K_IN_SIGNED_ENCRYPTED_WHY,
	K_BY_OUT_PLAIN,
	K_BY_OUT_SIGNED,
	K_BY_OUT_ENCRYPTED,
	K_BY_OUT_SIGNED_ENCRYPTED,
	K_BY_IN_PLAIN,
	K_BY_IN_SIGNED,
	K_BY_IN_ENCRYPTED,
	K_BY_IN_SIGNED_ENCRYPTED,
	K_PROG,
	K_DIR,
	K_PEERS,
	K_TEST_FROM,
	K_SHOWN,
	K_COUNT,
	K_UNKNOWN = K_COUNT
};

_Static_assert(K_COUNT < STATE_KEYS_MAX, "the key predictor has room for every key");
#define PRED_PEER  (STATE_KEYS_MAX + 0)
#define PRED_SENT  (STATE_KEYS_MAX + 1)
#define PRED_OTHER (STATE_KEYS_MAX + 2)

static const char *const key_names[K_COUNT] = {
	[K_FPR] = "fpr",
	[K_ADDR] = "addr",
	[K_ISN] = "isn",
	[K_NAME] = "name",
	[K_KEY] = "key",
	[K_FROM] = "from",
	[K_UNTIL] = "until",
	[K_SHA1] = "sha1",
	[K_CA] = "ca",
	[K_LINT] = "lint",
	[K_RECEIVED] = "received",
	[K_SOURCE] = "source",
	[K_TRUSTED] = "trusted",
	[K_VERIFIED] = "verified",
	[K_VERIFIED_AT] = "verified-at",
	[K_FORCED] = "forced",
	[K_UNTRUSTED_AT] = "untrusted-at",
	[K_SUPERSEDED_BY] = "superseded-by",
	[K_REJECTED_AT] = "rejected-at",
	[K_RENEWED_FROM] = "renewed-from",
	[K_OUT] = "out",
	[K_IN] = "in",
	[K_WHY_OUT_PLAIN] = "why-out-plain",
	[K_WHY_OUT_SIGNED] = "why-out-signed",
	[K_WHY_OUT_ENCRYPTED] = "why-out-encrypted",
	[K_WHY_OUT_SIGNED_ENCRYPTED] = "why-out-signed-encrypted",
	[K_WHY_IN_PLAIN] = "why-in-plain",
	[K_WHY_IN_SIGNED] = "why-in-signed",
	[K_WHY_IN_ENCRYPTED] = "why-in-encrypted",
	[K_WHY_IN_SIGNED_ENCRYPTED] = "why-in-signed-encrypted",
	[K_BY_OUT_PLAIN] = "by-out-plain",
	[K_BY_OUT_SIGNED] = "by-out-signed",
	[K_BY_OUT_ENCRYPTED] = "by-out-encrypted",
	[K_BY_OUT_SIGNED_ENCRYPTED] = "by-out-signed-encrypted",
	[K_BY_IN_PLAIN] = "by-in-plain",
	[K_BY_IN_SIGNED] = "by-in-signed",
	[K_BY_IN_ENCRYPTED] = "by-in-encrypted",
	[K_BY_IN_SIGNED_ENCRYPTED] = "by-in-signed-encrypted",
	[K_PROG] = "prog",
	[K_DIR] = "dir",
	[K_PEERS] = "peers",
	[K_TEST_FROM] = "test-from",
	[K_SHOWN] = "shown",
	[K_STATUS] = "status",
	[K_CREATED] = "created",
	[K_ARCHIVED] = "archived",
	[K_REASON] = "reason",
	[K_PATH] = "path",
	[K_AT] = "at",
	[K_COMPAT] = "compat",
	[K_TO] = "to",
	[K_HOW] = "how",
	[K_EMAILS] = "emails",
	[K_EMAIL] = "email",
	[K_FPR_COLON] = "fpr-colon",
	[K_SENT] = "sent",
	[K_CHANGED] = "changed",
	[K_OUT_PLAIN] = "out-plain",
	[K_OUT_PLAIN_WHY] = "out-plain-why",
	[K_OUT_SIGNED] = "out-signed",
	[K_OUT_SIGNED_WHY] = "out-signed-why",
	[K_OUT_ENCRYPTED] = "out-encrypted",
	[K_OUT_ENCRYPTED_WHY] = "out-encrypted-why",
	[K_OUT_SIGNED_ENCRYPTED] = "out-signed-encrypted",
	[K_OUT_SIGNED_ENCRYPTED_WHY] = "out-signed-encrypted-why",
	[K_IN_PLAIN] = "in-plain",
	[K_IN_PLAIN_WHY] = "in-plain-why",
	[K_IN_SIGNED] = "in-signed",
	[K_IN_SIGNED_WHY] = "in-signed-why",
	[K_IN_ENCRYPTED] = "in-encrypted",
	[K_IN_ENCRYPTED_WHY] = "in-encrypted-why",
	[K_IN_SIGNED_ENCRYPTED] = "in-signed-encrypted",
	[K_IN_SIGNED_ENCRYPTED_WHY] = "in-signed-encrypted-why",
};

struct field {
	const char *key;
	size_t klen;
	char *val;       /* unescaped, NUL-terminated, in the file's buffer */
	uint8_t id;      /* enum key */
	uint8_t next_id; /* the next field with this key: its number + 1 */
};

/* Keys to their numbers: an open-addressing table, filled once. */
#define KEY_SLOTS 256
static uint8_t key_slot[KEY_SLOTS]; /* key number + 1; 0 empty */
static uint8_t key_len[K_COUNT];
static pthread_once_t key_once = PTHREAD_ONCE_INIT;

static unsigned
key_hash(const char *k, size_t len)
{
	return ((unsigned)len * 31u + (unsigned char)k[0] * 7u + (unsigned char)k[len - 1] * 13u +
		(unsigned char)k[len / 2] * 3u) &
	       (KEY_SLOTS - 1);
}

/* Each name as three words of 8 bytes and which of their bytes count
 * (no name is longer than 24): a key is matched in a few instructions. */
#define KEY_WORDS 3
static uint64_t key_w[K_COUNT][KEY_WORDS], key_m[K_COUNT][KEY_WORDS];

static void
key_table_fill(void)
{
	for (unsigned i = 0; i < K_COUNT; i++) {
		size_t len = strlen(key_names[i]);
		unsigned h = key_hash(key_names[i], len);
		unsigned char w[8 * KEY_WORDS] = {0}, m[8 * KEY_WORDS] = {0};

		memcpy(w, key_names[i], len);
		memset(m, 0xff, len);
		memcpy(key_w[i], w, sizeof w);
		memcpy(key_m[i], m, sizeof m);
		key_len[i] = (uint8_t)len;
		while (key_slot[h] != 0)
			h = (h + 1) & (KEY_SLOTS - 1);
		key_slot[h] = (uint8_t)(i + 1);
	}
}

static enum key
key_id(const char *k, size_t len)
{
	for (unsigned h = key_hash(k, len); key_slot[h] != 0; h = (h + 1) & (KEY_SLOTS - 1)) {
		unsigned i = key_slot[h] - 1u;

		if (key_len[i] == len && memcmp(key_names[i], k, len) == 0)
			return (enum key)i;
	}
	return K_UNKNOWN;
}

struct parser {
	uint8_t *pred;       /* the key that followed each last time, or NULL */
	struct state *st;    /* where eagerly parsed records go */
	int in_batches;      /* past the first "end": records may repeat */
	struct arena *arena; /* where their strings go */
	int version;
	char why[200]; /* what is wrong with the line */
};

static int __attribute__((format(printf, 2, 3))) bad(struct parser *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(p->why, sizeof p->why, fmt, ap);
	va_end(ap);
	return -1;
}

static int
unhex(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* The bytes of a record's kind and of a key. */
static const unsigned char word_char[256] = {
	['a' ... 'z'] = 1,
	['0' ... '9'] = 1,
	['-'] = 1,
	['_'] = 1,
};

static int
is_word_char(unsigned char c)
{
	return word_char[c];
}

/* Is s a list of lint codes: lower-case words joined by commas? */
static int
is_codes(const char *s)
{
	while (word_char[(unsigned char)*s] || *s == ',')
		if (*s++ == '_')
			return 0;
	return *s == '\0';
}

/* Upper-case hex digits (fingerprints, isn, sha1). */
static const unsigned char hex_upper[256] = {
	['0' ... '9'] = 1,
	['A' ... 'F'] = 1,
};

/* Are s[0..n) upper-case hex digits, and s[n] the end?  The length first
 * (then whole blocks can be read), the digits sixteen at a time where the
 * machine has SSE2. */
static int
is_hex_n(const char *s, size_t n)
{
	size_t i = 0;

	if (strlen(s) != n)
		return 0;
#ifdef __SSE2__
	{
		const __m128i d0 = _mm_set1_epi8('0' - 1), d9 = _mm_set1_epi8('9' + 1);
		const __m128i a0 = _mm_set1_epi8('A' - 1), af = _mm_set1_epi8('F' + 1);

		for (; n - i >= 16; i += 16) {
			__m128i x = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
			__m128i ok = _mm_or_si128(_mm_and_si128(_mm_cmpgt_epi8(x, d0),
								_mm_cmplt_epi8(x, d9)),
						  _mm_and_si128(_mm_cmpgt_epi8(x, a0),
								_mm_cmplt_epi8(x, af)));

			if (_mm_movemask_epi8(ok) != 0xffff)
				return 0;
		}
	}
#endif
	while (i < n && hex_upper[(unsigned char)s[i]])
		i++;
	return i == n;
}

/* The key at q (before end), if it is one of the few after `guess` (padseal
 * writes the keys in the order of enum key, leaving out those it has no
 * value for) followed by '='; K_UNKNOWN when it is none of them.  The
 * names are words: a match is what the scan for a word would have found. */
#define GUESS_AHEAD 10
static enum key
key_guess(const char *q, const char *end, unsigned guess)
{
	if (end - q > 8 * KEY_WORDS) { /* the usual case: words at once */
		uint64_t a, b, c;

		memcpy(&a, q, 8);
		memcpy(&b, q + 8, 8);
		memcpy(&c, q + 16, 8);
		for (unsigned k = guess; k < K_COUNT && k < guess + GUESS_AHEAD; k++) {
			if ((((a & key_m[k][0]) ^ key_w[k][0]) | ((b & key_m[k][1]) ^ key_w[k][1]) |
			     ((c & key_m[k][2]) ^ key_w[k][2])) == 0 &&
			    q[key_len[k]] == '=')
				return (enum key)k;
		}
		return K_UNKNOWN;
	}
	for (unsigned c = guess; c < K_COUNT && c < guess + GUESS_AHEAD; c++) {
		size_t len = key_len[c];

		if (key_names[c][0] == q[0] && (size_t)(end - q) > len && q[len] == '=' &&
		    memcmp(key_names[c], q, len) == 0)
			return (enum key)c;
	}
	return K_UNKNOWN;
}

/* The space that ends the value at v, or `end`: sixteen bytes at a time
 * where the machine has SSE2. */
static char *
value_end(char *v, char *end)
{
#ifdef __SSE2__
	const __m128i sp = _mm_set1_epi8(' ');

	while (end - v >= 16) {
		int m = _mm_movemask_epi8(
			_mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(const void *)v), sp));

		if (m != 0)
			return v + __builtin_ctz((unsigned)m);
		v += 16;
	}
	while (v < end && *v != ' ')
		v++;
	return v;
#else
	char *sp = memchr(v, ' ', (size_t)(end - v));

	return sp != NULL ? sp : end;
#endif
}

/* Is the key at q (before end) key k followed by '='? */
static int
key_guess_one(const char *q, const char *end, unsigned k)
{
	if (end - q > 8 * KEY_WORDS) {
		uint64_t a, b, c;

		memcpy(&a, q, 8);
		memcpy(&b, q + 8, 8);
		memcpy(&c, q + 16, 8);
		return (((a & key_m[k][0]) ^ key_w[k][0]) | ((b & key_m[k][1]) ^ key_w[k][1]) |
			((c & key_m[k][2]) ^ key_w[k][2])) == 0 &&
		       q[key_len[k]] == '=';
	}
	return (size_t)(end - q) > key_len[k] && q[key_len[k]] == '=' &&
	       memcmp(key_names[k], q, key_len[k]) == 0;
}

/* Split the line s[0..n) (a writable copy) into its kind and fields,
 * unescaping values in place.  s[n] is the line's '\n', overwritten.
 * Values are found with memchr: a large home's lists parse megabytes. */
static int
tokenize(struct parser *p, char *s, size_t n, char **kind, struct field *f, size_t *nf)
{
	char *q = s, *end = s + n;
	/* Most values have no escape: the next '%' of the line, looked for
	 * again only past a value that held one. */
	char *pct_at = memchr(s, '%', n);
	unsigned guess = K_FPR, prev;

	pthread_once(&key_once, key_table_fill);
	*nf = 0;
	*kind = q;
	while (q < end && *q != ' ') {
		if (!is_word_char((unsigned char)*q))
			return bad(p, "the record's kind is not a word");
		q++;
	}
	if (q == *kind)
		return bad(p, "the line starts with a space");
	/* The key before the first: one for each kind most lines are of. */
	prev = **kind == 'p' ? PRED_PEER : **kind == 's' ? PRED_SENT : PRED_OTHER;
	while (q < end) {
		char *key, *v, *stop;
		enum key id;

		*q++ = '\0'; /* the space before the field */
		key = q;
		if (p->pred != NULL && p->pred[prev] < K_COUNT && q < end &&
		    key_guess_one(q, end, p->pred[prev])) {
			id = (enum key)p->pred[prev];
			q += key_len[id];
		} else if (q < end && (id = key_guess(q, end, guess)) != K_UNKNOWN) {
			q += key_len[id];
		} else {
			while (q < end && is_word_char((unsigned char)*q))
				q++;
			if (q == key || q >= end || *q != '=')
				return bad(p, "a field is not written key=value");
			id = key_id(key, (size_t)(q - key));
		}
		*q++ = '\0';
		if (*nf == FIELDS_MAX)
			return bad(p, "the record has too many fields");
		v = q;
		stop = value_end(v, end);
		if (stop == v)
			return bad(p, "the field %s is empty", key);
		f[*nf].key = key;
		f[*nf].klen = (size_t)(v - 1 - key);
		f[*nf].id = (uint8_t)id;
		if (p->pred != NULL) {
			p->pred[prev] = (uint8_t)id; /* K_UNKNOWN: no guess */
			prev = id < K_COUNT ? (unsigned)id : PRED_OTHER;
		}
		/* The next key is most likely one of those after this one. */
		guess = id < K_COUNT ? id + 1u : K_FPR;
		if (id == K_ADDR)
			guess = K_ADDR; /* addr repeats */
		f[*nf].val = v;
		(*nf)++;
		q = stop;
		if (pct_at != NULL && pct_at < stop) {
			char *w = pct_at, *r = pct_at;

			while (r < stop) {
				int hi, lo;

				if (*r != '%') {
					*w++ = *r++;
					continue;
				}
				if (stop - r < 3 || (hi = unhex(r[1])) < 0 ||
				    (lo = unhex(r[2])) < 0 || (hi == 0 && lo == 0))
					return bad(p, "the value of %s has a broken %%-escape",
						   key);
				*w++ = (char)(hi << 4 | lo);
				r += 3;
			}
			*w = '\0'; /* shorter than the escaped text: room is left */
			pct_at = stop < end ? memchr(stop, '%', (size_t)(end - stop)) : NULL;
		}
		if (q < end)
			*q = '\0'; /* ends the value; the next round steps over it */
	}
	*end = '\0';
	return 0;
}

/* One record's fields, by key: each taken at most once (addr repeats). */
struct fields {
	struct field *f;
	size_t n;
	unsigned char *used;
	uint8_t first[K_COUNT + 1]; /* the first field not taken of each key:
				       its number + 1, 0 for none */
};

static void
fields_index(struct fields *fs)
{
	memset(fs->first, 0, sizeof fs->first);
	for (size_t i = fs->n; i-- > 0;) {
		fs->f[i].next_id = fs->first[fs->f[i].id];
		fs->first[fs->f[i].id] = (uint8_t)(i + 1);
	}
}

/* The next field of key `id`, or NULL. */
static char *
take(struct fields *fs, enum key id)
{
	unsigned i = fs->first[id];

	if (id == K_UNKNOWN || i == 0)
		return NULL;
	i--;
	fs->first[id] = fs->f[i].next_id;
	fs->used[i] = 1;
	return fs->f[i].val;
}

/* The same by name (version 1's cells, whose keys are made). */
static char *
take_name(struct fields *fs, const char *key)
{
	return take(fs, key_id(key, strlen(key)));
}

/* After every known field was taken: anything left is unknown or twice. */
static int
leftover(struct parser *p, const struct fields *fs)
{
	for (size_t i = 0; i < fs->n; i++) {
		if (fs->used[i])
			continue;
		for (size_t j = 0; j < i; j++)
			if (strcmp(fs->f[j].key, fs->f[i].key) == 0)
				return bad(p, "the field %s appears twice", fs->f[i].key);
		return bad(p, "the field %s is unknown", fs->f[i].key);
	}
	return 0;
}

static int
need(struct parser *p, const char *v, const char *key, const char *kind)
{
	return v != NULL ? 0 : bad(p, "the %s record has no %s", kind, key);
}

static int
get_hex(struct parser *p, const char *v, const char *key, char out[FPR_HEX_LEN])
{
	if (!is_hex_n(v, 64))
		return bad(p, "%s is not a SHA-256 fingerprint (64 hex digits)", key);
	memcpy(out, v, FPR_HEX_LEN);
	return 0;
}

static int
get_iso(struct parser *p, const char *v, const char *key, char out[ISO_TIME_LEN])
{
	if (v == NULL) {
		out[0] = '\0';
		return 0;
	}
	if (!iso_valid(v))
		return bad(p, "%s is not a time like 2026-01-31T12:00:00Z", key);
	memcpy(out, v, 21);
	return 0;
}

static int
get_bool(struct parser *p, const char *v, const char *key, int *out)
{
	if (v == NULL)
		*out = 0;
	else if (strcmp(v, "0") == 0 || strcmp(v, "1") == 0)
		*out = v[0] == '1';
	else
		return bad(p, "%s is neither 0 nor 1", key);
	return 0;
}

static int
get_text(struct parser *p, const char *v, const char *key, size_t max, const char **out)
{
	if (v != NULL && strlen(v) > max)
		return bad(p, "%s is longer than %zu bytes", key, max);
	*out = v;
	return 0;
}

/* An address as padseal stores one: it was checked as an addr-spec when
 * it came in (addr_check); here only what a hand edit could break, cheaply
 * (a large home holds tens of thousands): one '@' with something on both
 * sides, no space, comma, quote or angle bracket, and not too long. */
static const unsigned char addr_stop[256] = {
	['\0'] = 1, ['@'] = 1, [' '] = 1, [','] = 1, ['"'] = 1,
	['<'] = 1,  ['>'] = 1, ['('] = 1, [')'] = 1,
};

static int
addr_plausible(const char *a)
{
	const char *at = NULL, *q;

	if (a == NULL)
		return 0;
	/* A byte at a time through a table: the stops are the end, '@' and
	 * what an address never holds. */
	for (q = a;; q++) {
		while (!addr_stop[(unsigned char)*q])
			q++;
		if (*q == '\0')
			break;
		if (*q != '@' || at != NULL)
			return 0;
		at = q;
	}
	return at != NULL && at > a && at[1] != '\0' && q - a <= 254;
}

/* --- the kinds of record ------------------------------------------------- */

static int
parse_ident(struct parser *p, struct fields *fs)
{
	const char *fpr = take(fs, K_FPR), *status = take(fs, K_STATUS);
	struct st_ident t = {0};
	struct ident_rec *r;

	if (need(p, fpr, "fpr", "identity") || get_hex(p, fpr, "fpr", t.hex) ||
	    need(p, status, "status", "identity"))
		return -1;
	if (strcmp(status, "current") != 0 && strcmp(status, "archived") != 0)
		return bad(p, "status is neither current nor archived");
	t.current = status[0] == 'c';
	if (get_iso(p, take(fs, K_CREATED), "created", t.created) ||
	    get_iso(p, take(fs, K_ARCHIVED), "archived", t.archived) ||
	    get_text(p, take(fs, K_REASON), "reason", 512, &t.reason) ||
	    get_text(p, take(fs, K_SOURCE), "source", 64, &t.source) || leftover(p, fs))
		return -1;
	if (!t.created[0])
		return bad(p, "the identity record has no created");
	r = state_ident_slot(p->st, t.hex);
	r->r = t;
	return 0;
}

static int
parse_backup(struct parser *p, struct fields *fs)
{
	const char *fpr = take(fs, K_FPR), *path = take(fs, K_PATH);
	const char *compat = take(fs, K_COMPAT);
	struct st_backup t = {0};
	struct backup_rec *r;

	if (need(p, fpr, "fpr", "backup") || get_hex(p, fpr, "fpr", t.hex) ||
	    need(p, path, "path", "backup") || get_text(p, path, "path", 4096, &t.path) ||
	    get_iso(p, take(fs, K_AT), "at", t.at) ||
	    get_text(p, take(fs, K_SOURCE), "source", 64, &t.source) || leftover(p, fs))
		return -1;
	if (!t.at[0])
		return bad(p, "the backup record has no at");
	if (compat == NULL)
		compat = "other";
	if (strlen(compat) >= sizeof t.compat)
		return bad(p, "compat is not legacy, modern or other");
	memcpy(t.compat, compat, strlen(compat) + 1);
	r = state_backup_slot(p->st, t.hex, t.path);
	t.path = r->r.path;
	r->r = t;
	return 0;
}

/* A ","-joined list of SHA-256 fingerprints, sorted, none twice. */
static int
hex_list_ok(const char *v)
{
	const char *prev = NULL;

	if (*v == '\0')
		return 1;
	for (;;) {
		size_t i = 0;

		while (i < 64 && hex_upper[(unsigned char)v[i]])
			i++;
		if (i != 64 || (v[64] != ',' && v[64] != '\0') ||
		    (prev != NULL && memcmp(prev, v, 64) >= 0))
			return 0;
		prev = v;
		if (v[64] == '\0')
			return 1;
		v += 65;
	}
}

static int
parse_install(struct parser *p, struct fields *fs)
{
	const char *fpr = take(fs, K_FPR), *prog = take(fs, K_PROG), *how = take(fs, K_HOW);
	const char *peers = take(fs, K_PEERS);
	struct st_install t = {0};
	struct install_rec *r;

	if (need(p, fpr, "fpr", "install") || get_hex(p, fpr, "fpr", t.hex) ||
	    need(p, prog, "prog", "install") || get_iso(p, take(fs, K_AT), "at", t.at) ||
	    get_text(p, take(fs, K_DIR), "dir", 4096, &t.dir) || leftover(p, fs))
		return -1;
	if (!t.at[0])
		return bad(p, "the install record has no at");
	if (*prog == '\0' || strlen(prog) >= sizeof t.prog ||
	    strspn(prog, "abcdefghijklmnopqrstuvwxyz-") != strlen(prog))
		return bad(p, "prog is not the name of a mail program");
	if (how != NULL && strcmp(how, "folder") != 0 && strcmp(how, "profile") != 0)
		return bad(p, "how is neither folder nor profile");
	if (peers != NULL && !hex_list_ok(peers))
		return bad(p, "peers is not a sorted list of SHA-256 fingerprints");
	memcpy(t.prog, prog, strlen(prog) + 1);
	t.profile = how != NULL && how[0] == 'p';
	r = state_install_slot(p->st, t.hex, t.prog);
	t.dir = t.dir != NULL ? t.dir : "";
	t.peers = peers != NULL ? peers : "";
	r->r = t;
	return 0;
}

/* "sent" in version 2, "intro" in version 1. */
static int
parse_sent(struct parser *p, struct fields *fs)
{
	const char *to = take(fs, K_TO), *how = p->version > 1 ? take(fs, K_HOW) : NULL;
	struct sent_rec *r;
	char at[ISO_TIME_LEN];

	if (need(p, to, "to", "sent") || get_iso(p, take(fs, K_AT), "at", at) || leftover(p, fs))
		return -1;
	if (!at[0])
		return bad(p, "the sent record has no at");
	if (!addr_plausible(to))
		return bad(p, "to is not an address");
	if (how != NULL && strcmp(how, "mail") != 0 && strcmp(how, "in-person") != 0)
		return bad(p, "how is neither mail nor in-person");
	r = state_sent_slot_raw(p->st, to);
	r->line.len = 0;
	memcpy(r->r.at, at, sizeof at);
	r->r.how = how != NULL && how[0] == 'i' ? SENT_IN_PERSON : SENT_MAIL;
	return 0;
}

static const char cell_letters[] = "tspcwf";

/* The names of the cells' reason fields, "why-out-plain" ... */
static const char *const why_keys[DIR_COUNT][KIND_COUNT] = {
	{"why-out-plain", "why-out-signed", "why-out-encrypted", "why-out-signed-encrypted"},
	{"why-in-plain", "why-in-signed", "why-in-encrypted", "why-in-signed-encrypted"},
};
/* ... and of who wrote the message that judged them, "by-out-plain" ... */
static const char *const by_keys[DIR_COUNT][KIND_COUNT] = {
	{"by-out-plain", "by-out-signed", "by-out-encrypted", "by-out-signed-encrypted"},
	{"by-in-plain", "by-in-signed", "by-in-encrypted", "by-in-signed-encrypted"},
};

static int
cell_from_letter(char c, struct st_cell *out)
{
	switch (c) {
	case 't': out->state = CELL_TODO; break;
	case 's': out->state = CELL_SENT; break;
	case 'p': out->state = CELL_PASSED, out->how = CELL_CHECKED; break;
	case 'c': out->state = CELL_PASSED, out->how = CELL_CONFIRMED; break;
	case 'w': out->state = CELL_PASSED, out->how = CELL_WARNED; break;
	case 'f': out->state = CELL_FAILED; break;
	default: return -1;
	}
	return 0;
}

static char
cell_letter(const struct st_cell *c)
{
	switch (c->state) {
	case CELL_SENT: return 's';
	case CELL_FAILED: return 'f';
	case CELL_PASSED: return c->how == CELL_CONFIRMED ? 'c' : c->how == CELL_WARNED ? 'w' : 'p';
	default: return 't';
	}
}

/* The cells of version 2: out=CCCC in=CCCC why-out-plain=... */
static int
cells_v2(struct parser *p, struct fields *fs, struct st_peer *t)
{
	const char *v;

	for (int d = 0; d < DIR_COUNT; d++) {
		v = take(fs, d == DIR_OUT ? K_OUT : K_IN);
		if (v != NULL && strlen(v) != KIND_COUNT)
			return bad(p, "%s does not hold four cells",
				   cell_dir_name((enum cell_dir)d));
		for (int k = 0; k < KIND_COUNT; k++) {
			const char *key = why_keys[d][k];

			if (v != NULL && cell_from_letter(v[k], &t->cell[d][k]) != 0)
				return bad(p, "%s holds a cell that is not one of %s",
					   cell_dir_name((enum cell_dir)d), cell_letters);
			if (get_text(p, take(fs, (enum key)(K_WHY_OUT_PLAIN + d * KIND_COUNT + k)),
				     key, CELL_WHY_MAX, &t->cell[d][k].why) != 0 ||
			    get_text(p, take(fs, (enum key)(K_BY_OUT_PLAIN + d * KIND_COUNT + k)),
				     by_keys[d][k], CELL_BY_MAX, &t->cell[d][k].by) != 0)
				return -1;
		}
	}
	if (get_iso(p, take(fs, K_TEST_FROM), "test-from", t->test_from) != 0)
		return -1;
	if ((v = take(fs, K_SHOWN)) != NULL) {
		if (strlen(v) != DIR_COUNT * KIND_COUNT || strspn(v, "01") != strlen(v))
			return bad(p, "shown does not hold eight 0 or 1");
		for (int i = 0; i < DIR_COUNT * KIND_COUNT; i++)
			t->cell[i / KIND_COUNT][i % KIND_COUNT].shown = v[i] == '1';
	}
	return 0;
}

/* The cells of version 1: out-plain=passed out-plain-why=... */
static int
cells_v1(struct parser *p, struct fields *fs, struct st_peer *t)
{
	for (int d = 0; d < DIR_COUNT; d++) {
		for (int k = 0; k < KIND_COUNT; k++) {
			struct st_cell *c = &t->cell[d][k];
			char key[40], wkey[48];
			const char *v, *why;
			int s;

			snprintf(key, sizeof key, "%s-%s", cell_dir_name((enum cell_dir)d),
				 cell_kind_name((enum cell_kind)k));
			snprintf(wkey, sizeof wkey, "%s-why", key);
			v = take_name(fs, key);
			why = take_name(fs, wkey);
			for (s = CELL_TODO; v != NULL && s <= CELL_FAILED; s++)
				if (strcmp(v, cell_state_name((enum cell_state)s)) == 0)
					break;
			if (v != NULL && s > CELL_FAILED)
				return bad(p, "%s is not todo, sent, passed or failed", key);
			c->state = v != NULL ? (enum cell_state)s : CELL_TODO;
			if (why != NULL && strlen(why) > CELL_WHY_MAX)
				return bad(p, "%s is too long", wkey);
			if (c->state == CELL_FAILED) {
				c->why = why;
			} else if (c->state == CELL_PASSED && why != NULL &&
				   strcmp(why, "confirmed by correspondent") == 0) {
				c->how = CELL_CONFIRMED;
			} else if (c->state == CELL_PASSED && why != NULL &&
				   strstr(why, "SHA-1") != NULL) {
				c->how = CELL_WARNED;
				c->why = why;
			}
		}
	}
	return 0;
}

/* The addresses: `addr` fields (version 2) or "emails=a,b" (version 1). */
static int
peer_addrs(struct parser *p, struct fields *fs, struct st_peer *t)
{
	const char *list[PEER_ADDRS_MAX];
	const char **copy;
	size_t n = 0;

	if (p->version == 1) {
		char *v = take(fs, K_EMAILS), *save = NULL;

		take(fs, K_EMAIL); /* the first of emails */
		for (char *a = v ? strtok_r(v, ",", &save) : NULL; a != NULL;
		     a = strtok_r(NULL, ",", &save)) {
			if (n == PEER_ADDRS_MAX)
				return bad(p, "the peer record has more than %d addresses",
					   PEER_ADDRS_MAX);
			list[n++] = a;
		}
	} else {
		const char *a;

		while ((a = take(fs, K_ADDR)) != NULL) {
			if (n == PEER_ADDRS_MAX)
				return bad(p, "the peer record has more than %d addresses",
					   PEER_ADDRS_MAX);
			list[n++] = a;
		}
	}
	if (n == 0)
		return bad(p, "the peer record has no address");
	for (size_t i = 0; i < n; i++)
		if (!addr_plausible(list[i]))
			return bad(p, "the address %.80s is not an address", list[i]);
	copy = arena_alloc(p->arena, n * sizeof *copy);
	memcpy(copy, list, n * sizeof *copy);
	t->addr = copy;
	t->n_addr = n;
	return 0;
}

static int
peer_trust(struct parser *p, struct fields *fs, struct st_peer *t)
{
	/* Taken in the order the records are written: see fmt_peer. */
	const char *trusted = take(fs, K_TRUSTED), *verified = take(fs, K_VERIFIED);
	const char *sup;

	if (p->version == 1) {
		/* Version 1 wrote trusted=1 and read any other value but "0"
		 * as trusted; it is read as it was meant. */
		t->trusted = trusted != NULL && strcmp(trusted, "0") != 0;
	} else if (get_bool(p, trusted, "trusted", &t->trusted) != 0) {
		return -1;
	}
	if (verified != NULL && verify_method_parse(verified, &t->verified) != 0)
		return bad(p, "verified is not phone, in-person or other");
	if (get_iso(p, take(fs, K_VERIFIED_AT), "verified-at", t->verified_at) ||
	    get_bool(p, take(fs, K_FORCED), "forced", &t->forced) ||
	    get_iso(p, take(fs, K_UNTRUSTED_AT), "untrusted-at", t->untrusted_at) ||
	    ((sup = take(fs, K_SUPERSEDED_BY)) != NULL &&
	     get_hex(p, sup, "superseded-by", t->superseded_by)) ||
	    get_iso(p, take(fs, K_REJECTED_AT), "rejected-at", t->rejected_at) ||
	    ((sup = take(fs, K_RENEWED_FROM)) != NULL &&
	     get_hex(p, sup, "renewed-from", t->renewed_from)))
		return -1;
	if (t->verified != VERIFY_NONE && !t->verified_at[0])
		return bad(p, "verified is given without verified-at");
	return 0;
}

/* The certificate's facts (version 2; version 1 takes them from the file
 * once the whole state is read). */
static int
peer_facts(struct parser *p, struct fields *fs, struct st_peer *t)
{
	/* Taken in the order the records are written: see fmt_peer. */
	const char *isn = take(fs, K_ISN), *name = take(fs, K_NAME), *key = take(fs, K_KEY);
	const char *sha1, *ca, *lint;

	if (p->version == 1) {
		take(fs, K_FPR_COLON);
		take(fs, K_SENT);    /* now derived from the sent records */
		take(fs, K_CHANGED); /* now derived, trust.h */
		t->name = "";
		return 0;
	}
	if (need(p, key, "key", "peer") || get_iso(p, take(fs, K_FROM), "from", t->not_before) ||
	    get_iso(p, take(fs, K_UNTIL), "until", t->not_after))
		return -1;
	sha1 = take(fs, K_SHA1);
	ca = take(fs, K_CA);
	lint = take(fs, K_LINT);
	if (get_text(p, name, "name", PEER_NAME_MAX, &t->name) ||
	    get_text(p, lint, "lint", 400, &t->lint))
		return -1;
	if (!t->not_before[0] || !t->not_after[0])
		return bad(p, "the peer record has no from or until");
	if (strlen(key) >= sizeof t->key)
		return bad(p, "key is too long");
	memcpy(t->key, key, strlen(key) + 1);
	if (isn != NULL) {
		if (!is_hex_n(isn, ISN_LEN - 1))
			return bad(p, "isn is not 16 hex digits");
		memcpy(t->isn, isn, ISN_LEN);
	}
	if (sha1 != NULL) {
		if (!is_hex_n(sha1, 40))
			return bad(p, "sha1 is not 40 hex digits");
		memcpy(t->sha1, sha1, 41);
	}
	if (ca != NULL && get_hex(p, ca, "ca", t->ca) != 0)
		return -1;
	if (lint != NULL && !is_codes(lint))
		return bad(p, "lint is not a list of finding codes");
	if (t->name == NULL)
		t->name = "";
	t->not_after_t = iso_parse(t->not_after);
	return 0;
}

/* Do two heads name the same addresses and issuer-and-serial key? */
static int
same_head(const struct peer_head *a, const struct peer_head *b)
{
	if (a->n_addr != b->n_addr || strcmp(a->isn, b->isn) != 0)
		return 0;
	for (size_t i = 0; i < a->n_addr; i++)
		if (strcmp(a->addr[i], b->addr[i]) != 0)
			return 0;
	return 1;
}

/* The fields of a peer record into *t. */
static int
peer_fields(struct parser *p, struct fields *fs, struct st_peer *t)
{
	const char *fpr = take(fs, K_FPR);

	if (need(p, fpr, "fpr", "peer") || get_hex(p, fpr, "fpr", t->hex) || peer_addrs(p, fs, t) ||
	    peer_facts(p, fs, t) || get_iso(p, take(fs, K_RECEIVED), "received", t->received) ||
	    get_text(p, take(fs, K_SOURCE), "source", PEER_SOURCE_MAX, &t->source) ||
	    peer_trust(p, fs, t) || (p->version == 1 ? cells_v1(p, fs, t) : cells_v2(p, fs, t)) ||
	    leftover(p, fs))
		return -1;
	if (!t->received[0])
		return bad(p, "the peer record has no received");
	return 0;
}

/* Put `hd` in the list: a later record of a certificate replaces the
 * earlier one, which must name the same addresses. */
static int
peer_place(struct parser *p, struct peer_head *hd)
{
	/* Only a later batch can repeat a certificate: the part written
	 * whole has each once. */
	struct peer_head *old = p->in_batches ? state_peer_raw(p->st, hd->hex) : NULL;
	size_t at;

	if (old == NULL) {
		state_peer_insert(p->st, hd);
		return 0;
	}
	if (!same_head(old, hd))
		return bad(p,
			   "it names other addresses than the earlier record of the same certificate");
	at = old->index;
	hd->index = (uint32_t)at;
	if (hd->rec != NULL)
		hd->rec->index = (uint32_t)at;
	p->st->peers[at] = hd;
	return 0;
}

static int
parse_peer(struct parser *p, struct fields *fs)
{
	struct peer_rec *r = arena_alloc(p->arena, sizeof *r);

	if (peer_fields(p, fs, &r->r) != 0)
		return -1;
	return peer_place(p, peer_head_of(p->arena, r));
}

static int damaged(struct err *e, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int src_read(const struct state_lazy *lz, off_t off, char *buf, size_t n);

/* --- lazily read records ------------------------------------------------- */

/* The value at q (up to a space or `end`), unescaped into the arena; NULL
 * when it holds anything a plausible address does not. */
static const char *
head_value(struct parser *p, const char *q, const char *end, const char **after)
{
	const char *v = q, *sp = memchr(q, ' ', (size_t)(end - q));
	char *out, *w;

	q = sp != NULL ? sp : end;
	*after = q;
	if (q == v)
		return NULL;
	out = arena_alloc_raw(p->arena, (size_t)(q - v) + 1);
	if (memchr(v, '%', (size_t)(q - v)) == NULL) { /* the usual case */
		memcpy(out, v, (size_t)(q - v));
		out[q - v] = '\0';
		return out;
	}
	w = out;
	for (const char *r = v; r < q;) {
		int hi, lo;

		if (*r != '%') {
			*w++ = *r++;
			continue;
		}
		if (q - r < 3 || (hi = unhex(r[1])) < 0 || (lo = unhex(r[2])) < 0 ||
		    (hi == 0 && lo == 0))
			return NULL;
		*w++ = (char)(hi << 4 | lo);
		r += 3;
	}
	*w = '\0';
	return out; /* checked when the record is read (peer_ready) */
}

/* A peer line as padseal writes it: "peer fpr=HEX addr=A [addr=B...]
 * [isn=HEX] ..." is indexed by its start and parsed when used.  1: not
 * in that form (parse it now), 0 done, -1 damaged. */
static int
lazy_peer(struct parser *p, const char *line, size_t n, struct line_ref ref)
{
	const char *q = line + 9, *end = line + n, *list[PEER_ADDRS_MAX];
	struct peer_head *hd;
	size_t na = 0;

	if (n < 9 + 64 + 6 || memcmp(line, "peer fpr=", 9) != 0 || q[64] != ' ')
		return 1; /* the digits are checked when it is read */
	q += 64;
	while (end - q > 6 && memcmp(q, " addr=", 6) == 0) {
		if (na == PEER_ADDRS_MAX || (list[na++] = head_value(p, q + 6, end, &q)) == NULL)
			return 1;
	}
	if (na == 0 || (q < end && *q != ' '))
		return 1;
	/* The issuer-and-serial key, indexed too: without it, read it now. */
	if (!(end - q >= 5 + ISN_LEN - 1 && memcmp(q, " isn=", 5) == 0 &&
	      (q + 5 + ISN_LEN - 1 == end || q[5 + ISN_LEN - 1] == ' ')))
		return 1;
	hd = arena_alloc_raw(p->arena, sizeof *hd);
	memcpy(hd->hex, line + 9, 64);
	hd->hex[64] = '\0';
	memcpy(hd->isn, q + 5, ISN_LEN - 1);
	hd->isn[ISN_LEN - 1] = '\0';
	{
		const char **copy = arena_alloc_raw(p->arena, na * sizeof *copy);

		memcpy(copy, list, na * sizeof *list);
		hd->addr = copy;
	}
	hd->n_addr = na;
	hd->line = ref;
	hd->rec = NULL;
	return peer_place(p, hd) == 0 ? 0 : -1;
}

static void
found_damage(const struct state *st, int lineno, const char *why)
{
	if (!st->lazy->damage.set)
		damaged(&st->lazy->damage, st->lazy->name, "at line %d: %s", lineno, why);
}

/* "sent to=ADDR ...": indexed by its address as it is read (the line is
 * at hand now; fetching it later costs a read per record); the rest of the
 * record is parsed when it is looked at. */
static int
lazy_sent(struct parser *p, const char *line, size_t n, struct line_ref ref)
{
	const char *q, *to;

	if (n < 9 || memcmp(line, "sent to=", 8) != 0 ||
	    (to = head_value(p, line + 8, line + n, &q)) == NULL)
		return 1;              /* parsed now, and refused if it is damaged */
	if (p->st->lazy->sent_defer) { /* made when first asked for */
		struct state_lazy *lz = p->st->lazy;

		if (lz->n_pend == lz->cap_pend) {
			lz->cap_pend = lz->cap_pend ? 2 * lz->cap_pend : 64;
			lz->pend = xreallocarray(lz->pend, lz->cap_pend, sizeof *lz->pend);
		}
		lz->pend[lz->n_pend++] = (struct sent_pending){to, ref};
		return 0;
	}
	/* A later line for the address replaces the earlier one. */
	state_sent_slot_raw(p->st, to)->line = ref;
	return 0;
}

char *
line_fetch(const struct state *st, const struct line_ref *l)
{
	const struct state_lazy *lz = st->lazy;
	char *out = arena_alloc_raw(st->arena, (size_t)l->len + 1);

	if (lz->src_mem != NULL) {
		if ((size_t)l->off + l->len > lz->src_len)
			return NULL;
		memcpy(out, lz->src_mem + l->off, l->len);
	} else {
		for (size_t got = 0; got < l->len;) {
			ssize_t n = pread(lz->src_fd, out + got, l->len - got, l->off + (off_t)got);

			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				found_damage(st, l->lineno,
					     "it can no longer be read: the file was changed while padseal had it open");
				return NULL;
			}
			got += (size_t)n;
		}
	}
	out[l->len] = '\0';
	return out;
}

char *
line_use(const struct state *st, const struct line_ref *l)
{
	struct state_lazy *lz = st->lazy;
	char *line;

	if (lz->src_mem == NULL || (size_t)l->off + l->len >= lz->src_len)
		return line_fetch(st, l);
	line = lz->src_mem + l->off;
	line[l->len] = '\0'; /* its '\n': no other line holds it */
	return line;
}

/* The lists read every record: the file is read into memory at once, not
 * a line at a time. */
static void
src_slurp(const struct state *st)
{
	struct state_lazy *lz = st->lazy;
	struct stat sb;
	char *buf;

	if (lz->src_mem != NULL || lz->src_fd < 0 || fstat(lz->src_fd, &sb) != 0 || sb.st_size <= 0)
		return;
	buf = arena_alloc_raw(st->arena, (size_t)sb.st_size);
	if (src_read(lz, 0, buf, (size_t)sb.st_size) == 0) {
		lz->src_mem = buf;
		lz->src_len = (size_t)sb.st_size;
	}
}

void
peer_ready(const struct state *st, struct peer_head *hd)
{
	struct parser p = {.pred = st->lazy->pred, .arena = st->arena, .version = STATE_VERSION};
	struct field f[FIELDS_MAX];
	unsigned char used[FIELDS_MAX] = {0};
	struct fields fs = {f, 0, used, {0}};
	struct peer_rec *r;
	char *line, *kind;

	if (hd->rec != NULL)
		return;
	r = arena_alloc(st->arena, sizeof *r);
	line = line_use(st, &hd->line);
	if (line == NULL)
		bad(&p, "it can no longer be read");
	else if (tokenize(&p, line, strlen(line), &kind, f, &fs.n) == 0) {
		fields_index(&fs);
		if (peer_fields(&p, &fs, &r->r) == 0 &&
		    !(hd->n_addr == r->r.n_addr && strcmp(hd->isn, r->r.isn) == 0))
			bad(&p, "its addresses are not those its line starts with");
		else if (p.why[0] == '\0')
			r->r.addr = hd->addr; /* the same, already in the arena */
	}
	if (p.why[0] != '\0') {
		found_damage(st, hd->line.lineno, p.why);
		/* What the start of the line said stays; the rest is empty. */
		memset(&r->r, 0, sizeof r->r);
		memcpy(r->r.hex, hd->hex, sizeof r->r.hex);
		memcpy(r->r.isn, hd->isn, sizeof r->r.isn);
		r->r.addr = hd->addr;
		r->r.n_addr = hd->n_addr;
		r->r.name = "";
	}
	r->index = hd->index; /* its place in the list */
	hd->rec = r;
	hd->line.len = 0;
}

void
sent_ready(const struct state *st, struct sent_rec *r)
{
	struct parser p = {.pred = st->lazy->pred, .arena = st->arena, .version = STATE_VERSION};
	struct field f[FIELDS_MAX];
	unsigned char used[FIELDS_MAX] = {0};
	struct fields fs = {f, 0, used, {0}};
	char *line, *kind;
	const char *how;

	if (r->line.len == 0)
		return;
	line = line_use(st, &r->line);
	r->line.len = 0;
	if (line == NULL)
		bad(&p, "it can no longer be read");
	else if (tokenize(&p, line, strlen(line), &kind, f, &fs.n) == 0) {
		fields_index(&fs);
		if (!addr_plausible(take(&fs, K_TO)))
			bad(&p, "to is not an address");
		else if (get_iso(&p, take(&fs, K_AT), "at", r->r.at) == 0 && r->r.at[0] == '\0')
			bad(&p, "the sent record has no at");
		how = take(&fs, K_HOW);
		if (p.why[0] == '\0' && how != NULL && strcmp(how, "mail") != 0 &&
		    strcmp(how, "in-person") != 0)
			bad(&p, "how is neither mail nor in-person");
		if (p.why[0] == '\0')
			leftover(&p, &fs);
		r->r.how = how != NULL && how[0] == 'i' ? SENT_IN_PERSON : SENT_MAIL;
	}
	if (p.why[0] != '\0')
		found_damage(st, r->line.lineno, p.why);
}

int
state_parse_all(const struct state *st, struct err *e)
{
	src_slurp(st);
	for (size_t i = 0; i < st->n_peers; i++)
		peer_ready(st, st->peers[i]);
	sents_ready(st);
	for (size_t i = 0; i < st->lazy->n_sents; i++)
		sent_ready(st, st->lazy->sents[i]);
	/* Lists look up each record's neighbours (same address): by index
	 * from the first, not after a few scans of the whole list. */
	state_index(st);
	return state_damage(st, e);
}

int
state_damage(const struct state *st, struct err *e)
{
	return st->lazy->damage.set ? err_copy(e, &st->lazy->damage) : 0;
}

static int
parse_record(struct parser *p, char *line, size_t n)
{
	struct field f[FIELDS_MAX];
	unsigned char used[FIELDS_MAX] = {0};
	struct fields fs = {f, 0, used, {0}};
	char *kind;

	if (tokenize(p, line, n, &kind, f, &fs.n) != 0)
		return -1;
	fields_index(&fs);
	if (strcmp(kind, "peer") == 0)
		return parse_peer(p, &fs);
	if (strcmp(kind, "identity") == 0)
		return parse_ident(p, &fs);
	if (strcmp(kind, "backup") == 0)
		return parse_backup(p, &fs);
	if (p->version > 1 && strcmp(kind, "install") == 0)
		return parse_install(p, &fs);
	if (strcmp(kind, p->version == 1 ? "intro" : "sent") == 0)
		return parse_sent(p, &fs);
	return bad(p, "\"%.40s\" is not a kind of record padseal knows", kind);
}

static int __attribute__((format(printf, 3, 4)))
damaged(struct err *e, const char *name, const char *fmt, ...)
{
	char what[320];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	return err_set(e,
		       "%s is damaged %s (padseal changed nothing); the previous generation is " STATE_PREV
		       " in the same folder: put it back with  cp %s.prev %s  (or restore the folder from a backup)",
		       name, what, name, name);
}

/* Read `n` bytes at `off` from the state's source into buf. */
static int
src_read(const struct state_lazy *lz, off_t off, char *buf, size_t n)
{
	if (lz->src_mem != NULL) {
		if ((size_t)off + n > lz->src_len)
			return -1;
		memcpy(buf, lz->src_mem + off, n);
		return 0;
	}
	for (size_t got = 0; got < n;) {
		ssize_t r = pread(lz->src_fd, buf + got, n - got, off + (off_t)got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		got += (size_t)r;
	}
	return 0;
}

/* The offset just after the last "end" line of the source (0 when there
 * is none): what lies after it is a batch a crash cut short.  Read from
 * the end, a window at a time. */
static int
find_last_end(const struct state_lazy *lz, size_t len, size_t *last)
{
	size_t win = 1 << 16;
	char *buf = NULL;

	*last = 0;
	for (;;) {
		size_t n = win < len ? win : len, start = len - n;

		buf = xrealloc(buf, n + 1);
		if (src_read(lz, (off_t)start, buf, n) != 0) {
			free(buf);
			return -1;
		}
		for (size_t i = n; i >= 4; i--) {
			if (memcmp(buf + i - 4, "end\n", 4) == 0 &&
			    ((start + i == 4) || (i >= 5 && buf[i - 5] == '\n'))) {
				*last = start + i;
				free(buf);
				return 0;
			}
		}
		if (n == len)
			break;
		win *= 4;
	}
	free(buf);
	return 0;
}

#define CHUNK (256u << 10)

/* One record line at `off` (not NUL-terminated in `line`). */
static int
parse_line(struct parser *p, const char *line, size_t n, off_t off, int lineno)
{
	struct line_ref ref = {off, (uint32_t)n, lineno};
	int lz = 1;

	if (p->version >= 2 && line[0] == 'p')
		lz = lazy_peer(p, line, n, ref);
	else if (p->version >= 2 && line[0] == 's')
		lz = lazy_sent(p, line, n, ref);
	if (lz < 0)
		return -1;
	if (lz == 0)
		return 0;
	/* Parsed now, in a copy that lives as long as the state. */
	{
		char *copy = arena_alloc_raw(p->arena, n + 1);

		memcpy(copy, line, n);
		copy[n] = '\0';
		return parse_record(p, copy, n);
	}
}

/* Read the checklist from st->lazy's source (`len` bytes). */
static int
parse_source(struct state *st, size_t len, const char *name, struct err *e)
{
	struct parser p = {0};
	size_t last, first = 0, cap = CHUNK, pos, start;
	int lineno = 1;
	long ver = 0;
	char *buf = NULL, *q;

	snprintf(st->lazy->name, sizeof st->lazy->name, "%s", name);
	p.pred = st->lazy->pred;
	p.st = st;
	p.arena = st->arena;
	/* The first line: "padseal-checklist VERSION". */
	buf = xmalloc(cap + 1);
	{
		size_t n = len < 64 ? len : 64;

		if (src_read(st->lazy, 0, buf, n) != 0)
			goto unreadable;
		buf[n] = '\0';
		if (memchr(buf, '\0', n) != NULL)
			goto nul;
		if (n < sizeof MAGIC || memcmp(buf, MAGIC " ", sizeof MAGIC) != 0) {
			free(buf);
			return err_set(e,
				       "%s is damaged or not a padseal checklist (padseal changed nothing); the previous generation is " STATE_PREV
				       " in the same folder: put it back with  cp %s.prev %s  (or restore the folder from a backup)",
				       name, name, name);
		}
		for (q = buf + sizeof MAGIC; q < buf + n && *q >= '0' && *q <= '9'; q++)
			if (ver < 100000)
				ver = ver * 10 + (*q - '0');
		if (q == buf + sizeof MAGIC || q == buf + n || *q != '\n' || ver < 1) {
			free(buf);
			return damaged(e, name, "at line 1");
		}
		if (ver > STATE_VERSION) {
			free(buf);
			return err_set(e,
				       "%s was written by a newer padseal (format %ld, this one reads %d); padseal changed nothing: use the newer padseal",
				       name, ver, STATE_VERSION);
		}
		start = (size_t)(q - buf) + 1;
	}
	if (find_last_end(st->lazy, len, &last) != 0)
		goto unreadable;
	if (last == 0) {
		/* Count the lines, for the message. */
		size_t lines = 1;

		for (pos = 0; pos < len; pos += cap) {
			size_t n = len - pos < cap ? len - pos : cap;

			if (src_read(st->lazy, (off_t)pos, buf, n) != 0)
				goto unreadable;
			for (size_t i = 0; i < n; i++)
				lines += buf[i] == '\n';
		}
		free(buf);
		return damaged(e, name,
			       "at line %zu (it ends before its last line, \"end\": cut short)",
			       lines);
	}
	p.version = (int)ver;
	st->lazy->version = (int)ver;
	/* The lines, a chunk at a time: memory does not grow with the file. */
	for (pos = start; pos < last;) {
		size_t n = last - pos < cap ? last - pos : cap, used = 0;

		if (src_read(st->lazy, (off_t)pos, buf, n) != 0)
			goto unreadable;
		if (memchr(buf, '\0', n) != NULL)
			goto nul;
		for (;;) {
			char *line = buf + used, *nl = memchr(line, '\n', n - used);
			size_t ln;

			if (nl == NULL)
				break;
			ln = (size_t)(nl - line);
			lineno++;
			p.in_batches = first != 0;
			if (ln == 3 && memcmp(line, "end", 3) == 0) {
				if (first == 0) /* the end of the part written whole */
					first = pos + used + 4;
			} else if (ln != 0 && line[0] != '#' &&
				   parse_line(&p, line, ln, (off_t)(pos + used), lineno) != 0) {
				free(buf);
				return damaged(e, name, "at line %d: %s", lineno, p.why);
			}
			used += ln + 1;
		}
		if (used == 0) { /* a line longer than the chunk */
			cap *= 2;
			buf = xrealloc(buf, cap + 1);
			continue;
		}
		pos += used;
	}
	free(buf);
	st->version = (int)ver;
	st->base_len = (off_t)first;
	st->valid_end = (off_t)last;
	st->needs_facts = ver == 1 && st->n_peers > 0;
	return 0;
nul:
	free(buf);
	return damaged(e, name, "(it holds NUL bytes)");
unreadable:
	free(buf);
	return err_sys(e, "cannot read %s", name);
}

int
state_parse(const char *buf, size_t len, const char *name, struct state **out, struct err *e)
{
	struct state *st = state_new();
	char *copy = arena_alloc_raw(st->arena, len + 1);

	*out = NULL;
	memcpy(copy, buf, len);
	copy[len] = '\0';
	st->lazy->src_mem = copy;
	st->lazy->src_len = len;
	if (parse_source(st, len, name, e) != 0 || state_parse_all(st, e) != 0) {
		state_free(st);
		return -1;
	}
	*out = st;
	return 0;
}

/* --- writing ------------------------------------------------------------ */

struct buf {
	char *p;
	size_t len, cap;
};

static void
put(struct buf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		b->p = xrealloc(b->p, b->cap);
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void
puts_b(struct buf *b, const char *s)
{
	put(b, s, strlen(s));
}

static int
must_escape(unsigned char c)
{
	return c <= ' ' || c == '%' || c == '=' || c == 0x7f;
}

/* " key=value", the value escaped; nothing for NULL or "". */
static void
field(struct buf *b, const char *key, const char *val)
{
	const char *run;

	if (val == NULL || *val == '\0')
		return;
	put(b, " ", 1);
	puts_b(b, key);
	put(b, "=", 1);
	for (run = val; *val; val++) {
		if (must_escape((unsigned char)*val)) {
			char esc[4];

			put(b, run, (size_t)(val - run));
			snprintf(esc, sizeof esc, "%%%02X", (unsigned char)*val);
			put(b, esc, 3);
			run = val + 1;
		}
	}
	put(b, run, (size_t)(val - run));
}

static void
fmt_ident(struct buf *b, const struct st_ident *r)
{
	puts_b(b, "identity");
	field(b, "fpr", r->hex);
	field(b, "status", r->current ? "current" : "archived");
	field(b, "created", r->created);
	field(b, "archived", r->archived);
	field(b, "reason", r->reason);
	field(b, "source", r->source);
	put(b, "\n", 1);
}

static void
fmt_backup(struct buf *b, const struct st_backup *r)
{
	puts_b(b, "backup");
	field(b, "fpr", r->hex);
	field(b, "path", r->path);
	field(b, "at", r->at);
	field(b, "compat", r->compat);
	field(b, "source", r->source);
	put(b, "\n", 1);
}

static void
fmt_install(struct buf *b, const struct st_install *r)
{
	puts_b(b, "install");
	field(b, "fpr", r->hex);
	field(b, "prog", r->prog);
	field(b, "at", r->at);
	field(b, "dir", r->dir);
	field(b, "how", r->profile ? "profile" : NULL);
	field(b, "peers", r->peers);
	put(b, "\n", 1);
}

static void
fmt_sent(struct buf *b, const struct st_sent *r)
{
	puts_b(b, "sent");
	field(b, "to", r->to);
	field(b, "at", r->at);
	field(b, "how", r->how == SENT_IN_PERSON ? "in-person" : "mail");
	put(b, "\n", 1);
}

static void
fmt_peer(struct buf *b, const struct st_peer *r)
{
	char cells[KIND_COUNT + 1], shown[DIR_COUNT * KIND_COUNT + 1];
	int any_shown = 0;

	puts_b(b, "peer");
	field(b, "fpr", r->hex);
	for (size_t i = 0; i < r->n_addr; i++)
		field(b, "addr", r->addr[i]);
	field(b, "isn", r->isn); /* these three first: see lazy_peer */
	field(b, "name", r->name);
	field(b, "key", r->key);
	field(b, "from", r->not_before);
	field(b, "until", r->not_after);
	field(b, "sha1", r->sha1);
	field(b, "ca", r->ca);
	field(b, "lint", r->lint);
	field(b, "received", r->received);
	field(b, "source", r->source);
	field(b, "trusted", r->trusted ? "1" : NULL);
	field(b, "verified", verify_method_name(r->verified));
	field(b, "verified-at", r->verified_at);
	field(b, "forced", r->verified ? (r->forced ? "1" : "0") : NULL);
	field(b, "untrusted-at", r->untrusted_at);
	field(b, "superseded-by", r->superseded_by);
	field(b, "rejected-at", r->rejected_at);
	field(b, "renewed-from", r->renewed_from);
	/* The parser takes the fields in this order (fast for large homes);
	 * any order is read. */
	for (int d = 0; d < DIR_COUNT; d++) {
		int any = 0;

		for (int k = 0; k < KIND_COUNT; k++) {
			cells[k] = cell_letter(&r->cell[d][k]);
			any |= cells[k] != 't';
		}
		cells[KIND_COUNT] = '\0';
		field(b, cell_dir_name((enum cell_dir)d), any ? cells : NULL);
	}
	for (int d = 0; d < DIR_COUNT; d++)
		for (int k = 0; k < KIND_COUNT; k++)
			field(b, why_keys[d][k], r->cell[d][k].why);
	for (int d = 0; d < DIR_COUNT; d++)
		for (int k = 0; k < KIND_COUNT; k++)
			field(b, by_keys[d][k], r->cell[d][k].by);
	field(b, "test-from", r->test_from);
	for (int i = 0; i < DIR_COUNT * KIND_COUNT; i++) {
		shown[i] = r->cell[i / KIND_COUNT][i % KIND_COUNT].shown ? '1' : '0';
		any_shown |= shown[i] == '1';
	}
	shown[DIR_COUNT * KIND_COUNT] = '\0';
	field(b, "shown", any_shown ? shown : NULL);
	put(b, "\n", 1);
}

/* A record never parsed, as it was read (it was never changed). */
static void
raw_line(struct buf *b, const struct state *st, const struct line_ref *l)
{
	const char *line = line_fetch(st, l);

	if (line != NULL) {
		put(b, line, l->len);
		put(b, "\n", 1);
	}
}

static int
by_number(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* The records (all, or only the changed ones) into b. */
static void
fmt_records(struct buf *b, const struct state *st, int only_dirty)
{
	for (size_t i = 0; i < st->n_idents; i++)
		if (!only_dirty || st->idents[i]->dirty)
			fmt_ident(b, &st->idents[i]->r);
	for (size_t i = 0; i < st->n_backups; i++)
		if (!only_dirty || st->backups[i]->dirty)
			fmt_backup(b, &st->backups[i]->r);
	for (size_t i = 0; i < st->n_installs; i++)
		if (!only_dirty || st->installs[i]->dirty)
			fmt_install(b, &st->installs[i]->r);
	if (only_dirty) {
		/* In the order of the list, as a whole file has them. */
		if (st->n_dirty_sents > 1)
			qsort(st->dirty_sents, st->n_dirty_sents, sizeof *st->dirty_sents,
			      by_number);
		if (st->n_dirty_peers > 1)
			qsort(st->dirty_peers, st->n_dirty_peers, sizeof *st->dirty_peers,
			      by_number);
		for (size_t i = 0; i < st->n_dirty_sents; i++)
			fmt_sent(b, &st->lazy->sents[st->dirty_sents[i]]->r);
		for (size_t i = 0; i < st->n_dirty_peers; i++)
			fmt_peer(b, &st->peers[st->dirty_peers[i]]->rec->r);
		puts_b(b, "end\n");
		return;
	}
	/* A record never parsed was never changed: written back as read. */
	sents_ready(st);
	for (size_t i = 0; i < st->lazy->n_sents; i++) {
		if (st->lazy->sents[i]->line.len != 0)
			raw_line(b, st, &st->lazy->sents[i]->line);
		else
			fmt_sent(b, &st->lazy->sents[i]->r);
	}
	for (size_t i = 0; i < st->n_peers; i++) {
		const struct peer_head *hd = st->peers[i];

		if (hd->rec == NULL) /* never read: never changed */
			raw_line(b, st, &hd->line);
		else
			fmt_peer(b, &hd->rec->r);
	}
	puts_b(b, "end\n");
}

char *
state_format(const struct state *st, size_t *len)
{
	struct buf b = {0};
	char line[64];

	snprintf(line, sizeof line, MAGIC " %d\n", STATE_VERSION);
	puts_b(&b, line);
	puts_b(&b, "# Written by padseal: one record per line; a later record of the same\n"
		   "# certificate, address or backup replaces an earlier one. Keep a copy of\n"
		   "# the whole folder with your backups.\n");
	fmt_records(&b, st, 0);
	*len = b.len;
	return b.p;
}

/* --- the file ----------------------------------------------------------- */

static void
id_of(const struct stat *sb, struct file_id *id)
{
	id->exists = 1;
	id->dev = sb->st_dev;
	id->ino = sb->st_ino;
	id->size = sb->st_size;
	id->mtime_sec = (long)sb->st_mtim.tv_sec;
	id->mtime_nsec = sb->st_mtim.tv_nsec;
}

static int
id_same(const struct file_id *a, const struct file_id *b)
{
	return a->exists == b->exists &&
	       (!a->exists || (a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
			       a->mtime_sec == b->mtime_sec && a->mtime_nsec == b->mtime_nsec));
}

/* The identity of the checklist file now (exists 0 when there is none). */
static int
current_id(const char *path, struct file_id *id, struct err *e)
{
	struct stat sb;

	memset(id, 0, sizeof *id);
	if (lstat(path, &sb) != 0) {
		if (errno == ENOENT)
			return 0;
		return err_sys(e, "cannot read %s", path);
	}
	if (!S_ISREG(sb.st_mode))
		return err_set(e, "%s is not a regular file; padseal changed nothing", path);
	id_of(&sb, id);
	return 0;
}

int
state_stale(const struct home *h, const struct state *st)
{
	char *path = home_path(h, STATE_FILE);
	struct file_id now;
	int stale = current_id(path, &now, NULL) != 0 || !id_same(&now, &st->id);

	free(path);
	return stale;
}

int
state_load(const struct home *h, struct state **out, struct err *e)
{
	char *path = home_path(h, STATE_FILE);
	struct file_id id;
	struct state *st = NULL;
	int fd = -1, rc = -1;

	*out = NULL;
	if (current_id(path, &id, e) != 0)
		goto out;
	if (!id.exists) {
		char *prev = home_path(h, STATE_PREV);
		int lost = path_exists(prev);

		free(prev);
		if (lost) {
			err_set(e,
				"the checklist in %s is missing but its previous version is there; padseal changed nothing: put it back with  cp %s/" STATE_PREV
				" %s/" STATE_FILE,
				h->dir, h->dir, h->dir);
			goto out;
		}
		*out = state_new();
		rc = 0;
		goto out;
	}
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		err_sys(e, "cannot read %s", path);
		goto out;
	}
	st = state_new();
	st->lazy->src_fd = fd; /* the state keeps it: lines are read when used */
	fd = -1;
	/* A large home's records fill about twice the file (its heads, and
	 * for the lists the file itself and every record): one chunk, mapped
	 * now and touched only where used. */
	if (id.size >= (off_t)ARENA_RESERVE_FROM)
		arena_reserve(st->arena, (size_t)id.size * 5 / 2);
	if (parse_source(st, (size_t)id.size, path, e) != 0)
		goto out;
	st->id = id;
	if (st->needs_facts && peer_facts_from_files(h, st, e) != 0)
		goto out;
	*out = st;
	st = NULL;
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	state_free(st);
	free(path);
	return rc;
}

static size_t
n_dirty(const struct state *st)
{
	size_t n = st->n_dirty_peers + st->n_dirty_sents;

	for (size_t i = 0; i < st->n_idents; i++)
		n += st->idents[i]->dirty != 0;
	for (size_t i = 0; i < st->n_backups; i++)
		n += st->backups[i]->dirty != 0;
	for (size_t i = 0; i < st->n_installs; i++)
		n += st->installs[i]->dirty != 0;
	return n;
}

static void
clean(struct state *st)
{
	for (size_t i = 0; i < st->n_idents; i++)
		st->idents[i]->dirty = 0;
	for (size_t i = 0; i < st->n_backups; i++)
		st->backups[i]->dirty = 0;
	for (size_t i = 0; i < st->n_installs; i++)
		st->installs[i]->dirty = 0;
	for (size_t i = 0; i < st->n_dirty_sents; i++)
		st->lazy->sents[st->dirty_sents[i]]->dirty = 0;
	for (size_t i = 0; i < st->n_dirty_peers; i++)
		st->peers[st->dirty_peers[i]]->rec->dirty = 0;
	st->n_dirty_sents = st->n_dirty_peers = 0;
}

static int
write_error(struct err *e, const char *path)
{
	if (errno == ENOSPC || errno == EDQUOT || errno == EFBIG)
		return err_sys(e, "cannot write %s: the disk is full", path);
	return err_sys(e, "cannot write %s", path);
}

/* Add the batch at st->valid_end, cutting off a batch a crash left
 * unfinished; on failure the file is cut back to what it was. */
static int
append(const char *path, struct state *st, const char *batch, size_t len, struct err *e)
{
	struct stat sb;
	int fd, rc = -1;

	if ((fd = open(path, O_WRONLY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return write_error(e, path);
	if (fstat(fd, &sb) != 0 || sb.st_ino != st->id.ino || sb.st_dev != st->id.dev) {
		err_set(e,
			"%s was replaced while padseal worked; padseal changed nothing: try again",
			path);
		goto out;
	}
	if (sb.st_size != st->valid_end && ftruncate(fd, st->valid_end) != 0) {
		write_error(e, path);
		goto out;
	}
	for (size_t done = 0; done < len;) {
		ssize_t n = pwrite(fd, batch + done, len - done, st->valid_end + (off_t)done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = ENOSPC;
			write_error(e, path);
			(void)ftruncate(fd, st->valid_end);
			goto out;
		}
		done += (size_t)n;
	}
	if (fdatasync(fd) != 0) {
		write_error(e, path);
		(void)ftruncate(fd, st->valid_end);
		goto out;
	}
	if (fstat(fd, &sb) == 0)
		id_of(&sb, &st->id);
	st->valid_end += (off_t)len;
	rc = 0;
out:
	close(fd);
	return rc;
}

int
state_save(const struct home *h, struct state *st, struct err *e)
{
	char *path, *text;
	struct buf batch = {0};
	size_t len;
	int rc;

	if (n_dirty(st) == 0)
		return 0;
	if (state_damage(st, e) != 0)
		return -1; /* never write what was read from a damaged record */
	path = home_path(h, STATE_FILE);
	fmt_records(&batch, st, 1);
	if (st->version == STATE_VERSION && st->id.exists &&
	    (size_t)(st->valid_end - st->base_len) + batch.len <=
		    ((size_t)st->base_len > APPEND_FLOOR ? (size_t)st->base_len : APPEND_FLOOR)) {
		rc = append(path, st, batch.p, batch.len, e);
	} else {
		struct file_id id;

		text = state_format(st, &len);
		/* A line that could not be read again would be lost: refuse. */
		rc = state_damage(st, e) != 0 ?
			     -1 :
			     file_write_atomic(path, text, len, FILE_KEEP_PREV, e);
		free(text);
		if (rc == 0 && current_id(path, &id, e) == 0) {
			st->id = id;
			st->version = STATE_VERSION;
			st->base_len = st->valid_end = (off_t)len;
		}
	}
	if (rc == 0)
		clean(st);
	free(batch.p);
	free(path);
	return rc;
}
