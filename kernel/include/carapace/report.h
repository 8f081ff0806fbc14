/*
 * The one violation reporter. Every attack a defence catches, and every CPU
 * exception, ends here. The report is:
 *
 *   carapace: violation=KIND DETAILS          (one line, always first)
 *     registers, a backtrace with symbol names (indented lines)
 *
 * and the machine then powers off with the KIND's status (carapace/exit.h).
 */
#ifndef CARAPACE_REPORT_H
#define CARAPACE_REPORT_H

#include <stdbool.h>
#include <stdint.h>

enum violation {
	VIOLATION_PAGE_FAULT,
	VIOLATION_NULL_DEREF,
	VIOLATION_WX,
	VIOLATION_STACK_GUARD,
	VIOLATION_STACK_CANARY,
	VIOLATION_HEAP_OVERFLOW,
	VIOLATION_DOUBLE_FREE,
	VIOLATION_INVALID_FREE,
	VIOLATION_USE_AFTER_FREE,
	VIOLATION_FORTIFY,
	VIOLATION_CPU_EXCEPTION,
	VIOLATION_DOUBLE_FAULT,
	VIOLATION_UBSAN,     /* SAN=ubsan builds only (hardening/ubsan.c) */
	VIOLATION_LIBC_CRASH, /* musl executed its crash hlt (carapace/libc_crash.h) */
	VIOLATION_KASAN,     /* SAN=kasan builds only (hardening/kasan.c) */
	VIOLATION_COUNT,
};

const char *violation_name(enum violation v);
int violation_exit_status(enum violation v);
/* How many violations of kind v were reported since boot (the REST API's /hardening). */
uint64_t violation_count(enum violation v);

/*
 * Starts a report; returns nonzero when a report is already under way (a
 * fault inside the reporter), in which case the caller must stop at once
 * with report_abort().
 */
int report_enter(void);
__attribute__((noreturn)) void report_abort(const char *what);
/* Whether some CPU has begun a report (report_enter) that has not ended. */
bool report_under_way(void);

/* Prints the first line: "carapace: violation=KIND " and the details. */
void report_violation_line(enum violation v, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * The kernel function that holds addr, with *offset set to addr's distance
 * from its start; NULL outside kernel text or when no symbol holds it.
 */
const char *report_kernel_symbol(uint64_t addr, uint64_t *offset);

/* Prints "  backtrace:" and one line per frame, from rip and the frame pointer. */
void report_backtrace(uint64_t rip, uint64_t rbp);

/*
 * For code built without frame pointers (musl): prints "  stack scan:" and
 * the words just above rsp that point into executable text, as a caller's
 * return address would (some may be stale).
 */
void report_stack_scan(uint64_t rsp);

#endif
