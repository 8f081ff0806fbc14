/* GDT, TSS and IDT of the boot CPU. */
#ifndef CARAPACE_CPU_H
#define CARAPACE_CPU_H

#include <stdint.h>

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

/* Loads the GDT, TSS and IDT, with small IST stacks in .bss for early boot. */
void cpu_init(void);

/* Points an IST slot at a new stack top (a guard-paged stack, once there are). */
void cpu_set_ist(enum ist_slot slot, uint64_t stack_top);
uint64_t cpu_get_ist(enum ist_slot slot);

/* The IST slot a vector runs on. */
enum ist_slot cpu_vector_ist(unsigned vector);

/* A name for the stack of an IST slot, for reports. */
const char *cpu_ist_name(enum ist_slot slot);

#endif
