/*
 * POSIX per-process timers: timer_create, timer_settime, timer_gettime,
 * timer_getoverrun, timer_delete (musl's timer_* functions; its
 * SIGEV_THREAD is a thread of its own that waits for SIGTIMER with
 * sigwaitinfo, the kernel seeing SIGEV_THREAD_ID).
 *
 * At most TIMER_MAX timers at once (-EAGAIN after, as Linux past its
 * limit). Clocks: CLOCK_REALTIME, CLOCK_MONOTONIC and CLOCK_BOOTTIME (and
 * their _ALARM forms, as timerfd takes them); the CPU-time clocks are
 * -EINVAL (nothing counts CPU time against a timer here, as for
 * setitimer's ITIMER_VIRTUAL). Notification: SIGEV_SIGNAL (the signal for
 * the process, as kill sends it), SIGEV_THREAD_ID (for one application
 * thread, as tgkill), SIGEV_NONE (nothing; timer_gettime tells); no
 * sigevent means SIGEV_SIGNAL with SIGALRM and the timer's id as value.
 * The signal's siginfo says SI_TIMER with the timer's id, overrun and
 * sigev_value (sys_signal.c).
 *
 * Every armed timer counts down on the monotonic clock (an absolute
 * CLOCK_REALTIME time is turned into one when it is set); a kernel
 * thread ("posix-timers", started at the first arming) sleeps until the
 * earliest expiry or a change, raises the expired timers' signals and
 * reloads them with their interval from the expiry, not from now. The
 * overrun is how many more intervals had passed when the thread came
 * round (a late thread, or an interval shorter than its wake-ups).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <carapace/clock.h>
#include <carapace/mutex.h>
#include <carapace/syscall.h>
#include <carapace/thread.h>
#include <carapace/waitqueue.h>

#include "sys_kernel.h"
#include "syscall_impl.h"

#define NR_TIMER_CREATE     222
#define NR_TIMER_SETTIME    223
#define NR_TIMER_GETTIME    224
#define NR_TIMER_GETOVERRUN 225
#define NR_TIMER_DELETE     226

#define TIMER_MAX       32
#define TIMER_ABSTIME   1
#define SIGEV_SIGNAL    0
#define SIGEV_NONE      1
#define SIGEV_THREAD    2
#define SIGEV_THREAD_ID 4
#define OVERRUN_MAX     0x7fffffff /* Linux's DELAYTIMER_MAX */

/* Linux's struct sigevent as the kernel takes it (64 bytes). */
struct k_sigevent {
	uint64_t value;
	int32_t signo, notify;
	int32_t tid; /* SIGEV_THREAD_ID's */
	int32_t pad[11];
};
_Static_assert(sizeof(struct k_sigevent) == LINUX_SIZEOF_SIGEVENT, "Linux's sigevent");

struct ptimer {
	bool used;
	bool realtime;           /* CLOCK_REALTIME: absolute times are wall-clock */
	int notify, signo, tid;
	uint64_t value;          /* sigev_value */
	uint64_t deadline_ns;    /* monotonic; 0: disarmed */
	uint64_t interval_ns;
	int overrun;             /* of the last expiry */
	const struct syscall_env *env;
};

static struct mutex timers_lock = MUTEX_INIT;
static struct ptimer timers[TIMER_MAX];
static uint64_t generation; /* bumped by every change; the thread sleeps on it */
static struct waitqueue timers_queue = WAITQUEUE_INIT;
static bool thread_started;

static bool changed_since(void *seen)
{
	return __atomic_load_n(&generation, __ATOMIC_ACQUIRE) != *(uint64_t *)seen;
}

/* One expiry to tell, taken under the lock and raised after it. */
struct expiry {
	const struct syscall_env *env;
	int signo, tid, id, overrun;
	uint64_t value;
};

/*
 * Takes the expired timers (reloading the periodic ones), into out (room
 * for TIMER_MAX); *next gets the earliest deadline left (0: none). Under
 * timers_lock.
 */
static unsigned take_expired(uint64_t now, struct expiry *out, uint64_t *next)
{
	unsigned n = 0;

	*next = 0;
	for (int id = 0; id < TIMER_MAX; id++) {
		struct ptimer *t = &timers[id];

		if (!t->used || !t->deadline_ns)
			continue;
		if (t->deadline_ns <= now) {
			uint64_t late = now - t->deadline_ns, missed = 0;

			if (t->interval_ns) {
				missed = late / t->interval_ns;
				t->deadline_ns += (missed + 1) * t->interval_ns;
			} else {
				t->deadline_ns = 0;
			}
			t->overrun = missed > OVERRUN_MAX ? OVERRUN_MAX : (int)missed;
			if (t->notify != SIGEV_NONE)
				out[n++] = (struct expiry){ t->env, t->signo, t->tid, id, t->overrun,
							    t->value };
		}
		if (t->deadline_ns && (!*next || t->deadline_ns < *next))
			*next = t->deadline_ns;
	}
	return n;
}

static void timers_thread(void *arg)
{
	static struct expiry fired[TIMER_MAX]; /* this thread's own */

	(void)arg;
	for (;;) {
		uint64_t seen, next;
		unsigned n;

		mutex_lock(&timers_lock);
		seen = __atomic_load_n(&generation, __ATOMIC_RELAXED);
		n = take_expired(clock_ns(), fired, &next);
		mutex_unlock(&timers_lock);
		for (unsigned i = 0; i < n; i++)
			sys_signal_timer(fired[i].env, fired[i].signo, fired[i].tid, fired[i].id,
					 fired[i].overrun, fired[i].value);
		if (!n)
			waitqueue_wait_event(&timers_queue, changed_since, &seen, next);
	}
}

/* After a change under timers_lock: the thread looks again. */
static void changed(void)
{
	__atomic_add_fetch(&generation, 1, __ATOMIC_RELEASE);
	waitqueue_wake_all(&timers_queue);
}

static int start_thread(void)
{
	struct thread_attr attr = { .name = "posix-timers", .cpu = THREAD_ANY_CPU, .detached = true };

	/* Under timers_lock, a mutex: thread_create allocates and may sleep. */
	if (thread_started)
		return 0;
	if (!thread_create(timers_thread, NULL, &attr))
		return -EAGAIN; /* no memory for the thread: the timer would never fire */
	thread_started = true;
	return 0;
}

static bool clock_ok(int clock, bool *realtime)
{
	*realtime = clock == LINUX_CLOCK_REALTIME || clock == LINUX_CLOCK_REALTIME_ALARM;
	return *realtime || clock == LINUX_CLOCK_MONOTONIC || clock == LINUX_CLOCK_BOOTTIME ||
	       clock == LINUX_CLOCK_BOOTTIME_ALARM;
}

static long sys_timer_create(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	struct k_sigevent ev = { .signo = LINUX_SIGALRM, .notify = SIGEV_SIGNAL };
	bool realtime, given = args[1] != 0;
	int32_t id = -1;

	if (!clock_ok((int)args[0], &realtime))
		return -EINVAL;
	if (given)
		memcpy(&ev, (const void *)args[1], sizeof(ev));
	if (ev.notify != SIGEV_SIGNAL && ev.notify != SIGEV_NONE && ev.notify != SIGEV_THREAD_ID)
		return -EINVAL; /* SIGEV_THREAD is the C library's to make */
	if (ev.notify != SIGEV_NONE && (ev.signo < 1 || ev.signo > LINUX_NSIG))
		return -EINVAL;
	if (ev.notify == SIGEV_THREAD_ID && !sys_signal_is_app_thread(env, ev.tid))
		return -EINVAL;
	mutex_lock(&timers_lock);
	for (int i = 0; i < TIMER_MAX && id < 0; i++)
		if (!timers[i].used)
			id = i;
	if (id >= 0)
		timers[id] = (struct ptimer){
			.used = true, .realtime = realtime, .notify = ev.notify, .signo = ev.signo,
			.tid = ev.notify == SIGEV_THREAD_ID ? ev.tid : 0,
			.value = given ? ev.value : (uint64_t)id, .env = env,
		};
	mutex_unlock(&timers_lock);
	if (id < 0)
		return -EAGAIN;
	memcpy((void *)args[2], &id, sizeof(id));
	return 0;
}

/* The timer of id, under timers_lock (which the caller takes), or NULL. */
static struct ptimer *timer_of(long id)
{
	return id >= 0 && id < TIMER_MAX && timers[id].used ? &timers[id] : NULL;
}

static struct k_itimerspec remaining(const struct ptimer *t, uint64_t now)
{
	struct k_itimerspec v = { 0, 0, 0, 0 };

	sys_ns_timespec(t->interval_ns, &v.interval_sec, &v.interval_nsec);
	if (t->deadline_ns)
		sys_ns_timespec(t->deadline_ns > now ? t->deadline_ns - now : 1, &v.value_sec,
				&v.value_nsec);
	return v;
}

static long sys_timer_settime(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	struct k_itimerspec want, old;
	uint64_t value, interval, now;
	struct ptimer *t;
	long rc;

	memcpy(&want, (const void *)args[2], sizeof(want));
	if ((rc = sys_timespec_ns(want.value_sec, want.value_nsec, &value)) ||
	    (rc = sys_timespec_ns(want.interval_sec, want.interval_nsec, &interval)))
		return rc;
	mutex_lock(&timers_lock);
	if (!(t = timer_of((int)args[0]))) {
		mutex_unlock(&timers_lock);
		return -EINVAL;
	}
	if (value && (rc = start_thread())) {
		mutex_unlock(&timers_lock);
		return rc;
	}
	now = clock_ns();
	old = remaining(t, now);
	if (value && (args[1] & TIMER_ABSTIME)) {
		/* An absolute time on the timer's clock, as a monotonic one. */
		uint64_t clock_now = t->realtime ? env->clock_ns(env->ctx, SYSCALL_CLOCK_REALTIME)
						 : now;

		value = value > clock_now ? now + (value - clock_now) : now;
	} else if (value) {
		value = now + value;
	}
	t->deadline_ns = value;
	t->interval_ns = value ? interval : 0;
	t->overrun = 0;
	changed();
	mutex_unlock(&timers_lock);
	if (args[3])
		memcpy((void *)args[3], &old, sizeof(old));
	return 0;
}

static long sys_timer_gettime(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	struct k_itimerspec cur;
	struct ptimer *t;

	(void)env;
	mutex_lock(&timers_lock);
	if ((t = timer_of((int)args[0])))
		cur = remaining(t, clock_ns());
	mutex_unlock(&timers_lock);
	if (!t)
		return -EINVAL;
	memcpy((void *)args[1], &cur, sizeof(cur));
	return 0;
}

static long sys_timer_getoverrun(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	struct ptimer *t;
	long rc;

	(void)env;
	mutex_lock(&timers_lock);
	rc = (t = timer_of((int)args[0])) ? t->overrun : -EINVAL;
	mutex_unlock(&timers_lock);
	return rc;
}

/* A signal of the timer already raised stays pending, as on Linux. */
static long sys_timer_delete(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	struct ptimer *t;

	(void)env;
	mutex_lock(&timers_lock);
	if ((t = timer_of((int)args[0]))) {
		*t = (struct ptimer){ .used = false };
		changed();
	}
	mutex_unlock(&timers_lock);
	return t ? 0 : -EINVAL;
}

void sys_timer_register(syscall_handler_fn *table)
{
	table[NR_TIMER_CREATE] = sys_timer_create;
	table[NR_TIMER_SETTIME] = sys_timer_settime;
	table[NR_TIMER_GETTIME] = sys_timer_gettime;
	table[NR_TIMER_GETOVERRUN] = sys_timer_getoverrun;
	table[NR_TIMER_DELETE] = sys_timer_delete;
}
