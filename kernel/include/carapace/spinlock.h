/*
 * A ticket spinlock: fair (first come, first served) and small. The _irq
 * variants also disable interrupts on this CPU, for data that an interrupt
 * handler touches too. Hold a spinlock for a few instructions only, and
 * never across anything that may sleep.
 */
#ifndef CARAPACE_SPINLOCK_H
#define CARAPACE_SPINLOCK_H

#include <stdbool.h>
#include <stdint.h>

struct spinlock {
	uint16_t next;  /* the ticket the next comer takes */
	uint16_t owner; /* the ticket being served */
};

#define SPINLOCK_INIT { 0, 0 }

#ifdef CARAPACE_HOST_IRQS
/* Host builds of kernel code (tests/files.mk): CLI and STI fault outside ring 0. */
static inline uint64_t spin_irq_save(void)
{
	return 0;
}

static inline void spin_irq_restore(uint64_t flags)
{
	(void)flags;
}
#else
/* Disables interrupts on this CPU; returns RFLAGS as it was. */
static inline uint64_t spin_irq_save(void)
{
	uint64_t flags;

	__asm__ volatile("pushfq; popq %0; cli" : "=r"(flags) : : "memory");
	return flags;
}

/* Enables interrupts again if they were on (IF, bit 9) when flags was taken. */
static inline void spin_irq_restore(uint64_t flags)
{
	if (flags & (1u << 9))
		__asm__ volatile("sti" : : : "memory");
}
#endif

static inline void spin_lock(struct spinlock *l)
{
	uint16_t ticket = __atomic_fetch_add(&l->next, 1, __ATOMIC_RELAXED);

	while (__atomic_load_n(&l->owner, __ATOMIC_ACQUIRE) != ticket)
		__builtin_ia32_pause();
}

/*
 * Takes l only if it is free, without waiting: true when taken. For code
 * that may have interrupted the holder (the NMI's hang report).
 */
static inline bool spin_trylock(struct spinlock *l)
{
	uint16_t owner = __atomic_load_n(&l->owner, __ATOMIC_RELAXED);
	uint16_t ticket = owner;

	return __atomic_compare_exchange_n(&l->next, &ticket, (uint16_t)(owner + 1), false,
					   __ATOMIC_ACQUIRE, __ATOMIC_RELAXED);
}

static inline void spin_unlock(struct spinlock *l)
{
	__atomic_store_n(&l->owner, (uint16_t)(l->owner + 1), __ATOMIC_RELEASE);
}

/* Returns the interrupt flag as it was, for spin_unlock_irqrestore. */
static inline uint64_t spin_lock_irqsave(struct spinlock *l)
{
	uint64_t flags;

	flags = spin_irq_save();
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

	flags = spin_irq_save();
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
	spin_irq_restore(flags);
}

#endif
