/* cli_install — install: a mail program's folder and its steps. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli_int.h"
#include "op.h"
#include "xalloc.h"

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
