/*
 * Tests for kernel/lib/date.c: days from the civil calendar against the
 * host's timegm() over four centuries and a seeded random sample, dates
 * that do not exist, and the CMOS RTC's BCD/binary and 12/24-hour formats.
 */
#define _DEFAULT_SOURCE /* timegm */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <time.h>
#include <cmocka.h>

#include <carapace/date.h>

static int64_t host_epoch(const struct date_time *t)
{
	struct tm tm = {
		.tm_year = (int)t->year - 1900, .tm_mon = (int)t->month - 1,
		.tm_mday = (int)t->day, .tm_hour = (int)t->hour,
		.tm_min = (int)t->minute, .tm_sec = (int)t->second,
	};

	return (int64_t)timegm(&tm);
}

static void test_known(void **state)
{
	static const struct {
		struct date_time t;
		int64_t secs;
	} cases[] = {
		{ { 1970, 1, 1, 0, 0, 0 }, 0 },
		{ { 1969, 12, 31, 23, 59, 59 }, -1 },
		{ { 2000, 2, 29, 12, 0, 0 }, 951825600 },
		{ { 2038, 1, 19, 3, 14, 8 }, 2147483648 },
		{ { 2100, 3, 1, 0, 0, 0 }, 4107542400 },
		{ { 1600, 1, 1, 0, 0, 0 }, -11676096000 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int64_t secs;

		assert_int_equal(date_to_epoch(&cases[i].t, &secs), 0);
		assert_int_equal(secs, cases[i].secs);
	}
}

/* Every day of 1900..2299, and random times, agree with the host. */
static void test_against_host(void **state)
{
	static const unsigned month_days[12] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	unsigned seed = 20261129;

	(void)state;
	for (int64_t y = 1900; y < 2300; y++) {
		for (unsigned m = 1; m <= 12; m++) {
			for (unsigned d = 1; d <= month_days[m - 1]; d++) {
				struct date_time t = { y, m, d, rand_r(&seed) % 24,
						       rand_r(&seed) % 60, rand_r(&seed) % 60 };
				bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
				int64_t secs;

				if (m == 2 && d == 29 && !leap) {
					assert_int_equal(date_to_epoch(&t, &secs), -EINVAL);
					continue;
				}
				assert_int_equal(date_to_epoch(&t, &secs), 0);
				assert_int_equal(secs, host_epoch(&t));
			}
		}
	}
}

static void test_invalid(void **state)
{
	static const struct date_time bad[] = {
		{ 2026, 0, 1, 0, 0, 0 }, { 2026, 13, 1, 0, 0, 0 }, { 2026, 4, 31, 0, 0, 0 },
		{ 2026, 1, 0, 0, 0, 0 }, { 2026, 1, 1, 24, 0, 0 }, { 2026, 1, 1, 0, 60, 0 },
		{ 2026, 1, 1, 0, 0, 60 }, { 1900, 2, 29, 0, 0, 0 }, { 9000000, 1, 1, 0, 0, 0 },
	};
	int64_t secs;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(date_to_epoch(&bad[i], &secs), -EINVAL);
}

static void test_rtc_formats(void **state)
{
	static const struct {
		struct rtc_regs r;
		int rc;
		struct date_time want;
	} cases[] = {
		/* BCD, 24-hour, with a century register: 2026-11-29 21:45:07. */
		{ { 0x07, 0x45, 0x21, 0x29, 0x11, 0x26, 0x20, RTC_B_24HOUR }, 0,
		  { 2026, 11, 29, 21, 45, 7 } },
		/* Binary, 24-hour, no century register (0): 20xx. */
		{ { 7, 45, 21, 29, 11, 26, 0, RTC_B_24HOUR | RTC_B_BINARY }, 0,
		  { 2026, 11, 29, 21, 45, 7 } },
		/* BCD, 12-hour: 9 PM, 12 AM (midnight) and 12 PM (noon). */
		{ { 0x07, 0x45, 0x89, 0x29, 0x11, 0x26, 0x20, 0 }, 0, { 2026, 11, 29, 21, 45, 7 } },
		{ { 0x00, 0x00, 0x12, 0x01, 0x01, 0x27, 0x20, 0 }, 0, { 2027, 1, 1, 0, 0, 0 } },
		{ { 0x00, 0x00, 0x92, 0x01, 0x01, 0x27, 0x20, 0 }, 0, { 2027, 1, 1, 12, 0, 0 } },
		/* Binary, 12-hour: 1 PM. */
		{ { 0, 0, 0x81, 1, 1, 27, 20, RTC_B_BINARY }, 0, { 2027, 1, 1, 13, 0, 0 } },
		/* No RTC (every port reads 0xff), a bad BCD digit, a bad date. */
		{ { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff }, -EINVAL, { 0 } },
		{ { 0x0a, 0x00, 0x00, 0x01, 0x01, 0x26, 0x20, RTC_B_24HOUR }, -EINVAL, { 0 } },
		{ { 0x00, 0x00, 0x00, 0x31, 0x04, 0x26, 0x20, RTC_B_24HOUR }, -EINVAL, { 0 } },
		{ { 0x00, 0x00, 0x00, 0x01, 0x01, 0x26, 0x20, 0 }, -EINVAL, { 0 } }, /* hour 0 in 12 h */
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct date_time t;

		memset(&t, 0, sizeof(t)); /* the padding too, for the comparison */
		assert_int_equal(rtc_regs_decode(&cases[i].r, &t), cases[i].rc);
		if (cases[i].rc == 0)
			assert_memory_equal(&t, &cases[i].want, sizeof(t));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_known),
		cmocka_unit_test(test_against_host),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_rtc_formats),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
