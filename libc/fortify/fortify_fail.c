/*
 * __carapace_fortify_fail: a __*_chk function caught a call that would
 * overrun its destination (or a %n in a writable format). Reports
 *
 *   carapace: violation=fortify function=__memcpy_chk thread=main: ...
 *
 * with a backtrace, and powers off with EXIT_FORTIFY (139). The one
 * place the checks end the run; host tests link a recorder instead.
 */
#include <stdint.h>

#include <carapace/power.h>
#include <carapace/report.h>
#include <carapace/thread.h>

#include "fortify.h"

void __carapace_fortify_fail(const char *function)
{
	uint64_t caller = (uint64_t)__builtin_return_address(0);

	if (report_enter())
		report_abort(function);
	report_violation_line(VIOLATION_FORTIFY,
			      "function=%s thread=%s: a write past the end of a buffer was refused (called from 0x%llx)",
			      function, thread_name(thread_current()), (unsigned long long)caller);
	report_backtrace((uint64_t)__carapace_fortify_fail, (uint64_t)__builtin_frame_address(0));
	power_exit(violation_exit_status(VIOLATION_FORTIFY));
}
