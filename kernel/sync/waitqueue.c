/*
 * Wait queues: see carapace/waitqueue.h, and waitqueue_impl.h for the
 * pieces the other primitives build on.
 *
 * Lost wake-ups: the sleeper starts its wait section (sched_prepare_wait)
 * before its entry is linked, so a waker that finds the entry wakes a
 * thread that keeps the wake-up. When the sleeper goes round again after a
 * wake-up that was not ours, woken is written and read sequentially
 * consistent, as the scheduler's thread state is: either the sleeper sees
 * woken, or thread_wake sees it waiting.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <carapace/spinlock.h>
#include <carapace/thread.h>
#include <carapace/waitqueue.h>

#include "waitqueue_impl.h"

void waitqueue_init(struct waitqueue *wq)
{
	wq->lock = (struct spinlock)SPINLOCK_INIT;
	wq->first = wq->last = NULL;
}

uint64_t waitqueue_lock(struct waitqueue *wq)
{
	return spin_lock_irqsave(&wq->lock);
}

void waitqueue_unlock(struct waitqueue *wq, uint64_t flags)
{
	spin_unlock_irqrestore(&wq->lock, flags);
}

void waitqueue_add_locked(struct waitqueue *wq, struct wait_entry *e)
{
	sched_prepare_wait();
	e->thread = thread_current();
	e->woken = 0;
	e->next = NULL;
	e->prev = wq->last;
	if (wq->last)
		wq->last->next = e;
	else
		wq->first = e;
	wq->last = e;
}

struct wait_entry *waitqueue_first_locked(struct waitqueue *wq)
{
	return wq->first;
}

static void unlink_entry(struct waitqueue *wq, struct wait_entry *e)
{
	if (e->prev)
		e->prev->next = e->next;
	else
		wq->first = e->next;
	if (e->next)
		e->next->prev = e->prev;
	else
		wq->last = e->prev;
	e->next = e->prev = NULL;
}

/*
 * Under the lock, so the sleeper (which takes the lock before returning)
 * and its thread stay alive until thread_wake is done with them.
 */
void waitqueue_wake_locked(struct waitqueue *wq, struct wait_entry *e)
{
	unlink_entry(wq, e);
	__atomic_store_n(&e->woken, 1, __ATOMIC_SEQ_CST);
	thread_wake(e->thread);
}

int waitqueue_sleep(struct waitqueue *wq, struct wait_entry *e, uint64_t deadline_ns)
{
	int ret = 0;
	uint64_t flags;

	while (!__atomic_load_n(&e->woken, __ATOMIC_SEQ_CST)) {
		/* With no deadline a time-out can only be a stray wake-up. */
		if (sched_wait(deadline_ns) == -ETIMEDOUT && deadline_ns) {
			ret = -ETIMEDOUT;
			break;
		}
		sched_prepare_wait();
	}
	sched_finish_wait();
	flags = waitqueue_lock(wq);
	if (e->woken)
		ret = 0; /* woken after the deadline: the waker's hand-off stands */
	else
		unlink_entry(wq, e);
	waitqueue_unlock(wq, flags);
	return ret;
}

int waitqueue_wait(struct waitqueue *wq, uint64_t deadline_ns)
{
	struct wait_entry e;
	uint64_t flags = waitqueue_lock(wq);

	waitqueue_add_locked(wq, &e);
	waitqueue_unlock(wq, flags);
	return waitqueue_sleep(wq, &e, deadline_ns);
}

int waitqueue_wait_event(struct waitqueue *wq, bool (*done)(void *arg), void *arg,
			 uint64_t deadline_ns)
{
	struct wait_entry e;
	bool timed_out = false;

	for (;;) {
		uint64_t flags = waitqueue_lock(wq);
		bool ok = done(arg);

		if (ok || timed_out) {
			waitqueue_unlock(wq, flags);
			return ok ? 0 : -ETIMEDOUT;
		}
		waitqueue_add_locked(wq, &e);
		waitqueue_unlock(wq, flags);
		timed_out = waitqueue_sleep(wq, &e, deadline_ns) == -ETIMEDOUT;
	}
}

bool waitqueue_wake_one(struct waitqueue *wq)
{
	uint64_t flags = waitqueue_lock(wq);
	struct wait_entry *e = wq->first;

	if (e)
		waitqueue_wake_locked(wq, e);
	waitqueue_unlock(wq, flags);
	return e != NULL;
}

unsigned waitqueue_wake_all(struct waitqueue *wq)
{
	uint64_t flags = waitqueue_lock(wq);
	unsigned n = 0;

	for (; wq->first; n++)
		waitqueue_wake_locked(wq, wq->first);
	waitqueue_unlock(wq, flags);
	return n;
}
