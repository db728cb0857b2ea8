/* The verbs intro and matrix (send, check, confirm, and the table). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "addr.h"
#include "cli_int.h"
#include "fileio.h"
#include "fpr.h"
#include "ident.h"
#include "isotime.h"
#include "json.h"
#include "matrix.h"
#include "msg.h"
#include "pass.h"
#include "peer.h"
#include "smime.h"
#include "state.h"
#include "xalloc.h"

/* Lock the home for writing and read the checklist again: another
 * process may have changed it while we asked for the passphrase. */
static int
relock(struct home *h, struct state **st, struct err *e)
{
	state_free(*st);
	*st = NULL;
	if (home_upgrade(h, e) != 0 || state_load(h, st, e) != 0)
		return -1;
	return 0;
}

/* 0 when the home has a current identity; else the error is printed. */
static int
need_identity(const struct cli *c, const struct home *h, const struct state *st)
{
	struct err e = ERR_INIT;
	struct ident id;
	int found = ident_current(h, st, &id, &e);

	if (found > 0) {
		ident_clear(&id);
		return 0;
	}
	if (found == 0)
		err_set(&e, "there is no credential yet; create one with padseal create");
	return cli_fail(c, &e, EXIT_NO);
}

int
cmd_intro(struct cli *c)
{
	struct err e = ERR_INIT;
	struct state *st = NULL;
	struct smime_sender *s = NULL;
	char *pass = NULL, *msg = NULL, now_iso[ISO_TIME_LEN];
	size_t len = 0;
	time_t now = time(NULL);
	struct home h;
	int rc;

	if (c->to == NULL || c->nargs != 0)
		return cli_usage("usage: padseal intro --to ADDR [--out FILE]");
	if ((rc = cli_home(c, &h, HOME_READ)) != 0)
		return rc;
	if (state_load(&h, &st, &e) != 0 || addr_check(c->to, &e) != 0) {
		rc = cli_fail(c, &e, EXIT_NO);
		goto out;
	}
	if ((rc = need_identity(c, &h, st)) != 0)
		goto out;
	if (c->out != NULL && strcmp(c->out, "-") != 0 && !(c->given & O_FORCE) &&
	    path_exists(c->out)) {
		err_set(&e,
			"%s already exists; padseal does not overwrite it (add --force to replace it)",
			c->out);
		rc = cli_fail(c, &e, EXIT_NO);
		goto out;
	}
	if ((rc = cli_unlock_pass(c, "your key", &pass)) != 0)
		goto out;
	if (smime_sender_open(&h, st, pass, now, &s, &e) != 0 ||
	    smime_intro(s, c->to, now, &msg, &len, &e) != 0 || relock(&h, &st, &e) != 0) {
		rc = cli_fail(c, &e, EXIT_NO);
		goto out;
	}
	/* The message first: the checklist says "sent" only once it exists. */
	if ((rc = cli_output(c, msg, len)) != 0)
		goto out;
	iso_now(now_iso);
	peer_note_sent(st, c->to, now_iso);
	if (state_save(&h, st, &e) != 0) {
		rc = cli_fail(c, &e, EXIT_NO);
		goto out;
	}
	if (c->out != NULL && strcmp(c->out, "-") != 0)
		fprintf(stderr,
			"Wrote the introduction for %s to %s. Send it unchanged (for example: sendmail -t < %s), then call %s to compare fingerprints.\n",
			c->to, c->out, c->out, c->to);
out:
	free(msg);
	smime_sender_free(s);
	pass_free(pass);
	state_free(st);
	home_close(&h);
	return rc;
}

/* --- matrix (the table) ------------------------------------------------ */

static void
json_cells(const struct rec *r, int why)
{
	printf("{");
	for (int d = 0; d < DIR_COUNT; d++) {
		int first = 1;

		printf(d ? ",\"in\":{" : "\"out\":{");
		for (int k = 0; k < KIND_COUNT; k++) {
			const char *reason;
			enum cell_state s =
				matrix_get(r, (enum cell_dir)d, (enum cell_kind)k, &reason);

			json_key(stdout, &first, cell_kind_name((enum cell_kind)k));
			json_str(stdout, why ? reason : cell_state_name(s));
		}
		printf("}");
	}
	printf("}");
}

static void
json_peer(const struct rec *r)
{
	int first = 1, trusted = rec_get(r, "trusted") && strcmp(rec_get(r, "trusted"), "0") != 0;

	printf("{");
	json_field(stdout, &first, "email", rec_get(r, "email"));
	json_field(stdout, &first, "fingerprint_sha256", rec_get(r, "fpr-colon"));
	json_field_bool(stdout, &first, "trusted", trusted);
	json_field(stdout, &first, "test", matrix_all_passed(r) ? "done" : "todo");
	json_key(stdout, &first, "matrix");
	json_cells(r, 0);
	json_key(stdout, &first, "why");
	json_cells(r, 1);
	printf("}");
}

/* One line about the state of the test with a peer. */
static void
print_progress(const struct rec *r)
{
	int passed = 0;
	char open[400] = "";

	for (int d = 0; d < DIR_COUNT; d++) {
		for (int k = 0; k < KIND_COUNT; k++) {
			enum cell_state s =
				matrix_get(r, (enum cell_dir)d, (enum cell_kind)k, NULL);
			size_t used = strlen(open);

			if (s == CELL_PASSED)
				passed++;
			else
				snprintf(open + used, sizeof open - used, "%s%s:%s (%s)",
					 used ? ", " : "", matrix_dir_name((enum cell_dir)d),
					 cell_kind_name((enum cell_kind)k), cell_state_name(s));
		}
	}
	if (passed == DIR_COUNT * KIND_COUNT)
		printf("All eight messages passed with %s: signed and encrypted mail works in both directions.\n",
		       rec_get(r, "email"));
	else
		printf("%s: %d of 8 passed; still open: %s\n", rec_get(r, "email"), passed, open);
}

static void
print_table(const struct rec *r)
{
	const char *t = rec_get(r, "trusted");

	printf("%s  %s  %s\n", rec_get(r, "email"), rec_get(r, "fpr-colon"),
	       t && strcmp(t, "0") != 0 ? "trusted" : "not trusted");
	printf("  %-17s %-8s %-8s %-10s %s\n", "", "plain", "signed", "encrypted",
	       "signed-encrypted");
	for (int d = 0; d < DIR_COUNT; d++) {
		printf("  %-17s", d == DIR_OUT ? "out (you -> them)" : "in (them -> you)");
		for (int k = 0; k < KIND_COUNT; k++)
			printf(k == 0 ? " %-8s" :
			       k == 1 ? " %-8s" :
			       k == 2 ? " %-10s" :
					" %s",
			       cell_state_name(
				       matrix_get(r, (enum cell_dir)d, (enum cell_kind)k, NULL)));
		printf("\n");
	}
	for (int d = 0; d < DIR_COUNT; d++) {
		for (int k = 0; k < KIND_COUNT; k++) {
			const char *why;
			enum cell_state s =
				matrix_get(r, (enum cell_dir)d, (enum cell_kind)k, &why);

			if (why != NULL && *why)
				printf("  %s:%s  %s  (%s)\n", matrix_dir_name((enum cell_dir)d),
				       cell_kind_name((enum cell_kind)k), cell_state_name(s), why);
		}
	}
	print_progress(r);
}

/* Resolve --to: 0 found; else the exit status (2 ambiguous, 1 unknown). */
static int
resolve(const struct cli *c, const struct state *st, struct rec **r)
{
	struct err e = ERR_INIT;

	switch (peer_resolve(st, c->to, r, &e)) {
	case PEER_FOUND: return 0;
	case PEER_AMBIGUOUS: return cli_fail(c, &e, EXIT_USAGE);
	default: return cli_fail(c, &e, EXIT_NO);
	}
}

static int
matrix_table(struct cli *c)
{
	struct err e = ERR_INIT;
	struct state *st = NULL;
	struct rec *r = NULL;
	struct home h;
	int rc, n = 0;

	if (c->given & (O_OUT | O_CELL | O_FORCE))
		return cli_usage("usage: padseal matrix [--to PEER] [--json]");
	if ((rc = cli_home(c, &h, HOME_READ)) != 0)
		return rc;
	if (state_load(&h, &st, &e) != 0) {
		rc = cli_fail(c, &e, EXIT_NO);
		goto out;
	}
	if (c->to != NULL && (rc = resolve(c, st, &r)) != 0)
		goto out;
	if (c->given & O_JSON)
		printf("{\"peers\":[");
	for (struct rec *p = state_first(st, "peer"); p; p = state_next(p, "peer")) {
		if (r != NULL && p != r)
			continue;
		if (c->given & O_JSON) {
			if (n)
				printf(",");
			json_peer(p);
		} else {
			if (n)
				printf("\n");
			print_table(p);
		}
		n++;
	}
	if (c->given & O_JSON)
		printf("]}\n");
	else if (n == 0)
		printf("No correspondents yet: import a certificate with padseal import FILE.\n");
out:
	state_free(st);
	home_close(&h);
	return rc;
}

/* --- matrix send ----------------------------------------------------- */

static void
print_sent(const struct cli *c, const char *to)
{
	if (c->given & O_JSON) {
		int first = 1;

		printf("{");
		json_field(stdout, &first, "peer", to);
		json_key(stdout, &first, "files");
		printf("[");
		for (int k = 0; k < KIND_COUNT; k++) {
			char *path = path_join(c->out, matrix_file_name((enum cell_kind)k));

			if (k)
				printf(",");
			json_str(stdout, path);
			free(path);
		}
		printf("]}\n");
		return;
	}
	printf("Wrote the four test messages for %s:\n", to);
	for (int k = 0; k < KIND_COUNT; k++) {
		char *path = path_join(c->out, matrix_file_name((enum cell_kind)k));

		printf("  %s\n", path);
		free(path);
	}
	printf("\nSend each one unchanged to %s (for example: sendmail -t < FILE).\n"
	       "Each says what their client should show. When they report it, record it:\n"
	       "  padseal matrix confirm --to %s --cell out:KIND\n"
	       "or check the copies in your Sent folder: padseal matrix check FILE...\n",
	       to, to);
}

static int
matrix_send_cmd(struct cli *c)
{
	struct err e = ERR_INIT;
	struct state *st = NULL;
	struct smime_sender *s = NULL;
	struct rec *r = NULL;
	char *pass = NULL, hex[FPR_HEX_LEN], to[ADDR_MAX];
	int force = (c->given & O_FORCE) != 0, rc;
	time_t now = time(NULL);
	struct home h;

	if (c->to == NULL || c->out == NULL || c->nargs != 1 || (c->given & O_CELL))
		return cli_usage("usage: padseal matrix send --to PEER --out DIR [--force]");
	if ((rc = cli_home(c, &h, HOME_READ)) != 0)
		return rc;
	if (state_load(&h, &st, &e) != 0) {
		rc = cli_fail(c, &e, EXIT_NO);
		goto out;
	}
	if ((rc = need_identity(c, &h, st)) != 0 || (rc = resolve(c, st, &r)) != 0)
		goto out;
	/* Every refusal before the passphrase is asked for. */
	if (matrix_send_check(&h, r, c->out, force, now, &e) != 0) {
		rc = cli_fail(c, &e, EXIT_NO);
		goto out;
	}
	snprintf(hex, sizeof hex, "%s", rec_get(r, "fpr"));
	snprintf(to, sizeof to, "%s", rec_get(r, "email"));
	if ((rc = cli_unlock_pass(c, "your key", &pass)) != 0)
		goto out;
	if (relock(&h, &st, &e) != 0 || smime_sender_open(&h, st, pass, now, &s, &e) != 0) {
		rc = cli_fail(c, &e, EXIT_NO);
		goto out;
	}
	if ((r = peer_by_hex(st, hex)) == NULL) {
		err_set(&e, "the certificate of %s was removed meanwhile", to);
		rc = cli_fail(c, &e, EXIT_NO);
		goto out;
	}
	if (matrix_send(&h, st, r, s, c->out, force, now, &e) != 0) {
		rc = cli_fail(c, &e, EXIT_NO);
		goto out;
	}
	if (state_save(&h, st, &e) != 0) {
		for (int k = 0; k < KIND_COUNT; k++) { /* all or nothing */
			char *path = path_join(c->out, matrix_file_name((enum cell_kind)k));

			unlink(path);
			free(path);
		}
		rc = cli_fail(c, &e, EXIT_NO);
		goto out;
	}
	print_sent(c, to);
out:
	smime_sender_free(s);
	pass_free(pass);
	state_free(st);
	home_close(&h);
	return rc;
}

/* --- matrix confirm -------------------------------------------------- */

static void
print_confirmed(const struct cli *c, const struct rec *r, enum cell_kind k)
{
	int first = 1;

	if (!(c->given & O_JSON)) {
		printf("out:%s  passed  (confirmed by correspondent)\n", cell_kind_name(k));
		print_progress(r);
		return;
	}
	printf("{");
	json_field(stdout, &first, "peer", rec_get(r, "email"));
	json_key(stdout, &first, "cell");
	printf("\"out:%s\"", cell_kind_name(k));
	json_field(stdout, &first, "result", "passed");
	json_field(stdout, &first, "test", matrix_all_passed(r) ? "done" : "todo");
	printf("}\n");
}

static int
matrix_confirm_cmd(struct cli *c)
{
	struct err e = ERR_INIT;
	struct state *st = NULL;
	struct rec *r = NULL;
	enum cell_dir d;
	enum cell_kind k;
	char hex[FPR_HEX_LEN];
	struct home h;
	int rc;

	if (c->to == NULL || c->cell == NULL || c->nargs != 1 || (c->given & (O_OUT | O_FORCE)))
		return cli_usage("usage: padseal matrix confirm --to PEER --cell out:KIND");
	if (matrix_cell_parse(c->cell, &d, &k) != 0)
		return cli_usage("--cell takes out:plain, out:signed, out:encrypted or out:signed-encrypted, not \"%s\"",
				 c->cell);
	if (d != DIR_OUT)
		return cli_usage(
			"only out cells are confirmed by the correspondent; in cells pass with padseal matrix check FILE");
	/* Read first: a refusal must not create or lock the home for writing. */
	if ((rc = cli_home(c, &h, HOME_READ)) != 0)
		return rc;
	if (state_load(&h, &st, &e) != 0) {
		rc = cli_fail(c, &e, EXIT_NO);
		goto out;
	}
	if ((rc = resolve(c, st, &r)) != 0)
		goto out;
	snprintf(hex, sizeof hex, "%s", rec_get(r, "fpr"));
	if (relock(&h, &st, &e) != 0) {
		rc = cli_fail(c, &e, EXIT_NO);
		goto out;
	}
	if ((r = peer_by_hex(st, hex)) == NULL) {
		err_set(&e, "the certificate of %s was removed meanwhile", c->to);
		rc = cli_fail(c, &e, EXIT_NO);
		goto out;
	}
	matrix_confirm(r, k);
	if (state_save(&h, st, &e) != 0) {
		rc = cli_fail(c, &e, EXIT_NO);
		goto out;
	}
	print_confirmed(c, r, k);
out:
	state_free(st);
	home_close(&h);
	return rc;
}

/* --- matrix check ---------------------------------------------------- */

/* Asks for the passphrase the first time msg_open meets an envelope for
 * one of the user's identities, and tries it on the current key at once:
 * a typing error must not be recorded as a failed test. */
struct asker {
	const struct cli *c;
	const struct home *h;
	const struct state *st;
	int has_ident;
	char *pass;
	int asked, rc;
};

static const char *
ask_pass(void *arg)
{
	struct asker *a = arg;
	struct err e = ERR_INIT;
	X509 *cert = NULL;
	EVP_PKEY *key = NULL;
	STACK_OF(X509) *chain = NULL;

	if (a->asked)
		return a->pass;
	a->asked = 1;
	if ((a->rc = cli_unlock_pass(a->c, "your key", &a->pass)) != 0)
		return NULL;
	if (a->has_ident && ident_unlock(a->h, a->st, a->pass, &cert, &key, &chain, &e) != 0) {
		a->rc = cli_fail(a->c, &e, EXIT_NO);
		pass_free(a->pass);
		a->pass = NULL;
		return NULL;
	}
	X509_free(cert);
	EVP_PKEY_free(key);
	sk_X509_pop_free(chain, X509_free);
	return a->pass;
}

struct checked {
	const char *file;
	int judged; /* res is valid; else err says why not */
	struct matrix_result res;
	struct err err;
};

static void
json_checked(const struct checked *ck, size_t n, const struct state *st)
{
	int any = 0;

	printf("{\"results\":[");
	for (size_t i = 0; i < n; i++) {
		int first = 1;

		printf(i ? ",{" : "{");
		json_field(stdout, &first, "file", ck[i].file);
		if (!ck[i].judged) {
			json_field(stdout, &first, "error", ck[i].err.msg);
			printf("}");
			continue;
		}
		json_key(stdout, &first, "cell");
		printf("\"%s:%s\"", matrix_dir_name(ck[i].res.dir), cell_kind_name(ck[i].res.kind));
		json_field(stdout, &first, "result", cell_state_name(ck[i].res.state));
		json_field(stdout, &first, "why", ck[i].res.why);
		json_field(stdout, &first, "peer", ck[i].res.peer_email);
		printf("}");
	}
	printf("],\"peers\":[");
	for (struct rec *r = state_first(st, "peer"); r; r = state_next(r, "peer")) {
		int touched = 0;

		for (size_t i = 0; i < n && !touched; i++)
			touched =
				ck[i].judged && strcmp(ck[i].res.peer_hex, rec_get(r, "fpr")) == 0;
		if (touched) {
			printf(any++ ? "," : "");
			json_peer(r);
		}
	}
	printf("]}\n");
}

static void
print_checked(const struct cli *c, const struct checked *ck, size_t n, const struct state *st)
{
	if (c->given & O_JSON) {
		json_checked(ck, n, st);
	} else {
		for (size_t i = 0; i < n; i++)
			if (ck[i].judged)
				printf("%s:%s  %s  (%s)\n", matrix_dir_name(ck[i].res.dir),
				       cell_kind_name(ck[i].res.kind),
				       cell_state_name(ck[i].res.state), ck[i].res.why);
		for (struct rec *r = state_first(st, "peer"); r; r = state_next(r, "peer")) {
			int touched = 0;

			for (size_t i = 0; i < n && !touched; i++)
				touched = ck[i].judged &&
					  strcmp(ck[i].res.peer_hex, rec_get(r, "fpr")) == 0;
			if (touched)
				print_progress(r);
		}
	}
	for (size_t i = 0; i < n; i++) {
		if (!ck[i].judged) {
			struct err e = ck[i].err;

			snprintf(e.msg, sizeof e.msg, "%s: %s", ck[i].file, ck[i].err.msg);
			cli_fail(c, &e, EXIT_NO);
		}
	}
}

static int
matrix_check_cmd(struct cli *c)
{
	struct err e = ERR_INIT;
	struct state *st = NULL;
	struct ident me;
	struct asker a = {0};
	struct msg_ctx ctx = {0};
	size_t n = (size_t)c->nargs - 1, judged = 0;
	struct checked *ck = NULL;
	struct home h;
	int rc, found = 0, bad = 0;

	if (n == 0 || (c->given & (O_TO | O_OUT | O_CELL | O_FORCE)))
		return cli_usage("usage: padseal matrix check FILE... [--json]");
	if ((rc = cli_home(c, &h, HOME_READ)) != 0)
		return rc;
	memset(&me, 0, sizeof me);
	if (state_load(&h, &st, &e) != 0 || (found = ident_current(&h, st, &me, &e)) < 0) {
		rc = cli_fail(c, &e, EXIT_NO);
		goto out;
	}
	ck = xcalloc(n, sizeof *ck);
	a = (struct asker){.c = c, .h = &h, .st = st, .has_ident = found};
	ctx = (struct msg_ctx){.h = &h, .st = st, .ask_pass = ask_pass, .ask_arg = &a};
	for (size_t i = 0; i < n; i++) {
		ck[i].file = c->args[i + 1];
		ck[i].judged = matrix_check_file(&ctx, found ? &me : NULL, ck[i].file, &ck[i].res,
						 &ck[i].err) == 0;
		if (a.rc != 0) { /* no passphrase: nothing is recorded */
			rc = a.rc;
			goto out;
		}
		judged += ck[i].judged;
	}
	if (judged > 0 && relock(&h, &st, &e) != 0) {
		rc = cli_fail(c, &e, EXIT_NO);
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		if (ck[i].judged && matrix_record(st, &ck[i].res, &ck[i].err) != 0)
			ck[i].judged = 0;
	if (judged > 0 && state_save(&h, st, &e) != 0) {
		rc = cli_fail(c, &e, EXIT_NO);
		goto out;
	}
	print_checked(c, ck, n, st);
	for (size_t i = 0; i < n; i++)
		bad |= !ck[i].judged || ck[i].res.state != CELL_PASSED;
	rc = bad ? EXIT_NO : EXIT_OK;
out:
	free(ck);
	pass_free(a.pass);
	ident_clear(&me);
	state_free(st);
	home_close(&h);
	return rc;
}

int
cmd_matrix(struct cli *c)
{
	const char *sub = c->nargs ? c->args[0] : NULL;

	if (sub == NULL)
		return matrix_table(c);
	if (strcmp(sub, "send") == 0)
		return matrix_send_cmd(c);
	if (strcmp(sub, "check") == 0)
		return matrix_check_cmd(c);
	if (strcmp(sub, "confirm") == 0)
		return matrix_confirm_cmd(c);
	return cli_usage("unknown matrix command \"%s\": send, check or confirm", sub);
}
