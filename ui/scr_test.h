/* scr_test — the state the Test screen's two files share: scr_test.c
 * (the table, sending, confirming) and scr_test_check.c (checking
 * received messages and sent copies). */
#ifndef PADSEAL_SCR_TEST_H
#define PADSEAL_SCR_TEST_H

#include "addr.h"
#include "app.h"
#include "form.h"
#include "fpr.h"
#include "mailset.h"
#include "matrix.h"

enum test_mode { TM_TABLE, TM_SEND, TM_CHECK };
enum { S_HOW, S_DIR, S_MAILPASS, S_PASS, S_GO, S_COUNT };
enum { C_PATH, C_MBPASS, C_PASS, C_GO, C_COUNT };

struct test_scr {
	char hex[FPR_HEX_LEN];
	char email[ADDR_MAX], first[128];
	int trusted;
	enum cell_state cell[DIR_COUNT][KIND_COUNT];
	char why[DIR_COUNT][KIND_COUNT][MATRIX_WHY_MAX];
	char by[DIR_COUNT][KIND_COUNT][CELL_BY_MAX]; /* who wrote its message */
	int shown[DIR_COUNT][KIND_COUNT];            /* a mail program showed it correctly */
	int cd, ck;                                  /* the selected cell */
	enum test_mode mode;
	struct field sf[S_COUNT];
	struct form sform;
	struct field cf[C_COUNT];
	struct form cform;
	int tab_listed;
	int send_now;              /* the sending said: done at the next tick */
	struct mail_settings kept; /* the mail server and mailbox kept (padseal settings) */
	int answer;
	char msg[2000];
	enum role msg_role;
};

/* scr_test.c */
int scr_test_load(struct app *a, struct test_scr *ts, struct err *e);
int scr_test_say(struct test_scr *ts, enum role role, const char *text);

/* scr_test_check.c: the check form opened, its fields shown as the path
 * asks (the mailbox password for IMAP), and its button pressed. */
int scr_test_open_check(struct app *a, struct test_scr *ts);
void scr_test_check_fields(struct app *a, struct test_scr *ts);
int scr_test_check(struct app *a, struct test_scr *ts);

#endif
