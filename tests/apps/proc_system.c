/*
 * /proc's system files as programs read them (a differential test: the
 * output must be the same natively and in Carapace, so it says what holds,
 * never a figure of this machine):
 * - /proc/meminfo: MemTotal, MemFree and MemAvailable in kB, free at most
 *   total, MemTotal what sysinfo(2) says;
 * - /proc/cpuinfo: blocks "processor : 0", 1, ... in order, each with a
 *   vendor_id, a model name and flags, at least as many as the CPUs this
 *   process may run on (its affinity: the runner may have narrowed it);
 * - /proc/uptime: two numbers "S.CC S.CC", the first within a second of
 *   CLOCK_BOOTTIME;
 * - /proc/version: starts with uname's sysname, " version ", its release;
 * - /proc/self/status: Name, State R, Tgid and Pid getpid(), PPid, Uid
 *   getuid() four times, Threads 1, then 2 while a thread runs, SigBlk;
 * - /proc/self/stat: 52 fields, pid getpid(), "(comm)", state R, field 20
 *   the thread count;
 * - /proc/self/cmdline: argv as the program received it, NUL after each.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

static char text[1 << 16];

static int failures;

static void check(int ok, const char *what)
{
	printf("proc_system: %s %s\n", what, ok ? "ok" : "FAILED");
	failures += !ok;
}

static const char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	size_t n = 0;

	text[0] = '\0';
	if (f == NULL)
		return NULL;
	n = fread(text, 1, sizeof(text) - 1, f);
	text[n] = '\0';
	fclose(f);
	return text;
}

/* The number after "Name:" in /proc/meminfo's text, if its unit is kB; -1 if none. */
static long long kb_field(const char *t, const char *name)
{
	const char *p = strstr(t, name);
	char *end;
	long long v;

	if (p == NULL || (p != t && p[-1] != '\n'))
		return -1;
	v = strtoll(p + strlen(name), &end, 10);
	return strncmp(end, " kB\n", 4) == 0 ? v : -1;
}

static void meminfo(void)
{
	const char *t = slurp("/proc/meminfo");
	long long total, free, avail;
	struct sysinfo si;

	check(t != NULL, "/proc/meminfo opens");
	if (t == NULL)
		return;
	total = kb_field(t, "MemTotal:");
	free = kb_field(t, "MemFree:");
	avail = kb_field(t, "MemAvailable:");
	check(total > 0 && free >= 0 && avail >= 0, "MemTotal, MemFree, MemAvailable in kB");
	check(free <= total && avail <= total, "free and available at most the total");
	check(sysinfo(&si) == 0 &&
	      (unsigned long long)si.totalram * si.mem_unit / 1024 == (unsigned long long)total,
	      "MemTotal is sysinfo's totalram");
}

static void cpuinfo(void)
{
	const char *t = slurp("/proc/cpuinfo"), *p;
	cpu_set_t mine;
	int blocks = 0, in_order = 1, complete = 1;

	check(t != NULL, "/proc/cpuinfo opens");
	if (t == NULL)
		return;
	for (p = t; (p = strstr(p, "processor\t: ")) != NULL; p++) {
		const char *next = strstr(p + 1, "processor\t: ");
		size_t len = next ? (size_t)(next - p) : strlen(p);

		if (atoi(p + 12) != blocks)
			in_order = 0;
		if (!memmem(p, len, "\nvendor_id\t: ", 13) || !memmem(p, len, "\nmodel name\t: ", 14) ||
		    !memmem(p, len, "\nflags\t\t: ", 10))
			complete = 0;
		blocks++;
	}
	check(blocks > 0 && in_order, "processor 0, 1, ... in order");
	check(complete, "each with vendor_id, model name and flags");
	check(sched_getaffinity(0, sizeof(mine), &mine) == 0 && blocks >= CPU_COUNT(&mine),
	      "at least as many as the CPUs of the affinity");
}

static void uptime(void)
{
	const char *t = slurp("/proc/uptime");
	unsigned long long s1, c1, s2, c2;
	struct timespec now;
	char tail;

	check(t != NULL, "/proc/uptime opens");
	if (t == NULL)
		return;
	clock_gettime(CLOCK_BOOTTIME, &now);
	check(sscanf(t, "%llu.%2llu %llu.%2llu%c", &s1, &c1, &s2, &c2, &tail) == 5 && tail == '\n',
	      "two numbers S.CC S.CC");
	check(llabs((long long)(s1 * 100 + c1) -
		    (long long)(now.tv_sec * 100 + now.tv_nsec / 10000000)) <= 100,
	      "up time within a second of CLOCK_BOOTTIME");
}

static void version(void)
{
	const char *t = slurp("/proc/version");
	struct utsname u;
	char want[200];

	check(t != NULL && uname(&u) == 0, "/proc/version opens");
	if (t == NULL)
		return;
	snprintf(want, sizeof(want), "%s version %s ", u.sysname, u.release);
	check(strncmp(t, want, strlen(want)) == 0, "starts with uname's sysname and release");
}

/* The value after "name:\t" on a line of its own in text, as a number; -1 if none. */
static long status_field(const char *t, const char *name)
{
	char key[32];
	const char *at;

	snprintf(key, sizeof(key), "\n%s:\t", name);
	if (strncmp(t, key + 1, strlen(key + 1)) == 0)
		at = t + strlen(key + 1);
	else if ((at = strstr(t, key)) != NULL)
		at += strlen(key);
	else
		return -1;
	return strtol(at, NULL, 10);
}

static void status(int threads)
{
	const char *t = slurp("/proc/self/status") ? text : ""; /* missing: every check fails */
	char uids[64];

	snprintf(uids, sizeof(uids), "\nUid:\t%u\t%u\t%u\t%u\n", getuid(), getuid(), getuid(),
		 getuid());
	if (threads > 1) {
		check(status_field(t, "Threads") == threads, "status: Threads 2 while a thread runs");
		return;
	}
	check(strncmp(t, "Name:\t", 6) == 0 && strstr(t, "\nState:\tR (running)\n") != NULL,
	      "status: Name first, State R (running)");
	check(status_field(t, "Pid") == getpid() && status_field(t, "Tgid") == getpid(),
	      "status: Pid and Tgid getpid()");
	check(status_field(t, "PPid") >= 0, "status: PPid");
	check(strstr(t, uids) != NULL, "status: Uid getuid() four times");
	check(status_field(t, "Threads") == 1, "status: Threads 1");
	check(strstr(t, "\nSigBlk:\t") != NULL, "status: SigBlk");
}

static void stat_line(int threads)
{
	const char *t = slurp("/proc/self/stat") ? text : "";
	const char *close = strrchr(t, ')');
	int fields = 2, num_threads = -1;
	char state = '?';

	/* After "pid (comm)": the rest are separated by single spaces. */
	if (close) {
		sscanf(close + 1, " %c", &state);
		for (const char *c = close + 1; *c && *c != '\n'; c++) {
			if (*c == ' ' && c[1] && c[1] != '\n') {
				fields++;
				if (fields == 20)
					num_threads = atoi(c + 1);
			}
		}
	}
	if (threads > 1) {
		check(num_threads == threads, "stat: field 20 is 2 while a thread runs");
		return;
	}
	check(atol(t) == getpid() && strstr(t, " (") != NULL && close != NULL,
	      "stat: pid (comm) first");
	check(state == 'R', "stat: state R");
	check(fields == 52, "stat: 52 fields");
	check(num_threads == 1, "stat: field 20 (threads) 1");
}

static void cmdline(int argc, char **argv)
{
	FILE *f = fopen("/proc/self/cmdline", "r");
	char want[4096];
	size_t n = 0, w = 0;

	if (f) {
		n = fread(text, 1, sizeof(text), f);
		fclose(f);
	}
	for (int i = 0; i < argc; i++) {
		size_t len = strlen(argv[i]) + 1;

		memcpy(want + w, argv[i], len);
		w += len;
	}
	check(n == w && memcmp(text, want, w) == 0, "cmdline: argv, NUL after each");
}

static int go_on[2];

static void *waiter(void *arg)
{
	char c;

	(void)arg;
	return read(go_on[0], &c, 1) == 1 ? NULL : arg;
}

int main(int argc, char **argv)
{
	pthread_t t;

	meminfo();
	cpuinfo();
	uptime();
	version();
	status(1);
	stat_line(1);
	cmdline(argc, argv);
	if (pipe(go_on) == 0 && pthread_create(&t, NULL, waiter, NULL) == 0) {
		status(2);
		stat_line(2);
		write(go_on[1], "x", 1);
		pthread_join(t, NULL);
	}
	printf("proc_system: %d failed\n", failures);
	return failures != 0;
}
