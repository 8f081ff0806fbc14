/*
 * The local APIC of each CPU: interrupts' end, IPIs and the one-shot timer.
 * x2APIC (MSRs) when the CPU has it, else xAPIC (an uncached MMIO page).
 */
#ifndef CARAPACE_LAPIC_H
#define CARAPACE_LAPIC_H

#include <stdbool.h>
#include <stdint.h>

#include <carapace/arch.h>

/*
 * On the boot CPU, once memory is up: masks the 8259 PIC, picks the access
 * mode and the timer mode (calibrating the timer when there is no
 * TSC-deadline mode), then enables this CPU's APIC. Returns 0, or -ENODEV
 * when there is no usable local APIC.
 */
int lapic_init(void);
/* On every other CPU, after lapic_init: enables its own APIC. */
void lapic_init_ap(void);
bool lapic_ready(void);

void lapic_eoi(void);
/* A fixed interrupt for vector on every CPU but this one (lapic_send_ipi:
 * carapace/arch.h). */
void lapic_send_ipi_all_others(uint8_t vector);
/* An NMI for the CPU apic_id (the hang report's call to a CPU that missed it). */
void lapic_send_nmi(uint32_t apic_id);
/* Starting a CPU: INIT, then STARTUP at the real-mode page page_phys. */
void lapic_send_init(uint32_t apic_id);
void lapic_send_startup(uint32_t apic_id, uint64_t page_phys);


/* For the boot log and tests. */
bool lapic_x2apic(void);
bool lapic_tsc_deadline(void);
uint64_t lapic_timer_hz(void); /* count mode's rate after the divider; 0 in TSC-deadline mode */

#endif
