/* TLB shootdown across CPUs (tlb.c). */
#ifndef CARAPACE_TLB_H
#define CARAPACE_TLB_H

#include <stdint.h>

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

/*
 * From the timer interrupt (interrupts off), now_ns the clock: drops this
 * CPU's whole TLB at most every TLB_REFRESH_NS, so that QEMU's TCG can
 * size its software TLB to what the CPU uses (tlb.c says why).
 */
#define TLB_REFRESH_NS (50ull * 1000 * 1000)
void tlb_refresh(uint64_t now_ns);

#endif
