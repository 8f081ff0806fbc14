/*
 * __stack_chk_fail: a function's stack canary changed before it returned.
 * One definition for both images: the kernel's own functions (built with
 * -fstack-protector-strong, canary at %gs:CPU_STACK_GUARD_OFFSET) and, in
 * the image that carries musl, the application's and musl's (canary at
 * %fs:0x28, from AT_RANDOM) all end here.
 *
 * Carapace's, not musl's: musl's is `hlt; ret`, and in ring 0 `hlt` only
 * waits for the next interrupt, so a smashed stack would then return
 * through the attacker's address. The copy of libc.a weakens musl's, so
 * this one wins (libc/files.mk). It never returns, and has no canary of
 * its own to check.
 */
#include <stdint.h>

#include <carapace/hardening.h>
#include <carapace/layout.h>
#include <carapace/power.h>
#include <carapace/report.h>
#include <carapace/thread.h>

__attribute__((noreturn)) void __stack_chk_fail(void);

__no_stack_protector void __stack_chk_fail(void)
{
	uint64_t caller = (uint64_t)__builtin_return_address(0);

	if (report_enter())
		report_abort("__stack_chk_fail");
	report_violation_line(VIOLATION_STACK_CANARY,
			      "in=%s thread=%s: a stack frame's canary changed (checked at 0x%llx)",
			      caller < LOW_HALF_END ? "application" : "kernel",
			      thread_name(thread_current()), (unsigned long long)caller);
	report_backtrace((uint64_t)__stack_chk_fail, (uint64_t)__builtin_frame_address(0));
	power_exit(violation_exit_status(VIOLATION_STACK_CANARY));
}
