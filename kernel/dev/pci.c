/*
 * PCI on ECAM (PCI Express's memory-mapped configuration space), kernel
 * side: where ECAM is (ACPI's MCFG), which functions answer on segment 0's
 * buses (following bridges to their secondary buses), their BARs sized by
 * writing all-ones, and their BARs mapped uncached and never executable in
 * the randomised device window. Decoding is pci_parse.c's; a function that
 * reports nonsense gets a log line and loses what was wrong (a BAR, its
 * capabilities), never the boot.
 *
 * Bus numbers, BAR addresses and the bridges' windows are the firmware's
 * (SeaBIOS on q35): nothing is reassigned. A BAR the firmware left at 0 is
 * never mapped.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <carapace/acpi.h>
#include <carapace/console.h>
#include <carapace/fmt.h>
#include <carapace/memory.h>
#include <carapace/pci.h>

#define ECAM_BUS_SIZE       (1u << 20)
#define ECAM_DEV_SHIFT      15
#define ECAM_FN_SHIFT       12
#define PCI_DEVICES_PER_BUS 32
#define PCI_FUNCTIONS       8
#define PCI_NUM_BUSES       256
#define PCI_BRIDGE_BARS     2
#define PCI_HEADER_TYPE_MASK 0x7f
#define PCI_NO_DEVICE       0xffff
#define PCI_BAR_MAP_MAX     (16u << 20) /* no BAR this kernel drives is larger */
#define ERR_SIZE            160

static struct acpi_ecam ecam;      /* segment 0's */
static uint64_t bus_va[PCI_NUM_BUSES];
static struct pci_device *devices, **devices_tail = &devices;
static unsigned ndevices;

static uint32_t ecam_read32(void *ctx, uint16_t off)
{
	return ((volatile uint32_t *)ctx)[(off % PCI_ECAM_FN_SIZE) / 4];
}

static void ecam_write32(void *ctx, uint16_t off, uint32_t v)
{
	((volatile uint32_t *)ctx)[(off % PCI_ECAM_FN_SIZE) / 4] = v;
}

/* Reads the bar registers of d (n of them), sizing each with all-ones. */
static void read_bars(struct pci_device *d, unsigned n)
{
	const struct pci_cfg *c = &d->cfg;
	uint16_t command = pci_cfg_read16(c, PCI_COMMAND);
	char err[ERR_SIZE];

	/* No decoding while a BAR holds all-ones: it would claim random addresses. */
	pci_cfg_write16(c, PCI_COMMAND, command & ~(PCI_COMMAND_IO | PCI_COMMAND_MEMORY));
	for (unsigned i = 0; i < n; i++) {
		uint16_t reg = (uint16_t)(PCI_BAR0 + 4 * i);
		uint32_t orig = pci_cfg_read32(c, reg), mask, hi = 0, hi_mask = 0;
		bool wide = pci_bar_is_64(orig) && i + 1 < n;

		c->write32(c->ctx, reg, 0xffffffff);
		mask = pci_cfg_read32(c, reg);
		c->write32(c->ctx, reg, orig);
		if (wide) {
			hi = pci_cfg_read32(c, reg + 4);
			c->write32(c->ctx, reg + 4, 0xffffffff);
			hi_mask = pci_cfg_read32(c, reg + 4);
			c->write32(c->ctx, reg + 4, hi);
		}
		if (pci_bar_decode(i, orig, mask, hi, hi_mask, &d->bar[i], err, sizeof(err)))
			klog("pci: %02x:%02x.%u: %s: BAR ignored\n", d->bus, d->dev, d->fn, err);
		if (pci_bar_is_64(orig))
			i++; /* its upper half */
	}
	pci_cfg_write16(c, PCI_COMMAND, command);
}

static void read_caps(struct pci_device *d)
{
	char err[ERR_SIZE];
	unsigned from = 0;
	int off;

	if (pci_caps_read(&d->cfg, &d->caps, err, sizeof(err))) {
		klog("pci: %02x:%02x.%u: %s: capabilities ignored\n", d->bus, d->dev, d->fn, err);
		d->caps.count = 0;
		return;
	}
	off = pci_caps_next(&d->caps, PCI_CAP_ID_MSIX, 12, &from);
	if (off < 0)
		return;
	if (pci_msix_decode(&d->cfg, (uint8_t)off, d->bar, &d->msix, err, sizeof(err)))
		klog("pci: %02x:%02x.%u: %s: MSI-X not used\n", d->bus, d->dev, d->fn, err);
	else
		d->has_msix = true;
}

static const char *const bar_kinds[] = { "none", "mem32", "mem64", "io" };

/* One line per function (boot option verbose): see kernel/dev/README.md. */
static void log_function(const struct pci_device *d)
{
	char line[256];
	int n;

	n = fmt_snprintf(line, sizeof(line), "pci: %02x:%02x.%u %04x:%04x class %06x", d->bus,
			 d->dev, d->fn, d->vendor, d->device, d->class);
	for (unsigned i = 0; i < PCI_NUM_BARS && n > 0 && (size_t)n < sizeof(line); i++)
		if (d->bar[i].kind != PCI_BAR_NONE)
			n += fmt_snprintf(line + n, sizeof(line) - n, " bar%u=%s%s:0x%llx+0x%llx", i,
					  bar_kinds[d->bar[i].kind],
					  d->bar[i].prefetchable ? "-pf" : "",
					  (unsigned long long)d->bar[i].base,
					  (unsigned long long)d->bar[i].size);
	if (d->has_msix && n > 0 && (size_t)n < sizeof(line))
		fmt_snprintf(line + n, sizeof(line) - n, " msix=%u", d->msix.table_size);
	klog("%s\n", line);
}

static void scan_bus(unsigned bus);

static void add_function(unsigned bus, unsigned dev, unsigned fn, volatile uint8_t *space)
{
	struct pci_device *d = kcalloc(1, sizeof(*d));
	uint8_t type;

	if (!d) {
		klog("pci: out of memory at %02x:%02x.%u: the scan stops\n", bus, dev, fn);
		return;
	}
	d->bus = (uint8_t)bus, d->dev = (uint8_t)dev, d->fn = (uint8_t)fn;
	d->cfg = (struct pci_cfg){ ecam_read32, ecam_write32, (void *)space };
	d->vendor = pci_cfg_read16(&d->cfg, PCI_VENDOR_ID);
	d->device = pci_cfg_read16(&d->cfg, PCI_DEVICE_ID);
	d->class = pci_cfg_read32(&d->cfg, PCI_CLASS_REVISION) >> 8;
	type = pci_cfg_read8(&d->cfg, PCI_HEADER_TYPE) & PCI_HEADER_TYPE_MASK;
	if (type == 0) {
		d->subsystem = pci_cfg_read16(&d->cfg, PCI_SUBSYSTEM_ID);
		read_bars(d, PCI_NUM_BARS);
	} else if (type == PCI_HEADER_BRIDGE) {
		read_bars(d, PCI_BRIDGE_BARS);
	} else {
		klog("pci: %02x:%02x.%u: header type %u unknown: no BARs read\n", bus, dev, fn, type);
	}
	read_caps(d);
	*devices_tail = d;
	devices_tail = &d->next;
	ndevices++;
	log_function(d);
	if (type == PCI_HEADER_BRIDGE)
		scan_bus(pci_cfg_read8(&d->cfg, PCI_SECONDARY_BUS));
}

/* Lists bus's functions; each bus once, so a bridge that lies cannot loop. */
static void scan_bus(unsigned bus)
{
	uint64_t base;

	if (bus < ecam.bus_start || bus > ecam.bus_end || bus_va[bus]) {
		klog("pci: bus %u is outside ECAM or seen before: not scanned\n", bus);
		return;
	}
	base = memory_map_mmio(ecam.base + (uint64_t)bus * ECAM_BUS_SIZE, ECAM_BUS_SIZE);
	if (!base) {
		klog("pci: cannot map bus %u's configuration space\n", bus);
		return;
	}
	bus_va[bus] = base;
	for (unsigned dev = 0; dev < PCI_DEVICES_PER_BUS; dev++) {
		for (unsigned fn = 0; fn < PCI_FUNCTIONS; fn++) {
			volatile uint8_t *space = (volatile uint8_t *)(base +
				((uint64_t)dev << ECAM_DEV_SHIFT) + ((uint64_t)fn << ECAM_FN_SHIFT));
			struct pci_cfg probe = { ecam_read32, ecam_write32, (void *)space };

			if (pci_cfg_read16(&probe, PCI_VENDOR_ID) == PCI_NO_DEVICE) {
				if (fn == 0)
					break;
				continue;
			}
			add_function(bus, dev, fn, space);
			if (fn == 0 && !(pci_cfg_read8(&probe, PCI_HEADER_TYPE) & PCI_HEADER_MULTIFN))
				break;
		}
	}
}

unsigned pci_init(void)
{
	struct acpi_mcfg mcfg;
	char err[ERR_SIZE];
	int rc = acpi_find_mcfg(&acpi_kernel_reader, &mcfg, err, sizeof(err));

	acpi_kernel_unmap_all();
	if (rc) {
		klog("pci: %s: no PCI\n", err);
		return 0;
	}
	for (unsigned i = 0; i < mcfg.count && !ecam.base; i++)
		if (mcfg.ecam[i].segment == 0)
			ecam = mcfg.ecam[i];
	if (!ecam.base) {
		klog("pci: the MCFG has no entry for segment 0: no PCI\n");
		return 0;
	}
	scan_bus(ecam.bus_start);
	klog("pci: ECAM at 0x%llx for buses %u-%u, %u functions\n",
	     (unsigned long long)ecam.base, ecam.bus_start, ecam.bus_end, ndevices);
	return ndevices;
}

struct pci_device *pci_next(struct pci_device *prev)
{
	return prev ? prev->next : devices;
}

uint64_t pci_map_bar(struct pci_device *d, unsigned index)
{
	const struct pci_bar *b;
	const char *why = NULL;

	if (index >= PCI_NUM_BARS)
		return 0;
	if (d->bar_va[index])
		return d->bar_va[index];
	b = &d->bar[index];
	if (b->kind != PCI_BAR_MEM32 && b->kind != PCI_BAR_MEM64)
		why = "not a memory BAR";
	else if (b->base == 0)
		why = "not assigned by the firmware";
	else if (b->size > PCI_BAR_MAP_MAX)
		why = "larger than this kernel maps";
	else if (memory_overlaps_ram(b->base, b->size))
		why = "over RAM";
	if (why) {
		klog("pci: %02x:%02x.%u: BAR%u is %s: not mapped\n", d->bus, d->dev, d->fn, index,
		     why);
		return 0;
	}
	d->bar_va[index] = memory_map_mmio(b->base, b->size);
	return d->bar_va[index];
}

void pci_enable(struct pci_device *d, uint16_t command_bits)
{
	pci_cfg_write16(&d->cfg, PCI_COMMAND, pci_cfg_read16(&d->cfg, PCI_COMMAND) | command_bits);
}
