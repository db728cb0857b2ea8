/* The verbs backup and restore. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli_int.h"
#include "fileio.h"
#include "ident.h"
#include "op.h"
#include "p12.h"
#include "pass.h"
#include "state.h"

static void
print_backup(const struct p12_backup_done *d, enum p12_compat compat)
{
	printf("Backed up your credential to %s\n", d->path);
	printf("  form        %s, read back and checked: it holds your certificate and its key%s\n",
	       p12_compat_name(compat), d->n_chain ? " (and its chain)" : "");
	printf("  imports in  %s\n", p12_compat_readers(compat, d->ec));
	printf("\nKeep a copy off this machine (a USB stick in a drawer, another computer),\n"
	       "and keep the passphrase somewhere safe and apart from it: without both, mail\n"
	       "encrypted to you cannot be read. Keep old backups too, for old mail.\n");
	if (compat == P12_LEGACY)
		printf("\nFor OpenSSL 3 and systems that refuse SHA-1, add: padseal backup --compat modern --out FILE\n");
}

int
cmd_backup(struct cli *c)
{
	struct op_backup req = {.path = c->out,
				.force = (c->given & O_FORCE) != 0,
				.compat = P12_COMPAT_DEFAULT,
				.now = time(NULL)};
	struct p12_backup_done done;
	struct err e = ERR_INIT;

	if (c->out == NULL || strcmp(c->out, "-") == 0)
		return cli_usage("backup needs --out FILE: the .p12 file to write and read back");
	if (c->compat != NULL && p12_compat_parse(c->compat, &req.compat) != 0)
		return cli_usage("--compat takes legacy or modern, not \"%s\"", c->compat);
	if (op_backup(c->s, &req, &c->ask, &done, &e) != 0)
		return cli_fail(c, &e);
	if (done.warning != NULL)
		cli_warn("%s", done.warning);
	print_backup(&done, req.compat);
	return EXIT_OK;
}

static const char *
main_address(const struct ident *id)
{
	return id->n_emails ? id->emails[0] : "no address";
}

/* Nothing to do: the credential is in the home already. */
static void
print_unchanged(const char *path, const struct ident *cur, int plan)
{
	if (plan == ADOPT_SAME)
		printf("%s holds %s <%s>, which is already the current credential in this home; nothing changed.\n",
		       path, cur->name, main_address(cur));
	else
		printf("%s holds %s <%s>, which is already in this home, archived on %s (%s); nothing changed. Its key stays there for reading old mail.\n",
		       path, cur->name, main_address(cur), cur->archived, cur->reason);
}

static void
print_restored(const struct cli *c, const struct op_restore_res *r)
{
	const struct ident *id = &r->id;

	printf("Restored the credential of %s <%s> from %s\n", id->name, main_address(id),
	       c->args[0]);
	if (r->plan == ADOPT_REPLACES)
		printf("Archived the previous one (%s, SHA-256 %.23s...): its key is kept for reading old mail.\n",
		       main_address(&r->replaced), r->replaced.fpr);
	for (size_t i = 0; i < r->n_notes; i++)
		printf("Note: %s\n", r->notes[i]);
	printf("\n");
	print_ident(id);
	printf("\nLint:\n");
	print_lint(&id->lint);
	if (id->backed_up)
		printf("\nKeep %s (and a copy off this machine): it is the backup of this credential.\n",
		       c->args[0]);
	else
		printf("\nNext: back up your credential: padseal backup --out FILE\n");
}

int
cmd_restore(struct cli *c)
{
	struct op_restore_res res;
	struct err e = ERR_INIT;

	if (op_restore(c->s, c->args[0], time(NULL), &c->ask, &res, &e) != 0)
		return cli_fail(c, &e);
	if (res.plan == ADOPT_SAME || res.plan == ADOPT_ARCHIVED) {
		for (size_t i = 0; i < res.n_notes; i++)
			printf("Note: %s\n", res.notes[i]);
		print_unchanged(c->args[0], &res.id, res.plan);
	} else {
		print_restored(c, &res);
	}
	op_restore_res_clear(&res);
	return EXIT_OK;
}
