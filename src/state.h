/* state — the checklist file: a small, versioned, human-readable record
 * store in the home.  One record per line, "kind key=value ...", values
 * %-escaped; the first line names the format version and the last line is
 * "end", so a truncated file is recognised.  Saving keeps the previous good
 * generation as checklist.prev.  Modules keep their own records in it
 * (identity, backup, peer, ...) and read them through typed helpers. */
#ifndef PADSEAL_STATE_H
#define PADSEAL_STATE_H

#include <stddef.h>

#include "err.h"
#include "home.h"

#define STATE_FILE    "checklist"
#define STATE_PREV    "checklist.prev"
#define STATE_VERSION 1

struct state;
struct rec;

/* Load the home's checklist; a home without one gives an empty state.  A
 * damaged file or an unknown version is an error naming the file; nothing
 * is reset.  *out is freed with state_free(). */
int state_load(const struct home *h, struct state **out, struct err *e);

/* Write the state atomically, keeping the current file as checklist.prev. */
int state_save(const struct home *h, const struct state *st, struct err *e);

/* Parse/format a buffer (what load/save use; `name` is for messages). */
int state_parse(const char *buf, size_t len, const char *name, struct state **out, struct err *e);
char *state_format(const struct state *st, size_t *len); /* free() */

struct state *state_new(void);
void state_free(struct state *st);

/* Records in file order.  `kind` NULL matches any kind. */
struct rec *state_first(const struct state *st, const char *kind);
struct rec *state_next(struct rec *r, const char *kind);
/* The first record of `kind` whose `key` equals `val`, ignoring case. */
struct rec *state_find(const struct state *st, const char *kind, const char *key, const char *val);
struct rec *state_add(struct state *st, const char *kind);
void state_del(struct state *st, struct rec *r);

const char *rec_kind(const struct rec *r);
const char *rec_get(const struct rec *r, const char *key); /* NULL if unset */
/* Set (copying) or, with val NULL, remove a field. */
void rec_set(struct rec *r, const char *key, const char *val);

#endif
