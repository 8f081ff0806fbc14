/* TLB shootdown across CPUs (tlb.c). */
#ifndef CARAPACE_TLB_H
#define CARAPACE_TLB_H

/* Registers the IPI handler; shootdowns are no-ops before this. */
void tlb_init(void);

/*
 * Makes every other CPU drop its cached translations and waits until all
 * have. Call after changing
 * page-table entries, before reusing what they pointed to. May be called
 * with interrupts off.
 */
void tlb_shootdown(void);

/* Answers a pending shootdown on this CPU (for loops with interrupts off). */
void tlb_poll(void);

#endif
