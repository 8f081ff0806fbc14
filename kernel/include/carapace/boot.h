/* What the boot loader told us, copied out of its memory before we reuse it. */
#ifndef CARAPACE_BOOT_H
#define CARAPACE_BOOT_H

#include <stdbool.h>
#include <stdint.h>

#define BOOT_CMDLINE_MAX 4096
#define BOOT_MAX_RANGES  64
#define BOOT_MAX_MODULES 4

struct mem_range {
	uint64_t start, end; /* [start, end) */
};

struct boot_info {
	char cmdline[BOOT_CMDLINE_MAX];
	bool cmdline_truncated;
	struct mem_range ram[BOOT_MAX_RANGES]; /* usable RAM, as reported */
	int nram;
	bool ram_truncated;
	uint64_t image_phys_start, image_phys_end; /* the loaded kernel */
	struct mem_range modules[BOOT_MAX_MODULES]; /* files the loader brought (QEMU -initrd) */
	int nmodules;
};

/*
 * Reads the Multiboot v1 information. Returns 0, or -EINVAL with a message
 * in err when the loader is not Multiboot or gave no memory map.
 */
int multiboot_read(uint32_t magic, uint32_t info_phys, struct boot_info *bi,
		   char *err, unsigned long err_size);

/*
 * A step of the boot ends (what: a string literal): its TSC is recorded;
 * boot_steps_print prints each step's microseconds under boot option
 * verbose (kernel/boot/boot_steps.c).
 */
void boot_step(const char *what);
void boot_steps_print(void);

#endif
