#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "xalloc.h"

/* The two modals every screen uses: a message with OK, and a question
 * with a few answers.  Both are drawn over the screen they belong to. */

#define ASK_MAX 4

struct dialog {
	char title[64];
	char topic[16]; /* its own help topic, or "" */
	char buttons[ASK_MAX][32];
	int n, sel;
	int *answer; /* NULL for a message */
	char text[]; /* as for draw_text */
};

static void
dialog_draw(const struct app *a, const void *sc)
{
	const struct dialog *d = sc;
	const char *labels[ASK_MAX];
	struct keyhint keys[6];
	int k = 0;

	for (int i = 0; i < d->n; i++)
		labels[i] = d->buttons[i];
	draw_dialog_n(&a->look, a->rows, a->cols, d->title, d->text, labels, d->n, d->sel);
	if (d->n > 1)
		keys[k++] = (struct keyhint){"Tab", "choose"};
	keys[k++] = (struct keyhint){"Enter", d->n > 1 ? "answer" : "OK"};
	keys[k++] = (struct keyhint){"Esc", d->n > 1 ? "cancel" : "close"};
	keys[k++] = (struct keyhint){"?", "help"};
	keys[k] = (struct keyhint){NULL, NULL};
	draw_status(&a->look, a->rows, a->cols, keys);
}

static int
dialog_close(struct dialog *d, int answer)
{
	if (d->answer != NULL)
		*d->answer = answer;
	return APP_HANDLED | APP_POP;
}

static int
dialog_key(struct app *a, void *sc, int ch)
{
	struct dialog *d = sc;

	(void)a;
	switch (ch) {
	case '\n':
	case '\r':
	case KEY_ENTER: return dialog_close(d, d->sel);
	case ' ':
		if (d->n == 1)
			return dialog_close(d, 0);
		break;
	case 27: /* Esc */ return dialog_close(d, d->n > 1 ? -1 : 0);
	case 'q':
		if (d->n == 1)
			return dialog_close(d, 0);
		break;
	case KEY_RIGHT:
	case '\t':
	case 'l': d->sel = (d->sel + 1) % d->n; return APP_HANDLED | APP_REDRAW;
	case KEY_LEFT:
	case KEY_BTAB:
	case 'h': d->sel = (d->sel + d->n - 1) % d->n; return APP_HANDLED | APP_REDRAW;
	case '?':
	case KEY_F(1): return 0; /* the loop opens help */
	}
	return APP_HANDLED; /* a modal keeps keys from the screen below */
}

static const char *
dialog_topic(const struct app *a, const void *sc)
{
	const struct dialog *d = sc;

	(void)a;
	return d->topic[0] != '\0' ? d->topic : NULL;
}

static const struct screen_ops dialog_ops = {
	.name = "dialog",
	.help = NULL,
	.modal = 1,
	.draw = dialog_draw,
	.key = dialog_key,
	.topic = dialog_topic,
};

static struct dialog *
dialog_new(const char *title, const char *text, const char *topic)
{
	size_t n = strlen(text) + 1;
	struct dialog *d = xcalloc(1, sizeof *d + n);

	snprintf(d->title, sizeof d->title, "%s", title);
	snprintf(d->topic, sizeof d->topic, "%s", topic != NULL ? topic : "");
	memcpy(d->text, text, n);
	return d;
}

int
app_message_help(struct app *a, const char *title, const char *text, const char *topic)
{
	struct dialog *d = dialog_new(title, text, topic);

	if (d != NULL) {
		snprintf(d->buttons[0], sizeof d->buttons[0], "OK");
		d->n = 1;
	}
	return app_push(a, &dialog_ops, d);
}

int
app_message(struct app *a, const char *title, const char *text)
{
	return app_message_help(a, title, text, NULL);
}

int
app_ask(struct app *a, const char *title, const char *text, const char *const *buttons, int n,
	int *answer)
{
	struct dialog *d = dialog_new(title, text, NULL);

	*answer = -1;
	if (d != NULL) {
		d->n = n < 1 ? 1 : n > ASK_MAX ? ASK_MAX : n;
		for (int i = 0; i < d->n; i++)
			snprintf(d->buttons[i], sizeof d->buttons[i], "%s", buttons[i]);
		d->answer = answer;
	}
	return app_push(a, &dialog_ops, d);
}
