/*
 * SMP bring-up. The boot CPU reads the firmware's list of CPUs, then starts
 * them one at a time: each gets its struct cpu, tables and stacks first
 * (only the boot CPU allocates), then INIT-SIPI-SIPI through the trampoline
 * (ap_boot.S). Every wait has a timeout; a CPU that misses it is put back
 * into INIT and left out. Started CPUs wait, halted, until the boot CPU
 * has removed the trampoline's identity mapping and woken them; they flush
 * it from their TLB and only then run ap_main. (Waiting halted matters: a
 * spinning CPU takes host time from the boot CPU when the host has fewer
 * CPUs than the guest.)
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <carapace/acpi.h>
#include <carapace/clock.h>
#include <carapace/console.h>
#include <carapace/fmt.h>
#include <carapace/hardening.h>
#include <carapace/memory.h>
#include <carapace/percpu.h>

#include "ap_boot.h"
#include <carapace/arch.h>
#include <carapace/boot.h>
#include "cpu.h"
#include <carapace/ioapic.h>
#include "irq.h"
#include "lapic.h"
#include <carapace/layout.h>
#include <carapace/mmu.h>
#include "smp.h"
#include <carapace/tlb.h>

/*
 * The stack ap_main runs on. Kept small, as are the APs' IST stacks
 * (cpu.c): each page costs a page-table write, which under a shadow-paging
 * hypervisor is a trap of about a millisecond or more.
 */
#define AP_STACK_SIZE       (32 * 1024)
#define CPUID1_ECX_HYPERVISOR (1u << 31)
#define INIT_DELAY_US       10000   /* the MP spec's wait after INIT, on hardware */
#define SIPI_RETRY_US       10000   /* no sign of life: the second STARTUP */
#define CLAIM_TIMEOUT_US    200000  /* ... and then at most this long */
#define ONLINE_TIMEOUT_US   1000000 /* from real mode to online */
#define XAPIC_MAX_ID        0xfe    /* 0xff is the broadcast address */
#define FOUR_GIB            0x100000000ull

extern const char ap_trampoline_start[], ap_trampoline_end[];
extern const char ap_trampoline_long_mode[];

static struct acpi_cpus firmware; /* too big for the stack */
static unsigned cpus_listed = 1;
static void (*ap_main_fn)(struct cpu *cpu) __ro_after_init; /* smp_init, at boot */
static volatile bool released;
static uint8_t *tramp;       /* the trampoline page, through the direct map */
static uint64_t tramp_phys;

unsigned smp_cpus_listed(void)
{
	return cpus_listed;
}

static void wait_us(uint64_t us)
{
	uint64_t t0 = rdtsc(), ticks = clock_tsc_hz() / 1000000 * us;

	while (rdtsc() - t0 < ticks)
		cpu_pause();
}

/* Waits up to us microseconds for *flag to become nonzero (or zero, if !want). */
static bool wait_for(volatile uint32_t *flag, bool want, uint64_t us)
{
	uint64_t t0 = rdtsc(), ticks = clock_tsc_hz() / 1000000 * us;

	do {
		if ((__atomic_load_n(flag, __ATOMIC_ACQUIRE) != 0) == want)
			return true;
		cpu_pause();
	} while (rdtsc() - t0 < ticks);
	return (__atomic_load_n(flag, __ATOMIC_ACQUIRE) != 0) == want;
}

static bool wait_online(struct cpu *c, uint64_t us)
{
	uint64_t t0 = rdtsc(), ticks = clock_tsc_hz() / 1000000 * us;

	while (!__atomic_load_n(&c->online, __ATOMIC_ACQUIRE)) {
		if (rdtsc() - t0 >= ticks)
			return __atomic_load_n(&c->online, __ATOMIC_ACQUIRE);
		cpu_pause();
	}
	return true;
}

static void wake_handler(struct trap_frame *f)
{
	(void)f;
}

static void stop_handler(struct trap_frame *f)
{
	(void)f;
	cpu_halt_forever();
}

void smp_stop_others(void)
{
	unsigned me = cpu_current_id(), n = __atomic_load_n(&cpu_count, __ATOMIC_ACQUIRE);

	if (!lapic_ready())
		return;
	for (unsigned i = 0; i < n && i < MAX_CPUS; i++) {
		struct cpu *c = cpu_table[i];

		if (i != me && c && c->online)
			lapic_send_ipi(c->apic_id, VEC_IPI_STOP);
	}
}

/*
 * The AP's first C code, on its own stack (from the trampoline). No stack
 * protector: GS (where the canary is read) is set in here.
 */
static __attribute__((noreturn, used, no_stack_protector)) void ap_entry(struct cpu *c)
{
	cpu_load_tables(c);
	lapic_init_ap();
	__atomic_store_n(&c->online, true, __ATOMIC_RELEASE);
	/* "sti; hlt" is one step for interrupts: a wake-up cannot slip in between. */
	while (!__atomic_load_n(&released, __ATOMIC_ACQUIRE))
		__asm__ volatile("sti; hlt; cli" : : : "memory");
	/* The trampoline's identity mapping is gone: forget any cached copy of it. */
	invlpg(tramp_phys);
	ap_main_fn(c);
	cpu_halt_forever();
}

/*
 * Copies the trampoline to a low page and maps that page at its own
 * address, read-only and executable, for the APs' switch to paging.
 */
static int trampoline_setup(void)
{
	uint64_t size = (uint64_t)(ap_trampoline_end - ap_trampoline_start);
	uint64_t root = mmu_root();
	uint32_t gdt_base;

	if (root >= FOUR_GIB) {
		klog("smp: the page tables lie above 4 GiB, out of the trampoline's reach\n");
		return -ENOMEM;
	}
	tramp_phys = memory_low_page();
	if (!tramp_phys || size > PAGE_SIZE) {
		klog("smp: no free page below 640 KiB for the AP trampoline\n");
		return -ENOMEM;
	}
	tramp = mmu_phys_to_virt(tramp_phys);
	memcpy(tramp, ap_trampoline_start, size);
	*(uint32_t *)(tramp + AP_BOOT_CR3) = (uint32_t)root;
	*(uint64_t *)(tramp + AP_BOOT_ENTRY) = (uint64_t)ap_entry;
	/* The pseudo-descriptor's base sits at offset 2: a misaligned uint32_t. */
	gdt_base = (uint32_t)(tramp_phys + AP_BOOT_GDT);
	memcpy(tramp + AP_BOOT_GDTR + 2, &gdt_base, sizeof(gdt_base));
	*(uint32_t *)(tramp + AP_BOOT_FAR64) =
		(uint32_t)(tramp_phys + (ap_trampoline_long_mode - ap_trampoline_start));
	if (mmu_map(root, tramp_phys, tramp_phys, PAGE_SIZE, MAP_READ | MAP_EXEC)) {
		klog("smp: cannot map the AP trampoline\n");
		return -ENOMEM;
	}
	return 0;
}

/*
 * Gives c (whose id and apic_id are set) its tables, IST stacks and the
 * stack ap_main will run on. A slot that failed before keeps what it got.
 */
static int ap_prepare(struct cpu *c, uint64_t *stack_top)
{
	char name[16];

	if (cpu_prepare(c))
		return -ENOMEM;
	if (!*stack_top) {
		fmt_snprintf(name, sizeof(name), "cpu%u-boot", c->id);
		*stack_top = memory_alloc_stack(name, AP_STACK_SIZE);
	}
	return *stack_top ? 0 : -ENOMEM;
}

/* INIT-SIPI-SIPI, then waits for c to come online. */
static bool ap_start(struct cpu *c, uint64_t stack_top, bool hypervisor)
{
	volatile uint32_t *ticket = (volatile uint32_t *)(tramp + AP_BOOT_TICKET);
	bool claimed;

	*(uint64_t *)(tramp + AP_BOOT_STACK) = stack_top;
	*(uint64_t *)(tramp + AP_BOOT_CPU) = (uint64_t)c;
	__atomic_store_n(ticket, 1, __ATOMIC_SEQ_CST);
	lapic_send_init(c->apic_id);
	if (!hypervisor)
		wait_us(INIT_DELAY_US);
	lapic_send_startup(c->apic_id, tramp_phys);
	claimed = wait_for(ticket, false, SIPI_RETRY_US);
	if (!claimed) {
		lapic_send_startup(c->apic_id, tramp_phys);
		claimed = wait_for(ticket, false, CLAIM_TIMEOUT_US);
	}
	/* Take the ticket back: a CPU that comes late then parks itself in real mode. */
	if (!claimed && __atomic_exchange_n(ticket, 0, __ATOMIC_SEQ_CST) != 0) {
		klog("smp: cpu with APIC ID %u did not start\n", c->apic_id);
		lapic_send_init(c->apic_id);
		return false;
	}
	if (!wait_online(c, ONLINE_TIMEOUT_US)) {
		klog("smp: cpu with APIC ID %u started but did not come online\n", c->apic_id);
		lapic_send_init(c->apic_id); /* stop it wherever it is */
		return false;
	}
	return true;
}

static void find_cpus(void)
{
	char err[160];
	int rc = acpi_find_cpus(&acpi_kernel_reader, &firmware, err, sizeof(err));

	acpi_kernel_unmap_all();
	if (rc) {
		klog("smp: %s; running on one CPU\n", err[0] ? err : "no CPU tables");
		firmware.count = 0;
		return;
	}
	cpus_listed = firmware.count < MAX_CPUS ? firmware.count : MAX_CPUS;
	klog("smp: %u cpus in the %s (%u disabled, %u ignored)\n", firmware.count,
	     firmware.source, firmware.disabled, firmware.dropped);
}

/* Starts every listed CPU but this one; returns nothing, cpu_count says. */
static void start_aps(void)
{
	uint32_t r[4];
	bool hypervisor;
	struct cpu *c = NULL;
	uint64_t stack_top = 0;
	uint32_t self = this_cpu()->apic_id;

	cpuid(1, 0, r);
	hypervisor = r[2] & CPUID1_ECX_HYPERVISOR;
	for (unsigned i = 0; i < firmware.count && cpu_count < MAX_CPUS; i++) {
		uint32_t id = firmware.apic_id[i];

		if (id == self)
			continue;
		if (id > XAPIC_MAX_ID && !lapic_x2apic()) {
			klog("smp: cpu with APIC ID %u needs x2APIC; left out\n", id);
			continue;
		}
		if (!c && !(c = kcalloc(1, sizeof(*c)))) {
			klog("smp: out of memory for cpu %u\n", cpu_count);
			break;
		}
		c->id = cpu_count;
		c->apic_id = id;
		if (ap_prepare(c, &stack_top)) {
			klog("smp: out of memory for cpu %u\n", cpu_count);
			break;
		}
		if (!ap_start(c, stack_top, hypervisor))
			continue; /* the next CPU gets this slot */
		cpu_table[c->id] = c;
		__atomic_store_n(&cpu_count, cpu_count + 1, __ATOMIC_RELEASE);
		c = NULL;
		stack_top = 0;
	}
}

unsigned smp_init(void (*ap_main)(struct cpu *cpu))
{
	static bool done;

	if (done)
		return cpu_count; /* CPUs are started once, for one ap_main */
	done = true;
	if (lapic_init()) {
		klog("smp: no usable local APIC; running on one CPU\n");
		return cpu_count;
	}
	this_cpu()->apic_id = lapic_id();
	irq_register(VEC_IPI_STOP, stop_handler);
	irq_register(VEC_IPI_WAKE, wake_handler);
	tlb_init();
	klog("lapic: %s, timer %s", lapic_x2apic() ? "x2apic" : "xapic",
	     lapic_tsc_deadline() ? "tsc-deadline" : "one-shot count");
	if (!lapic_tsc_deadline())
		klog(" at %llu kHz", (unsigned long long)(lapic_timer_hz() / 1000));
	klog("\n");
	boot_step("lapic");

	find_cpus();
	ioapic_init(&firmware);
	boot_step("acpi-ioapic");
	ap_main_fn = ap_main;
	if (firmware.count > 1 && trampoline_setup() == 0) {
		start_aps();
		mmu_unmap(mmu_root(), tramp_phys, PAGE_SIZE);
	}
	__atomic_store_n(&released, true, __ATOMIC_RELEASE);
	for (unsigned i = 1; i < cpu_count; i++)
		lapic_send_ipi(cpu_table[i]->apic_id, VEC_IPI_WAKE);
	klog("smp: %u cpus online\n", cpu_count);
	return cpu_count;
}
