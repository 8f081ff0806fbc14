/*
 * Multiboot v1 information (the loader's memory map and command line). Its
 * structures lie somewhere in low memory that the kernel will soon reuse, so
 * everything needed is copied into struct boot_info at once. Every pointer
 * the loader gave is checked to lie inside the boot mapping before use.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include <carapace/boot.h>
#include <carapace/fmt.h>
#include <carapace/layout.h>

#define MB_LOADER_MAGIC   0x2badb002
#define MB_INFO_CMDLINE   (1u << 2)
#define MB_INFO_MODS      (1u << 3)
#define MB_INFO_MMAP      (1u << 6)
#define MB_MMAP_AVAILABLE 1

struct mb_info {
	uint32_t flags;
	uint32_t mem_lower, mem_upper;
	uint32_t boot_device;
	uint32_t cmdline;
	uint32_t mods_count, mods_addr;
	uint32_t syms[4];
	uint32_t mmap_length, mmap_addr;
} __attribute__((packed));

struct mb_mmap_entry {
	uint32_t size; /* of the rest of the entry */
	uint64_t base, length;
	uint32_t type;
} __attribute__((packed));

struct mb_module {
	uint32_t start, end; /* [start, end) physical */
	uint32_t cmdline;
	uint32_t reserved;
} __attribute__((packed));

/*
 * The image's physical bounds: absolute symbols of kernel/kernel.ld, which
 * stay where they are when the image slides. Loaded as immediates: the
 * kernel addresses its own symbols RIP-relative (no GOT), which would move
 * these with the image.
 */
#define ABSOLUTE_SYMBOL(name) ({ \
	uint64_t value_; \
	__asm__("movabs $" #name ", %0" : "=r"(value_)); \
	value_; \
})

/* A pointer to loader memory, or NULL when [phys, phys+size) is not mapped. */
static const void *boot_ptr(uint64_t phys, uint64_t size)
{
	if (phys == 0 || phys + size < phys || phys + size > BOOT_MAPPED_BYTES)
		return NULL;
	return (const void *)(KERNEL_VMA + phys);
}

/*
 * Copies the command line less its first word: Multiboot loaders (QEMU and
 * GRUB alike) put the kernel image's path there, before the options.
 */
static void copy_cmdline(uint32_t phys, struct boot_info *bi)
{
	const char *s;
	uint64_t n = 0;

	while ((s = boot_ptr(phys, 1)) && *s && *s != ' ')
		phys++;
	if (s && *s == ' ')
		phys++;
	while ((s = boot_ptr(phys + n, 1)) && *s && n < BOOT_CMDLINE_MAX - 1) {
		bi->cmdline[n] = *s;
		n++;
	}
	bi->cmdline[n] = '\0';
	bi->cmdline_truncated = s && *s;
}

int multiboot_read(uint32_t magic, uint32_t info_phys, struct boot_info *bi,
		   char *err, unsigned long err_size)
{
	const struct mb_info *mb = boot_ptr(info_phys, sizeof(*mb));
	uint64_t off;

	memset(bi, 0, sizeof(*bi));
	bi->image_phys_start = ABSOLUTE_SYMBOL(__image_phys_start);
	bi->image_phys_end = ABSOLUTE_SYMBOL(__image_phys_end);
	if (magic != MB_LOADER_MAGIC || !mb) {
		fmt_snprintf(err, err_size, "not started by a Multiboot loader (magic 0x%x)", magic);
		return -EINVAL;
	}
	if (mb->flags & MB_INFO_CMDLINE)
		copy_cmdline(mb->cmdline, bi);
	if (mb->flags & MB_INFO_MODS) {
		const struct mb_module *mods = boot_ptr(mb->mods_addr,
							(uint64_t)mb->mods_count * sizeof(*mods));

		if (mb->mods_count > BOOT_MAX_MODULES || (mb->mods_count && !mods)) {
			fmt_snprintf(err, err_size, "the boot loader gave %u modules (at most %d)",
				     mb->mods_count, BOOT_MAX_MODULES);
			return -EINVAL;
		}
		for (uint32_t i = 0; i < mb->mods_count; i++) {
			if (mods[i].end < mods[i].start || !boot_ptr(mods[i].start, mods[i].end - mods[i].start + 1)) {
				fmt_snprintf(err, err_size, "boot module %u lies outside low memory", i);
				return -EINVAL;
			}
			bi->modules[i].start = mods[i].start;
			bi->modules[i].end = mods[i].end;
		}
		bi->nmodules = (int)mb->mods_count;
	}
	if (!(mb->flags & MB_INFO_MMAP) || !boot_ptr(mb->mmap_addr, mb->mmap_length)) {
		fmt_snprintf(err, err_size, "the boot loader gave no memory map");
		return -EINVAL;
	}
	for (off = 0; off + sizeof(struct mb_mmap_entry) <= mb->mmap_length;) {
		const struct mb_mmap_entry *e = boot_ptr(mb->mmap_addr + off, sizeof(*e));

		if (e->type == MB_MMAP_AVAILABLE && e->length && e->base + e->length > e->base) {
			if (bi->nram == BOOT_MAX_RANGES) {
				bi->ram_truncated = true;
			} else {
				bi->ram[bi->nram].start = e->base;
				bi->ram[bi->nram].end = e->base + e->length;
				bi->nram++;
			}
		}
		off += (uint64_t)e->size + sizeof(e->size);
	}
	return 0;
}
