/*
 * Host stand-in for kernel/include/carapace/spinlock.h, found first on the
 * include path of the kernel/core objects the host tests and the fuzzer
 * build (tests/files.mk). The same ticket lock, but the _irq variants only
 * pretend: CLI and STI fault outside ring 0. Keep the struct in step with
 * the kernel's.
 */
#ifndef CARAPACE_SPINLOCK_H
#define CARAPACE_SPINLOCK_H

#include <stdint.h>

struct spinlock {
	uint16_t next;
	uint16_t owner;
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

static inline uint64_t spin_lock_irqsave(struct spinlock *l)
{
	spin_lock(l);
	return 0;
}

static inline uint64_t spin_lock_irqsave_polling(struct spinlock *l, void (*poll)(void))
{
	(void)poll;
	spin_lock(l);
	return 0;
}

static inline void spin_unlock_irqrestore(struct spinlock *l, uint64_t flags)
{
	(void)flags;
	spin_unlock(l);
}

#endif
