/*
 * Internal to kernel/mm: what memory.c shares with app_memory.c.
 */
#ifndef CARAPACE_MM_IMPL_H
#define CARAPACE_MM_IMPL_H

#include <stdint.h>

#include <carapace/spinlock.h>

/*
 * Guards the frame allocator, the page tables and the stack records. Taken
 * with spin_lock_irqsave_polling(&memory_lock, tlb_poll): its holder may
 * wait for a TLB shootdown.
 */
extern struct spinlock memory_lock;

/* A zeroed frame from the frame allocator, memory_lock held: 0 or -ENOMEM. */
int memory_frame_alloc(uint64_t *phys);

#endif
