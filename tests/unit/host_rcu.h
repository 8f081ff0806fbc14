/*
 * RCU for host tests of code that takes struct classifier_rcu-style hooks:
 * readers hold a pthread read lock, and a grace period is taking the write
 * lock once, which waits for every reader that was inside. Readers here
 * contend on one lock (the kernel's readers only disable preemption), but
 * the guarantee a writer relies on is the same: after synchronize, no
 * reader still holds what was unlinked before it.
 */
#ifndef TESTS_HOST_RCU_H
#define TESTS_HOST_RCU_H

#include <pthread.h>

static pthread_rwlock_t host_rcu_lock = PTHREAD_RWLOCK_INITIALIZER;

static inline void host_rcu_read_lock(void)
{
	pthread_rwlock_rdlock(&host_rcu_lock);
}

static inline void host_rcu_read_unlock(void)
{
	pthread_rwlock_unlock(&host_rcu_lock);
}

static inline void host_rcu_synchronize(void)
{
	pthread_rwlock_wrlock(&host_rcu_lock);
	pthread_rwlock_unlock(&host_rcu_lock);
}

#endif
