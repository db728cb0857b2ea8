/* testscr — the state the Test screen's two files share: scr_matrix.c
 * (the table, sending, confirming) and scr_matrix_check.c (checking
 * received messages and sent copies). */
#ifndef PADSEAL_TESTSCR_H
#define PADSEAL_TESTSCR_H

#include "addr.h"
#include "app.h"
#include "checklist.h"
#include "form.h"
#include "fpr.h"
#include "matrix.h"

enum mmode { MM_TABLE, MM_SEND, MM_CHECK };
enum { S_DIR, S_PASS, S_GO, S_COUNT };
enum { C_PATH, C_PASS, C_GO, C_COUNT };

struct matrix_st {
	char hex[FPR_HEX_LEN];
	char email[ADDR_MAX], first[128];
	int trusted;
	enum cell_state cell[DIR_COUNT][KIND_COUNT];
	char why[DIR_COUNT][KIND_COUNT][MATRIX_WHY_MAX];
	int cd, ck; /* the selected cell */
	enum mmode mode;
	struct field sf[S_COUNT];
	struct form sform;
	struct field cf[C_COUNT];
	struct form cform;
	int tab_listed;
	int answer;
	char msg[2000];
	enum role msg_role;
};

/* scr_matrix.c */
int matrix_load(const struct app *a, struct matrix_st *ms, struct err *e);
int matrix_say(struct matrix_st *ms, enum role role, const char *text);

/* scr_matrix_check.c: the check form opened, and its button pressed. */
int matrix_open_check(struct matrix_st *ms);
int matrix_do_check(const struct app *a, struct matrix_st *ms);

#endif
