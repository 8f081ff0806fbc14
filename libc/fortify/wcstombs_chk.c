/*
 * __wcstombs_chk: wcstombs of up to len bytes into dstlen bytes.
 */
#include <stdlib.h>

#include "fortify.h"

size_t __wcstombs_chk(char *dst, const wchar_t *src, size_t len, size_t dstlen)
{
	FORTIFY_CHECK(dst == NULL || len <= dstlen);
	return wcstombs(dst, src, len);
}
