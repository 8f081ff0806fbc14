/*
 * Handlers that answer from the environment alone: process and user ids,
 * uname, sysinfo, resource limits and usage, CPU affinity, set_tid_address.
 * Carapace runs one process whose user is root; see README.md for the
 * values and why.
 */
#include <stdint.h>
#include <string.h>

#include <carapace/syscall.h>
#include <carapace/uname.h>

#include "syscall_impl.h"

#define NOFILE_LIMIT  1024

long sys_getpid(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	(void)args;
	return env->pid;
}

/* The application is the only process: it has no parent. */
long sys_getppid(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	(void)env;
	(void)args;
	return 0;
}

long sys_gettid(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	(void)args;
	return env->gettid(env->ctx);
}

/* getuid, geteuid, getgid, getegid: everything runs as root. */
long sys_getuid(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	(void)env;
	(void)args;
	return 0;
}

/*
 * setuid, setgid: the one process is root and stays root. Becoming root
 * again succeeds (daemons such as memcached -u root do it); any other id
 * fails with EPERM, since the kernel has no other user to be.
 */
long sys_setuid(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	(void)env;
	return (uint32_t)args[0] == 0 ? 0 : -EPERM;
}

/*
 * setgroups: dropping every supplementary group (size 0), what daemons do
 * before they change user, succeeds: there are none. A list is refused
 * with EPERM (no groups to join); a negative or huge size is EINVAL.
 */
long sys_setgroups(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	long size = (int)args[0];

	(void)env;
	if (size < 0 || size > 65536)
		return -EINVAL;
	return size == 0 ? 0 : -EPERM;
}

long sys_set_tid_address(const struct syscall_env *env,
			 const long args[SYSCALL_MAX_ARGS])
{
	env->set_clear_child_tid(env->ctx, (uintptr_t)args[0]);
	return env->gettid(env->ctx);
}

/* Copies s into a 65-byte utsname field, cut to 64 bytes, NUL-padded. */
static void set_field(char field[LINUX_UTSNAME_FIELD], const char *s)
{
	size_t n;

	if (!s)
		s = "";
	n = strnlen(s, LINUX_UTSNAME_FIELD - 1);

	memcpy(field, s, n);
	memset(field + n, 0, LINUX_UTSNAME_FIELD - n);
}

long sys_uname(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	struct linux_utsname u;

	set_field(u.sysname, UNAME_SYSNAME);
	set_field(u.nodename, env->nodename);
	set_field(u.release, UNAME_RELEASE);
	set_field(u.version, UNAME_VERSION);
	set_field(u.machine, UNAME_MACHINE);
	set_field(u.domainname, "(none)");
	memcpy((void *)args[0], &u, sizeof(u));
	return 0;
}

long sys_sysinfo(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	struct linux_sysinfo info;

	memset(&info, 0, sizeof(info));
	info.uptime = (int64_t)(env->clock_ns(env->ctx, SYSCALL_CLOCK_MONOTONIC) /
				1000000000ull);
	env->meminfo(env->ctx, &info.totalram, &info.freeram);
	info.procs = 1;
	info.mem_unit = 1;
	memcpy((void *)args[0], &info, sizeof(info));
	return 0;
}

/*
 * The limits: RLIMIT_STACK is the main stack's size (it cannot grow),
 * RLIMIT_NOFILE the descriptor table's (env->nofile_get: its soft value
 * may be raised up to its hard one, and the hard one, the process being
 * root, up to what the table holds), everything else unlimited.
 */
static struct linux_rlimit limit_of(const struct syscall_env *env,
				    unsigned resource)
{
	struct linux_rlimit rl = { LINUX_RLIM_INFINITY, LINUX_RLIM_INFINITY };

	if (resource == LINUX_RLIMIT_STACK) {
		rl.rlim_cur = rl.rlim_max = env->stack_limit;
	} else if (resource == LINUX_RLIMIT_NOFILE) {
		rl.rlim_cur = rl.rlim_max = NOFILE_LIMIT;
		if (env->nofile_get)
			env->nofile_get(env->ctx, &rl.rlim_cur, &rl.rlim_max);
	}
	return rl;
}

long sys_getrlimit(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	unsigned resource = (unsigned)args[0];

	if (resource >= LINUX_RLIM_NLIMITS)
		return -EINVAL;
	struct linux_rlimit rl = limit_of(env, resource);
	memcpy((void *)args[1], &rl, sizeof(rl));
	return 0;
}

/*
 * A new value for a limit. RLIMIT_NOFILE goes to the descriptor table
 * (env->nofile_set). The other limits are fixed: setting one to its
 * current value succeeds, any other value fails with -EPERM (a lower
 * limit would be a promise the kernel does not keep).
 */
static long set_limit(const struct syscall_env *env, unsigned resource,
		      const struct linux_rlimit *want)
{
	struct linux_rlimit cur = limit_of(env, resource);

	if (want->rlim_cur > want->rlim_max)
		return -EINVAL;
	if (resource == LINUX_RLIMIT_NOFILE && env->nofile_set)
		return env->nofile_set(env->ctx, want->rlim_cur, want->rlim_max);
	if (want->rlim_cur != cur.rlim_cur || want->rlim_max != cur.rlim_max)
		return -EPERM;
	return 0;
}

/* Only this process (pid 0 or its own); the old value is read before the new is set. */
long sys_prlimit64(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	int pid = (int)args[0];
	unsigned resource = (unsigned)args[1];

	if (pid != 0 && pid != env->pid)
		return -ESRCH;
	if (resource >= LINUX_RLIM_NLIMITS)
		return -EINVAL;
	struct linux_rlimit cur = limit_of(env, resource);
	if (args[2]) {
		struct linux_rlimit want;
		long rc;

		memcpy(&want, (const void *)args[2], sizeof(want));
		if ((rc = set_limit(env, resource, &want)))
			return rc;
	}
	if (args[3])
		memcpy((void *)args[3], &cur, sizeof(cur));
	return 0;
}

long sys_setrlimit(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	unsigned resource = (unsigned)args[0];
	struct linux_rlimit want;

	if (resource >= LINUX_RLIM_NLIMITS)
		return -EINVAL;
	memcpy(&want, (const void *)args[1], sizeof(want));
	return set_limit(env, resource, &want);
}

static struct linux_timeval timeval_of(uint64_t ns)
{
	return (struct linux_timeval){ (int64_t)(ns / 1000000000u), (int64_t)(ns % 1000000000u / 1000u) };
}

/*
 * getrusage: the CPU time the env's clocks give (the process's for
 * RUSAGE_SELF, the thread's for RUSAGE_THREAD), all of it as user time:
 * application and kernel run in one ring and the clocks do not split
 * them. There are no children (RUSAGE_CHILDREN: zeros), and the counters
 * (max RSS, faults, context switches) are not kept: zero.
 */
long sys_getrusage(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	int who = (int)args[0];
	struct linux_rusage ru;

	memset(&ru, 0, sizeof(ru));
	if (who == LINUX_RUSAGE_SELF)
		ru.utime = timeval_of(env->clock_ns(env->ctx, SYSCALL_CLOCK_PROCESS));
	else if (who == LINUX_RUSAGE_THREAD)
		ru.utime = timeval_of(env->clock_ns(env->ctx, SYSCALL_CLOCK_THREAD));
	else if (who != LINUX_RUSAGE_CHILDREN)
		return -EINVAL;
	memcpy((void *)args[1], &ru, sizeof(ru));
	return 0;
}

/*
 * Every thread may run on every CPU. As Linux: len must hold a bit per CPU
 * and be a multiple of 8; the result is the bytes written.
 */
long sys_sched_getaffinity(const struct syscall_env *env,
			   const long args[SYSCALL_MAX_ARGS])
{
	int pid = (int)args[0];
	uint64_t len = (uint32_t)args[1];
	uint8_t *mask = (uint8_t *)args[2];
	uint64_t cpus = env->cpu_count;
	uint64_t mask_bytes = (cpus + 63) / 64 * 8;

	if (pid != 0 && pid != env->pid && pid != env->gettid(env->ctx))
		return -ESRCH;
	if (len * 8 < cpus || len % 8 != 0)
		return -EINVAL;
	if (len > mask_bytes)
		len = mask_bytes;
	for (uint64_t i = 0; i < len; i++) {
		uint64_t first = i * 8;
		uint8_t byte = 0;

		for (unsigned b = 0; b < 8 && first + b < cpus; b++)
			byte |= (uint8_t)(1u << b);
		mask[i] = byte;
	}
	return (long)len;
}
