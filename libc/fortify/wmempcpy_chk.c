/*
 * __wmempcpy_chk: wmempcpy of n wide characters into an object of ns1 of
 * them. musl has no wmempcpy: wmemcpy, then the end.
 */
#include <wchar.h>

#include "fortify.h"

wchar_t *__wmempcpy_chk(wchar_t *s1, const wchar_t *s2, size_t n, size_t ns1)
{
	FORTIFY_CHECK(n <= ns1);
	return wmemcpy(s1, s2, n) + n;
}
