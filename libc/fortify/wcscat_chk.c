/*
 * __wcscat_chk: wcscat onto a wide string in destlen wide characters.
 */
#include <wchar.h>

#include "fortify.h"

wchar_t *__wcscat_chk(wchar_t *dest, const wchar_t *src, size_t destlen)
{
	size_t used = wcsnlen(dest, destlen);

	FORTIFY_CHECK(used < destlen && wcsnlen(src, destlen - used) < destlen - used);
	return wcscat(dest, src);
}
