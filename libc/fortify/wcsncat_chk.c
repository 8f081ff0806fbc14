/*
 * __wcsncat_chk: wcsncat appends at most n wide characters and a
 * terminator within destlen.
 */
#include <wchar.h>

#include "fortify.h"

wchar_t *__wcsncat_chk(wchar_t *dest, const wchar_t *src, size_t n, size_t destlen)
{
	size_t used = wcsnlen(dest, destlen);

	FORTIFY_CHECK(used < destlen && wcsnlen(src, n) < destlen - used);
	return wcsncat(dest, src, n);
}
