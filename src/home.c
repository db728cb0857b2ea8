#include "config.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fileio.h"
#include "home.h"
#include "ident.h"
#include "peer.h"
#include "xalloc.h"

#define LOCK_NAME ".lock"

int
home_resolve(const char *opt, char **out, struct err *e)
{
	const char *env;
	char *base;

	*out = NULL;
	if (opt != NULL && *opt != '\0') {
		*out = xstrdup(opt);
		return 0;
	}
	if ((env = getenv("PADSEAL_HOME")) != NULL && *env != '\0') {
		*out = xstrdup(env);
		return 0;
	}
	if ((env = getenv("XDG_DATA_HOME")) != NULL && *env == '/') {
		*out = path_join(env, "padseal");
		return 0;
	}
	if ((env = getenv("HOME")) == NULL || *env == '\0')
		return err_set(e, "cannot find the padseal home: HOME is not set; use --home DIR");
	base = path_join(env, ".local/share");
	*out = path_join(base, "padseal");
	free(base);
	return 0;
}

static void
sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static int
take_lock(struct home *h, int op, struct err *e)
{
	for (int waited = 0;; waited += 50) {
		if (flock(h->lockfd, op | LOCK_NB) == 0)
			return 0;
		if (errno != EWOULDBLOCK && errno != EINTR)
			return err_sys(e, "cannot lock the padseal home %s", h->dir);
		if (waited >= h->lock_wait_ms)
			return err_set(e,
				       "another padseal is working in %s; try again when it has finished",
				       h->dir);
		sleep_ms(50);
	}
}

/* One sentence for a home padseal cannot write (errno says why). */
static int
not_writable(const struct home *h, struct err *e)
{
	if (errno == EROFS)
		return err_sys(e,
			       "the padseal home %s is on a read-only file system; commands that only read it work, this one needs to write",
			       h->dir);
	return err_sys(e,
		       "the padseal home %s is not writable for you; commands that only read it work, this one needs to write",
		       h->dir);
}

static int
open_lock(struct home *h, int create, struct err *e)
{
	char *p = home_path(h, LOCK_NAME);
	int flags = O_RDWR | O_NOFOLLOW | O_CLOEXEC | (create ? O_CREAT : 0);

	h->lockfd = open(p, flags, 0600);
	if (h->lockfd >= 0 && create) {
		struct stat st;

		/* A strict umask (0277) would leave a new lock unwritable. */
		if (fstat(h->lockfd, &st) == 0 && (st.st_mode & 07777) != 0600)
			(void)fchmod(h->lockfd, 0600);
	}
	/* A reader of a home it cannot write (a read-only file system, a
	 * lock of another user's) shares the lock all the same: flock needs
	 * no write access. */
	if (h->lockfd < 0 && !create && (errno == EACCES || errno == EROFS))
		h->lockfd = open(p, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	free(p);
	if (h->lockfd < 0 && !create && errno == ENOENT)
		return 0; /* never written: nothing to protect against yet */
	if (h->lockfd < 0 && errno == ELOOP)
		return err_set(e,
			       "%s/" LOCK_NAME
			       " is a symbolic link, which padseal does not follow; padseal changed nothing: remove it (rm %s/" LOCK_NAME
			       ")",
			       h->dir, h->dir);
	if (h->lockfd < 0 && create && (errno == EACCES || errno == EROFS))
		return not_writable(h, e);
	if (h->lockfd < 0)
		return err_sys(e, "cannot open the lock of the padseal home %s", h->dir);
	return 0;
}

/* The folders padseal keeps in the home must be real folders of this
 * user: O_NOFOLLOW guards only the last component of a path, and a
 * symbolic link in place of peers/ or identities/HEX/ would take every
 * file under it elsewhere.  (The home itself may be reached through
 * links; what is inside it may not.)  `path` may be missing. */
static int
check_folder(const char *path, struct err *e)
{
	struct stat st;

	if (lstat(path, &st) != 0)
		return errno == ENOENT ? 0 : err_sys(e, "cannot reach %s", path);
	if (S_ISLNK(st.st_mode))
		return err_set(e,
			       "%s is a symbolic link, which padseal does not follow in its home; padseal changed nothing: put the real folder there",
			       path);
	if (!S_ISDIR(st.st_mode))
		return err_set(e, "%s is not a folder; padseal changed nothing", path);
	if (st.st_uid != geteuid())
		return err_set(e,
			       "%s belongs to another user, so padseal does not use it and changed nothing: make it yours (chown -R) or put your own folder there",
			       path);
	return 0;
}

/* peers/, identities/ and each identities/HEX/. */
static int
check_tree(const struct home *h, struct err *e)
{
	char *p = home_path(h, PEER_DIR);
	int rc = check_folder(p, e);
	DIR *d;
	struct dirent *de;

	free(p);
	p = home_path(h, IDENT_DIR);
	if (rc == 0)
		rc = check_folder(p, e);
	if (rc != 0 || (d = opendir(p)) == NULL) {
		free(p);
		return rc;
	}
	while (rc == 0 && (de = readdir(d)) != NULL) {
		char *q;

		if (de->d_name[0] == '.' ||
		    (de->d_type != DT_DIR && de->d_type != DT_LNK && de->d_type != DT_UNKNOWN))
			continue;
		q = path_join(p, de->d_name);
		rc = check_folder(q, e);
		free(q);
	}
	closedir(d);
	free(p);
	return rc;
}

int
home_open(struct home *h, const char *dir, enum home_mode mode, struct err *e)
{
	struct stat st;

	h->dir = xstrdup(dir);
	h->lockfd = -1;
	h->writing = 0;
	h->exists = 0;
	if (h->lock_wait_ms == 0)
		h->lock_wait_ms = 3000;
	if (stat(dir, &st) == 0) {
		if (!S_ISDIR(st.st_mode))
			return err_set(e, "the padseal home %s is not a folder", dir);
		h->exists = 1;
	} else if (errno != ENOENT) {
		return err_sys(e, "cannot reach the padseal home %s", dir);
	}
	if (mode == HOME_WRITE)
		return home_upgrade(h, e);
	if (!h->exists)
		return 0;
	if (open_lock(h, 0, e) != 0 || (h->lockfd >= 0 && take_lock(h, LOCK_SH, e) != 0))
		return -1;
	return check_tree(h, e);
}

/* A temporary file of an atomic write (file_write_atomic's
 * ".NAME.padseal-XXXXXX" beside NAME, or ".NAME.XXXXXX" of earlier
 * versions) or of keeping the previous checklist ("NAME.prev.tmp"). */
static int
is_leftover(const char *name)
{
	size_t n = strlen(name);

	if (file_is_temp_name(name))
		return 1;
	if (n > 9 && strcmp(name + n - 9, ".prev.tmp") == 0)
		return 1;
	if (name[0] != '.' || n < 9 || name[n - 7] != '.')
		return 0;
	for (size_t i = n - 6; i < n; i++)
		if (!isalnum((unsigned char)name[i]))
			return 0;
	return 1;
}

/* Remove what killed writers left in `dir` and, `depth` levels down, in
 * its folders, but not in the folder named `skip` (may be NULL).  Only
 * under the exclusive lock: no writer is running. */
static void
sweep(const char *dir, int depth, const char *skip)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		char *p;
		struct stat st;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		/* An entry's type is known without a stat on most file
		 * systems: a home with 10,000 correspondents is swept by
		 * name, the stat kept for what may be a leftover. */
		if (de->d_type == DT_REG && !is_leftover(de->d_name))
			continue;
		if (de->d_type != DT_UNKNOWN && de->d_type != DT_REG &&
		    (de->d_type != DT_DIR || depth == 0))
			continue;
		p = path_join(dir, de->d_name);
		if (lstat(p, &st) == 0) {
			if (S_ISREG(st.st_mode) && is_leftover(de->d_name))
				(void)unlink(p);
			else if (S_ISDIR(st.st_mode) && depth > 0 &&
				 (skip == NULL || strcmp(de->d_name, skip) != 0))
				sweep(p, depth - 1, NULL);
		}
		free(p);
	}
	closedir(d);
}

int
home_check_writable(const struct home *h, struct err *e)
{
	if (access(h->dir, W_OK) == 0 || errno == ENOENT)
		return 0;
	return not_writable(h, e);
}

int
home_upgrade(struct home *h, struct err *e)
{
	struct stat st;
	char mark;

	if (dir_ensure(h->dir, e) != 0)
		return -1;
	h->exists = 1;
	if (stat(h->dir, &st) == 0 && (st.st_mode & 077) != 0)
		return err_set(e,
			       "the padseal home %s is open to other users; make it private with: chmod 700 %s",
			       h->dir, h->dir);
	if (home_check_writable(h, e) != 0)
		return -1;
	if (h->lockfd >= 0) {
		/* Drop the shared lock first: two readers upgrading at once
		 * would otherwise wait on each other. */
		close(h->lockfd);
		h->lockfd = -1;
	}
	if (open_lock(h, 1, e) != 0 || take_lock(h, LOCK_EX, e) != 0 || check_tree(h, e) != 0)
		return -1;
	/* The home, identities/HEX/ and peers/: temporary files of runs that
	 * were killed while writing are recognisable by name.  peers/ holds
	 * a file per correspondent: it is looked through only when the last
	 * writer did not end (its mark is still in the lock file, or a lock
	 * of an earlier version has none), so that a write costs the same in
	 * a home of 10 and of 10,000. */
	if (pread(h->lockfd, &mark, 1, 0) != 1)
		mark = '?';
	sweep(h->dir, 2, mark == '0' ? PEER_DIR : NULL);
	if (pwrite(h->lockfd, "1", 1, 0) != 1 || fdatasync(h->lockfd) != 0)
		return err_sys(e, "cannot write the lock file of the padseal home %s", h->dir);
	h->writing = 1;
	return 0;
}

void
home_unlock(struct home *h)
{
	/* A writer's temporary files are gone: the next need not look. */
	if (h->lockfd >= 0 && h->writing)
		(void)pwrite(h->lockfd, "0", 1, 0);
	h->writing = 0;
	if (h->lockfd >= 0)
		close(h->lockfd); /* releases the flock */
	h->lockfd = -1;
}

void
home_close(struct home *h)
{
	home_unlock(h);
	free(h->dir);
	h->dir = NULL;
}

char *
home_path(const struct home *h, const char *rel)
{
	return path_join(h->dir, rel);
}
