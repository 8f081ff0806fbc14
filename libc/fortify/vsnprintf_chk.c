/*
 * __vsnprintf_chk: vsnprintf may not claim more room (maxlen) than the
 * object has (slen).
 */
#include <stdio.h>

#include "fortify.h"

int __vsnprintf_chk(char *s, size_t maxlen, int flag, size_t slen, const char *format, va_list ap)
{
	return __carapace_fortify_vsnprintf(__func__, s, maxlen, flag, slen, format, ap);
}
