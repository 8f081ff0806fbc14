/*
 * Time: Linux's clock ids mapped onto the kernel's clocks, and the sleeps.
 * CLOCK_TAI and the *_ALARM clocks are not offered (-EINVAL).
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <carapace/syscall.h>

#include "syscall_impl.h"

#define NS_PER_SECOND 1000000000ull
#define NS_PER_USEC   1000ull

/* The kernel clock behind a Linux clock id; -EINVAL for unknown ids. */
static int map_clock(long id, enum syscall_clock *clock)
{
	switch ((int)id) {
	case LINUX_CLOCK_REALTIME:
	case LINUX_CLOCK_REALTIME_COARSE:
		*clock = SYSCALL_CLOCK_REALTIME;
		return 0;
	case LINUX_CLOCK_MONOTONIC:
	case LINUX_CLOCK_MONOTONIC_RAW:
	case LINUX_CLOCK_MONOTONIC_COARSE:
	case LINUX_CLOCK_BOOTTIME: /* the kernel never suspends */
		*clock = SYSCALL_CLOCK_MONOTONIC;
		return 0;
	case LINUX_CLOCK_PROCESS_CPUTIME_ID:
		*clock = SYSCALL_CLOCK_PROCESS;
		return 0;
	case LINUX_CLOCK_THREAD_CPUTIME_ID:
		*clock = SYSCALL_CLOCK_THREAD;
		return 0;
	}
	return -EINVAL;
}

static void put_timespec(long dst, uint64_t ns)
{
	struct linux_timespec ts = {
		.tv_sec = (int64_t)(ns / NS_PER_SECOND),
		.tv_nsec = (int64_t)(ns % NS_PER_SECOND),
	};

	memcpy((void *)dst, &ts, sizeof(ts));
}

/*
 * clock_gettime and clock_getres: the clock's reading or its resolution.
 * The pointer is optional only for clock_getres (dispatch has refused a
 * NULL one for clock_gettime).
 */
static long clock_query(const struct syscall_env *env,
			const long args[SYSCALL_MAX_ARGS], bool resolution)
{
	enum syscall_clock clock;
	int err = map_clock(args[0], &clock);

	if (err)
		return err;
	if (args[1])
		put_timespec(args[1], resolution ? env->clock_res_ns :
				      env->clock_ns(env->ctx, clock));
	return 0;
}

long sys_clock_gettime(const struct syscall_env *env,
		       const long args[SYSCALL_MAX_ARGS])
{
	return clock_query(env, args, false);
}

long sys_clock_getres(const struct syscall_env *env,
		      const long args[SYSCALL_MAX_ARGS])
{
	return clock_query(env, args, true);
}

/* The time zone is always UTC with no daylight saving (zeros). */
long sys_gettimeofday(const struct syscall_env *env,
		      const long args[SYSCALL_MAX_ARGS])
{
	if (args[0]) {
		uint64_t ns = env->clock_ns(env->ctx, SYSCALL_CLOCK_REALTIME);
		struct linux_timeval tv = {
			.tv_sec = (int64_t)(ns / NS_PER_SECOND),
			.tv_usec = (int64_t)(ns % NS_PER_SECOND / NS_PER_USEC),
		};

		memcpy((void *)args[0], &tv, sizeof(tv));
	}
	if (args[1])
		memset((void *)args[1], 0, sizeof(struct linux_timezone));
	return 0;
}

long sys_time(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	int64_t secs = (int64_t)(env->clock_ns(env->ctx, SYSCALL_CLOCK_REALTIME) /
				 NS_PER_SECOND);

	if (args[0])
		memcpy((void *)args[0], &secs, sizeof(secs));
	return (long)secs;
}

/*
 * A timespec (unit_ns 1) or timeval (unit_ns 1000) as nanoseconds,
 * saturating; -EINVAL when it is malformed. Both are two 64-bit numbers.
 */
int sys_time_ns(const void *p, uint64_t unit_ns, uint64_t *ns)
{
	struct linux_timespec ts;
	uint64_t frac;

	memcpy(&ts, p, sizeof(ts));
	if (ts.tv_sec < 0 || ts.tv_nsec < 0 || (uint64_t)ts.tv_nsec >= NS_PER_SECOND / unit_ns)
		return -EINVAL;
	frac = (uint64_t)ts.tv_nsec * unit_ns;
	if ((uint64_t)ts.tv_sec > (UINT64_MAX - frac) / NS_PER_SECOND)
		*ns = UINT64_MAX;
	else
		*ns = (uint64_t)ts.tv_sec * NS_PER_SECOND + frac;
	return 0;
}

/*
 * Sleeps ns. A signal whose handler is to run cuts it short (-EINTR), as
 * on Linux; the time left goes to rem when the caller gave one. A sleep
 * that ran out leaves rem alone.
 */
static long sleep_for(const struct syscall_env *env, uint64_t ns, long rem)
{
	uint64_t left = 0;
	struct linux_timespec ts;

	if (!ns || env->sleep_ns(env->ctx, ns, &left) == 0)
		return 0;
	if (rem) {
		ts.tv_sec = (int64_t)(left / NS_PER_SECOND);
		ts.tv_nsec = (int64_t)(left % NS_PER_SECOND);
		memcpy((void *)rem, &ts, sizeof(ts));
	}
	return -EINTR;
}

long sys_nanosleep(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	uint64_t ns;
	int rc = sys_time_ns((const void *)args[0], 1, &ns);

	if (rc)
		return rc;
	return sleep_for(env, ns, args[1]);
}

/*
 * Relative sleeps on any of the clocks a sleep makes sense on; TIMER_ABSTIME
 * converts the deadline with the env's clock (REALTIME: the RTC's wall
 * clock). CPU-time clocks are not supported.
 */
long sys_clock_nanosleep(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	int clock = (int)args[0], flags = (int)args[1];
	uint64_t ns, now;
	int rc;

	if (clock != LINUX_CLOCK_REALTIME && clock != LINUX_CLOCK_MONOTONIC &&
	    clock != LINUX_CLOCK_BOOTTIME)
		return clock == LINUX_CLOCK_PROCESS_CPUTIME_ID ||
		       clock == LINUX_CLOCK_THREAD_CPUTIME_ID ? -ENOTSUP : -EINVAL;
	if ((rc = sys_time_ns((const void *)args[2], 1, &ns)))
		return rc;
	if (flags & LINUX_TIMER_ABSTIME) {
		now = env->clock_ns(env->ctx, clock == LINUX_CLOCK_REALTIME ? SYSCALL_CLOCK_REALTIME
									 : SYSCALL_CLOCK_MONOTONIC);
		ns = ns > now ? ns - now : 0;
	}
	/* An absolute sleep is simply asked again: Linux writes no rem for it. */
	return sleep_for(env, ns, flags & LINUX_TIMER_ABSTIME ? 0 : args[3]);
}
