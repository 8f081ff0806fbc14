/* Time: the TSC, calibrated at boot, as a monotonic nanosecond clock. */
#ifndef CARAPACE_CLOCK_H
#define CARAPACE_CLOCK_H

#include <stdint.h>

/*
 * Calibrates the TSC; returns 0 or -ENODEV when no method worked. Counting
 * the PIT (under TCG, which offers nothing else) only begins here: until
 * clock_init_finish the clock runs on a first estimate (within about 0.5%).
 */
int clock_init(void);

/*
 * Ends the PIT's count that clock_init began (waiting if it has not yet
 * lasted 2 ms): called once the boot's work in between (memory_init) is
 * done, before anything keeps a time. Nothing to do with other sources.
 */
void clock_init_finish(void);

/* Nanoseconds since the kernel's first instruction. Monotonic. */
uint64_t clock_ns(void);

/* The TSC value at which clock_ns() will read ns (for TSC-deadline timers). */
uint64_t clock_ns_to_tsc(uint64_t ns);

/* Converts a number of TSC ticks to nanoseconds. */
uint64_t clock_tsc_to_ns(uint64_t ticks);

uint64_t clock_tsc_hz(void);
/* How the frequency was found: "cpuid-15h", "kvmclock", "pit", "cpuid-16h". */
const char *clock_source(void);

#endif
