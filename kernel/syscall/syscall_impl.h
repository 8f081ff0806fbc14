/*
 * Internal to kernel/syscall: the Linux x86_64 ABI values and structure
 * layouts every handler uses (the portable ones and the kernel-side ones:
 * each value is defined here only), and the handlers the table points at. Written
 * from the Linux ABI (man pages, sizes checked by the static asserts and
 * the host tests), not copied from any header.
 */
#ifndef CARAPACE_SYSCALL_IMPL_H
#define CARAPACE_SYSCALL_IMPL_H

#include <errno.h>
#include <stdint.h>

#include <carapace/syscall.h>

#define LINUX_AT_FDCWD (-100)

/* open flags (octal, as Linux x86_64 writes them) */
#define LINUX_O_NONBLOCK 04000
#define LINUX_O_DIRECT   040000
#define LINUX_O_CLOEXEC  02000000
#define LINUX_O_EXCL     0200 /* pipe2: O_NOTIFICATION_PIPE */

/* *at flags */
#define LINUX_AT_SYMLINK_NOFOLLOW 0x100
#define LINUX_AT_SYMLINK_FOLLOW   0x400
#define LINUX_AT_EACCESS          0x200
#define LINUX_AT_REMOVEDIR        0x200
#define LINUX_AT_NO_AUTOMOUNT     0x800
#define LINUX_AT_EMPTY_PATH       0x1000
#define LINUX_AT_STATX_SYNC_TYPE  0x6000
#define LINUX_STATX_RESERVED      0x80000000u

/* access modes */
#define LINUX_ACCESS_MODES 07 /* R_OK | W_OK | X_OK */
#define LINUX_X_OK 01

/* mmap protections and mremap flags */
#define LINUX_PROT_RWX       0x7
#define LINUX_PROT_SEM       0x8
#define LINUX_PROT_GROWSDOWN 0x01000000
#define LINUX_PROT_GROWSUP   0x02000000
#define LINUX_MREMAP_FLAGS   0x7 /* MAYMOVE | FIXED | DONTUNMAP */

/* mmap's flags, msync's, mlockall's and mlock2's (sys_memory.c) */
#define LINUX_MAP_SHARED          0x01
#define LINUX_MAP_PRIVATE         0x02
#define LINUX_MAP_SHARED_VALIDATE 0x03
#define LINUX_MAP_TYPE            0x0f
#define LINUX_MAP_FIXED           0x10
#define LINUX_MAP_ANONYMOUS       0x20
#define LINUX_MAP_FIXED_NOREPLACE 0x100000
#define LINUX_MREMAP_MAYMOVE      1
#define LINUX_MS_ASYNC            1
#define LINUX_MS_INVALIDATE       2
#define LINUX_MS_SYNC             4
#define LINUX_MCL_CURRENT         1
#define LINUX_MCL_FUTURE          2
#define LINUX_MCL_ONFAULT         4
#define LINUX_MLOCK_ONFAULT       1

/* statx's mask: every field but btime (sys_files.c) */
#define LINUX_STATX_BASIC_STATS 0x7ffu

/* signals, their masks and stacks (sys_signal.c); clock_nanosleep's flag */
#define LINUX_SIGABRT        6
#define LINUX_SIGKILL        9
#define LINUX_SIGSTOP        19
#define LINUX_SIGPIPE        13
#define LINUX_SIGALRM        14
#define LINUX_SIG_DFL        0
#define LINUX_SIG_IGN        1
#define LINUX_NSIG           64
#define LINUX_SIG_BLOCK      0
#define LINUX_SIG_UNBLOCK    1
#define LINUX_SIG_SETMASK    2
#define LINUX_SS_ONSTACK     1
#define LINUX_SS_DISABLE     2
#define LINUX_SS_AUTODISARM  (1u << 31)
#define LINUX_MINSIGSTKSZ    2048
#define LINUX_TIMER_ABSTIME  1

/* eventfd2 */
#define LINUX_EFD_SEMAPHORE 1

/* getrandom */
#define LINUX_GRND_NONBLOCK 0x1
#define LINUX_GRND_RANDOM   0x2
#define LINUX_GRND_INSECURE 0x4

/* Limits Linux applies to counts */
#define LINUX_UIO_MAXIOV 1024
#define LINUX_NOFILE     1024 /* RLIMIT_NOFILE here */

/* clock ids */
#define LINUX_CLOCK_REALTIME           0
#define LINUX_CLOCK_MONOTONIC          1
#define LINUX_CLOCK_PROCESS_CPUTIME_ID 2
#define LINUX_CLOCK_THREAD_CPUTIME_ID  3
#define LINUX_CLOCK_MONOTONIC_RAW      4
#define LINUX_CLOCK_REALTIME_COARSE    5
#define LINUX_CLOCK_MONOTONIC_COARSE   6
#define LINUX_CLOCK_BOOTTIME           7

/* resource limits */
#define LINUX_RLIMIT_STACK  3
#define LINUX_RLIMIT_NOFILE 7
#define LINUX_RLIM_NLIMITS  16
#define LINUX_RLIM_INFINITY UINT64_MAX

/* getrusage */
#define LINUX_RUSAGE_SELF      0
#define LINUX_RUSAGE_CHILDREN  (-1)
#define LINUX_RUSAGE_THREAD    1

/* ioctl requests on a terminal (sys_files.c) */
#define LINUX_TCGETS     0x5401
#define LINUX_TIOCGWINSZ 0x5413
#define LINUX_FIONBIO    0x5421
#define LINUX_FIONREAD   0x541b /* SIOCINQ */
#define LINUX_TIOCOUTQ   0x5411 /* SIOCOUTQ */

/* Sockets (sys_net.c; the rest is carapace/socket.h, shared with kernel/fs). */
#define LINUX_AF_MAX         46
#define LINUX_SOCK_MAX       11 /* types 1..10 exist (SOCK_PACKET is 10) */
#define LINUX_MSG_WAITFORONE 0x10000

/* timerfd (sys_epoll.c). */
#define LINUX_CLOCK_REALTIME_ALARM 8
#define LINUX_CLOCK_BOOTTIME_ALARM 9
#define LINUX_TFD_TIMER_ABSTIME    1
#define LINUX_TFD_TIMER_CANCEL_ON_SET 2

/* Structure sizes of the x86_64 ABI, for the table. */
#define LINUX_SIZEOF_STAT      144
#define LINUX_SIZEOF_STATX     256
#define LINUX_SIZEOF_TIMESPEC  16
#define LINUX_SIZEOF_SIGINFO   128
#define LINUX_SIZEOF_TIMEVAL   16
#define LINUX_SIZEOF_TIMEZONE  8
#define LINUX_SIZEOF_IOVEC     16
#define LINUX_SIZEOF_UTSNAME   390
#define LINUX_SIZEOF_RLIMIT    16
#define LINUX_SIZEOF_RUSAGE    144
#define LINUX_SIZEOF_ITIMERVAL 32
#define LINUX_SIZEOF_SYSINFO   112
#define LINUX_SIZEOF_POLLFD    8
#define LINUX_SIZEOF_SIGACTION 32 /* the kernel's, with an 8-byte mask */
#define LINUX_SIZEOF_SIGSET    8
#define LINUX_SIZEOF_EPOLL_EVENT 12 /* packed on x86_64 */
#define LINUX_SIZEOF_ITIMERSPEC  32
#define LINUX_SIZEOF_SIGEVENT    64
#define LINUX_SIZEOF_STACK_T   24
#define LINUX_SIZEOF_SIGSET_ARG 16 /* pselect6's { sigset pointer, size } */

struct linux_timespec {
	int64_t tv_sec;
	int64_t tv_nsec;
};

struct linux_timeval {
	int64_t tv_sec;
	int64_t tv_usec;
};

struct linux_timezone {
	int32_t tz_minuteswest;
	int32_t tz_dsttime;
};

#define LINUX_UTSNAME_FIELD 65
struct linux_utsname {
	char sysname[LINUX_UTSNAME_FIELD];
	char nodename[LINUX_UTSNAME_FIELD];
	char release[LINUX_UTSNAME_FIELD];
	char version[LINUX_UTSNAME_FIELD];
	char machine[LINUX_UTSNAME_FIELD];
	char domainname[LINUX_UTSNAME_FIELD];
};

struct linux_rlimit {
	uint64_t rlim_cur;
	uint64_t rlim_max;
};

struct linux_sysinfo {
	int64_t uptime;
	uint64_t loads[3];
	uint64_t totalram;
	uint64_t freeram;
	uint64_t sharedram;
	uint64_t bufferram;
	uint64_t totalswap;
	uint64_t freeswap;
	uint16_t procs;
	uint16_t pad;
	uint64_t totalhigh;
	uint64_t freehigh;
	uint32_t mem_unit;
};

/* struct rusage: two times, then 14 counters (maxrss, ..., nivcsw). */
struct linux_rusage {
	struct linux_timeval utime;
	struct linux_timeval stime;
	int64_t counters[14];
};

_Static_assert(sizeof(struct linux_timespec) == LINUX_SIZEOF_TIMESPEC, "timespec");
_Static_assert(sizeof(struct linux_rusage) == LINUX_SIZEOF_RUSAGE, "rusage");
_Static_assert(sizeof(struct linux_timeval) == LINUX_SIZEOF_TIMEVAL, "timeval");
_Static_assert(sizeof(struct linux_timezone) == LINUX_SIZEOF_TIMEZONE, "timezone");
_Static_assert(sizeof(struct linux_utsname) == LINUX_SIZEOF_UTSNAME, "utsname");
_Static_assert(sizeof(struct linux_rlimit) == LINUX_SIZEOF_RLIMIT, "rlimit");
_Static_assert(sizeof(struct linux_sysinfo) == LINUX_SIZEOF_SYSINFO, "sysinfo");

/*
 * A struct timespec (unit_ns 1) or timeval (unit_ns 1000) at p as
 * nanoseconds, saturating; -EINVAL when malformed (sys_time.c; the
 * kernel-side handlers' timeouts use it too).
 */
int sys_time_ns(const void *p, uint64_t unit_ns, uint64_t *ns);

/* Linux's struct itimerspec (timerfd_settime, timer_settime). */
struct k_itimerspec {
	int64_t interval_sec, interval_nsec;
	int64_t value_sec, value_nsec;
};
/* A timespec's fields as ns (-EINVAL for a negative or nsec >= 1e9; huge: clamped). */
int sys_timespec_ns(int64_t sec, int64_t nsec, uint64_t *ns);
void sys_ns_timespec(uint64_t ns, int64_t *sec, int64_t *nsec);

/* The portable handlers (sys_process.c, sys_time.c, sys_device.c). */
long sys_getpid(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS]);
long sys_getppid(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS]);
long sys_gettid(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS]);
long sys_getuid(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS]);
long sys_setuid(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS]);
long sys_setgroups(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS]);
/* sys_sched.c */
long sys_getgroups(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS]);
long sys_getpgid(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS]);
long sys_getpgrp(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS]);
long sys_setsid(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS]);
long sys_setpgid(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS]);
long sys_getresuid(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS]);
long sys_setreuid(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS]);
long sys_setresuid(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS]);
long sys_getpriority(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS]);
long sys_setpriority(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS]);
long sys_sched_get_priority_max(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS]);
long sys_sched_get_priority_min(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS]);
long sys_sched_getscheduler(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS]);
long sys_sched_getparam(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS]);
long sys_sched_setscheduler(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS]);
long sys_sched_setparam(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS]);
long sys_sched_setaffinity(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS]);
long sys_set_robust_list(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS]);
long sys_get_robust_list(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS]);
long sys_times(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS]);
long sys_getcpu(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS]);
long sys_sync(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS]);
long sys_set_tid_address(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS]);
long sys_uname(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS]);
long sys_sysinfo(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS]);
long sys_getrlimit(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS]);
long sys_prlimit64(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS]);
long sys_setrlimit(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS]);
long sys_getrusage(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS]);
long sys_sched_getaffinity(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS]);
long sys_clock_gettime(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS]);
long sys_clock_getres(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS]);
long sys_gettimeofday(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS]);
long sys_time(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS]);
long sys_nanosleep(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS]);
long sys_clock_nanosleep(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS]);
long sys_getrandom(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS]);

#endif
