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
#include "op.h"
#include "pass.h"
#include "peer.h"
#include "smime.h"
#include "state.h"
#include "xalloc.h"

/* Where the mail went, for a person: the server's URL or the command. */
static const char *
mail_label(const struct cli_mailer *ml)
{
	return ml->m.smtp != NULL ? ml->srv.url : ml->m.command;
}

/* intro with --smtp or --sendmail: the refusals, then the server's
 * password, then the message (written to --out as well when given). */
static int
intro_mail(struct cli *c, struct cli_mailer *ml)
{
	struct err e = ERR_INIT;
	struct sink out, also;
	struct sink_file f;
	struct sink_mail sm = {0};
	struct ident me = {0};
	int rc;

	if (op_intro_check(c->s, c->to, &e) != 0 || op_ident(c->s, time(NULL), &me, &e) <= 0) {
		rc = cli_fail(c, &e);
		goto out;
	}
	if ((rc = cli_mailer_login(c, ml)) != 0)
		goto out;
	if (c->out != NULL) {
		cli_sink(c, &also, &f);
		sm.also = &also;
	}
	sm.m = &ml->m;
	sm.from = me.emails[0];
	sm.to = c->to;
	sink_mail(&out, &sm, mail_label(ml));
	if (op_intro(c->s, c->to, &out, time(NULL), &c->ask, &e) != 0) {
		rc = cli_fail(c, &e);
		goto out;
	}
	fprintf(stderr,
		"Sent the introduction to %s through %s. Ask them to call you to compare fingerprints.\n",
		c->to, mail_label(ml));
out:
	ident_clear(&me);
	return rc;
}

int
cmd_intro(struct cli *c)
{
	struct err e = ERR_INIT;
	struct cli_mailer ml;
	struct sink out;
	struct sink_file f;
	int rc;

	if (c->to == NULL || c->nargs != 0)
		return cli_usage(
			"usage: padseal intro --to ADDR [--out FILE] [--smtp URL | --sendmail COMMAND]");
	if ((rc = cli_mailer(c, &ml)) != 0)
		return rc;
	if (ml.asked) {
		rc = intro_mail(c, &ml);
		cli_mailer_clear(&ml);
		return rc;
	}
	cli_sink(c, &out, &f);
	if (op_intro(c->s, c->to, &out, time(NULL), &c->ask, &e) != 0)
		return cli_fail(c, &e);
	if (c->out != NULL && strcmp(c->out, "-") != 0)
		fprintf(stderr,
			"Wrote the introduction for %s to %s. Send it unchanged (for example: sendmail -t -i < %s, or padseal intro --smtp URL), then call %s to compare fingerprints.\n",
			c->to, c->out, c->out, c->to);
	return EXIT_OK;
}

/* --- matrix (the table) ------------------------------------------------ */

/* A cell as the table shows it: its state, and how it passed. */
static const char *
cell_word(const struct st_cell *c)
{
	if (c->state == CELL_PASSED && !matrix_by_program(c->by))
		return "rehearsed"; /* with padseal's own message */
	if (c->state == CELL_PASSED && c->how == CELL_WARNED)
		return "passed*";
	return cell_state_name(c->state);
}

/* The reason kept with a cell, or how it passed. */
static const char *
cell_why(const struct st_cell *c)
{
	if (c->why != NULL)
		return c->why;
	if (c->state == CELL_PASSED)
		return c->how == CELL_CONFIRMED ? "confirmed by correspondent" :
						  "checked by padseal";
	return NULL;
}

/* Who wrote a cell's message, for a person. */
static const char *
cell_by(const struct st_cell *c)
{
	if (c->by == NULL)
		return "not known (recorded before padseal kept it)";
	if (!matrix_by_program(c->by))
		return "padseal (a rehearsal)";
	return c->by;
}

/* What a confirmation of a cell adds to its line ("" when there is none,
 * or the reason says it already). */
static const char *
shown_suffix(enum cell_dir d, const struct st_cell *c)
{
	if (!c->shown || c->state != CELL_PASSED || (d == DIR_OUT && c->how == CELL_CONFIRMED))
		return "";
	return d == DIR_OUT ? "; shown correctly in their mail program, by their word" :
			      "; shown correctly in your mail program, by your word";
}

static void
json_cells(const struct st_peer *p, int why)
{
	printf("{");
	for (int d = 0; d < DIR_COUNT; d++) {
		int first = 1;

		printf(d ? ",\"in\":{" : "\"out\":{");
		for (int k = 0; k < KIND_COUNT; k++) {
			const struct st_cell *c = &p->cell[d][k];

			json_key(stdout, &first, cell_kind_name((enum cell_kind)k));
			json_str(stdout, why ? cell_why(c) : cell_state_name(c->state));
		}
		printf("}");
	}
	printf("}");
}

static void
json_peer(const struct st_peer *p)
{
	char colon[FPR_COLON_LEN];
	int first = 1;

	peer_colon(p, colon);
	printf("{");
	json_field(stdout, &first, "email", p->addr[0]);
	json_field(stdout, &first, "fingerprint_sha256", colon);
	json_field_bool(stdout, &first, "trusted", p->trusted);
	json_field(stdout, &first, "test", matrix_tested(p) == 8 ? "done" : "todo");
	json_key(stdout, &first, "matrix");
	json_cells(p, 0);
	json_key(stdout, &first, "why");
	json_cells(p, 1);
	json_key(stdout, &first, "passed");
	printf("%d", matrix_passed(p));
	json_key(stdout, &first, "tested");
	printf("%d", matrix_tested(p));
	json_key(stdout, &first, "written_by");
	printf("{");
	for (int d = 0; d < DIR_COUNT; d++) {
		int f2 = 1;

		printf(d ? ",\"in\":{" : "\"out\":{");
		for (int k = 0; k < KIND_COUNT; k++)
			json_field(stdout, &f2, cell_kind_name((enum cell_kind)k),
				   p->cell[d][k].by);
		printf("}");
	}
	printf("}");
	json_field(stdout, &first, "test_from", p->test_from[0] ? p->test_from : NULL);
	json_key(stdout, &first, "shown");
	printf("{");
	for (int d = 0; d < DIR_COUNT; d++) {
		int f2 = 1;

		printf(d ? ",\"in\":{" : "\"out\":{");
		for (int k = 0; k < KIND_COUNT; k++)
			json_field_bool(stdout, &f2, cell_kind_name((enum cell_kind)k),
					p->cell[d][k].shown);
		printf("}");
	}
	printf("}}");
}

/* One line about the state of the test with a peer. */
static void
print_progress(const struct st_peer *p)
{
	int passed = matrix_passed(p), tested = matrix_tested(p);
	char open[400] = "";

	for (int d = 0; d < DIR_COUNT; d++) {
		for (int k = 0; k < KIND_COUNT; k++) {
			enum cell_state s = p->cell[d][k].state;
			size_t used = strlen(open);

			if (s != CELL_PASSED)
				snprintf(open + used, sizeof open - used, "%s%s:%s (%s)",
					 used ? ", " : "", cell_dir_name((enum cell_dir)d),
					 cell_kind_name((enum cell_kind)k), cell_state_name(s));
		}
	}
	if (tested == DIR_COUNT * KIND_COUNT)
		printf("All eight messages passed with %s (8 of 8), written by your mail programs: signed and encrypted mail works in both directions.\n",
		       p->addr[0]);
	else if (passed == DIR_COUNT * KIND_COUNT)
		printf("Rehearsed with %s: all eight passed, %d of them with padseal's own messages. The test is done when the messages your mail programs write pass: each of you sends the four kinds from their mail program, then padseal matrix check.\n",
		       p->addr[0], passed - tested);
	else
		printf("%s: %d of 8 passed; still open: %s\n", p->addr[0], passed, open);
	if (passed < DIR_COUNT * KIND_COUNT && passed > tested)
		printf("  %d of the passed were padseal's own messages (a rehearsal): the test needs the ones your mail programs write.\n",
		       passed - tested);
	if (passed > 0 && matrix_shown(p) < passed)
		printf("  Shown correctly in the mail programs, confirmed: %d of the %d passed (padseal matrix confirm --to %s --cell in:KIND once your mail program showed one as it should; out:KIND when they report theirs did).\n",
		       matrix_shown(p), passed, p->addr[0]);
	else if (passed > 0)
		printf("  Shown correctly in the mail programs, confirmed: all %d passed.\n",
		       passed);
}

static void
print_table(const struct st_peer *p)
{
	static const int w[KIND_COUNT] = {9, 9, 11, 16};
	char colon[FPR_COLON_LEN];

	peer_colon(p, colon);
	printf("%s  %s  %s\n", p->addr[0], colon, p->trusted ? "trusted" : "not trusted");
	if (p->test_from[0])
		printf("  the test started %s: older messages in a mailbox are not part of it\n",
		       p->test_from);
	printf("  %-18s", "");
	for (int k = 0; k < KIND_COUNT; k++)
		printf(" %-*s", k + 1 < KIND_COUNT ? w[k] : 0, cell_kind_name((enum cell_kind)k));
	printf("\n");
	for (int d = 0; d < DIR_COUNT; d++) {
		printf("  %-18s", d == DIR_OUT ? "out (you -> them)" : "in (them -> you)");
		for (int k = 0; k < KIND_COUNT; k++)
			printf(" %-*s", k + 1 < KIND_COUNT ? w[k] : 0, cell_word(&p->cell[d][k]));
		printf("\n");
	}
	for (int d = 0; d < DIR_COUNT; d++) {
		for (int k = 0; k < KIND_COUNT; k++) {
			const struct st_cell *c = &p->cell[d][k];

			if (c->state == CELL_PASSED || c->state == CELL_FAILED)
				printf("  %s:%s  %s  (%s)  written by %s%s\n",
				       cell_dir_name((enum cell_dir)d),
				       cell_kind_name((enum cell_kind)k), cell_state_name(c->state),
				       cell_why(c), cell_by(c), shown_suffix((enum cell_dir)d, c));
		}
	}
	print_progress(p);
}

/* Resolve --to: 0 found; else the exit status. */
static int
resolve(struct cli *c, const struct state *st, const struct st_peer **p)
{
	return cli_peer(c, st, c->to, p);
}

static int
matrix_table(struct cli *c)
{
	struct err e = ERR_INIT;
	const struct state *st;
	const struct st_peer *only = NULL;
	int rc, n = 0;

	if (c->given & (O_OUT | O_CELL | O_FORCE | O_SEND | O_BOX | O_SENT))
		return cli_usage("usage: padseal matrix [--to PEER] [--json]");
	if ((rc = cli_state(c, &st)) != 0)
		return rc;
	if (c->to != NULL && (rc = resolve(c, st, &only)) != 0)
		return rc;
	if (only == NULL && state_parse_all(st, &e) != 0)
		return cli_fail(c, &e);
	if (c->given & O_JSON)
		printf("{\"peers\":[");
	for (size_t i = 0; i < state_n_peers(st); i++) {
		const struct st_peer *p = state_peer(st, i);

		if (only != NULL && p != only)
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
	return EXIT_OK;
}

/* --- matrix send ----------------------------------------------------- */

static void
print_sent(const struct cli *c, const struct op_send_res *r, const char *via)
{
	if (c->given & O_JSON) {
		int first = 1;

		printf("{");
		json_field(stdout, &first, "peer", r->email);
		if (via != NULL)
			json_field(stdout, &first, "sent_via", via);
		json_key(stdout, &first, "files");
		printf("[");
		for (int k = 0; k < KIND_COUNT && r->path[k][0]; k++) {
			if (k)
				printf(",");
			json_str(stdout, r->path[k]);
		}
		printf("]}\n");
		return;
	}
	if (via != NULL)
		printf("Sent the four test messages to %s through %s.\n", r->email, via);
	if (r->path[0][0]) {
		printf("Wrote the four test messages for %s:\n", r->email);
		for (int k = 0; k < KIND_COUNT; k++)
			printf("  %s\n", r->path[k]);
	}
	if (via == NULL)
		printf("\nSend each one unchanged to %s (for example: sendmail -t -i < FILE, or\n"
		       "padseal matrix send --smtp URL).\n",
		       r->email);
	printf("Each says what their client should show. When they report it, record it:\n"
	       "  padseal matrix confirm --to %s --cell out:KIND\n"
	       "or check the copies in your Sent folder: padseal matrix check FILE... (or --imap URL)\n",
	       r->email);
}

static int
matrix_send_cmd(struct cli *c)
{
	struct op_send_res res;
	struct err e = ERR_INIT;
	struct cli_mailer ml;
	int force = (c->given & O_FORCE) != 0, rc;

	if (c->to == NULL || c->nargs != 1 || (c->given & (O_CELL | O_SENT | (O_BOX & ~O_SEND))))
		return cli_usage(
			"usage: padseal matrix send --to PEER [--out DIR] [--force] [--smtp URL | --sendmail COMMAND]");
	/* Neither files nor a server asked for: the SMTP settings kept. */
	if (c->smtp == NULL && c->sendmail == NULL && c->out == NULL)
		cli_kept_smtp(c);
	if ((rc = cli_mailer(c, &ml)) != 0)
		return rc;
	if (!ml.asked) {
		if (c->out == NULL)
			return cli_usage(
				"matrix send needs --out DIR, --smtp URL or --sendmail COMMAND");
		if (op_matrix_send(c->s, c->to, c->out, force, time(NULL), &c->ask, &res, &e) != 0)
			return cli_fail(c, &e);
		print_sent(c, &res, NULL);
		return EXIT_OK;
	}
	if (op_matrix_send_check(c->s, c->to, c->out, force, time(NULL), &e) != 0) {
		rc = cli_fail(c, &e);
	} else if ((rc = cli_mailer_login(c, &ml)) == 0) {
		if (op_matrix_send_mail(c->s, c->to, c->out, force, time(NULL), &ml.m, &c->ask,
					&res, &e) != 0)
			rc = cli_fail(c, &e);
		else
			print_sent(c, &res, mail_label(&ml));
	}
	cli_mailer_clear(&ml);
	return rc;
}

/* --- matrix confirm -------------------------------------------------- */

static int
matrix_confirm_cmd(struct cli *c)
{
	const struct st_peer *p;
	const struct state *st;
	struct err e = ERR_INIT;
	enum cell_dir d;
	enum cell_kind k;
	char hex[FPR_HEX_LEN];

	if (c->to == NULL || c->cell == NULL || c->nargs != 1 ||
	    (c->given & (O_OUT | O_FORCE | O_SEND | O_BOX | O_SENT)))
		return cli_usage("usage: padseal matrix confirm --to PEER --cell out:KIND|in:KIND");
	if (matrix_cell_parse(c->cell, &d, &k) != 0)
		return cli_usage("--cell takes out:KIND or in:KIND (KIND: plain, signed, encrypted or signed-encrypted), not \"%s\"",
				 c->cell);
	if (op_matrix_confirm(c->s, c->to, d, k, time(NULL), hex, &e) != 0 ||
	    session_state(c->s, &st, &e) != 0 || (p = state_peer_by_hex(st, hex)) == NULL)
		return cli_fail(c, &e);
	if (c->given & O_JSON) {
		int first = 1;

		printf("{");
		json_field(stdout, &first, "peer", p->addr[0]);
		json_key(stdout, &first, "cell");
		printf("\"%s:%s\"", cell_dir_name(d), cell_kind_name(k));
		json_field(stdout, &first, "result", cell_state_name(p->cell[d][k].state));
		json_field(stdout, &first, "test", matrix_tested(p) == 8 ? "done" : "todo");
		json_field(stdout, &first, "written_by", p->cell[d][k].by);
		json_field_bool(stdout, &first, "shown", p->cell[d][k].shown);
		printf("}\n");
	} else {
		printf("%s:%s  %s  (%s)  written by %s%s\n", cell_dir_name(d), cell_kind_name(k),
		       cell_state_name(p->cell[d][k].state), cell_why(&p->cell[d][k]),
		       cell_by(&p->cell[d][k]), shown_suffix(d, &p->cell[d][k]));
		print_progress(p);
	}
	return EXIT_OK;
}

/* --- matrix check ---------------------------------------------------- */

static int
by_size(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return x < y ? -1 : x > y;
}

/* The correspondents concerned by the results, in the order of the list,
 * each once; only those are loaded.  The caller frees *out. */
static size_t
touched(const struct state *st, const struct op_checked *ck, size_t n, size_t **out)
{
	size_t k = 0, u = 0;

	*out = xcalloc(n ? n : 1, sizeof **out);
	for (size_t i = 0; i < n; i++) {
		const struct st_peer *p;

		if (ck[i].judged && (p = state_peer_by_hex(st, ck[i].res.peer_hex)) != NULL)
			(*out)[k++] = state_peer_index(st, p);
	}
	if (k > 1)
		qsort(*out, k, sizeof **out, by_size);
	for (size_t i = 0; i < k; i++)
		if (u == 0 || (*out)[u - 1] != (*out)[i])
			(*out)[u++] = (*out)[i];
	return u;
}

static void
json_checked(const struct op_checked *ck, size_t n, const struct state *st)
{
	size_t *t, nt;

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
		printf("\"%s:%s\"", cell_dir_name(ck[i].res.dir), cell_kind_name(ck[i].res.kind));
		json_field(stdout, &first, "result", cell_state_name(ck[i].res.state));
		json_field(stdout, &first, "why", ck[i].res.why);
		json_field(stdout, &first, "peer", ck[i].res.peer_email);
		json_field(stdout, &first, "written_by", ck[i].res.author);
		json_field_bool(stdout, &first, "mail_program",
				matrix_by_program(ck[i].res.author));
		printf("}");
	}
	printf("],\"peers\":[");
	nt = touched(st, ck, n, &t);
	for (size_t i = 0; i < nt; i++) {
		printf(i ? "," : "");
		json_peer(state_peer(st, t[i]));
	}
	printf("]}\n");
	free(t);
}

static void
print_checked(const struct cli *c, const struct op_checked *ck, size_t n, const struct state *st)
{
	if (c->given & O_JSON) {
		json_checked(ck, n, st);
	} else {
		for (size_t i = 0; i < n; i++)
			if (ck[i].judged)
				printf("%s:%s  %s  (%s)  written by %s\n",
				       cell_dir_name(ck[i].res.dir), cell_kind_name(ck[i].res.kind),
				       cell_state_name(ck[i].res.state), ck[i].res.why,
				       matrix_by_program(ck[i].res.author) ?
					       ck[i].res.author :
					       "padseal (a rehearsal)");
		size_t *t, nt = touched(st, ck, n, &t);

		for (size_t i = 0; i < nt; i++)
			print_progress(state_peer(st, t[i]));
		free(t);
	}
	for (size_t i = 0; i < n; i++) {
		if (!ck[i].judged) {
			struct err e = ck[i].err;

			snprintf(e.msg, sizeof e.msg, "%s: %s", ck[i].file, ck[i].err.msg);
			cli_fail(c, &e);
		}
	}
}

/* matrix check on a mailbox, or two (the inbox and the Sent folder). */
static int
matrix_check_box(struct cli *c, struct cli_box *b, size_t n_b)
{
	const struct state *st;
	struct err e = ERR_INIT;
	struct op_box_res res;
	struct mailbox mb[OP_BOXES_MAX];
	int bad = 0;

	for (size_t i = 0; i < n_b; i++)
		mb[i] = b[i].bx.mb;
	if (op_matrix_check_box(c->s, mb, n_b, time(NULL), &c->ask, &res, &e) != 0 ||
	    session_state(c->s, &st, &e) != 0) {
		op_checked_free(res.list, res.n);
		return cli_fail(c, &e);
	}
	for (size_t i = 0; i < res.n_box; i++) {
		const struct op_box_count *bc = &res.box[i];

		if (bc->damaged > 0)
			cli_warn("%s: %zu damaged messages passed over; the first: %s", mb[i].path,
				 bc->damaged, bc->first_damage.msg);
		if (c->given & O_JSON)
			continue;
		printf("%s: %zu messages, %zu of them test messages", mb[i].path, bc->seen,
		       bc->judged);
		if (bc->older > 0)
			printf("; %zu older ones passed over (from before the test started)",
			       bc->older);
		printf("\n");
	}
	print_checked(c, res.list, res.n, st);
	for (size_t i = 0; i < res.n; i++)
		bad |= res.list[i].res.state != CELL_PASSED;
	op_checked_free(res.list, res.n);
	return bad ? EXIT_NO : EXIT_OK;
}

static int
matrix_check_cmd(struct cli *c)
{
	const struct state *st;
	struct err e = ERR_INIT;
	struct op_checked *ck = NULL;
	struct cli_box b[OP_BOXES_MAX];
	size_t n = 0, n_b = 0;
	int bad = 0, rc;

	if (c->given & (O_TO | O_OUT | O_CELL | O_FORCE | (O_SEND & ~(O_CACERT | O_INSECURE))))
		return cli_usage(
			"usage: padseal matrix check FILE... [--json] | matrix check --maildir DIR|--mbox FILE|--emlx DIR|--imap URL [--sent MAILBOX]");
	/* No files and no mailbox: the mailbox (and Sent folder) kept. */
	if (c->nargs == 1 && !(c->given & (O_IMAP | O_MAILDIR | O_MBOX | O_EMLX)))
		cli_kept_box(c);
	if (c->given & (O_BOX | O_SENT)) {
		if (c->nargs != 1)
			return cli_usage(
				"give either files or a mailbox to matrix check, not both");
		if ((rc = cli_box(c, NULL, &b[0])) > 0)
			return rc;
		n_b = rc == 0;
		if (c->sent != NULL) {
			if ((rc = cli_box_sent(c, n_b ? &b[0] : NULL, &b[n_b])) != 0) {
				if (n_b)
					cli_box_clear(&b[0]);
				return rc;
			}
			n_b++;
		}
		if (n_b == 0)
			return cli_usage(
				"--cacert and --insecure go with --imap URL or --sent imaps://...");
		rc = matrix_check_box(c, b, n_b);
		for (size_t i = 0; i < n_b; i++)
			cli_box_clear(&b[i]);
		return rc;
	}
	if (c->nargs < 2)
		return cli_usage(
			"usage: padseal matrix check FILE... [--json] | matrix check --maildir DIR|--mbox FILE|--emlx DIR|--imap URL [--sent MAILBOX]");
	if (op_matrix_check(c->s, (const char *const *)c->args + 1, (size_t)c->nargs - 1,
			    time(NULL), &c->ask, &ck, &n, &e) != 0 ||
	    session_state(c->s, &st, &e) != 0) {
		op_checked_free(ck, n);
		return cli_fail(c, &e);
	}
	print_checked(c, ck, n, st);
	for (size_t i = 0; i < n; i++)
		bad |= !ck[i].judged || ck[i].res.state != CELL_PASSED;
	op_checked_free(ck, n);
	return bad ? EXIT_NO : EXIT_OK;
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
