/*
 * The boot CPU's descriptor tables: a flat 64-bit GDT with one TSS, and an
 * IDT in which every one of the 256 vectors has an IST stack.
 */
#include <stdint.h>
#include <string.h>

#include "cpu.h"
#include "layout.h"

#define EARLY_IST_SIZE 4096

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

static struct tss tss;
static uint64_t gdt[5];
static struct idt_gate idt[256];
static uint8_t early_ist[IST_COUNT][EARLY_IST_SIZE] __attribute__((aligned(16)));

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

static void gdt_set_tss(void)
{
	uint64_t base = (uint64_t)&tss;
	uint64_t limit = sizeof(tss) - 1;

	gdt[3] = (limit & 0xffff) | ((base & 0xffffff) << 16) |
		 ((uint64_t)TSS_AVAILABLE_PRESENT << 40) |
		 (((limit >> 16) & 0xf) << 48) | (((base >> 24) & 0xff) << 56);
	gdt[4] = base >> 32;
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

void cpu_set_ist(enum ist_slot slot, uint64_t stack_top)
{
	tss.ist[slot - 1] = stack_top;
}

uint64_t cpu_get_ist(enum ist_slot slot)
{
	return tss.ist[slot - 1];
}

void cpu_init(void)
{
	struct table_ptr gdtr, idtr;

	gdt[0] = 0;
	gdt[1] = 0x00af9a000000ffff; /* 64-bit code, ring 0 */
	gdt[2] = 0x00cf92000000ffff; /* data, ring 0 */
	gdt_set_tss();
	tss.iomap_base = sizeof(tss); /* no I/O permission bitmap */
	for (int slot = 1; slot <= IST_COUNT; slot++)
		cpu_set_ist(slot, (uint64_t)&early_ist[slot - 1][EARLY_IST_SIZE]);

	gdtr.limit = sizeof(gdt) - 1;
	gdtr.base = (uint64_t)gdt;
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
			 "ltr %w3"
			 :
			 : "m"(gdtr), "i"(GDT_KERNEL_CODE), "i"(GDT_KERNEL_DATA),
			   "r"(GDT_TSS)
			 : "rax", "memory");

	for (unsigned v = 0; v < 256; v++)
		idt_set_gate(v, trap_stub_table[v], cpu_vector_ist(v));
	idtr.limit = sizeof(idt) - 1;
	idtr.base = (uint64_t)idt;
	__asm__ volatile("lidt %0" : : "m"(idtr));
}
