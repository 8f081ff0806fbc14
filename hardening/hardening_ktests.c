/*
 * In-kernel tests of the defences owned here (boot option test=NAME):
 *
 *   kernel-canary  overflows a char array of a kernel function up to its
 *                  saved frame pointer: the canary in between is hit, and
 *                  the return reports violation=stack-canary (133), with
 *                  canary=constant too. In a kernel built without the
 *                  stack protector (PROFILE=baseline) nothing lies between
 *                  the two, nothing is reported, and the test says so
 *                  and fails (1).
 *   ro-after-init  writes to the hardening settings after boot: the write
 *                  faults, violation=wx region=ro-after-init (131).
 */
#include <stdint.h>

#include <carapace/console.h>
#include <carapace/hardening.h>
#include <carapace/ktests.h>

#define OPAQUE(x) ({ __typeof__(x) v_ = (x); __asm__ volatile("" : "+r"(v_)); v_; })

/*
 * Fills buf and whatever lies above it up to the saved frame pointer. A
 * leaf with no call but the check's: no callee-saved register is pushed
 * between the two, so without a canary this writes buf only.
 */
__attribute__((noinline)) static void smash_to_frame(void)
{
	char buf[32];
	volatile char *p = OPAQUE((char *)buf);
	char *frame = __builtin_frame_address(0);

	for (long i = 0; p + i < frame; i++)
		p[i] = 'A';
}

__attribute__((noinline)) static int ktest_kernel_canary(void)
{
	kprintf("kernel-canary: stack protector %s, canary %s\n",
		hardening->kernel_ssp ? "on" : "off",
		hardening->canary == HARDENING_CANARY_CONSTANT ? "constant" : "random");
	smash_to_frame();
	kprintf("kernel-canary: the overflow was not detected\n");
	return 1;
}

__attribute__((noinline)) static int ktest_ro_after_init(void)
{
	volatile uint64_t *p = OPAQUE((uint64_t *)&hardening->kernel_canary);

	*p = 0;
	kprintf("ro-after-init: the settings were written after boot\n");
	return 1;
}

KTEST("kernel-canary", ktest_kernel_canary);
KTEST("ro-after-init", ktest_ro_after_init);
