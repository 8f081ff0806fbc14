/*
 * __wmemset_chk: wmemset of n wide characters in an object of dstlen of
 * them.
 */
#include <wchar.h>

#include "fortify.h"

wchar_t *__wmemset_chk(wchar_t *s, wchar_t c, size_t n, size_t dstlen)
{
	FORTIFY_CHECK(n <= dstlen);
	return wmemset(s, c, n);
}
