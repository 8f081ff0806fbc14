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
 * - /proc/version: starts with uname's sysname, " version ", its release.
 */
#define _GNU_SOURCE
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

int main(void)
{
	meminfo();
	cpuinfo();
	uptime();
	version();
	printf("proc_system: %d failed\n", failures);
	return failures != 0;
}
