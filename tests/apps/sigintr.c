/*
 * Signals that interrupt blocking system calls, as on Linux (signal(7),
 * "Interruption of system calls and library functions by signal
 * handlers"; kernel/syscall/README.md, "Interrupted calls"). The main
 * thread blocks in a call; SIGALRM from a 100 ms timer (or a kill from
 * another thread, or pthread_kill) has a handler:
 *   - without SA_RESTART: read (pipe), recv (TCP), recvfrom (UDP),
 *     accept and a futex wait end with EINTR;
 *   - with SA_RESTART they go on after the handler and get what a helper
 *     thread hands them once it saw the handler run;
 *   - poll, epoll_wait, select, and a recv with SO_RCVTIMEO end with EINTR
 *     even with SA_RESTART;
 *   - a MSG_WAITALL recv that has bytes, and a pipe write that put some
 *     in, return the count;
 *   - SIG_IGN, and SIGURG's default (ignore), do not interrupt;
 *   - pthread_kill interrupts its target only.
 * Helper threads block every signal but the one aimed at them, so a
 * process's signal finds the main thread, natively and in Carapace. Where
 * the call is not interrupted (Carapace before session 25) a rescue
 * after 3 s ends it instead, so the lines differ rather than hang. The
 * same output natively (tests/apps/differential); case app-sigintr.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t handled;
static int failed;

static void on_signal(int sig)
{
	(void)sig;
	handled++;
}

static void install(int sig, int flags)
{
	struct sigaction sa = { .sa_handler = on_signal, .sa_flags = flags };

	sigemptyset(&sa.sa_mask);
	sigaction(sig, &sa, NULL);
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, ms % 1000 * 1000000 };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static void timer_ms(long ms)
{
	struct itimerval it = { { 0, 0 }, { ms / 1000, ms % 1000 * 1000 } };

	setitimer(ITIMER_REAL, &it, NULL);
}

static const char *err_name(long rc, int e)
{
	if (rc >= 0)
		return "";
	return e == EINTR ? " EINTR" : e == EAGAIN ? " EAGAIN" : " (other errno)";
}

/*
 * A helper thread that ends the main thread's wait: after the handler ran
 * (after_handler: what SA_RESTART's call then gets), or, if the call is
 * still not over after 3 s, as a rescue. It blocks every signal.
 */
struct helper {
	void (*fn)(void *arg);
	void *arg;
	int after_handler;
	volatile int done;  /* the main thread's call returned */
	int fired, saw_handler;
	pthread_t thread;
};

static void block_all(void);

static void *helper_main(void *arg)
{
	struct helper *h = arg;

	block_all();
	for (int waited = 0; waited < 3000 && !h->done; waited += 5) {
		if (h->after_handler && handled)
			break;
		sleep_ms(5);
	}
	if (!h->done) {
		h->saw_handler = handled != 0;
		h->fired = 1;
		h->fn(h->arg);
	}
	return NULL;
}

static void helper_start(struct helper *h, void (*fn)(void *), void *arg, int after_handler)
{
	*h = (struct helper){ .fn = fn, .arg = arg, .after_handler = after_handler };
	pthread_create(&h->thread, NULL, helper_main, h);
}

static void helper_stop(struct helper *h)
{
	h->done = 1;
	pthread_join(h->thread, NULL);
}

static void write_byte(void *arg)
{
	if (write(*(int *)arg, "x", 1) != 1)
		failed++;
}

static void send_late(void *arg)
{
	if (send(*(int *)arg, "late", 4, 0) != 4)
		failed++;
}

static void check(int ok, const char *what)
{
	if (!ok) {
		printf("sigintr: FAILED: %s\n", what);
		failed++;
	}
}

/* A blocking pipe read, the signal at 100 ms. */
static void pipe_read(int flags)
{
	struct helper h;
	int p[2];
	char c;
	long rc;
	int e;

	check(pipe(p) == 0, "pipe");
	install(SIGALRM, flags);
	handled = 0;
	helper_start(&h, write_byte, &p[1], flags & SA_RESTART);
	timer_ms(100);
	rc = read(p[0], &c, 1);
	e = errno;
	helper_stop(&h);
	printf("sigintr: pipe read%s = %ld%s, handler ran %d, helper wrote after the handler: %s\n",
	       flags & SA_RESTART ? " (SA_RESTART)" : "", rc, err_name(rc, e), (int)handled,
	       h.fired && h.saw_handler ? "yes" : h.fired ? "no (a rescue)" : "not needed");
	close(p[0]);
	close(p[1]);
}

/* A TCP connection on loopback: *client and *server. */
static int listener(int type, struct sockaddr_in *a)
{
	socklen_t len = sizeof(*a);
	int s = socket(AF_INET, type, 0);

	*a = (struct sockaddr_in){ .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	check(s >= 0 && bind(s, (struct sockaddr *)a, sizeof(*a)) == 0, "bind");
	check(getsockname(s, (struct sockaddr *)a, &len) == 0, "getsockname");
	if (type == SOCK_STREAM)
		check(listen(s, 4) == 0, "listen");
	return s;
}

static void tcp_pair(int *client, int *server)
{
	struct sockaddr_in a;
	int l = listener(SOCK_STREAM, &a);

	*client = socket(AF_INET, SOCK_STREAM, 0);
	check(connect(*client, (struct sockaddr *)&a, sizeof(a)) == 0, "connect");
	*server = accept(l, NULL, NULL);
	check(*server >= 0, "accept");
	close(l);
}

static void tcp_recv(int flags, int timeout)
{
	struct helper h;
	int c, s;
	char buf[8];
	long rc;
	int e;

	tcp_pair(&c, &s);
	if (timeout) {
		struct timeval tv = { 5, 0 };

		setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	}
	install(SIGALRM, flags);
	handled = 0;
	helper_start(&h, send_late, &c, (flags & SA_RESTART) && !timeout);
	timer_ms(100);
	rc = recv(s, buf, sizeof(buf), 0);
	e = errno;
	helper_stop(&h);
	printf("sigintr: tcp recv%s%s = %ld%s, handler ran %d, helper sent after the handler: %s\n",
	       flags & SA_RESTART ? " (SA_RESTART)" : "", timeout ? " with SO_RCVTIMEO" : "", rc,
	       err_name(rc, e), (int)handled,
	       h.fired && h.saw_handler ? "yes" : h.fired ? "no (a rescue)" : "not needed");
	close(c);
	close(s);
}

/* MSG_WAITALL for 10 bytes, 4 of them there: the signal ends it with 4. */
static void send_rest(void *arg)
{
	if (send(*(int *)arg, "restok", 6, 0) != 6)
		failed++;
}

static void tcp_partial(void)
{
	struct helper h;
	int c, s;
	char buf[10];
	long rc;
	int e;

	tcp_pair(&c, &s);
	install(SIGALRM, SA_RESTART);
	handled = 0;
	check(send(c, "some", 4, 0) == 4, "send");
	helper_start(&h, send_rest, &c, 0);
	timer_ms(100);
	rc = recv(s, buf, sizeof(buf), MSG_WAITALL);
	e = errno;
	helper_stop(&h);
	printf("sigintr: tcp recv MSG_WAITALL of 10 with 4 there (SA_RESTART) = %ld%s, handler "
	       "ran %d\n", rc, err_name(rc, e), (int)handled);
	close(c);
	close(s);
}

static void udp_to(void *arg)
{
	struct sockaddr_in *a = arg;
	int u = socket(AF_INET, SOCK_DGRAM, 0);

	if (sendto(u, "d", 1, 0, (struct sockaddr *)a, sizeof(*a)) != 1)
		failed++;
	close(u);
}

static void udp_recvfrom(void)
{
	struct sockaddr_in a;
	struct helper h;
	int u = listener(SOCK_DGRAM, &a);
	char buf[8];
	long rc;
	int e;

	install(SIGALRM, 0);
	handled = 0;
	helper_start(&h, udp_to, &a, 0);
	timer_ms(100);
	rc = recvfrom(u, buf, sizeof(buf), 0, NULL, NULL);
	e = errno;
	helper_stop(&h);
	printf("sigintr: udp recvfrom = %ld%s, handler ran %d\n", rc, err_name(rc, e),
	       (int)handled);
	close(u);
}

static void connect_to(void *arg)
{
	struct sockaddr_in *a = arg;
	int c = socket(AF_INET, SOCK_STREAM, 0);

	if (connect(c, (struct sockaddr *)a, sizeof(*a)) != 0)
		failed++;
	/* left open: the accepted side is closed by the main thread */
}

static void tcp_accept(int flags)
{
	struct sockaddr_in a;
	struct helper h;
	int l = listener(SOCK_STREAM, &a);
	long rc;
	int e;

	install(SIGALRM, flags);
	handled = 0;
	helper_start(&h, connect_to, &a, flags & SA_RESTART);
	timer_ms(100);
	rc = accept(l, NULL, NULL);
	e = errno;
	helper_stop(&h);
	printf("sigintr: accept%s = %s%s, handler ran %d, helper connected after the handler: %s\n",
	       flags & SA_RESTART ? " (SA_RESTART)" : "", rc >= 0 ? "a descriptor" : "-1",
	       err_name(rc, e), (int)handled,
	       h.fired && h.saw_handler ? "yes" : h.fired ? "no (a rescue)" : "not needed");
	if (rc >= 0)
		close((int)rc);
	close(l);
}

/* poll, epoll_wait, select on an empty pipe: EINTR even with SA_RESTART. */
static void waits(void)
{
	const char *names[] = { "poll", "epoll_wait", "select" };

	install(SIGALRM, SA_RESTART);
	for (int k = 0; k < 3; k++) {
		struct helper h;
		int p[2], ep = -1;
		long rc;
		int e;

		check(pipe(p) == 0, "pipe");
		handled = 0;
		helper_start(&h, write_byte, &p[1], 0);
		timer_ms(100);
		if (k == 0) {
			struct pollfd pfd = { p[0], POLLIN, 0 };

			rc = poll(&pfd, 1, -1);
		} else if (k == 1) {
			struct epoll_event ev = { .events = EPOLLIN }, out;

			ep = epoll_create1(0);
			epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev);
			rc = epoll_wait(ep, &out, 1, -1);
		} else {
			fd_set in;

			FD_ZERO(&in);
			FD_SET(p[0], &in);
			rc = select(p[0] + 1, &in, NULL, NULL, NULL);
		}
		e = errno;
		helper_stop(&h);
		printf("sigintr: %s (SA_RESTART) = %ld%s, handler ran %d\n", names[k], rc,
		       err_name(rc, e), (int)handled);
		if (ep >= 0)
			close(ep);
		close(p[0]);
		close(p[1]);
	}
}

#define FUTEX_WAIT_PRIVATE 128 /* FUTEX_WAIT | FUTEX_PRIVATE_FLAG */
#define FUTEX_WAKE_PRIVATE 129

static uint32_t futex_word;

static long futex(uint32_t *word, int op, uint32_t val)
{
	return syscall(SYS_futex, word, op, val, NULL, NULL, 0);
}

/* Wakes until the wait is over (the word stays 0, so a restarted wait
 * sleeps again and a wake before it would be lost). */
static void futex_waker(void *arg)
{
	struct helper *h = arg;

	while (!h->done) {
		futex(&futex_word, FUTEX_WAKE_PRIVATE, 1);
		sleep_ms(5);
	}
}

static void futex_wait(int flags)
{
	struct helper h;
	long rc;
	int e;

	install(SIGALRM, flags);
	handled = 0;
	futex_word = 0;
	helper_start(&h, futex_waker, &h, flags & SA_RESTART);
	timer_ms(100);
	rc = futex(&futex_word, FUTEX_WAIT_PRIVATE, 0);
	e = errno;
	helper_stop(&h);
	printf("sigintr: futex wait%s = %ld%s, handler ran %d, helper woke it after the handler: %s\n",
	       flags & SA_RESTART ? " (SA_RESTART)" : "", rc, err_name(rc, e), (int)handled,
	       h.fired && h.saw_handler ? "yes" : h.fired ? "no (a rescue)" : "not needed");
}

/* A blocking write of 1 MiB to a pipe nobody reads: the signal ends it
 * with what went in (the pipe's size differs: only "some" is printed). */
enum { BIG = 1 << 20 };
static char big[BIG];

struct drain_of {
	int fd;
	struct helper *h;
};

/* Reads what the pipe holds until the write is over (never blocks for
 * good: a write cut short leaves bytes nobody will add to). */
static void drain(void *arg)
{
	static char sink[65536];
	struct drain_of *d = arg;

	while (!d->h->done) {
		struct pollfd pfd = { d->fd, POLLIN, 0 };

		if (poll(&pfd, 1, 10) == 1 && read(d->fd, sink, sizeof(sink)) <= 0)
			break;
	}
}

static void pipe_partial_write(void)
{
	struct helper h;
	struct drain_of d = { 0, &h };
	int p[2];
	long rc;
	int e;

	check(pipe(p) == 0, "pipe");
	d.fd = p[0];
	install(SIGALRM, SA_RESTART);
	handled = 0;
	helper_start(&h, drain, &d, 0);
	timer_ms(100);
	rc = write(p[1], big, BIG);
	e = errno;
	helper_stop(&h);
	printf("sigintr: pipe write of 1 MiB, nobody reading (SA_RESTART) = %s%s, handler ran %d\n",
	       rc > 0 && rc < BIG ? "some bytes" : rc == BIG ? "all" : "-1", err_name(rc, e),
	       (int)handled);
	close(p[0]);
	close(p[1]);
}

static void block_all(void)
{
	sigset_t all;

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
}

/* A read of one byte from a new pipe while thread_fn runs (given the
 * pipe's write end); rescue: a helper writes after 3 s if it still waits. */
static long read_during(void *(*thread_fn)(void *), int rescue, int *e)
{
	struct helper h;
	pthread_t t;
	int p[2];
	char c;
	long rc;

	check(pipe(p) == 0, "pipe");
	if (rescue)
		helper_start(&h, write_byte, &p[1], 0);
	pthread_create(&t, NULL, thread_fn, &p[1]);
	rc = read(p[0], &c, 1);
	*e = errno;
	if (rescue)
		helper_stop(&h);
	pthread_join(t, NULL);
	close(p[0]);
	close(p[1]);
	return rc;
}

/* Ignored signals do not interrupt: the read gets the byte this thread
 * writes at 300 ms (SIGALRM ignored at 100 ms, SIGURG sent at 150 ms). */
static void *urg_then_write(void *arg)
{
	block_all();
	sleep_ms(150);
	kill(getpid(), SIGURG);
	sleep_ms(150);
	write_byte(arg);
	return NULL;
}

static void ignored(void)
{
	long rc;
	int e;

	signal(SIGALRM, SIG_IGN);
	signal(SIGURG, SIG_DFL);
	timer_ms(100);
	rc = read_during(urg_then_write, 0, &e);
	printf("sigintr: SIGALRM ignored, SIGURG default: read = %ld%s\n", rc, err_name(rc, e));
}

/* kill(getpid()) by another thread that blocks the signal: the process's
 * signal goes to the main thread, asleep in read. */
static void *kill_usr1(void *arg)
{
	(void)arg;
	block_all();
	sleep_ms(100);
	kill(getpid(), SIGUSR1);
	return NULL;
}

static void kill_from_thread(void)
{
	long rc;
	int e;

	install(SIGUSR1, 0);
	handled = 0;
	rc = read_during(kill_usr1, 1, &e);
	printf("sigintr: kill from another thread: read = %ld%s, handler ran %d\n", rc,
	       err_name(rc, e), (int)handled);
}

/* pthread_kill: two threads in read, one is sent SIGUSR1. */
struct reader {
	int fd;
	volatile int done;
	long rc;
	int e;
	pthread_t thread;
};

static void *reader_main(void *arg)
{
	struct reader *r = arg;
	sigset_t all;
	char c;

	sigfillset(&all);
	sigdelset(&all, SIGUSR1);
	pthread_sigmask(SIG_SETMASK, &all, NULL);
	r->rc = read(r->fd, &c, 1);
	r->e = errno;
	r->done = 1;
	return NULL;
}

static int wait_done(struct reader *r, int ms)
{
	for (int waited = 0; waited < ms && !r->done; waited += 5)
		sleep_ms(5);
	return r->done;
}

static void thread_directed(void)
{
	struct reader a = { 0 }, b = { 0 };
	int pa[2], pb[2], b_blocked;

	check(pipe(pa) == 0 && pipe(pb) == 0, "pipe");
	install(SIGUSR1, 0);
	handled = 0;
	a.fd = pa[0];
	b.fd = pb[0];
	pthread_create(&a.thread, NULL, reader_main, &a);
	pthread_create(&b.thread, NULL, reader_main, &b);
	sleep_ms(100);
	pthread_kill(a.thread, SIGUSR1);
	if (!wait_done(&a, 3000))
		write_byte(&pa[1]); /* not interrupted: a rescue */
	wait_done(&a, 3000);
	sleep_ms(100);
	b_blocked = !b.done;
	write_byte(&pb[1]);
	pthread_join(a.thread, NULL);
	pthread_join(b.thread, NULL);
	printf("sigintr: pthread_kill: its target's read = %ld%s, the other still blocked: %s, "
	       "then read %ld, handler ran %d\n", a.rc, err_name(a.rc, a.e),
	       b_blocked ? "yes" : "no", b.rc, (int)handled);
	close(pa[0]);
	close(pa[1]);
	close(pb[0]);
	close(pb[1]);
}

/* Whether TCP on loopback works (not in a network namespace whose lo is down). */
static int have_loopback(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int l = socket(AF_INET, SOCK_STREAM, 0), c = socket(AF_INET, SOCK_STREAM, 0), ok;

	ok = bind(l, (struct sockaddr *)&a, sizeof(a)) == 0 &&
	     getsockname(l, (struct sockaddr *)&a, &len) == 0 && listen(l, 1) == 0 &&
	     connect(c, (struct sockaddr *)&a, sizeof(a)) == 0;
	close(c);
	close(l);
	return ok;
}

int main(void)
{
	sigset_t none;

	setvbuf(stdout, NULL, _IOLBF, 0);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	pipe_read(0);
	pipe_read(SA_RESTART);
	if (!have_loopback()) {
		printf("sigintr: FAILED: no loopback network (lo down?): the socket cases cannot run\n");
		return 1;
	}
	tcp_recv(0, 0);
	tcp_recv(SA_RESTART, 0);
	tcp_recv(SA_RESTART, 1);
	tcp_partial();
	udp_recvfrom();
	tcp_accept(0);
	tcp_accept(SA_RESTART);
	waits();
	futex_wait(0);
	futex_wait(SA_RESTART);
	pipe_partial_write();
	ignored();
	kill_from_thread();
	thread_directed();
	printf("sigintr: %d failed\n", failed);
	return failed != 0;
}
