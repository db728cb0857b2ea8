/* The verbs about correspondents' certificates: peers, compare, trust and
 * untrust.  compare and peers only read; trust and untrust check
 * everything on a read-only home first, so a refusal leaves it untouched. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "addr.h"
#include "checklist.h"
#include "cli_int.h"
#include "compare.h"
#include "cred.h"
#include "fpr.h"
#include "isotime.h"
#include "json.h"
#include "lint.h"
#include "op.h"
#include "peer.h"
#include "state.h"
#include "trust.h"
#include "xalloc.h"

/* ---- compare ---- */

static void
json_compare(const struct st_peer *p, const struct cmp_result *res, int of_ca)
{
	char colon[FPR_COLON_LEN];
	int first = 1;

	peer_colon(p, colon);
	printf("{");
	json_field(stdout, &first, "peer", p->addr[0]);
	json_field(stdout, &first, "fingerprint_sha256", colon);
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
	json_field(stdout, &first, "of", of_ca ? "ca" : "certificate");
	printf("}\n");
}

int
cmd_compare(struct cli *c)
{
	unsigned char d256[FPR_MAX], d1[FPR_MAX];
	struct cmp_result *res = xcalloc(1, sizeof *res);
	const struct st_peer *p;
	const struct state *st;
	struct err e = ERR_INIT;
	char colon[FPR_COLON_LEN];
	int rc, of_ca = 0;

	if ((rc = cli_state(c, &st)) != 0 || (rc = cli_peer(c, st, c->args[0], &p)) != 0)
		goto out;
	/* Both digests are kept in the home: no file needs reading. */
	if (fpr_parse(p->hex, d256, sizeof d256) != 32 || fpr_parse(p->sha1, d1, sizeof d1) != 20) {
		err_set(&e, "the home has no fingerprint of %s's certificate; import it again",
			p->addr[0]);
		rc = cli_fail(c, &e);
		goto out;
	}
	peer_colon(p, colon);
	/* The CA form: what is read on the phone is the CA's fingerprint
	 * (trust.h); the mail certificate's own is taken too (a client that
	 * shows only that one). */
	if (p->ca[0]) {
		unsigned char c256[FPR_MAX], c1[FPR_MAX];
		X509 *ca = NULL;
		char what[128];
		int is_ca;

		if (op_anchor_of(c->s, p->hex, &ca, &is_ca, what, sizeof what, &e) != 0) {
			rc = cli_fail(c, &e);
			goto out;
		}
		fpr_digest(ca, FPR_SHA256, c256);
		fpr_digest(ca, FPR_SHA1, c1);
		X509_free(ca);
		compare_text(c256, c1, c->args[1], (c->given & O_SHA1) ? CMP_WANT_SHA1 : CMP_AUTO,
			     res);
		if (res->verdict == CMP_MATCH) {
			hex_colon(p->ca, colon);
			of_ca = 1;
		} else {
			struct cmp_result *leaf = xcalloc(1, sizeof *leaf);

			compare_text(d256, d1, c->args[1],
				     (c->given & O_SHA1) ? CMP_WANT_SHA1 : CMP_AUTO, leaf);
			if (leaf->verdict == CMP_MATCH)
				memcpy(res, leaf, sizeof *res);
			free(leaf);
		}
	} else {
		compare_text(d256, d1, c->args[1], (c->given & O_SHA1) ? CMP_WANT_SHA1 : CMP_AUTO,
			     res);
	}
	rc = res->verdict == CMP_MATCH ? EXIT_OK : EXIT_NO;
	if (c->given & O_JSON) {
		json_compare(p, res, of_ca);
	} else if (res->verdict == CMP_UNREADABLE) {
		err_set(&e, "%s", res->msg);
		cli_fail(c, &e);
	} else if (res->verdict == CMP_MATCH) {
		printf("Match: %s.\n  %s  %s%s\n", res->msg, p->addr[0], colon,
		       of_ca ? " (their own CA, which issued the certificate)" : "");
		printf("If it was %s who read it to you, by phone or in person, trust this certificate:\n"
		       "  padseal trust %s --verified phone\n",
		       p->addr[0], c->args[0]);
	} else {
		printf("No match: %s.\n", res->msg);
		printf("Do not trust this certificate. Ask %s to read the fingerprint again; "
		       "if it still differs, the certificate you hold is not theirs.\n",
		       p->addr[0]);
	}
out:
	free(res);
	return rc;
}

/* ---- trust and untrust ---- */

static void
print_next(struct cli *c)
{
	struct err e = ERR_INIT;
	struct checklist cl;
	char next[512];

	if (op_status(c->s, time(NULL), &cl, NULL, NULL, NULL, &e) == 0) {
		cli_next_sentence(&cl, next, sizeof next);
		printf("Next: %s\n", next);
		checklist_free(&cl);
	}
}

/* The colon form of held certificate `hex` (its hex when not held). */
static void
colon_of(const struct state *st, const char *hex, char out[FPR_COLON_LEN])
{
	const struct st_peer *o = state_peer_by_hex(st, hex);

	if (o != NULL)
		peer_colon(o, out);
	else
		snprintf(out, FPR_COLON_LEN, "%s", hex);
}

/* "by phone", "in person", "by other means". */
static const char *
method_text(enum verify_method m)
{
	switch (m) {
	case VERIFY_PHONE: return "by phone";
	case VERIFY_IN_PERSON: return "in person";
	case VERIFY_OTHER: return "by other means";
	default: return "";
	}
}

static void
print_trusted(struct cli *c, const struct op_trust_res *r)
{
	const struct state *st;
	char colon[FPR_COLON_LEN];

	if (cli_state(c, &st) != 0)
		return;
	colon_of(st, r->hex, colon);
	printf("%s %s's certificate (verified %s, %s).\n  SHA-256  %s\n",
	       r->done.was_trusted ? "Still trusting" : "Trusted", r->email, method_text(r->method),
	       r->at, colon);
	printf("Only this exact certificate is trusted: a new certificate for %s will need verifying again.\n",
	       r->email);
	if (r->done.forced)
		printf("Trusted despite its lint errors (--force, recorded): mail clients may still reject it.\n");
	if (r->done.was_changed)
		printf("It had been flagged as changed since you verified an earlier certificate; you have verified this one, so the flag is cleared.\n");
	for (size_t i = 0; i < r->done.n_superseded; i++) {
		colon_of(st, r->done.superseded[i], colon);
		printf("The earlier certificate %s is no longer trusted (superseded by this one); padseal keeps it so old signed mail stays checkable.\n",
		       colon);
	}
}

int
cmd_trust(struct cli *c)
{
	struct op_trust_res res;
	struct err e = ERR_INIT;
	enum verify_method m;

	if (!(c->given & O_VERIFIED))
		return cli_usage(
			"trust needs --verified phone|in-person|other: say how you compared the fingerprint");
	if (verify_method_parse(c->verified, &m) != 0)
		return cli_usage("--verified takes phone, in-person or other, not \"%s\"",
				 c->verified);
	if (op_trust(c->s, c->args[0], m, (c->given & O_FORCE) != 0, time(NULL), &res, &e) != 0)
		return cli_fail(c, &e);
	print_trusted(c, &res);
	print_next(c);
	return EXIT_OK;
}

int
cmd_untrust(struct cli *c)
{
	struct op_untrust_res res;
	const struct state *st;
	struct err e = ERR_INIT;
	char colon[FPR_COLON_LEN];
	const struct st_peer *p;

	if (op_untrust(c->s, c->args[0], time(NULL), &res, &e) != 0)
		return cli_fail(c, &e);
	if (cli_state(c, &st) != 0 || (p = state_peer_by_hex(st, res.hex)) == NULL)
		return EXIT_NO;
	peer_colon(p, colon);
	switch (res.done) {
	case UNTRUST_ALREADY:
		printf("%s's certificate %s is not trusted (%s %s); nothing to do.\n", res.email,
		       colon, p->untrusted_at[0] ? "trusted until" : "set aside on", res.at);
		return EXIT_OK;
	case UNTRUST_WITHDRAWN:
		printf("No longer trusting %s's certificate %s.\npadseal keeps it, so old signed mail stays checkable; it shows as \"was trusted until %s\".\n",
		       res.email, colon, res.at);
		break;
	case UNTRUST_REJECTED:
		printf("%s's certificate %s was not trusted; it is now set aside: padseal no longer asks you to verify it, and keeps it to check old mail.\n",
		       res.email, colon);
		break;
	}
	print_next(c);
	return EXIT_OK;
}

/* ---- peers ---- */

#define DUPS_SHOWN 8

/* "trusted", "not trusted", "was trusted until ...", "set aside on ...". */
static void
trust_line(const struct state *st, const struct st_peer *p, char *buf, size_t len)
{
	char by[FPR_COLON_LEN] = "";

	if (p->superseded_by[0])
		colon_of(st, p->superseded_by, by);
	if (p->trusted && p->renewed_from[0])
		snprintf(buf, len, "trusted (renewed by the CA you verified)");
	else if (p->trusted)
		snprintf(buf, len, "trusted%s", p->forced ? " (forced past lint errors)" : "");
	else if (p->untrusted_at[0])
		snprintf(buf, len, "was trusted until %s%s%s", p->untrusted_at,
			 by[0] ? ", superseded by " : "", by);
	else if (p->rejected_at[0])
		snprintf(buf, len, "not trusted: set aside on %s", p->rejected_at);
	else
		snprintf(buf, len, "not trusted");
}

static void
lint_counts(const struct st_peer *p, time_t now, size_t n[3])
{
	lint_count_kept(p->lint, iso_parse(p->not_before), p->not_after_t, now, n);
}

static void
text_peer(const struct state *st, const struct peer_progress *pp, int missing, time_t now)
{
	const struct st_peer *p = pp->p, *dups[DUPS_SHOWN];
	size_t n[3], nd = trust_duplicates(st, p, dups, DUPS_SHOWN);
	char line[512], colon[FPR_COLON_LEN];

	for (size_t i = 0; i < p->n_addr; i++)
		printf("%s%s", i ? "," : "", p->addr[i]);
	printf("%s%s\n", p->name[0] ? " \u2014 " : "", p->name);
	peer_colon(p, colon);
	printf("  %-11s %s\n", "SHA-256", colon);
	if (p->ca[0]) {
		char ca[FPR_COLON_LEN];

		hex_colon(p->ca, ca);
		printf("  %-11s %s (what you compare by phone)\n", "their CA", ca);
	}
	if (missing)
		printf("  %-11s the certificate file is missing: import it again\n", "problem");
	lint_counts(p, now, n);
	printf("  %-11s %zu error%s, %zu warning%s, %zu note%s\n", "lint", n[LINT_ERROR],
	       n[LINT_ERROR] == 1 ? "" : "s", n[LINT_WARNING], n[LINT_WARNING] == 1 ? "" : "s",
	       n[LINT_INFO], n[LINT_INFO] == 1 ? "" : "s");
	printf("  %-11s %s\n", "valid until", p->not_after);
	printf("  %-11s %s%s%s\n", "received", p->received, p->source ? " from " : "",
	       p->source ? p->source : "");
	if (p->verified != VERIFY_NONE)
		printf("  %-11s %s on %s\n", "verified", method_text(p->verified), p->verified_at);
	else
		printf("  %-11s not yet: padseal compare %.16s \"what they read\"\n", "verified",
		       p->hex);
	trust_line(st, p, line, sizeof line);
	printf("  %-11s %s\n", "trust", line);
	if (pp->changed != NULL) {
		char was[FPR_COLON_LEN];

		peer_colon(pp->changed, was);
		printf("  %-11s changed since you verified \u2014 verify again\n"
		       "  %-11s you verified %s\n  %-11s this one is  %s\n",
		       "CHANGED", "", was, "", colon);
	}
	for (size_t i = 0; i < nd && i < DUPS_SHOWN; i++) {
		peer_colon(dups[i], line);
		printf("  %-11s another certificate for the same address: %s\n",
		       i ? "" : "duplicate", line);
	}
	if (nd > DUPS_SHOWN)
		printf("  %-11s ... and %zu more\n", "", nd - DUPS_SHOWN);
	printf("  %-11s exchange %s, verify %s, trust %s, test %d of 8 passed", "progress",
	       pp->step[STEP_EXCHANGE] ? "done" : "todo", pp->step[STEP_VERIFY] ? "done" : "todo",
	       pp->step[STEP_TRUST] ? "done" : "todo", pp->tested);
	if (pp->passed > pp->tested)
		printf(" (%d rehearsed with padseal's messages)", pp->passed - pp->tested);
	printf("\n");
}

static void
json_peer(struct jw *j, const struct state *st, const struct peer_progress *pp, int missing,
	  time_t now)
{
	const struct st_peer *p = pp->p, *dups[DUPS_SHOWN];
	size_t n[3], nd = trust_duplicates(st, p, dups, DUPS_SHOWN);
	char colon[FPR_COLON_LEN], sha1[FPR_COLON_LEN], by[FPR_COLON_LEN] = "";

	peer_colon(p, colon);
	hex_colon(p->sha1, sha1);
	if (p->superseded_by[0])
		colon_of(st, p->superseded_by, by);
	lint_counts(p, now, n);
	jw_open(j, '{');
	jw_field(j, "email", p->addr[0]);
	jw_key(j, "emails");
	jw_open(j, '[');
	for (size_t i = 0; i < p->n_addr; i++)
		jw_str(j, p->addr[i]);
	jw_close(j, ']');
	jw_field(j, "name", p->name);
	jw_field_word(j, "fingerprint_sha256", colon);
	jw_field(j, "fingerprint_sha1", sha1[0] ? sha1 : NULL);
	jw_field(j, "not_after", p->not_after);
	jw_field(j, "received", p->received);
	jw_field(j, "source", p->source);
	jw_key(j, "lint");
	jw_open(j, '{');
	jw_field_int(j, "errors", (long long)n[LINT_ERROR]);
	jw_field_int(j, "warnings", (long long)n[LINT_WARNING]);
	jw_field_int(j, "info", (long long)n[LINT_INFO]);
	jw_close(j, '}');
	jw_field_bool(j, "file_missing", missing);
	jw_field(j, "verified", verify_method_name(p->verified));
	jw_field(j, "verified_at", p->verified_at[0] ? p->verified_at : NULL);
	jw_field_bool(j, "forced", p->forced);
	jw_field_bool(j, "trusted", pp->trusted);
	jw_field(j, "trusted_until", p->untrusted_at[0] ? p->untrusted_at : NULL);
	jw_field(j, "superseded_by", by[0] ? by : NULL);
	jw_field(j, "set_aside_at", p->rejected_at[0] ? p->rejected_at : NULL);
	jw_field_bool(j, "duplicate", pp->duplicate);
	jw_key(j, "duplicates");
	jw_open(j, '[');
	for (size_t i = 0; i < nd && i < DUPS_SHOWN; i++) {
		peer_colon(dups[i], by);
		jw_str(j, by);
	}
	jw_close(j, ']');
	jw_field_bool(j, "changed", pp->changed != NULL);
	jw_key(j, "previous");
	if (pp->changed != NULL) {
		peer_colon(pp->changed, by);
		jw_str(j, by);
	} else {
		jw_str(j, NULL);
	}
	hex_colon(p->ca, by);
	jw_field(j, "ca_fingerprint_sha256", p->ca[0] ? by : NULL);
	hex_colon(p->renewed_from, by);
	jw_field(j, "renewed_from", p->renewed_from[0] ? by : NULL);
	jw_key(j, "steps");
	jw_open(j, '{');
	for (int s = STEP_EXCHANGE; s < STEP_COUNT; s++)
		jw_field_word(j, step_name((enum step_id)s), pp->step[s] ? "done" : "todo");
	jw_close(j, '}');
	jw_field_int(j, "matrix_passed", pp->passed);
	jw_key(j, "matrix");
	cli_jw_matrix(j, p);
	cli_jw_writers(j, p);
	jw_close(j, '}');
}

int
cmd_peers(struct cli *c)
{
	struct err e = ERR_INIT;
	struct checklist cl;
	const struct state *st;
	unsigned char *missing = NULL;
	size_t n_missing;
	time_t now = time(NULL);
	int rc = EXIT_OK, json = (c->given & O_JSON) != 0;
	char next[512];
	static struct jw j; /* 64 KiB: not on the stack */

	if (op_status(c->s, now, &cl, &missing, &n_missing, &st, &e) != 0)
		return cli_fail(c, &e);
	if (json) {
		jw_init(&j, stdout);
		jw_open(&j, '{');
		jw_key(&j, "peers");
		jw_open(&j, '[');
	} else if (cl.n_peers == 0) {
		printf("No correspondents yet. Import a correspondent's certificate with padseal import FILE\n"
		       "(a signed message from them, or their .pem/.der/.p7s file).\n");
	} else {
		cli_peer_table(&cl); /* the overview, then each certificate */
	}
	for (size_t i = 0; i < cl.n_peers; i++) {
		if (json) {
			json_peer(&j, st, &cl.peers[i], missing[i], now);
		} else {
			printf("\n");
			text_peer(st, &cl.peers[i], missing[i], now);
		}
	}
	if (json) {
		jw_close(&j, ']');
		jw_close(&j, '}');
		jw_raw(&j, "\n", 1);
		jw_flush(&j);
	} else if (cl.n_peers > 0) {
		cli_next_sentence(&cl, next, sizeof next);
		printf("\nNext: %s\n", next);
	}
	if (n_missing) {
		err_set(&e, "%zu certificate file%s in %s/peers %s missing: import %s again",
			n_missing, n_missing == 1 ? "" : "s", session_dir(c->s),
			n_missing == 1 ? "is" : "are", n_missing == 1 ? "it" : "them");
		rc = cli_fail(c, &e);
	}
	free(missing);
	checklist_free(&cl);
	return rc;
}
