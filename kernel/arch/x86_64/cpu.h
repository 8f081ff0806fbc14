/*
 * Descriptor tables: each CPU has its own GDT and TSS (struct arch_cpu, hung
 * off its struct cpu), all share one IDT. The GS base of each CPU points at
 * its struct cpu (carapace/percpu.h).
 */
#ifndef CARAPACE_CPU_H
#define CARAPACE_CPU_H

#include <stdint.h>

#include <carapace/arch.h>
#include <carapace/percpu.h>

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
 * Run on the boot CPU for another CPU before it starts: gives c its tables
 * and a guard-paged stack for each IST slot. Returns 0 or -ENOMEM.
 */
int cpu_prepare(struct cpu *c);
/* Run on that CPU itself: loads its GDT, TSS and the IDT, and sets GS. */
void cpu_load_tables(struct cpu *c);

/* The IST slot a vector runs on. */
enum ist_slot cpu_vector_ist(unsigned vector);

#endif
