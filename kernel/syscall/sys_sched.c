/*
 * Handlers that answer from the environment alone, for the calls programs
 * make about their process group, session, ids, priority and scheduling:
 * there is one process (env->pid), the leader of its own group and
 * session, running as root with no supplementary groups, at nice 0 under
 * SCHED_OTHER; and times, getcpu, sync. See README.md, "Values chosen".
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <carapace/syscall.h>

#include "syscall_impl.h"

#define PRIO_PROCESS 0
#define PRIO_USER    2
#define NICE_MIN     (-20)
#define NICE_MAX     19

#define SCHED_OTHER  0
#define SCHED_FIFO   1
#define SCHED_RR     2
#define SCHED_BATCH  3
#define SCHED_IDLE   5
#define RT_PRIO_MAX  99

#define ROBUST_LIST_HEAD_SIZE 24 /* struct robust_list_head on x86_64 */

/* pid 0 means the caller; any other but ours is no process we know. */
static long own_pid(const struct syscall_env *env, long pid)
{
	if ((int)pid < 0)
		return -EINVAL;
	return (int)pid == 0 || (int)pid == env->pid ? 0 : -ESRCH;
}

/* getgroups: no supplementary groups (setgroups keeps it so). */
long sys_getgroups(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	(void)env;
	return (int)args[0] < 0 ? -EINVAL : 0;
}

/* getpgid, getsid: the process leads its own group and session. */
long sys_getpgid(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	long rc = own_pid(env, args[0]);

	return rc == -EINVAL ? -ESRCH : rc ? rc : env->pid;
}

long sys_getpgrp(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	(void)args;
	return env->pid;
}

/* setsid: a group leader cannot start a session (Linux's EPERM). */
long sys_setsid(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	(void)env;
	(void)args;
	return -EPERM;
}

/* setpgid: joining the group it leads already succeeds; nothing else exists. */
long sys_setpgid(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	long rc = own_pid(env, args[0]);
	int pgid = (int)args[1];

	if (rc)
		return rc;
	if (pgid < 0)
		return -EINVAL;
	return pgid == 0 || pgid == env->pid ? 0 : -EPERM;
}

/* getresuid, getresgid: real, effective and saved ids, all root. */
long sys_getresuid(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	(void)env;
	for (int i = 0; i < 3; i++)
		memset((void *)args[i], 0, sizeof(uint32_t));
	return 0;
}

/* setreuid, setregid (two ids), setresuid, setresgid (three): each id is
 * -1 (unchanged) or root; another is EPERM, as setuid's (sys_process.c). */
static long ids_root(const long args[SYSCALL_MAX_ARGS], int n)
{
	for (int i = 0; i < n; i++)
		if ((uint32_t)args[i] != UINT32_MAX && (uint32_t)args[i] != 0)
			return -EPERM;
	return 0;
}

long sys_setreuid(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	(void)env;
	return ids_root(args, 2);
}

long sys_setresuid(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	(void)env;
	return ids_root(args, 3);
}

/*
 * getpriority, setpriority: one nice value for the process, kept (root may
 * set any; Linux clamps to -20..19) but without effect on the scheduler.
 * getpriority returns 20 - nice, as the kernel does (libc converts).
 */
static int nice_value;

static long priority_target(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	int which = (int)args[0], who = (int)args[1];

	if (which < PRIO_PROCESS || which > PRIO_USER)
		return -EINVAL;
	if (which == PRIO_USER)
		return who == 0 ? 0 : -ESRCH; /* root: the only user */
	return who == 0 || who == env->pid ? 0 : -ESRCH;
}

long sys_getpriority(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	long rc = priority_target(env, args);

	return rc ? rc : 20 - __atomic_load_n(&nice_value, __ATOMIC_RELAXED);
}

long sys_setpriority(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	long rc = priority_target(env, args);
	int nice = (int)args[2];

	if (rc)
		return rc;
	nice = nice < NICE_MIN ? NICE_MIN : nice > NICE_MAX ? NICE_MAX : nice;
	__atomic_store_n(&nice_value, nice, __ATOMIC_RELAXED);
	return 0;
}

/* The policies Linux knows; real-time ones have priorities 1..99. */
static bool policy_known(long policy)
{
	return policy == SCHED_OTHER || policy == SCHED_FIFO || policy == SCHED_RR ||
	       policy == SCHED_BATCH || policy == SCHED_IDLE;
}

static bool policy_realtime(long policy)
{
	return policy == SCHED_FIFO || policy == SCHED_RR;
}

long sys_sched_get_priority_max(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	(void)env;
	if (!policy_known((int)args[0]))
		return -EINVAL;
	return policy_realtime((int)args[0]) ? RT_PRIO_MAX : 0;
}

long sys_sched_get_priority_min(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	(void)env;
	if (!policy_known((int)args[0]))
		return -EINVAL;
	return policy_realtime((int)args[0]) ? 1 : 0;
}

long sys_sched_getscheduler(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	long rc = own_pid(env, args[0]);

	return rc ? rc : SCHED_OTHER;
}

/* sched_getparam: priority 0, SCHED_OTHER's only one. */
long sys_sched_getparam(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	long rc = own_pid(env, args[0]);

	if (rc == 0)
		memset((void *)args[1], 0, sizeof(int32_t));
	return rc;
}

/*
 * sched_setscheduler, sched_setparam: the normal policies with priority 0
 * are accepted (and change nothing: one scheduler serves every thread);
 * the real-time ones are not offered (EPERM, as for a process without the
 * privilege); a priority outside the policy's range is EINVAL.
 */
static long set_scheduler(const struct syscall_env *env, long pid, long policy, long param)
{
	int32_t prio;
	long rc = own_pid(env, pid);

	if (rc)
		return rc;
	if (!policy_known(policy))
		return -EINVAL;
	memcpy(&prio, (const void *)param, sizeof(prio));
	if (policy_realtime(policy))
		return prio < 1 || prio > RT_PRIO_MAX ? -EINVAL : -EPERM;
	return prio == 0 ? 0 : -EINVAL;
}

long sys_sched_setscheduler(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	return set_scheduler(env, args[0], (int)args[1], args[2]);
}

long sys_sched_setparam(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	return set_scheduler(env, args[0], SCHED_OTHER, args[1]);
}

/* sched_setaffinity: every thread may run on every CPU; the mask is
 * accepted and changes nothing (a mask of no CPU is EINVAL). */
long sys_sched_setaffinity(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	const unsigned char *mask = (const unsigned char *)args[2];
	size_t len = (size_t)args[1];
	long rc = own_pid(env, args[0]);

	if (rc)
		return rc;
	for (size_t i = 0; i < len; i++)
		if (mask[i])
			return 0;
	return -EINVAL;
}

/*
 * set_robust_list: accepted (musl asks for it before a robust mutex is
 * first locked); the kernel does not walk the list, which matters only
 * for a thread that dies holding a robust mutex without pthread_exit
 * (musl walks it there). get_robust_list (musl's check that robust
 * mutexes are supported) answers with no list.
 */
long sys_set_robust_list(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	(void)env;
	return (size_t)args[1] == ROBUST_LIST_HEAD_SIZE ? 0 : -EINVAL;
}

long sys_get_robust_list(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	const uint64_t none = 0, size = ROBUST_LIST_HEAD_SIZE;
	long rc = own_pid(env, args[0]);

	if (rc)
		return rc == -EINVAL ? -ESRCH : rc;
	memcpy((void *)args[1], &none, sizeof(none));
	memcpy((void *)args[2], &size, sizeof(size));
	return 0;
}

#define CLOCK_TICKS_PER_SEC 100 /* sysconf(_SC_CLK_TCK), as Linux's USER_HZ */
#define NS_PER_TICK (1000000000ull / CLOCK_TICKS_PER_SEC)

/*
 * times: the process's CPU time in clock ticks as user time (the clocks do
 * not split user and system: getrusage's rule), no children; returns the
 * ticks since boot (the monotonic clock), which only differences mean.
 */
long sys_times(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	int64_t tms[4] = { (int64_t)(env->clock_ns(env->ctx, SYSCALL_CLOCK_PROCESS) / NS_PER_TICK) };

	if (args[0])
		memcpy((void *)args[0], tms, sizeof(tms));
	return (long)(env->clock_ns(env->ctx, SYSCALL_CLOCK_MONOTONIC) / NS_PER_TICK);
}

/* getcpu (sched_getcpu): CPU 0, node 0: a thread may run on any CPU and
 * move at any time, so any answer is as good as Linux's a moment later. */
long sys_getcpu(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	const uint32_t zero = 0;

	(void)env;
	for (int i = 0; i < 2; i++)
		if (args[i])
			memcpy((void *)args[i], &zero, sizeof(zero));
	return 0;
}

/* sync: everything is in memory; nothing to write back. */
long sys_sync(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	(void)env;
	(void)args;
	return 0;
}
