/*
 * __mbsrtowcs_chk: mbsrtowcs of up to len wide characters into dstlen of
 * them.
 */
#include <wchar.h>

#include "fortify.h"

size_t __mbsrtowcs_chk(wchar_t *dst, const char **src, size_t len, mbstate_t *ps, size_t dstlen)
{
	FORTIFY_CHECK(dst == NULL || len <= dstlen);
	return mbsrtowcs(dst, src, len, ps);
}
