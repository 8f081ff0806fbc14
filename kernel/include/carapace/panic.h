#ifndef CARAPACE_PANIC_H
#define CARAPACE_PANIC_H

/*
 * A broken kernel invariant: prints "carapace: panic: MESSAGE", the
 * registers and a backtrace, and powers off with EXIT_PANIC.
 */
__attribute__((noreturn, format(printf, 1, 2))) void panic(const char *fmt, ...);

#endif
