/*
 * Signals a program sends itself, as on Linux (kernel/syscall/README.md,
 * "Signals"). With no argument: raise and kill with handlers (each runs
 * once, with its number and SI_USER/SI_TKILL's sender), a signal blocked
 * while raised runs only when sigprocmask lets it through, SIG_IGN and
 * SIGCHLD's default do nothing, a handler's sa_mask holds inside it. The
 * same output natively (tests/apps/differential). "default": raise(SIGTERM)
 * with the default action ends the run (Carapace: status 148 and a line
 * naming SIGTERM; Linux: killed by signal 15). "alarm": SIGALRM from the
 * timer reaches its handler: in pause (EINTR), in rt_sigsuspend with
 * SIGALRM blocked around it (the mask is back after), in a loop of
 * system calls, and in sleep (cut short, the time left returned). Integration cases app-signals*.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <errno.h>
#include <unistd.h>

static volatile sig_atomic_t count[65], last_signo, usr2_blocked_inside;

static void on_signal(int sig, siginfo_t *info, void *context)
{
	sigset_t now;

	(void)context;
	sigprocmask(SIG_SETMASK, NULL, &now);
	if (sig == SIGUSR1)
		usr2_blocked_inside = sigismember(&now, SIGUSR2);
	last_signo = info->si_signo;
	count[sig]++;
}

static void install(int sig, int also_blocked)
{
	struct sigaction sa = { .sa_sigaction = on_signal, .sa_flags = SA_SIGINFO };

	sigemptyset(&sa.sa_mask);
	if (also_blocked)
		sigaddset(&sa.sa_mask, also_blocked);
	sigaction(sig, &sa, NULL);
}

static int alarm_mode(void)
{
	struct itimerval every = { { 0, 20000 }, { 0, 20000 } }, off = { { 0, 0 }, { 0, 0 } };
	sigset_t alrm, none, now;
	unsigned left;
	int rc, e;

	install(SIGALRM, 0);
	alarm(1);
	rc = pause();
	e = errno;
	printf("signals: alarm: pause = %d %s, handler ran %d time(s)\n", rc,
	       e == EINTR ? "EINTR" : "?", count[SIGALRM]);

	sigemptyset(&alrm);
	sigaddset(&alrm, SIGALRM);
	sigemptyset(&none);
	sigprocmask(SIG_BLOCK, &alrm, NULL);
	setitimer(ITIMER_REAL, &every, NULL);
	for (int i = 0; i < 3; i++) {
		rc = sigsuspend(&none);
		e = errno;
	}
	setitimer(ITIMER_REAL, &off, NULL);
	sigprocmask(SIG_SETMASK, NULL, &now);
	printf("signals: alarm: sigsuspend x3 = %d %s, handler ran %d time(s), SIGALRM "
	       "blocked after: %s\n", rc, e == EINTR ? "EINTR" : "?", count[SIGALRM],
	       sigismember(&now, SIGALRM) ? "yes" : "no");
	sigprocmask(SIG_UNBLOCK, &alrm, NULL);

	alarm(1);
	for (long calls = 0; count[SIGALRM] < 5; calls++)
		getppid();
	printf("signals: alarm: a loop of system calls saw the handler: %d time(s)\n",
	       count[SIGALRM]);

	alarm(1);
	left = sleep(5);
	printf("signals: alarm: sleep(5) cut short: %s, handler ran %d time(s)\n",
	       left > 0 && left < 5 ? "yes" : "no", count[SIGALRM]);
	return 0;
}

int main(int argc, char **argv)
{
	sigset_t set;
	int rc;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc > 1 && strcmp(argv[1], "default") == 0) {
		printf("signals: default: raising SIGTERM\n");
		raise(SIGTERM);
		printf("signals: default: raise returned\n");
		return 1;
	}
	if (argc > 1 && strcmp(argv[1], "alarm") == 0)
		return alarm_mode();
	install(SIGUSR1, SIGUSR2);
	install(SIGUSR2, 0);
	install(SIGTERM, 0);

	rc = raise(SIGUSR1);
	printf("signals: raise(SIGUSR1) = %d, handler ran %d time(s), si_signo %d, "
	       "SIGUSR2 blocked inside: %s\n", rc, count[SIGUSR1], last_signo,
	       usr2_blocked_inside ? "yes" : "no");
	rc = kill(getpid(), SIGTERM);
	printf("signals: kill(self, SIGTERM) = %d, handler ran %d time(s)\n", rc, count[SIGTERM]);

	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	sigprocmask(SIG_BLOCK, &set, NULL);
	raise(SIGUSR2);
	raise(SIGUSR2); /* standard signals do not queue: one delivery */
	sigpending(&set);
	printf("signals: SIGUSR2 raised twice while blocked: handler ran %d time(s), "
	       "pending: %s\n", count[SIGUSR2], sigismember(&set, SIGUSR2) ? "yes" : "no");
	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	printf("signals: after unblocking: handler ran %d time(s)\n", count[SIGUSR2]);

	signal(SIGHUP, SIG_IGN);
	rc = raise(SIGHUP);
	printf("signals: raise(SIGHUP) ignored = %d\n", rc);
	signal(SIGCHLD, SIG_DFL);
	rc = raise(SIGCHLD);
	printf("signals: raise(SIGCHLD) default = %d\n", rc);
	rc = kill(getpid(), 0);
	printf("signals: kill(self, 0) = %d\n", rc);
	printf("signals: done\n");
	return 0;
}
