/*
 * The system call table: Linux x86_64 numbers, names, handlers and what
 * each argument is. The numbers are Linux's ABI; tests/unit/test_syscall.c
 * checks every one against the host's <asm/unistd_64.h>.
 *
 * Where Linux silently ignores unknown bits (open's flags, mmap's flags,
 * clone's flags, clock_nanosleep's flags), the argument is an INT here too:
 * refusing what Linux accepts would break applications.
 */
#include <carapace/syscall.h>

#include "syscall_impl.h"

#define A_INT      { .kind = SYSCALL_ARG_INT }
#define A_ADDR     { .kind = SYSCALL_ARG_ADDR }
#define A_FD       { .kind = SYSCALL_ARG_FD }
#define A_DIRFD    { .kind = SYSCALL_ARG_DIRFD }
#define A_PATH     { .kind = SYSCALL_ARG_STRING, .size = SYSCALL_PATH_MAX }
#define A_FLAGS(m) { .kind = SYSCALL_ARG_FLAGS, .mask = (m) }
#define A_WIDE_FLAGS(m) \
	{ .kind = SYSCALL_ARG_FLAGS, .attrs = SYSCALL_ATTR_WIDE, .mask = (m) }

/* A pointer of fixed size n; _OPT: NULL allowed. */
#define A_IN(n)      { .kind = SYSCALL_ARG_IN, .size = (n) }
#define A_OUT(n)     { .kind = SYSCALL_ARG_OUT, .size = (n) }
#define A_OUT_IN_PLACE(n) \
	{ .kind = SYSCALL_ARG_OUT, .attrs = SYSCALL_ATTR_IN_PLACE, .size = (n) }
#define A_IN_OPT(n) \
	{ .kind = SYSCALL_ARG_IN, .attrs = SYSCALL_ATTR_OPTIONAL, .size = (n) }
#define A_OUT_OPT(n) \
	{ .kind = SYSCALL_ARG_OUT, .attrs = SYSCALL_ATTR_OPTIONAL, .size = (n) }
/* A 64-bit offset the call reads and advances (sendfile's, copy_file_range's), or NULL. */
#define A_OFFSET_OPT A_OUT_OPT(8)

/* A pointer whose size in bytes is argument k. */
#define A_IN_SIZED(k) \
	{ .kind = SYSCALL_ARG_IN, .size_kind = SYSCALL_SIZE_ARG, .size_arg = (k) }
#define A_OUT_SIZED(k) \
	{ .kind = SYSCALL_ARG_OUT, .size_kind = SYSCALL_SIZE_ARG, .size_arg = (k) }
#define A_IN_OPT_SIZED(k) \
	{ .kind = SYSCALL_ARG_IN, .size_kind = SYSCALL_SIZE_ARG, \
	  .size_arg = (k), .attrs = SYSCALL_ATTR_OPTIONAL }

/* An array of argument k elements of n bytes, at most max of them. */
#define A_ARRAY(dir, k, n, max) \
	{ .kind = (dir), .size_kind = SYSCALL_SIZE_ARRAY, .size_arg = (k), \
	  .size = (n), .max_count = (max) }

/* select's fd_set for argument k descriptors, read and rewritten. */
#define A_FDSET(k) \
	{ .kind = SYSCALL_ARG_OUT, .size_kind = SYSCALL_SIZE_FDSET, \
	  .size_arg = (k), .max_count = LINUX_NOFILE, \
	  .attrs = SYSCALL_ATTR_OPTIONAL }

#define SYS(nr, call, fn, ...) \
	[nr] = { .name = #call, .handler = (fn), .args = { __VA_ARGS__ } }

#define STAT_AT_FLAGS \
	(LINUX_AT_SYMLINK_NOFOLLOW | LINUX_AT_NO_AUTOMOUNT | LINUX_AT_EMPTY_PATH)

static const struct syscall_desc syscall_table[SYSCALL_TABLE_SIZE] = {
	SYS(0, read, NULL, A_FD, A_OUT_SIZED(2), A_INT),
	SYS(1, write, NULL, A_FD, A_IN_SIZED(2), A_INT),
	SYS(2, open, NULL, A_PATH, A_INT, A_INT),
	SYS(3, close, NULL, A_FD),
	SYS(4, stat, NULL, A_PATH, A_OUT(LINUX_SIZEOF_STAT)),
	SYS(5, fstat, NULL, A_FD, A_OUT(LINUX_SIZEOF_STAT)),
	SYS(6, lstat, NULL, A_PATH, A_OUT(LINUX_SIZEOF_STAT)),
	SYS(7, poll, NULL,
	    A_ARRAY(SYSCALL_ARG_OUT, 1, LINUX_SIZEOF_POLLFD, LINUX_NOFILE),
	    A_INT, A_INT),
	SYS(8, lseek, NULL, A_FD, A_INT, A_INT),
	/* addr is a hint, fd is ignored (often -1) with MAP_ANONYMOUS. */
	SYS(9, mmap, NULL, A_ADDR, A_INT, A_INT, A_INT, A_INT, A_INT),
	SYS(10, mprotect, NULL, A_ADDR, A_INT,
	    A_FLAGS(LINUX_PROT_RWX | LINUX_PROT_SEM | LINUX_PROT_GROWSDOWN |
		    LINUX_PROT_GROWSUP)),
	SYS(11, munmap, NULL, A_ADDR, A_INT),
	SYS(12, brk, NULL, A_ADDR),
	/* The handlers check sigsetsize == 8 (-EINVAL). */
	SYS(13, rt_sigaction, NULL, A_INT, A_IN_OPT(LINUX_SIZEOF_SIGACTION),
	    A_OUT_OPT(LINUX_SIZEOF_SIGACTION), A_INT),
	SYS(14, rt_sigprocmask, NULL, A_INT, A_IN_OPT(LINUX_SIZEOF_SIGSET),
	    A_OUT_OPT(LINUX_SIZEOF_SIGSET), A_INT),
	/* arg's meaning depends on the request: the handler checks it. */
	SYS(16, ioctl, NULL, A_FD, A_INT, A_ADDR),
	SYS(17, pread64, NULL, A_FD, A_OUT_SIZED(2), A_INT, A_INT),
	SYS(18, pwrite64, NULL, A_FD, A_IN_SIZED(2), A_INT, A_INT),
	/* The iovecs' buffers are checked by the handler. */
	SYS(19, readv, NULL, A_FD,
	    A_ARRAY(SYSCALL_ARG_IN, 2, LINUX_SIZEOF_IOVEC, LINUX_UIO_MAXIOV),
	    A_INT),
	SYS(20, writev, NULL, A_FD,
	    A_ARRAY(SYSCALL_ARG_IN, 2, LINUX_SIZEOF_IOVEC, LINUX_UIO_MAXIOV),
	    A_INT),
	SYS(21, access, NULL, A_PATH, A_FLAGS(LINUX_ACCESS_MODES)),
	SYS(22, pipe, NULL, A_OUT_IN_PLACE(2 * sizeof(int32_t))),
	SYS(23, select, NULL, A_INT, A_FDSET(0), A_FDSET(0), A_FDSET(0),
	    A_OUT_OPT(LINUX_SIZEOF_TIMEVAL)),
	SYS(24, sched_yield, NULL),
	SYS(25, mremap, NULL, A_ADDR, A_INT, A_INT,
	    A_WIDE_FLAGS(LINUX_MREMAP_FLAGS), A_ADDR),
	/* The memory calls check their ranges and flags themselves (syscall/sys_memory.c). */
	SYS(26, msync, NULL, A_ADDR, A_INT, A_INT),
	SYS(28, madvise, NULL, A_ADDR, A_INT, A_INT),
	SYS(32, dup, NULL, A_FD),
	SYS(33, dup2, NULL, A_FD, A_FD),
	SYS(34, pause, NULL),
	SYS(35, nanosleep, sys_nanosleep, A_IN(LINUX_SIZEOF_TIMESPEC),
	    A_OUT_OPT(LINUX_SIZEOF_TIMESPEC)),
	SYS(36, getitimer, NULL, A_INT, A_OUT(LINUX_SIZEOF_ITIMERVAL)),
	SYS(37, alarm, NULL, A_INT),
	SYS(38, setitimer, NULL, A_INT, A_IN_OPT(LINUX_SIZEOF_ITIMERVAL),
	    A_OUT_OPT(LINUX_SIZEOF_ITIMERVAL)),
	SYS(39, getpid, sys_getpid),
	SYS(40, sendfile, NULL, A_FD, A_FD, A_OFFSET_OPT, A_INT),
	/*
	 * Sockets (syscall/sys_net.c): addresses and option values come with
	 * a length the handler checks first (Linux: a bad length is EINVAL
	 * before a bad pointer is EFAULT), so they are plain addresses here.
	 */
	SYS(41, socket, NULL, A_INT, A_INT, A_INT),
	SYS(42, connect, NULL, A_FD, A_ADDR, A_INT),
	SYS(43, accept, NULL, A_FD, A_ADDR, A_ADDR),
	SYS(44, sendto, NULL, A_FD, A_IN_SIZED(2), A_INT, A_INT, A_ADDR, A_INT),
	SYS(45, recvfrom, NULL, A_FD, A_OUT_SIZED(2), A_INT, A_INT, A_ADDR, A_ADDR),
	SYS(46, sendmsg, NULL, A_FD, A_ADDR, A_INT),
	SYS(47, recvmsg, NULL, A_FD, A_ADDR, A_INT),
	SYS(48, shutdown, NULL, A_FD, A_INT),
	SYS(49, bind, NULL, A_FD, A_ADDR, A_INT),
	SYS(50, listen, NULL, A_FD, A_INT),
	SYS(51, getsockname, NULL, A_FD, A_ADDR, A_ADDR),
	SYS(52, getpeername, NULL, A_FD, A_ADDR, A_ADDR),
	SYS(53, socketpair, NULL, A_INT, A_INT, A_INT, A_OUT_IN_PLACE(2 * sizeof(int32_t))),
	SYS(54, setsockopt, NULL, A_FD, A_INT, A_INT, A_ADDR, A_INT),
	SYS(55, getsockopt, NULL, A_FD, A_INT, A_INT, A_ADDR, A_ADDR),
	/* parent_tid, child_tid and tls matter only with some flags. */
	SYS(56, clone, NULL, A_INT, A_ADDR, A_ADDR, A_ADDR, A_INT),
	SYS(60, exit, NULL, A_INT),
	SYS(62, kill, NULL, A_INT, A_INT),
	SYS(63, uname, sys_uname, A_OUT(LINUX_SIZEOF_UTSNAME)),
	SYS(72, fcntl, NULL, A_FD, A_INT, A_INT),
	SYS(73, flock, NULL, A_FD, A_INT),
	SYS(74, fsync, NULL, A_FD),
	SYS(75, fdatasync, NULL, A_FD),
	SYS(76, truncate, NULL, A_PATH, A_INT),
	SYS(77, ftruncate, NULL, A_FD, A_INT),
	SYS(79, getcwd, NULL, A_OUT_SIZED(1), A_INT),
	SYS(80, chdir, NULL, A_PATH),
	SYS(81, fchdir, NULL, A_FD),
	SYS(82, rename, NULL, A_PATH, A_PATH),
	SYS(83, mkdir, NULL, A_PATH, A_INT),
	SYS(84, rmdir, NULL, A_PATH),
	SYS(86, link, NULL, A_PATH, A_PATH),
	SYS(87, unlink, NULL, A_PATH),
	SYS(88, symlink, NULL, A_PATH, A_PATH),
	SYS(89, readlink, NULL, A_PATH, A_OUT_SIZED(2), A_INT),
	SYS(90, chmod, NULL, A_PATH, A_INT),
	SYS(91, fchmod, NULL, A_FD, A_INT),
	SYS(92, chown, NULL, A_PATH, A_INT, A_INT),
	SYS(93, fchown, NULL, A_FD, A_INT, A_INT),
	SYS(94, lchown, NULL, A_PATH, A_INT, A_INT),
	SYS(95, umask, NULL, A_INT),
	SYS(96, gettimeofday, sys_gettimeofday, A_OUT_OPT(LINUX_SIZEOF_TIMEVAL),
	    A_OUT_OPT(LINUX_SIZEOF_TIMEZONE)),
	SYS(97, getrlimit, sys_getrlimit, A_INT, A_OUT(LINUX_SIZEOF_RLIMIT)),
	SYS(98, getrusage, sys_getrusage, A_INT, A_OUT(LINUX_SIZEOF_RUSAGE)),
	SYS(99, sysinfo, sys_sysinfo, A_OUT(LINUX_SIZEOF_SYSINFO)),
	SYS(100, times, sys_times, A_OUT_OPT(4 * sizeof(int64_t))),
	SYS(102, getuid, sys_getuid),
	SYS(104, getgid, sys_getuid),
	SYS(105, setuid, sys_setuid, A_INT),
	SYS(106, setgid, sys_setuid, A_INT),
	SYS(107, geteuid, sys_getuid),
	SYS(108, getegid, sys_getuid),
	SYS(109, setpgid, sys_setpgid, A_INT, A_INT),
	SYS(110, getppid, sys_getppid),
	SYS(111, getpgrp, sys_getpgrp),
	SYS(112, setsid, sys_setsid),
	SYS(113, setreuid, sys_setreuid, A_INT, A_INT),
	SYS(114, setregid, sys_setreuid, A_INT, A_INT),
	SYS(115, getgroups, sys_getgroups, A_INT, A_ADDR),
	SYS(116, setgroups, sys_setgroups, A_INT, A_ADDR),
	SYS(117, setresuid, sys_setresuid, A_INT, A_INT, A_INT),
	SYS(118, getresuid, sys_getresuid, A_OUT(sizeof(uint32_t)), A_OUT(sizeof(uint32_t)),
	    A_OUT(sizeof(uint32_t))),
	SYS(119, setresgid, sys_setresuid, A_INT, A_INT, A_INT),
	SYS(120, getresgid, sys_getresuid, A_OUT(sizeof(uint32_t)), A_OUT(sizeof(uint32_t)),
	    A_OUT(sizeof(uint32_t))),
	SYS(121, getpgid, sys_getpgid, A_INT),
	SYS(124, getsid, sys_getpgid, A_INT),
	SYS(127, rt_sigpending, NULL, A_OUT(LINUX_SIZEOF_SIGSET), A_INT),
	/* The handler checks sigsetsize == 8 and the timeout (-EINVAL). */
	SYS(128, rt_sigtimedwait, NULL, A_IN(LINUX_SIZEOF_SIGSET), A_OUT_OPT(LINUX_SIZEOF_SIGINFO),
	    A_IN_OPT(LINUX_SIZEOF_TIMESPEC), A_INT),
	SYS(130, rt_sigsuspend, NULL, A_IN(LINUX_SIZEOF_SIGSET), A_INT),
	SYS(131, sigaltstack, NULL, A_IN_OPT(LINUX_SIZEOF_STACK_T),
	    A_OUT_OPT(LINUX_SIZEOF_STACK_T)),
	SYS(140, getpriority, sys_getpriority, A_INT, A_INT),
	SYS(141, setpriority, sys_setpriority, A_INT, A_INT, A_INT),
	SYS(142, sched_setparam, sys_sched_setparam, A_INT, A_IN(sizeof(int32_t))),
	SYS(143, sched_getparam, sys_sched_getparam, A_INT, A_OUT(sizeof(int32_t))),
	SYS(144, sched_setscheduler, sys_sched_setscheduler, A_INT, A_INT,
	    A_IN(sizeof(int32_t))),
	SYS(145, sched_getscheduler, sys_sched_getscheduler, A_INT),
	SYS(146, sched_get_priority_max, sys_sched_get_priority_max, A_INT),
	SYS(147, sched_get_priority_min, sys_sched_get_priority_min, A_INT),
	SYS(149, mlock, NULL, A_ADDR, A_INT),
	SYS(150, munlock, NULL, A_ADDR, A_INT),
	SYS(151, mlockall, NULL, A_INT),
	SYS(152, munlockall, NULL),
	/* The arguments' meaning depends on the option: the handler checks them. */
	SYS(157, prctl, NULL, A_INT, A_INT, A_INT, A_INT, A_INT),
	/* addr is a value or a pointer, depending on code. */
	SYS(158, arch_prctl, NULL, A_INT, A_ADDR),
	SYS(160, setrlimit, sys_setrlimit, A_INT, A_IN(LINUX_SIZEOF_RLIMIT)),
	SYS(162, sync, sys_sync),
	SYS(186, gettid, sys_gettid),
	SYS(200, tkill, NULL, A_INT, A_INT),
	SYS(201, time, sys_time, A_OUT_OPT(sizeof(int64_t))),
	/*
	 * Linux touches uaddr only for some operations (FUTEX_WAKE never reads
	 * it), and arg 3 is a timeout pointer or a number: the handler checks.
	 */
	SYS(202, futex, NULL, A_ADDR, A_INT, A_INT, A_ADDR, A_ADDR, A_INT),
	SYS(203, sched_setaffinity, sys_sched_setaffinity, A_INT, A_INT, A_IN_SIZED(1)),
	SYS(204, sched_getaffinity, sys_sched_getaffinity, A_INT, A_INT,
	    A_OUT_SIZED(1)),
	SYS(213, epoll_create, NULL, A_INT),
	SYS(217, getdents64, NULL, A_FD, A_OUT_SIZED(2), A_INT),
	/* Stored, not dereferenced until the thread exits. */
	SYS(218, set_tid_address, sys_set_tid_address, A_ADDR),
	SYS(221, fadvise64, NULL, A_FD, A_INT, A_INT, A_INT),
	/* POSIX timers: the id is an int (Linux's timer_t). */
	SYS(222, timer_create, NULL, A_INT, A_IN_OPT(LINUX_SIZEOF_SIGEVENT), A_OUT(sizeof(int32_t))),
	SYS(223, timer_settime, NULL, A_INT, A_INT, A_IN(LINUX_SIZEOF_ITIMERSPEC),
	    A_OUT_OPT(LINUX_SIZEOF_ITIMERSPEC)),
	SYS(224, timer_gettime, NULL, A_INT, A_OUT(LINUX_SIZEOF_ITIMERSPEC)),
	SYS(225, timer_getoverrun, NULL, A_INT),
	SYS(226, timer_delete, NULL, A_INT),
	SYS(228, clock_gettime, sys_clock_gettime, A_INT,
	    A_OUT(LINUX_SIZEOF_TIMESPEC)),
	SYS(229, clock_getres, sys_clock_getres, A_INT,
	    A_OUT_OPT(LINUX_SIZEOF_TIMESPEC)),
	SYS(230, clock_nanosleep, sys_clock_nanosleep, A_INT, A_INT,
	    A_IN(LINUX_SIZEOF_TIMESPEC), A_OUT_OPT(LINUX_SIZEOF_TIMESPEC)),
	SYS(231, exit_group, NULL, A_INT),
	/* maxevents bounds the array: the handler checks it (EINVAL first). */
	SYS(232, epoll_wait, NULL, A_FD, A_ADDR, A_INT, A_INT),
	/* The event may be NULL for EPOLL_CTL_DEL: the handler checks. */
	SYS(233, epoll_ctl, NULL, A_FD, A_INT, A_FD, A_IN_OPT(LINUX_SIZEOF_EPOLL_EVENT)),
	SYS(234, tgkill, NULL, A_INT, A_INT, A_INT),
	SYS(257, openat, NULL, A_DIRFD, A_PATH, A_INT, A_INT),
	SYS(258, mkdirat, NULL, A_DIRFD, A_PATH, A_INT),
	SYS(260, fchownat, NULL, A_DIRFD, A_PATH, A_INT, A_INT,
	    A_FLAGS(LINUX_AT_SYMLINK_NOFOLLOW | LINUX_AT_EMPTY_PATH)),
	SYS(262, newfstatat, NULL, A_DIRFD, A_PATH, A_OUT(LINUX_SIZEOF_STAT),
	    A_FLAGS(STAT_AT_FLAGS)),
	SYS(263, unlinkat, NULL, A_DIRFD, A_PATH, A_FLAGS(LINUX_AT_REMOVEDIR)),
	SYS(264, renameat, NULL, A_DIRFD, A_PATH, A_DIRFD, A_PATH),
	SYS(265, linkat, NULL, A_DIRFD, A_PATH, A_DIRFD, A_PATH,
	    A_FLAGS(LINUX_AT_SYMLINK_FOLLOW | LINUX_AT_EMPTY_PATH)),
	SYS(266, symlinkat, NULL, A_PATH, A_DIRFD, A_PATH),
	SYS(267, readlinkat, NULL, A_DIRFD, A_PATH, A_OUT_SIZED(3), A_INT),
	SYS(268, fchmodat, NULL, A_DIRFD, A_PATH, A_INT),
	SYS(269, faccessat, NULL, A_DIRFD, A_PATH, A_FLAGS(LINUX_ACCESS_MODES)),
	SYS(270, pselect6, NULL, A_INT, A_FDSET(0), A_FDSET(0), A_FDSET(0),
	    A_OUT_OPT(LINUX_SIZEOF_TIMESPEC), A_IN_OPT(LINUX_SIZEOF_SIGSET_ARG)),
	SYS(271, ppoll, NULL,
	    A_ARRAY(SYSCALL_ARG_OUT, 1, LINUX_SIZEOF_POLLFD, LINUX_NOFILE),
	    A_INT, A_OUT_OPT(LINUX_SIZEOF_TIMESPEC), A_IN_OPT_SIZED(4), A_INT),
	SYS(273, set_robust_list, sys_set_robust_list, A_ADDR, A_INT),
	SYS(274, get_robust_list, sys_get_robust_list, A_INT, A_OUT(sizeof(uint64_t)),
	    A_OUT(sizeof(uint64_t))),
	/* A NULL path names dirfd's file (futimens); times NULL: now. */
	SYS(280, utimensat, NULL, A_DIRFD,
	    { .kind = SYSCALL_ARG_STRING, .size = SYSCALL_PATH_MAX, .attrs = SYSCALL_ATTR_OPTIONAL },
	    A_IN_OPT(2 * LINUX_SIZEOF_TIMESPEC), A_FLAGS(LINUX_AT_SYMLINK_NOFOLLOW)),
	SYS(281, epoll_pwait, NULL, A_FD, A_ADDR, A_INT, A_INT,
	    A_IN_OPT(LINUX_SIZEOF_SIGSET), A_INT),
	/* fd -1 makes one; the handlers check sizemask == 8 (-EINVAL). */
	SYS(282, signalfd, NULL, A_INT, A_IN(LINUX_SIZEOF_SIGSET), A_INT),
	SYS(283, timerfd_create, NULL, A_INT,
	    A_FLAGS(LINUX_O_CLOEXEC | LINUX_O_NONBLOCK)),
	SYS(285, fallocate, NULL, A_FD, A_INT, A_INT, A_INT),
	SYS(286, timerfd_settime, NULL, A_FD, A_INT, A_IN(LINUX_SIZEOF_ITIMERSPEC),
	    A_OUT_OPT(LINUX_SIZEOF_ITIMERSPEC)),
	SYS(287, timerfd_gettime, NULL, A_FD, A_OUT(LINUX_SIZEOF_ITIMERSPEC)),
	SYS(288, accept4, NULL, A_FD, A_ADDR, A_ADDR, A_INT),
	SYS(290, eventfd2, NULL, A_INT,
	    A_FLAGS(LINUX_O_CLOEXEC | LINUX_O_NONBLOCK | LINUX_EFD_SEMAPHORE)),
	SYS(289, signalfd4, NULL, A_INT, A_IN(LINUX_SIZEOF_SIGSET), A_INT,
	    A_FLAGS(LINUX_O_CLOEXEC | LINUX_O_NONBLOCK)),
	SYS(291, epoll_create1, NULL, A_FLAGS(LINUX_O_CLOEXEC)),
	SYS(292, dup3, NULL, A_FD, A_FD, A_FLAGS(LINUX_O_CLOEXEC)),
	SYS(293, pipe2, NULL, A_OUT_IN_PLACE(2 * sizeof(int32_t)),
	    A_FLAGS(LINUX_O_CLOEXEC | LINUX_O_NONBLOCK | LINUX_O_DIRECT |
		    LINUX_O_EXCL)),
	SYS(295, preadv, NULL, A_FD,
	    A_ARRAY(SYSCALL_ARG_IN, 2, LINUX_SIZEOF_IOVEC, LINUX_UIO_MAXIOV),
	    A_INT, A_INT, A_INT),
	SYS(296, pwritev, NULL, A_FD,
	    A_ARRAY(SYSCALL_ARG_IN, 2, LINUX_SIZEOF_IOVEC, LINUX_UIO_MAXIOV),
	    A_INT, A_INT, A_INT),
	SYS(299, recvmmsg, NULL, A_FD, A_ADDR, A_INT, A_INT, A_ADDR),
	SYS(302, prlimit64, sys_prlimit64, A_INT, A_INT,
	    A_IN_OPT(LINUX_SIZEOF_RLIMIT), A_OUT_OPT(LINUX_SIZEOF_RLIMIT)),
	SYS(306, syncfs, NULL, A_FD),
	SYS(307, sendmmsg, NULL, A_FD, A_ADDR, A_INT, A_INT),
	SYS(309, getcpu, sys_getcpu, A_OUT_OPT(sizeof(uint32_t)), A_OUT_OPT(sizeof(uint32_t)), A_ADDR),
	SYS(318, getrandom, sys_getrandom, A_OUT_SIZED(1), A_INT,
	    A_FLAGS(LINUX_GRND_NONBLOCK | LINUX_GRND_RANDOM |
		    LINUX_GRND_INSECURE)),
	SYS(319, memfd_create, NULL, A_PATH, A_INT),
	/* cmd, flags, cpu_id (the handler checks cmd and flags). */
	SYS(324, membarrier, NULL, A_INT, A_INT, A_INT),
	SYS(325, mlock2, NULL, A_ADDR, A_INT, A_INT),
	SYS(326, copy_file_range, NULL, A_FD, A_OFFSET_OPT, A_FD, A_OFFSET_OPT, A_INT, A_INT),
	SYS(332, statx, NULL, A_DIRFD, A_PATH,
	    A_FLAGS(STAT_AT_FLAGS | LINUX_AT_STATX_SYNC_TYPE),
	    A_FLAGS(~LINUX_STATX_RESERVED & UINT32_MAX),
	    A_OUT(LINUX_SIZEOF_STATX)),
	SYS(439, faccessat2, NULL, A_DIRFD, A_PATH, A_FLAGS(LINUX_ACCESS_MODES),
	    A_FLAGS(LINUX_AT_EACCESS | LINUX_AT_SYMLINK_NOFOLLOW | LINUX_AT_EMPTY_PATH)),
	/* Carapace's own datagram API (<carapace/dgram.h>): fd, the array,
	 * its count, flags; sys_net.c checks the array and every buffer. */
	SYS(SYSCALL_NR_CARAPACE_DGRAM_RECV, carapace_dgram_recv, NULL, A_FD, A_ADDR, A_INT, A_INT),
	SYS(SYSCALL_NR_CARAPACE_DGRAM_SEND, carapace_dgram_send, NULL, A_FD, A_ADDR, A_INT, A_INT),
	/* The stream API (<carapace/stream.h>): the array, its count, flags;
	 * sys_net.c checks the array and every buffer. */
	SYS(SYSCALL_NR_CARAPACE_STREAM_RECV, carapace_stream_recv, NULL, A_ADDR, A_INT, A_INT),
	SYS(SYSCALL_NR_CARAPACE_STREAM_SEND, carapace_stream_send, NULL, A_ADDR, A_INT, A_INT),
};

const struct syscall_desc *syscall_lookup(long nr)
{
	if (nr < 0 || nr >= SYSCALL_TABLE_SIZE || !syscall_table[nr].name)
		return NULL;
	return &syscall_table[nr];
}
