/* cli_handover — handover: what the person a credential was made for
 * needs, in a new folder. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli_int.h"
#include "fileio.h"
#include "handover.h"
#include "op.h"

/* What each file is, for the maker. */
static const char *
file_role(const char *name)
{
	static const struct {
		const char *name, *role;
	} roles[] = {
		{HANDOVER_P12,
		 "the key and certificate (with the chain), locked with the passphrase"},
		{HANDOVER_CERT_PEM, "the certificate, with its chain (not secret)"},
		{HANDOVER_CERT_DER, "the certificate alone, DER (not secret)"},
		{HANDOVER_CA_PEM, "the certificate authority to trust"},
		{HANDOVER_CA_DER, "the certificate authority to trust, DER"},
		{HANDOVER_MD, "the instruction sheet"},
		{HANDOVER_HTML, "the instruction sheet, a page to print"},
	};

	for (size_t i = 0; i < sizeof roles / sizeof roles[0]; i++)
		if (strcmp(roles[i].name, name) == 0)
			return roles[i].role;
	return "";
}

int
cmd_handover(struct cli *c)
{
	struct op_handover req = {.dir = c->out, .now = time(NULL)};
	struct op_handover_res res;
	struct err e = ERR_INIT;
	const struct ident *id;
	const char *addr;
	char *cmd;

	if (c->out == NULL || strcmp(c->out, "-") == 0)
		return cli_usage(
			"handover needs --out DIR: a new folder for what the person needs");
	if (op_handover(c->s, &req, &c->ask, &res, &e) != 0)
		return cli_fail(c, &e);
	id = &res.id;
	addr = id->n_emails ? id->emails[0] : "no address";
	if (res.warning != NULL)
		cli_warn("%s", res.warning);
	printf("Made the folder %s for %s <%s> (%s credential):\n", res.dir, id->name, addr,
	       id->form == FORM_CA ? "CA-form" : ident_form_name(id->form));
	for (size_t i = 0; i < res.set.n_files; i++)
		printf("  %-19s %s\n", res.set.files[i].name, file_role(res.set.files[i].name));
	printf("\nThe passphrase of %s is not in the folder: give it another way. Say it\n"
	       "on the phone, or write it on paper and hand that over yourself; never in\n"
	       "the same mail, or on the same stick, as the folder.\n",
	       HANDOVER_P12);
	printf("\nPrint the instruction sheet and give it with the folder:\n  %s/%s\n"
	       "It says how to set the credential up in Thunderbird, Apple Mail and Outlook%s.\n",
	       res.dir, HANDOVER_HTML,
	       id->form == FORM_SELF_SIGNED ? ",\nand what differs for a self-signed credential" :
					      "");
	cmd = path_sh_quoted(res.dir, HANDOVER_CERT_PEM);
	printf("\nTo trust this credential in your own home in one step (you made it),\n"
	       "with --home YOUR-HOME if yours is not the default one:\n"
	       "  padseal import --made-by-me %s\n",
	       cmd);
	free(cmd);
	op_handover_res_clear(&res);
	return EXIT_OK;
}
