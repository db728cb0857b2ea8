/* ui — the full-screen front end: the entry point for cli_main and one
 * opener per screen (each screen lives in its own scr_*.c). */
#ifndef PADSEAL_UI_H
#define PADSEAL_UI_H

#include "state.h"

struct app;

/* Run the wizard on the home `home_dir` until the user quits.  Returns the
 * exit status: 0 after q, 1 when the terminal could not be used, 2 when
 * standard input or output is not a terminal.  After SIGINT, SIGTERM or
 * SIGHUP it restores the terminal and ends the process by that signal
 * (status 128 + the signal number as a shell reports it). */
int ui_run(const char *home_dir);

/* The home screen: the six steps, your identity, your correspondents.
 * Returns flags for a key function (APP_PUSH when it opens). */
int scr_home_open(struct app *a);

/* Create: the request, the passphrase, the key generated off the input
 * loop, the result (scr_create.c, scr_create_key.c). */
int scr_create_open(struct app *a);

/* Back up: the current credential into a checked PKCS#12 file. */
int scr_backup_open(struct app *a);

/* Exchange: the introduction mail written to a file, the certificate file
 * exported, a correspondent's certificate imported.  `addr` (may be NULL)
 * is the address the introduction is for; `import` opens on importing. */
int scr_exchange_open(struct app *a, const char *addr, int import);

/* Verify the correspondent's certificate `hex` (SHA-256, upper-case hex)
 * side by side with yours, by phone or in person. */
int scr_verify_open(struct app *a, const char *hex);

/* Trust the certificate `hex`; `method` how Verify has just matched every
 * group, else VERIFY_NONE. */
int scr_trust_open(struct app *a, const char *hex, enum verify_method method);

/* A credential for someone else, made in a home of its own and handed
 * over in a new folder (scr_handover.c). */
int scr_handover_open(struct app *a);

/* Your credential and the certificates you trust put into one mail
 * program: its folder and steps, or a Thunderbird profile (scr_install.c). */
int scr_install_open(struct app *a);

/* A new mail certificate from your own CA (scr_renew.c). */
int scr_renew_open(struct app *a);

/* The test matrix with the correspondent `hex`. */
int scr_test_open(struct app *a, const char *hex);

#endif
