/*
 * What kernel/arch/x86_64 offers the rest of the kernel: small wrappers
 * around x86_64 instructions and the CPU's named numbers, then the calling
 * CPU's tables (its IST stacks, its canary), the interrupt vectors,
 * interrupts on and off, IPIs and the one-shot timer, starting and stopping
 * the other CPUs, the FPU state a context switch saves, the serial port,
 * the real-time clock and where the kernel image runs. The page tables are
 * carapace/mmu.h, the TLB carapace/tlb.h, the address map
 * carapace/layout.h; every other header of kernel/arch/x86_64 is private
 * to it (tests/unit/test_layering.py checks).
 */
#ifndef CARAPACE_ARCH_H
#define CARAPACE_ARCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <carapace/layout.h>
#include <carapace/spinlock.h>

#define MSR_EFER             0xc0000080
#define EFER_NXE             (1u << 11)
#define MSR_KVM_SYSTEM_TIME  0x4b564d01
#define MSR_FS_BASE          0xc0000100 /* the thread pointer (sched.c, thread.c) */

#define CR0_WP               (1ul << 16)

static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;

	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline void outl(uint16_t port, uint32_t v)
{
	__asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

static inline uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}

static inline void wrmsr(uint32_t msr, uint64_t v)
{
	__asm__ volatile("wrmsr" : : "c"(msr), "a"((uint32_t)v),
			 "d"((uint32_t)(v >> 32)));
}

static inline void cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	__asm__ volatile("cpuid"
			 : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
			 : "a"(leaf), "c"(sub));
}

static inline uint64_t read_cr2(void)
{
	uint64_t v;

	__asm__ volatile("mov %%cr2, %0" : "=r"(v));
	return v;
}

static inline uint64_t read_cr3(void)
{
	uint64_t v;

	__asm__ volatile("mov %%cr3, %0" : "=r"(v));
	return v;
}

static inline void write_cr3(uint64_t v)
{
	__asm__ volatile("mov %0, %%cr3" : : "r"(v) : "memory");
}

static inline void invlpg(uint64_t va)
{
	__asm__ volatile("invlpg (%0)" : : "r"(va) : "memory");
}

static inline void cpu_pause(void)
{
	__asm__ volatile("pause");
}

/* Stops this CPU for good: interrupts off, then halt forever. */
static inline __attribute__((noreturn)) void cpu_halt_forever(void)
{
	for (;;)
		__asm__ volatile("cli; hlt");
}

/* Switches to a new stack and calls fn(arg) there (entry.S). */
__attribute__((noreturn)) void arch_run_on_stack(uint64_t stack_top,
						 void (*fn)(void *), void *arg);
/* Jumps to entry with RSP = sp, as a process starts (entry.S). */
__attribute__((noreturn)) void arch_enter_at(uint64_t entry, uint64_t sp);

/* ---- the calling CPU's tables (cpu.c) ---- */

/*
 * Interrupt stack table slots. Every vector runs on one of these, so a
 * handler never runs on the interrupted stack (the application is built with
 * a red zone) and a fault on an overflowing stack can still be reported.
 * Separate slots keep a fault inside a handler from landing on the stack of
 * that same handler, except for a page fault inside the page-fault handler,
 * which trap.c detects.
 */
enum ist_slot {
	IST_DOUBLE_FAULT = 1,
	IST_NMI          = 2, /* NMI and machine check */
	IST_PAGE_FAULT   = 3,
	IST_EXCEPTION    = 4, /* every other exception */
	IST_IRQ          = 5, /* vectors 32..255 */
	IST_COUNT        = 5,
};

/*
 * The boot CPU: builds the shared IDT, loads its own GDT, TSS and IDT with
 * small IST stacks in .bss for early boot, and points GS at its struct cpu
 * (cpu_table[0], cpu_count 1).
 */
void cpu_init(void);

/*
 * Sets the calling CPU's stack canary (struct cpu's stack_guard); the boot
 * CPU's, once, from hardening_init; cpu_prepare copies it to the others.
 */
void cpu_set_stack_guard(uint64_t canary);

/* Points an IST slot of the calling CPU's TSS at a new stack top. */
void cpu_set_ist(enum ist_slot slot, uint64_t stack_top);
uint64_t cpu_get_ist(enum ist_slot slot);

/* The calling CPU's number; 0 before cpu_init (for the reporter). */
unsigned cpu_current_id(void);

/* A name for the stack of an IST slot, for reports. */
const char *cpu_ist_name(enum ist_slot slot);

/* ---- interrupts (irq.c, lapic.c) ---- */

#define VEC_IRQ_BASE     0x20
#define VEC_TIMER        0x30 /* the local APIC timer */
#define VEC_IPI_RESCHED  0x31 /* "look at your incoming queue" */
#define VEC_IPI_STOP     0x32 /* "stop: a report or panic is being printed" */
#define VEC_IPI_WAKE     0x33 /* wakes a halted CPU; its handler does nothing */
#define VEC_IPI_TLB      0x34 /* "flush your TLB" (tlb.c) */
/*
 * Device interrupts (MSI-X, the I/O APIC's lines) take vectors from this
 * range, one each, through irq_alloc_vector: above the kernel's own and
 * below the spurious vector. The local APIC ranks priority by the upper
 * four bits, so devices rank above the timer and the IPIs.
 */
#define VEC_DEVICE_FIRST 0x40
#define VEC_DEVICE_LAST  0xef
#define VEC_SPURIOUS     0xff

struct trap_frame;
typedef void (*irq_handler_fn)(struct trap_frame *f);

/*
 * Installs handler for vector (>= VEC_IRQ_BASE), for every CPU, and returns
 * the one it replaces (NULL: none). The LAPIC EOI is sent after it returns.
 */
irq_handler_fn irq_register(uint8_t vector, irq_handler_fn handler);

/*
 * Installs handler on a free vector of VEC_DEVICE_FIRST..VEC_DEVICE_LAST
 * and returns it, or -ENOSPC when all are taken.
 */
int irq_alloc_vector(irq_handler_fn handler);

/* The vector an interrupt handler was called for (one handler may serve
 * several: a driver's device vectors). */
uint8_t irq_frame_vector(const struct trap_frame *f);

/* This CPU's local APIC ID (where a device interrupt may be aimed). */
uint32_t lapic_id(void);

/*
 * The local APIC ID that a device interrupt set up now is aimed at: that
 * of the CPU of the boot option irq.cpu=N (irq_set_device_cpu(N), early
 * at boot) once it is online, else boot_id, the caller's own reading of
 * the boot CPU's ID (CPU 0 is the default, and the only CPU before
 * smp_init: a device probed then gets the boot CPU).
 */
uint32_t irq_device_apic_id(uint32_t boot_id);
void irq_set_device_cpu(unsigned cpu);

static inline void irq_enable(void)
{
	__asm__ volatile("sti" : : : "memory");
}

static inline void irq_disable(void)
{
	__asm__ volatile("cli" : : : "memory");
}

/* The same as the spinlocks' (carapace/spinlock.h). */
static inline uint64_t irq_save(void)
{
	return spin_irq_save();
}

static inline void irq_restore(uint64_t flags)
{
	spin_irq_restore(flags);
}

/* A fixed interrupt for vector on the CPU whose local APIC is apic_id. */
void lapic_send_ipi(uint32_t apic_id, uint8_t vector);

/*
 * Arms this CPU's timer to raise VEC_TIMER once the TSC reaches
 * tsc_deadline (never before; at once if it has passed); 0 cancels. In
 * count mode, a deadline beyond the counter's range (over a minute) fires
 * at the end of that range: callers re-check the time anyway.
 */
void lapic_timer_set_deadline(uint64_t tsc_deadline);

/* ---- the other CPUs (smp.c) ---- */

struct cpu;

/*
 * On the boot CPU, once memory is up: enables the local APIC (and its
 * timer), then starts every CPU the firmware lists. Returns the number of
 * CPUs online (cpu_count). Firmware tables that are missing or broken, or a
 * CPU that does not come up in time, leave fewer CPUs (said with verbose),
 * never a hang. ap_main must not return.
 */
unsigned smp_init(void (*ap_main)(struct cpu *cpu));

/*
 * On the boot CPU, once memory is up and the TSC calibrated: enables the
 * local APIC and, when its timer must be calibrated (no TSC-deadline mode),
 * starts it counting, masked, for smp_init to read: the boot's work in
 * between replaces a wait. Does nothing when there is no APIC.
 */
void lapic_calibration_start(void);

/*
 * Sends VEC_IPI_STOP to every other online CPU: they stop at once
 * (interrupts off, halted). For the reporter, so that a report on one CPU
 * is not interleaved with the others' output.
 */
void smp_stop_others(void);

/*
 * ---- FPU/SSE/AVX state (fpu.c) ----
 * The kernel itself never touches vector registers (-mgeneral-regs-only),
 * so this state belongs to whatever application code a thread runs, and is
 * saved and restored only on a context switch.
 */

/*
 * Before fpu_init_cpu: false keeps to FXSAVE even where the CPU lists XSAVE
 * (boot option fpu=fxsave, for hypervisors that list XSAVE but cannot run it).
 */
void fpu_allow_xsave(bool allow);
/* Enables SSE and, where present, XSAVE with every state the CPU has (per CPU). */
void fpu_init_cpu(void);
/* Bytes a save area needs (64-byte aligned). */
size_t fpu_area_size(void);
/* Fills a new area with the initial state (default control words). */
void fpu_area_init(void *area);
void fpu_save(void *area);
void fpu_restore(const void *area);
/* "xsave" or "fxsave", for the boot log. */
const char *fpu_method(void);

/* ---- the serial port (serial.c) and the real-time clock (rtc.c) ---- */

void serial_init(void);
void serial_write(const char *s, size_t n);

/* At boot: reads the RTC now under boot option verbose (which prints the
 * date), else leaves it to the first rtc_realtime_ns. Needs the clock. */
void rtc_init(void);

/* Nanoseconds since 1970-01-01 UTC: the RTC's reading (taken at the first
 * call, or at boot under verbose) plus the monotonic time since. Without a
 * valid RTC, the time since that reading. Any CPU, any thread; the first
 * call reads the RTC (some 40 port reads, and up to 2 ms when the RTC is
 * mid-update). */
uint64_t rtc_realtime_ns(void);

/* ---- where the kernel image runs (reloc.c) ---- */

/* How the boot code chose the image's base (kernel_image_how). */
enum kreloc_how {
	KRELOC_OFF,       /* aslr=off: at its link address */
	KRELOC_RDRAND,    /* a random base from RDRAND */
	KRELOC_TSC,       /* a random base from the TSC (weak: no RDRAND) */
	KRELOC_SEED,      /* from aslr.seed=N (reproducible, insecure) */
	KRELOC_NO_TABLES, /* the image is too large for the boot tables: not moved */
};

/* The runtime address minus the link address of every byte of the image. */
extern uint64_t kernel_image_slide;
extern uint32_t kernel_image_how;

/* The physical address of va, an address in the kernel image. */
static inline uint64_t kernel_image_phys(uint64_t va)
{
	return va - kernel_image_slide - KERNEL_VMA;
}

#endif
