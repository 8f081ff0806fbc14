/* Interrupt handlers (vectors 32..255), shared by every CPU. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#include <carapace/hardening.h>
#include <carapace/percpu.h>
#include <carapace/sched.h>

#include "irq.h"
#include "lapic.h"
#include "trap.h"

static irq_handler_fn handlers[256];

/*
 * The CPU that takes device interrupts (irq.cpu=N; the boot CPU by
 * default): kernel/dev/README.md, "Which CPU takes a device's interrupts".
 */
static unsigned device_cpu __ro_after_init;

void irq_set_device_cpu(unsigned cpu)
{
	device_cpu = cpu;
}

uint32_t irq_device_apic_id(uint32_t boot_id)
{
	unsigned n = __atomic_load_n(&cpu_count, __ATOMIC_ACQUIRE);

	/* Before the other CPUs are up, or without them: the boot CPU. */
	return device_cpu == 0 || device_cpu >= n ? boot_id : cpu_table[device_cpu]->apic_id;
}

irq_handler_fn irq_register(uint8_t vector, irq_handler_fn handler)
{
	return __atomic_exchange_n(&handlers[vector], handler, __ATOMIC_ACQ_REL);
}

uint8_t irq_frame_vector(const struct trap_frame *f)
{
	return (uint8_t)f->vector;
}

int irq_alloc_vector(irq_handler_fn handler)
{
	for (unsigned v = VEC_DEVICE_FIRST; v <= VEC_DEVICE_LAST; v++) {
		irq_handler_fn none = NULL;

		if (__atomic_compare_exchange_n(&handlers[v], &none, handler, false,
						__ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
			return (int)v;
	}
	return -ENOSPC;
}

void irq_dispatch(struct trap_frame *f)
{
	irq_handler_fn h;

	/* A spurious interrupt sets no in-service bit: it must not be acknowledged. */
	if (f->vector == VEC_SPURIOUS)
		return;
	h = __atomic_load_n(&handlers[f->vector & 0xff], __ATOMIC_ACQUIRE);
	if (!h)
		trap_report(f);
	sched_irq_enter();
	h(f);
	lapic_eoi();
	/* The preemption point: after the EOI, so the next interrupt can come. */
	sched_irq_exit();
}
