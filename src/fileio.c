#include "config.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "fileio.h"
#include "xalloc.h"

char *
path_join(const char *dir, const char *name)
{
	size_t a = strlen(dir), b = strlen(name);
	char *p = xmalloc(a + b + 2);

	memcpy(p, dir, a);
	p[a] = '/';
	memcpy(p + a + 1, name, b + 1);
	return p;
}

int
path_exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

static void
human_size(char *buf, size_t len, unsigned long long n)
{
	if (n >= (1ull << 20))
		snprintf(buf, len, "%llu MiB", n >> 20);
	else if (n >= 1024)
		snprintf(buf, len, "%llu KiB", n >> 10);
	else
		snprintf(buf, len, "%llu bytes", n);
}

static int
read_opened(const char *path, int home, size_t max, unsigned char **out, size_t *len, struct err *e)
{
	unsigned char *buf = NULL;
	struct stat st;
	size_t got = 0;
	int fd, rc = -1;

	*out = NULL;
	*len = 0;
	/* O_NONBLOCK: a FIFO planted in the home must not hang the open. */
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | (home ? O_NOFOLLOW | O_NONBLOCK : 0))) < 0) {
		if (errno == ENOENT)
			return err_sys(e, "%s does not exist", path);
		if (home && errno == ELOOP)
			return err_set(e,
				       "%s is a symbolic link, which padseal does not follow in its home; remove it or put the real file there",
				       path);
		return err_sys(e, "cannot open %s", path);
	}
	if (fstat(fd, &st) != 0) {
		err_sys(e, "cannot read %s", path);
		goto out;
	}
	if (home && !S_ISREG(st.st_mode)) {
		err_set(e, "%s is not a regular file; padseal changed nothing", path);
		goto out;
	}
	if (S_ISDIR(st.st_mode)) {
		err_set(e, "%s is a directory, not a file", path);
		goto out;
	}
	if (S_ISREG(st.st_mode) && (unsigned long long)st.st_size > max) {
		char a[32], b[32];

		human_size(a, sizeof a, (unsigned long long)st.st_size);
		human_size(b, sizeof b, max);
		err_set(e, "%s is too large (%s; at most %s is accepted)", path, a, b);
		goto out;
	}
	/* A regular file is read into one buffer of its size (one byte more
	 * to see the end); pipes and special files grow by doubling. */
	for (size_t cap = 0;;) {
		ssize_t n;

		if (got == cap) {
			size_t ncap = cap ? cap * 2 : 65536;

			if (cap == 0 && S_ISREG(st.st_mode) && st.st_size > 0)
				ncap = (size_t)st.st_size + 1;
			unsigned char *nb;

			if (cap > max) {
				char b[32];

				human_size(b, sizeof b, max);
				err_set(e, "%s is too large (at most %s is accepted)", path, b);
				goto out;
			}
			nb = xmalloc(ncap + 1);
			if (buf != NULL) {
				memcpy(nb, buf, got);
				OPENSSL_cleanse(buf, got);
				free(buf);
			}
			buf = nb;
			cap = ncap;
		}
		n = read(fd, buf + got, cap - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err_sys(e, "cannot read %s", path);
			goto out;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	if (got > max) {
		char b[32];

		human_size(b, sizeof b, max);
		err_set(e, "%s is too large (at most %s is accepted)", path, b);
		goto out;
	}
	if (got == 0) {
		err_set(e, "%s is empty", path);
		goto out;
	}
	buf[got] = '\0';
	*out = buf;
	*len = got;
	buf = NULL;
	rc = 0;
out:
	if (buf != NULL) {
		OPENSSL_cleanse(buf, got);
		free(buf);
	}
	close(fd);
	return rc;
}

int
file_read(const char *path, size_t max, unsigned char **out, size_t *len, struct err *e)
{
	return read_opened(path, 0, max, out, len, e);
}

int
file_read_home(const char *path, size_t max, unsigned char **out, size_t *len, struct err *e)
{
	return read_opened(path, 1, max, out, len, e);
}

void
file_free_secret(unsigned char *buf, size_t len)
{
	if (buf != NULL)
		OPENSSL_clear_free(buf, len + 1);
}

int
fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int rc;

	if (fd < 0)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

static int
write_all(int fd, const void *data, size_t len)
{
	const unsigned char *p = data;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Move `tmp` to `path` unless `path` exists, atomically.  link() is the
 * classic way; file systems without hard links (FAT and exFAT on USB
 * sticks, where backups go) get renameat2(RENAME_NOREPLACE). */
static int
place_noclobber(const char *tmp, const char *path)
{
	if (link(tmp, path) == 0) {
		unlink(tmp);
		return 0;
	}
	if (errno != EPERM && errno != EOPNOTSUPP && errno != ENOSYS)
		return -1;
	return renameat2(AT_FDCWD, tmp, AT_FDCWD, path, RENAME_NOREPLACE);
}

/* Make the current `path` also `path`.prev: a hard link made under a
 * temporary name and renamed over the old .prev, so each step is atomic. */
static int
keep_prev(const char *path, struct err *e)
{
	char *prev, *ptmp;
	int rc = 0;

	if (!path_exists(path))
		return 0;
	prev = xasprintf("%s.prev", path);
	ptmp = xasprintf("%s.prev.tmp", path);
	unlink(ptmp);
	if (link(path, ptmp) != 0 || rename(ptmp, prev) != 0)
		rc = err_sys(e, "cannot keep the previous version of %s", path);
	unlink(ptmp); /* gone after a rename; left over otherwise */
	free(prev);
	free(ptmp);
	return rc;
}

int
file_is_temp_name(const char *name)
{
	size_t n = strlen(name), m = strlen(FILE_TEMP_MARK);

	if (name[0] != '.' || n < 2 + m + 6 || strncmp(name + n - 6 - m, FILE_TEMP_MARK, m) != 0)
		return 0;
	for (size_t i = n - 6; i < n; i++)
		if (!isalnum((unsigned char)name[i]))
			return 0;
	return 1;
}

/* Does `name` in `dfd` still name the file open as `fd`? */
static int
same_file(int dfd, const char *name, int fd)
{
	struct stat a, b;

	return fstat(fd, &a) == 0 && fstatat(dfd, name, &b, AT_SYMLINK_NOFOLLOW) == 0 &&
	       a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

void
file_sweep_temps(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		struct stat st;
		int fd;

		if (!file_is_temp_name(de->d_name))
			continue;
		fd = openat(dirfd(d), de->d_name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
		if (fd < 0)
			continue;
		/* Its writer holds the lock until the file is in place: one we
		 * can lock belongs to a writer that is gone.  Removed while
		 * locked, and only if the name is still that file. */
		if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_uid == geteuid() &&
		    flock(fd, LOCK_EX | LOCK_NB) == 0 && same_file(dirfd(d), de->d_name, fd))
			(void)unlinkat(dirfd(d), de->d_name, 0);
		close(fd);
	}
	closedir(d);
}

/* mkstemp for "DIR/.BASE.padseal-XXXXXX", locked (see file_sweep_temps).
 * A sweeper may remove the file between mkstemp and flock: then the name
 * no longer names it, and another is made. */
static int
make_temp(const char *dir, const char *base, char **out)
{
	for (int tries = 0; tries < 16; tries++) {
		char *tmp = xasprintf("%s/.%s" FILE_TEMP_MARK "XXXXXX", dir, base);
		int fd = mkstemp(tmp);

		if (fd < 0) {
			free(tmp);
			return -1;
		}
		if (flock(fd, LOCK_EX) != 0) {
			int saved = errno;

			unlink(tmp);
			close(fd);
			free(tmp);
			errno = saved;
			return -1;
		}
		if (same_file(AT_FDCWD, tmp, fd)) {
			*out = tmp;
			return fd;
		}
		close(fd);
		free(tmp);
	}
	errno = EAGAIN;
	return -1;
}

int
file_write_atomic(const char *path, const void *data, size_t len, int flags, struct err *e)
{
	char *dcopy = xstrdup(path), *bcopy = xstrdup(path);
	const char *dir = dirname(dcopy), *base = basename(bcopy);
	char *tmp = NULL;
	int fd = -1, rc = -1;

	if (flags & FILE_SWEEP)
		file_sweep_temps(dir);
	if ((fd = make_temp(dir, base, &tmp)) < 0) {
		if (errno == ENOENT)
			err_sys(e, "cannot write %s: the folder %s does not exist", path, dir);
		else if (errno == ENOTDIR)
			err_sys(e, "cannot write %s: %s is not a folder", path, dir);
		else
			err_sys(e, "cannot write %s: the folder %s is not writable", path, dir);
		goto out;
	}
	if (fchmod(fd, 0600) != 0 || write_all(fd, data, len) != 0 || fsync(fd) != 0) {
		if (errno == ENOSPC || errno == EDQUOT || errno == EFBIG)
			err_sys(e, "cannot write %s: the disk is full", path);
		else
			err_sys(e, "cannot write %s", path);
		goto out;
	}
	/* fd stays open (its lock held) until the file is in place; after
	 * the fsync its close has nothing left to report. */
	if (flags & FILE_NOCLOBBER) {
		if (place_noclobber(tmp, path) != 0) {
			if (errno == EEXIST)
				err_set(e, "%s already exists; padseal does not overwrite it",
					path);
			else
				err_sys(e, "cannot create %s", path);
			goto out;
		}
	} else {
		if ((flags & FILE_KEEP_PREV) && keep_prev(path, e) != 0)
			goto out;
		if (rename(tmp, path) != 0) {
			err_sys(e, "cannot replace %s", path);
			goto out;
		}
	}
	free(tmp);
	tmp = NULL;
	close(fd);
	fd = -1;
	if (fsync_dir(dir) != 0) {
		err_sys(e, "cannot flush the folder %s to disk", dir);
		goto out;
	}
	rc = 0;
out:
	if (tmp != NULL) {
		unlink(tmp); /* while still locked: no sweeper takes it first */
		free(tmp);
	}
	if (fd >= 0)
		close(fd);
	free(dcopy);
	free(bcopy);
	return rc;
}

int
dir_ensure(const char *path, struct err *e)
{
	char buf[PATH_MAX];
	size_t len = strlen(path);

	if (len == 0 || len >= sizeof buf)
		return err_set(e, "the folder name \"%s\" is not usable", path);
	memcpy(buf, path, len + 1);
	for (char *p = buf + 1;; p++) {
		if (*p == '/' || *p == '\0') {
			char saved = *p;
			struct stat st;

			*p = '\0';
			/* chmod: the umask may have taken bits mkdir was given. */
			if (mkdir(buf, 0700) == 0 ? chmod(buf, 0700) != 0 : errno != EEXIST)
				return err_sys(e, "cannot create the folder %s", buf);
			if (stat(buf, &st) != 0 || !S_ISDIR(st.st_mode))
				return err_set(e, "%s is not a folder", buf);
			*p = saved;
			if (saved == '\0')
				break;
		}
	}
	return 0;
}

/* DIR/NAME as one word for sh: in single quotes, each ' as '\'' (a folder
 * with spaces, quotes, $ or ` pastes as it is).  Free it. */
char *
path_sh_quoted(const char *dir, const char *name)
{
	size_t n = 3 + strlen(name);
	char *q, *o;

	for (const char *p = dir; *p; p++)
		n += *p == '\'' ? 4 : 1;
	o = q = xmalloc(n + 2);
	*o++ = '\'';
	for (const char *p = dir; *p; p++)
		if (*p == '\'') {
			memcpy(o, "'\\''", 4);
			o += 4;
		} else
			*o++ = *p;
	snprintf(o, n + 2 - (size_t)(o - q), "/%s'", name);
	return q;
}
