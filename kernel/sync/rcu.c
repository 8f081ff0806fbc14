/*
 * RCU: grace periods from the scheduler's per-CPU quiescent counters.
 *
 * synchronize_rcu snapshots sched_quiescent_count of every other online CPU
 * and sleeps until each has moved. A reader runs with preemption off, so a
 * CPU's counter cannot move while a reader is inside its section there:
 * once it has moved, every section that was open at the snapshot has
 * ended. The caller's own CPU needs no wait: the caller is running there,
 * so no reader is. A full fence before the snapshots keeps the caller's
 * rcu_assign_pointer from being seen after a counter it read as unmoved.
 *
 * The scheduler is tickless, so a CPU that runs one thread without
 * blocking, or sleeps in its idle loop, may not move its counter for a long
 * time. After RCU_KICK_AFTER_NS synchronize_rcu wakes that CPU's helper
 * thread: the switch to it, and back, are the quiescent state.
 *
 * call_rcu queues callbacks on a lock-free MPSC queue (so interrupt
 * handlers may call it); the RCU thread takes what is queued, waits one
 * grace period and runs the batch in order.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <carapace/mpsc.h>
#include <carapace/percpu.h>
#include <carapace/rcu.h>
#include <carapace/sem.h>
#include <carapace/thread.h>
#include <carapace/waitqueue.h>

#define RCU_POLL_MIN_NS   20000ull   /* first sleep between polls: 20 us */
#define RCU_POLL_MAX_NS   1000000ull /* sleeps double up to 1 ms */
#define RCU_KICK_AFTER_NS 200000ull  /* then a quiet CPU's helper is woken */

static struct mpsc_queue callbacks = MPSC_QUEUE_INIT; /* consumer: the RCU thread */
static struct waitqueue callbacks_wq = WAITQUEUE_INIT;
static struct thread *kickers[MAX_CPUS];
static bool started;

static bool cpu_online(unsigned i)
{
	return cpu_table[i] && cpu_table[i]->online;
}

/* Wakes the helper of a CPU, if it has one, to force a switch there. */
static void kick(unsigned cpu)
{
	struct thread *t = __atomic_load_n(&kickers[cpu], __ATOMIC_ACQUIRE);

	if (t)
		thread_wake(t);
}

void synchronize_rcu(void)
{
	uint64_t snap[MAX_CPUS];
	uint64_t delay = RCU_POLL_MIN_NS, waited = 0;
	unsigned n = cpu_count, self;
	bool pending = true;

	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	sched_preempt_disable();
	self = this_cpu()->id;
	sched_preempt_enable();
	for (unsigned i = 0; i < n; i++)
		snap[i] = sched_quiescent_count(i);
	while (pending) {
		pending = false;
		for (unsigned i = 0; i < n; i++) {
			if (i == self || !cpu_online(i) || sched_quiescent_count(i) != snap[i])
				continue;
			pending = true;
			if (waited >= RCU_KICK_AFTER_NS)
				kick(i);
		}
		if (pending) {
			thread_sleep_ns(delay);
			waited += delay;
			delay = delay * 2 < RCU_POLL_MAX_NS ? delay * 2 : RCU_POLL_MAX_NS;
		}
	}
	/* What the readers did comes before whatever the caller frees next. */
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
}

void call_rcu(struct rcu_head *head, void (*fn)(struct rcu_head *head))
{
	head->fn = fn;
	/* Only the push that finds the queue empty needs to wake the thread. */
	if (mpsc_push(&callbacks, &head->node))
		waitqueue_wake_one(&callbacks_wq);
}

static bool callbacks_queued(void *arg)
{
	(void)arg;
	return !mpsc_empty(&callbacks);
}

/* The RCU thread: a batch at a time, one grace period per batch. */
static void rcu_thread_main(void *arg)
{
	(void)arg;
	for (;;) {
		struct mpsc_node *batch = NULL, **tail = &batch, *n;

		waitqueue_wait_event(&callbacks_wq, callbacks_queued, NULL, 0);
		while ((n = mpsc_pop(&callbacks))) {
			*tail = n;
			tail = &n->next;
		}
		synchronize_rcu();
		while (batch) {
			struct rcu_head *head = (struct rcu_head *)((char *)batch -
							offsetof(struct rcu_head, node));

			batch = batch->next; /* before fn frees it */
			head->fn(head);
		}
	}
}

struct barrier {
	struct rcu_head head;
	struct sem done;
};

static void barrier_reached(struct rcu_head *head)
{
	struct barrier *b = (struct barrier *)((char *)head - offsetof(struct barrier, head));

	sem_up(&b->done);
}

/* Callbacks run in the order queued, so the barrier's runs after the others. */
void rcu_barrier(void)
{
	struct barrier b;

	sem_init(&b.done, 0);
	call_rcu(&b.head, barrier_reached);
	sem_down(&b.done);
}

/* A helper sleeps; each wake-up makes its CPU switch to it and back. */
static void kicker_main(void *arg)
{
	(void)arg;
	for (;;) {
		sched_prepare_wait();
		sched_wait(0);
		sched_finish_wait();
	}
}

int rcu_init(void)
{
	struct thread_attr attr = { .name = "rcu", .cpu = THREAD_ANY_CPU, .detached = true };

	if (started)
		return 0;
	for (unsigned i = 0; i < cpu_count; i++) {
		struct thread_attr ka = { .name = "rcu-kick", .cpu = (int)i, .pinned = true,
					  .detached = true };
		struct thread *t;

		if (!cpu_online(i) || kickers[i])
			continue; /* (kickers[i]: made by a call that failed later) */
		t = thread_create(kicker_main, NULL, &ka);
		if (!t)
			return -ENOMEM;
		__atomic_store_n(&kickers[i], t, __ATOMIC_RELEASE);
	}
	if (!thread_create(rcu_thread_main, NULL, &attr))
		return -ENOMEM;
	started = true;
	return 0;
}
