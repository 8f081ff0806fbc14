/*
 * POSIX timers as Linux runs them (a differential test: the same output
 * natively and in Carapace; only facts that do not depend on the
 * machine's speed are printed):
 * - SIGEV_SIGNAL, periodic: its handler runs again and again, the
 *   interval reads back, timer_getoverrun answers, timer_delete stops it;
 * - blocked and taken with sigwaitinfo: si_code SI_TIMER, si_value the
 *   sigev_value given;
 * - SIGEV_THREAD (musl's helper thread): the function runs with its value;
 * - SIGEV_NONE: nothing is raised, timer_gettime counts down (not its
 *   disarming: the host's Linux 6.1 went on reporting a disarmed
 *   SIGEV_NONE timer's old expiry; the periodic timer checks it);
 * - TIMER_ABSTIME on CLOCK_REALTIME: fires at the wall-clock time;
 * - errors: an unknown id, a deleted one, a bad notify or signal number,
 *   nanoseconds out of range: EINVAL.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t ticks;
static volatile int thread_value;

static void on_tick(int sig)
{
	(void)sig;
	ticks++;
}

static void on_thread(union sigval v)
{
	thread_value = v.sival_int;
}

static const char *err(int rc)
{
	return rc == 0 ? "0" : errno == EINVAL ? "EINVAL" : errno == EAGAIN ? "EAGAIN" : "other";
}

static void periodic(void)
{
	struct sigevent ev = { .sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGUSR1 };
	struct itimerspec its = { { 0, 5000000 }, { 0, 5000000 } }, cur;
	timer_t t;
	int before;

	signal(SIGUSR1, on_tick);
	printf("periodic: create %s\n", err(timer_create(CLOCK_MONOTONIC, &ev, &t)));
	printf("periodic: settime %s\n", err(timer_settime(t, 0, &its, NULL)));
	while (ticks < 3)
		pause();
	printf("periodic: 3 ticks came\n");
	printf("periodic: gettime %s", err(timer_gettime(t, &cur)));
	printf(", interval 5 ms %d, armed %d\n",
	       cur.it_interval.tv_sec == 0 && cur.it_interval.tv_nsec == 5000000,
	       cur.it_value.tv_sec > 0 || cur.it_value.tv_nsec > 0);
	printf("periodic: overrun >= 0 %d\n", timer_getoverrun(t) >= 0);
	{
		struct itimerspec off = { { 0, 0 }, { 0, 0 } }, old;

		printf("periodic: disarm %s", err(timer_settime(t, 0, &off, &old)));
		printf(", old interval given %d", old.it_interval.tv_nsec == 5000000);
		printf(", now %s", err(timer_gettime(t, &cur)));
		printf(" disarmed %d\n", cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec == 0 &&
						 cur.it_interval.tv_nsec == 0);
	}
	printf("periodic: delete %s\n", err(timer_delete(t)));
	before = ticks;
	usleep(50000);
	printf("periodic: no tick after delete %d\n", ticks - before <= 1);
	/* musl's timer_delete answers the system call's -EINVAL itself, errno untouched. */
	printf("periodic: delete again %d\n", timer_delete(t));
}

static void waited(void)
{
	struct sigevent ev = { .sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGUSR2,
			       .sigev_value.sival_int = 4242 };
	struct itimerspec its = { { 0, 0 }, { 0, 2000000 } };
	sigset_t set;
	siginfo_t info;
	timer_t t;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	sigprocmask(SIG_BLOCK, &set, NULL);
	timer_create(CLOCK_MONOTONIC, &ev, &t);
	timer_settime(t, 0, &its, NULL);
	printf("waited: sigwaitinfo %d", sigwaitinfo(&set, &info));
	printf(", SI_TIMER %d, value %d\n", info.si_code == SI_TIMER, info.si_value.sival_int);
	timer_delete(t);
}

static void threaded(void)
{
	struct sigevent ev = { .sigev_notify = SIGEV_THREAD, .sigev_notify_function = on_thread,
			       .sigev_value.sival_int = 77 };
	struct itimerspec its = { { 0, 0 }, { 0, 2000000 } };
	timer_t t;

	printf("thread: create %s\n", err(timer_create(CLOCK_REALTIME, &ev, &t)));
	timer_settime(t, 0, &its, NULL);
	for (int i = 0; i < 400 && !thread_value; i++)
		usleep(5000);
	printf("thread: the function ran with %d\n", thread_value);
	timer_delete(t);
}

static void silent(void)
{
	struct sigevent ev = { .sigev_notify = SIGEV_NONE };
	struct itimerspec its = { { 0, 0 }, { 100, 0 } }, a, b;
	timer_t t;

	printf("none: create %s\n", err(timer_create(CLOCK_MONOTONIC, &ev, &t)));
	timer_settime(t, 0, &its, NULL);
	timer_gettime(t, &a);
	usleep(20000);
	timer_gettime(t, &b);
	printf("none: counts down %d, under 100 s %d\n",
	       b.it_value.tv_sec < a.it_value.tv_sec ||
		       (b.it_value.tv_sec == a.it_value.tv_sec && b.it_value.tv_nsec < a.it_value.tv_nsec),
	       a.it_value.tv_sec < 100);
	timer_delete(t);
}

static void absolute(void)
{
	struct sigevent ev = { .sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGUSR1 };
	struct itimerspec its = { { 0, 0 }, { 0, 0 } };
	struct timespec now, after;
	timer_t t;

	ticks = 0;
	timer_create(CLOCK_REALTIME, &ev, &t);
	clock_gettime(CLOCK_REALTIME, &now);
	its.it_value = now;
	its.it_value.tv_nsec += 30000000;
	if (its.it_value.tv_nsec >= 1000000000) {
		its.it_value.tv_sec++;
		its.it_value.tv_nsec -= 1000000000;
	}
	printf("absolute: settime %s\n", err(timer_settime(t, TIMER_ABSTIME, &its, NULL)));
	while (!ticks)
		pause();
	clock_gettime(CLOCK_REALTIME, &after);
	printf("absolute: fired, not before its time %d\n",
	       after.tv_sec > its.it_value.tv_sec ||
		       (after.tv_sec == its.it_value.tv_sec && after.tv_nsec >= its.it_value.tv_nsec));
	timer_delete(t);
}

static void errors(void)
{
	struct sigevent bad_notify = { .sigev_notify = 99, .sigev_signo = SIGUSR1 };
	struct sigevent bad_signo = { .sigev_notify = SIGEV_SIGNAL, .sigev_signo = 0 };
	struct sigevent big_signo = { .sigev_notify = SIGEV_SIGNAL, .sigev_signo = 65 };
	struct itimerspec bad_ns = { { 0, 0 }, { 0, 1000000000 } }, cur;
	timer_t t;

	printf("errors: notify 99 %s\n", err(timer_create(CLOCK_MONOTONIC, &bad_notify, &t)));
	printf("errors: signal 0 %s\n", err(timer_create(CLOCK_MONOTONIC, &bad_signo, &t)));
	printf("errors: signal 65 %s\n", err(timer_create(CLOCK_MONOTONIC, &big_signo, &t)));
	printf("errors: clock 99 %s\n", err(timer_create(99, NULL, &t)));
	timer_create(CLOCK_MONOTONIC, NULL, &t);
	printf("errors: nanoseconds 1e9 %s\n", err(timer_settime(t, 0, &bad_ns, NULL)));
	timer_delete(t);
	printf("errors: gettime of a deleted timer %s\n", err(timer_gettime(t, &cur)));
	printf("errors: getoverrun of a deleted timer %s\n", timer_getoverrun(t) < 0 ? err(-1) : "0");
}

int main(void)
{
	periodic();
	waited();
	threaded();
	silent();
	absolute();
	errors();
	return 0;
}
