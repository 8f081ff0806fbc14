/*
 * prctl: the options programs set at start, as Linux answers them.
 *
 * PR_SET_NAME / PR_GET_NAME name the calling thread (the kernel thread's
 * own name, which the REST API's thread list shows; 15 bytes, as Linux's
 * TASK_COMM_LEN). The process-wide flags are kept and read back:
 * PR_SET_DUMPABLE, PR_SET_KEEPCAPS, PR_SET_PDEATHSIG (the one process has
 * no parent that could die), PR_SET_NO_NEW_PRIVS (once set, it stays),
 * PR_SET_THP_DISABLE (there are no transparent huge pages to disable),
 * PR_SET_TIMERSLACK (sleeps are not coalesced). PR_CAPBSET_READ says
 * every capability is there (the process is root); PR_GET_SECCOMP 0 and
 * PR_SET_SECCOMP -EINVAL, as a Linux built without seccomp. Any other
 * option, or an argument Linux requires to be 0 that is not, is -EINVAL.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <carapace/app_copy.h>
#include <carapace/thread.h>

#include "sys_kernel.h"

#define NR_PRCTL 157

#define PR_SET_PDEATHSIG    1
#define PR_GET_PDEATHSIG    2
#define PR_GET_DUMPABLE     3
#define PR_SET_DUMPABLE     4
#define PR_GET_KEEPCAPS     7
#define PR_SET_KEEPCAPS     8
#define PR_SET_NAME         15
#define PR_GET_NAME         16
#define PR_GET_SECCOMP      21
#define PR_SET_SECCOMP      22
#define PR_CAPBSET_READ     23
#define PR_SET_TIMERSLACK   29
#define PR_GET_TIMERSLACK   30
#define PR_SET_NO_NEW_PRIVS 38
#define PR_GET_NO_NEW_PRIVS 39
#define PR_SET_THP_DISABLE  41
#define PR_GET_THP_DISABLE  42

#define COMM_LEN        16 /* Linux's TASK_COMM_LEN, the NUL included */
#define CAP_LAST_CAP    40 /* CAP_CHECKPOINT_RESTORE, Linux 6.1's last */
#define TIMERSLACK_NS   50000ul /* Linux's default */

/* The process-wide flags; each a word of its own, read and written whole. */
static long pdeathsig, dumpable = 1, keepcaps, no_new_privs, thp_disable;
static unsigned long timerslack = TIMERSLACK_NS;

/* An int answer into the application's memory at addr. */
static long put_int(const struct syscall_env *env, long addr, long value)
{
	int32_t v = (int32_t)value;

	if (syscall_check_range(env, (uintptr_t)addr, sizeof(v), true) ||
	    app_copy((void *)addr, &v, sizeof(v)))
		return -EFAULT;
	return 0;
}

/* PR_SET_NAME: up to 15 bytes of the string at addr (longer is cut, as on Linux). */
static long set_name(const struct syscall_env *env, long addr)
{
	char name[COMM_LEN];
	size_t n = 0;

	/* Byte by byte: a short name may end just before an unmapped page. */
	while (n < COMM_LEN - 1) {
		if (syscall_check_range(env, (uintptr_t)addr + n, 1, false) ||
		    app_copy(&name[n], (const char *)addr + n, 1))
			return -EFAULT;
		if (name[n] == '\0')
			break;
		n++;
	}
	name[n] = '\0';
	thread_set_name(thread_current(), name);
	return 0;
}

static long get_name(const struct syscall_env *env, long addr)
{
	char name[COMM_LEN] = { 0 };
	const char *now = thread_name(thread_current());

	memcpy(name, now, strnlen(now, COMM_LEN - 1));
	if (syscall_check_range(env, (uintptr_t)addr, sizeof(name), true) ||
	    app_copy((void *)addr, name, sizeof(name)))
		return -EFAULT;
	return 0;
}

/* A flag that is 0 or 1, with arguments 3 to 5 zero when rest_zero. */
static long set_flag(long *flag, long value, bool rest_zero)
{
	if (!rest_zero || (value != 0 && value != 1))
		return -EINVAL;
	__atomic_store_n(flag, value, __ATOMIC_RELAXED);
	return 0;
}

static long sys_prctl(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	int option = (int)args[0];
	long arg2 = args[1];
	bool rest_zero = !args[2] && !args[3] && !args[4];

	switch (option) {
	case PR_SET_NAME:
		return set_name(env, arg2);
	case PR_GET_NAME:
		return get_name(env, arg2);
	case PR_SET_PDEATHSIG:
		if (arg2 < 0 || arg2 > LINUX_NSIG)
			return -EINVAL;
		__atomic_store_n(&pdeathsig, arg2, __ATOMIC_RELAXED);
		return 0;
	case PR_GET_PDEATHSIG:
		return put_int(env, arg2, __atomic_load_n(&pdeathsig, __ATOMIC_RELAXED));
	case PR_SET_DUMPABLE:
		return set_flag(&dumpable, arg2, true);
	case PR_GET_DUMPABLE:
		return __atomic_load_n(&dumpable, __ATOMIC_RELAXED);
	case PR_SET_KEEPCAPS:
		return set_flag(&keepcaps, arg2, true);
	case PR_GET_KEEPCAPS:
		return __atomic_load_n(&keepcaps, __ATOMIC_RELAXED);
	case PR_SET_NO_NEW_PRIVS:
		/* Only 1: the flag cannot be cleared. */
		return arg2 == 1 ? set_flag(&no_new_privs, 1, rest_zero) : -EINVAL;
	case PR_GET_NO_NEW_PRIVS:
		return arg2 || !rest_zero ? -EINVAL : __atomic_load_n(&no_new_privs, __ATOMIC_RELAXED);
	case PR_SET_THP_DISABLE:
		return set_flag(&thp_disable, arg2 != 0, rest_zero);
	case PR_GET_THP_DISABLE:
		return arg2 || !rest_zero ? -EINVAL : __atomic_load_n(&thp_disable, __ATOMIC_RELAXED);
	case PR_SET_TIMERSLACK:
		/* 0 restores the default, as on Linux. */
		__atomic_store_n(&timerslack, arg2 > 0 ? (unsigned long)arg2 : TIMERSLACK_NS,
				 __ATOMIC_RELAXED);
		return 0;
	case PR_GET_TIMERSLACK:
		return (long)__atomic_load_n(&timerslack, __ATOMIC_RELAXED);
	case PR_CAPBSET_READ:
		return arg2 >= 0 && arg2 <= CAP_LAST_CAP ? 1 : -EINVAL;
	case PR_GET_SECCOMP:
		return 0;
	default: /* PR_SET_SECCOMP included */
		return -EINVAL;
	}
}

void sys_prctl_register(syscall_handler_fn *table)
{
	table[NR_PRCTL] = sys_prctl;
}
