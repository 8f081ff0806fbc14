/*
 * __fgetws_chk: fgetws of at most n - 1 characters: n may not exceed the
 * object's size (counted in wide characters). Stricter than glibc, which
 * fails only when the line read is longer: the call is wrong either way.
 */
#include <stdio.h>
#include <wchar.h>

#include "fortify.h"

wchar_t *__fgetws_chk(wchar_t *buf, size_t size, int n, FILE *fp)
{
	FORTIFY_CHECK(n <= 0 || (size_t)n <= size);
	return fgetws(buf, n, fp);
}
