/* mailer — SMTP through libcurl, or a local command (see mailer.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "mailer.h"

extern char **environ;

/* --- URLs ------------------------------------------------------------------ */

/* Part `what` of `url` into buf ("" when absent); -1 when not a URL. */
static int
url_part(const char *url, CURLUPart what, char *buf, size_t len)
{
	CURLU *u = curl_url();
	char *part = NULL;
	int rc = -1;

	buf[0] = '\0';
	if (u == NULL)
		return -1;
	if (curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK) {
		rc = 0;
		if (curl_url_get(u, what, &part, CURLU_URLDECODE) == CURLUE_OK && part != NULL)
			snprintf(buf, len, "%s", part);
	}
	curl_free(part);
	curl_url_cleanup(u);
	return rc;
}

int
mail_url_check(const char *url, const char *scheme, char *user, size_t user_len, struct err *e)
{
	char got[16], host[256], pass[8], tls[16], name[16];

	snprintf(tls, sizeof tls, "%ss", scheme);
	snprintf(name, sizeof name, "%s", scheme);
	for (char *p = name; *p; p++)
		*p = (char)(*p >= 'a' && *p <= 'z' ? *p - 'a' + 'A' : *p);
	{
		const char *rest = strstr(url, "://"), *slash;

		rest = rest ? rest + 3 : url;
		slash = strchr(rest, '/');
		if (strchr(rest, '@') != NULL && strchr(rest, '@') != strrchr(rest, '@') &&
		    (slash == NULL || strrchr(rest, '@') < slash)) {
			err_set(e,
				"\"%s\" has two @: write the user's @ as %%40 (%s://alice%%40example.org@host) or give the user with --%s-user",
				url, tls, scheme);
			return err_code(e, ERR_USAGE);
		}
	}
	if (url_part(url, CURLUPART_SCHEME, got, sizeof got) != 0 ||
	    url_part(url, CURLUPART_HOST, host, sizeof host) != 0 || host[0] == '\0') {
		err_set(e, "\"%s\" is not an %s URL: write it like %s://host or %s://user@host",
			url, name, tls, scheme);
		return err_code(e, ERR_USAGE);
	}
	if (strcmp(got, scheme) != 0 && strcmp(got, tls) != 0) {
		err_set(e, "\"%s\" is not an %s URL: it must start with %s:// (STARTTLS) or %s://",
			url, name, scheme, tls);
		return err_code(e, ERR_USAGE);
	}
	url_part(url, CURLUPART_PASSWORD, pass, sizeof pass);
	if (pass[0] != '\0') {
		err_set(e,
			"the %s URL holds a password, which other users could read in the process list: leave it out, padseal asks for it or reads --%s-pass-file",
			name, scheme);
		return err_code(e, ERR_USAGE);
	}
	if (user != NULL)
		url_part(url, CURLUPART_USER, user, user_len);
	return 0;
}

char *
mail_url_split(const char *url, char *folder, size_t len)
{
	CURLU *u = curl_url();
	char *path = NULL, *base = NULL, *out = NULL;

	folder[0] = '\0';
	if (u == NULL)
		return NULL;
	if (curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_PATH, &path, CURLU_URLDECODE) == CURLUE_OK &&
	    curl_url_set(u, CURLUPART_PATH, "/", 0) == CURLUE_OK &&
	    curl_url_set(u, CURLUPART_QUERY, NULL, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_URL, &base, 0) == CURLUE_OK) {
		const char *f = path + (path[0] == '/');

		snprintf(folder, len, "%s", f[0] ? f : "INBOX");
		out = strdup(base);
	}
	curl_free(path);
	curl_free(base);
	curl_url_cleanup(u);
	return out;
}

/* --- connections ------------------------------------------------------------ */

/* A refusal: SMTP 4xx/5xx, IMAP NO or BAD. */
static int
is_refusal(const char *line)
{
	return line[0] == '4' || line[0] == '5' || strstr(line, " NO ") != NULL ||
	       strstr(line, " BAD ") != NULL;
}

/* Keep the server's last reply line, or its first refusal (what follows
 * it, the goodbye of QUIT, says nothing); printable ASCII only: it is shown
 * to a person.  Nothing else of the conversation is kept or shown. */
static int
on_debug(CURL *h, curl_infotype type, char *data, size_t size, void *arg)
{
	struct mail_conn *c = arg;
	size_t start = 0, end, n = 0;

	(void)h;
	if (type != CURLINFO_HEADER_IN || is_refusal(c->last))
		return 0;
	while (size > 0 && (data[size - 1] == '\n' || data[size - 1] == '\r'))
		size--;
	for (end = 0; end < size; end++)
		if (data[end] == '\n')
			start = end + 1;
	if (start >= size)
		return 0;
	for (size_t i = start; i < size && n + 1 < sizeof c->last; i++)
		c->last[n++] = data[i] >= 0x20 && data[i] < 0x7f ? data[i] : '?';
	c->last[n] = '\0';
	return 0;
}

int
mail_conn_open(struct mail_conn *c, const struct mail_server *srv, struct err *e)
{
	CURL *h;

	memset(c, 0, sizeof *c);
	if ((h = curl_easy_init()) == NULL)
		return err_set(e, "cannot start the network library (libcurl)");
	c->curl = h;
	curl_easy_setopt(h, CURLOPT_URL, srv->url);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps,imap,imaps");
	curl_easy_setopt(h, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, srv->insecure ? 0L : 1L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, srv->insecure ? 0L : 2L);
	if (srv->cacert != NULL)
		curl_easy_setopt(h, CURLOPT_CAINFO, srv->cacert);
	if (srv->user != NULL)
		curl_easy_setopt(h, CURLOPT_USERNAME, srv->user);
	if (srv->pass != NULL)
		curl_easy_setopt(h, CURLOPT_PASSWORD, srv->pass);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 30L);
	/* A connection that stalls for a minute is a connection that broke. */
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, 60L);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, c->errbuf);
	curl_easy_setopt(h, CURLOPT_DEBUGFUNCTION, on_debug);
	curl_easy_setopt(h, CURLOPT_DEBUGDATA, c);
	curl_easy_setopt(h, CURLOPT_VERBOSE, 1L);
	return 0;
}

int
mail_conn_fail(struct mail_conn *c, int code, const char *what, struct err *e)
{
	const char *why = c->errbuf[0] ? c->errbuf : curl_easy_strerror((CURLcode)code);
	char *url = NULL, host[256] = "the server";

	if (curl_easy_getinfo(c->curl, CURLINFO_EFFECTIVE_URL, &url) == CURLE_OK && url != NULL)
		url_part(url, CURLUPART_HOST, host, sizeof host);
	switch ((CURLcode)code) {
	case CURLE_LOGIN_DENIED:
		err_set(e, "%s did not accept the user name and password%s%s", host,
			c->last[0] ? ": " : "", c->last);
		return err_code(e, ERR_LOGIN);
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CONNECT_ERROR:
		return err_set(e,
			       "the TLS connection to %s failed (%s): if the server has a certificate of its own CA, give that CA with --cacert FILE",
			       host, why);
	case CURLE_USE_SSL_FAILED:
		return err_set(e,
			       "%s does not offer STARTTLS, and padseal never sends mail or passwords unencrypted: use the server's TLS port (smtps://, imaps://)",
			       host);
	default: break;
	}
	/* The server answered with a refusal (SMTP 4xx/5xx, IMAP NO/BAD). */
	if (is_refusal(c->last))
		return err_set(e, "%s refused %s: %s", host, what, c->last);
	switch ((CURLcode)code) {
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_CONNECT: return err_set(e, "cannot connect to %s: %s", host, why);
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE: return err_set(e, "the connection to %s broke (%s)", host, why);
	default:
		if (c->last[0])
			return err_set(e, "%s refused %s: %s", host, what, c->last);
		return err_set(e, "%s did not take %s: %s", host, what, why);
	}
}

void
mail_conn_close(struct mail_conn *c)
{
	if (c->curl != NULL)
		curl_easy_cleanup(c->curl);
	c->curl = NULL;
}

/* --- SMTP ------------------------------------------------------------------- */

struct upload {
	const char *p;
	size_t left;
};

static size_t
on_read(char *buf, size_t size, size_t n, void *arg)
{
	struct upload *u = arg;
	size_t take = size * n < u->left ? size * n : u->left;

	memcpy(buf, u->p, take);
	u->p += take;
	u->left -= take;
	return take;
}

/* "<addr>", as the SMTP envelope wants it. */
static char *
angle(const char *addr)
{
	size_t len = strlen(addr) + 3;
	char *s = malloc(len);

	if (s != NULL)
		snprintf(s, len, "<%s>", addr);
	return s;
}

static int
send_smtp(const struct mail_server *srv, const char *from, const char *to, const void *msg,
	  size_t len, struct err *e)
{
	struct mail_conn c;
	struct curl_slist *rcpt = NULL;
	struct upload up = {msg, len};
	char *f = angle(from), *t = angle(to);
	CURLcode res;
	int rc = -1;

	if (f == NULL || t == NULL || mail_conn_open(&c, srv, e) != 0)
		goto out;
	rcpt = curl_slist_append(NULL, t);
	curl_easy_setopt(c.curl, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	curl_easy_setopt(c.curl, CURLOPT_MAIL_FROM, f);
	curl_easy_setopt(c.curl, CURLOPT_MAIL_RCPT, rcpt);
	curl_easy_setopt(c.curl, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(c.curl, CURLOPT_INFILESIZE_LARGE, (curl_off_t)len);
	curl_easy_setopt(c.curl, CURLOPT_READFUNCTION, on_read);
	curl_easy_setopt(c.curl, CURLOPT_READDATA, &up);
	res = curl_easy_perform(c.curl);
	if (res == CURLE_OK)
		rc = 0;
	else
		mail_conn_fail(&c, res, "the message", e);
	mail_conn_close(&c);
out:
	curl_slist_free_all(rcpt);
	free(f);
	free(t);
	return rc;
}

/* --- a local command -------------------------------------------------------- */

/* The last line the command wrote to its error output, printable. */
static void
last_line(int fd, char *buf, size_t len)
{
	char chunk[4096];
	ssize_t got;
	size_t n = 0;

	buf[0] = '\0';
	if (lseek(fd, 0, SEEK_SET) != 0)
		return;
	while ((got = read(fd, chunk, sizeof chunk)) > 0) {
		for (ssize_t i = 0; i < got; i++) {
			char ch = chunk[i];

			if (ch == '\n') {
				if (n > 0)
					buf[n] = '\0', n = 0;
				continue;
			}
			if (n == 0)
				buf[0] = '\0';
			if (n + 1 < len)
				buf[n++] = ch >= 0x20 && ch < 0x7f ? ch : '?';
			buf[n] = '\0';
		}
	}
}

/* Write all of buf to fd, without dying of SIGPIPE when the command
 * stopped reading: -1 with errno. */
static int
write_all(int fd, const char *buf, size_t len)
{
	sigset_t pipe_only, old;
	int rc = 0, saved = 0;

	sigemptyset(&pipe_only);
	sigaddset(&pipe_only, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_only, &old);
	while (len > 0) {
		ssize_t put = write(fd, buf, len);

		if (put < 0 && errno == EINTR)
			continue;
		if (put <= 0) {
			saved = errno;
			rc = -1;
			break;
		}
		buf += put;
		len -= (size_t)put;
	}
	if (rc != 0 && saved == EPIPE) {
		struct timespec zero = {0, 0};

		sigtimedwait(&pipe_only, NULL, &zero); /* drop the pending SIGPIPE */
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	errno = saved;
	return rc;
}

static int
send_command(const char *cmd, const void *msg, size_t len, struct err *e)
{
	posix_spawn_file_actions_t fa;
	char sh[] = "sh", dash_c[] = "-c", *argv[] = {sh, dash_c, NULL, NULL};
	char errtmp[] = "/tmp/padseal-sendmail.XXXXXX", said[300];
	int in[2] = {-1, -1}, errfd, status = 0, wrote, rc = -1;
	pid_t pid;

	argv[2] = (char *)(uintptr_t)cmd; /* posix_spawn does not write it */
	if ((errfd = mkstemp(errtmp)) < 0)
		return err_sys(e, "cannot make a temporary file for the command's messages");
	unlink(errtmp);
	if (pipe2(in, O_CLOEXEC) != 0) {
		close(errfd);
		return err_sys(e, "cannot start the command \"%s\"", cmd);
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, in[0], STDIN_FILENO);
	posix_spawn_file_actions_adddup2(&fa, errfd, STDERR_FILENO);
	errno = posix_spawn(&pid, "/bin/sh", &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(in[0]);
	if (errno != 0) {
		close(in[1]);
		close(errfd);
		return err_sys(e, "cannot start the command \"%s\"", cmd);
	}
	wrote = write_all(in[1], msg, len);
	close(in[1]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	last_line(errfd, said, sizeof said);
	close(errfd);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && wrote == 0)
		rc = 0;
	else if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
		err_set(e, "the command \"%s\" refused the message (exit status %d)%s%s", cmd,
			WEXITSTATUS(status), said[0] ? ": " : "", said);
	else if (WIFSIGNALED(status))
		err_set(e, "the command \"%s\" was killed by signal %d before it took the message",
			cmd, WTERMSIG(status));
	else
		err_set(e, "the command \"%s\" stopped reading the message before its end%s%s", cmd,
			said[0] ? ": " : "", said);
	return rc;
}

int
mailer_send(const struct mailer *m, const char *from, const char *to, const void *msg, size_t len,
	    struct err *e)
{
	if (m->smtp != NULL)
		return send_smtp(m->smtp, from, to, msg, len, e);
	return send_command(m->command, msg, len, e);
}
