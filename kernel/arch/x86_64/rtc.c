/*
 * The CMOS real-time clock (an MC146818 as QEMU models it), read once, at
 * the first call that needs the wall clock (at boot under boot option
 * verbose, which prints the date): the wall clock is that reading plus the
 * monotonic clock since, so it never steps backwards and costs no port I/O
 * per call. Not at every boot: most applications never ask for the date,
 * and under QEMU's TCG the reading and its decoding are some 1,300
 * operations translated once (kernel/boot/README.md, "Where a run's time
 * goes").
 *
 * The RTC updates its registers once a second; during the update (flagged
 * by status register A's UIP bit) they may be half-changed. So wait for
 * UIP to clear, read every register, and read again until two reads agree.
 * What the registers say (BCD or binary, 12- or 24-hour) is decoded by the
 * portable kernel/lib/date.c. QEMU's RTC runs in UTC by default.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <carapace/arch.h>
#include <carapace/clock.h>
#include <carapace/console.h>
#include <carapace/date.h>
#include <carapace/spinlock.h>

#define CMOS_INDEX       0x70
#define CMOS_DATA        0x71
#define CMOS_NMI_DISABLE 0x80 /* bit 7 of the index port: keep NMIs masked while reading */

#define RTC_SECONDS  0x00
#define RTC_MINUTES  0x02
#define RTC_HOURS    0x04
#define RTC_DAY      0x07
#define RTC_MONTH    0x08
#define RTC_YEAR     0x09
#define RTC_STATUS_A 0x0a
#define RTC_STATUS_B 0x0b
#define RTC_CENTURY  0x32 /* QEMU's and the ACPI FADT's usual century register */

#define RTC_A_UPDATING 0x80 /* UIP: an update is in progress */

#define UIP_SPINS   1000000 /* an update lasts under 2 ms; give up long after */
#define READ_TRIES  5
#define NS_PER_SEC  1000000000ull

static uint64_t epoch_at_read_ns; /* the RTC's reading, in ns since 1970 */
static uint64_t mono_at_read_ns;  /* clock_ns() when it was read */
static bool was_read;             /* the two above are set (release/acquire) */
static struct spinlock read_lock; /* one reader: the first callers wait for it */

static uint8_t cmos_read(uint8_t reg)
{
	outb(CMOS_INDEX, CMOS_NMI_DISABLE | reg);
	return inb(CMOS_DATA);
}

static void read_regs(struct rtc_regs *r)
{
	for (int i = 0; i < UIP_SPINS && (cmos_read(RTC_STATUS_A) & RTC_A_UPDATING); i++)
		__asm__ volatile("pause");
	r->second = cmos_read(RTC_SECONDS);
	r->minute = cmos_read(RTC_MINUTES);
	r->hour = cmos_read(RTC_HOURS);
	r->day = cmos_read(RTC_DAY);
	r->month = cmos_read(RTC_MONTH);
	r->year = cmos_read(RTC_YEAR);
	r->century = cmos_read(RTC_CENTURY);
	r->status_b = cmos_read(RTC_STATUS_B);
}

static void read_clock(void)
{
	struct rtc_regs a, b;
	struct date_time t;
	int64_t secs;
	int tries = 0;

	read_regs(&b);
	do {
		a = b;
		read_regs(&b);
	} while (memcmp(&a, &b, sizeof(a)) != 0 && ++tries < READ_TRIES);
	mono_at_read_ns = clock_ns();
	if (memcmp(&a, &b, sizeof(a)) != 0 || rtc_regs_decode(&b, &t) != 0 ||
	    date_to_epoch(&t, &secs) != 0 || secs < 0) {
		klog("rtc: no valid date (registers %02x-%02x-%02x %02x:%02x:%02x); "
		     "the wall clock starts at 1970\n",
		     b.year, b.month, b.day, b.hour, b.minute, b.second);
		return;
	}
	epoch_at_read_ns = (uint64_t)secs * NS_PER_SEC;
	klog("rtc: %04lld-%02u-%02u %02u:%02u:%02u UTC\n", (long long)t.year, t.month,
	     t.day, t.hour, t.minute, t.second);
}

static void read_once(void)
{
	uint64_t flags;

	if (__atomic_load_n(&was_read, __ATOMIC_ACQUIRE))
		return;
	flags = spin_lock_irqsave(&read_lock);
	if (!was_read) {
		read_clock();
		__atomic_store_n(&was_read, true, __ATOMIC_RELEASE);
	}
	spin_unlock_irqrestore(&read_lock, flags);
}

void rtc_init(void)
{
	if (console_verbose)
		read_once();
}

uint64_t rtc_realtime_ns(void)
{
	read_once();
	return epoch_at_read_ns + (clock_ns() - mono_at_read_ns);
}
