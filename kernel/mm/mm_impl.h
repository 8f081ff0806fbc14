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

/* Pages whose frames memory_unmap_frames_locked frees after one TLB shootdown. */
#define UNMAP_BATCH 64
/* Unmaps and frees every frame of [va, end), memory_lock held (memory.c). */
void memory_unmap_frames_locked(uint64_t va, uint64_t end);
/* The same for n ranges [va[i], va[i] + len[i]), the shootdowns shared (memory.c). */
void memory_unmap_ranges_locked(const uint64_t *va, const uint64_t *len, unsigned n);

#endif
