/*
 * epoll and timerfd, run natively and in Carapace by tests/apps/differential:
 * both must print the same lines. Edge- against level-triggered on a pipe,
 * EPOLLONESHOT and its re-arm, EPOLLRDHUP and EPOLLOUT edges on sockets,
 * eventfd, a blocked wait woken by another thread, round-robin at
 * maxevents 1, an entry gone with its file, select on a socket, timerfds
 * (one-shot through epoll, periodic counts, gettime), and the errors.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "show_result.h"

/* "what: N events [IN OUT RDHUP HUP ERR] data D" of a zero-timeout wait. */
static int look(const char *what, int ep)
{
	struct epoll_event ev[4];
	int n = epoll_wait(ep, ev, 4, 0);

	printf("%s: %d", what, n);
	for (int i = 0; i < n; i++)
		printf(" [%s%s%s%s%s data %llu]", ev[i].events & EPOLLIN ? "IN " : "",
		       ev[i].events & EPOLLOUT ? "OUT " : "", ev[i].events & EPOLLRDHUP ? "RDHUP " : "",
		       ev[i].events & EPOLLHUP ? "HUP " : "", ev[i].events & EPOLLERR ? "ERR " : "",
		       (unsigned long long)ev[i].data.u64);
	printf("\n");
	return n;
}

static void add(int ep, int fd, uint32_t events, uint64_t data)
{
	struct epoll_event ev = { .events = events, .data.u64 = data };

	if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev))
		printf("epoll_ctl ADD fd failed: %s\n", err_name(errno));
}

static void edge_and_level(void)
{
	int p[2], lt = epoll_create1(EPOLL_CLOEXEC), et = epoll_create1(0);
	char buf[16];

	pipe(p);
	add(lt, p[0], EPOLLIN, 1);
	add(et, p[0], EPOLLIN | EPOLLET, 2);
	look("nothing written: LT", lt);
	look("nothing written: ET", et);
	write(p[1], "0123456789", 10);
	look("10 bytes in: LT", lt);
	look("10 bytes in: ET", et);
	look("again: LT", lt);
	look("again: ET", et);
	read(p[0], buf, 5);
	look("5 read: LT", lt);
	look("5 read: ET", et);
	write(p[1], "x", 1);
	look("1 more in: ET", et);
	read(p[0], buf, sizeof(buf));
	look("all read: LT", lt);
	look("all read: ET", et);
	close(p[1]);
	look("writer closed: LT", lt);
	look("writer closed: ET", et);
	look("writer closed, again: ET", et);
	close(p[0]);
	close(lt);
	close(et);
}

static void oneshot(void)
{
	int p[2], ep = epoll_create1(0);
	struct epoll_event ev = { .events = EPOLLIN | EPOLLONESHOT, .data.u64 = 7 };

	pipe(p);
	epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev);
	write(p[1], "a", 1);
	look("oneshot, data in", ep);
	write(p[1], "b", 1);
	look("oneshot, fired already", ep);
	show("EPOLL_CTL_MOD re-arms", epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &ev));
	look("oneshot, re-armed", ep);
	close(p[0]);
	close(p[1]);
	close(ep);
}

static void sockets(void)
{
	int sv[2], ep = epoll_create1(0), n = -1;
	char buf[8];

	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	add(ep, sv[0], EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, 3);
	look("socket, new (ET)", ep);
	look("socket, again (ET)", ep);
	write(sv[1], "hi", 2);
	look("socket, data (ET)", ep);
	show("FIONREAD", ioctl(sv[0], FIONREAD, &n));
	printf("FIONREAD says %d\n", n);
	read(sv[0], buf, sizeof(buf));
	shutdown(sv[1], SHUT_WR);
	look("socket, peer shut down writing (ET)", ep);
	close(sv[1]);
	look("socket, peer closed (ET)", ep);
	close(sv[0]);
	close(ep);
}

static void eventfds(void)
{
	int e = eventfd(0, EFD_NONBLOCK), ep = epoll_create1(0);
	uint64_t one = 1;

	add(ep, e, EPOLLIN, 4);
	look("eventfd at 0", ep);
	write(e, &one, sizeof(one));
	look("eventfd at 1", ep);
	close(e);
	look("eventfd closed: its entry is gone", ep);
	close(ep);
}

static void *wake_later(void *arg)
{
	struct timespec ts = { 0, 30 * 1000 * 1000 };

	nanosleep(&ts, NULL);
	write(*(int *)arg, "w", 1);
	return NULL;
}

static void blocking_wait(void)
{
	int sv[2], ep = epoll_create1(0);
	struct epoll_event ev;
	pthread_t t;

	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	add(ep, sv[0], EPOLLIN, 5);
	pthread_create(&t, NULL, wake_later, &sv[1]);
	show("epoll_wait(-1) woken by another thread", epoll_wait(ep, &ev, 1, -1));
	printf("  data %llu\n", (unsigned long long)ev.data.u64);
	pthread_join(t, NULL);
	show("epoll_wait(50 ms) with data still there", epoll_wait(ep, &ev, 1, 50));
	close(sv[0]);
	close(sv[1]);
	close(ep);
}

static void round_robin(void)
{
	int a[2], b[2], ep = epoll_create1(0);
	struct epoll_event ev;

	pipe(a);
	pipe(b);
	write(a[1], "a", 1);
	write(b[1], "b", 1);
	add(ep, a[0], EPOLLIN, 10);
	add(ep, b[0], EPOLLIN, 20);
	for (int i = 0; i < 3; i++) {
		epoll_wait(ep, &ev, 1, 0);
		printf("maxevents 1, call %d: data %llu\n", i, (unsigned long long)ev.data.u64);
	}
	close(a[0]), close(a[1]), close(b[0]), close(b[1]), close(ep);
}

static void selects(void)
{
	int sv[2];
	fd_set r;
	struct timeval tv = { 0, 0 };

	socketpair(AF_UNIX, SOCK_DGRAM, 0, sv);
	FD_ZERO(&r);
	FD_SET(sv[0], &r);
	show("select on an empty socket", select(sv[0] + 1, &r, NULL, NULL, &tv));
	send(sv[1], "d", 1, 0);
	FD_SET(sv[0], &r);
	show("select with a datagram waiting", select(sv[0] + 1, &r, NULL, NULL, &tv));
	close(sv[0]);
	close(sv[1]);
}

static void timers(void)
{
	int t = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK), ep = epoll_create1(0);
	struct itimerspec its = { .it_value = { 0, 50 * 1000 * 1000 } }, cur;
	struct epoll_event ev;
	struct timespec sleep = { 0, 115 * 1000 * 1000 };
	uint64_t ticks = 0;

	show("read an unarmed timerfd", read(t, &ticks, sizeof(ticks)));
	add(ep, t, EPOLLIN, 6);
	show("timerfd_settime 50 ms", timerfd_settime(t, 0, &its, NULL));
	timerfd_gettime(t, &cur);
	printf("gettime: armed %s, interval %ld\n", cur.it_value.tv_nsec > 0 ? "yes" : "no",
	       (long)cur.it_interval.tv_nsec);
	show("epoll_wait(1 s) for the timer", epoll_wait(ep, &ev, 1, 1000));
	show("read", read(t, &ticks, sizeof(ticks)));
	printf("  expirations %llu\n", (unsigned long long)ticks);
	timerfd_gettime(t, &cur);
	printf("gettime after it fired: %ld.%09ld\n", (long)cur.it_value.tv_sec, (long)cur.it_value.tv_nsec);
	its.it_interval.tv_nsec = its.it_value.tv_nsec = 20 * 1000 * 1000;
	{
		struct timespec t0, t1;
		uint64_t due;

		clock_gettime(CLOCK_MONOTONIC, &t0);
		timerfd_settime(t, 0, &its, NULL);
		nanosleep(&sleep, NULL);
		read(t, &ticks, sizeof(ticks));
		clock_gettime(CLOCK_MONOTONIC, &t1);
		/* A loaded machine may sleep longer: count against the time slept. */
		due = (uint64_t)((t1.tv_sec - t0.tv_sec) * 1000000000ll + (t1.tv_nsec - t0.tv_nsec)) /
		      (20 * 1000 * 1000);
		printf("periodic 20 ms over 115 ms or more: %s\n",
		       ticks >= 5 && ticks + 1 >= due && ticks <= due ? "one per 20 ms slept"
								 : "wrong count");
	}
	/* An absolute time on CLOCK_REALTIME, 30 ms from now. */
	{
		int rt = timerfd_create(CLOCK_REALTIME, 0);
		struct itimerspec abs = { 0 };

		clock_gettime(CLOCK_REALTIME, &abs.it_value);
		abs.it_value.tv_nsec += 30 * 1000 * 1000;
		if (abs.it_value.tv_nsec >= 1000000000)
			abs.it_value.tv_sec++, abs.it_value.tv_nsec -= 1000000000;
		show("settime TFD_TIMER_ABSTIME (realtime)", timerfd_settime(rt, TFD_TIMER_ABSTIME, &abs, NULL));
		show("blocking read of it", read(rt, &ticks, sizeof(ticks)));
		close(rt);
	}
	show("timerfd_create(99)", timerfd_create(99, 0));
	show("timerfd_settime with flags 8", timerfd_settime(t, 8, &its, NULL));
	its.it_value.tv_nsec = 2000000000;
	show("timerfd_settime with 2e9 ns", timerfd_settime(t, 0, &its, NULL));
	show("read 4 bytes of a timerfd", read(t, &ticks, 4));
	close(t);
	close(ep);
}

static void errors(void)
{
	int ep = epoll_create1(0), p[2], f;
	struct epoll_event ev = { .events = EPOLLIN };
	void *volatile bad = (void *)1;

	pipe(p);
	f = open("/tmp/epoll-file", O_CREAT | O_RDWR, 0600);
	show("ADD", epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev));
	show("ADD again", epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev));
	show("DEL of a file not in the set", epoll_ctl(ep, EPOLL_CTL_DEL, p[1], NULL));
	show("MOD of a file not in the set", epoll_ctl(ep, EPOLL_CTL_MOD, p[1], &ev));
	show("ADD a regular file", epoll_ctl(ep, EPOLL_CTL_ADD, f, &ev));
	show("ADD the epoll to itself", epoll_ctl(ep, EPOLL_CTL_ADD, ep, &ev));
	show("epoll_ctl on a pipe as the epoll", epoll_ctl(p[0], EPOLL_CTL_ADD, p[1], &ev));
	show("epoll_ctl with op 9", epoll_ctl(ep, 9, p[1], &ev));
	show("epoll_ctl on fd 999", epoll_ctl(ep, EPOLL_CTL_ADD, 999, &ev));
	ev.events = EPOLLIN | EPOLLEXCLUSIVE;
	show("ADD EXCLUSIVE", epoll_ctl(ep, EPOLL_CTL_ADD, p[1], &ev));
	show("MOD with EXCLUSIVE", epoll_ctl(ep, EPOLL_CTL_MOD, p[1], &ev));
	ev.events = EPOLLIN | EPOLLEXCLUSIVE | EPOLLONESHOT;
	show("EXCLUSIVE with ONESHOT", epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev));
	show("epoll_wait maxevents 0", epoll_wait(ep, &ev, 0, 0));
	write(p[1], "r", 1); /* an event to write out */
	show("epoll_wait into a bad address", epoll_wait(ep, bad, 4, 0));
	show("epoll_wait on a pipe", epoll_wait(p[0], &ev, 1, 0));
	show("epoll_create(0) (the call: musl's wrapper ignores the size)", syscall(SYS_epoll_create, 0));
	show("epoll_create1(1)", epoll_create1(1));
	close(f);
	unlink("/tmp/epoll-file");
	close(p[0]);
	close(p[1]);
	close(ep);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	edge_and_level();
	oneshot();
	sockets();
	eventfds();
	blocking_wait();
	round_robin();
	selects();
	timers();
	errors();
	printf("epoll: done\n");
	return 0;
}
