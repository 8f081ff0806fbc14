/* Condition variables: a wait queue, joined before the mutex is let go. */
#include <stdint.h>

#include <carapace/cond.h>
#include <carapace/mutex.h>
#include <carapace/panic.h>

#include "waitqueue_impl.h"

void cond_init(struct cond *c)
{
	waitqueue_init(&c->waiters);
}

int cond_wait(struct cond *c, struct mutex *m, uint64_t deadline_ns)
{
	struct wait_entry e;
	uint64_t flags;
	int ret;

	if (!mutex_owned_by_me(m))
		panic("cond %p: waited on without holding mutex %p", (void *)c, (void *)m);
	flags = waitqueue_lock(&c->waiters);
	waitqueue_add_locked(&c->waiters, &e);
	waitqueue_unlock(&c->waiters, flags);
	mutex_unlock(m);
	ret = waitqueue_sleep(&c->waiters, &e, deadline_ns);
	mutex_lock(m);
	return ret;
}

void cond_signal(struct cond *c)
{
	waitqueue_wake_one(&c->waiters);
}

void cond_broadcast(struct cond *c)
{
	waitqueue_wake_all(&c->waiters);
}
