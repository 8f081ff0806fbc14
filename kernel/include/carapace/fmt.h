/*
 * fmt: printf-style formatting for the kernel (portable: also built on the host).
 *
 * The kernel is built with -mgeneral-regs-only, so there is no floating point
 * here. Supported: %d %i %u %x %X %o %p %s %c %%, the flags - 0 + space #,
 * a width and a precision (numbers or *), and the length modifiers hh h l ll z t j.
 * An unknown conversion is printed as it was written, so a bad format string
 * never reads arguments that are not there past that point.
 */
#ifndef CARAPACE_FMT_H
#define CARAPACE_FMT_H

#include <stdarg.h>
#include <stddef.h>

/* Receives the formatted text in pieces; s is not NUL-terminated. */
typedef void (*fmt_sink_fn)(void *ctx, const char *s, size_t n);

/* Formats into sink; returns the number of characters produced. */
int fmt_vformat(fmt_sink_fn sink, void *ctx, const char *fmt, va_list ap);
int fmt_format(fmt_sink_fn sink, void *ctx, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * As C's vsnprintf: writes at most size-1 characters and a NUL (when
 * size > 0), returns the length the whole output would have had.
 */
int fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int fmt_snprintf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
