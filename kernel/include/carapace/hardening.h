/*
 * hardening: the one structure of hardening settings (hardening/settings.c),
 * the stack protector's canaries, and data made read-only after boot.
 *
 * The settings come from the build profile (its default boot options, see
 * the top-level Makefile's PROFILE) and the boot command line, are filled
 * in once by hardening_init, and sit in .data.ro_after_init: from
 * hardening_seal on, a write to them faults (violation=wx,
 * region=ro-after-init).
 */
#ifndef CARAPACE_HARDENING_H
#define CARAPACE_HARDENING_H

#include <stdbool.h>
#include <stdint.h>

struct boot_options;

/* OSv's constant canary, for canary=constant (and the baseline profile). */
#define HARDENING_CONSTANT_CANARY 0x12345678abcdefull

/*
 * Data written only during boot: it lands in the image's page-aligned
 * .ro_after_init range (kernel/kernel.ld), remapped read-only by
 * hardening_seal.
 */
#define __ro_after_init __attribute__((section(".data.ro_after_init")))

/* Functions that run while the stack canary is not yet set, or changes. */
#define __no_stack_protector __attribute__((no_stack_protector))
/* No SAN=kasan checks or stack redzones (code that runs before the shadow). */
#define __no_sanitize_address __attribute__((no_sanitize("address")))

enum hardening_canary {
	HARDENING_CANARY_RANDOM,   /* canary=random (default): from the CSPRNG, per boot */
	HARDENING_CANARY_CONSTANT, /* canary=constant: 0x12345678abcdef, OSv's */
};

struct hardening_settings {
	bool guards;                 /* guards=on|show (off: no guard pages) */
	bool guards_show;            /* guards=show: list stacks and heaps with their guards */
	enum hardening_canary canary;
	bool heap_musl;              /* heap=musl */
	bool wx_allow;               /* wx=allow */
	bool kernel_ssp;             /* the kernel was built with the stack protector */
	uint64_t kernel_canary;      /* the value every CPU's struct cpu holds */
};

/* Read-only after boot; valid once hardening_init has run. */
extern const struct hardening_settings *const hardening;

/*
 * Fills the settings from the parsed boot options and draws the canaries
 * (the random generator must be seeded: after aslr_init). Then the boot
 * CPU's canary is set: call it from a function built without the stack
 * protector that never returns (kmain).
 */
void hardening_init(const struct boot_options *o);

/*
 * AT_RANDOM's 16 bytes for the application (libc/app.c): random per boot,
 * or with canary=constant the constant canary (musl takes its canary from
 * the first 8 and zeroes their second byte).
 */
void hardening_at_random(uint8_t out[16]);

/*
 * Remaps .ro_after_init read-only: once every CPU is up, before the
 * application starts (not in the baseline build profile).
 */
void hardening_seal(void);

/* guards=show: prints each stack and heap region with its guard pages. */
void hardening_show_guards(void);

/* Whether addr lies in the .ro_after_init range (fault classification). */
bool hardening_in_ro_after_init(uint64_t addr);

#endif
