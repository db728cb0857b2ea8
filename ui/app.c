#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curses.h>

#include "app.h"
#include "cli.h"
#include "job.h"
#include "session.h"
#include "ui.h"
#include "util.h"
#include "xalloc.h"

#define TICK_MS 100 /* longest wait for a key: how soon flags and ticks act */
#define ESC_MS  50  /* Esc acts at once (DESIGN.md: at most 100 ms) */
/* Unlocked keys are forgotten (wiped) after this long without a key
 * pressed: a wizard left open does not keep a key usable without its
 * passphrase. */
#define IDLE_FORGET_MS (10 * 60 * 1000L)
/* A test hook: PADSEAL_TEST_IDLE_MS shortens (never lengthens) the idle
 * time after which the unlocked key is wiped, so that the tmux tests can
 * see the passphrase asked again, with the reason. */
#define IDLE_ENV "PADSEAL_TEST_IDLE_MS"

static long
idle_forget_ms(void)
{
	const char *v = getenv(IDLE_ENV);
	long ms = v != NULL ? strtol(v, NULL, 10) : 0;

	return ms > 0 && ms < IDLE_FORGET_MS ? ms : IDLE_FORGET_MS;
}

/* ---- Signals and restoring the terminal ----
 *
 * The only mutable globals of the front end: a signal handler can reach
 * nothing else.  Handlers set them; the loop and the exit paths read them. */
static volatile sig_atomic_t quit_signal;   /* the signal that ends the loop */
static volatile sig_atomic_t curses_active; /* the terminal is in curses mode */

/* Signals that end the wizard in order: the loop sees the flag within
 * TICK_MS, closes every screen, restores the terminal and then dies by the
 * same signal, so a calling shell or script sees what happened.
 * SIGQUIT (Ctrl-backslash) is one of them: it asks for a core, which padseal never
 * writes (xno_core_dumps), so it ends the wizard as Ctrl-C does, the
 * screens closed and their secrets wiped. */
static const int quit_sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
/* Crashes: the program cannot go on, so the handler itself restores the
 * terminal and hands the signal back. */
static const int crash_sigs[] = {SIGSEGV, SIGBUS, SIGABRT, SIGFPE, SIGILL};
#define N_QUIT  (sizeof quit_sigs / sizeof quit_sigs[0])
#define N_CRASH (sizeof crash_sigs / sizeof crash_sigs[0])

/* What was installed before us (a sanitizer's SIGSEGV handler, say).
 * Written once before curses starts; read by the crash handler, which gives
 * the signal back to it, and when the wizard ends. */
static struct sigaction prev_quit[N_QUIT], prev_crash[N_CRASH];

static void
on_quit_signal(int sig)
{
	quit_signal = sig;
}

/* endwin() is not async-signal-safe: it flushes curses' output buffer and
 * calls tcsetattr().  Calling it here is still the better choice: the
 * process is dying, so the worst case (a crash inside curses' own output
 * code) costs a garbled last frame, while not calling it leaves the user's
 * shell without echo, in the alternate screen, for certain. */
static void
on_crash(int sig, siginfo_t *si, void *uctx)
{
	(void)uctx;
	if (curses_active) {
		endwin();
		curses_active = 0;
	}
	for (size_t i = 0; i < N_CRASH; i++)
		if (crash_sigs[i] == sig)
			sigaction(sig, &prev_crash[i], NULL);
	/* A fault the hardware raised (si_code > 0) happens again when we
	 * return, now under the previous handler, which then reports the real
	 * faulting address (ASan does).  A signal that was sent (kill,
	 * abort()) is sent again; it is delivered when we return. */
	if (si == NULL || si->si_code <= 0 || sig == SIGABRT)
		raise(sig);
}

/* Also covers exit() from anywhere while curses runs. */
static void
restore_at_exit(void)
{
	if (curses_active) {
		endwin();
		curses_active = 0;
	}
}

/* Install before curses starts: ncurses then leaves SIGINT and SIGTERM to
 * us (it only catches signals still at their default).  SIGWINCH stays
 * with ncurses, which turns it into KEY_RESIZE. */
static void
signals_install(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_quit_signal; /* no SA_RESTART: getch returns */
	for (size_t i = 0; i < N_QUIT; i++) {
		sigaction(quit_sigs[i], NULL, &prev_quit[i]);
		/* Ignored when we started (nohup, a background job): keep
		 * it so, as every well-behaved program does. */
		if (prev_quit[i].sa_handler != SIG_IGN)
			sigaction(quit_sigs[i], &sa, NULL);
	}
	sa.sa_sigaction = on_crash;
	sa.sa_flags = SA_SIGINFO;
	for (size_t i = 0; i < N_CRASH; i++) {
		sigaction(crash_sigs[i], NULL, &prev_crash[i]);
		if (prev_crash[i].sa_handler != SIG_IGN)
			sigaction(crash_sigs[i], &sa, NULL);
	}
}

static void
signals_restore(void)
{
	for (size_t i = 0; i < N_QUIT; i++)
		sigaction(quit_sigs[i], &prev_quit[i], NULL);
	for (size_t i = 0; i < N_CRASH; i++)
		sigaction(crash_sigs[i], &prev_crash[i], NULL);
}

static void
term_stop(SCREEN *scr)
{
	if (curses_active) {
		endwin();
		curses_active = 0;
	}
	delscreen(scr);
}

static SCREEN *
term_start(struct app *a)
{
	const char *term = getenv("TERM");
	SCREEN *scr;
	char *cup;

	/* newterm, unlike initscr, reports an unknown terminal instead of
	 * printing and exiting behind our back. */
	if ((scr = newterm(NULL, stdout, stdin)) == NULL) {
		fprintf(stderr,
			"padseal: cannot drive this terminal (TERM=%s); set "
			"TERM to its type, e.g. xterm-256color, or use a "
			"command (padseal --help)\n",
			term != NULL && *term != '\0' ? term : "unset");
		return NULL;
	}
	curses_active = 1;
	/* TERM=dumb and the like: curses starts, but cannot place text. */
	cup = tigetstr("cup");
	if (cup == NULL || cup == (char *)-1) {
		term_stop(scr);
		fprintf(stderr,
			"padseal: this terminal (TERM=%s) cannot move the "
			"cursor, which the wizard needs; use a command instead "
			"(padseal --help)\n",
			term != NULL && *term != '\0' ? term : "unset");
		return NULL;
	}
	cbreak(); /* keys at once; Ctrl-C still sends SIGINT */
	noecho();
	keypad(stdscr, TRUE);
	set_escdelay(ESC_MS);
	wtimeout(stdscr, TICK_MS);
	curs_set(0);
	look_init(&a->look);
	a->rows = LINES;
	a->cols = COLS;
	return scr;
}

/* ---- The screen stack ---- */

static void
drop_frame(struct app *a, struct frame *f)
{
	if (f->ops != NULL && f->ops->leave != NULL)
		f->ops->leave(a, f->sc);
	free(f->sc);
	f->ops = NULL;
	f->sc = NULL;
}

int
app_push(struct app *a, const struct screen_ops *ops, void *sc)
{
	struct frame f = {ops, sc};

	if (a->pending.ops != NULL || a->depth >= APP_DEPTH) {
		/* A screen pushing two at once, or one too many: refuse
		 * rather than lose track of a state. */
		drop_frame(a, &f);
		beep();
		return APP_HANDLED;
	}
	a->pending = f;
	return APP_HANDLED | APP_PUSH;
}

/* Act on a screen's flags: pop, then push what is pending.  Returns -1 to
 * quit, 1 when the frame must be drawn again, 0 otherwise. */
static int
apply(struct app *a, int fl)
{
	if (fl & APP_QUIT)
		return -1;
	if ((fl & APP_POP) && a->depth > 0) {
		drop_frame(a, &a->stack[--a->depth]);
		if (a->depth > 0 && a->pending.ops == NULL) {
			struct frame *top = &a->stack[a->depth - 1];

			if (top->ops->resume != NULL && apply(a, top->ops->resume(a, top->sc)) < 0)
				return -1;
		}
	}
	while (a->pending.ops != NULL) {
		struct frame f = a->pending;

		a->pending.ops = NULL;
		a->pending.sc = NULL;
		/* enter may push again (a screen that opens with a message):
		 * the loop takes that one next. */
		if (a->depth == APP_DEPTH || (f.ops->enter != NULL && f.ops->enter(a, f.sc) != 0))
			drop_frame(a, &f);
		else
			a->stack[a->depth++] = f;
	}
	return (fl & (APP_REDRAW | APP_PUSH | APP_POP)) != 0;
}

/* ---- Jobs no screen waits for ---- */

struct orphan {
	struct job *job;
	void (*drop)(void *arg);
	void *arg;
	struct orphan *next;
};

void
app_abandon(struct app *a, struct job *j, void (*drop)(void *arg), void *arg)
{
	struct orphan *o = xmalloc(sizeof *o);

	*o = (struct orphan){j, drop, arg, a->orphans};
	a->orphans = o;
}

/* Free the orphans that have ended; with `wait`, all of them. */
static void
reap(struct app *a, int wait)
{
	struct orphan **pp = &a->orphans;

	while (*pp != NULL) {
		struct orphan *o = *pp;

		if (!wait && !job_done(o->job)) {
			pp = &o->next;
			continue;
		}
		*pp = o->next;
		job_join(o->job);
		o->drop(o->arg);
		free(o);
	}
}

/* ---- The loop ---- */

int
app_too_small(const struct app *a)
{
	return a->rows < APP_MIN_ROWS || a->cols < APP_MIN_COLS;
}

/* Instead of a broken layout, say what is needed, centred. */
static void
draw_too_small(const struct app *a)
{
	const struct look *lk = &a->look;
	char msg[160];
	int w = a->cols - 2, lines, y;

	if (w < 1 || a->rows < 1)
		return;
	snprintf(msg, sizeof msg,
		 "padseal needs at least %dx%d; this terminal is %dx%d %s make "
		 "it larger\n\nq quits",
		 APP_MIN_COLS, APP_MIN_ROWS, a->cols, a->rows, lk->sym->dash);
	if (text_width(msg) < w)
		w = text_width(msg);
	lines = draw_text(lk, 0, 0, w, a->rows, msg, A_NORMAL, 0);
	y = (a->rows - lines) / 2;
	draw_text(lk, y, (a->cols - w) / 2, w, a->rows - y, msg, A_BOLD, 1);
}

static void
draw_frame(const struct app *a)
{
	int base = a->depth - 1;

	erase();
	if (app_too_small(a)) {
		draw_too_small(a);
	} else {
		/* A modal shows over its parent: draw from the first screen
		 * that is not a modal upwards. */
		while (base > 0 && a->stack[base].ops->modal)
			base--;
		for (int i = base; i < a->depth; i++)
			a->stack[i].ops->draw(a, a->stack[i].sc);
	}
	refresh();
}

/* The topic of the topmost screen that has one: a dialog shows the help
 * of the screen it belongs to unless it names its own. */
static const char *
help_topic(const struct app *a)
{
	for (int i = a->depth - 1; i >= 0; i--) {
		const struct frame *f = &a->stack[i];
		const char *t = f->ops->topic != NULL ? f->ops->topic(a, f->sc) : NULL;

		if (t != NULL)
			return t;
		if (f->ops->help != NULL)
			return f->ops->help;
	}
	return NULL;
}

static int
on_key(struct app *a, int ch)
{
	struct frame *top = &a->stack[a->depth - 1];
	int fl;

	/* Too small, nothing a key could act on is visible. */
	if (app_too_small(a))
		return ch == 'q' ? APP_QUIT : 0;
	fl = top->ops->key(a, top->sc, ch);
	if (fl & APP_HANDLED)
		return fl;
	switch (ch) {
	case '?':
	case KEY_F(1): return fl | app_help(a, help_topic(a));
	case 'L' & 0x1f: /* Ctrl-L: repaint a garbled terminal */
		clearok(curscr, TRUE);
		return fl | APP_REDRAW;
	default: return fl;
	}
}

/* Every screen on the stack ticks (work may run under a modal), but only
 * the top one may change the stack; the others can only ask for a frame. */
static int
tick_all(struct app *a)
{
	int fl = 0;

	for (int i = 0; i < a->depth; i++) {
		const struct frame *f = &a->stack[i];
		int r;

		if (f->ops->tick == NULL)
			continue;
		r = f->ops->tick(a, f->sc);
		fl |= i == a->depth - 1 ? r : (r & APP_REDRAW);
	}
	return fl;
}

long
app_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

void
app_home_label(const struct app *a, char *buf, size_t len)
{
	const char *home = getenv("HOME"), *dir = session_dir(a->s);
	size_t n = home != NULL ? strlen(home) : 0;

	if (n > 1 && strncmp(dir, home, n) == 0 && (dir[n] == '/' || dir[n] == '\0'))
		snprintf(buf, len, "~%s", dir + n);
	else
		snprintf(buf, len, "%s", dir);
}

#define MSG_MAX_LINES 4

int
app_frame(const struct app *a, const char *title, const char *msg, enum role role)
{
	const struct look *lk = &a->look;
	char t[160], where[1024];
	int w = a->cols - 4, n, sw, y;

	snprintf(t, sizeof t, "padseal %s %s", lk->sym->dash, title);
	app_home_label(a, where, sizeof where);
	draw_titlebar(lk, a->cols, t, where);
	if (msg == NULL || *msg == '\0')
		return a->rows - 2;
	/* A failure gets the mark of a failed check; anything else the
	 * mark of something to notice. */
	const char *sym = role == R_ERROR ? lk->sym->bad :
			  role == R_DONE  ? lk->sym->ok :
					    lk->sym->warn;
	sw = text_width(sym) + 1;
	n = draw_text(lk, 0, 0, w - sw, MSG_MAX_LINES, msg, A_NORMAL, 0);
	y = a->rows - 1 - n;
	draw_str(y, 2, sw, sym, lk->attr[role] | A_BOLD);
	draw_text(lk, y, 2 + sw, w - sw, n, msg, lk->attr[role], 1);
	return y - 1;
}

static void
run(struct app *a)
{
	long last_tick = app_now_ms(), last_key = last_tick, idle_ms = idle_forget_ms();
	int redraw = 1;

	while (a->depth > 0 && !quit_signal) {
		int ch, r = 0;

		if (redraw)
			draw_frame(a);
		redraw = 0;
		ch = getch();
		if (quit_signal)
			break;
		if (ch == KEY_RESIZE) { /* curses has already resized */
			a->rows = LINES;
			a->cols = COLS;
			redraw = 1;
		} else if (ch != ERR) {
			last_key = app_now_ms();
			r = apply(a, on_key(a, ch));
		} else if (app_now_ms() - last_key >= idle_ms) {
			a->keys_forgotten |= !ui_key_needed(a);
			session_forget_keys(a->s);
			last_key = app_now_ms();
		}
		/* Ticks keep time even while keys keep coming: a held arrow
		 * key must not freeze a progress indicator. */
		if (r >= 0 && app_now_ms() - last_tick >= TICK_MS) {
			int t = apply(a, tick_all(a));

			reap(a, 0);
			last_tick = app_now_ms();
			r = t < 0 ? t : r | t;
		}
		if (r < 0)
			break;
		redraw |= r;
	}
}

int
ui_run(const char *home_dir)
{
	struct app a;
	SCREEN *scr;
	int sig;

	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		fprintf(stderr, "padseal: the wizard needs a terminal; without "
				"one, use a command (padseal --help)\n");
		return EXIT_USAGE;
	}
	memset(&a, 0, sizeof a);
	a.s = session_new(home_dir);
	/* A command holding the home is waited for a moment, not long:
	 * the screen must not freeze. */
	session_lock_wait(a.s, 1000);
	atexit(restore_at_exit);
	signals_install();
	if ((scr = term_start(&a)) == NULL) {
		signals_restore();
		session_close(a.s);
		return EXIT_NO;
	}
	if (apply(&a, scr_home_open(&a)) >= 0)
		run(&a);
	while (a.depth > 0)
		drop_frame(&a, &a.stack[--a.depth]);
	drop_frame(&a, &a.pending);
	term_stop(scr);
	/* The terminal is the user's again; a key still being generated
	 * is waited for here (seconds at most), so nothing is left behind
	 * and its memory is wiped. */
	reap(&a, 1);
	session_close(a.s); /* the unlocked keys wiped */
	signals_restore();
	if ((sig = quit_signal) != 0) {
		/* Die by the signal, as a calling shell or script expects
		 * (it may stop a loop on SIGINT); 128 + sig if we survive. */
		signal(sig, SIG_DFL);
		raise(sig);
		return 128 + sig;
	}
	return EXIT_OK;
}
