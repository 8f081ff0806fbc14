/*
 * Descriptor tables. Each CPU has a flat 64-bit GDT with its own TSS (whose
 * IST slots give every vector its own stack on that CPU); the IDT, in which
 * every one of the 256 vectors has an IST stack, is shared.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include <carapace/fmt.h>
#include <carapace/hardening.h>
#include <carapace/memory.h>
#include <carapace/percpu.h>

#include <carapace/arch.h>
#include "cpu.h"
#include <carapace/layout.h>

#define EARLY_IST_SIZE 4096
/*
 * An AP's IST stacks: enough for a report (the boot CPU's are 16 KiB); the
 * scheduler points IST_IRQ at each thread's own interrupt stack anyway.
 */
#define AP_IST_SIZE    (8 * 1024)
#define MSR_GS_BASE         0xc0000101
#define MSR_KERNEL_GS_BASE  0xc0000102

struct idt_gate {
	uint16_t offset_low;
	uint16_t selector;
	uint8_t ist;
	uint8_t type_attr;
	uint16_t offset_mid;
	uint32_t offset_high;
	uint32_t reserved;
} __attribute__((packed));

struct table_ptr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

#define GATE_INTERRUPT_PRESENT 0x8e /* present, ring 0, 64-bit interrupt gate */
#define TSS_AVAILABLE_PRESENT  0x89

struct cpu *cpu_table[MAX_CPUS];
unsigned cpu_count;

static struct cpu boot_cpu;
static struct arch_cpu boot_arch;
static struct idt_gate idt[256] __ro_after_init; /* written by cpu_init only */
/*
 * Each CPU's GDT, read-only after boot: ltr sets the TSS descriptor's busy
 * bit once, and the code and data descriptors come with their accessed bit
 * set, so that loading a segment never writes to the table.
 */
static uint64_t gdts[MAX_CPUS][GDT_ENTRIES] __ro_after_init __attribute__((aligned(8)));
static uint8_t early_ist[IST_COUNT][EARLY_IST_SIZE] __attribute__((aligned(16)));
static volatile bool gs_ready;

extern const uint64_t trap_stub_table[256];

enum ist_slot cpu_vector_ist(unsigned vector)
{
	switch (vector) {
	case 8:
		return IST_DOUBLE_FAULT;
	case 2:
	case 18:
		return IST_NMI;
	case 14:
		return IST_PAGE_FAULT;
	default:
		return vector < 32 ? IST_EXCEPTION : IST_IRQ;
	}
}

const char *cpu_ist_name(enum ist_slot slot)
{
	static const char *const names[IST_COUNT + 1] = {
		[IST_DOUBLE_FAULT] = "ist-stack:double-fault",
		[IST_NMI] = "ist-stack:nmi",
		[IST_PAGE_FAULT] = "ist-stack:page-fault",
		[IST_EXCEPTION] = "ist-stack:exception",
		[IST_IRQ] = "ist-stack:irq",
	};

	if (slot < 1 || slot > IST_COUNT)
		return "ist-stack:?";
	return names[slot];
}

static void gdt_build(struct arch_cpu *a, unsigned id)
{
	uint64_t base = (uint64_t)&a->tss;
	uint64_t limit = sizeof(a->tss) - 1;

	a->gdt = gdts[id];
	a->gdt[0] = 0;
	a->gdt[1] = 0x00af9b000000ffff; /* 64-bit code, ring 0, accessed */
	a->gdt[2] = 0x00cf93000000ffff; /* data, ring 0, accessed */
	a->gdt[3] = (limit & 0xffff) | ((base & 0xffffff) << 16) |
		    ((uint64_t)TSS_AVAILABLE_PRESENT << 40) |
		    (((limit >> 16) & 0xf) << 48) | (((base >> 24) & 0xff) << 56);
	a->gdt[4] = base >> 32;
	a->tss.iomap_base = sizeof(a->tss); /* no I/O permission bitmap */
}

static void idt_set_gate(unsigned vector, uint64_t handler, uint8_t ist)
{
	struct idt_gate *g = &idt[vector];

	g->offset_low = handler & 0xffff;
	g->selector = GDT_KERNEL_CODE;
	g->ist = ist;
	g->type_attr = GATE_INTERRUPT_PRESENT;
	g->offset_mid = (handler >> 16) & 0xffff;
	g->offset_high = handler >> 32;
	g->reserved = 0;
}

/* Two loads: %gs:0 gives this CPU's struct cpu, whose arch starts with the TSS. */
void cpu_set_ist(enum ist_slot slot, uint64_t stack_top)
{
	this_cpu()->arch->tss.ist[slot - 1] = stack_top;
}

uint64_t cpu_get_ist(enum ist_slot slot)
{
	return this_cpu()->arch->tss.ist[slot - 1];
}

/* Before any protected function of the boot CPU's that returns after it (kmain). */
__no_stack_protector void cpu_set_stack_guard(uint64_t canary)
{
	this_cpu()->stack_guard = canary;
}

unsigned cpu_current_id(void)
{
	return gs_ready ? this_cpu()->id : 0;
}

/*
 * Loads c's GDT (reloading every segment register from it) and TSS, the
 * shared IDT, then points GS at c. The GS selector is not touched after
 * that: loading it would clear the base. Built without the stack
 * protector: the canary is read through GS, which changes here.
 */
__no_stack_protector void cpu_load_tables(struct cpu *c)
{
	struct table_ptr gdtr, idtr;

	gdtr.limit = GDT_ENTRIES * sizeof(uint64_t) - 1;
	gdtr.base = (uint64_t)c->arch->gdt;
	__asm__ volatile("lgdt %0\n\t"
			 "pushq %1\n\t"
			 "leaq 1f(%%rip), %%rax\n\t"
			 "pushq %%rax\n\t"
			 "lretq\n"
			 "1:\n\t"
			 "mov %2, %%ax\n\t"
			 "mov %%ax, %%ds\n\t"
			 "mov %%ax, %%es\n\t"
			 "mov %%ax, %%ss\n\t"
			 "xor %%eax, %%eax\n\t"
			 "mov %%ax, %%fs\n\t"
			 "mov %%ax, %%gs\n\t"
			 "ltr %w3"
			 :
			 : "m"(gdtr), "i"(GDT_KERNEL_CODE), "i"(GDT_KERNEL_DATA),
			   "r"(GDT_TSS)
			 : "rax", "memory");
	idtr.limit = sizeof(idt) - 1;
	idtr.base = (uint64_t)idt;
	__asm__ volatile("lidt %0" : : "m"(idtr));
	c->self = c;
	wrmsr(MSR_GS_BASE, (uint64_t)c);
	wrmsr(MSR_KERNEL_GS_BASE, (uint64_t)c);
}

/* GS, where the stack canary is read, changes in here: no stack protector. */
__no_stack_protector void cpu_init(void)
{
	for (unsigned v = 0; v < 256; v++)
		idt_set_gate(v, trap_stub_table[v], cpu_vector_ist(v));
	boot_cpu.arch = &boot_arch;
	gdt_build(&boot_arch, 0);
	for (int slot = 1; slot <= IST_COUNT; slot++)
		boot_arch.tss.ist[slot - 1] = (uint64_t)&early_ist[slot - 1][EARLY_IST_SIZE];
	cpu_load_tables(&boot_cpu);
	boot_cpu.id = 0;
	boot_cpu.online = true;
	cpu_table[0] = &boot_cpu;
	cpu_count = 1;
	gs_ready = true;
}

/* Names are copied by memory_alloc_stack, so a local buffer does. */
int cpu_prepare(struct cpu *c)
{
	char name[32];

	if (!c->arch) {
		c->arch = kcalloc(1, sizeof(*c->arch));
		if (!c->arch)
			return -ENOMEM;
	}
	gdt_build(c->arch, c->id);
	c->stack_guard = this_cpu()->stack_guard; /* one canary for all CPUs */
	for (int slot = 1; slot <= IST_COUNT; slot++) {
		uint64_t top;

		if (c->arch->tss.ist[slot - 1])
			continue; /* kept from an earlier attempt for this slot */
		fmt_snprintf(name, sizeof(name), "cpu%u-%s", c->id, cpu_ist_name(slot));
		top = memory_alloc_stack(name, AP_IST_SIZE);
		if (!top)
			return -ENOMEM;
		c->arch->tss.ist[slot - 1] = top;
	}
	return 0;
}
