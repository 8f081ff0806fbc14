/*
 * MSI-X (PCI 3.0, 6.8.2): a function writes a message (an address in the
 * local APICs' range, a vector in the data) for each interrupt, one table
 * entry per source. Each entry used gets its own vector from the device
 * range (irq_alloc_vector) and is aimed at the boot CPU in fixed, physical
 * destination mode.
 *
 * The table lies in a BAR that pci_parse.c checked it fits in; entries are
 * written with the entry masked, then unmasked.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <carapace/console.h>
#include <carapace/pci.h>

#include <carapace/arch.h>

#define MSI_ADDRESS_BASE     0xfee00000u /* the local APICs' range (SDM 11.11.1) */
#define MSI_DEST_SHIFT       12
#define MSI_MAX_DEST         0xff        /* 8 bits without interrupt remapping */
#define CPUID1_APIC_ID_SHIFT 24

#define MSIX_CONTROL         2
#define MSIX_CONTROL_ENABLE  0x8000
#define MSIX_CONTROL_MASKALL 0x4000
#define MSIX_ENTRY_WORDS     4           /* address low, high, data, vector control */
#define MSIX_ENTRY_ADDR_LO   0
#define MSIX_ENTRY_ADDR_HI   1
#define MSIX_ENTRY_DATA      2
#define MSIX_ENTRY_CONTROL   3
#define MSIX_ENTRY_MASKED    0x1

#define DEVICE_VECTORS       (VEC_DEVICE_LAST - VEC_DEVICE_FIRST + 1)

static struct {
	void (*fn)(void *arg);
	void *arg;
} vector_handlers[DEVICE_VECTORS];

static void msix_interrupt(struct trap_frame *f)
{
	unsigned i = (unsigned)irq_frame_vector(f) - VEC_DEVICE_FIRST;
	void (*fn)(void *);

	if (i >= DEVICE_VECTORS)
		return;
	fn = __atomic_load_n(&vector_handlers[i].fn, __ATOMIC_ACQUIRE);
	if (fn)
		fn(vector_handlers[i].arg);
}

/* The boot CPU's initial APIC ID (CPUID works before the local APIC is set up). */
static uint32_t boot_apic_id(void)
{
	uint32_t r[4];

	cpuid(1, 0, r);
	return r[1] >> CPUID1_APIC_ID_SHIFT;
}

static volatile uint32_t *entry_words(struct pci_device *d, unsigned entry)
{
	return d->msix_table + entry * MSIX_ENTRY_WORDS;
}

/* Maps the table and turns MSI-X on with every entry masked; once per function. */
static int msix_start(struct pci_device *d)
{
	uint64_t va;
	uint16_t control;

	if (d->msix_table)
		return 0;
	va = pci_map_bar(d, d->msix.table_bar);
	if (!va)
		return -ENODEV;
	d->msix_table = (volatile uint32_t *)(va + d->msix.table_offset);
	for (unsigned i = 0; i < d->msix.table_size; i++)
		entry_words(d, i)[MSIX_ENTRY_CONTROL] |= MSIX_ENTRY_MASKED;
	control = pci_cfg_read16(&d->cfg, d->msix.cap + MSIX_CONTROL);
	pci_cfg_write16(&d->cfg, d->msix.cap + MSIX_CONTROL,
			(control | MSIX_CONTROL_ENABLE) & ~MSIX_CONTROL_MASKALL);
	pci_enable(d, PCI_COMMAND_MEMORY | PCI_COMMAND_INTX_OFF);
	return 0;
}

int pci_msix_enable(struct pci_device *d, unsigned entry, void (*handler)(void *), void *arg)
{
	uint32_t apic_id = irq_device_apic_id(boot_apic_id());
	volatile uint32_t *e;
	int vector, rc;

	if (!d->has_msix || entry >= d->msix.table_size)
		return -ENODEV;
	if (apic_id > MSI_MAX_DEST)
		return -ENOTSUP;
	rc = msix_start(d);
	if (rc)
		return rc;
	vector = irq_alloc_vector(msix_interrupt);
	if (vector < 0)
		return vector;
	vector_handlers[vector - VEC_DEVICE_FIRST].arg = arg;
	__atomic_store_n(&vector_handlers[vector - VEC_DEVICE_FIRST].fn, handler,
			 __ATOMIC_RELEASE);
	e = entry_words(d, entry);
	e[MSIX_ENTRY_CONTROL] |= MSIX_ENTRY_MASKED;
	e[MSIX_ENTRY_ADDR_LO] = MSI_ADDRESS_BASE | apic_id << MSI_DEST_SHIFT;
	e[MSIX_ENTRY_ADDR_HI] = 0;
	e[MSIX_ENTRY_DATA] = (uint32_t)vector; /* fixed delivery, edge */
	e[MSIX_ENTRY_CONTROL] &= ~MSIX_ENTRY_MASKED;
	klog("msix: %02x:%02x.%u entry %u -> vector 0x%x on APIC %u\n", d->bus, d->dev, d->fn,
	     entry, vector, apic_id);
	return vector;
}

void pci_msix_mask(struct pci_device *d, unsigned entry, bool masked)
{
	volatile uint32_t *e;

	if (!d->msix_table || entry >= d->msix.table_size)
		return;
	e = entry_words(d, entry);
	if (masked)
		e[MSIX_ENTRY_CONTROL] |= MSIX_ENTRY_MASKED;
	else
		e[MSIX_ENTRY_CONTROL] &= ~MSIX_ENTRY_MASKED;
}
