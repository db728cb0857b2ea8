/* msg — open a message as a careful mail client would: walk the MIME
 * structure outside-in, check each signature over the bytes received,
 * open each envelope with the current or an archived identity, and keep
 * the innermost text.  Layers are judged against the home: pinned
 * (trusted) correspondents, changed certificates, the user's own.
 *
 * This file holds the walk itself: the identities and correspondents it
 * is given, the MIME structure (where the S/MIME part is), the text and
 * attachments inside, and the report (msg_open, msg_layers_line).  The
 * S/MIME layers — signatures, envelopes, the CMS reader — are in
 * msg_cms.c; what the two share is in msg_int.h. */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ident.h"
#include "mime.h"
#include "msg.h"
#include "msg_int.h"
#include "outlook.h"
#include "peer.h"
#include "xalloc.h"

/* Copy, cutting to fit (fields are for display; cutting is fine). */
void
msg_copy(char *dst, size_t len, const char *src)
{
	size_t n = src ? strlen(src) : 0;

	if (n >= len)
		n = len - 1;
	if (n > 0)
		memcpy(dst, src, n);
	dst[n] = '\0';
}

/* --- the home: own identities and correspondents ------------------------- */

/* The user's own certificates: they sign, and envelopes are for them. */
void
msg_load_own(struct walk *w)
{
	const struct state *st = w->ctx->st;
	struct err ignore = ERR_INIT;

	if (w->ctx->h == NULL || st == NULL)
		return;
	/* The current identity first: it is the likeliest to open mail. */
	for (int round = 0; round < 2; round++)
		for (size_t i = 0; i < state_n_idents(st); i++) {
			const struct st_ident *r = state_ident(st, i);
			struct own *o = &w->own[w->n_own];

			if (r->current != (round == 0) || w->n_own == MAX_OWN)
				continue;
			if (ident_cert(w->ctx->h, r->hex, &o->cert, NULL, &ignore) != 0) {
				err_clear(&ignore);
				continue;
			}
			msg_copy(o->hex, sizeof o->hex, r->hex);
			o->archived = !r->current;
			w->n_own++;
		}
}

void
msg_free_walk(struct walk *w)
{
	for (size_t i = 0; i < w->n_own; i++)
		X509_free(w->own[i].cert); /* the keys belong to ctx->key's owner */
	for (size_t i = 0; i < w->n_plain; i++)
		BUF_MEM_free(w->plain[i]); /* wipes it */
	for (size_t i = 0; i < w->n_opaque; i++) {
		ASN1_OCTET_STRING **pos = CMS_get0_content(w->opaque[i]);

		if (pos != NULL && *pos != NULL) /* it may have been inside an envelope */
			OPENSSL_cleanse((*pos)->data, (size_t)(*pos)->length);
		CMS_ContentInfo_free(w->opaque[i]);
	}
}

/* --- the MIME structure -------------------------------------------------- */

int
msg_is_p7m(const struct mime_entity *m)
{
	char name[256];
	size_t n;

	if (strcmp(m->type, "application/pkcs7-mime") == 0 ||
	    strcmp(m->type, "application/x-pkcs7-mime") == 0)
		return 1;
	if (strcmp(m->type, "application/octet-stream") != 0)
		return 0;
	if (!mime_param(m->ctype, "name", name, sizeof name) &&
	    !mime_param(m->cdisp, "filename", name, sizeof name))
		return 0;
	return (n = strlen(name)) >= 4 && strcasecmp(name + n - 4, ".p7m") == 0;
}

static int
is_sig_type(const char *t)
{
	return strcmp(t, "application/pkcs7-signature") == 0 ||
	       strcmp(t, "application/x-pkcs7-signature") == 0;
}

/* multipart/signed: 1 S/MIME, 0 something else (OpenPGP). */
static int
smime_signed(const struct mime_entity *m)
{
	char proto[128] = "";
	struct mime_iter it;
	const unsigned char *p;
	size_t n;
	int yes = 0;

	if (mime_param(m->ctype, "protocol", proto, sizeof proto)) {
		for (char *c = proto; *c; c++)
			*c = (char)tolower((unsigned char)*c);
		if (is_sig_type(proto))
			return 1;
		if (strstr(proto, "pgp") != NULL)
			return 0;
	}
	/* No or an unknown protocol: believe the signature part's own type. */
	if (mime_parts_begin(m, &it) == 0 && mime_parts_next(&it, &p, &n) &&
	    mime_parts_next(&it, &p, &n)) {
		struct mime_entity s;

		mime_parse(p, n, MIME_LENIENT, NULL, &s, NULL);
		yes = is_sig_type(s.type);
		mime_entity_free(&s);
	}
	return yes;
}

/* Depth-first search of a multipart for the first S/MIME part, as a mail
 * client finds it; parts passed on the way are counted in *outside.
 * 1 found, 0 none, -1 nested too deeply. */
static int
find_smime(const struct mime_entity *m, int depth, const unsigned char **sp, size_t *sn,
	   size_t *outside)
{
	struct mime_iter it;
	const unsigned char *p;
	size_t n, seen = 0;
	int found = 0, pgp = strcmp(m->type, "multipart/signed") == 0;

	if (depth > MIME_MAX_DEPTH)
		return -1;
	if (mime_parts_begin(m, &it) != 0)
		return 0;
	while (found == 0 && mime_parts_next(&it, &p, &n)) {
		struct mime_entity c;

		mime_parse(p, n, MIME_LENIENT,
			   strcmp(m->type, "multipart/digest") == 0 ? "message/rfc822" : NULL, &c,
			   NULL);
		if (msg_is_p7m(&c) ||
		    (strcmp(c.type, "multipart/signed") == 0 && smime_signed(&c))) {
			*sp = p, *sn = n, found = 1;
		} else if (mime_is(&c, "multipart")) {
			found = find_smime(&c, depth + 1, sp, sn, outside);
			seen += found == 0;
		} else if (!(pgp && strcmp(c.type, "application/pgp-signature") == 0)) {
			seen++;
		}
		mime_entity_free(&c);
	}
	if (found > 0) {
		while (mime_parts_next(&it, &p, &n))
			seen++;
		*outside += seen;
	}
	return found;
}

/* --- the text inside ----------------------------------------------------- */

void
msg_add_name(char *list, size_t len, const char *name)
{
	size_t used = strlen(list);
	const char *s = list;

	for (size_t n = strlen(name); *s; s += strcspn(s, ",") + (s[strcspn(s, ",")] ? 2 : 0))
		if (strncmp(s, name, n) == 0 && (s[n] == ',' || s[n] == '\0'))
			return;
	snprintf(list + used, len - used, "%s%s", used ? ", " : "", name);
}

struct parts {
	int deep; /* nested beyond MIME_MAX_DEPTH */
	char *text;
	char types[200];
	char files[300];
	size_t attachments;
};

int
msg_is_attachment(const struct mime_entity *m, char *file, size_t len)
{
	int named = mime_param(m->cdisp, "filename", file, len) ||
		    mime_param(m->ctype, "name", file, len);

	if (m->cdisp != NULL && strncasecmp(m->cdisp, "attachment", 10) == 0)
		return 1;
	return named && strcmp(m->type, "text/plain") != 0 && !mime_is(m, "multipart");
}

static void
collect(const struct mime_entity *m, int depth, struct parts *ps)
{
	char file[200] = "";

	if (depth > MIME_MAX_DEPTH) {
		ps->deep = 1;
	} else if (mime_is(m, "multipart")) {
		struct mime_iter it;
		const unsigned char *p;
		size_t n;

		if (mime_parts_begin(m, &it) != 0)
			return;
		while (mime_parts_next(&it, &p, &n)) {
			struct mime_entity c;

			mime_parse(p, n, MIME_LENIENT, NULL, &c, NULL);
			collect(&c, depth + 1, ps);
			mime_entity_free(&c);
		}
	} else if (msg_is_attachment(m, file, sizeof file)) {
		ps->attachments++;
		msg_add_name(ps->files, sizeof ps->files, file[0] ? file : m->type);
	} else if (strcmp(m->type, "text/plain") == 0 && ps->text == NULL) {
		struct mime_data d;
		char cs[64];

		mime_decode_body(m, &d);
		ps->text =
			mime_text_utf8(d.p, d.len,
				       mime_param(m->ctype, "charset", cs, sizeof cs) ? cs : NULL);
		mime_data_free(&d);
		msg_add_name(ps->types, sizeof ps->types, m->type);
	} else {
		msg_add_name(ps->types, sizeof ps->types, m->type);
	}
}

static int
content(struct walk *w, const struct mime_entity *m, int depth)
{
	struct parts ps = {0};
	struct msg_report *r = w->r;

	collect(m, depth, &ps);
	if (ps.deep) {
		free(ps.text);
		return err_set(w->e,
			       "the message is nested more than %d levels deep; padseal stops there",
			       MIME_MAX_DEPTH);
	}
	snprintf(r->parts, sizeof r->parts, "%s", ps.types[0] ? ps.types : "no text");
	if (ps.attachments)
		snprintf(r->parts + strlen(r->parts), sizeof r->parts - strlen(r->parts),
			 ", %zu attachment%s: %s", ps.attachments, ps.attachments == 1 ? "" : "s",
			 ps.files);
	r->text = ps.text != NULL ? ps.text : xstrdup(r->parts);
	return 0;
}

/* One entity: an S/MIME layer, a container to search, or the content. */
int
msg_walk(struct walk *w, const unsigned char *p, size_t n, int depth)
{
	struct mime_entity m;
	const unsigned char *sp;
	size_t sn;
	int rc = 0, found;

	if (depth > MIME_MAX_DEPTH)
		return err_set(w->e,
			       "the message is nested more than %d levels deep; padseal stops there",
			       MIME_MAX_DEPTH);
	mime_parse(p, n, MIME_LENIENT, NULL, &m, NULL);
	if (msg_is_p7m(&m)) {
		struct mime_data d;
		char hint[40] = "";

		mime_param(m.ctype, "smime-type", hint, sizeof hint);
		mime_decode_body(&m, &d);
		rc = msg_cms_layer(w, &d, hint, depth);
	} else if (strcmp(m.type, "multipart/signed") == 0 && smime_signed(&m)) {
		rc = msg_detached(w, &m, depth);
	} else if (strcmp(m.type, "multipart/signed") == 0) {
		struct mime_iter it;

		w->r->pgp = 1; /* OpenPGP: not checked, its content read */
		if (mime_parts_begin(&m, &it) == 0 && mime_parts_next(&it, &sp, &sn))
			rc = msg_walk(w, sp, sn, depth + 1);
		else
			rc = content(w, &m, depth);
	} else if (mime_is(&m, "multipart") &&
		   (found = find_smime(&m, depth, &sp, &sn, &w->r->outside)) != 0) {
		rc = found < 0 ?
			     err_set(w->e,
				     "the message is nested more than %d levels deep; padseal stops there",
				     MIME_MAX_DEPTH) :
			     msg_walk(w, sp, sn, depth + 1);
	} else {
		rc = content(w, &m, depth);
	}
	mime_entity_free(&m);
	return rc;
}

/* --- the whole message --------------------------------------------------- */

void
msg_headers(const struct mime_entity *m, struct msg_report *r)
{
	char *v;

	if ((v = mime_header(m, "From")) != NULL)
		mime_addresses(v, r->from, sizeof r->from, r->from_name, sizeof r->from_name);
	free(v);
	r->from_lines = mime_header_count(m, "From");
	if ((v = mime_header(m, "To")) != NULL)
		mime_addresses(v, r->to, sizeof r->to, NULL, 0);
	free(v);
	if ((v = mime_header(m, "Subject")) != NULL) {
		char *d = mime_decode_words(v);

		msg_copy(r->subject, sizeof r->subject, d);
		free(d);
	}
	free(v);
	if ((v = mime_header(m, "Date")) != NULL)
		msg_copy(r->date, sizeof r->date, v);
	free(v);
}

void
msg_classify(struct msg_report *r)
{
	int env = 0, sig = 0;

	r->ok = r->from_lines < 2; /* who sent it is not clear */
	for (size_t i = 0; i < r->n_layers; i++) {
		const struct msg_layer *l = &r->layer[i];

		if (l->kind == LAYER_SIGNED) {
			sig = 1;
			if (l->sig != SIG_VALID || !l->trusted || l->changed || l->from_mismatch ||
			    l->expired_at_signing)
				r->ok = 0;
		} else {
			env = 1;
			if (!l->opened)
				r->ok = 0;
		}
	}
	r->kind = env && sig ? KIND_SIGNED_ENCRYPTED :
		  env        ? KIND_ENCRYPTED :
		  sig        ? KIND_SIGNED :
			       KIND_PLAIN;
}

int
msg_open(const struct msg_ctx *ctx, const unsigned char *buf, size_t len, struct msg_report *r,
	 struct err *e)
{
	struct walk w = {0};
	struct mime_entity top;
	struct mime_data d;
	int rc;

	memset(r, 0, sizeof *r);
	w.ctx = ctx;
	w.r = r;
	w.e = e;
	if (len == 0)
		return err_set(e, "the file is empty: it is not a mail message");
	if (outlook_is_msg(buf, len)) {
		unsigned char *mime;
		size_t n;

		if (outlook_msg_mime(buf, len, &mime, &n, e) != 0)
			return -1;
		rc = msg_open(ctx, mime, n, r, e);
		free(mime);
		return rc;
	}
	if (mime_parse(buf, len, MIME_MESSAGE, NULL, &top, e) != 0) {
		mime_entity_free(&top);
		if (!msg_bare_cms(buf, len, &d))
			return -1;
		err_clear(e);
		msg_load_own(&w);
		rc = msg_cms_layer(&w, &d, "", 0);
	} else {
		msg_headers(&top, r);
		mime_entity_free(&top);
		msg_load_own(&w);
		rc = msg_walk(&w, buf, len, 0);
	}
	if (rc == 0 && r->text == NULL && r->parts[0] == '\0')
		msg_copy(r->parts, sizeof r->parts, "the content could not be opened");
	msg_classify(r);
	msg_free_walk(&w);
	if (rc != 0)
		msg_report_free(r);
	return rc;
}

void
msg_report_free(struct msg_report *r)
{
	if (r->text != NULL)
		OPENSSL_clear_free(r->text, strlen(r->text));
	for (size_t i = 0; i < r->n_layers && i < MSG_MAX_LAYERS; i++) {
		free(r->layer[i].signer_der);
		free(r->layer[i].signer_ca_der);
	}
	msg_spool_free(r->more);
	memset(r, 0, sizeof *r);
}

void
msg_layers_line(const struct msg_report *r, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	if (r->n_layers == 0)
		snprintf(buf, len, "plain%s",
			 r->pgp ? " (with an OpenPGP signature, not checked)" : "");
	for (size_t i = 0; i < r->n_layers && used < len; i++) {
		const struct msg_layer *l = &r->layer[i];
		const char *sep = i ? " > " : "";

		if (l->kind == LAYER_SIGNED)
			snprintf(buf + used, len - used, "%ssigned(%s, by: %s, %s%s%s)", sep,
				 l->alg[0] ? l->alg : "unknown",
				 l->signer[0] ? l->signer : "unknown",
				 l->sig == SIG_VALID   ? "valid" :
				 l->sig == SIG_INVALID ? "invalid" :
							 "uncheckable",
				 l->sig != SIG_VALID ? "" :
				 l->own              ? ", yours" :
				 l->renewed ? ", trusted (renewed by the CA you verified)" :
				 l->trusted ? ", trusted" :
				 l->changed ? ", changed" :
					      ", not trusted",
				 l->sha1 && l->sig == SIG_VALID ? ", SHA-1" : "");
		else
			snprintf(buf + used, len - used, "%s%s(%s, to: %s%s)", sep,
				 l->kind == LAYER_ENVELOPED ? "enveloped" : "authenveloped", l->alg,
				 l->recipients[0] ? l->recipients : "unknown",
				 !l->opened              ? ", not opened" :
				 l->opened_with_archived ? ", opened with an archived key" :
							   "");
		used = strlen(buf);
	}
}
