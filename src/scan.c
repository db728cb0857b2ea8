/* scan — signer certificates of a mailbox, by address (see scan.h). */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/x509.h>

#include "addr.h"
#include "cred.h"
#include "mailbox.h"
#include "msg.h"
#include "peer.h"
#include "scan.h"
#include "xalloc.h"

int
scan_wants(const unsigned char *head, size_t len)
{
	static const char *const marks[] = {"multipart/signed", "pkcs7-mime", "pkcs7-signature"};

	for (size_t m = 0; m < sizeof marks / sizeof marks[0]; m++) {
		size_t k = strlen(marks[m]);

		for (size_t i = 0; i + k <= len; i++)
			if (strncasecmp((const char *)head + i, marks[m], k) == 0)
				return 1;
	}
	return 0;
}

static struct scan_cert *
find_or_add(struct scan *sc, const struct msg_layer *l)
{
	const unsigned char *p = l->signer_der;
	struct scan_cert *c;
	X509 *cert;

	for (size_t i = 0; i < sc->n; i++)
		if (strcmp(sc->certs[i].hex, l->signer_hex) == 0)
			return &sc->certs[i];
	if ((cert = d2i_X509(NULL, &p, (long)l->signer_der_len)) == NULL)
		return NULL;
	sc->certs = xreallocarray(sc->certs, sc->n + 1, sizeof *sc->certs);
	c = &sc->certs[sc->n++];
	memset(c, 0, sizeof *c);
	memcpy(c->hex, l->signer_hex, sizeof c->hex);
	memcpy(c->colon, l->signer_fpr, sizeof c->colon);
	c->n_addrs = peer_cert_addrs(cert, &c->addrs, NULL);
	asn1_time_iso(X509_get0_notAfter(cert), c->not_after, sizeof c->not_after);
	c->status = SCAN_UNKNOWN;
	X509_free(cert);
	return c;
}

void
scan_message(struct scan *sc, const struct msg_ctx *ctx, const char *where,
	     const unsigned char *buf, size_t len)
{
	struct msg_report rep;
	struct err e = ERR_INIT;
	int any = 0;

	memset(&rep, 0, sizeof rep);
	if (msg_open(ctx, buf, len, &rep, &e) != 0)
		return;
	for (size_t i = 0; i < rep.n_layers; i++) {
		const struct msg_layer *l = &rep.layer[i];
		struct scan_cert *c;

		if (l->kind != LAYER_SIGNED || l->signer_der == NULL ||
		    (c = find_or_add(sc, l)) == NULL)
			continue;
		any = 1;
		if (c->n_msgs < SCAN_WHERE_MAX)
			c->where[c->n_msgs] = xstrdup(where);
		c->n_msgs++;
		if (strcmp(l->signed_at, c->last_signed) > 0)
			memcpy(c->last_signed, l->signed_at, sizeof c->last_signed);
	}
	sc->signed_msgs += any;
	msg_report_free(&rep);
}

static const char *
main_addr(const struct scan_cert *c)
{
	return c->n_addrs ? c->addrs[0] : "";
}

static int
by_addr(const void *a, const void *b)
{
	const struct scan_cert *x = a, *y = b;
	int d = strcasecmp(main_addr(x), main_addr(y));

	return d ? d : (int)x->status - (int)y->status;
}

void
scan_finish(struct scan *sc, const struct state *st, const char *const *own_hex,
	    const int *own_current, size_t n_own)
{
	for (size_t i = 0; i < sc->n; i++) {
		struct scan_cert *c = &sc->certs[i];
		const struct st_peer *p = state_peer_by_hex(st, c->hex);

		if (p != NULL)
			c->status = p->trusted ? SCAN_CURRENT : SCAN_HELD;
		for (size_t k = 0; k < n_own; k++)
			if (strcmp(own_hex[k], c->hex) == 0)
				c->status = own_current[k] ? SCAN_CURRENT : SCAN_ARCHIVED_OWN;
	}
	if (sc->n > 1)
		qsort(sc->certs, sc->n, sizeof *sc->certs, by_addr);
}

int
scan_stale(const struct scan *sc, const struct scan_cert *c)
{
	if (c->status == SCAN_CURRENT)
		return 0;
	for (size_t i = 0; i < sc->n; i++) {
		const struct scan_cert *o = &sc->certs[i];

		if (o == c)
			continue;
		for (size_t a = 0; a < o->n_addrs; a++)
			for (size_t b = 0; b < c->n_addrs; b++)
				if (addr_eq(o->addrs[a], c->addrs[b]))
					return 1;
	}
	/* your own archived one is stale even alone in the mailbox */
	return c->status == SCAN_ARCHIVED_OWN;
}

void
scan_free(struct scan *sc)
{
	for (size_t i = 0; i < sc->n; i++) {
		cert_emails_free(sc->certs[i].addrs, sc->certs[i].n_addrs);
		for (size_t w = 0; w < sc->certs[i].n_msgs && w < SCAN_WHERE_MAX; w++)
			free(sc->certs[i].where[w]);
	}
	free(sc->certs);
	memset(sc, 0, sizeof *sc);
}
