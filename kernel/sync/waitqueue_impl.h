/*
 * The wait queue's insides, for the primitives in kernel/sync/ that keep
 * their own state under the queue's lock (mutex hand-off, semaphores,
 * condition variables). The sleeper's side is always:
 *
 *     flags = waitqueue_lock(wq);
 *     ... decide to sleep ...
 *     waitqueue_add_locked(wq, &e);
 *     waitqueue_unlock(wq, flags);
 *     ret = waitqueue_sleep(wq, &e, deadline_ns);
 *
 * and a waker, holding the lock, hands e whatever it is owed (the mutex, a
 * semaphore unit) before waitqueue_wake_locked(wq, e).
 */
#ifndef CARAPACE_SYNC_WAITQUEUE_IMPL_H
#define CARAPACE_SYNC_WAITQUEUE_IMPL_H

#include <stdint.h>

#include <carapace/waitqueue.h>

uint64_t waitqueue_lock(struct waitqueue *wq);
void waitqueue_unlock(struct waitqueue *wq, uint64_t flags);

/* Queues the calling thread at the back, and starts its wait section. */
void waitqueue_add_locked(struct waitqueue *wq, struct wait_entry *e);
/* The longest sleeper, or NULL. */
struct wait_entry *waitqueue_first_locked(struct waitqueue *wq);
/* Unlinks e, marks it woken and wakes its thread. */
void waitqueue_wake_locked(struct waitqueue *wq, struct wait_entry *e);
/*
 * Sleeps (the lock not held) until e is woken or deadline_ns passes.
 * Returns 0 when woken (even if the deadline passed meanwhile: then the
 * sleeper has what the waker handed it), -ETIMEDOUT with e unlinked.
 */
int waitqueue_sleep(struct waitqueue *wq, struct wait_entry *e, uint64_t deadline_ns);

#endif
