/*
 * Calendar arithmetic and the CMOS RTC's register formats.
 *
 * Days from the epoch: count years from March, so that the leap day is the
 * last day of a counted year, in 400-year eras of 146097 days each. Within
 * an era, year y (0..399) begins 365*y + y/4 - y/100 days in; within a
 * March-based year, month m (0 = March .. 11 = February) begins
 * (153*m + 2)/5 days in, which is exact for the 31/30 day pattern
 * 31 30 31 30 31 31 30 31 30 31 31 (28/29). 1970-03-01 is day 719468 after
 * 0000-03-01.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

#include <carapace/date.h>

#define DAYS_PER_ERA     146097 /* 400 Gregorian years */
#define EPOCH_FROM_0000  719468 /* days from 0000-03-01 to 1970-01-01 */
#define SECONDS_PER_DAY  86400

int64_t date_days_from_civil(int64_t year, unsigned month, unsigned day)
{
	int64_t y = month <= 2 ? year - 1 : year; /* January, February: the year before */
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t year_of_era = y - era * 400;
	int64_t month_from_march = month > 2 ? month - 3 : month + 9;
	int64_t day_of_year = (153 * month_from_march + 2) / 5 + day - 1;
	int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 +
			     day_of_year;

	return era * DAYS_PER_ERA + day_of_era - EPOCH_FROM_0000;
}

static bool is_leap(int64_t year)
{
	return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

static unsigned days_in_month(int64_t year, unsigned month)
{
	static const uint8_t days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	return month == 2 && is_leap(year) ? 29 : days[month - 1];
}

int date_to_epoch(const struct date_time *t, int64_t *secs)
{
	/* Years far enough from ours that no product below can overflow. */
	if (t->year < -1000000 || t->year > 1000000 || t->month < 1 || t->month > 12 ||
	    t->day < 1 || t->day > days_in_month(t->year, t->month) || t->hour > 23 ||
	    t->minute > 59 || t->second > 59)
		return -EINVAL;
	*secs = date_days_from_civil(t->year, t->month, t->day) * SECONDS_PER_DAY +
		(int64_t)t->hour * 3600 + t->minute * 60 + t->second;
	return 0;
}

/* A register in BCD (two decimal digits) or binary; -1 if not valid BCD. */
static int rtc_value(uint8_t v, bool binary)
{
	if (binary)
		return v;
	if ((v & 0x0f) > 9 || (v >> 4) > 9)
		return -1;
	return (v >> 4) * 10 + (v & 0x0f);
}

int rtc_regs_decode(const struct rtc_regs *r, struct date_time *out)
{
	bool binary = r->status_b & RTC_B_BINARY;
	bool pm = !(r->status_b & RTC_B_24HOUR) && (r->hour & RTC_HOUR_PM);
	int hour = rtc_value(r->status_b & RTC_B_24HOUR ? r->hour : r->hour & ~RTC_HOUR_PM,
			     binary);
	int century = rtc_value(r->century, binary);
	int fields[] = { rtc_value(r->second, binary), rtc_value(r->minute, binary),
			 rtc_value(r->day, binary), rtc_value(r->month, binary),
			 rtc_value(r->year, binary), hour };
	int64_t ignored;

	for (unsigned i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		if (fields[i] < 0)
			return -EINVAL;
	if (!(r->status_b & RTC_B_24HOUR)) {
		/* 12-hour clock: 12 AM is midnight (0), 12 PM is noon. */
		if (hour < 1 || hour > 12)
			return -EINVAL;
		hour = hour % 12 + (pm ? 12 : 0);
	}
	if (fields[4] > 99)
		return -EINVAL;
	if (century < 19 || century > 99)
		century = 20; /* no century register: the RTC's own two digits, 20xx */
	out->year = century * 100 + fields[4];
	out->month = (unsigned)fields[3];
	out->day = (unsigned)fields[2];
	out->hour = (unsigned)hour;
	out->minute = (unsigned)fields[1];
	out->second = (unsigned)fields[0];
	return date_to_epoch(out, &ignored);
}
