/*
 * The interval timers: setitimer, getitimer, alarm.
 *
 * ITIMER_REAL counts down on the monotonic clock; when it expires, a
 * kernel thread ("itimer", started at the first arming) raises SIGALRM
 * (sys_signal_alarm: ignored, nothing; blocked, kept; the default action
 * ends the run, as on Linux; a handler runs at an application thread's
 * next system call's return) and reloads the timer
 * with its interval. ITIMER_VIRTUAL and ITIMER_PROF (the CPU-time timers
 * of profilers) can be read and disarmed; arming one is -ENOSYS, said once
 * on the console, since nothing here counts CPU time against them.
 *
 * Times are struct timeval; a microsecond field outside 0..999999 or a
 * negative second is -EINVAL, as on Linux. The time left is never shown
 * as 0 while the timer is armed (Linux's 1 us), so a caller can tell.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <carapace/clock.h>
#include <carapace/console.h>
#include <carapace/mutex.h>
#include <carapace/spinlock.h>
#include <carapace/thread.h>
#include <carapace/waitqueue.h>

#include "sys_kernel.h"

#define NR_GETITIMER 36
#define NR_ALARM     37
#define NR_SETITIMER 38

#define ITIMER_REAL    0
#define ITIMER_VIRTUAL 1
#define ITIMER_PROF    2

#define NS_PER_US  1000ull
#define NS_PER_SEC 1000000000ull

struct k_itimerval {
	struct linux_timeval interval, value;
};
_Static_assert(sizeof(struct k_itimerval) == LINUX_SIZEOF_ITIMERVAL, "itimerval");

/* ITIMER_REAL: deadline 0 is disarmed. Changes bump generation and wake the thread. */
static struct spinlock timer_lock = SPINLOCK_INIT;
static uint64_t deadline_ns, interval_ns, generation;
static struct waitqueue timer_queue = WAITQUEUE_INIT;
static bool thread_started;

static bool changed_since(void *seen)
{
	return __atomic_load_n(&generation, __ATOMIC_ACQUIRE) != *(uint64_t *)seen;
}

/* The thread: sleeps until the deadline or a change; at the deadline, SIGALRM. */
static void itimer_thread(void *arg)
{
	(void)arg;
	for (;;) {
		uint64_t flags = spin_lock_irqsave(&timer_lock);
		uint64_t seen = generation, until = deadline_ns, now = clock_ns();
		bool fire = until && now >= until;

		if (fire) {
			/* Reloaded from the deadline, not from now: no drift; a
			 * timer that fell far behind restarts from now. */
			deadline_ns = interval_ns ? (until + interval_ns > now ? until + interval_ns
									     : now + interval_ns)
						  : 0;
			__atomic_store_n(&generation, generation + 1, __ATOMIC_RELEASE);
		}
		spin_unlock_irqrestore(&timer_lock, flags);
		if (fire)
			sys_signal_alarm();
		else
			waitqueue_wait_event(&timer_queue, changed_since, &seen, until);
	}
}

static int ns_of(const struct linux_timeval *tv, uint64_t *ns)
{
	if (tv->tv_sec < 0 || tv->tv_usec < 0 || tv->tv_usec >= 1000000)
		return -EINVAL;
	if ((uint64_t)tv->tv_sec > (UINT64_MAX / 2) / NS_PER_SEC)
		*ns = UINT64_MAX / 2; /* beyond any run */
	else
		*ns = (uint64_t)tv->tv_sec * NS_PER_SEC + (uint64_t)tv->tv_usec * NS_PER_US;
	return 0;
}

static struct linux_timeval timeval_of(uint64_t ns)
{
	return (struct linux_timeval){ (int64_t)(ns / NS_PER_SEC),
				       (int64_t)(ns % NS_PER_SEC / NS_PER_US) };
}

/* ITIMER_REAL's value and interval now; the caller holds timer_lock. */
static struct k_itimerval real_now(void)
{
	struct k_itimerval v = { timeval_of(interval_ns), { 0, 0 } };
	uint64_t now = clock_ns();

	if (deadline_ns)
		v.value = deadline_ns > now + NS_PER_US ? timeval_of(deadline_ns - now)
							: (struct linux_timeval){ 0, 1 };
	return v;
}

/* Arms (value > 0) or disarms ITIMER_REAL; old gets what it was. */
static int set_real(uint64_t value, uint64_t interval, struct k_itimerval *old)
{
	uint64_t flags;

	if (value && !__atomic_load_n(&thread_started, __ATOMIC_ACQUIRE)) {
		/* A mutex, not a spinlock: thread_create allocates and may sleep. */
		static struct mutex start_lock = MUTEX_INIT;
		struct thread_attr attr = { .name = "itimer", .cpu = THREAD_ANY_CPU, .detached = true };
		int rc = 0;

		mutex_lock(&start_lock);
		if (!thread_started) {
			if (thread_create(itimer_thread, NULL, &attr))
				__atomic_store_n(&thread_started, true, __ATOMIC_RELEASE);
			else
				rc = -EAGAIN; /* no memory for the thread: the timer would never fire */
		}
		mutex_unlock(&start_lock);
		if (rc)
			return rc;
	}
	flags = spin_lock_irqsave(&timer_lock);
	*old = real_now();
	deadline_ns = value ? clock_ns() + value : 0;
	interval_ns = value ? interval : 0;
	__atomic_store_n(&generation, generation + 1, __ATOMIC_RELEASE);
	spin_unlock_irqrestore(&timer_lock, flags);
	waitqueue_wake_all(&timer_queue);
	return 0;
}

static long sys_setitimer(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	struct k_itimerval want = { { 0, 0 }, { 0, 0 } }, old = { { 0, 0 }, { 0, 0 } };
	uint64_t value, interval;
	int which = (int)args[0], rc;

	(void)env;
	if (which != ITIMER_REAL && which != ITIMER_VIRTUAL && which != ITIMER_PROF)
		return -EINVAL;
	if (args[1])
		memcpy(&want, (const void *)args[1], sizeof(want));
	if ((rc = ns_of(&want.value, &value)) || (rc = ns_of(&want.interval, &interval)))
		return rc;
	if (which != ITIMER_REAL) {
		static bool told;

		if (value) {
			if (!told) {
				told = true;
				kprintf("carapace: setitimer: ITIMER_VIRTUAL and ITIMER_PROF cannot be "
					"armed (no CPU-time timers yet)\n");
			}
			return -ENOSYS;
		}
	} else if ((rc = set_real(value, interval, &old))) {
		return rc;
	}
	if (args[2])
		memcpy((void *)args[2], &old, sizeof(old));
	return 0;
}

static long sys_getitimer(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	struct k_itimerval v = { { 0, 0 }, { 0, 0 } };
	int which = (int)args[0];

	(void)env;
	if (which != ITIMER_REAL && which != ITIMER_VIRTUAL && which != ITIMER_PROF)
		return -EINVAL;
	if (which == ITIMER_REAL) {
		uint64_t flags = spin_lock_irqsave(&timer_lock);

		v = real_now();
		spin_unlock_irqrestore(&timer_lock, flags);
	}
	memcpy((void *)args[1], &v, sizeof(v));
	return 0;
}

/* alarm: ITIMER_REAL in whole seconds, no interval; the seconds that were left, rounded as Linux does. */
static long sys_alarm(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	struct k_itimerval old;
	uint32_t seconds = (uint32_t)args[0];
	long left;

	(void)env;
	if (set_real((uint64_t)seconds * NS_PER_SEC, 0, &old))
		return 0; /* alarm cannot fail on Linux; no thread, no timer */
	left = (long)old.value.tv_sec;
	if ((left == 0 && old.value.tv_usec) || old.value.tv_usec >= 500000)
		left++;
	return left;
}

void sys_itimer_register(syscall_handler_fn *table)
{
	table[NR_GETITIMER] = sys_getitimer;
	table[NR_ALARM] = sys_alarm;
	table[NR_SETITIMER] = sys_setitimer;
}
