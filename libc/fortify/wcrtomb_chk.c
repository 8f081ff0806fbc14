/*
 * __wcrtomb_chk: wcrtomb writes up to MB_CUR_MAX bytes, which the object
 * must hold.
 */
#include <stdlib.h>
#include <wchar.h>

#include "fortify.h"

size_t __wcrtomb_chk(char *s, wchar_t wc, mbstate_t *ps, size_t buflen)
{
	FORTIFY_CHECK(buflen >= MB_CUR_MAX);
	return wcrtomb(s, wc, ps);
}
