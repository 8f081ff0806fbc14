/*
 * date: calendar dates and times to seconds since the Unix epoch, and the
 * decoding of the PC's CMOS real-time clock registers (portable: the RTC
 * driver, kernel/arch/x86_64/rtc.c, reads the registers; this decides
 * what they say, and builds on the host for tests/unit/test_date.c).
 */
#ifndef CARAPACE_DATE_H
#define CARAPACE_DATE_H

#include <stdint.h>

/* A UTC date and time of the proleptic Gregorian calendar. */
struct date_time {
	int64_t year;
	unsigned month;  /* 1..12 */
	unsigned day;    /* 1..31 */
	unsigned hour;   /* 0..23 */
	unsigned minute; /* 0..59 */
	unsigned second; /* 0..59 (a leap second's 60 is refused) */
};

/* Days from 1970-01-01 to year-month-day (negative before it). */
int64_t date_days_from_civil(int64_t year, unsigned month, unsigned day);

/* Seconds since 1970-01-01 00:00:00 UTC; -EINVAL for a field out of range
 * (the 31st of a 30-day month, February 29th of a common year...). */
int date_to_epoch(const struct date_time *t, int64_t *secs);

/* The CMOS RTC's time registers as read, and status register B. */
struct rtc_regs {
	uint8_t second, minute, hour, day, month, year;
	uint8_t century; /* register 0x32; 0 or invalid: assume 20xx */
	uint8_t status_b;
};

#define RTC_B_24HOUR 0x02 /* hours run 0..23, else 1..12 with a PM bit */
#define RTC_B_BINARY 0x04 /* values are binary, else BCD */
#define RTC_HOUR_PM  0x80 /* in 12-hour mode */

/* Decodes BCD or binary, 12- or 24-hour registers; -EINVAL when a value
 * is not a valid digit pair or date (a missing RTC reads 0xff). */
int rtc_regs_decode(const struct rtc_regs *r, struct date_time *out);

#endif
