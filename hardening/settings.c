/*
 * The hardening settings: one structure, filled from the boot options once,
 * then read-only (it lives in .data.ro_after_init, which hardening_seal
 * remaps read-only). Also the stack protector's canaries: the kernel's
 * (every CPU's struct cpu holds a copy, read by compiled code at
 * %gs:CPU_STACK_GUARD_OFFSET) and the application's AT_RANDOM.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <carapace/arch.h>
#include <carapace/console.h>
#include <carapace/hardening.h>
#include <carapace/layout.h>
#include <carapace/mmu.h>
#include <carapace/options.h>
#include <carapace/panic.h>
#include <carapace/percpu.h>
#include <carapace/random.h>

extern char __ro_after_init_start[], __ro_after_init_end[];

static struct hardening_settings settings __ro_after_init;
const struct hardening_settings *const hardening = &settings;

/* Clang defines __SSP_STRONG__ under -fstack-protector-strong. */
#if defined(__SSP__) || defined(__SSP_STRONG__) || defined(__SSP_ALL__)
#define KERNEL_SSP true
#else
#define KERNEL_SSP false
#endif

/*
 * The low byte of a random canary is zero, as Linux does: a string
 * overflow (strcpy) then cannot copy the canary over itself.
 */
static uint64_t draw_canary(enum hardening_canary kind)
{
	if (kind == HARDENING_CANARY_CONSTANT)
		return HARDENING_CONSTANT_CANARY;
	return random_u64() & ~0xffull;
}

/* Runs in kmain, which is built without the stack protector: see the header. */
__no_stack_protector void hardening_init(const struct boot_options *o)
{
	settings.guards = !o->guards_off;
	settings.guards_show = o->guards_show;
	settings.canary = o->canary_constant ? HARDENING_CANARY_CONSTANT : HARDENING_CANARY_RANDOM;
	settings.heap_musl = o->heap_musl;
	settings.wx_allow = o->wx_allow;
	settings.kernel_ssp = KERNEL_SSP;
	settings.kernel_canary = draw_canary(settings.canary);
	cpu_set_stack_guard(settings.kernel_canary);
}

void hardening_at_random(uint8_t out[16])
{
	if (settings.canary == HARDENING_CANARY_CONSTANT) {
		uint64_t c = HARDENING_CONSTANT_CANARY;

		memcpy(out, &c, sizeof(c));
		memcpy(out + sizeof(c), &c, sizeof(c));
		return;
	}
	random_bytes(out, 16);
}

bool hardening_in_ro_after_init(uint64_t addr)
{
	return addr >= (uint64_t)__ro_after_init_start && addr < (uint64_t)__ro_after_init_end;
}

/* The baseline build profile leaves the range writable (the Makefile's PROFILE). */
#ifndef HARDENING_RO_AFTER_INIT
#define HARDENING_RO_AFTER_INIT 1
#endif

/*
 * The range is mapped with the rest of the data (read-write, NX) until
 * here; every CPU is up and has loaded its tables by now.
 */
void hardening_seal(void)
{
	uint64_t start = (uint64_t)__ro_after_init_start, end = (uint64_t)__ro_after_init_end;

	if (!HARDENING_RO_AFTER_INIT) {
		klog("hardening: .ro_after_init stays writable (PROFILE=baseline)\n");
		return;
	}
	if (end > start && mmu_protect(mmu_root(), start, end - start, MAP_READ))
		panic("cannot make .ro_after_init read-only");
	klog("hardening: 0x%llx-0x%llx read-only after boot (%llu KiB)\n",
	     (unsigned long long)start, (unsigned long long)end,
	     (unsigned long long)((end - start) / 1024));
}
