/* state_int — what state.c (records, indexes) and state_file.c (the file)
 * share.  Nothing else includes this. */
#ifndef PADSEAL_STATE_INT_H
#define PADSEAL_STATE_INT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "state.h"

struct chunk;
struct arena {
	struct chunk *head;
};
void *arena_alloc(struct arena *a, size_t n);     /* zeroed */
void *arena_alloc_raw(struct arena *a, size_t n); /* not (but fresh memory is) */
/* Room for `n` more bytes in one chunk (a large file about to be read). */
void arena_reserve(struct arena *a, size_t n);
#define ARENA_RESERVE_FROM (1u << 20)
const char *arena_strndup(struct arena *a, const char *s, size_t n);
/* Take over the chunks of another arena (the list `list` starts). */
void arena_adopt(struct arena *a, struct chunk *list);
void arena_free(struct arena *a);

/* More than the checklist's keys (state_file.c's enum key). */
#define STATE_KEYS_MAX 96

/* Keys to record numbers; a key may hold several.  Keys are borrowed
 * (they live in the arena). */
struct ix_node {
	const char *key;
	uint32_t hash;
	uint32_t val;
	uint32_t next; /* node number + 1, 0 at the end */
};
struct ix {
	uint32_t *head; /* per bucket: node number + 1 */
	size_t nb;      /* buckets, a power of two */
	struct ix_node *nodes;
	size_t n, cap;
	int icase; /* keys compare ignoring case */
};
void ix_add(struct ix *x, const char *key, uint32_t val);
/* The next value of `key` after *it (0 to start); 0 when there is none. */
int ix_next(const struct ix *x, const char *key, size_t *it, uint32_t *val);
void ix_free(struct ix *x);
/* Room for `n` keys in all, without growing as they are added. */
void ix_reserve(struct ix *x, size_t n);

/* Each record, with whether it changed since the file was read. */
struct ident_rec {
	struct st_ident r;
	int dirty;
};
struct backup_rec {
	struct st_backup r;
	int dirty;
};
struct install_rec {
	struct st_install r;
	int dirty;
};
/* Correspondents and sent records are many in a large home: they are read
 * lazily.  Loading keeps only what starts their line (the fingerprint, the
 * addresses, the issuer-and-serial key) and where the line is in the file;
 * the line is read again and parsed the first time the record is used
 * (peer_ready, sent_ready), and saving writes an untouched one back as it
 * was.  The file stays open (a snapshot: padseal replaces it by renaming,
 * or appends after what was read), so memory does not grow with it. */
struct line_ref {
	off_t off;
	uint32_t len; /* 0: no line (parsed already, or made new) */
	int lineno;
};
struct sent_rec {
	struct st_sent r;
	struct line_ref line;
	uint32_t index; /* its place in the list */
	int dirty;
};
/* A correspondent: what its line starts with, kept for every one, and
 * the whole record, made when it is first used. */
struct peer_rec {
	struct st_peer r; /* first: a st_peer pointer is a peer_rec pointer */
	uint32_t index;
	int dirty;
};
struct peer_head {
	char hex[FPR_HEX_LEN];
	char isn[ISN_LEN];
	const char *const *addr;
	size_t n_addr;
	struct line_ref line; /* where to read the record (len 0: rec holds it) */
	struct peer_rec *rec; /* NULL until read */
	uint32_t index;       /* its place in the list */
};

/* What reading lazily changes: kept apart, so that readers of a const
 * state can do it. */
struct state_lazy {
	char name[4096];   /* the file, for messages */
	struct err damage; /* the first record found damaged */
	int version;
	struct sent_rec **sents; /* sent records, indexed */
	size_t n_sents, cap_sents;
	struct ix sent_ix;
	/* Sent lines as loading found them (the address and where the line
	 * is), made records and indexed only when a sent record is first
	 * asked for (sents_ready): reading one message never asks. */
	/* The key that followed each key (and the first of a peer line, of a
	 * sent line, of another) the last time: lines of one kind have their
	 * keys in one order, so the next is found in one comparison. */
	uint8_t pred[STATE_KEYS_MAX + 3]; /* none: 0xff */
	int sent_defer;
	struct sent_pending {
		const char *to;
		struct line_ref ref;
	} * pend;
	size_t n_pend, cap_pend;
	/* Correspondents by fingerprint, address and issuer-and-serial.  A
	 * command that looks up a few (reading one message) scans the list;
	 * the indexes are built at the LOOKUPS_BEFORE_INDEX-th lookup, for
	 * those that look up many (the lists, the wizard). */
	struct ix by_hex, by_addr, by_isn;
	int indexed; /* which are built (bits, state.c) */
	unsigned lookups;
	/* Where the lines are: the file, or a copy in memory (state_parse,
	 * or the whole file read at once by state_parse_all).  The copy is
	 * the state's own: a line used for the last time is parsed in place
	 * (line_use). */
	int src_fd;
	char *src_mem;
	size_t src_len;
};
/* Line `l` read again, NUL-terminated, in the arena; NULL when it cannot be
 * (the file changed under padseal: recorded as damage). */
char *line_fetch(const struct state *st, const struct line_ref *l);
/* The same for a line read for the last time (its record is being made):
 * in place when the source is in memory, else a copy. */
char *line_use(const struct state *st, const struct line_ref *l);
#define LOOKUPS_BEFORE_INDEX 16
/* Build the indexes now (the lists, which look up every record). */
void state_index(const struct state *st);

/* The file as it was read or last written, to see whether another process
 * changed it and where the next batch goes. */
struct file_id {
	int exists;
	dev_t dev;
	ino_t ino;
	off_t size;
	long mtime_sec, mtime_nsec;
};

struct state {
	struct arena *arena; /* records and their strings */
	struct ident_rec **idents;
	size_t n_idents, cap_idents;
	struct backup_rec **backups;
	size_t n_backups, cap_backups;
	struct install_rec **installs;
	size_t n_installs, cap_installs;
	struct peer_head **peers;
	size_t n_peers, cap_peers;
	/* The file. */
	int version; /* of the file read: 0 none, 1 or 2 */
	struct file_id id;
	off_t valid_end; /* after the last "end": where a batch goes */
	off_t base_len;  /* the whole-file part (up to the first "end") */
	int needs_facts; /* version 1: peers lack their certificate facts */
	/* The correspondents and sent records changed since the last save, by
	 * their places (a save costs what changed, not the size of the home). */
	uint32_t *dirty_peers, *dirty_sents;
	size_t n_dirty_peers, cap_dirty_peers, n_dirty_sents, cap_dirty_sents;
	struct state_lazy *lazy;
};

/* Parse a record read lazily (state_file.c); a damaged one is recorded in
 * st->lazy->damage and keeps what its line's start said. */
void peer_ready(const struct state *st, struct peer_head *hd);
/* Make the sent records that loading left pending (state.c). */
void sents_ready(const struct state *st);
void sent_ready(const struct state *st, struct sent_rec *r);

/* Find or add a record (not marked changed: for the parser). */
struct ident_rec *state_ident_slot(struct state *st, const char *hex);
struct backup_rec *state_backup_slot(struct state *st, const char *hex, const char *path);
struct install_rec *state_install_slot(struct state *st, const char *hex, const char *prog);
struct sent_rec *state_sent_slot(const struct state *st, const char *addr);
/* The same without reading anything lazily (for the loader). */
struct sent_rec *state_sent_slot_raw(const struct state *st, const char *addr);
/* Add a correspondent to the list (and the indexes when they exist). */
void state_peer_insert(struct state *st, struct peer_head *hd);
/* The correspondent of `hex` (read or not), or NULL. */
struct peer_head *state_peer_raw(const struct state *st, const char *hex);
/* A new head for a record made or parsed whole. */
struct peer_head *peer_head_of(struct arena *a, struct peer_rec *r);

#endif
