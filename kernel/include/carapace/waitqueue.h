/*
 * waitqueue: a FIFO queue of sleeping threads (kernel/sync/).
 *
 * A spinlock (taken with interrupts off, since interrupt handlers wake
 * threads too) guards an intrusive list of wait entries, each on its
 * sleeper's stack. Waking marks an entry woken and unlinks it under the
 * lock; the sleeper always passes through the lock once more before it
 * returns, so a waker never touches an entry or a thread that is gone.
 *
 * To sleep until some condition holds without losing a wake-up, use
 * waitqueue_wait_event: it checks the condition under the queue's lock, and
 * a waker that makes the condition true and then calls waitqueue_wake_*
 * takes that lock after it.
 */
#ifndef CARAPACE_WAITQUEUE_H
#define CARAPACE_WAITQUEUE_H

#include <stdbool.h>
#include <stdint.h>

#include <carapace/spinlock.h>

struct thread;

struct wait_entry {
	struct wait_entry *next, *prev;
	struct thread *thread;
	int woken; /* set by the waker under the lock; read by the sleeper */
};

struct waitqueue {
	struct spinlock lock;
	struct wait_entry *first, *last;
};

#define WAITQUEUE_INIT { SPINLOCK_INIT, 0, 0 }

void waitqueue_init(struct waitqueue *wq);

/*
 * Sleeps until woken by waitqueue_wake_*, or until deadline_ns (a clock_ns()
 * value; 0: no deadline). Returns 0 when woken, -ETIMEDOUT when not.
 */
int waitqueue_wait(struct waitqueue *wq, uint64_t deadline_ns);
/*
 * Sleeps until done(arg) is true, checked under the queue's lock (so done
 * must not sleep). Returns 0, or -ETIMEDOUT at deadline_ns with done false.
 */
int waitqueue_wait_event(struct waitqueue *wq, bool (*done)(void *arg), void *arg,
			 uint64_t deadline_ns);

/* Both may be called from interrupt handlers. */
/* Wakes the longest sleeper; returns false when none slept. */
bool waitqueue_wake_one(struct waitqueue *wq);
/* Wakes thread t if it sleeps on wq (a signal for it); true when it did. */
bool waitqueue_wake_thread(struct waitqueue *wq, struct thread *t);
/* Wakes every sleeper; returns how many. */
unsigned waitqueue_wake_all(struct waitqueue *wq);
/*
 * The same, for a waker whose sleepers all wait with waitqueue_wait_event
 * and who made their condition true with a sequentially consistent atomic
 * operation: an empty queue is then seen without taking the lock (a
 * sleeper queues itself, fences, then looks; the waker changes, then
 * looks at the queue: one of the two sees the other).
 */
unsigned waitqueue_wake_all_queued(struct waitqueue *wq);

#endif
