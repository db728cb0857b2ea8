/* mailset — the mail settings kept in the home (see mailset.h). */
#include "config.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fileio.h"
#include "mailer.h"
#include "mailset.h"
#include "xalloc.h"

#define MAILSET_HEAD "padseal-mail-settings 1"

struct field {
	const char *key;
	size_t off, size;
};

#define F(k, m)                                                                              \
	{                                                                                    \
		k, offsetof(struct mail_settings, m), sizeof(((struct mail_settings *)0)->m) \
	}
static const struct field fields[] = {
	F("smtp", smtp),   F("smtp-user", smtp_user), F("cacert", cacert),
	F("mailbox", box), F("imap-user", imap_user), F("sent", sent),
};
#undef F
#define N_FIELDS (sizeof fields / sizeof fields[0])

static const char *const kinds[] = {"imap", "maildir", "mbox", "emlx"};

int
mailset_any(const struct mail_settings *ms)
{
	return ms->smtp[0] || ms->box[0] || ms->sent[0];
}

static int
clean(const char *v)
{
	for (const unsigned char *p = (const unsigned char *)v; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return 0;
	return 1;
}

/* "imap imaps://host/INBOX" into the kind and the place. */
static int
split_box(const char *v, char kind[8], char box[MAILSET_MAX])
{
	const char *sp = strchr(v, ' ');

	for (size_t i = 0; sp != NULL && i < sizeof kinds / sizeof kinds[0]; i++) {
		if (strlen(kinds[i]) == (size_t)(sp - v) &&
		    strncmp(v, kinds[i], (size_t)(sp - v)) == 0 && sp[1] != '\0') {
			snprintf(kind, 8, "%s", kinds[i]);
			snprintf(box, MAILSET_MAX, "%s", sp + 1);
			return 0;
		}
	}
	return -1;
}

int
mailset_load(const struct home *h, struct mail_settings *out, struct err *e)
{
	char *path = path_join(h->dir, MAILSET_FILE);
	unsigned char *buf = NULL;
	size_t len = 0;
	unsigned seen = 0;
	int lineno = 0, rc = -1;
	char *line, *next;

	memset(out, 0, sizeof *out);
	if (!path_exists(path)) {
		free(path);
		return 0;
	}
	if (file_read_home(path, 64 * 1024, &buf, &len, e) != 0)
		goto out;
	for (line = (char *)buf; line != NULL && *line; line = next) {
		char *eq;
		size_t i;

		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		if (++lineno == 1) {
			if (strcmp(line, MAILSET_HEAD) != 0) {
				err_set(e,
					"%s is not a padseal mail settings file (its first line)",
					path);
				goto out;
			}
			continue;
		}
		if ((eq = strchr(line, '=')) == NULL) {
			err_set(e, "%s, line %d: not a setting (KEY=VALUE)", path, lineno);
			goto out;
		}
		*eq = '\0';
		for (i = 0; i < N_FIELDS && strcmp(fields[i].key, line) != 0; i++)
			;
		if (i == N_FIELDS || (seen & (1u << i)) || strlen(eq + 1) >= fields[i].size ||
		    !clean(eq + 1)) {
			err_set(e, "%s, line %d: %s setting \"%s\"", path, lineno,
				i == N_FIELDS      ? "an unknown" :
				(seen & (1u << i)) ? "a repeated" :
						     "a malformed",
				line);
			goto out;
		}
		seen |= 1u << i;
		if (strcmp(line, "mailbox") == 0 || strcmp(line, "sent") == 0) {
			int sent = line[0] == 's';

			if (split_box(eq + 1, sent ? out->sent_kind : out->box_kind,
				      sent ? out->sent : out->box) != 0) {
				err_set(e,
					"%s, line %d: the %s is not \"imap|maildir|mbox|emlx WHERE\"",
					path, lineno, sent ? "Sent folder" : "mailbox");
				goto out;
			}
		} else {
			memcpy((char *)out + fields[i].off, eq + 1, strlen(eq + 1) + 1);
		}
	}
	if (lineno == 0) {
		err_set(e, "%s is empty", path);
		goto out;
	}
	rc = 0;
out:
	if (rc != 0)
		memset(out, 0, sizeof *out);
	free(buf);
	free(path);
	return rc;
}

int
mailset_save(const struct home *h, const struct mail_settings *ms, struct err *e)
{
	char *path, *text, *t;
	int rc;

	for (size_t i = 0; i < N_FIELDS; i++) {
		const char *v = (const char *)ms + fields[i].off;

		if (!clean(v))
			return err_set(e,
				       "the %s setting holds a control character; nothing was kept",
				       fields[i].key);
	}
	if ((ms->box[0] && !ms->box_kind[0]) || (ms->sent[0] && !ms->sent_kind[0]))
		return err_set(e, "a mailbox needs its kind; nothing was kept");
	text = xasprintf("%s\n", MAILSET_HEAD);
	for (size_t i = 0; i < N_FIELDS; i++) {
		const char *v = (const char *)ms + fields[i].off;

		if (*v == '\0')
			continue;
		t = strcmp(fields[i].key, "mailbox") == 0 ?
			    xasprintf("%s%s=%s %s\n", text, fields[i].key, ms->box_kind, v) :
		    strcmp(fields[i].key, "sent") == 0 ?
			    xasprintf("%s%s=%s %s\n", text, fields[i].key, ms->sent_kind, v) :
			    xasprintf("%s%s=%s\n", text, fields[i].key, v);
		free(text);
		text = t;
	}
	path = path_join(h->dir, MAILSET_FILE);
	rc = file_write_atomic(path, text, strlen(text), 0, e);
	free(path);
	free(text);
	return rc;
}

int
mailset_smtp(const struct mail_settings *ms, const char *pass, char *user, size_t user_len,
	     struct mail_server *srv, struct err *e)
{
	if (ms->smtp[0] == '\0')
		return err_set(e, "no mail server is kept: padseal settings --smtp URL keeps one");
	if (mail_url_check(ms->smtp, "smtp", user, user_len, e) != 0)
		return -1;
	if (ms->smtp_user[0] != '\0')
		snprintf(user, user_len, "%s", ms->smtp_user);
	*srv = (struct mail_server){.url = ms->smtp,
				    .user = user[0] ? user : NULL,
				    .pass = user[0] ? pass : NULL,
				    .cacert = ms->cacert[0] ? ms->cacert : NULL};
	return 0;
}

int
mailset_box_req(const struct mail_settings *ms, int sent, struct mail_box_req *r)
{
	const char *path = sent ? ms->sent : ms->box;

	if (path[0] == '\0')
		return 0;
	*r = (struct mail_box_req){.path = path,
				   .kind = sent ? ms->sent_kind : ms->box_kind,
				   .user = ms->imap_user[0] ? ms->imap_user : NULL,
				   .cacert = ms->cacert[0] ? ms->cacert : NULL};
	return 1;
}

/* Are two URLs on the same server (scheme, host and port; users aside)? */
static int
same_server(const char *a, const char *b)
{
	const char *ha = strstr(a, "://"), *hb = strstr(b, "://"), *at;
	size_t la, lb;

	if (ha == NULL || hb == NULL || ha - a != hb - b || strncmp(a, b, (size_t)(ha - a)) != 0)
		return 0;
	ha += 3, hb += 3;
	la = strcspn(ha, "/");
	lb = strcspn(hb, "/");
	if ((at = memchr(ha, '@', la)) != NULL)
		la -= (size_t)(at + 1 - ha), ha = at + 1;
	if ((at = memchr(hb, '@', lb)) != NULL)
		lb -= (size_t)(at + 1 - hb), hb = at + 1;
	return la == lb && strncasecmp(ha, hb, la) == 0;
}

int
mailset_box(const struct mail_box_req *r, const struct mail_box *in, struct mail_box *b,
	    struct err *e)
{
	int in_imap = in != NULL && in->mb.kind == MBX_IMAP;

	memset(b, 0, sizeof *b);
	mailbox_of_kind(r->path, r->kind, &b->mb);
	if (b->mb.kind != MBX_IMAP)
		return 0;
	if (mail_url_check(b->mb.path, "imap", b->user, sizeof b->user, e) != 0)
		return -1;
	if (r->user != NULL && r->user[0] != '\0')
		snprintf(b->user, sizeof b->user, "%s", r->user);
	if (b->user[0] == '\0' && in_imap)
		snprintf(b->user, sizeof b->user, "%s", in->user);
	if (b->user[0] == '\0')
		return MAILSET_NEED_USER;
	b->srv = (struct mail_server){.url = b->mb.path,
				      .user = b->user,
				      .cacert = r->cacert,
				      .insecure = r->insecure};
	b->mb.imap = &b->srv;
	b->shares =
		in_imap && strcmp(in->user, b->user) == 0 && same_server(in->mb.path, b->mb.path);
	return 0;
}
