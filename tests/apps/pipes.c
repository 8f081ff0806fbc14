/*
 * Pipes, eventfds, poll and select through musl: data through a pipe, end
 * of file and EPIPE, O_NONBLOCK's EAGAIN, a dup'ed end, poll and select
 * with and without data and with a timeout, an eventfd as a counter and as
 * a semaphore; and statx and tkill. The application has one thread, so
 * nothing here blocks for long. Prints one line a check ("ok" or
 * "FAILED"), the same natively and in Carapace; exits 0 when all pass.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static int failures;

static void check(int ok, const char *what)
{
	printf("pipes: %s %s\n", what, ok ? "ok" : "FAILED");
	failures += !ok;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* poll on one descriptor: the revents, or -1 if poll did not return n. */
static int poll_one(int fd, short events, int timeout_ms, int n)
{
	struct pollfd p = { .fd = fd, .events = events };

	return poll(&p, 1, timeout_ms) == n ? p.revents : -1;
}

static void data_and_ends(void)
{
	char buf[16] = { 0 };
	struct stat st;
	int p[2], dup_w;

	check(pipe(p) == 0, "pipe");
	check(write(p[1], "hello", 5) == 5 && read(p[0], buf, sizeof(buf)) == 5 &&
	      memcmp(buf, "hello", 5) == 0, "write then read");
	check(fstat(p[0], &st) == 0 && S_ISFIFO(st.st_mode), "fstat says FIFO");
	check(lseek(p[0], 0, SEEK_SET) == -1 && errno == ESPIPE, "lseek is ESPIPE");
	dup_w = dup(p[1]);
	check(dup_w > p[1], "dup of the write end");
	close(p[1]);
	check(write(dup_w, "x", 1) == 1 && poll_one(p[0], POLLIN, 0, 1) == POLLIN,
	      "the dup still writes");
	close(dup_w);
	check(poll_one(p[0], POLLIN, 0, 1) == (POLLIN | POLLHUP), "POLLHUP after the last writer");
	check(read(p[0], buf, sizeof(buf)) == 1 && read(p[0], buf, sizeof(buf)) == 0,
	      "end of file after the last writer");
	close(p[0]);

	check(pipe(p) == 0, "second pipe");
	close(p[0]);
	check(write(p[1], "x", 1) == -1 && errno == EPIPE, "EPIPE without readers");
	check(poll_one(p[1], POLLOUT, 0, 1) == (POLLOUT | POLLERR), "POLLERR without readers");
	close(p[1]);
}

static void nonblocking(void)
{
	static char block[4096];
	long total = 0;
	ssize_t n;
	int p[2];

	check(pipe2(p, O_NONBLOCK | O_CLOEXEC) == 0, "pipe2(O_NONBLOCK|O_CLOEXEC)");
	check((fcntl(p[0], F_GETFD) & FD_CLOEXEC) && (fcntl(p[1], F_GETFL) & O_NONBLOCK),
	      "flags set");
	check(read(p[0], block, 1) == -1 && errno == EAGAIN, "EAGAIN when empty");
	while ((n = write(p[1], block, sizeof(block))) > 0)
		total += n;
	check(n == -1 && errno == EAGAIN && total == 65536, "EAGAIN when full (64 KiB)");
	check(poll_one(p[1], POLLOUT, 0, 0) == 0, "full: not writable");
	check(read(p[0], block, sizeof(block)) == sizeof(block) &&
	      poll_one(p[1], POLLOUT, 0, 1) == POLLOUT, "writable again");
	close(p[0]);
	close(p[1]);
}

static void polling(void)
{
	struct timeval tv = { 0, 0 };
	fd_set rd, wr;
	int64_t t0;
	int p[2], closed;

	check(pipe(p) == 0, "pipe for poll");
	check(poll_one(p[0], POLLIN, 0, 0) == 0, "poll, timeout 0, empty");
	t0 = now_ms();
	check(poll_one(p[0], POLLIN, 50, 0) == 0 && now_ms() - t0 >= 45, "poll waits out 50 ms");
	write(p[1], "y", 1);
	check(poll_one(p[0], POLLIN, -1, 1) == POLLIN, "poll with data");
	check(poll_one(999, POLLIN, 0, 1) == POLLNVAL, "POLLNVAL for a closed fd");

	FD_ZERO(&rd);
	FD_ZERO(&wr);
	FD_SET(p[0], &rd);
	FD_SET(p[1], &wr);
	check(select(p[1] + 1, &rd, &wr, NULL, &tv) == 2 && FD_ISSET(p[0], &rd) &&
	      FD_ISSET(p[1], &wr), "select: readable and writable");
	read(p[0], &tv, 1);
	FD_ZERO(&rd);
	FD_SET(p[0], &rd);
	tv = (struct timeval){ 0, 30000 };
	t0 = now_ms();
	check(select(p[0] + 1, &rd, NULL, NULL, &tv) == 0 && !FD_ISSET(p[0], &rd) &&
	      now_ms() - t0 >= 25, "select waits out 30 ms");
	closed = dup(0); /* a free descriptor inside the table (Linux ignores those past it) */
	close(closed);
	FD_SET(closed, &rd);
	check(select(closed + 1, &rd, NULL, NULL, &tv) == -1 && errno == EBADF, "select: EBADF");
	close(p[0]);
	close(p[1]);
}

static void eventfds(void)
{
	uint64_t v = 0;
	int e = eventfd(3, 0), s;

	check(e >= 0 && read(e, &v, 8) == 8 && v == 3, "eventfd: read the initial value");
	v = 2;
	write(e, &v, 8);
	v = 5;
	write(e, &v, 8);
	check(poll_one(e, POLLIN, 0, 1) == POLLIN, "eventfd: poll readable");
	check(read(e, &v, 8) == 8 && v == 7, "eventfd: writes add up");
	check(read(e, &v, 4) == -1 && errno == EINVAL, "eventfd: short read is EINVAL");
	close(e);
	s = eventfd(2, EFD_SEMAPHORE | EFD_NONBLOCK | EFD_CLOEXEC);
	check(s >= 0 && read(s, &v, 8) == 8 && v == 1 && read(s, &v, 8) == 8 && v == 1,
	      "eventfd semaphore: one at a time");
	check(read(s, &v, 8) == -1 && errno == EAGAIN, "eventfd semaphore: EAGAIN at 0");
	close(s);
}

/* statx agrees with stat (musl 1.2.3 has no statx(): its layout by hand). */
static void statx_and_tkill(void)
{
	uint8_t sx[256];
	uint64_t ino, size;
	uint16_t mode;
	struct stat st;

	memset(sx, 0xa5, sizeof(sx));
	check(syscall(SYS_statx, AT_FDCWD, "/", 0, 0x7ff, sx) == 0 && stat("/", &st) == 0,
	      "statx");
	memcpy(&mode, sx + 28, 2);
	memcpy(&ino, sx + 32, 8);
	memcpy(&size, sx + 40, 8);
	check(mode == st.st_mode && ino == st.st_ino && size == (uint64_t)st.st_size,
	      "statx matches stat");
	check(syscall(SYS_tkill, (long)gettid(), 0) == 0, "tkill(self, 0)");
}

int main(void)
{
	/* Without this, Linux and Carapace end the run with SIGPIPE at the
	 * EPIPE check (tests/apps/sigpipe.c); ignored, both return EPIPE. */
	signal(SIGPIPE, SIG_IGN);
	data_and_ends();
	nonblocking();
	polling();
	eventfds();
	statx_and_tkill();
	printf("pipes: %d failed\n", failures);
	return failures != 0;
}
