/*
 * Starting the other CPUs. The CPUs come from the firmware's tables
 * (carapace/acpi.h); each is started with INIT-SIPI-SIPI through a real-mode
 * trampoline (ap_boot.S), enters long mode on the kernel's page tables,
 * loads its own GDT and TSS, sets GS, enables its local APIC and calls the
 * ap_main it was given, on a guard-paged stack, with interrupts off.
 */
#ifndef CARAPACE_SMP_H
#define CARAPACE_SMP_H

#include <carapace/percpu.h>

/*
 * On the boot CPU, once memory is up: enables the local APIC (and its
 * timer), then starts every CPU the firmware lists. Returns the number of
 * CPUs online (cpu_count). Firmware tables that are missing or broken, or a
 * CPU that does not come up in time, leave fewer CPUs (said with verbose),
 * never a hang. ap_main must not return.
 */
unsigned smp_init(void (*ap_main)(struct cpu *cpu));

/* CPUs the firmware listed as enabled (each should now be online). */
unsigned smp_cpus_listed(void);

/*
 * Sends VEC_IPI_STOP to every other online CPU: they stop at once
 * (interrupts off, halted). For the reporter, so that a report on one CPU
 * is not interleaved with the others' output.
 */
void smp_stop_others(void);

#endif
