/*
 * __wcsnrtombs_chk: wcsnrtombs of up to len bytes into dstlen bytes.
 */
#include <wchar.h>

#include "fortify.h"

size_t __wcsnrtombs_chk(char *dst, const wchar_t **src, size_t nwc, size_t len,
			mbstate_t *ps, size_t dstlen)
{
	FORTIFY_CHECK(dst == NULL || len <= dstlen);
	return wcsnrtombs(dst, src, nwc, len, ps);
}
