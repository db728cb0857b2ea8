/* job — work that must not stop the input loop (key generation): one
 * function run in its own thread, polled for completion from the loop.
 *
 * The loop never waits for a job while the wizard is open: a screen that
 * no longer wants the result hands the job to app_abandon(), which frees
 * it once it has ended.  Nothing is shared while a job runs: the thread
 * owns its argument until job_done() says it has returned. */
#ifndef PADSEAL_JOB_H
#define PADSEAL_JOB_H

struct job;

/* Run `run(arg)` in a new thread with every signal blocked (the loop's
 * thread handles them).  Returns NULL when no thread could be started:
 * then nothing ran. */
struct job *job_start(void (*run)(void *arg), void *arg);

/* 1 once `run` has returned: from then on its argument is the caller's
 * again.  Never blocks. */
int job_done(struct job *j);

/* Wait for `run` to return (at once when job_done) and free `j`, not its
 * argument.  NULL is fine. */
void job_join(struct job *j);

#endif
