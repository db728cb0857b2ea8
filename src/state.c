/* state — the checklist file, typed (see state.h).  This file holds the
 * records in memory, their indexes and the definitions built on them;
 * state_file.c reads and writes the file. */
#include "config.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "state.h"
#include "state_int.h"
#include "xalloc.h"

/* --- an arena: records and their strings live as long as the state ----- */

#define ARENA_CHUNK     (64u << 10)
#define ARENA_CHUNK_MAX (4u << 20)

/* Chunks are mapped memory that grows as the arena does: a large home
 * fills megabytes, and the cost of fresh pages is then more than that of
 * the parsing (see map_chunk). */
struct chunk {
	struct chunk *next;
	size_t used, size, mapped;
	max_align_t data[];
};

/* Fresh mapped memory is zero, and an arena never hands out memory twice:
 * what arena_alloc_raw gives is zeroed already (a large home's records
 * fill megabytes: clearing them again cost a pass over each). */
void *
arena_alloc(struct arena *a, size_t n)
{
	return arena_alloc_raw(a, n);
}

#define HUGE_PAGE (2u << 20)

/* `n` bytes of fresh memory.  Large ones are placed on a 2 MiB boundary
 * and ask for huge pages (where the system gives them on request): a
 * 2 MiB page is one fault, not 512, and on a virtual machine each fault
 * costs more than the parsing of the page's records. */
static void *
map_chunk(size_t n, size_t *mapped)
{
	void *m;

	*mapped = n;
#ifdef MADV_HUGEPAGE
	if (n >= HUGE_PAGE) {
		size_t len = (n + HUGE_PAGE - 1) & ~(size_t)(HUGE_PAGE - 1);
		uintptr_t start, at;

		m = mmap(NULL, len + HUGE_PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			 -1, 0);
		if (m == MAP_FAILED)
			xalloc_die();
		start = (uintptr_t)m;
		at = (start + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1);
		if (at > start)
			munmap(m, at - start);
		if (at + len < start + len + HUGE_PAGE)
			munmap((void *)(at + len), start + len + HUGE_PAGE - (at + len));
		(void)madvise((void *)at, len, MADV_HUGEPAGE);
		*mapped = len;
		return (void *)at;
	}
#endif
	m = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		xalloc_die();
	return m;
}

/* A chunk of at least `size` bytes at the head of the arena. */
static struct chunk *
new_chunk(struct arena *a, size_t size)
{
	size_t mapped;
	struct chunk *c = map_chunk(sizeof *c + size, &mapped);

	c->used = 0;
	c->size = mapped - sizeof *c;
	c->mapped = mapped;
	c->next = a->head;
	a->head = c;
	return c;
}

void
arena_reserve(struct arena *a, size_t n)
{
	struct chunk *c = a->head;

	if (c == NULL || c->size - c->used < n)
		new_chunk(a, n);
}

void *
arena_alloc_raw(struct arena *a, size_t n)
{
	struct chunk *c = a->head;

	n = (n + sizeof(max_align_t) - 1) & ~(sizeof(max_align_t) - 1);
	if (c == NULL || c->size - c->used < n) {
		size_t size = c == NULL ? ARENA_CHUNK : c->size * 2;

		if (size > ARENA_CHUNK_MAX)
			size = ARENA_CHUNK_MAX;
		if (size < n)
			size = n;
		c = new_chunk(a, size);
	}
	c->used += n;
	return (char *)c->data + c->used - n;
}

const char *
arena_strndup(struct arena *a, const char *s, size_t n)
{
	char *d = arena_alloc_raw(a, n + 1);

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
		munmap(c, c->mapped);
	}
	a->head = NULL;
}

/* --- indexes: string keys to record numbers, several values per key ---- */

/* Eight bytes at a time (a large home hashes tens of thousands of keys
 * when it loads).  Fingerprints, the case-sensitive keys, differ in their
 * first digits: 16 of them make a good hash; addresses count whole and
 * ignore ASCII case. */
static uint64_t
hash_key(const char *s, int icase)
{
	uint64_t h = 0x9E3779B97F4A7C15ULL;
	size_t n = strlen(s);

	if (!icase && n > 16)
		n = 16;
	while (n > 0) {
		uint64_t w = 0;
		size_t k = n < 8 ? n : 8;

		memcpy(&w, s, k);
		if (icase) /* upper-case letters as lower (and '@' as '`': a
			      rare collision the comparison sorts out) */
			w |= 0x2020202020202020ULL;
		h = (h ^ w) * 0xFF51AFD7ED558CCDULL;
		h ^= h >> 32;
		s += k;
		n -= k;
	}
	return h;
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
		uint32_t *p = &x->head[x->nodes[i].hash & (nb - 1)];

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
	x->nodes[x->n] = (struct ix_node){key, (uint32_t)hash_key(key, x->icase), val, 0};
	x->n++;
	if (x->n * 4 > x->nb * 3) {
		ix_rehash(x, x->nb ? 2 * x->nb : 128);
		return;
	}
	p = &x->head[x->nodes[x->n - 1].hash & (x->nb - 1)];
	while (*p != 0)
		p = &x->nodes[*p - 1].next;
	*p = (uint32_t)x->n;
}

int
ix_next(const struct ix *x, const char *key, size_t *it, uint32_t *val)
{
	uint32_t n, h;

	if (x->nb == 0)
		return 0;
	/* Going on along a chain: the key is the one found before, whose hash
	 * the node holds. */
	h = *it == 0 ? (uint32_t)hash_key(key, x->icase) : x->nodes[*it - 1].hash;
	n = *it == 0 ? x->head[h & (x->nb - 1)] : x->nodes[*it - 1].next;
	for (; n != 0; n = x->nodes[n - 1].next) {
		if (x->nodes[n - 1].hash == h && key_eq(x->nodes[n - 1].key, key, x->icase)) {
			*it = n;
			*val = x->nodes[n - 1].val;
			return 1;
		}
	}
	*it = 0;
	return 0;
}

void
ix_reserve(struct ix *x, size_t n)
{
	size_t nb = x->nb ? x->nb : 128;

	if (n > x->cap) {
		x->cap = n;
		x->nodes = xreallocarray(x->nodes, x->cap, sizeof *x->nodes);
	}
	while (n * 4 > nb * 3)
		nb *= 2;
	if (nb != x->nb)
		ix_rehash(x, nb);
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

	st->arena = xcalloc(1, sizeof *st->arena);
	st->lazy = xcalloc(1, sizeof *st->lazy);
	st->lazy->damage = (struct err)ERR_INIT;
	st->lazy->src_fd = -1;
	st->lazy->by_addr.icase = 1;
	st->lazy->sent_ix.icase = 1;
	st->lazy->sent_defer = 1;
	memset(st->lazy->pred, 0xff, sizeof st->lazy->pred);
	return st;
}

void
state_free(struct state *st)
{
	if (st == NULL)
		return;
	free(st->peers);
	free(st->dirty_peers);
	free(st->dirty_sents);
	free(st->idents);
	free(st->backups);
	free(st->installs);
	free(st->lazy->sents);
	free(st->lazy->pend);
	if (st->lazy->src_fd >= 0)
		close(st->lazy->src_fd);
	ix_free(&st->lazy->by_hex);
	ix_free(&st->lazy->by_addr);
	ix_free(&st->lazy->by_isn);
	ix_free(&st->lazy->sent_ix);
	arena_free(st->arena);
	free(st->arena);
	free(st->lazy);
	free(st);
}

const char *
state_str(struct state *st, const char *s)
{
	return s == NULL ? NULL : arena_strndup(st->arena, s, strlen(s));
}

/* Grow one of the record lists for one more. */
#define GROW(arr, n, cap)                                                   \
	do {                                                                \
		if ((n) == (cap)) {                                         \
			(cap) = (cap) ? 2 * (cap) : 16;                     \
			(arr) = xreallocarray((arr), (cap), sizeof *(arr)); \
		}                                                           \
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
	r = arena_alloc(st->arena, sizeof *r);
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

		if (strcmp(b->hex, hex) == 0 && (best == NULL || strcmp(b->at, best->at) >= 0))
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
	r = arena_alloc(st->arena, sizeof *r);
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

/* A sent record for `to` (a string of the arena), found or made. */
static struct sent_rec *
sent_slot(const struct state *st, const char *to, int copy)
{
	struct state_lazy *lz = st->lazy;
	size_t it = 0;
	uint32_t v;
	struct sent_rec *r;

	if (ix_next(&lz->sent_ix, to, &it, &v))
		return lz->sents[v];
	r = arena_alloc(st->arena, sizeof *r);
	r->r.to = copy ? arena_strndup(st->arena, to, strlen(to)) : to;
	GROW(lz->sents, lz->n_sents, lz->cap_sents);
	r->index = (uint32_t)lz->n_sents;
	ix_add(&lz->sent_ix, r->r.to, (uint32_t)lz->n_sents);
	lz->sents[lz->n_sents++] = r;
	return r;
}

void
sents_ready(const struct state *st)
{
	struct state_lazy *lz = st->lazy;

	if (!lz->sent_defer)
		return;
	lz->sent_defer = 0;
	ix_reserve(&lz->sent_ix, lz->n_sents + lz->n_pend);
	/* In the order read: a later line for an address replaces the
	 * earlier one. */
	for (size_t i = 0; i < lz->n_pend; i++)
		sent_slot(st, lz->pend[i].to, 0)->line = lz->pend[i].ref;
	free(lz->pend);
	lz->pend = NULL;
	lz->n_pend = lz->cap_pend = 0;
}

size_t
state_n_installs(const struct state *st)
{
	return st->n_installs;
}

const struct st_install *
state_install(const struct state *st, size_t i)
{
	return &st->installs[i]->r;
}

const struct st_install *
state_install_of(const struct state *st, const char *hex, const char *prog)
{
	for (size_t i = 0; i < st->n_installs; i++) {
		const struct st_install *r = &st->installs[i]->r;

		if (strcmp(r->hex, hex) == 0 && strcmp(r->prog, prog) == 0)
			return r;
	}
	return NULL;
}

struct install_rec *
state_install_slot(struct state *st, const char *hex, const char *prog)
{
	struct install_rec *r;

	for (size_t i = 0; i < st->n_installs; i++) {
		r = st->installs[i];
		if (strcmp(r->r.hex, hex) == 0 && strcmp(r->r.prog, prog) == 0)
			return r;
	}
	r = arena_alloc(st->arena, sizeof *r);
	snprintf(r->r.hex, sizeof r->r.hex, "%s", hex);
	snprintf(r->r.prog, sizeof r->r.prog, "%s", prog);
	r->r.dir = "";
	r->r.peers = "";
	GROW(st->installs, st->n_installs, st->cap_installs);
	st->installs[st->n_installs++] = r;
	return r;
}

struct st_install *
state_install_put(struct state *st, const char *hex, const char *prog)
{
	struct install_rec *r = state_install_slot(st, hex, prog);

	r->dirty = 1;
	return &r->r;
}

size_t
state_n_sent(const struct state *st)
{
	sents_ready(st);
	return st->lazy->n_sents;
}

const struct st_sent *
state_sent(const struct state *st, size_t i)
{
	sents_ready(st);
	sent_ready(st, st->lazy->sents[i]);
	return &st->lazy->sents[i]->r;
}

const struct st_sent *
state_sent_to(const struct state *st, const char *addr)
{
	struct state_lazy *lz = st->lazy;
	size_t it = 0;
	uint32_t v;

	sents_ready(st);
	if (!ix_next(&lz->sent_ix, addr, &it, &v))
		return NULL;
	sent_ready(st, lz->sents[v]);
	return &lz->sents[v]->r;
}

struct sent_rec *
state_sent_slot_raw(const struct state *st, const char *addr)
{
	sents_ready(st);
	return sent_slot(st, addr, 1);
}

struct sent_rec *
state_sent_slot(const struct state *st, const char *addr)
{
	struct sent_rec *r;

	r = state_sent_slot_raw(st, addr);
	sent_ready(st, r);
	return r;
}

struct st_sent *
state_sent_put(struct state *st, const char *addr)
{
	struct sent_rec *r = state_sent_slot(st, addr);

	if (!r->dirty) {
		GROW(st->dirty_sents, st->n_dirty_sents, st->cap_dirty_sents);
		st->dirty_sents[st->n_dirty_sents++] = r->index;
	}
	r->dirty = 1;
	return &r->r;
}

/* --- correspondents ----------------------------------------------------- */

size_t
state_n_peers(const struct state *st)
{
	return st->n_peers;
}

/* The whole record of head `hd`, read now if it was not. */
static const struct st_peer *
ready(const struct state *st, struct peer_head *hd)
{
	peer_ready(st, hd);
	return &hd->rec->r;
}

const struct st_peer *
state_peer(const struct state *st, size_t i)
{
	return ready(st, st->peers[i]);
}

const char *
state_peer_hex(const struct state *st, size_t i)
{
	return st->peers[i]->hex;
}

size_t
state_peer_index(const struct state *st, const struct st_peer *p)
{
	(void)st;
	return ((const struct peer_rec *)p)->index;
}

int
state_peer_owns(const struct state *st, const struct st_peer *p)
{
	size_t i = ((const struct peer_rec *)p)->index;

	return i < st->n_peers && st->peers[i]->rec != NULL && &st->peers[i]->rec->r == p;
}

struct peer_head *
peer_head_of(struct arena *a, struct peer_rec *r)
{
	struct peer_head *hd = arena_alloc(a, sizeof *hd);

	memcpy(hd->hex, r->r.hex, sizeof hd->hex);
	memcpy(hd->isn, r->r.isn, sizeof hd->isn);
	hd->addr = r->r.addr;
	hd->n_addr = r->r.n_addr;
	hd->rec = r;
	return hd;
}

/* The indexes, as bits of lz->indexed. */
enum { IX_HEX = 1, IX_ADDR = 2, IX_ISN = 4 };

static void
index_one(struct state_lazy *lz, const struct peer_head *hd, uint32_t i, unsigned which)
{
	if (which & IX_HEX)
		ix_add(&lz->by_hex, hd->hex, i);
	for (size_t k = 0; (which & IX_ADDR) && k < hd->n_addr; k++)
		ix_add(&lz->by_addr, hd->addr[k], i);
	if ((which & IX_ISN) && hd->isn[0])
		ix_add(&lz->by_isn, hd->isn, i);
}

/* Build the indexes `which` that are not built yet. */
static void
build(const struct state *st, unsigned which)
{
	struct state_lazy *lz = st->lazy;
	size_t n_addr = 0;

	which &= ~(unsigned)lz->indexed;
	if (which == 0)
		return;
	for (size_t i = 0; (which & IX_ADDR) && i < st->n_peers; i++)
		n_addr += st->peers[i]->n_addr;
	if (which & IX_HEX)
		ix_reserve(&lz->by_hex, st->n_peers);
	if (which & IX_ADDR)
		ix_reserve(&lz->by_addr, n_addr);
	if (which & IX_ISN)
		ix_reserve(&lz->by_isn, st->n_peers);
	for (size_t i = 0; i < st->n_peers; i++)
		index_one(lz, st->peers[i], (uint32_t)i, which);
	lz->indexed |= (int)which;
}

void
state_index(const struct state *st)
{
	/* The lists look up by fingerprint and address; the issuer-and-serial
	 * index is built when first used, as it would be anyway. */
	build(st, IX_HEX | IX_ADDR);
}

/* Count a lookup; build the index `which` when indexes start to pay. */
static int
use_index(const struct state *st, unsigned which)
{
	struct state_lazy *lz = st->lazy;

	if (!(lz->indexed & (int)which) && ++lz->lookups >= LOOKUPS_BEFORE_INDEX)
		build(st, which);
	return (lz->indexed & (int)which) != 0;
}

/* A scan's position in *it: the next record's number, with this bit to
 * tell it from an index's. */
#define SCAN_BIT ((size_t)1 << (sizeof(size_t) * 8 - 1))

/* The next record after *it (0: from the start) that `match` accepts, by
 * scanning the heads; *it is updated, NULL at the end. */
static const struct st_peer *
scan(const struct state *st, size_t *it, const char *key,
     int (*match)(const struct peer_head *hd, const char *key))
{
	for (size_t i = *it & ~SCAN_BIT; i < st->n_peers; i++) {
		if (match(st->peers[i], key)) {
			*it = (i + 1) | SCAN_BIT;
			return ready(st, st->peers[i]);
		}
	}
	*it = 0;
	return NULL;
}

static int
match_hex(const struct peer_head *hd, const char *hex)
{
	return strcmp(hd->hex, hex) == 0;
}

static int
match_addr(const struct peer_head *hd, const char *addr)
{
	for (size_t i = 0; i < hd->n_addr; i++)
		if (addr_eq(hd->addr[i], addr))
			return 1;
	return 0;
}

static int
match_isn(const struct peer_head *hd, const char *isn)
{
	return strcmp(hd->isn, isn) == 0;
}

/* One lookup: by index when there is one, else by scanning. */
static const struct st_peer *
lookup(const struct state *st, const struct ix *x, const char *key, size_t *it,
       int (*match)(const struct peer_head *hd, const char *key))
{
	const struct state_lazy *lz = st->lazy;
	unsigned which = x == &lz->by_hex ? IX_HEX : x == &lz->by_addr ? IX_ADDR : IX_ISN;
	uint32_t v;

	if (*it & SCAN_BIT || (*it == 0 && !use_index(st, which)))
		return scan(st, it, key, match);
	if (!ix_next(x, key, it, &v))
		return NULL;
	return ready(st, st->peers[v]);
}

const struct st_peer *
state_peer_by_hex(const struct state *st, const char *hex)
{
	size_t it = 0;

	return lookup(st, &st->lazy->by_hex, hex, &it, match_hex);
}

const struct st_peer *
state_peer_by_addr(const struct state *st, const char *addr, size_t *it)
{
	return lookup(st, &st->lazy->by_addr, addr, it, match_addr);
}

const struct st_peer *
state_peer_by_isn(const struct state *st, const char *isn, size_t *it)
{
	return lookup(st, &st->lazy->by_isn, isn, it, match_isn);
}

struct peer_head *
state_peer_raw(const struct state *st, const char *hex)
{
	size_t it = 0;
	uint32_t v;

	if (!use_index(st, IX_HEX)) {
		for (size_t i = 0; i < st->n_peers; i++)
			if (strcmp(st->peers[i]->hex, hex) == 0)
				return st->peers[i];
		return NULL;
	}
	return ix_next(&st->lazy->by_hex, hex, &it, &v) ? st->peers[v] : NULL;
}

void
state_peer_insert(struct state *st, struct peer_head *hd)
{
	uint32_t i = (uint32_t)st->n_peers;

	GROW(st->peers, st->n_peers, st->cap_peers);
	hd->index = i;
	if (hd->rec != NULL)
		hd->rec->index = i;
	st->peers[st->n_peers++] = hd;
	if (st->lazy->indexed)
		index_one(st->lazy, hd, i, (unsigned)st->lazy->indexed);
}

/* Record `r` as changed (once). */
static void
mark_peer(struct state *st, struct peer_rec *r)
{
	if (!r->dirty) {
		GROW(st->dirty_peers, st->n_dirty_peers, st->cap_dirty_peers);
		st->dirty_peers[st->n_dirty_peers++] = r->index;
	}
	r->dirty = 1;
}

struct st_peer *
state_peer_add(struct state *st, const char *hex, const char *const *addr, size_t n_addr)
{
	struct peer_rec *r = arena_alloc(st->arena, sizeof *r);
	const char **list = arena_alloc(st->arena, n_addr * sizeof *list);

	snprintf(r->r.hex, sizeof r->r.hex, "%s", hex);
	for (size_t i = 0; i < n_addr; i++)
		list[i] = state_str(st, addr[i]);
	r->r.addr = list;
	r->r.n_addr = n_addr;
	r->r.name = "";
	state_peer_insert(st, peer_head_of(st->arena, r));
	mark_peer(st, r);
	return &r->r;
}

struct st_peer *
state_peer_edit(struct state *st, const struct st_peer *p)
{
	struct peer_head *hd = st->peers[((const struct peer_rec *)p)->index];

	peer_ready(st, hd);
	mark_peer(st, hd->rec);
	return &hd->rec->r;
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

static const char *const method_names[] = {NULL, "phone", "in-person", "other"};

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
static const char *const kind_names[KIND_COUNT] = {"plain", "signed", "encrypted",
						   "signed-encrypted"};

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
