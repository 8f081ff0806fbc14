/*
 * Kernel threads and the scheduler's interface (kernel/sched/).
 *
 * Every thread has its own stack between two unmapped guard pages, and a
 * second small guarded stack on which interrupts taken while it runs are
 * handled (the CPU's IST slot for interrupts is pointed at it on every
 * switch), so no handler ever runs on the stack it interrupted.
 */
#ifndef CARAPACE_THREAD_H
#define CARAPACE_THREAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct thread;

/*
 * The part of a thread that other subsystems keep in it and reach
 * without a call (struct thread, private to kernel/sched, begins with
 * it): on the path of every malloc, a call and its return cost two
 * lookups of a translated block under TCG.
 */
struct thread_public {
	/* hardening/heaps.c: this thread's cache of the app-heap, or NULL */
	struct halloc_cache *app_heap_cache;
};

static inline struct thread_public *thread_public(struct thread *t)
{
	return (struct thread_public *)(void *)t;
}

#define THREAD_NAME_MAX      32
#define THREAD_STACK_DEFAULT (64 * 1024)
#define THREAD_ANY_CPU       (-1)

struct thread_attr {
	const char *name;     /* copied; NULL: "thread" */
	size_t stack_size;    /* 0: THREAD_STACK_DEFAULT */
	int cpu;              /* where to start; THREAD_ANY_CPU: the caller's */
	bool pinned;          /* stay on cpu: the load balancer leaves it alone */
	bool detached;        /* freed when it exits; cannot be joined */
	uint64_t *id_out;     /* if set, receives thread_id() before it starts */
};

/* Creates a runnable thread running fn(arg); NULL when out of memory. */
struct thread *thread_create(void (*fn)(void *arg), void *arg,
			     const struct thread_attr *attr);
/* Waits for t to exit and frees it. Returns 0, or -EINVAL if t is detached. */
int thread_join(struct thread *t);
/* t is freed when it exits; it must not be joined afterwards. */
void thread_detach(struct thread *t);
__attribute__((noreturn)) void thread_exit(void);

#if __STDC_HOSTED__
/* Host tests and fuzzers (kernel_fakes.c): a function of the fake kernel. */
struct thread *thread_current(void);
#else
#include <carapace/percpu.h>
/* The running thread: one load from the CPU's block (mutexes ask it ~50 times a request). */
static inline struct thread *thread_current(void)
{
	return this_cpu_current();
}
#endif

/* What thread_for_each tells of a thread: counters and names, no address. */
struct thread_info {
	uint64_t id;
	unsigned cpu;
	uint64_t cpu_time_ns;
	size_t stack_size;
	uint64_t switches, migrations, preemptions;
	const char *state;  /* "running", "queued", "waiting", ... */
	char name[THREAD_NAME_MAX];
};

/* Calls fn for every live thread, under a lock with interrupts off: fn must not sleep. */
void thread_for_each(void (*fn)(const struct thread_info *ti, void *arg), void *arg);
const char *thread_name(const struct thread *t);
bool thread_is_idle(const struct thread *t);
/*
 * For the NMI's hang report: prints every thread (state, CPU, counters and,
 * for one not on a CPU, the backtrace where it switched out). Returns false,
 * printing nothing, when the list's lock is held (by a stopped CPU, maybe).
 */
bool thread_report_all(void);
/* Renames t (cut to THREAD_NAME_MAX - 1 bytes); prctl(PR_SET_NAME) on the caller. */
void thread_set_name(struct thread *t, const char *name);
/* A number unique among all threads since boot (1: the first). */
uint64_t thread_id(const struct thread *t);
unsigned thread_cpu(const struct thread *t);
/* Time t has run, as the scheduler charged it (up to its last switch). */
uint64_t thread_cpu_time_ns(const struct thread *t);
/* Pins t to cpu (moving it there), or unpins it with THREAD_ANY_CPU. */
int thread_set_affinity(struct thread *t, int cpu);

/*
 * Whether t is on a CPU right now, other than the caller's: for adaptive
 * spinning (a lock holder that runs will soon let go; one that does not
 * run will not). Only a hint: it may change at once.
 */
bool thread_running_elsewhere(const struct thread *t);

void thread_yield(void);
/*
 * The calling thread's FS base (libc's thread pointer, set by arch_prctl):
 * kept in the thread and loaded into MSR_FS_BASE, now and on every switch.
 */
void thread_set_fs_base(uint64_t base);
uint64_t thread_fs_base(void);
void thread_sleep_ns(uint64_t ns);
/*
 * The application's "clear child tid" address of the calling thread
 * (set_tid_address, clone's CLONE_CHILD_CLEARTID): when the thread exits,
 * 0 is written there and a futex waiter woken (that is pthread_join).
 */
/*
 * Signals raised by the calling thread's own system call (SIGPIPE) whose
 * handler runs when that call returns (kernel/syscall/sys_signal.c): raise
 * marks one for the calling thread, take returns and clears them all.
 */
void thread_signal_raise(int sig);
uint64_t thread_signal_take(void);
uint64_t *thread_signal_mask(void);
bool thread_signal_raise_id(uint64_t id, int sig);
bool thread_signal_blocks_id(uint64_t id, int sig);
uint64_t thread_signal_peek(void);
/*
 * Interruptible waits (kernel/syscall/sys_signal.c): the calling thread's
 * set_signal_wait names the wait it is about to sleep in (0: none);
 * thread_signal_interrupt calls wake(t, how) for thread id's wait, or
 * (id 0) for a few sleepers whose masks let sigbit through.
 */
void thread_set_signal_wait(uintptr_t how);
unsigned thread_signal_interrupt(uint64_t id, uint64_t sigbit,
				 void (*wake)(struct thread *t, uintptr_t how));
void thread_set_clear_child_tid(uint64_t addr);
uint64_t thread_clear_child_tid(void);

/*
 * The wait protocol, free of lost wake-ups (OSv's wait_until model):
 *
 *     sched_prepare_wait();             // from now on a wake-up is kept
 *     while (!condition) {
 *             if (sched_wait(deadline) == -ETIMEDOUT) break;
 *             sched_prepare_wait();
 *     }
 *     sched_finish_wait();
 *
 * A waker makes the condition true, then calls thread_wake(t). sched_wait
 * returns at once if t was woken since sched_prepare_wait. deadline is a
 * clock_ns() value; 0 waits forever. thread_wake may be called from any
 * CPU and from interrupt handlers: it takes no lock (a wake-up for another
 * CPU goes through that CPU's lock-free incoming queue and an IPI).
 */
void sched_prepare_wait(void);
int sched_wait(uint64_t deadline_ns);
/*
 * Work a thread leaves to be done later, which must be done before it
 * sleeps (the network's deferred transmit notifications: netdev_flush).
 * sched_wait calls fn before it blocks. Set once at boot, before the seal.
 */
void sched_set_block_hook(void (*fn)(void));
void sched_finish_wait(void);
/* Returns true when t was waiting (or about to) and is now runnable. */
bool thread_wake(struct thread *t);
/*
 * Keeps t's structure from being freed (thread_free waits) until the
 * matching thread_unpin: for a waker that wakes t after letting go of the
 * lock that kept t's wait alive. Such a late wake-up may reach a later
 * wait of t's; every wait loop re-checks its condition, so it costs t one
 * more look.
 */
void thread_pin(struct thread *t);
void thread_unpin(struct thread *t);

/* Preemption off/on for this CPU (nests). RCU readers use this. */
void sched_preempt_disable(void);
void sched_preempt_enable(void);

/*
 * Counts context switches and idle passes of a CPU: when it has moved, the
 * CPU has been through a quiescent state (for RCU).
 */
uint64_t sched_quiescent_count(unsigned cpu);

#endif
