/* Counting semaphores: a count and a wait queue under one lock. */
#include <stdbool.h>
#include <stdint.h>

#include <carapace/panic.h>
#include <carapace/sem.h>

#include "waitqueue_impl.h"

void sem_init(struct sem *s, uint64_t count)
{
	waitqueue_init(&s->waiters);
	s->count = count;
}

int sem_down_until(struct sem *s, uint64_t deadline_ns)
{
	struct wait_entry e;
	uint64_t flags = waitqueue_lock(&s->waiters);

	if (s->count > 0) {
		__atomic_store_n(&s->count, s->count - 1, __ATOMIC_RELAXED);
		waitqueue_unlock(&s->waiters, flags);
		return 0;
	}
	waitqueue_add_locked(&s->waiters, &e);
	waitqueue_unlock(&s->waiters, flags);
	/* Woken means sem_up handed us its unit. */
	return waitqueue_sleep(&s->waiters, &e, deadline_ns);
}

void sem_down(struct sem *s)
{
	sem_down_until(s, 0);
}

bool sem_try_down(struct sem *s)
{
	uint64_t flags;
	bool taken;

	/*
	 * Empty: answer without the lock (lwIP polls its mailboxes until one is
	 * empty, twice a request). A count read as 0 was 0 at that moment, as
	 * the lock would have said; every write below is an atomic store.
	 */
	if (__atomic_load_n(&s->count, __ATOMIC_RELAXED) == 0)
		return false;
	flags = waitqueue_lock(&s->waiters);
	taken = s->count > 0;
	if (taken)
		__atomic_store_n(&s->count, s->count - 1, __ATOMIC_RELAXED);
	waitqueue_unlock(&s->waiters, flags);
	return taken;
}

void sem_up(struct sem *s)
{
	uint64_t flags = waitqueue_lock(&s->waiters);
	struct wait_entry *e = waitqueue_first_locked(&s->waiters);

	if (e)
		waitqueue_wake_locked(&s->waiters, e);
	else if (s->count == UINT64_MAX)
		panic("sem %p: count overflowed", (void *)s);
	else
		__atomic_store_n(&s->count, s->count + 1, __ATOMIC_RELAXED);
	waitqueue_unlock(&s->waiters, flags);
}
