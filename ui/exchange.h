/* exchange — the state the Exchange screen's two files share:
 * scr_exchange.c (the form: the introduction mail, the certificate file)
 * and scr_import.c (a correspondent's certificate read, shown, stored). */
#ifndef PADSEAL_EXCHANGE_H
#define PADSEAL_EXCHANGE_H

#include "addr.h"
#include "app.h"
#include "form.h"
#include "import.h"
#include "util.h"

/* The form's fields, top to bottom; each action shows only its own. */
enum {
	X_MODE,
	X_TO, /* the introduction */
	X_OUT,
	X_PASS,
	X_WRITE,
	X_FMT, /* the certificate file */
	X_CPATH,
	X_GIVEN,
	X_EXPORT,
	X_FILE, /* their certificate */
	X_IPASS,
	X_READ,
	X_COUNT
};

enum xmode { XM_INTRO, XM_EXPORT, XM_IMPORT };

enum xstage {
	XS_FORM,
	XS_INTRO_DONE,  /* the introduction written: how to send it */
	XS_EXPORT_DONE, /* the certificate file written */
	XS_PREVIEW,     /* what the file holds, before storing */
	XS_STORED,      /* stored: on to Verify */
};

#define XVIEW_MAX 3 /* certificates of one file shown in full */

struct exchange_st {
	char open_addr[ADDR_MAX]; /* what the opener asked for */
	int open_import;
	enum xstage stage;
	struct field f[X_COUNT];
	struct form form;
	char me[ADDR_MAX]; /* your main address */
	int out_touched;   /* X_OUT / X_CPATH typed by the user: keep it */
	int cpath_touched;
	int tab_listed;  /* the last Tab listed names (another moves on) */
	int pass_wanted; /* the file is encrypted to you */
	char msg[1200];  /* above the status line */
	enum role msg_role;
	char done_path[UI_PATH_MAX]; /* what was written, for the result */
	char done_to[ADDR_MAX];
	/* The import: the file, what it holds, how it looks to the home. */
	char file[UI_PATH_MAX];
	struct import_set *set;
	size_t n_certs;
	struct import_view view[XVIEW_MAX];
	size_t n_view;
};

/* scr_import.c */
int import_read_file(struct app *a, struct exchange_st *xs);
int import_key(struct app *a, struct exchange_st *xs, int ch);
void import_draw(const struct app *a, const struct exchange_st *xs);
void import_drop(struct exchange_st *xs);

/* scr_exchange.c: a failure in the form, its field focused. */
int exchange_fail(struct exchange_st *xs, int field, const char *msg);

#endif
