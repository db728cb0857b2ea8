/* fileio — whole-file reads with a size limit, atomic writes, private dirs. */
#ifndef PADSEAL_FILEIO_H
#define PADSEAL_FILEIO_H

#include <stddef.h>

#include "err.h"

#define FILE_MAX_CERT (4u << 20)   /* certificates, keys, state */
#define FILE_MAX_MSG  (512u << 20) /* messages */

enum {
	FILE_NOCLOBBER = 1, /* fail if the target exists (atomically) */
	FILE_KEEP_PREV = 2, /* keep the replaced file as <path>.prev */
	FILE_SWEEP = 4,     /* first remove what killed writers left in the folder */
};

/* The temporary file of an atomic write of NAME is ".NAME.padseal-XXXXXX"
 * beside it, flock()ed by its writer until it is in place. */
#define FILE_TEMP_MARK ".padseal-"

/* Is `name` such a temporary file's name? */
int file_is_temp_name(const char *name);

/* Remove from `dir` the temporary files of atomic writes whose writer is
 * gone (killed): regular files of ours named as above that no process
 * holds locked.  A writer at work is never disturbed.  Best effort. */
void file_sweep_temps(const char *dir);

/* Read all of `path` (at most `max` bytes).  On success *out is a
 * NUL-terminated buffer of *len bytes (the NUL not counted), to be freed with
 * free() — or file_free_secret() when it held a secret.  Errors say what a
 * person needs: missing, unreadable, empty, too large. */
int file_read(const char *path, size_t max, unsigned char **out, size_t *len, struct err *e);

/* file_read for a file of the home (a key, a certificate): a symbolic link
 * or anything but a regular file in its place is refused, never followed. */
int file_read_home(const char *path, size_t max, unsigned char **out, size_t *len, struct err *e);

/* Wipe and free a buffer from file_read. */
void file_free_secret(unsigned char *buf, size_t len);

/* Replace (or, with FILE_NOCLOBBER, create) `path` with `data` atomically:
 * a temporary file in the same directory, written with mode 0600, fsync'd,
 * renamed (or linked) over the target, then the directory fsync'd.  With
 * FILE_SWEEP the temporary files that killed writers left in that folder
 * are removed first (for folders outside the home, which the home's own
 * sweep does not reach).  With
 * FILE_KEEP_PREV the file being replaced stays as <path>.prev (only once the
 * new data is safely written).  On any failure the target is as it was and
 * the temporary file is gone. */
int file_write_atomic(const char *path, const void *data, size_t len, int flags, struct err *e);

/* Create `path` and missing parents with mode 0700. */
int dir_ensure(const char *path, struct err *e);
/* fsync the folder `dir` itself (its entries); 0 or -1 (errno set). */
int fsync_dir(const char *dir);

/* Is `path` an existing file/dir? */
int path_exists(const char *path);

/* "dir/name" in a new string (free()). */
char *path_join(const char *dir, const char *name);

/* "dir/name" as one word for sh, in single quotes (a folder with spaces,
 * quotes, $ or ` pastes as it is); free() it. */
char *path_sh_quoted(const char *dir, const char *name);

#endif
