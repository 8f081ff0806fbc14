/*
 * The wall clock: clock_gettime(CLOCK_REALTIME), gettimeofday and time
 * agree with each other, and the date is printed to the minute, so that
 * the differential test (tests/apps/differential) compares it with the
 * host's: Carapace reads the virtual machine's RTC, which QEMU sets from
 * the host's clock in UTC. A run that straddles a minute's end can differ;
 * the differential test says so.
 */
#include <stdio.h>
#include <sys/time.h>
#include <time.h>

int main(void)
{
	struct timespec ts;
	struct timeval tv;
	time_t t;
	struct tm tm;
	char date[32];
	int ok;

	clock_gettime(CLOCK_REALTIME, &ts);
	gettimeofday(&tv, NULL);
	t = time(NULL);
	ok = ts.tv_sec > 1700000000 && tv.tv_sec - ts.tv_sec <= 1 && t - ts.tv_sec <= 1 &&
	     tv.tv_sec >= ts.tv_sec && t >= ts.tv_sec;
	gmtime_r(&ts.tv_sec, &tm);
	strftime(date, sizeof(date), "%Y-%m-%d %H:%M", &tm);
	printf("clock: %s UTC\n", date);
	printf("clock: realtime, gettimeofday and time agree: %s\n", ok ? "ok" : "FAILED");
	return !ok;
}
