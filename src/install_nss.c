/* install_nss — the credential and the correspondents straight into a
 * Thunderbird profile's certificate store (NSS: cert9.db, key4.db), with
 * NSS's own pk12util and certutil, the way Thunderbird's certificate
 * manager would: the .p12 under Your Certificates, each CA trusted to
 * identify mail users (",C,"), each correspondent's certificate under
 * People (",," under a CA; a self-signed one ",P,").
 *
 * The work is done on copies of the two files in a folder of its own
 * (0700) inside the profile, renamed over the originals only when every
 * tool succeeded: a failure leaves the profile as it was.  The .p12 is
 * written there (0600) under a one-time passphrase that never touches a
 * disk: pk12util reads it from a pipe (-w /dev/fd/N). */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

#include <openssl/crypto.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "cred.h"
#include "fileio.h"
#include "fpr.h"
#include "install.h"
#include "xalloc.h"

#define NSS_PACKAGE "libnss3-tools"

/* Is `tool` an executable on PATH?  Its path into `out`. */
static int
on_path(const char *tool, char *out, size_t len)
{
	const char *path = getenv("PATH");
	char *copy, *save = NULL;
	int found = 0;

	if (path == NULL || *path == '\0')
		path = "/usr/bin:/bin";
	copy = xstrdup(path);
	for (char *d = strtok_r(copy, ":", &save); d != NULL && !found;
	     d = strtok_r(NULL, ":", &save)) {
		snprintf(out, len, "%s/%s", *d ? d : ".", tool);
		found = access(out, X_OK) == 0;
	}
	free(copy);
	return found;
}

/* Does another process hold the profile?  Thunderbird keeps a symlink
 * "lock" -> "IP:+PID" and an fcntl lock on ".parentlock" while it runs;
 * a lock left by a crash (its process gone, nothing held) does not count. */
static int
profile_in_use(const char *dir)
{
	char *p = path_join(dir, "lock"), target[256];
	ssize_t n = readlink(p, target, sizeof target - 1);
	int busy = 0, fd;

	free(p);
	if (n > 0) {
		char *plus;

		target[n] = '\0';
		plus = strrchr(target, '+');
		if (plus != NULL) {
			long pid = strtol(plus + 1, NULL, 10);

			busy = pid > 0 && (kill((pid_t)pid, 0) == 0 || errno == EPERM);
		}
	}
	p = path_join(dir, ".parentlock");
	fd = open(p, O_RDONLY | O_CLOEXEC);
	free(p);
	if (fd >= 0) {
		struct flock fl = {.l_type = F_RDLCK, .l_whence = SEEK_SET};

		if (fcntl(fd, F_GETLK, &fl) == 0 && fl.l_type != F_UNLCK)
			busy = 1;
		close(fd);
	}
	return busy;
}

int
install_profile_check(const char *dir, struct err *e)
{
	char tool[4096];
	struct stat sb;
	char *c9 = path_join(dir, "cert9.db"), *k4 = path_join(dir, "key4.db");
	int ok = stat(c9, &sb) == 0 && S_ISREG(sb.st_mode) && stat(k4, &sb) == 0 &&
		 S_ISREG(sb.st_mode);

	free(c9);
	free(k4);
	if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode))
		return err_set(e,
			       "%s is not a folder; give --profile the folder of your Thunderbird profile (Thunderbird: Help, Troubleshooting Information, Profile Folder, Open Folder)",
			       dir);
	if (!ok)
		return err_set(e,
			       "%s is not a Thunderbird profile (it has no cert9.db and key4.db); find yours in Thunderbird under Help, Troubleshooting Information, Profile Folder (on Linux usually ~/.thunderbird/SOMETHING.default-release)",
			       dir);
	if (profile_in_use(dir))
		return err_set(e,
			       "Thunderbird has the profile %s open; quit Thunderbird and run this again",
			       dir);
	if (access(dir, W_OK | X_OK) != 0)
		return err_sys(e, "cannot change the profile %s", dir);
	if (!on_path("pk12util", tool, sizeof tool) || !on_path("certutil", tool, sizeof tool))
		return err_set(e,
			       "NSS's pk12util and certutil are not installed; install the package " NSS_PACKAGE
			       " (apt-get install " NSS_PACKAGE
			       "), or leave out --profile to get the files and the steps");
	return 0;
}

/* Run argv (its output kept for the error); `keep_fd` stays open in the
 * child.  0 when it exits 0. */
static void
argv_free(char **argv)
{
	for (size_t i = 0; argv[i] != NULL; i++)
		free(argv[i]);
	free(argv);
}

static int
run_tool(const char *const args[], int keep_fd, struct err *e)
{
	int out[2];
	char buf[600];
	size_t n = 0, na = 0;
	ssize_t r;
	int st;
	char **argv;
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int rc;

	while (args[na] != NULL)
		na++;
	argv = xcalloc(na + 1, sizeof *argv);
	for (size_t i = 0; i < na; i++)
		argv[i] = xstrdup(args[i]);
	if (pipe2(out, O_CLOEXEC) != 0) {
		argv_free(argv);
		return err_sys(e, "cannot run %s", args[0]);
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, out[1], 1);
	posix_spawn_file_actions_adddup2(&fa, out[1], 2);
	/* `keep_fd` was made without close-on-exec: the child keeps it. */
	(void)keep_fd;
	rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc != 0) {
		close(out[0]);
		close(out[1]);
		argv_free(argv);
		errno = rc;
		return err_sys(e, "cannot run %s", args[0]);
	}
	close(out[1]);
	argv_free(argv);
	while ((r = read(out[0], buf + n, sizeof buf - 1 - n)) > 0 || (r < 0 && errno == EINTR))
		if (r > 0)
			n += (size_t)r;
	buf[n] = '\0';
	/* Drain the rest, if any. */
	while (read(out[0], (char[256]){0}, 256) > 0)
		;
	close(out[0]);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return 0;
	/* The key store wants a password padseal does not have (run_tool
	 * gives every tool an empty one, and no terminal). */
	if (strstr(buf, "SEC_ERROR_BAD_PASSWORD") != NULL)
		return err_set(e,
			       "the Thunderbird profile is protected by a Primary Password, which padseal does not ask for: switch it off in Thunderbird (Settings > Privacy & Security > Use a Primary Password) while padseal adds the certificates, then switch it on again; the profile was not changed");
	for (char *q = buf; *q; q++)
		if (*q == '\n' || *q == '\r' || (unsigned char)*q < 0x20)
			*q = ' ';
	return err_set(e, "%s refused the import: %s", args[0], *buf ? buf : "no reason given");
}

static int
copy_file(const char *from, const char *to, struct err *e)
{
	unsigned char *data;
	size_t len;
	int rc;

	if (file_read(from, (size_t)1 << 30, &data, &len, e) != 0)
		return -1;
	rc = file_write_atomic(to, data, len, FILE_NOCLOBBER, e);
	free(data);
	return rc;
}

/* A nickname no other certificate has: "WHO (padseal 1A2B3C4D)". */
static void
nick_of(X509 *cert, const char *who, char *buf, size_t len)
{
	char hex[FPR_HEX_LEN];

	fpr_cert_hex(cert, hex);
	snprintf(buf, len, "%s (padseal %.8s)", who, hex);
}

static int
add_cert(const char *db, X509 *cert, const char *who, const char *trust, const char *tmp,
	 struct err *e)
{
	char nick[400], *file = path_join(tmp, "cert.der");
	size_t len;
	unsigned char *der = cert_to_der(cert, &len);
	int rc;

	nick_of(cert, who, nick, sizeof nick);
	unlink(file);
	rc = file_write_atomic(file, der, len, 0, e);
	free(der);
	if (rc == 0) {
		const char *argv[] = {"certutil", "-A",  "-d", db,   "-n", nick,
				      "-t",       trust, "-i", file, NULL};

		rc = run_tool(argv, -1, e);
	}
	unlink(file);
	free(file);
	return rc;
}

static void
remove_tmp(const char *tmp)
{
	DIR *d = opendir(tmp);
	struct dirent *de;

	if (d != NULL) {
		while ((de = readdir(d)) != NULL) {
			char *p;

			if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
				continue;
			p = path_join(tmp, de->d_name);
			unlink(p);
			free(p);
		}
		closedir(d);
	}
	rmdir(tmp);
}

/* The work folders of an import that was killed before it ended (the
 * profile itself is whole either way: see the renames below). */
static void
remove_stale(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, ".padseal-import-", 16) == 0) {
			char *p = path_join(dir, de->d_name);

			remove_tmp(p);
			free(p);
		}
	}
	closedir(d);
}

static int
self_signed(X509 *cert)
{
	return (X509_get_extension_flags(cert) & EXFLAG_SS) != 0;
}

int
install_profile_import(const char *dir, const struct install_in *in, const char *pass,
		       struct err *e)
{
	char *tmp = path_join(dir, ".padseal-import-XXXXXX"), *db = NULL, *p12 = NULL;
	char *line = xasprintf("%s\n", pass);
	int rc = -1, pfd[2] = {-1, -1};
	/* Renamed in this order: between the two, the profile holds your key
	 * without its certificate, which no program shows or uses; the next
	 * run (which starts from the profile as it is) completes it. */
	static const char *const files[] = {"key4.db", "cert9.db"};

	remove_stale(dir);
	if (mkdtemp(tmp) == NULL) {
		err_sys(e, "cannot work in the profile %s", dir);
		free(tmp);
		return -1;
	}
	chmod(tmp, 0700);
	db = xasprintf("sql:%s", tmp);
	for (size_t i = 0; i < 2; i++) {
		char *from = path_join(dir, files[i]), *to = path_join(tmp, files[i]);
		int c = copy_file(from, to, e);

		free(from);
		free(to);
		if (c != 0)
			goto out;
	}
	/* The CAs and correspondents first, then the .p12 (its chain then
	 * finds its CA trusted already). */
	for (int i = 0; in->chain != NULL && i < sk_X509_num(in->chain); i++)
		if (add_cert(db, sk_X509_value(in->chain, i), "your CA", ",C,", tmp, e) != 0)
			goto out;
	for (size_t i = 0; i < in->n_peers; i++) {
		const struct install_peer *pp = &in->peers[i];

		if (pp->ca != NULL && add_cert(db, pp->ca, pp->addr, ",C,", tmp, e) != 0)
			goto out;
		if (add_cert(db, pp->cert, pp->addr, self_signed(pp->cert) ? ",P," : ",,", tmp,
			     e) != 0)
			goto out;
	}
	/* The .p12, under a passphrase made for this import only: pk12util
	 * reads it from a pipe, never from a file or its command line. */
	p12 = path_join(tmp, "import.p12");
	if (file_write_atomic(p12, in->p12, in->p12_len, FILE_NOCLOBBER, e) != 0)
		goto out;
	/* The read end without close-on-exec: pk12util inherits it. */
	if (pipe(pfd) != 0 || fcntl(pfd[1], F_SETFD, FD_CLOEXEC) != 0) {
		err_sys(e, "cannot run pk12util");
		goto out;
	}
	if (write(pfd[1], line, strlen(line)) != (ssize_t)strlen(line)) {
		err_sys(e, "cannot run pk12util");
		goto out;
	}
	close(pfd[1]);
	pfd[1] = -1;
	{
		char wfile[32];
		const char *argv[] = {"pk12util", "-i",    p12,  "-d",        db,
				      "-w",       "wfile", "-k", "/dev/null", NULL};

		argv[6] = wfile;

		snprintf(wfile, sizeof wfile, "/dev/fd/%d", pfd[0]);
		if (run_tool(argv, pfd[0], e) != 0)
			goto out;
		close(pfd[0]);
		pfd[0] = -1;
	}
	if (self_signed(in->cert)) {
		/* Your own self-signed certificate: trusted for mail as its own
		 * issuer too, as Thunderbird's "Edit trust" does. */
		const char *argv[] = {"certutil", "-M", "-d",     db,  "-n",
				      in->name,   "-t", "u,Pu,u", NULL};

		if (run_tool(argv, -1, e) != 0)
			goto out;
	}
	unlink(p12);
	/* Thunderbird may have started meanwhile. */
	if (profile_in_use(dir)) {
		err_set(e,
			"Thunderbird opened the profile %s meanwhile; quit it and run this again",
			dir);
		goto out;
	}
	for (size_t i = 0; i < 2; i++) {
		char *from = path_join(tmp, files[i]), *to = path_join(dir, files[i]);
		int r = rename(from, to);

		free(from);
		free(to);
		if (r != 0) {
			err_sys(e, "cannot replace %s in the profile %s", files[i], dir);
			goto out;
		}
	}
	fsync_dir(dir);
	rc = 0;
out:
	OPENSSL_clear_free(line, strlen(line));
	if (pfd[0] >= 0)
		close(pfd[0]);
	if (pfd[1] >= 0)
		close(pfd[1]);
	remove_tmp(tmp);
	free(tmp);
	free(db);
	free(p12);
	return rc;
}
