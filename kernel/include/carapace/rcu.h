/*
 * rcu: read-copy-update (kernel/sync/).
 *
 * Readers run between rcu_read_lock and rcu_read_unlock with preemption
 * off, so they take no lock and write nothing shared; they must not sleep
 * there. A writer publishes a new version with rcu_assign_pointer and may
 * free the old one once every CPU has been through a quiescent state (a
 * context switch or an idle pass), since a reader that could still hold
 * the old pointer would have had to be switched out inside its section:
 * synchronize_rcu waits for that, call_rcu arranges it in the background.
 */
#ifndef CARAPACE_RCU_H
#define CARAPACE_RCU_H

#include <carapace/mpsc.h>
#include <carapace/thread.h>

static inline void rcu_read_lock(void)
{
	sched_preempt_disable();
}

static inline void rcu_read_unlock(void)
{
	sched_preempt_enable();
}

/* Reads an RCU-protected pointer: what it points to is seen as published. */
#define rcu_dereference(p) __atomic_load_n(&(p), __ATOMIC_ACQUIRE)
/* Publishes v (already filled in) to readers. */
#define rcu_assign_pointer(p, v) __atomic_store_n(&(p), (v), __ATOMIC_RELEASE)

/* Embed one in an object to be reclaimed by call_rcu. */
struct rcu_head {
	struct mpsc_node node;
	void (*fn)(struct rcu_head *head);
};

/* Returns once every reader section that began before the call has ended. */
void synchronize_rcu(void);
/*
 * Runs fn(head) on the RCU thread after a grace period. Any context,
 * interrupt handlers included; callbacks run in the order queued.
 */
void call_rcu(struct rcu_head *head, void (*fn)(struct rcu_head *head));
/* Returns once every callback queued before the call has run. */
void rcu_barrier(void);
/*
 * Starts the RCU thread that runs callbacks, and one helper per online CPU
 * that synchronize_rcu wakes to bring about a switch on a CPU that is slow
 * to pass a quiescent state. Call after the scheduler and the other CPUs
 * are up; later calls do nothing. Returns 0 or -ENOMEM.
 */
int rcu_init(void);

#endif
