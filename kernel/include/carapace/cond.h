/*
 * cond: condition variables used with a mutex (kernel/sync/).
 *
 * cond_wait queues the caller before it lets go of the mutex, so a signal
 * sent by anyone who takes the mutex afterwards reaches it. Wake-ups are
 * FIFO; like any condition variable, recheck the condition in a loop.
 */
#ifndef CARAPACE_COND_H
#define CARAPACE_COND_H

#include <stdint.h>

#include <carapace/mutex.h>
#include <carapace/waitqueue.h>

struct cond {
	struct waitqueue waiters;
};

#define COND_INIT { WAITQUEUE_INIT }

void cond_init(struct cond *c);
/*
 * Unlocks m (which the caller must hold), sleeps until signalled or until
 * deadline_ns (clock_ns(); 0: none), and locks m again. Returns 0, or
 * -ETIMEDOUT when the deadline passed without a signal.
 */
int cond_wait(struct cond *c, struct mutex *m, uint64_t deadline_ns);
/* Wake one sleeper, or all of them. Callable with or without the mutex. */
void cond_signal(struct cond *c);
void cond_broadcast(struct cond *c);

#endif
