/*
 * In-kernel tests of the kernel's system call handlers (sys_files.c,
 * sys_memory.c, sys_signal.c), each call made with a real SYSCALL
 * instruction as musl makes it: test=sys-files, test=sys-memory,
 * test=sys-process and test=abort (which ends in the abort report).
 * Buffers the kernel writes are on the test's stack: the kernel's own
 * data is refused as a syscall destination.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <carapace/clock.h>
#include <carapace/console.h>
#include <carapace/ktests.h>
#include <carapace/memory.h>
#include <carapace/thread.h>
#include <carapace/vfs.h>

#include <carapace/layout.h>
#include <carapace/mmu.h>
#include "sys_kernel.h"

enum {
	SYS_read = 0, SYS_write = 1, SYS_open = 2, SYS_close = 3, SYS_stat = 4, SYS_fstat = 5,
	SYS_lseek = 8, SYS_mmap = 9, SYS_mprotect = 10, SYS_munmap = 11, SYS_brk = 12,
	SYS_rt_sigaction = 13, SYS_rt_sigprocmask = 14, SYS_ioctl = 16, SYS_pread64 = 17, SYS_pwrite64 = 18,
	SYS_writev = 20, SYS_sched_yield = 24, SYS_dup = 32, SYS_dup2 = 33, SYS_nanosleep = 35,
	SYS_sendto = 44, SYS_recvmsg = 47, SYS_socketpair = 53,
	SYS_kill = 62, SYS_fcntl = 72, SYS_getcwd = 79, SYS_chdir = 80, SYS_rename = 82,
	SYS_mkdir = 83, SYS_rmdir = 84, SYS_unlink = 87, SYS_sigaltstack = 131,
	SYS_arch_prctl = 158, SYS_gettid = 186, SYS_getdents64 = 217, SYS_clock_nanosleep = 230,
	SYS_tgkill = 234, SYS_openat = 257, SYS_newfstatat = 262,
};

#define PROT_READ  0x1
#define PROT_WRITE 0x2
#define PROT_EXEC  0x4
#define MAP_PRIVATE_ANON 0x22
#define MAP_FIXED_FLAG   0x10
#define SIGABRT 6
#define SIGUSR1 10
#define SIGKILL 9
#define SIGCHLD 17

static int failed;

static long sc(long nr, long a0, long a1, long a2, long a3, long a4, long a5)
{
	return sys_raw_syscall(nr, a0, a1, a2, a3, a4, a5);
}

/* One finding: prints it and counts it when wrong. */
static void expect(const char *test, const char *what, long got, bool ok)
{
	kprintf("%s: %-44s -> %ld %s\n", test, what, got, ok ? "ok" : "WRONG");
	failed += !ok;
}

/* A call's result against the one it must be. */
static void expect_rc(const char *test, const char *what, long got, long want)
{
	expect(test, what, got, got == want);
}

static int summary(const char *test)
{
	kprintf("%s: %d wrong\n", test, failed);
	return failed != 0;
}

static bool all_zero(const volatile uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

/* ---- test=sys-files ---- */

static bool dents_have(const char *buf, long n, const char *name)
{
	for (long off = 0; off < n;) {
		const struct linux_dirent64 *d = (const struct linux_dirent64 *)(buf + off);

		if (strcmp(d->d_name, name) == 0)
			return true;
		off += d->d_reclen;
	}
	return false;
}

static void files_io(const char *T)
{
	char buf[64];
	struct linux_stat st;
	long fd, fd2, n;

	expect_rc(T, "mkdir /tmp/d", sc(SYS_mkdir, (long)"/tmp/d", 0755, 0, 0, 0, 0), 0);
	fd = sc(SYS_open, (long)"/tmp/d/f", VFS_O_CREAT | VFS_O_RDWR, 0644, 0, 0, 0);
	expect(T, "open /tmp/d/f O_CREAT|O_RDWR", fd, fd >= 3);
	expect_rc(T, "write 13 bytes", sc(SYS_write, fd, (long)"hello, files\n", 13, 0, 0, 0), 13);
	expect_rc(T, "lseek to 0", sc(SYS_lseek, fd, 0, VFS_SEEK_SET, 0, 0, 0), 0);
	memset(buf, 0, sizeof(buf));
	n = sc(SYS_read, fd, (long)buf, sizeof(buf), 0, 0, 0);
	expect(T, "read back", n, n == 13 && memcmp(buf, "hello, files\n", 13) == 0);
	n = sc(SYS_pread64, fd, (long)buf, 5, 7, 0, 0);
	expect(T, "pread64 5 bytes at 7", n, n == 5 && memcmp(buf, "files", 5) == 0);
	n = sc(SYS_fstat, fd, (long)&st, 0, 0, 0, 0);
	expect(T, "fstat: regular, 13 bytes", n, n == 0 && st.st_size == 13 && VFS_S_ISREG(st.st_mode));
	n = sc(SYS_newfstatat, fd, (long)"", (long)&st, LINUX_AT_EMPTY_PATH, 0, 0);
	expect(T, "newfstatat(fd, \"\", AT_EMPTY_PATH)", n, n == 0 && st.st_size == 13);
	fd2 = sc(SYS_dup, fd, 0, 0, 0, 0, 0);
	expect(T, "dup", fd2, fd2 > fd);
	expect(T, "close the dup", sc(SYS_close, fd2, 0, 0, 0, 0, 0), sc(SYS_fstat, fd2, (long)&st, 0, 0, 0, 0) == -EBADF);
	expect(T, "dup2 onto 40", sc(SYS_dup2, fd, 40, 0, 0, 0, 0) == 40, sc(SYS_close, 40, 0, 0, 0, 0, 0) == 0);
	sc(SYS_fcntl, fd, 2 /* F_SETFD */, 1, 0, 0, 0);
	expect_rc(T, "fcntl F_SETFD/F_GETFD close-on-exec", sc(SYS_fcntl, fd, 1, 0, 0, 0, 0), 1);
	n = sc(SYS_fcntl, fd, 0 /* F_DUPFD */, 20, 0, 0, 0);
	expect(T, "fcntl F_DUPFD from 20", n, n == 20 && sc(SYS_close, 20, 0, 0, 0, 0, 0) == 0);
	expect_rc(T, "close", sc(SYS_close, fd, 0, 0, 0, 0, 0), 0);
	expect_rc(T, "close again: EBADF", sc(SYS_close, fd, 0, 0, 0, 0, 0), -EBADF);
}

static void files_names(const char *T)
{
	char dents[512], cwd[64];
	struct linux_stat st;
	long dfd, n, rc;

	expect_rc(T, "rename f to g", sc(SYS_rename, (long)"/tmp/d/f", (long)"/tmp/d/g", 0, 0, 0, 0), 0);
	expect_rc(T, "stat f: ENOENT", sc(SYS_stat, (long)"/tmp/d/f", (long)&st, 0, 0, 0, 0), -ENOENT);
	expect(T, "stat g", sc(SYS_stat, (long)"/tmp/d/g", (long)&st, 0, 0, 0, 0), st.st_size == 13);
	dfd = sc(SYS_openat, LINUX_AT_FDCWD, (long)"/tmp/d", VFS_O_RDONLY | VFS_O_DIRECTORY, 0, 0, 0);
	expect(T, "openat /tmp/d O_DIRECTORY", dfd, dfd >= 3);
	n = sc(SYS_getdents64, dfd, (long)dents, sizeof(dents), 0, 0, 0);
	expect(T, "getdents64 lists g", n, n > 0 && dents_have(dents, n, "g"));
	expect_rc(T, "read a directory: EISDIR", sc(SYS_read, dfd, (long)dents, 8, 0, 0, 0), -EISDIR);
	n = sc(SYS_openat, dfd, (long)"g", VFS_O_RDONLY, 0, 0, 0);
	expect(T, "openat(dirfd, relative) opens /tmp/d/g", n, n >= 3);
	st.st_size = 0;
	rc = sc(SYS_fstat, n, (long)&st, 0, 0, 0, 0);
	expect(T, "fstat of it: g's 13 bytes", rc, rc == 0 && st.st_size == 13);
	sc(SYS_close, n, 0, 0, 0, 0, 0);
	sc(SYS_close, dfd, 0, 0, 0, 0, 0);
	expect_rc(T, "rmdir a full directory: ENOTEMPTY", sc(SYS_rmdir, (long)"/tmp/d", 0, 0, 0, 0, 0), -ENOTEMPTY);
	expect_rc(T, "unlink g", sc(SYS_unlink, (long)"/tmp/d/g", 0, 0, 0, 0, 0), 0);
	expect_rc(T, "rmdir /tmp/d", sc(SYS_rmdir, (long)"/tmp/d", 0, 0, 0, 0, 0), 0);
	expect_rc(T, "chdir /tmp", sc(SYS_chdir, (long)"/tmp", 0, 0, 0, 0, 0), 0);
	n = sc(SYS_getcwd, (long)cwd, sizeof(cwd), 0, 0, 0, 0);
	expect(T, "getcwd is /tmp", n, n == 5 && strcmp(cwd, "/tmp") == 0);
	n = sc(SYS_open, (long)"rel", VFS_O_CREAT | VFS_O_WRONLY, 0644, 0, 0, 0);
	expect(T, "open a relative path", n, n >= 3 && sc(SYS_close, n, 0, 0, 0, 0, 0) == 0);
	expect_rc(T, "it is /tmp/rel", sc(SYS_stat, (long)"/tmp/rel", (long)&st, 0, 0, 0, 0), 0);
	expect_rc(T, "unlink rel", sc(SYS_unlink, (long)"rel", 0, 0, 0, 0, 0), 0);
	expect_rc(T, "chdir ..", sc(SYS_chdir, (long)"..", 0, 0, 0, 0, 0), 0);
	n = sc(SYS_getcwd, (long)cwd, sizeof(cwd), 0, 0, 0, 0);
	expect(T, "getcwd is /", n, n == 2 && strcmp(cwd, "/") == 0);
}

static void files_errors(const char *T)
{
	char buf[16];
	uint64_t iov[4];
	static const char part1[] = "sys-files: writev to fd 1 ";
	static const char part2[] = "prints this line\n";

	iov[0] = (uint64_t)part1;
	iov[1] = sizeof(part1) - 1;
	iov[2] = (uint64_t)part2;
	iov[3] = sizeof(part2) - 1;
	expect_rc(T, "writev to fd 1", sc(SYS_writev, 1, (long)iov, 2, 0, 0, 0),
		  sizeof(part1) + sizeof(part2) - 2);
	iov[2] = 16; /* page 0 */
	expect_rc(T, "writev with a bad buffer: EFAULT", sc(SYS_writev, 1, (long)iov, 2, 0, 0, 0), -EFAULT);
	iov[2] = (uint64_t)part2;
	iov[3] = 0x7fffffffffffffffull;
	expect_rc(T, "writev whose lengths overflow: EINVAL", sc(SYS_writev, 1, (long)iov, 2, 0, 0, 0), -EINVAL);
	expect_rc(T, "open a missing file: ENOENT",
	       sc(SYS_open, (long)"/tmp/nope", VFS_O_RDONLY, 0, 0, 0, 0), -ENOENT);
	expect_rc(T, "read fd 77: EBADF", sc(SYS_read, 77, (long)buf, 4, 0, 0, 0), -EBADF);
	expect_rc(T, "open /tmp for writing: EISDIR",
	       sc(SYS_open, (long)"/tmp", VFS_O_WRONLY, 0, 0, 0, 0), -EISDIR);
	expect_rc(T, "read into page 0: EFAULT", sc(SYS_read, 0, 16, 4, 0, 0, 0), -EFAULT);
	expect_rc(T, "ioctl(1, TIOCGWINSZ): ENOTTY", sc(SYS_ioctl, 1, 0x5413, (long)buf, 0, 0, 0), -ENOTTY);
	expect_rc(T, "ioctl(1, FIONBIO)", sc(SYS_ioctl, 1, 0x5421, (long)buf, 0, 0, 0), 0);
}

static int ktest_sys_files(void)
{
	failed = 0;
	files_io("sys-files");
	files_names("sys-files");
	files_errors("sys-files");
	return summary("sys-files");
}
KTEST("sys-files", ktest_sys_files);

/* ---- test=sys-memory ---- */

static bool pte_of(long va, uint64_t *pte)
{
	return mmu_lookup(mmu_root(), (uint64_t)va, pte, NULL);
}

static long map_anon(long addr, long len, long prot, long flags)
{
	return sc(SYS_mmap, addr, len, prot, MAP_PRIVATE_ANON | flags, -1, 0);
}

static void memory_mmap(const char *T)
{
	long p, q;
	uint64_t pte = 0;

	p = map_anon(0, 8192, PROT_READ | PROT_WRITE, 0);
	expect(T, "mmap anon RW in the application area", p,
	       p >= (long)APP_MMAP_BASE && p < (long)APP_MMAP_LIMIT);
	if (p < 0)
		return;
	expect(T, "zero-filled", 0, all_zero((uint8_t *)p, 8192));
	memset((void *)p, 0xa5, 8192);
	expect(T, "writable, NX", 0, pte_of(p, &pte) && (pte & PTE_W) && (pte & PTE_NX));
	expect_rc(T, "mprotect RW -> R", sc(SYS_mprotect, p, 8192, PROT_READ, 0, 0, 0), 0);
	expect(T, "mmu: read-only now", 0, pte_of(p + 4096, &pte) && !(pte & PTE_W));
	expect_rc(T, "mprotect RW|EXEC: EACCES",
	       sc(SYS_mprotect, p, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, 0, 0, 0), -EACCES);
	q = map_anon(p + 4096, 4096, PROT_READ | PROT_WRITE, MAP_FIXED_FLAG);
	expect(T, "MAP_FIXED over the second page", q, q == p + 4096);
	expect(T, "replaced by a zeroed page", 0,
	       all_zero((uint8_t *)q, 4096) && ((uint8_t *)p)[0] == 0xa5);
	expect_rc(T, "munmap", sc(SYS_munmap, p, 8192, 0, 0, 0, 0), 0);
	expect(T, "mmu: gone", 0, !pte_of(p, &pte) && !pte_of(p + 4096, &pte));
	expect_rc(T, "mmap RW|EXEC: EACCES",
	       map_anon(0, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, 0), -EACCES);
	q = map_anon(0, 4096, 0, 0);
	expect(T, "mmap PROT_NONE: mapped but not present", q, q > 0 && !pte_of(q, &pte));
	expect(T, "mprotect it RW: present and zero", sc(SYS_mprotect, q, 4096, PROT_READ | PROT_WRITE, 0, 0, 0),
	       pte_of(q, &pte) && (pte & PTE_W) && all_zero((uint8_t *)q, 4096));
	expect_rc(T, "mprotect of unmapped memory: ENOMEM",
	       sc(SYS_mprotect, q + 4096, 4096, PROT_READ, 0, 0, 0), -ENOMEM);
	sc(SYS_munmap, q, 4096, 0, 0, 0, 0);
	expect_rc(T, "mmap of length 0: EINVAL", map_anon(0, 0, PROT_READ, 0), -EINVAL);
}

/*
 * A buffer of several pages is checked page by page (the leaf table's
 * entries in turn, mmu_present_run): a read-only or absent page after
 * the first one refuses the whole call before anything is copied.
 */
static void memory_ranges(const char *T)
{
	long p = map_anon(0, 4 * 4096, PROT_READ | PROT_WRITE, 0), fd;

	if (p < 0)
		return;
	fd = sc(SYS_open, (long)"/tmp/ranges", VFS_O_CREAT | VFS_O_RDWR, 0644, 0, 0, 0);
	sc(SYS_write, fd, (long)"twelve bytes", 12, 0, 0, 0);
	sc(SYS_mprotect, p + 2 * 4096, 4096, PROT_READ, 0, 0, 0);
	expect_rc(T, "read into 4 pages, the third read-only: EFAULT",
	       sc(SYS_pread64, fd, p, 4 * 4096, 0, 0, 0), -EFAULT);
	expect_rc(T, "read into the first two pages", sc(SYS_pread64, fd, p, 2 * 4096, 0, 0, 0), 12);
	expect_rc(T, "write from 4 pages, the third read-only",
	       sc(SYS_pwrite64, fd, p, 4 * 4096, 0, 0, 0), 4 * 4096);
	sc(SYS_mprotect, p + 3 * 4096, 4096, 0 /* PROT_NONE */, 0, 0, 0);
	expect_rc(T, "write from 4 pages, the fourth PROT_NONE: EFAULT",
	       sc(SYS_pwrite64, fd, p, 4 * 4096, 0, 0, 0), -EFAULT);
	expect_rc(T, "write from the first three", sc(SYS_pwrite64, fd, p, 3 * 4096, 0, 0, 0), 3 * 4096);
	sc(SYS_munmap, p + 4096, 4096, 0, 0, 0, 0);
	expect_rc(T, "read into 2 pages, the second unmapped: EFAULT",
	       sc(SYS_pread64, fd, p, 2 * 4096, 0, 0, 0), -EFAULT);
	sc(SYS_munmap, p, 4 * 4096, 0, 0, 0, 0);
	sc(SYS_close, fd, 0, 0, 0, 0, 0);
}

/*
 * recvmsg with its msghdr in a read-only page: EFAULT before a message is
 * taken (the msghdr is checked writable first), so the datagram is still
 * there for the next call (Linux would take it, then fail on msg_flags).
 */
static void memory_recvmsg(const char *T)
{
	long p = map_anon(0, 8192, PROT_READ | PROT_WRITE, 0);
	int32_t fds[2] = { -1, -1 };
	uint64_t *msg, *iov;
	char *buf;

	if (p < 0)
		return;
	expect_rc(T, "socketpair(AF_UNIX, SOCK_DGRAM)",
		  sc(SYS_socketpair, 1, 2, 0, (long)fds, 0, 0), 0);
	expect_rc(T, "send 3 bytes", sc(SYS_sendto, fds[1], (long)"abc", 3, 0, 0, 0), 3);
	msg = (uint64_t *)p;         /* struct msghdr: 56 bytes */
	iov = (uint64_t *)(p + 4096); /* one iovec, and the buffer, in a writable page */
	buf = (char *)(p + 4096 + 64);
	memset(msg, 0, 56);
	iov[0] = (uint64_t)buf;
	iov[1] = 16;
	msg[2] = (uint64_t)iov;      /* msg_iov */
	msg[3] = 1;                  /* msg_iovlen */
	sc(SYS_mprotect, p, 4096, PROT_READ, 0, 0, 0);
	expect_rc(T, "recvmsg, msghdr read-only: EFAULT", sc(SYS_recvmsg, fds[0], p, 0x40 /* MSG_DONTWAIT */, 0, 0, 0),
		  -EFAULT);
	sc(SYS_mprotect, p, 4096, PROT_READ | PROT_WRITE, 0, 0, 0);
	expect_rc(T, "recvmsg again: the datagram was kept", sc(SYS_recvmsg, fds[0], p, 0x40 /* MSG_DONTWAIT */, 0, 0, 0), 3);
	expect(T, "its bytes", buf[0], memcmp(buf, "abc", 3) == 0);
	sc(SYS_close, fds[0], 0, 0, 0, 0, 0);
	sc(SYS_close, fds[1], 0, 0, 0, 0, 0);
	sc(SYS_munmap, p, 8192, 0, 0, 0, 0);
}

static void memory_brk(const char *T)
{
	long b0 = sc(SYS_brk, 0, 0, 0, 0, 0, 0), b;

	expect(T, "brk(0) is the heap's start", b0, b0 >= (long)APP_BRK_BASE);
	b = sc(SYS_brk, b0 + 10000, 0, 0, 0, 0, 0);
	expect(T, "brk grows by 10000", b, b == b0 + 10000 && all_zero((uint8_t *)b0, 10000));
	memset((void *)b0, 0x5a, 10000);
	expect_rc(T, "brk shrinks back", sc(SYS_brk, b0, 0, 0, 0, 0, 0), b0);
	b = sc(SYS_brk, b0 + 5000, 0, 0, 0, 0, 0);
	expect(T, "grown again: zero", b, b == b0 + 5000 && all_zero((uint8_t *)b0 + 4096, 904));
	b = sc(SYS_brk, b0 + (long)APP_BRK_MAX + 4096, 0, 0, 0, 0, 0);
	expect(T, "brk past its limit: the old break", b, b == b0 + 5000);
	sc(SYS_brk, b0, 0, 0, 0, 0, 0);
}

static void memory_file(const char *T)
{
	long fd, p;
	uint64_t pte = 0;

	fd = sc(SYS_open, (long)"/tmp/m", VFS_O_CREAT | VFS_O_RDWR, 0644, 0, 0, 0);
	sc(SYS_write, fd, (long)"mapped bytes", 12, 0, 0, 0);
	p = sc(SYS_mmap, 0, 4096, PROT_READ, 0x02 /* MAP_PRIVATE */, fd, 0);
	expect(T, "mmap a file MAP_PRIVATE, read-only", p,
	       p > 0 && memcmp((void *)p, "mapped bytes", 12) == 0 &&
	       all_zero((uint8_t *)p + 12, 4096 - 12) && pte_of(p, &pte) && !(pte & PTE_W));
	if (p > 0)
		sc(SYS_munmap, p, 4096, 0, 0, 0, 0);
	sc(SYS_close, fd, 0, 0, 0, 0, 0);
	sc(SYS_unlink, (long)"/tmp/m", 0, 0, 0, 0, 0);
}

/*
 * A map/unmap cycle gives back every frame (after a first one built the
 * page tables; the second asks for the same place, since mmap's are random).
 */
static void memory_leaks(const char *T)
{
	uint64_t before;
	long p;

	p = map_anon(0, 64 * 4096, PROT_READ | PROT_WRITE, 0);
	sc(SYS_munmap, p, 64 * 4096, 0, 0, 0, 0);
	before = memory_free_frames();
	p = map_anon(p, 64 * 4096, PROT_READ | PROT_WRITE, 0);
	sc(SYS_munmap, p, 64 * 4096, 0, 0, 0, 0);
	expect(T, "no frame leaked by mmap+munmap", (long)(before - memory_free_frames()),
	       before == memory_free_frames());
}

static int ktest_sys_memory(void)
{
	failed = 0;
	memory_mmap("sys-memory");
	memory_ranges("sys-memory");
	memory_recvmsg("sys-memory");
	memory_brk("sys-memory");
	memory_file("sys-memory");
	memory_leaks("sys-memory");
	return summary("sys-memory");
}
KTEST("sys-memory", ktest_sys_memory);

/* ---- test=sys-process ---- */

static void process_fs(const char *T)
{
	uint64_t old = 0, now = 0;

	expect_rc(T, "arch_prctl GET_FS", sc(SYS_arch_prctl, 0x1003, (long)&old, 0, 0, 0, 0), 0);
	expect_rc(T, "arch_prctl SET_FS", sc(SYS_arch_prctl, 0x1002, 0x12345000, 0, 0, 0, 0), 0);
	sc(SYS_arch_prctl, 0x1003, (long)&now, 0, 0, 0, 0);
	expect(T, "GET_FS gives it back", (long)now, now == 0x12345000 && thread_fs_base() == now);
	expect_rc(T, "SET_FS of a non-canonical address: EPERM",
	       sc(SYS_arch_prctl, 0x1002, (long)0x8000000000000000ull, 0, 0, 0, 0), -EPERM);
	expect_rc(T, "GET_FS into kernel text: EFAULT",
	       sc(SYS_arch_prctl, 0x1003, (long)process_fs, 0, 0, 0, 0), -EFAULT);
	expect_rc(T, "arch_prctl SET_GS: EINVAL", sc(SYS_arch_prctl, 0x1001, 0, 0, 0, 0, 0), -EINVAL);
	sc(SYS_arch_prctl, 0x1002, (long)old, 0, 0, 0, 0);
	expect(T, "the old FS base restored", (long)thread_fs_base(), thread_fs_base() == old);
}

static void process_sleep(const char *T)
{
	int64_t ts[2] = { 0, 2000000 };
	uint64_t t0 = clock_ns(), t1;

	expect_rc(T, "nanosleep 2 ms", sc(SYS_nanosleep, (long)ts, 0, 0, 0, 0, 0), 0);
	t1 = clock_ns();
	expect(T, "took >= 2 ms (us)", (long)((t1 - t0) / 1000), t1 - t0 >= 2000000);
	ts[1] = 1000000000;
	expect_rc(T, "nanosleep with tv_nsec 1e9: EINVAL", sc(SYS_nanosleep, (long)ts, 0, 0, 0, 0, 0), -EINVAL);
	t0 = clock_ns();
	ts[0] = (int64_t)((t0 + 2000000) / 1000000000);
	ts[1] = (int64_t)((t0 + 2000000) % 1000000000);
	expect(T, "clock_nanosleep MONOTONIC ABSTIME +2 ms", sc(SYS_clock_nanosleep, 1, 1, (long)ts, 0, 0, 0),
	       clock_ns() >= t0 + 2000000);
	expect_rc(T, "sched_yield", sc(SYS_sched_yield, 0, 0, 0, 0, 0, 0), 0);
}

static void process_signals(const char *T)
{
	uint64_t act[4] = { 0x1234, 0, 0, 0 }, old[4], set = 1ull << (SIGUSR1 - 1), oldset = 0;
	uint64_t ss[3];
	long tid = sc(SYS_gettid, 0, 0, 0, 0, 0, 0);

	expect_rc(T, "kill(1, 0)", sc(SYS_kill, 1, 0, 0, 0, 0, 0), 0);
	expect_rc(T, "kill(2, 0): ESRCH", sc(SYS_kill, 2, 0, 0, 0, 0, 0), -ESRCH);
	expect_rc(T, "kill(1, SIGCHLD): its default does nothing", sc(SYS_kill, 1, SIGCHLD, 0, 0, 0, 0), 0);
	expect_rc(T, "kill(1, 65): EINVAL", sc(SYS_kill, 1, 65, 0, 0, 0, 0), -EINVAL);
	expect_rc(T, "tgkill(1, self, 0)", sc(SYS_tgkill, 1, tid, 0, 0, 0, 0), 0);
	expect_rc(T, "tgkill(1, another, 0): ESRCH", sc(SYS_tgkill, 1, tid + 1000, 0, 0, 0, 0), -ESRCH);
	expect_rc(T, "rt_sigaction SIGUSR1", sc(SYS_rt_sigaction, SIGUSR1, (long)act, 0, 8, 0, 0), 0);
	sc(SYS_rt_sigaction, SIGUSR1, 0, (long)old, 8, 0, 0);
	expect(T, "rt_sigaction gives it back", (long)old[0], old[0] == 0x1234);
	act[0] = 0;
	sc(SYS_rt_sigaction, SIGUSR1, (long)act, 0, 8, 0, 0);
	expect_rc(T, "rt_sigaction SIGKILL: EINVAL", sc(SYS_rt_sigaction, SIGKILL, (long)act, 0, 8, 0, 0), -EINVAL);
	sc(SYS_rt_sigprocmask, 0 /* SIG_BLOCK */, (long)&set, 0, 8, 0, 0);
	sc(SYS_rt_sigprocmask, 0, 0, (long)&oldset, 8, 0, 0);
	expect(T, "rt_sigprocmask records the mask", (long)oldset, oldset == set);
	sc(SYS_rt_sigprocmask, 1 /* SIG_UNBLOCK */, (long)&set, 0, 8, 0, 0);
	expect(T, "sigaltstack: disabled at first", sc(SYS_sigaltstack, 0, (long)ss, 0, 0, 0, 0),
	       ss[1] == 2 /* SS_DISABLE */);
}

static int ktest_sys_process(void)
{
	failed = 0;
	process_fs("sys-process");
	process_sleep("sys-process");
	process_signals("sys-process");
	return summary("sys-process");
}
KTEST("sys-process", ktest_sys_process);

/* ---- test=abort: tgkill(self, SIGABRT) never returns ---- */

static int ktest_abort(void)
{
	long tid = sc(SYS_gettid, 0, 0, 0, 0, 0, 0);

	sc(SYS_tgkill, 1, tid, SIGABRT, 0, 0, 0);
	kprintf("abort: tgkill(self, SIGABRT) returned\n");
	return 1;
}
KTEST("abort", ktest_abort);
