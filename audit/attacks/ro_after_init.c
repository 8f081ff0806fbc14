/*
 * A write to kernel data that is read-only after boot: the IDT (its address
 * from sidt; it lives in .ro_after_init). The attack writes one byte of the
 * last gate's reserved field (ignored by the CPU) directly, reads it back
 * and restores it. Named defence: read-only after boot (violation=wx
 * region=ro-after-init). Succeeds in PROFILE=baseline, whose IDT stays
 * writable; no boot option turns it off.
 */
#include <stdint.h>
#include "attack.h"

struct __attribute__((packed)) descriptor_table_register {
	uint16_t limit;
	uint64_t base;
};

int main(void)
{
	struct descriptor_table_register idtr;
	volatile unsigned char *reserved;
	unsigned char before;

	__asm__ volatile("sidt %0" : "=m"(idtr));
	/* The last gate (16 bytes each): bytes 12..15 are reserved. */
	reserved = (volatile unsigned char *)(uintptr_t)(idtr.base + idtr.limit + 1 - 16 + 12);
	AUDIT_SAY("ro-after-init: IDT at 0x%lx, writing 0x%p", (unsigned long)idtr.base,
		  (void *)reserved);
	before = *reserved;
	*reserved = 0x41;
	if (*reserved == 0x41) {
		*reserved = before;
		audit_success("byte written into the kernel's IDT");
	}
	AUDIT_SAY("ro-after-init: the byte did not change");
	return 0;
}
