/*
 * __wmemmove_chk: wmemmove of n wide characters into an object of ns1 of
 * them.
 */
#include <wchar.h>

#include "fortify.h"

wchar_t *__wmemmove_chk(wchar_t *s1, const wchar_t *s2, size_t n, size_t ns1)
{
	FORTIFY_CHECK(n <= ns1);
	return wmemmove(s1, s2, n);
}
