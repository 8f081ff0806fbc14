/*
 * __mbsnrtowcs_chk: mbsnrtowcs of up to len wide characters into dstlen of
 * them.
 */
#include <wchar.h>

#include "fortify.h"

size_t __mbsnrtowcs_chk(wchar_t *dst, const char **src, size_t nmc, size_t len,
			mbstate_t *ps, size_t dstlen)
{
	FORTIFY_CHECK(dst == NULL || len <= dstlen);
	return mbsnrtowcs(dst, src, nmc, len, ps);
}
