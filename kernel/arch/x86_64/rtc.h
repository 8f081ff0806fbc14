/* The CMOS real-time clock: the date and time at boot (kernel only). */
#ifndef CARAPACE_ARCH_RTC_H
#define CARAPACE_ARCH_RTC_H

#include <stdint.h>

/* Reads the RTC once; the wall clock then runs on the monotonic clock. */
void rtc_init(void);

/* Nanoseconds since 1970-01-01 UTC: the RTC's reading at boot plus the
 * monotonic time since. Without a valid RTC, the time since boot. */
uint64_t rtc_realtime_ns(void);

#endif
