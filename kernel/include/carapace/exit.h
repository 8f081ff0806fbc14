/*
 * exit: the statuses a Carapace run ends with (README.md, "Exit statuses").
 *
 * The guest reports its status twice: as text "exit=N" on the status port
 * (QEMU's isa-debugcon at EXIT_STATUS_PORT, which the launcher reads back,
 * because isa-debug-exit can only carry 7 bits), then by writing to
 * isa-debug-exit, which powers the machine off.
 */
#ifndef CARAPACE_EXIT_H
#define CARAPACE_EXIT_H

#define EXIT_DEBUG_EXIT_PORT 0xf4 /* isa-debug-exit: QEMU exits (v << 1) | 1 */
#define EXIT_STATUS_PORT     0xe9 /* isa-debugcon: "exit=N\n" */

enum exit_status {
	EXIT_OK              = 0,
	/* 1..123: the application's own status (or a failed in-kernel test: 1). */
	EXIT_TIMEOUT         = 124, /* launcher: --timeout expired, guest killed */
	EXIT_LAUNCHER        = 125, /* launcher: bad usage, QEMU missing or failed */
	EXIT_BOOT_REFUSED    = 126, /* bad boot option, not enough memory */
	EXIT_PANIC           = 128, /* a broken kernel invariant */
	EXIT_PAGE_FAULT      = 129, /* violation=page-fault */
	EXIT_NULL_DEREF      = 130, /* violation=null-deref */
	EXIT_WX              = 131, /* violation=wx */
	EXIT_STACK_GUARD     = 132, /* violation=stack-guard */
	EXIT_STACK_CANARY    = 133, /* violation=stack-canary */
	EXIT_ABORT           = 134, /* abort() */
	EXIT_HEAP_OVERFLOW   = 135, /* violation=heap-overflow */
	EXIT_DOUBLE_FREE     = 136, /* violation=double-free */
	EXIT_INVALID_FREE    = 137, /* violation=invalid-free */
	EXIT_USE_AFTER_FREE  = 138, /* violation=use-after-free */
	EXIT_FORTIFY         = 139, /* violation=fortify */
	EXIT_CPU_EXCEPTION   = 140, /* violation=cpu-exception (#GP, #UD, #DE, ...) */
	EXIT_DOUBLE_FAULT    = 141, /* violation=double-fault */
	EXIT_GUEST_VANISHED  = 142, /* launcher: guest reset or stopped, no status */
	EXIT_UBSAN           = 143, /* violation=ubsan (SAN=ubsan builds) */
	EXIT_LIBC_CRASH      = 144, /* violation=libc-crash (musl's a_crash hlt) */
	EXIT_SIGPIPE         = 145, /* SIGPIPE's default action (a write without a reader) */
	EXIT_SIGALRM         = 146, /* SIGALRM's default action (setitimer's or alarm's timer expired) */
	EXIT_KASAN           = 147, /* violation=kasan (SAN=kasan builds) */
	EXIT_SIGNAL          = 148, /* another signal's default action (the line names it) */
};

#endif
