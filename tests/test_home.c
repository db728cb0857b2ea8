/* test_home — the home directory (resolution, creation, modes, lock) and the
 * file primitives under it (fileio: bounded reads, atomic writes).
 *
 * These tests run as root here and on CI.  Root ignores permission bits, so
 * "a folder padseal may not write to" is exercised through what stops root
 * too: a folder that does not exist, a file where a folder should be, a
 * directory where the file should go, and a full disk (RLIMIT_FSIZE). */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "fileio.h"
#include "home.h"
#include "testutil.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static char *tmp;
/* What an out-parameter holds before a call that must clear it. */
static char poison[] = "poison";
static unsigned char upoison[] = "poison";

static void
setup(void)
{
	tmp = tu_tmpdir();
}

static void
teardown(void)
{
	tu_rmtree(tmp);
	free(tmp);
}

static char *
in_tmp(const char *rel)
{
	return path_join(tmp, rel);
}

static void
expect_msg(const struct err *e, const char *frag)
{
	cr_expect(strstr(e->msg, frag) != NULL, "message \"%s\" lacks \"%s\"", e->msg, frag);
}

/* The entries of `dir`, sorted, joined by spaces: "" for an empty folder.
 * Catches a temporary file left behind. */
static char *
names(const char *dir)
{
	struct dirent **list;
	int n = scandir(dir, &list, NULL, alphasort);
	char *out = calloc(1, 1);
	size_t len = 0;

	cr_assert_geq(n, 0, "cannot list %s", dir);
	for (int i = 0; i < n; i++) {
		const char *d = list[i]->d_name;

		if (strcmp(d, ".") != 0 && strcmp(d, "..") != 0) {
			out = realloc(out, len + strlen(d) + 2);
			len += (size_t)sprintf(out + len, "%s%s", len ? " " : "", d);
		}
		free(list[i]);
	}
	free(list);
	return out;
}

static void
expect_names(const char *dir, const char *want)
{
	char *got = names(dir);

	cr_expect_str_eq(got, want, "%s holds \"%s\", expected \"%s\"", dir, got, want);
	free(got);
}

static void
expect_content(const char *path, const char *want)
{
	size_t len;
	char *got = tu_read(path, &len);

	cr_expect_eq(len, strlen(want), "%s: %zu bytes", path, len);
	cr_expect_str_eq(got, want, "%s changed", path);
	free(got);
}

static long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* ====================================================================== */
/* home_resolve                                                            */
/* ====================================================================== */

struct resolve_case {
	const char *opt, *padseal_home, *xdg, *home; /* NULL: unset */
	const char *want;                            /* NULL: an error */
};

static const struct resolve_case resolve_cases[] = {
	/* --home beats everything */
	{"/opt/h", "/env/h", "/xdg", "/home/u", "/opt/h"},
	{"relative/h", "/env/h", "/xdg", "/home/u", "relative/h"},
	/* then $PADSEAL_HOME */
	{NULL, "/env/h", "/xdg", "/home/u", "/env/h"},
	{"", "/env/h", "/xdg", "/home/u", "/env/h"},
	/* then $XDG_DATA_HOME/padseal (an empty one does not count) */
	{NULL, NULL, "/xdg", "/home/u", "/xdg/padseal"},
	{NULL, "", "/xdg", "/home/u", "/xdg/padseal"},
	/* then $HOME/.local/share/padseal; a relative XDG_DATA_HOME is
	 * invalid by the XDG spec and ignored */
	{NULL, NULL, NULL, "/home/u", "/home/u/.local/share/padseal"},
	{NULL, NULL, "", "/home/u", "/home/u/.local/share/padseal"},
	{NULL, NULL, "rel/xdg", "/home/u", "/home/u/.local/share/padseal"},
	/* nothing to go on */
	{NULL, NULL, NULL, NULL, NULL},
	{NULL, NULL, NULL, "", NULL},
};

static void
set_or_unset(const char *name, const char *val)
{
	if (val == NULL)
		cr_assert_eq(unsetenv(name), 0);
	else
		cr_assert_eq(setenv(name, val, 1), 0);
}

Test(home, resolve_order)
{
	for (size_t i = 0; i < NELEM(resolve_cases); i++) {
		const struct resolve_case *c = &resolve_cases[i];
		struct err e = ERR_INIT;
		char *out = poison;
		int rc;

		set_or_unset("PADSEAL_HOME", c->padseal_home);
		set_or_unset("XDG_DATA_HOME", c->xdg);
		set_or_unset("HOME", c->home);
		rc = home_resolve(c->opt, &out, &e);
		if (c->want != NULL) {
			cr_expect_eq(rc, 0, "case %zu: %s", i, e.msg);
			cr_expect_str_eq(out, c->want, "case %zu: %s", i, out);
		} else {
			cr_expect_eq(rc, -1, "case %zu", i);
			cr_expect_null(out, "case %zu", i);
			expect_msg(&e, "HOME is not set");
			expect_msg(&e, "use --home DIR");
		}
		free(rc == 0 ? out : NULL);
	}
}

/* ====================================================================== */
/* home_open: creation and modes                                           */
/* ====================================================================== */

Test(home, read_of_a_missing_home_creates_nothing, .init = setup, .fini = teardown)
{
	char *dir = in_tmp("a/b/padseal");
	struct home h = {0};
	struct err e = ERR_INIT;

	cr_expect_eq(home_open(&h, dir, HOME_READ, &e), 0, "%s", e.msg);
	cr_expect_eq(h.exists, 0);
	cr_expect_eq(h.lockfd, -1);
	home_close(&h);
	cr_expect(!path_exists(dir));
	expect_names(tmp, "");
	free(dir);
}

Test(home, read_of_a_home_without_lock_file_creates_nothing, .init = setup, .fini = teardown)
{
	char *dir = in_tmp("padseal");
	struct home h = {0};
	struct err e = ERR_INIT;

	cr_assert_eq(mkdir(dir, 0700), 0);
	cr_expect_eq(home_open(&h, dir, HOME_READ, &e), 0, "%s", e.msg);
	cr_expect_eq(h.exists, 1);
	cr_expect_eq(h.lockfd, -1);
	home_close(&h);
	cr_expect_eq(tu_mode(dir), 0700);
	expect_names(dir, "");
	free(dir);
}

static void
expect_created_private(mode_t mask)
{
	char *dir = in_tmp("x/y/padseal"), *x = in_tmp("x"), *y = in_tmp("x/y");
	char *lock = in_tmp("x/y/padseal/.lock");
	struct home h = {0};
	struct err e = ERR_INIT;

	umask(mask);
	cr_expect_eq(home_open(&h, dir, HOME_WRITE, &e), 0, "umask %03o: %s", (unsigned)mask,
		     e.msg);
	cr_expect_eq(h.exists, 1);
	cr_expect_geq(h.lockfd, 0);
	cr_expect_eq(tu_mode(x), 0700, "umask %03o: %s is %o", (unsigned)mask, x, tu_mode(x));
	cr_expect_eq(tu_mode(y), 0700, "umask %03o: %s is %o", (unsigned)mask, y, tu_mode(y));
	cr_expect_eq(tu_mode(dir), 0700, "umask %03o: %s is %o", (unsigned)mask, dir, tu_mode(dir));
	cr_expect_eq(tu_mode(lock), 0600, "umask %03o: .lock is %o", (unsigned)mask, tu_mode(lock));
	expect_names(dir, ".lock");
	home_close(&h);
	cr_expect_eq(h.lockfd, -1);
	cr_expect_null(h.dir);
	free(dir);
	free(x);
	free(y);
	free(lock);
}

Test(home, write_creates_the_home_0700_with_parents_under_umask_0, .init = setup, .fini = teardown)
{
	expect_created_private(0);
}

Test(home, write_creates_the_home_0700_under_a_strict_umask, .init = setup, .fini = teardown)
{
	expect_created_private(0277);
}

Test(home, write_into_an_existing_private_home, .init = setup, .fini = teardown)
{
	char *dir = in_tmp("padseal"), *f = in_tmp("padseal/checklist");
	struct home h = {0};
	struct err e = ERR_INIT;

	cr_assert_eq(mkdir(dir, 0700), 0);
	tu_write(f, "keep me", 7);
	cr_expect_eq(home_open(&h, dir, HOME_WRITE, &e), 0, "%s", e.msg);
	cr_expect_eq(h.exists, 1);
	home_close(&h);
	expect_content(f, "keep me");
	expect_names(dir, ".lock checklist");
	free(dir);
	free(f);
}

Test(home, an_open_home_is_refused_for_writing, .init = setup, .fini = teardown)
{
	static const mode_t modes[] = {0755, 0750, 0701, 0777};
	char *dir = in_tmp("padseal");

	cr_assert_eq(mkdir(dir, 0700), 0);
	for (size_t i = 0; i < NELEM(modes); i++) {
		struct home h = {0};
		struct err e = ERR_INIT;
		char want[600];

		cr_assert_eq(chmod(dir, modes[i]), 0);
		cr_expect_eq(home_open(&h, dir, HOME_WRITE, &e), -1, "mode %o", (unsigned)modes[i]);
		home_close(&h);
		snprintf(want, sizeof want, "make it private with: chmod 700 %s", dir);
		expect_msg(&e, want);
		expect_msg(&e, "is open to other users");
		/* Refused means untouched: no lock file, same mode. */
		expect_names(dir, "");
		cr_expect_eq(tu_mode(dir), (int)modes[i]);
	}
	free(dir);
}

Test(home, a_file_in_place_of_the_home_is_refused, .init = setup, .fini = teardown)
{
	char *dir = in_tmp("padseal");
	static const enum home_mode modes[] = {HOME_READ, HOME_WRITE};

	tu_write(dir, "x", 1);
	for (size_t i = 0; i < NELEM(modes); i++) {
		struct home h = {0};
		struct err e = ERR_INIT;

		cr_expect_eq(home_open(&h, dir, modes[i], &e), -1);
		home_close(&h);
		expect_msg(&e, dir);
		expect_msg(&e, "is not a folder");
	}
	expect_content(dir, "x");
	free(dir);
}

Test(home, path_inside_the_home, .init = setup, .fini = teardown)
{
	struct home h = {0};
	struct err e = ERR_INIT;
	char *p;

	cr_assert_eq(home_open(&h, "/nonexistent/padseal-home", HOME_READ, &e), 0, "%s", e.msg);
	p = home_path(&h, "identities/AB");
	cr_expect_str_eq(p, "/nonexistent/padseal-home/identities/AB");
	free(p);
	home_close(&h);
}

/* ====================================================================== */
/* home_open: the lock between processes                                   */
/* ====================================================================== */

struct attempt {
	int rc;
	long ms;
	char msg[512];
};

/* Open `dir` in `mode` from a separate process, waiting at most `wait_ms`
 * for the lock; report what happened. */
static struct attempt
attempt_in_child(const char *dir, enum home_mode mode, int wait_ms)
{
	struct attempt a;
	int fd[2], status;
	pid_t pid;

	memset(&a, 0, sizeof a);
	cr_assert_eq(pipe(fd), 0);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		struct home h = {0};
		struct err e = ERR_INIT;
		long t0 = now_ms();

		close(fd[0]);
		h.lock_wait_ms = wait_ms;
		a.rc = home_open(&h, dir, mode, &e);
		a.ms = now_ms() - t0;
		memcpy(a.msg, e.msg, sizeof a.msg);
		home_close(&h);
		_exit(write(fd[1], &a, sizeof a) == (ssize_t)sizeof a ? 0 : 1);
	}
	close(fd[1]);
	cr_assert_eq(read(fd[0], &a, sizeof a), (ssize_t)sizeof a);
	close(fd[0]);
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	return a;
}

static void
expect_busy(const struct attempt *a, const char *dir)
{
	char want[600];

	cr_expect_eq(a->rc, -1, "the second padseal got in");
	snprintf(want, sizeof want, "another padseal is working in %s", dir);
	cr_expect(strstr(a->msg, want) != NULL, "message \"%s\"", a->msg);
	cr_expect(strstr(a->msg, "try again when it has finished") != NULL, "message \"%s\"",
		  a->msg);
	/* It waited about lock_wait_ms (200), then gave up. */
	cr_expect_geq(a->ms, 150, "gave up after %ld ms", a->ms);
	cr_expect_lt(a->ms, 1500, "waited %ld ms", a->ms);
}

static void
expect_got_in(const struct attempt *a)
{
	cr_expect_eq(a->rc, 0, "refused: %s", a->msg);
	cr_expect_lt(a->ms, 150, "had to wait %ld ms", a->ms);
}

/* A home that exists with its lock file, as after a first write. */
static char *
make_home(void)
{
	char *dir = in_tmp("padseal");
	struct home h = {0};
	struct err e = ERR_INIT;

	cr_assert_eq(home_open(&h, dir, HOME_WRITE, &e), 0, "%s", e.msg);
	home_close(&h);
	return dir;
}

Test(home, a_writer_excludes_a_second_writer, .init = setup, .fini = teardown)
{
	char *dir = in_tmp("padseal");
	struct home h = {0};
	struct err e = ERR_INIT;
	struct attempt a;

	cr_assert_eq(home_open(&h, dir, HOME_WRITE, &e), 0, "%s", e.msg);
	a = attempt_in_child(dir, HOME_WRITE, 200);
	expect_busy(&a, dir);
	home_close(&h);
	/* Once the first has finished, the second gets in at once. */
	a = attempt_in_child(dir, HOME_WRITE, 200);
	expect_got_in(&a);
	free(dir);
}

Test(home, two_readers_share, .init = setup, .fini = teardown)
{
	char *dir = make_home();
	struct home h = {0};
	struct err e = ERR_INIT;
	struct attempt a;

	cr_assert_eq(home_open(&h, dir, HOME_READ, &e), 0, "%s", e.msg);
	cr_expect_geq(h.lockfd, 0, "the reader holds no lock");
	a = attempt_in_child(dir, HOME_READ, 200);
	expect_got_in(&a);
	home_close(&h);
	free(dir);
}

Test(home, a_reader_blocks_a_writer, .init = setup, .fini = teardown)
{
	char *dir = make_home();
	struct home h = {0};
	struct err e = ERR_INIT;
	struct attempt a;

	cr_assert_eq(home_open(&h, dir, HOME_READ, &e), 0, "%s", e.msg);
	a = attempt_in_child(dir, HOME_WRITE, 200);
	expect_busy(&a, dir);
	home_close(&h);
	a = attempt_in_child(dir, HOME_WRITE, 200);
	expect_got_in(&a);
	free(dir);
}

Test(home, a_writer_blocks_a_reader, .init = setup, .fini = teardown)
{
	char *dir = make_home();
	struct home h = {0};
	struct err e = ERR_INIT;
	struct attempt a;

	cr_assert_eq(home_open(&h, dir, HOME_WRITE, &e), 0, "%s", e.msg);
	a = attempt_in_child(dir, HOME_READ, 200);
	expect_busy(&a, dir);
	home_close(&h);
	a = attempt_in_child(dir, HOME_READ, 200);
	expect_got_in(&a);
	free(dir);
}

Test(home, upgrade_creates_and_locks_for_writing, .init = setup, .fini = teardown)
{
	char *dir = in_tmp("padseal");
	struct home h = {0};
	struct err e = ERR_INIT;
	struct attempt a;

	cr_assert_eq(home_open(&h, dir, HOME_READ, &e), 0, "%s", e.msg);
	cr_expect(!path_exists(dir));
	cr_assert_eq(home_upgrade(&h, &e), 0, "%s", e.msg);
	cr_expect_eq(tu_mode(dir), 0700);
	cr_expect_eq(h.exists, 1);
	a = attempt_in_child(dir, HOME_READ, 200);
	expect_busy(&a, dir);
	home_close(&h);
	free(dir);
}

Test(home, upgrade_from_a_shared_lock, .init = setup, .fini = teardown)
{
	char *dir = make_home();
	struct home h = {0};
	struct err e = ERR_INIT;
	struct attempt a;

	cr_assert_eq(home_open(&h, dir, HOME_READ, &e), 0, "%s", e.msg);
	cr_assert_eq(home_upgrade(&h, &e), 0, "%s", e.msg);
	a = attempt_in_child(dir, HOME_READ, 200);
	expect_busy(&a, dir);
	home_close(&h);
	free(dir);
}

/* ====================================================================== */
/* fileio: file_read                                                       */
/* ====================================================================== */

static void
expect_read_fails(const char *path, size_t max, const char *frag)
{
	struct err e = ERR_INIT;
	unsigned char *buf = upoison;
	size_t len = 99;

	cr_expect_eq(file_read(path, max, &buf, &len, &e), -1, "%s", path);
	cr_expect_null(buf);
	cr_expect_eq(len, 0);
	expect_msg(&e, path);
	expect_msg(&e, frag);
}

Test(fileio, read_a_missing_file, .init = setup, .fini = teardown)
{
	char *p = in_tmp("nope.pem");

	expect_read_fails(p, FILE_MAX_CERT, "does not exist");
	free(p);
}

Test(fileio, read_a_directory, .init = setup, .fini = teardown)
{
	expect_read_fails(tmp, FILE_MAX_CERT, "is a directory, not a file");
}

Test(fileio, read_an_empty_file, .init = setup, .fini = teardown)
{
	char *p = in_tmp("empty.pem");

	tu_write(p, "", 0);
	expect_read_fails(p, FILE_MAX_CERT, "is empty");
	free(p);
}

Test(fileio, read_up_to_the_limit, .init = setup, .fini = teardown)
{
	char *p = in_tmp("f");
	struct err e = ERR_INIT;
	unsigned char *buf;
	size_t len;

	tu_write(p, "0123456789abcdef", 16);
	cr_assert_eq(file_read(p, 16, &buf, &len, &e), 0, "%s", e.msg);
	cr_expect_eq(len, 16);
	cr_expect_eq(memcmp(buf, "0123456789abcdef", 16), 0);
	cr_expect_eq(buf[16], '\0', "not NUL-terminated");
	free(buf);
	expect_read_fails(p, 15, "is too large (16 bytes; at most 15 bytes is accepted)");
	free(p);
}

Test(fileio, read_keeps_binary_content, .init = setup, .fini = teardown)
{
	static const unsigned char bin[] = {0x30, 0x00, 0x82, 0xff, 0x0a, 0x00};
	char *p = in_tmp("bin.der");
	struct err e = ERR_INIT;
	unsigned char *buf;
	size_t len;

	tu_write(p, bin, sizeof bin);
	cr_assert_eq(file_read(p, FILE_MAX_CERT, &buf, &len, &e), 0, "%s", e.msg);
	cr_expect_eq(len, sizeof bin);
	cr_expect_eq(memcmp(buf, bin, sizeof bin), 0);
	file_free_secret(buf, len);
	free(p);
}

Test(fileio, read_too_large_says_how_large, .init = setup, .fini = teardown)
{
	char *p = in_tmp("huge.pem");
	int fd = open(p, O_CREAT | O_WRONLY, 0600);

	cr_assert_geq(fd, 0);
	cr_assert_eq(ftruncate(fd, 5 << 20), 0); /* sparse: 5 MiB */
	close(fd);
	expect_read_fails(p, FILE_MAX_CERT, "is too large (5 MiB; at most 4 MiB is accepted)");
	free(p);
}

/* A writer process feeding `n` bytes of `fill` into the FIFO `path`. */
static pid_t
fifo_writer(const char *path, const char *data, size_t n)
{
	pid_t pid = fork();

	cr_assert_geq(pid, 0);
	if (pid == 0) {
		int fd = open(path, O_WRONLY);

		signal(SIGPIPE, SIG_IGN);
		if (fd < 0)
			_exit(1);
		while (n > 0) {
			ssize_t w = write(fd, data, n);

			if (w <= 0)
				_exit(2);
			data += w;
			n -= (size_t)w;
		}
		_exit(0);
	}
	return pid;
}

Test(fileio, read_a_fifo, .init = setup, .fini = teardown)
{
	static const char msg[] = "From: a@example.org\n\nhello through a pipe\n";
	char *p = in_tmp("fifo");
	struct err e = ERR_INIT;
	unsigned char *buf;
	size_t len;
	int status;
	pid_t pid;

	cr_assert_eq(mkfifo(p, 0600), 0);
	pid = fifo_writer(p, msg, sizeof msg - 1);
	cr_expect_eq(file_read(p, FILE_MAX_MSG, &buf, &len, &e), 0, "%s", e.msg);
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	cr_expect_eq(len, sizeof msg - 1);
	cr_expect_str_eq((char *)buf, msg);
	free(buf);
	free(p);
}

Test(fileio, read_a_fifo_over_the_limit, .init = setup, .fini = teardown)
{
	static const size_t sizes[] = {1001, 300000};
	char *p = in_tmp("fifo"), *data = malloc(300000);

	cr_assert_not_null(data);
	memset(data, 'm', 300000);
	cr_assert_eq(mkfifo(p, 0600), 0);
	for (size_t i = 0; i < NELEM(sizes); i++) {
		pid_t pid = fifo_writer(p, data, sizes[i]);

		expect_read_fails(p, 1000, "is too large (at most 1000 bytes is accepted)");
		cr_assert_eq(waitpid(pid, NULL, 0), pid);
	}
	free(data);
	free(p);
}

/* ====================================================================== */
/* fileio: file_write_atomic                                               */
/* ====================================================================== */

Test(fileio, write_creates_0600_whatever_the_umask, .init = setup, .fini = teardown)
{
	static const mode_t masks[] = {0, 022, 077, 0777};

	for (size_t i = 0; i < NELEM(masks); i++) {
		char name[32], *p;
		struct err e = ERR_INIT;

		snprintf(name, sizeof name, "f%zu", i);
		p = in_tmp(name);
		umask(masks[i]);
		cr_expect_eq(file_write_atomic(p, "data\n", 5, 0, &e), 0, "umask %03o: %s",
			     (unsigned)masks[i], e.msg);
		umask(077);
		cr_expect_eq(tu_mode(p), 0600, "umask %03o: mode %o", (unsigned)masks[i],
			     tu_mode(p));
		expect_content(p, "data\n");
		free(p);
	}
	expect_names(tmp, "f0 f1 f2 f3");
}

Test(fileio, write_replaces_atomically, .init = setup, .fini = teardown)
{
	char *p = in_tmp("checklist");
	struct err e = ERR_INIT;
	struct stat before, after;
	char old[32] = {0};
	int fd;

	tu_write(p, "old content\n", 12);
	cr_assert_eq(chmod(p, 0644), 0);
	cr_assert_eq(stat(p, &before), 0);
	fd = open(p, O_RDONLY);
	cr_assert_geq(fd, 0);
	cr_expect_eq(file_write_atomic(p, "new content, longer\n", 20, 0, &e), 0, "%s", e.msg);
	expect_content(p, "new content, longer\n");
	cr_expect_eq(tu_mode(p), 0600);
	/* A new file was renamed over the old one: a reader that had the old
	 * one open still sees it whole, never a mix. */
	cr_assert_eq(stat(p, &after), 0);
	cr_expect_neq(before.st_ino, after.st_ino, "rewritten in place");
	cr_expect_eq(read(fd, old, sizeof old - 1), 12);
	cr_expect_str_eq(old, "old content\n");
	close(fd);
	expect_names(tmp, "checklist");
	free(p);
}

Test(fileio, noclobber_refuses_an_existing_target, .init = setup, .fini = teardown)
{
	char *p = in_tmp("signed.eml"), *before, *after;
	struct err e = ERR_INIT;

	tu_write(p, "existing\n", 9);
	before = tu_tree_hash(tmp);
	cr_expect_eq(file_write_atomic(p, "other", 5, FILE_NOCLOBBER, &e), -1);
	expect_msg(&e, p);
	expect_msg(&e, "already exists; padseal does not overwrite it");
	after = tu_tree_hash(tmp);
	cr_expect_str_eq(after, before);
	expect_content(p, "existing\n");
	expect_names(tmp, "signed.eml");
	free(before);
	free(after);
	free(p);
}

Test(fileio, noclobber_creates_a_new_file, .init = setup, .fini = teardown)
{
	char *p = in_tmp("plain.eml");
	struct err e = ERR_INIT;

	umask(0);
	cr_expect_eq(file_write_atomic(p, "hello\n", 6, FILE_NOCLOBBER, &e), 0, "%s", e.msg);
	expect_content(p, "hello\n");
	cr_expect_eq(tu_mode(p), 0600);
	expect_names(tmp, "plain.eml");
	free(p);
}

Test(fileio, write_into_a_missing_folder, .init = setup, .fini = teardown)
{
	char *p = in_tmp("no/such/dir/cert.pem"), *d = in_tmp("no/such/dir");
	char want[600];
	struct err e = ERR_INIT;

	cr_expect_eq(file_write_atomic(p, "x", 1, 0, &e), -1);
	snprintf(want, sizeof want, "cannot write %s: the folder %s does not exist", p, d);
	expect_msg(&e, want);
	expect_names(tmp, "");
	free(p);
	free(d);
}

Test(fileio, write_below_a_file, .init = setup, .fini = teardown)
{
	char *f = in_tmp("file"), *p = in_tmp("file/cert.pem"), *before, *after;
	char want[600];
	struct err e = ERR_INIT;

	tu_write(f, "plain file", 10);
	before = tu_tree_hash(tmp);
	cr_expect_eq(file_write_atomic(p, "x", 1, 0, &e), -1);
	snprintf(want, sizeof want, "cannot write %s", p);
	expect_msg(&e, want);
	after = tu_tree_hash(tmp);
	cr_expect_str_eq(after, before);
	free(before);
	free(after);
	free(f);
	free(p);
}

Test(fileio, write_over_a_directory_leaves_no_temporary_file, .init = setup, .fini = teardown)
{
	/* The temporary file is made and written; only the rename fails. */
	char *p = in_tmp("target"), want[600];
	struct err e = ERR_INIT;

	cr_assert_eq(mkdir(p, 0700), 0);
	cr_expect_eq(file_write_atomic(p, "x", 1, 0, &e), -1);
	snprintf(want, sizeof want, "cannot replace %s", p);
	expect_msg(&e, want);
	expect_names(tmp, "target");
	expect_names(p, "");
	free(p);
}

/* Run file_write_atomic with the file size limited to `limit` bytes, as if
 * the disk filled up; SIGXFSZ ignored so write() fails with EFBIG. */
static int
write_on_full_disk(const char *path, const void *data, size_t len, int flags, rlim_t limit,
		   struct err *e)
{
	struct rlimit old, lim;
	int rc;

	cr_assert_eq(getrlimit(RLIMIT_FSIZE, &old), 0);
	lim = old;
	lim.rlim_cur = limit;
	signal(SIGXFSZ, SIG_IGN);
	cr_assert_eq(setrlimit(RLIMIT_FSIZE, &lim), 0);
	rc = file_write_atomic(path, data, len, flags, e);
	cr_assert_eq(setrlimit(RLIMIT_FSIZE, &old), 0);
	return rc;
}

Test(fileio, write_on_a_full_disk_keeps_the_original, .init = setup, .fini = teardown)
{
	char *p = in_tmp("checklist"), *big = malloc(8192), want[600];
	struct err e = ERR_INIT;

	cr_assert_not_null(big);
	memset(big, 'z', 8192);
	tu_write(p, "original content\n", 17);
	cr_expect_eq(write_on_full_disk(p, big, 8192, 0, 1024, &e), -1);
	snprintf(want, sizeof want, "cannot write %s: the disk is full", p);
	expect_msg(&e, want);
	expect_content(p, "original content\n");
	expect_names(tmp, "checklist");
	/* With room again, the same write goes through. */
	err_clear(&e);
	cr_expect_eq(file_write_atomic(p, big, 8192, 0, &e), 0, "%s", e.msg);
	cr_expect_eq(tu_mode(p), 0600);
	expect_names(tmp, "checklist");
	free(big);
	free(p);
}

Test(fileio, noclobber_on_a_full_disk_creates_nothing, .init = setup, .fini = teardown)
{
	char *p = in_tmp("encrypted.eml"), big[4096];
	struct err e = ERR_INIT;

	memset(big, 'q', sizeof big);
	cr_expect_eq(write_on_full_disk(p, big, sizeof big, FILE_NOCLOBBER, 100, &e), -1);
	expect_msg(&e, "the disk is full");
	expect_names(tmp, "");
	free(p);
}

/* ====================================================================== */
/* fileio: folders and paths                                               */
/* ====================================================================== */

Test(fileio, dir_ensure_creates_parents_0700, .init = setup, .fini = teardown)
{
	char *a = in_tmp("a"), *b = in_tmp("a/b"), *c = in_tmp("a/b/c");
	struct err e = ERR_INIT;

	umask(0);
	cr_expect_eq(dir_ensure(c, &e), 0, "%s", e.msg);
	cr_expect_eq(tu_mode(a), 0700);
	cr_expect_eq(tu_mode(b), 0700);
	cr_expect_eq(tu_mode(c), 0700);
	/* Again: nothing to do, no error. */
	cr_expect_eq(dir_ensure(c, &e), 0, "%s", e.msg);
	/* An existing folder's mode is not dir_ensure's business. */
	cr_assert_eq(chmod(b, 0755), 0);
	cr_expect_eq(dir_ensure(c, &e), 0, "%s", e.msg);
	cr_expect_eq(tu_mode(b), 0755);
	free(a);
	free(b);
	free(c);
}

Test(fileio, dir_ensure_refuses_a_file_on_the_way, .init = setup, .fini = teardown)
{
	char *f = in_tmp("f"), *p = in_tmp("f/sub");
	struct err e = ERR_INIT;

	tu_write(f, "x", 1);
	cr_expect_eq(dir_ensure(p, &e), -1);
	expect_msg(&e, f);
	free(f);
	free(p);
}

Test(fileio, dir_ensure_refuses_an_empty_name)
{
	struct err e = ERR_INIT;

	cr_expect_eq(dir_ensure("", &e), -1);
	expect_msg(&e, "the folder name \"\" is not usable");
}

Test(fileio, paths, .init = setup, .fini = teardown)
{
	char *p = path_join("/a/b", "c.pem");

	cr_expect_str_eq(p, "/a/b/c.pem");
	free(p);
	cr_expect(path_exists(tmp));
	p = in_tmp("missing");
	cr_expect(!path_exists(p));
	free(p);
}
