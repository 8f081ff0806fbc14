/* The kernel console: COM1, and printf-style printing on it. */
#ifndef CARAPACE_CONSOLE_H
#define CARAPACE_CONSOLE_H

#include <stdbool.h>
#include <stddef.h>

/* Set by the boot option "verbose": klog prints only then. */
extern bool console_verbose;

void console_init(void);
void console_write(const char *s, size_t n);
/* Prints s without keeping it in the log (a secret shown once: the API's token). */
void console_write_unlogged(const char *s, size_t n);
/*
 * From now on, prints to the serial port only, not the log: for a report
 * printed while other CPUs are stopped wherever they were, one of them
 * perhaps holding the log (each print would otherwise spin for it).
 */
void console_stop_logging(void);
/* Copies the last bytes printed (at most size, at most 16 KiB) into buf. */
size_t console_log_copy(char *buf, size_t size);
int kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The boot log: silent unless "verbose", so a run prints only the program's output. */
int klog(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
