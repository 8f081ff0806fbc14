/*
 * Internal to libc/fortify: what every __*_chk function shares.
 *
 * A check that fails never returns: __carapace_fortify_fail reports
 * violation=fortify naming the function and ends the run with status 139.
 * The two hooks below live in files of their own (fortify_fail.c,
 * fortify_writable.c) so that the host unit tests can put theirs in place.
 */
#ifndef CARAPACE_LIBC_FORTIFY_H
#define CARAPACE_LIBC_FORTIFY_H

#include <stdarg.h>
#include <stddef.h>

__attribute__((noreturn)) void __carapace_fortify_fail(const char *function);

/* Nonzero when the byte at p may be written (the %n check below). */
int __carapace_fortify_writable(const void *p);

/*
 * At fortify level 2 a printf-family caller passes flag > 0: a %n
 * conversion that lies in writable memory is then refused, since a format
 * string an attacker can write is how %n turns into a write primitive.
 * unit is 1 for char formats, sizeof(wchar_t) for wide ones.
 */
void __carapace_fortify_format(const char *function, int flag, const void *format,
			       size_t unit);

/* Ends the run, naming the calling __*_chk function, unless ok holds. */
#define FORTIFY_CHECK(ok)                                   \
	do {                                                \
		if (__builtin_expect(!(ok), 0))             \
			__carapace_fortify_fail(__func__);  \
	} while (0)

/* The %n check of a printf-family function, named after the caller. */
#define FORTIFY_FORMAT(flag, format) \
	__carapace_fortify_format(__func__, flag, format, sizeof(*(format)))

/*
 * The body of a variadic function: passes its arguments after last on as
 * the va_list ap to call, and returns call's result.
 */
#define FORTIFY_RETURN_VA(type, last, call)   \
	do {                                   \
		va_list ap;                    \
		type va_result_;               \
		va_start(ap, last);            \
		va_result_ = (call);           \
		va_end(ap);                    \
		return va_result_;             \
	} while (0)

/*
 * The bodies of the v-forms that their variadic twins share, so that a
 * failure names the function the application called.
 */
int __carapace_fortify_vsprintf(const char *function, char *s, int flag, size_t slen,
				const char *format, va_list ap);
int __carapace_fortify_vsnprintf(const char *function, char *s, size_t maxlen, int flag,
				 size_t slen, const char *format, va_list ap);
int __carapace_fortify_vswprintf(const char *function, wchar_t *s, size_t maxlen, int flag,
				 size_t slen, const wchar_t *format, va_list ap);

#endif
