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
 * 37 ms). Both ends of the count are now taken right at a change of the
 * PIT's counter, so the error is the jitter of one read (under a
 * microsecond), not up to a tick (838 ns) at each end, and 2 ms give what
 * 10 ms gave: TCG's boots measured the same spread of frequencies
 * (about 0.1%, the host's load) with either.
 */
#include <errno.h>
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
#define PIT_STUCK_READS    100000

#define KVM_CPUID_SIGNATURE 0x40000000
#define KVM_CPUID_FEATURES  0x40000001
#define KVM_FEATURE_CLOCKSOURCE2 (1u << 3)
#define HYPERVISOR_TIMING_LEAF 0x40000010

extern uint64_t boot_entry_tsc; /* boot.S */

static uint64_t tsc_hz;
static uint64_t ns_per_tick_q32; /* nanoseconds per tick, 32.32 fixed point */
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

/*
 * Counts PIT ticks (the counter runs down from 65536 and wraps) while the
 * TSC runs, for CALIBRATE_MS, from one change of the counter to another.
 * Interrupts are off, so IRQ 0 does no harm.
 */
static uint64_t from_pit(void)
{
	uint64_t want = (uint64_t)PIT_HZ * CALIBRATE_MS / 1000, got = 0;
	uint64_t t0, t1;
	uint16_t first, prev, now;
	long same = 0;

	outb(PIT_COMMAND, PIT_CH0_RATE_GEN);
	outb(PIT_CHANNEL0, 0);
	outb(PIT_CHANNEL0, 0);
	first = pit_read();
	while ((prev = pit_read()) == first)
		if (++same > PIT_STUCK_READS)
			return 0; /* no PIT here */
	t0 = rdtsc();
	same = 0;
	while (got < want) {
		now = pit_read();
		if (now == prev) {
			if (++same > PIT_STUCK_READS)
				return 0; /* no PIT here */
			continue;
		}
		same = 0;
		got += (uint16_t)(prev - now);
		prev = now;
	}
	t1 = rdtsc();
	return (t1 - t0) * PIT_HZ / got;
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
			tsc_hz = hz;
			source = methods[i].name;
			ns_per_tick_q32 = (1000000000ull << 32) / hz;
			return 0;
		}
	}
	return -ENODEV;
}

uint64_t clock_tsc_to_ns(uint64_t ticks)
{
	return (uint64_t)(((unsigned __int128)ticks * ns_per_tick_q32) >> 32);
}

uint64_t clock_ns_to_tsc(uint64_t ns)
{
	return boot_entry_tsc + (uint64_t)(((unsigned __int128)ns * tsc_hz) / 1000000000u);
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
