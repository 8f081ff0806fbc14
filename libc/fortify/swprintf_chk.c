/*
 * __swprintf_chk: swprintf may not claim more room (n) than the object has
 * (slen, in wide characters).
 */
#include <wchar.h>

#include "fortify.h"

int __swprintf_chk(wchar_t *s, size_t n, int flag, size_t slen, const wchar_t *format, ...)
{
	FORTIFY_RETURN_VA(int, format, __carapace_fortify_vswprintf(__func__, s, n, flag, slen,
								 format, ap));
}
