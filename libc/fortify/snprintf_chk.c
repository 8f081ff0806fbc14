/*
 * __snprintf_chk: snprintf may not claim more room (maxlen) than the
 * object has (slen).
 */
#include <stdio.h>

#include "fortify.h"

int __snprintf_chk(char *s, size_t maxlen, int flag, size_t slen, const char *format, ...)
{
	FORTIFY_RETURN_VA(int, format, __carapace_fortify_vsnprintf(__func__, s, maxlen, flag,
								 slen, format, ap));
}
