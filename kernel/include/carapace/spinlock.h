/*
 * A ticket spinlock: fair (first come, first served) and small. The _irq
 * variants also disable interrupts on this CPU, for data that an interrupt
 * handler touches too. Hold a spinlock for a few instructions only, and
 * never across anything that may sleep.
 */
#ifndef CARAPACE_SPINLOCK_H
#define CARAPACE_SPINLOCK_H

#include <stdint.h>

struct spinlock {
	uint16_t next;  /* the ticket the next comer takes */
	uint16_t owner; /* the ticket being served */
};

#define SPINLOCK_INIT { 0, 0 }

static inline void spin_lock(struct spinlock *l)
{
	uint16_t ticket = __atomic_fetch_add(&l->next, 1, __ATOMIC_RELAXED);

	while (__atomic_load_n(&l->owner, __ATOMIC_ACQUIRE) != ticket)
		__builtin_ia32_pause();
}

static inline void spin_unlock(struct spinlock *l)
{
	__atomic_store_n(&l->owner, (uint16_t)(l->owner + 1), __ATOMIC_RELEASE);
}

/* Returns the interrupt flag as it was, for spin_unlock_irqrestore. */
static inline uint64_t spin_lock_irqsave(struct spinlock *l)
{
	uint64_t flags;

	__asm__ volatile("pushfq; popq %0; cli" : "=r"(flags) : : "memory");
	spin_lock(l);
	return flags;
}

/*
 * spin_lock_irqsave that calls poll() while it waits: for a lock whose
 * holder may wait, interrupts off, for this CPU to answer an IPI (the TLB
 * shootdown of memory.c's lock holder).
 */
static inline uint64_t spin_lock_irqsave_polling(struct spinlock *l, void (*poll)(void))
{
	uint64_t flags;
	uint16_t ticket;

	__asm__ volatile("pushfq; popq %0; cli" : "=r"(flags) : : "memory");
	ticket = __atomic_fetch_add(&l->next, 1, __ATOMIC_RELAXED);
	while (__atomic_load_n(&l->owner, __ATOMIC_ACQUIRE) != ticket) {
		poll();
		__builtin_ia32_pause();
	}
	return flags;
}

static inline void spin_unlock_irqrestore(struct spinlock *l, uint64_t flags)
{
	spin_unlock(l);
	if (flags & (1u << 9)) /* IF was set */
		__asm__ volatile("sti" : : : "memory");
}

#endif
