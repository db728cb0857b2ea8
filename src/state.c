/* state — the checklist file, typed (see state.h).  This file holds the
 * records in memory, their indexes and the definitions built on them;
 * state_file.c reads and writes the file. */
#include "config.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "addr.h"
#include "state.h"
#include "state_int.h"
#include "xalloc.h"

/* --- an arena: records and their strings live as long as the state ----- */

#define ARENA_CHUNK (64u << 10)

struct chunk {
	struct chunk *next;
	size_t used, size;
	max_align_t data[];
};

void *
arena_alloc(struct arena *a, size_t n)
{
	struct chunk *c = a->head;

	n = (n + sizeof(max_align_t) - 1) & ~(sizeof(max_align_t) - 1);
	if (c == NULL || c->size - c->used < n) {
		size_t size = n > ARENA_CHUNK ? n : ARENA_CHUNK;

		c = xmalloc(sizeof *c + size);
		c->used = 0;
		c->size = size;
		c->next = a->head;
		a->head = c;
	}
	c->used += n;
	return memset((char *)c->data + c->used - n, 0, n);
}

const char *
arena_strndup(struct arena *a, const char *s, size_t n)
{
	char *d = arena_alloc(a, n + 1);

	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

void
arena_adopt(struct arena *a, struct chunk *list)
{
	struct chunk *last = list;

	if (list == NULL)
		return;
	while (last->next != NULL)
		last = last->next;
	last->next = a->head;
	a->head = list;
}

void
arena_free(struct arena *a)
{
	for (struct chunk *c = a->head, *n; c != NULL; c = n) {
		n = c->next;
		free(c);
	}
	a->head = NULL;
}

/* --- indexes: string keys to record numbers, several values per key ---- */

static uint64_t
hash_key(const char *s, int icase)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		h ^= icase ? (unsigned char)tolower(c) : c;
		h *= 1099511628211ULL;
	}
	return h ^ (h >> 29);
}

static int
key_eq(const char *a, const char *b, int icase)
{
	return icase ? strcasecmp(a, b) == 0 : strcmp(a, b) == 0;
}

static void
ix_rehash(struct ix *x, size_t nb)
{
	free(x->head);
	x->head = xcalloc(nb, sizeof *x->head);
	x->nb = nb;
	for (size_t i = 0; i < x->n; i++)
		x->nodes[i].next = 0;
	/* Insert in order, each at the end of its chain, so that values of
	 * one key come back in the order they were added. */
	for (size_t i = 0; i < x->n; i++) {
		uint32_t *p = &x->head[hash_key(x->nodes[i].key, x->icase) & (nb - 1)];

		while (*p != 0)
			p = &x->nodes[*p - 1].next;
		*p = (uint32_t)i + 1;
	}
}

void
ix_add(struct ix *x, const char *key, uint32_t val)
{
	uint32_t *p;

	if (x->n == x->cap) {
		x->cap = x->cap ? 2 * x->cap : 64;
		x->nodes = xreallocarray(x->nodes, x->cap, sizeof *x->nodes);
	}
	x->nodes[x->n] = (struct ix_node){key, val, 0};
	x->n++;
	if (x->n * 4 > x->nb * 3) {
		ix_rehash(x, x->nb ? 2 * x->nb : 128);
		return;
	}
	p = &x->head[hash_key(key, x->icase) & (x->nb - 1)];
	while (*p != 0)
		p = &x->nodes[*p - 1].next;
	*p = (uint32_t)x->n;
}

int
ix_next(const struct ix *x, const char *key, size_t *it, uint32_t *val)
{
	uint32_t n;

	if (x->nb == 0)
		return 0;
	n = *it == 0 ? x->head[hash_key(key, x->icase) & (x->nb - 1)]
	             : x->nodes[*it - 1].next;
	for (; n != 0; n = x->nodes[n - 1].next) {
		if (key_eq(x->nodes[n - 1].key, key, x->icase)) {
			*it = n;
			*val = x->nodes[n - 1].val;
			return 1;
		}
	}
	*it = 0;
	return 0;
}

void
ix_free(struct ix *x)
{
	free(x->head);
	free(x->nodes);
	memset(x, 0, sizeof *x);
}

/* --- the state ---------------------------------------------------------- */

struct state *
state_new(void)
{
	struct state *st = xcalloc(1, sizeof *st);

	st->by_addr.icase = 1;
	st->sent_ix.icase = 1;
	return st;
}

void
state_free(struct state *st)
{
	if (st == NULL)
		return;
	free(st->peers);
	free(st->idents);
	free(st->backups);
	free(st->sents);
	ix_free(&st->by_hex);
	ix_free(&st->by_addr);
	ix_free(&st->by_isn);
	ix_free(&st->sent_ix);
	arena_free(&st->arena);
	free(st);
}

const char *
state_str(struct state *st, const char *s)
{
	return s == NULL ? NULL : arena_strndup(&st->arena, s, strlen(s));
}

/* Grow one of the record lists for one more. */
#define GROW(arr, n, cap)                                                      \
	do {                                                                   \
		if ((n) == (cap)) {                                            \
			(cap) = (cap) ? 2 * (cap) : 16;                        \
			(arr) = xreallocarray((arr), (cap), sizeof *(arr));    \
		}                                                              \
	} while (0)

/* --- identities, backups, sent ------------------------------------------ */

size_t
state_n_idents(const struct state *st)
{
	return st->n_idents;
}

const struct st_ident *
state_ident(const struct state *st, size_t i)
{
	return &st->idents[i]->r;
}

const struct st_ident *
state_ident_current(const struct state *st)
{
	for (size_t i = 0; i < st->n_idents; i++)
		if (st->idents[i]->r.current)
			return &st->idents[i]->r;
	return NULL;
}

const struct st_ident *
state_ident_by_hex(const struct state *st, const char *hex)
{
	for (size_t i = 0; i < st->n_idents; i++)
		if (strcmp(st->idents[i]->r.hex, hex) == 0)
			return &st->idents[i]->r;
	return NULL;
}

struct ident_rec *
state_ident_slot(struct state *st, const char *hex)
{
	struct ident_rec *r;

	for (size_t i = 0; i < st->n_idents; i++)
		if (strcmp(st->idents[i]->r.hex, hex) == 0)
			return st->idents[i];
	r = arena_alloc(&st->arena, sizeof *r);
	snprintf(r->r.hex, sizeof r->r.hex, "%s", hex);
	GROW(st->idents, st->n_idents, st->cap_idents);
	st->idents[st->n_idents++] = r;
	return r;
}

struct st_ident *
state_ident_put(struct state *st, const char *hex)
{
	struct ident_rec *r = state_ident_slot(st, hex);

	r->dirty = 1;
	return &r->r;
}

struct st_ident *
state_ident_edit(struct state *st, const struct st_ident *r)
{
	return state_ident_put(st, r->hex);
}

size_t
state_n_backups(const struct state *st)
{
	return st->n_backups;
}

const struct st_backup *
state_backup(const struct state *st, size_t i)
{
	return &st->backups[i]->r;
}

const struct st_backup *
state_backup_newest(const struct state *st, const char *hex)
{
	const struct st_backup *best = NULL;

	for (size_t i = 0; i < st->n_backups; i++) {
		const struct st_backup *b = &st->backups[i]->r;

		if (strcmp(b->hex, hex) == 0 &&
		    (best == NULL || strcmp(b->at, best->at) >= 0))
			best = b;
	}
	return best;
}

const struct st_backup *
state_backup_last(const struct state *st)
{
	const struct st_backup *best = NULL;

	for (size_t i = 0; i < st->n_backups; i++) {
		const struct st_backup *b = &st->backups[i]->r;

		if (best == NULL || strcmp(b->at, best->at) > 0)
			best = b;
	}
	return best;
}

struct backup_rec *
state_backup_slot(struct state *st, const char *hex, const char *path)
{
	struct backup_rec *r;

	for (size_t i = 0; i < st->n_backups; i++) {
		r = st->backups[i];
		if (strcmp(r->r.hex, hex) == 0 && strcmp(r->r.path, path) == 0)
			return r;
	}
	r = arena_alloc(&st->arena, sizeof *r);
	snprintf(r->r.hex, sizeof r->r.hex, "%s", hex);
	r->r.path = state_str(st, path);
	GROW(st->backups, st->n_backups, st->cap_backups);
	st->backups[st->n_backups++] = r;
	return r;
}

struct st_backup *
state_backup_put(struct state *st, const char *hex, const char *path)
{
	struct backup_rec *r = state_backup_slot(st, hex, path);

	r->dirty = 1;
	return &r->r;
}

const struct st_sent *
state_sent_to(const struct state *st, const char *addr)
{
	size_t it = 0;
	uint32_t v;

	return ix_next(&st->sent_ix, addr, &it, &v) ? &st->sents[v]->r : NULL;
}

struct sent_rec *
state_sent_slot(struct state *st, const char *addr)
{
	size_t it = 0;
	uint32_t v;
	struct sent_rec *r;

	if (ix_next(&st->sent_ix, addr, &it, &v))
		return st->sents[v];
	r = arena_alloc(&st->arena, sizeof *r);
	r->r.to = state_str(st, addr);
	GROW(st->sents, st->n_sents, st->cap_sents);
	ix_add(&st->sent_ix, r->r.to, (uint32_t)st->n_sents);
	st->sents[st->n_sents++] = r;
	return r;
}

struct st_sent *
state_sent_put(struct state *st, const char *addr)
{
	struct sent_rec *r = state_sent_slot(st, addr);

	r->dirty = 1;
	return &r->r;
}

/* --- correspondents ----------------------------------------------------- */

size_t
state_n_peers(const struct state *st)
{
	return st->n_peers;
}

const struct st_peer *
state_peer(const struct state *st, size_t i)
{
	return &st->peers[i]->r;
}

size_t
state_peer_index(const struct state *st, const struct st_peer *p)
{
	(void)st;
	return ((const struct peer_rec *)p)->index;
}

const struct st_peer *
state_peer_by_hex(const struct state *st, const char *hex)
{
	size_t it = 0;
	uint32_t v;

	return ix_next(&st->by_hex, hex, &it, &v) ? &st->peers[v]->r : NULL;
}

const struct st_peer *
state_peer_by_addr(const struct state *st, const char *addr, size_t *it)
{
	uint32_t v;

	return ix_next(&st->by_addr, addr, it, &v) ? &st->peers[v]->r : NULL;
}

const struct st_peer *
state_peer_by_isn(const struct state *st, const char *isn, size_t *it)
{
	uint32_t v;

	return ix_next(&st->by_isn, isn, it, &v) ? &st->peers[v]->r : NULL;
}

/* A record read from the file or made new: into the list and indexes. */
void
state_peer_insert(struct state *st, struct peer_rec *r)
{
	uint32_t i = (uint32_t)st->n_peers;

	GROW(st->peers, st->n_peers, st->cap_peers);
	r->index = i;
	st->peers[st->n_peers++] = r;
	ix_add(&st->by_hex, r->r.hex, i);
	for (size_t k = 0; k < r->r.n_addr; k++)
		ix_add(&st->by_addr, r->r.addr[k], i);
	if (r->r.isn[0])
		ix_add(&st->by_isn, r->r.isn, i);
}

struct st_peer *
state_peer_add(struct state *st, const char *hex, const char *const *addr,
               size_t n_addr)
{
	struct peer_rec *r = arena_alloc(&st->arena, sizeof *r);
	const char **list = arena_alloc(&st->arena, n_addr * sizeof *list);

	snprintf(r->r.hex, sizeof r->r.hex, "%s", hex);
	for (size_t i = 0; i < n_addr; i++)
		list[i] = state_str(st, addr[i]);
	r->r.addr = list;
	r->r.n_addr = n_addr;
	r->r.name = "";
	r->dirty = 1;
	state_peer_insert(st, r);
	return &r->r;
}

struct st_peer *
state_peer_edit(struct state *st, const struct st_peer *p)
{
	struct peer_rec *r = st->peers[((const struct peer_rec *)p)->index];

	r->dirty = 1;
	return &r->r;
}

/* --- definitions ---------------------------------------------------------- */

int
state_peer_retired(const struct st_peer *p)
{
	return !p->trusted && (p->untrusted_at[0] || p->rejected_at[0]);
}

int
state_peer_has_addr(const struct st_peer *p, const char *addr)
{
	for (size_t i = 0; i < p->n_addr; i++)
		if (addr_eq(p->addr[i], addr))
			return 1;
	return 0;
}

static const char *const method_names[] = {NULL, "phone", "in-person",
                                           "other"};

const char *
verify_method_name(enum verify_method m)
{
	return method_names[m];
}

int
verify_method_parse(const char *s, enum verify_method *out)
{
	for (int m = VERIFY_PHONE; m <= VERIFY_OTHER; m++) {
		if (s != NULL && strcmp(s, method_names[m]) == 0) {
			*out = (enum verify_method)m;
			return 0;
		}
	}
	return -1;
}

static const char *const cell_names[] = {"todo", "sent", "passed", "failed"};
static const char *const kind_names[KIND_COUNT] = {
        "plain", "signed", "encrypted", "signed-encrypted"};

const char *
cell_state_name(enum cell_state c)
{
	return cell_names[c];
}

const char *
cell_kind_name(enum cell_kind k)
{
	return kind_names[k];
}

const char *
cell_dir_name(enum cell_dir d)
{
	return d == DIR_OUT ? "out" : "in";
}
