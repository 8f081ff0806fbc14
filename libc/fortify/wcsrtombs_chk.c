/*
 * __wcsrtombs_chk: wcsrtombs of up to len bytes into dstlen bytes.
 */
#include <wchar.h>

#include "fortify.h"

size_t __wcsrtombs_chk(char *dst, const wchar_t **src, size_t len, mbstate_t *ps, size_t dstlen)
{
	FORTIFY_CHECK(dst == NULL || len <= dstlen);
	return wcsrtombs(dst, src, len, ps);
}
