/*
 * __wcsncpy_chk: wcsncpy writes exactly n wide characters: n must fit in
 * destlen.
 */
#include <wchar.h>

#include "fortify.h"

wchar_t *__wcsncpy_chk(wchar_t *dest, const wchar_t *src, size_t n, size_t destlen)
{
	FORTIFY_CHECK(n <= destlen);
	return wcsncpy(dest, src, n);
}
