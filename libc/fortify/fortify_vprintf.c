/*
 * The bodies of the bounded printf checks, shared by each variadic
 * function and its v-form so that a failure names the one called.
 */
#include <limits.h>
#include <stdio.h>
#include <wchar.h>

#include "fortify.h"

/* sprintf into slen bytes: a result that does not fit ends the run. */
int __carapace_fortify_vsprintf(const char *function, char *s, int flag, size_t slen,
				const char *format, va_list ap)
{
	int n;

	if (slen == 0)
		__carapace_fortify_fail(function);
	__carapace_fortify_format(function, flag, format, 1);
	if (slen > INT_MAX) /* size unknown to the compiler: nothing to bound */
		return vsprintf(s, format, ap);
	n = vsnprintf(s, slen, format, ap);
	if (n >= 0 && (size_t)n >= slen)
		__carapace_fortify_fail(function);
	return n;
}

/* snprintf that claims more room (maxlen) than the object has (slen). */
int __carapace_fortify_vsnprintf(const char *function, char *s, size_t maxlen, int flag,
				 size_t slen, const char *format, va_list ap)
{
	if (maxlen > slen)
		__carapace_fortify_fail(function);
	__carapace_fortify_format(function, flag, format, 1);
	return vsnprintf(s, maxlen, format, ap);
}

/* The same for wide strings; maxlen and slen count wchar_t. */
int __carapace_fortify_vswprintf(const char *function, wchar_t *s, size_t maxlen, int flag,
				 size_t slen, const wchar_t *format, va_list ap)
{
	if (maxlen > slen)
		__carapace_fortify_fail(function);
	__carapace_fortify_format(function, flag, format, sizeof(wchar_t));
	return vswprintf(s, maxlen, format, ap);
}
