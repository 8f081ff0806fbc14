/*
 * __vswprintf_chk: vswprintf may not claim more room (maxlen) than the
 * object has (slen, in wide characters).
 */
#include <wchar.h>

#include "fortify.h"

int __vswprintf_chk(wchar_t *s, size_t maxlen, int flag, size_t slen, const wchar_t *format,
		    va_list ap)
{
	return __carapace_fortify_vswprintf(__func__, s, maxlen, flag, slen, format, ap);
}
