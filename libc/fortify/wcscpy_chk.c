/*
 * __wcscpy_chk: wcscpy into n wide characters: the string and its
 * terminator must fit.
 */
#include <wchar.h>

#include "fortify.h"

wchar_t *__wcscpy_chk(wchar_t *dest, const wchar_t *src, size_t n)
{
	FORTIFY_CHECK(wcsnlen(src, n) < n);
	return wcscpy(dest, src);
}
