/*
 * mutex: a sleeping lock, FIFO fair (kernel/sync/).
 *
 * One word holds the owner (a struct thread pointer) and a "waiters" bit.
 * Uncontended, mutex_lock and mutex_unlock are one compare-and-swap each.
 * A thread that finds the mutex held queues on the mutex's wait queue and
 * sleeps; mutex_unlock with waiters queued hands the mutex straight to the
 * first of them, so a newcomer can never take it ahead of a sleeper.
 *
 * Holding a mutex may sleep; interrupt handlers must not take one.
 * Unlocking a mutex the caller does not hold, and locking one it already
 * holds, are kernel bugs: both panic.
 */
#ifndef CARAPACE_MUTEX_H
#define CARAPACE_MUTEX_H

#include <stdbool.h>
#include <stdint.h>

#include <carapace/thread.h>
#include <carapace/waitqueue.h>

struct mutex {
	uintptr_t owner; /* struct thread * | MUTEX_WAITERS; 0: free */
	struct waitqueue waiters;
};

#define MUTEX_WAITERS ((uintptr_t)1)
#define MUTEX_INIT { 0, WAITQUEUE_INIT }

void mutex_init(struct mutex *m);
void mutex_lock(struct mutex *m);
/* Takes the mutex only if it is free (and no one waits); true if taken. */
bool mutex_trylock(struct mutex *m);
void mutex_unlock(struct mutex *m);
/* Inline: lwIP asserts its core lock this way about 13 times a request. */
static inline bool mutex_owned_by_me(const struct mutex *m)
{
	return (__atomic_load_n(&m->owner, __ATOMIC_RELAXED) & ~MUTEX_WAITERS) ==
	       (uintptr_t)thread_current();
}

#endif
