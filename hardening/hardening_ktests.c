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
 *   ro-after-init  checks that the settings, this CPU's GDT, the IDT, the
 *                  syscall handler table and the syscall environment are
 *                  read-only (each named on a line; 1 if one is not), then
 *                  writes to the settings: the write faults, violation=wx
 *                  region=ro-after-init (131).
 *   ro-after-init-syscall-env  the same check, then overwrites the syscall
 *                  environment's range checker (the pointer every system
 *                  call's buffers are checked through) with one that
 *                  accepts anything: the write faults the same way.
 */
#include <stdbool.h>
#include <stdint.h>

#include <carapace/console.h>
#include <carapace/hardening.h>
#include <carapace/ktests.h>
#include <carapace/mmu.h>
#include <carapace/syscall.h>

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

struct table_ptr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

/* Prints whether the page holding addr is read-only; returns 1 if it is not. */
static int check_read_only(const char *what, uint64_t addr)
{
	uint64_t pte;
	bool ro = mmu_lookup(mmu_root(), addr, &pte, NULL) && !(pte & PTE_W) &&
		  hardening_in_ro_after_init(addr);

	kprintf("ro-after-init: %s at 0x%llx %s\n", what, (unsigned long long)addr,
		ro ? "read-only" : "WRITABLE");
	return ro ? 0 : 1;
}

/* Checks the tables this CPU uses, then writes to the settings (never returns). */
__attribute__((noinline)) static int ktest_ro_after_init(void)
{
	volatile uint64_t *p = OPAQUE((uint64_t *)&hardening->kernel_canary);
	struct table_ptr gdtr, idtr;
	int bad = 0;

	__asm__ volatile("sgdt %0; sidt %1" : "=m"(gdtr), "=m"(idtr));
	bad |= check_read_only("settings", (uint64_t)hardening);
	bad |= check_read_only("gdt", gdtr.base);
	bad |= check_read_only("idt", idtr.base);
	bad |= check_read_only("syscall handlers",
			       (uint64_t)syscall_kernel_env()->kernel_handlers);
	bad |= check_read_only("syscall env", (uint64_t)syscall_kernel_env());
	if (bad)
		return 1;
	*p = 0;
	kprintf("ro-after-init: the settings were written after boot\n");
	return 1;
}

static bool accept_any_range(void *ctx, uintptr_t addr, size_t len, bool want_write)
{
	(void)ctx; (void)addr; (void)len; (void)want_write;
	return true;
}

/* What an attacker with one kernel write would do first: check nothing. */
__attribute__((noinline)) static int ktest_ro_after_init_syscall_env(void)
{
	struct syscall_env *env = OPAQUE((struct syscall_env *)syscall_kernel_env());

	if (check_read_only("syscall env", (uint64_t)env))
		return 1;
	env->check_user_range = accept_any_range;
	kprintf("ro-after-init: the syscall env's range checker was replaced after boot\n");
	return 1;
}

KTEST("kernel-canary", ktest_kernel_canary);
KTEST("ro-after-init", ktest_ro_after_init);
KTEST("ro-after-init-syscall-env", ktest_ro_after_init_syscall_env);
