/*
 * test=sys-poll: what one application thread cannot show, with kernel
 * threads making real SYSCALLs: a read of an empty pipe sleeps until
 * another thread writes, a write larger than the pipe sleeps until a
 * reader drains it, the last writer's close wakes a reader with end of
 * file, and an eventfd write wakes a poll with no timeout.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

#include <carapace/clock.h>
#include <carapace/console.h>
#include <carapace/ktests.h>
#include <carapace/thread.h>

#include "sys_kernel.h"

enum {
	SYS_read = 0, SYS_write = 1, SYS_close = 3, SYS_poll = 7, SYS_pipe = 22,
	SYS_eventfd2 = 290,
};

#define NS_PER_MS   1000000ull
#define DELAY_MS    20
#define BIG_WRITE   (3 * 65536 + 1000) /* bytes: three pipes' worth and more */
#define POLLIN      0x001

static int failed;

static void expect(const char *what, long got, bool ok)
{
	kprintf("sys-poll: %-44s -> %ld %s\n", what, got, ok ? "ok" : "WRONG");
	failed += !ok;
}

/* What the helper thread does, DELAY_MS after it starts. */
struct helper {
	enum { WRITE_PING, CLOSE_FD, DRAIN, BUMP_EVENTFD } action;
	int fd;
	long drained; /* DRAIN: bytes read, up to BIG_WRITE */
};

static void helper_run(void *arg)
{
	struct helper *h = arg;
	uint64_t one = 1;
	char buf[512];
	long n;

	thread_sleep_ns(DELAY_MS * NS_PER_MS);
	switch (h->action) {
	case WRITE_PING:
		sys_raw_syscall(SYS_write, h->fd, (long)"ping", 4, 0, 0, 0);
		break;
	case CLOSE_FD:
		sys_raw_syscall(SYS_close, h->fd, 0, 0, 0, 0, 0);
		break;
	case DRAIN:
		while (h->drained < BIG_WRITE &&
		       (n = sys_raw_syscall(SYS_read, h->fd, (long)buf, sizeof(buf), 0, 0, 0)) > 0)
			h->drained += n;
		break;
	case BUMP_EVENTFD:
		sys_raw_syscall(SYS_write, h->fd, (long)&one, sizeof(one), 0, 0, 0);
		break;
	}
}

static struct thread *start_helper(struct helper *h)
{
	struct thread_attr attr = { .name = "sys-poll-helper", .cpu = THREAD_ANY_CPU };

	return thread_create(helper_run, h, &attr);
}

/* Runs call after starting the helper; returns its result and how long it took. */
static long with_helper(struct helper *h, long nr, long a0, long a1, long a2, uint64_t *ms)
{
	struct thread *t = start_helper(h);
	uint64_t t0 = clock_ns();
	long rc;

	if (!t)
		return -ENOMEM;
	rc = sys_raw_syscall(nr, a0, a1, a2, 0, 0, 0);
	*ms = (clock_ns() - t0) / NS_PER_MS;
	thread_join(t);
	return rc;
}

static int ktest_sys_poll(void)
{
	/* Read from the kernel image: any mapped memory may be written out. */
	static const char big[BIG_WRITE];
	int32_t fds[2];
	char buf[16];
	uint64_t ms;
	long rc;
	struct helper h;

	rc = sys_raw_syscall(SYS_pipe, (long)fds, 0, 0, 0, 0, 0);
	expect("pipe", rc, rc == 0);
	h = (struct helper){ WRITE_PING, fds[1], 0 };
	rc = with_helper(&h, SYS_read, fds[0], (long)buf, sizeof(buf), &ms);
	expect("read sleeps until a write", rc, rc == 4 && ms >= DELAY_MS / 2);

	h = (struct helper){ DRAIN, fds[0], 0 };
	rc = with_helper(&h, SYS_write, fds[1], (long)big, sizeof(big), &ms);
	expect("a write of 3 pipes' worth goes in whole", rc,
	       rc == BIG_WRITE && h.drained == BIG_WRITE);
	h = (struct helper){ CLOSE_FD, fds[1], 0 };
	rc = with_helper(&h, SYS_read, fds[0], (long)buf, sizeof(buf), &ms);
	expect("the last writer's close gives end of file", rc, rc == 0 && ms >= DELAY_MS / 2);
	sys_raw_syscall(SYS_close, fds[0], 0, 0, 0, 0, 0);

	int efd = (int)sys_raw_syscall(SYS_eventfd2, 0, 0, 0, 0, 0, 0);
	struct { int32_t fd; int16_t events, revents; } p = { efd, POLLIN, 0 };

	h = (struct helper){ BUMP_EVENTFD, efd, 0 };
	rc = with_helper(&h, SYS_poll, (long)&p, 1, -1, &ms);
	expect("poll(-1) wakes on an eventfd write", rc,
	       efd >= 0 && rc == 1 && p.revents == POLLIN && ms >= DELAY_MS / 2);
	sys_raw_syscall(SYS_close, efd, 0, 0, 0, 0, 0);
	kprintf("sys-poll: %d wrong\n", failed);
	return failed != 0;
}
KTEST("sys-poll", ktest_sys_poll);
