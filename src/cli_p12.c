/* The verbs backup and restore. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_int.h"
#include "fileio.h"
#include "ident.h"
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
	struct p12_backup_req req = {.path = c->out, .force = (c->given & O_FORCE) != 0};
	struct p12_backup_done done;
	struct p12_backup *b = NULL;
	struct err e = ERR_INIT;
	struct state *st = NULL;
	char *unlock = NULL, *pass = NULL;
	const char *warn;
	struct home h;
	int rc;

	if (c->out == NULL || strcmp(c->out, "-") == 0)
		return cli_usage("backup needs --out FILE: the .p12 file to write and read back");
	req.compat = P12_COMPAT_DEFAULT;
	if (c->compat != NULL && p12_compat_parse(c->compat, &req.compat) != 0)
		return cli_usage("--compat takes legacy or modern, not \"%s\"", c->compat);
	if ((rc = cli_home(c, &h, HOME_READ)) != 0)
		return rc;
	/* Everything that can be checked is, before a passphrase is asked. */
	if (state_load(&h, &st, &e) != 0 || p12_backup_check(&h, st, req.path, req.force, &e) != 0)
		goto fail;
	if ((rc = cli_unlock_pass(c, "your key", &unlock)) != 0)
		goto out;
	if (p12_backup_open(&h, st, unlock, &b, &e) != 0)
		goto fail;
	if ((rc = cli_new_pass(c, "the backup", &pass)) != 0)
		goto out;
	if ((warn = p12_pass_warning(req.compat, pass)) != NULL)
		cli_warn("%s", warn);
	req.pass = pass;
	/* Lock for writing and read the state again: another process may
	 * have changed it while we asked. */
	state_free(st);
	st = NULL;
	if (home_upgrade(&h, &e) != 0 || state_load(&h, &st, &e) != 0 ||
	    p12_backup_check(&h, st, req.path, req.force, &e) != 0 ||
	    p12_backup_write(b, &h, st, &req, &done, &e) != 0)
		goto fail;
	print_backup(&done, req.compat);
	goto out;
fail:
	rc = cli_fail(c, &e, EXIT_NO);
out:
	p12_backup_free(b);
	pass_free(unlock);
	pass_free(pass);
	state_free(st);
	home_close(&h);
	return rc;
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
print_restored(const struct cli *c, const struct p12_restore *r, const struct ident *id,
	       const struct ident *old, int plan)
{
	const char *notes[4];
	size_t n = p12_restore_notes(r, notes, 4);

	printf("Restored the credential of %s <%s> from %s\n", id->name, main_address(id),
	       c->args[0]);
	if (plan == ADOPT_REPLACES)
		printf("Archived the previous one (%s, SHA-256 %.23s...): its key is kept for reading old mail.\n",
		       main_address(old), old->fpr);
	for (size_t i = 0; i < n; i++)
		printf("Note: %s\n", notes[i]);
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

/* Open the file with its passphrase; *r on success, else an exit status. */
static int
open_file(const struct cli *c, struct p12_restore **r)
{
	struct err e = ERR_INIT;
	unsigned char *buf = NULL;
	size_t len = 0;
	char *pass = NULL;
	int rc;

	*r = NULL;
	if (file_read(c->args[0], FILE_MAX_CERT, &buf, &len, &e) != 0)
		return cli_fail(c, &e, EXIT_NO);
	if ((rc = cli_unlock_pass(c, c->args[0], &pass)) == 0 &&
	    p12_restore_open(buf, len, c->args[0], pass, r, &e) != 0)
		rc = cli_fail(c, &e, EXIT_NO);
	pass_free(pass);
	file_free_secret(buf, len); /* it held the key, encrypted */
	return rc;
}

int
cmd_restore(struct cli *c)
{
	struct p12_restore *r = NULL;
	struct ident cur = {0}, id = {0};
	struct err e = ERR_INIT;
	struct state *st = NULL;
	char *pass = NULL;
	struct home h;
	int plan, rc;

	if ((rc = cli_home(c, &h, HOME_READ)) != 0)
		return rc;
	if (state_load(&h, &st, &e) != 0)
		goto fail;
	if ((rc = open_file(c, &r)) != 0)
		goto out;
	if ((plan = p12_restore_plan(&h, st, r, &cur, &e)) < 0)
		goto fail;
	if (plan == ADOPT_NEW || plan == ADOPT_REPLACES) {
		if ((rc = cli_new_pass(c, "the restored key", &pass)) != 0)
			goto out;
		/* Lock for writing; the home may have changed meanwhile. */
		state_free(st);
		st = NULL;
		ident_clear(&cur);
		if (home_upgrade(&h, &e) != 0 || state_load(&h, &st, &e) != 0 ||
		    (plan = p12_restore_plan(&h, st, r, &cur, &e)) < 0)
			goto fail;
	}
	if (plan == ADOPT_SAME || plan == ADOPT_ARCHIVED) {
		print_unchanged(c->args[0], &cur, plan);
		goto out;
	}
	if (p12_restore_store(&h, st, r, pass, &id, &e) != 0)
		goto fail;
	print_restored(c, r, &id, &cur, plan);
	goto out;
fail:
	rc = cli_fail(c, &e, EXIT_NO);
out:
	ident_clear(&cur);
	ident_clear(&id);
	p12_restore_free(r);
	pass_free(pass);
	state_free(st);
	home_close(&h);
	return rc;
}
