/* mailbox — local mailboxes: .eml folders, Maildir, mbox, .emlx (see
 * mailbox.h; IMAP is in mailbox_imap.c). */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "mailbox.h"
#include "xalloc.h"

size_t
mbx_head_len(const unsigned char *p, size_t len)
{
	for (size_t i = 0; i + 1 < len; i++) {
		if (p[i] != '\n')
			continue;
		if (p[i + 1] == '\n')
			return i + 2;
		if (p[i + 1] == '\r' && i + 2 < len && p[i + 2] == '\n')
			return i + 3;
	}
	return len;
}

/* Give one message to the visitor. */
static int
visit(const struct mbx_visit *v, const char *where, const unsigned char *p, size_t len,
      struct err *e)
{
	if (v->want != NULL && !v->want(v->arg, p, mbx_head_len(p, len)))
		return 0;
	return v->take(v->arg, where, p, len, e);
}

/* A damaged message, said in `why`. */
static void
damage(size_t *damaged, struct err *first, const char *why)
{
	if (damaged != NULL)
		(*damaged)++;
	if (first != NULL && !first->set)
		err_set(first, "%s", why);
}

/* --- one file per message --------------------------------------------------- */

/* The message file `path` to the visitor; `emlx`: Apple's wrapping. */
static int
visit_file(const struct mbx_visit *v, const char *path, int emlx, size_t *damaged,
	   struct err *first, struct err *e)
{
	unsigned char *buf = NULL;
	size_t len = 0;
	struct err why = ERR_INIT;
	int rc = 0;

	if (file_read(path, FILE_MAX_MSG, &buf, &len, &why) != 0) {
		damage(damaged, first, why.msg);
		return 0;
	}
	if (emlx) {
		char *end;
		unsigned long n;
		size_t skip;

		errno = 0;
		n = strtoul((const char *)buf, &end, 10);
		while (*end == ' ' || *end == '\t')
			end++;
		skip = (size_t)((unsigned char *)end - buf);
		if (*end == '\r')
			skip++;
		if (errno || end == (char *)buf || skip >= len || buf[skip] != '\n' ||
		    n > len - skip - 1) {
			char why2[600];

			snprintf(why2, sizeof why2,
				 "%s is not a whole Apple Mail .emlx file: the byte count on its first line does not match the message that follows",
				 path);
			damage(damaged, first, why2);
			free(buf);
			return 0;
		}
		rc = visit(v, path, buf + skip + 1, (size_t)n, e);
	} else {
		rc = visit(v, path, buf, len, e);
	}
	free(buf);
	return rc;
}

static int
ends_with(const char *s, const char *tail)
{
	size_t n = strlen(s), t = strlen(tail);

	return n > t && strcmp(s + n - t, tail) == 0;
}

static int
by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
mailbox_folder_files(const char *dir, char ***out, size_t *count, struct err *e)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, cap = 0;

	*out = NULL;
	*count = 0;
	if (d == NULL)
		return err_sys(e, "cannot read the folder %s", dir);
	while ((de = readdir(d)) != NULL) {
		size_t len = strlen(de->d_name);

		if (de->d_name[0] == '.' || len < 5 ||
		    (strcasecmp(de->d_name + len - 4, ".eml") != 0 &&
		     strcasecmp(de->d_name + len - 4, ".msg") != 0))
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 64;
			names = xreallocarray(names, cap, sizeof *names);
		}
		names[n++] = path_join(dir, de->d_name);
	}
	closedir(d);
	if (n > 1)
		qsort(names, n, sizeof *names, by_name);
	*out = names;
	*count = n;
	return 0;
}

/* The messages of a folder, in name order. */
static int
read_eml_dir(const char *dir, const struct mbx_visit *v, size_t *damaged, struct err *first,
	     struct err *e)
{
	char **names;
	size_t n;
	int rc = 0;

	if (mailbox_folder_files(dir, &names, &n, e) != 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (rc == 0)
			rc = visit_file(v, names[i], 0, damaged, first, e);
		free(names[i]);
	}
	free(names);
	return rc;
}

/* Every file of DIR/sub (one entry at a time: a million files cost no
 * memory), or every *.emlx below `dir` with `emlx`. */
static int
read_files(const char *dir, int emlx, int depth, const struct mbx_visit *v, size_t *damaged,
	   struct err *first, struct err *e)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int rc = 0;

	if (d == NULL)
		return depth == 0 ? err_sys(e, "cannot read the folder %s", dir) : 0;
	while (rc == 0 && (de = readdir(d)) != NULL) {
		char *path;
		struct stat sb;

		if (de->d_name[0] == '.')
			continue;
		path = path_join(dir, de->d_name);
		if (lstat(path, &sb) == 0) {
			if (emlx && S_ISDIR(sb.st_mode) && depth < 12)
				rc = read_files(path, emlx, depth + 1, v, damaged, first, e);
			else if (S_ISREG(sb.st_mode) && (!emlx || ends_with(de->d_name, ".emlx")))
				rc = visit_file(v, path, emlx, damaged, first, e);
		}
		free(path);
	}
	closedir(d);
	return rc;
}

static int
read_maildir(const char *dir, const struct mbx_visit *v, size_t *damaged, struct err *first,
	     struct err *e)
{
	char *cur = path_join(dir, "cur"), *new = path_join(dir, "new");
	struct stat a, b;
	int rc;

	if (stat(dir, &a) != 0)
		rc = err_sys(e, "cannot read the Maildir %s", dir);
	else if (stat(cur, &a) != 0 || !S_ISDIR(a.st_mode) || stat(new, &b) != 0 ||
		 !S_ISDIR(b.st_mode))
		rc = err_set(e, "%s is not a Maildir: it has no cur and new folders", dir);
	else if ((rc = read_files(cur, 0, 0, v, damaged, first, e)) == 0)
		rc = read_files(new, 0, 0, v, damaged, first, e);
	free(cur);
	free(new);
	return rc;
}

/* --- mbox ------------------------------------------------------------------- */

/* Does a "From " separator line start at p? */
static int
is_from_line(const unsigned char *p, const unsigned char *end)
{
	return end - p >= 5 && memcmp(p, "From ", 5) == 0;
}

/* One message of an mbox, the ">From " quoting of its lines undone
 * (mboxrd: one '>' less before any number of '>' and "From ").  *out is
 * p itself when nothing was quoted, else a new buffer (free()). */
static void
unquote(const unsigned char *p, size_t len, unsigned char **out, size_t *outlen)
{
	unsigned char *q = NULL;
	size_t n = 0;

	*out = (unsigned char *)(uintptr_t)p;
	*outlen = len;
	for (size_t i = 0; i < len;) {
		size_t j = i, eol;
		const unsigned char *nl = memchr(p + i, '\n', len - i);

		eol = nl ? (size_t)(nl - p) + 1 : len;
		while (j < eol && p[j] == '>')
			j++;
		if (j > i && eol - j >= 5 && memcmp(p + j, "From ", 5) == 0) {
			if (q == NULL) {
				q = xmalloc(len);
				memcpy(q, p, i);
				n = i;
			}
			memcpy(q + n, p + i + 1, eol - i - 1);
			n += eol - i - 1;
		} else if (q != NULL) {
			memcpy(q + n, p + i, eol - i);
			n += eol - i;
		}
		i = eol;
	}
	if (q != NULL) {
		*out = q;
		*outlen = n;
	}
}

static int
read_mbox(const char *path, const struct mbx_visit *v, size_t *damaged, struct err *first,
	  struct err *e)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	const unsigned char *map, *p, *end;
	struct stat sb;
	size_t count = 0;
	int rc = 0;

	if (fd < 0)
		return err_sys(e, "cannot open the mbox file %s", path);
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		close(fd);
		return err_set(e, "%s is not an mbox file", path);
	}
	if (sb.st_size == 0) {
		close(fd);
		return 0; /* an empty folder */
	}
	map = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (map == MAP_FAILED)
		return err_sys(e, "cannot read the mbox file %s", path);
	madvise((void *)(uintptr_t)map, (size_t)sb.st_size, MADV_SEQUENTIAL);
	end = map + sb.st_size;
	if (!is_from_line(map, end)) {
		munmap((void *)(uintptr_t)map, (size_t)sb.st_size);
		return err_set(e, "%s is not an mbox file: it does not start with a \"From \" line",
			       path);
	}
	for (p = map; rc == 0 && p < end;) {
		const unsigned char *start = memchr(p, '\n', (size_t)(end - p)), *next = end;
		unsigned char *msg;
		size_t len;
		char where[600];

		start = start ? start + 1 : end;
		/* the next separator: "From " after a blank line */
		for (const unsigned char *q = start; q < end;) {
			const unsigned char *nl = memchr(q, '\n', (size_t)(end - q));

			if (nl == NULL)
				break;
			if (is_from_line(nl + 1, end) &&
			    (nl > start && (nl[-1] == '\n' || (nl[-1] == '\r' && nl - 1 > start &&
							       nl[-2] == '\n')))) {
				next = nl + 1;
				break;
			}
			q = nl + 1;
		}
		count++;
		len = (size_t)(next - start);
		/* the blank line before the separator belongs to the mbox */
		if (next != end && len > 0 && start[len - 1] == '\n')
			len--;
		if (next != end && len > 0 && start[len - 1] == '\r')
			len--;
		snprintf(where, sizeof where, "%s, message %zu", path, count);
		if (len == 0 || mbx_head_len(start, len) == len) {
			char why[700];

			snprintf(why, sizeof why,
				 "%s has no header block: a \"From \" line inside a message, or a message cut short",
				 where);
			damage(damaged, first, why);
		} else {
			unquote(start, len, &msg, &len);
			rc = visit(v, where, msg, len, e);
			if (msg != start)
				free(msg);
		}
		p = next;
	}
	munmap((void *)(uintptr_t)map, (size_t)sb.st_size);
	return rc;
}

int
mailbox_read(const struct mailbox *mb, const struct mbx_visit *v, size_t *damaged,
	     struct err *first_damage, struct err *e)
{
	struct stat sb;

	if (damaged != NULL)
		*damaged = 0;
	switch (mb->kind) {
	case MBX_IMAP: return mailbox_read_imap(mb->imap, v, e);
	case MBX_MBOX: return read_mbox(mb->path, v, damaged, first_damage, e);
	case MBX_MAILDIR: return read_maildir(mb->path, v, damaged, first_damage, e);
	case MBX_EMLX:
		if (stat(mb->path, &sb) != 0 || !S_ISDIR(sb.st_mode))
			return err_set(e,
				       "%s is not a folder of Apple Mail messages (.emlx); give the folder, for example ~/Library/Mail/V10",
				       mb->path);
		return read_files(mb->path, 1, 0, v, damaged, first_damage, e);
	case MBX_EML_DIR: return read_eml_dir(mb->path, v, damaged, first_damage, e);
	}
	return err_set(e, "unknown kind of mailbox");
}

/* Is the folder `dir` Apple Mail's: ~/Library/Mail, one of its V<n>
 * folders, a folder holding Messages/, or one holding .emlx files? */
static int
apple_mail(const char *dir)
{
	const char *base = strrchr(dir, '/');
	char *msgs = path_join(dir, "Messages");
	DIR *d;
	struct dirent *de;
	int found = path_exists(msgs);
	size_t n = strlen(dir);

	free(msgs);
	base = base != NULL ? base + 1 : dir;
	while (n > 1 && dir[n - 1] == '/')
		n--;
	if ((n >= 13 && strncmp(dir + n - 13, "/Library/Mail", 13) == 0) ||
	    (base[0] == 'V' && base[1] && strspn(base + 1, "0123456789") == strlen(base + 1)))
		return 1;
	d = opendir(dir);
	while (d != NULL && !found && (de = readdir(d)) != NULL)
		found = ends_with(de->d_name, ".emlx");
	if (d != NULL)
		closedir(d);
	return found;
}

void
mailbox_guess(const char *path, struct mailbox *mb)
{
	char *cur = path_join(path, "cur"), *new = path_join(path, "new");
	struct stat sb;

	memset(mb, 0, sizeof *mb);
	mb->path = path;
	if (strncmp(path, "imap://", 7) == 0 || strncmp(path, "imaps://", 8) == 0)
		mb->kind = MBX_IMAP;
	else if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode))
		mb->kind = path_exists(cur) && path_exists(new) ? MBX_MAILDIR :
			   apple_mail(path)                     ? MBX_EMLX :
								  MBX_EML_DIR;
	else
		mb->kind = MBX_MBOX;
	free(cur);
	free(new);
}

void
mailbox_of_kind(const char *path, const char *kind, struct mailbox *mb)
{
	static const char *const kinds[] = {"eml", "maildir", "mbox", "emlx", "imap"};

	mailbox_guess(path, mb);
	for (size_t i = 0; kind != NULL && i < sizeof kinds / sizeof kinds[0]; i++)
		if (strcmp(kind, kinds[i]) == 0)
			mb->kind = (enum mbx_kind)i;
}

int
mailbox_file_is_mbox(const char *path)
{
	FILE *f = fopen(path, "rb");
	char head[5];
	int mbox = f != NULL && fread(head, 1, sizeof head, f) == sizeof head &&
		   memcmp(head, "From ", 5) == 0;

	if (f != NULL)
		fclose(f);
	return mbox;
}
