/*
 * Descriptor tables: each CPU has its own GDT and TSS (struct arch_cpu, hung
 * off its struct cpu), all share one IDT. The GS base of each CPU points at
 * its struct cpu (carapace/percpu.h).
 */
#ifndef CARAPACE_CPU_H
#define CARAPACE_CPU_H

#include <stdint.h>

#include <carapace/percpu.h>

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

#define GDT_ENTRIES 5 /* null, code, data, and the TSS's two */

/* The 64-bit task-state segment: only its stack pointers matter here. */
struct tss {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7]; /* IST1..IST7: slot n is ist[n - 1] */
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
} __attribute__((packed));

/*
 * The TSS is written on every context switch; the GDT (cpu.c's table for
 * this CPU, in .ro_after_init) only at boot.
 */
struct arch_cpu {
	struct tss tss;
	uint64_t *gdt; /* GDT_ENTRIES descriptors */
};

/*
 * The boot CPU: builds the shared IDT, loads its own GDT, TSS and IDT with
 * small IST stacks in .bss for early boot, and points GS at its struct cpu
 * (cpu_table[0], cpu_count 1).
 */
void cpu_init(void);

/*
 * Run on the boot CPU for another CPU before it starts: gives c its tables
 * and a guard-paged stack for each IST slot. Returns 0 or -ENOMEM.
 */
int cpu_prepare(struct cpu *c);
/* Run on that CPU itself: loads its GDT, TSS and the IDT, and sets GS. */
void cpu_load_tables(struct cpu *c);
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

/* The IST slot a vector runs on. */
enum ist_slot cpu_vector_ist(unsigned vector);

/* A name for the stack of an IST slot, for reports. */
const char *cpu_ist_name(enum ist_slot slot);

#endif
