/* testutil — shared helpers for the Criterion unit tests. */
#ifndef PADSEAL_TESTUTIL_H
#define PADSEAL_TESTUTIL_H

#include <stddef.h>

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

#endif
