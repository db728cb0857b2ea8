#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "cred.h"
#include "fileio.h"
#include "install.h"
#include "install_int.h"
#include "xalloc.h"

static const struct {
	const char *name;
	enum install_prog prog;
} prog_names[] = {
	{"thunderbird", PROG_THUNDERBIRD},
	{"iphone", PROG_IPHONE},
	{"apple-mail", PROG_APPLE_MAIL},
	{"outlook", PROG_OUTLOOK},
	{"neomutt", PROG_NEOMUTT},
	{"gpgsm", PROG_GPGSM},
	{"ipad", PROG_IPHONE},
	{"ios", PROG_IPHONE},
	{"mac", PROG_APPLE_MAIL},
	{"mutt", PROG_NEOMUTT},
};

int
install_prog_parse(const char *s, enum install_prog *out)
{
	for (size_t i = 0; i < sizeof prog_names / sizeof prog_names[0]; i++)
		if (strcmp(s, prog_names[i].name) == 0) {
			*out = prog_names[i].prog;
			return 0;
		}
	return -1;
}

const char *
install_prog_name(enum install_prog p)
{
	return (unsigned)p < PROG_COUNT ? prog_names[p].name : "?";
}

const char *
install_prog_title(enum install_prog p)
{
	static const char *const titles[PROG_COUNT] = {"Thunderbird",
						       "iPhone or iPad",
						       "Apple Mail on a Mac",
						       "Outlook",
						       "neomutt",
						       "gpgsm (GnuPG)"};

	return (unsigned)p < PROG_COUNT ? titles[p] : "?";
}

const char *
install_prog_list(void)
{
	return "thunderbird, iphone, apple-mail, outlook, neomutt, gpgsm";
}

int
install_check(enum install_prog prog, int ec, struct err *e)
{
	if (prog == PROG_GPGSM && ec)
		return err_set(e,
			       "gpgsm 2.2 crashes importing an EC key from a .p12; use an RSA credential for gpgsm");
	return 0;
}

int
install_cert_is_root(X509 *cert)
{
	return X509_check_ca(cert) > 0 || (X509_get_extension_flags(cert) & EXFLAG_SS) != 0;
}

/* --- building a set --------------------------------------------------------- */

void
install_set_free(struct install_set *s)
{
	for (size_t i = 0; i < s->n_files; i++) {
		if (s->files[i].secret)
			OPENSSL_clear_free(s->files[i].data, s->files[i].len);
		else
			free(s->files[i].data);
	}
	free(s->files);
	for (size_t i = 0; i < s->n_steps; i++)
		free(s->steps[i]);
	free(s->steps);
	for (size_t i = 0; i < s->n_notes; i++)
		free(s->notes[i]);
	free(s->notes);
	memset(s, 0, sizeof *s);
}

void
iset_file(struct install_set *s, const char *name, unsigned char *data, size_t len, int secret)
{
	struct install_file *f;

	s->files = xreallocarray(s->files, s->n_files + 1, sizeof *s->files);
	f = &s->files[s->n_files++];
	memset(f, 0, sizeof *f);
	snprintf(f->name, sizeof f->name, "%s", name);
	f->data = data;
	f->len = len;
	f->secret = secret;
}

void
iset_step(struct install_set *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	s->steps = xreallocarray(s->steps, s->n_steps + 1, sizeof *s->steps);
	s->steps[s->n_steps++] = xvasprintf(fmt, ap);
	va_end(ap);
}

void
iset_note(struct install_set *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	s->notes = xreallocarray(s->notes, s->n_notes + 1, sizeof *s->notes);
	s->notes[s->n_notes++] = xvasprintf(fmt, ap);
	va_end(ap);
}

const struct install_file *
iset_find(const struct install_set *s, const char *name)
{
	for (size_t i = 0; i < s->n_files; i++)
		if (strcmp(s->files[i].name, name) == 0)
			return &s->files[i];
	return NULL;
}

/* A file name from an address: letters, digits and "@._-" kept, the rest
 * '_'; `ext` appended.  A name already taken gets the fingerprint's start. */
void
iset_cert_name(const struct install_set *s, const char *addr, const char *hex, const char *ext,
	       char *buf, size_t len)
{
	char base[120];
	size_t n = 0;

	for (const char *p = addr; *p && n + 1 < sizeof base; p++)
		base[n++] = (strchr("@._-", *p) || (*p >= 'a' && *p <= 'z') ||
			     (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9')) ?
				    *p :
				    '_';
	base[n] = '\0';
	if (n == 0 || base[0] == '.')
		snprintf(base, sizeof base, "certificate-%.8s", hex);
	snprintf(buf, len, "%s%s", base, ext);
	if (iset_find(s, buf) != NULL)
		snprintf(buf, len, "%s-%.8s%s", base, hex, ext);
}

void
iset_cert(struct install_set *s, X509 *cert, int der, const char *name)
{
	size_t len;
	unsigned char *data =
		der ? cert_to_der(cert, &len) : (unsigned char *)cert_to_pem(cert, &len);

	iset_file(s, name, data, len, 0);
}

/* STEPS.txt: the notes, then the numbered steps. */
static void
steps_file(struct install_set *s, const struct install_in *in)
{
	char *text = xasprintf("padseal: %s for %s <%s>\n\n", install_prog_title(in->prog),
			       in->name, in->addr);

	for (size_t i = 0; i < s->n_notes; i++) {
		char *t = xasprintf("%sNote: %s\n\n", text, s->notes[i]);

		free(text);
		text = t;
	}
	for (size_t i = 0; i < s->n_steps; i++) {
		char *t = xasprintf("%s%zu. %s\n\n", text, i + 1, s->steps[i]);

		free(text);
		text = t;
	}
	iset_file(s, "STEPS.txt", (unsigned char *)text, strlen(text), 0);
}

int
install_build(const struct install_in *in, struct install_set *out, struct err *e)
{
	int rc;

	memset(out, 0, sizeof *out);
	if (install_check(in->prog, in->ec, e) != 0)
		return -1;
	switch (in->prog) {
	case PROG_THUNDERBIRD: rc = install_thunderbird(in, out, e); break;
	case PROG_IPHONE: rc = install_iphone(in, out, e); break;
	case PROG_APPLE_MAIL: rc = install_apple_mail(in, out, e); break;
	case PROG_OUTLOOK: rc = install_outlook(in, out, e); break;
	case PROG_NEOMUTT: rc = install_neomutt(in, out, e); break;
	case PROG_GPGSM: rc = install_gpgsm(in, out, e); break;
	default: rc = err_set(e, "unknown mail program");
	}
	if (rc == 0 && in->n_peers == 0)
		iset_note(out,
			  "you trust no correspondent yet, so only your own credential is here; once you trust someone in padseal, make this again to add their certificate");
	if (rc != 0) {
		install_set_free(out);
		return -1;
	}
	steps_file(out, in);
	return 0;
}

/* --- the folder ---------------------------------------------------------------- */

static int
dir_is_empty(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int empty = 1;

	if (d == NULL)
		return 0;
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0) {
			empty = 0;
			break;
		}
	closedir(d);
	return empty;
}

int
install_dir_check(const char *dir, struct err *e)
{
	struct stat sb;
	char *copy = xstrdup(dir);
	const char *parent = dirname(copy);
	int rc = -1;

	if (lstat(dir, &sb) == 0 && !S_ISDIR(sb.st_mode))
		err_set(e, "%s exists and is not a folder; name a new folder with --out", dir);
	else if (lstat(dir, &sb) == 0 && !dir_is_empty(dir))
		err_set(e, "the folder %s is not empty; padseal writes only into a new folder",
			dir);
	else if (stat(parent, &sb) != 0 || !S_ISDIR(sb.st_mode))
		err_set(e, "cannot make %s: the folder %s does not exist", dir, parent);
	else if (access(parent, W_OK | X_OK) != 0)
		err_sys(e, "cannot make %s: the folder %s is not writable", dir, parent);
	else
		rc = 0;
	free(copy);
	return rc;
}

static void
remove_files(const char *dir, const struct install_set *s)
{
	for (size_t i = 0; i < s->n_files; i++) {
		char *p = path_join(dir, s->files[i].name);

		unlink(p);
		free(p);
	}
	rmdir(dir);
}

int
install_write_dir(const char *dir, const struct install_set *s, struct err *e)
{
	char *tmp = xasprintf("%s.tmp-XXXXXX", dir);
	char *copy = xstrdup(dir);
	const char *parent = dirname(copy);
	int rc = -1;

	if (mkdtemp(tmp) == NULL) {
		err_sys(e, "cannot make a folder beside %s", dir);
		free(tmp);
		free(copy);
		return -1;
	}
	chmod(tmp, 0700);
	for (size_t i = 0; i < s->n_files; i++) {
		char *p = path_join(tmp, s->files[i].name);
		int w = file_write_atomic(p, s->files[i].data, s->files[i].len, FILE_NOCLOBBER, e);

		free(p);
		if (w != 0)
			goto out;
	}
	if (fsync_dir(tmp) != 0) {
		err_sys(e, "cannot write the folder %s", dir);
		goto out;
	}
	/* rename() replaces an empty folder, and refuses one that another
	 * process filled since the check. */
	if (rename(tmp, dir) != 0) {
		if (errno == ENOTEMPTY || errno == EEXIST)
			err_set(e,
				"the folder %s is not empty; padseal writes only into a new folder",
				dir);
		else
			err_sys(e, "cannot make the folder %s", dir);
		goto out;
	}
	fsync_dir(parent);
	rc = 0;
out:
	if (rc != 0)
		remove_files(tmp, s);
	free(tmp);
	free(copy);
	return rc;
}

void
install_remove_dir(const char *dir, const struct install_set *s)
{
	remove_files(dir, s);
}
