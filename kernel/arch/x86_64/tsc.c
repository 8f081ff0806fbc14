/*
 * TSC calibration. In order of trust: CPUID leaf 0x15 (the exact crystal
 * ratio), KVM's paravirtual clock (the hypervisor's own scale factor), the
 * hypervisor's timing leaf 0x40000010 (VMware's, which QEMU offers with
 * -cpu ...,vmware-cpuid-freq=on when it knows the TSC's rate: the TSC in
 * kHz), the PIT counted for CALIBRATE_MS, and last CPUID leaf 0x16 (a
 * nominal MHz). TCG offers none of the leaves: QEMU 7.2's TCG with -cpu
 * max, even given tsc-frequency=2096000000 and vmware-cpuid-freq=on, still
 * left the kernel to count the PIT (the TSC there is the host's own).
 *
 * The PIT is what TCG leaves (no leaf 0x15, no kvmclock), and its count
 * was the largest single cost of a boot to an application's main (10 of
 * 37 ms, then 2). It no longer waits: clock_init reads the counter and
 * takes a 0.25 ms estimate, and clock_init_finish reads it again after
 * memory_init, so the boot's own work fills the count (at least 2 ms,
 * some 5 under TCG). Each end is the best of a few readings, the one the
 * closest TSC reads bracket, so a host that stops the guest in the middle
 * of one read does not skew the rate.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

#include <carapace/clock.h>

#include <carapace/arch.h>
#include <carapace/layout.h>
#include "reloc.h"

#define PIT_HZ             1193182u
#define PIT_CHANNEL0       0x40
#define PIT_COMMAND        0x43
#define PIT_CH0_RATE_GEN   0x34 /* channel 0, lobyte/hibyte, mode 2, binary */
#define PIT_CH0_LATCH      0x00
#define CALIBRATE_MS       2
#define PIT_FIRST_TICKS    300   /* 0.25 ms: clock_init's estimate */
#define PIT_WRAP           65536 /* the counter's period, in ticks */
#define PIT_LONGEST_COUNT_MS 1000
#define PIT_SAMPLE_TRIES   8
#define PIT_STUCK_READS    100000

#define KVM_CPUID_SIGNATURE 0x40000000
#define KVM_CPUID_FEATURES  0x40000001
#define KVM_FEATURE_CLOCKSOURCE2 (1u << 3)
#define HYPERVISOR_TIMING_LEAF 0x40000010

extern uint64_t boot_entry_tsc; /* boot.S */

static uint64_t tsc_hz;
static uint64_t ns_per_tick_q32; /* nanoseconds per tick, 32.32 fixed point */
static uint64_t ticks_per_ns_q32; /* ticks per nanosecond, 32.32 fixed point */
static const char *source = "none";

/* KVM's pvclock structure (the hypervisor fills it in). */
struct pvclock_time {
	uint32_t version;
	uint32_t pad0;
	uint64_t tsc_timestamp;
	uint64_t system_time;
	uint32_t tsc_to_system_mul;
	int8_t tsc_shift;
	uint8_t flags;
	uint8_t pad[2];
} __attribute__((packed, aligned(32)));

static struct pvclock_time pvclock;

static uint64_t from_cpuid_15h(void)
{
	uint32_t r[4];

	cpuid(0, 0, r);
	if (r[0] < 0x15)
		return 0;
	cpuid(0x15, 0, r);
	/* eax: denominator, ebx: numerator, ecx: crystal Hz */
	if (r[0] == 0 || r[1] == 0 || r[2] == 0)
		return 0;
	return (uint64_t)r[2] * r[1] / r[0];
}

static uint64_t from_cpuid_16h(void)
{
	uint32_t r[4];

	cpuid(0, 0, r);
	if (r[0] < 0x16)
		return 0;
	cpuid(0x16, 0, r);
	return (uint64_t)(r[0] & 0xffff) * 1000000;
}

static int on_kvm(void)
{
	uint32_t r[4];

	cpuid(KVM_CPUID_SIGNATURE, 0, r);
	return r[1] == 0x4b4d564b && r[2] == 0x564b4d56 && r[3] == 0x4d;
}

/* The hypervisor's timing leaf: eax is the TSC's rate in kHz. */
static uint64_t from_hypervisor_leaf(void)
{
	uint32_t r[4];

	cpuid(1, 0, r);
	if (!(r[2] & (1u << 31))) /* no hypervisor: the 0x4000xxxx leaves are not its */
		return 0;
	cpuid(KVM_CPUID_SIGNATURE, 0, r); /* eax: the hypervisor's highest leaf */
	if (r[0] < HYPERVISOR_TIMING_LEAF || r[0] > HYPERVISOR_TIMING_LEAF + 0xff)
		return 0;
	cpuid(HYPERVISOR_TIMING_LEAF, 0, r);
	return (uint64_t)r[0] * 1000;
}

/* The hypervisor's scale factor: ns = (ticks << shift) * mul / 2^32. */
static uint64_t from_kvmclock(void)
{
	uint32_t r[4];
	uint64_t hz, phys = kernel_image_phys((uint64_t)&pvclock);

	if (!on_kvm())
		return 0;
	cpuid(KVM_CPUID_FEATURES, 0, r);
	if (!(r[0] & KVM_FEATURE_CLOCKSOURCE2))
		return 0;
	wrmsr(MSR_KVM_SYSTEM_TIME, phys | 1);
	while (*(volatile uint32_t *)&pvclock.version == 0 ||
	       (*(volatile uint32_t *)&pvclock.version & 1))
		cpu_pause();
	wrmsr(MSR_KVM_SYSTEM_TIME, 0); /* stop the hypervisor writing to us */
	if (pvclock.tsc_to_system_mul == 0)
		return 0;
	hz = (1000000000ull << 32) / pvclock.tsc_to_system_mul;
	if (pvclock.tsc_shift > 0)
		hz >>= pvclock.tsc_shift;
	else
		hz <<= -pvclock.tsc_shift;
	return hz;
}

static uint16_t pit_read(void)
{
	uint8_t lo, hi;

	outb(PIT_COMMAND, PIT_CH0_LATCH);
	lo = inb(PIT_CHANNEL0);
	hi = inb(PIT_CHANNEL0);
	return (uint16_t)(hi << 8 | lo);
}

/* A reading of the PIT's counter, and the TSC when it was taken. */
struct pit_sample {
	uint64_t tsc;
	uint16_t value;
};

/*
 * The best of PIT_SAMPLE_TRIES readings: the one whose TSC reads before
 * and after lie closest together (a read under TCG takes a microsecond or
 * two, and the host may stop the guest in the middle of one), timed at its
 * middle. The counter is latched inside that bracket, so the error is the
 * bracket plus one tick (838 ns), not whatever time the host took.
 */
static struct pit_sample pit_sample(void)
{
	struct pit_sample best = { 0, 0 };
	uint64_t best_width = UINT64_MAX;

	for (int i = 0; i < PIT_SAMPLE_TRIES; i++) {
		uint64_t before = rdtsc();
		uint16_t value = pit_read();
		uint64_t after = rdtsc();

		if (after - before < best_width) {
			best_width = after - before;
			best = (struct pit_sample){ before + best_width / 2, value };
		}
	}
	return best;
}

/*
 * The PIT's count, begun by clock_init and ended by clock_init_finish:
 * its first reading, and the frequency measured over the first
 * PIT_FIRST_TICKS, which is what the clock runs on in between.
 */
static struct {
	bool pending;
	struct pit_sample first;
	uint64_t estimate_hz;
} pit_count;

/*
 * Programs the PIT (the counter runs down from 65536 and wraps) and counts
 * it for `want` ticks (fewer than a wrap) against the TSC, from one
 * reading to another. Interrupts are off, so IRQ 0 does no harm. Returns 0
 * when the counter does not move (no PIT here).
 */
static uint64_t pit_window(uint16_t want)
{
	struct pit_sample last;
	uint16_t ticks = 0, prev, now;
	long same = 0;

	outb(PIT_COMMAND, PIT_CH0_RATE_GEN);
	outb(PIT_CHANNEL0, 0);
	outb(PIT_CHANNEL0, 0);
	pit_count.first = pit_sample();
	prev = pit_count.first.value;
	while (ticks < want) {
		now = pit_read();
		if (now == prev) {
			if (++same > PIT_STUCK_READS)
				return 0; /* no PIT here */
			continue;
		}
		same = 0;
		prev = now;
		ticks = (uint16_t)(pit_count.first.value - now);
	}
	last = pit_sample();
	ticks = (uint16_t)(pit_count.first.value - last.value);
	if (ticks == 0)
		return 0;
	return (last.tsc - pit_count.first.tsc) * PIT_HZ / ticks;
}

/*
 * The first part of the PIT's count: a short window (PIT_FIRST_TICKS)
 * gives the estimate the clock runs on until clock_init_finish, which
 * ends the count at a later reading; the boot's work in between
 * (memory_init) replaces what was a wait of CALIBRATE_MS.
 */
static uint64_t from_pit(void)
{
	uint64_t hz = pit_window(PIT_FIRST_TICKS);

	pit_count.pending = hz != 0;
	pit_count.estimate_hz = hz;
	return hz;
}

/*
 * The TSC's rate over the whole count, at least CALIBRATE_MS long. The
 * counter wraps every 55 ms, so how many times it wrapped comes from the
 * estimate (its error, about 1% at worst, is far less than half a wrap for
 * any count shorter than PIT_LONGEST_COUNT_MS); a count longer than that
 * (the host stopped the guest for a while) is not trusted, and a fresh
 * window of CALIBRATE_MS is counted instead.
 */
static uint64_t pit_finish(void)
{
	uint64_t want = pit_count.estimate_hz * CALIBRATE_MS / 1000;
	uint64_t elapsed, estimate_ticks, ticks;
	struct pit_sample last;

	while (rdtsc() - pit_count.first.tsc < want)
		cpu_pause();
	last = pit_sample();
	elapsed = last.tsc - pit_count.first.tsc;
	estimate_ticks = elapsed * PIT_HZ / pit_count.estimate_hz;
	if (estimate_ticks > (uint64_t)PIT_HZ * PIT_LONGEST_COUNT_MS / 1000)
		return pit_window((uint16_t)(PIT_HZ * CALIBRATE_MS / 1000));
	ticks = (uint16_t)(pit_count.first.value - last.value);
	if (estimate_ticks > ticks)
		ticks += (estimate_ticks - ticks + PIT_WRAP / 2) / PIT_WRAP * PIT_WRAP;
	if (ticks == 0)
		return 0;
	return elapsed * PIT_HZ / ticks;
}

static void use_hz(uint64_t hz, const char *name)
{
	tsc_hz = hz;
	source = name;
	ns_per_tick_q32 = (1000000000ull << 32) / hz;
	/*
	 * ns to ticks by a multiplication (a 128-bit division is a loop of 128
	 * steps, and timers convert often), rounded up so that a deadline is
	 * never earlier than the exact one.
	 */
	ticks_per_ns_q32 = (uint64_t)((((unsigned __int128)hz << 32) + 999999999u) / 1000000000u);
}

int clock_init(void)
{
	static const struct {
		const char *name;
		uint64_t (*measure)(void);
	} methods[] = {
		{ "cpuid-15h", from_cpuid_15h },
		{ "kvmclock", from_kvmclock },
		{ "cpuid-40000010h", from_hypervisor_leaf },
		{ "pit", from_pit },
		{ "cpuid-16h", from_cpuid_16h },
	};

	for (unsigned i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
		uint64_t hz = methods[i].measure();

		if (hz >= 1000000) { /* at least 1 MHz, else not believable */
			use_hz(hz, methods[i].name);
			return 0;
		}
		pit_count.pending = false;
	}
	return -ENODEV;
}

void clock_init_finish(void)
{
	uint64_t hz;

	if (!pit_count.pending)
		return;
	pit_count.pending = false;
	hz = pit_finish();
	if (hz >= 1000000)
		use_hz(hz, "pit");
	/* else the PIT stopped: keep the estimate, which did count it. */
}

uint64_t clock_tsc_to_ns(uint64_t ticks)
{
	return (uint64_t)(((unsigned __int128)ticks * ns_per_tick_q32) >> 32);
}

uint64_t clock_ns_to_tsc(uint64_t ns)
{
	return boot_entry_tsc + (uint64_t)(((unsigned __int128)ns * ticks_per_ns_q32) >> 32);
}

uint64_t clock_ns(void)
{
	return clock_tsc_to_ns(rdtsc() - boot_entry_tsc);
}

uint64_t clock_tsc_hz(void)
{
	return tsc_hz;
}

const char *clock_source(void)
{
	return source;
}
