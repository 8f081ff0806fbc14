/*
 * signalfd as Linux runs it (a differential test: the same output natively
 * and in Carapace; the mask starts empty, and ids are compared with what
 * the process reads, never printed):
 * - raise (musl: tkill) reads back as SI_TKILL, kill(getpid()) as SI_USER,
 *   both with our pid and uid; two pending signals in one read, lowest first;
 * - nothing pending: EAGAIN when non-blocking; poll and epoll report POLLIN
 *   only while a signal of the mask is pending;
 * - a blocking read wakes for a signal another thread sends (pthread_kill,
 *   kill);
 * - the mask changes through the descriptor; SFD_CLOEXEC and SFD_NONBLOCK
 *   show in fcntl; bad sizes, flags and descriptors: EINVAL, EBADF;
 * - a POSIX timer's blocked signal reads back as SI_TIMER with its value.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static const char *err(long rc)
{
	if (rc >= 0)
		return "ok";
	return errno == EINVAL ? "EINVAL" : errno == EAGAIN ? "EAGAIN" : errno == EBADF ? "EBADF"
									     : "other";
}

static sigset_t set_of(int a, int b)
{
	sigset_t s;

	sigemptyset(&s);
	if (a)
		sigaddset(&s, a);
	if (b)
		sigaddset(&s, b);
	return s;
}

static int readable(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, 0) == 1 && (p.revents & POLLIN);
}

static void show(const char *what, const struct signalfd_siginfo *si)
{
	printf("%s: signo %u code %d, our pid %d, our uid %d\n", what, si->ssi_signo, si->ssi_code,
	       si->ssi_pid == (uint32_t)getpid(), si->ssi_uid == (uint32_t)getuid());
}

static void read_one(int fd, const char *what)
{
	struct signalfd_siginfo si;
	ssize_t n = read(fd, &si, sizeof(si));

	if (n != sizeof(si)) {
		printf("%s: read %zd (%s)\n", what, n, err(n));
		return;
	}
	show(what, &si);
}

static pthread_t main_thread;

static void *sender(void *arg)
{
	int how = *(int *)arg;

	usleep(50000);
	if (how == 0)
		pthread_kill(main_thread, SIGUSR1);
	else
		kill(getpid(), SIGUSR2);
	return NULL;
}

static void blocking(void)
{
	sigset_t both = set_of(SIGUSR1, SIGUSR2);
	int fd = signalfd(-1, &both, 0);
	pthread_t t;

	for (int how = 0; how < 2; how++) {
		main_thread = pthread_self();
		pthread_create(&t, NULL, sender, &how);
		read_one(fd, how == 0 ? "blocking read, pthread_kill" : "blocking read, kill");
		pthread_join(t, NULL);
	}
	close(fd);
}

static void timer(void)
{
	sigset_t usr2 = set_of(SIGUSR2, 0);
	struct sigevent ev = { .sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGUSR2,
			       .sigev_value.sival_int = 42 };
	struct itimerspec its = { { 0, 0 }, { 0, 20000000 } };
	struct signalfd_siginfo si;
	timer_t id;
	int fd = signalfd(-1, &usr2, SFD_CLOEXEC);
	ssize_t n;

	timer_create(CLOCK_MONOTONIC, &ev, &id);
	timer_settime(id, 0, &its, NULL);
	n = read(fd, &si, sizeof(si));
	if (n == sizeof(si))
		printf("timer: signo %u, SI_TIMER %d, int %d, overrun %u\n", si.ssi_signo,
		       si.ssi_code == SI_TIMER, si.ssi_int, si.ssi_overrun);
	else
		printf("timer: read %zd (%s)\n", n, err(n));
	timer_delete(id);
	close(fd);
}

int main(void)
{
	sigset_t none = set_of(0, 0), usr1 = set_of(SIGUSR1, 0), both = set_of(SIGUSR1, SIGUSR2);
	struct signalfd_siginfo two[2];
	char small[100];
	int fd, ep, pfd[2];
	ssize_t n;

	sigprocmask(SIG_SETMASK, &none, NULL);
	sigprocmask(SIG_BLOCK, &both, NULL);

	fd = signalfd(-1, &usr1, SFD_NONBLOCK | SFD_CLOEXEC);
	printf("signalfd: %s, cloexec %d, nonblock %d\n", err(fd),
	       (fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0, (fcntl(fd, F_GETFL) & O_NONBLOCK) != 0);
	n = read(fd, two, sizeof(two[0]));
	printf("empty read: %s, readable %d\n", err(n), readable(fd));

	raise(SIGUSR1);
	printf("after raise: readable %d\n", readable(fd));
	read_one(fd, "raise");
	printf("after read: readable %d\n", readable(fd));
	kill(getpid(), SIGUSR1);
	read_one(fd, "kill");

	/* SIGUSR2 is pending but outside the mask: not readable, until the mask has it. */
	raise(SIGUSR2);
	printf("USR2 outside the mask: readable %d\n", readable(fd));
	printf("mask change: same fd %d\n", signalfd(fd, &both, 0) == fd);
	raise(SIGUSR1);
	n = read(fd, two, sizeof(two));
	printf("two pending: read %zd bytes, signos %u %u\n", n, two[0].ssi_signo,
	       two[1].ssi_signo);
	n = read(fd, small, sizeof(small));
	printf("100-byte buffer: %s\n", err(n));

	ep = epoll_create1(0);
	{
		struct epoll_event ev = { .events = EPOLLIN, .data.u32 = 7 }, out;
		int got;

		epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
		printf("epoll, nothing pending: %d\n", epoll_wait(ep, &out, 1, 0));
		raise(SIGUSR2);
		got = epoll_wait(ep, &out, 1, 1000);
		printf("epoll, USR2 pending: %d, EPOLLIN %d, data %u\n", got,
		       got == 1 && (out.events & EPOLLIN), got == 1 ? out.data.u32 : 0);
		read_one(fd, "epoll");
		printf("epoll, after the read: %d\n", epoll_wait(ep, &out, 1, 0));
	}
	close(ep);

	printf("sizemask 4: %s\n", err(syscall(SYS_signalfd4, -1, &usr1, 4, 0)));
	printf("bad flags: %s\n", err(signalfd(-1, &usr1, 0x4)));
	pipe(pfd);
	printf("a pipe's fd: %s\n", err(signalfd(pfd[0], &usr1, 0)));
	printf("a closed fd: %s\n", err(signalfd(900, &usr1, 0)));
	printf("signalfd (282): %s\n", err(syscall(SYS_signalfd, -1, &usr1, 8)));
	close(fd);

	blocking();
	timer();
	sigprocmask(SIG_SETMASK, &none, NULL);
	printf("done\n");
	return 0;
}
