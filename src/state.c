#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "state.h"
#include "xalloc.h"

#define MAGIC "padseal-checklist"

struct kv {
	char *k, *v;
};

struct rec {
	char *kind;
	struct kv *kv;
	size_t n;
	struct rec *next;
};

struct state {
	struct rec *head;
};

static int is_word(const char *s, size_t n);

struct state *
state_new(void)
{
	return xcalloc(1, sizeof(struct state));
}

static void
rec_free(struct rec *r)
{
	for (size_t i = 0; i < r->n; i++) {
		free(r->kv[i].k);
		free(r->kv[i].v);
	}
	free(r->kv);
	free(r->kind);
	free(r);
}

void
state_free(struct state *st)
{
	if (st == NULL)
		return;
	for (struct rec *r = st->head, *n; r != NULL; r = n) {
		n = r->next;
		rec_free(r);
	}
	free(st);
}

static int
kind_is(const struct rec *r, const char *kind)
{
	return kind == NULL || strcmp(r->kind, kind) == 0;
}

struct rec *
state_first(const struct state *st, const char *kind)
{
	struct rec *r = st->head;

	while (r != NULL && !kind_is(r, kind))
		r = r->next;
	return r;
}

struct rec *
state_next(struct rec *r, const char *kind)
{
	for (r = r->next; r != NULL && !kind_is(r, kind); r = r->next)
		;
	return r;
}

struct rec *
state_find(const struct state *st, const char *kind, const char *key, const char *val)
{
	for (struct rec *r = state_first(st, kind); r; r = state_next(r, kind)) {
		const char *v = rec_get(r, key);

		if (v != NULL && strcasecmp(v, val) == 0)
			return r;
	}
	return NULL;
}

struct rec *
state_add(struct state *st, const char *kind)
{
	struct rec *r = xcalloc(1, sizeof *r), **tail = &st->head;

	if (!is_word(kind, strlen(kind)))
		abort(); /* a programming error: the file could not be read back */
	r->kind = xstrdup(kind);
	while (*tail != NULL)
		tail = &(*tail)->next;
	*tail = r;
	return r;
}

void
state_del(struct state *st, struct rec *r)
{
	for (struct rec **p = &st->head; *p != NULL; p = &(*p)->next) {
		if (*p == r) {
			*p = r->next;
			rec_free(r);
			return;
		}
	}
}

const char *
rec_kind(const struct rec *r)
{
	return r->kind;
}

const char *
rec_get(const struct rec *r, const char *key)
{
	for (size_t i = 0; i < r->n; i++)
		if (strcmp(r->kv[i].k, key) == 0)
			return r->kv[i].v;
	return NULL;
}

void
rec_set(struct rec *r, const char *key, const char *val)
{
	for (size_t i = 0; i < r->n; i++) {
		if (strcmp(r->kv[i].k, key) != 0)
			continue;
		free(r->kv[i].v);
		if (val != NULL) {
			r->kv[i].v = xstrdup(val);
		} else {
			free(r->kv[i].k);
			r->kv[i] = r->kv[--r->n];
		}
		return;
	}
	if (val == NULL)
		return;
	if (!is_word(key, strlen(key)))
		abort(); /* a programming error: the file could not be read back */
	r->kv = xreallocarray(r->kv, r->n + 1, sizeof *r->kv);
	r->kv[r->n].k = xstrdup(key);
	r->kv[r->n].v = xstrdup(val);
	r->n++;
}

/* --- the file format --- */

static int
is_word(const char *s, size_t n)
{
	if (n == 0)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!islower((unsigned char)s[i]) && !isdigit((unsigned char)s[i]) && s[i] != '-' &&
		    s[i] != '_')
			return 0;
	return 1;
}

static int
must_escape(unsigned char c)
{
	return c <= ' ' || c == '%' || c == '=' || c == 0x7f;
}

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

char *
state_format(const struct state *st, size_t *len)
{
	struct buf b = {0};
	char line[64];

	snprintf(line, sizeof line, MAGIC " %d\n", STATE_VERSION);
	puts_b(&b, line);
	puts_b(&b, "# Written by padseal: one record per line; keep a copy of the "
		   "whole folder with your backups.\n");
	for (const struct rec *r = st->head; r != NULL; r = r->next) {
		puts_b(&b, r->kind);
		for (size_t i = 0; i < r->n; i++) {
			put(&b, " ", 1);
			puts_b(&b, r->kv[i].k);
			put(&b, "=", 1);
			for (const unsigned char *v = (const unsigned char *)r->kv[i].v; *v; v++) {
				if (must_escape(*v)) {
					char esc[4];

					snprintf(esc, sizeof esc, "%%%02X", *v);
					put(&b, esc, 3);
				} else {
					put(&b, (const char *)v, 1);
				}
			}
		}
		put(&b, "\n", 1);
	}
	puts_b(&b, "end\n");
	*len = b.len;
	return b.p;
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

/* Decode a %-escaped value of n bytes; NULL when malformed. */
static char *
unescape(const char *s, size_t n)
{
	char *out = xcalloc(n + 1, 1), *o = out;

	for (size_t i = 0; i < n; i++) {
		if (s[i] != '%') {
			*o++ = s[i];
			continue;
		}
		if (i + 2 >= n) {
			free(out);
			return NULL;
		}
		int hi = unhex((unsigned char)s[i + 1]), lo = unhex((unsigned char)s[i + 2]);
		if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) {
			free(out);
			return NULL;
		}
		*o++ = (char)(hi << 4 | lo);
		i += 2;
	}
	return out;
}

static int
parse_line(struct state *st, const char *s, size_t n)
{
	const char *end = s + n, *p = s;
	struct rec *r;

	while (p < end && *p != ' ')
		p++;
	if (!is_word(s, (size_t)(p - s)))
		return -1;
	{
		char *kind = xstrndup(s, (size_t)(p - s));

		r = state_add(st, kind);
		free(kind);
	}
	while (p < end) {
		const char *k, *eq, *v;
		char *key, *val;

		if (*p++ != ' ')
			return -1;
		k = p;
		while (p < end && *p != ' ')
			p++;
		if ((eq = memchr(k, '=', (size_t)(p - k))) == NULL || !is_word(k, (size_t)(eq - k)))
			return -1;
		v = eq + 1;
		if ((val = unescape(v, (size_t)(p - v))) == NULL)
			return -1;
		key = xstrndup(k, (size_t)(eq - k));
		if (rec_get(r, key) != NULL) {
			free(key);
			free(val);
			return -1;
		}
		rec_set(r, key, val);
		free(key);
		free(val);
	}
	return 0;
}

int
state_parse(const char *buf, size_t len, const char *name, struct state **out, struct err *e)
{
	struct state *st = state_new();
	const char *p = buf, *end = buf + len;
	int lineno = 0, ended = 0;
	const char *q;
	long ver = 0;

	*out = NULL;
	if (memchr(buf, '\0', len) != NULL)
		goto damaged;
	if (len < sizeof MAGIC || memcmp(buf, MAGIC " ", sizeof MAGIC) != 0)
		goto damaged;
	/* Digits and a newline, within len: buf need not be NUL-terminated. */
	for (q = buf + sizeof MAGIC; q < end && *q >= '0' && *q <= '9'; q++)
		if (ver < 100000)
			ver = ver * 10 + (*q - '0');
	if (q == buf + sizeof MAGIC || q == end || *q != '\n' || ver < 1)
		goto damaged;
	if (ver > STATE_VERSION) {
		err_set(e,
			"%s was written by a newer padseal (format %ld, this one reads %d); padseal changed nothing: use the newer padseal",
			name, ver, STATE_VERSION);
		state_free(st);
		return -1;
	}
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n;

		lineno++;
		if (nl == NULL)
			goto damaged; /* a last line without newline: cut short */
		n = (size_t)(nl - p);
		if (ended)
			goto damaged;
		if (lineno == 1 || n == 0 || *p == '#') {
			/* header, blank, comment */
		} else if (n == 3 && memcmp(p, "end", 3) == 0) {
			ended = 1;
		} else if (parse_line(st, p, n) != 0) {
			goto damaged;
		}
		p = nl + 1;
	}
	if (!ended) {
		lineno++; /* where "end" should have been */
		goto damaged;
	}
	*out = st;
	return 0;
damaged:
	state_free(st);
	if (lineno > 1)
		return err_set(e,
			       "%s is damaged at line %d (padseal changed nothing); put back the previous version " STATE_PREV
			       " from the same folder, or a backup",
			       name, lineno);
	return err_set(e,
		       "%s is damaged or not a padseal checklist (padseal changed nothing); put back the previous version " STATE_PREV
		       " from the same folder, or a backup",
		       name);
}

int
state_load(const struct home *h, struct state **out, struct err *e)
{
	char *path = home_path(h, STATE_FILE);
	unsigned char *buf = NULL;
	struct stat sb;
	size_t len;
	int rc;

	*out = NULL;
	if (!path_exists(path)) {
		char *prev = home_path(h, STATE_PREV);
		int lost = path_exists(prev);

		free(prev);
		free(path);
		if (lost)
			return err_set(e,
				       "the checklist in %s is missing but its previous version is there; padseal changed nothing: put it back with  cp %s/" STATE_PREV
				       " %s/" STATE_FILE,
				       h->dir, h->dir, h->dir);
		*out = state_new();
		return 0;
	}
	if (stat(path, &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_size == 0) {
		/* Cut to nothing: damaged, not "empty" (which hides the remedy). */
		rc = state_parse("", 0, path, out, e);
		free(path);
		return rc;
	}
	rc = file_read(path, FILE_MAX_CERT, &buf, &len, e);
	if (rc == 0)
		rc = state_parse((const char *)buf, len, path, out, e);
	free(buf);
	free(path);
	return rc;
}

int
state_save(const struct home *h, const struct state *st, struct err *e)
{
	char *path = home_path(h, STATE_FILE);
	size_t len;
	char *text = state_format(st, &len);
	int rc;

	rc = file_write_atomic(path, text, len, FILE_KEEP_PREV, e);
	free(text);
	free(path);
	return rc;
}
