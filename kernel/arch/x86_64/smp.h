/*
 * Starting the other CPUs. The CPUs come from the firmware's tables
 * (carapace/acpi.h); each is started with INIT-SIPI-SIPI through a real-mode
 * trampoline (ap_boot.S), enters long mode on the kernel's page tables,
 * loads its own GDT and TSS, sets GS, enables its local APIC and calls the
 * ap_main it was given, on a guard-paged stack, with interrupts off.
 */
#ifndef CARAPACE_SMP_H
#define CARAPACE_SMP_H

#include <carapace/arch.h>
#include <carapace/percpu.h>


/* CPUs the firmware listed as enabled (each should now be online). */
unsigned smp_cpus_listed(void);


#endif
