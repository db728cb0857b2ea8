/* mailbox_imap — reading an IMAP folder without changing it.  libcurl
 * connects, negotiates TLS (STARTTLS required on imap://) and logs in;
 * then the folder is opened read-only (EXAMINE), the header blocks are
 * fetched (BODY.PEEK[HEADER]), and the whole message only of those the
 * visitor wants (BODY.PEEK[]).  PEEK and EXAMINE leave every flag as it
 * was; nothing is stored, copied or expunged. */
#include "config.h"

#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "fileio.h"
#include "mailbox.h"
#include "xalloc.h"

#define IMAP_WAIT_MS  120000 /* a server silent this long has gone */
#define IMAP_LINE_MAX 65536  /* one response line, literals apart */

struct imap {
	struct mail_conn c;
	curl_socket_t sock;
	unsigned char *buf; /* what was received and not yet consumed */
	size_t len, cap;
	int tag;
	char folder[512];
	char said[300]; /* the text of the last tagged reply */
};

/* Wait until the socket can be read (or written). */
static int
wait_sock(struct imap *im, short events, struct err *e)
{
	struct pollfd pfd = {(int)im->sock, events, 0};
	int n = poll(&pfd, 1, IMAP_WAIT_MS);

	if (n <= 0)
		return err_set(e, "the IMAP server stopped answering");
	return 0;
}

static int
send_all(struct imap *im, const char *s, struct err *e)
{
	size_t len = strlen(s);

	while (len > 0) {
		size_t put = 0;
		CURLcode rc = curl_easy_send(im->c.curl, s, len, &put);

		if (rc == CURLE_AGAIN) {
			if (wait_sock(im, POLLOUT, e) != 0)
				return -1;
			continue;
		}
		if (rc != CURLE_OK)
			return err_set(e, "the connection to the IMAP server broke (%s)",
				       curl_easy_strerror(rc));
		s += put;
		len -= put;
	}
	return 0;
}

/* At least `want` bytes in the buffer. */
static int
fill(struct imap *im, size_t want, struct err *e)
{
	while (im->len < want) {
		size_t got = 0;
		CURLcode rc;

		if (im->cap - im->len < 16384) {
			im->cap = im->cap ? 2 * im->cap : 65536;
			im->buf = xrealloc(im->buf, im->cap);
		}
		rc = curl_easy_recv(im->c.curl, im->buf + im->len, im->cap - im->len, &got);
		if (rc == CURLE_AGAIN) {
			if (wait_sock(im, POLLIN, e) != 0)
				return -1;
			continue;
		}
		if (rc != CURLE_OK || got == 0)
			return err_set(e, "the connection to the IMAP server broke%s%s",
				       rc != CURLE_OK ? ": " : "",
				       rc != CURLE_OK ? curl_easy_strerror(rc) : "");
		im->len += got;
	}
	return 0;
}

/* The end of the line starting at `at` (the offset after its CRLF). */
static int
line_end(struct imap *im, size_t at, size_t *end, struct err *e)
{
	size_t from = at;

	for (;;) {
		unsigned char *nl =
			im->len > from ? memchr(im->buf + from, '\n', im->len - from) : NULL;

		if (nl != NULL) {
			*end = (size_t)(nl - im->buf) + 1;
			return 0;
		}
		if (im->len - at > IMAP_LINE_MAX)
			return err_set(e, "the IMAP server sent a line too long to be a reply");
		from = im->len;
		if (fill(im, im->len + 1, e) != 0)
			return -1;
	}
}

/* A literal announced at the end of the line [at, end): its size, or -1. */
static long long
literal_at(const unsigned char *p, size_t at, size_t end)
{
	size_t i = end;
	long long n = 0, mul = 1;

	while (i > at && (p[i - 1] == '\n' || p[i - 1] == '\r'))
		i--;
	if (i == at || p[i - 1] != '}')
		return -1;
	i--;
	while (i > at && p[i - 1] >= '0' && p[i - 1] <= '9' && mul < 1000000000000LL) {
		n += (p[i - 1] - '0') * mul;
		mul *= 10;
		i--;
	}
	if (i == at || p[i - 1] != '{' || mul == 1)
		return -1;
	return n;
}

/* One response (a line, and the literals it announces with the lines that
 * follow them) read whole into buf[0..*size).  The last literal is at
 * *lit (*lit_len bytes), or *lit_len = 0 and *lit = 0 when none. */
static int
response(struct imap *im, size_t *size, size_t *lit, size_t *lit_len, struct err *e)
{
	size_t at = 0, end = 0;
	long long n;

	*lit = 0;
	*lit_len = 0;
	for (;;) {
		if (line_end(im, at, &end, e) != 0)
			return -1;
		if ((n = literal_at(im->buf, at, end)) < 0) {
			*size = end;
			return 0;
		}
		if ((unsigned long long)n > FILE_MAX_MSG)
			return err_set(e,
				       "the IMAP server announced a message of %lld bytes, more than padseal reads",
				       n);
		if (fill(im, end + (size_t)n, e) != 0)
			return -1;
		*lit = end;
		*lit_len = (size_t)n;
		at = end + (size_t)n;
	}
}

/* Drop the first `n` bytes of the buffer. */
static void
consume(struct imap *im, size_t n)
{
	memmove(im->buf, im->buf + n, im->len - n);
	im->len -= n;
}

/* The number after "UID " in the text parts of a response, 0 if none. */
static unsigned long
uid_of(const unsigned char *p, size_t size, size_t lit, size_t lit_len)
{
	for (size_t i = 0; i + 4 < size; i++) {
		if (lit_len && i >= lit && i < lit + lit_len) {
			i = lit + lit_len - 1;
			continue;
		}
		if (memcmp(p + i, "UID ", 4) == 0 && (i == 0 || p[i - 1] == ' ' || p[i - 1] == '('))
			return strtoul((const char *)p + i + 4, NULL, 10);
	}
	return 0;
}

/* Send a command and read until its tagged reply.  Each FETCH response
 * with a literal goes to `each` (uid, the literal).  -1 when the reply is
 * not OK (its text in im->said) or the connection fails. */
static int
command(struct imap *im, const char *cmd,
	int (*each)(struct imap *im, unsigned long uid, const unsigned char *p, size_t n, void *arg,
		    struct err *e),
	void *arg, unsigned long *exists, struct err *e)
{
	char line[1200], tag[16];
	size_t taglen;

	snprintf(tag, sizeof tag, "P%d ", ++im->tag);
	taglen = strlen(tag);
	snprintf(line, sizeof line, "%s%s\r\n", tag, cmd);
	if (send_all(im, line, e) != 0)
		return -1;
	for (;;) {
		size_t size = 0, lit = 0, lit_len = 0;

		if (response(im, &size, &lit, &lit_len, e) != 0)
			return -1;
		if (size >= taglen && memcmp(im->buf, tag, taglen) == 0) {
			size_t n = 0;

			for (size_t i = taglen; i < size && n + 1 < sizeof im->said; i++)
				if (im->buf[i] >= 0x20 && im->buf[i] < 0x7f)
					im->said[n++] = (char)im->buf[i];
			im->said[n] = '\0';
			consume(im, size);
			return strncmp(im->said, "OK", 2) == 0 ? 0 : -1;
		}
		if (exists != NULL && size > 2 && im->buf[0] == '*') {
			char *end;
			unsigned long v = strtoul((const char *)im->buf + 2, &end, 10);

			if (strncmp(end, " EXISTS", 7) == 0)
				*exists = v;
		}
		if (each != NULL && lit_len > 0) {
			int rc = each(im, uid_of(im->buf, size, lit, lit_len), im->buf + lit,
				      lit_len, arg, e);

			if (rc != 0)
				return -1;
		}
		consume(im, size);
	}
}

/* --- the walk ---------------------------------------------------------------- */

struct uids {
	unsigned long *v;
	size_t n, cap;
	const struct mbx_visit *visit;
};

static int
on_header(struct imap *im, unsigned long uid, const unsigned char *p, size_t n, void *arg,
	  struct err *e)
{
	struct uids *u = arg;

	(void)im;
	(void)e;
	if (uid == 0 || (u->visit->want != NULL && !u->visit->want(u->visit->arg, p, n)))
		return 0;
	if (u->n == u->cap) {
		u->cap = u->cap ? 2 * u->cap : 64;
		u->v = xreallocarray(u->v, u->cap, sizeof *u->v);
	}
	u->v[u->n++] = uid;
	return 0;
}

static int
on_message(struct imap *im, unsigned long uid, const unsigned char *p, size_t n, void *arg,
	   struct err *e)
{
	const struct mbx_visit *v = arg;
	char where[700];

	snprintf(where, sizeof where, "IMAP %s, UID %lu", im->folder, uid);
	return v->take(v->arg, where, p, n, e);
}

/* "EXAMINE "folder"" with the folder quoted; -1 for a name that cannot be. */
static int
quoted(const char *verb, const char *folder, char *out, size_t len)
{
	size_t n = (size_t)snprintf(out, len, "%s \"", verb);

	for (const char *p = folder; *p; p++) {
		if ((unsigned char)*p < 0x20 || *p == 0x7f || n + 4 >= len)
			return -1;
		if (*p == '"' || *p == '\\')
			out[n++] = '\\';
		out[n++] = *p;
	}
	out[n++] = '"';
	out[n] = '\0';
	return 0;
}

int
mailbox_read_imap(const struct mail_server *srv, const struct mbx_visit *v, struct err *e)
{
	struct imap im = {0};
	struct mail_server base = *srv;
	struct uids u = {NULL, 0, 0, v};
	unsigned long exists = 0;
	char cmd[1200], *url;
	CURLcode res;
	int rc = -1;

	if ((url = mail_url_split(srv->url, im.folder, sizeof im.folder)) == NULL)
		return err_set(e, "\"%s\" is not an IMAP URL", srv->url);
	base.url = url;
	if (quoted("EXAMINE", im.folder, cmd, sizeof cmd) != 0) {
		free(url);
		return err_set(e, "the folder name in %s cannot be sent to an IMAP server",
			       srv->url);
	}
	if (mail_conn_open(&im.c, &base, e) != 0)
		goto out;
	curl_easy_setopt(im.c.curl, CURLOPT_PROTOCOLS_STR, "imap,imaps");
	curl_easy_setopt(im.c.curl, CURLOPT_CONNECT_ONLY, 1L);
	if ((res = curl_easy_perform(im.c.curl)) != CURLE_OK) {
		mail_conn_fail(&im.c, res, "the login", e);
		goto out;
	}
	if (curl_easy_getinfo(im.c.curl, CURLINFO_ACTIVESOCKET, &im.sock) != CURLE_OK ||
	    im.sock == CURL_SOCKET_BAD) {
		err_set(e, "the connection to the IMAP server was lost after the login");
		goto out;
	}
	if (command(&im, cmd, NULL, NULL, &exists, e) != 0) {
		if (!e->set)
			err_set(e, "cannot open the folder \"%s\" on the IMAP server: %s",
				im.folder, im.said);
		goto out;
	}
	if (exists > 0 &&
	    command(&im, "UID FETCH 1:* (UID BODY.PEEK[HEADER])", on_header, &u, NULL, e) != 0) {
		if (!e->set)
			err_set(e, "the IMAP server refused to list the folder: %s", im.said);
		goto out;
	}
	for (size_t i = 0; i < u.n; i++) {
		snprintf(cmd, sizeof cmd, "UID FETCH %lu (UID BODY.PEEK[])", u.v[i]);
		if (command(&im, cmd, on_message, (void *)(uintptr_t)v, NULL, e) != 0) {
			if (!e->set)
				err_set(e, "the IMAP server refused to give message %lu: %s",
					u.v[i], im.said);
			goto out;
		}
	}
	{
		struct err ignored = ERR_INIT; /* the server may close first */

		command(&im, "LOGOUT", NULL, NULL, NULL, &ignored);
	}
	rc = 0;
out:
	free(u.v);
	free(im.buf);
	mail_conn_close(&im.c);
	free(url);
	return rc;
}
