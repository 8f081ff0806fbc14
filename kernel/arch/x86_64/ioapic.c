/*
 * The I/O APICs: indirect registers (IOREGSEL selects, IOWIN reads and
 * writes), a version register that says how many lines there are, and a
 * 64-bit redirection entry per line. Every line starts masked; a driver
 * routes the one it owns.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

#include <carapace/acpi.h>
#include <carapace/console.h>
#include <carapace/memory.h>
#include <carapace/spinlock.h>

#include <carapace/ioapic.h>

#define IOREGSEL            0x00
#define IOWIN               0x10
#define IOAPIC_WINDOW_END   0x14        /* the last register byte, exclusive */
#define IOAPIC_REG_VERSION  0x01
#define IOAPIC_REG_REDIR    0x10        /* entry n: 0x10 + 2n (low), + 1 (high) */
#define VERSION_MAX_REDIR(v) (((v) >> 16) & 0xff)
#define REDIR_POLARITY_LOW  (1u << 13)
#define REDIR_TRIGGER_LEVEL (1u << 15)
#define REDIR_MASKED        (1u << 16)
#define REDIR_DEST_SHIFT    24          /* in the high half: the destination APIC ID */
#define XAPIC_MAX_DEST      0xff
#define FIRST_VECTOR        0x20
#define PAGE_SIZE           4096

struct ioapic {
	volatile uint32_t *regs;
	uint32_t gsi_base, lines;
	struct spinlock lock;   /* IOREGSEL then IOWIN: one pair at a time */
};

static struct ioapic ioapics[ACPI_MAX_IOAPICS];
static unsigned ioapic_count;

static uint32_t reg_read(struct ioapic *a, uint32_t reg)
{
	a->regs[IOREGSEL / 4] = reg;
	return a->regs[IOWIN / 4];
}

static void reg_write(struct ioapic *a, uint32_t reg, uint32_t v)
{
	a->regs[IOREGSEL / 4] = reg;
	a->regs[IOWIN / 4] = v;
}

static bool overlaps(uint32_t base, uint32_t lines)
{
	for (unsigned i = 0; i < ioapic_count; i++)
		if (base < ioapics[i].gsi_base + ioapics[i].lines &&
		    ioapics[i].gsi_base < base + lines)
			return true;
	return false;
}

/* Maps one I/O APIC's registers (the MADT promised 16-byte alignment). */
static volatile uint32_t *map_regs(uint64_t phys)
{
	uint64_t page = phys & ~(uint64_t)(PAGE_SIZE - 1);
	uint64_t size = phys - page + IOAPIC_WINDOW_END > PAGE_SIZE ? 2 * PAGE_SIZE : PAGE_SIZE;
	uint64_t va = memory_map_mmio(page, size);

	return va ? (volatile uint32_t *)(va + (phys - page)) : NULL;
}

unsigned ioapic_init(const struct acpi_cpus *firmware)
{
	for (unsigned i = 0; i < firmware->ioapic_count && ioapic_count < ACPI_MAX_IOAPICS; i++) {
		const struct acpi_ioapic *fw = &firmware->ioapic[i];
		struct ioapic *a = &ioapics[ioapic_count];
		uint32_t version;

		a->regs = map_regs(fw->phys);
		if (a->regs == NULL) {
			klog("ioapic: 0x%llx cannot be mapped; left out\n",
			     (unsigned long long)fw->phys);
			continue;
		}
		version = reg_read(a, IOAPIC_REG_VERSION);
		a->lines = VERSION_MAX_REDIR(version) + 1;
		a->gsi_base = fw->gsi_base;
		if (version == 0xffffffffu || overlaps(a->gsi_base, a->lines) ||
		    a->gsi_base + a->lines < a->gsi_base) {
			klog("ioapic: id %u at 0x%llx (version 0x%x, GSI %u) does not answer or "
			     "overlaps another; left out\n", fw->id, (unsigned long long)fw->phys,
			     version, fw->gsi_base);
			continue;
		}
		for (uint32_t line = 0; line < a->lines; line++) {
			reg_write(a, IOAPIC_REG_REDIR + 2 * line, REDIR_MASKED);
			reg_write(a, IOAPIC_REG_REDIR + 2 * line + 1, 0);
		}
		klog("ioapic: id %u at 0x%llx, GSI %u-%u\n", fw->id, (unsigned long long)fw->phys,
		     a->gsi_base, a->gsi_base + a->lines - 1);
		ioapic_count++;
	}
	return ioapic_count;
}

/* The I/O APIC with line gsi, and the line's number there; NULL if none. */
static struct ioapic *find(uint32_t gsi, uint32_t *line)
{
	for (unsigned i = 0; i < ioapic_count; i++)
		if (gsi >= ioapics[i].gsi_base && gsi - ioapics[i].gsi_base < ioapics[i].lines) {
			*line = gsi - ioapics[i].gsi_base;
			return &ioapics[i];
		}
	return NULL;
}

int ioapic_route(uint32_t gsi, uint8_t vector, uint32_t apic_id, unsigned flags)
{
	uint32_t line, low = vector;
	struct ioapic *a = find(gsi, &line);
	uint64_t irq;

	if (a == NULL)
		return -ENODEV;
	if (apic_id > XAPIC_MAX_DEST || vector < FIRST_VECTOR)
		return -EINVAL;
	if (flags & IOAPIC_LEVEL)
		low |= REDIR_TRIGGER_LEVEL;
	if (flags & IOAPIC_ACTIVE_LOW)
		low |= REDIR_POLARITY_LOW;
	irq = spin_lock_irqsave(&a->lock);
	/* Masked while the halves disagree; the low half last unmasks it. */
	reg_write(a, IOAPIC_REG_REDIR + 2 * line, REDIR_MASKED);
	reg_write(a, IOAPIC_REG_REDIR + 2 * line + 1, apic_id << REDIR_DEST_SHIFT);
	reg_write(a, IOAPIC_REG_REDIR + 2 * line, low);
	spin_unlock_irqrestore(&a->lock, irq);
	return 0;
}

int ioapic_mask(uint32_t gsi, bool masked)
{
	uint32_t line, low;
	struct ioapic *a = find(gsi, &line);
	uint64_t irq;

	if (a == NULL)
		return -ENODEV;
	irq = spin_lock_irqsave(&a->lock);
	low = reg_read(a, IOAPIC_REG_REDIR + 2 * line);
	low = masked ? low | REDIR_MASKED : low & ~REDIR_MASKED;
	reg_write(a, IOAPIC_REG_REDIR + 2 * line, low);
	spin_unlock_irqrestore(&a->lock, irq);
	return 0;
}

uint32_t ioapic_gsi_end(void)
{
	uint32_t end = 0;

	for (unsigned i = 0; i < ioapic_count; i++)
		if (ioapics[i].gsi_base + ioapics[i].lines > end)
			end = ioapics[i].gsi_base + ioapics[i].lines;
	return end;
}
