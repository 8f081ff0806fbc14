/*
 * More of what ordinary C programs ask of the system, each answer printed
 * as one line (a value or an errno's name) so that tests/apps/differential
 * can compare the run natively and in Carapace: the signal mask after a
 * thread came and went, sigwait and sigtimedwait, pthread_kill and
 * pthread_cancel, tgkill and tkill for ids that are not the process's
 * threads, MADV_DONTNEED, mremap MREMAP_MAYMOVE, the file calls a
 * careful tool makes (fsync, truncate, preadv/pwritev, record locks, flock,
 * posix_fallocate, posix_fadvise, chmod, chown, the times utime and
 * utimensat set, access X_OK, SEEK_DATA/SEEK_HOLE, *at() calls on a
 * directory descriptor, fchdir), and the calls about the process's group,
 * ids, priority and scheduling, times, sched_getcpu. No address, pid or
 * time is printed.
 *
 * Nothing printed may depend on who runs the host side or how (CI runners
 * differ): the run starts from an empty signal mask and default actions,
 * and ids, groups, the session, nice and the CPU set are compared with
 * what the process itself reads, never with fixed values (not root, not
 * nice 0, not CPU 0, not a session leader inside this PID namespace).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/times.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>
#include <utime.h>

#include "show_result.h"

static volatile sig_atomic_t caught;

static void on_signal(int sig)
{
	caught = sig;
}

static void *nothing(void *arg)
{
	return arg;
}

/* musl's pthread_create and pthread_exit block every signal around their
 * work: the mask must be each thread's own, or raise finds it blocked. */
static void signals_after_threads(void)
{
	pthread_t t;
	pthread_attr_t detached;
	sigset_t pending;

	signal(SIGUSR1, on_signal);
	pthread_create(&t, NULL, nothing, NULL);
	pthread_join(t, NULL);
	show("raise SIGUSR1 after a joined thread", raise(SIGUSR1));
	printf("its handler ran: %d\n", caught == SIGUSR1);
	pthread_attr_init(&detached);
	pthread_attr_setdetachstate(&detached, PTHREAD_CREATE_DETACHED);
	pthread_create(&t, &detached, nothing, NULL);
	usleep(20000);
	caught = 0;
	show("raise SIGUSR1 after a detached thread", raise(SIGUSR1));
	printf("its handler ran: %d\n", caught == SIGUSR1);
	sigpending(&pending);
	printf("SIGUSR1 left pending: %d\n", sigismember(&pending, SIGUSR1));
}

static void *send_usr2(void *arg)
{
	usleep(30000);
	kill(getpid(), SIGUSR2);
	return arg;
}

/* sigwait and friends take a blocked signal instead of running a handler:
 * one raised before, the interval timer's SIGALRM (blocked by this thread,
 * which then must not end the run), and one another thread sends. */
static void waiting_for_signals(void)
{
	sigset_t set, old;
	siginfo_t info = { 0 };
	pthread_t t;
	int sig = 0;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	sigaddset(&set, SIGALRM);
	pthread_sigmask(SIG_BLOCK, &set, &old);
	raise(SIGUSR2);
	raise(SIGUSR1);
	printf("sigwait: %s", err_name(sigwait(&set, &sig)));
	printf(", signal %d\n", sig);
	show("sigwaitinfo", sigwaitinfo(&set, &info));
	printf("si_signo: %d\n", info.si_signo);
	show("sigtimedwait 20 ms, none pending",
	     sigtimedwait(&set, &info, &(struct timespec){ 0, 20000000 }));
	show("sigtimedwait with 2e9 ns", sigtimedwait(&set, &info, &(struct timespec){ 0, 2000000000 }));
	alarm(1);
	printf("sigwait for the alarm: %s", err_name(sigwait(&set, &sig)));
	printf(", signal %d\n", sig);
	pthread_create(&t, NULL, send_usr2, NULL);
	printf("sigwait for another thread's kill: %s", err_name(sigwait(&set, &sig)));
	printf(", signal %d\n", sig);
	pthread_join(t, NULL);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

static volatile sig_atomic_t usr1_seen;

static void on_usr1(int sig)
{
	usr1_seen = sig;
}

static void *wait_for_usr1(void *arg)
{
	for (int i = 0; i < 5000 && !usr1_seen; i++)
		usleep(1000);
	return arg;
}

static void *sleep_forever(void *arg)
{
	for (;;)
		sleep(1);
	return arg;
}

static void *spin_until_cancelled(void *arg)
{
	for (;;)
		pthread_testcancel();
	return arg;
}

/* Signals for another thread: pthread_kill, and pthread_cancel's. */
static void other_threads(void)
{
	pthread_t t;
	void *ret;

	signal(SIGUSR1, on_usr1);
	pthread_create(&t, NULL, wait_for_usr1, NULL);
	printf("pthread_kill SIGUSR1: %s\n", err_name(pthread_kill(t, SIGUSR1)));
	pthread_join(t, NULL);
	printf("the other thread's handler ran: %d\n", usr1_seen == SIGUSR1);
	pthread_create(&t, NULL, spin_until_cancelled, NULL);
	printf("pthread_cancel a spinning thread: %s\n", err_name(pthread_cancel(t)));
	pthread_join(t, &ret);
	printf("it ended cancelled: %d\n", ret == PTHREAD_CANCELED);
	pthread_create(&t, NULL, sleep_forever, NULL);
	usleep(20000);
	printf("pthread_cancel a sleeping thread: %s\n", err_name(pthread_cancel(t)));
	pthread_join(t, &ret);
	printf("it ended cancelled: %d\n", ret == PTHREAD_CANCELED);
}

static volatile long joined_tid;

static void *record_tid(void *arg)
{
	joined_tid = syscall(SYS_gettid);
	return arg;
}

/*
 * tgkill and tkill reach the process's own threads only, and look for the
 * thread before acting: a signal whose default action ends the process,
 * sent to a thread that is gone, is ESRCH and the process lives; no other
 * id (Carapace's kernel threads) answers. No id is printed.
 */
static void thread_ids(void)
{
	long me = syscall(SYS_gettid), others = 0, gone;
	pthread_t t;

	pthread_create(&t, NULL, record_tid, NULL);
	pthread_join(t, NULL);
	gone = joined_tid;
	/* Linux may list a thread a moment after join returns: wait until it is gone. */
	for (int i = 0; i < 1000 && syscall(SYS_tgkill, getpid(), gone, 0) == 0; i++)
		usleep(1000);
	show("tgkill(pid, a joined thread, 0)", syscall(SYS_tgkill, getpid(), gone, 0));
	show("tgkill(pid, a joined thread, SIGTERM)", syscall(SYS_tgkill, getpid(), gone, SIGTERM));
	show("tgkill(pid, a joined thread, SIGKILL)", syscall(SYS_tgkill, getpid(), gone, SIGKILL));
	show("tgkill(pid, a joined thread, signal 65)", syscall(SYS_tgkill, getpid(), gone, 65));
	show("tgkill(pid, INT_MAX, SIGTERM)", syscall(SYS_tgkill, getpid(), INT_MAX, SIGTERM));
	show("tkill(INT_MAX, SIGTERM)", syscall(SYS_tkill, INT_MAX, SIGTERM));
	show("tkill(INT_MAX, 0)", syscall(SYS_tkill, INT_MAX, 0));
	show("tgkill(pid, self, signal 65)", syscall(SYS_tgkill, getpid(), me, 65));
	show("tgkill(pid, self, 0)", syscall(SYS_tgkill, getpid(), me, 0));
	for (long tid = 1; tid <= 1024; tid++)
		if (tid != me && syscall(SYS_tgkill, getpid(), tid, 0) == 0)
			others++;
	printf("other ids 1..1024 tgkill(pid, id, 0) finds: %ld\n", others);
}

static void memory(void)
{
	char *p = mmap(NULL, 2 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		printf("mmap failed\n");
		return;
	}
	memset(p, 'x', 2 * 4096);
	{
		/* A secret on the main thread's stack, kept from swap (Carapace's main stack is
		 * in the kernel's half: it had been ENOMEM). */
		char key[64];

		memset(key, 'k', sizeof(key));
		show("mlock of a buffer on the main stack", mlock(key, sizeof(key)));
		show("munlock of it", munlock(key, sizeof(key)));
	}
	show("madvise MADV_DONTNEED the first page", madvise(p, 4096, MADV_DONTNEED));
	printf("first page reads zero: %d, second kept: %d\n", p[0] == 0 && p[4095] == 0,
	       p[4096] == 'x');
	show("madvise MADV_WILLNEED", madvise(p, 2 * 4096, MADV_WILLNEED));

	/* A mapping grown by mremap, which may move it: the bytes go along. */
	p[4096] = 'y';
	char *q = mremap(p, 2 * 4096, 5 * 4096, MREMAP_MAYMOVE);

	printf("mremap MREMAP_MAYMOVE to 5 pages: %s\n", q == MAP_FAILED ? err_name(errno) : "0");
	if (q == MAP_FAILED) {
		munmap(p, 2 * 4096);
		return;
	}
	printf("the bytes moved: %d, the new pages zero: %d\n", q[4096] == 'y' && q[8191] == 'x',
	       q[8192] == 0 && q[5 * 4096 - 1] == 0);
	q[5 * 4096 - 1] = 'z';
	show("mremap shrink to 1 page", mremap(q, 5 * 4096, 4096, 0) == q);
	show("munmap", munmap(q, 4096));
}

/* Whether the n bytes at p all equal c. */
static int all(const char *p, size_t n, char c)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != c)
			return 0;
	return 1;
}

/*
 * MADV_DONTNEED beyond private anonymous memory: a MAP_SHARED anonymous
 * page keeps its bytes, a file mapping's page reads the file again (what
 * was written to a private one is lost), also after the descriptor is
 * closed, after part of the mapping was unmapped and after mremap moved it.
 */
static void dropped_pages(void)
{
	char path[] = "/tmp/posix_more_map.XXXXXX", page[4096];
	int fd = mkstemp(path);

	if (fd < 0) {
		printf("mkstemp failed\n");
		return;
	}
	for (int i = 0; i < 3; i++) { /* page i holds 'A' + i; the file ends 100 bytes into page 2 */
		memset(page, 'A' + i, sizeof(page));
		if (write(fd, page, i < 2 ? sizeof(page) : 100) < 0)
			printf("write failed\n");
	}

	char *s = mmap(NULL, 2 * 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (s != MAP_FAILED) {
		memset(s, 's', 2 * 4096);
		show("madvise MADV_DONTNEED a MAP_SHARED anonymous mapping", madvise(s, 2 * 4096, MADV_DONTNEED));
		printf("its bytes kept: %d\n", all(s, 2 * 4096, 's'));
		munmap(s, 2 * 4096);
	}

	char *f = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);

	if (f == MAP_FAILED) {
		printf("mmap of the file failed\n");
		close(fd);
		return;
	}
	memset(f, 'w', 3 * 4096);
	show("madvise MADV_DONTNEED a private file mapping", madvise(f, 3 * 4096, MADV_DONTNEED));
	printf("the file's bytes again: %d %d %d, past its end zero: %d\n", all(f, 4096, 'A'),
	       all(f + 4096, 4096, 'B'), all(f + 8192, 100, 'C'), all(f + 8192 + 100, 4096 - 100, 0));
	close(fd);
	memset(f, 'w', 3 * 4096);
	show("munmap its middle page", munmap(f + 4096, 4096));
	show("madvise MADV_DONTNEED its last page, the descriptor closed",
	     madvise(f + 8192, 4096, MADV_DONTNEED));
	printf("page 2 reads the file: %d, page 0 kept what was written: %d\n",
	       all(f + 8192, 100, 'C'), all(f, 4096, 'w'));

	char *g = mremap(f, 4096, 3 * 4096, MREMAP_MAYMOVE);

	printf("mremap its first page to 3 pages: %s\n", g == MAP_FAILED ? err_name(errno) : "0");
	if (g != MAP_FAILED) {
		show("madvise MADV_DONTNEED the moved page", madvise(g, 4096, MADV_DONTNEED));
		printf("it reads the file: %d\n", all(g, 4096, 'A'));
		munmap(g, 3 * 4096);
	} else {
		munmap(f, 4096);
	}
	munmap(f + 8192, 4096);

	/* A read-only MAP_SHARED file mapping: the advice must not lose the file's bytes. */
	fd = open(path, O_RDONLY);
	unlink(path);
	if (fd >= 0) {
		char *r = mmap(NULL, 2 * 4096, PROT_READ, MAP_SHARED, fd, 4096);

		if (r != MAP_FAILED) {
			show("madvise MADV_DONTNEED a read-only shared file mapping at offset 4096",
			     madvise(r, 2 * 4096, MADV_DONTNEED));
			printf("it reads the file: %d %d\n", all(r, 4096, 'B'), all(r + 4096, 100, 'C'));
			munmap(r, 2 * 4096);
		}
		close(fd);
	}
}

/* After a stat or fstat (rc): the access and modification times. */
static void show_times(int rc, const struct stat *st)
{
	if (rc == 0)
		printf("atime %ld mtime %ld\n", (long)st->st_atime, (long)st->st_mtime);
	else
		printf("stat: %s\n", err_name(errno));
}

static void files(void)
{
	char dir[] = "/tmp/posix_more.XXXXXX", path[64], path2[64], buf[16] = { 0 }, buf2[64];
	struct iovec iov[2];
	struct stat st;
	int fd, p[2];

	if (!mkdtemp(dir))
		return;
	snprintf(path, sizeof(path), "%s/f", dir);
	fd = show("open", open(path, O_CREAT | O_RDWR, 0644));
	show("write 12", write(fd, "hello world\n", 12));
	show("fsync", fsync(fd));
	show("fdatasync", fdatasync(fd));
	show("fsync of a closed descriptor", fsync(99));
	show("pipe", pipe(p));
	show("fsync of a pipe", fsync(p[1]));
	close(p[0]);
	close(p[1]);
	show("truncate to 5", truncate(path, 5));
	show("size", stat(path, &st) == 0 ? st.st_size : -1);
	show("truncate negative", truncate(path, -1));
	show("truncate a directory", truncate(dir, 0));
	show("truncate a missing file", truncate("/tmp/posix_more.missing/f", 0));

	iov[0] = (struct iovec){ "ab", 2 };
	iov[1] = (struct iovec){ "cde", 3 };
	show("pwritev 2+3 at 10", pwritev(fd, iov, 2, 10));
	show("the offset is unchanged", lseek(fd, 0, SEEK_CUR));
	iov[0] = (struct iovec){ buf, 3 };
	iov[1] = (struct iovec){ buf + 3, 4 };
	show("preadv 3+4 at 9", preadv(fd, iov, 2, 9));
	printf("read: %d %.6s\n", buf[0], buf + 1);
	show("preadv at -1", preadv(fd, iov, 2, -1));
	show("size", fstat(fd, &st) == 0 ? st.st_size : -1);

	struct flock lock = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_len = 0 };

	show("fcntl F_SETLK write lock", fcntl(fd, F_SETLK, &lock));
	show("fcntl F_SETLKW write lock", fcntl(fd, F_SETLKW, &lock));
	lock.l_type = F_RDLCK;
	show("fcntl F_GETLK", fcntl(fd, F_GETLK, &lock));
	printf("F_GETLK finds no other lock: %d\n", lock.l_type == F_UNLCK);
	lock.l_type = 7;
	show("fcntl F_SETLK type 7", fcntl(fd, F_SETLK, &lock));
	lock.l_type = F_UNLCK;
	show("fcntl F_SETLK unlock", fcntl(fd, F_SETLK, &lock));
	show("lockf F_TLOCK", lockf(fd, F_TLOCK, 0));
	show("lockf F_ULOCK", lockf(fd, F_ULOCK, 0));
	show("flock LOCK_EX", flock(fd, LOCK_EX));
	show("flock LOCK_SH|LOCK_NB", flock(fd, LOCK_SH | LOCK_NB));
	show("flock LOCK_UN", flock(fd, LOCK_UN));
	show("flock 0", flock(fd, 0));
	show("flock of a closed descriptor", flock(99, LOCK_EX));

	show("fchmod 0600", fchmod(fd, 0600));
	printf("mode: %o\n", stat(path, &st) == 0 ? (unsigned)st.st_mode : 0u);
	show("chmod 04751", chmod(path, 04751));
	printf("mode: %o\n", stat(path, &st) == 0 ? (unsigned)st.st_mode : 0u);
	show("fchmodat 0640", fchmodat(AT_FDCWD, path, 0640, 0));
	printf("mode: %o\n", fstat(fd, &st) == 0 ? (unsigned)st.st_mode : 0u);
	show("chmod the directory 0711", chmod(dir, 0711));
	printf("mode: %o\n", stat(dir, &st) == 0 ? (unsigned)st.st_mode : 0u);
	show("chmod a missing file", chmod("/tmp/posix_more.missing", 0600));
	show("fchmod of a closed descriptor", fchmod(99, 0600));
	show("chown to one's own ids", chown(path, geteuid(), getegid()));
	show("chown unchanged", chown(path, -1, -1));
	show("fchown to one's own uid", fchown(fd, geteuid(), -1));
	show("chown a missing file", chown("/tmp/posix_more.missing", 0, 0));
	show("fchown of a closed descriptor", fchown(99, 0, 0));

	/* Times: now for a new or written file, what utime and utimensat set. */
	time_t now = time(NULL);

	show("stat", stat(path, &st));
	printf("mtime, ctime, atime of a new file are now: %d %d %d\n",
	       st.st_mtime - now < 100 && now - st.st_mtime < 100,
	       st.st_ctime - now < 100 && now - st.st_ctime < 100,
	       st.st_atime - now < 100 && now - st.st_atime < 100);
	show("utime 1000 2000", utime(path, &(struct utimbuf){ 1000, 2000 }));
	show_times(stat(path, &st), &st);
	show("utimensat mtime 3000, atime omitted",
	     utimensat(AT_FDCWD, path, (struct timespec[2]){ { 9, UTIME_OMIT }, { 3000, 0 } }, 0));
	show_times(stat(path, &st), &st);
	show("futimens 4000 5000", futimens(fd, (struct timespec[2]){ { 4000, 0 }, { 5000, 0 } }));
	show_times(fstat(fd, &st), &st);
	show("write 1", pwrite(fd, "!", 1, 0));
	printf("the write made mtime now: %d\n",
	       fstat(fd, &st) == 0 && st.st_mtime - now < 100 && now - st.st_mtime < 100);
	show("utimensat nanoseconds 2e9",
	     utimensat(AT_FDCWD, path, (struct timespec[2]){ { 1, 0 }, { 1, 2000000000 } }, 0));
	show("utimensat a missing file", utimensat(AT_FDCWD, "/tmp/posix_more.missing", NULL, 0));
	show("utime of the directory to 7", utime(dir, &(struct utimbuf){ 7, 7 }));
	snprintf(path2, sizeof(path2), "%s/g", dir);
	close(open(path2, O_CREAT | O_WRONLY, 0600));
	printf("a new entry made the directory's mtime now: %d\n",
	       stat(dir, &st) == 0 && st.st_mtime - now < 100 && now - st.st_mtime < 100);
	unlink(path2);
	show("utimensat NULL times", utimensat(AT_FDCWD, path, NULL, 0));
	printf("now: %d\n", stat(path, &st) == 0 && st.st_mtime - now < 100 && now - st.st_mtime < 100);

	/* Root may execute only a file with an execute bit. */
	show("chmod 0644", chmod(path, 0644));
	show("access X_OK without an execute bit", access(path, X_OK));
	show("access R_OK|W_OK", access(path, R_OK | W_OK));
	show("chmod 0744", chmod(path, 0744));
	show("access X_OK", access(path, X_OK));
	show("access X_OK of a directory", access(dir, X_OK));
	/* No holes: data up to the size, the hole at the end. */
	show("size", fstat(fd, &st) == 0 ? st.st_size : -1);
	show("lseek SEEK_DATA 3", lseek(fd, 3, SEEK_DATA));
	show("lseek SEEK_HOLE 3", lseek(fd, 3, SEEK_HOLE));
	show("lseek SEEK_DATA at the size", lseek(fd, st.st_size, SEEK_DATA));
	show("lseek SEEK_HOLE -1", lseek(fd, -1, SEEK_HOLE));

	/* A directory descriptor as the base of *at() calls, and fchdir. */
	int dfd = open(dir, O_RDONLY | O_DIRECTORY), in;

	in = show("openat the directory's f", openat(dfd, "f", O_RDONLY));
	close(in);
	show("fstatat the directory's f: size", fstatat(dfd, "f", &st, 0) == 0 ? st.st_size : -1);
	show("mkdirat sub", mkdirat(dfd, "sub", 0700));
	show("faccessat sub", faccessat(dfd, "sub", F_OK, 0));
	show("unlinkat sub AT_REMOVEDIR", unlinkat(dfd, "sub", AT_REMOVEDIR));
	show("openat relative to a file", openat(fd, "f", O_RDONLY));
	show("openat relative to a closed descriptor", openat(99, "f", O_RDONLY));
	show("fchdir", fchdir(dfd));
	printf("getcwd is the directory: %d\n", getcwd(buf2, sizeof(buf2)) && strcmp(buf2, dir) == 0);
	show("stat f from there: size", stat("f", &st) == 0 ? st.st_size : -1);
	show("fchdir to a file", fchdir(fd));
	show("chdir /", chdir("/"));
	close(dfd);

	int ro = open(path, O_RDONLY);

	lock.l_type = F_WRLCK;
	show("write lock on a read-only descriptor", fcntl(ro, F_SETLK, &lock));
	printf("posix_fallocate to 8192: %s\n", err_name(posix_fallocate(fd, 0, 8192)));
	show("size", fstat(fd, &st) == 0 ? st.st_size : -1);
	printf("posix_fallocate inside: %s\n", err_name(posix_fallocate(fd, 0, 100)));
	show("size", fstat(fd, &st) == 0 ? st.st_size : -1);
	printf("posix_fallocate on O_RDONLY: %s\n", err_name(posix_fallocate(ro, 0, 100)));
	printf("posix_fallocate length 0: %s\n", err_name(posix_fallocate(fd, 0, 0)));
	printf("posix_fadvise SEQUENTIAL: %s\n",
	       err_name(posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL)));
	printf("posix_fadvise advice 99: %s\n", err_name(posix_fadvise(fd, 0, 0, 99)));
	printf("posix_fadvise of a closed descriptor: %s\n",
	       err_name(posix_fadvise(99, 0, 0, POSIX_FADV_NORMAL)));
	show("F_GETPIPE_SZ of a file", fcntl(fd, F_GETPIPE_SZ));
	close(ro);
	close(fd);
	unlink(path);
	rmdir(dir);
	{
		int p[2];

		pipe(p);
		show("F_GETPIPE_SZ of a new pipe", fcntl(p[1], F_GETPIPE_SZ));
		show("F_SETPIPE_SZ 65536", fcntl(p[0], F_SETPIPE_SZ, 65536));
		show("F_GETPIPE_SZ of its read end", fcntl(p[0], F_GETPIPE_SZ));
		close(p[0]);
		close(p[1]);
	}
	{
		/* memfd_create: an anonymous file in memory, no link, mode 0777. */
		int m = memfd_create("posix_more", MFD_CLOEXEC);
		char name[300], *map;

		show("memfd_create a descriptor", m >= 0);
		show("  close-on-exec", fcntl(m, F_GETFD));
		show("  write 5", write(m, "hello", 5));
		show("  ftruncate 8192", ftruncate(m, 8192));
		show("  fstat", fstat(m, &st));
		printf("  size %ld, regular %d, links %ld, mode %o\n", (long)st.st_size,
		       S_ISREG(st.st_mode), (long)st.st_nlink, (unsigned)(st.st_mode & 07777));
		map = mmap(NULL, 8192, PROT_READ, MAP_PRIVATE, m, 0);
		printf("  mapped: %.5s\n", map != MAP_FAILED ? map : "none");
		if (map != MAP_FAILED)
			munmap(map, 8192);
		close(m);
		show("memfd_create flags 0x100", memfd_create("x", 0x100));
		memset(name, 'n', sizeof(name) - 1);
		name[sizeof(name) - 1] = '\0';
		show("memfd_create with a 299-byte name", memfd_create(name, 0));
	}
}

static void process(void)
{
	gid_t groups[64];
	uid_t r = 9, e = 9, s = 9;
	struct sched_param param = { .sched_priority = 5 };
	pthread_mutexattr_t attr;
	int n = getgroups(64, groups);

	printf("getgroups: as many as it counts %d\n", n >= 0 && n == getgroups(0, NULL));
	show("getgroups -1", getgroups(-1, groups));
	/* 0 where the leader is outside this PID namespace, so not "> 0". */
	printf("getpgrp, getsid: answered, the same for pid 0 and getpid %d %d\n",
	       getpgrp() >= 0 && getpgrp() == getpgid(getpid()),
	       getsid(0) >= 0 && getsid(0) == getsid(getpid()));
	show("getpgid of pid 0 is getpgrp", getpgid(0) == getpgrp());
	show("getsid of no such process", getsid(999999));
	show("getresuid", getresuid(&r, &e, &s));
	printf("ids are getuid and geteuid: %d %d\n", r == getuid(), e == geteuid());
	show("setreuid(-1, euid)", setreuid(-1, geteuid()));
	show("setresgid(-1, egid, -1)", setresgid(-1, getegid(), -1));

	/* Raising one's nice needs no privilege; lowering it would. */
	errno = 0;
	int nice0 = getpriority(PRIO_PROCESS, 0);

	printf("getpriority: %s\n", err_name(errno));
	int nice1 = nice0 < 19 ? nice0 + 1 : 19;

	show("setpriority one higher", setpriority(PRIO_PROCESS, 0, nice1));
	printf("getpriority is what was set: %d\n", getpriority(PRIO_PROCESS, 0) == nice1);
	show("getpriority which 9", getpriority(9, 0));
	show("sched_getscheduler", sched_getscheduler(0));
	show("sched_get_priority_max SCHED_FIFO", sched_get_priority_max(SCHED_FIFO));
	show("sched_get_priority_min SCHED_RR", sched_get_priority_min(SCHED_RR));
	show("sched_get_priority_max SCHED_OTHER", sched_get_priority_max(SCHED_OTHER));
	show("sched_get_priority_max 42", sched_get_priority_max(42));
	show("sched_getparam", sched_getparam(0, &param));
	printf("priority: %d\n", param.sched_priority);
	show("sched_setscheduler SCHED_OTHER 0", sched_setscheduler(0, SCHED_OTHER, &param));
	param.sched_priority = 200;
	show("sched_setscheduler SCHED_FIFO 200", sched_setscheduler(0, SCHED_FIFO, &param));

	cpu_set_t cpus, now;
	int first = 0;

	show("sched_getaffinity has a CPU", sched_getaffinity(0, sizeof(now), &now) == 0 && CPU_COUNT(&now) > 0);
	while (first < CPU_SETSIZE - 1 && !CPU_ISSET(first, &now))
		first++;
	CPU_ZERO(&cpus);
	CPU_SET(first, &cpus);
	/* Carapace accepts the mask and keeps every CPU (kernel/syscall/sys_sched.c). */
	show("sched_setaffinity to its first CPU", sched_setaffinity(0, sizeof(cpus), &cpus));
	struct tms usage;
	clock_t t0 = times(&usage), t1;

	/* Spin until a tick of user time shows (at most some 100 million steps). */
	do {
		for (volatile long i = 0; i < 2000000; i++)
			;
		t1 = times(&usage);
	} while (usage.tms_utime == 0 && t1 - t0 < 500);
	printf("times: a clock that moves forward %d, user time counted %d\n", t0 != (clock_t)-1 &&
	       t1 >= t0, usage.tms_utime > 0);
	printf("sched_getcpu: a CPU %d\n", sched_getcpu() >= 0);
	sync();
	show("faccessat AT_EACCESS", faccessat(AT_FDCWD, "/", R_OK, AT_EACCESS));
	pthread_mutexattr_init(&attr);
	printf("pthread_mutexattr_setrobust: %s\n",
	       err_name(pthread_mutexattr_setrobust(&attr, PTHREAD_MUTEX_ROBUST)));
}

int main(void)
{
	sigset_t none;

	setvbuf(stdout, NULL, _IOLBF, 0);
	/* A runner may start the host side with signals blocked or ignored. */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGUSR1, SIG_DFL);
	signal(SIGUSR2, SIG_DFL);
	signal(SIGALRM, SIG_DFL);
	signals_after_threads();
	waiting_for_signals();
	other_threads();
	thread_ids();
	memory();
	dropped_pages();
	files();
	process();
	return 0;
}
