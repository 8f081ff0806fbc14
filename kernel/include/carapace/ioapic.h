/*
 * The I/O APICs (Intel 82093AA and what emulates it): each takes a range
 * of global system interrupts (GSIs), the lines of devices, and sends each
 * one as a vector to a CPU's local APIC. Found in ACPI's MADT.
 */
#ifndef CARAPACE_IOAPIC_H
#define CARAPACE_IOAPIC_H

#include <stdbool.h>
#include <stdint.h>

#include <carapace/acpi.h>

#define IOAPIC_LEVEL      1 /* level-triggered (else edge) */
#define IOAPIC_ACTIVE_LOW 2 /* asserted low (else high) */

/*
 * Maps the I/O APICs the firmware lists, reads how many lines each has and
 * masks them all. One that does not answer, or whose lines overlap
 * another's, is logged and left out. Returns how many are usable.
 */
unsigned ioapic_init(const struct acpi_cpus *firmware);

/*
 * Sends gsi as vector to the CPU of local APIC apic_id (fixed delivery,
 * physical destination), triggered as flags say, and unmasks it.
 * 0; -ENODEV (no I/O APIC has that line); -EINVAL (an APIC ID over 255,
 * which the I/O APIC cannot address, or a vector below 32).
 */
int ioapic_route(uint32_t gsi, uint8_t vector, uint32_t apic_id, unsigned flags);

/* Masks (true) or unmasks gsi. 0, or -ENODEV. */
int ioapic_mask(uint32_t gsi, bool masked);

/* One past the highest GSI of any usable I/O APIC (0: none). */
uint32_t ioapic_gsi_end(void);

#endif
