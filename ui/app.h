/* app — the full-screen loop: a stack of screens, each a const table of
 * functions plus a state struct (tig's view_ops, htop's ScreenManager).
 *
 * The loop owns the terminal: only it reads keys, redraws, handles resizes
 * and signals, and quits.  A screen's `draw` reads its state and never
 * changes it; its `key` changes the state and returns APP_* flags telling
 * the loop what to do next.  Modal screens are drawn over the screens below
 * them: the loop draws the parent first. */
#ifndef PADSEAL_APP_H
#define PADSEAL_APP_H

#include "draw.h"

/* The smallest terminal every screen is laid out for. */
#define APP_MIN_COLS 80
#define APP_MIN_ROWS 24

/* What a screen's key (or resume, or tick) function did. */
enum {
	APP_HANDLED = 1 << 0, /* the key was used; else the loop may use it */
	APP_REDRAW = 1 << 1,  /* the state changed: draw a new frame */
	APP_PUSH = 1 << 2,    /* open the screen given to app_push() */
	APP_POP = 1 << 3,     /* close this screen */
	APP_QUIT = 1 << 4,    /* leave padseal */
};

struct app;

struct screen_ops {
	const char *name; /* for messages */
	const char *help; /* help topic (ui/help/<help>.md), or NULL to use
			     the topic of the screen below */
	int modal;        /* drawn over the screen below it */
	/* Optional.  Pushed: load what the screen shows.  0 opens the
	 * screen; -1 refuses (it is then left and freed without being
	 * drawn); it may call app_message() first to say why. */
	int (*enter)(struct app *a, void *sc);
	/* The whole frame (a modal: only its part).  Reads, never writes. */
	void (*draw)(const struct app *a, const void *sc);
	/* A key, after resize and signals were dealt with.  Returns APP_*
	 * flags; without APP_HANDLED the loop may use the key itself
	 * (? and F1 for help, Ctrl-L to repaint). */
	int (*key)(struct app *a, void *sc, int ch);
	/* Optional: the screen above it closed (reload what may have
	 * changed).  Returns APP_* flags. */
	int (*resume)(struct app *a, void *sc);
	/* Optional: called about ten times a second, whether or not a key
	 * arrived, for every screen on the stack (animation, work running
	 * off the input loop).  Returns APP_* flags; below the top only
	 * APP_REDRAW counts. */
	int (*tick)(struct app *a, void *sc);
	/* Optional: release what the state holds; the loop frees `sc`.
	 * Also called for a state whose push failed, as its opener made
	 * it, and for every screen when the wizard ends. */
	void (*leave)(struct app *a, void *sc);
	/* Optional: the help topic for the state the screen is in now
	 * (NULL: `help`). */
	const char *(*topic)(const struct app *a, const void *sc);
};

struct frame {
	const struct screen_ops *ops;
	void *sc; /* malloc()ed, owned by the stack */
};

#define APP_DEPTH 16

struct orphan; /* a job no screen waits for any more (app.c) */

struct session;

struct app {
	struct session *s; /* the home, for the whole sitting: its state
			      as last read and the keys unlocked (ui_run
			      makes it, closes it at the end) */
	struct look look;  /* symbols and colours */
	int rows, cols;    /* the terminal's size */
	struct frame stack[APP_DEPTH];
	int depth;
	struct frame pending;   /* set by app_push, pushed by the loop */
	struct orphan *orphans; /* see app_abandon */
	int keys_forgotten;     /* the unlocked key was wiped after the idle
				   time: a form says why it asks again */
};

/* Ask the loop to open a screen over the current one.  `sc` is malloc()ed
 * (zeroed as enter expects) and owned by the stack from here on, even when
 * the push fails.  Returns the flags for the caller's key function. */
int app_push(struct app *a, const struct screen_ops *ops, void *sc);

/* A modal message with an OK button; `text` as for draw_text (copied).
 * Returns the flags for the caller's key function.  Its help is that of
 * the screen below; app_message_help names its own `topic`. */
int app_message(struct app *a, const char *title, const char *text);
int app_message_help(struct app *a, const char *title, const char *text, const char *topic);

/* A modal question with `n` (1..4) buttons: ←→ or Tab choose, Enter
 * answers, Esc answers -1.  When it closes the index of the answer is
 * written to *answer, which must live in the state of the screen below
 * (its resume reads it).  `text` and the labels are copied. */
int app_ask(struct app *a, const char *title, const char *text, const char *const *buttons, int n,
	    int *answer);

/* A modal list of `n` lines to choose one from, line `sel` highlighted
 * first: ↑↓ move, Enter picks, Esc cancels.  The index picked (-1 for
 * none) is written to *answer, in the state of the screen below, before
 * its resume is called.  (pick.c) */
int app_pick(struct app *a, const char *title, const char *text, const char *const *items, int n,
	     int sel, int *answer);

/* Open help on `topic` (ui/help/<topic>.md; NULL or unknown: the home's).
 * Does nothing when help is already on top.  (help.c) */
int app_help(struct app *a, const char *topic);

/* Hand over a job whose result no screen wants any more (the user
 * cancelled, or the screen closed): the loop frees it, calling
 * drop(arg) once the thread has ended, without ever waiting for it
 * while the wizard runs; when the wizard ends, after the terminal is
 * restored, it waits for what is left. */
struct job;
void app_abandon(struct app *a, struct job *j, void (*drop)(void *arg), void *arg);

/* True when the terminal is smaller than the screens are laid out for. */
int app_too_small(const struct app *a);

/* A clock for animations and elapsed times, in milliseconds. */
long app_now_ms(void);

/* The home as people know it: "~/..." under $HOME, else as it is. */
void app_home_label(const struct app *a, char *buf, size_t len);

/* The frame of a wizard screen: the title bar with `title` and the home,
 * and `msg` (may be NULL or "") in `role` above the status line, at most
 * four lines.  Returns the row above the message (with a blank row
 * kept), where the screen's own rows must end. */
int app_frame(const struct app *a, const char *title, const char *msg, enum role role);

#endif
