/*
 * abort: the application gave up. Reports where, and powers off with
 * EXIT_ABORT (134).
 *
 * Carapace's, not musl's: musl's raises SIGABRT, then ends in `hlt`, which
 * in ring 0 only waits for the next interrupt and carries on. The copy of
 * libc.a weakens musl's, so this one wins (libc/files.mk).
 * Still to come: flushing stdio first (pitfall 5 of the architecture).
 */
#include <stdint.h>

#include <carapace/console.h>
#include <carapace/exit.h>
#include <carapace/power.h>
#include <carapace/report.h>
#include <carapace/thread.h>

__attribute__((noreturn)) void abort(void);

void abort(void)
{
	uint64_t caller = (uint64_t)__builtin_return_address(0);

	if (report_enter())
		report_abort("abort");
	kprintf("carapace: abort() called thread=%s from 0x%llx\n",
		thread_name(thread_current()), (unsigned long long)caller);
	report_backtrace((uint64_t)abort, (uint64_t)__builtin_frame_address(0));
	power_exit(EXIT_ABORT);
}
