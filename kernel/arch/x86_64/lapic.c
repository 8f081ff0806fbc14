/*
 * The local APIC. x2APIC is used whenever CPUID offers it: its registers are
 * MSRs, so there is no MMIO page to map, an IPI is one WRMSR with no
 * delivery-status polling, and a hypervisor handles an MSR write without
 * decoding the instruction, as it must for an MMIO access. QEMU's TCG (7.2)
 * has no x2APIC, so the xAPIC page, mapped uncached, is kept as the fallback.
 *
 * The timer runs one-shot: in TSC-deadline mode when the CPU has it (the
 * deadline is a TSC value: no conversion, no calibration), else in count
 * mode, calibrated once against the TSC on the boot CPU.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

#include <carapace/clock.h>
#include <carapace/memory.h>

#include <carapace/arch.h>
#include "irq.h"
#include "lapic.h"
#include <carapace/layout.h>

#define MSR_APIC_BASE        0x1b
#define APIC_BASE_X2APIC     (1ull << 10)
#define APIC_BASE_ENABLE     (1ull << 11)
#define APIC_BASE_ADDR       0x000ffffffffff000ull
#define MSR_TSC_DEADLINE     0x6e0
#define MSR_X2APIC_FIRST     0x800 /* + register offset / 16 */

#define CPUID1_EDX_APIC      (1u << 9)
#define CPUID1_ECX_X2APIC    (1u << 21)
#define CPUID1_ECX_DEADLINE  (1u << 24)

/* Register offsets in the xAPIC page. */
#define REG_ID               0x020
#define REG_TPR              0x080
#define REG_EOI              0x0b0
#define REG_SVR              0x0f0
#define REG_ESR              0x280
#define REG_ICR_LOW          0x300
#define REG_ICR_HIGH         0x310
#define REG_LVT_TIMER        0x320
#define REG_LVT_LINT0        0x350
#define REG_LVT_LINT1        0x360
#define REG_LVT_ERROR        0x370
#define REG_TIMER_INIT       0x380
#define REG_TIMER_CURRENT    0x390
#define REG_TIMER_DIVIDE     0x3e0

#define SVR_ENABLE           (1u << 8)
#define LVT_MASKED           (1u << 16)
#define LVT_NMI              (4u << 8)
#define LVT_TIMER_DEADLINE   (2u << 17)
#define TIMER_DIVIDE_16      0x3
#define TIMER_DIVISOR        16

#define ICR_FIXED            (0u << 8)
#define ICR_NMI              (4u << 8)
#define ICR_INIT             (5u << 8)
#define ICR_STARTUP          (6u << 8)
#define ICR_DELIVERY_PENDING (1u << 12)
#define ICR_ASSERT           (1u << 14)
#define ICR_ALL_BUT_SELF     (3u << 18)
#define ICR_PENDING_SPINS    1000000

#define PIC1_DATA            0x21
#define PIC2_DATA            0xa1

#define CALIBRATE_MS         1
/* A TSC bracket around a register access wider than this is taken again. */
#define BRACKET_US           10
#define BRACKET_TRIES        8
/* Count mode runs this much slower than calibrated, so it never fires early. */
#define TIMER_MARGIN_SHIFT   6

#define DEADLINE_MARGIN_US 20

static bool x2apic, deadline_mode, ready;
/* TSC ticks: how far ahead a deadline must at least be (DEADLINE_MARGIN_US). */
static uint64_t deadline_margin;
static volatile uint32_t *mmio;
/* Count mode: timer counts per TSC tick, 32.32 fixed point (no 128-bit division). */
static uint64_t counts_per_tick_q32;

static uint32_t lapic_read(uint32_t reg)
{
	if (x2apic)
		return (uint32_t)rdmsr(MSR_X2APIC_FIRST + (reg >> 4));
	return mmio[reg / 4];
}

static void lapic_write(uint32_t reg, uint32_t v)
{
	if (x2apic)
		wrmsr(MSR_X2APIC_FIRST + (reg >> 4), v);
	else
		mmio[reg / 4] = v;
}

bool lapic_ready(void)
{
	return ready;
}

bool lapic_x2apic(void)
{
	return x2apic;
}

bool lapic_tsc_deadline(void)
{
	return deadline_mode;
}

uint64_t lapic_timer_hz(void)
{
	if (deadline_mode)
		return 0;
	return (uint64_t)(((unsigned __int128)counts_per_tick_q32 * clock_tsc_hz()) >> 32);
}

uint32_t lapic_id(void)
{
	if (x2apic)
		return (uint32_t)rdmsr(MSR_X2APIC_FIRST + (REG_ID >> 4));
	return mmio[REG_ID / 4] >> 24;
}

void lapic_eoi(void)
{
	lapic_write(REG_EOI, 0);
}

/* Sends one ICR command; the xAPIC's two halves are written with interrupts off. */
static void send_icr(uint32_t apic_id, uint32_t low)
{
	uint64_t flags;

	if (x2apic) {
		/*
		 * A WRMSR to the x2APIC is not serializing: without the fence the
		 * IPI could overtake this CPU's earlier stores (a queued wake-up).
		 */
		__asm__ volatile("mfence; lfence" : : : "memory");
		wrmsr(MSR_X2APIC_FIRST + (REG_ICR_LOW >> 4), (uint64_t)apic_id << 32 | low);
		return;
	}
	flags = irq_save();
	for (int i = 0; i < ICR_PENDING_SPINS && (mmio[REG_ICR_LOW / 4] & ICR_DELIVERY_PENDING); i++)
		cpu_pause();
	mmio[REG_ICR_HIGH / 4] = apic_id << 24;
	mmio[REG_ICR_LOW / 4] = low;
	irq_restore(flags);
}

void lapic_send_ipi(uint32_t apic_id, uint8_t vector)
{
	send_icr(apic_id, ICR_FIXED | ICR_ASSERT | vector);
}

void lapic_send_ipi_all_others(uint8_t vector)
{
	send_icr(0, ICR_ALL_BUT_SELF | ICR_FIXED | ICR_ASSERT | vector);
}

void lapic_send_nmi(uint32_t apic_id)
{
	send_icr(apic_id, ICR_NMI | ICR_ASSERT);
}

void lapic_send_init(uint32_t apic_id)
{
	send_icr(apic_id, ICR_INIT | ICR_ASSERT);
}

void lapic_send_startup(uint32_t apic_id, uint64_t page_phys)
{
	send_icr(apic_id, ICR_STARTUP | ICR_ASSERT | (uint32_t)(page_phys >> 12));
}

void lapic_timer_set_deadline(uint64_t tsc_deadline)
{
	uint64_t now, counts;

	if (deadline_mode) {
		/*
		 * Never write a deadline that has passed: the architecture says it
		 * fires at once, but this machine's hypervisor drops it.
		 */
		now = rdtsc();
		if (tsc_deadline && tsc_deadline < now + deadline_margin)
			tsc_deadline = now + deadline_margin;
		wrmsr(MSR_TSC_DEADLINE, tsc_deadline);
		return;
	}
	if (!tsc_deadline) {
		lapic_write(REG_TIMER_INIT, 0); /* a zero count stops the timer */
		return;
	}
	now = rdtsc();
	counts = tsc_deadline > now ? tsc_deadline - now : 0;
	counts = (uint64_t)(((unsigned __int128)counts * counts_per_tick_q32) >> 32);
	counts += (counts >> TIMER_MARGIN_SHIFT) + 1;
	lapic_write(REG_TIMER_INIT, counts > UINT32_MAX ? UINT32_MAX : (uint32_t)counts);
}

/*
 * Enables the calling CPU's APIC: every LVT masked but the timer and LINT1,
 * which is NMI on every CPU: QEMU's inject-nmi (the launcher's --timeout,
 * kernel/arch/x86_64/nmi.c) comes in through each CPU's LINT1, so every
 * CPU stops where it is and shows it in the hang report.
 */
static void enable_this_cpu(void)
{
	uint64_t base = rdmsr(MSR_APIC_BASE);

	if (!(base & APIC_BASE_ENABLE))
		wrmsr(MSR_APIC_BASE, base | APIC_BASE_ENABLE);
	if (x2apic)
		wrmsr(MSR_APIC_BASE, base | APIC_BASE_ENABLE | APIC_BASE_X2APIC);
	lapic_write(REG_TPR, 0);
	lapic_write(REG_LVT_LINT0, LVT_MASKED); /* the 8259 PIC's input */
	lapic_write(REG_LVT_LINT1, LVT_NMI);
	lapic_write(REG_LVT_ERROR, LVT_MASKED);
	lapic_write(REG_SVR, SVR_ENABLE | VEC_SPURIOUS);
	lapic_write(REG_ESR, 0);
	if (deadline_mode) {
		lapic_write(REG_LVT_TIMER, LVT_TIMER_DEADLINE | VEC_TIMER);
		/* The SDM asks for a fence between the mode switch and the first deadline. */
		__asm__ volatile("mfence" : : : "memory");
		wrmsr(MSR_TSC_DEADLINE, 0);
	} else {
		lapic_write(REG_TIMER_INIT, 0);
		lapic_write(REG_TIMER_DIVIDE, TIMER_DIVIDE_16);
		lapic_write(REG_LVT_TIMER, VEC_TIMER); /* one-shot */
	}
}

/*
 * Finds the boot CPU's APIC, makes its registers reachable and enables it,
 * once (lapic_calibration_start and lapic_init both need it).
 */
static int setup_bsp(void)
{
	static int result = 1; /* 1: not yet */
	uint32_t r[4];
	uint64_t phys;

	if (result != 1)
		return result;
	cpuid(1, 0, r);
	if (!(r[3] & CPUID1_EDX_APIC))
		return result = -ENODEV;
	x2apic = r[2] & CPUID1_ECX_X2APIC;
	deadline_mode = r[2] & CPUID1_ECX_DEADLINE;
	deadline_margin = clock_tsc_hz() / 1000000 * DEADLINE_MARGIN_US;
	/* The 8259 PIC stays silent: everything comes through the APIC. */
	outb(PIC1_DATA, 0xff);
	outb(PIC2_DATA, 0xff);
	if (!x2apic) {
		/* The MSR says where the APIC is; the firmware's tables can only agree. */
		phys = rdmsr(MSR_APIC_BASE) & APIC_BASE_ADDR;
		mmio = (volatile uint32_t *)memory_map_mmio(phys, PAGE_SIZE);
		if (!mmio)
			return result = -ENOMEM;
	}
	enable_this_cpu();
	return result = 0;
}

/* The count lapic_calibration_start began: the TSC at its start, or 0. */
static uint64_t count_start_tsc;

/*
 * Starts the timer counting down from the full count, masked; returns the
 * TSC at the start: the middle of the closest pair of TSC reads around the
 * write, of a few tries (the host may stop the guest between two reads).
 */
static uint64_t start_count(void)
{
	uint64_t before = 0, after = UINT64_MAX, width = clock_tsc_hz() / 1000000 * BRACKET_US;

	lapic_write(REG_TIMER_DIVIDE, TIMER_DIVIDE_16);
	lapic_write(REG_LVT_TIMER, LVT_MASKED | VEC_TIMER);
	for (int i = 0; i < BRACKET_TRIES && after - before > width; i++) {
		before = rdtsc();
		lapic_write(REG_TIMER_INIT, UINT32_MAX);
		after = rdtsc();
	}
	return before + (after - before) / 2;
}

/* The timer's count now, and the TSC at its read (as start_count). */
static uint32_t read_count(uint64_t *tsc)
{
	uint64_t before = 0, after = UINT64_MAX, width = clock_tsc_hz() / 1000000 * BRACKET_US;
	uint32_t left = 0;

	for (int i = 0; i < BRACKET_TRIES && after - before > width; i++) {
		before = rdtsc();
		left = lapic_read(REG_TIMER_CURRENT);
		after = rdtsc();
	}
	*tsc = before + (after - before) / 2;
	return left;
}

void lapic_calibration_start(void)
{
	if (setup_bsp() || deadline_mode)
		return;
	count_start_tsc = start_count();
}

/*
 * The timer's rate against the TSC's: counted from count_start_tsc (or from
 * now, when nothing started it) for at least CALIBRATE_MS, masked, from the
 * full count. Started early, the count lasts the boot's work up to here
 * (some 10 ms under TCG) and nothing waits.
 */
static int calibrate(void)
{
	uint64_t t0 = count_start_tsc ? count_start_tsc : start_count();
	uint64_t t1, want = clock_tsc_hz() * CALIBRATE_MS / 1000;
	uint32_t left;

	count_start_tsc = 0;
	while (rdtsc() - t0 < want)
		cpu_pause();
	left = read_count(&t1);
	lapic_write(REG_TIMER_INIT, 0);
	if (left == 0 || left == UINT32_MAX || t1 <= t0)
		return -ENODEV; /* ran out, or did not run: not a timer to trust */
	counts_per_tick_q32 = ((uint64_t)(UINT32_MAX - left) << 32) / (t1 - t0);
	return counts_per_tick_q32 ? 0 : -ENODEV;
}

int lapic_init(void)
{
	int err = setup_bsp();

	if (err)
		return err;
	if (!deadline_mode && calibrate())
		return -ENODEV;
	if (!deadline_mode)
		lapic_write(REG_LVT_TIMER, VEC_TIMER);
	ready = true;
	return 0;
}

void lapic_init_ap(void)
{
	enable_this_cpu();
}
