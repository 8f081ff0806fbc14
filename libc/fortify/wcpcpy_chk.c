/*
 * __wcpcpy_chk: wcpcpy into n wide characters: the string and its
 * terminator must fit.
 */
#include <wchar.h>

#include "fortify.h"

wchar_t *__wcpcpy_chk(wchar_t *dest, const wchar_t *src, size_t n)
{
	FORTIFY_CHECK(wcsnlen(src, n) < n);
	return wcpcpy(dest, src);
}
