/* testutil — shared helpers for the Criterion unit tests. */
#ifndef PADSEAL_TESTUTIL_H
#define PADSEAL_TESTUTIL_H

#include <stddef.h>
#include <time.h>

#include "session.h"

/* A fresh private temporary directory (mode 0700), malloc'd path; removed
 * with everything in it by tu_rmtree(). */
char *tu_tmpdir(void);
void tu_rmtree(const char *path);

/* Write/read whole files (abort on failure: test set-up only). */
void tu_write(const char *path, const void *data, size_t len);
char *tu_read(const char *path, size_t *len);

/* A stable digest of every file name, mode and content under `dir`, as a
 * hex string (malloc'd): equal before and after means "untouched". */
char *tu_tree_hash(const char *dir);

/* Mode bits (st_mode & 07777) of a path, or -1. */
int tu_mode(const char *path);

/* Absolute path of the real-client corpus ($PADSEAL_CORPUS); fails the test
 * when it is not set or missing.  Not malloc'd. */
const char *tu_corpus(void);

/* The time the tests take as "now" (TU_NOW_ISO), so that nothing depends
 * on the clock or on crossing a second. */
#define TU_NOW_ISO "2026-06-01T00:00:00Z"
time_t tu_now(void);

/* Passphrases for an operation, given beforehand, each request counted:
 * pass[kind] (NULL: none to be had, as with no terminal), asked[kind] how
 * often it was asked for.  The struct lives as long as the pass_ask. */
struct tu_pass {
	const char *pass[PASS_FILE + 1];
	unsigned asked[PASS_FILE + 1];
};
void tu_pass_ask(struct pass_ask *a, struct tu_pass *p);
/* How many passphrases were asked for, of any kind. */
unsigned tu_pass_asked(const struct tu_pass *p);

#endif
