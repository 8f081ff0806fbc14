/*
 * Mutexes with hand-off: see carapace/mutex.h.
 *
 * owner changes in three ways only: the fast paths' compare-and-swap from 0
 * (lock) and to 0 (unlock, when no waiter bit is set), and, with the wait
 * queue's lock held, a sleeper setting MUTEX_WAITERS or mutex_unlock
 * naming the next owner. So while anyone is queued, owner is never 0 and
 * every unlock comes through the queue's lock.
 */
#include <stdbool.h>
#include <stdint.h>

#include <carapace/mutex.h>
#include <carapace/panic.h>
#include <carapace/thread.h>

#include "waitqueue_impl.h"

/* Brief spinning before sleeping pays when the holder is about to let go. */
#define MUTEX_SPINS 64
#define MUTEX_QUEUED_SPINS 20000

void mutex_init(struct mutex *m)
{
	m->owner = 0;
	waitqueue_init(&m->waiters);
}

static uintptr_t me(void)
{
	return (uintptr_t)thread_current();
}

static const char *owner_name(uintptr_t owner)
{
	struct thread *t = (struct thread *)(owner & ~MUTEX_WAITERS);

	return t ? thread_name(t) : "nobody";
}

static bool take_if_free(struct mutex *m, uintptr_t self)
{
	uintptr_t free = 0;

	return __atomic_compare_exchange_n(&m->owner, &free, self, false,
					   __ATOMIC_ACQUIRE, __ATOMIC_RELAXED);
}

/* Spins a little, then queues and sleeps until mutex_unlock hands it over. */
static void lock_slow(struct mutex *m, uintptr_t self)
{
	struct wait_entry e;
	uint64_t flags;
	uintptr_t v;

	for (int i = 0; i < MUTEX_SPINS; i++) {
		v = __atomic_load_n(&m->owner, __ATOMIC_RELAXED);
		if ((v & ~MUTEX_WAITERS) == self)
			panic("mutex %p: locked again by its owner %s", (void *)m,
			      owner_name(v));
		if (v & MUTEX_WAITERS)
			break; /* others queue already: get in line */
		if (v == 0 && take_if_free(m, self))
			return;
		__builtin_ia32_pause();
	}
	flags = waitqueue_lock(&m->waiters);
	v = __atomic_load_n(&m->owner, __ATOMIC_RELAXED);
	for (;;) {
		if (v == 0) {
			/* Freed meanwhile, and no one queued: it is ours. */
			if (take_if_free(m, self)) {
				waitqueue_unlock(&m->waiters, flags);
				return;
			}
			v = __atomic_load_n(&m->owner, __ATOMIC_RELAXED);
			continue;
		}
		/* The owner's unlock must now come through the queue. */
		if (__atomic_compare_exchange_n(&m->owner, &v, v | MUTEX_WAITERS, false,
						__ATOMIC_RELAXED, __ATOMIC_RELAXED))
			break;
	}
	waitqueue_add_locked(&m->waiters, &e);
	waitqueue_unlock(&m->waiters, flags);
	/*
	 * While the holder runs on another CPU it will soon hand over: waiting
	 * in line awake then saves a sleep and a cross-CPU wake-up, which cost
	 * far more than the critical section.
	 */
	for (long i = 0; i < MUTEX_QUEUED_SPINS && !__atomic_load_n(&e.woken, __ATOMIC_ACQUIRE); i++) {
		struct thread *holder = (struct thread *)(__atomic_load_n(&m->owner, __ATOMIC_RELAXED) &
							  ~MUTEX_WAITERS);

		if (!holder || !thread_running_elsewhere(holder))
			break;
		__builtin_ia32_pause();
	}
	waitqueue_sleep(&m->waiters, &e, 0);
	/* Its lock, taken last in waitqueue_sleep, orders us after the hand-off. */
}

void mutex_lock(struct mutex *m)
{
	uintptr_t self = me();

	if (!take_if_free(m, self))
		lock_slow(m, self);
}

bool mutex_trylock(struct mutex *m)
{
	return take_if_free(m, me());
}

/* Hands the mutex to the first sleeper, under the queue's lock. */
static void unlock_slow(struct mutex *m, uintptr_t self)
{
	uint64_t flags = waitqueue_lock(&m->waiters);
	uintptr_t v = __atomic_load_n(&m->owner, __ATOMIC_RELAXED);
	struct wait_entry *e;

	if ((v & ~MUTEX_WAITERS) != self)
		panic("mutex %p: unlocked by %s but held by %s", (void *)m,
		      thread_name((struct thread *)self), owner_name(v));
	e = waitqueue_first_locked(&m->waiters);
	if (!e) {
		__atomic_store_n(&m->owner, 0, __ATOMIC_RELEASE);
	} else {
		__atomic_store_n(&m->owner,
				 (uintptr_t)e->thread | (e->next ? MUTEX_WAITERS : 0),
				 __ATOMIC_RELEASE);
		waitqueue_wake_locked(&m->waiters, e);
	}
	waitqueue_unlock(&m->waiters, flags);
}

void mutex_unlock(struct mutex *m)
{
	uintptr_t self = me();
	uintptr_t v = self;

	if (!__atomic_compare_exchange_n(&m->owner, &v, 0, false, __ATOMIC_RELEASE,
					 __ATOMIC_RELAXED))
		unlock_slow(m, self);
}
