/* Interrupt vectors and handlers (vectors 32..255). */
#ifndef CARAPACE_IRQ_H
#define CARAPACE_IRQ_H

#include <stdint.h>

#include <carapace/spinlock.h>

#include "trap.h"

#define VEC_IRQ_BASE     0x20
#define VEC_TIMER        0x30 /* the local APIC timer */
#define VEC_IPI_RESCHED  0x31 /* "look at your incoming queue" */
#define VEC_IPI_STOP     0x32 /* "stop: a report or panic is being printed" */
#define VEC_IPI_WAKE     0x33 /* wakes a halted CPU; its handler does nothing */
#define VEC_IPI_TLB      0x34 /* "flush your TLB" (tlb.c) */
/*
 * Device interrupts (MSI-X, the I/O APIC's lines) take vectors from this
 * range, one each, through irq_alloc_vector: above the kernel's own and
 * below the spurious vector. The local APIC ranks priority by the upper
 * four bits, so devices rank above the timer and the IPIs.
 */
#define VEC_DEVICE_FIRST 0x40
#define VEC_DEVICE_LAST  0xef
#define VEC_SPURIOUS     0xff

typedef void (*irq_handler_fn)(struct trap_frame *f);

/*
 * Installs handler for vector (>= VEC_IRQ_BASE), for every CPU, and returns
 * the one it replaces (NULL: none). The LAPIC EOI is sent after it returns.
 */
irq_handler_fn irq_register(uint8_t vector, irq_handler_fn handler);

/*
 * Installs handler on a free vector of VEC_DEVICE_FIRST..VEC_DEVICE_LAST
 * and returns it, or -ENOSPC when all are taken.
 */
int irq_alloc_vector(irq_handler_fn handler);

/*
 * Called by trap_handler for vectors >= VEC_IRQ_BASE. A vector with no
 * handler is reported (violation=cpu-exception, "unexpected interrupt").
 */
void irq_dispatch(struct trap_frame *f);

static inline void irq_enable(void)
{
	__asm__ volatile("sti" : : : "memory");
}

static inline void irq_disable(void)
{
	__asm__ volatile("cli" : : : "memory");
}

/* The same as the spinlocks' (carapace/spinlock.h). */
static inline uint64_t irq_save(void)
{
	return spin_irq_save();
}

static inline void irq_restore(uint64_t flags)
{
	spin_irq_restore(flags);
}

#endif
