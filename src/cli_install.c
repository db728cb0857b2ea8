/* cli_install — install: a mail program's folder and its steps. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "checklist.h"
#include "cli_int.h"
#include "json.h"
#include "op.h"
#include "xalloc.h"

/* A correspondent as a person calls them: the name, else the address. */
static const char *
who(const struct checklist *cl, size_t i)
{
	const struct st_peer *p = cl->peers[i].p;

	return p->name != NULL && *p->name ? p->name : p->addr[0];
}

/* "Sam's certificate", "the certificates of Sam and Bob", "3 certificates". */
static void
whose(const struct checklist *cl, const size_t *idx, size_t n, char *buf, size_t len)
{
	if (n == 1)
		snprintf(buf, len, "%s's certificate", who(cl, idx[0]));
	else if (n == 2)
		snprintf(buf, len, "the certificates of %s and %s", who(cl, idx[0]),
			 who(cl, idx[1]));
	else
		snprintf(buf, len, "%zu correspondents' certificates", n);
}

static void
ago(long days, char *buf, size_t len)
{
	if (days <= 0)
		snprintf(buf, len, "today");
	else if (days == 1)
		snprintf(buf, len, "yesterday");
	else
		snprintf(buf, len, "%ld days ago", days);
}

void
cli_install_sentence(const struct checklist *cl, const struct install_progress *ip, char *buf,
		     size_t len)
{
	enum install_prog prog;
	const char *title = install_prog_parse(ip->r->prog, &prog) == 0 ? install_prog_title(prog) :
									  ip->r->prog;
	char when[40], add[600] = "", rem[600] = "", what[1400] = "";

	ago(ip->days, when, sizeof when);
	if (ip->n_added) {
		whose(cl, ip->added, ip->n_added, add, sizeof add);
		strcat(add, " added since");
	}
	if (ip->n_removed || ip->n_gone) {
		if (ip->n_removed)
			whose(cl, ip->removed, ip->n_removed, rem, sizeof rem);
		else
			snprintf(rem, sizeof rem, "%zu certificate%s", ip->n_gone,
				 ip->n_gone == 1 ? "" : "s");
		strcat(rem, " no longer trusted");
	}
	if (ip->renewed)
		snprintf(what, sizeof what, "made for your previous credential");
	snprintf(what + strlen(what), sizeof what - strlen(what), "%s%s%s%s",
		 *what && *add ? "; " : "", add, (*what || *add) && *rem ? "; " : "", rem);
	if (install_progress_stale(ip))
		snprintf(buf, len, "%s: %s %s; %s: make it again (padseal install --for %s)", title,
			 ip->r->profile ? "imported" : "made", when, what, ip->r->prog);
	else
		snprintf(buf, len, "%s: %s %s, with everyone you trust now", title,
			 ip->r->profile ? "imported" : "made", when);
}

void
cli_jw_installs(struct jw *j, const struct checklist *cl)
{
	jw_open(j, '[');
	for (size_t i = 0; i < cl->n_installs; i++) {
		const struct install_progress *ip = &cl->installs[i];

		jw_open(j, '{');
		jw_field(j, "program", ip->r->prog);
		jw_field(j, "at", ip->r->at);
		jw_field_int(j, "days", ip->days);
		jw_field(j, "dir", ip->r->dir);
		jw_field_bool(j, "profile", ip->r->profile);
		jw_field_bool(j, "renewed_since", ip->renewed);
		jw_key(j, "added_since");
		jw_open(j, '[');
		for (size_t k = 0; k < ip->n_added; k++)
			jw_str(j, cl->peers[ip->added[k]].p->addr[0]);
		jw_close(j, ']');
		jw_key(j, "removed_since");
		jw_open(j, '[');
		for (size_t k = 0; k < ip->n_removed; k++)
			jw_str(j, cl->peers[ip->removed[k]].p->addr[0]);
		jw_close(j, ']');
		jw_field_int(j, "gone_since", (long long)ip->n_gone);
		jw_field_bool(j, "stale", install_progress_stale(ip));
		jw_close(j, '}');
	}
	jw_close(j, ']');
}

int
cmd_install(struct cli *c)
{
	struct op_install req = {.now = time(NULL)};
	struct op_install_res res;
	struct err e = ERR_INIT;
	char *dflt = NULL;
	int rc;

	if (c->prog == NULL)
		return cli_usage("install needs --for PROGRAM: one of %s", install_prog_list());
	if (install_prog_parse(c->prog, &req.prog) != 0)
		return cli_usage("--for takes one of %s, not \"%s\"", install_prog_list(), c->prog);
	if (c->out != NULL && strcmp(c->out, "-") == 0)
		return cli_usage("install needs --out DIR: a new folder for the files");
	if (c->profile != NULL && req.prog != PROG_THUNDERBIRD)
		return cli_usage("--profile is for --for thunderbird only");
	if (c->profile != NULL && c->out != NULL)
		return cli_usage(
			"install takes --out DIR (files and steps) or --profile DIR (import), not both");
	req.profile = c->profile;
	req.dir = c->out;
	if (req.dir == NULL)
		req.dir = dflt = xasprintf("padseal-for-%s", install_prog_name(req.prog));
	if (op_install(c->s, &req, &c->ask, &res, &e) != 0) {
		rc = cli_fail(c, &e);
		free(dflt);
		return rc;
	}
	if (res.warning != NULL)
		cli_warn("%s", res.warning);
	if (req.profile != NULL) {
		printf("Imported your credential and %zu correspondent%s certificate%s into the Thunderbird profile %s.\n\n",
		       res.n_peers, res.n_peers == 1 ? "'s" : "s'", res.n_peers == 1 ? "" : "s",
		       res.dir);
		for (size_t i = 0; i < res.set.n_notes; i++)
			printf("Note: %s.\n\n", res.set.notes[i]);
		printf("Steps left:\n\n");
		for (size_t i = 0; i < res.set.n_steps; i++)
			printf("%zu. %s\n\n", i + 1, res.set.steps[i]);
		op_install_res_clear(&res);
		free(dflt);
		return EXIT_OK;
	}
	printf("Made the folder %s for %s, with your credential and %zu correspondent%s certificate%s:\n",
	       res.dir, install_prog_title(req.prog), res.n_peers, res.n_peers == 1 ? "'s" : "s'",
	       res.n_peers == 1 ? "" : "s");
	for (size_t i = 0; i < res.set.n_files; i++)
		printf("  %s\n", res.set.files[i].name);
	printf("\n");
	for (size_t i = 0; i < res.set.n_notes; i++)
		printf("Note: %s.\n\n", res.set.notes[i]);
	printf("Steps (also in %s/STEPS.txt):\n\n", res.dir);
	for (size_t i = 0; i < res.set.n_steps; i++)
		printf("%zu. %s\n\n", i + 1, res.set.steps[i]);
	op_install_res_clear(&res);
	free(dflt);
	return EXIT_OK;
}
