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
		/*
		 * Queued, then the condition once more, with a full fence
		 * between: a waker of waitqueue_wake_all_queued that changed it
		 * after this second look finds the queue not empty. No waker
		 * can reach the entry before the lock is let go.
		 */
		waitqueue_add_locked(wq, &e);
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		if (done(arg)) {
			unlink_entry(wq, &e);
			waitqueue_unlock(wq, flags);
			sched_finish_wait(); /* waitqueue_add_locked prepared the wait */
			return 0;
		}
		waitqueue_unlock(wq, flags);
		timed_out = waitqueue_sleep(wq, &e, deadline_ns) == -ETIMEDOUT;
	}
}

unsigned waitqueue_wake_all_queued(struct waitqueue *wq)
{
	if (!__atomic_load_n(&wq->first, __ATOMIC_SEQ_CST))
		return 0;
	return waitqueue_wake_all(wq);
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

/*
 * Wakes t's entry, if t sleeps on wq: a signal for t (kernel/syscall's
 * interruptible waits), whose wait condition looks at the signal too. A
 * walk of the queue under its lock; signals are rare, the queue short.
 * The caller keeps t alive (thread_signal_interrupt pins it).
 */
bool waitqueue_wake_thread(struct waitqueue *wq, struct thread *t)
{
	uint64_t flags = waitqueue_lock(wq);
	struct wait_entry *e = wq->first;

	while (e && e->thread != t)
		e = e->next;
	if (e)
		waitqueue_wake_locked(wq, e);
	waitqueue_unlock(wq, flags);
	return e != NULL;
}

/*
 * Wakes the threads after letting go of the lock, in batches: a wake-up
 * may cost an IPI, which under TCG waits for QEMU's big lock, and every
 * other CPU that wants this queue meanwhile spins with interrupts off. On
 * the syscall layer's one queue of pollers (sys_poll.c), woken at every
 * socket event, that slowed memcached with 2 threads on 2 CPUs (about
 * x1.6 requests per second after this, apps/README.md). Each thread stays pinned until its
 * wake-up is done, since its wait may end, seeing woken, before that.
 * Only the entries queued at the call are woken. No preemption while any is
 * pinned: thread_wake would otherwise switch to a woken thread of this CPU,
 * which could run, exit, and on the way back have its freeing spin for
 * the pin this frame still holds, interrupts off, for ever (a hang report
 * of inet_sockets: thread_free <- sched_schedule_locked <- thread_wake <-
 * waitqueue_wake_all, one run in 223).
 */
unsigned waitqueue_wake_all(struct waitqueue *wq)
{
	enum { WAKE_BATCH = 16 };
	struct thread *batch[WAKE_BATCH];
	unsigned n = 0, left = 0;
	uint64_t flags = waitqueue_lock(wq);

	for (struct wait_entry *e = wq->first; e; e = e->next)
		left++;
	for (;;) {
		unsigned taken = 0;

		for (; wq->first && taken < WAKE_BATCH && taken < left; taken++) {
			struct wait_entry *e = wq->first;

			batch[taken] = e->thread;
			thread_pin(e->thread);
			unlink_entry(wq, e);
			__atomic_store_n(&e->woken, 1, __ATOMIC_SEQ_CST);
			/* e belongs to its sleeper from here: it may return at once. */
		}
		sched_preempt_disable();
		waitqueue_unlock(wq, flags);
		for (unsigned i = 0; i < taken; i++) {
			thread_wake(batch[i]);
			thread_unpin(batch[i]);
		}
		sched_preempt_enable(); /* a switch the wake-ups asked for happens here */
		n += taken;
		/* Fewer than a full batch: the queue ran out (sleepers time out too). */
		left = taken == WAKE_BATCH ? left - taken : 0;
		if (!left)
			return n;
		flags = waitqueue_lock(wq);
	}
}
