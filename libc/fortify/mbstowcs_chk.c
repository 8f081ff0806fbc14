/*
 * __mbstowcs_chk: mbstowcs of up to len wide characters into dstlen of
 * them.
 */
#include <stdlib.h>

#include "fortify.h"

size_t __mbstowcs_chk(wchar_t *dst, const char *src, size_t len, size_t dstlen)
{
	FORTIFY_CHECK(dst == NULL || len <= dstlen);
	return mbstowcs(dst, src, len);
}
