/* The verbs about correspondents' certificates: peers, compare, trust and
 * untrust.  compare and peers only read; trust and untrust check
 * everything on a read-only home first, so a refusal leaves it untouched. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/x509.h>

#include "addr.h"
#include "checklist.h"
#include "cli_int.h"
#include "compare.h"
#include "cred.h"
#include "fpr.h"
#include "isotime.h"
#include "json.h"
#include "lint.h"
#include "peer.h"
#include "state.h"
#include "trust.h"
#include "xalloc.h"

int
cli_peer(const struct cli *c, const struct state *st, const char *spec, struct rec **out)
{
	struct err e = ERR_INIT;

	switch (peer_resolve(st, spec, out, &e)) {
	case PEER_FOUND: return 0;
	case PEER_AMBIGUOUS: return cli_fail(c, &e, EXIT_USAGE);
	default: return cli_fail(c, &e, EXIT_NO);
	}
}

/* Open the home read-only, load the state and resolve args[0]. */
static int
open_peer(const struct cli *c, struct home *h, struct state **st, struct rec **r)
{
	struct err e = ERR_INIT;
	int rc;

	*st = NULL;
	if ((rc = cli_home(c, h, HOME_READ)) != 0)
		return rc;
	if (state_load(h, st, &e) != 0)
		return cli_fail(c, &e, EXIT_NO);
	return cli_peer(c, *st, c->args[0], r);
}

/* ---- compare ---- */

static void
json_compare(const struct rec *r, const struct cmp_result *res)
{
	int first = 1;

	printf("{");
	json_field(stdout, &first, "peer", rec_get(r, "email"));
	json_field(stdout, &first, "fingerprint_sha256", rec_get(r, "fpr-colon"));
	json_field_bool(stdout, &first, "match", res->verdict == CMP_MATCH);
	json_field(stdout, &first, "verdict", cmp_verdict_name(res->verdict));
	json_field(stdout, &first, "algorithm",
		   res->verdict == CMP_UNREADABLE ? NULL :
		   res->alg == FPR_SHA1           ? "sha1" :
						    "sha256");
	json_field(stdout, &first, "form", res->words ? "words" : "hex");
	json_key(stdout, &first, "given");
	printf("%zu", res->given);
	json_key(stdout, &first, "expected");
	printf("%zu", res->want);
	json_key(stdout, &first, "groups");
	printf("[");
	for (size_t g = 0, k = 0; g < res->n_groups; g++) {
		int f2 = 1;

		if (!res->differ[g])
			continue;
		printf(k++ ? ",{" : "{");
		json_key(stdout, &f2, "group");
		printf("%zu", g + 1);
		json_key(stdout, &f2, "heard");
		json_str(stdout, res->verdict == CMP_DIFFER ? res->heard[g] : NULL);
		json_key(stdout, &f2, "certificate");
		json_str(stdout, res->verdict == CMP_DIFFER ? res->has[g] : NULL);
		printf("}");
	}
	printf("]");
	json_key(stdout, &first, "near");
	printf("[");
	for (size_t i = 0; i < res->n_near; i++) {
		int f2 = 1;

		printf(i ? ",{" : "{");
		json_key(stdout, &f2, "word");
		printf("%zu", res->near[i].word);
		json_field(stdout, &f2, "heard", res->near[i].typed);
		json_field(stdout, &f2, "taken_for", res->near[i].taken_for);
		printf("}");
	}
	printf("]");
	json_field(stdout, &first, "message", res->msg);
	printf("}\n");
}

int
cmd_compare(struct cli *c)
{
	unsigned char d256[FPR_MAX], d1[FPR_MAX];
	char hex[FPR_HEX_LEN];
	struct err e = ERR_INIT;
	struct cmp_result *res = xcalloc(1, sizeof *res);
	struct state *st = NULL;
	struct rec *r = NULL;
	X509 *cert = NULL;
	struct home h;
	int rc;

	if ((rc = open_peer(c, &h, &st, &r)) != 0)
		goto out;
	if (peer_cert(&h, r, &cert, &e) != 0 || fpr_digest(cert, FPR_SHA256, d256) != 32 ||
	    fpr_digest(cert, FPR_SHA1, d1) != 20) {
		err_set(&e, "cannot read the certificate of %s", rec_get(r, "email"));
		rc = cli_fail(c, &e, EXIT_NO);
		goto out;
	}
	fpr_hex(d256, 32, hex);
	if (strcmp(hex, rec_get(r, "fpr")) != 0) {
		err_set(&e,
			"the stored certificate of %s is not the one padseal "
			"recorded; import it again",
			rec_get(r, "email"));
		rc = cli_fail(c, &e, EXIT_NO);
		goto out;
	}
	compare_text(d256, d1, c->args[1], (c->given & O_SHA1) ? CMP_WANT_SHA1 : CMP_AUTO, res);
	rc = res->verdict == CMP_MATCH ? EXIT_OK : EXIT_NO;
	if (c->given & O_JSON) {
		json_compare(r, res);
	} else if (res->verdict == CMP_UNREADABLE) {
		err_set(&e, "%s", res->msg);
		cli_fail(c, &e, EXIT_NO);
	} else if (res->verdict == CMP_MATCH) {
		printf("Match: %s.\n  %s  %s\n", res->msg, rec_get(r, "email"),
		       rec_get(r, "fpr-colon"));
		printf("If it was %s who read it to you, by phone or in "
		       "person, trust this certificate:\n  padseal trust %s "
		       "--verified phone\n",
		       rec_get(r, "email"), c->args[0]);
	} else {
		printf("No match: %s.\n", res->msg);
		printf("Do not trust this certificate. Ask %s to read the "
		       "fingerprint again; if it still differs, the "
		       "certificate you hold is not theirs.\n",
		       rec_get(r, "email"));
	}
out:
	X509_free(cert);
	state_free(st);
	home_close(&h);
	free(res);
	return rc;
}

/* ---- trust and untrust ---- */

static void
print_next(const struct home *h)
{
	struct err e = ERR_INIT;
	struct checklist cl;

	if (checklist_load(h, &cl, &e) != 0)
		return;
	printf("Next: %s\n", cl.next);
	checklist_free(&cl);
}

static const char *
colon_of(const struct state *st, const char *hex)
{
	struct rec *o = peer_by_hex(st, hex);

	return o != NULL && rec_get(o, "fpr-colon") ? rec_get(o, "fpr-colon") : hex;
}

/* Lock the home for writing, load the state again and find the same
 * certificate: another process may have changed the home meanwhile. */
static int
relock(const struct cli *c, struct home *h, struct state **st, struct rec **r)
{
	struct err e = ERR_INIT;
	char hex[FPR_HEX_LEN];

	snprintf(hex, sizeof hex, "%s", rec_get(*r, "fpr"));
	state_free(*st);
	*st = NULL;
	if (home_upgrade(h, &e) != 0 || state_load(h, st, &e) != 0)
		return cli_fail(c, &e, EXIT_NO);
	if ((*r = peer_by_hex(*st, hex)) == NULL) {
		err_set(&e, "the certificate %.16s is no longer in this home", hex);
		return cli_fail(c, &e, EXIT_NO);
	}
	return 0;
}

/* "by phone", "in person", "by other means". */
static const char *
method_text(const char *m)
{
	if (m == NULL)
		return "";
	return strcmp(m, "phone") == 0     ? "by phone" :
	       strcmp(m, "in-person") == 0 ? "in person" :
					     "by other means";
}

static void
print_trusted(const struct state *st, const struct rec *r, const struct trust_done *done)
{
	printf("%s %s's certificate (verified %s, %s).\n  SHA-256  %s\n",
	       done->was_trusted ? "Still trusting" : "Trusted", rec_get(r, "email"),
	       method_text(rec_get(r, "verified")), rec_get(r, "verified-at"),
	       rec_get(r, "fpr-colon"));
	printf("Only this exact certificate is trusted: a new certificate for "
	       "%s will need verifying again.\n",
	       rec_get(r, "email"));
	if (done->forced)
		printf("Trusted despite its lint errors (--force, recorded): "
		       "mail clients may still reject it.\n");
	if (done->was_changed)
		printf("It had been flagged as changed since you verified an "
		       "earlier certificate; you have verified this one, so "
		       "the flag is cleared.\n");
	for (size_t i = 0; i < done->n_superseded; i++)
		printf("The earlier certificate %s is no longer trusted "
		       "(superseded by this one); padseal keeps it so old "
		       "signed mail stays checkable.\n",
		       colon_of(st, done->superseded[i]));
}

int
cmd_trust(struct cli *c)
{
	struct err e = ERR_INIT;
	struct lint_report lint;
	struct trust_done done;
	struct state *st = NULL;
	struct rec *r = NULL;
	struct home h;
	int force = (c->given & O_FORCE) != 0, rc;

	if (!(c->given & O_VERIFIED))
		return cli_usage("trust needs --verified phone|in-person|other: say how "
				 "you compared the fingerprint");
	if (!trust_method_valid(c->verified))
		return cli_usage("--verified takes phone, in-person or other, "
				 "not \"%s\"",
				 c->verified);
	/* Every refusal happens here, before the home is locked for writing. */
	if ((rc = open_peer(c, &h, &st, &r)) != 0)
		goto out;
	if (trust_check(&h, r, force, time(NULL), &lint, &e) != 0) {
		rc = cli_fail(c, &e, EXIT_NO);
		goto out;
	}
	if ((rc = relock(c, &h, &st, &r)) != 0)
		goto out;
	if (trust_apply(&h, st, r, c->verified, force, time(NULL), &done, &e) != 0 ||
	    state_save(&h, st, &e) != 0) {
		rc = cli_fail(c, &e, EXIT_NO);
		goto out;
	}
	print_trusted(st, r, &done);
	print_next(&h);
out:
	state_free(st);
	home_close(&h);
	return rc;
}

int
cmd_untrust(struct cli *c)
{
	struct err e = ERR_INIT;
	struct state *st = NULL;
	struct rec *r = NULL;
	struct home h;
	const char *who;
	int rc;

	if ((rc = open_peer(c, &h, &st, &r)) != 0)
		goto out;
	who = rec_get(r, "email");
	if (trust_retired(r)) {
		printf("%s's certificate %s is not trusted (%s %s); nothing to "
		       "do.\n",
		       who, rec_get(r, "fpr-colon"),
		       rec_get(r, "untrusted-at") ? "trusted until" : "set aside on",
		       rec_get(r, "untrusted-at") ? rec_get(r, "untrusted-at") :
						    rec_get(r, "rejected-at"));
		goto out;
	}
	if ((rc = relock(c, &h, &st, &r)) != 0)
		goto out;
	who = rec_get(r, "email");
	switch (trust_withdraw(st, r, time(NULL))) {
	case UNTRUST_WITHDRAWN:
		printf("No longer trusting %s's certificate %s.\npadseal keeps "
		       "it, so old signed mail stays checkable; it shows as "
		       "\"was trusted until %s\".\n",
		       who, rec_get(r, "fpr-colon"), rec_get(r, "untrusted-at"));
		break;
	case UNTRUST_REJECTED:
		printf("%s's certificate %s was not trusted; it is now set "
		       "aside: padseal no longer asks you to verify it, and "
		       "keeps it to check old mail.\n",
		       who, rec_get(r, "fpr-colon"));
		break;
	case UNTRUST_ALREADY: goto out;
	}
	if (state_save(&h, st, &e) != 0) {
		rc = cli_fail(c, &e, EXIT_NO);
		goto out;
	}
	print_next(&h);
out:
	state_free(st);
	home_close(&h);
	return rc;
}

/* ---- peers ---- */

/* What `peers` shows of one correspondent certificate. */
struct view {
	const struct rec *r;
	const struct peer_progress *p;
	struct trust_status ts;
	int have_cert; /* its file could be read */
	char *name;    /* common name (malloc'd) */
	char sha1[FPR_COLON_LEN];
	char not_after[ISO_TIME_LEN];
	struct lint_report lint;
	const char *dups[8]; /* colon forms of the other certificates
				in use for one of its addresses */
	size_t n_dups, passed;
};

static void
view_fill(const struct home *h, const struct state *st, const struct rec *r,
	  const struct peer_progress *p, struct view *v)
{
	struct err e = ERR_INIT;
	X509 *cert = NULL;

	memset(v, 0, sizeof *v);
	v->r = r;
	v->p = p;
	trust_status_rec(st, r, &v->ts);
	if (peer_cert(h, r, &cert, &e) == 0) {
		unsigned char d[FPR_MAX];

		v->have_cert = 1;
		v->name = cert_common_name(cert);
		fpr_colon(d, fpr_digest(cert, FPR_SHA1, d), v->sha1);
		asn1_time_iso(X509_get0_notAfter(cert), v->not_after, sizeof v->not_after);
		lint_cert(cert, NULL, time(NULL), &v->lint);
		X509_free(cert);
	}
	for (struct rec *o = state_first(st, "peer"); o && !trust_retired(r);
	     o = state_next(o, "peer"))
		if (o != r && !trust_retired(o) && peer_shares_address(r, o) && v->n_dups < 8)
			v->dups[v->n_dups++] = rec_get(o, "fpr-colon");
	for (int d = 0; p != NULL && d < DIR_COUNT; d++)
		for (int k = 0; k < KIND_COUNT; k++)
			v->passed += p->cell[d][k] == CELL_PASSED;
}

/* "trusted", "not trusted", "was trusted until ...", "set aside on ...". */
static void
trust_line(const struct state *st, const struct view *v, char *buf, size_t len)
{
	const struct rec *r = v->r;
	const char *by = rec_get(r, "superseded-by");

	if (v->ts.trusted)
		snprintf(buf, len, "trusted%s",
			 rec_get(r, "forced") && strcmp(rec_get(r, "forced"), "1") == 0 ?
				 " (forced past lint errors)" :
				 "");
	else if (rec_get(r, "untrusted-at"))
		snprintf(buf, len, "was trusted until %s%s%s", rec_get(r, "untrusted-at"),
			 by ? ", superseded by " : "", by ? colon_of(st, by) : "");
	else if (rec_get(r, "rejected-at"))
		snprintf(buf, len, "not trusted: set aside on %s", rec_get(r, "rejected-at"));
	else
		snprintf(buf, len, "not trusted");
}

static void
text_peer(const struct state *st, const struct view *v)
{
	const struct rec *r = v->r;
	const struct peer_progress *p = v->p;
	char line[512];

	printf("%s%s%s\n", rec_get(r, "emails"), v->name && *v->name ? " \u2014 " : "",
	       v->name ? v->name : "");
	printf("  %-11s %s\n", "SHA-256", rec_get(r, "fpr-colon"));
	if (!v->have_cert) {
		printf("  %-11s the certificate file is missing or damaged: "
		       "import it again\n",
		       "problem");
	} else {
		size_t n[3] = {lint_count(&v->lint, LINT_ERROR), lint_count(&v->lint, LINT_WARNING),
			       lint_count(&v->lint, LINT_INFO)};

		printf("  %-11s %zu error%s, %zu warning%s, %zu note%s\n", "lint", n[0],
		       n[0] == 1 ? "" : "s", n[1], n[1] == 1 ? "" : "s", n[2],
		       n[2] == 1 ? "" : "s");
		printf("  %-11s %s\n", "valid until", v->not_after);
	}
	printf("  %-11s %s%s%s\n", "received",
	       rec_get(r, "received") ? rec_get(r, "received") : "?",
	       rec_get(r, "source") ? " from " : "",
	       rec_get(r, "source") ? rec_get(r, "source") : "");
	if (rec_get(r, "verified"))
		printf("  %-11s %s on %s\n", "verified", method_text(rec_get(r, "verified")),
		       rec_get(r, "verified-at") ? rec_get(r, "verified-at") : "?");
	else
		printf("  %-11s not yet: padseal compare %.16s \"what they "
		       "read\"\n",
		       "verified", rec_get(r, "fpr"));
	trust_line(st, v, line, sizeof line);
	printf("  %-11s %s\n", "trust", line);
	if (v->ts.changed)
		printf("  %-11s changed since you verified \u2014 verify "
		       "again\n"
		       "  %-11s you verified %s\n  %-11s this one is  %s\n",
		       "CHANGED", "", v->ts.previous[0] ? v->ts.previous : "an earlier certificate",
		       "", rec_get(r, "fpr-colon"));
	for (size_t i = 0; i < v->n_dups; i++)
		printf("  %-11s another certificate for the same address: %s\n",
		       i ? "" : "duplicate", v->dups[i]);
	if (p != NULL)
		printf("  %-11s exchange %s, verify %s, trust %s, test %s "
		       "(matrix %zu/8 passed)\n",
		       "progress", p->step[STEP_EXCHANGE] ? "done" : "todo",
		       p->step[STEP_VERIFY] ? "done" : "todo",
		       p->step[STEP_TRUST] ? "done" : "todo", p->step[STEP_TEST] ? "done" : "todo",
		       v->passed);
}

static void
json_opt(const struct rec *r, const char *key)
{
	json_str(stdout, rec_get(r, key));
}

static void
json_peer(const struct state *st, const struct view *v)
{
	const struct rec *r = v->r;
	const struct peer_progress *p = v->p;
	const char *by = rec_get(r, "superseded-by");
	int first = 1;

	printf("{");
	json_key(stdout, &first, "email");
	json_opt(r, "email");
	json_key(stdout, &first, "emails");
	printf("[");
	for (const char *a = rec_get(r, "emails"), *q = a; q != NULL && *q;) {
		size_t len = strcspn(q, ",");
		char addr[ADDR_MAX];

		snprintf(addr, sizeof addr, "%.*s", (int)len, q);
		printf(q == a ? "" : ",");
		json_str(stdout, addr);
		q += len + (q[len] == ',');
	}
	printf("]");
	json_field(stdout, &first, "name", v->name);
	json_key(stdout, &first, "fingerprint_sha256");
	json_opt(r, "fpr-colon");
	json_field(stdout, &first, "fingerprint_sha1", v->have_cert ? v->sha1 : NULL);
	json_field(stdout, &first, "not_after", v->have_cert ? v->not_after : NULL);
	json_key(stdout, &first, "received");
	json_opt(r, "received");
	json_key(stdout, &first, "source");
	json_opt(r, "source");
	json_key(stdout, &first, "lint");
	if (v->have_cert)
		printf("{\"errors\":%zu,\"warnings\":%zu,\"info\":%zu}",
		       lint_count(&v->lint, LINT_ERROR), lint_count(&v->lint, LINT_WARNING),
		       lint_count(&v->lint, LINT_INFO));
	else
		printf("null");
	json_field(stdout, &first, "verified", p != NULL ? p->verified : NULL);
	json_key(stdout, &first, "verified_at");
	json_opt(r, "verified-at");
	json_key(stdout, &first, "forced");
	printf(rec_get(r, "forced") && strcmp(rec_get(r, "forced"), "1") == 0 ? "true" : "false");
	json_field_bool(stdout, &first, "trusted", v->ts.trusted);
	json_key(stdout, &first, "trusted_until");
	json_opt(r, "untrusted-at");
	json_field(stdout, &first, "superseded_by", by ? colon_of(st, by) : NULL);
	json_key(stdout, &first, "set_aside_at");
	json_opt(r, "rejected-at");
	json_field_bool(stdout, &first, "duplicate", v->n_dups);
	json_key(stdout, &first, "duplicates");
	printf("[");
	for (size_t i = 0; i < v->n_dups; i++) {
		printf(i ? "," : "");
		json_str(stdout, v->dups[i]);
	}
	printf("]");
	json_field_bool(stdout, &first, "changed", v->ts.changed);
	json_key(stdout, &first, "previous");
	json_str(stdout, v->ts.changed && v->ts.previous[0] ? v->ts.previous : NULL);
	json_key(stdout, &first, "steps");
	printf("{");
	for (int s = STEP_EXCHANGE; p != NULL && s < STEP_COUNT; s++)
		printf("%s\"%s\":\"%s\"", s == STEP_EXCHANGE ? "" : ",", step_name((enum step_id)s),
		       p->step[s] ? "done" : "todo");
	printf("}");
	json_key(stdout, &first, "matrix_passed");
	printf("%zu", v->passed);
	json_key(stdout, &first, "matrix");
	printf("{");
	for (int d = 0; p != NULL && d < DIR_COUNT; d++) {
		printf(d ? ",\"in\":{" : "\"out\":{");
		for (int k = 0; k < KIND_COUNT; k++)
			printf("%s\"%s\":\"%s\"", k ? "," : "", cell_kind_name((enum cell_kind)k),
			       cell_state_name(p->cell[d][k]));
		printf("}");
	}
	printf("}}");
}

int
cmd_peers(struct cli *c)
{
	struct err e = ERR_INIT;
	struct checklist cl;
	struct state *st = NULL;
	struct home h;
	size_t i = 0, damaged = 0;
	int rc, json = (c->given & O_JSON) != 0;

	memset(&cl, 0, sizeof cl);
	if ((rc = cli_home(c, &h, HOME_READ)) != 0)
		return rc;
	if (state_load(&h, &st, &e) != 0 || checklist_load(&h, &cl, &e) != 0) {
		rc = cli_fail(c, &e, EXIT_NO);
		goto out;
	}
	if (json)
		printf("{\"peers\":[");
	else if (cl.n_peers == 0)
		printf("No correspondents yet. Import a correspondent's "
		       "certificate with padseal import FILE\n(a signed "
		       "message from them, or their .pem/.der/.p7s file).\n");
	/* checklist_load lists the peer records in file order, as here. */
	for (struct rec *r = state_first(st, "peer"); r; r = state_next(r, "peer"), i++) {
		struct view v;

		view_fill(&h, st, r, i < cl.n_peers ? &cl.peers[i] : NULL, &v);
		damaged += !v.have_cert;
		if (json) {
			printf(i ? "," : "");
			json_peer(st, &v);
		} else {
			printf(i ? "\n" : "");
			text_peer(st, &v);
		}
		free(v.name);
	}
	if (json)
		printf("]}\n");
	else if (cl.n_peers > 0)
		printf("\nNext: %s\n", cl.next);
	if (damaged) {
		err_set(&e,
			"%zu certificate file%s in %s/peers %s missing or "
			"damaged",
			damaged, damaged == 1 ? "" : "s", h.dir, damaged == 1 ? "is" : "are");
		rc = cli_fail(c, &e, EXIT_NO);
	}
out:
	checklist_free(&cl);
	state_free(st);
	home_close(&h);
	return rc;
}
