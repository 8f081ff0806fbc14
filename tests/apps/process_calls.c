/*
 * What daemons such as memcached and redis call at start (issue 16), each
 * result printed so that tests/apps/differential compares it with the
 * host's: the user database (getpwnam, getgrnam: the launcher packs
 * /etc/passwd and /etc/group), umask on a new file, RLIMIT_NOFILE raised
 * and descriptors above 1024 opened, prctl's thread name and flags,
 * getrusage's CPU time growing, and the interval timer with SIGALRM
 * ignored (read back, left to expire harmlessly, disarmed).
 *
 *     process_calls.so            the checks; status 0 when all hold
 *     process_calls.so alarm      arms a 100 ms timer with SIGALRM's default
 *                                 action and waits: the run must end
 *                                 (Linux's status 142, Carapace's 146)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static int failed;

static void check(const char *what, int ok)
{
	printf("%s: %s\n", what, ok ? "ok" : "FAILED");
	failed |= !ok;
}

static void users(void)
{
	struct passwd *pw = getpwnam("root");
	struct group *gr = getgrnam("root");

	check("getpwnam root is uid 0 with home /root", pw && pw->pw_uid == 0 && !strcmp(pw->pw_dir, "/root"));
	pw = getpwnam("nobody");
	check("getpwnam nobody is uid 65534", pw && pw->pw_uid == 65534);
	check("getgrnam root is gid 0", gr && gr->gr_gid == 0);
	check("getpwnam of no such user is NULL", getpwnam("no-such-user") == NULL);
}

static void file_mask(void)
{
	struct stat st;
	int fd;

	umask(027);
	check("umask returns the mask set before", umask(077) == 027);
	unlink("/tmp/process_calls.masked");
	fd = open("/tmp/process_calls.masked", O_CREAT | O_WRONLY, 0666);
	check("a file made under umask 077 is 0600", fd >= 0 && fstat(fd, &st) == 0 &&
						   (st.st_mode & 0777) == 0600);
	close(fd);
	unlink("/tmp/process_calls.masked");
	umask(022);
}

static void file_limit(void)
{
	struct rlimit rl;
	int fd;

	check("getrlimit NOFILE", getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur <= rl.rlim_max);
	if (rl.rlim_max < 4096) {
		printf("the hard limit is below 4096: not raised\n");
		failed = 1;
		return;
	}
	rl.rlim_cur = 4096;
	check("setrlimit NOFILE raises the soft limit to 4096", setrlimit(RLIMIT_NOFILE, &rl) == 0);
	fd = fcntl(1, F_DUPFD, 3000);
	check("a descriptor above 1024 (F_DUPFD from 3000)", fd == 3000);
	check("dup2 to 4095", dup2(1, 4095) == 4095);
	errno = 0;
	check("dup2 to 4096: EBADF", dup2(1, 4096) == -1 && errno == EBADF);
	close(fd);
	close(4095);
}

static void process_control(void)
{
	char name[16] = { 0 };

	check("PR_SET_NAME", prctl(PR_SET_NAME, "worker-thread-number-one", 0, 0, 0) == 0);
	check("PR_GET_NAME gives its first 15 bytes",
	      prctl(PR_GET_NAME, name, 0, 0, 0) == 0 && !strcmp(name, "worker-thread-n"));
	check("PR_SET_THP_DISABLE", prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0) == 0);
	check("PR_GET_THP_DISABLE is 1", prctl(PR_GET_THP_DISABLE, 0, 0, 0, 0) == 1);
	check("PR_SET_NO_NEW_PRIVS", prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0);
	check("PR_GET_NO_NEW_PRIVS is 1", prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1);
	errno = 0;
	check("an unknown option: EINVAL", prctl(0x7fff, 0, 0, 0, 0) == -1 && errno == EINVAL);
}

static double seconds(struct timeval tv)
{
	return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

static void usage(void)
{
	struct rusage before, after;
	struct timespec start, now;
	volatile unsigned long spin = 0;

	check("getrusage RUSAGE_SELF", getrusage(RUSAGE_SELF, &before) == 0);
	clock_gettime(CLOCK_MONOTONIC, &start);
	do {
		for (int i = 0; i < 100000; i++)
			spin++;
		clock_gettime(CLOCK_MONOTONIC, &now);
	} while ((now.tv_sec - start.tv_sec) * 1000000000L + (now.tv_nsec - start.tv_nsec) < 200000000L);
	getrusage(RUSAGE_SELF, &after);
	check("user and system time grew by at least 50 ms over 200 ms of work",
	      seconds(after.ru_utime) + seconds(after.ru_stime) -
	      seconds(before.ru_utime) - seconds(before.ru_stime) >= 0.05);
}

static void interval_timer(void)
{
	struct itimerval it = { { 0, 0 }, { 0, 300000 } }, left;

	signal(SIGALRM, SIG_IGN);
	check("setitimer ITIMER_REAL 300 ms", setitimer(ITIMER_REAL, &it, NULL) == 0);
	check("getitimer: between 0 and 300 ms left",
	      getitimer(ITIMER_REAL, &left) == 0 && left.it_value.tv_sec == 0 &&
	      left.it_value.tv_usec > 0 && left.it_value.tv_usec <= 300000);
	usleep(500000); /* it expires: SIGALRM is ignored */
	check("after it expired, nothing is left",
	      getitimer(ITIMER_REAL, &left) == 0 && left.it_value.tv_sec == 0 &&
	      left.it_value.tv_usec == 0);
	it.it_value.tv_sec = 10;
	setitimer(ITIMER_REAL, &it, NULL);
	it.it_value.tv_sec = it.it_value.tv_usec = 0;
	check("disarming returns the time that was left",
	      setitimer(ITIMER_REAL, &it, &left) == 0 && left.it_value.tv_sec >= 9);
	errno = 0;
	it.it_value.tv_usec = 1000000;
	check("a microsecond field of 1000000: EINVAL",
	      setitimer(ITIMER_REAL, &it, NULL) == -1 && errno == EINVAL);
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "alarm")) {
		struct itimerval it = { { 0, 0 }, { 0, 100000 } };

		setitimer(ITIMER_REAL, &it, NULL);
		printf("process_calls: armed 100 ms with SIGALRM's default action\n");
		fflush(stdout);
		sleep(5);
		printf("process_calls: still running after 5 s: FAILED\n");
		return 1;
	}
	users();
	file_mask();
	file_limit();
	process_control();
	usage();
	interval_timer();
	printf("process_calls: %s\n", failed ? "FAILED" : "all ok");
	return failed;
}
