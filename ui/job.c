#include "config.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "job.h"
#include "xalloc.h"

struct job {
	pthread_t thread;
	void (*run)(void *arg);
	void *arg;
	/* Set by the thread after run() returned; the release/acquire pair
	 * makes everything run() wrote visible to the loop that reads it. */
	atomic_int done;
};

static void *
job_main(void *p)
{
	struct job *j = p;

	j->run(j->arg);
	atomic_store_explicit(&j->done, 1, memory_order_release);
	return NULL;
}

struct job *
job_start(void (*run)(void *arg), void *arg)
{
	struct job *j = xcalloc(1, sizeof *j);
	sigset_t all, old;
	int rc;

	j->run = run;
	j->arg = arg;
	atomic_init(&j->done, 0);
	/* A thread inherits the signal mask: block everything while it is
	 * made, so SIGINT, SIGTERM and SIGWINCH keep reaching the loop's
	 * thread, where getch() and the quit flag expect them. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&j->thread, NULL, job_main, j);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		free(j);
		return NULL;
	}
	return j;
}

int
job_done(struct job *j)
{
	return atomic_load_explicit(&j->done, memory_order_acquire) != 0;
}

void
job_join(struct job *j)
{
	if (j == NULL)
		return;
	pthread_join(j->thread, NULL);
	free(j);
}
