/*
 * A buffer that disappears while a system call sleeps on it: thread A
 * blocks in read(pipe, buf, n) with buf in a mapping of its own; the main
 * thread munmaps that mapping, then writes to the pipe. A must get -1 with
 * EFAULT (the kernel's copy faults and its fix-up returns the error), the
 * bytes must still be in the pipe, and the program goes on. The same for
 * an eventfd read. Without the fix-up the copy's page fault ends the run
 * (violation=page-fault), and "vanishing: 0 failed" is never printed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define PAGE 4096

static int failures;

static void check(int ok, const char *what)
{
	printf("vanishing: %s %s\n", what, ok ? "ok" : "FAILED");
	failures += !ok;
}

struct reader {
	int fd;
	size_t n;
	char *buf;
	long rc;
	int err;
};

static void *read_into_buf(void *arg)
{
	struct reader *r = arg;

	r->rc = read(r->fd, r->buf, r->n);
	r->err = errno;
	return NULL;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

/*
 * Starts a reader on fd into a fresh page, lets it block, unmaps the page
 * and calls wake(fd_w) to give the reader something to copy.
 */
static struct reader read_vanishing(int fd, size_t n, void (*wake)(int), int fd_w)
{
	struct reader r = { .fd = fd, .n = n };
	pthread_t t;

	r.buf = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (r.buf == MAP_FAILED || pthread_create(&t, NULL, read_into_buf, &r) != 0) {
		r.rc = -2;
		return r;
	}
	sleep_ms(200); /* the reader is asleep in read by now */
	munmap(r.buf, PAGE);
	wake(fd_w);
	pthread_join(t, NULL);
	return r;
}

static void write_hello(int fd)
{
	if (write(fd, "hello", 5) != 5)
		printf("vanishing: write to the pipe failed\n");
}

static void bump(int fd)
{
	uint64_t one = 3;

	if (write(fd, &one, sizeof(one)) != sizeof(one))
		printf("vanishing: eventfd write failed\n");
}

int main(void)
{
	char back[16] = { 0 };
	uint64_t count = 0;
	struct reader r;
	int p[2], efd;

	check(pipe(p) == 0, "pipe");
	r = read_vanishing(p[0], 16, write_hello, p[1]);
	check(r.rc == -1 && r.err == EFAULT, "a pipe read into an unmapped buffer is EFAULT");
	check(read(p[0], back, sizeof(back)) == 5 && memcmp(back, "hello", 5) == 0,
	      "the bytes stayed in the pipe");

	efd = eventfd(0, 0);
	check(efd >= 0, "eventfd");
	r = read_vanishing(efd, 8, bump, efd);
	check(r.rc == -1 && r.err == EFAULT, "an eventfd read into an unmapped buffer is EFAULT");
	check(read(efd, &count, sizeof(count)) == 8 && count == 3, "the count stayed");

	printf("vanishing: %d failed\n", failures);
	return failures != 0;
}
