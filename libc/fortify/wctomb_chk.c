/*
 * __wctomb_chk: wctomb writes up to MB_CUR_MAX bytes, which the object
 * must hold.
 */
#include <stdlib.h>

#include "fortify.h"

int __wctomb_chk(char *s, wchar_t wc, size_t buflen)
{
	FORTIFY_CHECK(s == NULL || buflen >= MB_CUR_MAX);
	return wctomb(s, wc);
}
